//! Reads a control request's JSON body into a typed value, and says what is wrong in JSON's
//! words (docs/DECISIONS.md, D-26): "entries: expected a whole number from 0 to 4294967295,
//! found the string `x`", "the body is not valid JSON at line 1, column 2", never serde's
//! "invalid type: ..." or a Rust type's name.
//!
//! The body is read by serde_json straight into the type; only when that fails is it read
//! again, into a [`serde_json::Value`] and from there into the type through [`At`], a
//! deserializer whose errors are built from serde's classification of the fault (what was
//! expected, what was found) and which knows where in the document it is.

use std::fmt::{self, Display};

use journal_run::{clip, words};
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
        /// For an unknown key, the key (whose own place a reader of another format may find).
        unknown: Option<String>,
    },
    /// A text in UTF-16 or UTF-32 ([`journal_run::words::text_start`]).
    #[error("{0}")]
    NotUtf8(journal_run::words::NotUtf8),
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

/// Why a body is not JSON, from serde_json's fault: the one reading of it, for Zuora's paths
/// (category 90, in their words) and the control API's alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Nothing but whitespace.
    Empty,
    /// It ends inside its value, here.
    Truncated {
        /// The line (from 1).
        line: usize,
        /// The column.
        column: usize,
    },
    /// Not JSON's syntax, here.
    At {
        /// The line (from 1).
        line: usize,
        /// The column.
        column: usize,
    },
}

impl Syntax {
    /// The fault `error` of serde_json reading `bytes`.
    #[must_use]
    pub fn of(error: &serde_json::Error, bytes: &[u8]) -> Self {
        let (line, column) = (error.line(), error.column());
        match error.classify() {
            serde_json::error::Category::Eof if bytes.iter().all(u8::is_ascii_whitespace) => {
                Self::Empty
            }
            serde_json::error::Category::Eof => Self::Truncated { line, column },
            serde_json::error::Category::Syntax
            | serde_json::error::Category::Data
            | serde_json::error::Category::Io => Self::At { line, column },
        }
    }
}

/// Reads `bytes` as a `T`.
///
/// # Errors
///
/// A [`BodyFault`] in JSON's words; `expected` says what the endpoint reads, for an empty body.
pub fn read<T: DeserializeOwned>(bytes: &[u8], expected: &'static str) -> Result<T, BodyFault> {
    // (A UTF-8 byte order mark is passed over, as the command-line tool does; lines and
    // columns count from after it.)
    let skip = words::text_start(bytes).map_err(BodyFault::NotUtf8)?;
    let bytes = bytes.get(skip..).unwrap_or(bytes);
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let first = match serde_json::from_slice::<T>(bytes) {
        // (serde_json reads an array as a struct's fields in order: a body is an object, and
        // one that is not is refused below, by `At`.)
        Ok(value) if object => return Ok(value),
        Ok(_) => None,
        Err(e) => Some(e),
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| match Syntax::of(&e, bytes) {
        Syntax::Empty => BodyFault::Empty { expected },
        Syntax::Truncated { line, column } => BodyFault::Truncated { line, column },
        Syntax::At { line, column } => BodyFault::Syntax { line, column },
    })?;
    match from_value(value) {
        Err(fault) => Err(fault),
        Ok(value) => match first {
            // (The only difference between the two readings.)
            Some(first) => Err(BodyFault::Repeated {
                line: first.line(),
                column: first.column(),
            }),
            None => Ok(value),
        },
    }
}

/// Reads a document already parsed (a JSON body, or the config file's TOML turned into JSON
/// values) as a `T`.
///
/// # Errors
///
/// [`BodyFault::Value`]: the first fault, in JSON's words, and the path of its value (objects'
/// members are visited in their keys' order).
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, BodyFault> {
    T::deserialize(At::root(value)).map_err(|fault| BodyFault::Value {
        path: fault.path.unwrap_or_default(),
        message: fault.message,
        unknown: fault.unknown,
    })
}

/// The path of member `key` of the object at `path` (`a.b`, the key clipped; the key alone at
/// the top): how a fault names where it is.
#[must_use]
pub fn member_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        clip(key).into_owned()
    } else {
        format!("{path}.{}", clip(key))
    }
}

/// A fault found by [`At`]: what, and where once known.
#[derive(Debug)]
pub struct Fault {
    path: Option<String>,
    message: String,
    /// Whether it says what was expected and what was found.
    mismatch: bool,
    /// The key, for an unknown key.
    unknown: Option<String>,
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
            mismatch: false,
            unknown: None,
        }
    }

    /// What was expected and what was found instead.
    fn mismatch(message: String) -> Self {
        Self {
            mismatch: true,
            ..Self::new(message)
        }
    }

    fn at(mut self, path: &str) -> Self {
        self.path.get_or_insert_with(|| path.to_owned());
        self
    }
}

impl de::Error for Fault {
    fn custom<T: Display>(message: T) -> Self {
        Self::new(message.to_string())
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::mismatch(words::mismatch(expected, &words::found(found)))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::mismatch(words::mismatch(expected, &words::found(found)))
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        Self::new(words::length(len, expected))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::mismatch(words::unknown_variant(variant, expected))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self {
            unknown: Some(field.to_owned()),
            ..Self::new(words::unknown_field(field, expected))
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(words::missing_field(field))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::new(words::duplicate_field(field))
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

    /// The members of an object at `path`, each with its own path (`a.b`, keys clipped).
    fn members(
        path: &str,
        members: serde_json::Map<String, Value>,
    ) -> impl Iterator<Item = (String, Self)> + '_ {
        members.into_iter().map(move |(key, value)| {
            let path = member_path(path, &key);
            (key, Self { value, path })
        })
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
                let mut map = MapDeserializer::new(At::members(&self.path, members));
                visitor
                    .visit_map(&mut map)
                    .and_then(|v| map.end().map(|()| v))
            }
        };
        result.map_err(|fault| fault.at(&path))
    }

    /// A struct is read from an object only (serde would take an array's values as its
    /// fields, in order).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fault> {
        let found = match &self.value {
            Value::Object(_) => return self.deserialize_any(visitor),
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Unexpected::Unsigned(u),
                (None, Some(i)) => Unexpected::Signed(i),
                (None, None) => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
        };
        Err(<Fault as de::Error>::invalid_type(found, &visitor).at(&self.path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fault> {
        if self.value.is_null() {
            visitor.visit_none()
        } else {
            // (A fault of this very value says that null was taken too.)
            let path = self.path.clone();
            visitor.visit_some(self).map_err(|mut fault| {
                if fault.mismatch && fault.path.as_deref().is_none_or(|at| at == path) {
                    fault.message = words::or_null(&fault.message);
                }
                fault.at(&path)
            })
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
                let members = At::members(&self.path, members);
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
        unit unit_struct seq tuple tuple_struct map identifier
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
        #[serde(default)]
        label: Option<String>,
        #[serde(default)]
        note: Option<Item>,
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
        let sample: Sample = read(br#"{"label":null,"note":{"on":false}}"#, "").expect("a sample");
        assert_eq!(sample.label, None);
        assert_eq!(sample.note.map(|n| n.on), Some(false));
        // Inside a body serde_json reads whole, a struct given as an array is read as its
        // fields in order, as serde_json reads it (docs/DECISIONS.md, D-39).
        let sample: Sample = read(br#"{"items":[[true]]}"#, "").expect("a sample");
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
            "unknown field `colour`; expected one of `entries`, `items`, `label`, `note`"
        );
        assert_eq!(
            fault(r#"{"items":[{}]}"#),
            "items[0]: the field `on` is missing"
        );
        assert_eq!(fault("5"), "expected an object, found the number 5");
        // A field that takes null says so, of its own value only.
        assert_eq!(
            fault(r#"{"label":5}"#),
            "label: expected a string or null, found the number 5"
        );
        assert_eq!(
            fault(r#"{"note":5}"#),
            "note: expected an object or null, found the number 5"
        );
        assert_eq!(
            fault(r#"{"note":{"on":1}}"#),
            "note.on: expected true or false, found the number 1"
        );

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
