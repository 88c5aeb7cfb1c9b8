//! INV-12: every run, including one stopped mid-job, round-trips through serde exactly, and a
//! run resumed from its serialized form goes on exactly as one that never stopped: same events,
//! same final run, same saved bytes.

mod support;

use support::{je, jr, org};

use journal_run::{
    Caller, Command, Event, JournalEntryNumber, JournalRun, JournalRunNumber, OrgAccess, OrgIds,
    Permission, PermissionSet, RequestScope, RunState, TransferResult, TransferredToAccounting,
};
use proptest::prelude::*;
use small_runs::{entry_mixes as mixes, run_states as states};
use strum::VariantArray;

mod small_runs;

/// Saves and loads `run`; checks the loaded run is equal and saves to the same bytes.
fn round_trip(run: &JournalRun) -> JournalRun {
    let saved = serde_json::to_string(run).unwrap();
    let loaded: JournalRun = serde_json::from_str(&saved).unwrap();
    assert_eq!(&loaded, run, "INV-12: {saved}");
    assert_eq!(serde_json::to_string(&loaded).unwrap(), saved, "INV-12");
    assert_eq!(loaded.cancelled_count(), run.cancelled_count(), "INV-9");
    // The pretty form reads back the same.
    let pretty = serde_json::to_string_pretty(run).unwrap();
    assert_eq!(&serde_json::from_str::<JournalRun>(&pretty).unwrap(), run);
    loaded
}

#[test]
fn inv_12_every_state_of_runs_up_to_three_entries_round_trips() {
    let mut count = 0;
    for n in 0..=3 {
        for state in states(n as usize) {
            for mix in mixes(n) {
                for labels in [vec![], vec![org("org-1"), org("org-2")]] {
                    if let Ok(run) = JournalRun::from_snapshot(jr(75), labels, state, mix.clone()) {
                        round_trip(&run);
                        count += 1;
                    }
                }
            }
        }
    }
    // 0..=3 entries: every sound state (the figure docs/VERIFICATION.md cites): 5,768 before
    // Processing runs could list entries (+584) and CancelInprogress jobs could be unknown (+585).
    assert_eq!(count, 2 * 6_937);
}

#[test]
fn inv_12_the_saved_form_is_stable() {
    let system = Caller::superuser();
    let mut run = JournalRun::new(jr(75), vec![org("org-1")]);
    run.execute(&system, &Command::StartProcessing).unwrap();
    run.execute(
        &system,
        &Command::CompleteProcessing {
            entries: vec![je(3), je(1), je(2)],
        },
    )
    .unwrap();
    run.execute(&system, &Command::BeginTransfer { entry: je(2) })
        .unwrap();
    run.execute(
        &system,
        &Command::CancelRun {
            run: jr(75),
            scope: RequestScope::default(),
        },
    )
    .unwrap();
    run.execute(&system, &Command::StepCancellation).unwrap();
    run.execute(&system, &Command::StepCancellation).unwrap();
    // Stopped mid-job: the job's position is saved; the derived count is not.
    let expected = r#"{"number":"JR-00000075","organizations":["org-1"],"state":{"CancelInprogress":{"previous":"Completed","next":2}},"entries":[{"number":"JE-00000001","status":"Cancelled","transferredToAccounting":"No"},{"number":"JE-00000002","status":"Created","transferredToAccounting":"Processing"},{"number":"JE-00000003","status":"Created","transferredToAccounting":"No"}]}"#;
    assert_eq!(serde_json::to_string(&run).unwrap(), expected);
    assert_eq!(round_trip(&run).cancelled_count(), 1);
    // A snapshot's entries may come in any order; they are kept ascending.
    let shuffled = r#"{"number":"JR-00000075","organizations":["org-1"],"state":{"CancelInprogress":{"previous":"Completed","next":2}},"entries":[{"number":"JE-00000003","status":"Created","transferredToAccounting":"No"},{"number":"JE-00000001","status":"Cancelled","transferredToAccounting":"No"},{"number":"JE-00000002","status":"Created","transferredToAccounting":"Processing"}]}"#;
    assert_eq!(serde_json::from_str::<JournalRun>(shuffled).unwrap(), run);
    // Organizations default to none.
    let unlabelled: JournalRun =
        serde_json::from_str(r#"{"number":"JR-00000001","state":"Pending","entries":[]}"#).unwrap();
    assert_eq!(unlabelled, JournalRun::new(jr(1), vec![]));
}

/// Runs `commands` from `start`; stops (saves and loads) before command `stop`. Returns the
/// final run, the events, and the bytes saved at the end.
fn play(
    start: &JournalRun,
    commands: &[Command],
    stop: Option<usize>,
) -> (JournalRun, Vec<Event>, String) {
    let system = Caller::superuser();
    let mut run = start.clone();
    let mut events = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        if stop == Some(i) {
            let saved = serde_json::to_string(&run).unwrap();
            run = serde_json::from_str(&saved).unwrap();
        }
        if let Ok(event) = run.execute(&system, command) {
            events.push(event);
        }
    }
    let saved = serde_json::to_string(&run).unwrap();
    (run, events, saved)
}

#[test]
fn inv_12_a_job_resumed_at_any_point_ends_as_one_that_never_stopped() {
    let mut jobs = 0;
    for n in 0..=3u64 {
        for mix in mixes(n) {
            let Ok(start) = JournalRun::from_snapshot(jr(75), vec![], RunState::Completed, mix)
            else {
                continue;
            };
            let mut commands = vec![Command::CancelRun {
                run: jr(75),
                scope: RequestScope::default(),
            }];
            commands.extend((0..n).map(|_| Command::StepCancellation));
            commands.push(Command::SettleCancellation);
            let whole = play(&start, &commands, None);
            assert_eq!(whole.1.len(), commands.len(), "every command is accepted");
            for stop in 0..=commands.len() {
                assert_eq!(
                    play(&start, &commands, Some(stop)),
                    whole,
                    "stopped before {stop}"
                );
            }
            jobs += 1;
        }
    }
    // 8 reachable looks per entry: Created with any of 5 values, Cancelled with No, Error or
    // Ignore (a cancelled entry is never Yes or Processing: INV-3).
    assert_eq!(jobs, 1 + 8 + 64 + 512);
}

/// Every command the proptest below draws from: processing, the job, entry commands on three
/// entries, the integration, deletion.
fn alphabet() -> Vec<Command> {
    let scope = RequestScope::default;
    let mut commands = vec![
        Command::StartProcessing,
        Command::CompleteProcessing {
            entries: vec![je(1), je(2), je(3)],
        },
        Command::FailProcessing {
            entries: vec![je(2), je(3)],
        },
        Command::CancelRun {
            run: jr(75),
            scope: scope(),
        },
        Command::StepCancellation,
        Command::StepCancellation,
        Command::SettleCancellation,
        Command::DeleteRun {
            run: jr(75),
            scope: scope(),
        },
        Command::FinishDeletion,
    ];
    for n in 1..=3 {
        commands.push(Command::CancelEntry {
            entry: je(n),
            scope: scope(),
        });
        commands.push(Command::DeleteEntry {
            entry: je(n),
            scope: scope(),
        });
        commands.push(Command::BeginTransfer { entry: je(n) });
        commands.push(Command::FinishTransfer {
            entry: je(n),
            result: TransferResult::Yes,
        });
        for &value in TransferredToAccounting::VARIANTS {
            commands.push(Command::UpdateTransferredToAccounting {
                entry: je(n),
                value,
                scope: scope(),
            });
        }
    }
    commands
}

proptest! {
    /// INV-12: over random command sequences, a process that stops at any point and resumes
    /// from the saved run produces the same events, the same run and the same saved bytes.
    #[test]
    fn inv_12_resuming_anywhere_changes_nothing(
        picks in proptest::collection::vec(any::<proptest::sample::Index>(), 0..60),
        stop in any::<proptest::sample::Index>(),
    ) {
        let alphabet = alphabet();
        let commands: Vec<Command> = picks.iter().map(|i| i.get(&alphabet).clone()).collect();
        let start = JournalRun::new(jr(75), vec![]);
        let whole = play(&start, &commands, None);
        let stop = stop.index(commands.len() + 1);
        prop_assert_eq!(play(&start, &commands, Some(stop)), whole);
    }

    /// Commands and events (what an embedding system persists and replays) round-trip too.
    #[test]
    fn inv_12_commands_and_events_round_trip(
        picks in proptest::collection::vec(any::<proptest::sample::Index>(), 0..60),
    ) {
        let alphabet = alphabet();
        let system = Caller::superuser();
        let mut run = JournalRun::new(jr(75), vec![]);
        for pick in picks {
            let command = pick.get(&alphabet);
            let text = serde_json::to_string(command).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Command>(&text).unwrap(), command);
            if let Ok(event) = run.execute(&system, command) {
                let text = serde_json::to_string(&event).unwrap();
                prop_assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), event);
            }
        }
    }
}

#[test]
fn callers_and_scopes_round_trip() {
    let caller = Caller {
        permissions: PermissionSet::of(&[
            Permission::CancelJournalRun,
            Permission::OverrideTransferredToAccounting,
        ]),
        orgs: OrgAccess::Only([org("org-1"), org("org-2")].into_iter().collect()),
        entities: vec!["entity-1".parse().unwrap()],
    };
    let text = serde_json::to_string(&caller).unwrap();
    assert_eq!(
        text,
        r#"{"permissions":["Cancel Journal Run","Override Transferred to Accounting"],"platformPermissions":[],"orgs":{"only":["org-1","org-2"]},"entities":["entity-1"]}"#
    );
    assert_eq!(serde_json::from_str::<Caller>(&text).unwrap(), caller);
    // D-21: a caller document that names no Platform permission (every document written
    // before they were modelled) gets "API Write Access"; an empty `platformPermissions`
    // denies it; a Platform name is accepted in `permissions` too.
    let old_style: Caller = serde_json::from_str(
        r#"{"permissions":["Cancel Journal Run"],"orgs":"all","entities":[]}"#,
    )
    .unwrap();
    assert_eq!(
        old_style.permissions,
        PermissionSet::of(&[Permission::CancelJournalRun, Permission::ApiWriteAccess])
    );
    let denied: Caller = serde_json::from_str(
        r#"{"permissions":["Cancel Journal Run"],"platformPermissions":[],"orgs":"all","entities":[]}"#,
    )
    .unwrap();
    assert_eq!(
        denied.permissions,
        PermissionSet::of(&[Permission::CancelJournalRun])
    );
    let in_one_list: Caller = serde_json::from_str(
        r#"{"permissions":["API Write Access","Cancel Journal Run"],"orgs":"all","entities":[]}"#,
    )
    .unwrap();
    assert_eq!(in_one_list.permissions, old_style.permissions);
    assert_eq!(
        serde_json::to_string(&in_one_list).unwrap(),
        r#"{"permissions":["Cancel Journal Run"],"platformPermissions":["API Write Access"],"orgs":"all","entities":[]}"#
    );
    let scope = RequestScope {
        entity: Some("entity-1".parse().unwrap()),
        orgs: Some(OrgIds::parse("org-1, org-2").unwrap()),
    };
    let text = serde_json::to_string(&scope).unwrap();
    assert_eq!(text, r#"{"entity":"entity-1","orgs":"org-1,org-2"}"#);
    assert_eq!(serde_json::from_str::<RequestScope>(&text).unwrap(), scope);
}

/// Every value type has one spelling: Display, Debug, `as_str`, `String::from`, `FromStr` and
/// `TryFrom` agree, and the boundaries of the formats are accepted.
#[test]
fn value_types_spell_themselves_one_way() {
    use journal_run::{EntityId, TrackId};
    assert_eq!(je(1).to_string(), "JE-00000001");
    assert_eq!(format!("{:?}", jr(75)), "JR-00000075");
    assert_eq!(jr(100_000_000).to_string(), "JR-100000000");
    assert_eq!(
        JournalRunNumber::parse("JR-18446744073709551615").map(JournalRunNumber::get),
        Ok(u64::MAX)
    );
    assert_eq!(JournalEntryNumber::try_from("JE-00000042"), Ok(je(42)));

    // Zuora-Track-Id: 64 characters is the longest accepted; every printable ASCII character
    // but `: ; " '` is allowed.
    let longest = "t".repeat(64);
    let track = TrackId::parse(&longest).unwrap();
    assert_eq!(track.as_str(), longest);
    assert_eq!(track.to_string(), longest);
    assert_eq!(String::from(track.clone()), longest);
    assert_eq!(longest.parse::<TrackId>(), Ok(track.clone()));
    assert_eq!(TrackId::try_from(longest.clone()), Ok(track));
    let printable: String = (' '..='~')
        .filter(|c| !":;\"'".contains(*c))
        .take(64)
        .collect();
    assert_eq!(TrackId::parse(&printable).unwrap().as_str(), printable);
    assert_eq!(format!("{:?}", TrackId::parse("a b").unwrap()), "\"a b\"");
    assert_eq!(
        TrackId::parse("a:b").unwrap_err().to_string(),
        "Zuora-Track-Id may not contain ':' (one of `:` `;` `\"` `'`), found at character 2"
    );
    assert_eq!(
        TrackId::parse("a\nb").unwrap_err().to_string(),
        "Zuora-Track-Id may not contain U+000A (a control character), found at character 2"
    );
    assert_eq!(
        TrackId::parse("\u{e9}").unwrap_err().to_string(),
        "Zuora-Track-Id may not contain '\u{e9}' (not US-ASCII), found at character 1"
    );

    // Org and entity ids: 64 characters is the longest accepted.
    let long_org = "o".repeat(64);
    assert_eq!(org(&long_org).as_str(), long_org);
    let ids = OrgIds::parse(&format!("a-1 , B_2.x,\t{long_org}")).unwrap();
    assert_eq!(ids.to_string(), format!("a-1,B_2.x,{long_org}"));
    assert_eq!(String::from(ids.clone()), ids.to_string());
    assert_eq!(
        format!("{:?}", OrgIds::parse("a,b").unwrap()),
        "[\"a\", \"b\"]"
    );
    assert_eq!(ids.to_string().parse::<OrgIds>(), Ok(ids.clone()));
    assert_eq!(OrgIds::try_from(ids.to_string()), Ok(ids));
    let entity = EntityId::parse(&"e".repeat(64)).unwrap();
    assert_eq!(entity.to_string(), "e".repeat(64));
    assert_eq!(format!("{:?}", EntityId::parse("e-1").unwrap()), "\"e-1\"");
}

/// Every field of the saved form is spelled as Zuora's JSON spells fields (camelCase), never as
/// a Rust identifier: the failed attempt's reason among them.
#[test]
fn saved_events_name_their_fields_in_zuoras_words() {
    use journal_run::AttemptOutcome;
    let failed = Event::EntryAttempted {
        entry: je(4),
        outcome: AttemptOutcome::Failed {
            transferred_to_accounting: TransferredToAccounting::Yes,
        },
    };
    let text = serde_json::to_string(&failed).unwrap();
    assert_eq!(
        text,
        r#"{"event":"entryAttempted","entry":"JE-00000004","outcome":{"failed":{"transferredToAccounting":"Yes"}}}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), failed);
}
