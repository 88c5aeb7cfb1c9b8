//! The invariants of docs/INVARIANTS.md as executable checks: the auditor.
//!
//! [`check_state`] checks one state (a live run, a deserialized one, or a snapshot of a real
//! export); [`check_transition`] checks that one state can follow another. Tests, the fuzz
//! targets, the simulator and the command-line `audit` all call these two functions, so an
//! invariant is stated in code exactly once.

use core::fmt;

use serde::{Deserialize, Serialize};
use strum::{EnumCount, VariantArray};

use crate::number::JournalEntryNumber;
use crate::run::{JournalRun, RunState};

/// An invariant of docs/INVARIANTS.md that a state or a transition can break.
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
    VariantArray,
    EnumCount,
)]
pub enum Invariant {
    /// INV-1: a run is never Cancelled (or DeleteInprogress) while any of its entries is not
    /// cancelled.
    CancelledRunHasOnlyCancelledEntries,
    /// INV-2: a cancelled entry never comes back, and its Transferred to Accounting never
    /// changes.
    CancelledEntryIsFinal,
    /// INV-3: an entry whose Transferred to Accounting is Yes or Processing is never cancelled.
    TransferredEntryIsNeverCancelled,
    /// INV-10: entries are in strictly ascending number order (no number twice); a Pending,
    /// Processing or deleted run holds none; a job's position is within the entries.
    WellFormed,
    /// INV-9: the kept count of cancelled entries equals a recount.
    CancelledCountIsExact,
    /// INV-11: a run's status only moves along the documented life cycle (a Cancelled run
    /// never becomes Completed, Error or Pending again; a deleted run never returns).
    LifeCycle,
}

impl Invariant {
    /// The invariant's id in docs/INVARIANTS.md, such as `INV-1`.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::CancelledRunHasOnlyCancelledEntries => "INV-1",
            Self::CancelledEntryIsFinal => "INV-2",
            Self::TransferredEntryIsNeverCancelled => "INV-3",
            Self::CancelledCountIsExact => "INV-9",
            Self::WellFormed => "INV-10",
            Self::LifeCycle => "INV-11",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One broken invariant: which, the entries involved, and what was seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// The invariant broken.
    pub invariant: Invariant,
    /// The entries involved (empty when the fault is the run's).
    pub entries: Vec<JournalEntryNumber>,
    /// What was seen, in words.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.invariant, self.detail)
    }
}

fn violation(invariant: Invariant, entries: Vec<JournalEntryNumber>, detail: String) -> Violation {
    Violation {
        invariant,
        entries,
        detail,
    }
}

/// Every invariant one state breaks (empty when it is sound). O(n) in the entries.
#[must_use]
pub fn check_state(run: &JournalRun) -> Vec<Violation> {
    let mut found = Vec::new();
    let entries = run.entries();
    let repeated: Vec<JournalEntryNumber> = entries
        .windows(2)
        .filter_map(|pair| match pair {
            [a, b] if a.number >= b.number => Some(b.number),
            _ => None,
        })
        .collect();
    if !repeated.is_empty() {
        found.push(violation(
            Invariant::WellFormed,
            repeated,
            "entries are listed twice or out of order".to_owned(),
        ));
    }
    match run.state() {
        RunState::Pending | RunState::Processing | RunState::Deleted if !entries.is_empty() => {
            found.push(violation(
                Invariant::WellFormed,
                Vec::new(),
                format!(
                    "a {} run holds no entries, but {} are listed",
                    run.state().name(),
                    entries.len()
                ),
            ));
        }
        RunState::CancelInprogress(job) if job.next > entries.len() => {
            found.push(violation(
                Invariant::WellFormed,
                Vec::new(),
                format!(
                    "the cancellation job is at position {}, past the run's {} entries",
                    job.next,
                    entries.len()
                ),
            ));
        }
        // A job started from Pending started from a run with no entries, and settling it
        // restores Pending, which holds none.
        RunState::CancelInprogress(job)
            if job.previous == crate::CancellableStatus::Pending && !entries.is_empty() =>
        {
            found.push(violation(
                Invariant::WellFormed,
                Vec::new(),
                format!(
                    "a cancellation job started from Pending, but the run holds {} entries",
                    entries.len()
                ),
            ));
        }
        RunState::Cancelled | RunState::DeleteInprogress => {
            let uncancelled: Vec<JournalEntryNumber> = entries
                .iter()
                .filter(|e| !e.is_cancelled())
                .map(|e| e.number)
                .collect();
            if !uncancelled.is_empty() {
                found.push(violation(
                    Invariant::CancelledRunHasOnlyCancelledEntries,
                    uncancelled.clone(),
                    format!(
                        "the run is {} but {} of its entries {} not cancelled",
                        run.state().name(),
                        uncancelled.len(),
                        if uncancelled.len() == 1 { "is" } else { "are" }
                    ),
                ));
            }
        }
        RunState::Pending
        | RunState::Processing
        | RunState::Completed
        | RunState::Error
        | RunState::CancelInprogress(_)
        | RunState::Deleted => {}
    }
    // Transferred to Accounting is frozen once an entry is cancelled (INV-2), so a cancelled
    // entry that shows Yes or Processing showed it when it was cancelled.
    let cancelled_while_transferred: Vec<JournalEntryNumber> = entries
        .iter()
        .filter(|e| e.is_cancelled() && e.transferred_to_accounting.blocks_cancellation())
        .map(|e| e.number)
        .collect();
    if !cancelled_while_transferred.is_empty() {
        found.push(violation(
            Invariant::TransferredEntryIsNeverCancelled,
            cancelled_while_transferred,
            "a cancelled entry's Transferred to Accounting is Yes or Processing, so it was cancelled while transferred"
                .to_owned(),
        ));
    }
    let recount = entries.iter().filter(|e| e.is_cancelled()).count();
    if recount != run.cancelled_count() {
        found.push(violation(
            Invariant::CancelledCountIsExact,
            Vec::new(),
            format!(
                "the kept count of cancelled entries is {}, a recount gives {recount}",
                run.cancelled_count()
            ),
        ));
    }
    found
}

/// The violation of INV-10 when a run's document declares `declared` entries
/// (`totalJournalEntryCount`) but `given` entries are listed with it: a snapshot that lists
/// its entries once each lists exactly the run's entries. `None` when they agree.
///
/// Only a document shows this fault (a [`JournalRun`] holds its entries, not a count), so
/// readers of Zuora's documents check it; O(1).
///
/// ```
/// use journal_run::invariants::check_declared_count;
///
/// assert_eq!(check_declared_count(10, 10), None);
/// let violation = check_declared_count(10, 9).map(|v| (v.invariant.id(), v.detail));
/// assert_eq!(
///     violation,
///     Some(("INV-10", "the run's totalJournalEntryCount is 10, but 9 journal entries are listed".to_owned()))
/// );
/// ```
#[must_use]
pub fn check_declared_count(declared: u64, given: usize) -> Option<Violation> {
    let agrees = u64::try_from(given).is_ok_and(|given| given == declared);
    (!agrees).then(|| {
        violation(
            Invariant::WellFormed,
            Vec::new(),
            format!(
                "the run's totalJournalEntryCount is {declared}, but {given} journal {} listed",
                if given == 1 {
                    "entry is"
                } else {
                    "entries are"
                }
            ),
        )
    })
}

/// Every invariant broken by `after` following `before` when `after` is the state one command
/// after `before` (INV-2, INV-3, INV-11). O(n + m) in the entries of both.
///
/// INV-3 (an entry that was Yes or Processing became cancelled) holds only between adjacent
/// states: over several commands, Transferred to Accounting can legitimately move away from
/// Yes (with the Override permission) before the entry is cancelled. For states any number of
/// commands apart, such as two snapshots of an export, use [`check_history`].
#[must_use]
pub fn check_transition(before: &JournalRun, after: &JournalRun) -> Vec<Violation> {
    transition_violations(before, after, Adjacency::OneCommand)
}

/// Every invariant broken by `after` following `before` by any number of commands (INV-2,
/// INV-11): what can be checked between two snapshots of a run taken at different times.
/// O(n + m) in the entries of both.
#[must_use]
pub fn check_history(before: &JournalRun, after: &JournalRun) -> Vec<Violation> {
    transition_violations(before, after, Adjacency::AnyNumber)
}

/// How far apart the two states of a transition check are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Adjacency {
    OneCommand,
    AnyNumber,
}

fn transition_violations(
    before: &JournalRun,
    after: &JournalRun,
    adjacency: Adjacency,
) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut changed_after_cancel = Vec::new();
    let mut cancelled_while_transferred = Vec::new();
    let mut came_back = Vec::new();
    let mut later = after.entries().iter().peekable();
    for old in before.entries() {
        // Both lists are ascending: walk them together.
        while later.next_if(|new| new.number < old.number).is_some() {}
        if let Some(new) = later.next_if(|new| new.number == old.number) {
            if old.is_cancelled() && new != old {
                changed_after_cancel.push(old.number);
            }
            if !old.is_cancelled()
                && new.is_cancelled()
                && old.transferred_to_accounting.blocks_cancellation()
            {
                cancelled_while_transferred.push(old.number);
            }
        }
    }
    // An entry that `after` holds and `before` did not can only come from processing, which
    // starts from a run with no entries.
    if !before.entries().is_empty() || before.state() == &RunState::Deleted {
        let mut earlier = before.entries().iter().peekable();
        for new in after.entries() {
            while earlier.next_if(|old| old.number < new.number).is_some() {}
            if earlier.next_if(|old| old.number == new.number).is_none() {
                came_back.push(new.number);
            }
        }
    }
    if !changed_after_cancel.is_empty() {
        found.push(violation(
            Invariant::CancelledEntryIsFinal,
            changed_after_cancel,
            "a cancelled entry changed (its status or Transferred to Accounting)".to_owned(),
        ));
    }
    if !came_back.is_empty() {
        found.push(violation(
            Invariant::CancelledEntryIsFinal,
            came_back,
            "an entry appeared that the run did not hold before (a deleted entry cannot come back)"
                .to_owned(),
        ));
    }
    if adjacency == Adjacency::OneCommand && !cancelled_while_transferred.is_empty() {
        found.push(violation(
            Invariant::TransferredEntryIsNeverCancelled,
            cancelled_while_transferred,
            "an entry whose Transferred to Accounting was Yes or Processing became cancelled"
                .to_owned(),
        ));
    }
    if !status_can_follow(before.state(), after.state()) {
        found.push(violation(
            Invariant::LifeCycle,
            Vec::new(),
            format!(
                "the run went from {} to {}, which its life cycle does not allow",
                before.state().name(),
                after.state().name()
            ),
        ));
    }
    found
}

/// Whether a run in state `after` can be seen after one in state `before`, by any number of
/// legal transitions (including none). Statuses only: a snapshot history cannot show the
/// job's position, so two `CancelInprogress` states always can follow each other.
#[must_use]
pub const fn status_can_follow(before: &RunState, after: &RunState) -> bool {
    use RunState as S;
    // The order of the life cycle: Pending -> Processing -> Completed | Error, then a cancel
    // request (which may come back), then Cancelled -> DeleteInprogress -> Deleted.
    match (before, after) {
        (S::Deleted, S::Deleted) => true,
        (S::Deleted, _) => false,
        (_, S::Deleted) => true,
        (S::DeleteInprogress, S::DeleteInprogress) => true,
        (S::DeleteInprogress, _) => false,
        (_, S::DeleteInprogress) => true,
        (S::Cancelled, S::Cancelled) => true,
        (S::Cancelled, _) => false,
        (_, S::Cancelled) => true,
        (S::Pending, _) => true,
        (S::Processing, S::Pending) => false,
        (S::Processing, _) => true,
        // Completed and Error runs never go back to Pending or Processing, and a Completed run
        // never becomes Error or the reverse (a cancel restores the status it had).
        (S::Completed, S::Completed | S::CancelInprogress(_)) => true,
        (S::Error, S::Error | S::CancelInprogress(_)) => true,
        (S::Completed | S::Error, _) => false,
        // A job started from Pending never restores it: a Pending run holds no entries, so its
        // job settles Cancelled (D-5, INV-10).
        (S::CancelInprogress(_), S::Pending | S::Processing) => false,
        (S::CancelInprogress(job), S::Error) => {
            matches!(job.previous, crate::CancellableStatus::Error)
        }
        (S::CancelInprogress(job), S::Completed) => {
            matches!(job.previous, crate::CancellableStatus::Completed)
        }
        (S::CancelInprogress(_), S::CancelInprogress(_)) => true,
    }
}
