//! What Zuora really shows and answers, as exact outcomes: every state a Zuora export can show
//! is usable input, runs are scoped by entity, REST writes need "API Write Access", and the
//! tenant rules for creating and processing runs (INV-18).

mod support;

use support::{created, entity, entry, je, jr, org_ids};

use journal_run::tenant::{check_tenant, create_run, TenantAction};
use journal_run::wire::{CancelHandler, ProcessId, RequestId};
use journal_run::{
    Caller, CancellableStatus, CancellationJob, Command, CommandKind, CreateRun, Event, Job,
    JournalEntry, JournalEntryStatus, JournalRun, JournalRunStatus, OrgAccess, Permission,
    PermissionSet, Rejection, RequestScope, RunState, TransferredToAccounting, UncheckedRun,
};
use proptest::prelude::*;
use proptest::sample::select;

fn run_in(
    entity_id: Option<&str>,
    number: u64,
    state: RunState,
    entries: Vec<JournalEntry>,
) -> JournalRun {
    JournalRun::try_from(
        UncheckedRun::new(jr(number), state, entries).with_entity(entity_id.map(entity)),
    )
    .unwrap()
}

fn scope_in(entity_id: Option<&str>) -> RequestScope {
    RequestScope {
        entity: entity_id.map(entity),
        orgs: None,
    }
}

fn cancel(number: u64, entity_id: Option<&str>) -> Command {
    Command::CancelRun {
        run: jr(number),
        scope: scope_in(entity_id),
    }
}

/// A caller of a Multi-entity tenant whose token is valid for both entities.
fn both_entities() -> Caller {
    Caller {
        entities: vec![entity("ent-a"), entity("ent-b")],
        ..Caller::superuser()
    }
}

// ---------------------------------------------------------------------------------------------
// Every state Zuora can export is usable input

/// The commands a run in `CancelInprogress` whose job is unknown answers: everything but the
/// job's own steps, which need what the export does not show.
#[test]
fn a_cancel_inprogress_export_answers_every_command_but_the_jobs_own() {
    let run = run_in(
        None,
        75,
        RunState::CancelInprogress(Job::Unknown),
        vec![
            created(1),
            entry(
                2,
                JournalEntryStatus::Cancelled,
                TransferredToAccounting::No,
            ),
            entry(3, JournalEntryStatus::Created, TransferredToAccounting::Yes),
        ],
    );
    let zuora = Caller::superuser();
    let status = |command| {
        Err(Rejection::RunStatus {
            command,
            run: jr(75),
            status: JournalRunStatus::CancelInprogress,
        })
    };
    let cases: Vec<(Command, Result<Event, Rejection>)> = vec![
        (cancel(75, None), status(CommandKind::CancelRun)),
        (
            Command::DeleteRun {
                run: jr(75),
                scope: RequestScope::default(),
            },
            status(CommandKind::DeleteRun),
        ),
        (
            Command::StartProcessing,
            status(CommandKind::StartProcessing),
        ),
        (
            Command::StepCancellation,
            Err(Rejection::JobUnknown { run: jr(75) }),
        ),
        (
            Command::SettleCancellation,
            Err(Rejection::JobUnknown { run: jr(75) }),
        ),
        (
            Command::CancelEntry {
                entry: je(1),
                scope: RequestScope::default(),
            },
            Ok(Event::EntryCancelled { entry: je(1) }),
        ),
        (
            Command::CancelEntry {
                entry: je(3),
                scope: RequestScope::default(),
            },
            Err(Rejection::EntryTransferred {
                entry: je(3),
                transferred_to_accounting: TransferredToAccounting::Yes,
            }),
        ),
        (
            Command::DeleteEntry {
                entry: je(2),
                scope: RequestScope::default(),
            },
            Ok(Event::EntryDeleted { entry: je(2) }),
        ),
    ];
    for (command, expected) in cases {
        let mut after = run.clone();
        assert_eq!(after.execute(&zuora, &command), expected, "{command:?}");
        if expected.is_err() {
            assert_eq!(after, run, "{command:?} changed the run");
        }
    }
    let mut after = run.clone();
    assert_eq!(
        after.finish_job(|_| {}),
        Err(Rejection::JobUnknown { run: jr(75) })
    );
    assert_eq!(after, run);
    assert_eq!(
        Rejection::JobUnknown { run: jr(75) }.to_string(),
        "the cancellation job of JR-00000075 cannot be resumed: the export does not show how far \
         it got or which status the run had before the cancel request"
    );
}

/// A Processing run may already list entries: processing adds the new ones, refuses a number
/// the run holds, and no entry is deleted while processing may still create entries (D-23).
#[test]
fn a_processing_run_that_lists_entries_gains_the_new_ones() {
    let run = run_in(None, 75, RunState::Processing, vec![created(2), created(5)]);
    assert_eq!(run.status(), Some(JournalRunStatus::Processing));
    let zuora = Caller::superuser();

    let mut completed = run.clone();
    assert_eq!(
        completed.execute(
            &zuora,
            &Command::CompleteProcessing {
                entries: vec![je(7), je(1)]
            }
        ),
        Ok(Event::ProcessingCompleted {
            entries: vec![je(1), je(7)]
        })
    );
    let numbers: Vec<u64> = completed.entries().iter().map(|e| e.number.get()).collect();
    assert_eq!(numbers, [1, 2, 5, 7]);
    assert_eq!(completed.status(), Some(JournalRunStatus::Completed));

    let mut again = run.clone();
    assert_eq!(
        again.execute(
            &zuora,
            &Command::FailProcessing {
                entries: vec![je(9), je(5)]
            }
        ),
        Err(Rejection::DuplicateEntry { entry: je(5) })
    );
    assert_eq!(
        again.execute(
            &zuora,
            &Command::DeleteEntry {
                entry: je(2),
                scope: RequestScope::default()
            }
        ),
        Err(Rejection::RunStatus {
            command: CommandKind::DeleteEntry,
            run: jr(75),
            status: JournalRunStatus::Processing,
        })
    );
    assert_eq!(again, run);
    // A cancel request is answered with the status rule.
    assert_eq!(
        again.execute(&zuora, &cancel(75, None)),
        Err(Rejection::RunStatus {
            command: CommandKind::CancelRun,
            run: jr(75),
            status: JournalRunStatus::Processing,
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Multi-entity

/// Entity B cannot see, cancel or delete entity A's JR-00000075: "not found", after the entity
/// and permission checks.
#[test]
fn a_run_of_one_entity_is_not_found_from_another() {
    let run = run_in(Some("ent-a"), 75, RunState::Completed, vec![created(1)]);
    let caller = both_entities();
    assert_eq!(run.entity(), Some(&entity("ent-a")));
    assert_eq!(
        run.decide(&caller, &cancel(75, Some("ent-b"))),
        Err(Rejection::RunNotFound { run: jr(75) })
    );
    assert_eq!(
        run.decide(
            &caller,
            &Command::CancelEntry {
                entry: je(1),
                scope: scope_in(Some("ent-b"))
            }
        ),
        Err(Rejection::EntryNotFound { entry: je(1) })
    );
    assert_eq!(
        run.decide(&caller, &cancel(75, None)),
        Err(Rejection::EntityRequired { entities: 2 })
    );
    assert_eq!(
        run.decide(&caller, &cancel(75, Some("ent-a"))),
        Ok(Event::CancellationRequested {
            previous: CancellableStatus::Completed
        })
    );
    // A token valid for entity A only acts in A without the header.
    let only_a = Caller {
        entities: vec![entity("ent-a")],
        ..Caller::superuser()
    };
    assert!(run.decide(&only_a, &cancel(75, None)).is_ok());
    let only_b = Caller {
        entities: vec![entity("ent-b")],
        ..Caller::superuser()
    };
    assert_eq!(
        run.decide(&only_b, &cancel(75, None)),
        Err(Rejection::RunNotFound { run: jr(75) })
    );
}

/// The same number names different runs in two entities: the handler finds the run of the
/// request's entity, and the other is not touched.
#[test]
fn the_same_number_names_different_runs_in_two_entities() {
    let in_a = run_in(Some("ent-a"), 75, RunState::Completed, vec![created(1)]);
    let in_b = run_in(Some("ent-b"), 75, RunState::Cancelled, vec![]);
    let runs = vec![in_a.clone(), in_b.clone()];
    let handler = CancelHandler::default();
    let request_id = RequestId::parse("d7479cf6-b410-4630-b841-268ccd48f0d2").unwrap();
    let process_id = ProcessId::parse("738CBB9234B47A47").unwrap();
    let answer = |entity_id: &str| {
        handler.handle(
            "JR-00000075",
            &[
                ("Authorization", "Bearer t"),
                ("Zuora-Entity-Ids", entity_id),
            ],
            &both_entities(),
            &runs,
            &request_id,
            &process_id,
        )
    };
    let from_a = answer("ent-a");
    assert_eq!(
        from_a.decision,
        Ok(Event::CancellationRequested {
            previous: CancellableStatus::Completed
        })
    );
    let from_b = answer("ent-b");
    assert_eq!(
        from_b.decision,
        Err(Rejection::RunStatus {
            command: CommandKind::CancelRun,
            run: jr(75),
            status: JournalRunStatus::Cancelled,
        }
        .into())
    );
    let from_c = answer("ent-c");
    assert_eq!(
        from_c.decision,
        Err(Rejection::EntityNotAccessible {
            entity: entity("ent-c")
        }
        .into())
    );
    // Creating JR-00000076 in entity B while A has a pending run is allowed: each entity is its
    // own environment.
    let pending_in_a = run_in(Some("ent-a"), 76, RunState::Pending, vec![]);
    let created = create_run(
        &both_entities(),
        &CreateRun {
            run: jr(76),
            organizations: vec![],
            scope: scope_in(Some("ent-b")),
        },
        [&pending_in_a, &in_b],
    )
    .unwrap();
    assert_eq!(created.entity(), Some(&entity("ent-b")));
    assert_eq!(created.status(), Some(JournalRunStatus::Pending));
}

// ---------------------------------------------------------------------------------------------
// Permissions: "API Write Access" and the Finance permission

/// Every REST write needs the Platform permission "API Write Access", checked before the
/// operation's Finance permission; a caller with every Finance permission but without it is
/// refused, naming it.
#[test]
fn every_write_needs_api_write_access_first() {
    let run = run_in(
        None,
        75,
        RunState::Cancelled,
        vec![entry(
            1,
            JournalEntryStatus::Cancelled,
            TransferredToAccounting::No,
        )],
    );
    let finance_only = Caller {
        permissions: PermissionSet::FINANCE,
        orgs: OrgAccess::All,
        entities: vec![],
    };
    let nothing = Caller {
        permissions: PermissionSet::EMPTY,
        ..finance_only.clone()
    };
    let scope = RequestScope::default;
    let writes = [
        Command::CreateRun(CreateRun {
            run: jr(75),
            organizations: vec![],
            scope: scope(),
        }),
        cancel(75, None),
        Command::DeleteRun {
            run: jr(75),
            scope: scope(),
        },
        Command::CancelEntry {
            entry: je(1),
            scope: scope(),
        },
        Command::DeleteEntry {
            entry: je(1),
            scope: scope(),
        },
        Command::UpdateTransferredToAccounting {
            entry: je(1),
            value: TransferredToAccounting::Yes,
            scope: scope(),
        },
    ];
    for command in &writes {
        let expected = Err(Rejection::MissingPermission {
            command: command.kind(),
            permission: Permission::ApiWriteAccess,
        });
        assert_eq!(run.decide(&finance_only, command), expected, "{command:?}");
        assert_eq!(run.decide(&nothing, command), expected, "{command:?}");
        assert_eq!(
            command.required_permissions().first(),
            Some(&Permission::ApiWriteAccess)
        );
    }
    // With "API Write Access" and nothing else, the Finance permission is the fault.
    let platform_only = Caller {
        permissions: PermissionSet::PLATFORM,
        ..finance_only
    };
    assert_eq!(
        run.decide(&platform_only, &cancel(75, None)),
        Err(Rejection::MissingPermission {
            command: CommandKind::CancelRun,
            permission: Permission::CancelJournalRun,
        })
    );
    // Zuora's own processes need no user permission (D-8).
    assert_eq!(Command::StepCancellation.required_permissions(), &[]);
}

// ---------------------------------------------------------------------------------------------
// Creating runs: the tenant rules (INV-18)

fn create(number: u64) -> CreateRun {
    CreateRun {
        run: jr(number),
        organizations: vec![],
        scope: RequestScope::default(),
    }
}

#[test]
fn a_run_is_created_pending_unless_one_is_pending_or_the_number_is_taken() {
    let zuora = Caller::superuser();
    let first = create_run(&zuora, &create(1), &[]).unwrap();
    assert_eq!(first.state(), &RunState::Pending);
    assert_eq!(first.entries(), &[]);
    assert_eq!(
        create_run(&zuora, &create(2), [&first]),
        Err(Rejection::PendingRunExists { pending: jr(1) })
    );
    let completed = run_in(None, 1, RunState::Completed, vec![created(1)]);
    let second = create_run(&zuora, &create(2), [&completed]).unwrap();
    assert_eq!(second.number(), jr(2));
    assert_eq!(
        create_run(&zuora, &create(1), [&completed]),
        Err(Rejection::RunExists { run: jr(1) })
    );
    // The permission comes before the tenant rule.
    let no_create =
        Caller::with_permissions(PermissionSet::ALL.without(Permission::CreateJournalRun));
    assert_eq!(
        create_run(&no_create, &create(2), [&first]),
        Err(Rejection::MissingPermission {
            command: CommandKind::CreateRun,
            permission: Permission::CreateJournalRun,
        })
    );
    // Only one run executes at a time.
    let processing = run_in(None, 3, RunState::Processing, vec![]);
    let pending = run_in(None, 4, RunState::Pending, vec![]);
    assert_eq!(
        check_tenant(
            [&processing, &pending],
            None,
            TenantAction::StartProcessing(jr(4))
        ),
        Err(Rejection::RunExecuting {
            run: jr(4),
            processing: jr(3),
        })
    );
    assert_eq!(
        check_tenant([&pending], None, TenantAction::StartProcessing(jr(4))),
        Ok(())
    );
}

/// A tenant of up to two entities, driven by random creates and process steps.
#[derive(Debug, Clone)]
enum TenantOp {
    Create { entity: usize },
    Start { run: usize },
    Finish { run: usize, fail: bool },
    Cancel { run: usize },
}

fn tenant_op() -> impl Strategy<Value = TenantOp> {
    prop_oneof![
        3 => (0..2usize).prop_map(|entity| TenantOp::Create { entity }),
        3 => (0..16usize).prop_map(|run| TenantOp::Start { run }),
        2 => (0..16usize, any::<bool>()).prop_map(|(run, fail)| TenantOp::Finish { run, fail }),
        1 => (0..16usize).prop_map(|run| TenantOp::Cancel { run }),
    ]
}

proptest! {
    /// INV-18: whatever the order of requests, a create is accepted exactly when the entity
    /// has no Pending run, and a run starts processing exactly when no other run of its entity
    /// is Processing; so no entity ever holds two Pending runs or two Processing runs.
    #[test]
    fn inv_18_tenant_rules_hold_under_any_order(
        ops in proptest::collection::vec(tenant_op(), 1..60),
        names in select(vec![["ent-a", "ent-b"], ["ent-a", "ent-a"]]),
    ) {
        let caller = both_entities();
        let zuora = Caller::superuser();
        let mut runs: Vec<JournalRun> = Vec::new();
        let mut next = 1;
        for op in ops {
            match op {
                TenantOp::Create { entity: e } => {
                    let in_entity = entity(names[e]);
                    let had_pending = runs.iter().any(|r| {
                        r.entity() == Some(&in_entity) && r.state() == &RunState::Pending
                    });
                    let request = CreateRun {
                        run: jr(next),
                        organizations: vec![],
                        scope: scope_in(Some(names[e])),
                    };
                    match create_run(&caller, &request, &runs) {
                        Ok(run) => {
                            prop_assert!(!had_pending);
                            prop_assert_eq!(run.entity(), Some(&in_entity));
                            runs.push(run);
                            next += 1;
                        }
                        Err(rejection) => {
                            prop_assert!(had_pending, "{:?}", rejection);
                            prop_assert!(
                                matches!(rejection, Rejection::PendingRunExists { .. }),
                                "{:?}", rejection
                            );
                        }
                    }
                }
                TenantOp::Start { run } if run < runs.len() => {
                    let number = runs[run].number();
                    let own = runs[run].entity().cloned();
                    let busy = runs.iter().any(|r| {
                        r.number() != number
                            && r.entity() == own.as_ref()
                            && r.state() == &RunState::Processing
                    });
                    let rule = check_tenant(&runs, own.as_ref(), TenantAction::StartProcessing(number));
                    prop_assert_eq!(rule.is_err(), busy);
                    if rule.is_ok() {
                        let _ = runs[run].execute(&zuora, &Command::StartProcessing);
                    }
                }
                TenantOp::Finish { run, fail } if run < runs.len() => {
                    let entries = vec![je(1)];
                    let command = if fail {
                        Command::FailProcessing { entries }
                    } else {
                        Command::CompleteProcessing { entries }
                    };
                    let _ = runs[run].execute(&zuora, &command);
                }
                TenantOp::Cancel { run } if run < runs.len() => {
                    let number = runs[run].number();
                    let own = runs[run].entity().cloned();
                    let command = Command::CancelRun {
                        run: number,
                        scope: RequestScope { entity: own, orgs: None },
                    };
                    if runs[run].execute(&caller, &command).is_ok() {
                        let _ = runs[run].finish_job(|_| {});
                    }
                }
                TenantOp::Start { .. } | TenantOp::Finish { .. } | TenantOp::Cancel { .. } => {}
            }
            for name in names {
                let of = |status: &RunState| {
                    runs.iter()
                        .filter(|r| r.entity() == Some(&entity(name)) && r.state() == status)
                        .count()
                };
                prop_assert!(of(&RunState::Pending) <= 1);
                prop_assert!(of(&RunState::Processing) <= 1);
            }
        }
    }
}

/// A known job and an unknown one are kept apart in the run's serialized form: the unknown job
/// is `null`, so a run read back is the same run.
#[test]
fn known_and_unknown_jobs_round_trip() {
    let known = run_in(
        None,
        75,
        RunState::CancelInprogress(Job::Known(CancellationJob {
            previous: CancellableStatus::Error,
            next: 1,
        })),
        vec![created(1), created(2)],
    );
    let unknown = run_in(
        None,
        75,
        RunState::CancelInprogress(Job::Unknown),
        vec![created(1)],
    );
    let text = serde_json::to_string(&unknown).unwrap();
    assert_eq!(
        text,
        r#"{"number":"JR-00000075","organizations":[],"state":{"CancelInprogress":null},"entries":[{"number":"JE-00000001","status":"Created","transferredToAccounting":"No"}]}"#
    );
    for run in [known, unknown] {
        let text = serde_json::to_string(&run).unwrap();
        assert_eq!(serde_json::from_str::<JournalRun>(&text).unwrap(), run);
    }
}

/// A Platform permission named in both lists of a caller document is held once: the lists are
/// a union, not a toggle.
#[test]
fn a_permission_named_in_both_lists_is_held() {
    let caller: Caller = serde_json::from_str(
        r#"{"permissions":["API Write Access","Cancel Journal Run"],"platformPermissions":["API Write Access"]}"#,
    )
    .unwrap();
    assert!(caller.has(Permission::ApiWriteAccess));
    assert!(caller.has(Permission::CancelJournalRun));
    let both = PermissionSet::PLATFORM.with(Permission::CancelJournalRun);
    assert_eq!(both.union(PermissionSet::PLATFORM), both);
    assert_eq!(
        both.intersection(PermissionSet::FINANCE),
        PermissionSet::of(&[Permission::CancelJournalRun])
    );
}

/// A snapshot keeps the entity it is given, and the run built from it belongs to that entity.
#[test]
fn a_snapshot_keeps_its_entity() {
    let snapshot = UncheckedRun::new(jr(75), RunState::Completed, vec![created(1)])
        .with_entity(Some(entity("ent-a")));
    assert_eq!(snapshot.entity(), Some(&entity("ent-a")));
    assert_eq!(snapshot.number(), jr(75));
    assert_eq!(snapshot.status(), Some(JournalRunStatus::Completed));
    let run = JournalRun::try_from(snapshot.clone()).unwrap();
    assert_eq!(run.entity(), Some(&entity("ent-a")));
    assert_eq!(UncheckedRun::from(run), snapshot);
}

/// A snapshot keeps its organization labels and its entries (sorted by number); the auditor
/// reads a run's kept count of cancelled entries, and a snapshot has none to read.
#[test]
fn a_snapshot_keeps_its_labels_and_entries() {
    use journal_run::Auditable;
    let labels = vec!["org-1".parse().unwrap(), "org-2".parse().unwrap()];
    let cancelled = entry(
        1,
        JournalEntryStatus::Cancelled,
        TransferredToAccounting::No,
    );
    let snapshot = UncheckedRun::new(jr(75), RunState::Completed, vec![created(2), cancelled])
        .with_organizations(labels.clone());
    assert_eq!(snapshot.organizations(), labels.as_slice());
    assert_eq!(snapshot.entries(), &[cancelled, created(2)]);
    assert_eq!(snapshot.kept_cancelled_count(), None);
    let run = JournalRun::try_from(snapshot).unwrap();
    assert_eq!(run.organizations(), labels.as_slice());
    assert_eq!(run.kept_cancelled_count(), Some(1));
    assert_eq!(Auditable::entries(&run), &[cancelled, created(2)]);
}

/// A new run's organization labels must each be in the request's org scope: the header's
/// orgs when given, else the caller's accessible orgs (D-22).
#[test]
fn a_new_runs_labels_must_be_in_the_requests_org_scope() {
    use journal_run::OrgId;
    let org = |s: &str| -> OrgId { s.parse().unwrap() };
    let caller = Caller {
        orgs: OrgAccess::Only([org("org-1"), org("org-2")].into_iter().collect()),
        ..Caller::superuser()
    };
    let request = |labels: Vec<OrgId>, header: Option<&str>| CreateRun {
        run: jr(9),
        organizations: labels,
        scope: RequestScope {
            entity: None,
            orgs: header.map(org_ids),
        },
    };
    let run = create_run(
        &caller,
        &request(vec![org("org-1"), org("org-2")], None),
        &[],
    )
    .unwrap();
    assert_eq!(run.organizations(), &[org("org-1"), org("org-2")]);
    assert_eq!(
        create_run(
            &caller,
            &request(vec![org("org-1"), org("org-3")], None),
            &[]
        ),
        Err(Rejection::OrgNotAccessible { org: org("org-3") })
    );
    assert_eq!(
        create_run(&caller, &request(vec![org("org-2")], Some("org-1")), &[]),
        Err(Rejection::OrgNotAccessible { org: org("org-2") })
    );
    assert!(create_run(&caller, &request(vec![org("org-1")], Some("org-1")), &[]).is_ok());
}
