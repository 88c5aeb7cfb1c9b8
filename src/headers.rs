//! Request headers of the cancel operation, as validated values.
//!
//! | header             | type        | constraints                                                   |
//! |--------------------|-------------|---------------------------------------------------------------|
//! | `Zuora-Track-Id`   | [`TrackId`] | at most 64 US-ASCII characters; none of `: ; " '`; no control characters |
//! | `Zuora-Entity-Ids` | [`EntityId`]| one identifier ([`Identifier`] rules)                         |
//! | `Zuora-Org-Ids`    | [`OrgIds`]  | comma-separated, non-empty items, each an [`OrgId`]           |
//!
//! Parsing checks the header's own format only; whether the caller may use the entity or the
//! orgs is a rule of the state machine (`JournalRun::decide`), checked against the [`Caller`](crate::Caller).

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// A character as messages quote it, never as a Rust escape: `'x'` for a visible character or
/// a space, `"'"` for the apostrophe itself, and `U+000A` for a control character or other
/// whitespace, which cannot be seen between quotes.
pub(crate) struct QuotedChar(pub(crate) char);

impl fmt::Display for QuotedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        if c == '\'' {
            f.write_str("\"'\"")
        } else if c.is_control() || (c.is_whitespace() && c != ' ') {
            write!(f, "U+{:04X}", u32::from(c))
        } else {
            write!(f, "'{c}'")
        }
    }
}

/// Why a request header value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// `Zuora-Track-Id` is longer than 64 characters.
    #[error("Zuora-Track-Id is {length} characters long; at most {max} are allowed")]
    TrackIdTooLong {
        /// The length of the rejected value, in characters.
        length: usize,
        /// The largest accepted length.
        max: usize,
    },
    /// `Zuora-Track-Id` holds a character it may not hold.
    #[error("Zuora-Track-Id may not contain {} ({why}), found at character {}", QuotedChar(*.found), crate::quote::counted(*.position))]
    TrackIdCharacter {
        /// The offending character.
        found: char,
        /// Its character offset (0-based; messages count from 1).
        position: usize,
        /// Which rule it breaks.
        why: CharacterFault,
    },
    /// An org id or entity id is empty.
    #[error("{header}: item {} is empty", crate::quote::counted(*.item))]
    EmptyIdentifier {
        /// The header, `Zuora-Org-Ids` or `Zuora-Entity-Ids`.
        header: &'static str,
        /// The 0-based index of the empty item in the comma-separated list (messages count from 1).
        item: usize,
    },
    /// An org id or entity id is too long.
    #[error("{header}: {}", self.value_fault())]
    IdentifierTooLong {
        /// The header.
        header: &'static str,
        /// The rejected identifier.
        value: String,
        /// Its length.
        length: usize,
        /// The largest accepted length.
        max: usize,
    },
    /// An org id or entity id holds a character outside `A-Z a-z 0-9 - _ .`.
    #[error("{header}: {}", self.value_fault())]
    IdentifierCharacter {
        /// The header.
        header: &'static str,
        /// The rejected identifier.
        value: String,
        /// The offending character.
        found: char,
        /// Its character offset within the identifier (0-based; messages count from 1).
        position: usize,
    },
}

impl HeaderError {
    /// What is wrong with the value, without the header's name: how an org id or entity id
    /// read from a document's field, not from a header, is refused
    /// (``organizationId: `a b` may only hold ...``). A fault of `Zuora-Track-Id` is told whole.
    #[must_use]
    pub fn value_fault(&self) -> impl fmt::Display + '_ {
        ValueFault(self)
    }
}

/// [`HeaderError::value_fault`]: the fault of a header's value, without the header's name.
struct ValueFault<'e>(&'e HeaderError);

impl fmt::Display for ValueFault<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::quote::{clip, counted};
        match self.0 {
            // (A field holds one id: which item of a list is not said.)
            HeaderError::EmptyIdentifier { .. } => f.write_str("an id may not be empty"),
            HeaderError::IdentifierTooLong {
                value, length, max, ..
            } => write!(
                f,
                "`{}` is {length} characters long; at most {max} are allowed",
                clip(value)
            ),
            HeaderError::IdentifierCharacter {
                value,
                found,
                position,
                ..
            } => write!(
                f,
                "`{}` may only hold ASCII letters, digits, `-`, `_` and `.`; found {} at character {}",
                clip(value),
                QuotedChar(*found),
                counted(*position)
            ),
            HeaderError::TrackIdTooLong { .. } | HeaderError::TrackIdCharacter { .. } => {
                fmt::Display::fmt(self.0, f)
            }
        }
    }
}

/// Which rule a character in `Zuora-Track-Id` breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CharacterFault {
    /// Not US-ASCII.
    NotAscii,
    /// An ASCII control character (which would allow CR/LF header injection).
    Control,
    /// One of `:` `;` `"` `'`.
    Forbidden,
}

impl fmt::Display for CharacterFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAscii => "not US-ASCII",
            Self::Control => "a control character",
            Self::Forbidden => "one of `:` `;` `\"` `'`",
        })
    }
}

/// The value of the `Zuora-Track-Id` header.
///
/// # Invariants
///
/// - At most [`TrackId::MAX_LEN`] characters, all US-ASCII.
/// - No ASCII control character (so no CR or LF: echoing it cannot inject a header).
/// - None of `:` `;` `"` `'`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackId(String);

impl TrackId {
    /// The longest accepted value, in characters.
    pub const MAX_LEN: usize = 64;

    /// Validates a `Zuora-Track-Id` value.
    ///
    /// # Errors
    ///
    /// [`HeaderError::TrackIdTooLong`] or [`HeaderError::TrackIdCharacter`].
    pub fn parse(value: &str) -> Result<Self, HeaderError> {
        for (position, found) in value.chars().enumerate() {
            let why = if !found.is_ascii() {
                Some(CharacterFault::NotAscii)
            } else if found.is_ascii_control() {
                Some(CharacterFault::Control)
            } else if matches!(found, ':' | ';' | '"' | '\'') {
                Some(CharacterFault::Forbidden)
            } else {
                None
            };
            if let Some(why) = why {
                return Err(HeaderError::TrackIdCharacter {
                    found,
                    position,
                    why,
                });
            }
        }
        // Every character is ASCII here, so the byte length is the character length.
        if value.len() > Self::MAX_LEN {
            return Err(HeaderError::TrackIdTooLong {
                length: value.len(),
                max: Self::MAX_LEN,
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The value, as it is echoed in the response.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An identifier used in the `Zuora-Org-Ids` and `Zuora-Entity-Ids` headers and in a
/// journal run's organization labels.
///
/// Zuora documents no format for these ids (its own are 32 hexadecimal digits); the crate
/// accepts 1 to 64 characters from `A-Z a-z 0-9 - _ .` (docs/DECISIONS.md, D-7).
///
/// # Invariants
///
/// - 1 to [`Identifier::MAX_LEN`] characters, each an ASCII letter, digit, `-`, `_` or `.`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Identifier(String);

impl Identifier {
    /// The longest accepted identifier.
    pub const MAX_LEN: usize = 64;

    fn parse(header: &'static str, item: usize, value: &str) -> Result<Self, HeaderError> {
        if value.is_empty() {
            return Err(HeaderError::EmptyIdentifier { header, item });
        }
        if let Some((position, found)) = value
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(HeaderError::IdentifierCharacter {
                header,
                value: value.to_owned(),
                found,
                position,
            });
        }
        if value.len() > Self::MAX_LEN {
            return Err(HeaderError::IdentifierTooLong {
                header,
                value: value.to_owned(),
                length: value.len(),
                max: Self::MAX_LEN,
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The identifier's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The characters of an identifier, for the `Arbitrary` impls (D-7).
#[cfg(feature = "arbitrary")]
const IDENTIFIER_CHARACTERS: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

/// Up to `max` characters drawn from `characters` (at least `min`), for the `Arbitrary` impls.
#[cfg(feature = "arbitrary")]
fn arbitrary_text(
    u: &mut arbitrary::Unstructured<'_>,
    characters: &[u8],
    min: usize,
    max: usize,
) -> arbitrary::Result<String> {
    let length = u.int_in_range(min..=max)?;
    let mut text = String::with_capacity(length);
    for _ in 0..length {
        text.push(char::from(*u.choose(characters)?));
    }
    Ok(text)
}

macro_rules! identifier_type {
    ($(#[$doc:meta])* $name:ident, $header:literal) => {
        $(#[$doc])*
        ///
        /// # Invariants
        ///
        /// 1 to 64 characters, each an ASCII letter, digit, `-`, `_` or `.` (docs/DECISIONS.md,
        /// D-7).
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(into = "String")]
        pub struct $name(Identifier);

        /// Read from a document's field, not from its header: a fault is told without the
        /// header's name ([`HeaderError::value_fault`]).
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(|e| serde::de::Error::custom(e.value_fault()))
            }
        }

        impl $name {
            /// The header this identifier is carried in.
            pub const HEADER: &'static str = $header;

            /// Validates one identifier.
            ///
            /// # Errors
            ///
            /// A [`HeaderError`] naming the header and the offending character.
            pub fn parse(value: &str) -> Result<Self, HeaderError> {
                Identifier::parse(Self::HEADER, 0, value).map(Self)
            }

            /// The identifier's text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl FromStr for $name {
            type Err = HeaderError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        /// Any valid id: 1 to 64 characters of `A-Z a-z 0-9 - _ .`. Feature `arbitrary`.
        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                let text = arbitrary_text(u, IDENTIFIER_CHARACTERS, 1, Identifier::MAX_LEN)?;
                Self::parse(&text).map_err(|_| arbitrary::Error::IncorrectFormat)
            }
        }

        impl TryFrom<String> for $name {
            type Error = HeaderError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0 .0
            }
        }
    };
}

identifier_type!(
    /// An organization id (Multi-Org): an item of `Zuora-Org-Ids`, an accessible org of a
    /// [`Caller`](crate::Caller), or an organization label of a journal run.
    OrgId,
    "Zuora-Org-Ids"
);

identifier_type!(
    /// An entity id (Multi-entity): the value of `Zuora-Entity-Ids`, or an entity a
    /// [`Caller`](crate::Caller)'s token is valid for.
    EntityId,
    "Zuora-Entity-Ids"
);

/// The value of the `Zuora-Org-Ids` header: one or more org ids, comma-separated.
///
/// # Invariants
///
/// - At least one item; every item is a valid [`OrgId`]. Spaces and tabs around an item are
///   not part of it; an empty item (`a,,b`, a trailing comma) is an error.
/// - Items keep the order they were given in; a repeated id is kept (it changes no scope).
///
/// [`contains`](Self::contains) is O(log n): an index of the distinct ids, sorted, is built
/// once when the value is made, so that checking n labels against n ids is O(n log n).
/// Equality and hashing are those of the items (the index follows from them).
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgIds {
    /// The ids, in the order given, repeats kept.
    items: Vec<OrgId>,
    /// The distinct ids, sorted: the index [`contains`](Self::contains) searches.
    sorted: Box<[OrgId]>,
}

impl PartialEq for OrgIds {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl Eq for OrgIds {}

impl core::hash::Hash for OrgIds {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.items.hash(state);
    }
}

impl OrgIds {
    /// Validates a `Zuora-Org-Ids` value.
    ///
    /// # Errors
    ///
    /// [`HeaderError::EmptyIdentifier`] for an empty item, or the error of the first invalid id.
    pub fn parse(value: &str) -> Result<Self, HeaderError> {
        value
            .split(',')
            .enumerate()
            .map(|(item, raw)| {
                Identifier::parse(OrgId::HEADER, item, raw.trim_matches([' ', '\t'])).map(OrgId)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::from_items)
    }

    /// The value holding `items` (valid ids, at least one), with its index: O(n log n).
    fn from_items(items: Vec<OrgId>) -> Self {
        let mut sorted = items.clone();
        sorted.sort_unstable();
        sorted.dedup();
        Self {
            items,
            sorted: sorted.into_boxed_slice(),
        }
    }

    /// The ids, in the order given.
    #[must_use]
    pub fn as_slice(&self) -> &[OrgId] {
        &self.items
    }

    /// Whether `org` is one of the ids. O(log n) in the distinct ids.
    #[must_use]
    pub fn contains(&self, org: &OrgId) -> bool {
        self.sorted.binary_search(org).is_ok()
    }
}

/// Any list: one org id or more. Feature `arbitrary`.
#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for OrgIds {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let first: OrgId = u.arbitrary()?;
        let rest: Vec<OrgId> = u.arbitrary()?;
        Ok(Self::from_items(
            core::iter::once(first).chain(rest).collect(),
        ))
    }
}

impl fmt::Display for OrgIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, org) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(org.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for OrgIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.items).finish()
    }
}

impl FromStr for OrgIds {
    type Err = HeaderError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for OrgIds {
    type Error = HeaderError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<OrgIds> for String {
    fn from(v: OrgIds) -> String {
        v.to_string()
    }
}

/// Any valid value: up to 64 US-ASCII characters, none a control character or one of
/// `: ; " '`. Feature `arbitrary`.
#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for TrackId {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        const ALLOWED: &[u8] = b" !#$%&()*+,-./0123456789<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
        let text = arbitrary_text(u, ALLOWED, 0, Self::MAX_LEN)?;
        Self::parse(&text).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl fmt::Debug for TrackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for TrackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TrackId {
    type Err = HeaderError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TrackId {
    type Error = HeaderError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TrackId> for String {
    fn from(v: TrackId) -> String {
        v.0
    }
}

/// The headers of a request that narrow its scope: which entity and which orgs it acts in.
///
/// Both are optional, as in Zuora: without `Zuora-Org-Ids` the request acts in every org the
/// caller can access; without `Zuora-Entity-Ids` it acts in the token's only entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a request scope: an object with `entity` and `orgs` (both optional)"
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct RequestScope {
    /// `Zuora-Entity-Ids`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntityId>,
    /// `Zuora-Org-Ids`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orgs: Option<OrgIds>,
}

impl RequestScope {
    /// No scope headers: every accessible org, the token's only entity.
    pub const DEFAULT: Self = Self {
        entity: None,
        orgs: None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An id read from a header names the header; read from a document's field (serde), the
    /// same fault is told without it, and a track id's fault is told whole either way.
    #[test]
    fn an_ids_fault_names_its_header_only_when_it_came_in_one() {
        let cases = [
            (
                OrgIds::parse("a,,b").unwrap_err(),
                "Zuora-Org-Ids: item 2 is empty",
                "an id may not be empty",
            ),
            (
                EntityId::parse("a b").unwrap_err(),
                "Zuora-Entity-Ids: `a b` may only hold ASCII letters, digits, `-`, `_` and `.`; found ' ' at character 2",
                "`a b` may only hold ASCII letters, digits, `-`, `_` and `.`; found ' ' at character 2",
            ),
            (
                OrgId::parse(&"o".repeat(65)).unwrap_err(),
                "Zuora-Org-Ids: `ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo` is 65 characters long; at most 64 are allowed",
                "`ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo` is 65 characters long; at most 64 are allowed",
            ),
            (
                TrackId::parse("a;b").unwrap_err(),
                "Zuora-Track-Id may not contain ';' (one of `:` `;` `\"` `'`), found at character 2",
                "Zuora-Track-Id may not contain ';' (one of `:` `;` `\"` `'`), found at character 2",
            ),
        ];
        for (error, in_header, in_field) in cases {
            assert_eq!(error.to_string(), in_header);
            assert_eq!(error.value_fault().to_string(), in_field);
        }
        let from_document = serde_json::from_str::<Vec<OrgId>>(r#"["ok", "a b"]"#).unwrap_err();
        assert_eq!(
            from_document.to_string(),
            "`a b` may only hold ASCII letters, digits, `-`, `_` and `.`; found ' ' at character 2 at line 1 column 13"
        );
        let from_document = serde_json::from_str::<EntityId>(r#""""#).unwrap_err();
        assert_eq!(from_document.to_string(), "an id may not be empty");
    }

    #[test]
    fn crlf_is_rejected() {
        let err = TrackId::parse("abc\r\nSet-Cookie").unwrap_err();
        assert_eq!(
            err,
            HeaderError::TrackIdCharacter {
                found: '\r',
                position: 3,
                why: CharacterFault::Control
            }
        );
    }

    /// An id from a pool of 20, so that generated lists repeat ids and a probe from the pool
    /// is sometimes in a list and sometimes not.
    fn pooled_id() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("[ab0.][ab0.]?").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every id of the pool, in an order unrelated to the ids' own.
    fn pool() -> Vec<OrgId> {
        let mut pool = Vec::new();
        for first in ["0", "b", ".", "a"] {
            for second in ["", "a", ".", "0", "b"] {
                pool.push(OrgId::parse(&format!("{first}{second}")).unwrap());
            }
        }
        pool
    }

    fn hash_of(value: &OrgIds) -> u64 {
        use core::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    proptest::proptest! {
        /// `contains` answers as a scan of the list does, for lists with repeats in any
        /// order: true for each item, false for any other id.
        #[test]
        fn contains_agrees_with_a_scan_of_the_items(
            items in proptest::collection::vec(pooled_id(), 1..30),
        ) {
            let ids = OrgIds::parse(&items.join(",")).unwrap();
            let scanned: Vec<&str> = ids.as_slice().iter().map(OrgId::as_str).collect();
            proptest::prop_assert_eq!(&scanned, &items);
            for probe in pool() {
                let listed = items.iter().any(|item| item == probe.as_str());
                proptest::prop_assert_eq!(ids.contains(&probe), listed, "{}", probe);
            }
            // The index: the distinct ids, strictly ascending.
            proptest::prop_assert!(ids.sorted.windows(2).all(|pair| pair[0] < pair[1]));
            let distinct: std::collections::BTreeSet<&OrgId> = ids.as_slice().iter().collect();
            proptest::prop_assert!(ids.sorted.iter().eq(distinct));
        }

        /// The text, serde's form, equality and hashing are those of the items, in order and
        /// with repeats: the index changes none of them.
        #[test]
        fn text_equality_and_hash_are_the_items(
            items in proptest::collection::vec(pooled_id(), 1..12),
            other in proptest::collection::vec(pooled_id(), 1..12),
        ) {
            let ids = OrgIds::parse(&items.join(" ,\t")).unwrap();
            proptest::prop_assert_eq!(ids.to_string(), items.join(","));
            proptest::prop_assert_eq!(OrgIds::parse(&ids.to_string()), Ok(ids.clone()));
            let json = serde_json::to_string(&ids).unwrap();
            proptest::prop_assert_eq!(&json, &format!("\"{}\"", items.join(",")));
            let back: OrgIds = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(&back, &ids);
            proptest::prop_assert_eq!(hash_of(&back), hash_of(&ids));
            // The hash is the items' (one that ignored them would still agree with `==`).
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            core::hash::Hash::hash(ids.as_slice(), &mut hasher);
            proptest::prop_assert_eq!(core::hash::Hasher::finish(&hasher), hash_of(&ids));
            let others = OrgIds::parse(&other.join(",")).unwrap();
            proptest::prop_assert_eq!(others == ids, other == items);
            if other == items {
                proptest::prop_assert_eq!(hash_of(&others), hash_of(&ids));
            }
        }
    }

    #[test]
    fn an_id_not_listed_is_not_contained() {
        let ids = OrgIds::parse("org-5,org-2,org-5,org-8").unwrap();
        for listed in ["org-2", "org-5", "org-8"] {
            assert!(ids.contains(&OrgId::parse(listed).unwrap()), "{listed}");
        }
        // Before the first, between two, after the last, a prefix, a longer id, another case.
        for absent in ["org-1", "org-3", "org-9", "org", "org-55", "ORG-5"] {
            assert!(!ids.contains(&OrgId::parse(absent).unwrap()), "{absent}");
        }
        // Two lists with the same ids in another order, or without the repeat, are not equal.
        assert_ne!(ids, OrgIds::parse("org-2,org-5,org-8").unwrap());
        assert_ne!(ids, OrgIds::parse("org-5,org-2,org-8,org-5").unwrap());
    }

    #[test]
    fn org_ids_trim_and_reject_empty_items() {
        let ids = OrgIds::parse("a1, b2").unwrap();
        assert_eq!(ids.to_string(), "a1,b2");
        assert_eq!(
            OrgIds::parse("a1,,b2").unwrap_err(),
            HeaderError::EmptyIdentifier {
                header: "Zuora-Org-Ids",
                item: 1
            }
        );
    }
}
