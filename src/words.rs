//! serde's faults in JSON's words, for the messages of a deserializer that people read (the
//! command-line tool's reader, the local Zuora's control API): "expected a whole number from 0
//! to 255, found the string `x`", never serde's "invalid type: string \"x\", expected u8" or a
//! Rust type's name (docs/DECISIONS.md, D-26). Each function is the one wording of its fault;
//! a deserializer's `serde::de::Error` implementation calls them and adds where the fault is.
//!
//! ```
//! use journal_run::words;
//! use serde::de::Unexpected;
//!
//! assert_eq!(
//!     words::mismatch(&"u8", &words::found(Unexpected::Str("x"))),
//!     "expected a whole number from 0 to 255, found the string `x`"
//! );
//! assert_eq!(
//!     words::unknown_field("stauts", &["number", "status"]),
//!     "unknown field `stauts`; expected `number` or `status`"
//! );
//! ```

use std::borrow::Cow;
use std::fmt::Display;

use serde::de::{Expected, Unexpected};

use crate::quote::clip;

/// What a visitor expects, in JSON's words. serde's visitors of Rust's own types describe
/// themselves by Rust's names (`usize`, `f64`, `a boolean`, `a sequence`, `a map`, `unit`,
/// `struct X`...), and serde hands them over only as text ([`Expected`] can only be displayed),
/// so they are translated here, by that text; every other text (an `expecting` already in
/// Zuora's words, such as the library's) is kept as it is. The one place where a Rust name
/// becomes JSON's.
#[must_use]
pub fn expected(expected: &str) -> Cow<'_, str> {
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
        "a string"
        | "string"
        | "a borrowed string"
        | "path string"
        | "a borrowed path"
        | "os string"
        | "byte array"
        | "a byte array"
        | "a borrowed byte array"
        | "variant identifier"
        | "field identifier" => Cow::Borrowed("a string"),
        "option" => Cow::Borrowed("a value or null"),
        "unit" | "unit value" => Cow::Borrowed("null"),
        "a sequence" | "sequence" => Cow::Borrowed("an array"),
        "a map" | "map" => Cow::Borrowed("an object"),
        "any valid JSON value" => Cow::Borrowed("a JSON value"),
        _ => {
            let named = |prefix: &str| expected.starts_with(prefix);
            if named("a nonzero ") {
                Cow::Borrowed("a whole number other than 0")
            } else if named("struct ") {
                Cow::Borrowed("an object")
            } else if named("tuple struct ") || named("tuple variant ") {
                Cow::Borrowed("an array")
            } else if named("unit struct ") || named("unit variant ") {
                Cow::Borrowed("null")
            } else if named("enum ") {
                Cow::Borrowed("a string")
            } else if let Some(size) = expected.strip_prefix("a tuple of size ") {
                Cow::Owned(format!("an array of {size} values"))
            } else {
                Cow::Borrowed(expected)
            }
        }
    }
}

/// What serde found, in JSON's words: `the number 1`, `` the string `x` `` (clipped), `null`,
/// `an array`, `an object`.
#[must_use]
pub fn found(unexpected: Unexpected<'_>) -> String {
    match unexpected {
        Unexpected::Bool(b) => b.to_string(),
        Unexpected::Unsigned(n) => format!("the number {n}"),
        Unexpected::Signed(n) => format!("the number {n}"),
        // (`{:?}` keeps a fraction: `5.0`, not `5`, which reads as a whole number.)
        Unexpected::Float(n) => format!("the number {n:?}"),
        Unexpected::Char(c) => format!("the string `{}`", clip(c.encode_utf8(&mut [0; 4]))),
        Unexpected::Str(s) => format!("the string `{}`", clip(s)),
        Unexpected::Bytes(_) | Unexpected::Enum | Unexpected::UnitVariant => "a string".to_owned(),
        Unexpected::Unit | Unexpected::Option => "null".to_owned(),
        Unexpected::Seq | Unexpected::TupleVariant => "an array".to_owned(),
        Unexpected::Map | Unexpected::NewtypeVariant | Unexpected::StructVariant => {
            "an object".to_owned()
        }
        Unexpected::NewtypeStruct => "a value".to_owned(),
        Unexpected::Other(other) => self::expected(other).into_owned(),
    }
}

/// `expected {what}, found {found}`: a value of the wrong kind (serde's `invalid_type`,
/// `invalid_value`).
#[must_use]
pub fn mismatch(expected: &dyn Expected, found: &dyn Display) -> String {
    format!(
        "expected {}, found {found}",
        self::expected(&expected.to_string())
    )
}

/// What serde says of an array read as a tuple or a struct, `len` being how many values it
/// holds, too few or too many (serde's `invalid_length`).
#[must_use]
pub fn length(len: usize, expected: &dyn Expected) -> String {
    let values = if len == 1 { "value" } else { "values" };
    mismatch(expected, &format_args!("an array of {len} {values}"))
}

/// A string that is none of the names `expected` (serde's `unknown_variant`).
#[must_use]
pub fn unknown_variant(variant: &str, expected: &[&str]) -> String {
    format!("expected {}, found `{}`", one_of(expected), clip(variant))
}

/// A key that is none of the fields `expected` (serde's `unknown_field`).
#[must_use]
pub fn unknown_field(field: &str, expected: &[&str]) -> String {
    let known = if expected.is_empty() {
        "this object has no fields".to_owned()
    } else {
        format!("expected {}", one_of(expected))
    };
    format!("unknown field `{}`; {known}", clip(field))
}

/// A required field not given (serde's `missing_field`).
#[must_use]
pub fn missing_field(field: &str) -> String {
    format!("the field `{field}` is missing")
}

/// A field given twice in one object (serde's `duplicate_field`).
#[must_use]
pub fn duplicate_field(field: &str) -> String {
    format!("the key `{field}` is given twice in this object")
}

/// A field given twice in an object nested in the value a message names (its place is given
/// before it: "journalRun: the key `a` is given twice in an object nested in this value").
#[must_use]
pub fn duplicate_nested_field(field: &str) -> String {
    format!("the key `{field}` is given twice in an object nested in this value")
}

/// A [`mismatch`] or [`unknown_variant`] message said of a value that may also be `null` (a
/// field read as an `Option`, whose type's fault knows nothing of it): "expected a string or
/// null, found the number 5". Another message is kept as it is. The one place that knows
/// where a mismatch's expected part ends.
///
/// ```
/// use journal_run::words;
///
/// assert_eq!(
///     words::or_null("expected a string, found the number 5"),
///     "expected a string or null, found the number 5"
/// );
/// assert_eq!(words::or_null("the field `x` is missing"), "the field `x` is missing");
/// ```
#[must_use]
pub fn or_null(message: &str) -> String {
    match message.split_once(", found ") {
        Some((expected, found)) if message.starts_with("expected ") => {
            format!("{expected} or null, found {found}")
        }
        _ => message.to_owned(),
    }
}

/// `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``: the names a value or a field may
/// have (Zuora's spellings); `nothing` for none.
#[must_use]
pub fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    }
}

/// The UTF-8 encoding of U+FEFF, the byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A JSON text in another encoding than UTF-8, found by its first bytes ([`text_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotUtf8 {
    /// UTF-16, little-endian (what Windows PowerShell 5's `>` writes).
    #[error("{}", not_utf8("UTF-16LE"))]
    Utf16Le,
    /// UTF-16, big-endian.
    #[error("{}", not_utf8("UTF-16BE"))]
    Utf16Be,
    /// UTF-32, little-endian.
    #[error("{}", not_utf8("UTF-32LE"))]
    Utf32Le,
    /// UTF-32, big-endian.
    #[error("{}", not_utf8("UTF-32BE"))]
    Utf32Be,
}

fn not_utf8(name: &str) -> String {
    format!(
        "the text is in {name}, not in UTF-8, the encoding of JSON (RFC 8259, section 8.1): \
         convert it first, for example with `iconv -f {name} -t UTF-8`"
    )
}

/// How a JSON text that a person gives (a file to the command-line tool, a snapshot to the
/// local Zuora's control API) starts: how many bytes to pass over before its first token, 3
/// for a UTF-8 byte order mark (which Windows tools write; RFC 8259, section 8.1, lets a reader
/// ignore it), else 0; or the encoding it is in when that is UTF-16 or UTF-32, by its byte
/// order mark or by the zero bytes of its first two characters (RFC 4627, section 3), which no
/// JSON text in UTF-8 starts with. Only `text`'s first four bytes are read (a caller that
/// reads in pieces may hand over those alone). The one rule for every reader of such texts
/// (docs/DECISIONS.md, D-26).
///
/// ```
/// use journal_run::words::{text_start, NotUtf8};
///
/// assert_eq!(text_start(b"{\"a\""), Ok(0));
/// assert_eq!(text_start(b"\xEF\xBB\xBF{"), Ok(3));
/// assert_eq!(text_start(b"\xFF\xFE{\0"), Err(NotUtf8::Utf16Le));
/// assert_eq!(text_start(b"{\0\"\0"), Err(NotUtf8::Utf16Le));
/// ```
///
/// # Errors
///
/// The text is in UTF-16 or UTF-32.
pub fn text_start(text: &[u8]) -> Result<usize, NotUtf8> {
    match *text {
        [0xEF, 0xBB, 0xBF, ..] => Ok(BOM.len()),
        [0, 0, 0xFE, 0xFF, ..] => Err(NotUtf8::Utf32Be),
        [0xFF, 0xFE, 0, 0, ..] => Err(NotUtf8::Utf32Le),
        [0xFE, 0xFF, ..] => Err(NotUtf8::Utf16Be),
        [0xFF, 0xFE, ..] => Err(NotUtf8::Utf16Le),
        [0, 0, 0, b, ..] if b != 0 => Err(NotUtf8::Utf32Be),
        [a, 0, 0, 0, ..] if a != 0 => Err(NotUtf8::Utf32Le),
        [0, b, ..] if b != 0 => Err(NotUtf8::Utf16Be),
        [a, 0, ..] if a != 0 => Err(NotUtf8::Utf16Le),
        _ => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each encoding, with its byte order mark and without, for texts that start with `{`, a
    /// space and a string; UTF-8 ones, with a mark or not, and the short and empty ones.
    #[test]
    fn a_texts_first_bytes_say_its_encoding() {
        let starts = ["{\"a\":1}", " {}", "\"x\"", "[1]", "1"];
        for text in starts {
            let utf16le: Vec<u8> = text.bytes().flat_map(|b| [b, 0]).collect();
            let utf16be: Vec<u8> = text.bytes().flat_map(|b| [0, b]).collect();
            let utf32le: Vec<u8> = text.bytes().flat_map(|b| [b, 0, 0, 0]).collect();
            let utf32be: Vec<u8> = text.bytes().flat_map(|b| [0, 0, 0, b]).collect();
            let cases = [
                (text.as_bytes().to_vec(), Ok(0)),
                ([BOM, text.as_bytes()].concat(), Ok(3)),
                (utf16le.clone(), Err(NotUtf8::Utf16Le)),
                ([&b"\xFF\xFE"[..], &utf16le].concat(), Err(NotUtf8::Utf16Le)),
                (utf16be.clone(), Err(NotUtf8::Utf16Be)),
                ([&b"\xFE\xFF"[..], &utf16be].concat(), Err(NotUtf8::Utf16Be)),
                (utf32le.clone(), Err(NotUtf8::Utf32Le)),
                (
                    [&b"\xFF\xFE\0\0"[..], &utf32le].concat(),
                    Err(NotUtf8::Utf32Le),
                ),
                (utf32be.clone(), Err(NotUtf8::Utf32Be)),
                (
                    [&b"\0\0\xFE\xFF"[..], &utf32be].concat(),
                    Err(NotUtf8::Utf32Be),
                ),
            ];
            for (bytes, expected) in cases {
                assert_eq!(text_start(&bytes), expected, "{bytes:?}");
                assert_eq!(
                    text_start(&bytes[..bytes.len().min(4)]),
                    expected,
                    "{bytes:?}"
                );
            }
        }
        for short in [&b""[..], b"{", b"{}", b"\xEF\xBB", b"\0", b"\0\0\0\0"] {
            assert_eq!(text_start(short), Ok(0), "{short:?}");
        }
        assert_eq!(
            NotUtf8::Utf16Le.to_string(),
            "the text is in UTF-16LE, not in UTF-8, the encoding of JSON (RFC 8259, section \
             8.1): convert it first, for example with `iconv -f UTF-16LE -t UTF-8`"
        );
    }

    /// The names of serde's own visitors: each is JSON's word, and a text that is no Rust name
    /// is kept as it is.
    #[test]
    fn every_name_serde_gives_its_visitors_is_translated() {
        let cases = [
            ("u8", "a whole number from 0 to 255"),
            ("i16", "a whole number from -32768 to 32767"),
            ("u32", "a whole number from 0 to 4294967295"),
            ("usize", "a whole number of at least 0"),
            ("i64", "a whole number"),
            ("f64", "a number"),
            ("a boolean", "true or false"),
            ("a character", "a string of one character"),
            ("option", "a value or null"),
            ("a borrowed string", "a string"),
            ("string", "a string"),
            ("path string", "a string"),
            ("a borrowed byte array", "a string"),
            ("field identifier", "a string"),
            ("variant identifier", "a string"),
            ("unit value", "null"),
            ("sequence", "an array"),
            ("map", "an object"),
            ("any valid JSON value", "a JSON value"),
            ("a nonzero u64", "a whole number other than 0"),
            ("struct Caller", "an object"),
            ("tuple struct Pair", "an array"),
            ("tuple variant Kind::Pair", "an array"),
            ("unit struct Nothing", "null"),
            ("unit variant Kind::None", "null"),
            ("enum Kind", "a string"),
            ("a tuple of size 2", "an array of 2 values"),
            ("a journal entry number", "a journal entry number"),
        ];
        for (rust, json) in cases {
            assert_eq!(expected(rust), json, "{rust}");
        }
    }

    #[test]
    fn what_was_found_is_said_as_json_writes_it() {
        let long = "x".repeat(101);
        let cases = [
            (Unexpected::Bool(true), "true".to_owned()),
            (Unexpected::Unsigned(7), "the number 7".to_owned()),
            (Unexpected::Signed(-7), "the number -7".to_owned()),
            (Unexpected::Float(5.0), "the number 5.0".to_owned()),
            (Unexpected::Char('é'), "the string `é`".to_owned()),
            (
                Unexpected::Str(&long),
                format!("the string `{}… (1 more character)`", "x".repeat(100)),
            ),
            (Unexpected::Unit, "null".to_owned()),
            (Unexpected::Seq, "an array".to_owned()),
            (Unexpected::Map, "an object".to_owned()),
            (
                Unexpected::Other("u8"),
                "a whole number from 0 to 255".to_owned(),
            ),
        ];
        for (unexpected, words) in cases {
            assert_eq!(found(unexpected), words);
        }
    }

    #[test]
    fn each_fault_has_its_one_wording() {
        assert_eq!(
            length(1, &"struct Pair"),
            "expected an object, found an array of 1 value"
        );
        assert_eq!(
            length(3, &"a tuple of size 2"),
            "expected an array of 2 values, found an array of 3 values"
        );
        assert_eq!(
            unknown_variant("Canceled", &["Cancelled"]),
            "expected `Cancelled`, found `Canceled`"
        );
        assert_eq!(
            unknown_variant("x", &["a", "b", "c"]),
            "expected one of `a`, `b`, `c`, found `x`"
        );
        assert_eq!(
            unknown_field("x", &[]),
            "unknown field `x`; this object has no fields"
        );
        assert_eq!(missing_field("status"), "the field `status` is missing");
        assert_eq!(
            duplicate_field("status"),
            "the key `status` is given twice in this object"
        );
        assert_eq!(one_of(&[]), "nothing");
    }
}
