//! The [proptest](https://docs.rs/proptest) strategies this crate's own tests use, for those
//! who property-test their code around it (feature `proptest`, off by default).
//!
//! The values live in a small world, so that commands meet the run they name and the entries
//! it holds, and callers, request headers and a run's labels meet: runs are [`RUN`], their
//! entries are numbered from 1 to [`HELD_ENTRIES`] and commands name entries from 1 to
//! [`ENTRY_NUMBERS`] (so sometimes one the run does not hold); orgs come from [`ORGS`] and
//! entities from [`ENTITIES`], with [`FOREIGN_ORG`] and [`FOREIGN_ENTITY`] that no caller
//! holds.
//!
//! - [`run`]: a run that obeys the rules, in every state, with up to 12 entries in any mix of
//!   statuses and Transferred to Accounting values; [`run_with_a_job`], one whose entries a
//!   cancellation job works on.
//! - [`caller`] and [`any_caller`], [`scope`] and [`any_scope`]: who makes a request, and its
//!   scope headers.
//! - [`moves`], [`job_moves`], [`request_move`]: commands, each resolved against the run when
//!   it is made ([`Move::command`]), so that it names an entry the run holds at that moment.
//! - [`event`]: any event, fitting a run or not (what a foreign or corrupted log can hold).
//!
//! ```
//! use journal_run::strategy;
//! use journal_run::invariants::check_state;
//! use proptest::prelude::*;
//!
//! proptest!(|(run in strategy::run(), moves in strategy::moves())| {
//!     let mut run = run;
//!     for next in &moves {
//!         let command = next.command(&run);
//!         let _ = run.execute(&next.caller, &command);
//!         prop_assert_eq!(check_state(&run), vec![]);
//!     }
//! });
//! ```

use core::num::NonZeroU64;

use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use strum::VariantArray;

use crate::caller::{Caller, OrgAccess};
use crate::cancellation::{AttemptOutcome, CancellableStatus, CancellationJob, Job, Settlement};
use crate::command::{Command, CommandKind, CreateRun};
use crate::entry::{JournalEntry, TransferResult};
use crate::event::Event;
use crate::headers::{EntityId, OrgId, OrgIds, RequestScope};
use crate::lifecycle::RunState;
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::permission::{Permission, PermissionSet};
use crate::run::{JournalRun, UncheckedRun};
use crate::status::{JournalEntryStatus, TransferredToAccounting};

/// The number of every generated run: `JR-00000075`.
pub const RUN: JournalRunNumber = run_number(75);
/// Another run's number, which commands sometimes name: `JR-00000076`.
pub const OTHER_RUN: JournalRunNumber = run_number(76);
/// A generated run's entries are numbered from 1 to this.
pub const HELD_ENTRIES: u64 = 30;
/// Commands name entries from 1 to this: above [`HELD_ENTRIES`], one no run holds.
pub const ENTRY_NUMBERS: u64 = 40;
/// The orgs of callers, request headers and runs' labels.
pub const ORGS: [&str; 4] = ["org-a", "org-b", "org-c", "org-d"];
/// An org a request header sometimes names and no caller can access.
pub const FOREIGN_ORG: &str = "org-z";
/// The entities of callers' tokens and request headers.
pub const ENTITIES: [&str; 3] = ["ent-1", "ent-2", "ent-3"];
/// An entity a request header sometimes names and no token is valid for.
pub const FOREIGN_ENTITY: &str = "ent-9";

const fn run_number(value: u64) -> JournalRunNumber {
    match NonZeroU64::new(value) {
        Some(value) => JournalRunNumber::from_non_zero(value),
        None => JournalRunNumber::from_non_zero(NonZeroU64::MIN),
    }
}

/// Entry `JE-` `n`; the strategies draw `n` from 1.
fn entry_number(n: u64) -> JournalEntryNumber {
    JournalEntryNumber::from_non_zero(NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN))
}

/// The ids of `names`, every one valid.
fn ids<T: core::str::FromStr>(names: impl IntoIterator<Item = &'static str>) -> Vec<T> {
    names
        .into_iter()
        .filter_map(|name| name.parse().ok())
        .collect()
}

/// Any Transferred to Accounting value.
pub fn transferred_to_accounting() -> impl Strategy<Value = TransferredToAccounting> {
    select(TransferredToAccounting::VARIANTS)
}

/// Any status a run can be cancelled from.
pub fn cancellable_status() -> impl Strategy<Value = CancellableStatus> {
    select(vec![
        CancellableStatus::Pending,
        CancellableStatus::Error,
        CancellableStatus::Completed,
    ])
}

/// 0 to 12 entries with distinct numbers from 1 to [`HELD_ENTRIES`], each Created or (less
/// often) Cancelled, with any Transferred to Accounting value an entry can show (a cancelled
/// entry was cancelled while No, Error or Ignore, INV-3), in a random order: a snapshot may
/// list its entries in any order.
pub fn entries() -> impl Strategy<Value = Vec<JournalEntry>> {
    subsequence((1..=HELD_ENTRIES).collect::<Vec<u64>>(), 0..=12)
        .prop_flat_map(|numbers| {
            let n = numbers.len();
            (
                Just(numbers),
                proptest::collection::vec(
                    (prop::bool::weighted(0.3), transferred_to_accounting()),
                    n,
                ),
            )
        })
        .prop_map(|(numbers, attributes)| {
            numbers
                .into_iter()
                .zip(attributes)
                .map(|(n, (cancelled, tta))| JournalEntry {
                    number: entry_number(n),
                    status: if cancelled {
                        JournalEntryStatus::Cancelled
                    } else {
                        JournalEntryStatus::Created
                    },
                    transferred_to_accounting: reachable(cancelled, tta),
                })
                .collect::<Vec<_>>()
        })
        .prop_shuffle()
}

/// A Transferred to Accounting an entry can show: a cancelled entry was cancelled while No,
/// Error or Ignore and keeps that value (INV-3), so Yes and Processing become No.
const fn reachable(cancelled: bool, tta: TransferredToAccounting) -> TransferredToAccounting {
    match tta {
        TransferredToAccounting::Yes | TransferredToAccounting::Processing if cancelled => {
            TransferredToAccounting::No
        }
        TransferredToAccounting::No
        | TransferredToAccounting::Yes
        | TransferredToAccounting::Processing
        | TransferredToAccounting::Error
        | TransferredToAccounting::Ignore => tta,
    }
}

/// 0 to 2 organization labels from [`ORGS`].
pub fn labels() -> impl Strategy<Value = Vec<OrgId>> {
    subsequence(ORGS.to_vec(), 0..=2).prop_map(ids)
}

/// The state a generated run is in; a known job carries a seed for its position.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Pending,
    Processing,
    Completed,
    Error,
    Job(CancellableStatus, Index),
    /// `CancelInprogress` as Zuora exports it: the job's state unknown.
    UnknownJob,
    Cancelled,
    DeleteInprogress,
    Deleted,
}

fn job() -> impl Strategy<Value = Shape> {
    (cancellable_status(), any::<Index>()).prop_map(|(p, i)| Shape::Job(p, i))
}

/// Every state, Completed, Error and known jobs more often.
fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        1 => Just(Shape::Pending),
        1 => Just(Shape::Processing),
        3 => Just(Shape::Completed),
        2 => Just(Shape::Error),
        3 => job(),
        1 => Just(Shape::UnknownJob),
        1 => Just(Shape::Cancelled),
        1 => Just(Shape::DeleteInprogress),
        1 => Just(Shape::Deleted),
    ]
}

/// Runs that hold entries a job can work on: Completed, Error, or in a job.
fn job_shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        2 => Just(Shape::Completed),
        1 => Just(Shape::Error),
        2 => job(),
    ]
}

/// A run of the shape: entries are dropped where the state holds none, and cancelled where it
/// holds only cancelled ones ([`UncheckedRun::repaired`]); a job's position is within them.
fn build_run(
    shape: Shape,
    mut entries: Vec<JournalEntry>,
    labels: Vec<OrgId>,
) -> Option<JournalRun> {
    let holds_none = match shape {
        // A run cancelled from Pending was Pending: it holds no entries. A Processing run may
        // list the entries created so far.
        Shape::Pending | Shape::Deleted | Shape::Job(CancellableStatus::Pending, _) => true,
        Shape::Processing
        | Shape::Completed
        | Shape::Error
        | Shape::Job(CancellableStatus::Completed | CancellableStatus::Error, _)
        | Shape::UnknownJob
        | Shape::Cancelled
        | Shape::DeleteInprogress => false,
    };
    if holds_none {
        entries.clear();
    }
    let state = match shape {
        Shape::Pending => RunState::Pending,
        Shape::Processing => RunState::Processing,
        Shape::Completed => RunState::Completed,
        Shape::Error => RunState::Error,
        Shape::Job(previous, position) => RunState::CancelInprogress(Job::Known(CancellationJob {
            previous,
            next: position.index(entries.len().saturating_add(1)),
        })),
        Shape::UnknownJob => RunState::CancelInprogress(Job::Unknown),
        Shape::Cancelled => RunState::Cancelled,
        Shape::DeleteInprogress => RunState::DeleteInprogress,
        Shape::Deleted => RunState::Deleted,
    };
    let snapshot = UncheckedRun::new(RUN, state, entries).with_organizations(labels);
    JournalRun::try_from(snapshot.repaired()).ok()
}

fn run_of(shapes: impl Strategy<Value = Shape>) -> impl Strategy<Value = JournalRun> {
    (shapes, entries(), labels()).prop_filter_map(
        "every generated run obeys the rules",
        |(shape, entries, labels)| build_run(shape, entries, labels),
    )
}

/// A run that obeys the rules, in every state: Pending, Processing (listing the entries
/// created so far), Completed, Error, `CancelInprogress` with a known job at any position or
/// with a job whose state is unknown (as Zuora exports it), Cancelled, DeleteInprogress,
/// deleted. Number [`RUN`], up to 12 [`entries`], 0 to 2 [`labels`], no entity.
pub fn run() -> impl Strategy<Value = JournalRun> {
    run_of(shape())
}

/// A run whose entries a cancellation job works on: Completed, Error, or in a known job.
pub fn run_with_a_job() -> impl Strategy<Value = JournalRun> {
    run_of(job_shape())
}

fn org_access() -> impl Strategy<Value = OrgAccess> {
    prop_oneof![
        1 => Just(OrgAccess::All),
        2 => subsequence(ORGS.to_vec(), 0..=4)
            .prop_map(|orgs| OrgAccess::Only(ids(orgs).into_iter().collect())),
    ]
}

/// Any caller: random permissions (often all but one), access to every org or to some of
/// [`ORGS`], a token valid for no entity, one or two of [`ENTITIES`] (none or one more often,
/// so that later faults get their turn).
pub fn any_caller() -> impl Strategy<Value = Caller> {
    let permissions = prop_oneof![
        1 => Just(PermissionSet::ALL),
        2 => select(Permission::VARIANTS).prop_map(|p| PermissionSet::ALL.without(p)),
        2 => any::<u16>().prop_map(PermissionSet::from_bits_truncate),
    ];
    let entities = prop_oneof![
        2 => Just(vec![]),
        2 => select(ENTITIES.to_vec()).prop_map(|e| vec![e]),
        1 => subsequence(ENTITIES.to_vec(), 2),
    ];
    (permissions, org_access(), entities).prop_map(|(permissions, orgs, entities)| Caller {
        permissions,
        orgs,
        entities: ids(entities),
    })
}

/// Mostly a caller allowed everything ([`Caller::superuser`]), so that sequences get far;
/// sometimes [`any_caller`].
pub fn caller() -> impl Strategy<Value = Caller> {
    prop_oneof![3 => Just(Caller::superuser()), 2 => any_caller()]
}

/// Any scope headers: sometimes an entity (one of [`ENTITIES`] or [`FOREIGN_ENTITY`]), often
/// 1 to 3 orgs in any order (of [`ORGS`] and [`FOREIGN_ORG`]).
pub fn any_scope() -> impl Strategy<Value = RequestScope> {
    let mut entities = ENTITIES.to_vec();
    entities.push(FOREIGN_ENTITY);
    let mut orgs = ORGS.to_vec();
    orgs.push(FOREIGN_ORG);
    (
        proptest::option::weighted(0.3, select(entities)),
        proptest::option::of(subsequence(orgs, 1..=3).prop_shuffle()),
    )
        .prop_map(|(entity, orgs)| RequestScope {
            entity: entity.and_then(|id| EntityId::parse(id).ok()),
            orgs: orgs.and_then(|orgs| OrgIds::parse(&orgs.join(",")).ok()),
        })
}

/// Mostly no scope headers; sometimes [`any_scope`].
pub fn scope() -> impl Strategy<Value = RequestScope> {
    prop_oneof![3 => Just(RequestScope::default()), 1 => any_scope()]
}

/// The entries processing creates: 0 to 6 numbers from 1 to [`ENTRY_NUMBERS`] in any order,
/// sometimes one of them twice (which is rejected).
pub fn created_entries() -> impl Strategy<Value = Vec<JournalEntryNumber>> {
    (
        subsequence((1..=ENTRY_NUMBERS).collect::<Vec<u64>>(), 0..=6).prop_shuffle(),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(mut numbers, twice)| {
            if let (true, Some(&first)) = (twice, numbers.first()) {
                numbers.push(first);
            }
            numbers.into_iter().map(entry_number).collect()
        })
}

/// Which entry a command names: one the run holds (by position, at the time the command is
/// made), or a number the run probably does not hold.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Held(Index),
    Absent(u64),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        9 => any::<Index>().prop_map(Pick::Held),
        1 => (HELD_ENTRIES + 1..=ENTRY_NUMBERS).prop_map(Pick::Absent),
    ]
}

/// A command to make against a run, and who makes it. The command is resolved against the
/// run when it is made ([`Move::command`]): the entry it names is one the run holds at that
/// moment (by position), or, sometimes, one it does not hold.
#[derive(Debug, Clone)]
pub struct Move {
    /// The command's kind.
    pub kind: CommandKind,
    /// Who makes it.
    pub caller: Caller,
    pick: Pick,
    value: TransferredToAccounting,
    result: TransferResult,
    run: JournalRunNumber,
    scope: RequestScope,
    created: Vec<JournalEntryNumber>,
}

impl Move {
    /// The command, made now against `run`.
    #[must_use]
    pub fn command(&self, run: &JournalRun) -> Command {
        let entries = run.entries();
        let entry = match self.pick {
            Pick::Held(i) => entries
                .get(i.index(entries.len().max(1)))
                .map_or_else(|| entry_number(ENTRY_NUMBERS), |held| held.number),
            Pick::Absent(n) => entry_number(n),
        };
        let scope = self.scope.clone();
        match self.kind {
            CommandKind::CreateRun => Command::CreateRun(CreateRun {
                run: self.run,
                organizations: vec![],
                scope,
            }),
            CommandKind::CancelRun => Command::CancelRun {
                run: self.run,
                scope,
            },
            CommandKind::DeleteRun => Command::DeleteRun {
                run: self.run,
                scope,
            },
            CommandKind::CancelEntry => Command::CancelEntry { entry, scope },
            CommandKind::DeleteEntry => Command::DeleteEntry { entry, scope },
            CommandKind::UpdateTransferredToAccounting => Command::UpdateTransferredToAccounting {
                entry,
                value: self.value,
                scope,
            },
            CommandKind::StartProcessing => Command::StartProcessing,
            CommandKind::CompleteProcessing => Command::CompleteProcessing {
                entries: self.created.clone(),
            },
            CommandKind::FailProcessing => Command::FailProcessing {
                entries: self.created.clone(),
            },
            CommandKind::StepCancellation => Command::StepCancellation,
            CommandKind::SettleCancellation => Command::SettleCancellation,
            CommandKind::FinishDeletion => Command::FinishDeletion,
            CommandKind::BeginTransfer => Command::BeginTransfer { entry },
            CommandKind::FinishTransfer => Command::FinishTransfer {
                entry,
                result: self.result,
            },
        }
    }
}

fn move_of(
    kinds: impl Strategy<Value = CommandKind>,
    callers: impl Strategy<Value = Caller>,
    scopes: impl Strategy<Value = RequestScope>,
) -> impl Strategy<Value = Move> {
    (
        kinds,
        pick(),
        transferred_to_accounting(),
        select(vec![TransferResult::Yes, TransferResult::Error]),
        prop_oneof![19 => Just(RUN), 1 => Just(OTHER_RUN)],
        scopes,
        created_entries(),
        callers,
    )
        .prop_map(
            |(kind, pick, value, result, run, scope, created, caller)| Move {
                kind,
                caller,
                pick,
                value,
                result,
                run,
                scope,
                created,
            },
        )
}

/// Any command kind, the job's steps more often.
fn kind() -> impl Strategy<Value = CommandKind> {
    prop_oneof![
        4 => Just(CommandKind::StepCancellation),
        1 => Just(CommandKind::SettleCancellation),
        8 => select(CommandKind::VARIANTS),
    ]
}

/// Up to 40 commands of any kind (the job's steps more often), from [`caller`]s, in
/// [`scope`]s.
pub fn moves() -> impl Strategy<Value = Vec<Move>> {
    proptest::collection::vec(move_of(kind(), caller(), scope()), 0..40)
}

/// Commands for a job: a cancel request of [`RUN`] first, then up to 40 commands, mostly the
/// job's steps, interleaved with entry commands (cancel, delete, transfer) and early settle
/// attempts, mostly by a caller allowed everything.
pub fn job_moves() -> impl Strategy<Value = Vec<Move>> {
    use CommandKind as K;
    let kinds = prop_oneof![
        6 => Just(K::StepCancellation),
        1 => Just(K::SettleCancellation),
        1 => Just(K::CancelRun),
        2 => Just(K::CancelEntry),
        2 => Just(K::DeleteEntry),
        2 => Just(K::UpdateTransferredToAccounting),
        1 => Just(K::BeginTransfer),
        1 => Just(K::FinishTransfer),
    ];
    let callers = prop_oneof![5 => Just(Caller::superuser()), 1 => any_caller()];
    let request = Move {
        kind: K::CancelRun,
        caller: Caller::superuser(),
        pick: Pick::Absent(ENTRY_NUMBERS),
        value: TransferredToAccounting::No,
        result: TransferResult::Yes,
        run: RUN,
        scope: RequestScope::default(),
        created: vec![],
    };
    proptest::collection::vec(move_of(kinds, callers, scope()), 0..40).prop_map(move |moves| {
        let mut all = vec![request.clone()];
        all.extend(moves);
        all
    })
}

/// One request (cancel or delete the run, cancel or delete an entry, change its Transferred to
/// Accounting) from any caller, mostly with scope headers ([`any_scope`]).
pub fn request_move() -> impl Strategy<Value = Move> {
    use CommandKind as K;
    let kinds = select(vec![
        K::CancelRun,
        K::DeleteRun,
        K::CancelEntry,
        K::DeleteEntry,
        K::UpdateTransferredToAccounting,
    ]);
    let callers = prop_oneof![1 => Just(Caller::superuser()), 3 => any_caller()];
    let scopes = prop_oneof![1 => Just(RequestScope::default()), 2 => any_scope()];
    move_of(kinds, callers, scopes)
}

/// The entries of a processing event: 0 to 4 numbers in any order, or one number twice.
fn entry_list() -> impl Strategy<Value = Vec<JournalEntryNumber>> {
    prop_oneof![
        3 => subsequence((1..=ENTRY_NUMBERS).collect::<Vec<u64>>(), 0..=4)
            .prop_shuffle()
            .prop_map(|ns| ns.into_iter().map(entry_number).collect()),
        1 => (1..=ENTRY_NUMBERS).prop_map(|n| vec![entry_number(n), entry_number(n)]),
    ]
}

/// Any event at all, with entry numbers held or not, outcomes and settlements that may or may
/// not fit: what a foreign or corrupted log can hold.
pub fn event() -> impl Strategy<Value = Event> {
    let entry = || (1..=ENTRY_NUMBERS).prop_map(entry_number);
    let outcome = prop_oneof![
        Just(AttemptOutcome::Cancelled),
        Just(AttemptOutcome::AlreadyCancelled),
        transferred_to_accounting().prop_map(|t| AttemptOutcome::Failed {
            transferred_to_accounting: t
        }),
    ];
    let settlement = prop_oneof![
        Just(Settlement::Cancelled),
        cancellable_status().prop_map(Settlement::Restored),
    ];
    prop_oneof![
        Just(Event::ProcessingStarted),
        entry_list().prop_map(|entries| Event::ProcessingCompleted { entries }),
        entry_list().prop_map(|entries| Event::ProcessingFailed { entries }),
        cancellable_status().prop_map(|previous| Event::CancellationRequested { previous }),
        (entry(), outcome).prop_map(|(entry, outcome)| Event::EntryAttempted { entry, outcome }),
        settlement.prop_map(|settlement| Event::CancellationSettled { settlement }),
        entry().prop_map(|entry| Event::EntryCancelled { entry }),
        entry().prop_map(|entry| Event::EntryDeleted { entry }),
        (
            entry(),
            transferred_to_accounting(),
            transferred_to_accounting()
        )
            .prop_map(|(entry, from, to)| Event::TransferredToAccountingChanged {
                entry,
                from,
                to
            }),
        Just(Event::DeletionStarted),
        Just(Event::RunDeleted),
    ]
}
