//! Conversions between Zuora's documents and the core types: what is read, what is rejected
//! (naming the field), and what is written back.

mod wire_support;

use journal_run::strategy;
use journal_run::wire::ErrorCategory;
use journal_run::wire::{
    DocumentError, GetJournalEntriesInJournalRunType, GetJournalEntryDetailType, GetJournalRunType,
    Nullable, RunSnapshot, Value,
};
use journal_run::{
    Caller, CancellableStatus, CancellationJob, Command, CommandKind, Error, Job, JournalEntry,
    JournalEntryNumber, JournalEntryStatus, JournalRun, JournalRunNumber, JournalRunStatus,
    Rejection, RequestScope, RunState, TransferResult, TransferredToAccounting,
};
use proptest::prelude::*;
use serde_json::json;
use wire_support::*;

/// The field a document error names (`DocumentError::field`), for an error that names one.
fn field(error: &DocumentError) -> &str {
    error
        .field()
        .unwrap_or_else(|| panic!("{error:?} names no field"))
}

/// The worked example's snapshot as JSON, changed by `edit`, then converted.
fn convert_edited(edit: impl FnOnce(&mut serde_json::Value)) -> Result<JournalRun, DocumentError> {
    let mut doc = serde_json::to_value(worked_example_snapshot()).unwrap();
    edit(&mut doc);
    let snapshot: RunSnapshot = serde_json::from_value(doc).unwrap();
    JournalRun::try_from(&snapshot)
}

fn rejected_field(edit: impl FnOnce(&mut serde_json::Value)) -> (String, String) {
    let error = convert_edited(edit).unwrap_err();
    (field(&error).to_owned(), error.to_string())
}

#[test]
fn worked_example_documents_become_the_worked_example_run() {
    let run = worked_example_run();
    assert_eq!(run.number(), "JR-00000075".parse().unwrap());
    assert_eq!(run.status(), Some(JournalRunStatus::Completed));
    assert_eq!(run.entries().len(), 10);
    assert!(run.organizations().is_empty());
    let transferred: Vec<_> = run
        .entries()
        .iter()
        .map(|e| (e.number.get(), e.transferred_to_accounting))
        .filter(|(_, t)| *t != TransferredToAccounting::No)
        .collect();
    assert_eq!(
        transferred,
        [
            (4, TransferredToAccounting::Yes),
            (9, TransferredToAccounting::Ignore)
        ]
    );
}

#[test]
fn d3_missing_or_null_transferred_to_accounting_is_no() {
    let page_entry = &worked_example_snapshot().journal_entries[6];
    assert_eq!(page_entry.number, "JE-00000007");
    assert_eq!(page_entry.transferred_to_accounting, Nullable::Absent);
    assert_eq!(
        JournalEntry::try_from(page_entry)
            .unwrap()
            .transferred_to_accounting,
        TransferredToAccounting::No
    );
    let nulls: GetJournalEntryDetailType = fixture("journal_entry_nullable_fields.json");
    assert_eq!(nulls.transferred_to_accounting, Nullable::Null);
    assert_eq!(nulls.notes, Nullable::Null);
    assert_eq!(
        JournalEntry::try_from(&nulls).unwrap(),
        JournalEntry {
            number: je(120),
            status: JournalEntryStatus::Created,
            transferred_to_accounting: TransferredToAccounting::No,
        }
    );
}

#[test]
fn nullable_fields_keep_null_absent_or_value_through_serde() {
    let text = fixture_text("journal_entry_nullable_fields.json");
    let doc: GetJournalEntryDetailType = serde_json::from_str(&text).unwrap();
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&doc).unwrap(), original);
}

#[test]
fn custom_fields_are_kept_on_entries_and_items() {
    let text = fixture_text("journal_entry_je_00000004.json");
    let doc: GetJournalEntryDetailType = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc.custom_fields.get("CostCenter__c"),
        Some(&Value::String("CC-304".into()))
    );
    let items = doc.journal_entry_items.as_ref().unwrap();
    assert_eq!(
        items[0].custom_fields.get("ReconciliationId__c"),
        Some(&Value::String("REC-2026-0004".into()))
    );
    // The whole document comes back as it was read.
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&doc).unwrap(), original);
    // Null and numeric custom fields too.
    let entry_9 = &worked_example_snapshot().journal_entries[8];
    assert_eq!(
        entry_9.custom_fields.get("ApprovedBy__c"),
        Some(&Value::Null)
    );
    assert_eq!(
        entry_9.custom_fields.get("Lines__c"),
        Some(&Value::Unsigned(2))
    );
}

#[test]
fn unknown_fields_are_ignored_where_zuora_allows_no_custom_fields() {
    let run: GetJournalRunType = serde_json::from_value(json!({
        "number": "JR-00000001", "status": "Pending", "colour": "blue",
        "organizationLabels": [{ "organizationId": "o-1", "extra": 1 }],
        "transactionTypes": [{ "type": "Invoice Item", "extra": true }]
    }))
    .unwrap();
    assert_eq!(
        serde_json::to_value(&run).unwrap(),
        json!({
            "number": "JR-00000001", "status": "Pending",
            "organizationLabels": [{ "organizationId": "o-1" }],
            "transactionTypes": [{ "type": "Invoice Item" }]
        })
    );
    let page: GetJournalEntriesInJournalRunType =
        serde_json::from_value(json!({ "journalEntries": [], "success": true, "pageInfo": {} }))
            .unwrap();
    assert_eq!(
        serde_json::to_value(&page).unwrap(),
        json!({ "journalEntries": [], "success": true })
    );
}

#[test]
fn total_journal_entry_count_must_be_a_whole_number_of_at_least_0_or_null() {
    // A value of the wrong kind is serde's `invalid_type`, which a deserializer words and
    // places (`journalRun.totalJournalEntryCount: expected a whole number of at least 0 or
    // null, found true` in the command-line tool and the control API); serde_json shows the
    // value as written, a float with its fraction or exponent.
    for (bad, shown) in [
        (json!(5.0), "floating point `5.0`"),
        (json!(1e300), "floating point `1e+300`"),
        (json!(-1), "integer `-1`"),
        (json!("10"), "string \"10\""),
        (json!(true), "boolean `true`"),
        (json!([1]), "sequence"),
    ] {
        let error = serde_json::from_value::<GetJournalRunType>(
            json!({ "number": "JR-00000001", "status": "Completed", "totalJournalEntryCount": bad }),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("invalid type: {shown}, expected a whole number of at least 0 or null"),
        );
    }
    for (good, count) in [(json!(null), None), (json!(7), Some(7))] {
        let run = serde_json::from_value::<GetJournalRunType>(
            json!({ "number": "JR-00000001", "status": "Completed", "totalJournalEntryCount": good }),
        )
        .expect("a run");
        assert_eq!(run.total_journal_entry_count, count);
    }
}

/// A change to a snapshot's JSON.
type Edit = dyn FnOnce(&mut serde_json::Value);

#[test]
fn invalid_documents_are_errors_naming_the_field() {
    let cases: Vec<(&str, Box<Edit>)> = vec![
        (
            "run.success",
            Box::new(|d| d["run"]["success"] = json!(false)),
        ),
        (
            "run.number",
            Box::new(|d| d["run"]["number"] = json!("JR-75")),
        ),
        (
            "run.status",
            Box::new(|d| d["run"]["status"] = json!("Canceled")),
        ),
        (
            "run.organizationLabels[1].organizationId",
            Box::new(|d| {
                d["run"]["organizationLabels"] =
                    json!([{ "organizationId": "o-1" }, { "organizationName": "No id" }])
            }),
        ),
        (
            "run.organizationLabels[0].organizationId",
            Box::new(|d| d["run"]["organizationLabels"] = json!([{ "organizationId": "o 1" }])),
        ),
        (
            "journalEntries[2].number",
            Box::new(|d| d["journalEntries"][2]["number"] = json!("JE-3")),
        ),
        (
            "journalEntries[5].status",
            Box::new(|d| d["journalEntries"][5]["status"] = json!("Deleted")),
        ),
        (
            "journalEntries[9].transferredToAccounting",
            Box::new(|d| d["journalEntries"][9]["transferredToAccounting"] = json!("yes")),
        ),
        (
            "journalEntries[0].success",
            Box::new(|d| d["journalEntries"][0]["success"] = json!(false)),
        ),
        (
            "journalEntries[8].number",
            Box::new(|d| d["journalEntries"][8]["number"] = json!("JE-00000002")),
        ),
        (
            "run.totalJournalEntryCount",
            Box::new(|d| d["run"]["totalJournalEntryCount"] = json!(11)),
        ),
        (
            "run.status",
            Box::new(|d| d["cancellationJob"] = json!({ "previous": "Completed", "next": 0 })),
        ),
        (
            "cancellationJob.next",
            Box::new(|d| {
                d["run"]["status"] = json!("CancelInprogress");
                d["cancellationJob"] = json!({ "previous": "Completed", "next": 11 });
            }),
        ),
        // An export's CancelInprogress run (no job) whose entry was cancelled while
        // transferred (INV-3): the run's fault, not the (absent) job's.
        (
            "run.status",
            Box::new(|d| {
                d["run"]["status"] = json!("CancelInprogress");
                d["journalEntries"][3]["status"] = json!("Cancelled");
            }),
        ),
        // The run's status contradicts its entries (INV-1, INV-10).
        (
            "run.status",
            Box::new(|d| d["run"]["status"] = json!("Cancelled")),
        ),
        (
            "run.status",
            Box::new(|d| d["run"]["status"] = json!("Pending")),
        ),
        (
            "run.status",
            Box::new(|d| d["run"]["status"] = json!("DeleteInprogress")),
        ),
    ];
    for (expected, edit) in cases {
        let (named, message) = rejected_field(edit);
        assert_eq!(named, expected, "{message}");
        assert!(message.starts_with(expected), "{message}");
    }
}

#[test]
fn document_error_messages_are_specific() {
    let (_, duplicate) =
        rejected_field(|d| d["journalEntries"][8]["number"] = json!("JE-00000002"));
    assert_eq!(
        duplicate,
        "journalEntries[8].number: journal entry JE-00000002 is listed twice (first at journalEntries[1])"
    );
    let (_, count) = rejected_field(|d| d["run"]["totalJournalEntryCount"] = json!(11));
    assert_eq!(
        count,
        "run.totalJournalEntryCount is 11, but 10 journal entries are given"
    );
    let (_, one) = rejected_field(|d| {
        let first = d["journalEntries"][0].clone();
        d["journalEntries"] = json!([first]);
    });
    assert_eq!(
        one,
        "run.totalJournalEntryCount is 10, but 1 journal entry is given"
    );
    let (_, status) = rejected_field(|d| d["run"]["status"] = json!("Canceled"));
    assert!(
        status.starts_with("run.status: unknown journal run status `Canceled`"),
        "{status}"
    );
    let (_, contradiction) = rejected_field(|d| d["run"]["status"] = json!("Cancelled"));
    assert!(
        contradiction.contains("the run is Cancelled but 10 of its entries are not cancelled"),
        "{contradiction}"
    );
    let error = convert_edited(|d| d["run"]["status"] = json!("Canceled")).unwrap_err();
    assert_eq!(
        journal_run::wire::category(&Error::from(error)),
        ErrorCategory::InvalidValue
    );
}

#[test]
fn d16_cancel_inprogress_is_read_with_the_cancellation_job_extension() {
    let run = convert_edited(|d| {
        d["run"]["status"] = json!("CancelInprogress");
        d["cancellationJob"] = json!({ "previous": "Completed", "next": 3 });
    })
    .unwrap();
    assert_eq!(
        run.state(),
        &RunState::CancelInprogress(Job::Known(CancellationJob {
            previous: CancellableStatus::Completed,
            next: 3
        }))
    );
}

/// D-16: Zuora's own export of a run being cancelled shows no job: the run is read with its job
/// unknown, answers a cancel with the status rule, and is written back without `cancellationJob`.
#[test]
fn d16_cancel_inprogress_as_zuora_exports_it_is_read_with_an_unknown_job() {
    let run = convert_edited(|d| d["run"]["status"] = json!("CancelInprogress")).unwrap();
    assert_eq!(run.state(), &RunState::CancelInprogress(Job::Unknown));
    assert_eq!(run.job(), None);
    assert_eq!(run.settlement(), None);
    assert_eq!(run.entries().len(), 10);
    let cancel = Command::CancelRun {
        run: run.number(),
        scope: RequestScope::default(),
    };
    assert_eq!(
        run.decide(&Caller::superuser(), &cancel),
        Err(Rejection::RunStatus {
            command: CommandKind::CancelRun,
            run: run.number(),
            status: JournalRunStatus::CancelInprogress,
        })
    );
    let mut resumed = run.clone();
    assert_eq!(
        resumed.execute(&Caller::superuser(), &Command::StepCancellation),
        Err(Rejection::JobUnknown { run: run.number() })
    );
    assert_eq!(
        resumed.finish_job(|_| {}),
        Err(Rejection::JobUnknown { run: run.number() })
    );
    assert_eq!(resumed, run);
    let written = RunSnapshot::try_from(&run).unwrap();
    assert_eq!(written.cancellation_job, None);
    assert_eq!(JournalRun::try_from(&written), Ok(run));
}

#[test]
fn pages_must_form_a_complete_listing() {
    let run: GetJournalRunType = fixture("journal_run_jr_00000075.json");
    let page_1: GetJournalEntriesInJournalRunType =
        fixture("journal_entries_jr_00000075_page_1.json");
    let page_2: GetJournalEntriesInJournalRunType =
        fixture("journal_entries_jr_00000075_page_2.json");

    // Only the first page: the listing goes on.
    let partial = RunSnapshot::from_pages(run.clone(), vec![page_1.clone()]).unwrap_err();
    assert_eq!(field(&partial), "pages[0].nextPage");
    assert!(
        partial.to_string().contains("?page=2&pageSize=8"),
        "{partial}"
    );
    // The last page first: it says no page follows.
    let reversed =
        RunSnapshot::from_pages(run.clone(), vec![page_2.clone(), page_1.clone()]).unwrap_err();
    assert_eq!(
        reversed.to_string(),
        "pages[0].nextPage is absent or null, so no page follows, but 1 more is given"
    );
    // Told in a reader's own terms (the page's file named apart): only the field changes.
    let mut renamed = reversed;
    if let Some(field) = renamed.field_mut() {
        *field = "nextPage".to_owned();
    }
    assert_eq!(
        renamed.to_string(),
        "nextPage is absent or null, so no page follows, but 1 more is given"
    );
    // A failed page.
    let mut failed = page_2.clone();
    failed.success = Some(false);
    let error = RunSnapshot::from_pages(run.clone(), vec![page_1.clone(), failed]).unwrap_err();
    assert_eq!(field(&error), "pages[1].success");
    // One page read alone, partial or not, gives its own entries.
    let first: Vec<JournalEntry> = (&page_1).try_into().unwrap();
    assert_eq!(first.len(), 8);
    assert_eq!(
        first[3].transferred_to_accounting,
        TransferredToAccounting::Yes
    );
    // A page repeating an entry.
    let mut repeated = page_2.clone();
    repeated
        .journal_entries
        .push(page_2.journal_entries[0].clone());
    let error = Vec::<JournalEntry>::try_from(&repeated).unwrap_err();
    assert_eq!(field(&error), "journalEntries[2].number");
    // Count check against the joined listing.
    let mut short = run;
    short.total_journal_entry_count = Some(8);
    let snapshot = RunSnapshot::from_pages(short, vec![page_1, page_2]).unwrap();
    assert_eq!(
        JournalRun::try_from(&snapshot).unwrap_err().to_string(),
        "run.totalJournalEntryCount is 8, but 10 journal entries are given"
    );
}

#[test]
fn multi_org_snapshot_fixture_reads_its_org_scope() {
    let snapshot: RunSnapshot = fixture("run_snapshot_jr_00000081.json");
    let run = JournalRun::try_from(&snapshot).unwrap();
    assert_eq!(run.status(), Some(JournalRunStatus::Cancelled));
    assert_eq!(
        run.organizations(),
        &[org("8a8aa0a97f3c2b1e017f3c9d5e6a0001")]
    );
    assert_eq!(run.cancelled_count(), 2);
    // Written back unchanged, the snapshot is the fixture, field for field.
    let back = serde_json::to_value(snapshot.updated(&run).unwrap()).unwrap();
    let original: serde_json::Value =
        serde_json::from_str(&fixture_text("run_snapshot_jr_00000081.json")).unwrap();
    assert_eq!(back, original);
}

#[test]
fn worked_example_written_back_changes_only_status_and_transferred_to_accounting() {
    let snapshot = worked_example_snapshot();
    let mut run = JournalRun::try_from(&snapshot).unwrap();
    let zuora = Caller::superuser();
    let number: JournalRunNumber = "JR-00000075".parse().unwrap();
    run.execute(
        &zuora,
        &Command::CancelRun {
            run: number,
            scope: RequestScope::default(),
        },
    )
    .unwrap();
    for _ in 0..10 {
        run.execute(&zuora, &Command::StepCancellation).unwrap();
    }
    run.execute(&zuora, &Command::SettleCancellation).unwrap();
    let written = snapshot.updated(&run).unwrap();

    let before = serde_json::to_value(&snapshot).unwrap();
    let after = serde_json::to_value(&written).unwrap();
    assert_eq!(
        after["run"], before["run"],
        "the run stays Completed, nothing else changes"
    );
    assert_eq!(written.cancellation_job, None);
    for (i, (old, new)) in before["journalEntries"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["journalEntries"].as_array().unwrap())
        .enumerate()
    {
        let mut expected = old.clone();
        expected["status"] = json!(if i == 3 { "Created" } else { "Cancelled" });
        assert_eq!(new, &expected, "entry {}", i + 1);
    }
    // And it reads back as the run it was written from.
    assert_eq!(JournalRun::try_from(&written).unwrap(), run);
}

#[test]
fn written_back_transferred_to_accounting_keeps_its_form_unless_it_changed() {
    let snapshot = worked_example_snapshot();
    let mut run = JournalRun::try_from(&snapshot).unwrap();
    let zuora = Caller::superuser();
    // Entry 7 (no transferredToAccounting in its document) is transferred; entry 1 is not touched.
    run.execute(&zuora, &Command::BeginTransfer { entry: je(7) })
        .unwrap();
    run.execute(
        &zuora,
        &Command::FinishTransfer {
            entry: je(7),
            result: TransferResult::Yes,
        },
    )
    .unwrap();
    let written = snapshot.updated(&run).unwrap();
    assert_eq!(
        written.journal_entries[6].transferred_to_accounting,
        Nullable::Value("Yes".to_owned())
    );
    assert_eq!(written.journal_entries[0], snapshot.journal_entries[0]);

    let mut nulls = snapshot.clone();
    nulls.journal_entries[6].transferred_to_accounting = Nullable::Null;
    let unchanged = JournalRun::try_from(&nulls).unwrap();
    assert_eq!(
        nulls.updated(&unchanged).unwrap().journal_entries[6].transferred_to_accounting,
        Nullable::Null
    );
}

#[test]
fn written_back_deletions_drop_entries_and_update_the_count() {
    let snapshot = worked_example_snapshot();
    let mut run = JournalRun::try_from(&snapshot).unwrap();
    let zuora = Caller::superuser();
    let scope = RequestScope::default();
    run.execute(
        &zuora,
        &Command::CancelEntry {
            entry: je(2),
            scope: scope.clone(),
        },
    )
    .unwrap();
    run.execute(
        &zuora,
        &Command::DeleteEntry {
            entry: je(2),
            scope,
        },
    )
    .unwrap();
    let written = snapshot.updated(&run).unwrap();
    assert_eq!(written.run.total_journal_entry_count, Some(9));
    assert!(written
        .journal_entries
        .iter()
        .all(|e| e.number != "JE-00000002"));
    assert_eq!(JournalRun::try_from(&written).unwrap(), run);
}

#[test]
fn write_back_refuses_a_deleted_run_and_another_run() {
    let snapshot = worked_example_snapshot();
    let other = processing_run();
    assert_eq!(
        snapshot.updated(&other).unwrap_err().to_string(),
        "run.number is `JR-00000075`, but the journal run written back is JR-00000076"
    );
    let mut deleted = JournalRun::new("JR-00000075".parse().unwrap(), vec![]);
    let zuora = Caller::superuser();
    let scope = RequestScope::default;
    let run = deleted.number();
    for command in [
        Command::CancelRun {
            run,
            scope: scope(),
        },
        Command::SettleCancellation,
        Command::DeleteRun {
            run,
            scope: scope(),
        },
        Command::FinishDeletion,
    ] {
        deleted.execute(&zuora, &command).unwrap();
    }
    assert_eq!(deleted.state(), &RunState::Deleted);
    assert!(matches!(
        snapshot.updated(&deleted),
        Err(DocumentError::RunDeleted { .. })
    ));
    assert!(matches!(
        GetJournalRunType::try_from(&deleted),
        Err(DocumentError::RunDeleted { .. })
    ));
}

#[test]
fn core_to_wire_documents_hold_the_rule_fields() {
    let run = worked_example_run();
    let doc = GetJournalRunType::try_from(&run).unwrap();
    assert_eq!(
        serde_json::to_value(&doc).unwrap(),
        json!({ "number": "JR-00000075", "status": "Completed", "success": true, "totalJournalEntryCount": 10 })
    );
    let entry = GetJournalEntryDetailType::from(&run.entries()[3]);
    assert_eq!(
        serde_json::to_value(&entry).unwrap(),
        json!({ "number": "JE-00000004", "status": "Created", "success": true, "transferredToAccounting": "Yes" })
    );
    let labelled = org_2_run();
    assert_eq!(
        serde_json::to_value(GetJournalRunType::try_from(&labelled).unwrap()).unwrap()
            ["organizationLabels"],
        json!([{ "organizationId": "org-2" }])
    );
    let page = GetJournalEntriesInJournalRunType::new(
        vec![entry],
        Some("https://example.com/next".into()),
    );
    assert_eq!(
        serde_json::to_value(&page).unwrap(),
        json!({
            "journalEntries": [{ "number": "JE-00000004", "status": "Created", "transferredToAccounting": "Yes" }],
            "nextPage": "https://example.com/next",
            "success": true
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// Any run a snapshot can hold: the library's runs in every state but deleted.
fn valid_run() -> impl Strategy<Value = JournalRun> {
    strategy::run().prop_filter("a snapshot holds no deleted run", |run| {
        run.status().is_some()
    })
}

fn any_command(entries: Vec<JournalEntryNumber>) -> impl Strategy<Value = Command> {
    let entry = if entries.is_empty() {
        Just(je(1)).boxed()
    } else {
        prop::sample::select(entries).boxed()
    };
    let scope = RequestScope::default();
    prop_oneof![
        Just(Command::StepCancellation),
        Just(Command::SettleCancellation),
        Just(Command::FinishDeletion),
        entry.clone().prop_map({
            let scope = scope.clone();
            move |entry| Command::CancelEntry {
                entry,
                scope: scope.clone(),
            }
        }),
        entry.clone().prop_map({
            let scope = scope.clone();
            move |entry| Command::DeleteEntry {
                entry,
                scope: scope.clone(),
            }
        }),
        (entry.clone(), strategy::transferred_to_accounting()).prop_map(move |(entry, value)| {
            Command::UpdateTransferredToAccounting {
                entry,
                value,
                scope: scope.clone(),
            }
        }),
        entry
            .clone()
            .prop_map(|entry| Command::BeginTransfer { entry }),
        entry.prop_map(|entry| Command::FinishTransfer {
            entry,
            result: TransferResult::Yes
        }),
    ]
}

fn run_and_commands() -> impl Strategy<Value = (JournalRun, Vec<Command>)> {
    valid_run().prop_flat_map(|run| {
        let entries: Vec<_> = run.entries().iter().map(|e| e.number).collect();
        let number = run.number();
        let commands = prop::collection::vec(
            prop_oneof![
                4 => any_command(entries),
                1 => Just(Command::CancelRun { run: number, scope: RequestScope::default() }),
                1 => Just(Command::DeleteRun { run: number, scope: RequestScope::default() }),
            ],
            0..24,
        );
        (Just(run), commands)
    })
}

proptest! {
    /// Core -> wire -> JSON text -> wire -> core gives back the same run, for every run a
    /// snapshot can hold (a job mid-way included, through the `cancellationJob` extension).
    #[test]
    fn wire_snapshot_round_trips_every_valid_run(run in valid_run()) {
        let snapshot = RunSnapshot::try_from(&run).unwrap();
        let text = serde_json::to_string(&snapshot).unwrap();
        let read: RunSnapshot = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&read, &snapshot);
        prop_assert_eq!(JournalRun::try_from(&read).unwrap(), run);
    }

    /// Writing back is faithful: after any commands, the updated documents read back as the
    /// run they were written from, and keep every entry document that was not deleted.
    #[test]
    fn written_back_documents_read_back_as_the_run((run, commands) in run_and_commands()) {
        let snapshot = RunSnapshot::try_from(&run).unwrap();
        let mut after = run.clone();
        let zuora = Caller::superuser();
        for command in &commands {
            let _ = after.execute(&zuora, command);
        }
        match after.status() {
            None => {
                let deleted = matches!(snapshot.updated(&after), Err(DocumentError::RunDeleted { .. }));
                prop_assert!(deleted);
            }
            Some(_) => {
                let written = snapshot.updated(&after).unwrap();
                prop_assert_eq!(JournalRun::try_from(&written).unwrap(), after.clone());
                prop_assert_eq!(written.journal_entries.len(), after.entries().len());
            }
        }
    }

    /// A run document with any status text either reads as that status or is rejected naming
    /// `run.status`; it is never read as another status.
    #[test]
    fn unknown_run_status_text_is_rejected_naming_the_field(status in "[A-Za-z]{0,18}") {
        let mut snapshot = RunSnapshot::try_from(&processing_run()).unwrap();
        snapshot.run.status = status.clone();
        match JournalRun::try_from(&snapshot) {
            Ok(run) => prop_assert_eq!(run.status().map(|s| s.as_str()), Some(status.as_str())),
            Err(error) => {
                if status.parse::<JournalRunStatus>().is_err() {
                    let named = matches!(error, DocumentError::Status { ref field, .. } if field == "run.status");
                    prop_assert!(named, "{}", error);
                }
            }
        }
    }
}

/// Zuora's entry documents carry `transferDateTime` and `transferredBy` only while
/// `transferredToAccounting` is `Yes` (docs/WIRE.md, "Writing back").
#[test]
fn written_back_transfer_fields_are_present_only_while_yes() {
    let snapshot = worked_example_snapshot();
    let at = Nullable::Value("2026-02-03T09:30:00Z".to_owned());
    let by = Nullable::Value("2c92c0f84b8fb1b5014b9b1e0f7d1234".to_owned());
    // The fixture: entry 4 is Yes with both fields.
    assert_eq!(snapshot.journal_entries[3].transfer_date_time, at);
    assert_eq!(snapshot.journal_entries[3].transferred_by, by);

    // Still Yes: both kept as they were.
    let run = JournalRun::try_from(&snapshot).unwrap();
    let written = snapshot.updated(&run).unwrap();
    assert_eq!(written.journal_entries[3].transfer_date_time, at);
    assert_eq!(written.journal_entries[3].transferred_by, by);

    // Yes -> No (with the Override permission): both dropped.
    let mut run = JournalRun::try_from(&snapshot).unwrap();
    run.execute(
        &Caller::superuser(),
        &Command::UpdateTransferredToAccounting {
            entry: je(4),
            value: TransferredToAccounting::No,
            scope: RequestScope::default(),
        },
    )
    .unwrap();
    let written = snapshot.updated(&run).unwrap();
    assert_eq!(
        written.journal_entries[3].transferred_to_accounting,
        Nullable::Value("No".to_owned())
    );
    assert_eq!(
        written.journal_entries[3].transfer_date_time,
        Nullable::Absent
    );
    assert_eq!(written.journal_entries[3].transferred_by, Nullable::Absent);
    let json = serde_json::to_value(&written.journal_entries[3]).unwrap();
    assert!(json.get("transferDateTime").is_none(), "{json}");
    assert!(json.get("transferredBy").is_none(), "{json}");

    // A document that carries them beside another value (or as null) loses them when written.
    let mut stray = snapshot.clone();
    stray.journal_entries[0].transfer_date_time = at.clone();
    stray.journal_entries[0].transferred_by = Nullable::Null;
    let run = JournalRun::try_from(&stray).unwrap();
    let written = stray.updated(&run).unwrap();
    assert_eq!(
        written.journal_entries[0].transfer_date_time,
        Nullable::Absent
    );
    assert_eq!(written.journal_entries[0].transferred_by, Nullable::Absent);

    // No -> Processing -> Yes in the write-back: no known time or user, so neither field,
    // even when the input had stale ones.
    let mut stale = snapshot.clone();
    stale.journal_entries[6].transfer_date_time = at.clone();
    stale.journal_entries[6].transferred_by = by.clone();
    let mut run = JournalRun::try_from(&stale).unwrap();
    let zuora = Caller::superuser();
    run.execute(&zuora, &Command::BeginTransfer { entry: je(7) })
        .unwrap();
    let processing = stale.updated(&run).unwrap();
    assert_eq!(
        processing.journal_entries[6].transfer_date_time,
        Nullable::Absent
    );
    run.execute(
        &zuora,
        &Command::FinishTransfer {
            entry: je(7),
            result: TransferResult::Yes,
        },
    )
    .unwrap();
    let written = stale.updated(&run).unwrap();
    assert_eq!(
        written.journal_entries[6].transferred_to_accounting,
        Nullable::Value("Yes".to_owned())
    );
    assert_eq!(
        written.journal_entries[6].transfer_date_time,
        Nullable::Absent
    );
    assert_eq!(written.journal_entries[6].transferred_by, Nullable::Absent);
    // The written documents read back as the run.
    assert_eq!(JournalRun::try_from(&written).unwrap(), run);
}
