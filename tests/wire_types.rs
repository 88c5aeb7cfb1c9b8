//! The wire's value types: ids, codes, response bodies, the category -> HTTP status table, and
//! the hand-written fixtures.

mod wire_support;

use journal_run::wire::ErrorCategory;
use journal_run::wire::{
    bearer_token, category, AuthorizationError, CommonResponse, ErrorResponse,
    GetJournalEntriesInJournalRunType, GetJournalEntryDetailType, GetJournalRunType,
    HttpStatusMapping, IdError, ProcessId, Reason, ReasonCode, RequestError, RequestId,
    ResourceCode, RunSnapshot,
};
use journal_run::{Error, NumberError};
use proptest::prelude::*;
use serde_json::json;
use strum::VariantArray;
use wire_support::*;

#[test]
fn request_id_is_a_36_character_uuid() {
    for good in [
        "d7479cf6-b410-4630-b841-268ccd48f0d2",
        "D7479CF6-B410-4630-B841-268CCD48F0D2",
        "00000000-0000-0000-0000-000000000000",
    ] {
        assert_eq!(RequestId::parse(good).unwrap().as_str(), good);
    }
    for bad in [
        "d7479cf6-b410-4630-b841-268ccd48f0d",   // 35
        "d7479cf6-b410-4630-b841-268ccd48f0d2a", // 37
        "d7479cf6b410-4630-b841-268ccd48f0d2-",  // hyphens misplaced
        "g7479cf6-b410-4630-b841-268ccd48f0d2",  // not hex
        "d7479cf6-b410-4630-b841-268ccd48f0dé",  // 36 characters, 37 bytes
        "",
    ] {
        assert!(
            matches!(RequestId::parse(bad), Err(IdError::RequestId { .. })),
            "{bad}"
        );
    }
    assert_eq!(
        RequestId::parse("abc").unwrap_err().to_string(),
        "request id `abc` (3 characters) is not a 36-character UUID of the form \
         xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits)"
    );
    // Serde goes through the same check.
    assert!(serde_json::from_value::<RequestId>(json!("abc")).is_err());
    assert_eq!(
        serde_json::to_value(request_id()).unwrap(),
        json!(REQUEST_ID)
    );
}

#[test]
fn process_id_is_16_upper_case_hex_digits() {
    assert_eq!(
        ProcessId::parse("CBCFED6580B4E076").unwrap().as_str(),
        "CBCFED6580B4E076"
    );
    for bad in [
        "cbcfed6580b4e076",
        "CBCFED6580B4E07",
        "CBCFED6580B4E0766",
        "CBCFED6580B4E07G",
    ] {
        assert!(
            matches!(ProcessId::parse(bad), Err(IdError::ProcessId { .. })),
            "{bad}"
        );
    }
}

#[test]
fn resource_code_is_six_digits() {
    assert_eq!(ResourceCode::default(), ResourceCode::UNKNOWN);
    assert_eq!(ResourceCode::UNKNOWN.to_string(), "500000");
    assert_eq!(ResourceCode::AUTHENTICATION.to_string(), "900000");
    assert_eq!(ResourceCode::new(42).unwrap().to_string(), "000042");
    assert_eq!(ResourceCode::new(999_999).unwrap().get(), 999_999);
    assert_eq!(ResourceCode::new(1_000_000), None);
    assert_eq!(ResourceCode::parse("531003").unwrap().get(), 531_003);
    for bad in ["53100", "5310033", "53100a", "+53100", ""] {
        assert!(
            matches!(ResourceCode::parse(bad), Err(IdError::ResourceCode { .. })),
            "{bad}"
        );
    }
}

#[test]
fn reason_code_is_resource_then_category() {
    let code = ReasonCode::new(ResourceCode::UNKNOWN, ErrorCategory::RuleRestriction);
    assert_eq!(code.as_str(), "50000030");
    assert_eq!(code.resource(), Some(ResourceCode::UNKNOWN));
    assert_eq!(code.category(), Some(ErrorCategory::RuleRestriction));
    assert_eq!(serde_json::to_value(&code).unwrap(), json!("50000030"));
    // Zuora's words are kept; they have no parts.
    let word = ReasonCode::from("SystemError".to_owned());
    assert_eq!((word.resource(), word.category()), (None, None));
    // Eight digits ending in no known category.
    let unknown = ReasonCode::from("50000077".to_owned());
    assert_eq!(unknown.category(), None);
    assert_eq!(unknown.resource(), Some(ResourceCode::UNKNOWN));
}

#[test]
fn reason_code_is_read_from_a_string_or_a_number() {
    let from_string: Reason =
        serde_json::from_value(json!({ "code": "53100320", "message": "m" })).unwrap();
    let from_number: Reason =
        serde_json::from_value(json!({ "code": 53100320, "message": "m" })).unwrap();
    assert_eq!(from_string, from_number);
    assert_eq!(
        from_number.code.category(),
        Some(ErrorCategory::InvalidValue)
    );
    // Written back as a string, as the spec types it.
    assert_eq!(
        serde_json::to_value(&from_number).unwrap()["code"],
        json!("53100320")
    );
    for bad in [json!(-5), json!(1.5), json!(true), json!(null), json!([1])] {
        assert!(
            serde_json::from_value::<Reason>(json!({ "code": bad, "message": "m" })).is_err(),
            "{bad}"
        );
    }
}

proptest! {
    /// Every category and every resource code make an eight-digit code that splits back into
    /// them.
    #[test]
    fn reason_code_splits_into_its_parts(resource in 0u32..=999_999, i in 0..ErrorCategory::VARIANTS.len()) {
        let category = ErrorCategory::VARIANTS[i];
        let resource = ResourceCode::new(resource).unwrap();
        let code = ReasonCode::new(resource, category);
        prop_assert_eq!(code.as_str().len(), 8);
        prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
        prop_assert_eq!(code.resource(), Some(resource));
        prop_assert_eq!(code.category(), Some(category));
    }
}

#[test]
fn every_category_has_its_documented_http_status_in_both_mappings() {
    use ErrorCategory as C;
    // (category, as Zuora answers, REST)
    let table = [
        (C::PermissionDenied, 200, 403),
        (C::AuthenticationFailed, 401, 401),
        (C::InvalidValue, 200, 400),
        (C::UnknownField, 200, 400),
        (C::MissingRequiredField, 200, 400),
        (C::MissingRequiredParameter, 200, 400),
        (C::InvalidQueryParameter, 200, 400),
        (C::RuleRestriction, 200, 409),
        (C::NotFound, 200, 404),
        (C::UnsupportedRequest, 200, 405),
        (C::LockingContention, 200, 409),
        (C::InternalError, 500, 500),
        (C::TemporaryError, 200, 503),
        (C::LimitExceeded, 429, 429),
        (C::MalformedRequest, 200, 400),
        (C::IntegrationError, 200, 502),
    ];
    assert_eq!(table.len(), C::VARIANTS.len());
    for (category, zuora, rest) in table {
        assert_eq!(
            HttpStatusMapping::Zuora.status(category),
            zuora,
            "{category:?}"
        );
        assert_eq!(
            HttpStatusMapping::Rest.status(category),
            rest,
            "{category:?}"
        );
    }
    assert_eq!(C::InvalidQueryParameter.code(), 27);
}

#[test]
fn request_faults_map_to_their_categories_through_wire_category() {
    let cases = [
        (
            Error::from(RequestError::PathNumber(NumberError::Zero {
                input: "JR-00000000".into(),
            })),
            ErrorCategory::InvalidValue,
        ),
        (
            Error::from(RequestError::RepeatedHeader {
                name: "Zuora-Track-Id",
                count: 2,
            }),
            ErrorCategory::InvalidValue,
        ),
        (
            Error::from(RequestError::Authorization(AuthorizationError::Missing)),
            ErrorCategory::AuthenticationFailed,
        ),
        (
            Error::from(RequestError::Authorization(AuthorizationError::Repeated {
                count: 3,
            })),
            ErrorCategory::AuthenticationFailed,
        ),
        (
            Error::from(RequestError::UnsupportedContentEncoding { value: "br".into() }),
            ErrorCategory::InvalidValue,
        ),
        (
            Error::from(RequestError::UnsupportedMethod {
                method: "POST".into(),
                path: "/v1/journal-runs/{jr-number}/cancel",
                allowed: &["PUT"],
            }),
            ErrorCategory::UnsupportedRequest,
        ),
    ];
    for (error, expected) in cases {
        assert_eq!(category(&error), expected, "{error}");
        assert_eq!(journal_run::wire::category(&error), expected, "{error}");
    }
}

#[test]
fn bearer_token_shape() {
    assert_eq!(bearer_token("Bearer abc.DEF-_~+/=="), Ok("abc.DEF-_~+/=="));
    assert_eq!(bearer_token("bearer   x"), Ok("x"));
    assert_eq!(bearer_token("BEARER x"), Ok("x"));
    assert_eq!(
        bearer_token("Basic abc"),
        Err(AuthorizationError::NotBearer)
    );
    assert_eq!(bearer_token("abc"), Err(AuthorizationError::NotBearer));
    assert_eq!(
        bearer_token("Bearerabc"),
        Err(AuthorizationError::NotBearer)
    );
    assert_eq!(
        bearer_token("Bearer\tabc"),
        Err(AuthorizationError::NotBearer)
    );
    assert_eq!(bearer_token(""), Err(AuthorizationError::NotBearer));
    assert_eq!(
        bearer_token("Bearer"),
        Err(AuthorizationError::MissingToken)
    );
    assert_eq!(
        bearer_token("Bearer    "),
        Err(AuthorizationError::MissingToken)
    );
    assert_eq!(
        bearer_token("Bearer ab cd"),
        Err(AuthorizationError::TokenCharacter { position: 2 })
    );
    assert_eq!(
        bearer_token("Bearer abé"),
        Err(AuthorizationError::TokenCharacter { position: 2 })
    );
}

#[test]
fn common_response_success_and_failure_shapes() {
    assert_eq!(
        serde_json::to_value(CommonResponse::success()).unwrap(),
        json!({ "success": true })
    );
    let failure = CommonResponse::failure(
        &request_id(),
        &process_id(),
        vec![Reason {
            code: ReasonCode::new(ResourceCode::UNKNOWN, ErrorCategory::NotFound),
            message: "journal run JR-00000001 not found".into(),
        }],
    );
    assert_eq!(
        serde_json::to_value(&failure).unwrap(),
        json!({
            "success": false,
            "processId": PROCESS_ID,
            "reasons": [{ "code": "50000040", "message": "journal run JR-00000001 not found" }],
            "requestId": REQUEST_ID
        })
    );
    // `success` is required when reading; unknown fields are ignored.
    assert!(serde_json::from_value::<CommonResponse>(json!({ "processId": "X" })).is_err());
    let read: CommonResponse =
        serde_json::from_value(json!({ "success": true, "traceId": "t" })).unwrap();
    assert_eq!(read, CommonResponse::success());
}

#[test]
fn hand_written_fixtures_deserialize() {
    let success: CommonResponse = fixture("common_response_success.json");
    assert!(success.success);

    let error: CommonResponse = fixture("common_response_error.json");
    assert_eq!(error.process_id.as_deref(), Some("738CBB9234B47A47"));
    assert_eq!(error.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(
        error.reasons.as_ref().unwrap()[0].code.category(),
        Some(ErrorCategory::MissingRequiredField)
    );

    let numeric: CommonResponse = fixture("common_response_error_numeric_code.json");
    assert_eq!(
        numeric.reasons.as_ref().unwrap()[0].code.as_str(),
        "53100320"
    );
    assert_eq!(numeric.request_id, None);

    let internal: ErrorResponse = fixture("error_response_500.json");
    assert_eq!(internal.reasons[0].code.as_str(), "SystemError");

    let run: GetJournalRunType = fixture("journal_run_jr_00000075.json");
    assert_eq!(
        (run.number.as_str(), run.status.as_str()),
        ("JR-00000075", "Completed")
    );
    assert_eq!(run.total_journal_entry_count, Some(10));
    assert_eq!(run.transaction_types.as_ref().unwrap().len(), 3);

    let page_1: GetJournalEntriesInJournalRunType =
        fixture("journal_entries_jr_00000075_page_1.json");
    let page_2: GetJournalEntriesInJournalRunType =
        fixture("journal_entries_jr_00000075_page_2.json");
    assert_eq!(page_1.journal_entries.len(), 8);
    assert!(page_1.next_page.is_some());
    assert_eq!(page_2.journal_entries.len(), 2);
    assert_eq!(page_2.next_page, None);

    let entry: GetJournalEntryDetailType = fixture("journal_entry_je_00000004.json");
    assert_eq!(
        entry.transferred_to_accounting.value().map(String::as_str),
        Some("Yes")
    );
    let _: GetJournalEntryDetailType = fixture("journal_entry_nullable_fields.json");
    let snapshot: RunSnapshot = fixture("run_snapshot_jr_00000081.json");
    assert_eq!(snapshot.journal_entries.len(), 2);
}

#[test]
fn every_fixture_is_described_in_the_readme() {
    let mut names: Vec<String> = std::fs::read_dir(fixture_path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let readme = fixture_text("README.md");
    for name in &names {
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is not in tests/fixtures/README.md"
        );
    }
    assert!(names.len() >= 10, "{names:?}");
}
