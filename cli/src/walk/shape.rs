//! The short way to hold a value: by the shape of a value held before.
//!
//! The entries of an export come from one serializer: each has the keys of the one before,
//! in the same order, with the same punctuation and whitespace; only their strings and
//! scalars differ. A value held the long way (every token through the walker's grammar and
//! duplicate-key check) leaves its shape: its text cut at its strings and scalars (the holes),
//! keeping the parts between them (punctuation, whitespace, keys). The next value is held the
//! short way when its bytes are those parts, each hole a string or scalar that the walker's
//! own scanners accept.
//!
//! That is the long way's verdict: JSON's grammar reads the same parts in the same states,
//! a scalar or a string leaves any state as any other does, so the value has the same
//! structure, the same keys in every object (none twice, since the long way said so of the
//! shape), the same nesting at the same depth. At the first difference, at the window's end
//! or at a hole the scanners refuse, the short way stops, having changed nothing, and the
//! long way reads the value from its start (and reports the fault there, with its place).
//! docs/DECISIONS.md, D-33.

use std::ops::Range;

use super::{scalar, scan_string, Ends, Member, Scan, MAX_VALUE};

/// How many shapes are kept, the most recently matched first.
const KEEP: usize = 16;
/// The largest value whose shape is kept.
const MAX_SHAPE: usize = 64 << 10;

/// After this many values in a row that no shape fits, shapes rest: the next values are read
/// the long way only, [`FIRST_REST`] of them, twice as many after each rest that ends without
/// a fit, at most [`LAST_REST`].
const MISSES: u32 = 8;
const FIRST_REST: u32 = 32;
const LAST_REST: u32 = 4096;

/// The shapes of values held the long way, and how shapes fared lately: an input whose
/// values never repeat a shape is read nearly as fast as without shapes.
#[derive(Default)]
pub(super) struct Shapes {
    kept: Vec<Shape>,
    /// Values in a row no shape fitted.
    misses: u32,
    /// Values left to read the long way only, and the length of the last rest.
    rest: u32,
    last_rest: u32,
    /// Whether the value being held the long way is to leave its shape.
    learn: bool,
    /// How many values shapes were tried on (for the tests).
    #[cfg(test)]
    tried: u64,
}

/// The walker's window as shapes read it: its bytes, the input offset of the first, and
/// whether they end the input.
#[derive(Clone, Copy)]
pub(super) struct Window<'b> {
    pub(super) buf: &'b [u8],
    pub(super) base: u64,
    pub(super) eof: bool,
}

/// A place in a shape: one of its parts, and an offset in it.
type Point = (usize, usize);

/// What a shape has after each of its parts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hole {
    String,
    /// A number, `true`, `false` or `null`.
    Scalar,
    /// Nothing: the last part ends the value.
    End,
}

/// A member of a shape's object: where its key and value start and end.
#[derive(PartialEq, Eq)]
struct ShapeMember {
    /// Where its key starts (the key is in one part), and its length.
    key: Point,
    key_len: usize,
    escaped: bool,
    name: Option<&'static str>,
    value: (Point, Point),
}

/// A value's text cut at its holes, and where its members are.
struct Shape {
    /// The nesting depth it was held at.
    depth: usize,
    text: Vec<u8>,
    /// The parts of `text`, each followed by its hole.
    parts: Vec<Range<usize>>,
    holes: Vec<Hole>,
    members: Vec<ShapeMember>,
    /// Where each part is in the value being matched, from its start.
    starts: Vec<usize>,
}

impl Shapes {
    /// Holds the value at `window.buf[start..]`, at nesting `depth`, the short way: its end,
    /// with its members in `members`; `None`, with nothing changed, when no shape fits.
    pub(super) fn hold(
        &mut self,
        window: Window,
        start: usize,
        depth: usize,
        members: &mut Vec<Member>,
    ) -> Option<usize> {
        if self.rest > 0 {
            self.rest -= 1;
            self.learn = false;
            return None;
        }
        self.learn = true;
        #[cfg(test)]
        {
            self.tried += 1;
        }
        let Some((i, end)) = self.fit(window, start, depth) else {
            self.misses += 1;
            if self.misses >= MISSES {
                self.last_rest = (self.last_rest * 2).clamp(FIRST_REST, LAST_REST);
                (self.rest, self.misses) = (self.last_rest, 0);
            }
            return None;
        };
        (self.misses, self.last_rest) = (0, 0);
        let shape = &self.kept[i];
        let at = |(part, offset): Point| shape.starts.get(part).map_or(0, |s| s + offset);
        members.clear();
        for m in &shape.members {
            let key = at(m.key);
            members.push(Member {
                key: key..key + m.key_len,
                escaped: m.escaped,
                name: m.name,
                value: at(m.value.0)..at(m.value.1),
            });
        }
        self.kept[..=i].rotate_right(1);
        Some(end)
    }

    /// The first kept shape the value at `window.buf[start..]` has, and its end.
    fn fit(&mut self, window: Window, start: usize, depth: usize) -> Option<(usize, usize)> {
        // A shape that stops at its part `k` matched the input up to there: the next one
        // takes on from the first part where the two differ, before `k` or at it.
        let mut stopped: Option<(usize, usize)> = None;
        for i in 0..self.kept.len() {
            if self.kept[i].depth != depth {
                continue;
            }
            let from = match stopped {
                None => 0,
                Some((a, k)) => {
                    let common = self.kept[a].common(&self.kept[i], k);
                    let (a, b) = pair(&mut self.kept, a, i)?;
                    // (`common` is below the parts of both; from the start otherwise.)
                    match (b.starts.get_mut(..=common), a.starts.get(..=common)) {
                        (Some(to), Some(from)) if to.len() == from.len() => {
                            to.copy_from_slice(from);
                            common
                        }
                        _ => 0,
                    }
                }
            };
            match self.kept[i].fits(window, start, from) {
                Ok(end) => return Some((i, end)),
                Err(k) => stopped = Some((i, k)),
            }
        }
        None
    }

    /// Keeps the shape of `text`, a value held the long way at `depth` with its `members`.
    pub(super) fn learn(&mut self, text: &[u8], members: &[Member], depth: usize) {
        if !std::mem::take(&mut self.learn) {
            return;
        }
        let Some(shape) = Shape::of(text, members, depth) else {
            return;
        };
        let same = |kept: &Shape| {
            (
                kept.depth,
                &kept.text,
                &kept.parts,
                &kept.holes,
                &kept.members,
            ) == (
                shape.depth,
                &shape.text,
                &shape.parts,
                &shape.holes,
                &shape.members,
            )
        };
        match self.kept.iter().position(same) {
            Some(i) => self.kept[..=i].rotate_right(1),
            None => {
                self.kept.insert(0, shape);
                self.kept.truncate(KEEP);
            }
        }
    }
}

/// Two shapes of the list, to copy from the first to the second.
fn pair(shapes: &mut [Shape], a: usize, b: usize) -> Option<(&Shape, &mut Shape)> {
    if a < b {
        let (left, right) = shapes.split_at_mut(b);
        Some((left.get(a)?, right.first_mut()?))
    } else {
        let (left, right) = shapes.split_at_mut(a);
        Some((right.first()?, left.get_mut(b)?))
    }
}

/// Whether `a` and `b`, of the same length, hold the same bytes: a part of a shape is most
/// often a few words long, compared here in at most four steps of two loads each (the first
/// and last words, overlapping), where a call to `memcmp` costs more.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    fn load<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        let mut bytes = [0; N];
        bytes.copy_from_slice(&s[at..at + N]);
        bytes
    }
    let n = a.len();
    let words = |at: usize| {
        u128::from_ne_bytes(load(a, at)) == u128::from_ne_bytes(load(b, at))
            && u128::from_ne_bytes(load(a, n - 16 - at))
                == u128::from_ne_bytes(load(b, n - 16 - at))
    };
    match n {
        32..=64 => words(0) && words(16),
        16..32 => words(0),
        8..16 => {
            u64::from_ne_bytes(load(a, 0)) == u64::from_ne_bytes(load(b, 0))
                && u64::from_ne_bytes(load(a, n - 8)) == u64::from_ne_bytes(load(b, n - 8))
        }
        4..8 => {
            u32::from_ne_bytes(load(a, 0)) == u32::from_ne_bytes(load(b, 0))
                && u32::from_ne_bytes(load(a, n - 4)) == u32::from_ne_bytes(load(b, n - 4))
        }
        // (Every byte of three at most: the first, the middle and the last.)
        1..4 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        _ => a == b,
    }
}

impl Shape {
    /// Whether the value at `buf[start..]` has this shape, from its part `from` on (the
    /// parts before it and their holes matched, and `starts[from]` is set): its end, or the
    /// first part not matched with its hole (its start set).
    #[inline]
    fn fits(&mut self, window: Window, start: usize, from: usize) -> Result<usize, usize> {
        let Window { buf, base, eof } = window;
        let mut pos = start + self.starts.get(from).ok_or(0_usize)?;
        let mut ends = Ends::new(buf);
        for i in from..self.parts.len() {
            self.starts[i] = pos - start;
            let text = &self.text[self.parts[i].clone()];
            if !buf
                .get(pos..pos + text.len())
                .is_some_and(|seen| same(seen, text))
            {
                return Err(i);
            }
            pos += text.len();
            pos = match self.holes[i] {
                Hole::End => break,
                Hole::String if buf.get(pos) == Some(&b'"') => {
                    match ends.end(pos + 1) {
                        Some(end) => end + 1,
                        // An escape, a character that is not ASCII, the window's end: the
                        // whole scanner.
                        None => match scan_string(buf, pos + 1, base) {
                            Ok(Scan::End(end, _)) => end + 1,
                            _ => return Err(i),
                        },
                    }
                }
                Hole::String => return Err(i),
                Hole::Scalar => match buf.get(pos..).and_then(|t| scalar(t, eof)) {
                    Some(len) => pos + len,
                    None => return Err(i),
                },
            };
        }
        // (Too large: refused by the long way, from the start.)
        if pos - start > MAX_VALUE {
            return Err(0);
        }
        Ok(pos)
    }

    /// How many of the first `upto` parts, with the holes after them, `other` has as this
    /// shape has them.
    fn common(&self, other: &Self, upto: usize) -> usize {
        (0..upto)
            .find(|&j| {
                self.holes.get(j) != other.holes.get(j)
                    || other.parts.get(j).map(|p| &other.text[p.clone()])
                        != self.parts.get(j).map(|p| &self.text[p.clone()])
            })
            .unwrap_or(upto)
    }

    /// The shape of checked JSON `text` held at `depth`, with its `members` (relative to
    /// `text`); `None` when it is larger than [`MAX_SHAPE`].
    fn of(text: &[u8], members: &[Member], depth: usize) -> Option<Self> {
        if text.len() > MAX_SHAPE {
            return None;
        }
        let mut shape = Self {
            depth,
            text: Vec::with_capacity(text.len()),
            // (A guess at the number of parts: one for each `:` and `,`.)
            parts: Vec::with_capacity(text.len() / 16),
            holes: Vec::with_capacity(text.len() / 16),
            members: Vec::new(),
            starts: Vec::new(),
        };
        // Where each part starts in `text`.
        let mut origins = Vec::with_capacity(text.len() / 16);
        let mut part = 0;
        let mut i = 0;
        while let Some(&b) = text.get(i) {
            let (hole, end) = match b {
                b'"' => {
                    let mut j = i + 1;
                    while let Some(&c) = text.get(j) {
                        j += if c == b'\\' { 2 } else { 1 };
                        if c == b'"' {
                            break;
                        }
                    }
                    let next = text.get(j..)?.iter().find(|c| !c.is_ascii_whitespace());
                    if next == Some(&b':') {
                        // A key: part of a part.
                        i = j;
                        continue;
                    }
                    (Hole::String, j)
                }
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                    (Hole::Scalar, i + scalar(&text[i..], true)?)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            shape.push_part(&text[part..i], part, &mut origins);
            shape.holes.push(hole);
            (part, i) = (end, end);
        }
        shape.push_part(&text[part..], part, &mut origins);
        shape.holes.push(Hole::End);
        // A place in `text` that is not inside a hole (a hole's end is the next part's start).
        let point = |at: usize| -> Option<Point> {
            let part = origins.partition_point(|&o| o <= at).checked_sub(1)?;
            let offset = at - origins[part];
            (offset <= shape.parts[part].len()).then_some((part, offset))
        };
        for m in members {
            let member = ShapeMember {
                key: point(m.key.start)?,
                key_len: m.key.len(),
                escaped: m.escaped,
                name: m.name,
                value: (point(m.value.start)?, point(m.value.end)?),
            };
            shape.members.push(member);
        }
        shape.starts = vec![0; shape.parts.len()];
        Some(shape)
    }

    fn push_part(&mut self, part: &[u8], origin: usize, origins: &mut Vec<usize>) {
        let at = self.text.len();
        self.text.extend_from_slice(part);
        self.parts.push(at..self.text.len());
        origins.push(origin);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{WalkError, Walker};

    /// Parts are compared by their first and last words: every length up to 80 bytes, the
    /// same bytes or one byte changed at every place, say what `==` says.
    #[test]
    fn parts_compared_word_by_word_are_compared_byte_for_byte() {
        for n in 0..=80_usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i * 7 % 26) as u8).collect();
            assert!(super::same(&a, &a.clone()), "{n} bytes");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!super::same(&a, &b), "{n} bytes, changed at {at}");
            }
        }
    }

    /// What holding each element of the array `input` gives, to the first fault: each
    /// value's offset, text and members (key and value texts), or the fault; and how many
    /// values were held the short way.
    fn hold_all(input: &[u8], shapes: bool) -> (Vec<Result<String, String>>, u64) {
        hold_all_of(input, shapes, None)
    }

    /// [`hold_all`], keeping only the members named by `names` when given.
    fn hold_all_of(
        input: &[u8],
        shapes: bool,
        names: Option<&'static [&'static str]>,
    ) -> (Vec<Result<String, String>>, u64) {
        let mut w = Walker::new(input);
        w.use_shapes = shapes;
        let mut seen = Vec::new();
        let mut step = |w: &mut Walker<&[u8]>| -> Result<bool, WalkError> {
            let first = seen.is_empty();
            if !w.next_element(first)? {
                w.end()?;
                return Ok(false);
            }
            let offset = match names {
                Some(names) => w.hold_fields(names)?,
                None => w.hold_value()?,
            };
            let (text, members) = w.held();
            let members = members
                .iter()
                .map(|m| {
                    let key = String::from_utf8_lossy(&text[m.key.clone()]);
                    let value = String::from_utf8_lossy(&text[m.value.clone()]);
                    format!("{key}{}={value}", if m.escaped { "(escaped)" } else { "" })
                })
                .collect::<Vec<_>>()
                .join(" | ");
            let text = String::from_utf8_lossy(text);
            seen.push(Ok(format!("{offset}: {text} members: {members}")));
            Ok(true)
        };
        let mut fault = w.begin_array().err();
        while fault.is_none() {
            match step(&mut w) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => fault = Some(e),
            }
        }
        if let Some(e) = fault {
            seen.push(Err(format!("{e:?} at {}", w.offset())));
        }
        (seen, w.shaped)
    }

    #[test]
    fn values_of_one_shape_are_held_the_short_way_with_the_long_ways_members() {
        let entry = |n: usize, notes: &str| {
            format!(
                "{{\"number\": \"JE-{n:08}\", \"items\": [{{\"amount\": {n}.5, \"x\": null}}],\n \
                 \"notes\": {notes}, \"k\\u0065y\": true, \"status\": \"Created\"}}"
            )
        };
        let input = format!(
            "[{}, {}, {},{}]",
            entry(1, "\"a\""),
            entry(2, "\"caf\u{e9} \\\"b\\\"\""),
            entry(3, "\"\""),
            entry(4, "\"\\ud83d\\ude00\"")
        );
        let (short, shaped) = hold_all(input.as_bytes(), true);
        let (long, none) = hold_all(input.as_bytes(), false);
        assert_eq!(short, long);
        // The third crosses the edge of the unit tests' first read (256 bytes): the long way.
        assert_eq!((shaped, none), (2, 0), "{short:?}");
        assert!(
            short[1]
                .as_ref()
                .is_ok_and(|s| s.contains("| status=\"Created\"")
                    && s.contains("| k\\u0065y(escaped)=true |")),
            "{short:?}"
        );
    }

    #[test]
    fn only_the_named_members_are_kept_their_keys_decoded_on_both_ways() {
        let value = |n: usize| {
            format!("{{\"number\": \"JE-{n}\", \"st\\u0061tus\": \"Created\", \"notes\": \"x\"}}")
        };
        let input = format!("[{},{},{}]", value(1), value(2), value(3));
        const NAMES: &[&str] = &["status", "success"];
        let (short, shaped) = hold_all_of(input.as_bytes(), true, Some(NAMES));
        assert_eq!(shaped, 2);
        assert_eq!(short, hold_all_of(input.as_bytes(), false, Some(NAMES)).0);
        assert!(
            short.iter().all(|v| v
                .as_ref()
                .is_ok_and(|s| s.ends_with("members: st\\u0061tus(escaped)=\"Created\""))),
            "{short:?}"
        );
        // Then all of them again: the shapes learnt with some only are not used.
        let mut w = Walker::new(input.as_bytes());
        assert!(w.begin_array().is_ok());
        assert!(matches!(w.next_element(true), Ok(true)));
        assert!(w.hold_fields(NAMES).is_ok());
        assert_eq!(w.held().1.len(), 1);
        assert!(matches!(w.next_element(false), Ok(true)));
        assert!(w.hold_value().is_ok());
        assert_eq!(w.held().1.len(), 3);
    }

    #[test]
    fn a_shape_that_stops_hands_over_to_the_next_where_they_differ() {
        // Two shapes, alike up to the array's length: each value first meets the other's.
        let value = |n: usize, long: bool| {
            let items = if long { "[1, 2]" } else { "[3]" };
            // (Strings of other lengths each time: no part is where it was in the last.)
            let a = "x".repeat(n);
            format!("{{\"a\": \"{a}\", \"b\": {items}, \"c\": {{\"d\": \"{n}\"}}}}")
        };
        // (All within the unit tests' first read, 256 bytes.)
        let values: Vec<String> = (0..5).map(|n| value(n, n % 2 == 0)).collect();
        let input = format!("[{}]", values.join(","));
        let (short, shaped) = hold_all(input.as_bytes(), true);
        let (long, _) = hold_all(input.as_bytes(), false);
        assert_eq!(short, long);
        assert_eq!((short.len(), shaped), (5, 3), "{short:?}");
        assert!(
            short[3]
                .as_ref()
                .is_ok_and(|s| s.ends_with("a=\"xxx\" | b=[3] | c={\"d\": \"3\"}")),
            "{short:?}"
        );
    }

    #[test]
    fn shapes_rest_while_no_value_repeats_one_and_come_back_after() {
        // Forty values of forty shapes (a key of their own), then sixty of one.
        let values: Vec<String> = (0..40)
            .map(|n| format!("{{\"k{n}\": {n}}}"))
            .chain((0..60).map(|n| format!("{{\"a\": {n}}}")))
            .collect();
        let input = format!("[{}]", values.join(","));
        let (short, long) = (
            hold_all(input.as_bytes(), true),
            hold_all(input.as_bytes(), false),
        );
        assert_eq!(short.0, long.0);
        let mut w = Walker::new(input.as_bytes());
        assert!(w.begin_array().is_ok());
        for i in 0..100 {
            assert!(matches!(w.next_element(i == 0), Ok(true)));
            assert!(w.hold_value().is_ok());
        }
        // Shapes were tried on the first eight, missed, rested for 32 values (read the long
        // way, no shape kept), and were tried again from the first of the sixty on: it left
        // its shape, which the other 59 took.
        assert_eq!((w.shapes.tried, w.shaped), (8 + 60, 59));
    }

    #[test]
    fn a_value_that_differs_from_the_shape_is_read_the_long_way_and_its_fault_found() {
        for second in [
            // A key given twice where the first value had two keys.
            "{\"a\": \"1\", \"a\": \"2\"}",
            // A string with a raw control character, a bad escape, invalid UTF-8.
            "{\"a\": \"1\u{1}\", \"b\": \"2\"}",
            "{\"a\": \"\\x\", \"b\": \"2\"}",
            // A number that is not one, or out of range; a literal misspelled.
            "{\"a\": \"1\", \"b\": 01}",
            "{\"a\": \"1\", \"b\": 1e999}",
            "{\"a\": \"1\", \"b\": nul}",
            // A string where the shape has a scalar, and the end of the input inside it.
            "{\"a\": \"1\", \"b\": \"2\"}",
            "{\"a\": \"1\", \"b\": 2",
        ] {
            let input = format!("[{{\"a\": \"0\", \"b\": 7}},{second}]");
            let (short, _) = hold_all(input.as_bytes(), true);
            let (long, _) = hold_all(input.as_bytes(), false);
            assert_eq!(short, long, "{second}");
        }
        let bad = b"[{\"a\": \"0\"},{\"a\": \"\xff\"}]";
        assert_eq!(hold_all(bad, true), hold_all(bad, false));
        assert!(hold_all(bad, true).0[1]
            .as_ref()
            .is_err_and(|e| e.contains("InvalidUtf8")));
    }

    /// A JSON value of a few kinds, shapes repeating: strings (some escaped, some not
    /// ASCII), scalars, arrays and objects.
    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("\"Created\"".to_owned()),
            Just("\"\"".to_owned()),
            Just("\"caf\u{e9}\"".to_owned()),
            Just("\"a\\\"b\\u00e9\"".to_owned()),
            Just("12".to_owned()),
            Just("-0.5e-3".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(
                    (
                        prop::sample::select(vec!["a", "b", "status", "k\\u0065y", "\u{e9}"]),
                        inner
                    ),
                    0..4
                )
                .prop_map(|members| {
                    let members: Vec<String> = members
                        .iter()
                        .map(|(k, v)| format!("\"{k}\": {v}"))
                        .collect();
                    format!("{{{}}}", members.join(", "))
                }),
            ]
        })
    }

    /// A byte change: at a place (a fraction of the text), replace, insert or delete.
    fn change() -> impl Strategy<Value = (f64, u8, Option<u8>)> {
        let byte = prop::sample::select(b"\"\\{}[],: 0-9aenutl\x01\xff\xc3".to_vec());
        (0.0..1.0_f64, 0..3_u8, proptest::option::of(byte))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The short way gives what the long way gives, value by value, to the same fault
        /// at the same place: values that share a shape, with scalars replaced and bytes
        /// changed, across the window's edges (the unit tests' window reads 1 KiB at a time).
        #[test]
        fn the_short_way_holds_what_the_long_way_holds(
            shapes in prop::collection::vec(value(), 1..5),
            picks in prop::collection::vec((0..5_usize, prop::sample::select(vec!["\"x\"", "7", "false", "\"\\n\""]), proptest::option::weighted(0.3, change())), 2..24),
            pretty in any::<bool>(),
        ) {
            let mut values = Vec::new();
            for (pick, scalar, change) in &picks {
                let mut text = shapes[pick % shapes.len()].clone().into_bytes();
                // Another scalar in place of the first one, as the next entry has.
                if let Some(at) = text.windows(2).position(|w| w == b"12") {
                    text.splice(at..at + 2, scalar.bytes());
                }
                if let Some((place, how, byte)) = change {
                    let at = ((text.len() as f64) * place) as usize;
                    let at = at.min(text.len().saturating_sub(1));
                    match (how, byte) {
                        (0, Some(b)) => text[at] = *b,
                        (1, Some(b)) => text.insert(at, *b),
                        _ => {
                            text.remove(at);
                        }
                    }
                }
                values.push(text);
            }
            let mut input = b"[".to_vec();
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    input.extend_from_slice(if pretty { b",\n  " } else { b"," });
                }
                input.extend_from_slice(v);
            }
            input.push(b']');
            let (short, _) = hold_all(&input, true);
            let (long, _) = hold_all(&input, false);
            prop_assert_eq!(short, long, "{}", String::from_utf8_lossy(&input));
            // Keeping some members only: the same on both ways.
            const NAMES: &[&str] = &["status", "key"];
            let (short, _) = hold_all_of(&input, true, Some(NAMES));
            let (long, _) = hold_all_of(&input, false, Some(NAMES));
            prop_assert_eq!(short, long, "{}", String::from_utf8_lossy(&input));
        }
    }
}
