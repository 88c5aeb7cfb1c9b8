//! The state machine as tables: every (run state x command kind) pair and every (entry state x
//! entry command) pair with its exact expected outcome, written out here independently of the
//! library's rules; the order of precedence of rejections (INV-13, D-10); the org and entity
//! scope rules (INV-8, D-6, D-13); and the Zuora category of every rejection.
//!
//! The tables iterate `CommandKind::VARIANTS` and match on the kind with no default arm, so a
//! new command kind does not compile until its row is written.

mod support;

use support::{entity, entry, je, jr, org, org_ids};

use std::collections::BTreeSet;

use journal_run::invariants::{check_state, check_transition};
use journal_run::wire::ErrorCategory;
use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, CancellationJob, Command, CommandKind, CreateRun,
    EntityId, Event, Job, JournalEntry, JournalEntryStatus, JournalRun, JournalRunStatus,
    OrgAccess, OrgIds, Permission, PermissionSet, Rejection, RequestScope, RunState, Settlement,
    TransferResult, TransferredToAccounting,
};
use strum::VariantArray;

use JournalEntryStatus::{Cancelled as EntryCancelledStatus, Created};
use TransferredToAccounting as Tta;

/// What `decide` answers.
type Answer = Result<Event, Rejection>;

const RUN: u64 = 75;

fn header(s: &str) -> Option<OrgIds> {
    Some(org_ids(s))
}

fn snapshot(state: RunState, organizations: &[&str], entries: Vec<JournalEntry>) -> JournalRun {
    JournalRun::from_snapshot(
        jr(RUN),
        organizations.iter().map(|o| org(o)).collect(),
        state,
        entries,
    )
    .unwrap()
}

fn job(previous: CancellableStatus, next: usize) -> RunState {
    RunState::CancelInprogress(Job::Known(CancellationJob { previous, next }))
}

fn no_override() -> Caller {
    Caller::with_permissions(
        PermissionSet::ALL.without(Permission::OverrideTransferredToAccounting),
    )
}

// ---------------------------------------------------------------------------------------------
// Run state x command kind
// ---------------------------------------------------------------------------------------------

/// The run states of the table. The three job positions are separate rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fixture {
    Pending,
    Processing,
    /// Processing, listing the entries created so far (D-23).
    ProcessingListing,
    Completed,
    Error,
    CancelAtStart,
    CancelMid,
    CancelFinished,
    /// CancelInprogress as Zuora exports it: the job unknown (D-16).
    CancelUnknown,
    Cancelled,
    DeleteInprogress,
    Deleted,
}

impl Fixture {
    const ALL: [Self; 12] = [
        Self::Pending,
        Self::Processing,
        Self::ProcessingListing,
        Self::Completed,
        Self::Error,
        Self::CancelAtStart,
        Self::CancelMid,
        Self::CancelFinished,
        Self::CancelUnknown,
        Self::Cancelled,
        Self::DeleteInprogress,
        Self::Deleted,
    ];

    /// A run with entries the commands can act on: JE-1 is cancellable (No), JE-2 is
    /// cancelled, JE-3 is being transferred, JE-4 is transferred. In a job, JE-1 stands for an
    /// entry set back to No after the job attempted it.
    fn live_entries() -> Vec<JournalEntry> {
        vec![
            entry(4, Created, Tta::Yes),
            entry(1, Created, Tta::No),
            entry(3, Created, Tta::Processing),
            entry(2, EntryCancelledStatus, Tta::Ignore),
        ]
    }

    /// The entries of a Cancelled or DeleteInprogress run: all cancelled.
    fn cancelled_entries() -> Vec<JournalEntry> {
        vec![
            entry(1, EntryCancelledStatus, Tta::No),
            entry(2, EntryCancelledStatus, Tta::Ignore),
            entry(3, EntryCancelledStatus, Tta::Error),
            entry(4, EntryCancelledStatus, Tta::No),
        ]
    }

    fn run(self) -> JournalRun {
        let (state, entries) = match self {
            Self::Pending => (RunState::Pending, vec![]),
            Self::Processing => (RunState::Processing, vec![]),
            Self::ProcessingListing => (RunState::Processing, Self::live_entries()),
            Self::Completed => (RunState::Completed, Self::live_entries()),
            Self::Error => (RunState::Error, Self::live_entries()),
            Self::CancelAtStart => (job(CancellableStatus::Completed, 0), Self::live_entries()),
            Self::CancelMid => (job(CancellableStatus::Completed, 2), Self::live_entries()),
            Self::CancelFinished => (job(CancellableStatus::Completed, 4), Self::live_entries()),
            Self::CancelUnknown => (
                RunState::CancelInprogress(Job::Unknown),
                Self::live_entries(),
            ),
            Self::Cancelled => (RunState::Cancelled, Self::cancelled_entries()),
            Self::DeleteInprogress => (RunState::DeleteInprogress, Self::cancelled_entries()),
            Self::Deleted => (RunState::Deleted, vec![]),
        };
        snapshot(state, &[], entries)
    }

    fn status(self) -> Option<JournalRunStatus> {
        use JournalRunStatus as S;
        match self {
            Self::Pending => Some(S::Pending),
            Self::Processing | Self::ProcessingListing => Some(S::Processing),
            Self::Completed => Some(S::Completed),
            Self::Error => Some(S::Error),
            Self::CancelAtStart | Self::CancelMid | Self::CancelFinished | Self::CancelUnknown => {
                Some(S::CancelInprogress)
            }
            Self::Cancelled => Some(S::Cancelled),
            Self::DeleteInprogress => Some(S::DeleteInprogress),
            Self::Deleted => None,
        }
    }
}

/// The index of a run state's variant; no default arm, so a new `RunState` variant does not
/// compile until the table covers it.
fn state_variant(state: &RunState) -> usize {
    match state {
        RunState::Pending => 0,
        RunState::Processing => 1,
        RunState::Completed => 2,
        RunState::Error => 3,
        RunState::CancelInprogress(_) => 4,
        RunState::Cancelled => 5,
        RunState::DeleteInprogress => 6,
        RunState::Deleted => 7,
    }
}

/// The command of each kind the table sends, by a superuser with no scope headers.
fn command_of(kind: CommandKind) -> Command {
    let scope = RequestScope::default();
    match kind {
        CommandKind::CreateRun => Command::CreateRun(CreateRun {
            run: jr(RUN),
            organizations: vec![],
            scope,
        }),
        CommandKind::CancelRun => Command::CancelRun {
            run: jr(RUN),
            scope,
        },
        CommandKind::DeleteRun => Command::DeleteRun {
            run: jr(RUN),
            scope,
        },
        CommandKind::CancelEntry => Command::CancelEntry {
            entry: je(1),
            scope,
        },
        CommandKind::DeleteEntry => Command::DeleteEntry {
            entry: je(2),
            scope,
        },
        CommandKind::UpdateTransferredToAccounting => Command::UpdateTransferredToAccounting {
            entry: je(1),
            value: Tta::Ignore,
            scope,
        },
        CommandKind::StartProcessing => Command::StartProcessing,
        CommandKind::CompleteProcessing => Command::CompleteProcessing {
            entries: vec![je(2), je(1)],
        },
        CommandKind::FailProcessing => Command::FailProcessing {
            entries: vec![je(3)],
        },
        CommandKind::StepCancellation => Command::StepCancellation,
        CommandKind::SettleCancellation => Command::SettleCancellation,
        CommandKind::FinishDeletion => Command::FinishDeletion,
        CommandKind::BeginTransfer => Command::BeginTransfer { entry: je(1) },
        CommandKind::FinishTransfer => Command::FinishTransfer {
            entry: je(3),
            result: TransferResult::Yes,
        },
    }
}

/// The expected outcome of `command_of(kind)` on `fixture.run()`: the event and the run's
/// status after it, or the exact rejection.
fn expected(
    fixture: Fixture,
    kind: CommandKind,
) -> Result<(Event, Option<JournalRunStatus>), Rejection> {
    use Fixture as F;
    use JournalRunStatus as S;
    let status = |s: S| {
        Err(Rejection::RunStatus {
            command: kind,
            run: jr(RUN),
            status: s,
        })
    };
    // The run's status does not allow the command: `RunStatus` with the run's status, or "not
    // found" for a deleted run.
    let refused = || match fixture.status() {
        Some(s) => status(s),
        None => Err(Rejection::RunNotFound { run: jr(RUN) }),
    };
    let accepted = |event: Event, after: Option<S>| Ok((event, after));
    let same = fixture.status();
    let entry_not_found = |n: u64| Err(Rejection::EntryNotFound { entry: je(n) });
    let cancelled_entry = |n: u64| {
        Err(Rejection::EntryCancelled {
            command: kind,
            entry: je(n),
        })
    };
    let live = matches!(
        fixture,
        F::ProcessingListing
            | F::Completed
            | F::Error
            | F::CancelAtStart
            | F::CancelMid
            | F::CancelFinished
            | F::CancelUnknown
    );
    match kind {
        // The run's number is taken, whatever its state.
        CommandKind::CreateRun => Err(Rejection::RunExists { run: jr(RUN) }),
        CommandKind::CancelRun => match fixture {
            F::Pending => accepted(
                Event::CancellationRequested {
                    previous: CancellableStatus::Pending,
                },
                Some(S::CancelInprogress),
            ),
            F::Error => accepted(
                Event::CancellationRequested {
                    previous: CancellableStatus::Error,
                },
                Some(S::CancelInprogress),
            ),
            F::Completed => accepted(
                Event::CancellationRequested {
                    previous: CancellableStatus::Completed,
                },
                Some(S::CancelInprogress),
            ),
            F::Processing
            | F::ProcessingListing
            | F::CancelAtStart
            | F::CancelMid
            | F::CancelFinished
            | F::CancelUnknown
            | F::Cancelled
            | F::DeleteInprogress
            | F::Deleted => refused(),
        },
        CommandKind::DeleteRun => match fixture {
            F::Cancelled => accepted(Event::DeletionStarted, Some(S::DeleteInprogress)),
            _ => refused(),
        },
        CommandKind::CancelEntry => match fixture {
            F::Pending | F::Processing | F::Deleted => entry_not_found(1),
            _ if live => accepted(Event::EntryCancelled { entry: je(1) }, same),
            F::Cancelled => cancelled_entry(1),
            _ => refused(),
        },
        CommandKind::DeleteEntry => match fixture {
            F::Pending | F::Deleted => entry_not_found(2),
            F::Processing | F::ProcessingListing | F::DeleteInprogress => refused(),
            _ => accepted(Event::EntryDeleted { entry: je(2) }, same),
        },
        CommandKind::UpdateTransferredToAccounting => match fixture {
            F::Pending | F::Processing | F::Deleted => entry_not_found(1),
            _ if live => accepted(
                Event::TransferredToAccountingChanged {
                    entry: je(1),
                    from: Tta::No,
                    to: Tta::Ignore,
                },
                same,
            ),
            F::Cancelled => cancelled_entry(1),
            _ => refused(),
        },
        CommandKind::StartProcessing => match fixture {
            F::Pending => accepted(Event::ProcessingStarted, Some(S::Processing)),
            _ => refused(),
        },
        CommandKind::CompleteProcessing => match fixture {
            // The listing holds both entries processing names.
            F::ProcessingListing => Err(Rejection::DuplicateEntry { entry: je(1) }),
            F::Processing => accepted(
                Event::ProcessingCompleted {
                    entries: vec![je(1), je(2)],
                },
                Some(S::Completed),
            ),
            _ => refused(),
        },
        CommandKind::FailProcessing => match fixture {
            F::ProcessingListing => Err(Rejection::DuplicateEntry { entry: je(3) }),
            F::Processing => accepted(
                Event::ProcessingFailed {
                    entries: vec![je(3)],
                },
                Some(S::Error),
            ),
            _ => refused(),
        },
        CommandKind::StepCancellation => match fixture {
            F::CancelAtStart => accepted(
                Event::EntryAttempted {
                    entry: je(1),
                    outcome: AttemptOutcome::Cancelled,
                },
                same,
            ),
            F::CancelMid => accepted(
                Event::EntryAttempted {
                    entry: je(3),
                    outcome: AttemptOutcome::Failed {
                        transferred_to_accounting: Tta::Processing,
                    },
                },
                same,
            ),
            F::CancelFinished => Err(Rejection::JobFinished { run: jr(RUN) }),
            F::CancelUnknown => Err(Rejection::JobUnknown { run: jr(RUN) }),
            _ => refused(),
        },
        CommandKind::SettleCancellation => match fixture {
            F::CancelAtStart => Err(Rejection::JobNotFinished {
                run: jr(RUN),
                remaining: 4,
            }),
            F::CancelMid => Err(Rejection::JobNotFinished {
                run: jr(RUN),
                remaining: 2,
            }),
            F::CancelUnknown => Err(Rejection::JobUnknown { run: jr(RUN) }),
            // One of four entries is cancelled: back to Completed.
            F::CancelFinished => accepted(
                Event::CancellationSettled {
                    settlement: Settlement::Restored(CancellableStatus::Completed),
                },
                Some(S::Completed),
            ),
            _ => refused(),
        },
        CommandKind::FinishDeletion => match fixture {
            F::DeleteInprogress => accepted(Event::RunDeleted, None),
            _ => refused(),
        },
        CommandKind::BeginTransfer => match fixture {
            F::Pending | F::Processing | F::Deleted => entry_not_found(1),
            _ if live => accepted(
                Event::TransferredToAccountingChanged {
                    entry: je(1),
                    from: Tta::No,
                    to: Tta::Processing,
                },
                same,
            ),
            F::Cancelled => cancelled_entry(1),
            _ => refused(),
        },
        CommandKind::FinishTransfer => match fixture {
            F::Pending | F::Processing | F::Deleted => entry_not_found(3),
            _ if live => accepted(
                Event::TransferredToAccountingChanged {
                    entry: je(3),
                    from: Tta::Processing,
                    to: Tta::Yes,
                },
                same,
            ),
            F::Cancelled => cancelled_entry(3),
            _ => refused(),
        },
    }
}

#[test]
fn every_run_state_and_command_kind() {
    let caller = Caller::superuser();
    let mut rows = 0;
    let mut states = BTreeSet::new();
    for fixture in Fixture::ALL {
        let run = fixture.run();
        states.insert(state_variant(run.state()));
        assert_eq!(run.status(), fixture.status(), "{fixture:?}");
        for &kind in CommandKind::VARIANTS {
            let command = command_of(kind);
            assert_eq!(command.kind(), kind);
            let want = expected(fixture, kind);
            let got = run.decide(&caller, &command);
            assert_eq!(
                got,
                want.clone().map(|(event, _)| event),
                "{fixture:?} x {kind}"
            );
            let mut after = run.clone();
            let executed = after.execute(&caller, &command);
            assert_eq!(executed, got, "{fixture:?} x {kind}: execute == decide");
            match want {
                Ok((_, status)) => {
                    assert_eq!(after.status(), status, "{fixture:?} x {kind}: status after");
                    assert_eq!(check_state(&after), vec![], "{fixture:?} x {kind}");
                    assert_eq!(
                        check_transition(&run, &after),
                        vec![],
                        "{fixture:?} x {kind}"
                    );
                }
                Err(_) => assert_eq!(after, run, "{fixture:?} x {kind}: rejected, unchanged"),
            }
            rows += 1;
        }
    }
    assert_eq!(rows, Fixture::ALL.len() * CommandKind::VARIANTS.len());
    assert_eq!(states, (0..8).collect(), "every RunState variant has a row");
}

#[test]
fn processing_rejects_an_entry_created_twice() {
    let run = Fixture::Processing.run();
    let caller = Caller::superuser();
    for command in [
        Command::CompleteProcessing {
            entries: vec![je(5), je(2), je(5)],
        },
        Command::FailProcessing {
            entries: vec![je(9), je(9)],
        },
    ] {
        let want = match &command {
            Command::CompleteProcessing { .. } => je(5),
            _ => je(9),
        };
        assert_eq!(
            run.decide(&caller, &command),
            Err(Rejection::DuplicateEntry { entry: want })
        );
    }
}

#[test]
fn job_settles_from_each_previous_status() {
    let caller = Caller::superuser();
    let settle = Command::SettleCancellation;
    // D-5: a run with no entries settles Cancelled, whatever it was.
    for previous in [
        CancellableStatus::Pending,
        CancellableStatus::Error,
        CancellableStatus::Completed,
    ] {
        let run = snapshot(job(previous, 0), &[], vec![]);
        assert_eq!(
            run.decide(&caller, &settle),
            Ok(Event::CancellationSettled {
                settlement: Settlement::Cancelled
            })
        );
    }
    // D-2: an Error run with an entry left goes back to Error.
    let mut run = snapshot(
        job(CancellableStatus::Error, 2),
        &[],
        vec![
            entry(1, EntryCancelledStatus, Tta::No),
            entry(2, Created, Tta::Yes),
        ],
    );
    assert_eq!(
        run.execute(&caller, &settle),
        Ok(Event::CancellationSettled {
            settlement: Settlement::Restored(CancellableStatus::Error)
        })
    );
    assert_eq!(run.status(), Some(JournalRunStatus::Error));
    // Every entry cancelled (some by hand before the job, D-12): Cancelled.
    let mut run = snapshot(
        job(CancellableStatus::Completed, 2),
        &[],
        vec![
            entry(1, EntryCancelledStatus, Tta::No),
            entry(2, EntryCancelledStatus, Tta::Error),
        ],
    );
    assert_eq!(
        run.execute(&caller, &settle),
        Ok(Event::CancellationSettled {
            settlement: Settlement::Cancelled
        })
    );
    assert_eq!(run.status(), Some(JournalRunStatus::Cancelled));
}

#[test]
fn deleting_an_attempted_entry_keeps_the_job_on_the_next_one() {
    let caller = Caller::superuser();
    let mut run = snapshot(
        job(CancellableStatus::Completed, 2),
        &[],
        vec![
            entry(1, EntryCancelledStatus, Tta::No),
            entry(2, Created, Tta::Yes),
            entry(3, Created, Tta::No),
        ],
    );
    run.execute(
        &caller,
        &Command::DeleteEntry {
            entry: je(1),
            scope: RequestScope::default(),
        },
    )
    .unwrap();
    assert_eq!(
        run.job(),
        Some(&CancellationJob {
            previous: CancellableStatus::Completed,
            next: 1
        })
    );
    assert_eq!(
        run.decide(&caller, &Command::StepCancellation),
        Ok(Event::EntryAttempted {
            entry: je(3),
            outcome: AttemptOutcome::Cancelled
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Entry state x entry command
// ---------------------------------------------------------------------------------------------

/// An entry command of the table, with the data that changes its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryCase {
    Cancel,
    Delete,
    Update {
        to: Tta,
        with_override: bool,
    },
    Begin,
    Finish(TransferResult),
    /// The cancellation job attempts the entry.
    Step,
}

/// The entry cases of each command kind; no default arm, so a new kind needs a decision here.
fn entry_cases(kind: CommandKind) -> Vec<EntryCase> {
    match kind {
        CommandKind::CancelEntry => vec![EntryCase::Cancel],
        CommandKind::DeleteEntry => vec![EntryCase::Delete],
        CommandKind::UpdateTransferredToAccounting => Tta::VARIANTS
            .iter()
            .flat_map(|&to| {
                [true, false].map(|with_override| EntryCase::Update { to, with_override })
            })
            .collect(),
        CommandKind::BeginTransfer => vec![EntryCase::Begin],
        CommandKind::FinishTransfer => vec![
            EntryCase::Finish(TransferResult::Yes),
            EntryCase::Finish(TransferResult::Error),
        ],
        CommandKind::StepCancellation => vec![EntryCase::Step],
        CommandKind::CreateRun
        | CommandKind::CancelRun
        | CommandKind::DeleteRun
        | CommandKind::StartProcessing
        | CommandKind::CompleteProcessing
        | CommandKind::FailProcessing
        | CommandKind::SettleCancellation
        | CommandKind::FinishDeletion => vec![],
    }
}

const TARGET: u64 = 7;

impl EntryCase {
    fn command(self) -> Command {
        let scope = RequestScope::default();
        let entry = je(TARGET);
        match self {
            Self::Cancel => Command::CancelEntry { entry, scope },
            Self::Delete => Command::DeleteEntry { entry, scope },
            Self::Update { to, .. } => Command::UpdateTransferredToAccounting {
                entry,
                value: to,
                scope,
            },
            Self::Begin => Command::BeginTransfer { entry },
            Self::Finish(result) => Command::FinishTransfer { entry, result },
            Self::Step => Command::StepCancellation,
        }
    }

    fn caller(self) -> Caller {
        match self {
            Self::Update {
                with_override: false,
                ..
            } => no_override(),
            _ => Caller::superuser(),
        }
    }
}

/// The expected outcome of an entry command on an entry with this status and Transferred to
/// Accounting, in a run whose state allows entry commands.
fn expected_entry(status: JournalEntryStatus, from: Tta, case: EntryCase) -> Answer {
    let e = je(TARGET);
    let cancelled = status == EntryCancelledStatus;
    let command = case.command().kind();
    let entry_cancelled = Err(Rejection::EntryCancelled { command, entry: e });
    let changed = |to: Tta| Ok(Event::TransferredToAccountingChanged { entry: e, from, to });
    let not_allowed = Err(Rejection::TransferNotAllowed {
        command,
        entry: e,
        from,
    });
    match case {
        EntryCase::Cancel => match (cancelled, from) {
            (true, _) => entry_cancelled,
            (false, Tta::Yes | Tta::Processing) => Err(Rejection::EntryTransferred {
                entry: e,
                transferred_to_accounting: from,
            }),
            (false, Tta::No | Tta::Error | Tta::Ignore) => Ok(Event::EntryCancelled { entry: e }),
        },
        EntryCase::Delete => {
            if cancelled {
                Ok(Event::EntryDeleted { entry: e })
            } else {
                Err(Rejection::EntryNotCancelled { entry: e })
            }
        }
        EntryCase::Update { to, with_override } => {
            if from == Tta::Yes && to != Tta::Yes && !with_override {
                Err(Rejection::OverrideRequired { entry: e, to })
            } else if cancelled {
                entry_cancelled
            } else {
                changed(to)
            }
        }
        EntryCase::Begin => match (cancelled, from) {
            (true, _) => entry_cancelled,
            (false, Tta::No) => changed(Tta::Processing),
            (false, _) => not_allowed,
        },
        EntryCase::Finish(result) => match (cancelled, from, result) {
            (true, _, _) => entry_cancelled,
            (false, Tta::Processing, TransferResult::Yes) => changed(Tta::Yes),
            (false, Tta::Processing, TransferResult::Error) => changed(Tta::Error),
            (false, _, _) => not_allowed,
        },
        EntryCase::Step => {
            let outcome = match (cancelled, from) {
                (true, _) => AttemptOutcome::AlreadyCancelled,
                (false, Tta::Yes | Tta::Processing) => AttemptOutcome::Failed {
                    transferred_to_accounting: from,
                },
                (false, Tta::No | Tta::Error | Tta::Ignore) => AttemptOutcome::Cancelled,
            };
            Ok(Event::EntryAttempted { entry: e, outcome })
        }
    }
}

/// The target entry after an accepted event, worked out from the event alone.
fn entry_after(before: JournalEntry, event: &Event) -> Option<JournalEntry> {
    let cancel = JournalEntry {
        status: EntryCancelledStatus,
        ..before
    };
    match event {
        Event::EntryCancelled { .. } => Some(cancel),
        Event::EntryAttempted {
            outcome: AttemptOutcome::Cancelled,
            ..
        } => Some(cancel),
        Event::EntryAttempted { .. } => Some(before),
        Event::EntryDeleted { .. } => None,
        Event::TransferredToAccountingChanged { to, .. } => Some(JournalEntry {
            transferred_to_accounting: *to,
            ..before
        }),
        other => panic!("not an entry event: {other:?}"),
    }
}

/// The runs an entry command is checked in: every state that allows entry commands, with the
/// target JE-7 between two cancelled neighbours. Cancelled only when the target is cancelled.
fn entry_runs(target: JournalEntry) -> Vec<(&'static str, JournalRun)> {
    let entries = vec![
        entry(5, EntryCancelledStatus, Tta::Ignore),
        target,
        entry(9, EntryCancelledStatus, Tta::Error),
    ];
    let mut runs = vec![
        (
            "Completed",
            snapshot(RunState::Completed, &[], entries.clone()),
        ),
        ("Error", snapshot(RunState::Error, &[], entries.clone())),
        (
            "CancelInprogress",
            snapshot(job(CancellableStatus::Completed, 1), &[], entries.clone()),
        ),
    ];
    if target.status == EntryCancelledStatus {
        runs.push(("Cancelled", snapshot(RunState::Cancelled, &[], entries)));
    }
    runs
}

#[test]
fn every_entry_state_and_entry_command() {
    let mut rows = 0;
    for &status in JournalEntryStatus::VARIANTS {
        for &tta in Tta::VARIANTS {
            if status == EntryCancelledStatus && matches!(tta, Tta::Yes | Tta::Processing) {
                // Unreachable: an entry is never cancelled while Yes or Processing, and its
                // value is frozen once cancelled (INV-2, INV-3). No run can hold it.
                assert!(JournalRun::from_snapshot(
                    jr(RUN),
                    vec![],
                    RunState::Completed,
                    vec![entry(TARGET, status, tta)]
                )
                .is_err());
                continue;
            }
            let target = entry(TARGET, status, tta);
            for (name, run) in entry_runs(target) {
                for &kind in CommandKind::VARIANTS {
                    for case in entry_cases(kind) {
                        let command = case.command();
                        assert_eq!(command.kind(), kind);
                        let got = run.decide(&case.caller(), &command);
                        let want = match (case, run.job()) {
                            (EntryCase::Step, None) => Err(Rejection::RunStatus {
                                command: kind,
                                run: jr(RUN),
                                status: run.status().unwrap(),
                            }),
                            _ => expected_entry(status, tta, case),
                        };
                        let label = format!("{status} / {tta} in a {name} run x {case:?}");
                        assert_eq!(got, want, "{label}");
                        let mut after = run.clone();
                        assert_eq!(after.execute(&case.caller(), &command), got, "{label}");
                        match got {
                            Ok(event) => {
                                assert_eq!(
                                    after.entry(je(TARGET)).copied(),
                                    entry_after(target, &event),
                                    "{label}"
                                );
                                assert_eq!(after.status(), run.status(), "{label}");
                                assert_eq!(check_state(&after), vec![], "{label}");
                                assert_eq!(check_transition(&run, &after), vec![], "{label}");
                            }
                            Err(_) => assert_eq!(after, run, "{label}"),
                        }
                        rows += 1;
                    }
                }
            }
        }
    }
    // 8 reachable entry states (Created x 5 values, Cancelled x No, Error, Ignore) x 16 cases
    // x 3 runs, plus the 3 cancelled states x 16 cases in a Cancelled run.
    assert_eq!(rows, 8 * 16 * 3 + 3 * 16);
}

#[test]
fn entry_commands_in_a_run_being_deleted_are_refused() {
    let run = snapshot(
        RunState::DeleteInprogress,
        &[],
        vec![entry(TARGET, EntryCancelledStatus, Tta::No)],
    );
    for &kind in CommandKind::VARIANTS {
        for case in entry_cases(kind) {
            assert_eq!(
                run.decide(&case.caller(), &case.command()),
                Err(Rejection::RunStatus {
                    command: kind,
                    run: jr(RUN),
                    status: JournalRunStatus::DeleteInprogress
                }),
                "{case:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// INV-13: the order of precedence
// ---------------------------------------------------------------------------------------------

/// The faults a request of one kind can have, declared in the documented order of precedence:
/// when a request has several, the first declared is the one `decide` answers.
trait Fault: Copy + std::fmt::Debug + PartialEq + VariantArray + 'static {}

impl<F: Copy + std::fmt::Debug + PartialEq + VariantArray + 'static> Fault for F {}

/// The faults one request has: a set of `F`.
#[derive(Clone, Copy)]
struct Faults<F: Fault> {
    bits: u32,
    kind: std::marker::PhantomData<F>,
}

impl<F: Fault> Faults<F> {
    fn position(fault: F) -> usize {
        F::VARIANTS.iter().position(|f| *f == fault).unwrap()
    }

    /// Whether the request has `fault`.
    fn has(self, fault: F) -> bool {
        self.bits & (1 << Self::position(fault)) != 0
    }

    /// The fault that comes first in the order of precedence; `None` for a sound request.
    fn first(self) -> Option<F> {
        F::VARIANTS.iter().copied().find(|f| self.has(*f))
    }

    /// Every set of faults of `F`, the empty one included.
    fn every() -> impl Iterator<Item = Self> {
        (0..1u32 << F::VARIANTS.len()).map(|bits| Self {
            bits,
            kind: std::marker::PhantomData,
        })
    }
}

impl<F: Fault> std::fmt::Debug for Faults<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(F::VARIANTS.iter().filter(|fault| self.has(**fault)))
            .finish()
    }
}

/// Checks every combination of the faults of `F`: `build(faults)` makes the request with
/// those faults; `expect(first, faults)` is the expected answer, where `first` is the fault
/// that comes first in the documented order, `None` when there is none.
fn every_combination<F: Fault>(
    build: impl Fn(Faults<F>) -> (Caller, Command, JournalRun),
    expect: impl Fn(Option<F>, Faults<F>) -> Answer,
) -> usize {
    let mut checked = 0;
    for faults in Faults::<F>::every() {
        let (caller, command, run) = build(faults);
        let got = run.decide(&caller, &command);
        assert_eq!(got, expect(faults.first(), faults), "faults {faults:?}");
        if got.is_err() {
            let mut after = run.clone();
            assert!(after.execute(&caller, &command).is_err());
            assert_eq!(after, run);
        }
        checked += 1;
    }
    checked
}

/// The entity fault of the precedence tests: which one the request has.
#[derive(Debug, Clone, Copy)]
enum EntityFault {
    /// The token is valid for two entities and the request names none.
    Missing,
    /// The request names an entity the token is not valid for.
    Foreign,
}

impl EntityFault {
    const BOTH: [Self; 2] = [Self::Missing, Self::Foreign];

    fn scope_entity(self, active: bool) -> Option<EntityId> {
        match (self, active) {
            (_, false) => Some(entity("ent-1")),
            (Self::Missing, true) => None,
            (Self::Foreign, true) => Some(entity("ent-9")),
        }
    }

    fn rejection(self) -> Rejection {
        match self {
            Self::Missing => Rejection::EntityRequired { entities: 2 },
            Self::Foreign => Rejection::EntityNotAccessible {
                entity: entity("ent-9"),
            },
        }
    }
}

/// A caller with two entities and three orgs, holding every permission but `without`.
fn restricted_caller(without: &[Permission]) -> Caller {
    Caller {
        permissions: without
            .iter()
            .fold(PermissionSet::ALL, |set, p| set.without(*p)),
        orgs: OrgAccess::Only(["org-1", "org-2", "org-3"].map(org).into_iter().collect()),
        entities: vec![entity("ent-1"), entity("ent-2")],
    }
}

/// The request's `Zuora-Org-Ids`: with an org the caller cannot access when `foreign`.
fn org_header(foreign: bool) -> Option<OrgIds> {
    if foreign {
        header("org-1,org-2,org-9")
    } else {
        header("org-1, org-2")
    }
}

/// The run's labels: with an org outside the request's scope when `outside`.
fn labels(outside: bool) -> &'static [&'static str] {
    if outside {
        &["org-1", "org-3"]
    } else {
        &["org-1", "org-2"]
    }
}

/// The faults of a cancel request, in the order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, VariantArray)]
enum CancelRunFault {
    /// The entity header: missing, or not the token's ([`EntityFault`]).
    Entity,
    /// The caller lacks "Cancel Journal Run".
    MissingPermission,
    /// `Zuora-Org-Ids` names an org the caller cannot access.
    ForeignOrgHeader,
    /// The run is labelled with an org outside the request's scope.
    RunOutsideScope,
    /// The request names another run's number.
    OtherRun,
    /// The run is Processing.
    WrongStatus,
}

#[test]
fn inv_13_cancel_run_with_any_faults_gets_the_first() {
    use CancelRunFault as F;
    for entity_fault in EntityFault::BOTH {
        let named = |faults: Faults<F>| jr(if faults.has(F::OtherRun) { 76 } else { RUN });
        let checked = every_combination(
            |faults: Faults<F>| {
                let caller = restricted_caller(if faults.has(F::MissingPermission) {
                    &[Permission::CancelJournalRun]
                } else {
                    &[]
                });
                let command = Command::CancelRun {
                    run: named(faults),
                    scope: RequestScope {
                        entity: entity_fault.scope_entity(faults.has(F::Entity)),
                        orgs: org_header(faults.has(F::ForeignOrgHeader)),
                    },
                };
                let (state, entries) = if faults.has(F::WrongStatus) {
                    (RunState::Processing, vec![])
                } else {
                    (RunState::Completed, vec![entry(1, Created, Tta::No)])
                };
                (
                    caller,
                    command,
                    snapshot(state, labels(faults.has(F::RunOutsideScope)), entries),
                )
            },
            |first, faults| match first {
                Some(F::Entity) => Err(entity_fault.rejection()),
                Some(F::MissingPermission) => Err(Rejection::MissingPermission {
                    command: CommandKind::CancelRun,
                    permission: Permission::CancelJournalRun,
                }),
                Some(F::ForeignOrgHeader) => Err(Rejection::OrgNotAccessible { org: org("org-9") }),
                Some(F::RunOutsideScope | F::OtherRun) => {
                    Err(Rejection::RunNotFound { run: named(faults) })
                }
                Some(F::WrongStatus) => Err(Rejection::RunStatus {
                    command: CommandKind::CancelRun,
                    run: jr(RUN),
                    status: JournalRunStatus::Processing,
                }),
                None => Ok(Event::CancellationRequested {
                    previous: CancellableStatus::Completed,
                }),
            },
        );
        assert_eq!(checked, 64);
    }
}

/// The faults of a request changing Transferred to Accounting (Yes -> No), in the order of
/// precedence.
#[derive(Debug, Clone, Copy, PartialEq, VariantArray)]
enum UpdateFault {
    /// The entity header: missing, or not the token's ([`EntityFault`]).
    Entity,
    /// The caller lacks "Edit Journal Entry".
    MissingPermission,
    /// `Zuora-Org-Ids` names an org the caller cannot access.
    ForeignOrgHeader,
    /// The run is labelled with an org outside the request's scope.
    RunOutsideScope,
    /// The run is DeleteInprogress.
    WrongStatus,
    /// The run holds no such entry.
    NoSuchEntry,
    /// The caller lacks "Override Transferred to Accounting".
    MissingOverride,
    /// The entry is cancelled.
    EntryCancelled,
}

#[test]
fn inv_13_update_transferred_to_accounting_with_any_faults_gets_the_first() {
    use UpdateFault as F;
    for entity_fault in EntityFault::BOTH {
        let named = |faults: Faults<F>| je(if faults.has(F::NoSuchEntry) { 9 } else { 5 });
        let checked = every_combination(
            |faults: Faults<F>| {
                let mut without = vec![];
                if faults.has(F::MissingPermission) {
                    without.push(Permission::EditJournalEntry);
                }
                if faults.has(F::MissingOverride) {
                    without.push(Permission::OverrideTransferredToAccounting);
                }
                let command = Command::UpdateTransferredToAccounting {
                    entry: named(faults),
                    value: Tta::No,
                    scope: RequestScope {
                        entity: entity_fault.scope_entity(faults.has(F::Entity)),
                        orgs: org_header(faults.has(F::ForeignOrgHeader)),
                    },
                };
                // A run being deleted holds only cancelled entries.
                let (state, status) = if faults.has(F::WrongStatus) {
                    (RunState::DeleteInprogress, EntryCancelledStatus)
                } else if faults.has(F::EntryCancelled) {
                    (RunState::Completed, EntryCancelledStatus)
                } else {
                    (RunState::Completed, Created)
                };
                // A cancelled entry is never Yes (INV-3): it shows No, and changing it to No
                // needs no Override, so a missing Override is a fault only of a created entry.
                let entries = vec![
                    entry(3, EntryCancelledStatus, Tta::No),
                    entry(
                        5,
                        status,
                        if status == Created { Tta::Yes } else { Tta::No },
                    ),
                ];
                (
                    restricted_caller(&without),
                    command,
                    snapshot(state, labels(faults.has(F::RunOutsideScope)), entries),
                )
            },
            |first, faults| match first {
                Some(F::Entity) => Err(entity_fault.rejection()),
                Some(F::MissingPermission) => Err(Rejection::MissingPermission {
                    command: CommandKind::UpdateTransferredToAccounting,
                    permission: Permission::EditJournalEntry,
                }),
                Some(F::ForeignOrgHeader) => Err(Rejection::OrgNotAccessible { org: org("org-9") }),
                Some(F::RunOutsideScope) => Err(Rejection::EntryNotFound {
                    entry: named(faults),
                }),
                Some(F::WrongStatus) => Err(Rejection::RunStatus {
                    command: CommandKind::UpdateTransferredToAccounting,
                    run: jr(RUN),
                    status: JournalRunStatus::DeleteInprogress,
                }),
                Some(F::NoSuchEntry) => Err(Rejection::EntryNotFound { entry: je(9) }),
                Some(F::MissingOverride) if faults.has(F::EntryCancelled) => {
                    Err(Rejection::EntryCancelled {
                        command: CommandKind::UpdateTransferredToAccounting,
                        entry: je(5),
                    })
                }
                Some(F::MissingOverride) => Err(Rejection::OverrideRequired {
                    entry: je(5),
                    to: Tta::No,
                }),
                Some(F::EntryCancelled) => Err(Rejection::EntryCancelled {
                    command: CommandKind::UpdateTransferredToAccounting,
                    entry: je(5),
                }),
                None => Ok(Event::TransferredToAccountingChanged {
                    entry: je(5),
                    from: Tta::Yes,
                    to: Tta::No,
                }),
            },
        );
        assert_eq!(checked, 256);
    }
}

/// The faults of a request cancelling one entry, in the order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, VariantArray)]
enum CancelEntryFault {
    /// The entity header: missing, or not the token's ([`EntityFault`]).
    Entity,
    /// The caller lacks "Cancel Journal Entry".
    MissingPermission,
    /// `Zuora-Org-Ids` names an org the caller cannot access.
    ForeignOrgHeader,
    /// The run is labelled with an org outside the request's scope.
    RunOutsideScope,
    /// The run is DeleteInprogress.
    WrongStatus,
    /// The run holds no such entry.
    NoSuchEntry,
    /// The entry is cancelled.
    EntryCancelled,
    /// The entry's Transferred to Accounting is Processing.
    EntryTransferred,
}

#[test]
fn inv_13_cancel_entry_with_any_faults_gets_the_first() {
    use CancelEntryFault as F;
    for entity_fault in EntityFault::BOTH {
        let named = |faults: Faults<F>| je(if faults.has(F::NoSuchEntry) { 9 } else { 5 });
        let checked = every_combination(
            |faults: Faults<F>| {
                let caller = restricted_caller(if faults.has(F::MissingPermission) {
                    &[Permission::CancelJournalEntry]
                } else {
                    &[]
                });
                let command = Command::CancelEntry {
                    entry: named(faults),
                    scope: RequestScope {
                        entity: entity_fault.scope_entity(faults.has(F::Entity)),
                        orgs: org_header(faults.has(F::ForeignOrgHeader)),
                    },
                };
                let (state, status) = if faults.has(F::WrongStatus) {
                    (RunState::DeleteInprogress, EntryCancelledStatus)
                } else if faults.has(F::EntryCancelled) {
                    (RunState::Error, EntryCancelledStatus)
                } else {
                    (RunState::Error, Created)
                };
                // A cancelled entry is never Processing (INV-3): a transferred entry needs a
                // created one, and with a wrong status or a cancelled entry it comes later in
                // the order anyway.
                let tta = if faults.has(F::EntryTransferred) && status == Created {
                    Tta::Processing
                } else {
                    Tta::Error
                };
                let entries = vec![entry(5, status, tta), entry(6, Created, Tta::No)];
                let entries = if state == RunState::DeleteInprogress {
                    vec![entry(5, status, tta)]
                } else {
                    entries
                };
                (
                    caller,
                    command,
                    snapshot(state, labels(faults.has(F::RunOutsideScope)), entries),
                )
            },
            |first, faults| match first {
                Some(F::Entity) => Err(entity_fault.rejection()),
                Some(F::MissingPermission) => Err(Rejection::MissingPermission {
                    command: CommandKind::CancelEntry,
                    permission: Permission::CancelJournalEntry,
                }),
                Some(F::ForeignOrgHeader) => Err(Rejection::OrgNotAccessible { org: org("org-9") }),
                Some(F::RunOutsideScope) => Err(Rejection::EntryNotFound {
                    entry: named(faults),
                }),
                Some(F::WrongStatus) => Err(Rejection::RunStatus {
                    command: CommandKind::CancelEntry,
                    run: jr(RUN),
                    status: JournalRunStatus::DeleteInprogress,
                }),
                Some(F::NoSuchEntry) => Err(Rejection::EntryNotFound { entry: je(9) }),
                Some(F::EntryCancelled) => Err(Rejection::EntryCancelled {
                    command: CommandKind::CancelEntry,
                    entry: je(5),
                }),
                Some(F::EntryTransferred) => Err(Rejection::EntryTransferred {
                    entry: je(5),
                    transferred_to_accounting: Tta::Processing,
                }),
                None => Ok(Event::EntryCancelled { entry: je(5) }),
            },
        );
        assert_eq!(checked, 256);
    }
}

/// The faults of a request deleting a run, in the order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, VariantArray)]
enum DeleteRunFault {
    /// The entity header: missing, or not the token's ([`EntityFault`]).
    Entity,
    /// The caller lacks "Delete Cancelled Journal Run".
    MissingPermission,
    /// `Zuora-Org-Ids` names an org the caller cannot access.
    ForeignOrgHeader,
    /// The run is labelled with an org outside the request's scope.
    RunOutsideScope,
    /// The run is Completed, not Cancelled.
    WrongStatus,
}

#[test]
fn inv_13_delete_run_with_any_faults_gets_the_first() {
    use DeleteRunFault as F;
    for entity_fault in EntityFault::BOTH {
        let checked = every_combination(
            |faults: Faults<F>| {
                let caller = restricted_caller(if faults.has(F::MissingPermission) {
                    &[Permission::DeleteCancelledJournalRun]
                } else {
                    &[]
                });
                let command = Command::DeleteRun {
                    run: jr(RUN),
                    scope: RequestScope {
                        entity: entity_fault.scope_entity(faults.has(F::Entity)),
                        orgs: org_header(faults.has(F::ForeignOrgHeader)),
                    },
                };
                let state = if faults.has(F::WrongStatus) {
                    RunState::Completed
                } else {
                    RunState::Cancelled
                };
                let entries = vec![entry(1, EntryCancelledStatus, Tta::No)];
                (
                    caller,
                    command,
                    snapshot(state, labels(faults.has(F::RunOutsideScope)), entries),
                )
            },
            |first, _| match first {
                Some(F::Entity) => Err(entity_fault.rejection()),
                Some(F::MissingPermission) => Err(Rejection::MissingPermission {
                    command: CommandKind::DeleteRun,
                    permission: Permission::DeleteCancelledJournalRun,
                }),
                Some(F::ForeignOrgHeader) => Err(Rejection::OrgNotAccessible { org: org("org-9") }),
                Some(F::RunOutsideScope) => Err(Rejection::RunNotFound { run: jr(RUN) }),
                Some(F::WrongStatus) => Err(Rejection::RunStatus {
                    command: CommandKind::DeleteRun,
                    run: jr(RUN),
                    status: JournalRunStatus::Completed,
                }),
                None => Ok(Event::DeletionStarted),
            },
        );
        assert_eq!(checked, 32);
    }
}

#[test]
fn inv_13_every_fault_at_once_gets_the_entity_fault() {
    // The caller has no permission at all, a foreign org in the header, another run's number,
    // a run outside the scope and in the wrong status: the entity header is still the answer.
    let caller = Caller {
        permissions: PermissionSet::EMPTY,
        orgs: OrgAccess::Only(BTreeSet::from([org("org-1")])),
        entities: vec![entity("ent-1"), entity("ent-2"), entity("ent-3")],
    };
    let run = snapshot(RunState::Processing, &["org-7"], vec![]);
    let command = Command::CancelRun {
        run: jr(76),
        scope: RequestScope {
            entity: None,
            orgs: header("org-8"),
        },
    };
    assert_eq!(
        run.decide(&caller, &command),
        Err(Rejection::EntityRequired { entities: 3 })
    );
}

#[test]
fn inv_13_deleted_run_is_not_found_after_the_permission_check() {
    let run = snapshot(RunState::Deleted, &[], vec![]);
    let nobody = Caller::with_permissions(PermissionSet::EMPTY);
    let cancel = Command::CancelRun {
        run: jr(RUN),
        scope: RequestScope::default(),
    };
    assert_eq!(
        run.decide(&nobody, &cancel),
        Err(Rejection::MissingPermission {
            command: CommandKind::CancelRun,
            permission: Permission::CancelJournalRun
        })
    );
    assert_eq!(
        run.decide(&Caller::superuser(), &cancel),
        Err(Rejection::RunNotFound { run: jr(RUN) })
    );
}

// ---------------------------------------------------------------------------------------------
// INV-8: who may cancel, in which scope
// ---------------------------------------------------------------------------------------------

fn cancel_in(scope: RequestScope) -> Command {
    Command::CancelRun {
        run: jr(RUN),
        scope,
    }
}

fn accepted_cancel() -> Answer {
    Ok(Event::CancellationRequested {
        previous: CancellableStatus::Completed,
    })
}

fn not_found() -> Answer {
    Err(Rejection::RunNotFound { run: jr(RUN) })
}

fn completed(labels: &[&str]) -> JournalRun {
    snapshot(
        RunState::Completed,
        labels,
        vec![entry(1, Created, Tta::No)],
    )
}

fn with_orgs(orgs: &[&str]) -> Caller {
    Caller {
        orgs: OrgAccess::Only(orgs.iter().map(|o| org(o)).collect()),
        ..Caller::superuser()
    }
}

#[test]
fn inv_8_cancel_needs_the_cancel_journal_run_permission() {
    let run = completed(&[]);
    let command = cancel_in(RequestScope::default());
    let all_but =
        Caller::with_permissions(PermissionSet::ALL.without(Permission::CancelJournalRun));
    assert_eq!(
        run.decide(&all_but, &command),
        Err(Rejection::MissingPermission {
            command: CommandKind::CancelRun,
            permission: Permission::CancelJournalRun
        })
    );
    let only = Caller::with_permissions(PermissionSet::of(&[Permission::CancelJournalRun]));
    assert_eq!(run.decide(&only, &command), accepted_cancel());
}

#[test]
fn inv_8_accepted_cancel_starts_the_job_at_the_first_entry() {
    for (state, previous) in [
        (RunState::Pending, CancellableStatus::Pending),
        (RunState::Error, CancellableStatus::Error),
        (RunState::Completed, CancellableStatus::Completed),
    ] {
        let entries = if state == RunState::Pending {
            vec![]
        } else {
            vec![entry(2, Created, Tta::Yes), entry(1, Created, Tta::No)]
        };
        let mut run = snapshot(state, &[], entries);
        run.execute(&Caller::superuser(), &cancel_in(RequestScope::default()))
            .unwrap();
        assert_eq!(run.state(), &job(previous, 0));
        assert_eq!(run.status(), Some(JournalRunStatus::CancelInprogress));
    }
}

#[test]
fn inv_8_a_run_without_labels_is_in_every_scope() {
    let run = completed(&[]);
    assert_eq!(
        run.decide(&with_orgs(&[]), &cancel_in(RequestScope::default())),
        accepted_cancel()
    );
    let scope = RequestScope {
        entity: None,
        orgs: header("org-1"),
    };
    assert_eq!(
        run.decide(&with_orgs(&["org-1"]), &cancel_in(scope)),
        accepted_cancel()
    );
}

#[test]
fn inv_8_without_a_header_the_scope_is_every_accessible_org() {
    let run = completed(&["org-1", "org-2"]);
    let command = cancel_in(RequestScope::default());
    assert_eq!(
        run.decide(&with_orgs(&["org-1", "org-2", "org-3"]), &command),
        accepted_cancel()
    );
    assert_eq!(
        run.decide(&Caller::superuser(), &command),
        accepted_cancel()
    );
    // One label the caller cannot access: the run is not found, not "denied" (D-6).
    assert_eq!(run.decide(&with_orgs(&["org-1"]), &command), not_found());
    assert_eq!(run.decide(&with_orgs(&[]), &command), not_found());
}

#[test]
fn inv_8_a_run_labelled_outside_the_org_header_is_not_found() {
    let run = completed(&["org-1", "org-2"]);
    let caller = with_orgs(&["org-1", "org-2", "org-3"]);
    let scoped = |h: &str| {
        cancel_in(RequestScope {
            entity: None,
            orgs: header(h),
        })
    };
    // Every label must be in the header's scope, not just one.
    assert_eq!(run.decide(&caller, &scoped("org-1")), not_found());
    assert_eq!(run.decide(&caller, &scoped("org-3")), not_found());
    assert_eq!(
        run.decide(&caller, &scoped("org-2,org-1")),
        accepted_cancel()
    );
    assert_eq!(
        run.decide(&caller, &scoped("org-1,org-2,org-3")),
        accepted_cancel()
    );
    // A caller with access to every org is still limited by the header.
    assert_eq!(
        run.decide(&Caller::superuser(), &scoped("org-3")),
        not_found()
    );
    assert_eq!(
        run.decide(&Caller::superuser(), &scoped("org-1,org-2")),
        accepted_cancel()
    );
}

#[test]
fn inv_8_an_org_header_naming_an_inaccessible_org_is_denied() {
    let run = completed(&["org-1"]);
    let caller = with_orgs(&["org-1"]);
    let command = cancel_in(RequestScope {
        entity: None,
        orgs: header("org-1,org-2"),
    });
    assert_eq!(
        run.decide(&caller, &command),
        Err(Rejection::OrgNotAccessible { org: org("org-2") })
    );
    assert_eq!(
        journal_run::wire::rejection_category(&Rejection::OrgNotAccessible { org: org("org-2") }),
        ErrorCategory::PermissionDenied
    );
}

#[test]
fn inv_8_entry_requests_outside_the_scope_are_entry_not_found() {
    let run = completed(&["org-2"]);
    let caller = with_orgs(&["org-1"]);
    for command in [
        Command::CancelEntry {
            entry: je(1),
            scope: RequestScope::default(),
        },
        Command::DeleteEntry {
            entry: je(1),
            scope: RequestScope::default(),
        },
        Command::UpdateTransferredToAccounting {
            entry: je(1),
            value: Tta::Ignore,
            scope: RequestScope::default(),
        },
    ] {
        assert_eq!(
            run.decide(&caller, &command),
            Err(Rejection::EntryNotFound { entry: je(1) }),
            "{command:?}"
        );
    }
}

#[test]
fn inv_8_entity_header_against_the_token() {
    let run = completed(&[]);
    let scoped = |e: Option<&str>| {
        cancel_in(RequestScope {
            entity: e.map(entity),
            orgs: None,
        })
    };
    let token = |entities: &[&str]| Caller {
        entities: entities.iter().map(|e| entity(e)).collect(),
        ..Caller::superuser()
    };
    let rows: [(&[&str], Option<&str>, Answer); 7] = [
        // Multi-entity off: no header is right; a header is an entity the token lacks (D-13).
        (&[], None, accepted_cancel()),
        (
            &[],
            Some("ent-1"),
            Err(Rejection::EntityNotAccessible {
                entity: entity("ent-1"),
            }),
        ),
        // One entity: the header may be left out, or name it.
        (&["ent-1"], None, accepted_cancel()),
        (&["ent-1"], Some("ent-1"), accepted_cancel()),
        (
            &["ent-1"],
            Some("ent-2"),
            Err(Rejection::EntityNotAccessible {
                entity: entity("ent-2"),
            }),
        ),
        // Several: the header is required.
        (
            &["ent-1", "ent-2"],
            None,
            Err(Rejection::EntityRequired { entities: 2 }),
        ),
        (&["ent-1", "ent-2"], Some("ent-2"), accepted_cancel()),
    ];
    for (entities, named, want) in rows {
        assert_eq!(
            run.decide(&token(entities), &scoped(named)),
            want,
            "token {entities:?}, header {named:?}"
        );
    }
}

#[test]
fn inv_8_zuora_processes_ignore_the_caller() {
    // D-8: the job goes on whatever the caller; scope and permissions are for requests.
    let nobody = Caller {
        permissions: PermissionSet::EMPTY,
        orgs: OrgAccess::Only(BTreeSet::new()),
        entities: vec![entity("ent-1"), entity("ent-2")],
    };
    let run = snapshot(
        job(CancellableStatus::Completed, 0),
        &["org-5"],
        vec![entry(1, Created, Tta::No)],
    );
    assert_eq!(
        run.decide(&nobody, &Command::StepCancellation),
        Ok(Event::EntryAttempted {
            entry: je(1),
            outcome: AttemptOutcome::Cancelled
        })
    );
    assert_eq!(
        run.decide(&nobody, &Command::BeginTransfer { entry: je(1) }),
        Ok(Event::TransferredToAccountingChanged {
            entry: je(1),
            from: Tta::No,
            to: Tta::Processing
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Categories
// ---------------------------------------------------------------------------------------------

#[test]
fn every_rejection_has_its_zuora_category() {
    use ErrorCategory as C;
    let kind = CommandKind::CancelEntry;
    let rows = [
        (
            Rejection::EntityRequired { entities: 2 },
            C::MissingRequiredField,
            22,
        ),
        (
            Rejection::EntityNotAccessible {
                entity: entity("ent-9"),
            },
            C::PermissionDenied,
            10,
        ),
        (
            Rejection::MissingPermission {
                command: kind,
                permission: Permission::CancelJournalEntry,
            },
            C::PermissionDenied,
            10,
        ),
        (
            Rejection::OrgNotAccessible { org: org("org-9") },
            C::PermissionDenied,
            10,
        ),
        (Rejection::RunNotFound { run: jr(RUN) }, C::NotFound, 40),
        (Rejection::EntryNotFound { entry: je(1) }, C::NotFound, 40),
        (
            Rejection::RunStatus {
                command: kind,
                run: jr(RUN),
                status: JournalRunStatus::DeleteInprogress,
            },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::OverrideRequired {
                entry: je(1),
                to: Tta::No,
            },
            C::PermissionDenied,
            10,
        ),
        (
            Rejection::EntryCancelled {
                command: kind,
                entry: je(1),
            },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::EntryNotCancelled { entry: je(1) },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::EntryTransferred {
                entry: je(1),
                transferred_to_accounting: Tta::Yes,
            },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::TransferNotAllowed {
                command: CommandKind::BeginTransfer,
                entry: je(1),
                from: Tta::Yes,
            },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::JobFinished { run: jr(RUN) },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::JobNotFinished {
                run: jr(RUN),
                remaining: 3,
            },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::DuplicateEntry { entry: je(1) },
            C::InvalidValue,
            20,
        ),
        (
            Rejection::JobUnknown { run: jr(RUN) },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::PendingRunExists { pending: jr(RUN) },
            C::RuleRestriction,
            30,
        ),
        (
            Rejection::RunExecuting {
                run: jr(RUN),
                processing: jr(RUN + 1),
            },
            C::RuleRestriction,
            30,
        ),
        (Rejection::RunExists { run: jr(RUN) }, C::InvalidValue, 20),
    ];
    for (rejection, category, code) in rows {
        assert_eq!(
            journal_run::wire::rejection_category(&rejection),
            category,
            "{rejection:?}"
        );
        assert_eq!(
            journal_run::wire::rejection_category(&rejection).code(),
            code,
            "{rejection:?}"
        );
        let error = journal_run::Error::from(rejection.clone());
        assert_eq!(
            journal_run::wire::category(&error),
            category,
            "{rejection:?} as Error"
        );
    }
}

/// A command kind's name is its serialized name (camelCase), for logs and the generated tables;
/// messages use `action()`, the operation in words, never this name.
#[test]
fn command_kinds_are_named_as_they_are_serialized() {
    for &kind in CommandKind::VARIANTS {
        let serialized = serde_json::to_value(kind).unwrap();
        assert_eq!(serialized.as_str(), Some(kind.as_str()), "{kind:?}");
        assert_eq!(kind.to_string(), kind.as_str(), "{kind:?}");
        assert!(!kind.action().contains(kind.as_str()), "{kind:?}");
    }
    assert_eq!(CommandKind::CancelRun.as_str(), "cancelRun");
    assert_eq!(CommandKind::CancelRun.action(), "cancel a journal run");
    assert_eq!(
        CommandKind::UpdateTransferredToAccounting.to_string(),
        "updateTransferredToAccounting"
    );
}
