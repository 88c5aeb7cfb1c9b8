//! The documented example (FACTS.md, PUT_JournalRun): JR-00000075, Completed, ten entries, one
//! transferred. Nine are cancelled, one fails, and the run stays Completed (INV-5, INV-1).

mod support;

use support::je;

use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, Command, Event, JournalRun, JournalRunNumber,
    JournalRunStatus, RequestScope, Settlement, TransferredToAccounting,
};

#[test]
fn jr_00000075_stays_completed_with_nine_cancelled_and_one_failed() {
    let number: JournalRunNumber = "JR-00000075".parse().unwrap();
    let system = Caller::superuser();
    let mut run = JournalRun::new(number, vec![]);
    run.execute(&system, &Command::StartProcessing).unwrap();
    run.execute(
        &system,
        &Command::CompleteProcessing {
            entries: (1..=10).map(je).collect(),
        },
    )
    .unwrap();
    // The accounting integration transfers entry 4.
    run.execute(&system, &Command::BeginTransfer { entry: je(4) })
        .unwrap();
    run.execute(
        &system,
        &Command::FinishTransfer {
            entry: je(4),
            result: journal_run::TransferResult::Yes,
        },
    )
    .unwrap();

    let accepted = run
        .execute(
            &system,
            &Command::CancelRun {
                run: number,
                scope: RequestScope::default(),
            },
        )
        .unwrap();
    assert_eq!(
        accepted,
        Event::CancellationRequested {
            previous: CancellableStatus::Completed
        }
    );
    assert_eq!(run.status(), Some(JournalRunStatus::CancelInprogress));

    let mut outcomes = Vec::new();
    for _ in 0..10 {
        match run.execute(&system, &Command::StepCancellation).unwrap() {
            Event::EntryAttempted { entry, outcome } => outcomes.push((entry, outcome)),
            other => panic!("unexpected event {other:?}"),
        }
    }
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, AttemptOutcome::Failed { .. }))
        .collect();
    assert_eq!(
        failed,
        vec![&(
            je(4),
            AttemptOutcome::Failed {
                transferred_to_accounting: TransferredToAccounting::Yes
            }
        )]
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|(_, o)| *o == AttemptOutcome::Cancelled)
            .count(),
        9
    );
    let settled = run.execute(&system, &Command::SettleCancellation).unwrap();
    assert_eq!(
        settled,
        Event::CancellationSettled {
            settlement: Settlement::Restored(CancellableStatus::Completed)
        }
    );
    assert_eq!(run.status(), Some(JournalRunStatus::Completed));
    assert_eq!(run.cancelled_count(), 9);
}
