//! A serde `Deserializer` over JSON text the walker has already checked, so that derived
//! types read each value (strings borrowed where they hold no escape), and every error is a
//! plain message with the input offset of the value at fault; `serde_path_to_error` adds
//! where, in Zuora's field names (`journalEntries[3].status`).

use std::fmt::Display;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
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
    /// serde's message (`missing field \`number\``, `invalid type: ...`).
    message: String,
    /// The input offset of the value at fault.
    offset: Option<u64>,
}

impl de::Error for DeError {
    fn custom<T: Display>(message: T) -> Self {
        Self(Box::new(Fault {
            message: message.to_string(),
            offset: None,
        }))
    }
}

impl DeError {
    fn at(mut self, offset: u64) -> Self {
        self.0.offset.get_or_insert(offset);
        self
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
/// walker's members of `text`, an object), the object is read from them without a second
/// scan, and only the fields `T` names are read (a Zuora document's other fields are kept
/// in the input, not read).
///
/// # Errors
///
/// The first field that does not fit `T`.
pub fn read<'a, T: Deserialize<'a>>(
    text: &'a [u8],
    base: u64,
    members: Option<&'a [Member]>,
) -> Result<T, TypeFault> {
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
        let path = e.path().to_string();
        let inner = e.into_inner();
        TypeFault {
            path: if path == "." { String::new() } else { path },
            message: inner.0.message,
            offset: inner.0.offset.unwrap_or(base),
        }
    })
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
            visitor.visit_some(self)
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
