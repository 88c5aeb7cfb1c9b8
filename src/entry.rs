//! A summary journal entry as the state machine sees it, and the rules about one entry.

use serde::{Deserialize, Serialize};

use crate::number::JournalEntryNumber;
use crate::status::{JournalEntryStatus, TransferredToAccounting};

/// The state of one summary journal entry: its number, status and Transferred to Accounting.
///
/// Sixteen bytes (a test checks it), so a run of a million entries is 16 MB.
///
/// # Invariants
///
/// Within a [`JournalRun`](crate::JournalRun): once `status` is `Cancelled` it never changes
/// again, and neither does `transferred_to_accounting` (INV-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a journal entry: an object with `number`, `status` and `transferredToAccounting`"
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct JournalEntry {
    /// The entry's number.
    pub number: JournalEntryNumber,
    /// Created or Cancelled.
    pub status: JournalEntryStatus,
    /// Whether the entry has been transferred to an accounting system.
    pub transferred_to_accounting: TransferredToAccounting,
}

/// Whether an entry can be cancelled now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Cancellability {
    /// The entry can be cancelled.
    Cancellable,
    /// The entry is cancelled already.
    AlreadyCancelled,
    /// Its Transferred to Accounting (`Yes` or `Processing`) stops the cancellation.
    Blocked(TransferredToAccounting),
}

/// What the accounting integration reports at the end of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(expecting = "Yes or Error")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum TransferResult {
    /// The entry was transferred: Transferred to Accounting becomes `Yes`.
    Yes,
    /// The transfer failed: Transferred to Accounting becomes `Error`.
    Error,
}

impl From<TransferResult> for TransferredToAccounting {
    fn from(result: TransferResult) -> Self {
        match result {
            TransferResult::Yes => Self::Yes,
            TransferResult::Error => Self::Error,
        }
    }
}

impl JournalEntry {
    /// A new entry as processing creates it: `Created`, not transferred.
    #[must_use]
    pub const fn new(number: JournalEntryNumber) -> Self {
        Self {
            number,
            status: JournalEntryStatus::Created,
            transferred_to_accounting: TransferredToAccounting::No,
        }
    }

    /// Whether the entry is cancelled.
    #[must_use]
    pub const fn is_cancelled(&self) -> bool {
        matches!(self.status, JournalEntryStatus::Cancelled)
    }

    /// Whether the entry can be cancelled now. The one place the cancel rule for an entry
    /// lives: the cancellation job's steps and the single-entry cancel both ask it.
    ///
    /// Source: an entry "cannot be canceled if its Transferred to Accounting status is "Yes"
    /// or "Processing"" (Zuora, `PUT /v1/journal-entries/{je-number}/cancel`).
    #[must_use]
    pub const fn cancellability(&self) -> Cancellability {
        if self.is_cancelled() {
            Cancellability::AlreadyCancelled
        } else if self.transferred_to_accounting.blocks_cancellation() {
            Cancellability::Blocked(self.transferred_to_accounting)
        } else {
            Cancellability::Cancellable
        }
    }
}

/// Whether a user changing Transferred to Accounting from `from` to `to` needs the
/// "Override Transferred to Accounting" permission: exactly when `from` is `Yes` and `to` is not.
///
/// Source: Zuora, `PUT /v1/journal-entries/{je-number}/basic-information`.
#[must_use]
pub const fn change_needs_override(
    from: TransferredToAccounting,
    to: TransferredToAccounting,
) -> bool {
    matches!(from, TransferredToAccounting::Yes) && !matches!(to, TransferredToAccounting::Yes)
}

/// The value the accounting integration moves an entry to, or `None` when it cannot act on an
/// entry whose Transferred to Accounting is `from`: it starts a transfer only from `No`
/// (`No -> Processing`) and finishes one only from `Processing` (`Processing -> Yes | Error`).
///
/// `result` is `None` to start a transfer and `Some` to finish one.
#[must_use]
pub const fn integration_transition(
    from: TransferredToAccounting,
    result: Option<TransferResult>,
) -> Option<TransferredToAccounting> {
    match (from, result) {
        (TransferredToAccounting::No, None) => Some(TransferredToAccounting::Processing),
        (TransferredToAccounting::Processing, Some(TransferResult::Yes)) => {
            Some(TransferredToAccounting::Yes)
        }
        (TransferredToAccounting::Processing, Some(TransferResult::Error)) => {
            Some(TransferredToAccounting::Error)
        }
        (
            TransferredToAccounting::No
            | TransferredToAccounting::Yes
            | TransferredToAccounting::Error
            | TransferredToAccounting::Ignore,
            Some(_),
        )
        | (
            TransferredToAccounting::Processing
            | TransferredToAccounting::Yes
            | TransferredToAccounting::Error
            | TransferredToAccounting::Ignore,
            None,
        ) => None,
    }
}
