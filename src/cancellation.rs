//! The asynchronous cancellation job and how it settles.

use serde::{Deserialize, Serialize};

use crate::status::{JournalRunStatus, TransferredToAccounting};

/// A status from which a run can be cancelled: Pending, Error or Completed.
///
/// Source: "You can only cancel a journal run whose status is "Pending", "Error", or
/// "Completed"" (Zuora, `PUT_JournalRun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(expecting = "Pending, Error or Completed")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
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
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a cancellation job: {\"previous\": ..., \"next\": ...}"
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CancellationJob {
    /// The status the run had when the request was accepted, and goes back to unless every
    /// entry ends up cancelled.
    pub previous: CancellableStatus,
    /// The position (in entry-number order) of the next entry to attempt.
    #[serde(deserialize_with = "position")]
    pub next: usize,
}

/// Reads a job's position, saying what it is in messages rather than naming a Rust type.
fn position<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    struct Position;
    impl serde::de::Visitor<'_> for Position {
        type Value = usize;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a position: a whole number from 0")
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<usize, E> {
            usize::try_from(value)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(value), &self))
        }
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<usize, E> {
            usize::try_from(value)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(value), &self))
        }
    }
    deserializer.deserialize_u64(Position)
}

/// What is known of the cancellation job of a `CancelInprogress` run.
///
/// A run that this crate (or a system embedding it) drives holds its job: the status before
/// the request and the position of the next entry. A run read from Zuora's own export shows
/// only the status `CancelInprogress`: Zuora exposes neither fact, so the job is `Unknown`
/// (FACTS.md, "Tenants, entities, orgs"; docs/DECISIONS.md, D-16). Such a run is valid input:
/// it can be audited and answers every command, except the job's own steps and settling,
/// which need what is unknown ([`Rejection::JobUnknown`](crate::Rejection::JobUnknown)).
///
/// Serialized as the job's object when known and as `null` when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Option<CancellationJob>", into = "Option<CancellationJob>")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Job {
    /// The job's state is known: it can be stepped, settled and resumed.
    Known(CancellationJob),
    /// The run was read from an export that does not show the job's state.
    Unknown,
}

impl Job {
    /// The job's state, when known.
    #[must_use]
    pub const fn known(&self) -> Option<&CancellationJob> {
        match self {
            Self::Known(job) => Some(job),
            Self::Unknown => None,
        }
    }
}

impl From<Option<CancellationJob>> for Job {
    fn from(job: Option<CancellationJob>) -> Self {
        job.map_or(Self::Unknown, Self::Known)
    }
}

impl From<Job> for Option<CancellationJob> {
    fn from(job: Job) -> Self {
        job.known().copied()
    }
}

impl From<CancellationJob> for Job {
    fn from(job: CancellationJob) -> Self {
        Self::Known(job)
    }
}

/// What one step of the job did to the entry it attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    expecting = "an attempt's outcome"
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
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
#[serde(
    rename_all = "camelCase",
    expecting = "a settlement: cancelled or restored"
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
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
