//! The ids and codes of a response: request id, process id, resource code and reason code.
//!
//! The library draws no randomness: the embedding system makes the request and process ids
//! and passes them in; these types check their form.

use core::fmt;
use core::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use strum::VariantArray;

use crate::wire::category::ErrorCategory;

/// A request id, process id or resource code that does not have its documented form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Not a 36-character UUID (`8-4-4-4-12` hexadecimal digits).
    #[error("request id `{}` ({length} characters) is not a 36-character UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits)", crate::quote::clip(.value))]
    RequestId {
        /// The rejected value.
        value: String,
        /// Its length in characters.
        length: usize,
    },
    /// Not 16 upper-case hexadecimal digits.
    #[error("process id `{}` is not 16 upper-case hexadecimal digits", crate::quote::clip(.value))]
    ProcessId {
        /// The rejected value.
        value: String,
    },
    /// Not six ASCII digits.
    #[error("resource code `{}` is not six ASCII digits", crate::quote::clip(.value))]
    ResourceCode {
        /// The rejected value.
        value: String,
    },
}

/// The id of one request: the `Zuora-Request-Id` response header and the `requestId` of an
/// error body.
///
/// # Invariants
///
/// Exactly 36 characters: a UUID in its text form, `8-4-4-4-12` ASCII hexadecimal digits
/// (either case) separated by `-`. Zuora documents the header as "exactly 36 characters" and
/// the body field as `format: uuid`; this form meets both.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestId(String);

impl RequestId {
    /// The length of every request id.
    pub const LEN: usize = 36;

    /// Checks a request id.
    ///
    /// # Errors
    ///
    /// [`IdError::RequestId`] unless `value` is a 36-character UUID.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let well_formed = value.len() == Self::LEN
            && value.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::RequestId {
                value: value.to_owned(),
                length: value.chars().count(),
            })
        }
    }

    /// The id's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of the process that handled a failed request: the `processId` of an error body.
///
/// # Invariants
///
/// Exactly 16 upper-case hexadecimal digits (`0-9 A-F`), the form of Zuora's own process ids
/// (`CBCFED6580B4E076` in Zuora's error-code guide).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcessId(String);

impl ProcessId {
    /// The length of every process id.
    pub const LEN: usize = 16;

    /// Checks a process id.
    ///
    /// # Errors
    ///
    /// [`IdError::ProcessId`] unless `value` is 16 upper-case hexadecimal digits.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let well_formed = value.len() == Self::LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::ProcessId {
                value: value.to_owned(),
            })
        }
    }

    /// The id's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_id {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

text_id!(RequestId);
text_id!(ProcessId);

/// The six-digit resource code that starts a reason code: which resource (object and field)
/// a fault is about.
///
/// # Invariants
///
/// A value from 0 to 999,999, always written as six digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceCode(u32);

impl ResourceCode {
    /// `500000`: "an unknown object and an unknown field", the resource code Zuora gives
    /// failed requests that carry no payload (Zuora, Error codes guide). The cancel request
    /// has no body, and Zuora documents no resource code for journal runs, so this is the
    /// default.
    pub const UNKNOWN: Self = Self(500_000);

    /// `900000`: the resource code of Zuora's authentication failures (its guide's example
    /// `90000011`, "an invalid credential is provided in the request header"). The default
    /// for category 11.
    pub const AUTHENTICATION: Self = Self(900_000);

    /// The largest resource code.
    pub const MAX: u32 = 999_999;

    /// The resource code with this value; `None` above 999,999.
    #[must_use]
    pub const fn new(value: u32) -> Option<Self> {
        if value <= Self::MAX {
            Some(Self(value))
        } else {
            None
        }
    }

    /// Parses six ASCII digits.
    ///
    /// # Errors
    ///
    /// [`IdError::ResourceCode`] for anything else.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let error = || IdError::ResourceCode {
            value: value.to_owned(),
        };
        if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        value.parse().map(Self).map_err(|_| error())
    }

    /// The numeric value.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for ResourceCode {
    /// [`ResourceCode::UNKNOWN`].
    fn default() -> Self {
        Self::UNKNOWN
    }
}

impl fmt::Display for ResourceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Debug for ResourceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for ResourceCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}

/// The `code` of a reason in an error body.
///
/// Codes this crate writes are eight digits, a [`ResourceCode`] followed by the two-digit
/// [`ErrorCategory`], and are written as a JSON string, as the spec types them. Codes read from
/// Zuora are kept as given: a string (Zuora's `ErrorResponse` examples also show words such as
/// `SystemError`) or a non-negative integer (Zuora's guide shows `"code": 53100320`), which is
/// kept as its decimal text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReasonCode(String);

impl ReasonCode {
    /// The eight-digit code for a fault of `category` about `resource`.
    #[must_use]
    pub fn new(resource: ResourceCode, category: ErrorCategory) -> Self {
        Self(format!("{resource}{:02}", category.code()))
    }

    /// The code as read or written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The resource code, when the code is eight digits.
    #[must_use]
    pub fn resource(&self) -> Option<ResourceCode> {
        self.eight_digits()
            .and_then(|code| code.get(..6))
            .and_then(|digits| ResourceCode::parse(digits).ok())
    }

    /// The category, when the code is eight digits ending in one of Zuora's categories.
    #[must_use]
    pub fn category(&self) -> Option<ErrorCategory> {
        let digits = self.eight_digits()?.get(6..)?;
        let code: u8 = digits.parse().ok()?;
        ErrorCategory::VARIANTS
            .iter()
            .copied()
            .find(|category| category.code() == code)
    }

    fn eight_digits(&self) -> Option<&str> {
        (self.0.len() == 8 && self.0.bytes().all(|b| b.is_ascii_digit())).then_some(self.0.as_str())
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<String> for ReasonCode {
    /// Any text, as read from a response.
    fn from(code: String) -> Self {
        Self(code)
    }
}

impl Serialize for ReasonCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ReasonCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl Visitor<'_> for CodeVisitor {
            type Value = ReasonCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("code: a string or a non-negative integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ReasonCode, E> {
                Ok(ReasonCode(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ReasonCode, E> {
                Ok(ReasonCode(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ReasonCode, E> {
                u64::try_from(v)
                    .map(|v| ReasonCode(v.to_string()))
                    .map_err(|_| {
                        E::custom(format_args!(
                            "code: expected a string or a non-negative integer, found {v}"
                        ))
                    })
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}
