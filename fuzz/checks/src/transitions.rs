//! The `transitions` target: an arbitrary sequence of callers and commands applied to a run,
//! with every invariant of docs/INVARIANTS.md checked after every step.
//!
//! The input is decoded with `arbitrary` into the mirror types below (the library does not
//! depend on `arbitrary`), which map onto the library's `Caller`, `Command` and snapshots.
//! Numbers, orgs and entities are drawn from small pools so that commands mostly hit the run
//! and its entries, and sometimes miss them.

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use journal_run::invariants::{check_state, check_transition};
use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, CancellationJob, Command, EntityId, Event, Job,
    JournalEntry, JournalEntryNumber, JournalEntryStatus, JournalRun, JournalRunNumber,
    JournalRunStatus, OrgAccess, OrgId, OrgIds, Permission, PermissionSet, RequestScope, RunState,
    Settlement, TransferResult, TransferredToAccounting,
};

/// The org ids the scenarios draw from.
const ORGS: [&str; 3] = ["org-a", "org-b", "org-c"];
/// The entity ids the scenarios draw from.
const ENTITIES: [&str; 3] = ["entity-1", "entity-2", "entity-3"];
/// At most this many steps per input, so one input stays fast to run.
pub const MAX_STEPS: usize = 256;

/// A whole fuzz input: a starting run and the steps applied to it.
#[derive(Debug, Arbitrary)]
pub struct Scenario {
    /// The run's number (zero means 1).
    pub run: u64,
    /// Its organization labels, as a mask over the org pool.
    pub labels: u8,
    /// How the run starts.
    pub start: Start,
    /// After this many steps, the run is serialized and read back, and the copy takes every
    /// later step alongside it (INV-12: a resumed run reaches the same state).
    pub resume_at: u8,
    /// The steps.
    pub steps: Vec<Step>,
}

/// How a scenario's run starts.
#[derive(Debug, Arbitrary)]
pub enum Start {
    /// `JournalRun::new`: Pending, no entries.
    New,
    /// New, then processed by the first two steps (Completed, or Error when `failed`).
    Processed {
        /// Processing fails.
        failed: bool,
        /// The entries processing creates.
        entries: EntriesSpec,
    },
    /// `JournalRun::from_snapshot`; a snapshot it rejects starts a new run instead.
    Snapshot {
        /// The run's state.
        state: StateSpec,
        /// Its entries, in any order.
        entries: Vec<EntrySpec>,
    },
}

/// A run state for a snapshot.
#[derive(Debug, Arbitrary)]
pub struct StateSpec {
    /// Index into the status spellings.
    pub status: u8,
    /// The job's previous status, for `CancelInprogress`.
    pub previous: u8,
    /// The job's position, for `CancelInprogress`.
    pub next: u8,
    /// The run is deleted (overrides `status`).
    pub deleted: bool,
}

/// An entry of a snapshot.
#[derive(Debug, Arbitrary)]
pub struct EntrySpec {
    /// Its number.
    pub number: EntryRef,
    /// Cancelled rather than Created.
    pub cancelled: bool,
    /// Index into the Transferred to Accounting spellings.
    pub transferred: u8,
}

/// An entry number: mostly a small one (likely to exist), sometimes any.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum EntryRef {
    /// `JE-` 1 to 40.
    Small(u8),
    /// Any non-zero value (zero means `u64::MAX`).
    Any(u64),
}

/// A run number a request names.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum RunRef {
    /// The scenario's run.
    This,
    /// Another number (zero means the scenario's run).
    Other(u64),
}

/// The entries processing creates.
#[derive(Debug, Arbitrary)]
pub enum EntriesSpec {
    /// `count % 24` consecutive entries after `first % 8`.
    Range {
        /// Where the numbers start.
        first: u8,
        /// How many.
        count: u8,
    },
    /// These, in this order (possibly repeated).
    Listed(Vec<EntryRef>),
}

/// Who makes a step's command.
#[derive(Debug, Arbitrary)]
pub enum CallerSpec {
    /// Every permission, every org, no Multi-entity.
    Superuser,
    /// A caller with no permission at all (Zuora's own processes ignore the caller: D-8).
    Nobody,
    /// Any caller.
    Custom {
        /// Permission bits.
        permissions: u16,
        /// `None`: every org; `Some(mask)`: these orgs of the pool.
        orgs: Option<u8>,
        /// The token's entities, as a mask over the entity pool.
        entities: u8,
    },
}

/// A request's scope headers.
#[derive(Debug, Arbitrary)]
pub struct ScopeSpec {
    /// `Zuora-Entity-Ids`: an index into the entity pool.
    pub entity: Option<u8>,
    /// `Zuora-Org-Ids`: a mask over the org pool (an empty mask means no header).
    pub orgs: Option<u8>,
}

/// A command, mirroring `journal_run::Command`.
#[derive(Debug, Arbitrary)]
#[allow(missing_docs)]
pub enum CommandSpec {
    CancelRun(RunRef, ScopeSpec),
    DeleteRun(RunRef, ScopeSpec),
    CancelEntry(EntryRef, ScopeSpec),
    DeleteEntry(EntryRef, ScopeSpec),
    UpdateTransferredToAccounting(EntryRef, u8, ScopeSpec),
    StartProcessing,
    CompleteProcessing(EntriesSpec),
    FailProcessing(EntriesSpec),
    StepCancellation,
    /// `StepCancellation`, `1 + n % 32` times in a row (one step each): lets the fuzzer run
    /// a whole job through a run's entries with a few bytes.
    StepCancellationRepeatedly(u8),
    SettleCancellation,
    FinishDeletion,
    BeginTransfer(EntryRef),
    FinishTransfer(EntryRef, bool),
}

/// One step: a caller and a command.
#[derive(Debug, Arbitrary)]
pub struct Step {
    /// The caller.
    pub caller: CallerSpec,
    /// The command.
    pub command: CommandSpec,
}

fn entry_number(r: EntryRef) -> JournalEntryNumber {
    let value = match r {
        EntryRef::Small(n) => u64::from(n % 40) + 1,
        EntryRef::Any(0) => u64::MAX,
        EntryRef::Any(n) => n,
    };
    JournalEntryNumber::new(value).unwrap_or_else(|| unreachable!("the value is not zero"))
}

fn entries(spec: &EntriesSpec) -> Vec<JournalEntryNumber> {
    match spec {
        EntriesSpec::Range { first, count } => {
            let first = u64::from(first % 8);
            (1..=u64::from(count % 24))
                .map(|i| entry_number(EntryRef::Any(first + i)))
                .collect()
        }
        EntriesSpec::Listed(list) => list.iter().map(|r| entry_number(*r)).collect(),
    }
}

fn pick<T: Copy>(choices: &[T], index: u8) -> T {
    choices[usize::from(index) % choices.len()]
}

fn transferred(index: u8) -> TransferredToAccounting {
    pick(TransferredToAccounting::SPELLINGS, index)
        .parse()
        .expect("a spelling parses")
}

fn cancellable(index: u8) -> CancellableStatus {
    pick(
        &[
            CancellableStatus::Pending,
            CancellableStatus::Error,
            CancellableStatus::Completed,
        ],
        index,
    )
}

pub(crate) fn orgs_of(mask: u8) -> impl Iterator<Item = OrgId> {
    ORGS.iter()
        .enumerate()
        .filter(move |(i, _)| mask & (1 << i) != 0)
        .map(|(_, id)| OrgId::parse(id).expect("a pool id is valid"))
}

pub(crate) fn caller(spec: &CallerSpec) -> Caller {
    match spec {
        CallerSpec::Superuser => Caller::superuser(),
        CallerSpec::Nobody => Caller::with_permissions(PermissionSet::EMPTY),
        CallerSpec::Custom {
            permissions,
            orgs,
            entities,
        } => Caller {
            permissions: PermissionSet::from_bits_truncate(*permissions),
            orgs: match orgs {
                None => OrgAccess::All,
                Some(mask) => OrgAccess::Only(orgs_of(*mask).collect()),
            },
            entities: ENTITIES
                .iter()
                .enumerate()
                .filter(|(i, _)| entities & (1 << i) != 0)
                .map(|(_, id)| EntityId::parse(id).expect("a pool id is valid"))
                .collect(),
        },
    }
}

fn scope(spec: &ScopeSpec) -> RequestScope {
    RequestScope {
        entity: spec
            .entity
            .map(|i| EntityId::parse(pick(&ENTITIES, i)).expect("a pool id is valid")),
        orgs: spec.orgs.and_then(|mask| {
            let listed: Vec<String> = orgs_of(mask).map(String::from).collect();
            (!listed.is_empty())
                .then(|| OrgIds::parse(&listed.join(",")).expect("pool ids are valid"))
        }),
    }
}

fn run_ref(r: RunRef, this: JournalRunNumber) -> JournalRunNumber {
    match r {
        RunRef::This => this,
        RunRef::Other(n) => JournalRunNumber::new(n).unwrap_or(this),
    }
}

/// The commands of one step: one, or several for `StepCancellationRepeatedly`.
fn commands(spec: &CommandSpec, this: JournalRunNumber) -> Vec<Command> {
    match spec {
        CommandSpec::StepCancellationRepeatedly(n) => {
            vec![Command::StepCancellation; 1 + usize::from(n % 32)]
        }
        other => vec![command(other, this)],
    }
}

fn command(spec: &CommandSpec, this: JournalRunNumber) -> Command {
    match spec {
        CommandSpec::CancelRun(run, s) => Command::CancelRun {
            run: run_ref(*run, this),
            scope: scope(s),
        },
        CommandSpec::DeleteRun(run, s) => Command::DeleteRun {
            run: run_ref(*run, this),
            scope: scope(s),
        },
        CommandSpec::CancelEntry(entry, s) => Command::CancelEntry {
            entry: entry_number(*entry),
            scope: scope(s),
        },
        CommandSpec::DeleteEntry(entry, s) => Command::DeleteEntry {
            entry: entry_number(*entry),
            scope: scope(s),
        },
        CommandSpec::UpdateTransferredToAccounting(entry, value, s) => {
            Command::UpdateTransferredToAccounting {
                entry: entry_number(*entry),
                value: transferred(*value),
                scope: scope(s),
            }
        }
        CommandSpec::StartProcessing => Command::StartProcessing,
        CommandSpec::CompleteProcessing(e) => Command::CompleteProcessing {
            entries: entries(e),
        },
        CommandSpec::FailProcessing(e) => Command::FailProcessing {
            entries: entries(e),
        },
        CommandSpec::StepCancellation | CommandSpec::StepCancellationRepeatedly(_) => {
            Command::StepCancellation
        }
        CommandSpec::SettleCancellation => Command::SettleCancellation,
        CommandSpec::FinishDeletion => Command::FinishDeletion,
        CommandSpec::BeginTransfer(entry) => Command::BeginTransfer {
            entry: entry_number(*entry),
        },
        CommandSpec::FinishTransfer(entry, ok) => Command::FinishTransfer {
            entry: entry_number(*entry),
            result: if *ok {
                TransferResult::Yes
            } else {
                TransferResult::Error
            },
        },
    }
}

fn snapshot_state(spec: &StateSpec) -> RunState {
    if spec.deleted {
        return RunState::Deleted;
    }
    let status: JournalRunStatus = pick(JournalRunStatus::SPELLINGS, spec.status)
        .parse()
        .expect("a spelling parses");
    match RunState::from_status(status) {
        // Half of the CancelInprogress states have a known job, half are as Zuora exports them.
        RunState::CancelInprogress(_) if spec.next.is_multiple_of(2) => {
            RunState::CancelInprogress(Job::Known(CancellationJob {
                previous: cancellable(spec.previous),
                next: usize::from(spec.next / 2 % 32),
            }))
        }
        state => state,
    }
}

/// The starting run and the steps that prepare it (processing, for `Start::Processed`).
fn start(scenario: &Scenario) -> (JournalRun, Vec<(Caller, Command)>) {
    let number = JournalRunNumber::new(scenario.run)
        .unwrap_or_else(|| JournalRunNumber::new(1).expect("one is a number"));
    let labels: Vec<OrgId> = orgs_of(scenario.labels).collect();
    let new = || JournalRun::new(number, labels.clone());
    match &scenario.start {
        Start::New => (new(), Vec::new()),
        Start::Processed { failed, entries: e } => {
            let entries = entries(e);
            let end = if *failed {
                Command::FailProcessing { entries }
            } else {
                Command::CompleteProcessing { entries }
            };
            let system = Caller::with_permissions(PermissionSet::EMPTY);
            (
                new(),
                vec![(system.clone(), Command::StartProcessing), (system, end)],
            )
        }
        Start::Snapshot { state, entries: e } => {
            let entries: Vec<JournalEntry> = e
                .iter()
                .map(|spec| JournalEntry {
                    number: entry_number(spec.number),
                    status: if spec.cancelled {
                        JournalEntryStatus::Cancelled
                    } else {
                        JournalEntryStatus::Created
                    },
                    transferred_to_accounting: transferred(spec.transferred),
                })
                .collect();
            match JournalRun::from_snapshot(number, labels.clone(), snapshot_state(state), entries)
            {
                Ok(run) => {
                    assert!(
                        check_state(&run).is_empty(),
                        "from_snapshot accepted a run that breaks {:?}",
                        check_state(&run)
                    );
                    (run, Vec::new())
                }
                Err(error) => {
                    assert!(
                        !error.violations.is_empty(),
                        "a snapshot was rejected without naming an invariant"
                    );
                    (new(), Vec::new())
                }
            }
        }
    }
}

/// What the checker knows of the running cancellation job, to check INV-6.
#[derive(Debug)]
struct JobTrace {
    /// The last entry attempted in this job, if any.
    last: Option<JournalEntryNumber>,
    /// Every entry attempted in this job, in order.
    attempted: BTreeSet<JournalEntryNumber>,
}

impl JobTrace {
    /// The trace of the job `run` holds, if any: a snapshot's job has attempted the entries
    /// before its position.
    fn of(run: &JournalRun) -> Option<Self> {
        let job = run.job()?;
        let attempted: BTreeSet<JournalEntryNumber> = run
            .entries()
            .iter()
            .take(job.next)
            .map(|e| e.number)
            .collect();
        Some(Self {
            last: attempted.last().copied(),
            attempted,
        })
    }
}

/// Whether the request's entity header is allowed for this caller (INV-8, D-13).
fn entity_in_scope(caller: &Caller, scope: &RequestScope) -> bool {
    match &scope.entity {
        Some(entity) => caller.entities.contains(entity),
        None => caller.entities.len() <= 1,
    }
}

/// Whether the run is in the request's org scope (INV-8, D-6).
fn run_in_scope(run: &JournalRun, caller: &Caller, scope: &RequestScope) -> bool {
    let header_allowed = scope
        .orgs
        .as_ref()
        .is_none_or(|orgs| orgs.as_slice().iter().all(|org| caller.orgs.allows(org)));
    header_allowed
        && run.organizations().iter().all(|label| match &scope.orgs {
            Some(orgs) => orgs.contains(label),
            None => caller.orgs.allows(label),
        })
}

/// The invariants that concern one accepted command (beyond `check_state` and
/// `check_transition`): INV-5, INV-6, INV-8, INV-16, D-9.
fn check_event(
    before: &JournalRun,
    after: &JournalRun,
    caller: &Caller,
    command: &Command,
    event: &Event,
    job: &mut Option<JobTrace>,
) {
    if let Some((permissions, scope)) = request_of(command) {
        for &permission in permissions {
            assert!(
                caller.has(permission),
                "INV-8/D-10: {command:?} was accepted from a caller without \"{permission}\""
            );
        }
        assert!(
            entity_in_scope(caller, scope),
            "INV-8/D-13: {command:?} was accepted outside the caller's entities {:?}",
            caller.entities
        );
        assert!(
            run_in_scope(before, caller, scope),
            "INV-8/D-6: {command:?} was accepted for a run labelled {:?} outside the scope",
            before.organizations()
        );
    }
    let entry_of = |run: &JournalRun, number| run.entry(number).copied();
    match event {
        Event::CancellationRequested { previous } => {
            let Command::CancelRun { run, .. } = command else {
                panic!("INV-8: a cancellation was requested by {command:?}");
            };
            assert_eq!(*run, before.number(), "INV-8: a cancel for another run");
            assert!(
                caller.has(Permission::CancelJournalRun),
                "INV-8: cancelled without \"Cancel Journal Run\""
            );
            let was = before.status();
            assert!(
                matches!(
                    was,
                    Some(
                        JournalRunStatus::Pending
                            | JournalRunStatus::Error
                            | JournalRunStatus::Completed
                    )
                ),
                "INV-8: a {was:?} run accepted a cancel request"
            );
            assert_eq!(was, Some(JournalRunStatus::from(*previous)), "INV-8");
            assert_eq!(
                after.status(),
                Some(JournalRunStatus::CancelInprogress),
                "INV-8/D-1"
            );
            *job = JobTrace::of(after);
            assert!(
                job.as_ref().is_some_and(|j| j.attempted.is_empty()),
                "INV-6"
            );
        }
        Event::EntryAttempted { entry, outcome } => {
            let trace = job
                .as_mut()
                .expect("INV-6: an entry was attempted with no job");
            // The entry attempted is the first one the run holds after the last attempted:
            // ascending order, none skipped, none twice (INV-6, D-4).
            let expected = before
                .entries()
                .iter()
                .map(|e| e.number)
                .find(|n| trace.last.is_none_or(|last| *n > last));
            assert_eq!(
                Some(*entry),
                expected,
                "INV-6: the job attempted {entry} after {:?}",
                trace.last
            );
            assert!(
                trace.attempted.insert(*entry),
                "INV-6: {entry} attempted twice"
            );
            trace.last = Some(*entry);
            let old = entry_of(before, *entry).expect("INV-6: the attempted entry exists");
            let new = entry_of(after, *entry).expect("an attempted entry is kept");
            match outcome {
                AttemptOutcome::Cancelled => {
                    assert!(!old.is_cancelled() && new.is_cancelled(), "INV-6: {entry}");
                }
                AttemptOutcome::AlreadyCancelled => {
                    assert!(old.is_cancelled() && new == old, "INV-6: {entry}");
                }
                AttemptOutcome::Failed {
                    transferred_to_accounting,
                } => {
                    assert_eq!(old.transferred_to_accounting, *transferred_to_accounting);
                    assert!(
                        transferred_to_accounting.blocks_cancellation(),
                        "INV-3: the job failed {entry} for {transferred_to_accounting}"
                    );
                    assert_eq!(new, old, "INV-6: a failed attempt changed {entry}");
                }
            }
        }
        Event::CancellationSettled { settlement } => {
            let trace = job
                .take()
                .expect("INV-5: a job settled that was not running");
            let missed: Vec<JournalEntryNumber> = before
                .entries()
                .iter()
                .map(|e| e.number)
                .filter(|n| !trace.attempted.contains(n))
                .collect();
            assert!(
                missed.is_empty(),
                "INV-6: the job settled without attempting {missed:?}"
            );
            let previous = before.job().expect("INV-5: a job was running").previous;
            let all_cancelled = before.entries().iter().all(JournalEntry::is_cancelled);
            let expected = if all_cancelled {
                JournalRunStatus::Cancelled
            } else {
                JournalRunStatus::from(previous)
            };
            assert_eq!(
                after.status(),
                Some(expected),
                "INV-5: settled as {settlement:?} with all_cancelled={all_cancelled}"
            );
            assert_eq!(settlement.status(), expected, "INV-5");
            assert_eq!(
                *settlement == Settlement::Cancelled,
                all_cancelled,
                "INV-5/D-5"
            );
        }
        Event::TransferredToAccountingChanged { entry, from, to } => {
            let old = entry_of(before, *entry).expect("a changed entry existed");
            let new = entry_of(after, *entry).expect("a changed entry is kept");
            assert_eq!(old.transferred_to_accounting, *from);
            assert_eq!(new.transferred_to_accounting, *to);
            assert!(
                !old.is_cancelled(),
                "INV-2: {entry} changed after its cancellation"
            );
            if *from == TransferredToAccounting::Yes && *to != TransferredToAccounting::Yes {
                assert!(
                    matches!(command, Command::UpdateTransferredToAccounting { .. })
                        && caller.has(Permission::OverrideTransferredToAccounting),
                    "INV-16: {entry} left Yes by {command:?} from {caller:?}"
                );
            }
            match command {
                Command::BeginTransfer { .. } => assert_eq!(
                    (*from, *to),
                    (
                        TransferredToAccounting::No,
                        TransferredToAccounting::Processing
                    ),
                    "INV-16: the integration began a transfer of {entry}"
                ),
                Command::FinishTransfer { result, .. } => assert_eq!(
                    (*from, *to),
                    (
                        TransferredToAccounting::Processing,
                        TransferredToAccounting::from(*result)
                    ),
                    "INV-16: the integration finished a transfer of {entry}"
                ),
                Command::UpdateTransferredToAccounting { value, .. } => assert_eq!(to, value),
                other => panic!("INV-16: Transferred to Accounting changed by {other:?}"),
            }
        }
        Event::EntryCancelled { entry } => {
            let old = entry_of(before, *entry).expect("a cancelled entry existed");
            assert!(!old.is_cancelled(), "INV-2: {entry} cancelled twice");
            assert!(
                !old.transferred_to_accounting.blocks_cancellation(),
                "INV-3: {entry} cancelled while {}",
                old.transferred_to_accounting
            );
        }
        Event::EntryDeleted { entry } => {
            let old = entry_of(before, *entry).expect("a deleted entry existed");
            assert!(
                old.is_cancelled(),
                "D-9: {entry} deleted before its cancellation"
            );
            assert!(
                after.entry(*entry).is_none(),
                "D-9: {entry} still held after deletion"
            );
        }
        Event::ProcessingStarted
        | Event::ProcessingCompleted { .. }
        | Event::ProcessingFailed { .. }
        | Event::DeletionStarted
        | Event::RunDeleted => {}
    }
}

/// The permission and scope of a request command; `None` for Zuora's own processes.
fn request_of(command: &Command) -> Option<(&'static [Permission], &RequestScope)> {
    let permission = command.required_permissions();
    match command {
        Command::CreateRun(journal_run::CreateRun { scope, .. })
        | Command::CancelRun { scope, .. }
        | Command::DeleteRun { scope, .. }
        | Command::CancelEntry { scope, .. }
        | Command::DeleteEntry { scope, .. }
        | Command::UpdateTransferredToAccounting { scope, .. } => Some((permission, scope)),
        Command::StartProcessing
        | Command::CompleteProcessing { .. }
        | Command::FailProcessing { .. }
        | Command::StepCancellation
        | Command::SettleCancellation
        | Command::FinishDeletion
        | Command::BeginTransfer { .. }
        | Command::FinishTransfer { .. } => None,
    }
}

/// Decodes `data` as a [`Scenario`] and runs it, checking after every step:
///
/// - `check_state` finds nothing (INV-1, INV-9, INV-10) and `check_transition` from the state
///   before finds nothing (INV-2, INV-3, INV-11);
/// - `decide` is pure: it answers the same as `execute`, and a rejection leaves the run equal
///   to what it was (INV-4); no accepted event fails to apply (`Rejection::Internal`);
/// - the per-event rules: INV-5 (settling), INV-6 (the job's order), INV-8 (who may cancel
///   what), INV-16 (Transferred to Accounting), D-9 (deletion);
/// - from `resume_at` on, a copy read back from the run's JSON form takes every step alongside
///   and stays equal to it (INV-12);
///
/// and at the end: replaying the events (also after a JSON round trip of the events) from the
/// initial run rebuilds the live run (INV-7), and the live run round-trips through JSON
/// (INV-12).
///
/// # Panics
///
/// When one of these does not hold.
pub fn check(data: &[u8]) {
    let _ = events(data);
}

/// Runs `data` as [`check`] does, and returns the events the scenario produced (none for an
/// input that does not decode).
///
/// # Panics
///
/// When an invariant does not hold.
#[must_use]
pub fn events(data: &[u8]) -> Vec<Event> {
    Scenario::arbitrary_take_rest(Unstructured::new(data))
        .map(|scenario| run(&scenario))
        .unwrap_or_default()
}

/// Runs one decoded scenario (see [`check`]) and returns the events it produced.
///
/// # Panics
///
/// When an invariant does not hold.
pub fn run(scenario: &Scenario) -> Vec<Event> {
    let (initial, prepare) = start(scenario);
    let this = initial.number();
    let steps = prepare
        .into_iter()
        .chain(scenario.steps.iter().flat_map(|step| {
            let caller = caller(&step.caller);
            commands(&step.command, this)
                .into_iter()
                .map(move |command| (caller.clone(), command))
        }));
    let resume_at = usize::from(scenario.resume_at);

    let mut live = initial.clone();
    let mut events = Vec::new();
    let mut job = JobTrace::of(&live);
    let mut resumed: Option<JournalRun> = None;

    for (index, (caller, command)) in steps.take(MAX_STEPS).enumerate() {
        if index == resume_at {
            resumed = Some(round_trip(&live));
        }
        let before = live.clone();
        let decided = before.decide(&caller, &command);
        let executed = live.execute(&caller, &command);
        assert_eq!(
            executed, decided,
            "INV-4: execute and decide answer {command:?} differently"
        );
        match &executed {
            Err(rejection) => {
                assert_eq!(
                    live, before,
                    "INV-4: the rejected {command:?} changed the run"
                );
                let _ = journal_run::wire::rejection_category(rejection);
            }
            Ok(event) => {
                let state = check_state(&live);
                assert!(
                    state.is_empty(),
                    "after {command:?} -> {event:?}: {state:?}"
                );
                let transition = check_transition(&before, &live);
                assert!(
                    transition.is_empty(),
                    "after {command:?} -> {event:?}: {transition:?}"
                );
                check_event(&before, &live, &caller, &command, event, &mut job);
                events.push(event.clone());
            }
        }
        if let Some(copy) = resumed.as_mut() {
            assert_eq!(
                copy.execute(&caller, &command),
                executed,
                "INV-12: the resumed run answers {command:?} differently"
            );
            assert_eq!(
                *copy, live,
                "INV-12: the resumed run diverged at {command:?}"
            );
        }
    }

    let replayed = JournalRun::replay(initial.clone(), &events);
    assert_eq!(
        replayed.as_ref(),
        Ok(&live),
        "INV-7: replay does not rebuild the run"
    );
    let events_json = serde_json::to_string(&events).expect("events serialize");
    let events_back: Vec<Event> = serde_json::from_str(&events_json).expect("events read back");
    assert_eq!(events_back, events, "events round-trip through JSON");
    assert_eq!(
        JournalRun::replay(initial, &events_back).as_ref(),
        Ok(&live),
        "INV-7: replaying the JSON events does not rebuild the run"
    );
    assert_eq!(round_trip(&live), live, "INV-12");
    events
}

/// The run read back from its JSON form; INV-12 says it is equal.
fn round_trip(run: &JournalRun) -> JournalRun {
    let json = serde_json::to_string(run).expect("INV-12: a run serializes");
    let back: JournalRun = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("INV-12: {json} does not read back: {e}"));
    assert_eq!(&back, run, "INV-12: {json} reads back as another run");
    back
}
