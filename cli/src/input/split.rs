//! How a second thread reads part of a large input (docs/DECISIONS.md, D-32): the second
//! half of a snapshot's `journalEntries`, from a guess at an entry's start that the first
//! thread confirms by arriving there ([`Tail`]), or the pages that hold the last half of
//! Zuora's pages of entries ([`PagesTail`]). The first thread takes the second's work only
//! where it fits, and then seeks over the bytes the second read; the digest takes the blocks
//! the second hashed.

use std::io::Read;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use journal_run::JournalEntry;

use super::{document, element, Again, FileCopy, Kind, PageInfo, Parts, Patch};
use crate::digest::{BlockHash, BlockHasher, Part};
use crate::source::{Jump, Progress, Source};
use crate::walk::Walker;

/// A file a second thread may read part of ([`Tail`]).
pub(super) struct Split {
    pub(super) source: Source,
    /// The smallest size at which one does.
    pub(super) least: u64,
    /// The progress line (for a count of the second thread's bytes).
    pub(super) progress: Rc<Progress>,
    /// With a digest: the digest's offset of the file's first byte.
    pub(super) hashed_from: Option<u64>,
}

/// The smallest file whose `journalEntries` two threads read.
pub(super) const SPLIT_THRESHOLD: u64 = 16 << 20;

/// A second thread reading a large file's `journalEntries` from a guess at an entry's start
/// in its second half (a `{` after `},` that opens an object whose first key is the first
/// entry's) to the array's end. The guess is only used if the first thread, reading on,
/// arrives at that very offset between two entries; otherwise the helper is stopped and its
/// work dropped. Its faults are never reported: the first thread reads that part itself
/// and reports them with their line and column.
pub(super) struct Tail {
    pub(super) start: u64,
    helper: Helper<TailRead>,
}

/// A second thread's reading: its bytes count on the progress line (`ahead`) until the
/// first thread takes its work or drops it; dropped unused, it is told to stop.
struct Helper<T> {
    ahead: Arc<AtomicU64>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<Option<T>>>,
}

impl<T: Send + 'static> Helper<T> {
    /// Starts thread `name` on `work`, which reads counting into a count of `progress` and
    /// returns early (with `None`) once its flag is set.
    fn spawn(
        name: &str,
        progress: &Progress,
        work: impl FnOnce(&std::sync::atomic::AtomicBool, Arc<AtomicU64>) -> Option<T> + Send + 'static,
    ) -> Option<Self> {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ahead = progress.ahead();
        let (stopped, counted) = (Arc::clone(&stop), Arc::clone(&ahead));
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || work(&stopped, counted))
            .ok()?;
        Some(Self {
            ahead,
            stop,
            handle: Some(handle),
        })
    }

    /// Its work when `wanted` (stopped first otherwise), once it is done.
    fn join(mut self, wanted: bool) -> Option<T> {
        if !wanted {
            self.stop.store(true, Ordering::Relaxed);
        }
        let work = self.handle.take()?.join().ok().flatten();
        self.ahead.store(0, Ordering::Relaxed);
        work.filter(|_| wanted)
    }
}

impl<T> Drop for Helper<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What the helper read: the entries from its start, the offset of the array's `]`, and with
/// a digest, the hashes of the blocks it read.
pub(super) struct TailRead {
    pub(super) entries: Vec<JournalEntry>,
    pub(super) patches: Vec<Patch>,
    pub(super) end: u64,
    pub(super) blocks: Vec<BlockHash>,
}

impl Tail {
    /// Starts the helper once the first entry (held by `w`) is read, if the file is large
    /// enough.
    pub(super) fn spawn<R: Read>(split: &Split, w: &Walker<R>, patch: bool) -> Option<Self> {
        let Split {
            source,
            least,
            progress,
            hashed_from,
        } = split;
        use std::io::{Seek, SeekFrom};
        // The first entry's first key, with its quotes (one without an escape: the entry is
        // checked JSON, so its first string is that key).
        let text = w.held().0;
        let open = memchr::memchr(b'"', text)?;
        let close = open + 1 + memchr::memchr2(b'"', b'\\', text.get(open + 1..)?)?;
        let pattern = text
            .get(open..=close)
            .filter(|p| p.ends_with(b"\""))?
            .to_vec();
        // Only a regular file is opened again (opening a FIFO again would wait for a writer).
        let size = source.size()?;
        let here = w.offset();
        if size < *least || size / 2 <= here {
            return None;
        }
        let mut file = std::fs::File::open(source.path()?).ok()?;
        let mid = here + (size - here) / 2;
        file.seek(SeekFrom::Start(mid)).ok()?;
        let mut window = Vec::with_capacity(1 << 20);
        Read::take(&mut file, 1 << 20)
            .read_to_end(&mut window)
            .ok()?;
        let start = mid + entry_start(&window, &pattern)? as u64;
        file.seek(SeekFrom::Start(start)).ok()?;
        let hasher = hashed_from.map(|from| BlockHasher::new(from + start, false));
        let helper = Helper::spawn("journalEntries", progress, move |stopped, count| {
            let file = Counted {
                inner: file,
                count,
                hasher,
            };
            // (Its faults are never reported: the first thread reads that part again.)
            let mut w = Walker::resume(file, start).without_lines();
            let (mut entries, mut patches) = (Vec::new(), Vec::new());
            loop {
                if stopped.load(Ordering::Relaxed) {
                    return None;
                }
                let (entry, patch) = element(&mut w, 0, patch).ok()?;
                entries.push(entry);
                patches.extend(patch);
                if w.peek().ok()? == Some(b']') {
                    let end = w.offset();
                    let blocks = w.into_reader().hasher.map(|h| h.blocks);
                    return Some(TailRead {
                        entries,
                        patches,
                        end,
                        blocks: blocks.unwrap_or_default(),
                    });
                }
                w.next_element(false).ok()?;
            }
        })?;
        Some(Self { start, helper })
    }

    /// The helper's entries if the first thread's next entry starts at `offset`, its start.
    pub(super) fn join(self, offset: u64) -> Option<TailRead> {
        self.helper.join(offset == self.start)
    }
}

/// A reader that adds what it reads to a count, and hashes its blocks.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
    hasher: Option<BlockHasher>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(hasher) = &mut self.hasher {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

impl<R: Read> Jump for Counted<R> {}

/// A second thread reading the last pages of `--entries` (about half of the input's bytes)
/// while the first reads the run's document and the pages before. Its work is used if the
/// first thread, done with those, is at the input offset the second started from (no file
/// changed size meanwhile); otherwise, or when it met anything it could not read, it is
/// dropped, and the first thread reads those pages itself (and reports their faults).
pub(super) struct PagesTail {
    /// The index in the pages of its first page.
    pub(super) first: usize,
    /// The input offset of its first page (the sizes of the files before).
    pub(super) start: u64,
    helper: Helper<PagesRead>,
}

/// What the second thread read: its pages' entries, places, fields and copy plans, how many
/// bytes, and their hashes (with a digest).
pub(super) struct PagesRead {
    pub(super) entries: Vec<JournalEntry>,
    pub(super) patches: Vec<Patch>,
    pub(super) pages: Vec<PageInfo>,
    pub(super) files: Vec<FileCopy>,
    pub(super) read: u64,
    pub(super) part: Option<Part>,
}

impl PagesTail {
    /// Starts the second thread on the last pages, if the input's regular files hold at
    /// least `least` bytes and two or more pages.
    pub(super) fn spawn(
        run: &Source,
        pages: &[Source],
        least: u64,
        progress: &Progress,
        copy: bool,
    ) -> Option<Self> {
        let mut sizes = vec![run.size()];
        sizes.extend(pages.iter().map(Source::size));
        let known: Vec<u64> = sizes.iter().map_while(|s| *s).collect();
        let total: u64 = known.iter().sum();
        if known.len() < sizes.len() || total < least || pages.len() < 2 {
            return None;
        }
        // The page after the file that ends past half the bytes (`known[0]` is the run's
        // document), leaving at least one page to each thread.
        let mut before = 0;
        let first = known
            .iter()
            .position(|&s| {
                before += s;
                before > total / 2
            })
            .map_or(1, |i| i.clamp(1, pages.len() - 1));
        let start: u64 = known[..=first].iter().sum();
        let sources = pages[first..].to_vec();
        let hash = progress.hashed().is_some();
        let helper = Helper::spawn("entries", progress, move |stopped, count| {
            read_pages(&sources, start, hash, copy, stopped, &count)
        })?;
        Some(Self {
            first,
            start,
            helper,
        })
    }

    /// The second thread's pages, if the first thread (whose progress is `progress`) is
    /// where they start.
    pub(super) fn join(self, progress: &Progress) -> Option<PagesRead> {
        self.helper
            .join(true)
            .filter(|read| progress.take_over(self.start, read.read, read.part.as_ref()))
    }
}

/// The second thread's reading of `sources` (pages), from input offset `start`: as the
/// first thread reads a page, but `None` at the first thing it cannot read.
fn read_pages(
    sources: &[Source],
    start: u64,
    hash: bool,
    copy: bool,
    stop: &std::sync::atomic::AtomicBool,
    count: &Arc<AtomicU64>,
) -> Option<PagesRead> {
    let mut hasher = hash.then(|| BlockHasher::new(start, true));
    let mut parts = Parts {
        patches: copy.then(Vec::new),
        ..Parts::default()
    };
    let (mut files, mut read) = (Vec::new(), 0);
    for source in sources {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let file = std::fs::File::open(source.path()?).ok()?;
        let meta = file.metadata().ok().filter(std::fs::Metadata::is_file)?;
        let mut w = Walker::new(Counted {
            inner: file.try_clone().ok()?,
            count: Arc::clone(count),
            hasher: hasher.take(),
        });
        let before = parts.entries.len();
        document(&mut w, Kind::Page, &mut parts).ok()?;
        w.end().ok()?;
        files.push(FileCopy {
            source: source.clone(),
            again: if copy {
                Again::file(file, &meta)
            } else {
                Again::No
            },
            read: w.offset(),
            array: parts.array.take(),
            entries: parts.entries.len() - before,
        });
        read += w.offset();
        hasher = w.into_reader().hasher;
    }
    Some(PagesRead {
        entries: parts.entries,
        patches: parts.patches.unwrap_or_default(),
        pages: parts.pages,
        files,
        read,
        part: hasher.map(|h| h.part(start)),
    })
}

/// The index in `window` of the first `{` that follows `}` and `,` (with whitespace between)
/// and opens with `key` (a key with its quotes).
pub(super) fn entry_start(window: &[u8], key: &[u8]) -> Option<usize> {
    let ws = |b: &u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    memchr::memmem::find_iter(window, key).find_map(|at| {
        let mut before = window[..at].iter().rev().skip_while(|b| ws(b));
        let blanks = window[..at].iter().rev().take_while(|b| ws(b)).count();
        (before.next() == Some(&b'{')
            && before.by_ref().find(|b| !ws(b)) == Some(&b',')
            && before.find(|b| !ws(b)) == Some(&b'}'))
        .then(|| at - 1 - blanks)
    })
}
