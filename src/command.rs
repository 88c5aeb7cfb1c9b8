//! Commands: everything that can happen to a journal run and its entries.

use serde::{Deserialize, Serialize};
use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use crate::entry::TransferResult;
use crate::headers::{OrgId, RequestScope};
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::permission::Permission;
use crate::status::TransferredToAccounting;

/// A command to a [`JournalRun`](crate::JournalRun).
///
/// There are three kinds:
///
/// - **requests**, the REST operations a user makes; each carries its scope headers and needs a
///   Finance permission and the Platform permission "API Write Access"
///   ([`Command::required_permissions`]);
/// - **Zuora's own processes**: processing the run, the cancellation job's steps and settling,
///   finishing a deletion; no user permission applies (the request that started them was
///   authorised when it was accepted);
/// - **the accounting integration**, which moves an entry's Transferred to Accounting
///   `No -> Processing -> Yes | Error`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, EnumDiscriminants)]
#[serde(rename_all = "camelCase", tag = "command", expecting = "a command")]
#[strum_discriminants(
    name(CommandKind),
    derive(
        Hash,
        PartialOrd,
        Ord,
        IntoStaticStr,
        VariantArray,
        Serialize,
        Deserialize
    ),
    serde(rename_all = "camelCase"),
    strum(serialize_all = "camelCase"),
    doc = "The kind of a [`Command`], without its data."
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Command {
    /// `POST /v1/journal-runs`: create a journal run. Needs "Create Journal Run". Creating is
    /// the tenant's decision ([`crate::tenant::create_run`]); addressed to a run that exists,
    /// it is refused ([`Rejection::RunExists`](crate::Rejection::RunExists)).
    CreateRun(CreateRun),
    /// `PUT /v1/journal-runs/{jr-number}/cancel`: cancel the run. Needs "Cancel Journal Run".
    CancelRun {
        /// The run the request names.
        run: JournalRunNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// `DELETE /v1/journal-runs/{jr-number}`: delete a cancelled run. Needs
    /// "Delete Cancelled Journal Run".
    DeleteRun {
        /// The run the request names.
        run: JournalRunNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// `PUT /v1/journal-entries/{je-number}/cancel`: cancel one entry. Needs
    /// "Cancel Journal Entry".
    CancelEntry {
        /// The entry the request names.
        entry: JournalEntryNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// `DELETE /v1/journal-entries/{je-number}`: delete a cancelled entry. Needs
    /// "Delete Cancelled Journal Entry".
    DeleteEntry {
        /// The entry the request names.
        entry: JournalEntryNumber,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// `PUT /v1/journal-entries/{je-number}/basic-information` with `transferredToAccounting`.
    /// Needs "Edit Journal Entry", and also "Override Transferred to Accounting" to change the
    /// value from `Yes` to another.
    UpdateTransferredToAccounting {
        /// The entry the request names.
        entry: JournalEntryNumber,
        /// The new value.
        value: TransferredToAccounting,
        /// The request's scope headers.
        #[serde(default)]
        scope: RequestScope,
    },
    /// Zuora starts processing a pending run: `Pending -> Processing`.
    StartProcessing,
    /// Processing ends well: `Processing -> Completed`, with the entries it created.
    CompleteProcessing {
        /// The entries created, each `Created` and not transferred. No duplicates.
        entries: Vec<JournalEntryNumber>,
    },
    /// Processing fails: `Processing -> Error`, with the entries it created before failing.
    FailProcessing {
        /// The entries created, each `Created` and not transferred. No duplicates.
        entries: Vec<JournalEntryNumber>,
    },
    /// The cancellation job attempts its next entry, in entry-number order.
    StepCancellation,
    /// The cancellation job, having attempted every entry, settles the run's status.
    SettleCancellation,
    /// Zuora finishes deleting a run: `DeleteInprogress ->` gone.
    FinishDeletion,
    /// The accounting integration starts transferring an entry: `No -> Processing`.
    BeginTransfer {
        /// The entry.
        entry: JournalEntryNumber,
    },
    /// The accounting integration finishes transferring an entry: `Processing -> Yes | Error`.
    FinishTransfer {
        /// The entry.
        entry: JournalEntryNumber,
        /// How the transfer ended.
        result: TransferResult,
    },
}

/// A request to create a journal run (`POST /v1/journal-runs`), once its body has been read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a create journal run request")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateRun {
    /// The number the tenant gives the new run (Zuora numbers runs itself; the embedding
    /// system chooses it).
    pub run: JournalRunNumber,
    /// The new run's organization labels (`organizationLabels`, Multi-Org); empty without.
    #[serde(default)]
    pub organizations: Vec<OrgId>,
    /// The request's scope headers.
    #[serde(default)]
    pub scope: RequestScope,
}

/// What a request command targets, for the authorisation checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The run with this number.
    Run(JournalRunNumber),
    /// The entry with this number.
    Entry(JournalEntryNumber),
}

impl Command {
    /// The command's kind.
    #[must_use]
    pub fn kind(&self) -> CommandKind {
        self.into()
    }

    /// The permissions a request needs before anything else is checked, in the order they are
    /// checked: the Platform permission "API Write Access" (every REST write needs it), then
    /// the operation's Finance permission. Empty for Zuora's own processes and the accounting
    /// integration. (Changing Transferred to Accounting from `Yes` also needs "Override
    /// Transferred to Accounting", which depends on the entry and is checked with the entry's
    /// rules.) The one place the permission rule of a request lives.
    #[must_use]
    pub const fn required_permissions(&self) -> &'static [Permission] {
        use Permission::ApiWriteAccess as W;
        match self {
            Self::CreateRun(_) => &[W, Permission::CreateJournalRun],
            Self::CancelRun { .. } => &[W, Permission::CancelJournalRun],
            Self::DeleteRun { .. } => &[W, Permission::DeleteCancelledJournalRun],
            Self::CancelEntry { .. } => &[W, Permission::CancelJournalEntry],
            Self::DeleteEntry { .. } => &[W, Permission::DeleteCancelledJournalEntry],
            Self::UpdateTransferredToAccounting { .. } => &[W, Permission::EditJournalEntry],
            Self::StartProcessing
            | Self::CompleteProcessing { .. }
            | Self::FailProcessing { .. }
            | Self::StepCancellation
            | Self::SettleCancellation
            | Self::FinishDeletion
            | Self::BeginTransfer { .. }
            | Self::FinishTransfer { .. } => &[],
        }
    }

    /// The scope headers and target of a request; `None` for the other commands.
    pub(crate) const fn request(&self) -> Option<(&RequestScope, Target)> {
        match self {
            Self::CreateRun(CreateRun { run, scope, .. })
            | Self::CancelRun { run, scope }
            | Self::DeleteRun { run, scope } => Some((scope, Target::Run(*run))),
            Self::CancelEntry { entry, scope }
            | Self::DeleteEntry { entry, scope }
            | Self::UpdateTransferredToAccounting { entry, scope, .. } => {
                Some((scope, Target::Entry(*entry)))
            }
            Self::StartProcessing
            | Self::CompleteProcessing { .. }
            | Self::FailProcessing { .. }
            | Self::StepCancellation
            | Self::SettleCancellation
            | Self::FinishDeletion
            | Self::BeginTransfer { .. }
            | Self::FinishTransfer { .. } => None,
        }
    }
}

impl CommandKind {
    /// The kind's name, in camelCase as serialized.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The operation in words, as messages name it: "cancel a journal run", "start processing
    /// a journal run". Messages use these words, never the serialized name (`cancelRun`).
    #[must_use]
    pub const fn action(self) -> &'static str {
        match self {
            Self::CreateRun => "create a journal run",
            Self::CancelRun => "cancel a journal run",
            Self::DeleteRun => "delete a journal run",
            Self::CancelEntry => "cancel a summary journal entry",
            Self::DeleteEntry => "delete a summary journal entry",
            Self::UpdateTransferredToAccounting => {
                "change the Transferred to Accounting of a summary journal entry"
            }
            Self::StartProcessing => "start processing a journal run",
            Self::CompleteProcessing => "complete processing a journal run",
            Self::FailProcessing => "end processing a journal run in error",
            Self::StepCancellation => "cancel the next summary journal entry of a cancellation",
            Self::SettleCancellation => "settle the cancellation of a journal run",
            Self::FinishDeletion => "finish deleting a journal run",
            Self::BeginTransfer => "begin transferring a summary journal entry to accounting",
            Self::FinishTransfer => "finish transferring a summary journal entry to accounting",
        }
    }
}

/// Any kind. Feature `arbitrary`.
#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for CommandKind {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        u.choose(Self::VARIANTS).copied()
    }
}

impl core::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
