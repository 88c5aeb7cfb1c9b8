//! Where input comes from (a file, or standard input as `-`), how it is read once or twice,
//! the progress line, and the errors of reading.
//!
//! A regular file that must be read twice (`cancel --json`) is read again from the same open
//! file, after checking that its size and modification time have not changed. Anything else
//! (a pipe, a FIFO, standard input, `<(...)`) is copied to a temporary file as it is read,
//! and the second pass reads the copy; the tool says so on standard error.

use std::cell::Cell;
use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::digest::{BlockHash, Part, StreamDigest, BLOCK};
use crate::render::clean;

/// Something wrong with the input: the file, where in it (line and column), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's name as given (`standard input` for `-`).
    pub file: String,
    /// The line and column (1-based), when the fault has a place.
    pub at: Option<(u64, u64)>,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    /// A fault of `file` as a whole.
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            at: None,
            message: message.into(),
        }
    }
}

impl std::error::Error for InputError {}

impl fmt::Display for InputError {
    /// Control characters of the input are escaped: nothing reaches the terminal raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, message) = (clean(&self.file), clean(&self.message));
        match self.at {
            Some((line, column)) => write!(f, "{file}: line {line}, column {column}: {message}"),
            None => write!(f, "{file}: {message}"),
        }
    }
}

/// One input named on the command line.
#[derive(Clone)]
pub struct Source {
    name: String,
    path: Option<PathBuf>,
}

/// Makes [`Source`]s from command-line paths; standard input may be named once.
#[derive(Default)]
pub struct Sources {
    stdin_used: bool,
}

impl Sources {
    /// The source `path` names (`-` is standard input).
    ///
    /// # Errors
    ///
    /// Standard input named twice.
    pub fn source(&mut self, path: &Path) -> Result<Source, InputError> {
        if path.as_os_str() != "-" {
            return Ok(Source {
                name: path.display().to_string(),
                path: Some(path.to_owned()),
            });
        }
        let name = "standard input";
        if std::mem::replace(&mut self.stdin_used, true) {
            return Err(InputError::new(
                name,
                "`-` is given twice; standard input can be read only once",
            ));
        }
        Ok(Source {
            name: name.to_owned(),
            path: None,
        })
    }
}

/// How a source will be read again (`cancel --json`).
pub enum Again {
    /// Not needed.
    No,
    /// The same regular file, as it was when first read.
    File {
        file: File,
        len: u64,
        modified: Option<SystemTime>,
    },
    /// A copy kept while the first pass read the input.
    Spool(File),
}

impl Again {
    /// The regular file `file` (`meta` its metadata), to be read again as it is now.
    pub fn file(file: File, meta: &Metadata) -> Self {
        Self::File {
            file,
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// A source opened for its first pass.
pub struct Opened {
    /// The reader of the first pass.
    pub reader: Tap<Box<dyn Read>>,
    /// How to read it again.
    pub again: Again,
}

impl Source {
    /// A source for tests and the fuzz target: a name only (never opened).
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            path: None,
        }
    }

    /// The path named on the command line (`None` for standard input).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The name errors and output use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its size, when it is a regular file (for the progress line's total, counted before
    /// anything is read: [`Progress::expect`]).
    pub fn size(&self) -> Option<u64> {
        let meta = std::fs::metadata(self.path.as_ref()?).ok()?;
        meta.is_file().then_some(meta.len())
    }

    /// Opens the source for its first pass; with `twice`, arranges to read it again.
    ///
    /// # Errors
    ///
    /// It cannot be opened, is a directory, or no temporary file can be made.
    pub fn open(&self, progress: &Rc<Progress>, twice: bool) -> Result<Opened, InputError> {
        let (raw, meta): (Box<dyn Read>, Option<(File, Metadata)>) = match &self.path {
            None => (Box::new(io::stdin()), None),
            Some(path) => {
                let file = File::open(path).map_err(|e| self.io_error(&e))?;
                let meta = file.metadata().map_err(|e| self.io_error(&e))?;
                if meta.is_dir() {
                    return Err(InputError::new(&self.name, "is a directory, not a file"));
                }
                let reader = file.try_clone().map_err(|e| self.io_error(&e))?;
                (Box::new(reader), Some((file, meta)))
            }
        };
        let seek = match &meta {
            Some((file, meta)) if meta.is_file() => {
                Some(file.try_clone().map_err(|e| self.io_error(&e))?)
            }
            _ => None,
        };
        let tapped = Tap {
            inner: raw,
            progress: Rc::clone(progress),
            spool: None,
            file: seek,
        };
        let again = match meta {
            _ if !twice => Again::No,
            Some((file, meta)) if meta.is_file() => Again::file(file, &meta),
            _ => {
                // (Standard input is spooled even when it is a regular file: it is read from
                // where it stands, which the tool cannot go back to.)
                match self.path {
                    None => crate::say(
                        "journal-run: keeping a copy of standard input in a temporary file to read it a second time"
                    ),
                    Some(_) => crate::say(&format!(
                        "journal-run: {} is not a regular file: keeping a copy in a temporary file to read it a second time",
                        clean(&self.name)
                    )),
                }
                let spool = tempfile::tempfile().map_err(|e| {
                    InputError::new(&self.name, format!("cannot make a temporary file: {e}"))
                })?;
                let writer = spool.try_clone().map_err(|e| self.io_error(&e))?;
                return Ok(Opened {
                    reader: Tap {
                        spool: Some(writer),
                        file: None,
                        ..tapped
                    },
                    again: Again::Spool(spool),
                });
            }
        };
        Ok(Opened {
            reader: tapped,
            again,
        })
    }

    /// The reader of the second pass: the same bytes as the first, or an error (nothing has
    /// been written yet) when the file changed in between.
    ///
    /// # Errors
    ///
    /// The file changed, or cannot be read again.
    pub fn reopen(
        &self,
        again: &Again,
        read: u64,
        progress: &Rc<Progress>,
    ) -> Result<Box<dyn Read>, InputError> {
        let start = |file: &File| {
            let mut file = file.try_clone().map_err(|e| self.io_error(&e))?;
            file.seek(io::SeekFrom::Start(0))
                .map_err(|e| self.io_error(&e))?;
            Ok::<_, InputError>(file)
        };
        let inner: Box<dyn Read> = match again {
            Again::No => return Err(InputError::new(&self.name, "cannot be read a second time")),
            Again::Spool(file) => Box::new(start(file)?),
            Again::File {
                file,
                len,
                modified,
            } => {
                let file = Unchanged {
                    file: start(file)?,
                    len: *len,
                    modified: *modified,
                };
                if read != *len || file.changed().map_err(|e| self.io_error(&e))? {
                    return Err(self.changed());
                }
                Box::new(file)
            }
        };
        Ok(Box::new(Tap {
            inner,
            progress: Rc::clone(progress),
            spool: None,
            file: None,
        }))
    }

    /// The fault of a file that changed between the two passes, or during the second.
    pub fn changed(&self) -> InputError {
        InputError::new(&self.name, CHANGED)
    }

    /// The 1-based line and column of input offset `offset` of a regular file, counted in
    /// the file after a fault was found there (its walker counts no lines:
    /// [`Walker::without_lines`](crate::walk::Walker::without_lines)); `None` when it is
    /// not a regular file, or no longer has `offset` bytes.
    pub fn line_column(&self, offset: u64) -> Option<(u64, u64)> {
        // (Looked at before it is opened: opening a FIFO would wait for a writer.)
        if self.size()? < offset {
            return None;
        }
        let file = File::open(self.path.as_ref()?).ok()?;
        let (mut lines, mut at) = (crate::walk::Lines::default(), 0);
        let mut reader = file.take(offset);
        let mut block = vec![0; 1 << 20];
        loop {
            let n = match reader.read(&mut block) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            };
            lines.add(&block[..n], at);
            at += n as u64;
        }
        (at == offset).then(|| lines.place(offset))
    }

    /// An error reading this source.
    pub fn io_error(&self, error: &io::Error) -> InputError {
        if error.get_ref().is_some_and(|e| e.is::<Changed>()) {
            return self.changed();
        }
        if let Some(not_kept) = error.get_ref().and_then(|e| e.downcast_ref::<NotKept>()) {
            return InputError::new(&self.name, not_kept.to_string());
        }
        let message = match error.kind() {
            io::ErrorKind::NotFound => "no such file".to_owned(),
            io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => format!("cannot read: {error}"),
        };
        InputError::new(&self.name, message)
    }
}

/// A reader that counts for the progress line, feeds the digest, and keeps a copy.
pub struct Tap<R> {
    inner: R,
    progress: Rc<Progress>,
    spool: Option<File>,
    /// The file `inner` reads (sharing its offset), to seek in.
    file: Option<File>,
}

/// What a file that changed is said to have done (the command adds what became of its output).
const CHANGED: &str =
    "changed while it was read (its size or modification time differs from the first pass)";

/// A regular file read a second time, which must stay as the first pass found it: after every
/// read its size and modification time are compared with the first pass's, so that no byte
/// the file holds after a change is taken (docs/DECISIONS.md, D-26). A write changes the
/// modification time before the bytes, so a read that saw new bytes is followed by a
/// comparison that sees the new time.
struct Unchanged {
    file: File,
    len: u64,
    modified: Option<SystemTime>,
}

impl Unchanged {
    /// Whether the file's size or modification time is no longer the first pass's.
    fn changed(&self) -> io::Result<bool> {
        let meta = self.file.metadata()?;
        Ok(meta.len() != self.len || meta.modified().ok() != self.modified)
    }
}

/// The error of a file found changed while it was read a second time.
#[derive(Debug)]
struct Changed;

impl fmt::Display for Changed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(CHANGED)
    }
}

impl std::error::Error for Changed {}

/// The error of the copy kept of an input that cannot be read twice (a full disk), which is
/// no fault of reading.
#[derive(Debug, thiserror::Error)]
#[error("cannot keep a copy in a temporary file: {0}")]
struct NotKept(io::Error);

impl Read for Unchanged {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        if self.changed()? {
            return Err(io::Error::other(Changed));
        }
        Ok(n)
    }
}

/// A reader that can move on over bytes another thread has read.
pub trait Jump: Read + Sized {
    /// Moves on by `left` bytes, which another thread read and hashed in the blocks
    /// `blocks`: seeking over them where it can, reading the rest (by default, reading all).
    ///
    /// # Errors
    ///
    /// The input cannot be read, or ends before.
    fn jump(&mut self, left: u64, blocks: &[BlockHash]) -> io::Result<()> {
        let _ = blocks;
        let read = io::copy(&mut self.by_ref().take(left), &mut io::sink())?;
        if read < left {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

impl<R: Read> Jump for Tap<R> {
    fn jump(&mut self, mut left: u64, blocks: &[BlockHash]) -> io::Result<()> {
        let mut scratch = Vec::new();
        while left > 0 {
            if let Some(file) = &mut self.file {
                let skipped = self.progress.skip(left, blocks);
                if skipped > 0 {
                    let by = i64::try_from(skipped).map_err(io::Error::other)?;
                    file.seek(io::SeekFrom::Current(by))?;
                    left -= skipped;
                    continue;
                }
            }
            let want = self.progress.to_next_block(left).min(1 << 20);
            scratch.resize(usize::try_from(want).unwrap_or(1 << 20), 0);
            match self.read(&mut scratch)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => left -= n as u64,
            }
        }
        Ok(())
    }
}

impl Jump for &[u8] {}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        if let Some(spool) = &mut self.spool {
            spool
                .write_all(bytes)
                .map_err(|e| io::Error::new(e.kind(), NotKept(e)))?;
        }
        self.progress.advance(bytes);
        Ok(n)
    }
}

/// How large the input must be for a progress line to show.
const PROGRESS_THRESHOLD: u64 = 32 << 20;

/// The progress of reading every pass of every input, as one line on standard error when it
/// is a terminal (not `TERM=dumb`) and the input is large; and the digest of the first pass.
pub struct Progress {
    total: Cell<Option<u64>>,
    done: Cell<u64>,
    shown: Cell<bool>,
    enabled: bool,
    next: Cell<Instant>,
    digest: std::cell::RefCell<Option<StreamDigest>>,
    /// Bytes each second thread has read ahead of this one (`input::Tail`, `input::PagesTail`).
    ahead: std::cell::RefCell<Vec<Arc<AtomicU64>>>,
    /// The most the line has said, so that it never goes back.
    said: Cell<u64>,
}

impl Progress {
    /// A progress line (shown only on a capable terminal); with `hash`, a digest of the bytes
    /// read until [`take_digest`](Self::take_digest).
    pub fn new(hash: bool) -> Rc<Self> {
        let dumb = crate::render::dumb(std::env::var_os("TERM").as_deref());
        Rc::new(Self {
            total: Cell::new(Some(0)),
            done: Cell::new(0),
            shown: Cell::new(false),
            enabled: io::stderr().is_terminal() && !dumb,
            next: Cell::new(Instant::now() + Duration::from_millis(300)),
            digest: std::cell::RefCell::new(hash.then(StreamDigest::default)),
            ahead: std::cell::RefCell::default(),
            said: Cell::new(0),
        })
    }

    /// A count for a second thread to add its bytes to while it reads ahead (set back to 0
    /// when the first thread takes over those bytes).
    pub fn ahead(&self) -> Arc<AtomicU64> {
        let count = Arc::<AtomicU64>::default();
        self.ahead.borrow_mut().push(Arc::clone(&count));
        count
    }

    /// The bytes to read in all, when every file's size is known.
    #[cfg(test)]
    pub(crate) fn total(&self) -> Option<u64> {
        self.total.get()
    }

    /// Counts a file of `size` bytes (unknown: `None`) to read, `twice` or once, in the total.
    pub fn expect(&self, size: Option<u64>, twice: bool) {
        let passes = if twice { 2 } else { 1 };
        self.total
            .set(self.total.get().zip(size).map(|(t, s)| t + s * passes));
    }

    /// Takes over `read` bytes a second thread read from offset `start` of the input (and
    /// hashed as `part`, when there is a digest), if this thread is at that offset; whether
    /// it did (otherwise nothing changed).
    pub fn take_over(&self, start: u64, read: u64, part: Option<&Part>) -> bool {
        if self.done.get() != start {
            return false;
        }
        if let Some(digest) = self.digest.borrow_mut().as_mut() {
            if !part.is_some_and(|part| digest.take(part)) {
                return false;
            }
        }
        self.done.set(start + read);
        true
    }

    fn advance(&self, bytes: &[u8]) {
        if let Some(digest) = self.digest.borrow_mut().as_mut() {
            digest.update(bytes);
        }
        self.done.set(self.done.get() + bytes.len() as u64);
        if !self.enabled {
            return;
        }
        let Some(line) = self.line_at(Instant::now()) else {
            return;
        };
        let mut stderr = io::stderr().lock();
        // Progress is a courtesy: a failure to show it is not an error.
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
        self.shown.set(true);
    }

    /// The line to show at `now`, when one is due: not for an input of less than
    /// [`PROGRESS_THRESHOLD`] bytes in all, nor before 300 ms of reading, nor within 200 ms
    /// of the last.
    fn line_at(&self, now: Instant) -> Option<String> {
        let total = self.total.get();
        if total.is_some_and(|t| t < PROGRESS_THRESHOLD) || now < self.next.get() {
            return None;
        }
        self.next.set(now + Duration::from_millis(200));
        let mb = |bytes: u64| bytes / 1_000_000;
        let done = self.position();
        Some(match total {
            Some(t) if t > 0 => format!(
                "reading: {} of {} MB ({}%)",
                mb(done),
                mb(t),
                done.saturating_mul(100) / t
            ),
            _ => format!("reading: {} MB", mb(done)),
        })
    }

    /// How far the line says reading is: this thread's bytes and a second thread's, never
    /// more than the total, never less than it said before.
    fn position(&self) -> u64 {
        let ahead: u64 = self
            .ahead
            .borrow()
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .sum();
        let read = self.done.get() + ahead;
        let done = read
            .min(self.total.get().unwrap_or(u64::MAX))
            .max(self.said.get());
        self.said.set(done);
        done
    }

    /// The digest of everything read so far, which stops being fed.
    pub fn take_digest(&self) -> Option<u128> {
        self.digest.borrow_mut().take().map(|d| d.finalize())
    }

    /// The digest's offset (bytes hashed so far), when there is a digest.
    pub fn hashed(&self) -> Option<u64> {
        self.digest.borrow().as_ref().map(StreamDigest::offset)
    }

    /// Skips the next `left` bytes of the input unread where it can: all of them without a
    /// digest; with one, those of the blocks in `blocks` (hashed by another thread) that
    /// follow one another from the digest's offset. How many bytes it skipped.
    fn skip(&self, left: u64, blocks: &[BlockHash]) -> u64 {
        let mut skipped = 0;
        if let Some(digest) = self.digest.borrow_mut().as_mut() {
            let (from, to) = (digest.offset(), digest.offset() + left);
            for &block in blocks.iter().skip_while(|b| b.0 < from) {
                if block.0 + BLOCK > to || !digest.splice(block) {
                    break;
                }
                skipped += BLOCK;
            }
        } else {
            skipped = left;
        }
        self.done.set(self.done.get() + skipped);
        skipped
    }

    /// The bytes to read before the digest can take a block from another thread (all of
    /// `left` without a digest).
    fn to_next_block(&self, left: u64) -> u64 {
        self.hashed()
            .map_or(left, |at| (BLOCK - at % BLOCK).min(left))
    }

    /// Clears the line, if one was shown.
    pub fn finish(&self) {
        if self.shown.replace(false) {
            let mut stderr = io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file at `path` opened to be read twice, and read once.
    fn read_once(path: &Path) -> (Source, Opened, Rc<Progress>) {
        let source = Sources::default()
            .source(path)
            .unwrap_or_else(|e| panic!("{e}"));
        let progress = Progress::new(false);
        let mut opened = source
            .open(&progress, true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(io::copy(&mut opened.reader, &mut io::sink()).is_ok());
        (source, opened, progress)
    }

    /// The copy of an input read once that cannot be written (a full disk) is said to be the
    /// copy's fault, not the reading's.
    #[test]
    fn a_copy_that_cannot_be_kept_is_said_so() {
        let Ok(full) = File::options().write(true).open("/dev/full") else {
            return;
        };
        let source = Sources::default()
            .source(Path::new("-"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut tap = Tap {
            inner: &b"{}"[..],
            progress: Progress::new(false),
            spool: Some(full),
            file: None,
        };
        let error = tap.read(&mut [0; 2]).err();
        let message = error.map(|e| source.io_error(&e).message);
        assert_eq!(
            message.as_deref(),
            Some("cannot keep a copy in a temporary file: No space left on device (os error 28)")
        );
    }

    #[test]
    fn a_file_changed_between_the_passes_is_refused_before_the_second() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("s.json");
        std::fs::write(&path, "{}").unwrap_or_else(|e| panic!("{e}"));
        let (source, opened, progress) = read_once(&path);
        assert!(source.reopen(&opened.again, 2, &progress).is_ok());
        std::fs::write(&path, "{}  ").unwrap_or_else(|e| panic!("{e}"));
        let refused = source.reopen(&opened.again, 2, &progress).err();
        assert_eq!(refused.map(|e| e.message), Some(CHANGED.to_owned()));
    }

    /// A file changed while it is read the second time: the read after the change fails as
    /// changed, whether its size changed or only its modification time (set apart by a
    /// second, so that a coarse clock cannot hide it).
    #[test]
    fn a_file_changed_during_the_second_pass_is_refused_at_the_next_read() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("s.json");
        let text = vec![b' '; 3 << 20];
        for resize in [false, true] {
            std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
            let (source, opened, progress) = read_once(&path);
            let read = text.len() as u64;
            // Unchanged: read whole, as the first pass read it.
            let mut again = source
                .reopen(&opened.again, read, &progress)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut second = Vec::new();
            assert!(again.read_to_end(&mut second).is_ok());
            assert_eq!(second, text);

            let mut again = source
                .reopen(&opened.again, read, &progress)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut block = vec![0; 1 << 20];
            assert_eq!(again.read(&mut block).ok(), Some(1 << 20));
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .unwrap_or_else(|e| panic!("{e}"));
            if resize {
                file.set_len(2 << 20).unwrap_or_else(|e| panic!("{e}"));
            } else {
                file.seek(io::SeekFrom::Start(2 << 20))
                    .and_then(|_| file.write_all(b"x"))
                    .unwrap_or_else(|e| panic!("{e}"));
                let first = opened_modified(&opened.again);
                file.set_modified(first + Duration::from_secs(1))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            let error = again.read(&mut block).expect_err("the file changed");
            assert_eq!(
                source.io_error(&error).message,
                CHANGED,
                "resized: {resize}"
            );
        }
    }

    /// The modification time the first pass saw.
    fn opened_modified(again: &Again) -> SystemTime {
        match again {
            Again::File {
                modified: Some(t), ..
            } => *t,
            _ => panic!("a regular file with a modification time"),
        }
    }

    #[test]
    fn messages_escape_what_would_act_on_a_terminal() {
        let error = InputError {
            file: "a\nb".to_owned(),
            at: Some((1, 2)),
            message: "x\u{1b}[2J\u{202e}".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "a\\nb: line 1, column 2: x\\u{1b}[2J\\u{202e}"
        );
    }

    #[test]
    fn the_progress_counts_a_second_thread_and_never_goes_back() {
        let progress = Progress::new(false);
        progress.expect(Some(100), false);
        progress.advance(&[0; 30]);
        let ahead = progress.ahead();
        ahead.store(40, Ordering::Relaxed);
        assert_eq!(progress.position(), 70);
        // The first thread takes the second's bytes over: the line stays until it passes them.
        ahead.store(0, Ordering::Relaxed);
        progress.advance(&[0; 20]);
        assert_eq!(progress.position(), 70);
        progress.advance(&[0; 45]);
        assert_eq!(progress.position(), 95);
        // Never past the total.
        ahead.store(1_000, Ordering::Relaxed);
        assert_eq!(progress.position(), 100);
    }

    /// The line is due for an input of 32 MiB or more (both passes counted), 300 ms after
    /// reading starts and every 200 ms after, in MB of 10^6 bytes; without a known total, the
    /// bytes read only.
    #[test]
    fn the_progress_line_says_what_is_read_of_both_passes_at_most_every_200_ms() {
        let progress = Progress::new(false);
        let start = progress.next.get();
        progress.expect(Some(600_000_000), true);
        assert_eq!(progress.line_at(start - Duration::from_millis(1)), None);
        assert_eq!(
            progress.line_at(start).as_deref(),
            Some("reading: 0 of 1200 MB (0%)")
        );
        assert!(progress.take_over(0, 450_000_000, None));
        let soon = start + Duration::from_millis(199);
        assert_eq!(progress.line_at(soon), None);
        let later = start + Duration::from_millis(200);
        assert_eq!(
            progress.line_at(later).as_deref(),
            Some("reading: 450 of 1200 MB (37%)")
        );
        assert_eq!(progress.line_at(later), None);

        for (size, shown) in [(PROGRESS_THRESHOLD - 1, false), (PROGRESS_THRESHOLD, true)] {
            let progress = Progress::new(false);
            progress.expect(Some(size), false);
            let line = progress.line_at(progress.next.get());
            assert_eq!(line.is_some(), shown, "{size} bytes");
        }
        assert_eq!(PROGRESS_THRESHOLD, 33_554_432);

        let progress = Progress::new(false);
        progress.expect(None, false);
        progress.advance(&[0; 2_500_000]);
        assert_eq!(
            progress.line_at(progress.next.get()).as_deref(),
            Some("reading: 2 MB")
        );
    }

    /// A reader that counts the bytes it reads.
    struct Counting(File, Rc<std::cell::Cell<u64>>);

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1.set(self.1.get() + n as u64);
            Ok(n)
        }
    }

    /// The first thread jumps over the bytes a second thread read: without a digest it seeks
    /// over all of them; with one, it reads to the next block's start, seeks over the blocks
    /// the second thread hashed, and reads the rest; either way it then reads on from the
    /// right byte, and the digest is that of the file's bytes.
    #[test]
    fn a_jump_seeks_over_what_another_thread_read_and_hashed() {
        use crate::digest::{BlockHasher, BLOCK};
        let block = usize::try_from(BLOCK).unwrap_or(0);
        let bytes: Vec<u8> = (0..5 * block + 1_234).map(|i| (i % 251) as u8).collect();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("s.json");
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        // The second thread's part is from 1,000,000 to `to`; it read and hashed on past its
        // end, as a reader with a window does (blocks 1 to 4 whole). The first thread jumps
        // from `at`, at its start or in its part.
        let from = 1_000_000;
        let mut hasher = BlockHasher::new(from as u64, false);
        hasher.update(&bytes[from..]);
        let blocks = hasher.blocks;
        assert_eq!(blocks.len(), 4);
        let cases = [
            (from, 4 * block + 500, false),
            (from, 4 * block + 500, true),
            (from, 4 * block, true),
            (block + 1_000, 4 * block + 500, true),
        ];
        for (at, to, hash) in cases {
            let file = File::open(&path).unwrap_or_else(|e| panic!("{e}"));
            let read = Rc::new(std::cell::Cell::new(0));
            let progress = Progress::new(hash);
            let mut tap = Tap {
                inner: Counting(
                    file.try_clone().unwrap_or_else(|e| panic!("{e}")),
                    Rc::clone(&read),
                ),
                progress: Rc::clone(&progress),
                spool: None,
                file: Some(file),
            };
            let mut first = vec![0; at];
            assert!(tap.read_exact(&mut first).is_ok());
            let case = format!("from {at} to {to}, digest: {hash}");
            assert!(tap.jump((to - at) as u64, &blocks).is_ok(), "{case}");
            let seeked = if hash {
                (to / block - at.div_ceil(block)) * block
            } else {
                to - at
            };
            assert_eq!(read.get(), (to - seeked) as u64, "{case}");
            assert_eq!(progress.done.get(), to as u64, "{case}");
            let mut rest = Vec::new();
            assert!(tap.read_to_end(&mut rest).is_ok());
            assert!(rest == bytes[to..], "{case}");
            let digest = hash.then(|| crate::digest::of(&bytes));
            assert_eq!(progress.take_digest(), digest, "{case}");
        }
        // A reader that cannot seek reads the bytes it jumps over.
        let mut slice: &[u8] = b"abcdef";
        assert!(slice.jump(4, &blocks).is_ok());
        assert_eq!(slice, b"ef");
        let past = slice.jump(3, &[]).map_err(|e| e.kind());
        assert_eq!(past, Err(io::ErrorKind::UnexpectedEof));
    }

    #[test]
    fn a_second_threads_bytes_are_taken_over_only_where_they_start() {
        let bytes: Vec<u8> = (0..3_000_000_u32).map(|i| (i % 251) as u8).collect();
        let part = |start: usize| {
            let mut hasher = crate::digest::BlockHasher::new(start as u64, true);
            hasher.update(&bytes[start..]);
            hasher.part(start as u64)
        };
        let progress = Progress::new(true);
        progress.advance(&bytes[..1_500_000]);
        // Not where this thread is, or without the part's hashes: nothing changes.
        assert!(!progress.take_over(1_400_000, 1_600_000, Some(&part(1_400_000))));
        assert!(!progress.take_over(1_500_000, 1_500_000, None));
        assert_eq!(
            (progress.done.get(), progress.hashed()),
            (1_500_000, Some(1_500_000))
        );
        assert!(progress.take_over(1_500_000, 1_500_000, Some(&part(1_500_000))));
        assert_eq!(progress.done.get(), 3_000_000);
        assert_eq!(progress.take_digest(), Some(crate::digest::of(&bytes)));
        // Without a digest, the offset alone decides.
        let progress = Progress::new(false);
        progress.advance(&bytes[..10]);
        assert!(!progress.take_over(11, 5, None));
        assert!(progress.take_over(10, 5, None));
        assert_eq!(progress.done.get(), 15);
    }
}
