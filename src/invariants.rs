//! The invariants of docs/INVARIANTS.md as executable checks: the auditor.
//!
//! [`check_state`] checks one state (a live run, a deserialized one, or a snapshot of a real
//! export); [`check_transition`] checks that one state can follow another. Tests, the fuzz
//! targets, the simulator and the command-line `audit` all call these two functions, so an
//! invariant is stated in code exactly once.
//!
//! A [`JournalRun`] is built from a snapshot only through these checks: the checked
//! constructors ([`JournalRun::try_from`] an [`UncheckedRun`], [`JournalRun::from_snapshot`],
//! deserialization) live here, with the invariants they check, so that the aggregate below
//! never calls up into the auditor.

use core::fmt;

use serde::{Deserialize, Serialize};
use strum::{EnumCount, VariantArray};

use crate::cancellation::{CancellableStatus, Job};
use crate::entry::JournalEntry;
use crate::headers::OrgId;
use crate::lifecycle::RunState;
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::run::{Auditable, JournalRun, RunRepr, UncheckedRun};

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
    /// INV-10: no entry is listed twice; a Pending or deleted run holds none; a known job's
    /// position is within the entries, and a known job started from Pending has none.
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

/// Every invariant one state breaks (empty when it is sound): of a [`JournalRun`]
/// or of an [`UncheckedRun`] read from an export. O(n) in the entries.
///
/// Only Zuora's documented rules and what a run's own state says are checked: a Processing run
/// may list entries (Zuora creates them while processing), and a `CancelInprogress` run whose
/// job is unknown (Zuora's export) is checked for everything but the job.
#[must_use]
pub fn check_state<R: Auditable + ?Sized>(run: &R) -> Vec<Violation> {
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
            "journal entries are listed twice".to_owned(),
        ));
    }
    match run.state() {
        RunState::Pending | RunState::Deleted if !entries.is_empty() => {
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
        RunState::CancelInprogress(Job::Known(job)) if job.next > entries.len() => {
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
        RunState::CancelInprogress(Job::Known(job))
            if job.previous == CancellableStatus::Pending && !entries.is_empty() =>
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
    if let Some(kept) = run.kept_cancelled_count() {
        let recount = entries.iter().filter(|e| e.is_cancelled()).count();
        if recount != kept {
            found.push(violation(
                Invariant::CancelledCountIsExact,
                Vec::new(),
                format!("the kept count of cancelled entries is {kept}, a recount gives {recount}"),
            ));
        }
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
/// after `before` (INV-2, INV-3, INV-11). O((n + m) log(n + m)) in the entries of both.
///
/// INV-3 (an entry that was Yes or Processing became cancelled) holds only between adjacent
/// states: over several commands, Transferred to Accounting can legitimately move away from
/// Yes (with the Override permission) before the entry is cancelled. For states any number of
/// commands apart, such as two snapshots of an export, use [`check_history`].
#[must_use]
pub fn check_transition<A, B>(before: &A, after: &B) -> Vec<Violation>
where
    A: Auditable + ?Sized,
    B: Auditable + ?Sized,
{
    transition_violations(before, after, Adjacency::OneCommand)
}

/// Every invariant broken by `after` following `before` by any number of commands (INV-2,
/// INV-11): what can be checked between two snapshots of a run taken at different times.
/// O((n + m) log(n + m)) in the entries of both.
#[must_use]
pub fn check_history<A, B>(before: &A, after: &B) -> Vec<Violation>
where
    A: Auditable + ?Sized,
    B: Auditable + ?Sized,
{
    transition_violations(before, after, Adjacency::AnyNumber)
}

/// How far apart the two states of a transition check are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Adjacency {
    OneCommand,
    AnyNumber,
}

fn transition_violations<A, B>(before: &A, after: &B, adjacency: Adjacency) -> Vec<Violation>
where
    A: Auditable + ?Sized,
    B: Auditable + ?Sized,
{
    let mut found = Vec::new();
    let mut changed_after_cancel = Vec::new();
    let mut cancelled_while_transferred = Vec::new();
    let mut came_back = Vec::new();
    // Each list is ascending, and may list an entry twice (INV-10, found by the state check):
    // every copy is compared with every copy of the same number, and an entry is named once.
    fn listed(
        entries: &[JournalEntry],
        number: JournalEntryNumber,
    ) -> impl Iterator<Item = &JournalEntry> {
        let from = entries.partition_point(|e| e.number < number);
        let rest = entries.get(from..).unwrap_or_default();
        rest.iter().take_while(move |e| e.number == number)
    }
    let name = |list: &mut Vec<JournalEntryNumber>, number| {
        if list.last() != Some(&number) {
            list.push(number);
        }
    };
    for old in before.entries() {
        for new in listed(after.entries(), old.number) {
            if old.is_cancelled() && new != old {
                name(&mut changed_after_cancel, old.number);
            }
            if !old.is_cancelled()
                && new.is_cancelled()
                && old.transferred_to_accounting.blocks_cancellation()
            {
                name(&mut cancelled_while_transferred, old.number);
            }
        }
    }
    // An entry that `after` holds and `before` did not can only come from processing, so only
    // a Pending or Processing run gains entries.
    if !matches!(before.state(), RunState::Pending | RunState::Processing) {
        for new in after.entries() {
            if listed(before.entries(), new.number).next().is_none() {
                name(&mut came_back, new.number);
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
/// legal transitions (including none): the closure of the life cycle, which is stated once,
/// in the rules' `lifecycle::step` function (src/lifecycle.rs). Statuses only: a snapshot history cannot
/// show the job's position, so two `CancelInprogress` states always can follow each other; a
/// job whose state is unknown may restore Completed or Error.
#[must_use]
pub fn status_can_follow(before: &RunState, after: &RunState) -> bool {
    crate::lifecycle::can_follow(before, after)
}

/// A snapshot (a run and its entries, from a file or another system) that breaks the
/// invariants, so no run can be built from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the snapshot breaks {}", list(.violations))]
#[non_exhaustive]
pub struct SnapshotError {
    /// Every invariant broken, from [`check_state`].
    pub violations: Vec<Violation>,
}

fn list(violations: &[Violation]) -> String {
    let parts: Vec<String> = violations.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

impl UncheckedRun {
    /// Every invariant the snapshot breaks (empty when a [`JournalRun`] can be built from it):
    /// [`check_state`].
    #[must_use]
    pub fn violations(&self) -> Vec<Violation> {
        check_state(self)
    }
}

impl TryFrom<UncheckedRun> for JournalRun {
    type Error = SnapshotError;

    /// The run, when the snapshot breaks no invariant.
    fn try_from(snapshot: UncheckedRun) -> Result<Self, Self::Error> {
        let violations = snapshot.violations();
        if !violations.is_empty() {
            return Err(SnapshotError { violations });
        }
        let cancelled = snapshot.entries.iter().filter(|e| e.is_cancelled()).count();
        Ok(Self {
            number: snapshot.number,
            entity: snapshot.entity,
            organizations: snapshot.organizations,
            state: snapshot.state,
            entries: snapshot.entries,
            cancelled,
        })
    }
}

/// The repair the generators make (features `arbitrary` and `proptest`).
#[cfg(any(feature = "arbitrary", feature = "proptest"))]
impl UncheckedRun {
    /// The nearest snapshot that breaks no invariant of [`check_state`]: an entry listed twice
    /// is kept once; a run that holds no entries (Pending, deleted, in a job started from
    /// Pending) holds none; a Cancelled or DeleteInprogress run's entries are cancelled; a
    /// cancelled entry that shows Yes or Processing shows No, the value it could have been
    /// cancelled with (INV-3); a known job's position is within the entries.
    pub(crate) fn repaired(mut self) -> Self {
        use crate::status::{JournalEntryStatus, TransferredToAccounting};
        self.entries.dedup_by_key(|entry| entry.number);
        let (holds_none, cancels_all) = match &self.state {
            RunState::Pending | RunState::Deleted => (true, false),
            RunState::CancelInprogress(Job::Known(job)) => {
                (job.previous == CancellableStatus::Pending, false)
            }
            RunState::Cancelled | RunState::DeleteInprogress => (false, true),
            RunState::Processing
            | RunState::Completed
            | RunState::Error
            | RunState::CancelInprogress(Job::Unknown) => (false, false),
        };
        if holds_none {
            self.entries.clear();
        }
        for entry in &mut self.entries {
            if cancels_all {
                entry.status = JournalEntryStatus::Cancelled;
            }
            if entry.is_cancelled() && entry.transferred_to_accounting.blocks_cancellation() {
                entry.transferred_to_accounting = TransferredToAccounting::No;
            }
        }
        if let RunState::CancelInprogress(Job::Known(job)) = &mut self.state {
            job.next %= self.entries.len().saturating_add(1);
        }
        self
    }
}

/// Any run that obeys the rules, in any state: an arbitrary [`UncheckedRun`] made sound (an
/// entry listed twice kept once, entries dropped or cancelled where the state says, a
/// cancelled entry showing No rather than Yes or Processing, a job's position within the
/// entries). Feature `arbitrary`.
#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for JournalRun {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let snapshot: UncheckedRun = u.arbitrary()?;
        Self::try_from(snapshot.repaired()).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl JournalRun {
    /// A run rebuilt from a snapshot: its state and its entries, in any order, in no entity.
    /// The same as `JournalRun::try_from(UncheckedRun::new(..).with_organizations(..))`.
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
        UncheckedRun::new(number, state, entries)
            .with_organizations(organizations)
            .try_into()
    }
}

/// A serialized run is read through the checks: the same as serde's `try_from` from its
/// serialized form, with the [`SnapshotError`]'s message as the error.
impl<'de> Deserialize<'de> for JournalRun {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = RunRepr::deserialize(deserializer)?;
        UncheckedRun::new(repr.number, repr.state, repr.entries)
            .with_entity(repr.entity)
            .with_organizations(repr.organizations)
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}
