//! The one JSON walker every command reads its input with.
//!
//! It reads the input through a window, once, and checks every byte as RFC 8259 requires:
//! structure, strings (UTF-8, escapes, no raw control characters), numbers (grammar, and the
//! range of an `f64`), nesting (at most [`MAX_DEPTH`] levels, serde_json's limit), and no key
//! given twice in any object. The caller drives the outer structure (the top-level object,
//! the `journalEntries` array) and asks for each value either held whole in the window (for
//! [`crate::json`] to deserialize, with its object's members already found) or skipped.
//!
//! Each byte is examined once (a token cut by the window's end is examined again from its
//! start, but each refill at least doubles what the window reads, so the total stays linear).
//! The window holds at most [`MAX_VALUE`] bytes of a held value or a single token, and the
//! keys of the objects open at a time at most as much: a larger one is refused.

mod shape;

use std::io::{self, Read};
use std::ops::Range;

use shape::{Shapes, Window};

/// The largest value (an entry, the run's document) or token (a string) the window holds.
pub const MAX_VALUE: usize = 64 << 20;
/// The deepest nesting of arrays and objects accepted (serde_json's limit).
pub const MAX_DEPTH: usize = 127;
/// How much a refill reads at least, after the first read ([`FIRST_READ`]). Unit tests read
/// in small steps, so that their inputs cross the window's edge (and two threads' reads of
/// a file meet past it) at every size.
const READ: usize = if cfg!(test) { 1 << 10 } else { 1 << 20 };
const FIRST_READ: usize = if cfg!(test) { 256 } else { 64 << 10 };

/// What is wrong with the input's JSON, at a byte offset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalkError {
    /// The input could not be read.
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    /// The input holds nothing but whitespace.
    #[error("the input is empty; expected a JSON object")]
    Empty,
    /// The input is not valid JSON, or breaks a limit.
    #[error("{fault}")]
    Syntax {
        /// The byte offset of the fault.
        offset: u64,
        /// What is wrong.
        fault: Fault,
    },
}

/// Faults of the JSON text itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Fault {
    /// Another token was expected.
    #[error("expected {0}")]
    Expected(&'static str),
    /// A container was expected and something else found.
    #[error("expected {expected}, found {found}")]
    Found {
        /// What was expected.
        expected: String,
        /// What kind of value was found.
        found: &'static str,
    },
    /// A comma before a closing bracket.
    #[error("trailing comma")]
    TrailingComma,
    /// The input ends inside a string, object or array.
    #[error("the input ends inside {0}")]
    EndsInside(&'static str),
    /// Bytes that are not UTF-8 (RFC 8259, section 8.1).
    #[error("invalid UTF-8 (byte offset {0})")]
    InvalidUtf8(u64),
    /// A text in UTF-16 or UTF-32, by its first bytes ([`journal_run::words::text_start`]).
    #[error("{0}")]
    NotUtf8(journal_run::words::NotUtf8),
    /// A raw control character inside a string.
    #[error("control character U+{0:04X} inside a string (write it as an escape)")]
    ControlCharacter(u8),
    /// An escape that is not one of JSON's.
    #[error("invalid escape in a string")]
    InvalidEscape,
    /// A `\u` escape of half a surrogate pair.
    #[error("unpaired surrogate in a `\\u` escape")]
    LoneSurrogate,
    /// A malformed number.
    #[error("invalid number")]
    InvalidNumber,
    /// A number beyond the range of a 64-bit float.
    #[error("number out of range")]
    NumberOutOfRange,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    /// A key given twice in one object: the object being read, or one `nested` in it.
    #[error("{}", if *nested {
        journal_run::words::duplicate_nested_field(&journal_run::clip(key))
    } else {
        journal_run::words::duplicate_field(&journal_run::clip(key))
    })]
    DuplicateKey {
        /// The key, as decoded.
        key: String,
        /// Whether the object is nested in the value being read (the caller names the value).
        nested: bool,
    },
    /// A value, token or set of open keys larger than [`MAX_VALUE`].
    #[error("a single value is larger than {} MiB, the most this tool holds at once", MAX_VALUE >> 20)]
    TooLarge,
    /// Something after the document.
    #[error("trailing characters")]
    Trailing,
    /// The history form: one snapshot per line.
    #[error("expected the end of the line: a history holds one snapshot per line")]
    EndOfLine,
}

/// `error`, a key given twice said to be in an object nested in the value being read when
/// `is_nested`.
fn nested(error: WalkError, is_nested: bool) -> WalkError {
    match error {
        WalkError::Syntax {
            offset,
            fault: Fault::DuplicateKey { key, .. },
        } => WalkError::Syntax {
            offset,
            fault: Fault::DuplicateKey {
                key,
                nested: is_nested,
            },
        },
        other => other,
    }
}

/// What kind of JSON value starts with `byte`.
pub const fn kind_of(byte: u8) -> &'static str {
    match byte {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' => "true",
        b'f' => "false",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => "a character that cannot start a JSON value",
    }
}

/// One member of a held object: its key (without quotes, as written) and value, as ranges
/// relative to the held value's start.
#[derive(Debug, Clone)]
pub struct Member {
    /// The key's text as written, between the quotes.
    pub key: Range<usize>,
    /// Whether the key holds an escape (then it must be decoded to be compared).
    pub escaped: bool,
    /// The name of [`Walker::hold_fields`]'s list the key is, found once by the walker.
    pub name: Option<&'static str>,
    /// The value's text.
    pub value: Range<usize>,
}

/// The keys of the open objects, to refuse one given twice. A key of at most 16 bytes is
/// known by its length and first and last 8 bytes; a longer one is also copied.
#[derive(Default)]
struct Keys {
    arena: Vec<u8>,
    keys: Vec<KeyRec>,
    frames: Vec<KeyFrame>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct KeyRec {
    len: usize,
    first: u64,
    last: u64,
    /// Where a key longer than 16 bytes is in the arena.
    at: usize,
}

struct KeyFrame {
    first: usize,
    arena: usize,
    bloom: [u64; 4],
    hashes: Option<std::collections::HashMap<u64, Vec<usize>>>,
}

/// A hash of every byte of a key, for an object of many keys (keyed, so that no input can
/// make its keys collide on purpose).
fn full_hash(key: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: std::collections::hash_map::RandomState = std::collections::hash_map::RandomState::new();
    }
    STATE.with(|state| {
        let mut hasher = state.build_hasher();
        hasher.write(key);
        hasher.finish()
    })
}

/// The first and last 8 bytes of a key (zero-padded when shorter).
#[inline(always)]
fn words(key: &[u8]) -> (u64, u64) {
    let n = key.len();
    let at = |i: usize| -> u64 {
        let mut bytes = [0; 8];
        if let Some(word) = key.get(i..i + 8) {
            bytes.copy_from_slice(word);
        }
        u64::from_le_bytes(bytes)
    };
    let half = |i: usize| -> u64 {
        let mut bytes = [0; 4];
        if let Some(word) = key.get(i..i + 4) {
            bytes.copy_from_slice(word);
        }
        u64::from(u32::from_le_bytes(bytes))
    };
    if n >= 8 {
        (at(0), if n > 8 { at(n - 8) } else { 0 })
    } else if n >= 4 {
        // Two overlapping halves: the bytes they share are the same.
        (half(0) | (half(n - 4) << (8 * (n - 4))), 0)
    } else {
        let mut first = 0;
        for (i, &b) in key.iter().enumerate() {
            first |= u64::from(b) << (8 * i);
        }
        (first, 0)
    }
}

impl Keys {
    fn open(&mut self) {
        self.frames.push(KeyFrame {
            first: self.keys.len(),
            arena: self.arena.len(),
            bloom: [0; 4],
            hashes: None,
        });
    }

    fn close(&mut self) {
        if let Some(frame) = self.frames.pop() {
            self.keys.truncate(frame.first);
            self.arena.truncate(frame.arena);
        }
    }

    /// The bytes of a key kept.
    fn bytes(&self, rec: &KeyRec) -> Vec<u8> {
        if rec.len > 16 {
            return self.arena[rec.at..rec.at + rec.len].to_vec();
        }
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&rec.first.to_le_bytes());
        if rec.len > 8 {
            bytes[rec.len - 8..rec.len].copy_from_slice(&rec.last.to_le_bytes());
        }
        bytes[..rec.len].to_vec()
    }

    /// Adds `key` to the innermost object; `false` when it is there already.
    #[inline(always)]
    fn insert(&mut self, key: &[u8]) -> bool {
        let Some(frame) = self.frames.last_mut() else {
            return true;
        };
        let (first, last) = words(key);
        let rec = KeyRec {
            len: key.len(),
            first,
            last,
            at: self.arena.len(),
        };
        let index = self.keys.len();
        let arena = &self.arena;
        let same = |other: &KeyRec| {
            other.len == rec.len
                && other.first == first
                && other.last == last
                && (rec.len <= 16 || arena.get(other.at..other.at + rec.len) == Some(key))
        };
        if let Some(map) = &mut frame.hashes {
            let alike = map.entry(full_hash(key)).or_default();
            if alike.iter().any(|&i| same(&self.keys[i])) {
                return false;
            }
            alike.push(index);
        } else {
            let h =
                (first ^ last.rotate_left(23) ^ rec.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let bit = ((h ^ (h >> 29)) & 255) as usize;
            let (word, mask) = (bit / 64, 1_u64 << (bit % 64));
            if frame.bloom[word] & mask != 0 && self.keys[frame.first..].iter().any(same) {
                return false;
            }
            frame.bloom[word] |= mask;
            if index - frame.first >= 64 {
                let mut map = std::collections::HashMap::<u64, Vec<usize>>::new();
                let first_key = frame.first;
                for i in first_key..index {
                    let bytes = self.bytes(&self.keys[i]);
                    map.entry(full_hash(&bytes)).or_default().push(i);
                }
                map.entry(full_hash(key)).or_default().push(index);
                if let Some(frame) = self.frames.last_mut() {
                    frame.hashes = Some(map);
                }
            }
        }
        if rec.len > 16 {
            self.arena.extend_from_slice(key);
        }
        self.keys.push(rec);
        true
    }
}

/// Where the value scanner is between tokens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Value,
    /// After `[`: a value or `]`.
    FirstValue,
    /// After `,` in an array.
    NextValue,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object.
    NextKey,
    Colon,
    /// After a value: `,` or the container's end.
    After,
}

/// The lines of an input up to a point: how many newlines, and where the last line starts. The
/// one rule for a fault's line and column, whether counted as the input is read
/// ([`Walker::line_column`]) or in a file after the fault
/// ([`Source::line_column`](crate::source::Source::line_column)).
#[derive(Clone, Copy, Default)]
pub struct Lines {
    newlines: u64,
    /// The input offset of the last line's first byte.
    line_start: u64,
}

impl Lines {
    /// Adds `bytes`, the input's bytes from offset `base`, which follow those added before.
    /// The first line's columns start after a byte order mark ([`Walker`] passes over one).
    pub fn add(&mut self, bytes: &[u8], base: u64) {
        if base == 0 {
            self.line_start = journal_run::words::text_start(bytes).unwrap_or(0) as u64;
        }
        self.newlines += memchr::memchr_iter(b'\n', bytes).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', bytes) {
            self.line_start = base + i as u64 + 1;
        }
    }

    /// The 1-based line and column of input offset `offset`, every byte before it added.
    pub const fn place(self, offset: u64) -> (u64, u64) {
        (
            self.newlines + 1,
            offset.saturating_sub(self.line_start) + 1,
        )
    }
}

/// The window over an input, and the walk's state.
pub struct Walker<R> {
    reader: R,
    buf: Vec<u8>,
    len: usize,
    pos: usize,
    /// The input offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// The start of the value being held (not discarded on refill).
    hold: Option<usize>,
    /// Whether lines are counted, and those before the window.
    count_lines: bool,
    lines_before: Lines,
    keys: Keys,
    /// Containers open: those the caller opened, then those of the value being scanned.
    stack: Vec<u8>,
    /// Members of the last held object, and where it is.
    members: Vec<Member>,
    held: Range<usize>,
    /// The shapes of values held before, tried first on the next one.
    shapes: Shapes,
    /// Which members of a held object are kept: those whose key is one of these, or all;
    /// and the lengths of those keys ([`length_bit`]).
    wanted: Option<&'static [&'static str]>,
    wanted_lengths: u64,
    /// Whether [`Shapes`] are tried, and how many values were held by one (the walker's
    /// tests compare both ways, and check the short one is taken).
    #[cfg(test)]
    use_shapes: bool,
    #[cfg(test)]
    shaped: u64,
    /// Bytes examined, re-examinations included (for the linearity test).
    examined: u64,
}

type Walked<T> = Result<T, WalkError>;

impl<R: Read> Walker<R> {
    /// A walker at the start of `reader`.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            len: 0,
            pos: 0,
            base: 0,
            eof: false,
            hold: None,
            count_lines: true,
            lines_before: Lines::default(),
            keys: Keys::default(),
            stack: Vec::new(),
            members: Vec::new(),
            held: 0..0,
            shapes: Shapes::default(),
            wanted: None,
            wanted_lengths: 0,
            #[cfg(test)]
            use_shapes: true,
            #[cfg(test)]
            shaped: 0,
            examined: 0,
        }
    }

    /// A walker over `reader`, whose first byte is at input offset `base`, inside an array
    /// that is a member of an object (another walker's `journalEntries`, read from the middle).
    pub fn resume(reader: R, base: u64) -> Self {
        let mut w = Self::new(reader);
        w.base = base;
        w.lines_before.line_start = base;
        w.stack.extend_from_slice(b"{[");
        w.keys.open();
        w
    }

    /// This walker without counting lines: [`line_column`](Self::line_column) says `None`,
    /// and the caller finds a fault's line in an input it can read again (a regular file:
    /// [`Source::line_column`](crate::source::Source::line_column)), once, after the fault,
    /// rather than counting every newline of every input that has none.
    #[must_use]
    pub const fn without_lines(mut self) -> Self {
        self.count_lines = false;
        self
    }

    /// Drops the input up to offset `to` unexamined (another walker checked it), counting
    /// its lines for [`line_column`](Self::line_column).
    ///
    /// # Errors
    ///
    /// The input cannot be read, or ends before `to`.
    pub fn skip_to(&mut self, to: u64) -> Walked<()> {
        while to > self.base + self.len as u64 {
            self.pos = self.len;
            if self.refill(self.pos)?.is_none() {
                return Err(self.ends_inside("an array"));
            }
        }
        self.pos = usize::try_from(to - self.base).unwrap_or(self.len);
        Ok(())
    }

    /// Moves on to offset `to`, past the window, over input another walker checked from the
    /// offset this one is at: `skip` moves the reader on over the bytes the window does not
    /// hold. A walker that counts lines reads them instead ([`skip_to`](Self::skip_to)).
    ///
    /// # Errors
    ///
    /// The input cannot be read, or ends before `to`.
    pub fn jump(
        &mut self,
        to: u64,
        skip: impl FnOnce(&mut R, u64) -> io::Result<()>,
    ) -> Walked<()> {
        let end = self.base + self.len as u64;
        if to <= end || self.hold.is_some() || self.count_lines {
            return self.skip_to(to);
        }
        skip(&mut self.reader, to - end)?;
        (self.base, self.len, self.pos) = (to, 0, 0);
        Ok(())
    }

    /// The reader, once the walk is over.
    pub fn into_reader(self) -> R {
        self.reader
    }

    /// The window's byte at `i`, if it holds one (the buffer past `len` holds stale bytes).
    fn at(&self, i: usize) -> Option<&u8> {
        self.buf[..self.len].get(i)
    }

    /// The input offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// How many bytes the walk has examined so far (each at least once), counted in the
    /// crate's unit tests only (the linearity tests), not to slow every string down.
    pub const fn examined(&self) -> u64 {
        self.examined
    }

    #[inline(always)]
    fn examine(&mut self, bytes: usize) {
        if cfg!(test) {
            self.examined += bytes as u64;
        }
    }

    /// A fault at input offset `offset`.
    pub const fn fault(offset: u64, fault: Fault) -> WalkError {
        WalkError::Syntax { offset, fault }
    }

    /// The fault at the next unread byte; when that byte is not UTF-8 (it starts no
    /// character, or one that its next bytes break or the input's end cuts), the fault is that,
    /// whatever else was expected there (docs/DECISIONS.md, D-26), as [`scan_string`] reports
    /// it inside a string. The window is read on for a character it cuts; should that read
    /// fail, `fault` stands.
    fn here(&mut self, fault: Fault) -> WalkError {
        let offset = self.offset();
        loop {
            let rest = &self.buf[self.pos.min(self.len)..self.len];
            if rest.first().is_none_or(|&b| b < 0x80) {
                break;
            }
            match character(rest) {
                Some(Ok(_)) => break,
                Some(Err(())) => return Self::fault(offset, Fault::InvalidUtf8(offset)),
                None if self.eof => return Self::fault(offset, Fault::InvalidUtf8(offset)),
                // Read on (at the input's end, `eof` is set), unless reading fails.
                None => {
                    if self.refill(self.pos).is_err() {
                        break;
                    }
                }
            }
        }
        Self::fault(offset, fault)
    }

    /// The 1-based line and column of `offset`, which must be in the window or after it;
    /// `None` when lines are not counted ([`without_lines`](Self::without_lines)).
    pub fn line_column(&self, offset: u64) -> Option<(u64, u64)> {
        if !self.count_lines {
            return None;
        }
        let end =
            usize::try_from(offset.saturating_sub(self.base)).map_or(self.len, |e| e.min(self.len));
        let mut lines = self.lines_before;
        lines.add(&self.buf[..end], self.base);
        Some(lines.place(offset))
    }

    /// Reads more input, keeping bytes from `keep` (a window index) on; the shift of indices
    /// (bytes dropped from the window's start), or `None` at the end of the input.
    fn refill(&mut self, keep: usize) -> Walked<Option<usize>> {
        if self.eof {
            return Ok(None);
        }
        // (The window's last byte stays: a fault at the input's end is at that byte, which
        // must be in the window for its line and column.)
        let keep = self
            .hold
            .map_or(keep, |h| h.min(keep))
            .min(self.pos)
            .min(self.len.saturating_sub(1));
        if keep > 0 {
            if self.count_lines {
                self.lines_before.add(&self.buf[..keep], self.base);
            }
            self.buf.copy_within(keep..self.len, 0);
            self.base += keep as u64;
            self.len -= keep;
            self.pos -= keep;
            self.hold = self.hold.map(|h| h - keep);
        }
        if self.len > MAX_VALUE {
            return Err(Self::fault(self.base, Fault::TooLarge));
        }
        // The first read is small (most inputs are), later ones 1 MiB or what is kept.
        let step = if self.base == 0 && self.len == 0 {
            FIRST_READ
        } else {
            READ
        };
        let want = self.len + step.max(self.len);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        let first = self.base == 0 && self.len == 0;
        loop {
            match self.reader.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(None);
                }
                Ok(n) => {
                    self.len += n;
                    if first {
                        self.start()?;
                    }
                    return Ok(Some(keep));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The input's start, once its first bytes are read: passes over a UTF-8 byte order mark,
    /// refuses a text in UTF-16 or UTF-32 ([`journal_run::words::text_start`]).
    fn start(&mut self) -> Walked<()> {
        while self.len < 4 && !self.eof {
            match self.reader.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        match journal_run::words::text_start(&self.buf[..self.len]) {
            Ok(skip) => {
                self.pos = skip;
                Ok(())
            }
            Err(encoding) => Err(Self::fault(0, Fault::NotUtf8(encoding))),
        }
    }

    /// Skips whitespace; the next byte (not consumed), or `None` at the end.
    pub fn peek(&mut self) -> Walked<Option<u8>> {
        loop {
            while self.pos < self.len {
                match self.buf[self.pos] {
                    b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                    b => return Ok(Some(b)),
                }
            }
            self.examine(1);
            if self.refill(self.pos)?.is_none() {
                return Ok(None);
            }
        }
    }

    /// The end of the input while `what` is open: at its last byte.
    fn ends_inside(&self, what: &'static str) -> WalkError {
        Self::fault(
            (self.base + self.len as u64).saturating_sub(1),
            Fault::EndsInside(what),
        )
    }

    fn open_name(&self) -> &'static str {
        match self.stack.last() {
            Some(b'{') => "an object",
            Some(_) => "an array",
            None => "a value",
        }
    }

    /// Opens an object (the next value must be one) or says what `expecting` wanted.
    ///
    /// # Errors
    ///
    /// Not an object, or the end of the input.
    pub fn begin_object(&mut self, expecting: &str) -> Walked<()> {
        match self.peek()? {
            Some(b'{') => {}
            Some(b) => {
                return Err(self.here(Fault::Found {
                    expected: expecting.to_owned(),
                    found: kind_of(b),
                }))
            }
            None if self.stack.is_empty() => return Err(WalkError::Empty),
            None => return Err(self.ends_inside("a value")),
        }
        self.open(b'{')
    }

    fn open(&mut self, bracket: u8) -> Walked<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.here(Fault::TooDeep));
        }
        self.stack.push(bracket);
        if bracket == b'{' {
            self.keys.open();
        }
        self.pos += 1;
        Ok(())
    }

    fn close(&mut self) {
        if self.stack.pop() == Some(b'{') {
            self.keys.close();
        }
        self.pos += 1;
    }

    /// Opens an array (the fault's place names it: `journalEntries: expected an array`).
    ///
    /// # Errors
    ///
    /// Not an array, or the end of the input.
    pub fn begin_array(&mut self) -> Walked<()> {
        match self.peek()? {
            Some(b'[') => self.open(b'['),
            Some(b) => Err(self.here(Fault::Found {
                expected: "an array".to_owned(),
                found: kind_of(b),
            })),
            None => Err(self.ends_inside("a value")),
        }
    }

    /// In an object the caller opened: the next key (decoded) and its offset, with the colon
    /// after it consumed; `None` at the object's end. `first` says whether no member has been
    /// read yet.
    ///
    /// # Errors
    ///
    /// Bad JSON, or a key given twice.
    pub fn next_key(&mut self, first: bool) -> Walked<Option<(String, u64)>> {
        if !first && !self.comma_or_close(b'}')? {
            return Ok(None);
        }
        match self.peek()? {
            Some(b'}') if first => {
                self.close();
                return Ok(None);
            }
            Some(b'"') => {}
            Some(_) => return Err(self.here(Fault::Expected("a key (a string)"))),
            None => return Err(self.ends_inside("an object")),
        }
        let at = self.offset();
        let (range, escaped) = self.string(true)?;
        let key = decode(&self.buf[range], escaped);
        match self.peek()? {
            Some(b':') => self.pos += 1,
            Some(_) => return Err(self.here(Fault::Expected("`:`"))),
            None => return Err(self.ends_inside("an object")),
        }
        Ok(Some((key, at)))
    }

    /// In an array the caller opened: whether another element follows.
    ///
    /// # Errors
    ///
    /// Bad JSON.
    pub fn next_element(&mut self, first: bool) -> Walked<bool> {
        if first {
            return match self.peek()? {
                Some(b']') => {
                    self.close();
                    Ok(false)
                }
                Some(_) => Ok(true),
                None => Err(self.ends_inside("an array")),
            };
        }
        self.comma_or_close(b']')
    }

    fn comma_or_close(&mut self, close: u8) -> Walked<bool> {
        let expected = if close == b'}' {
            "`,` or `}`"
        } else {
            "`,` or `]`"
        };
        match self.peek()? {
            Some(b',') => {
                self.pos += 1;
                match self.peek()? {
                    Some(b) if b == close => Err(self.here(Fault::TrailingComma)),
                    Some(_) => Ok(true),
                    None => Err(self.ends_inside(self.open_name())),
                }
            }
            Some(b) if b == close => {
                self.close();
                Ok(false)
            }
            Some(_) => Err(self.here(Fault::Expected(expected))),
            None => Err(self.ends_inside(self.open_name())),
        }
    }

    /// Checks that nothing but whitespace follows.
    ///
    /// # Errors
    ///
    /// Anything else follows.
    pub fn end(&mut self) -> Walked<()> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.here(Fault::Trailing)),
        }
    }

    /// Checks that the line ends (history): blanks, then a newline or the end.
    ///
    /// # Errors
    ///
    /// Something else follows on the line.
    pub fn end_of_line(&mut self) -> Walked<()> {
        loop {
            while self.pos < self.len {
                match self.buf[self.pos] {
                    b' ' | b'\r' | b'\t' => self.pos += 1,
                    b'\n' => return Ok(()),
                    _ => return Err(self.here(Fault::EndOfLine)),
                }
            }
            if self.refill(self.pos)?.is_none() {
                return Ok(());
            }
        }
    }

    /// Skips the next value (checked, not held).
    ///
    /// # Errors
    ///
    /// Bad JSON.
    pub fn skip_value(&mut self) -> Walked<u64> {
        self.value(false)
    }

    /// Holds the next value: its text (valid until the next call) and input offset; when it
    /// is an object, [`held`](Self::held) gives its members.
    ///
    /// # Errors
    ///
    /// Bad JSON, or a value larger than [`MAX_VALUE`].
    pub fn hold_value(&mut self) -> Walked<u64> {
        self.hold_members(None)
    }

    /// Holds the next value as [`hold_value`](Self::hold_value) does, keeping of an object's
    /// members only those whose key (decoded) is one of `names`: the others are checked, not
    /// kept.
    ///
    /// # Errors
    ///
    /// Bad JSON, or a value larger than [`MAX_VALUE`].
    pub fn hold_fields(&mut self, names: &'static [&'static str]) -> Walked<u64> {
        self.hold_members(Some(names))
    }

    fn hold_members(&mut self, wanted: Option<&'static [&'static str]>) -> Walked<u64> {
        let same = match (wanted, self.wanted) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        if !same {
            // Shapes hold the members they were learnt with.
            self.wanted = wanted;
            self.wanted_lengths = wanted
                .unwrap_or_default()
                .iter()
                .fold(0, |bits, name| bits | length_bit(name.len()));
            self.shapes = Shapes::default();
        }
        self.peek()?;
        if let Some(offset) = self.shaped() {
            return Ok(offset);
        }
        self.hold = Some(self.pos);
        let result = self.value(true);
        let start = self.hold.take().unwrap_or(self.pos);
        let offset = result?;
        if self.pos - start > MAX_VALUE {
            return Err(Self::fault(offset, Fault::TooLarge));
        }
        self.held = start..self.pos;
        self.shapes
            .learn(&self.buf[start..self.pos], &self.members, self.stack.len());
        Ok(offset)
    }

    /// Holds the next value the short way when it has the shape of a value held before
    /// ([`Shapes`]); `None` (nothing changed) otherwise.
    fn shaped(&mut self) -> Option<u64> {
        #[cfg(test)]
        if !self.use_shapes {
            return None;
        }
        let start = self.pos;
        let window = Window {
            buf: &self.buf[..self.len],
            base: self.base,
            eof: self.eof,
        };
        let end = self
            .shapes
            .hold(window, start, self.stack.len(), &mut self.members)?;
        self.examine(end - start);
        #[cfg(test)]
        {
            self.shaped += 1;
        }
        self.held = start..end;
        self.pos = end;
        Some(self.base + start as u64)
    }

    /// Whether a held object's member whose key is at `key` in the window (`escaped` if it
    /// holds an escape) is kept (`Some`), and the name of the list it is, if there is a list.
    #[inline]
    fn wanted(&self, key: Range<usize>, escaped: bool) -> Option<Option<&'static str>> {
        match self.wanted {
            None => Some(None),
            Some(names) => named(names, self.wanted_lengths, &self.buf[key], escaped).map(Some),
        }
    }

    /// The text of the value [`hold_value`](Self::hold_value) last held, and its members
    /// when it is an object (those kept).
    pub fn held(&self) -> (&[u8], &[Member]) {
        (&self.buf[self.held.clone()], &self.members)
    }

    /// Scans one value; its input offset.
    fn value(&mut self, hold: bool) -> Walked<u64> {
        let depth = self.stack.len();
        let Some(_) = self.peek()? else {
            return Err(self.ends_inside("a value"));
        };
        let offset = self.offset();
        self.members.clear();
        let mut expect = Expect::Value;
        // For a held object: its members' key and value start (relative to the value).
        let mut key: Option<(Range<usize>, bool)> = None;
        let mut value_start = 0;
        'tokens: loop {
            // Most tokens follow another directly: whitespace is skipped only when there is some.
            let b = match self.at(self.pos) {
                Some(&b) if b > b' ' => b,
                _ => match self.peek()? {
                    Some(b) => b,
                    None => return Err(self.ends_inside(self.open_name())),
                },
            };
            let top = hold && self.stack.len() == depth + 1;
            let start = self.pos;
            match expect {
                Expect::Value | Expect::FirstValue | Expect::NextValue => {
                    if b == b']' && expect != Expect::Value {
                        if expect == Expect::NextValue {
                            return Err(self.here(Fault::TrailingComma));
                        }
                        self.close();
                    } else {
                        if top {
                            value_start = start - self.hold.unwrap_or(0);
                        }
                        match b {
                            b'{' => {
                                self.open(b'{')?;
                                expect = Expect::FirstKey;
                                continue;
                            }
                            b'[' => {
                                self.open(b'[')?;
                                expect = Expect::FirstValue;
                                continue;
                            }
                            b'"' => {
                                match scan_string(&self.buf[..self.len], self.pos + 1, self.base)? {
                                    // A string whole in the window, found in one call.
                                    Scan::End(end, _) => {
                                        self.examine(end - self.pos);
                                        self.pos = end + 1;
                                    }
                                    Scan::More(..) => {
                                        self.string(false)?;
                                    }
                                }
                            }
                            b'-' | b'0'..=b'9' => self.number()?,
                            b't' => self.literal(b"true")?,
                            b'f' => self.literal(b"false")?,
                            b'n' => self.literal(b"null")?,
                            _ => return Err(self.here(Fault::Expected("a value"))),
                        }
                    }
                }
                Expect::FirstKey | Expect::NextKey => match b {
                    b'}' if expect == Expect::FirstKey => self.close(),
                    b'}' => return Err(self.here(Fault::TrailingComma)),
                    // Members follow one another here while each is a key, its colon and a
                    // string, directly; anything else goes back to the general steps.
                    b'"' => loop {
                        let (range, escaped) =
                            match scan_string(&self.buf[..self.len], self.pos + 1, self.base)? {
                                // The common key: whole in the window, without an escape.
                                Scan::End(end, false) => {
                                    let start = self.pos + 1;
                                    self.examine(end - start);
                                    if !self.keys.insert(&self.buf[start..end]) {
                                        let name = String::from_utf8_lossy(&self.buf[start..end]);
                                        let fault = Fault::DuplicateKey {
                                            key: name.into_owned(),
                                            nested: self.stack.len() > depth + 1,
                                        };
                                        return Err(self.here(fault));
                                    }
                                    if self.keys.arena.len() > MAX_VALUE {
                                        return Err(self.here(Fault::TooLarge));
                                    }
                                    self.pos = end + 1;
                                    (start..end, false)
                                }
                                _ => self
                                    .string(true)
                                    .map_err(|e| nested(e, self.stack.len() > depth + 1))?,
                            };
                        let h = self.hold.unwrap_or(0);
                        if top {
                            key = Some((range.start - h..range.end - h, escaped));
                        }
                        if self.at(self.pos) != Some(&b':') {
                            expect = Expect::Colon;
                            continue 'tokens;
                        }
                        self.pos += 1;
                        let v = self.pos;
                        let scanned = match self.at(v) {
                            Some(b'"') => scan_string(&self.buf[..self.len], v + 1, self.base)?,
                            _ => Scan::More(v, false),
                        };
                        let Scan::End(end, _) = scanned else {
                            if let Scan::More(at, _) = scanned {
                                self.examine(at - v);
                            }
                            expect = Expect::Value;
                            continue 'tokens;
                        };
                        self.examine(end - v);
                        self.pos = end + 1;
                        // (Below the held object's own members, `key` is the pending member's.)
                        if let Some((key, escaped)) = key.take_if(|_| top) {
                            if let Some(name) = self.wanted(h + key.start..h + key.end, escaped) {
                                self.members.push(Member {
                                    key,
                                    escaped,
                                    name,
                                    value: v - h..self.pos - h,
                                });
                            }
                        }
                        if self.at(self.pos) == Some(&b',') && self.at(self.pos + 1) == Some(&b'"')
                        {
                            self.pos += 1;
                            continue;
                        }
                        // The value ended: what follows it is taken below.
                        break;
                    },
                    _ => return Err(self.here(Fault::Expected("a key (a string)"))),
                },
                Expect::Colon => {
                    if b != b':' {
                        return Err(self.here(Fault::Expected("`:`")));
                    }
                    self.pos += 1;
                    expect = Expect::Value;
                    continue;
                }
                Expect::After => {
                    let open = self.stack.last().copied().unwrap_or(b'[');
                    match (b, open) {
                        (b',', b'{') => {
                            self.pos += 1;
                            expect = Expect::NextKey;
                        }
                        (b',', _) => {
                            self.pos += 1;
                            expect = Expect::NextValue;
                        }
                        (b'}', b'{') | (b']', b'[') => self.close(),
                        (_, b'{') => return Err(self.here(Fault::Expected("`,` or `}`"))),
                        _ => return Err(self.here(Fault::Expected("`,` or `]`"))),
                    }
                    if b == b',' {
                        continue;
                    }
                }
            }
            // A value ended (a scalar, or a container closed); what follows it directly (a
            // comma, or the container's end, which ends another value) is taken here.
            loop {
                if self.stack.len() == depth {
                    return Ok(offset);
                }
                let open = self.stack.last().copied();
                if hold && self.stack.len() == depth + 1 && open == Some(b'{') {
                    if let Some((key, escaped)) = key.take() {
                        let h = self.hold.unwrap_or(0);
                        if let Some(name) = self.wanted(h + key.start..h + key.end, escaped) {
                            self.members.push(Member {
                                key,
                                escaped,
                                name,
                                value: value_start..self.pos - h,
                            });
                        }
                    }
                }
                expect = match (self.at(self.pos), open) {
                    (Some(b','), Some(b'{')) => {
                        self.pos += 1;
                        Expect::NextKey
                    }
                    (Some(b','), Some(_)) => {
                        self.pos += 1;
                        Expect::NextValue
                    }
                    (Some(b'}'), Some(b'{')) | (Some(b']'), Some(b'[')) => {
                        self.close();
                        continue;
                    }
                    _ => Expect::After,
                };
                break;
            }
        }
    }

    /// Scans the string at `pos`; its text (between the quotes) as a window range, and
    /// whether it holds an escape. A key is checked against its object's other keys.
    fn string(&mut self, is_key: bool) -> Walked<(Range<usize>, bool)> {
        let mut open = self.pos;
        let mut i = open + 1;
        let mut escaped = false;
        loop {
            match scan_string(&self.buf[..self.len], i, self.base) {
                Ok(Scan::End(end, esc)) => {
                    self.examine(end - i);
                    escaped |= esc;
                    self.pos = end + 1;
                    let range = open + 1..end;
                    if is_key {
                        let text = &self.buf[range.clone()];
                        let decoded;
                        let key: &[u8] = if escaped {
                            decoded = decode(text, true);
                            decoded.as_bytes()
                        } else {
                            text
                        };
                        if !self.keys.insert(key) {
                            let name = String::from_utf8_lossy(key).into_owned();
                            return Err(Self::fault(
                                self.base + open as u64,
                                Fault::DuplicateKey {
                                    key: name,
                                    nested: false,
                                },
                            ));
                        }
                        if self.keys.arena.len() > MAX_VALUE {
                            return Err(Self::fault(self.base + open as u64, Fault::TooLarge));
                        }
                    }
                    return Ok((range, escaped));
                }
                Ok(Scan::More(at, esc)) => {
                    self.examine(at - i);
                    escaped |= esc;
                    let rel = at - open;
                    self.pos = open;
                    match self.refill(open)? {
                        Some(shift) => {
                            open -= shift;
                            i = open + rel;
                        }
                        None => return Err(self.ends_inside("a string")),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Scans the number at `pos`.
    fn number(&mut self) -> Walked<()> {
        loop {
            let bytes = &self.buf[self.pos..self.len];
            let end = number_end(bytes);
            self.examine(end.unwrap_or(bytes.len()));
            if end.is_none() && !self.eof && self.refill(self.pos)?.is_some() {
                continue;
            }
            let end = end.unwrap_or(self.len - self.pos);
            let token = &self.buf[self.pos..self.pos + end];
            if !is_number(token) {
                return Err(self.here(Fault::InvalidNumber));
            }
            if !in_range(token) {
                return Err(self.here(Fault::NumberOutOfRange));
            }
            self.pos += end;
            return Ok(());
        }
    }

    fn literal(&mut self, word: &[u8]) -> Walked<()> {
        while self.len - self.pos < word.len() {
            if self.refill(self.pos)?.is_none() {
                break;
            }
        }
        if self.buf[self.pos..self.len].starts_with(word) {
            self.pos += word.len();
            self.examine(word.len());
            Ok(())
        } else {
            Err(self.here(Fault::Expected("a value")))
        }
    }
}

/// The length of the scalar (a number, `true`, `false` or `null`) that `t` starts with, when
/// it is valid and ends before `t` does (or `t` is the input's end: `eof`).
fn scalar(t: &[u8], eof: bool) -> Option<usize> {
    for word in [&b"true"[..], b"false", b"null"] {
        if t.starts_with(word) {
            return Some(word.len());
        }
    }
    let end = number_end(t).or(eof.then_some(t.len()))?;
    let token = &t[..end];
    (is_number(token) && in_range(token)).then_some(end)
}

/// Where the number token `t` starts with ends: the first byte that cannot be in one (its
/// grammar is checked after, by [`is_number`]); `None` when `t` ends first.
fn number_end(t: &[u8]) -> Option<usize> {
    t.iter()
        .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
}

/// Whether a number (checked by [`is_number`]) is within an `f64`'s range.
fn in_range(token: &[u8]) -> bool {
    let float = token.iter().any(|b| matches!(b, b'.' | b'e' | b'E'));
    !(float || token.len() > 300)
        || std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(f64::is_finite)
}

/// JSON's number grammar.
fn is_number(t: &[u8]) -> bool {
    let digits = |t: &[u8], i: usize| t[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = usize::from(t.first() == Some(&b'-'));
    match t.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(t, i),
        _ => return false,
    }
    if t.get(i) == Some(&b'.') {
        let n = digits(t, i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(t, i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == t.len()
}

enum Scan {
    /// The closing quote's index; whether an escape was seen.
    End(usize, bool),
    /// The window ends at this index (a whole character or escape before it); escape seen.
    More(usize, bool),
}

/// The bytes of the word (little-endian) that are `"`, `\\`, a control character or not
/// ASCII: their high bits set. Above the first such byte, others may be set wrongly; the
/// lowest set bit is always right.
const fn special(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn zero(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGH
    }
    (zero(w ^ (ONES * b'"' as u64))
        | zero(w ^ (ONES * b'\\' as u64))
        | (w.wrapping_sub(ONES * 0x20) & !w)
        | w)
        & HIGH
}

/// The name of `names` a key is, if any: its text `raw`, decoded when `escaped`; a plain key
/// is told first by its length (`lengths`: the [`length_bit`]s of `names`), as most are.
pub fn named(
    names: &'static [&'static str],
    lengths: u64,
    raw: &[u8],
    escaped: bool,
) -> Option<&'static str> {
    if escaped {
        let key = decode(raw, true);
        return names.iter().copied().find(|name| *name == key);
    }
    if lengths & length_bit(raw.len()) == 0 {
        return None;
    }
    names.iter().copied().find(|name| name.as_bytes() == raw)
}

/// The bit of a key of `len` bytes in a set of key lengths (64 bytes and more: bit 63), to
/// tell most keys that are not in a list from their length alone.
pub const fn length_bit(len: usize) -> u64 {
    1 << if len < 63 { len } else { 63 }
}

/// The ends of strings of printable ASCII (no escape) in a window, found from the masks of
/// 64 bytes at a time (their quotes, and their other [`special`] bytes; SSE2, in every x86-64
/// processor, through `wide`'s safe types), kept while the next string starts in the same
/// 64 bytes: most strings' ends cost a shift, not a scan.
pub(super) struct Ends<'b> {
    buf: &'b [u8],
    /// The 64 bytes from `at`: which are `"`, which are other special bytes.
    at: usize,
    quotes: u64,
    others: u64,
}

impl<'b> Ends<'b> {
    pub(super) const fn new(buf: &'b [u8]) -> Self {
        Self {
            buf,
            // (Nothing loaded: `i - at`, wrapping, is 64 or more for every index `i`.)
            at: usize::MAX - 63,
            quotes: 0,
            others: 0,
        }
    }

    /// The closing quote's index of the string whose text starts at `i`, when its text is
    /// printable ASCII only and 64 bytes from `i` on are in the window; `None` otherwise
    /// ([`scan_string`] must look).
    #[inline(always)]
    pub(super) fn end(&mut self, mut i: usize) -> Option<usize> {
        loop {
            let off = i.wrapping_sub(self.at);
            if off >= 64 {
                self.load(i)?;
                continue;
            }
            let quotes = self.quotes >> off;
            let others = self.others >> off;
            if quotes != 0 {
                let end = quotes.trailing_zeros();
                return (others & ((1 << end) - 1) == 0).then_some(i + end as usize);
            }
            if others != 0 {
                return None;
            }
            i = self.at + 64;
        }
    }

    /// The masks of the 64 bytes from `i`.
    #[inline(always)]
    fn load(&mut self, i: usize) -> Option<()> {
        use wide::{i8x16, CmpEq, CmpLt};
        let chunk = self.buf.get(i..i + 64)?;
        let (mut quotes, mut others) = (0, 0);
        for (k, part) in chunk.chunks_exact(16).enumerate() {
            let mut bytes = [0; 16];
            bytes.copy_from_slice(part);
            let v = i8x16::new(bytes.map(|b| b as i8));
            let quote = v.cmp_eq(i8x16::splat(b'"' as i8)).move_mask() as u64;
            let other = (v.cmp_eq(i8x16::splat(b'\\' as i8)) | v.cmp_lt(i8x16::splat(0x20)))
                .move_mask() as u64;
            quotes |= quote << (16 * k);
            others |= other << (16 * k);
        }
        (self.at, self.quotes, self.others) = (i, quotes, others);
        Some(())
    }
}

/// Scans a string's text from `i` in `buf`: to its closing quote, or to the window's end.
#[inline(always)]
fn scan_string(buf: &[u8], mut i: usize, base: u64) -> Result<Scan, WalkError> {
    let mut escaped = false;
    let at = |i: usize| base + i as u64;
    loop {
        while let Some(word) = buf.get(i..i + 8) {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(word);
            let found = special(u64::from_le_bytes(bytes));
            if found != 0 {
                i += (found.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        let Some(&b) = buf.get(i) else {
            return Ok(Scan::More(i, escaped));
        };
        match b {
            b'"' => return Ok(Scan::End(i, escaped)),
            b'\\' => {
                let Some(&e) = buf.get(i + 1) else {
                    return Ok(Scan::More(i, escaped));
                };
                escaped = true;
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        // What the window holds of the escape decides as soon as it can: the
                        // window's end (the input's, at the last) cuts only a valid start.
                        let digits = &buf[(i + 2).min(buf.len())..(i + 6).min(buf.len())];
                        if !digits.iter().all(u8::is_ascii_hexdigit) {
                            return Err(Walker::<&[u8]>::fault(at(i), Fault::InvalidEscape));
                        }
                        let Some(unit) = hex4(buf, i + 2) else {
                            return Ok(Scan::More(i, escaped));
                        };
                        match unit {
                            0xD800..=0xDBFF => {
                                let low = &buf[(i + 6).min(buf.len())..(i + 12).min(buf.len())];
                                if !starts_low_surrogate(low) {
                                    return Err(Walker::<&[u8]>::fault(
                                        at(i),
                                        Fault::LoneSurrogate,
                                    ));
                                }
                                if low.len() < 6 {
                                    return Ok(Scan::More(i, escaped));
                                }
                                i += 12;
                            }
                            0xDC00..=0xDFFF => {
                                return Err(Walker::<&[u8]>::fault(at(i), Fault::LoneSurrogate))
                            }
                            _ => i += 6,
                        }
                    }
                    _ => return Err(Walker::<&[u8]>::fault(at(i), Fault::InvalidEscape)),
                }
            }
            0..=0x1F => return Err(Walker::<&[u8]>::fault(at(i), Fault::ControlCharacter(b))),
            0x20..=0x7F => i += 1,
            _ => match character(&buf[i..]) {
                Some(Ok(width)) => i += width,
                Some(Err(())) => {
                    return Err(Walker::<&[u8]>::fault(at(i), Fault::InvalidUtf8(at(i))))
                }
                // A cut character: read on.
                None => return Ok(Scan::More(i, escaped)),
            },
        }
    }
}

/// The UTF-8 character `bytes` start with (its first byte is not ASCII): its width
/// (`Some(Ok)`), not UTF-8 (`Some(Err)`), or cut by their end, valid so far (`None`). The one
/// rule for UTF-8, inside strings ([`scan_string`]) and out ([`Walker::here`]).
#[inline]
fn character(bytes: &[u8]) -> Option<Result<usize, ()>> {
    let width = match bytes.first()? {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return Some(Err(())),
    };
    let have = &bytes[..width.min(bytes.len())];
    match std::str::from_utf8(have) {
        Ok(_) if have.len() == width => Some(Ok(width)),
        Err(e) if e.error_len().is_some() => Some(Err(())),
        _ => None,
    }
}

/// Whether `escape` (at most 6 bytes) is, or starts, the escape of a low surrogate
/// (`\uDC00` to `\uDFFF`), which must follow a high surrogate's.
fn starts_low_surrogate(escape: &[u8]) -> bool {
    escape.iter().enumerate().all(|(k, &b)| match k {
        0 => b == b'\\',
        1 => b == b'u',
        2 => matches!(b, b'd' | b'D'),
        3 => matches!(b, b'c'..=b'f' | b'C'..=b'F'),
        _ => b.is_ascii_hexdigit(),
    })
}

fn hex4(buf: &[u8], i: usize) -> Option<u16> {
    let digits = buf.get(i..i + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(text, 16).ok()
}

/// The text of a checked string's content (between its quotes).
pub fn decode(text: &[u8], escaped: bool) -> String {
    if !escaped {
        return String::from_utf8_lossy(text).into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = memchr::memchr(b'\\', rest) {
        out.push_str(&String::from_utf8_lossy(&rest[..i]));
        let (c, used) = match rest.get(i + 1) {
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'n') => ('\n', 2),
            Some(b'r') => ('\r', 2),
            Some(b't') => ('\t', 2),
            Some(b'u') => {
                let high = hex4(rest, i + 2).unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&high) {
                    let low = hex4(rest, i + 8).unwrap_or(0xDC00);
                    let c =
                        0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    (char::from_u32(c).unwrap_or('\u{FFFD}'), 12)
                } else {
                    (char::from_u32(u32::from(high)).unwrap_or('\u{FFFD}'), 6)
                }
            }
            Some(&c) => (char::from(c), 2),
            None => ('\\', 1),
        };
        out.push(c);
        rest = rest.get(i + used..).unwrap_or_default();
    }
    out.push_str(&String::from_utf8_lossy(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_known_by_its_first_and_last_eight_bytes_exactly() {
        let text: Vec<u8> = (0..40_u8).map(|i| b'a' + i % 26 + (i / 26)).collect();
        for len in 0..=24 {
            for start in 0..4 {
                let key = &text[start..start + len];
                // Little-endian, zero-padded: the first 8 bytes, and the last 8 past 8.
                let pack = |bytes: &[u8]| -> u64 {
                    bytes
                        .iter()
                        .rev()
                        .fold(0, |word, &b| (word << 8) | u64::from(b))
                };
                let first = pack(&key[..len.min(8)]);
                let last = if len > 8 { pack(&key[len - 8..]) } else { 0 };
                assert_eq!(words(key), (first, last), "{len} bytes");
            }
        }
    }

    #[test]
    fn the_masks_of_64_bytes_find_the_bytes_eight_at_a_time_find() {
        for b in 0..=255_u8 {
            let special_byte = matches!(b, b'"' | b'\\' | 0..=0x1F | 0x80..=0xFF);
            for at in 0..64 {
                let mut bytes = [b'a'; 140];
                bytes[at] = b;
                bytes[70] = b'"';
                let end = Ends::new(&bytes).end(0);
                let expected = match b {
                    b'"' => Some(at),
                    _ if special_byte => None,
                    _ => Some(70),
                };
                assert_eq!(end, expected, "{b:#x} at {at}");
                let mut word = [b'a'; 8];
                word[at % 8] = b;
                let found = special(u64::from_le_bytes(word));
                assert_eq!(found != 0, special_byte, "{b:#x} at {at}");
                if special_byte {
                    assert_eq!(found.trailing_zeros() / 8, (at % 8) as u32);
                }
            }
        }
        // The string's end, or `None` for the whole scanner, at every length and start, with
        // the masks kept from one string to the next; JSON follows.
        let tail = format!("\", \"more\": \"of the input\"{}}}", " ".repeat(64));
        for len in 0..140 {
            for start in [0, 1, 63] {
                let pad = " ".repeat(start);
                let text = format!("{pad}{}{tail}", "x".repeat(len));
                let mut ends = Ends::new(text.as_bytes());
                assert_eq!(ends.end(start), Some(start + len));
                assert_eq!(ends.end(start + len + 4), Some(start + len + 8));
                let escaped = format!("{pad}{}\\n{tail}", "x".repeat(len));
                assert_eq!(Ends::new(escaped.as_bytes()).end(start), None);
                let wide = format!("{pad}{}\u{e9}{tail}", "x".repeat(len));
                assert_eq!(Ends::new(wide.as_bytes()).end(start), None);
                // Cut before its end: the window ends inside it.
                assert_eq!(Ends::new(&text.as_bytes()[..start + len]).end(start), None);
            }
        }
    }

    /// `head`, then `body` repeated up to `size` bytes, then `tail`: read lazily.
    struct Big {
        parts: [Vec<u8>; 3],
        body_left: usize,
        at: usize,
        part: usize,
    }

    impl Big {
        fn new(head: &str, body: &str, size: usize, tail: &str) -> Self {
            Self {
                parts: [head.into(), body.into(), tail.into()],
                body_left: size / body.len(),
                at: 0,
                part: 0,
            }
        }
    }

    impl Read for Big {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut n = 0;
            while n < buf.len() && self.part < 3 {
                let part = &self.parts[self.part];
                let take = (part.len() - self.at).min(buf.len() - n);
                buf[n..n + take].copy_from_slice(&part[self.at..self.at + take]);
                n += take;
                self.at += take;
                if self.at == part.len() {
                    self.at = 0;
                    if self.part == 1 && self.body_left > 1 {
                        self.body_left -= 1;
                    } else {
                        self.part += 1;
                    }
                }
            }
            Ok(n)
        }
    }

    const SIZE: usize = 256 << 20;

    #[test]
    fn a_256_mb_value_that_is_skipped_is_read_once() {
        let mut w = Walker::new(Big::new(
            "{\"x\": [",
            "\"0123456789abcdefghijklmnopq\", ",
            SIZE,
            "1]}",
        ));
        assert!(w.begin_object("an object").is_ok());
        assert!(matches!(w.next_key(true), Ok(Some((ref k, 1))) if k == "x"));
        assert!(w.skip_value().is_ok());
        assert!(matches!(w.next_key(false), Ok(None)));
        assert!(w.end().is_ok());
        // Every byte of the value examined once, none re-parsed.
        let read = w.offset();
        assert!(read > SIZE as u64);
        assert!(w.examined() <= read, "{} examined of {read}", w.examined());
        // The window never grew past a read's size and the largest token.
        assert!(w.buf.len() <= 4 * READ, "window of {} bytes", w.buf.len());
    }

    #[test]
    fn a_256_mb_string_is_refused_once_the_window_holds_the_limit() {
        let mut w = Walker::new(Big::new("{\"x\": \"", "abcdefgh", SIZE, "\"}"));
        assert!(w.begin_object("an object").is_ok());
        assert!(w.next_key(true).is_ok());
        let refused = w.hold_value();
        assert!(
            matches!(
                refused,
                Err(WalkError::Syntax {
                    offset: 6,
                    fault: Fault::TooLarge
                })
            ),
            "{refused:?}"
        );
        // Linear: each refill at least doubles the window, so the bytes examined are at most
        // twice the limit.
        assert!(
            w.examined() <= 2 * (MAX_VALUE as u64 + READ as u64),
            "{}",
            w.examined()
        );
    }

    #[test]
    fn every_object_refuses_a_key_given_twice_even_among_many() {
        let keys: Vec<String> = (0..500).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{\"x\": {{{}, \"k7\": 0}}}}", keys.join(", "));
        let mut w = Walker::new(text.as_bytes());
        assert!(w.begin_object("an object").is_ok());
        assert!(w.next_key(true).is_ok());
        let refused = w.skip_value();
        assert!(
            matches!(refused, Err(WalkError::Syntax { fault: Fault::DuplicateKey { ref key, .. }, .. }) if key == "k7"),
            "{refused:?}"
        );
    }

    #[test]
    fn a_held_objects_members_are_found_whatever_their_values_hold() {
        let text = r#"{"a":"x","b":[{"c":"y","d":"v"},{"e":1}],"f":"z", "g" : "w","h\u0069":{"i":"j"},"k":"l"}"#;
        let mut w = Walker::new(text.as_bytes());
        assert!(matches!(w.hold_value(), Ok(0)));
        let (held, members) = w.held();
        let found: Vec<(String, String)> = members
            .iter()
            .map(|m| {
                let key = decode(&held[m.key.clone()], m.escaped);
                (
                    key,
                    String::from_utf8_lossy(&held[m.value.clone()]).into_owned(),
                )
            })
            .collect();
        let expected = [
            ("a", r#""x""#),
            ("b", r#"[{"c":"y","d":"v"},{"e":1}]"#),
            ("f", r#""z""#),
            ("g", r#""w""#),
            ("hi", r#"{"i":"j"}"#),
            ("k", r#""l""#),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(found, expected);
    }

    /// A reader that gives one byte at a time: every byte is at the window's edge once.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            match buf.first_mut() {
                Some(b) => *b = first,
                None => return Ok(0),
            }
            self.0 = rest;
            Ok(1)
        }
    }

    /// The fault of skipping the value `text` holds, then checking that nothing follows; read
    /// whole and one byte at a time, which must agree.
    fn fault_of(text: &[u8]) -> Option<(u64, Fault)> {
        let walk = |w: &mut Walker<&mut dyn Read>| match w.skip_value().and_then(|_| w.end()) {
            Ok(()) => None,
            Err(WalkError::Syntax { offset, fault }) => Some((offset, fault)),
            Err(e) => panic!("{e}"),
        };
        let mut whole = text;
        let mut trickle = Trickle(text);
        let found = walk(&mut Walker::new(&mut whole as &mut dyn Read));
        let trickled = walk(&mut Walker::new(&mut trickle as &mut dyn Read));
        assert_eq!(found, trickled, "{}", String::from_utf8_lossy(text));
        found
    }

    #[test]
    fn invalid_utf8_where_a_token_is_expected_is_reported_as_invalid_utf8() {
        let invalid = |at: u64| Some((at, Fault::InvalidUtf8(at)));
        // Before a value, after it, where a key or a comma is expected; a byte that starts no
        // character, a character broken by its next byte, one cut by the input's end.
        assert_eq!(fault_of(b"\xff{}"), invalid(0));
        assert_eq!(fault_of(b"{} \x80"), invalid(3));
        assert_eq!(fault_of(b"{\"a\": 1, \xc3(: 2}"), invalid(9));
        assert_eq!(fault_of(b"[1\xe2\x82]"), invalid(2));
        assert_eq!(fault_of(b"{\"a\": \xf0\x9f\x98}"), invalid(6));
        assert_eq!(fault_of(b"{} \xe2\x82"), invalid(3));
        assert_eq!(fault_of(b"{} \xc0\x80"), invalid(3));
        assert_eq!(fault_of(b"{} \xed\xa0\x80"), invalid(3));
        // A valid character keeps the fault it is, wherever the window cuts it.
        assert_eq!(fault_of("{} \u{e9}".as_bytes()), Some((3, Fault::Trailing)));
        assert_eq!(
            fault_of("[1\u{1F600}]".as_bytes()),
            Some((2, Fault::Expected("`,` or `]`")))
        );
        // A byte order mark is passed over at the input's start only.
        assert_eq!(fault_of("\u{feff}{}".as_bytes()), None);
        assert_eq!(
            fault_of("\u{feff}\u{feff}{}".as_bytes()),
            Some((3, Fault::Expected("a value")))
        );
        assert_eq!(
            fault_of("{}\u{feff}".as_bytes()),
            Some((2, Fault::Trailing))
        );
        assert_eq!(
            fault_of("\u{feff}[1,]".as_bytes()),
            Some((6, Fault::TrailingComma))
        );
    }

    /// A text in UTF-16 or UTF-32 is refused at its start, whether its first bytes come in one
    /// read or one at a time; a shorter text is read as it is.
    #[test]
    fn a_text_in_utf16_or_utf32_is_refused_at_its_start() {
        use journal_run::words::NotUtf8;
        let not = |encoding| Some((0, Fault::NotUtf8(encoding)));
        assert_eq!(fault_of(b"{\0}\0"), not(NotUtf8::Utf16Le));
        assert_eq!(fault_of(b"\xff\xfe[\0]\0"), not(NotUtf8::Utf16Le));
        assert_eq!(fault_of(b"\0[\0]"), not(NotUtf8::Utf16Be));
        assert_eq!(fault_of(b"1\0\0\0"), not(NotUtf8::Utf32Le));
        assert_eq!(fault_of(b"\0\0\xfe\xff\0\0\0\x31"), not(NotUtf8::Utf32Be));
        assert_eq!(fault_of(b"1"), None);
        assert_eq!(fault_of(b"\xef\xbb\xbf1"), None);
        assert_eq!(fault_of(b"\xef\xbb"), Some((0, Fault::InvalidUtf8(0))));
    }

    #[test]
    fn a_high_surrogate_is_decided_at_the_inputs_end_as_anywhere() {
        let lone = |at: u64| Some((at, Fault::LoneSurrogate));
        assert_eq!(fault_of(br#""\ud800\udc00""#), None);
        assert_eq!(fault_of(br#""\uD83D\uDE00" "#), None);
        assert_eq!(fault_of(br#""\ud800""#), lone(1));
        assert_eq!(fault_of(br#""\ud800x""#), lone(1));
        assert_eq!(fault_of(br#""\ud800\u0041""#), lone(1));
        assert_eq!(fault_of(br#""\ud800\ud800""#), lone(1));
        assert_eq!(fault_of(br#""\ud800\n""#), lone(1));
        assert_eq!(
            fault_of(br#""\u12"#),
            Some((4, Fault::EndsInside("a string")))
        );
        assert_eq!(fault_of(br#""\u1x""#), Some((1, Fault::InvalidEscape)));
        // The input ends where a low half may still follow: inside the string.
        for cut in [
            r#""\ud800"#,
            r#""\ud800\"#,
            r#""\ud800\u"#,
            r#""\ud800\udc"#,
            r#""\ud800\uDFf"#,
        ] {
            let end = cut.len() as u64 - 1;
            assert_eq!(
                fault_of(cut.as_bytes()),
                Some((end, Fault::EndsInside("a string"))),
                "{cut}"
            );
        }
    }

    /// A number that ends the input is read up to the window's end; what the buffer holds
    /// past it (bytes shifted out of the window) is never read as a token.
    #[test]
    fn a_number_at_the_end_of_the_input_is_followed_by_nothing() {
        for text in [r#"{"x": [1, 23"#, "[1111, 23", r#"{"x": 1234"#] {
            let mut w = Walker::new(text.as_bytes());
            let result = w.skip_value();
            assert!(
                matches!(
                    result,
                    Err(WalkError::Syntax {
                        fault: Fault::EndsInside(_),
                        ..
                    })
                ),
                "{text}: {result:?}"
            );
        }
    }
}
