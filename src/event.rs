//! Events: what an accepted command changed. Replaying them rebuilds the state.

use serde::{Deserialize, Serialize};
use strum::IntoStaticStr;

use crate::cancellation::{AttemptOutcome, CancellableStatus, Settlement};
use crate::number::JournalEntryNumber;
use crate::status::TransferredToAccounting;

/// Something that happened to a journal run. Every accepted command produces exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr)]
#[serde(rename_all = "camelCase", tag = "event", expecting = "an event")]
#[strum(serialize_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Event {
    /// `Pending -> Processing`.
    ProcessingStarted,
    /// `Processing -> Completed`, with the entries created (in ascending order).
    ProcessingCompleted {
        /// The entries created, ascending.
        entries: Vec<JournalEntryNumber>,
    },
    /// `Processing -> Error`, with the entries created before the failure (ascending).
    ProcessingFailed {
        /// The entries created, ascending.
        entries: Vec<JournalEntryNumber>,
    },
    /// A cancel request was accepted (`{"success": true}`): the run is `CancelInprogress` and a
    /// cancellation job starts at its first entry.
    CancellationRequested {
        /// The status the run had.
        previous: CancellableStatus,
    },
    /// The cancellation job attempted an entry.
    EntryAttempted {
        /// The entry attempted.
        entry: JournalEntryNumber,
        /// What happened to it.
        outcome: AttemptOutcome,
    },
    /// The cancellation job settled the run's status.
    CancellationSettled {
        /// How it settled.
        settlement: Settlement,
    },
    /// A single entry was cancelled on request.
    EntryCancelled {
        /// The entry.
        entry: JournalEntryNumber,
    },
    /// A cancelled entry was deleted.
    EntryDeleted {
        /// The entry.
        entry: JournalEntryNumber,
    },
    /// An entry's Transferred to Accounting changed (by a user or the accounting integration).
    TransferredToAccountingChanged {
        /// The entry.
        entry: JournalEntryNumber,
        /// The value before.
        from: TransferredToAccounting,
        /// The value after.
        to: TransferredToAccounting,
    },
    /// `Cancelled -> DeleteInprogress`.
    DeletionStarted,
    /// The run and its entries are gone.
    RunDeleted,
}
