//! A serde `Deserializer` over JSON text the walker has already checked, so that derived
//! types read each value (strings borrowed where they hold no escape), and every error is a
//! plain message with the input offset of the value at fault; `serde_path_to_error` adds
//! where, in Zuora's field names (`journalEntries[3].status`).
//!
//! Its error type writes serde's faults in JSON's words (docs/DECISIONS.md, D-26): "expected a
//! string, found the number 1", never serde's "invalid type: integer `1`" or a Rust type's name.

use std::borrow::Cow;
use std::fmt::{Display, Write as _};

use journal_run::{clip, words};
use serde::de::{
    self, DeserializeSeed, Expected, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde::Deserialize;

use crate::walk::{decode, length_bit, named, Member};

/// A type error (a field of the wrong type, missing or unknown), at an input offset; boxed,
/// so that every `Result` the deserializer passes up is small.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.message)]
pub struct DeError(Box<Fault>);

/// What a [`DeError`] holds.
#[derive(Debug)]
struct Fault {
    /// What is wrong (`expected a string, found the number 1`), or a deserializer's own
    /// message (the library's, which are in Zuora's words).
    message: String,
    /// Where what was found starts in `message`, for a value of the wrong kind: a number is
    /// then quoted as written ([`DeError::found_number`]).
    found: Option<usize>,
    /// Whether it says what was expected and what was found (`words::mismatch`,
    /// `words::unknown_variant`).
    mismatch: bool,
    /// The input offset of the value at fault.
    offset: Option<u64>,
}

impl DeError {
    fn new(message: String, found: Option<usize>) -> Self {
        Self(Box::new(Fault {
            message,
            found,
            mismatch: found.is_some(),
            offset: None,
        }))
    }

    /// `expected {what}, found {found}`.
    fn mismatch(expected: &dyn Expected, found: &dyn Display) -> Self {
        let mut message = format!(
            "expected {}, found ",
            words::expected(&expected.to_string())
        );
        let at = message.len();
        let _ = write!(message, "{found}");
        Self::new(message, Some(at))
    }

    /// This error, when it is a mismatch of the value at `offset`, said of a value that may
    /// also be null.
    fn or_null(mut self, offset: u64) -> Self {
        if self.0.mismatch && self.0.offset.is_none_or(|o| o == offset) {
            let message = words::or_null(&self.0.message);
            let added = message.len() - self.0.message.len();
            self.0.found = self.0.found.map(|found| found + added);
            self.0.message = message;
        }
        self.at(offset)
    }

    fn at(mut self, offset: u64) -> Self {
        self.0.offset.get_or_insert(offset);
        self
    }

    /// This error, when it says what was found, with the number `token` as the input writes
    /// it (serde passes a number's value, which shows `1e3` as `1000.0`).
    fn found_number(mut self, token: &str) -> Self {
        if let Some(at) = self.0.found {
            self.0.message.truncate(at);
            let _ = write!(self.0.message, "the number {}", clip(token));
        }
        self
    }
}

impl de::Error for DeError {
    fn custom<T: Display>(message: T) -> Self {
        Self::new(message.to_string(), None)
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::mismatch(expected, &words::found(found))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::mismatch(expected, &words::found(found))
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        Self::new(words::length(len, expected), None)
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let mut error = Self::new(words::unknown_variant(variant, expected), None);
        error.0.mismatch = true;
        error
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::new(words::unknown_field(field, expected), None)
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(words::missing_field(field), None)
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::new(words::duplicate_field(field), None)
    }
}

/// A value's fault: where (the field's path from `serde_path_to_error`), what, and the input
/// offset.
#[derive(Debug)]
pub struct TypeFault {
    /// The path below the value (empty for the value itself).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The input offset.
    pub offset: u64,
}

/// Reads a `T` from checked JSON `text` found at input offset `base`. With `members` (the
/// walker's members of `text`, when it is an object), the object is read from them without a
/// second scan, and only the fields `T` names are read (a Zuora document's other fields are
/// kept in the input, not read).
///
/// # Errors
///
/// The first field that does not fit `T`.
pub fn read<'a, T: Deserialize<'a>>(
    text: &'a [u8],
    base: u64,
    members: Option<&'a [Member]>,
) -> Result<T, TypeFault> {
    // (Another value has no members: it is read from its text, and refused for what it is.)
    let members = members.filter(|_| text.first() == Some(&b'{'));
    let json = || Json {
        text,
        pos: 0,
        base,
        members,
    };
    // The path is tracked (which costs an allocation per field) only to report a fault: the
    // same reading again, with serde_path_to_error.
    if let Ok(value) = T::deserialize(&mut json()) {
        return Ok(value);
    }
    serde_path_to_error::deserialize(&mut json()).map_err(|e| {
        let path = path_of(e.path());
        let inner = e.into_inner();
        TypeFault {
            path,
            message: inner.0.message,
            offset: inner.0.offset.unwrap_or(base),
        }
    })
}

/// A field's path as messages write it (`caller.permissions[0]`, empty for the value itself),
/// each key from the input [`clip`]ped: a header's name is one.
fn path_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        let key = match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{index}]");
                continue;
            }
            Segment::Map { key } | Segment::Enum { variant: key } => clip(key),
            Segment::Unknown => Cow::Borrowed("?"),
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&key);
    }
    out
}

/// The names of the fields a derived struct `T` reads (the list serde's derive gives
/// `deserialize_struct`: every name a field is read by, aliases included), so that a walker
/// keeps only those members ([`Walker::hold_fields`](crate::walk::Walker::hold_fields));
/// empty for another type (one with a flattened field among them: it reads any key).
pub fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    /// A deserializer that only records the fields it is asked for.
    struct Fields<'f>(&'f mut &'static [&'static str]);
    impl<'de> de::Deserializer<'de> for Fields<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    // (The error is the point: the fields are recorded before it.)
    let _ = T::deserialize(Fields(&mut fields));
    fields
}

struct Json<'a> {
    text: &'a [u8],
    pos: usize,
    base: u64,
    members: Option<&'a [Member]>,
}

impl<'a> Json<'a> {
    fn skip_ws(&mut self) -> Option<u8> {
        while let Some(&b) = self.text.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The string at `pos` (checked): its text, and whether it holds an escape.
    fn string(&mut self) -> (&'a [u8], bool) {
        // At the start, the text is one whole value (held, or a member's): this string.
        if self.pos == 0 && self.text.len() >= 2 {
            let text = &self.text[1..self.text.len() - 1];
            self.pos = self.text.len();
            // (Most are a few bytes long: the plain search costs less than setting up `memchr`.)
            let escaped = if text.len() <= 32 {
                text.contains(&b'\\')
            } else {
                memchr::memchr(b'\\', text).is_some()
            };
            return (text, escaped);
        }
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        let find = |rest: &[u8]| match rest.iter().take(32).position(|&b| b == b'"' || b == b'\\') {
            // Most strings are short: a plain loop first, a vectorized search past 32 bytes.
            Some(j) => Some(j),
            None if rest.len() <= 32 => None,
            None => memchr::memchr2(b'"', b'\\', &rest[32..]).map(|j| j + 32),
        };
        while let Some(j) = find(self.text.get(i..).unwrap_or_default()) {
            if self.text[i + j] == b'"' {
                self.pos = i + j + 1;
                return (&self.text[start..i + j], escaped);
            }
            escaped = true;
            i += j + 2;
        }
        self.pos = self.text.len();
        (&self.text[start.min(self.text.len())..], escaped)
    }

    /// Skips the value at `pos` (checked JSON).
    fn skip(&mut self) {
        let mut depth = 0_usize;
        while let Some(b) = self.skip_ws() {
            match b {
                b'"' => {
                    self.string();
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    self.pos += 1;
                }
                b',' | b':' => self.pos += 1,
                _ => {
                    while self.text.get(self.pos).is_some_and(|b| {
                        !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                    }) {
                        self.pos += 1;
                    }
                }
            }
            if depth == 0 {
                return;
            }
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Json<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let at = self.offset();
        if let Some(members) = self.members.take() {
            let end = self.base + self.text.len().saturating_sub(1) as u64;
            return visitor
                .visit_map(Members {
                    members: members.iter(),
                    text: self.text,
                    base: self.base,
                    value: None,
                    fields: None,
                    lengths: 0,
                })
                .map_err(|e| e.at(end));
        }
        match self.skip_ws() {
            Some(b'{') => {
                self.pos += 1;
                let value = visitor.visit_map(Items {
                    json: self,
                    first: true,
                })?;
                Ok(value)
            }
            Some(b'[') => {
                self.pos += 1;
                visitor.visit_seq(Items {
                    json: self,
                    first: true,
                })
            }
            Some(b'"') => match self.string() {
                (text, false) => match std::str::from_utf8(text) {
                    Ok(text) => visitor.visit_borrowed_str(text),
                    Err(_) => Err(de::Error::custom("invalid UTF-8")),
                },
                (text, true) => visitor.visit_string(decode(text, true)),
            },
            Some(b't') => {
                self.pos += 4;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.pos += 5;
                visitor.visit_bool(false)
            }
            Some(b'n') => {
                self.pos += 4;
                visitor.visit_unit()
            }
            Some(_) => {
                let start = self.pos;
                self.skip();
                let token = std::str::from_utf8(&self.text[start..self.pos]).unwrap_or("0");
                if token.contains(['.', 'e', 'E']) {
                    visitor.visit_f64(token.parse().unwrap_or(f64::NAN))
                } else if let Ok(n) = token.parse::<u64>() {
                    visitor.visit_u64(n)
                } else if let Ok(n) = token.parse::<i64>() {
                    visitor.visit_i64(n)
                } else {
                    visitor.visit_f64(token.parse().unwrap_or(f64::NAN))
                }
                .map_err(|e: DeError| e.found_number(token))
            }
            None => Err(de::Error::custom("expected a value")),
        }
        .map_err(|e| e.at(at))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.members.is_none() && self.skip_ws() == Some(b'n') {
            self.pos += 4;
            visitor.visit_none()
        } else {
            // (A fault of this very value says that null was taken too.)
            let at = self.offset();
            visitor.visit_some(self).map_err(|e| e.or_null(at))
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.members.take() {
            Some(members) => {
                let end = self.base + self.text.len().saturating_sub(1) as u64;
                visitor
                    .visit_map(Members {
                        members: members.iter(),
                        text: self.text,
                        base: self.base,
                        value: None,
                        fields: Some(fields),
                        lengths: fields.iter().fold(0, |bits, f| bits | length_bit(f.len())),
                    })
                    .map_err(|e| e.at(end))
            }
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let at = self.offset();
        match self.skip_ws() {
            Some(b'"') => {
                let (text, escaped) = self.string();
                let name = decode(text, escaped);
                visitor
                    .visit_enum(IntoDeserializer::<DeError>::into_deserializer(name))
                    .map_err(|e| e.at(at))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.skip();
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier
    }
}

/// The members of an object or the elements of an array, read from the text.
struct Items<'j, 'a> {
    json: &'j mut Json<'a>,
    first: bool,
}

impl Items<'_, '_> {
    /// Past the `,` before the next item; `false` at the closing bracket.
    fn next(&mut self) -> bool {
        if !std::mem::replace(&mut self.first, false) && self.json.skip_ws() == Some(b',') {
            self.json.pos += 1;
        }
        match self.json.skip_ws() {
            Some(b'}' | b']') | None => {
                self.json.pos += 1;
                false
            }
            Some(_) => true,
        }
    }
}

impl<'de> MapAccess<'de> for Items<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if !self.next() {
            return Ok(None);
        }
        let key = seed.deserialize(&mut *self.json)?;
        self.json.skip_ws();
        self.json.pos += 1;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        self.json.skip_ws();
        let at = self.json.offset();
        seed.deserialize(&mut *self.json).map_err(|e| e.at(at))
    }
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if !self.next() {
            return Ok(None);
        }
        self.json.skip_ws();
        let at = self.json.offset();
        seed.deserialize(&mut *self.json)
            .map(Some)
            .map_err(|e| e.at(at))
    }
}

/// The members the walker found, with only `fields` read when given.
struct Members<'m, 'a> {
    members: std::slice::Iter<'m, Member>,
    text: &'a [u8],
    base: u64,
    value: Option<&'m Member>,
    fields: Option<&'static [&'static str]>,
    /// The [`length_bit`]s of `fields`.
    lengths: u64,
}

impl<'de> MapAccess<'de> for Members<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        for member in self.members.by_ref() {
            let raw = &self.text[member.key.clone()];
            let decoded;
            let key = match self.fields {
                // The name the walker found, when it is one of these very names (the walker's
                // list is the type's: `fields_of`); otherwise only the fields the type names,
                // found without decoding the others.
                Some(fields) => {
                    let found = member
                        .name
                        .filter(|name| fields.iter().any(|f| std::ptr::eq(*f, *name)));
                    match found.or_else(|| named(fields, self.lengths, raw, member.escaped)) {
                        Some(field) => field,
                        None => continue,
                    }
                }
                None => {
                    decoded = decode(raw, member.escaped);
                    decoded.as_str()
                }
            };
            self.value = Some(member);
            let at = self.base + member.key.start as u64 - 1;
            return seed
                .deserialize(de::value::StrDeserializer::<DeError>::new(key))
                .map(Some)
                .map_err(|e| e.at(at));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some(member) = self.value.take() else {
            return Err(de::Error::custom("a value without a key"));
        };
        let at = self.base + member.value.start as u64;
        let mut json = Json {
            text: &self.text[member.value.clone()],
            pos: 0,
            base: at,
            members: None,
        };
        seed.deserialize(&mut json).map_err(|e| e.at(at))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::num::NonZeroU64;

    use super::*;

    /// The message and path of reading `text` (checked JSON) as a `T`.
    fn fault<T: for<'a> Deserialize<'a> + std::fmt::Debug>(text: &str) -> (String, String) {
        match read::<T>(text.as_bytes(), 0, None) {
            Ok(value) => panic!("{text} read as {value:?}"),
            Err(f) => (f.path, f.message),
        }
    }

    fn message<T: for<'a> Deserialize<'a> + std::fmt::Debug>(text: &str) -> String {
        fault::<T>(text).1
    }

    #[derive(Debug, Deserialize)]
    struct Plain {
        count: u64,
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    enum Kind {
        Pending,
        Error,
    }

    /// A value that is not an object is read from its text, and refused for what it is, even
    /// when it is handed over with members (a walker's, of no object).
    #[test]
    fn a_value_that_is_no_object_is_refused_as_what_it_is_whatever_its_members() {
        let refused = read::<Plain>(b"7", 40, Some(&[])).err();
        assert_eq!(
            refused.map(|f| (f.path, f.message, f.offset)),
            Some((
                String::new(),
                "expected an object, found the number 7".to_owned(),
                40
            ))
        );
    }

    /// A field's path: keys joined by dots, indices in brackets, a key from the input clipped.
    #[test]
    fn a_fields_path_joins_keys_with_dots_and_clips_them() {
        let long = "k".repeat(150);
        let text = format!(r#"{{"a": {{"{long}": [0, {{"count": -1, "kind": "Error"}}]}}}}"#);
        let (path, _) = fault::<BTreeMap<String, BTreeMap<String, (u64, Plain)>>>(&text);
        assert_eq!(
            path,
            format!("a.{}… (50 more characters)[1].count", "k".repeat(100))
        );
    }

    /// serde's visitors of Rust's types name them in Rust's words (`u8`, `a boolean`, `a
    /// sequence`, `struct Plain`...): every message says what JSON value was expected and
    /// found instead.
    #[test]
    fn every_fault_of_a_rust_type_is_written_in_jsons_words() {
        let cases = [
            (
                message::<u8>("300"),
                "expected a whole number from 0 to 255, found the number 300",
            ),
            (
                message::<u16>("-1"),
                "expected a whole number from 0 to 65535, found the number -1",
            ),
            (
                message::<u32>("1.0"),
                "expected a whole number from 0 to 4294967295, found the number 1.0",
            ),
            (
                message::<u64>("-1"),
                "expected a whole number of at least 0, found the number -1",
            ),
            (
                message::<usize>("2.5e1"),
                "expected a whole number of at least 0, found the number 2.5e1",
            ),
            (
                message::<i8>("-129"),
                "expected a whole number from -128 to 127, found the number -129",
            ),
            (
                message::<i16>("true"),
                "expected a whole number from -32768 to 32767, found true",
            ),
            (
                message::<i32>("null"),
                "expected a whole number from -2147483648 to 2147483647, found null",
            ),
            (
                message::<i64>("\"1\""),
                "expected a whole number, found the string `1`",
            ),
            (
                message::<NonZeroU64>("0"),
                "expected a whole number other than 0, found the number 0",
            ),
            (message::<f64>("false"), "expected a number, found false"),
            (
                message::<bool>("1"),
                "expected true or false, found the number 1",
            ),
            (
                message::<char>("\"ab\""),
                "expected a string of one character, found the string `ab`",
            ),
            (message::<String>("[]"), "expected a string, found an array"),
            (message::<()>("0"), "expected null, found the number 0"),
            (
                message::<Vec<u64>>("{}"),
                "expected an array, found an object",
            ),
            (
                message::<BTreeMap<String, u64>>("[1]"),
                "expected an object, found an array",
            ),
            (
                message::<(u64, u64)>("[1]"),
                "expected an array of 2 values, found an array of 1 value",
            ),
            (
                message::<Plain>("7"),
                "expected an object, found the number 7",
            ),
            (
                message::<Plain>("[]"),
                "expected an object, found an array of 0 values",
            ),
            (
                message::<Plain>(r#"{"kind": "Error"}"#),
                "the field `count` is missing",
            ),
            (
                message::<Kind>(r#""Done""#),
                "expected `Pending` or `Error`, found `Done`",
            ),
            (message::<Kind>("{}"), "expected a string, found an object"),
            // A value that may be null says so, of its own value only; a number keeps its text.
            (
                message::<Option<u8>>("1e3"),
                "expected a whole number from 0 to 255 or null, found the number 1e3",
            ),
            (
                message::<Option<Kind>>(r#""Done""#),
                "expected `Pending` or `Error` or null, found `Done`",
            ),
            (
                message::<Option<Vec<Option<u8>>>>("[1, true]"),
                "expected a whole number from 0 to 255 or null, found true",
            ),
            (
                message::<Option<Plain>>(r#"{"count": -1, "kind": "Error"}"#),
                "expected a whole number of at least 0, found the number -1",
            ),
        ];
        for (found, expected) in cases {
            assert_eq!(found, expected);
        }
    }

    #[test]
    fn the_path_is_kept_and_the_inputs_text_clipped_in_it() {
        assert_eq!(
            fault::<Plain>(r#"{"count": 1, "kind": "Cancelled"}"#),
            (
                "kind".to_owned(),
                "expected `Pending` or `Error`, found `Cancelled`".to_owned()
            )
        );
        assert_eq!(
            fault::<Vec<BTreeMap<String, u64>>>(r#"[{"a": 1}, {"b": -1}]"#),
            (
                "[1].b".to_owned(),
                "expected a whole number of at least 0, found the number -1".to_owned()
            )
        );
        let long = "k".repeat(150);
        let (path, found) = fault::<BTreeMap<String, u64>>(&format!(r#"{{"{long}": "v"}}"#));
        assert_eq!(path, format!("{}… (50 more characters)", "k".repeat(100)));
        assert_eq!(
            found,
            "expected a whole number of at least 0, found the string `v`"
        );
        let (_, found) = fault::<Kind>(&format!(r#""{long}""#));
        assert_eq!(
            found,
            format!(
                "expected `Pending` or `Error`, found `{}… (50 more characters)`",
                "k".repeat(100)
            )
        );
        let digits = format!("0.{}", "5".repeat(200));
        assert_eq!(
            message::<u64>(&digits),
            format!("expected a whole number of at least 0, found the number 0.{}… (102 more characters)", "5".repeat(98))
        );
    }

    /// The offset of a fault is its value's, inside what was read; a value that fits is read.
    #[test]
    fn a_fault_is_placed_at_its_value() {
        let plain = read::<Plain>(br#"{"count": 1, "kind": "Error"}"#, 0, None).ok();
        assert_eq!(
            plain.map(|p| (p.count, matches!(p.kind, Kind::Error))),
            Some((1, true))
        );
        let text = r#"{"count": "x", "kind": "Error"}"#;
        let fault = read::<Plain>(text.as_bytes(), 100, None).err();
        assert_eq!(fault.map(|f| f.offset), Some(100 + 10));
    }
}
