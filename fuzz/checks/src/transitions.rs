//! The `transitions` target: an arbitrary sequence of callers and commands applied to a run,
//! with every invariant of docs/INVARIANTS.md checked after every step.
//!
//! The input is decoded with `arbitrary` straight into the library's own types (its feature
//! `arbitrary`): the starting run (new, processed, any run that obeys the rules, or any
//! snapshot), and each step's `Caller` and `Command`. The only types of this target's own are
//! the scenario around them: how the run starts, when it is saved and read back, and a
//! shorthand for many steps of the cancellation job. (An input whose bytes run out reads
//! zeros: number 1, no permission, empty lists; so a short input's commands name run
//! `JR-00000001` and entry `JE-00000001`, which a short input's run holds.)

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use journal_run::invariants::{check_state, check_transition};
use journal_run::{
    AttemptOutcome, Caller, Command, Event, JournalEntry, JournalEntryNumber, JournalRun,
    JournalRunNumber, JournalRunStatus, OrgId, Permission, PermissionSet, RequestScope, Settlement,
    TransferredToAccounting, UncheckedRun,
};

/// At most this many steps per input, so one input stays fast to run.
pub const MAX_STEPS: usize = 256;

/// A whole fuzz input: a starting run and the steps applied to it.
#[derive(Debug, Arbitrary)]
pub struct Scenario {
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
    New {
        /// The run's number.
        run: JournalRunNumber,
        /// Its organization labels.
        labels: Vec<OrgId>,
    },
    /// New, then processed by Zuora's own processes in the first two steps (Completed, or
    /// Error when `failed`).
    Processed {
        /// The run's number.
        run: JournalRunNumber,
        /// Its organization labels.
        labels: Vec<OrgId>,
        /// Processing fails.
        failed: bool,
        /// The entries processing creates (a repeated one is rejected).
        entries: Vec<JournalEntryNumber>,
    },
    /// Any run that obeys the rules, in any state (the library's `Arbitrary`).
    Run(JournalRun),
    /// `JournalRun::try_from` any snapshot; a snapshot it rejects starts a new run instead.
    Snapshot(UncheckedRun),
}

/// One step.
#[derive(Debug, Arbitrary)]
pub enum Step {
    /// A caller makes a command.
    Command {
        /// The caller.
        caller: Caller,
        /// The command.
        command: Command,
    },
    /// A command from a caller allowed everything, in every org, in no entity
    /// (`Caller::superuser`): most requests then pass the request's checks, so the fuzzer
    /// reaches the rules behind them with a few bytes.
    Superuser(Command),
    /// `StepCancellation`, `1 + n % 32` times in a row (one step each), by Zuora's own
    /// process: lets the fuzzer run a whole job through a run's entries with a few bytes.
    StepCancellationRepeatedly(u8),
}

/// The caller of Zuora's own processes: no user permission applies to them (D-8).
fn system() -> Caller {
    Caller::with_permissions(PermissionSet::EMPTY)
}

/// The callers and commands of one step: one, or several for `StepCancellationRepeatedly`.
fn commands(step: &Step) -> Vec<(Caller, Command)> {
    match step {
        Step::Command { caller, command } => vec![(caller.clone(), command.clone())],
        Step::Superuser(command) => vec![(Caller::superuser(), command.clone())],
        Step::StepCancellationRepeatedly(n) => {
            vec![(system(), Command::StepCancellation); 1 + usize::from(n % 32)]
        }
    }
}

/// The starting run and the steps that prepare it (processing, for `Start::Processed`).
fn start(scenario: &Scenario) -> (JournalRun, Vec<(Caller, Command)>) {
    match &scenario.start {
        Start::New { run, labels } => (JournalRun::new(*run, labels.clone()), Vec::new()),
        Start::Processed {
            run,
            labels,
            failed,
            entries,
        } => {
            let entries = entries.clone();
            let end = if *failed {
                Command::FailProcessing { entries }
            } else {
                Command::CompleteProcessing { entries }
            };
            (
                JournalRun::new(*run, labels.clone()),
                vec![(system(), Command::StartProcessing), (system(), end)],
            )
        }
        Start::Run(run) => {
            assert!(
                check_state(run).is_empty(),
                "an arbitrary run breaks {:?}",
                check_state(run)
            );
            (run.clone(), Vec::new())
        }
        Start::Snapshot(snapshot) => match JournalRun::try_from(snapshot.clone()) {
            Ok(run) => {
                assert!(
                    check_state(&run).is_empty(),
                    "a snapshot that breaks {:?} was accepted",
                    check_state(&run)
                );
                (run, Vec::new())
            }
            Err(error) => {
                assert!(
                    !error.violations.is_empty(),
                    "a snapshot was rejected without naming an invariant"
                );
                let new = JournalRun::new(snapshot.number(), snapshot.organizations().to_vec());
                (new, Vec::new())
            }
        },
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
    let steps = prepare
        .into_iter()
        .chain(scenario.steps.iter().flat_map(commands));
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
