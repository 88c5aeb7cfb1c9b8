//! The reference model checked against the library (proptest-state-machine).
//!
//! Random command sequences (users with random permission sets, entities and org scopes; cancel
//! requests; the job's steps interleaved with entry cancels, deletions and Transferred to
//! Accounting overrides; transfers to accounting starting and finishing; processing; a process
//! that stops and resumes from the serialized state), from runs in every state, drive the
//! library and the naive model of `tests/model/reference.rs`; the runs, callers, scopes and
//! values are drawn with the library's own generators (`journal_run::strategy`). After every step both must give the same outcome (the same event,
//! or the same rejection) and the same whole state, and every invariant of docs/INVARIANTS.md
//! that a step can break must hold (`tests/model/checks.rs`).
//!
//! Cases: proptest's default (256), or `PROPTEST_CASES`.

mod support;

use support::{je, jr, org};

#[path = "model/checks.rs"]
mod checks;
#[path = "model/reference.rs"]
mod reference;

use journal_run::strategy::{self, OTHER_RUN, RUN};
use journal_run::{
    Caller, Command, Event, JournalEntryNumber, JournalRun, JournalRunStatus, OrgAccess, OrgIds,
    PermissionSet, Rejection, RequestScope, TransferResult,
};
use proptest::prelude::*;
use proptest::sample::select;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

use checks::{command_faults, state_faults, JobTracker};
use reference::{view_of_run, Model};

/// An entry number no run in these tests ever holds or creates (the library's generators draw
/// from 1 to `strategy::ENTRY_NUMBERS`).
const ABSENT_ENTRY: u64 = 99;

#[derive(Debug, Clone)]
enum Transition {
    /// A command from a caller.
    Execute { caller: Caller, command: Command },
    /// The process stops: the run is saved with serde and loaded again (INV-12).
    Restart,
}

#[derive(Debug, Clone)]
struct RefState {
    /// The run both start from.
    initial: JournalRun,
    model: Model,
    /// The model's answer to the last command.
    last: Option<Result<Event, Rejection>>,
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = RefState;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<RefState> {
        prop_oneof![
            3 => strategy::labels().prop_map(|labels| JournalRun::new(RUN, labels)),
            1 => strategy::run(),
        ]
        .prop_map(|initial| RefState {
            model: Model::from_run(&initial),
            initial,
            last: None,
        })
        .boxed()
    }

    fn transitions(state: &RefState) -> BoxedStrategy<Transition> {
        let model = &state.model;
        let known: Vec<JournalEntryNumber> = model.entries.keys().copied().collect();
        let absent = je(ABSENT_ENTRY);
        let entry = if known.is_empty() {
            Just(absent).boxed()
        } else {
            prop_oneof![12 => select(known), 1 => Just(absent)].boxed()
        };
        let run = prop_oneof![9 => Just(model.number), 1 => Just(OTHER_RUN)];
        // Commands that fit the run's state are drawn six times as often as the others (which
        // still come, and must be rejected alike).
        use JournalRunStatus as S;
        let status = (!model.deleted).then_some(model.status);
        let job_left = model.entries.keys().any(|n| !model.attempted.contains(n));
        let has_entries = !model.entries.is_empty();
        let fit = |fits: bool| if fits { 6 } else { 1 };
        let in_status = |statuses: &[S]| status.is_some_and(|s| statuses.contains(&s));
        let w_cancel = fit(in_status(&[S::Pending, S::Error, S::Completed]));
        let w_delete = fit(in_status(&[S::Cancelled]));
        let w_entry = fit(has_entries);
        let w_start = fit(in_status(&[S::Pending]));
        let w_process = fit(in_status(&[S::Processing]));
        let w_step = fit(in_status(&[S::CancelInprogress]) && job_left) * 2;
        let w_settle = fit(in_status(&[S::CancelInprogress]) && !job_left) * 2;
        let w_finish = fit(in_status(&[S::DeleteInprogress]));
        let command = prop_oneof![
            w_cancel => (run.clone(), strategy::scope()).prop_map(|(run, scope)| Command::CancelRun { run, scope }),
            w_delete => (run, strategy::scope()).prop_map(|(run, scope)| Command::DeleteRun { run, scope }),
            w_entry => (entry.clone(), strategy::scope()).prop_map(|(entry, scope)| Command::CancelEntry { entry, scope }),
            w_entry => (entry.clone(), strategy::scope()).prop_map(|(entry, scope)| Command::DeleteEntry { entry, scope }),
            w_entry => (entry.clone(), strategy::transferred_to_accounting(), strategy::scope()).prop_map(|(entry, value, scope)| {
                Command::UpdateTransferredToAccounting { entry, value, scope }
            }),
            w_start => Just(Command::StartProcessing),
            w_process => strategy::created_entries().prop_map(|entries| Command::CompleteProcessing { entries }),
            w_process => strategy::created_entries().prop_map(|entries| Command::FailProcessing { entries }),
            w_step => Just(Command::StepCancellation),
            w_settle => Just(Command::SettleCancellation),
            w_finish => Just(Command::FinishDeletion),
            w_entry => entry.clone().prop_map(|entry| Command::BeginTransfer { entry }),
            w_entry => (entry, select(vec![TransferResult::Yes, TransferResult::Error]))
                .prop_map(|(entry, result)| Command::FinishTransfer { entry, result }),
        ];
        prop_oneof![
            20 => (strategy::caller(), command).prop_map(|(caller, command)| Transition::Execute { caller, command }),
            1 => Just(Transition::Restart),
        ]
        .boxed()
    }

    fn apply(mut state: RefState, transition: &Transition) -> RefState {
        state.last = match transition {
            Transition::Execute { caller, command } => Some(state.model.execute(caller, command)),
            Transition::Restart => None,
        };
        state
    }
}

struct System {
    run: JournalRun,
    initial: JournalRun,
    events: Vec<Event>,
    tracker: JobTracker,
}

struct ModelAgreement;

impl StateMachineTest for ModelAgreement {
    type SystemUnderTest = System;
    type Reference = Reference;

    fn init_test(state: &RefState) -> System {
        System {
            run: state.initial.clone(),
            initial: state.initial.clone(),
            events: Vec::new(),
            tracker: JobTracker::from_run(&state.initial),
        }
    }

    fn apply(mut system: System, state: &RefState, transition: Transition) -> System {
        match transition {
            Transition::Execute { caller, command } => {
                let before = system.run.clone();
                let result = system.run.execute(&caller, &command);
                assert_eq!(
                    Some(&result),
                    state.last.as_ref(),
                    "library and model answer {command:?} from {caller:?} differently"
                );
                let mut faults = command_faults(&before, &caller, &command, &result, &system.run);
                if let Ok(event) = &result {
                    faults.extend(system.tracker.observe(&before, event));
                    system.events.push(event.clone());
                }
                assert!(faults.is_empty(), "after {command:?}: {faults:#?}");
            }
            Transition::Restart => {
                let saved = serde_json::to_string(&system.run).unwrap();
                let resumed: JournalRun = serde_json::from_str(&saved).unwrap();
                assert_eq!(resumed, system.run, "INV-12: {saved}");
                assert_eq!(serde_json::to_string(&resumed).unwrap(), saved, "INV-12");
                system.run = resumed;
            }
        }
        system
    }

    fn check_invariants(system: &System, state: &RefState) {
        assert_eq!(view_of_run(&system.run), state.model.view(), "whole state");
        assert_eq!(state_faults(&system.run), Vec::<String>::new());
        // INV-7: the events rebuild the live run from the initial one.
        let replayed = JournalRun::replay(system.initial.clone(), &system.events).unwrap();
        assert_eq!(replayed, system.run, "INV-7");
    }
}

prop_state_machine! {
    /// INV-1..13 and INV-16: the library agrees with the reference model, outcome by outcome
    /// and state by state, over random command sequences of up to 80 steps.
    #[test]
    fn inv_all_library_agrees_with_reference_model(sequential 1..80 => ModelAgreement);
}

/// The model test must reach the interesting places, or its agreement says little: this
/// drives one fixed sequence through both and checks it covers a partly failed job.
#[test]
fn inv_5_model_and_library_agree_on_the_worked_example() {
    let system = Caller::superuser();
    let mut run = JournalRun::new(jr(75), vec![]);
    let mut model = Model::new(jr(75), vec![]);
    let mut commands = vec![
        Command::StartProcessing,
        Command::CompleteProcessing {
            entries: (1..=10).map(je).collect(),
        },
        Command::BeginTransfer { entry: je(4) },
        Command::FinishTransfer {
            entry: je(4),
            result: TransferResult::Yes,
        },
        Command::CancelRun {
            run: jr(75),
            scope: RequestScope::default(),
        },
    ];
    commands.extend(std::iter::repeat_n(Command::StepCancellation, 10));
    commands.push(Command::SettleCancellation);
    for command in &commands {
        assert_eq!(
            run.execute(&system, command),
            model.execute(&system, command)
        );
        assert_eq!(view_of_run(&run), model.view());
    }
    assert_eq!(run.status(), Some(JournalRunStatus::Completed));
    assert_eq!(model.view().cancelled_count, 9);
}

/// The generator reaches the interesting places, or the agreement above says little: over 300
/// generated sequences the model sees every kind of event and the rejections that carry the
/// rules (a partly failed job, a job settling Cancelled, a blocked entry, a missing Override,
/// a precedence fault of each kind).
#[test]
fn generated_sequences_reach_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeMap;

    let mut runner = TestRunner::deterministic();
    let strategy = Reference::sequential_strategy(1..80);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..300 {
        let (initial, transitions, _) = strategy.new_tree(&mut runner).unwrap().current();
        let mut state = initial;
        for transition in &transitions {
            state = Reference::apply(state, transition);
            let name = match &state.last {
                Some(Ok(Event::EntryAttempted { outcome, .. })) => format!("attempt {outcome:?}"),
                Some(Ok(Event::CancellationSettled { settlement })) => {
                    format!("settled {settlement:?}")
                }
                Some(Ok(event)) => format!("event {}", <&'static str>::from(event)),
                Some(Err(rejection)) => {
                    let text = format!("{rejection:?}");
                    format!("rejection {}", text.split([' ', '{']).next().unwrap())
                }
                None => "restart".to_owned(),
            };
            *seen.entry(name).or_default() += 1;
        }
    }
    let expected = [
        "attempt AlreadyCancelled",
        "attempt Cancelled",
        "attempt Failed { transferred_to_accounting: Yes }",
        "attempt Failed { transferred_to_accounting: Processing }",
        "settled Cancelled",
        "settled Restored(Completed)",
        "settled Restored(Error)",
        "event cancellationRequested",
        "event entryCancelled",
        "event entryDeleted",
        "event transferredToAccountingChanged",
        "event processingStarted",
        "event processingCompleted",
        "event processingFailed",
        "event deletionStarted",
        "event runDeleted",
        "rejection EntityRequired",
        "rejection EntityNotAccessible",
        "rejection MissingPermission",
        "rejection OrgNotAccessible",
        "rejection RunNotFound",
        "rejection EntryNotFound",
        "rejection RunStatus",
        "rejection OverrideRequired",
        "rejection EntryCancelled",
        "rejection EntryNotCancelled",
        "rejection EntryTransferred",
        "rejection TransferNotAllowed",
        "rejection JobFinished",
        "rejection JobNotFinished",
        "rejection DuplicateEntry",
        "restart",
    ];
    let total: usize = seen.values().sum();
    println!("{total} transitions over 300 generated sequences: {seen:#?}");
    let missing: Vec<_> = expected
        .iter()
        .filter(|name| !seen.contains_key(**name))
        .collect();
    assert!(
        missing.is_empty(),
        "never reached: {missing:?}\nseen: {seen:#?}"
    );
}

/// The model borrows the library's plain value types; their own behaviour is pinned here
/// directly, over every value, so that a fault in them cannot hide behind both sides agreeing.
#[test]
fn the_value_types_the_model_borrows_behave_as_documented() {
    use journal_run::Permission;
    use strum::VariantArray;
    let all: Vec<Permission> = Permission::VARIANTS.to_vec();
    assert_eq!(PermissionSet::ALL.bits(), 0x1FF);
    assert_eq!(PermissionSet::FINANCE.bits(), 0xFF);
    assert_eq!(PermissionSet::PLATFORM.bits(), 0x100);
    assert!(PermissionSet::EMPTY.is_empty());
    assert!(!PermissionSet::ALL.is_empty());
    for bits in 0..=0x1FF_u16 {
        let set = PermissionSet::from_bits_truncate(bits);
        assert_eq!(set.bits(), bits);
        assert_eq!(set.is_empty(), bits == 0);
        let members: Vec<Permission> = set.iter().collect();
        let expected: Vec<Permission> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, p)| *p)
            .collect();
        assert_eq!(members, expected, "{bits:#010b}");
        assert_eq!(PermissionSet::of(&expected), set);
        assert_eq!(expected.iter().copied().collect::<PermissionSet>(), set);
        for (i, p) in all.iter().enumerate() {
            assert_eq!(set.contains(*p), bits & (1 << i) != 0);
            assert_eq!(set.with(*p).bits(), bits | (1 << i));
            assert_eq!(set.without(*p).bits(), bits & !(1 << i));
            // D-21: a set with no Platform permission gets "API Write Access".
            let caller = Caller::with_permissions(set);
            let platform_default = *p == Permission::ApiWriteAccess && bits & 0x100 == 0;
            assert_eq!(caller.has(*p), set.contains(*p) || platform_default);
        }
        let text = serde_json::to_string(&set).unwrap();
        assert_eq!(serde_json::from_str::<PermissionSet>(&text).unwrap(), set);
    }
    assert_eq!(Caller::superuser().permissions, PermissionSet::ALL);
    assert_eq!(Caller::superuser().orgs, OrgAccess::All);
    assert!(Caller::superuser().entities.is_empty());
    let only = OrgAccess::Only([org("org-1")].into_iter().collect());
    assert!(only.allows(&org("org-1")));
    assert!(!only.allows(&org("org-2")));
    assert!(OrgAccess::All.allows(&org("org-2")));
    // Names: exact, and read back.
    for (p, name) in all.iter().zip(Permission::NAMES) {
        assert_eq!(p.to_string(), *name);
        assert_eq!(name.parse::<Permission>(), Ok(*p));
    }
    assert_eq!(
        format!(
            "{:?}",
            PermissionSet::of(&[Permission::CancelJournalRun, Permission::EditJournalEntry])
        ),
        "{CancelJournalRun, EditJournalEntry}"
    );
    let scope = OrgIds::parse(" org-1 ,\torg-2").unwrap();
    assert_eq!(scope.as_slice(), &[org("org-1"), org("org-2")]);
    assert!(scope.contains(&org("org-2")));
    assert!(!scope.contains(&org("org-3")));
}
