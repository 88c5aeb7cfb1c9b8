//! The output pass: each entry document of the input written back, compact, with `status`
//! and `transferredToAccounting` taken from the run after the rules ran, and every other
//! field written as it was read (same order, same number spellings, custom fields kept).
//!
//! Each entry arrives as its raw JSON text (already validated by the rules pass); a small
//! scanner finds its top-level fields, and the library reads the entry from them exactly as
//! the rules pass did (`JournalEntry::try_from` on Zuora's entry document).

use std::io::{self, Write};
use std::ops::Range;

use journal_run::wire::{GetJournalEntryDetailType, Nullable};
use journal_run::{JournalEntry, JournalEntryNumber};

use crate::scan::{quote_or_backslash, string_literal};

/// Writes entry documents back, comma-separated.
pub struct EntryWriter<'o> {
    out: &'o mut dyn Write,
    entry_now: &'o dyn Fn(JournalEntryNumber) -> Option<JournalEntry>,
    written: usize,
    error: Option<io::Error>,
    members: Vec<Member>,
    scratch: GetJournalEntryDetailType,
    transferred: String,
    /// The entry being written.
    line: Vec<u8>,
}

/// One top-level field of an entry object: where its key (with quotes) and value are.
struct Member {
    key: Range<usize>,
    value: Range<usize>,
    /// Whether the value holds whitespace between its tokens.
    blank: bool,
}

impl<'o> EntryWriter<'o> {
    /// A writer to `out`, taking each entry's current state from `entry_now`.
    pub fn new(
        out: &'o mut dyn Write,
        entry_now: &'o dyn Fn(JournalEntryNumber) -> Option<JournalEntry>,
    ) -> Self {
        Self {
            out,
            entry_now,
            written: 0,
            error: None,
            members: Vec::new(),
            scratch: GetJournalEntryDetailType::default(),
            transferred: String::new(),
            line: Vec::new(),
        }
    }

    /// How many entries were written.
    pub const fn written(&self) -> usize {
        self.written
    }

    /// The output error that stopped the pass, if any.
    pub fn take_output_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Finds the entry object at the start of `window` (which may go on past it) and its
    /// fields: the object's length, or `None` when the window does not hold it whole. The
    /// fields are kept for [`entry`](Self::entry), which must be given the same bytes.
    pub fn scan(&mut self, window: &[u8]) -> Option<usize> {
        scan_members(window, &mut self.members)
    }

    /// Writes the entry [`scan`](Self::scan) found, given as its raw JSON object text; `Err`
    /// when the output failed (the error is kept for
    /// [`take_output_error`](Self::take_output_error)).
    pub fn entry(&mut self, raw: &[u8]) -> Result<(), ()> {
        let result = self.write_entry(raw);
        self.written += 1;
        result.map_err(|e| {
            self.error = Some(e);
        })
    }

    fn write_entry(&mut self, raw: &[u8]) -> io::Result<()> {
        let line = &mut self.line;
        line.clear();
        if self.written > 0 {
            line.push(b',');
        }
        let mut status_at = None;
        let mut transferred_at = None;
        let mut number_at = None;
        for (i, member) in self.members.iter().enumerate() {
            match key_is(raw, &member.key) {
                Some(Field::Number) => number_at = Some(i),
                Some(Field::Status) => status_at = Some(i),
                Some(Field::Transferred) => transferred_at = Some(i),
                None => {}
            }
        }
        let value_of = |at: Option<usize>| at.and_then(|i| self.members.get(i)).map(|m| &m.value);
        let read = read_entry(
            &mut self.scratch,
            &mut self.transferred,
            raw,
            value_of(number_at),
            value_of(status_at),
            value_of(transferred_at),
        );
        let now = read.and_then(|read| (self.entry_now)(read.number).map(|now| (read, now)));
        let (new_status, new_transferred) = match now {
            Some((read, now)) => (
                (read.status != now.status).then(|| now.status.as_str()),
                (read.transferred_to_accounting != now.transferred_to_accounting)
                    .then(|| now.transferred_to_accounting.as_str()),
            ),
            None => (None, None),
        };

        let quoted = |line: &mut Vec<u8>, text: &str| {
            line.push(b'"');
            line.extend_from_slice(text.as_bytes());
            line.push(b'"');
        };
        line.push(b'{');
        for (i, member) in self.members.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            line.extend_from_slice(raw.get(member.key.clone()).unwrap_or_default());
            line.push(b':');
            let replacement = match Some(i) {
                at if at == status_at => new_status,
                at if at == transferred_at => new_transferred,
                _ => None,
            };
            match replacement {
                Some(text) => quoted(line, text),
                None => {
                    let value = raw.get(member.value.clone()).unwrap_or_default();
                    if member.blank {
                        minify(line, value);
                    } else {
                        line.extend_from_slice(value);
                    }
                }
            }
        }
        if let (None, Some(text)) = (transferred_at, new_transferred) {
            if !self.members.is_empty() {
                line.push(b',');
            }
            line.extend_from_slice(b"\"transferredToAccounting\":");
            quoted(line, text);
        }
        line.push(b'}');
        self.out.write_all(line)
    }
}

/// The fields of an entry the output pass reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Number,
    Status,
    Transferred,
}

/// Which of the fields the key at `range` (with its quotes) names.
fn key_is(raw: &[u8], range: &Range<usize>) -> Option<Field> {
    let literal = raw.get(range.clone())?;
    let inner = literal.get(1..literal.len().saturating_sub(1))?;
    let field = |name: &[u8]| match name {
        b"number" => Some(Field::Number),
        b"status" => Some(Field::Status),
        b"transferredToAccounting" => Some(Field::Transferred),
        _ => None,
    };
    if inner.contains(&b'\\') {
        string_literal(literal).and_then(|key| field(key.as_bytes()))
    } else {
        field(inner)
    }
}

/// The entry as the library reads it from these fields (`None` if it cannot, which the rules
/// pass has ruled out). The scratch document's strings are reused from entry to entry.
fn read_entry(
    scratch: &mut GetJournalEntryDetailType,
    transferred_text: &mut String,
    raw: &[u8],
    number: Option<&Range<usize>>,
    status: Option<&Range<usize>>,
    transferred: Option<&Range<usize>>,
) -> Option<JournalEntry> {
    let text = |range: &Range<usize>| raw.get(range.clone()).and_then(string_literal);
    let set = |target: &mut String, range: Option<&Range<usize>>| {
        let value = text(range?)?;
        target.clear();
        target.push_str(&value);
        Some(())
    };
    set(&mut scratch.number, number)?;
    set(&mut scratch.status, status)?;
    scratch.transferred_to_accounting = match transferred {
        None => Nullable::Absent,
        Some(range) if raw.get(range.clone()) == Some(b"null") => Nullable::Null,
        Some(range) => {
            set(transferred_text, Some(range))?;
            Nullable::Value(std::mem::take(transferred_text))
        }
    };
    let entry = JournalEntry::try_from(&*scratch).ok();
    if let Nullable::Value(text) = std::mem::take(&mut scratch.transferred_to_accounting) {
        *transferred_text = text;
    }
    entry
}

/// Writes JSON text without the whitespace between its tokens.
fn minify(out: &mut Vec<u8>, text: &[u8]) {
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            // A string is copied whole: jump to its end.
            b'"' => i = skip_string(text, i).unwrap_or(text.len()),
            b' ' | b'\n' | b'\r' | b'\t' => {
                out.extend_from_slice(text.get(start..i).unwrap_or_default());
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.extend_from_slice(text.get(start..).unwrap_or_default());
}

fn skip_whitespace(raw: &[u8], mut i: usize) -> usize {
    while matches!(raw.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

/// The end of the string literal starting at `i`.
fn skip_string(raw: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        j += quote_or_backslash(raw.get(j..)?)?;
        match raw.get(j)? {
            b'\\' => j += 2,
            _ => return Some(j + 1),
        }
    }
}

/// The end of the JSON value starting at `i`, and whether it holds whitespace between its
/// tokens (which [`minify`] then removes; a value without any is copied as it is).
fn skip_value(raw: &[u8], i: usize) -> Option<(usize, bool)> {
    match raw.get(i)? {
        b'"' => skip_string(raw, i).map(|end| (end, false)),
        b'{' | b'[' => {
            let mut depth = 0_usize;
            let mut blank = false;
            let mut j = i;
            loop {
                match raw.get(j)? {
                    b'"' => {
                        j = skip_string(raw, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((j + 1, blank));
                        }
                    }
                    b' ' | b'\n' | b'\r' | b'\t' => blank = true,
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                raw.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            ) {
                j += 1;
            }
            Some((j, false))
        }
    }
}

/// The top-level fields of the JSON object at the start of `raw` (which may go on past
/// it); the object's end, or `None` when `raw` does not start with a whole object.
fn scan_members(raw: &[u8], members: &mut Vec<Member>) -> Option<usize> {
    members.clear();
    let mut i = skip_whitespace(raw, 0);
    if raw.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_whitespace(raw, i);
        match raw.get(i) {
            Some(b'}') if members.is_empty() => return Some(i + 1),
            Some(b'"') => {}
            _ => return None,
        }
        let key_end = skip_string(raw, i)?;
        let key = i..key_end;
        i = skip_whitespace(raw, key_end);
        if raw.get(i) != Some(&b':') {
            return None;
        }
        i = skip_whitespace(raw, i + 1);
        let (value_end, blank) = skip_value(raw, i)?;
        // A number that runs to the end of `raw` may go on past it.
        if value_end >= raw.len() {
            return None;
        }
        members.push(Member {
            key,
            value: i..value_end,
            blank,
        });
        i = skip_whitespace(raw, value_end);
        match raw.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return Some(i + 1),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use journal_run::{JournalEntryStatus, TransferredToAccounting};

    fn rewrite(raw: &str, now: Option<JournalEntry>) -> String {
        let mut out = Vec::new();
        let lookup = move |_: JournalEntryNumber| now;
        let mut writer = EntryWriter::new(&mut out, &lookup);
        // The window goes on past the entry, as in a file.
        let window = format!("{raw},");
        let used = writer.scan(window.as_bytes());
        assert_eq!(used, Some(raw.len()));
        assert!(writer.entry(raw.as_bytes()).is_ok());
        String::from_utf8(out).unwrap_or_default()
    }

    fn entry(status: JournalEntryStatus, tta: TransferredToAccounting) -> Option<JournalEntry> {
        Some(JournalEntry {
            number: JournalEntryNumber::new(1)?,
            status,
            transferred_to_accounting: tta,
        })
    }

    #[test]
    fn only_the_changed_status_is_replaced_and_everything_else_is_kept() {
        let raw = "{ \"number\" : \"JE-00000001\",\n \"status\": \"Created\", \"note\": \"a \\\"b\\\" c \",\n \"amount\": 1.10, \"items\": [ {\"status\": \"x\"} ], \"transferredToAccounting\": null }";
        assert_eq!(
            rewrite(
                raw,
                entry(JournalEntryStatus::Cancelled, TransferredToAccounting::No)
            ),
            "{\"number\":\"JE-00000001\",\"status\":\"Cancelled\",\"note\":\"a \\\"b\\\" c \",\"amount\":1.10,\"items\":[{\"status\":\"x\"}],\"transferredToAccounting\":null}"
        );
    }

    #[test]
    fn an_unchanged_entry_is_written_back_as_read_less_the_blanks() {
        let raw = "{\"number\": \"JE-00000001\", \"status\": \"Created\"}";
        assert_eq!(
            rewrite(
                raw,
                entry(JournalEntryStatus::Created, TransferredToAccounting::No)
            ),
            "{\"number\":\"JE-00000001\",\"status\":\"Created\"}"
        );
    }

    #[test]
    fn a_changed_transferred_to_accounting_that_was_absent_is_added() {
        let raw = "{\"number\": \"JE-00000001\", \"status\": \"Created\"}";
        assert_eq!(
            rewrite(
                raw,
                entry(JournalEntryStatus::Created, TransferredToAccounting::Yes)
            ),
            "{\"number\":\"JE-00000001\",\"status\":\"Created\",\"transferredToAccounting\":\"Yes\"}"
        );
    }
}
