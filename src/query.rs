//! Queries: the requests that change nothing the rules govern. Reading a run, its entries or
//! one entry, and editing an entry's notes, which no rule of a run's life restricts.
//!
//! A query is authorized as a command is (the entity header against the caller's token, the
//! permissions, `Zuora-Org-Ids` against the caller's orgs, the run's existence in the
//! request's scope: steps 1 to 4 of [`PRECEDENCE`](crate::PRECEDENCE)), then the entry it
//! names must exist. It produces no event.

use serde::{Deserialize, Serialize};
use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use crate::command::Target;
use crate::headers::RequestScope;
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::permission::Permission;

/// A request that changes nothing the rules govern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, EnumDiscriminants)]
#[serde(rename_all = "camelCase", tag = "query", expecting = "a query")]
#[strum_discriminants(
    name(QueryKind),
    derive(Hash, PartialOrd, Ord, IntoStaticStr, VariantArray),
    strum(serialize_all = "camelCase"),
    doc = "The kind of a [`Query`], without its data."
)]
pub enum Query {
    /// `GET /v1/journal-runs/{jr-number}`.
    GetRun {
        /// The run the request names.
        run: JournalRunNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// `GET /v1/journal-entries/journal-runs/{jr-number}`: a page of the run's entries.
    ListEntries {
        /// The run the request names.
        run: JournalRunNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// `GET /v1/journal-entries/{je-number}`.
    GetEntry {
        /// The entry the request names.
        entry: JournalEntryNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// `PUT /v1/journal-entries/{je-number}/basic-information` without
    /// `transferredToAccounting`: the entry's notes or custom fields. Needs
    /// "Edit Journal Entry".
    EditEntry {
        /// The entry the request names.
        entry: JournalEntryNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
}

impl Query {
    /// The query's kind.
    #[must_use]
    pub fn kind(&self) -> QueryKind {
        self.into()
    }

    /// The request's scope headers.
    #[must_use]
    pub const fn scope(&self) -> &RequestScope {
        match self {
            Self::GetRun { scope, .. }
            | Self::ListEntries { scope, .. }
            | Self::GetEntry { scope, .. }
            | Self::EditEntry { scope, .. } => scope,
        }
    }

    /// The run or entry the query names.
    pub(crate) const fn target(&self) -> Target {
        match self {
            Self::GetRun { run, .. } | Self::ListEntries { run, .. } => Target::Run(*run),
            Self::GetEntry { entry, .. } | Self::EditEntry { entry, .. } => Target::Entry(*entry),
        }
    }

    /// The permissions the query needs, in the order they are checked. Reading needs none
    /// beyond a valid token (docs/DECISIONS.md, D-27); editing an entry needs "API Write
    /// Access", then "Edit Journal Entry", as every write does. The one place this rule lives.
    #[must_use]
    pub const fn required_permissions(&self) -> &'static [Permission] {
        match self {
            Self::GetRun { .. } | Self::ListEntries { .. } | Self::GetEntry { .. } => &[],
            Self::EditEntry { .. } => &[Permission::ApiWriteAccess, Permission::EditJournalEntry],
        }
    }
}

impl QueryKind {
    /// The query in words, as messages name it.
    #[must_use]
    pub const fn action(self) -> &'static str {
        match self {
            Self::GetRun => "read a journal run",
            Self::ListEntries => "list the summary journal entries of a journal run",
            Self::GetEntry => "read a summary journal entry",
            Self::EditEntry => "update the basic information of a summary journal entry",
        }
    }
}
