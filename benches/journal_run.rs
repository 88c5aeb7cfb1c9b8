//! Benchmarks of the rules, each beside the floor it is measured against.
//!
//! Run with `cargo bench --bench journal_run`; docs/PERFORMANCE.md records the figures and the
//! ratios between benchmarks of one run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use journal_run::{
    Caller, CancellableStatus, CancellationJob, Command, EntityId, Event, Job, JournalEntry,
    JournalEntryNumber, JournalEntryStatus, JournalRun, JournalRunNumber, OrgAccess, OrgId, OrgIds,
    PermissionSet, RequestScope, RunState, TrackId, TransferredToAccounting,
};

const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

fn run_number() -> JournalRunNumber {
    JournalRunNumber::new(75).unwrap_or_else(|| unreachable!())
}

/// `n` entries, one in ten transferred (so not cancellable), in entry-number order.
fn entries(n: usize) -> Vec<JournalEntry> {
    (1..=n as u64)
        .map(|i| JournalEntry {
            number: JournalEntryNumber::new(i).unwrap_or_else(|| unreachable!()),
            status: JournalEntryStatus::Created,
            transferred_to_accounting: if i % 10 == 0 {
                TransferredToAccounting::Yes
            } else {
                TransferredToAccounting::No
            },
        })
        .collect()
}

/// A run of `n` entries whose cancel request was just accepted.
fn cancelling_run(n: usize) -> JournalRun {
    JournalRun::from_snapshot(
        run_number(),
        Vec::new(),
        RunState::CancelInprogress(Job::Known(CancellationJob {
            previous: CancellableStatus::Completed,
            next: 0,
        })),
        entries(n),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn numbers(c: &mut Criterion) {
    let mut group = c.benchmark_group("numbers");
    group.bench_function("parse JE", |b| {
        b.iter(|| black_box(black_box("JE-00012345").parse::<JournalEntryNumber>()))
    });
    group.bench_function("parse JR", |b| {
        b.iter(|| black_box(black_box("JR-00000075").parse::<JournalRunNumber>()))
    });
    let number = JournalEntryNumber::new(12_345).unwrap_or_else(|| unreachable!());
    let mut text = String::with_capacity(16);
    group.bench_function("display JE", |b| {
        b.iter(|| {
            use std::fmt::Write;
            text.clear();
            let _ = write!(text, "{}", black_box(number));
            black_box(text.len())
        })
    });
    group.finish();
}

fn cancel_request(c: &mut Criterion) {
    let orgs = |ids: &[&str]| -> OrgAccess {
        OrgAccess::Only(
            ids.iter()
                .map(|s| OrgId::parse(s).unwrap_or_else(|e| panic!("{e}")))
                .collect(),
        )
    };
    let caller = Caller {
        permissions: PermissionSet::ALL,
        orgs: orgs(&["org-east", "org-west", "org-north"]),
        entities: vec![
            EntityId::parse("entity-1").unwrap_or_else(|e| panic!("{e}")),
            EntityId::parse("entity-2").unwrap_or_else(|e| panic!("{e}")),
        ],
    };
    let run = JournalRun::from_snapshot(
        run_number(),
        vec![OrgId::parse("org-east").unwrap_or_else(|e| panic!("{e}"))],
        RunState::Completed,
        entries(10),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("cancel request: parse headers + decide", |b| {
        b.iter(|| {
            let number: JournalRunNumber = black_box("JR-00000075").parse().ok()?;
            let track = TrackId::parse(black_box("req-7f3a-2026-11-24")).ok()?;
            let scope = RequestScope {
                entity: Some(EntityId::parse(black_box("entity-2")).ok()?),
                orgs: Some(OrgIds::parse(black_box("org-east, org-west")).ok()?),
            };
            let decision = run.decide(&caller, &Command::CancelRun { run: number, scope });
            black_box((track, decision)).1.ok()
        })
    });
    let handler = journal_run::wire::CancelHandler::default();
    let request_id = journal_run::wire::RequestId::parse("d7479cf6-b410-4630-b841-268ccd48f0d2")
        .unwrap_or_else(|e| panic!("{e}"));
    let process_id =
        journal_run::wire::ProcessId::parse("738CBB9234B47A47").unwrap_or_else(|e| panic!("{e}"));
    let headers = [
        ("Authorization", "Bearer 6d1e8f0a9b"),
        ("Zuora-Track-Id", "req-7f3a-2026-11-24"),
        ("Zuora-Entity-Ids", "entity-2"),
        ("Zuora-Org-Ids", "org-east, org-west"),
        ("Accept-Encoding", "gzip"),
    ];
    c.bench_function(
        "cancel request: wire handler (path, headers, permission, scope)",
        |b| {
            b.iter(|| {
                let outcome = handler.handle(
                    black_box("JR-00000075"),
                    black_box(&headers),
                    &caller,
                    &run,
                    &request_id,
                    &process_id,
                );
                black_box(outcome.response.status)
            })
        },
    );
}

/// The whole job, step by step through `execute`, against one plain pass over the same
/// entries that reads and writes each status (the memory-bandwidth floor).
fn cancellation_job(c: &mut Criterion) {
    let mut group = c.benchmark_group("cancellation job");
    group.sample_size(10);
    let zuora = Caller::superuser();
    for n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        let template = cancelling_run(n);
        group.bench_with_input(
            BenchmarkId::new("job (step x n + settle)", n),
            &n,
            |b, _| {
                b.iter_batched_ref(
                    || template.clone(),
                    |run| {
                        let mut failed = 0_usize;
                        loop {
                            match run.execute(&zuora, &Command::StepCancellation) {
                                Ok(Event::EntryAttempted {
                                    outcome: journal_run::AttemptOutcome::Failed { .. },
                                    ..
                                }) => failed += 1,
                                Ok(_) => {}
                                Err(_) => break,
                            }
                        }
                        let settled = run.execute(&zuora, &Command::SettleCancellation);
                        black_box((failed, settled))
                    },
                    BatchSize::LargeInput,
                )
            },
        );
        group.bench_with_input(BenchmarkId::new("job (finish_job)", n), &n, |b, _| {
            b.iter_batched_ref(
                || template.clone(),
                |run| {
                    let mut failed = 0_usize;
                    let settled = run.finish_job(|event| {
                        if let Event::EntryAttempted {
                            outcome: journal_run::AttemptOutcome::Failed { .. },
                            ..
                        } = event
                        {
                            failed += 1;
                        }
                    });
                    black_box((failed, settled))
                },
                BatchSize::LargeInput,
            )
        });
        let plain = entries(n);
        group.bench_with_input(BenchmarkId::new("floor (one pass)", n), &n, |b, _| {
            b.iter_batched_ref(
                || plain.clone(),
                |entries| {
                    let mut cancelled = 0_usize;
                    for entry in entries.iter_mut() {
                        if !matches!(
                            entry.transferred_to_accounting,
                            TransferredToAccounting::Yes | TransferredToAccounting::Processing
                        ) {
                            entry.status = JournalEntryStatus::Cancelled;
                            cancelled += 1;
                        }
                    }
                    black_box(cancelled)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn settled_status(c: &mut Criterion) {
    let mut group = c.benchmark_group("settled status");
    for n in SIZES {
        let run = cancelling_run(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &run, |b, run| {
            b.iter(|| black_box(black_box(run).settlement()))
        });
    }
    group.finish();
}

fn replay(c: &mut Criterion) {
    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    let zuora = Caller::superuser();
    for n in [10_000_usize, 100_000] {
        let initial = cancelling_run(n);
        let mut live = initial.clone();
        let mut events = Vec::with_capacity(n + 1);
        while let Ok(event) = live.execute(&zuora, &Command::StepCancellation) {
            events.push(event);
        }
        if let Ok(event) = live.execute(&zuora, &Command::SettleCancellation) {
            events.push(event);
        }
        group.throughput(Throughput::Elements(events.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_batched(
                || initial.clone(),
                |start| black_box(JournalRun::replay(start, &events).is_ok()),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn serde_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("serde round trip");
    group.sample_size(10);
    let n = 100_000;
    let run = cancelling_run(n);
    let json = serde_json::to_vec(&run).unwrap_or_else(|e| panic!("{e}"));
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function(BenchmarkId::new("serialize", n), |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&run)).map(|v| v.len())))
    });
    group.bench_function(BenchmarkId::new("deserialize", n), |b| {
        b.iter(|| black_box(serde_json::from_slice::<JournalRun>(black_box(&json)).is_ok()))
    });
    group.finish();
}

criterion_group!(
    benches,
    numbers,
    cancel_request,
    cancellation_job,
    settled_status,
    replay,
    serde_round_trip
);
criterion_main!(benches);
