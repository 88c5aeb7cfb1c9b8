//! The aggregate: one journal run, its entries, and its cancellation job.

use serde::{Deserialize, Serialize};

use crate::cancellation::{CancellationJob, Settlement};
use crate::entry::JournalEntry;
use crate::headers::{EntityId, OrgId};
use crate::lifecycle::RunState;
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::status::JournalRunStatus;

/// The read accessors a run and a snapshot of one share, written once.
macro_rules! run_accessors {
    ($deleted: literal) => {
        /// The run's number.
        #[must_use]
        pub const fn number(&self) -> JournalRunNumber {
            self.number
        }

        /// The entity the run belongs to (Multi-entity); `None` when Multi-entity is off.
        #[must_use]
        pub const fn entity(&self) -> Option<&EntityId> {
            self.entity.as_ref()
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

        #[doc = concat!("The status Zuora reports; `None` ", $deleted, ".")]
        #[must_use]
        pub const fn status(&self) -> Option<JournalRunStatus> {
            self.state.status()
        }

        /// The entries, in ascending entry-number order.
        #[must_use]
        pub fn entries(&self) -> &[JournalEntry] {
            &self.entries
        }
    };
}

/// A run as given, from an export or another system, whose invariants are not known to hold:
/// what an auditor reads.
///
/// It holds anything a snapshot can say; [`violations`](Self::violations) lists the
/// invariants it breaks, and [`JournalRun::try_from`] turns it into a run that obeys the rules
/// when it breaks none. It cannot be driven by commands: only a [`JournalRun`] can.
///
/// ```
/// use journal_run::{JournalEntry, JournalRun, RunState, UncheckedRun};
///
/// // A Cancelled run that still holds a Created entry: no `JournalRun` can be built from it.
/// let entry = JournalEntry::new("JE-00000001".parse()?);
/// let snapshot = UncheckedRun::new("JR-00000001".parse()?, RunState::Cancelled, vec![entry]);
/// let violations = snapshot.violations();
/// assert_eq!(violations.len(), 1);
/// assert_eq!(violations[0].invariant.id(), "INV-1");
/// assert_eq!(violations[0].entries, vec![entry.number]);
/// assert!(JournalRun::try_from(snapshot).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UncheckedRun {
    pub(crate) number: JournalRunNumber,
    pub(crate) entity: Option<EntityId>,
    pub(crate) organizations: Vec<OrgId>,
    pub(crate) state: RunState,
    pub(crate) entries: Vec<JournalEntry>,
}

impl UncheckedRun {
    /// A snapshot of run `number` in `state` with these entries, in any order (they are sorted
    /// by number; an entry listed twice is kept twice, and reported as INV-10). No entity and no
    /// organization labels: see [`with_entity`](Self::with_entity) and
    /// [`with_organizations`](Self::with_organizations).
    #[must_use]
    pub fn new(number: JournalRunNumber, state: RunState, mut entries: Vec<JournalEntry>) -> Self {
        entries.sort_unstable_by_key(|e| e.number);
        Self {
            number,
            entity: None,
            organizations: Vec::new(),
            state,
            entries,
        }
    }

    /// The same snapshot, in entity `entity` (Multi-entity), or in none.
    #[must_use]
    pub fn with_entity(mut self, entity: Option<EntityId>) -> Self {
        self.entity = entity;
        self
    }

    /// The same snapshot, with these organization labels (Multi-Org).
    #[must_use]
    pub fn with_organizations(mut self, organizations: Vec<OrgId>) -> Self {
        self.organizations = organizations;
        self
    }

    run_accessors!("for a deleted run");
}

/// Any snapshot, sound or not: a number, an entity or none, organization labels, a state and
/// entries in any order (sorted, as [`UncheckedRun::new`] sorts them). Feature `arbitrary`.
#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for UncheckedRun {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let number = u.arbitrary()?;
        let entity = u.arbitrary()?;
        let organizations = u.arbitrary()?;
        let state = u.arbitrary()?;
        let entries = u.arbitrary()?;
        Ok(Self::new(number, state, entries)
            .with_entity(entity)
            .with_organizations(organizations))
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
/// - A Pending run holds no entries; neither does a deleted one.
/// - A Cancelled or DeleteInprogress run holds only cancelled entries (INV-1).
/// - While a known job runs, its position is at most the number of entries.
/// - The count of cancelled entries is kept as entries change and always equals a recount
///   (it is not serialized; deserializing recounts).
///
/// Every constructor, deserialization included, checks these; `apply` keeps them. The
/// constructors that check a snapshot ([`TryFrom<UncheckedRun>`](TryFrom),
/// [`from_snapshot`](Self::from_snapshot), `Deserialize`) are defined with the invariants they
/// check, in [`invariants`](crate::invariants).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "RunRepr")]
pub struct JournalRun {
    pub(crate) number: JournalRunNumber,
    pub(crate) entity: Option<EntityId>,
    pub(crate) organizations: Vec<OrgId>,
    pub(crate) state: RunState,
    pub(crate) entries: Vec<JournalEntry>,
    pub(crate) cancelled: usize,
}

/// The serialized form of a [`JournalRun`]: everything but the derived count.
#[derive(Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a journal run"
)]
pub(crate) struct RunRepr {
    pub(crate) number: JournalRunNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) entity: Option<EntityId>,
    #[serde(default)]
    pub(crate) organizations: Vec<OrgId>,
    pub(crate) state: RunState,
    pub(crate) entries: Vec<JournalEntry>,
}

impl From<JournalRun> for RunRepr {
    fn from(run: JournalRun) -> Self {
        Self {
            number: run.number,
            entity: run.entity,
            organizations: run.organizations,
            state: run.state,
            entries: run.entries,
        }
    }
}

impl From<JournalRun> for UncheckedRun {
    fn from(run: JournalRun) -> Self {
        Self {
            number: run.number,
            entity: run.entity,
            organizations: run.organizations,
            state: run.state,
            entries: run.entries,
        }
    }
}

impl JournalRun {
    /// A new run as Zuora creates it: Pending, with no entries, in no entity.
    ///
    /// `organizations` are its organization labels (Multi-Org); empty when Multi-Org is off.
    /// A run of a Multi-entity tenant is created by [`crate::tenant::create_run`], which
    /// places it in the request's entity.
    #[must_use]
    pub fn new(number: JournalRunNumber, organizations: Vec<OrgId>) -> Self {
        Self {
            number,
            entity: None,
            organizations,
            state: RunState::Pending,
            entries: Vec::new(),
            cancelled: 0,
        }
    }

    run_accessors!("once the run is deleted");

    /// Whether the run is found from `entity` (the entity a request acts in; `None` when
    /// Multi-entity is off): a run belongs to the entity it was created in and is found only
    /// from there; a run that belongs to no entity is found from every entity. The one place
    /// this rule lives (docs/DECISIONS.md, D-13).
    #[must_use]
    pub fn in_entity(&self, entity: Option<&EntityId>) -> bool {
        self.entity.as_ref().is_none_or(|own| entity == Some(own))
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

    /// The running cancellation job, if one runs and its state is known.
    #[must_use]
    pub const fn job(&self) -> Option<&CancellationJob> {
        self.state.known_job()
    }

    /// How the running job would settle with the entries as they are now; `None` when no job
    /// runs or its state is unknown. O(1).
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

/// What the auditor reads of a run: a [`JournalRun`] or an [`UncheckedRun`].
///
/// Sealed: only this crate's two run types implement it. The invariant checks
/// ([`check_state`](crate::invariants::check_state) and the transition checks) take either.
pub trait Auditable: sealed::Sealed {
    /// The run's number.
    fn number(&self) -> JournalRunNumber;
    /// The run's life-cycle state.
    fn state(&self) -> &RunState;
    /// The entries, in ascending entry-number order (an unchecked run may repeat one).
    fn entries(&self) -> &[JournalEntry];
    /// The kept count of cancelled entries, for a [`JournalRun`]; `None` for a snapshot, which
    /// keeps none.
    fn kept_cancelled_count(&self) -> Option<usize>;
}

impl Auditable for JournalRun {
    fn number(&self) -> JournalRunNumber {
        self.number
    }
    fn state(&self) -> &RunState {
        &self.state
    }
    fn entries(&self) -> &[JournalEntry] {
        &self.entries
    }
    fn kept_cancelled_count(&self) -> Option<usize> {
        Some(self.cancelled)
    }
}

impl Auditable for UncheckedRun {
    fn number(&self) -> JournalRunNumber {
        self.number
    }
    fn state(&self) -> &RunState {
        &self.state
    }
    fn entries(&self) -> &[JournalEntry] {
        &self.entries
    }
    fn kept_cancelled_count(&self) -> Option<usize> {
        None
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::JournalRun {}
    impl Sealed for super::UncheckedRun {}
}
