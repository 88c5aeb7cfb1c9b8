//! Exhaustive checking of small runs: a breadth-first search over every state reachable from
//! every run of 0 to 4 entries, in every initial run state (every status; every job position
//! and status before the request), with every initial mix of entry statuses and Transferred to
//! Accounting values. From each state it tries every command (the job's steps and settling,
//! cancel and delete requests, each entry's cancel, delete, five Transferred to Accounting
//! updates by a user with and without Override, the integration's transfers, processing,
//! deletion), so every interleaving of the job with the other commands is explored.
//!
//! In every reached state: the state invariants (auditor and independent restatement) and a
//! serde round trip (INV-12). On every edge: the library's outcome equals the reference model's
//! (event or rejection, INV-13), and every command invariant holds (INV-2..8, 11, 16).
//! It prints how many states and transitions it explored (docs/VERIFICATION.md records them).

mod support;

use support::{je, jr};

#[path = "model/checks.rs"]
mod checks;
#[path = "model/reference.rs"]
mod reference;
mod small_runs;

use std::collections::HashSet;

use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, Command, CreateRun, Event, JournalRun,
    JournalRunNumber, Permission, PermissionSet, RequestScope, Settlement, TransferResult,
    TransferredToAccounting,
};

use checks::{state_faults, transition_faults};
use reference::{view_of_run, Model};
use small_runs::{entry_mixes, run_states};
use strum::VariantArray;

/// The most entries a run starts with; `EXHAUSTIVE_MAX_ENTRIES` lowers it (scripts/mutants.sh
/// uses 3, to keep each mutant's test run short).
fn max_entries() -> u64 {
    std::env::var("EXHAUSTIVE_MAX_ENTRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4)
}

fn run_number() -> JournalRunNumber {
    jr(75)
}

/// Every initial run the snapshot constructor accepts, and how many candidate snapshots it
/// rejected as unsound (a Pending run with entries, a Cancelled run with a Created entry...).
fn initial_runs() -> (Vec<JournalRun>, usize) {
    let mut runs = Vec::new();
    let mut rejected = 0;
    for n in 0..=max_entries() {
        let mixes = entry_mixes(n);
        for state in run_states(n as usize) {
            for mix in &mixes {
                match JournalRun::from_snapshot(run_number(), vec![], state, mix.clone()) {
                    Ok(run) => runs.push(run),
                    Err(_) => rejected += 1,
                }
            }
        }
    }
    (runs, rejected)
}

/// Every command tried from every state, with its caller.
fn commands() -> Vec<(Caller, Command)> {
    let everyone = Caller::superuser();
    let no_override = Caller::with_permissions(
        PermissionSet::ALL.without(Permission::OverrideTransferredToAccounting),
    );
    let scope = RequestScope::default;
    let mut commands = vec![
        Command::CreateRun(CreateRun {
            run: run_number(),
            organizations: vec![],
            scope: scope(),
        }),
        Command::CancelRun {
            run: run_number(),
            scope: scope(),
        },
        Command::DeleteRun {
            run: run_number(),
            scope: scope(),
        },
        Command::StartProcessing,
        Command::StepCancellation,
        Command::SettleCancellation,
        Command::FinishDeletion,
    ];
    for n in 0..=max_entries() {
        let entries: Vec<_> = (1..=n).map(je).collect();
        commands.push(Command::CompleteProcessing {
            entries: entries.clone(),
        });
        commands.push(Command::FailProcessing { entries });
    }
    // Entry commands, including one entry no run holds.
    for number in 1..=max_entries() + 1 {
        let entry = je(number);
        commands.push(Command::CancelEntry {
            entry,
            scope: scope(),
        });
        commands.push(Command::DeleteEntry {
            entry,
            scope: scope(),
        });
        for &value in TransferredToAccounting::VARIANTS {
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
    let mut with_callers: Vec<_> = commands
        .into_iter()
        .map(|command| (everyone.clone(), command))
        .collect();
    for number in 1..=max_entries() {
        for &value in TransferredToAccounting::VARIANTS {
            with_callers.push((
                no_override.clone(),
                Command::UpdateTransferredToAccounting {
                    entry: je(number),
                    value,
                    scope: scope(),
                },
            ));
        }
    }
    with_callers
}

/// Events to apply to every state, fitting or not: every event the commands above can produce
/// anywhere, and foreign ones no command produces (unsorted or repeated processing lists).
fn event_pool() -> Vec<Event> {
    let previous = [
        CancellableStatus::Pending,
        CancellableStatus::Error,
        CancellableStatus::Completed,
    ];
    let mut pool = vec![
        Event::ProcessingStarted,
        Event::DeletionStarted,
        Event::RunDeleted,
        Event::CancellationSettled {
            settlement: Settlement::Cancelled,
        },
        Event::ProcessingCompleted {
            entries: vec![je(2), je(1)],
        },
        Event::ProcessingFailed {
            entries: vec![je(1), je(1)],
        },
    ];
    for previous in previous {
        pool.push(Event::CancellationRequested { previous });
        pool.push(Event::CancellationSettled {
            settlement: Settlement::Restored(previous),
        });
    }
    for n in 0..=max_entries() {
        let entries: Vec<_> = (1..=n).map(je).collect();
        pool.push(Event::ProcessingCompleted {
            entries: entries.clone(),
        });
        pool.push(Event::ProcessingFailed { entries });
    }
    for number in 1..=max_entries() + 1 {
        let entry = je(number);
        pool.push(Event::EntryCancelled { entry });
        pool.push(Event::EntryDeleted { entry });
        for outcome in [AttemptOutcome::Cancelled, AttemptOutcome::AlreadyCancelled] {
            pool.push(Event::EntryAttempted { entry, outcome });
        }
        for &from in TransferredToAccounting::VARIANTS {
            pool.push(Event::EntryAttempted {
                entry,
                outcome: AttemptOutcome::Failed {
                    transferred_to_accounting: from,
                },
            });
            for &to in TransferredToAccounting::VARIANTS {
                pool.push(Event::TransferredToAccountingChanged { entry, from, to });
            }
        }
    }
    pool
}

#[derive(Debug, Default)]
struct Figures {
    initial: usize,
    rejected_snapshots: usize,
    states: usize,
    transitions: usize,
    accepted: usize,
    events_applied: usize,
}

/// Whether trying `command` from `caller` on `run` can tell anything the super-user's command
/// does not: the caller without Override differs from the super-user only on an entry whose
/// Transferred to Accounting is Yes.
fn worth_trying(run: &JournalRun, caller: &Caller, command: &Command) -> bool {
    if caller
        .permissions
        .contains(Permission::OverrideTransferredToAccounting)
    {
        return true;
    }
    match command {
        Command::UpdateTransferredToAccounting { entry, .. } => run
            .entry(*entry)
            .is_some_and(|e| e.transferred_to_accounting == TransferredToAccounting::Yes),
        _ => true,
    }
}

/// Checks one state and every command from it; returns the figures and the successors not in
/// `seen`.
fn visit(
    run: &JournalRun,
    commands: &[(Caller, Command)],
    pool: &[Event],
    seen: &HashSet<JournalRun>,
    figures: &mut Figures,
    successors: &mut Vec<JournalRun>,
) {
    figures.states += 1;
    let faults = state_faults(run);
    assert!(faults.is_empty(), "{run:?}: {faults:?}");
    // INV-12: the state round-trips through serde.
    let saved = serde_json::to_string(run).unwrap();
    let loaded: JournalRun = serde_json::from_str(&saved).unwrap();
    assert_eq!(&loaded, run, "INV-12: {saved}");

    let mut model = Model::from_run(run);
    let mut decided: HashSet<Event> = HashSet::new();
    for (caller, command) in commands {
        if !worth_trying(run, caller, command) {
            continue;
        }
        figures.transitions += 1;
        let result = run.decide(caller, command);
        match &result {
            Err(rejection) => {
                // The model changes nothing when it rejects, so it is reused. INV-4 holds by
                // construction here (`decide` takes `&self`); the model test checks that
                // `execute` leaves a rejected run unchanged.
                let expected = model.execute(caller, command);
                assert_eq!(
                    Err(rejection),
                    expected.as_ref(),
                    "{command:?} from {caller:?} on {run:?}"
                );
            }
            Ok(event) => {
                figures.accepted += 1;
                decided.insert(event.clone());
                let mut expected_model = model.clone();
                let expected = expected_model.execute(caller, command);
                assert_eq!(
                    Ok(event),
                    expected.as_ref(),
                    "{command:?} from {caller:?} on {run:?}"
                );
                let mut after = run.clone();
                after.apply(event).unwrap();
                assert_eq!(
                    view_of_run(&after),
                    expected_model.view(),
                    "{command:?} on {run:?}"
                );
                // The new state's own invariants are checked when it is visited.
                let faults = transition_faults(run, caller, command, &after);
                assert!(faults.is_empty(), "{command:?} on {run:?}: {faults:?}");
                if !seen.contains(&after) {
                    successors.push(after);
                }
            }
        }
    }
    assert_eq!(
        model,
        Model::from_run(run),
        "the model changed on rejections"
    );
    // INV-17: `apply` accepts exactly the events some command's `decide` produced here, and a
    // refused event changes nothing.
    for event in pool {
        figures.events_applied += 1;
        let mut after = run.clone();
        let applied = after.apply(event);
        assert_eq!(
            applied.is_ok(),
            decided.contains(event),
            "INV-17: {event:?} on {run:?}: {applied:?}"
        );
        if applied.is_err() {
            assert_eq!(&after, run, "INV-17: the refused {event:?} changed the run");
        }
    }
}

/// Breadth-first search, one level at a time, each level's states shared among the cores.
fn explore() -> Figures {
    let (initial, rejected_snapshots) = initial_runs();
    let commands = commands();
    let pool = event_pool();
    let mut figures = Figures {
        initial: initial.len(),
        rejected_snapshots,
        ..Figures::default()
    };
    let mut seen: HashSet<JournalRun> = HashSet::new();
    let mut level: Vec<JournalRun> = Vec::new();
    for run in initial {
        if seen.insert(run.clone()) {
            level.push(run);
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    while !level.is_empty() {
        let chunk = level.len().div_ceil(threads);
        let results: Vec<(Figures, Vec<JournalRun>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = level
                .chunks(chunk)
                .map(|states| {
                    let (commands, pool, seen) = (&commands, &pool, &seen);
                    scope.spawn(move || {
                        let mut figures = Figures::default();
                        let mut successors = Vec::new();
                        for run in states {
                            visit(run, commands, pool, seen, &mut figures, &mut successors);
                        }
                        (figures, successors)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut next = Vec::new();
        for (part, successors) in results {
            figures.states += part.states;
            figures.transitions += part.transitions;
            figures.accepted += part.accepted;
            figures.events_applied += part.events_applied;
            for run in successors {
                if seen.insert(run.clone()) {
                    next.push(run);
                }
            }
        }
        level = next;
    }
    figures
}

#[test]
fn inv_all_hold_in_every_reachable_state_of_runs_up_to_four_entries() {
    let started = std::time::Instant::now();
    let figures = explore();
    println!(
        "exhaustive (runs of 0 to {} entries): {} initial runs ({} unsound snapshots rejected), {} states explored, \
         {} transitions tried ({} accepted), {} events applied, in {:.1?}",
        max_entries(),
        figures.initial,
        figures.rejected_snapshots,
        figures.states,
        figures.transitions,
        figures.accepted,
        figures.events_applied,
        started.elapsed()
    );
    // Every initial run is a state; the search must have gone beyond them (deletions reach
    // runs whose entry numbers have gaps, which no initial run has).
    assert!(figures.states > figures.initial);
}
