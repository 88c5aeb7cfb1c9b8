//! Conformance with Zuora's official OpenAPI spec.
//!
//! Loads `../shared/reference/zuora-journal-openapi.yaml` (beside the repository) when it
//! exists; without it every test here prints that it was skipped, and passes. The file holds
//! two YAML documents: document 1 is the complete, machine-sliced extract of Zuora's compact
//! spec; document 2 holds fragments of another build of the spec (with descriptions) whose
//! journal-entry fields are `nullable`.
//!
//! Every JSON shape the crate produces (the cancel handler's success and error bodies, bodies
//! for every error category, run, entry and page documents) is validated with a JSON Schema
//! validator (`jsonschema`, draft 2020-12, formats checked) against the spec's schemas,
//! converted from OpenAPI 3.0 as follows:
//!
//! - `components.schemas` become `$defs`, and `#/components/schemas/X` refs `#/$defs/X`;
//! - `nullable: true` adds `"null"` to the `type` (and to the `enum`, if any);
//! - `example` keywords are dropped;
//! - stricter than the spec, where Zuora's objects have no custom fields (docs/WIRE.md):
//!   `additionalProperties: false` on `CommonResponse`, the `reasons` items of `CommonResponse`
//!   and `ErrorResponse` (which also require `code` and `message`), `GETJournalRunType` and
//!   its `organizationLabels` items, `GETJournalRunTransactionType`,
//!   `GETJournalEntrySegmentType` and `GETJournalEntriesInJournalRunType`; `CommonResponse`
//!   requires `success`. `ErrorResponse` itself stays open: the crate's 500 bodies are
//!   `CommonResponse`s, which the spec's `ErrorResponse` accepts. Entries and entry items stay
//!   open: Zuora allows custom fields there.
//!
//! Document 1's schemas are the reference. Document 2's schemas, laid over document 1's
//! (document 2 lacks some that it refers to), check the nullable fields.
//!
//! The hand-written fixtures in tests/fixtures are validated too, and some documents are
//! checked to be *rejected* (negative controls: a typo, an unknown status, a numeric code),
//! so a validator that accepted everything would fail this file.

mod spec_support;
mod wire_support;

use journal_run::wire::ErrorCategory;
use journal_run::wire::{
    CancelHandler, CommonResponse, GetJournalEntriesInJournalRunType, GetJournalEntryDetailType,
    GetJournalRunType, HttpStatusMapping, Reason, ReasonCode, ResourceCode, RunSnapshot,
    ZUORA_ENTITY_IDS, ZUORA_ORG_IDS, ZUORA_TRACK_ID,
};
use journal_run::{
    Caller, CancellableStatus, CancellationJob, Command, JournalEntry, JournalEntryStatus,
    JournalRun, RequestScope, RunState, TrackId, TransferredToAccounting,
};
use serde_json::{json, Value};
use spec_support::{spec, Validator, VALIDATED};
use strum::VariantArray;
use wire_support::*;

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

fn summary(test: &str) {
    println!("{test}: {} documents conform", VALIDATED.get());
}

#[test]
fn the_cancel_operation_is_the_one_the_handler_implements() {
    let Some(spec) = spec() else { return };
    let operation = &spec.complete["paths"]["/v1/journal-runs/{jr-number}/cancel"]["put"];
    assert_eq!(operation["operationId"], json!("PUT_JournalRun"));
    assert!(
        operation.get("requestBody").is_none(),
        "the cancel request has no body"
    );
    let parameters = &spec.complete["components"]["parameters"];
    let mut headers = Vec::new();
    let mut path = Vec::new();
    for parameter in operation["parameters"].as_array().unwrap() {
        let parameter = match parameter.get("$ref").and_then(Value::as_str) {
            Some(target) => &parameters[target.trim_start_matches("#/components/parameters/")],
            None => parameter,
        };
        match parameter["in"].as_str().unwrap() {
            "header" => headers.push(parameter["name"].as_str().unwrap().to_owned()),
            "path" => path.push(parameter["name"].as_str().unwrap().to_owned()),
            other => panic!("unexpected parameter location {other}"),
        }
    }
    assert_eq!(path, ["jr-number"]);
    for header in [
        ZUORA_TRACK_ID,
        ZUORA_ENTITY_IDS,
        ZUORA_ORG_IDS,
        "Accept-Encoding",
        "Content-Encoding",
    ] {
        assert!(
            headers.iter().any(|h| h == header),
            "{header} is not in {headers:?}"
        );
    }
    // The crate's limits are the spec's.
    assert_eq!(
        parameters["GLOBAL_HEADER_Zuora_Track_Id"]["schema"]["maxLength"],
        json!(TrackId::MAX_LEN)
    );
    let request_id =
        &spec.complete["components"]["headers"]["GLOBAL_HEADER_RESPONSE_Zuora_RequestId"]["schema"];
    assert_eq!(request_id["minLength"], json!(36));
    assert_eq!(request_id["maxLength"], json!(36));
    // The responses the operation declares.
    let responses: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
    assert_eq!(responses, ["200", "4XX", "500"]);
    for (status, schema) in [
        ("200", "CommonResponse"),
        ("4XX", "CommonResponse"),
        ("500", "ErrorResponse"),
    ] {
        assert_eq!(
            operation["responses"][status]["content"]["application/json"]["schema"]["$ref"],
            json!(format!("#/components/schemas/{schema}")),
            "{status}"
        );
    }
}

/// The schema the spec declares for a response of this HTTP status.
fn response_schema(status: u16) -> &'static str {
    match status {
        200 | 400..=499 => "CommonResponse",
        500 => "ErrorResponse",
        other => panic!("the cancel operation declares no {other} response"),
    }
}

#[test]
fn every_handler_response_conforms() {
    let Some(spec) = spec() else { return };
    let common = Validator::new(spec, "CommonResponse", false);
    let common_2 = Validator::new(spec, "CommonResponse", true);
    let error = Validator::new(spec, "ErrorResponse", false);
    let headers = &spec.complete["components"]["headers"];
    let request_id = Validator::from_schema(
        &headers["GLOBAL_HEADER_RESPONSE_Zuora_RequestId"]["schema"],
        "Zuora-Request-Id",
    );
    let track_id = Validator::from_schema(
        &headers["GLOBAL_HEADER_RESPONSE_Zuora_TrackId"]["schema"],
        "Zuora-Track-Id",
    );
    for mapping in [HttpStatusMapping::Zuora, HttpStatusMapping::Rest] {
        let handler = CancelHandler::with_status_mapping(mapping);
        for s in scenarios() {
            let response = s.run_with(&handler).response;
            let body = to_json(&response.body);
            match response_schema(response.status) {
                "CommonResponse" => {
                    common.accepts(s.name, &body);
                    common_2.accepts(s.name, &body);
                }
                _ => error.accepts(s.name, &body),
            }
            request_id.accepts(s.name, &json!(response.header("Zuora-Request-Id").unwrap()));
            if let Some(value) = response.header("Zuora-Track-Id") {
                track_id.accepts(s.name, &json!(value));
            }
        }
    }
    summary("handler responses");
}

#[test]
fn failure_bodies_of_every_category_conform() {
    let Some(spec) = spec() else { return };
    let common = Validator::new(spec, "CommonResponse", false);
    let error = Validator::new(spec, "ErrorResponse", false);
    for &category in ErrorCategory::VARIANTS {
        let body = to_json(&CommonResponse::failure(
            &request_id(),
            &process_id(),
            vec![Reason {
                code: ReasonCode::new(ResourceCode::UNKNOWN, category),
                message: format!("a fault of category {}", category.code()),
            }],
        ));
        // Every error body is a CommonResponse; a 500's is also an ErrorResponse, the spec's
        // schema for 500.
        common.accepts(&format!("category {}", category.code()), &body);
        for mapping in [HttpStatusMapping::Zuora, HttpStatusMapping::Rest] {
            if mapping.status(category) >= 500 {
                error.accepts(&format!("category {}", category.code()), &body);
            }
        }
    }
    summary("failure bodies");
}

/// A run in each state a document can show.
fn runs_in_every_status() -> Vec<JournalRun> {
    // A cancelled entry is never Yes (INV-3); a created one shows the value that blocks it.
    let entries = |status| {
        vec![JournalEntry {
            number: je(1),
            status,
            transferred_to_accounting: match status {
                JournalEntryStatus::Cancelled => TransferredToAccounting::Ignore,
                JournalEntryStatus::Created => TransferredToAccounting::Yes,
            },
        }]
    };
    let number = |n| journal_run::JournalRunNumber::new(n).unwrap();
    let job = CancellationJob {
        previous: CancellableStatus::Error,
        next: 1,
    };
    vec![
        JournalRun::from_snapshot(number(1), vec![], RunState::Pending, vec![]).unwrap(),
        JournalRun::from_snapshot(number(2), vec![], RunState::Processing, vec![]).unwrap(),
        JournalRun::from_snapshot(
            number(3),
            vec![org("o-1")],
            RunState::Completed,
            entries(JournalEntryStatus::Created),
        )
        .unwrap(),
        JournalRun::from_snapshot(number(4), vec![], RunState::Error, vec![]).unwrap(),
        JournalRun::from_snapshot(
            number(5),
            vec![],
            RunState::CancelInprogress(journal_run::Job::Known(job)),
            entries(JournalEntryStatus::Created),
        )
        .unwrap(),
        JournalRun::from_snapshot(
            number(6),
            vec![org("o-1"), org("o-2")],
            RunState::Cancelled,
            entries(JournalEntryStatus::Cancelled),
        )
        .unwrap(),
        JournalRun::from_snapshot(number(7), vec![], RunState::DeleteInprogress, vec![]).unwrap(),
    ]
}

/// The worked example's documents after the cancellation ran, written back.
fn worked_example_written_back() -> RunSnapshot {
    let snapshot = worked_example_snapshot();
    let mut run = JournalRun::try_from(&snapshot).unwrap();
    let zuora = Caller::superuser();
    run.execute(
        &zuora,
        &Command::CancelRun {
            run: run.number(),
            scope: RequestScope::default(),
        },
    )
    .unwrap();
    for _ in 0..10 {
        run.execute(&zuora, &Command::StepCancellation).unwrap();
    }
    run.execute(&zuora, &Command::SettleCancellation).unwrap();
    snapshot.updated(&run).unwrap()
}

#[test]
fn run_documents_conform() {
    let Some(spec) = spec() else { return };
    let run_schema = Validator::new(spec, "GETJournalRunType", false);
    let run_schema_2 = Validator::new(spec, "GETJournalRunType", true);
    for run in runs_in_every_status() {
        let doc = to_json(&GetJournalRunType::try_from(&run).unwrap());
        run_schema.accepts(&run.number().to_string(), &doc);
        run_schema_2.accepts(&run.number().to_string(), &doc);
    }
    let written = worked_example_written_back();
    run_schema.accepts("JR-00000075 written back", &to_json(&written.run));
    let snapshot: RunSnapshot = fixture("run_snapshot_jr_00000081.json");
    let run = JournalRun::try_from(&snapshot).unwrap();
    run_schema.accepts(
        "JR-00000081 written back",
        &to_json(&snapshot.updated(&run).unwrap().run),
    );
    summary("run documents");
}

#[test]
fn entry_documents_conform() {
    let Some(spec) = spec() else { return };
    let entry_schema = Validator::new(spec, "GETJournalEntryDetailType", false);
    let entry_schema_2 = Validator::new(spec, "GETJournalEntryDetailType", true);
    for status in [JournalEntryStatus::Created, JournalEntryStatus::Cancelled] {
        for &transferred_to_accounting in <TransferredToAccounting as VariantArray>::VARIANTS {
            let entry = JournalEntry {
                number: je(42),
                status,
                transferred_to_accounting,
            };
            let doc = to_json(&GetJournalEntryDetailType::from(&entry));
            let what = format!("{status} / {transferred_to_accounting}");
            entry_schema.accepts(&what, &doc);
            entry_schema_2.accepts(&what, &doc);
        }
    }
    // Written back with their items, segments and custom fields.
    for entry in worked_example_written_back().journal_entries {
        entry_schema.accepts(&entry.number.clone(), &to_json(&entry));
    }
    // The nulls of a nullable entry survive the round trip, valid for the build that allows them.
    let nulls: GetJournalEntryDetailType = fixture("journal_entry_nullable_fields.json");
    let entry = JournalEntry::try_from(&nulls).unwrap();
    let snapshot = RunSnapshot {
        run: GetJournalRunType {
            number: "JR-00000120".into(),
            status: "Completed".into(),
            ..GetJournalRunType::default()
        },
        journal_entries: vec![nulls],
        cancellation_job: None,
    };
    let run = JournalRun::try_from(&snapshot).unwrap();
    assert_eq!(run.entries(), &[entry]);
    let written = snapshot.updated(&run).unwrap();
    entry_schema_2.accepts(
        "JE-00000120 written back",
        &to_json(&written.journal_entries[0]),
    );
    summary("entry documents");
}

#[test]
fn page_documents_conform() {
    let Some(spec) = spec() else { return };
    let page_schema = Validator::new(spec, "GETJournalEntriesInJournalRunType", false);
    let page_schema_2 = Validator::new(spec, "GETJournalEntriesInJournalRunType", true);
    for run in runs_in_every_status() {
        let snapshot = RunSnapshot::try_from(&run).unwrap();
        let page = GetJournalEntriesInJournalRunType::new(snapshot.journal_entries, None);
        page_schema.accepts(&run.number().to_string(), &to_json(&page));
        page_schema_2.accepts(&run.number().to_string(), &to_json(&page));
    }
    // The worked example's entries written back, paged as Zuora pages them (8 a page).
    let entries = worked_example_written_back().journal_entries;
    let (first, second) = entries.split_at(8);
    let next =
        "https://rest.zuora.com/v1/journal-entries/journal-runs/JR-00000075?page=2&pageSize=8";
    let page_1 = GetJournalEntriesInJournalRunType::new(first.to_vec(), Some(next.into()));
    let page_2 = GetJournalEntriesInJournalRunType::new(second.to_vec(), None);
    page_schema.accepts("page 1", &to_json(&page_1));
    page_schema.accepts("page 2", &to_json(&page_2));
    summary("page documents");
}

#[test]
fn hand_written_fixtures_conform() {
    let Some(spec) = spec() else { return };
    let cases = [
        ("journal_run_jr_00000075.json", "GETJournalRunType"),
        (
            "journal_entries_jr_00000075_page_1.json",
            "GETJournalEntriesInJournalRunType",
        ),
        (
            "journal_entries_jr_00000075_page_2.json",
            "GETJournalEntriesInJournalRunType",
        ),
        (
            "journal_entry_je_00000004.json",
            "GETJournalEntryDetailType",
        ),
        ("common_response_success.json", "CommonResponse"),
        ("common_response_error.json", "CommonResponse"),
        ("error_response_500.json", "ErrorResponse"),
    ];
    for (file, schema) in cases {
        Validator::new(spec, schema, false).accepts(file, &fixture::<Value>(file));
    }
    let snapshot: Value = fixture("run_snapshot_jr_00000081.json");
    Validator::new(spec, "GETJournalRunType", false)
        .accepts("run_snapshot_jr_00000081.json run", &snapshot["run"]);
    let entry = Validator::new(spec, "GETJournalEntryDetailType", false);
    for doc in snapshot["journalEntries"].as_array().unwrap() {
        entry.accepts("run_snapshot_jr_00000081.json entry", doc);
    }
    // `null`s are valid only for the build that marks the fields nullable.
    let nulls: Value = fixture("journal_entry_nullable_fields.json");
    Validator::new(spec, "GETJournalEntryDetailType", true)
        .accepts("journal_entry_nullable_fields.json", &nulls);
    entry.rejects("journal_entry_nullable_fields.json (document 1)", &nulls);
    // Zuora's guide shows a numeric code; the spec types it as a string. The crate reads both
    // and writes strings.
    let numeric: Value = fixture("common_response_error_numeric_code.json");
    let common = Validator::new(spec, "CommonResponse", false);
    common.rejects("common_response_error_numeric_code.json", &numeric);
    let read: CommonResponse = serde_json::from_value(numeric).unwrap();
    common.accepts(
        "common_response_error_numeric_code.json, read and written",
        &to_json(&read),
    );
    summary("fixtures");
}

#[test]
fn the_validator_rejects_what_the_spec_forbids() {
    let Some(spec) = spec() else { return };
    let common = Validator::new(spec, "CommonResponse", false);
    let ok = to_json(&scenario_named("run_not_found").run().response.body);
    common.accepts("run_not_found", &ok);
    let mut typo = ok.clone();
    typo["sucess"] = json!(false);
    common.rejects("a misspelt field", &typo);
    let mut short_id = ok.clone();
    short_id["requestId"] = json!("d7479cf6-b410-4630-b841-268ccd48f0d");
    common.rejects("a 35-character request id", &short_id);
    let mut not_uuid = ok.clone();
    not_uuid["requestId"] = json!("d7479cf6-b410-4630-b841-268ccd48f0dz");
    common.rejects("a request id that is not a UUID", &not_uuid);
    let mut no_success = ok;
    no_success.as_object_mut().unwrap().remove("success");
    common.rejects("a body without success", &no_success);

    let run_schema = Validator::new(spec, "GETJournalRunType", false);
    let run = to_json(&GetJournalRunType::try_from(&worked_example_run()).unwrap());
    let mut canceled = run.clone();
    canceled["status"] = json!("Canceled");
    run_schema.rejects("status Canceled", &canceled);
    let mut count = run;
    count["totalJournalEntryCount"] = json!("10");
    run_schema.rejects("a count as a string", &count);

    let entry_schema = Validator::new(spec, "GETJournalEntryDetailType", false);
    let mut entry = to_json(&GetJournalEntryDetailType::from(
        &worked_example_run().entries()[0],
    ));
    entry["transferredToAccounting"] = json!("yes");
    entry_schema.rejects("transferredToAccounting yes", &entry);
    entry["transferredToAccounting"] = json!("No");
    entry["journalEntryDate"] = json!("31/01/2026");
    entry_schema.rejects("a date not in ISO 8601 form", &entry);
}

/// The body of `POST /v1/journal-runs`: the crate's rules are the spec's (required fields, the
/// transaction types' enum), the spec's example is a valid request, and every body the crate
/// writes conforms to `POSTJournalRunType`.
#[test]
fn create_bodies_conform_and_the_rules_are_the_specs() {
    use journal_run::wire::{CreateJournalRunRequest, PostJournalRunType};
    use journal_run::TransactionType;
    let Some(spec) = spec() else { return };
    let schemas = &spec.complete["components"]["schemas"];
    let mut required: Vec<&str> = schemas["POSTJournalRunType"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["journalEntryDate", "transactionTypes"]);
    let mut fields: Vec<&String> = schemas["POSTJournalRunType"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "accountingPeriodName",
            "journalEntryDate",
            "organizationLabels",
            "targetEndDate",
            "targetStartDate",
            "transactionTypes"
        ]
    );
    let spellings: Vec<&str> = schemas["POSTJournalRunTransactionType"]["properties"]["type"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(spellings, TransactionType::SPELLINGS);

    let example = &spec.fragments["components"]["schemas"]["POSTJournalRunType"]["example"];
    let value: journal_run::wire::Value = serde_json::from_value(example.clone()).unwrap();
    let request = CreateJournalRunRequest::from_value(&value).unwrap();
    assert_eq!(request.accounting_period_name(), Some("Nov-2014"));

    let validator = Validator::new(spec, "POSTJournalRunType", false);
    let validator_2 = Validator::new(spec, "POSTJournalRunType", true);
    let bodies = [
        example.clone(),
        json!({
            "journalEntryDate": "2026-01-31",
            "targetStartDate": "2026-01-01",
            "targetEndDate": "2026-01-31",
            "transactionTypes": TransactionType::SPELLINGS.iter().map(|t| json!({"type": t})).collect::<Vec<_>>(),
            "organizationLabels": {"organizationId": "org-1", "organizationName": "EU"},
        }),
    ];
    for body in bodies {
        let value: journal_run::wire::Value = serde_json::from_value(body.clone()).unwrap();
        let request = CreateJournalRunRequest::from_value(&value).unwrap();
        let written = to_json(&PostJournalRunType::from(&request));
        validator.accepts("a create body", &written);
        validator_2.accepts("a create body", &written);
    }
    // Negative controls: the spec's schema refuses what the crate refuses for its form.
    validator.rejects(
        "a date that is no day",
        &json!({"journalEntryDate": "2026-02-30", "transactionTypes": [{"type": "Invoice Item"}]}),
    );
    validator.rejects(
        "an unknown transaction type",
        &json!({"journalEntryDate": "2026-02-03", "transactionTypes": [{"type": "Invoice item"}]}),
    );
    validator.rejects("no journalEntryDate", &json!({"transactionTypes": []}));
    summary("create bodies");
}
