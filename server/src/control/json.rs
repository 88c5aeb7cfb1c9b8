//! Reads a control request's JSON body into a typed value, and says what is wrong in JSON's
//! words (docs/DECISIONS.md, D-26): "entries: expected a whole number from 0 to 4294967295,
//! found the string `x`", "the body is not valid JSON at line 1, column 2", never serde's
//! "invalid type: ..." or a Rust type's name.
//!
//! The body is read by serde_json straight into the type; only when that fails is it read
//! again, into a [`serde_json::Value`] and from there into the type through [`At`], a
//! deserializer whose errors are built from serde's classification of the fault (what was
//! expected, what was found) and which knows where in the document it is.

use std::borrow::Cow;
use std::fmt::{self, Display};

use journal_run::clip;
use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, Expected, IntoDeserializer, Unexpected, Visitor};
use serde_json::Value;

/// Why a body could not be read as the endpoint's JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyFault {
    /// No JSON value at all.
    #[error("the body is empty; {expected}")]
    Empty {
        /// What the endpoint reads.
        expected: &'static str,
    },
    /// Not JSON's syntax.
    #[error("the body is not valid JSON at line {line}, column {column}")]
    Syntax {
        /// The line (from 1).
        line: usize,
        /// The column (from 1).
        column: usize,
    },
    /// The text ends inside its value.
    #[error("the body ends before its JSON value does, at line {line}, column {column}")]
    Truncated {
        /// The line (from 1).
        line: usize,
        /// The column (from 1).
        column: usize,
    },
    /// Valid JSON whose value does not fit: where (a field's path, empty for the body itself)
    /// and what.
    #[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Value {
        /// The field's path (`journalRun.status`, `journalEntries[3].number`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Valid JSON that serde_json refuses where a value read first as JSON fits: an object
    /// that gives a key twice.
    #[error(
        "the body cannot be read at line {line}, column {column}: an object gives a key twice"
    )]
    Repeated {
        /// The line (from 1).
        line: usize,
        /// The column (from 1).
        column: usize,
    },
}

/// Reads `bytes` as a `T`.
///
/// # Errors
///
/// A [`BodyFault`] in JSON's words; `expected` says what the endpoint reads, for an empty body.
pub fn read<T: DeserializeOwned>(bytes: &[u8], expected: &'static str) -> Result<T, BodyFault> {
    let first = match serde_json::from_slice::<T>(bytes) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyFault::Empty { expected });
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        match e.classify() {
            serde_json::error::Category::Eof => BodyFault::Truncated { line, column },
            _ => BodyFault::Syntax { line, column },
        }
    })?;
    match T::deserialize(At::root(value)) {
        Err(fault) => Err(BodyFault::Value {
            path: fault.path.unwrap_or_default(),
            message: fault.message,
        }),
        // (The only difference between the two readings.)
        Ok(_) => Err(BodyFault::Repeated {
            line: first.line(),
            column: first.column(),
        }),
    }
}

/// A fault found by [`At`]: what, and where once known.
#[derive(Debug)]
pub struct Fault {
    path: Option<String>,
    message: String,
}

impl Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fault {}

impl Fault {
    fn new(message: String) -> Self {
        Self {
            path: None,
            message,
        }
    }

    fn at(mut self, path: &str) -> Self {
        self.path.get_or_insert_with(|| path.to_owned());
        self
    }

    fn mismatch(expected: &dyn Expected, found: &dyn Display) -> Self {
        Self::new(format!(
            "expected {}, found {found}",
            json_words(&expected.to_string())
        ))
    }
}

impl de::Error for Fault {
    fn custom<T: Display>(message: T) -> Self {
        Self::new(message.to_string())
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::mismatch(expected, &Found(found))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::mismatch(expected, &Found(found))
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        let values = if len == 1 { "value" } else { "values" };
        Self::mismatch(expected, &format_args!("an array of {len} {values}"))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::new(format!(
            "expected {}, found `{}`",
            one_of(expected),
            clip(variant)
        ))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let known = if expected.is_empty() {
            "this object has no fields".to_owned()
        } else {
            format!("expected {}", one_of(expected))
        };
        Self::new(format!("unknown field `{}`; {known}", clip(field)))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(format!("the field `{field}` is missing"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::new(format!("the key `{field}` is given twice in this object"))
    }
}

/// `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    }
}

/// What serde found, in JSON's words.
struct Found<'a>(Unexpected<'a>);

impl Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "{b}"),
            Unexpected::Unsigned(n) => write!(f, "the number {n}"),
            Unexpected::Signed(n) => write!(f, "the number {n}"),
            Unexpected::Float(n) => write!(f, "the number {n:?}"),
            Unexpected::Char(c) => write!(f, "the string `{}`", clip(c.encode_utf8(&mut [0; 4]))),
            Unexpected::Str(s) => write!(f, "the string `{}`", clip(s)),
            Unexpected::Bytes(_) | Unexpected::Enum | Unexpected::UnitVariant => {
                f.write_str("a string")
            }
            Unexpected::Unit | Unexpected::Option => f.write_str("null"),
            Unexpected::Seq | Unexpected::TupleVariant => f.write_str("an array"),
            Unexpected::Map | Unexpected::NewtypeVariant | Unexpected::StructVariant => {
                f.write_str("an object")
            }
            Unexpected::NewtypeStruct => f.write_str("a value"),
            Unexpected::Other(other) => f.write_str(&json_words(other)),
        }
    }
}

/// What a visitor expects, in JSON's words: serde's visitors of Rust's own types describe
/// themselves by Rust's names (`u32`, `a boolean`, `a sequence`, `struct X`), which are
/// translated here; every other text (the library's `expecting`, in Zuora's words) is kept.
/// The same translation as the command-line tool's reader (cli/src/json.rs).
fn json_words(expected: &str) -> Cow<'_, str> {
    let whole = |min: i128, max: i128| Cow::Owned(format!("a whole number from {min} to {max}"));
    match expected {
        "u8" => whole(0, u8::MAX.into()),
        "u16" => whole(0, u16::MAX.into()),
        "u32" => whole(0, u32::MAX.into()),
        "u64" | "usize" | "u128" => Cow::Borrowed("a whole number of at least 0"),
        "i8" => whole(i8::MIN.into(), i8::MAX.into()),
        "i16" => whole(i16::MIN.into(), i16::MAX.into()),
        "i32" => whole(i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" | "i128" => Cow::Borrowed("a whole number"),
        "f32" | "f64" => Cow::Borrowed("a number"),
        "a boolean" => Cow::Borrowed("true or false"),
        "a character" => Cow::Borrowed("a string of one character"),
        "a string" | "a borrowed string" | "string" | "variant identifier" | "field identifier" => {
            Cow::Borrowed("a string")
        }
        "option" => Cow::Borrowed("a value or null"),
        "unit" | "unit value" => Cow::Borrowed("null"),
        "a sequence" | "sequence" => Cow::Borrowed("an array"),
        "a map" | "map" => Cow::Borrowed("an object"),
        "any valid JSON value" => Cow::Borrowed("a JSON value"),
        _ => {
            let named = |prefix: &str| expected.starts_with(prefix);
            if named("struct ") {
                Cow::Borrowed("an object")
            } else if named("tuple struct ") || named("tuple variant ") {
                Cow::Borrowed("an array")
            } else if named("unit struct ") || named("unit variant ") {
                Cow::Borrowed("null")
            } else if named("enum ") {
                Cow::Borrowed("a string")
            } else {
                Cow::Borrowed(expected)
            }
        }
    }
}

/// A JSON value at a place in the body: a deserializer whose faults say where.
pub struct At {
    value: Value,
    path: String,
}

impl At {
    fn root(value: Value) -> Self {
        Self {
            value,
            path: String::new(),
        }
    }

    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            clip(key).into_owned()
        } else {
            format!("{}.{}", self.path, clip(key))
        }
    }
}

impl<'de> IntoDeserializer<'de, Fault> for At {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for At {
    type Error = Fault;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fault> {
        let path = self.path.clone();
        let result = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                let items = items.into_iter().enumerate().map(|(i, value)| At {
                    value,
                    path: format!("{}[{i}]", self.path),
                });
                let mut seq = SeqDeserializer::new(items);
                visitor
                    .visit_seq(&mut seq)
                    .and_then(|v| seq.end().map(|()| v))
            }
            Value::Object(members) => {
                let at = At {
                    value: Value::Null,
                    path: self.path.clone(),
                };
                let members = members.into_iter().map(|(key, value)| {
                    let path = at.child(&key);
                    (key, At { value, path })
                });
                let mut map = MapDeserializer::new(members);
                visitor
                    .visit_map(&mut map)
                    .and_then(|v| map.end().map(|()| v))
            }
        };
        result.map_err(|fault| fault.at(&path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fault> {
        if self.value.is_null() {
            visitor.visit_none()
        } else {
            let path = self.path.clone();
            visitor.visit_some(self).map_err(|fault| fault.at(&path))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Fault> {
        let path = self.path.clone();
        visitor
            .visit_newtype_struct(self)
            .map_err(|fault| fault.at(&path))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fault> {
        let path = self.path.clone();
        let result = match self.value {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            Value::Object(members) if members.len() == 1 => {
                let at = At {
                    value: Value::Null,
                    path: self.path.clone(),
                };
                let members = members.into_iter().map(|(key, value)| {
                    let path = at.child(&key);
                    (key, At { value, path })
                });
                visitor.visit_enum(MapAccessDeserializer::new(MapDeserializer::new(members)))
            }
            other => At {
                value: other,
                path: self.path,
            }
            .deserialize_any(visitor),
        };
        result.map_err(|fault| fault.at(&path))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fault> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        #[serde(default)]
        entries: u32,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Item {
        on: bool,
    }

    fn fault(text: &str) -> String {
        read::<Sample>(text.as_bytes(), "expected an object")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_body_that_fits_is_read() {
        let sample: Sample = read(br#"{"entries":3,"items":[{"on":true}]}"#, "").expect("a sample");
        assert_eq!(sample.entries, 3);
        assert_eq!(
            sample.items.iter().map(|i| i.on).collect::<Vec<_>>(),
            [true]
        );
    }

    #[test]
    fn faults_are_said_in_json_words_with_where() {
        assert_eq!(
            fault(r#"{"entries":"x"}"#),
            "entries: expected a whole number from 0 to 4294967295, found the string `x`"
        );
        assert_eq!(
            fault(r#"{"entries":-1}"#),
            "entries: expected a whole number from 0 to 4294967295, found the number -1"
        );
        assert_eq!(
            fault(r#"{"items":[{"on":true},{"on":1}]}"#),
            "items[1].on: expected true or false, found the number 1"
        );
        assert_eq!(
            fault(r#"{"colour":1}"#),
            "unknown field `colour`; expected `entries` or `items`"
        );
        assert_eq!(
            fault(r#"{"items":[{}]}"#),
            "items[0]: the field `on` is missing"
        );
        assert_eq!(fault("5"), "expected an object, found the number 5");
        assert_eq!(
            fault("nope"),
            "the body is not valid JSON at line 1, column 2"
        );
        assert_eq!(
            fault("{\"entries\":"),
            "the body ends before its JSON value does, at line 1, column 11"
        );
        assert_eq!(fault("  "), "the body is empty; expected an object");
        assert_eq!(
            fault(r#"{"entries":1,"entries":2}"#),
            "the body cannot be read at line 1, column 22: an object gives a key twice"
        );
    }
}
