//! Property tests: one or more per invariant of docs/INVARIANTS.md, named `inv_N_...`.
//!
//! Runs are generated as snapshots (0 to 12 entries with random statuses and Transferred to
//! Accounting values, in every state, jobs at random positions, random organization labels)
//! and then driven by random command sequences from random callers (random permissions, org
//! access, entities and scope headers): the library's own generators, `journal_run::strategy`
//! (feature `proptest`). The case count is proptest's default (256), or `PROPTEST_CASES`.
//!
//! The expectations here are written independently of the library's rule functions; the
//! library's own auditor (`check_state`, `check_transition`) is called as well, where it
//! applies.

mod support;

use support::je;

use std::collections::{BTreeSet, HashSet};

use journal_run::invariants::{check_state, check_transition, Invariant, Violation};
use journal_run::strategy::{self, Move, ENTRY_NUMBERS, OTHER_RUN, RUN};
use journal_run::CharacterFault;
use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, CancellationJob, Command, CommandKind, CreateRun,
    Event, HeaderError, Job, JournalEntry, JournalEntryNumber, JournalEntryStatus, JournalRun,
    JournalRunNumber, JournalRunStatus, OrgAccess, OrgId, Permission, PermissionSet, Rejection,
    RequestScope, RunState, Settlement, TrackId, TransferResult, TransferredToAccounting as Tta,
};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::TestCaseError;
use strum::VariantArray;

fn is_cancelled(e: &JournalEntry) -> bool {
    e.status == JournalEntryStatus::Cancelled
}

/// Yes or Processing: the values that stop a cancellation (Zuora, PUT_SummaryJournalEntry).
fn transferred(tta: Tta) -> bool {
    matches!(tta, Tta::Yes | Tta::Processing)
}

fn status_of(previous: CancellableStatus) -> JournalRunStatus {
    match previous {
        CancellableStatus::Pending => JournalRunStatus::Pending,
        CancellableStatus::Error => JournalRunStatus::Error,
        CancellableStatus::Completed => JournalRunStatus::Completed,
    }
}

fn of_invariant(invariant: Invariant, violations: Vec<Violation>) -> Vec<Violation> {
    violations
        .into_iter()
        .filter(|v| v.invariant == invariant)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Driving a run
// ---------------------------------------------------------------------------------------------

/// One command made: the run before and after it, and what `execute` answered.
#[derive(Debug, Clone)]
struct Step {
    before: JournalRun,
    caller: Caller,
    command: Command,
    outcome: Result<Event, Rejection>,
    after: JournalRun,
}

fn execute_step(run: &mut JournalRun, caller: &Caller, command: Command) -> Step {
    let before = run.clone();
    let outcome = run.execute(caller, &command);
    Step {
        before,
        caller: caller.clone(),
        command,
        outcome,
        after: run.clone(),
    }
}

/// Makes the commands of `ops` in order.
fn drive(initial: &JournalRun, ops: &[Move]) -> Vec<Step> {
    let mut run = initial.clone();
    ops.iter()
        .map(|op| {
            let command = op.command(&run);
            execute_step(&mut run, &op.caller, command)
        })
        .collect()
}

/// Makes the commands of `ops`, then, if a job is still running, steps it to its end and
/// settles it (as Zuora's own process would).
fn history(initial: &JournalRun, ops: &[Move]) -> Vec<Step> {
    let mut steps = drive(initial, ops);
    let mut run = final_state(initial, &steps);
    let system = Caller::superuser();
    for _ in 0..run.entries().len() + 2 {
        if run.job().is_none() {
            break;
        }
        let step = execute_step(&mut run, &system, Command::StepCancellation);
        let finished = step.outcome.is_err();
        steps.push(step);
        if finished {
            steps.push(execute_step(&mut run, &system, Command::SettleCancellation));
        }
    }
    steps
}

fn final_state(initial: &JournalRun, steps: &[Step]) -> JournalRun {
    steps
        .last()
        .map_or_else(|| initial.clone(), |s| s.after.clone())
}

fn events(steps: &[Step]) -> Vec<Event> {
    steps
        .iter()
        .filter_map(|s| s.outcome.clone().ok())
        .collect()
}

fn can_access(caller: &Caller, org: &OrgId) -> bool {
    match &caller.orgs {
        OrgAccess::All => true,
        OrgAccess::Only(orgs) => orgs.contains(org),
    }
}

/// Whether the run is in the request's org scope (D-6): every label in the header's orgs, or
/// in the caller's orgs when there is no header.
fn in_scope(run: &JournalRun, caller: &Caller, scope: &RequestScope) -> bool {
    run.organizations().iter().all(|label| match &scope.orgs {
        Some(header) => header.as_slice().contains(label),
        None => can_access(caller, label),
    })
}

/// The permissions each request needs, in the order they are checked: the Platform permission
/// "API Write Access" of every REST write, then the Finance one (FACTS.md, "Permissions" and
/// "How Zuora answers").
fn needed(kind: CommandKind) -> Vec<Permission> {
    let finance = match kind {
        CommandKind::CreateRun => Permission::CreateJournalRun,
        CommandKind::CancelRun => Permission::CancelJournalRun,
        CommandKind::DeleteRun => Permission::DeleteCancelledJournalRun,
        CommandKind::CancelEntry => Permission::CancelJournalEntry,
        CommandKind::DeleteEntry => Permission::DeleteCancelledJournalEntry,
        CommandKind::UpdateTransferredToAccounting => Permission::EditJournalEntry,
        CommandKind::StartProcessing
        | CommandKind::CompleteProcessing
        | CommandKind::FailProcessing
        | CommandKind::StepCancellation
        | CommandKind::SettleCancellation
        | CommandKind::FinishDeletion
        | CommandKind::BeginTransfer
        | CommandKind::FinishTransfer => return vec![],
    };
    vec![Permission::ApiWriteAccess, finance]
}

/// Every fault of a request, in the documented order of precedence (D-10): entity, permission,
/// org header, existence in scope, run status, entry existence, entry rules (Override first).
fn request_faults(run: &JournalRun, caller: &Caller, command: &Command) -> Vec<Rejection> {
    let kind = command.kind();
    let (scope, named_run, named_entry, value) = match command {
        Command::CreateRun(CreateRun { run, scope, .. })
        | Command::CancelRun { run, scope }
        | Command::DeleteRun { run, scope } => (scope, Some(*run), None, None),
        Command::CancelEntry { entry, scope } | Command::DeleteEntry { entry, scope } => {
            (scope, None, Some(*entry), None)
        }
        Command::UpdateTransferredToAccounting {
            entry,
            value,
            scope,
        } => (scope, None, Some(*entry), Some(*value)),
        _ => return vec![],
    };
    let mut faults = vec![];
    match &scope.entity {
        None if caller.entities.len() > 1 => faults.push(Rejection::EntityRequired {
            entities: caller.entities.len(),
        }),
        Some(e) if !caller.entities.contains(e) => {
            faults.push(Rejection::EntityNotAccessible { entity: e.clone() });
        }
        _ => {}
    }
    if let Some(&permission) = needed(kind)
        .iter()
        .find(|p| !caller.permissions.contains(**p))
    {
        faults.push(Rejection::MissingPermission {
            command: kind,
            permission,
        });
    }
    if let Some(header) = &scope.orgs {
        if let Some(o) = header.as_slice().iter().find(|o| !can_access(caller, o)) {
            faults.push(Rejection::OrgNotAccessible { org: o.clone() });
        }
    }
    // A create names a run whose number is taken even once deleted.
    let exists = in_scope(run, caller, scope)
        && (run.state() != &RunState::Deleted || kind == CommandKind::CreateRun)
        && named_run.is_none_or(|n| n == run.number());
    if !exists {
        faults.push(match (named_run, named_entry) {
            (Some(n), _) => Rejection::RunNotFound { run: n },
            (None, Some(e)) => Rejection::EntryNotFound { entry: e },
            (None, None) => unreachable!("a request names a run or an entry"),
        });
    }
    if kind == CommandKind::CreateRun {
        faults.push(Rejection::RunExists { run: run.number() });
        return faults;
    }
    if let Some(status) = run.status() {
        let allowed = match kind {
            CommandKind::CancelRun => matches!(
                status,
                JournalRunStatus::Pending | JournalRunStatus::Error | JournalRunStatus::Completed
            ),
            CommandKind::DeleteRun => status == JournalRunStatus::Cancelled,
            CommandKind::DeleteEntry => !matches!(
                status,
                JournalRunStatus::DeleteInprogress | JournalRunStatus::Processing
            ),
            _ => status != JournalRunStatus::DeleteInprogress,
        };
        if !allowed {
            faults.push(Rejection::RunStatus {
                command: kind,
                run: run.number(),
                status,
            });
        }
    }
    if let Some(number) = named_entry {
        match run.entry(number) {
            None => faults.push(Rejection::EntryNotFound { entry: number }),
            Some(held) => {
                let cancelled = Rejection::EntryCancelled {
                    command: kind,
                    entry: number,
                };
                match (kind, value) {
                    (CommandKind::CancelEntry, _) => {
                        if is_cancelled(held) {
                            faults.push(cancelled);
                        }
                        if transferred(held.transferred_to_accounting) {
                            faults.push(Rejection::EntryTransferred {
                                entry: number,
                                transferred_to_accounting: held.transferred_to_accounting,
                            });
                        }
                    }
                    (CommandKind::DeleteEntry, _) => {
                        if !is_cancelled(held) {
                            faults.push(Rejection::EntryNotCancelled { entry: number });
                        }
                    }
                    (_, Some(to)) => {
                        if held.transferred_to_accounting == Tta::Yes
                            && to != Tta::Yes
                            && !caller
                                .permissions
                                .contains(Permission::OverrideTransferredToAccounting)
                        {
                            faults.push(Rejection::OverrideRequired { entry: number, to });
                        }
                        if is_cancelled(held) {
                            faults.push(cancelled);
                        }
                    }
                    (_, None) => {}
                }
            }
        }
    }
    faults
}

/// Whether `after` can follow `before` in one command (INV-11), job positions included.
fn one_step_allowed(before: &RunState, after: &RunState) -> bool {
    use RunState as S;
    let from = |previous: CancellableStatus| match previous {
        CancellableStatus::Pending => S::Pending,
        CancellableStatus::Error => S::Error,
        CancellableStatus::Completed => S::Completed,
    };
    match (before, after) {
        (a, b) if a == b => true,
        (S::Pending, S::Processing) | (S::Processing, S::Completed | S::Error) => true,
        (S::Pending | S::Error | S::Completed, S::CancelInprogress(Job::Known(job))) => {
            job.next == 0 && from(job.previous) == *before
        }
        (S::CancelInprogress(Job::Known(a)), S::CancelInprogress(Job::Known(b))) => {
            a.previous == b.previous && (b.next == a.next + 1 || b.next + 1 == a.next)
        }
        (S::CancelInprogress(_), S::Cancelled) => true,
        (S::CancelInprogress(Job::Known(job)), other) => from(job.previous) == *other,
        (S::Cancelled, S::DeleteInprogress) | (S::DeleteInprogress, S::Deleted) => true,
        _ => false,
    }
}

fn assert_sound(step: &Step) -> Result<(), TestCaseError> {
    prop_assert_eq!(check_state(&step.after), vec![], "{:?}", step.command);
    prop_assert_eq!(
        check_transition(&step.before, &step.after),
        vec![],
        "{:?}",
        step.command
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

proptest! {
    /// INV-1: a Cancelled or DeleteInprogress run holds only cancelled entries, after every
    /// command of any sequence.
    #[test]
    fn inv_1_cancelled_runs_hold_only_cancelled_entries(run in strategy::run(), ops in strategy::moves()) {
        for step in history(&run, &ops) {
            if matches!(
                step.after.status(),
                Some(JournalRunStatus::Cancelled | JournalRunStatus::DeleteInprogress)
            ) {
                prop_assert!(step.after.entries().iter().all(is_cancelled), "{:?}", step);
            }
            prop_assert_eq!(
                of_invariant(Invariant::CancelledRunHasOnlyCancelledEntries, check_state(&step.after)),
                vec![]
            );
        }
    }

    /// INV-1: a snapshot of a Cancelled or DeleteInprogress run holding an uncancelled entry is
    /// refused, naming exactly those entries.
    #[test]
    fn inv_1_snapshot_with_an_uncancelled_entry_is_refused(
        entries in strategy::entries(),
        state in select(vec![RunState::Cancelled, RunState::DeleteInprogress]),
    ) {
        let uncancelled: Vec<_> = {
            let mut v: Vec<_> = entries.iter().filter(|e| !is_cancelled(e)).map(|e| e.number).collect();
            v.sort();
            v
        };
        match JournalRun::from_snapshot(RUN, vec![], state, entries) {
            Ok(run) => prop_assert!(uncancelled.is_empty(), "accepted {:?}", run),
            Err(error) => {
                let broken = of_invariant(Invariant::CancelledRunHasOnlyCancelledEntries, error.violations);
                prop_assert_eq!(broken.len(), 1);
                prop_assert_eq!(&broken[0].entries, &uncancelled);
            }
        }
    }

    /// INV-2: a cancelled entry stays exactly as it is until deleted, and a deleted entry never
    /// appears again.
    #[test]
    fn inv_2_cancelled_entries_are_final(run in strategy::run(), ops in strategy::moves()) {
        let mut gone: BTreeSet<JournalEntryNumber> = BTreeSet::new();
        for step in history(&run, &ops) {
            for old in step.before.entries() {
                let new = step.after.entry(old.number);
                if is_cancelled(old) {
                    prop_assert!(new.is_none() || new == Some(old), "{:?} became {:?}", old, new);
                }
                if new.is_none() {
                    gone.insert(old.number);
                }
            }
            for e in step.after.entries() {
                prop_assert!(!gone.contains(&e.number), "{} came back", e.number);
            }
            prop_assert_eq!(
                of_invariant(Invariant::CancelledEntryIsFinal, check_transition(&step.before, &step.after)),
                vec![]
            );
        }
    }

    /// INV-3: an entry whose Transferred to Accounting is Yes or Processing is never
    /// cancelled, by a step of the job or by a single-entry cancel.
    #[test]
    fn inv_3_transferred_entries_are_never_cancelled(run in strategy::run(), ops in strategy::job_moves()) {
        for step in history(&run, &ops) {
            for old in step.before.entries() {
                if !is_cancelled(old) && transferred(old.transferred_to_accounting) {
                    let new = step.after.entry(old.number);
                    prop_assert!(!new.is_some_and(is_cancelled), "{:?} by {:?}", old, step.command);
                }
            }
            if let Ok(Event::EntryAttempted { entry, outcome }) = &step.outcome {
                let old = step.before.entry(*entry).unwrap();
                if !is_cancelled(old) && transferred(old.transferred_to_accounting) {
                    prop_assert_eq!(
                        *outcome,
                        AttemptOutcome::Failed { transferred_to_accounting: old.transferred_to_accounting }
                    );
                }
            }
            prop_assert_eq!(
                of_invariant(Invariant::TransferredEntryIsNeverCancelled, check_transition(&step.before, &step.after)),
                vec![]
            );
        }
    }

    /// INV-4: a rejected command changes nothing, and `decide` gives the same answer again.
    #[test]
    fn inv_4_rejected_commands_change_nothing(run in strategy::run(), ops in strategy::moves()) {
        for step in history(&run, &ops) {
            prop_assert_eq!(step.before.decide(&step.caller, &step.command), step.outcome.clone());
            if let Err(rejection) = &step.outcome {
                prop_assert_eq!(&step.after, &step.before, "{:?}", rejection);
                let mut again = step.before.clone();
                prop_assert_eq!(again.execute(&step.caller, &step.command), Err(rejection.clone()));
                prop_assert_eq!(&again, &step.before);
            }
        }
    }

    /// INV-5: a job settles Cancelled exactly when every entry is cancelled at that moment
    /// (also with no entries), and otherwise to the status the run had before the request.
    #[test]
    fn inv_5_settled_status_follows_a_recount(run in strategy::run_with_a_job(), ops in strategy::job_moves()) {
        let mut requested_from: Option<JournalRunStatus> = None;
        for step in history(&run, &ops) {
            match &step.outcome {
                Ok(Event::CancellationRequested { .. }) => requested_from = step.before.status(),
                Ok(Event::CancellationSettled { settlement }) => {
                    let job = *step.before.job().unwrap();
                    let all = step.before.entries().iter().all(is_cancelled);
                    let want = if all { Settlement::Cancelled } else { Settlement::Restored(job.previous) };
                    prop_assert_eq!(*settlement, want);
                    let status = if all { JournalRunStatus::Cancelled } else { status_of(job.previous) };
                    prop_assert_eq!(step.after.status(), Some(status));
                    if let (false, Some(before_request)) = (all, requested_from) {
                        prop_assert_eq!(status, before_request);
                    }
                    requested_from = None;
                }
                _ => {}
            }
        }
    }

    /// INV-6: within a job, each entry is attempted exactly once, in ascending order, with
    /// deletions, cancellations and transfers interleaved; the job can step exactly while an
    /// entry is left and settle exactly when none is.
    #[test]
    fn inv_6_each_entry_attempted_once_in_order(run in strategy::run_with_a_job(), ops in strategy::job_moves()) {
        let system = Caller::superuser();
        let mut attempted: Vec<JournalEntryNumber> = run
            .job()
            .map(|job| run.entries()[..job.next].iter().map(|e| e.number).collect())
            .unwrap_or_default();
        let steps = history(&run, &ops);
        let mut jobs = usize::from(run.job().is_some());
        let mut settled = 0;
        for step in &steps {
            if let Some(job) = step.before.job() {
                let left: Vec<&JournalEntry> = step
                    .before
                    .entries()
                    .iter()
                    .filter(|e| !attempted.contains(&e.number))
                    .collect();
                prop_assert_eq!(step.before.entries().len() - job.next, left.len());
                let next_step = step.before.decide(&system, &Command::StepCancellation);
                let settle = step.before.decide(&system, &Command::SettleCancellation);
                match left.first() {
                    Some(next) => {
                        let outcome = if is_cancelled(next) {
                            AttemptOutcome::AlreadyCancelled
                        } else if transferred(next.transferred_to_accounting) {
                            AttemptOutcome::Failed { transferred_to_accounting: next.transferred_to_accounting }
                        } else {
                            AttemptOutcome::Cancelled
                        };
                        prop_assert_eq!(next_step, Ok(Event::EntryAttempted { entry: next.number, outcome }));
                        prop_assert_eq!(
                            settle,
                            Err(Rejection::JobNotFinished { run: RUN, remaining: left.len() })
                        );
                    }
                    None => {
                        prop_assert_eq!(next_step, Err(Rejection::JobFinished { run: RUN }));
                        prop_assert!(settle.is_ok());
                    }
                }
            }
            match &step.outcome {
                Ok(Event::CancellationRequested { .. }) => {
                    jobs += 1;
                    attempted.clear();
                }
                Ok(Event::EntryAttempted { entry, .. }) => {
                    prop_assert!(attempted.last().is_none_or(|last| last < entry), "{:?} after {:?}", entry, attempted);
                    attempted.push(*entry);
                }
                Ok(Event::CancellationSettled { .. }) => {
                    for e in step.before.entries() {
                        prop_assert!(attempted.contains(&e.number), "{} never attempted", e.number);
                    }
                    settled += 1;
                    attempted.clear();
                }
                _ => {}
            }
        }
        // Every job started settles once.
        prop_assert_eq!(settled, jobs);
        prop_assert!(final_state(&run, &steps).job().is_none());
    }

    /// INV-7: replaying the events from the initial state rebuilds the live run, after every
    /// prefix, also from events that went through JSON.
    #[test]
    fn inv_7_replay_equals_live(run in strategy::run(), ops in strategy::moves()) {
        let steps = history(&run, &ops);
        let mut log = Vec::new();
        for step in &steps {
            if let Ok(event) = &step.outcome {
                log.push(event.clone());
            }
            prop_assert_eq!(JournalRun::replay(run.clone(), &log), Ok(step.after.clone()));
        }
        let json = serde_json::to_string(&log).unwrap();
        let read: Vec<Event> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&read, &log);
        prop_assert_eq!(JournalRun::replay(run.clone(), &read), Ok(final_state(&run, &steps)));
    }

    /// INV-8: a cancel request is accepted exactly when the caller's entity is right, they hold
    /// "Cancel Journal Run", their org header names only orgs they can access, the run is theirs
    /// to see (D-6) and it is Pending, Error or Completed; then it is CancelInprogress with a job
    /// at its first entry.
    #[test]
    fn inv_8_cancel_accepted_exactly_in_scope_with_permission(
        run in strategy::run(),
        caller in strategy::any_caller(),
        scope in strategy::scope(),
        named in prop_oneof![4 => Just(RUN), 1 => Just(OTHER_RUN)],
    ) {
        let entity_ok = match &scope.entity {
            None => caller.entities.len() <= 1,
            Some(e) => caller.entities.contains(e),
        };
        let permission_ok = caller.permissions.contains(Permission::ApiWriteAccess)
            && caller.permissions.contains(Permission::CancelJournalRun);
        let header_ok = scope.orgs.as_ref().is_none_or(|h| h.as_slice().iter().all(|o| can_access(&caller, o)));
        let visible = named == RUN && run.state() != &RunState::Deleted && in_scope(&run, &caller, &scope);
        let previous = match run.state() {
            RunState::Pending => Some(CancellableStatus::Pending),
            RunState::Error => Some(CancellableStatus::Error),
            RunState::Completed => Some(CancellableStatus::Completed),
            _ => None,
        };
        let command = Command::CancelRun { run: named, scope };
        let mut after = run.clone();
        let outcome = after.execute(&caller, &command);
        match (entity_ok && permission_ok && header_ok && visible, previous) {
            (true, Some(previous)) => {
                prop_assert_eq!(outcome, Ok(Event::CancellationRequested { previous }));
                prop_assert_eq!(after.state(), &RunState::CancelInprogress(Job::Known(CancellationJob { previous, next: 0 })));
            }
            _ => prop_assert!(outcome.is_err(), "accepted: {:?}", outcome),
        }
    }

    /// INV-8: once accepted, the run shows CancelInprogress until its job settles, and nothing
    /// else starts a job.
    #[test]
    fn inv_8_cancel_inprogress_until_settled(run in strategy::run(), ops in strategy::moves()) {
        for step in history(&run, &ops) {
            let was = step.before.status() == Some(JournalRunStatus::CancelInprogress);
            let is = step.after.status() == Some(JournalRunStatus::CancelInprogress);
            match &step.outcome {
                Ok(Event::CancellationSettled { .. }) => prop_assert!(was && !is),
                Ok(Event::CancellationRequested { .. }) => {
                    prop_assert!(!was && is);
                    prop_assert_eq!(step.command.kind(), CommandKind::CancelRun);
                }
                _ => prop_assert_eq!(was, is, "{:?}", step.command),
            }
        }
    }

    /// INV-9: the kept count of cancelled entries equals a recount, after every command and
    /// after a JSON round trip (which does not carry the count).
    #[test]
    fn inv_9_cancelled_count_equals_a_recount(run in strategy::run(), ops in strategy::moves()) {
        for step in history(&run, &ops) {
            let recount = step.after.entries().iter().filter(|e| is_cancelled(e)).count();
            prop_assert_eq!(step.after.cancelled_count(), recount);
            let read: JournalRun = serde_json::from_str(&serde_json::to_string(&step.after).unwrap()).unwrap();
            prop_assert_eq!(read.cancelled_count(), recount);
            prop_assert_eq!(of_invariant(Invariant::CancelledCountIsExact, check_state(&step.after)), vec![]);
        }
    }

    /// INV-10: entries stay strictly ascending; Pending and deleted runs hold none (a
    /// Processing run may list those created so far); a job's position is at most the number
    /// of entries.
    #[test]
    fn inv_10_runs_stay_well_formed(run in strategy::run(), ops in strategy::moves()) {
        for step in history(&run, &ops) {
            let entries = step.after.entries();
            prop_assert!(entries.windows(2).all(|w| w[0].number < w[1].number), "{:?}", entries);
            if matches!(step.after.state(), RunState::Pending | RunState::Deleted) {
                prop_assert!(entries.is_empty(), "{:?}", step.after);
            }
            if let Some(job) = step.after.job() {
                prop_assert!(job.next <= entries.len());
            }
            prop_assert_eq!(of_invariant(Invariant::WellFormed, check_state(&step.after)), vec![]);
        }
    }

    /// INV-10: a snapshot's entries come in any order and are held sorted; a number listed
    /// twice is refused.
    #[test]
    fn inv_10_snapshots_are_sorted_and_duplicates_refused(entries in strategy::entries(), twice in any::<Index>()) {
        let mut sorted = entries.clone();
        sorted.sort_by_key(|e| e.number);
        let run = JournalRun::from_snapshot(RUN, vec![], RunState::Completed, entries.clone()).unwrap();
        prop_assert_eq!(run.entries(), &sorted[..]);
        if !entries.is_empty() {
            let mut doubled = entries.clone();
            let copy = entries[twice.index(entries.len())];
            doubled.push(copy);
            let error = JournalRun::from_snapshot(RUN, vec![], RunState::Completed, doubled).unwrap_err();
            let broken = of_invariant(Invariant::WellFormed, error.violations);
            prop_assert_eq!(broken.len(), 1);
            prop_assert_eq!(&broken[0].entries, &vec![copy.number]);
        }
    }

    /// INV-11: every accepted command moves the run along the life cycle, and a Cancelled run
    /// never becomes anything but DeleteInprogress or deleted.
    #[test]
    fn inv_11_status_follows_the_life_cycle(run in strategy::run(), ops in strategy::moves()) {
        let mut cancelled_seen = false;
        for step in history(&run, &ops) {
            prop_assert!(
                one_step_allowed(step.before.state(), step.after.state()),
                "{:?} -> {:?} by {:?}", step.before.state(), step.after.state(), step.command
            );
            prop_assert_eq!(of_invariant(Invariant::LifeCycle, check_transition(&step.before, &step.after)), vec![]);
            cancelled_seen |= step.before.state() == &RunState::Cancelled;
            if cancelled_seen {
                prop_assert!(matches!(
                    step.after.state(),
                    RunState::Cancelled | RunState::DeleteInprogress | RunState::Deleted
                ));
            }
            assert_sound(&step)?;
        }
        // Over many commands at once, the life cycle still holds (the auditor's use on a
        // history of snapshots).
        let last = final_state(&run, &history(&run, &ops));
        prop_assert_eq!(of_invariant(Invariant::LifeCycle, check_transition(&run, &last)), vec![]);
    }

    /// INV-12: every state reached round-trips through JSON to an equal run.
    #[test]
    fn inv_12_every_state_round_trips(run in strategy::run(), ops in strategy::moves()) {
        let json = serde_json::to_string(&run).unwrap();
        prop_assert_eq!(serde_json::from_str::<JournalRun>(&json).unwrap(), run.clone());
        for step in history(&run, &ops) {
            let json = serde_json::to_string(&step.after).unwrap();
            let read: JournalRun = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&read, &step.after);
            prop_assert_eq!(serde_json::to_string(&read).unwrap(), json);
        }
    }

    /// INV-12: a run stopped at any point of a job, serialized and read back, goes on to the
    /// same events and the same final state as one that never stopped.
    #[test]
    fn inv_12_resumed_job_settles_like_one_never_stopped(
        run in strategy::run_with_a_job(),
        ops in strategy::job_moves(),
        split in any::<Index>(),
    ) {
        let live = history(&run, &ops);
        let k = split.index(ops.len() + 1);
        let first = drive(&run, &ops[..k]);
        let stopped = final_state(&run, &first);
        let resumed: JournalRun = serde_json::from_str(&serde_json::to_string(&stopped).unwrap()).unwrap();
        prop_assert_eq!(&resumed, &stopped);
        let rest = history(&resumed, &ops[k..]);
        prop_assert_eq!(final_state(&resumed, &rest), final_state(&run, &live));
        prop_assert!(final_state(&resumed, &rest).job().is_none());
        let mut resumed_events = events(&first);
        resumed_events.extend(events(&rest));
        prop_assert_eq!(resumed_events, events(&live));
    }

    /// INV-13: a request with any set of faults gets the first of them in the documented order
    /// (entity, permission, org header, existence, run status, entry existence, entry rules),
    /// and one with none is accepted.
    #[test]
    fn inv_13_first_fault_in_order_of_precedence(
        run in prop_oneof![1 => strategy::run(), 2 => strategy::run_with_a_job()],
        op in strategy::request_move(),
    ) {
        let command = op.command(&run);
        let faults = request_faults(&run, &op.caller, &command);
        let got = run.decide(&op.caller, &command);
        match faults.first() {
            Some(first) => prop_assert_eq!(got, Err(first.clone()), "all faults: {:?}", faults),
            None => prop_assert!(got.is_ok(), "{:?}", got),
        }
    }

    /// INV-14: every run and entry number has one spelling: display then parse gives it back,
    /// also through JSON.
    #[test]
    fn inv_14_numbers_round_trip_from_values(value in 1..=u64::MAX, small in 1u64..100_000_000) {
        for n in [value, small] {
            let run = JournalRunNumber::new(n).unwrap();
            let text = run.to_string();
            prop_assert_eq!(text.parse::<JournalRunNumber>(), Ok(run));
            prop_assert_eq!(run.get(), n);
            prop_assert_eq!(serde_json::from_str::<JournalRunNumber>(&serde_json::to_string(&run).unwrap()).unwrap(), run);
            let entry = JournalEntryNumber::new(n).unwrap();
            prop_assert_eq!(entry.to_string().parse::<JournalEntryNumber>(), Ok(entry));
            prop_assert_eq!(serde_json::from_str::<JournalEntryNumber>(&serde_json::to_string(&entry).unwrap()).unwrap(), entry);
            prop_assert_eq!(&entry.to_string()[3..], &text[3..]);
            prop_assert!(text.len() >= 11);
        }
    }

    /// INV-14 and D-11: a string is accepted exactly when it is the one spelling of a number
    /// (prefix, at least eight digits, no padding beyond eight, 1 to u64::MAX), and an accepted
    /// string displays back identically.
    #[test]
    fn inv_14_accepted_strings_display_identically(
        s in prop_oneof![
            "(JR|JE|jr|Jr|J)?-?[0-9]{0,22}",
            "J[RE]-[0-9]{6,10}",
            "J[RE]-[1-9][0-9]{8,19}",
            "J[RE]-0{7,9}[0-9]{0,2}",
            "J[RE]-[0-9 +a-f\u{0660}]{7,10}",
            any::<String>(),
        ]
    ) {
        fn model(prefix: &str, s: &str) -> Option<u64> {
            let digits = s.strip_prefix(prefix)?;
            if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if digits.len() > 8 && digits.starts_with('0') {
                return None;
            }
            digits.parse::<u64>().ok().filter(|&v| v != 0)
        }
        let run = JournalRunNumber::parse(&s);
        prop_assert_eq!(run.as_ref().ok().map(|n| n.get()), model("JR-", &s), "{:?}", run);
        if let Ok(n) = run {
            prop_assert_eq!(n.to_string(), s.clone());
        }
        let entry = JournalEntryNumber::parse(&s);
        prop_assert_eq!(entry.as_ref().ok().map(|n| n.get()), model("JE-", &s), "{:?}", entry);
        if let Ok(n) = entry {
            prop_assert_eq!(n.to_string(), s.clone());
        }
    }

    /// INV-15: a Zuora-Track-Id is accepted exactly when it has at most 64 characters, all
    /// US-ASCII, none a control character or one of `: ; " '`; an accepted one is kept and
    /// echoed as given; a refused one names its first bad character, or its length.
    #[test]
    fn inv_15_track_id_accepts_exactly_safe_values(
        s in prop_oneof![
            "[ -~]{0,70}",
            "[a-zA-Z0-9._~ -]{60,68}",
            "[ -~\\t\\r\\n\\x00\\x7f]{0,66}",
            "[a-z\u{e9}\u{80}\u{2028}]{0,10}",
            any::<String>(),
        ]
    ) {
        let bad = s.chars().enumerate().find_map(|(position, c)| {
            let why = if !c.is_ascii() {
                CharacterFault::NotAscii
            } else if c.is_ascii_control() {
                CharacterFault::Control
            } else if matches!(c, ':' | ';' | '"' | '\'') {
                CharacterFault::Forbidden
            } else {
                return None;
            };
            Some(HeaderError::TrackIdCharacter { found: c, position, why })
        });
        let length = s.chars().count();
        let want = match bad {
            Some(error) => Err(error),
            None if length > 64 => Err(HeaderError::TrackIdTooLong { length, max: 64 }),
            None => Ok(()),
        };
        let got = TrackId::parse(&s);
        prop_assert_eq!(got.as_ref().map(|_| ()).map_err(Clone::clone), want);
        if let Ok(id) = got {
            prop_assert_eq!(id.as_str(), s.as_str());
            prop_assert_eq!(id.to_string(), s.clone());
            prop_assert!(s.len() <= 64 && s.bytes().all(|b| (0x20..0x7f).contains(&b)));
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<TrackId>(&json).unwrap(), id);
        } else {
            let json = serde_json::to_string(&s).unwrap();
            prop_assert!(serde_json::from_str::<TrackId>(&json).is_err());
        }
    }

    /// INV-16: Transferred to Accounting leaves Yes only by a user request from a caller with
    /// "Override Transferred to Accounting"; the accounting integration only moves
    /// No -> Processing -> Yes or Error; nothing else changes the value.
    #[test]
    fn inv_16_transferred_to_accounting_changes_only_as_allowed(run in strategy::run(), ops in strategy::job_moves()) {
        for step in history(&run, &ops) {
            for old in step.before.entries() {
                let Some(new) = step.after.entry(old.number) else { continue };
                let (from, to) = (old.transferred_to_accounting, new.transferred_to_accounting);
                if from == to {
                    continue;
                }
                match step.command.kind() {
                    CommandKind::UpdateTransferredToAccounting => {
                        if from == Tta::Yes {
                            prop_assert!(
                                step.caller.permissions.contains(Permission::OverrideTransferredToAccounting),
                                "Yes -> {} without Override", to
                            );
                        }
                    }
                    CommandKind::BeginTransfer | CommandKind::FinishTransfer => prop_assert!(
                        matches!(
                            (from, to),
                            (Tta::No, Tta::Processing) | (Tta::Processing, Tta::Yes | Tta::Error)
                        ),
                        "the integration moved {} -> {}", from, to
                    ),
                    other => prop_assert!(false, "{} changed {} -> {}", other, from, to),
                }
            }
        }
    }

    /// INV-16: a user request to leave Yes is accepted only with the Override permission,
    /// whatever else the caller holds.
    #[test]
    fn inv_16_leaving_yes_needs_override(
        to in strategy::transferred_to_accounting(),
        bits in any::<u16>(),
    ) {
        // A cancelled entry is never Yes (INV-3), so the entry is Created.
        let caller = Caller::with_permissions(PermissionSet::from_bits_truncate(bits));
        let run = JournalRun::from_snapshot(
            RUN,
            vec![],
            RunState::Completed,
            vec![JournalEntry { number: je(1), status: JournalEntryStatus::Created, transferred_to_accounting: Tta::Yes }],
        )
        .unwrap();
        let command = Command::UpdateTransferredToAccounting { entry: je(1), value: to, scope: RequestScope::default() };
        let got = run.decide(&caller, &command);
        let edit = caller.permissions.contains(Permission::EditJournalEntry);
        let override_held = caller.permissions.contains(Permission::OverrideTransferredToAccounting);
        if got.is_ok() {
            prop_assert!(edit && (to == Tta::Yes || override_held));
        }
        if edit && to != Tta::Yes && !override_held {
            prop_assert_eq!(got, Err(Rejection::OverrideRequired { entry: je(1), to }));
        }
    }
}

proptest! {
    /// INV-6, INV-5: `finish_job` (the one-pass job) gives exactly what `StepCancellation`
    /// repeated until `JobFinished`, then `SettleCancellation`, gives: the same events in the
    /// same order, the same settlement and the same final run. On a run without a job it is
    /// rejected like a step and changes nothing (INV-4).
    #[test]
    fn inv_6_finish_job_equals_the_steps_then_settling(run in strategy::run()) {
        let system = Caller::superuser();
        let mut stepped = run.clone();
        let mut step_events = Vec::new();
        let step_result = loop {
            match stepped.execute(&system, &Command::StepCancellation) {
                Ok(event) => step_events.push(event),
                Err(Rejection::JobFinished { .. }) => {
                    break stepped
                        .execute(&system, &Command::SettleCancellation)
                        .inspect(|event| step_events.push(event.clone()));
                }
                Err(other) => break Err(other),
            }
        };
        let mut finished = run.clone();
        let mut finish_events = Vec::new();
        let finish_result = finished.finish_job(|event| finish_events.push(event.clone()));
        match (step_result, finish_result) {
            (Ok(Event::CancellationSettled { settlement }), Ok(got)) => {
                prop_assert_eq!(got, settlement);
                prop_assert_eq!(&finish_events, &step_events);
                prop_assert_eq!(&finished, &stepped);
                prop_assert_eq!(check_state(&finished), vec![]);
            }
            (Err(step_rejection), Err(finish_rejection)) => {
                prop_assert!(run.job().is_none());
                prop_assert_eq!(finish_rejection, step_rejection);
                prop_assert!(finish_events.is_empty());
                prop_assert_eq!(&finished, &run);
            }
            (step, finish) => prop_assert!(false, "steps gave {:?}, finish_job gave {:?}", step, finish),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// INV-17: `apply` accepts an event exactly when some `decide` could have produced it.
// ---------------------------------------------------------------------------------------------

/// Every event some command can produce from `run`: every command of every kind, on every
/// entry number in play, from a caller allowed everything; processing commands with the lists
/// `lists`. (Permissions and scope only restrict which of these a given caller gets.)
fn producible(run: &JournalRun, lists: &[Vec<JournalEntryNumber>]) -> HashSet<Event> {
    let scope = RequestScope::default;
    let number = run.number();
    let mut commands = vec![
        Command::CreateRun(CreateRun {
            run: number,
            organizations: vec![],
            scope: scope(),
        }),
        Command::CancelRun {
            run: number,
            scope: scope(),
        },
        Command::DeleteRun {
            run: number,
            scope: scope(),
        },
        Command::StartProcessing,
        Command::StepCancellation,
        Command::SettleCancellation,
        Command::FinishDeletion,
    ];
    for entries in lists {
        commands.push(Command::CompleteProcessing {
            entries: entries.clone(),
        });
        commands.push(Command::FailProcessing {
            entries: entries.clone(),
        });
    }
    for n in 1..=ENTRY_NUMBERS {
        let entry = je(n);
        commands.push(Command::CancelEntry {
            entry,
            scope: scope(),
        });
        commands.push(Command::DeleteEntry {
            entry,
            scope: scope(),
        });
        for &value in Tta::VARIANTS {
            commands.push(Command::UpdateTransferredToAccounting {
                entry,
                value,
                scope: scope(),
            });
        }
        commands.push(Command::BeginTransfer { entry });
        for result in [TransferResult::Yes, TransferResult::Error] {
            commands.push(Command::FinishTransfer { entry, result });
        }
    }
    let superuser = Caller::superuser();
    commands
        .iter()
        .filter_map(|command| run.decide(&superuser, command).ok())
        .collect()
}

proptest! {
    /// INV-17: applied to any run, an arbitrary event is accepted exactly when some command's
    /// `decide` produces it from that run; an accepted event leaves every invariant true, and a
    /// refused one changes nothing.
    #[test]
    fn inv_17_apply_accepts_exactly_what_decide_could_produce(
        run in strategy::run(),
        events in proptest::collection::vec(strategy::event(), 1..8),
    ) {
        let lists: Vec<Vec<JournalEntryNumber>> = events
            .iter()
            .filter_map(|event| match event {
                Event::ProcessingCompleted { entries } | Event::ProcessingFailed { entries } => {
                    Some(entries.clone())
                }
                _ => None,
            })
            .collect();
        let produced = producible(&run, &lists);
        for event in &events {
            let mut after = run.clone();
            let applied = after.apply(event);
            prop_assert_eq!(
                applied.is_ok(),
                produced.contains(event),
                "{:?} on {:?}: {:?}", event, run, applied
            );
            if applied.is_ok() {
                prop_assert_eq!(check_state(&after), vec![]);
                prop_assert_eq!(check_transition(&run, &after), vec![]);
            } else {
                prop_assert_eq!(&after, &run);
            }
        }
        // Every producible event applies, and leaves every invariant true.
        for event in &produced {
            let mut after = run.clone();
            prop_assert_eq!(after.apply(event), Ok(()), "{:?}", event);
            prop_assert_eq!(check_state(&after), vec![]);
            prop_assert_eq!(check_transition(&run, &after), vec![]);
        }
    }
}
