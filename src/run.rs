//! The aggregate: one journal run, its entries, and its cancellation job.

use serde::{Deserialize, Serialize};

use crate::cancellation::{CancellableStatus, CancellationJob, Settlement};
use crate::entry::JournalEntry;
use crate::error::SnapshotError;
use crate::headers::OrgId;
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::status::JournalRunStatus;

/// The life-cycle state of a run: its Zuora status, plus what the rules need beyond it (the
/// cancellation job while one runs, and the fact of deletion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RunState {
    /// Pending: queued for processing. No entries yet.
    Pending,
    /// Processing: entries are being created. No entries yet.
    Processing,
    /// Completed: entries were created.
    Completed,
    /// Error: processing failed (it may have created entries).
    Error,
    /// CancelInprogress: a cancellation job is running.
    CancelInprogress(CancellationJob),
    /// Cancelled: every entry is cancelled.
    Cancelled,
    /// DeleteInprogress: a cancelled run is being deleted.
    DeleteInprogress,
    /// The run has been deleted: Zuora answers "not found" for it. Holds no entries.
    Deleted,
}

impl RunState {
    /// The status Zuora reports; `None` for a deleted run.
    #[must_use]
    pub const fn status(&self) -> Option<JournalRunStatus> {
        Some(match self {
            Self::Pending => JournalRunStatus::Pending,
            Self::Processing => JournalRunStatus::Processing,
            Self::Completed => JournalRunStatus::Completed,
            Self::Error => JournalRunStatus::Error,
            Self::CancelInprogress(_) => JournalRunStatus::CancelInprogress,
            Self::Cancelled => JournalRunStatus::Cancelled,
            Self::DeleteInprogress => JournalRunStatus::DeleteInprogress,
            Self::Deleted => return None,
        })
    }

    /// The state for a status outside a cancellation job; `None` for `CancelInprogress`,
    /// whose job state a status alone does not give.
    #[must_use]
    pub const fn from_status(status: JournalRunStatus) -> Option<Self> {
        Some(match status {
            JournalRunStatus::Pending => Self::Pending,
            JournalRunStatus::Processing => Self::Processing,
            JournalRunStatus::Completed => Self::Completed,
            JournalRunStatus::Error => Self::Error,
            JournalRunStatus::Cancelled => Self::Cancelled,
            JournalRunStatus::DeleteInprogress => Self::DeleteInprogress,
            JournalRunStatus::CancelInprogress => return None,
        })
    }

    /// A short name for messages: the status, or `deleted`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.status().map_or("deleted", JournalRunStatus::as_str)
    }
}

impl From<CancellableStatus> for RunState {
    fn from(status: CancellableStatus) -> Self {
        match status {
            CancellableStatus::Pending => Self::Pending,
            CancellableStatus::Error => Self::Error,
            CancellableStatus::Completed => Self::Completed,
        }
    }
}

impl From<Settlement> for RunState {
    fn from(settlement: Settlement) -> Self {
        match settlement {
            Settlement::Cancelled => Self::Cancelled,
            Settlement::Restored(previous) => previous.into(),
        }
    }
}

/// A journal run and its summary journal entries: the aggregate every command goes through.
///
/// Change it only with [`decide`](Self::decide) and [`apply`](Self::apply) (or
/// [`execute`](Self::execute), which does both).
///
/// # Invariants
///
/// - Entries are held in strictly ascending entry-number order: no number twice.
/// - A Pending or Processing run holds no entries; neither does a deleted one.
/// - A Cancelled or DeleteInprogress run holds only cancelled entries (INV-1).
/// - While a job runs, its position is at most the number of entries.
/// - The count of cancelled entries is kept as entries change and always equals a recount
///   (it is not serialized; deserializing recounts).
///
/// Every constructor, deserialization included, checks these; `apply` keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RunRepr", into = "RunRepr")]
pub struct JournalRun {
    pub(crate) number: JournalRunNumber,
    pub(crate) organizations: Vec<OrgId>,
    pub(crate) state: RunState,
    pub(crate) entries: Vec<JournalEntry>,
    pub(crate) cancelled: usize,
}

/// The serialized form of a [`JournalRun`]: everything but the derived count.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RunRepr {
    number: JournalRunNumber,
    #[serde(default)]
    organizations: Vec<OrgId>,
    state: RunState,
    entries: Vec<JournalEntry>,
}

impl TryFrom<RunRepr> for JournalRun {
    type Error = SnapshotError;
    fn try_from(repr: RunRepr) -> Result<Self, Self::Error> {
        Self::from_snapshot(repr.number, repr.organizations, repr.state, repr.entries)
    }
}

impl From<JournalRun> for RunRepr {
    fn from(run: JournalRun) -> Self {
        Self {
            number: run.number,
            organizations: run.organizations,
            state: run.state,
            entries: run.entries,
        }
    }
}

impl JournalRun {
    /// A new run as Zuora creates it: Pending, with no entries.
    ///
    /// `organizations` are its organization labels (Multi-Org); empty when Multi-Org is off.
    #[must_use]
    pub fn new(number: JournalRunNumber, organizations: Vec<OrgId>) -> Self {
        Self {
            number,
            organizations,
            state: RunState::Pending,
            entries: Vec::new(),
            cancelled: 0,
        }
    }

    /// A run rebuilt from a snapshot: its state and its entries, in any order.
    ///
    /// # Errors
    ///
    /// A [`SnapshotError`] when the snapshot breaks an invariant of the type.
    pub fn from_snapshot(
        number: JournalRunNumber,
        organizations: Vec<OrgId>,
        state: RunState,
        entries: Vec<JournalEntry>,
    ) -> Result<Self, SnapshotError> {
        let (run, violations) = Self::audit_snapshot(number, organizations, state, entries);
        if violations.is_empty() {
            Ok(run)
        } else {
            Err(SnapshotError { violations })
        }
    }

    /// A run rebuilt from a snapshot *as given*, with every invariant the snapshot breaks
    /// ([`check_state`](crate::invariants::check_state)): what an auditor needs, where
    /// [`from_snapshot`](Self::from_snapshot) refuses such a snapshot.
    ///
    /// The entries are sorted by number, as in every run; an entry listed twice is kept twice
    /// (and reported as INV-10). When the violations are not empty, the run breaks the type's
    /// invariants: use it only to audit (read it, pass it to
    /// [`check_transition`](crate::invariants::check_transition)), never to decide or apply
    /// commands. When they are empty, the run is exactly the one `from_snapshot` returns.
    ///
    /// ```
    /// use journal_run::{JournalEntry, JournalRun, RunState};
    ///
    /// // A Cancelled run that still holds a Created entry: `from_snapshot` refuses it.
    /// let entry = JournalEntry::new("JE-00000001".parse()?);
    /// let (run, violations) =
    ///     JournalRun::audit_snapshot("JR-00000001".parse()?, vec![], RunState::Cancelled, vec![entry]);
    /// assert_eq!(run.entries(), &[entry]);
    /// assert_eq!(violations.len(), 1);
    /// assert_eq!(violations[0].invariant.id(), "INV-1");
    /// assert_eq!(violations[0].entries, vec![entry.number]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn audit_snapshot(
        number: JournalRunNumber,
        organizations: Vec<OrgId>,
        state: RunState,
        mut entries: Vec<JournalEntry>,
    ) -> (Self, Vec<crate::invariants::Violation>) {
        entries.sort_unstable_by_key(|e| e.number);
        let cancelled = entries.iter().filter(|e| e.is_cancelled()).count();
        let run = Self {
            number,
            organizations,
            state,
            entries,
            cancelled,
        };
        let violations = crate::invariants::check_state(&run);
        (run, violations)
    }

    /// The run's number.
    #[must_use]
    pub const fn number(&self) -> JournalRunNumber {
        self.number
    }

    /// The run's organization labels (empty when Multi-Org is off).
    #[must_use]
    pub fn organizations(&self) -> &[OrgId] {
        &self.organizations
    }

    /// The run's life-cycle state.
    #[must_use]
    pub const fn state(&self) -> &RunState {
        &self.state
    }

    /// The status Zuora reports; `None` once the run is deleted.
    #[must_use]
    pub const fn status(&self) -> Option<JournalRunStatus> {
        self.state.status()
    }

    /// The entries, in ascending entry-number order.
    #[must_use]
    pub fn entries(&self) -> &[JournalEntry] {
        &self.entries
    }

    /// The entry with this number, if the run holds it. O(log n).
    #[must_use]
    pub fn entry(&self, number: JournalEntryNumber) -> Option<&JournalEntry> {
        self.position(number).and_then(|i| self.entries.get(i))
    }

    pub(crate) fn position(&self, number: JournalEntryNumber) -> Option<usize> {
        self.entries
            .binary_search_by_key(&number, |e| e.number)
            .ok()
    }

    /// How many entries are cancelled. O(1): kept as entries change.
    #[must_use]
    pub const fn cancelled_count(&self) -> usize {
        self.cancelled
    }

    /// The running cancellation job, if any.
    #[must_use]
    pub const fn job(&self) -> Option<&CancellationJob> {
        match &self.state {
            RunState::CancelInprogress(job) => Some(job),
            RunState::Pending
            | RunState::Processing
            | RunState::Completed
            | RunState::Error
            | RunState::Cancelled
            | RunState::DeleteInprogress
            | RunState::Deleted => None,
        }
    }

    /// How the running job would settle with the entries as they are now; `None` when no job
    /// runs. O(1).
    #[must_use]
    pub const fn settlement(&self) -> Option<Settlement> {
        match self.job() {
            Some(job) => Some(Settlement::of(
                job.previous,
                self.cancelled,
                self.entries.len(),
            )),
            None => None,
        }
    }
}
