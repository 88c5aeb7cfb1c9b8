//! The cancellation job's steps and its settling allocate nothing (docs/ARCHITECTURE.md, "A step
//! allocates nothing").
//!
//! This file holds the allocation tests only, in one `#[test]` function: the allocator's
//! counters are global, and the test harness runs tests on several threads, so any other test
//! here would allocate while these count. The counting allocator is `stats_alloc`'s wrapper of
//! the system allocator, declared as this test binary's global allocator.

mod support;

use support::{je, jr};

use std::alloc::System;
use std::hint::black_box;

use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, CancellationJob, Command, Event, Job, JournalEntry,
    JournalEntryStatus, JournalRun, JournalRunStatus, Rejection, RunState, Settlement,
    TransferredToAccounting,
};
use stats_alloc::{Region, Stats, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ENTRIES: u64 = 1_000;

/// A run of 1,000 entries in a cancellation job at its start. `blocked` says whether it holds
/// entries the job cannot cancel: then a quarter of them are transferred (Yes or Processing),
/// a quarter already cancelled, and the rest cancellable (No, Error, Ignore).
fn run_in_job(blocked: bool) -> JournalRun {
    let entries = (1..=ENTRIES)
        .map(|n| {
            let (status, tta) = match n % 8 {
                0 | 4 => (JournalEntryStatus::Cancelled, TransferredToAccounting::No),
                1 if blocked => (JournalEntryStatus::Created, TransferredToAccounting::Yes),
                5 if blocked => (
                    JournalEntryStatus::Created,
                    TransferredToAccounting::Processing,
                ),
                2 => (JournalEntryStatus::Created, TransferredToAccounting::Error),
                6 => (JournalEntryStatus::Created, TransferredToAccounting::Ignore),
                _ => (JournalEntryStatus::Created, TransferredToAccounting::No),
            };
            JournalEntry {
                number: je(n),
                status,
                transferred_to_accounting: tta,
            }
        })
        .collect();
    JournalRun::from_snapshot(
        jr(75),
        Vec::new(),
        RunState::CancelInprogress(Job::Known(CancellationJob {
            previous: CancellableStatus::Completed,
            next: 0,
        })),
        entries,
    )
    .unwrap()
}

/// What the job did, counted without allocating.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    cancelled: usize,
    already_cancelled: usize,
    failed: usize,
    job_not_finished: usize,
    job_finished: usize,
    settled: Option<Settlement>,
}

/// Runs the whole job with `decide` + `apply` only: a settle attempt before the first step
/// (rejected), every step, one step too many (rejected), and the settling.
fn run_job(run: &mut JournalRun, caller: &Caller, tally: &mut Tally) {
    let step = Command::StepCancellation;
    let settle = Command::SettleCancellation;
    match run.decide(caller, &settle) {
        Err(Rejection::JobNotFinished { .. }) => tally.job_not_finished += 1,
        _ => return,
    }
    for _ in 0..ENTRIES {
        let Ok(event) = run.decide(caller, &step) else {
            return;
        };
        match event {
            Event::EntryAttempted { outcome, .. } => match outcome {
                AttemptOutcome::Cancelled => tally.cancelled += 1,
                AttemptOutcome::AlreadyCancelled => tally.already_cancelled += 1,
                AttemptOutcome::Failed { .. } => tally.failed += 1,
            },
            _ => return,
        }
        if run.apply(&event).is_err() {
            return;
        }
    }
    match run.decide(caller, &step) {
        Err(Rejection::JobFinished { .. }) => tally.job_finished += 1,
        _ => return,
    }
    if let Ok(event) = run.decide(caller, &settle) {
        if let Event::CancellationSettled { settlement } = event {
            tally.settled = Some(settlement);
        }
        if run.apply(&event).is_err() {
            tally.settled = None;
        }
    }
}

fn measured(blocked: bool) -> (Stats, Tally, JournalRun) {
    let caller = Caller::superuser();
    let mut run = run_in_job(blocked);
    let mut tally = Tally::default();
    let region = Region::new(GLOBAL);
    run_job(&mut run, &caller, &mut tally);
    let stats = region.change();
    (stats, tally, run)
}

fn assert_no_allocation(stats: &Stats, what: &str) {
    assert_eq!(
        (
            stats.allocations,
            stats.reallocations,
            stats.deallocations,
            stats.bytes_allocated
        ),
        (0, 0, 0, 0),
        "{what}: {stats:?}"
    );
}

#[test]
fn step_and_settle_cancellation_allocate_nothing() {
    // The counter sees allocations: a test that cannot see one proves nothing.
    let region = Region::new(GLOBAL);
    black_box(Vec::<u64>::with_capacity(black_box(16)));
    assert!(region.change().allocations >= 1, "the allocator counts");

    // Blocked entries: 250 transferred, 250 already cancelled, 500 cancellable.
    let (stats, tally, run) = measured(true);
    assert_no_allocation(&stats, "a job with blocked entries");
    assert_eq!(
        tally,
        Tally {
            cancelled: 500,
            already_cancelled: 250,
            failed: 250,
            job_not_finished: 1,
            job_finished: 1,
            settled: Some(Settlement::Restored(CancellableStatus::Completed)),
        }
    );
    assert_eq!(run.status(), Some(JournalRunStatus::Completed));
    assert_eq!(run.cancelled_count(), 750);

    // No blocked entry: the job settles Cancelled.
    let (stats, tally, run) = measured(false);
    assert_no_allocation(&stats, "a job that cancels every entry");
    assert_eq!(
        tally,
        Tally {
            cancelled: 750,
            already_cancelled: 250,
            failed: 0,
            job_not_finished: 1,
            job_finished: 1,
            settled: Some(Settlement::Cancelled),
        }
    );
    assert_eq!(run.status(), Some(JournalRunStatus::Cancelled));
    assert_eq!(run.cancelled_count(), 1_000);
}
