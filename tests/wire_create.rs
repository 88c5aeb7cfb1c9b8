//! The body of `POST /v1/journal-runs` (Create journal run): reading, validation with the field
//! and category of every fault, and writing (docs/WIRE.md, "The create request").

use journal_run::wire::ErrorCategory;
use journal_run::wire::{
    category, BodyError, CreateJournalRunRequest, DateError, IsoDate, PostJournalRunType, Value,
};
use journal_run::{Error, TransactionType};
use serde_json::json;
use strum::VariantArray;

/// The body as the embedding system reads it: JSON text to `wire::Value`, a syntax error
/// being `BodyError::MalformedJson`, then the validation.
fn parse(text: &str) -> Result<CreateJournalRunRequest, BodyError> {
    let value: Value = serde_json::from_str(text).map_err(|e| BodyError::MalformedJson {
        detail: e.to_string(),
    })?;
    CreateJournalRunRequest::from_value(&value)
}

fn parse_json(body: serde_json::Value) -> Result<CreateJournalRunRequest, BodyError> {
    let by_value = parse(&body.to_string());
    // The other way in: serde straight into PostJournalRunType, then TryFrom. Same answer.
    if let Ok(doc) = serde_json::from_value::<PostJournalRunType>(body.clone()) {
        assert_eq!(
            CreateJournalRunRequest::try_from(&doc),
            by_value,
            "both ways in agree on {body}"
        );
    }
    by_value
}

/// A change to a valid body.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

fn date(text: &str) -> IsoDate {
    IsoDate::parse(text).unwrap()
}

/// A valid body with the dates, changed by `edit`.
fn body_with(edit: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut body = json!({
        "journalEntryDate": "2026-01-31",
        "targetStartDate": "2026-01-01",
        "targetEndDate": "2026-01-31",
        "transactionTypes": [{"type": "Invoice Item"}, {"type": "Electronic Payment"}],
    });
    edit(&mut body);
    body
}

fn fault(edit: impl FnOnce(&mut serde_json::Value)) -> (BodyError, ErrorCategory, String) {
    let error = parse_json(body_with(edit)).unwrap_err();
    let category = category(&Error::from(error.clone()));
    let message = error.to_string();
    (error, category, message)
}

fn missing(field: &str, condition: &'static str) -> BodyError {
    BodyError::MissingField {
        field: field.to_owned(),
        condition,
    }
}

fn invalid(field: &str, reason: &str) -> BodyError {
    BodyError::InvalidValue {
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

#[test]
fn the_specs_example_is_a_valid_request() {
    // POSTJournalRunType's example in Zuora's spec.
    let request = parse_json(json!({
        "accountingPeriodName": "Nov-2014",
        "journalEntryDate": "2014-11-04",
        "transactionTypes": [{"type": "Invoice Item"}, {"type": "Revenue Event Item"}],
    }))
    .unwrap();
    assert_eq!(request.accounting_period_name(), Some("Nov-2014"));
    assert_eq!(request.journal_entry_date(), date("2014-11-04"));
    assert_eq!(
        request.transaction_types(),
        [
            TransactionType::InvoiceItem,
            TransactionType::RevenueEventItem
        ]
    );
    assert_eq!(request.target_start_date(), None);
    assert_eq!(request.target_end_date(), None);
    assert!(request.organization_labels().is_empty());
}

#[test]
fn target_dates_and_organization_labels_are_read() {
    let request = parse_json(body_with(|b| {
        b["organizationLabels"] = json!({"organizationId": "org-1", "organizationName": "EU"});
    }))
    .unwrap();
    assert_eq!(request.accounting_period_name(), None);
    assert_eq!(request.target_start_date(), Some(date("2026-01-01")));
    assert_eq!(request.target_end_date(), Some(date("2026-01-31")));
    let [label] = request.organization_labels() else {
        panic!("one label: {request:?}")
    };
    assert_eq!(label.organization_id().unwrap().as_str(), "org-1");
    assert_eq!(label.organization_name(), Some("EU"));

    // The array form the spec's description speaks of; a label by name only.
    let request = parse_json(body_with(|b| {
        b["organizationLabels"] = json!([{"organizationId": "org-1"}, {"organizationName": "US"}]);
    }))
    .unwrap();
    let labels = request.organization_labels();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[1].organization_id(), None);
    assert_eq!(labels[1].organization_name(), Some("US"));
    assert_eq!(
        request
            .organization_ids()
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>(),
        ["org-1"]
    );

    // A period name with dates: accepted; Zuora checks the dates against the period.
    let request = parse_json(body_with(|b| b["accountingPeriodName"] = json!("Jan-2026"))).unwrap();
    assert_eq!(request.accounting_period_name(), Some("Jan-2026"));
    assert_eq!(request.target_end_date(), Some(date("2026-01-31")));
    // A period name with a start date only.
    let request = parse_json(body_with(|b| {
        b["accountingPeriodName"] = json!("Jan-2026");
        b.as_object_mut().unwrap().remove("targetEndDate");
    }))
    .unwrap();
    assert_eq!(request.target_start_date(), Some(date("2026-01-01")));
    assert_eq!(request.target_end_date(), None);
}

#[test]
fn null_reads_as_absent() {
    let request = parse_json(body_with(|b| {
        b["accountingPeriodName"] = json!(null);
        b["organizationLabels"] = json!(null);
    }))
    .unwrap();
    assert_eq!(request.accounting_period_name(), None);
    assert!(request.organization_labels().is_empty());
    let (error, category, _) = fault(|b| b["journalEntryDate"] = json!(null));
    assert_eq!(error, missing("journalEntryDate", ""));
    assert_eq!(category, ErrorCategory::MissingRequiredField);
}

#[test]
fn a_body_that_is_not_json_is_category_90() {
    let error = parse(r#"{"journalEntryDate": "2026-01-31","#).unwrap_err();
    assert!(
        matches!(&error, BodyError::MalformedJson { detail } if detail.starts_with("EOF while parsing")),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("the request body is not valid JSON: EOF while parsing"));
    assert_eq!(
        category(&Error::from(error)),
        ErrorCategory::MalformedRequest
    );
}

#[test]
fn a_body_that_is_json_but_not_an_object_is_category_20() {
    let error = parse("[1, 2]").unwrap_err();
    assert_eq!(
        error,
        BodyError::NotAnObject {
            field: "request body".into(),
            found: "an array".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "request body: expected a JSON object, found an array"
    );
    assert_eq!(category(&Error::from(error)), ErrorCategory::InvalidValue);
}

#[test]
fn unknown_fields_are_category_21_and_come_first() {
    let (error, category, message) = fault(|b| {
        b["journalRunNumber"] = json!("JR-00000001");
        b["aggregateCurrency"] = json!(true);
        b.as_object_mut().unwrap().remove("journalEntryDate");
    });
    // The first unknown field in alphabetical order, before the missing journalEntryDate.
    assert_eq!(
        error,
        BodyError::UnknownField {
            field: "aggregateCurrency".into(),
            object: "a Create journal run request"
        }
    );
    assert_eq!(category, ErrorCategory::UnknownField);
    assert_eq!(
        message,
        "aggregateCurrency is not a field of a Create journal run request"
    );
    let (error, category, _) =
        fault(|b| b["transactionTypes"] = json!([{"type": "Invoice Item", "name": "x"}]));
    assert_eq!(
        error,
        BodyError::UnknownField {
            field: "transactionTypes[0].name".into(),
            object: "a transaction type (only `type`)"
        }
    );
    assert_eq!(category, ErrorCategory::UnknownField);
    let (error, category, _) = fault(|b| b["organizationLabels"] = json!([{"orgId": "org-1"}]));
    assert_eq!(
        error,
        BodyError::UnknownField {
            field: "organizationLabels[0].orgId".into(),
            object: "an organization label (only `organizationId` and `organizationName`)"
        }
    );
    assert_eq!(category, ErrorCategory::UnknownField);
}

#[test]
fn missing_required_fields_are_category_22_naming_the_field() {
    let cases: Vec<(Edit, BodyError, &str)> =
        vec![
        (
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("journalEntryDate");
            }),
            missing("journalEntryDate", ""),
            "journalEntryDate is required",
        ),
        (
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("transactionTypes");
            }),
            missing("transactionTypes", ""),
            "transactionTypes is required",
        ),
        (
            Box::new(|b| b["transactionTypes"] = json!([{"type": "Invoice Item"}, {}])),
            missing("transactionTypes[1].type", ""),
            "transactionTypes[1].type is required",
        ),
        (
            Box::new(|b| {
                let o = b.as_object_mut().unwrap();
                o.remove("targetStartDate");
                o.remove("targetEndDate");
            }),
            missing(
                "accountingPeriodName",
                " unless targetStartDate and targetEndDate are given",
            ),
            "accountingPeriodName is required unless targetStartDate and targetEndDate are given",
        ),
        (
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("targetStartDate");
                b["accountingPeriodName"] = json!("Jan-2026");
            }),
            missing("targetStartDate", " when targetEndDate is given"),
            "targetStartDate is required when targetEndDate is given",
        ),
        (
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("targetEndDate");
            }),
            missing(
                "targetEndDate",
                " with targetStartDate unless accountingPeriodName is given",
            ),
            "targetEndDate is required with targetStartDate unless accountingPeriodName is given",
        ),
        (
            Box::new(|b| b["organizationLabels"] = json!({"organizationName": null})),
            missing("organizationLabels.organizationId", " unless organizationName is given"),
            "organizationLabels.organizationId is required unless organizationName is given",
        ),
    ];
    for (edit, expected, message) in cases {
        let (error, category, got) = fault(edit);
        assert_eq!(error, expected);
        assert_eq!(category, ErrorCategory::MissingRequiredField, "{got}");
        assert_eq!(got, message);
    }
}

#[test]
fn invalid_values_are_category_20_naming_the_field_and_the_value() {
    let cases: Vec<(Edit, BodyError)> = vec![
        (
            Box::new(|b| b["journalEntryDate"] = json!("2026-02-30")),
            invalid("journalEntryDate", "`2026-02-30` is not a day of the calendar"),
        ),
        (
            Box::new(|b| b["journalEntryDate"] = json!("2026/01/31")),
            invalid(
                "journalEntryDate",
                "expected a date written yyyy-mm-dd, found `2026/01/31`",
            ),
        ),
        (
            Box::new(|b| b["journalEntryDate"] = json!(20_260_131)),
            invalid(
                "journalEntryDate",
                "expected a date written yyyy-mm-dd, found the number 20260131",
            ),
        ),
        (
            Box::new(|b| b["transactionTypes"] = json!("Invoice Item")),
            invalid(
                "transactionTypes",
                "expected an array of {\"type\": ...}, found the string `Invoice Item`",
            ),
        ),
        (
            Box::new(|b| b["transactionTypes"] = json!([])),
            invalid(
                "transactionTypes",
                "expected at least one transaction type, found an empty array",
            ),
        ),
        (
            Box::new(|b| b["transactionTypes"] = json!([{"type": 7}])),
            invalid(
                "transactionTypes[0].type",
                "expected a transaction type, found the number 7",
            ),
        ),
        (
            Box::new(|b| {
                b["transactionTypes"] = json!([{"type": "Invoice Item"}, {"type": "Invoice Item"}])
            }),
            invalid(
                "transactionTypes[1].type",
                "`Invoice Item` is already listed at transactionTypes[0]",
            ),
        ),
        (
            Box::new(|b| b["accountingPeriodName"] = json!("  ")),
            invalid(
                "accountingPeriodName",
                "expected an accounting period's name, found an empty string",
            ),
        ),
        (
            Box::new(|b| b["targetStartDate"] = json!("2026-13-01")),
            invalid("targetStartDate", "`2026-13-01` is not a day of the calendar"),
        ),
        (
            Box::new(|b| b["targetEndDate"] = json!("2025-12-31")),
            invalid("targetEndDate", "2025-12-31 is before targetStartDate 2026-01-01"),
        ),
        (
            Box::new(|b| b["organizationLabels"] = json!([])),
            invalid(
                "organizationLabels",
                "expected at least one organization label, found an empty array",
            ),
        ),
        (
            Box::new(|b| b["organizationLabels"] = json!("org-1")),
            invalid(
                "organizationLabels",
                "expected an organization label object or an array of them, found the string `org-1`",
            ),
        ),
        (
            Box::new(|b| b["organizationLabels"] = json!({"organizationId": "org 1"})),
            invalid(
                "organizationLabels.organizationId",
                "expected an org id of 1 to 64 ASCII letters, digits, `-`, `_` and `.`, found the string `org 1`",
            ),
        ),
        (
            Box::new(|b| b["organizationLabels"] = json!([{"organizationId": "org-1", "organizationName": ""}])),
            invalid(
                "organizationLabels[0].organizationName",
                "expected an org name, found an empty string",
            ),
        ),
    ];
    for (edit, expected) in cases {
        let (error, category, _) = fault(edit);
        assert_eq!(error, expected);
        assert_eq!(category, ErrorCategory::InvalidValue, "{expected}");
    }
    // An unknown transaction type lists the spec's values.
    let (error, category, message) =
        fault(|b| b["transactionTypes"] = json!([{"type": "Invoice item"}]));
    assert!(
        matches!(&error, BodyError::InvalidValue { field, .. } if field == "transactionTypes[0].type")
    );
    assert_eq!(category, ErrorCategory::InvalidValue);
    assert!(
        message.starts_with(
            "transactionTypes[0].type: unknown transaction type `Invoice item`; expected one of `Invoice Item`, `Taxation Item`,"
        ),
        "{message}"
    );
    // An item that is not an object.
    let (error, category, _) = fault(|b| b["transactionTypes"] = json!(["Invoice Item"]));
    assert_eq!(
        error,
        BodyError::NotAnObject {
            field: "transactionTypes[0]".into(),
            found: "the string `Invoice Item`".into()
        }
    );
    assert_eq!(category, ErrorCategory::InvalidValue);
}

#[test]
fn dates_are_calendar_days_written_yyyy_mm_dd() {
    for good in ["2024-02-29", "2000-02-29", "2026-12-31", "0001-01-01"] {
        assert_eq!(IsoDate::parse(good).unwrap().to_string(), good);
    }
    for no_such_day in [
        "2023-02-29",
        "1900-02-29",
        "2026-04-31",
        "2026-00-10",
        "2026-01-00",
    ] {
        assert_eq!(
            IsoDate::parse(no_such_day),
            Err(DateError::NoSuchDay {
                value: no_such_day.into()
            }),
            "{no_such_day}"
        );
    }
    for bad_form in [
        "2026-1-31",
        "26-01-31",
        "2026-01-31T00:00:00Z",
        "2026_01_31",
        "２026-01-31",
        "",
        "+026-01-31",
    ] {
        assert_eq!(
            IsoDate::parse(bad_form),
            Err(DateError::Format {
                value: bad_form.into()
            }),
            "{bad_form}"
        );
    }
    let d = date("2026-03-09");
    assert_eq!((d.year(), d.month(), d.day()), (2026, 3, 9));
    assert!(date("2025-12-31") < date("2026-01-01"));
    assert_eq!(serde_json::to_value(d).unwrap(), json!("2026-03-09"));
    assert_eq!(
        serde_json::from_value::<IsoDate>(json!("2026-03-09")).unwrap(),
        d
    );
    assert_eq!(
        serde_json::from_value::<IsoDate>(json!(5))
            .unwrap_err()
            .to_string(),
        "invalid type: integer `5`, expected a date written yyyy-mm-dd"
    );
}

#[test]
fn every_transaction_type_of_the_spec_is_accepted() {
    for &kind in TransactionType::VARIANTS {
        let request = parse_json(body_with(|b| {
            b["transactionTypes"] = json!([{"type": kind.as_str()}])
        }))
        .unwrap();
        assert_eq!(request.transaction_types(), [kind]);
    }
    assert_eq!(TransactionType::VARIANTS.len(), 29);
}

#[test]
fn a_request_writes_back_as_the_body_a_client_sends() {
    let request = parse_json(body_with(|b| {
        b["organizationLabels"] = json!({"organizationId": "org-1"});
    }))
    .unwrap();
    let written = serde_json::to_value(PostJournalRunType::from(&request)).unwrap();
    assert_eq!(
        written,
        json!({
            "journalEntryDate": "2026-01-31",
            "organizationLabels": {"organizationId": "org-1"},
            "targetEndDate": "2026-01-31",
            "targetStartDate": "2026-01-01",
            "transactionTypes": [{"type": "Invoice Item"}, {"type": "Electronic Payment"}],
        })
    );
    assert_eq!(parse_json(written).unwrap(), request);
    // Several labels are written as an array.
    let request = parse_json(body_with(|b| {
        b["organizationLabels"] = json!([{"organizationId": "org-1"}, {"organizationName": "US"}]);
    }))
    .unwrap();
    let written = serde_json::to_value(PostJournalRunType::from(&request)).unwrap();
    assert_eq!(
        written["organizationLabels"],
        json!([{"organizationId": "org-1"}, {"organizationName": "US"}])
    );
    assert_eq!(parse_json(written).unwrap(), request);
}
