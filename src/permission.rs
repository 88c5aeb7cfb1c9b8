//! Zuora Finance permissions and a compact set of them.

use core::fmt;
use core::str::FromStr;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use strum::{EnumCount, IntoStaticStr, VariantArray};

use crate::status::UnknownVariant;

/// A Zuora Finance user permission, with Zuora's exact name.
///
/// Source: Zuora's Finance role documentation (FACTS.md, "Permissions").
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
    EnumCount,
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Permission {
    /// "Create Journal Run".
    #[serde(rename = "Create Journal Run")]
    #[strum(serialize = "Create Journal Run")]
    CreateJournalRun,
    /// "Cancel Journal Run": needed by `PUT /v1/journal-runs/{jr-number}/cancel`.
    #[serde(rename = "Cancel Journal Run")]
    #[strum(serialize = "Cancel Journal Run")]
    CancelJournalRun,
    /// "Delete Cancelled Journal Run".
    #[serde(rename = "Delete Cancelled Journal Run")]
    #[strum(serialize = "Delete Cancelled Journal Run")]
    DeleteCancelledJournalRun,
    /// "Create Journal Entry".
    #[serde(rename = "Create Journal Entry")]
    #[strum(serialize = "Create Journal Entry")]
    CreateJournalEntry,
    /// "Edit Journal Entry": needed to change an entry's Transferred to Accounting.
    #[serde(rename = "Edit Journal Entry")]
    #[strum(serialize = "Edit Journal Entry")]
    EditJournalEntry,
    /// "Cancel Journal Entry".
    #[serde(rename = "Cancel Journal Entry")]
    #[strum(serialize = "Cancel Journal Entry")]
    CancelJournalEntry,
    /// "Delete Cancelled Journal Entry".
    #[serde(rename = "Delete Cancelled Journal Entry")]
    #[strum(serialize = "Delete Cancelled Journal Entry")]
    DeleteCancelledJournalEntry,
    /// "Override Transferred to Accounting": needed to change Transferred to Accounting from
    /// `Yes` to any other value. The only one of these not granted to Standard users.
    #[serde(rename = "Override Transferred to Accounting")]
    #[strum(serialize = "Override Transferred to Accounting")]
    OverrideTransferredToAccounting,
    /// "API Write Access": the Zuora Platform permission every REST write needs, besides the
    /// Finance permission of the operation. Source: Zuora, "Create an OAuth client for a user"
    /// (FACTS.md, "How Zuora answers").
    #[serde(rename = "API Write Access")]
    #[strum(serialize = "API Write Access")]
    ApiWriteAccess,
}

/// The two kinds of permission a Zuora user's role grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum PermissionKind {
    /// A Zuora Finance permission ("Cancel Journal Run", ...).
    Finance,
    /// A Zuora Platform permission ("API Write Access").
    Platform,
}

impl Permission {
    /// Every permission's exact name, in declaration order.
    pub const NAMES: &'static [&'static str] = &[
        "Create Journal Run",
        "Cancel Journal Run",
        "Delete Cancelled Journal Run",
        "Create Journal Entry",
        "Edit Journal Entry",
        "Cancel Journal Entry",
        "Delete Cancelled Journal Entry",
        "Override Transferred to Accounting",
        "API Write Access",
    ];

    /// Zuora's name of this permission.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether this is a Finance or a Platform permission.
    #[must_use]
    pub const fn kind(self) -> PermissionKind {
        match self {
            Self::CreateJournalRun
            | Self::CancelJournalRun
            | Self::DeleteCancelledJournalRun
            | Self::CreateJournalEntry
            | Self::EditJournalEntry
            | Self::CancelJournalEntry
            | Self::DeleteCancelledJournalEntry
            | Self::OverrideTransferredToAccounting => PermissionKind::Finance,
            Self::ApiWriteAccess => PermissionKind::Platform,
        }
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::VARIANTS
            .iter()
            .copied()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownVariant {
                kind: "permission",
                found: s.to_owned(),
                expected: Self::NAMES,
            })
    }
}

/// A set of [`Permission`]s, one bit each.
///
/// # Invariants
///
/// - Only the low [`Permission::COUNT`] bits can be set.
/// - Serialized as a list of names in declaration order, without duplicates; deserializing
///   accepts any order and duplicates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet(u16);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: Self = Self(0);
    /// Every permission, Finance and Platform.
    pub const ALL: Self = Self(u16::MAX >> (16 - Permission::COUNT));
    /// Every Finance permission.
    pub const FINANCE: Self = Self::ALL.without(Permission::ApiWriteAccess);
    /// Every Platform permission.
    pub const PLATFORM: Self = Self::of(&[Permission::ApiWriteAccess]);

    /// The set of these permissions.
    #[must_use]
    pub const fn of(permissions: &[Permission]) -> Self {
        let mut bits = 0;
        let mut rest = permissions;
        while let [first, tail @ ..] = rest {
            bits |= first.bit();
            rest = tail;
        }
        Self(bits)
    }

    /// Whether `permission` is in the set.
    #[must_use]
    pub const fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// The set with `permission` added.
    #[must_use]
    pub const fn with(self, permission: Permission) -> Self {
        Self(self.0 | permission.bit())
    }

    /// The set with `permission` removed.
    #[must_use]
    pub const fn without(self, permission: Permission) -> Self {
        Self(self.0 & !permission.bit())
    }

    /// The set built from raw bits; bits beyond the known permissions are dropped.
    #[must_use]
    pub const fn from_bits_truncate(bits: u16) -> Self {
        Self(bits & Self::ALL.0)
    }

    /// The raw bits, one per permission in declaration order.
    #[must_use]
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// The permissions of both sets.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The permissions of this set that are also in `other`.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The set as a caller document that names no Platform permission means it: with the
    /// Platform permissions of an API user ("API Write Access") added when the set holds no
    /// Platform permission, and unchanged otherwise. The one place this default lives
    /// (docs/DECISIONS.md, D-21).
    #[must_use]
    pub const fn with_platform_defaults(self) -> Self {
        if self.intersection(Self::PLATFORM).is_empty() {
            self.union(Self::PLATFORM)
        } else {
            self
        }
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::VARIANTS
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}

/// Any set: sixteen bits of the input, those beyond the known permissions dropped. Feature
/// `arbitrary`.
#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for PermissionSet {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self::from_bits_truncate(u.arbitrary()?))
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for p in self.iter() {
            seq.serialize_element(&p)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor;
        impl<'de> Visitor<'de> for SetVisitor {
            type Value = PermissionSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of Zuora permission names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PermissionSet, A::Error> {
                let mut set = PermissionSet::EMPTY;
                while let Some(p) = seq.next_element::<Permission>()? {
                    set = set.with(p);
                }
                Ok(set)
            }
        }
        deserializer.deserialize_seq(SetVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_variants() {
        assert_eq!(Permission::NAMES.len(), Permission::COUNT);
        for (p, name) in Permission::VARIANTS.iter().zip(Permission::NAMES) {
            assert_eq!(p.as_str(), *name);
            assert_eq!(name.parse::<Permission>(), Ok(*p));
        }
    }

    #[test]
    fn all_holds_every_permission() {
        assert_eq!(PermissionSet::ALL.iter().count(), Permission::COUNT);
        assert!(!PermissionSet::EMPTY.contains(Permission::CancelJournalRun));
    }
}
