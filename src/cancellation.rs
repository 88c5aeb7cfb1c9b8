//! The asynchronous cancellation job and how it settles.

use serde::{Deserialize, Serialize};

use crate::status::{JournalRunStatus, TransferredToAccounting};

/// A status from which a run can be cancelled: Pending, Error or Completed.
///
/// Source: "You can only cancel a journal run whose status is "Pending", "Error", or
/// "Completed"" (Zuora, `PUT_JournalRun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancellableStatus {
    /// Pending.
    Pending,
    /// Error.
    Error,
    /// Completed.
    Completed,
}

impl From<CancellableStatus> for JournalRunStatus {
    fn from(status: CancellableStatus) -> Self {
        match status {
            CancellableStatus::Pending => Self::Pending,
            CancellableStatus::Error => Self::Error,
            CancellableStatus::Completed => Self::Completed,
        }
    }
}

/// The state of a cancellation job, held by a run whose status is `CancelInprogress`.
///
/// Serializable, so a process can stop mid-job and resume with the same result.
///
/// # Invariants
///
/// - `next` is at most the number of entries in the run: entries `0..next` (in entry-number
///   order) have been attempted, the rest have not (INV-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancellationJob {
    /// The status the run had when the request was accepted, and goes back to unless every
    /// entry ends up cancelled.
    pub previous: CancellableStatus,
    /// The position (in entry-number order) of the next entry to attempt.
    pub next: usize,
}

/// What one step of the job did to the entry it attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttemptOutcome {
    /// The entry was cancelled.
    Cancelled,
    /// The entry was cancelled already; it counts as cancelled.
    AlreadyCancelled,
    /// The entry could not be cancelled: its Transferred to Accounting was `Yes` or
    /// `Processing` at that moment.
    Failed {
        /// The Transferred to Accounting value that stopped it.
        transferred_to_accounting: TransferredToAccounting,
    },
}

/// How a cancellation job settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Settlement {
    /// Every entry is cancelled: the run becomes `Cancelled`.
    Cancelled,
    /// Some entry is not cancelled: the run goes back to the status it had before the request.
    Restored(CancellableStatus),
}

impl Settlement {
    /// How a job started from `previous` settles when `cancelled` of the run's `total` entries
    /// are cancelled. The one place the settled-status rule lives; O(1).
    ///
    /// Source: "A run becomes "Cancelled" only when every one of its entries is cancelled"; the
    /// worked example keeps a Completed run Completed (Zuora, `PUT_JournalRun`). A run with no
    /// entries settles Cancelled (docs/DECISIONS.md, D-5).
    #[must_use]
    pub const fn of(previous: CancellableStatus, cancelled: usize, total: usize) -> Self {
        if cancelled == total {
            Self::Cancelled
        } else {
            Self::Restored(previous)
        }
    }

    /// The run status this settlement gives.
    #[must_use]
    pub fn status(self) -> JournalRunStatus {
        match self {
            Self::Cancelled => JournalRunStatus::Cancelled,
            Self::Restored(previous) => previous.into(),
        }
    }
}
