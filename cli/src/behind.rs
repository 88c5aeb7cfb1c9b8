//! Output written by a second thread (docs/DECISIONS.md, D-34): `cancel --json` writes as
//! much as it reads (a copy of its input, then an outcome and an event per entry), and the
//! kernel's copy of each block into the output costs about what making the block costs. The
//! first thread fills blocks of 1 MiB and hands them over; the second writes them in order and
//! hands them back to be filled again, so that at most three blocks more than the one being
//! filled are ever held.

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// The size of a block.
const BLOCK: usize = 1 << 20;
/// How many full blocks may wait for the writer.
const IN_FLIGHT: usize = 3;

/// A writer that hands its blocks to a thread writing them to `W` in order.
///
/// [`finish`](Self::finish) writes the last block and says whether everything was written;
/// dropped unfinished, it still waits for the blocks handed over to be written.
pub struct WriteBehind {
    block: Vec<u8>,
    /// Full blocks to the writer (`None` once it is closed), and emptied blocks back.
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
    writer: Option<JoinHandle<io::Result<()>>>,
    /// Whether any block was handed over to be written.
    handed: bool,
}

impl WriteBehind {
    /// Starts the thread writing to `out`.
    ///
    /// # Errors
    ///
    /// The thread cannot be started.
    pub fn new<W: Write + Send + 'static>(mut out: W) -> io::Result<Self> {
        let (full, blocks) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (emptied, empty) = sync_channel::<Vec<u8>>(IN_FLIGHT + 1);
        let writer = std::thread::Builder::new()
            .name("output".to_owned())
            .spawn(move || {
                // (On an error the thread ends, and the first thread's next hand-over fails:
                // it takes the error from here.)
                for mut block in blocks {
                    out.write_all(&block)?;
                    block.clear();
                    let _ = emptied.try_send(block);
                }
                out.flush()
            })?;
        Ok(Self {
            block: Vec::with_capacity(BLOCK),
            full: Some(full),
            empty,
            writer: Some(writer),
            handed: false,
        })
    }

    /// Hands the block over (if it holds anything) and takes an empty one.
    fn hand_over(&mut self) -> io::Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BLOCK));
        let block = std::mem::replace(&mut self.block, next);
        self.handed = true;
        match &self.full {
            Some(full) if full.send(block).is_ok() => Ok(()),
            _ => Err(self.close().err().unwrap_or_else(stopped)),
        }
    }

    /// Closes the channel and waits for the writer: its result.
    fn close(&mut self) -> io::Result<()> {
        self.full = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(stopped()),
            None => Ok(()),
        }
    }

    /// Writes the last block and waits until everything is written.
    ///
    /// # Errors
    ///
    /// The first error writing the output.
    pub fn finish(mut self) -> io::Result<()> {
        self.hand_over()?;
        self.close()
    }

    /// Gives up on the output (the command failed): the block being filled is dropped, and
    /// the blocks already handed over are still written; whether any were.
    pub fn abandon(mut self) -> bool {
        self.block.clear();
        let _ = self.close();
        self.handed
    }
}

/// The error when the writer ended without one of its own.
fn stopped() -> io::Error {
    io::Error::other("the thread writing the output stopped")
}

impl WriteBehind {
    /// The block being filled, to write into directly, handed over first and replaced by an
    /// empty one if it has no room for `len` more bytes (more may still be written).
    ///
    /// # Errors
    ///
    /// The writer's error, once it has one.
    #[inline]
    pub fn room(&mut self, len: usize) -> io::Result<&mut Vec<u8>> {
        if self.block.len() + len > BLOCK {
            self.hand_over()?;
        }
        Ok(&mut self.block)
    }
}

/// Standard output as a file (a duplicate of its descriptor) where the system has them:
/// Rust's `Stdout` is line-buffered, and looks for the last newline in every block written.
/// With it, what takes back the output if the command fails part way.
pub fn stdout() -> (Box<dyn Write + Send>, TakeBack) {
    #[cfg(unix)]
    if let Ok(fd) = std::os::fd::AsFd::as_fd(&io::stdout()).try_clone_to_owned() {
        let file = std::fs::File::from(fd);
        let take_back = file
            .try_clone()
            .map_or(TakeBack { file: None }, TakeBack::of);
        return (Box::new(file), take_back);
    }
    (Box::new(io::stdout()), TakeBack { file: None })
}

/// What takes back a failed command's output (docs/DECISIONS.md, D-34): standard output when
/// it is a regular file that the output goes to the end of (`> FILE`, `>> FILE`), and its
/// length before.
pub struct TakeBack {
    file: Option<(std::fs::File, u64)>,
}

impl TakeBack {
    /// Of `file`, standard output: something to take back only if it is a regular file and
    /// the output goes to its end (it is at its end, or appends).
    fn of(file: std::fs::File) -> Self {
        use std::io::Seek;
        let mut file = file;
        #[cfg(unix)]
        let appends = rustix::fs::fcntl_getfl(&file)
            .is_ok_and(|flags| flags.contains(rustix::fs::OFlags::APPEND));
        #[cfg(not(unix))]
        let appends = false;
        let start = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|meta| {
                let at = file.stream_position().ok()?;
                (appends || at == meta.len()).then_some(meta.len())
            });
        Self {
            file: start.map(|start| (file, start)),
        }
    }

    /// Cuts the file back to its length before the command wrote to it (once everything
    /// handed over is written: after [`WriteBehind::abandon`]); whether it did.
    pub fn take_back(self) -> bool {
        self.file
            .is_some_and(|(file, start)| file.set_len(start).is_ok())
    }
}

impl Write for WriteBehind {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.room(data.len())?.extend_from_slice(data);
        Ok(data.len())
    }

    /// Hands the block over; [`finish`](Self::finish) waits for it to be written.
    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

impl Drop for WriteBehind {
    fn drop(&mut self) {
        let _ = self.hand_over();
        let _ = self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer into shared memory, failing after `fail_after` bytes when set.
    #[derive(Clone, Default)]
    struct Shared {
        bytes: Arc<Mutex<Vec<u8>>>,
        fail_after: Option<usize>,
        /// The length of every write, in order.
        writes: Arc<Mutex<Vec<usize>>>,
    }

    impl Write for Shared {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            let mut bytes = self
                .bytes
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?;
            if self
                .fail_after
                .is_some_and(|n| bytes.len() + data.len() > n)
            {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            bytes.extend_from_slice(data);
            if let Ok(mut writes) = self.writes.lock() {
                writes.push(data.len());
            }
            Ok(data.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn text(len: usize) -> Vec<u8> {
        (0..len).map(|i| b'a' + (i % 23) as u8).collect()
    }

    #[test]
    fn everything_written_arrives_in_order() {
        let shared = Shared::default();
        let mut out = WriteBehind::new(shared.clone()).expect("a thread");
        let mut expected = Vec::new();
        // Small pieces, pieces across blocks, and pieces larger than a block.
        for (i, len) in [1, 7, 1000, BLOCK - 3, 5, 3 * BLOCK + 11, 0, 64]
            .into_iter()
            .enumerate()
        {
            let piece = text(len + i);
            out.write_all(&piece).expect("written");
            expected.extend_from_slice(&piece);
            if i == 3 {
                out.flush().expect("handed over");
            }
        }
        out.finish().expect("finished");
        assert_eq!(*shared.bytes.lock().expect("not poisoned"), expected);
    }

    #[test]
    fn the_writers_error_is_the_error_of_the_next_hand_over_or_of_finish() {
        let shared = Shared {
            fail_after: Some(BLOCK + 10),
            ..Shared::default()
        };
        let mut out = WriteBehind::new(shared.clone()).expect("a thread");
        let mut error = None;
        for _ in 0..20 {
            if let Err(e) = out.write_all(&text(BLOCK / 2)) {
                error = Some(e);
                break;
            }
        }
        let error = match error {
            Some(e) => e,
            None => out.finish().expect_err("the write fails"),
        };
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert!(shared.bytes.lock().expect("not poisoned").len() <= BLOCK + 10);

        // Failing only with the last block: `finish` says so.
        let shared = Shared {
            fail_after: Some(10),
            ..Shared::default()
        };
        let mut out = WriteBehind::new(shared).expect("a thread");
        out.write_all(&text(100)).expect("held, not yet written");
        assert_eq!(
            out.finish().expect_err("the write fails").kind(),
            io::ErrorKind::BrokenPipe
        );
    }

    #[test]
    fn a_writer_dropped_unfinished_still_writes_what_it_holds() {
        let shared = Shared::default();
        {
            let mut out = WriteBehind::new(shared.clone()).expect("a thread");
            out.write_all(&text(BLOCK + 5)).expect("written");
        }
        assert_eq!(*shared.bytes.lock().expect("not poisoned"), text(BLOCK + 5));
    }

    #[test]
    fn room_hands_over_a_block_that_lacks_it() {
        let shared = Shared::default();
        let mut out = WriteBehind::new(shared.clone()).expect("a thread");
        let mut expected = Vec::new();
        for i in 0..30_000 {
            let item = text(100 + i % 50);
            out.room(256).expect("room").extend_from_slice(&item);
            expected.extend_from_slice(&item);
        }
        out.finish().expect("finished");
        assert_eq!(*shared.bytes.lock().expect("not poisoned"), expected);
        // Every block but the last was handed over full but for less than the room asked.
        let writes = shared.writes.lock().expect("not poisoned").clone();
        assert!(writes.len() >= 4, "{writes:?}");
        for &len in &writes[..writes.len() - 1] {
            assert!((BLOCK - 256..=BLOCK).contains(&len), "{writes:?}");
        }

        // A block is filled to its last byte.
        let shared = Shared::default();
        let mut out = WriteBehind::new(shared.clone()).expect("a thread");
        out.write_all(&text(BLOCK - 256)).expect("written");
        out.room(256).expect("room").extend_from_slice(&text(256));
        out.finish().expect("finished");
        assert_eq!(*shared.writes.lock().expect("not poisoned"), [BLOCK]);
    }

    #[test]
    fn flush_hands_the_block_over_to_be_written() {
        let shared = Shared::default();
        let mut out = WriteBehind::new(shared.clone()).expect("a thread");
        out.write_all(b"held").expect("written");
        out.flush().expect("handed over");
        // Written by the other thread without `finish` (waiting at most ten seconds for it).
        let written = (0..1000).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            shared
                .bytes
                .lock()
                .is_ok_and(|bytes| bytes.as_slice() == b"held")
        });
        assert!(written, "the flushed block was not written");
        out.finish().expect("finished");
    }

    #[test]
    fn abandoned_the_block_being_filled_is_dropped_and_what_was_handed_over_written() {
        let shared = Shared::default();
        let mut out = WriteBehind::new(shared.clone()).expect("a thread");
        out.write_all(b"never").expect("held");
        assert!(!out.abandon(), "nothing was handed over");
        assert!(shared.bytes.lock().expect("not poisoned").is_empty());

        // A block handed over (for want of room for the next piece), the next one dropped.
        let mut out = WriteBehind::new(shared.clone()).expect("a thread");
        out.write_all(&text(BLOCK - 10)).expect("written");
        out.write_all(&text(20)).expect("written");
        assert!(out.abandon(), "a block was handed over");
        assert_eq!(
            *shared.bytes.lock().expect("not poisoned"),
            text(BLOCK - 10)
        );
    }

    #[test]
    fn a_regular_file_written_at_its_end_is_taken_back_to_its_length_before() {
        use std::io::{Seek, SeekFrom};
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("out");
        let open = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .expect("opened")
        };
        // At its end (as `> FILE` or `>> FILE` leave it): cut back.
        std::fs::write(&path, "before").expect("written");
        let mut file = open();
        file.seek(SeekFrom::End(0)).expect("at the end");
        let take_back = TakeBack::of(file.try_clone().expect("a clone"));
        file.write_all(b" and after").expect("written");
        assert!(take_back.take_back());
        assert_eq!(std::fs::read(&path).expect("read"), b"before");

        // Appended to (`>> FILE`), wherever its offset stands: cut back.
        if cfg!(unix) {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .expect("opened");
            let take_back = TakeBack::of(file.try_clone().expect("a clone"));
            file.write_all(b" and after").expect("written");
            assert!(take_back.take_back());
            assert_eq!(std::fs::read(&path).expect("read"), b"before");
        }

        // Written from elsewhere than its end (`1<> FILE`): left alone.
        let mut file = open();
        file.seek(SeekFrom::Start(2)).expect("at 2");
        let take_back = TakeBack::of(file.try_clone().expect("a clone"));
        file.write_all(b"FORE and after").expect("written");
        assert!(!take_back.take_back());
        assert_eq!(std::fs::read(&path).expect("read"), b"beFORE and after");
    }
}
