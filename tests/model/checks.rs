//! Every invariant of docs/INVARIANTS.md that one command can break, checked around one
//! command: the library's own auditor (`check_state`, `check_transition`) *and* an independent
//! restatement of each invariant, so that a bug in the auditor cannot hide a bug in the rules.
//!
//! Shared by the model test, the exhaustive search and the simulator.
#![allow(dead_code)]

use journal_run::invariants::{check_state, check_transition};
use journal_run::{
    Caller, CancellableStatus, Command, Event, Job, JournalEntryNumber, JournalEntryStatus,
    JournalRun, JournalRunStatus, Permission, Rejection, RunState, Settlement,
    TransferredToAccounting,
};

/// The single-step life cycle of INV-11: the statuses a run can go to in one command.
fn one_step_allowed(before: Option<JournalRunStatus>, after: Option<JournalRunStatus>) -> bool {
    use JournalRunStatus as S;
    if before == after {
        return true;
    }
    matches!(
        (before, after),
        (Some(S::Pending), Some(S::Processing | S::CancelInprogress))
            | (Some(S::Processing), Some(S::Completed | S::Error))
            | (Some(S::Completed | S::Error), Some(S::CancelInprogress))
            | (
                Some(S::CancelInprogress),
                Some(S::Pending | S::Error | S::Completed | S::Cancelled)
            )
            | (Some(S::Cancelled), Some(S::DeleteInprogress))
            | (Some(S::DeleteInprogress), None)
    )
}

fn is_cancelled(status: JournalEntryStatus) -> bool {
    status == JournalEntryStatus::Cancelled
}

fn blocks(tta: TransferredToAccounting) -> bool {
    matches!(
        tta,
        TransferredToAccounting::Yes | TransferredToAccounting::Processing
    )
}

/// Invariants of one state, restated independently of `check_state` (INV-1, INV-9, INV-10),
/// plus the library auditor's verdict. Returns what is wrong, in words.
pub fn state_faults(run: &JournalRun) -> Vec<String> {
    let mut faults: Vec<String> = check_state(run)
        .into_iter()
        .map(|v| format!("check_state: {v}"))
        .collect();
    let entries = run.entries();
    if entries.windows(2).any(|w| w[0].number >= w[1].number) {
        faults.push("INV-10: entries not strictly ascending".into());
    }
    match run.state() {
        RunState::Pending | RunState::Deleted if !entries.is_empty() => {
            faults.push(format!(
                "INV-10: a {} run holds {} entries",
                run.state().name(),
                entries.len()
            ));
        }
        RunState::CancelInprogress(Job::Known(job)) if job.next > entries.len() => {
            faults.push("INV-10: job position past the entries".into());
        }
        RunState::CancelInprogress(Job::Known(job))
            if job.previous == CancellableStatus::Pending && !entries.is_empty() =>
        {
            faults.push("INV-10: a job started from Pending with entries".into());
        }
        RunState::Cancelled | RunState::DeleteInprogress
            if entries.iter().any(|e| !is_cancelled(e.status)) =>
        {
            faults.push(format!(
                "INV-1: the run is {} with an entry not cancelled",
                run.state().name()
            ));
        }
        _ => {}
    }
    // INV-5 as the run predicts it: how the running job would settle now.
    let expected_settlement = run.job().map(|job| {
        if entries.iter().all(|e| is_cancelled(e.status)) {
            Settlement::Cancelled
        } else {
            Settlement::Restored(job.previous)
        }
    });
    if run.settlement() != expected_settlement {
        faults.push(format!(
            "INV-5: the run predicts {:?}, a recount gives {expected_settlement:?}",
            run.settlement()
        ));
    }
    let recount = entries.iter().filter(|e| is_cancelled(e.status)).count();
    if recount != run.cancelled_count() {
        faults.push(format!(
            "INV-9: kept count {} but a recount gives {recount}",
            run.cancelled_count()
        ));
    }
    faults
}

/// Invariants of one command: `before` + (`caller`, `command`) gave `result` and `after`.
///
/// Checks INV-1..3, 9..11 on the states (auditor and restatement), INV-4 (a rejection changes
/// nothing), D-15/INV-7 (an accepted command yields one event that, applied to `before`, gives
/// `after`), INV-5 (settling), INV-6 (settling only after every attempt), INV-8 (the cancel
/// request), INV-16 (who changes Transferred to Accounting and how).
pub fn command_faults(
    before: &JournalRun,
    caller: &Caller,
    command: &Command,
    result: &Result<Event, Rejection>,
    after: &JournalRun,
) -> Vec<String> {
    let mut faults = state_faults(after);
    let event = match result {
        Err(rejection) => {
            if after != before {
                faults.push(format!(
                    "INV-4: rejected with {rejection:?} but the run changed"
                ));
            }
            return faults;
        }
        Ok(event) => event,
    };
    // INV-7 for one step: the event alone rebuilds `after` from `before`.
    let mut replayed = before.clone();
    match replayed.apply(event) {
        Ok(()) if &replayed == after => {}
        Ok(()) => faults.push(format!(
            "INV-7: applying {event:?} does not give the new state"
        )),
        Err(e) => faults.push(format!(
            "INV-7: {event:?} does not apply to the old state: {e}"
        )),
    }
    faults.extend(transition_faults(before, caller, command, after));
    faults
}

/// The invariants of an accepted command that concern the step from `before` to `after`
/// (the states themselves are checked by [`state_faults`]): the auditor's `check_transition`,
/// and INV-2, 3, 5, 6, 8, 11 and 16 restated.
pub fn transition_faults(
    before: &JournalRun,
    caller: &Caller,
    command: &Command,
    after: &JournalRun,
) -> Vec<String> {
    let mut faults: Vec<String> = check_transition(before, after)
        .into_iter()
        .map(|v| format!("check_transition: {v}"))
        .collect();

    // INV-11, one step.
    if !one_step_allowed(before.status(), after.status()) {
        faults.push(format!(
            "INV-11: {:?} -> {:?} in one command",
            before.status(),
            after.status()
        ));
    }

    // INV-2 and INV-3, entry by entry, restated.
    for old in before.entries() {
        let new = after.entries().iter().find(|e| e.number == old.number);
        match new {
            Some(new) => {
                if is_cancelled(old.status) && new != old {
                    faults.push(format!("INV-2: cancelled {} changed", old.number));
                }
                if !is_cancelled(old.status)
                    && is_cancelled(new.status)
                    && blocks(old.transferred_to_accounting)
                {
                    faults.push(format!(
                        "INV-3: {} was cancelled while {}",
                        old.number, old.transferred_to_accounting
                    ));
                }
                // INV-16.
                if old.transferred_to_accounting != new.transferred_to_accounting {
                    faults.extend(tta_change_faults(
                        caller,
                        command,
                        old.number,
                        old.transferred_to_accounting,
                        new.transferred_to_accounting,
                    ));
                }
            }
            None => {
                let deleting_it = matches!(command, Command::DeleteEntry { entry, .. } if *entry == old.number)
                    || matches!(command, Command::FinishDeletion);
                if !deleting_it || !is_cancelled(old.status) {
                    faults.push(format!(
                        "INV-2: {} vanished without being a cancelled entry deleted",
                        old.number
                    ));
                }
            }
        }
    }
    // Only processing creates entries (a Processing run may already list some).
    if !matches!(
        command,
        Command::CompleteProcessing { .. } | Command::FailProcessing { .. }
    ) {
        for new in after.entries() {
            if before.entry(new.number).is_none() {
                faults.push(format!("INV-2: {} appeared", new.number));
            }
        }
    }

    match command {
        // INV-8.
        Command::CancelRun { .. } => {
            if !caller.permissions.contains(Permission::CancelJournalRun) {
                faults.push("INV-8: cancel accepted without Cancel Journal Run".into());
            }
            let cancellable = matches!(
                before.status(),
                Some(
                    JournalRunStatus::Pending
                        | JournalRunStatus::Error
                        | JournalRunStatus::Completed
                )
            );
            if !cancellable {
                faults.push(format!("INV-8: cancel accepted from {:?}", before.status()));
            }
            match after.job() {
                Some(job)
                    if job.next == 0
                        && Some(JournalRunStatus::from(job.previous)) == before.status() => {}
                other => faults.push(format!(
                    "INV-8: after an accepted cancel the job is {other:?}"
                )),
            }
        }
        // INV-5 and INV-6's "settles only after every entry was attempted".
        Command::SettleCancellation => {
            let Some(job) = before.job() else {
                faults.push("INV-5: settled without a job".into());
                return faults;
            };
            if job.next != before.entries().len() {
                faults.push("INV-6: settled before every entry was attempted".into());
            }
            let all = before.entries().iter().all(|e| is_cancelled(e.status));
            let expected = if all {
                JournalRunStatus::Cancelled
            } else {
                job.previous.into()
            };
            if after.status() != Some(expected) {
                faults.push(format!(
                    "INV-5: settled {:?}, expected {expected:?}",
                    after.status()
                ));
            }
        }
        _ => {}
    }
    faults
}

/// INV-16: Transferred to Accounting leaves `Yes` only by a user with Override; the
/// integration only moves `No -> Processing -> Yes | Error`.
fn tta_change_faults(
    caller: &Caller,
    command: &Command,
    entry: JournalEntryNumber,
    from: TransferredToAccounting,
    to: TransferredToAccounting,
) -> Vec<String> {
    use TransferredToAccounting as T;
    let mut faults = Vec::new();
    match command {
        Command::UpdateTransferredToAccounting { value, .. } => {
            if *value != to {
                faults.push(format!("INV-16: {entry} set to {to}, asked {value}"));
            }
            if from == T::Yes
                && !caller
                    .permissions
                    .contains(Permission::OverrideTransferredToAccounting)
            {
                faults.push(format!("INV-16: {entry} left Yes without Override"));
            }
        }
        Command::BeginTransfer { .. } => {
            if (from, to) != (T::No, T::Processing) {
                faults.push(format!("INV-16: integration began {from} -> {to}"));
            }
        }
        Command::FinishTransfer { .. } => {
            if from != T::Processing || !matches!(to, T::Yes | T::Error) {
                faults.push(format!("INV-16: integration finished {from} -> {to}"));
            }
        }
        other => faults.push(format!(
            "INV-16: {entry} went {from} -> {to} under {:?}",
            other.kind()
        )),
    }
    faults
}

/// INV-6 over a whole job: follows the events and checks that each entry is attempted once, in
/// ascending order, with none skipped. Lives outside the run (an observer), so it survives a
/// process that stops and resumes from the serialized state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobTracker {
    attempted: Option<Vec<JournalEntryNumber>>,
}

impl JobTracker {
    /// A tracker for a run in any state (a running job's attempted entries are its first
    /// `next` entries).
    pub fn from_run(run: &JournalRun) -> Self {
        Self {
            attempted: run
                .job()
                .map(|job| run.entries()[..job.next].iter().map(|e| e.number).collect()),
        }
    }

    /// Observes one accepted event on `before`; returns what broke INV-6.
    pub fn observe(&mut self, before: &JournalRun, event: &Event) -> Vec<String> {
        let mut faults = Vec::new();
        match event {
            Event::CancellationRequested { .. } => self.attempted = Some(Vec::new()),
            Event::EntryAttempted { entry, .. } => match &mut self.attempted {
                None => faults.push("INV-6: an attempt outside a job".into()),
                Some(attempted) => {
                    if attempted.contains(entry) {
                        faults.push(format!("INV-6: {entry} attempted twice"));
                    }
                    if attempted.last().is_some_and(|last| last >= entry) {
                        faults.push(format!("INV-6: {entry} attempted out of order"));
                    }
                    let skipped: Vec<_> = before
                        .entries()
                        .iter()
                        .filter(|e| e.number < *entry && !attempted.contains(&e.number))
                        .map(|e| e.number)
                        .collect();
                    if !skipped.is_empty() {
                        faults.push(format!("INV-6: {skipped:?} skipped before {entry}"));
                    }
                    attempted.push(*entry);
                }
            },
            Event::CancellationSettled { .. } => {
                match &self.attempted {
                    None => faults.push("INV-6: settled outside a job".into()),
                    Some(attempted) => {
                        let missed: Vec<_> = before
                            .entries()
                            .iter()
                            .filter(|e| !attempted.contains(&e.number))
                            .map(|e| e.number)
                            .collect();
                        if !missed.is_empty() {
                            faults.push(format!("INV-6: settled with {missed:?} never attempted"));
                        }
                    }
                }
                self.attempted = None;
            }
            _ => {}
        }
        faults
    }
}
