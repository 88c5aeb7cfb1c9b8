//! The library's generators, behind its features `proptest` (`journal_run::strategy`) and
//! `arbitrary` (`arbitrary::Arbitrary` impls): what they generate obeys the rules, and they
//! reach every state and every kind of value they promise, so the tests and fuzz targets built
//! on them reach the interesting places.

mod support;

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use journal_run::invariants::check_state;
use journal_run::strategy::{self, ENTITIES, ENTRY_NUMBERS, HELD_ENTRIES, ORGS, OTHER_RUN, RUN};
use journal_run::{
    Caller, Command, CommandKind, EntityId, Job, JournalEntryStatus, JournalRun, JournalRunNumber,
    OrgAccess, OrgId, OrgIds, RequestScope, RunState, TrackId, UncheckedRun,
};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use support::{entity, org};

/// `count` values of `strategy`, from a fixed seed.
fn sample<S: Strategy>(strategy: S, count: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// A name for the state a run is in, a known job told apart from an unknown one.
fn state_name(state: &RunState) -> &'static str {
    match state {
        RunState::CancelInprogress(Job::Known(_)) => "CancelInprogress (known job)",
        RunState::CancelInprogress(Job::Unknown) => "CancelInprogress (unknown job)",
        other => other.name(),
    }
}

const EVERY_STATE: [&str; 9] = [
    "CancelInprogress (known job)",
    "CancelInprogress (unknown job)",
    "Cancelled",
    "Completed",
    "DeleteInprogress",
    "Error",
    "Pending",
    "Processing",
    "deleted",
];

#[test]
fn generated_runs_obey_the_rules_in_every_state() {
    let runs = sample(strategy::run(), 1000);
    let mut states = BTreeSet::new();
    let mut labels = BTreeSet::new();
    let (mut cancelled, mut most, mut job_past_start, mut listing) = (0, 0, false, false);
    let mut transferred = 0;
    for run in &runs {
        assert_eq!(check_state(run), vec![], "{run:?}");
        assert_eq!(run.number(), RUN);
        assert_eq!(run.entity(), None);
        assert!(run.organizations().len() <= 2, "{run:?}");
        labels.extend(run.organizations().iter().map(ToString::to_string));
        states.insert(state_name(run.state()));
        most = most.max(run.entries().len());
        for entry in run.entries() {
            assert!((1..=HELD_ENTRIES).contains(&entry.number.get()), "{run:?}");
            cancelled += usize::from(entry.status == JournalEntryStatus::Cancelled);
            transferred += usize::from(
                !entry.is_cancelled() && entry.transferred_to_accounting.blocks_cancellation(),
            );
        }
        job_past_start |= run.job().is_some_and(|job| job.next > 0);
        listing |= run.status() == Some(journal_run::JournalRunStatus::Processing)
            && !run.entries().is_empty();
    }
    assert_eq!(states.into_iter().collect::<Vec<_>>(), EVERY_STATE);
    assert_eq!(labels.into_iter().collect::<Vec<_>>(), ORGS);
    assert_eq!(most, 12);
    // Entries a job cannot cancel (Created, Yes or Processing) are kept as they are.
    assert!(cancelled > 0 && transferred > 0 && job_past_start && listing);
}

#[test]
fn runs_with_a_job_are_completed_error_or_in_a_known_job() {
    let states: BTreeSet<&str> = sample(strategy::run_with_a_job(), 300)
        .iter()
        .map(|run| state_name(run.state()))
        .collect();
    assert_eq!(
        states.into_iter().collect::<Vec<_>>(),
        ["CancelInprogress (known job)", "Completed", "Error"]
    );
}

#[test]
fn generated_entries_are_distinct_reachable_and_in_any_order() {
    let mut unsorted = false;
    for entries in sample(strategy::entries(), 300) {
        let numbers: BTreeSet<u64> = entries.iter().map(|e| e.number.get()).collect();
        assert_eq!(numbers.len(), entries.len(), "{entries:?}");
        for entry in &entries {
            // A cancelled entry never shows Yes or Processing (INV-3).
            assert!(
                !(entry.is_cancelled() && entry.transferred_to_accounting.blocks_cancellation()),
                "{entry:?}"
            );
        }
        unsorted |= entries.windows(2).any(|w| w[0].number > w[1].number);
    }
    assert!(unsorted);
}

#[test]
fn callers_and_scopes_reach_every_fault_of_a_request() {
    let callers = sample(strategy::caller(), 500);
    assert!(callers.contains(&Caller::superuser()));
    let any = sample(strategy::any_caller(), 500);
    let entity_counts: BTreeSet<usize> = any.iter().map(|c| c.entities.len()).collect();
    assert_eq!(entity_counts.into_iter().collect::<Vec<_>>(), [0, 1, 2]);
    assert!(any.iter().any(|c| c.orgs == OrgAccess::All));
    assert!(any
        .iter()
        .any(|c| matches!(&c.orgs, OrgAccess::Only(orgs) if !orgs.is_empty())));
    assert!(any.iter().any(|c| c.permissions.bits() == 0x1FF));
    assert!(any.iter().any(|c| c.permissions.bits() != 0x1FF));
    for caller in &any {
        for id in &caller.entities {
            assert!(ENTITIES.contains(&id.as_str()), "{id}");
        }
    }
    let scopes = sample(strategy::any_scope(), 500);
    let foreign_org = org(strategy::FOREIGN_ORG);
    let foreign_entity = entity(strategy::FOREIGN_ENTITY);
    assert!(scopes
        .iter()
        .any(|s| s.orgs.as_ref().is_some_and(|o| o.contains(&foreign_org))));
    assert!(scopes
        .iter()
        .any(|s| s.entity == Some(foreign_entity.clone())));
    assert!(scopes
        .iter()
        .any(|s| s.entity.is_none() && s.orgs.is_none()));
    assert!(sample(strategy::scope(), 100).contains(&RequestScope::default()));
}

#[test]
fn moves_name_held_entries_and_reach_every_command() {
    let runs = sample(strategy::run_with_a_job(), 50);
    let moves = sample(strategy::moves(), 200);
    let mut kinds = BTreeSet::new();
    let (mut held, mut absent, mut other_run, mut twice) = (0, 0, 0, 0);
    for (i, planned) in moves.iter().flatten().enumerate() {
        let run = &runs[i % runs.len()];
        let command = planned.command(run);
        assert_eq!(command.kind(), planned.kind);
        kinds.insert(planned.kind);
        match &command {
            Command::CancelEntry { entry, .. }
            | Command::DeleteEntry { entry, .. }
            | Command::UpdateTransferredToAccounting { entry, .. }
            | Command::BeginTransfer { entry }
            | Command::FinishTransfer { entry, .. } => {
                assert!((1..=ENTRY_NUMBERS).contains(&entry.get()));
                if run.entry(*entry).is_some() {
                    held += 1;
                } else {
                    absent += 1;
                }
            }
            Command::CancelRun { run: named, .. } | Command::DeleteRun { run: named, .. } => {
                assert!(*named == RUN || *named == OTHER_RUN);
                other_run += usize::from(*named == OTHER_RUN);
            }
            Command::CompleteProcessing { entries } | Command::FailProcessing { entries } => {
                let distinct: BTreeSet<_> = entries.iter().collect();
                twice += usize::from(distinct.len() < entries.len());
            }
            Command::CreateRun(_)
            | Command::StartProcessing
            | Command::StepCancellation
            | Command::SettleCancellation
            | Command::FinishDeletion => {}
        }
    }
    assert_eq!(
        kinds.len(),
        <CommandKind as strum::VariantArray>::VARIANTS.len()
    );
    assert!(held > absent && absent > 0 && other_run > 0 && twice > 0);
    // A job's moves start with the cancel request of the run.
    for moves in sample(strategy::job_moves(), 20) {
        let first = moves[0].command(&runs[0]);
        assert!(matches!(first, Command::CancelRun { run, .. } if run == RUN));
        assert_eq!(moves[0].caller, Caller::superuser());
    }
    let requests = sample(strategy::request_move(), 200);
    let kinds: BTreeSet<CommandKind> = requests.iter().map(|m| m.kind).collect();
    assert_eq!(kinds.len(), 5);
    for request in &requests {
        assert!(!request.command(&runs[0]).required_permissions().is_empty());
    }
}

#[test]
fn events_reach_every_kind() {
    let kinds: BTreeSet<&'static str> = sample(strategy::event(), 500)
        .iter()
        .map(<&'static str>::from)
        .collect();
    assert_eq!(kinds.len(), 11, "{kinds:?}");
    let created = sample(strategy::created_entries(), 300);
    assert!(created.iter().any(Vec::is_empty));
    assert!(created.iter().flatten().any(|e| e.get() > HELD_ENTRIES));
    let cancellable = sample(strategy::cancellable_status(), 100);
    assert_eq!(
        cancellable
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        3
    );
    let tta = sample(strategy::transferred_to_accounting(), 100);
    assert_eq!(tta.iter().collect::<BTreeSet<_>>().len(), 5);
}

/// `count` values of `T`, each from its own random input (a fixed sequence of seeds).
fn arbitrary_values<T: for<'a> Arbitrary<'a>>(count: u64) -> Vec<T> {
    let mut values = Vec::new();
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    for seed in 0..count {
        let mut bytes = Vec::new();
        let len = 16 + (seed % 512) as usize;
        for _ in 0..len {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            bytes.push((state >> 56) as u8);
        }
        if let Ok(value) = T::arbitrary_take_rest(Unstructured::new(&bytes)) {
            values.push(value);
        }
    }
    values
}

#[test]
fn arbitrary_runs_obey_the_rules_in_every_state_and_snapshots_need_not() {
    let runs: Vec<JournalRun> = arbitrary_values(3000);
    assert_eq!(runs.len(), 3000, "an arbitrary run is always built");
    let mut states = BTreeSet::new();
    let (mut with_entries, mut transferred) = (0, 0);
    for run in &runs {
        assert_eq!(check_state(run), vec![], "{run:?}");
        states.insert(state_name(run.state()));
        with_entries += usize::from(!run.entries().is_empty());
        transferred += run
            .entries()
            .iter()
            .filter(|e| !e.is_cancelled() && e.transferred_to_accounting.blocks_cancellation())
            .count();
    }
    assert_eq!(states.into_iter().collect::<Vec<_>>(), EVERY_STATE);
    assert!(with_entries > 100, "{with_entries}");
    // The repair changes only what breaks a rule: an entry a job cannot cancel stays so.
    assert!(transferred > 50, "{transferred}");
    let snapshots: Vec<UncheckedRun> = arbitrary_values(3000);
    let unsound = snapshots
        .iter()
        .filter(|s| !s.violations().is_empty())
        .count();
    assert!(unsound > 0 && unsound < snapshots.len(), "{unsound}");
    for snapshot in &snapshots {
        assert!(snapshot
            .entries()
            .windows(2)
            .all(|w| w[0].number <= w[1].number));
    }
}

#[test]
fn arbitrary_values_are_valid() {
    for id in arbitrary_values::<OrgId>(500) {
        assert_eq!(OrgId::parse(id.as_str()), Ok(id.clone()));
    }
    let entities: Vec<EntityId> = arbitrary_values(500);
    assert!(entities.iter().any(|e| e.as_str().len() > 32));
    for id in &entities {
        assert_eq!(EntityId::parse(id.as_str()).as_ref(), Ok(id));
    }
    let track_ids: Vec<TrackId> = arbitrary_values(500);
    assert!(track_ids.iter().any(|t| t.as_str().is_empty()));
    assert!(track_ids
        .iter()
        .any(|t| t.as_str().contains(['\\', ' ', '~'])));
    for id in &track_ids {
        assert_eq!(TrackId::parse(id.as_str()).as_ref(), Ok(id));
    }
    let absent = OrgId::parse("not-generated").unwrap();
    for ids in arbitrary_values::<OrgIds>(500) {
        assert!(!ids.as_slice().is_empty());
        assert_eq!(OrgIds::parse(&ids.to_string()), Ok(ids.clone()));
        // Built directly, the value has the index `contains` searches.
        for id in ids.as_slice() {
            assert!(ids.contains(id), "{id} in {ids}");
        }
        assert_eq!(
            ids.contains(&absent),
            ids.as_slice().contains(&absent),
            "{ids}"
        );
    }
    // Small numbers often, so that a fuzz input's numbers meet; any number too.
    let numbers: Vec<JournalRunNumber> = arbitrary_values(500);
    assert!(numbers.iter().any(|n| n.get() > u64::from(u32::MAX)));
    let small = numbers.iter().filter(|n| n.get() <= 256).count();
    assert!((150..350).contains(&small), "{small} of 500");
    assert_eq!(
        JournalRunNumber::arbitrary(&mut Unstructured::new(&[0; 8])).map(JournalRunNumber::get),
        Ok(1),
        "zero is read as 1"
    );
    let sets: Vec<journal_run::PermissionSet> = arbitrary_values(500);
    assert!(sets.iter().all(|s| s.bits() <= 0x1FF));
    assert!(sets.iter().map(|s| s.bits()).collect::<BTreeSet<_>>().len() > 100);
    let kinds: BTreeSet<CommandKind> = arbitrary_values::<CommandKind>(500).into_iter().collect();
    assert_eq!(
        kinds.len(),
        <CommandKind as strum::VariantArray>::VARIANTS.len()
    );
}
