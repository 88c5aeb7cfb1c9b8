//! The reference model checked against the library (proptest-state-machine).
//!
//! Random command sequences (users with random permission sets, entities and org scopes; cancel
//! requests; the job's steps interleaved with entry cancels, deletions and Transferred to
//! Accounting overrides; transfers to accounting starting and finishing; processing; a process
//! that stops and resumes from the serialized state) drive the library and the naive model of
//! `tests/model/reference.rs`. After every step both must give the same outcome (the same event,
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

use std::collections::BTreeSet;

use journal_run::{
    Caller, Command, Event, JournalEntry, JournalEntryNumber, JournalEntryStatus, JournalRun,
    JournalRunStatus, OrgAccess, OrgId, OrgIds, PermissionSet, Rejection, RequestScope, RunState,
    TransferResult, TransferredToAccounting,
};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

use checks::{command_faults, state_faults, JobTracker};
use reference::{view_of_run, Model};

const ORGS: [&str; 3] = ["org-1", "org-2", "org-3"];
const ENTITIES: [&str; 2] = ["entity-1", "entity-2"];
/// An entry number no run in these tests ever creates.
const ABSENT_ENTRY: u64 = 99;

fn tta() -> impl Strategy<Value = TransferredToAccounting> {
    select(vec![
        TransferredToAccounting::No,
        TransferredToAccounting::Processing,
        TransferredToAccounting::Yes,
        TransferredToAccounting::Error,
        TransferredToAccounting::Ignore,
    ])
}

fn org_subset() -> impl Strategy<Value = Vec<OrgId>> {
    subsequence(ORGS.to_vec(), 0..=ORGS.len())
        .prop_map(|names| names.into_iter().map(org).collect())
}

/// A user: mostly every permission, sometimes a random set; mostly every org, sometimes a few;
/// mostly no Multi-entity, sometimes one or two entities.
fn caller() -> impl Strategy<Value = Caller> {
    let permissions = prop_oneof![
        8 => Just(PermissionSet::ALL),
        2 => any::<u16>().prop_map(PermissionSet::from_bits_truncate),
        2 => (0..9u16).prop_map(|bit| PermissionSet::from_bits_truncate(!(1 << bit))),
    ];
    let orgs = prop_oneof![
        6 => Just(OrgAccess::All),
        1 => org_subset().prop_map(|orgs| OrgAccess::Only(orgs.into_iter().collect::<BTreeSet<_>>())),
    ];
    let entities = prop_oneof![
        12 => Just(Vec::new()),
        1 => Just(vec![ENTITIES[0].parse().unwrap()]),
        1 => Just(ENTITIES.iter().map(|e| e.parse().unwrap()).collect()),
    ];
    (permissions, orgs, entities).prop_map(|(permissions, orgs, entities)| Caller {
        permissions,
        orgs,
        entities,
    })
}

/// Scope headers: mostly none, sometimes an entity or an org list.
fn scope() -> impl Strategy<Value = RequestScope> {
    let entity = prop_oneof![
        12 => Just(None),
        1 => select(ENTITIES.to_vec()).prop_map(|e| Some(e.parse().unwrap())),
    ];
    let orgs = prop_oneof![
        5 => Just(None),
        2 => subsequence(ORGS.to_vec(), 1..=ORGS.len())
            .prop_map(|names| Some(OrgIds::parse(&names.join(",")).unwrap())),
    ];
    (entity, orgs).prop_map(|(entity, orgs)| RequestScope { entity, orgs })
}

/// The entries processing creates: mostly distinct numbers in any order, sometimes with a
/// repeat (which is rejected).
fn created_entries() -> impl Strategy<Value = Vec<JournalEntryNumber>> {
    prop_oneof![
        6 => subsequence((1..=12u64).collect::<Vec<_>>(), 0..=8)
            .prop_shuffle()
            .prop_map(|ns| ns.into_iter().map(je).collect()),
        1 => proptest::collection::vec(1..=4u64, 2..5).prop_map(|ns| ns.into_iter().map(je).collect()),
    ]
}

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

/// A valid snapshot to start from: Completed or Error with any mix of entries, or Cancelled
/// with cancelled entries.
fn snapshot() -> impl Strategy<Value = JournalRun> {
    let entries = subsequence((1..=10u64).collect::<Vec<_>>(), 0..=6).prop_flat_map(|ns| {
        let n = ns.len();
        (
            Just(ns),
            proptest::collection::vec((any::<bool>(), tta()), n),
        )
    });
    (
        select(vec![
            JournalRunStatus::Completed,
            JournalRunStatus::Error,
            JournalRunStatus::Cancelled,
        ]),
        org_subset(),
        entries,
    )
        .prop_map(|(status, labels, (numbers, looks))| {
            let entries = numbers
                .into_iter()
                .zip(looks)
                .map(|(n, (cancelled, tta))| {
                    let cancelled = cancelled || status == JournalRunStatus::Cancelled;
                    JournalEntry {
                        number: je(n),
                        status: if cancelled {
                            JournalEntryStatus::Cancelled
                        } else {
                            JournalEntryStatus::Created
                        },
                        // A cancelled entry was cancelled while No, Error or Ignore (INV-3),
                        // and keeps that value.
                        transferred_to_accounting: match tta {
                            TransferredToAccounting::Yes | TransferredToAccounting::Processing
                                if cancelled =>
                            {
                                TransferredToAccounting::No
                            }
                            other => other,
                        },
                    }
                })
                .collect();
            JournalRun::from_snapshot(jr(75), labels, RunState::from_status(status), entries)
                .unwrap()
        })
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = RefState;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<RefState> {
        prop_oneof![
            3 => org_subset().prop_map(|labels| JournalRun::new(jr(75), labels)),
            1 => snapshot(),
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
        let entry = if known.is_empty() {
            Just(je(ABSENT_ENTRY)).boxed()
        } else {
            prop_oneof![12 => select(known), 1 => Just(je(ABSENT_ENTRY))].boxed()
        };
        let run = prop_oneof![9 => Just(model.number), 1 => Just(jr(76))];
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
            w_cancel => (run.clone(), scope()).prop_map(|(run, scope)| Command::CancelRun { run, scope }),
            w_delete => (run, scope()).prop_map(|(run, scope)| Command::DeleteRun { run, scope }),
            w_entry => (entry.clone(), scope()).prop_map(|(entry, scope)| Command::CancelEntry { entry, scope }),
            w_entry => (entry.clone(), scope()).prop_map(|(entry, scope)| Command::DeleteEntry { entry, scope }),
            w_entry => (entry.clone(), tta(), scope()).prop_map(|(entry, value, scope)| {
                Command::UpdateTransferredToAccounting { entry, value, scope }
            }),
            w_start => Just(Command::StartProcessing),
            w_process => created_entries().prop_map(|entries| Command::CompleteProcessing { entries }),
            w_process => created_entries().prop_map(|entries| Command::FailProcessing { entries }),
            w_step => Just(Command::StepCancellation),
            w_settle => Just(Command::SettleCancellation),
            w_finish => Just(Command::FinishDeletion),
            w_entry => entry.clone().prop_map(|entry| Command::BeginTransfer { entry }),
            w_entry => (entry, select(vec![TransferResult::Yes, TransferResult::Error]))
                .prop_map(|(entry, result)| Command::FinishTransfer { entry, result }),
        ];
        prop_oneof![
            20 => (caller(), command).prop_map(|(caller, command)| Transition::Execute { caller, command }),
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
