//! A streaming JSON scanner: it walks the structure of a large document (the top-level
//! object, the `journalEntries` array) over a window of the input, and hands out each value
//! it does not walk into as a byte slice of the window, for `serde_json::from_slice` (fast) or
//! to be copied through as it is.
//!
//! Only the structure between values is checked here (commas, colons, brackets); each value
//! handed out is checked by whoever parses it. The window holds the value being handed out
//! and the unread rest of the last read: its size is that of the largest single value (one
//! journal entry), not that of the input.

use std::io::{self, Read};
use std::ops::Range;

/// How many bytes the window reads at a time.
const READ: usize = 1 << 20;

/// A fault of the input's structure: where (a byte offset) and what.
#[derive(Debug)]
pub struct Fault {
    /// The byte offset of the fault in the input.
    pub offset: u64,
    /// What is wrong.
    pub message: String,
}

/// Why the scanner stopped.
#[derive(Debug)]
pub enum ScanError {
    /// The input cannot be read.
    Io(io::Error),
    /// The input's structure is not JSON.
    Fault(Fault),
    /// The input holds nothing but whitespace.
    Empty,
    /// A callback stopped the walk (its reason is its own).
    Stopped,
}

impl From<io::Error> for ScanError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

/// What [`Scanner::parse_in_place`] found: the parse's result, the window range it was given
/// (or used, when it succeeded) and the value's input offset.
pub type Parsed<T> = (Result<T, serde_json::Error>, Range<usize>, u64);

/// The window over an input.
pub struct Scanner<R> {
    reader: R,
    buf: Vec<u8>,
    /// The next unread byte in `buf`.
    pos: usize,
    /// The end of the data in `buf`.
    len: usize,
    /// The input offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// Newlines before `buf[0]`, and the input offset just after the last of them.
    lines_before: u64,
    line_start_before: u64,
    /// The last position asked for: its offset, line and line start (a cache, so that asking
    /// for ascending offsets costs only the bytes between them).
    cached: (u64, u64, u64),
}

/// What kind of JSON value starts with `byte`, in serde's words.
pub fn kind_of(byte: u8) -> &'static str {
    match byte {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => "a character that cannot start a JSON value",
    }
}

impl<R: Read> Scanner<R> {
    /// A scanner at the start of `reader`.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            pos: 0,
            len: 0,
            base: 0,
            eof: false,
            lines_before: 0,
            line_start_before: 0,
            cached: (0, 1, 0),
        }
    }

    /// The input offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The 1-based line and column of input offset `offset`, which must not be before the
    /// window (every fault is found in it).
    pub fn line_column(&mut self, offset: u64) -> (usize, usize) {
        let (cached_offset, cached_line, cached_start) = self.cached;
        let (from, mut line, mut line_start) =
            if cached_offset >= self.base && cached_offset <= offset {
                (cached_offset, cached_line, cached_start)
            } else {
                (self.base, self.lines_before + 1, self.line_start_before)
            };
        let window = |at: u64| {
            usize::try_from(at.saturating_sub(self.base))
                .unwrap_or(usize::MAX)
                .min(self.len)
        };
        let span = self
            .buf
            .get(window(from)..window(offset))
            .unwrap_or_default();
        line += memchr::memchr_iter(b'\n', span).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', span) {
            line_start = from + i as u64 + 1;
        }
        self.cached = (offset, line, line_start);
        let column = offset.saturating_sub(line_start) + 1;
        (
            usize::try_from(line).unwrap_or(usize::MAX),
            usize::try_from(column).unwrap_or(usize::MAX),
        )
    }

    /// Reads more input into the window, keeping the unread bytes; `false` at the end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            let gone = self.buf.get(..self.pos).unwrap_or_default();
            self.lines_before += memchr::memchr_iter(b'\n', gone).count() as u64;
            if let Some(i) = memchr::memrchr(b'\n', gone) {
                self.line_start_before = self.base + i as u64 + 1;
            }
            self.buf.copy_within(self.pos..self.len, 0);
            self.base += self.pos as u64;
            self.len -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() < self.len + READ {
            self.buf.resize(self.len + READ, 0);
        }
        loop {
            let room = self.buf.get_mut(self.len..).unwrap_or_default();
            match self.reader.read(room) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Skips whitespace; the next byte (not consumed), or `None` at the end of the input.
    pub fn skip_whitespace(&mut self) -> io::Result<Option<u8>> {
        loop {
            while let Some(&b) = self.buf.get(self.pos..self.len).and_then(<[u8]>::first) {
                if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    self.pos += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Skips spaces, tabs and carriage returns (not newlines); the next byte, not consumed.
    pub fn skip_blanks(&mut self) -> io::Result<Option<u8>> {
        loop {
            while let Some(&b) = self.buf.get(self.pos..self.len).and_then(<[u8]>::first) {
                if matches!(b, b' ' | b'\r' | b'\t') {
                    self.pos += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes one byte (one `skip_whitespace` returned).
    pub fn bump(&mut self) {
        self.pos = (self.pos + 1).min(self.len);
    }

    /// A fault at input offset `offset`.
    pub fn fault(&self, offset: u64, message: impl Into<String>) -> ScanError {
        ScanError::Fault(Fault {
            offset,
            message: message.into(),
        })
    }

    /// The fault for the end of the input while `what` is open: at the last byte, as serde
    /// reports it.
    fn eof(&self, what: &str) -> ScanError {
        self.fault(
            self.base + self.len.saturating_sub(1) as u64,
            format!("the input ends inside {what}"),
        )
    }

    /// Consumes whitespace and then `byte`, or reports `expected`.
    pub fn expect(&mut self, byte: u8, expected: &str, open: &str) -> Result<(), ScanError> {
        match self.skip_whitespace()? {
            Some(b) if b == byte => {
                self.bump();
                Ok(())
            }
            Some(_) => Err(self.fault(self.offset(), format!("expected {expected}"))),
            None => Err(self.eof(open)),
        }
    }

    /// After a member or an element of the container `open` ("an object" or "a list"): a
    /// comma (`true`, another follows) or the closing `close` (`false`).
    pub fn next_in(&mut self, close: u8, open: &str) -> Result<bool, ScanError> {
        let expected = if close == b'}' {
            "`,` or `}`"
        } else {
            "`,` or `]`"
        };
        match self.skip_whitespace()? {
            Some(b',') => {
                self.bump();
                match self.skip_whitespace()? {
                    Some(b) if b == close => Err(self.fault(self.offset(), "trailing comma")),
                    Some(_) => Ok(true),
                    None => Err(self.eof(open)),
                }
            }
            Some(b) if b == close => {
                self.bump();
                Ok(false)
            }
            Some(_) => Err(self.fault(self.offset(), format!("expected {expected}"))),
            None => Err(self.eof(open)),
        }
    }

    /// Parses the next value where it lies in the window: `parse` gets the unread window,
    /// starting at the value, and returns the value and how many bytes it used. When the value
    /// runs past the window (`parse` fails and `runs_past` says the fault is at the window's
    /// end), more input is read and `parse` runs again from the value's start, so each value
    /// is read once, not scanned and then parsed. Returns what `parse` returned, the window
    /// range it was given or used, and the value's input offset; consumes the value when
    /// parsed.
    pub fn parse_in_place<T>(
        &mut self,
        mut parse: impl FnMut(&[u8]) -> Result<(T, usize), serde_json::Error>,
        runs_past: impl Fn(&[u8], &serde_json::Error) -> bool,
    ) -> Result<Parsed<T>, ScanError> {
        if self.skip_whitespace()?.is_none() {
            return Err(self.eof("a value"));
        }
        loop {
            let start = self.pos;
            let offset = self.offset();
            let rest = self.buf.get(start..self.len).unwrap_or_default();
            match parse(rest) {
                Ok((value, used)) => {
                    let end = (start + used).min(self.len);
                    self.pos = end;
                    return Ok((Ok(value), start..end, offset));
                }
                Err(error) => {
                    if runs_past(rest, &error) && self.fill()? {
                        continue;
                    }
                    if error.is_eof() {
                        // The input itself ends inside the value: said as `value` says it.
                        let message = error.to_string();
                        let open = ["a string", "an object", "a list"]
                            .into_iter()
                            .find(|what| message.contains(what.rsplit(' ').next().unwrap_or(what)))
                            .unwrap_or("a value");
                        return Err(self.eof(open));
                    }
                    return Ok((Err(error), self.pos..self.len, offset));
                }
            }
        }
    }

    /// Walks the next value where it lies in the window: `walk` gets the unread window,
    /// starting at the value, and returns the value's length, or `None` when the window does
    /// not hold it whole; then more input is read and `walk` runs again from the value's start.
    /// Returns the value's range in the window and consumes it.
    pub fn walk_in_place(
        &mut self,
        mut walk: impl FnMut(&[u8]) -> Option<usize>,
    ) -> Result<Range<usize>, ScanError> {
        if self.skip_whitespace()?.is_none() {
            return Err(self.eof("a value"));
        }
        loop {
            let start = self.pos;
            let rest = self.buf.get(start..self.len).unwrap_or_default();
            if let Some(used) = walk(rest) {
                let end = (start + used).min(self.len);
                self.pos = end;
                return Ok(start..end);
            }
            if !self.fill()? {
                return Err(self.eof("an object"));
            }
        }
    }

    /// The next value, whole, in the window (not parsed; its structure is only followed far
    /// enough to find its end), and its input offset. Consumes it.
    pub fn value(&mut self) -> Result<(Range<usize>, u64), ScanError> {
        let Some(first) = self.skip_whitespace()? else {
            return Err(self.eof("a value"));
        };
        let start_offset = self.offset();
        let mut state = State::new(first);
        // Scanned bytes, relative to the value's start (which `fill` moves to `buf[0]`).
        let mut scanned = 0;
        loop {
            let start = self.pos;
            let rest = self.buf.get(start + scanned..self.len).unwrap_or_default();
            match state.run(rest) {
                Some(n) => {
                    let end = start + scanned + n;
                    self.pos = end;
                    return Ok((start..end, start_offset));
                }
                None => {
                    scanned = self.len - start;
                    if !self.fill()? {
                        if state.is_scalar() {
                            let end = self.len;
                            let start = self.pos;
                            self.pos = end;
                            return Ok((start..end, start_offset));
                        }
                        return Err(self.eof(state.open()));
                    }
                }
            }
        }
    }

    /// The bytes of a range `value` returned, valid until the next call that reads.
    pub fn bytes(&self, range: Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
    }
}

/// The text of a JSON string literal (with its quotes); `None` if it is not one.
pub fn string_literal(literal: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let inner = literal.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if inner.contains(&b'\\') {
        serde_json::from_slice::<String>(literal)
            .ok()
            .map(std::borrow::Cow::Owned)
    } else {
        std::str::from_utf8(inner)
            .ok()
            .map(std::borrow::Cow::Borrowed)
    }
}

impl<R: Read> Scanner<R> {
    /// Walks an object: for each member, calls `member` with the scanner (positioned at the
    /// member's value, which `member` must consume), the key and the key's input offset.
    /// `expecting` describes the object for the fault when something else is found.
    pub fn object(
        &mut self,
        expecting: &str,
        mut member: impl FnMut(&mut Self, &str, u64) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        match self.skip_whitespace()? {
            None if self.offset() == 0 || self.len == 0 => return Err(ScanError::Empty),
            None => return Err(self.eof("a value")),
            Some(b'{') => self.bump(),
            Some(b) => {
                return Err(self.fault(
                    self.offset(),
                    format!("expected {expecting}, found {}", kind_of(b)),
                ))
            }
        }
        if self.skip_whitespace()? == Some(b'}') {
            self.bump();
            return Ok(());
        }
        loop {
            match self.skip_whitespace()? {
                Some(b'"') => {}
                Some(_) => return Err(self.fault(self.offset(), "key must be a string")),
                None => return Err(self.eof("an object")),
            }
            let (range, key_offset) = self.value()?;
            let key = string_literal(self.bytes(range))
                .map(std::borrow::Cow::into_owned)
                .ok_or_else(|| self.fault(key_offset, "invalid key"))?;
            self.expect(b':', "`:`", "an object")?;
            member(self, &key, key_offset)?;
            if !self.next_in(b'}', "an object")? {
                return Ok(());
            }
        }
    }

    /// Walks an array: for each element, calls `element` with the scanner (positioned at the
    /// element, which `element` must consume) and the element's index. `name` names the
    /// array for the fault when something else is found.
    pub fn array(
        &mut self,
        name: &str,
        mut element: impl FnMut(&mut Self, usize) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        match self.skip_whitespace()? {
            Some(b'[') => self.bump(),
            Some(b) => {
                return Err(self.fault(
                    self.offset(),
                    format!("{name}: expected an array, found {}", kind_of(b)),
                ))
            }
            None => return Err(self.eof("a value")),
        }
        if self.skip_whitespace()? == Some(b']') {
            self.bump();
            return Ok(());
        }
        let mut index = 0;
        loop {
            element(self, index)?;
            index += 1;
            if !self.next_in(b']', "a list")? {
                return Ok(());
            }
        }
    }

    /// Checks that nothing but whitespace follows.
    pub fn end(&mut self) -> Result<(), ScanError> {
        match self.skip_whitespace()? {
            None => Ok(()),
            Some(_) => Err(self.fault(self.offset(), "trailing characters")),
        }
    }
}

/// The position of the first `"` or `\\` in `bytes`: a plain loop over the first bytes (most
/// strings are short, and a call to a vectorized search costs more than it saves on them),
/// then a vectorized search.
pub fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const SHORT: usize = 32;
    let head = bytes.get(..SHORT).unwrap_or(bytes);
    if let Some(i) = head.iter().position(|&b| b == b'"' || b == b'\\') {
        return Some(i);
    }
    let rest = bytes.get(SHORT..)?;
    memchr::memchr2(b'"', b'\\', rest).map(|i| i + SHORT)
}

/// How far a value's scan has come, kept across reads.
struct State {
    /// The open brackets, innermost last.
    stack: Vec<u8>,
    in_string: bool,
    /// The last byte read was a backslash inside a string.
    escaped: bool,
    scalar: bool,
}

impl State {
    fn new(first: u8) -> Self {
        Self {
            stack: Vec::new(),
            in_string: false,
            escaped: false,
            scalar: !matches!(first, b'"' | b'{' | b'['),
        }
    }

    const fn is_scalar(&self) -> bool {
        self.scalar
    }

    fn open(&self) -> &'static str {
        if self.in_string {
            "a string"
        } else {
            match self.stack.last() {
                Some(b'{') => "an object",
                Some(_) => "a list",
                None => "a value",
            }
        }
    }

    /// Scans `bytes`; `Some(n)` when the value ends after `n` of them, `None` when it goes on.
    fn run(&mut self, bytes: &[u8]) -> Option<usize> {
        if self.scalar {
            // A number, `true`, `false` or `null`: up to the next delimiter.
            return bytes
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'));
        }
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match quote_or_backslash(bytes.get(i..).unwrap_or_default()) {
                    None => return None,
                    Some(j) => {
                        i += j;
                        if bytes.get(i) == Some(&b'\\') {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                            if self.stack.is_empty() {
                                return Some(i + 1);
                            }
                        }
                        i += 1;
                    }
                }
                continue;
            }
            match bytes.get(i) {
                Some(b'"') => self.in_string = true,
                Some(&b @ (b'{' | b'[')) => self.stack.push(b),
                Some(b'}' | b']') => {
                    self.stack.pop();
                    if self.stack.is_empty() {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of a JSON array, read through a window of `chunk`-byte reads.
    fn values(text: &str, chunk: usize) -> Vec<String> {
        struct Slow<'a>(&'a [u8], usize);
        impl Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut scanner = Scanner::new(Slow(text.as_bytes(), chunk));
        let mut out = Vec::new();
        assert!(scanner.expect(b'[', "`[`", "a list").is_ok());
        loop {
            let (range, _) = match scanner.value() {
                Ok(v) => v,
                Err(e) => panic!("{e:?}"),
            };
            out.push(String::from_utf8_lossy(scanner.bytes(range)).into_owned());
            match scanner.next_in(b']', "a list") {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => panic!("{e:?}"),
            }
        }
        out
    }

    #[test]
    fn values_are_found_whole_whatever_the_reads() {
        let text = r#"[ {"a": "x}\"]", "b": [1, {"c": null}]}, "s\\", 12.5e3, true, [[]] ]"#;
        for chunk in 1..8 {
            assert_eq!(
                values(text, chunk),
                vec![
                    r#"{"a": "x}\"]", "b": [1, {"c": null}]}"#,
                    r#""s\\""#,
                    "12.5e3",
                    "true",
                    "[[]]"
                ],
                "reads of {chunk}"
            );
        }
    }

    #[test]
    fn lines_and_columns_count_across_reads() {
        let text = "[1,\n 2,\n\n   x]";
        let mut scanner = Scanner::new(text.as_bytes());
        assert!(scanner.expect(b'[', "`[`", "a list").is_ok());
        for _ in 0..2 {
            assert!(scanner.value().is_ok());
            assert!(matches!(scanner.next_in(b']', "a list"), Ok(true)));
        }
        let offset = scanner.offset();
        assert!(scanner.skip_whitespace().is_ok());
        assert_eq!(offset, 12);
        assert_eq!(scanner.line_column(scanner.offset()), (4, 4));
        // An earlier place after a later one, and the first byte.
        assert_eq!(scanner.line_column(5), (2, 2));
        assert_eq!(scanner.line_column(0), (1, 1));
    }
}
