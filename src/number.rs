//! Journal run and journal entry numbers: `JR-00000001` and `JE-00000001`.
//!
//! Both are parsed, never constructed unchecked. The grammar is the same for both, only the
//! prefix differs:
//!
//! ```text
//! number  = prefix digits
//! prefix  = "JR-" | "JE-"          (upper case, exactly)
//! digits  = 8*DIGIT                (at least eight ASCII digits)
//! ```
//!
//! with two further constraints that give every number exactly one spelling:
//!
//! - the value is at least 1 (`JR-00000000` is rejected);
//! - the digits are zero-padded to eight and no further: a number of more than eight digits does
//!   not start with `0` (`JR-000000001` is rejected, `JR-100000000` is accepted).
//!
//! The value must fit in a `u64`. Both types store a [`NonZeroU64`], so
//! `Option<JournalEntryNumber>` is eight bytes.

use core::fmt;
use core::num::NonZeroU64;
use core::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// How many digits a number is padded to.
pub(crate) const PADDED_DIGITS: usize = 8;

/// Why a journal run or entry number was rejected, and where.
///
/// Every variant carries the whole input, so the message can quote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NumberError {
    /// The text does not start with the prefix (`JR-` or `JE-`, upper case).
    #[error("expected a number starting with `{prefix}`, found `{}`", crate::quote::clip(.input))]
    MissingPrefix {
        /// The expected prefix.
        prefix: &'static str,
        /// The rejected input.
        input: String,
    },
    /// Fewer than eight characters follow the prefix.
    #[error("expected 8 or more digits after `{prefix}`, found `{}`", crate::quote::clip(.input))]
    TooFewDigits {
        /// The expected prefix.
        prefix: &'static str,
        /// The rejected input.
        input: String,
    },
    /// A character after the prefix is not an ASCII digit.
    #[error("expected only ASCII digits after `{prefix}`, found {} at byte offset {position} of `{}`", crate::headers::QuotedChar(*.found), crate::quote::clip(.input))]
    NotADigit {
        /// The expected prefix.
        prefix: &'static str,
        /// The offending character.
        found: char,
        /// Its byte offset in the input.
        position: usize,
        /// The rejected input.
        input: String,
    },
    /// More than eight digits with a leading zero: the number has a shorter spelling.
    #[error("numbers are zero-padded to 8 digits and no further; `{}` has a leading zero beyond the padding", crate::quote::clip(.input))]
    ExtraLeadingZero {
        /// The rejected input.
        input: String,
    },
    /// All digits are zero.
    #[error("a number is at least 1, found `{}`", crate::quote::clip(.input))]
    Zero {
        /// The rejected input.
        input: String,
    },
    /// The value does not fit in 64 bits.
    #[error("`{}` is too large: the largest number is {max}", crate::quote::clip(.input))]
    TooLarge {
        /// The rejected input.
        input: String,
        /// The largest accepted value.
        max: u64,
    },
}

/// Parses the digits of a number after checking its prefix. The one place the grammar lives.
fn parse_number(prefix: &'static str, input: &str) -> Result<NonZeroU64, NumberError> {
    let owned = || input.to_owned();
    let Some(digits) = input.strip_prefix(prefix) else {
        return Err(NumberError::MissingPrefix {
            prefix,
            input: owned(),
        });
    };
    // (By bytes: every byte before the first that is not a digit is one, so that byte starts
    // a character.)
    if let Some((offset, found)) = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .and_then(|offset| Some((offset, digits[offset..].chars().next()?)))
    {
        // A short input with a stray character is reported as the stray character: it says more.
        return Err(NumberError::NotADigit {
            prefix,
            found,
            position: prefix.len() + offset,
            input: owned(),
        });
    }
    if digits.len() < PADDED_DIGITS {
        return Err(NumberError::TooFewDigits {
            prefix,
            input: owned(),
        });
    }
    if digits.len() > PADDED_DIGITS && digits.starts_with('0') {
        return Err(NumberError::ExtraLeadingZero { input: owned() });
    }
    let mut value: u64 = 0;
    for byte in digits.bytes() {
        let digit = u64::from(byte - b'0');
        value = match value.checked_mul(10).and_then(|v| v.checked_add(digit)) {
            Some(v) => v,
            None => {
                return Err(NumberError::TooLarge {
                    input: owned(),
                    max: u64::MAX,
                })
            }
        };
    }
    NonZeroU64::new(value).ok_or_else(|| NumberError::Zero { input: owned() })
}

macro_rules! number_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $expecting:literal) => {
        $(#[$doc])*
        ///
        /// # Invariants
        ///
        /// - The value is at least 1 and at most `u64::MAX`.
        /// - `s.parse::<Self>()?.to_string() == s` for every accepted `s`, and
        ///   `x.to_string().parse::<Self>() == Ok(x)` for every value `x`.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(NonZeroU64);

        impl $name {
            /// The prefix every spelling starts with.
            pub const PREFIX: &'static str = $prefix;

            /// The number with this value. `None` for zero: no number is zero.
            #[must_use]
            pub const fn new(value: u64) -> Option<Self> {
                match NonZeroU64::new(value) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            /// The number with this non-zero value.
            #[must_use]
            pub const fn from_non_zero(value: NonZeroU64) -> Self {
                Self(value)
            }

            /// The numeric value.
            #[must_use]
            pub const fn get(self) -> u64 {
                self.0.get()
            }

            /// Parses the canonical spelling.
            ///
            /// # Errors
            ///
            /// A [`NumberError`] saying what is wrong and where.
            pub fn parse(input: &str) -> Result<Self, NumberError> {
                parse_number(Self::PREFIX, input).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{:0width$}", Self::PREFIX, self.0.get(), width = PADDED_DIGITS)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = NumberError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = NumberError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        /// Any number, small ones often: as often as not a number from 1 to 256 (one byte),
        /// so that the numbers a fuzz input names meet those of its runs and entries; else any
        /// value (eight bytes), zero read as 1 (no number is zero). Feature `arbitrary`.
        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                let value = if u.arbitrary::<bool>()? {
                    u64::from(u.arbitrary::<u8>()?) + 1
                } else {
                    u.arbitrary::<u64>()?
                };
                Ok(Self(NonZeroU64::new(value).unwrap_or(NonZeroU64::MIN)))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct NumberVisitor;
                impl Visitor<'_> for NumberVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::parse(v).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(NumberVisitor)
            }
        }
    };
}

number_type!(
    /// A journal run number, `JR-00000001`.
    JournalRunNumber,
    "JR-",
    "a journal run number such as `JR-00000001`"
);

number_type!(
    /// A summary journal entry number, `JE-00000001`.
    JournalEntryNumber,
    "JE-",
    "a journal entry number such as `JE-00000001`"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_is_niche_optimised() {
        assert_eq!(size_of::<Option<JournalEntryNumber>>(), 8);
        assert_eq!(size_of::<Option<JournalRunNumber>>(), 8);
    }

    #[test]
    fn message_names_the_fault() {
        let err = JournalRunNumber::parse("JR-75").unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected 8 or more digits after `JR-`, found `JR-75`"
        );
    }
}
