//! The cancel handler: responses, headers, codes, and the order of precedence (docs/WIRE.md).

mod wire_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use journal_run::wire::{
    http_status, AuthorizationError, CancelHandler, ReasonCode, RequestError, ResourceCode,
    JSON_CONTENT_TYPE,
};
use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, Command, EntityId, Error, ErrorCategory, Event,
    HeaderError, JournalRunStatus, OrgAccess, Permission, PermissionSet, Rejection,
};
use proptest::prelude::*;
use wire_support::*;

#[test]
fn every_scenario_gets_its_status_and_code() {
    for s in scenarios() {
        let outcome = s.run();
        let response = &outcome.response;
        assert_eq!(response.status, s.status, "{}", s.name);
        let codes: Option<Vec<&str>> = response
            .body
            .reasons
            .as_ref()
            .map(|r| r.iter().map(|r| r.code.as_str()).collect());
        assert_eq!(codes, s.code.map(|c| vec![c]), "{}", s.name);
        assert_eq!(response.body.success, s.code.is_none(), "{}", s.name);
        assert_eq!(outcome.decision.is_ok(), s.code.is_none(), "{}", s.name);
    }
}

#[test]
fn accepted_request_answers_success_true_only_and_returns_the_event() {
    let outcome = scenario_named("accepted").run();
    assert_eq!(outcome.response.status, 200);
    assert_eq!(
        serde_json::to_value(&outcome.response.body).unwrap(),
        serde_json::json!({ "success": true })
    );
    assert_eq!(
        outcome.decision,
        Ok(Event::CancellationRequested {
            previous: CancellableStatus::Completed
        })
    );
}

#[test]
fn worked_example_through_the_handler_stays_completed() {
    // FACTS.md: JR-00000075, Completed, ten entries, one transferred: {"success": true}, nine
    // cancelled, one fails, the run stays Completed.
    let mut run = worked_example_run();
    let zuora = Caller::superuser();
    let outcome = CancelHandler::default().handle(
        "JR-00000075",
        &[("Authorization", "Bearer abc")],
        &zuora,
        &run,
        &request_id(),
        &process_id(),
    );
    assert_eq!(outcome.response.status, 200);
    run.apply(&outcome.decision.unwrap()).unwrap();
    assert_eq!(run.status(), Some(JournalRunStatus::CancelInprogress));
    let mut failed = Vec::new();
    for _ in 0..10 {
        if let Event::EntryAttempted {
            entry,
            outcome: AttemptOutcome::Failed { .. },
        } = run.execute(&zuora, &Command::StepCancellation).unwrap()
        {
            failed.push(entry.to_string());
        }
    }
    run.execute(&zuora, &Command::SettleCancellation).unwrap();
    assert_eq!(failed, ["JE-00000004"]);
    assert_eq!(run.cancelled_count(), 9);
    assert_eq!(run.status(), Some(JournalRunStatus::Completed));
}

#[test]
fn error_body_carries_process_id_request_id_and_one_reason() {
    let outcome = scenario_named("run_not_found").run();
    let body = serde_json::to_value(&outcome.response.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "success": false,
            "processId": PROCESS_ID,
            "reasons": [{ "code": "50000040", "message": "journal run JR-00000099 not found" }],
            "requestId": REQUEST_ID,
        })
    );
}

#[test]
fn messages_say_exactly_what_is_wrong() {
    let message = |name: &str| {
        scenario_named(name).run().response.body.reasons.unwrap()[0]
            .message
            .clone()
    };
    assert_eq!(
        message("path_number"),
        "path parameter jr-number: expected 8 or more digits after `JR-`, found `JR-75`"
    );
    assert_eq!(
        message("repeated_header"),
        "Zuora-Org-Ids is given 2 times; it may be given at most once"
    );
    assert_eq!(
        message("authorization_missing"),
        "the Authorization header is missing; send `Authorization: Bearer <token>`"
    );
    assert_eq!(
        message("authorization_token_character"),
        "the bearer token holds a character that is not visible US-ASCII, at character 4 of the token"
    );
    assert_eq!(
        message("missing_permission"),
        "cancelRun needs the \"Cancel Journal Run\" permission, which the caller does not have"
    );
    assert_eq!(
        message("run_status"),
        "cancelRun is not allowed while journal run JR-00000076 is Processing"
    );
}

#[test]
fn authorization_messages_never_quote_the_credentials() {
    for name in [
        "authorization_not_bearer",
        "authorization_no_token",
        "authorization_token_character",
    ] {
        let s = scenario_named(name);
        let credentials = &s.headers[0].1;
        let message = s.run().response.body.reasons.unwrap()[0].message.clone();
        for secret in credentials
            .split(' ')
            .filter(|p| !p.eq_ignore_ascii_case("bearer"))
        {
            assert!(!message.contains(secret), "{name}: {message}");
        }
    }
}

#[test]
fn response_headers_are_content_type_request_id_and_given_track_id() {
    let outcome = scenario_named("accepted").run();
    assert_eq!(
        outcome.response.headers,
        vec![
            ("Content-Type", JSON_CONTENT_TYPE.to_owned()),
            ("Zuora-Request-Id", REQUEST_ID.to_owned()),
            ("Zuora-Track-Id", "close-2026-01".to_owned()),
        ]
    );
    assert_eq!(
        outcome.response.header("zuora-request-id").unwrap().len(),
        36
    );
}

#[test]
fn track_id_is_echoed_only_when_given_and_valid_whatever_the_outcome() {
    // Not given: not set.
    let none = scenario_named("run_not_found").run();
    assert_eq!(none.response.header("Zuora-Track-Id"), None);
    // Given, on a failure: echoed.
    let mut s = scenario_named("run_status");
    s.headers.push(("ZUORA-TRACK-ID", "retry-3".to_owned()));
    assert_eq!(s.run().response.header("Zuora-Track-Id"), Some("retry-3"));
    // Invalid: rejected and not echoed (a CR/LF could otherwise inject a header).
    let mut s = scenario_named("accepted");
    s.headers = vec![
        ("Authorization", "Bearer t".to_owned()),
        ("Zuora-Track-Id", "a\r\nSet-Cookie: x=1".to_owned()),
    ];
    let outcome = s.run();
    assert_eq!(outcome.response.status, 400);
    assert_eq!(outcome.response.header("Zuora-Track-Id"), None);
    // Repeated: rejected and not echoed.
    let mut s = scenario_named("accepted");
    s.headers.push(("Zuora-Track-Id", "again".to_owned()));
    let outcome = s.run();
    assert_eq!(outcome.response.status, 400);
    assert_eq!(outcome.response.header("Zuora-Track-Id"), None);
}

#[test]
fn www_authenticate_is_sent_with_every_401_and_only_then() {
    for s in scenarios() {
        let response = s.run().response;
        assert_eq!(
            response.header("WWW-Authenticate") == Some("Bearer"),
            response.status == 401,
            "{}",
            s.name
        );
    }
}

#[test]
fn header_values_are_trimmed_and_the_bearer_scheme_is_case_insensitive() {
    let mut s = scenario_named("accepted");
    s.headers = vec![
        ("  authorization ", "  bEaReR   token-1 ".to_owned()),
        ("zuora-track-id", "\t trace-9 ".to_owned()),
    ];
    let outcome = s.run();
    assert_eq!(outcome.response.status, 200);
    assert_eq!(outcome.response.header("Zuora-Track-Id"), Some("trace-9"));
}

#[test]
fn resource_codes_are_configurable() {
    let handler = CancelHandler {
        resource: ResourceCode::new(540_123).unwrap(),
        authentication_resource: ResourceCode::new(540_999).unwrap(),
    };
    let code = |name: &str| {
        scenario_named(name)
            .run_with(&handler)
            .response
            .body
            .reasons
            .unwrap()[0]
            .code
            .clone()
    };
    assert_eq!(code("run_status").as_str(), "54012330");
    assert_eq!(code("authorization_missing").as_str(), "54099911");
    assert_eq!(
        CancelHandler::default().code(ErrorCategory::NotFound),
        ReasonCode::new(ResourceCode::UNKNOWN, ErrorCategory::NotFound)
    );
}

#[test]
fn a_run_missing_from_the_store_is_not_found_after_the_permission_check() {
    // No run at all: still the permission fault first (D-10), then "not found".
    let empty: Vec<journal_run::JournalRun> = Vec::new();
    let no_cancel = Caller::with_permissions(PermissionSet::EMPTY);
    let handler = CancelHandler::default();
    let headers = [("Authorization", "Bearer t")];
    let denied = handler.handle(
        "JR-00000001",
        &headers,
        &no_cancel,
        &empty,
        &request_id(),
        &process_id(),
    );
    assert!(matches!(
        denied.decision,
        Err(Error::Rejection(Rejection::MissingPermission { .. }))
    ));
    let missing = handler.handle(
        "JR-00000001",
        &headers,
        &Caller::superuser(),
        &empty,
        &request_id(),
        &process_id(),
    );
    assert!(matches!(
        missing.decision,
        Err(Error::Rejection(Rejection::RunNotFound { .. }))
    ));
}

#[test]
fn every_run_store_finds_the_same_run() {
    let runs = store();
    let by_tree: BTreeMap<_, _> = runs.iter().map(|r| (r.number(), r.clone())).collect();
    let by_hash: HashMap<_, _> = runs.iter().map(|r| (r.number(), r.clone())).collect();
    let handler = CancelHandler::default();
    let headers = [("Authorization", "Bearer t")];
    let caller = Caller::superuser();
    for number in ["JR-00000075", "JR-00000076", "JR-00000099"] {
        let slice = handler.handle(
            number,
            &headers,
            &caller,
            runs.as_slice(),
            &request_id(),
            &process_id(),
        );
        let vec = handler.handle(
            number,
            &headers,
            &caller,
            &runs,
            &request_id(),
            &process_id(),
        );
        let tree = handler.handle(
            number,
            &headers,
            &caller,
            &by_tree,
            &request_id(),
            &process_id(),
        );
        let hash = handler.handle(
            number,
            &headers,
            &caller,
            &by_hash,
            &request_id(),
            &process_id(),
        );
        let single = handler.handle(
            number,
            &headers,
            &caller,
            &runs[0],
            &request_id(),
            &process_id(),
        );
        assert_eq!(slice, vec, "{number}");
        assert_eq!(slice, tree, "{number}");
        assert_eq!(slice, hash, "{number}");
        if number == "JR-00000075" || number == "JR-00000099" {
            assert_eq!(slice, single, "{number}");
        }
    }
}

#[test]
fn content_encoding_of_a_response_follows_accept_encoding() {
    let mut s = scenario_named("accepted");
    let plain = s.run().response;
    assert!(!plain.gzip_accepted);
    assert_eq!(plain.content_encoding(5000), None);
    s.headers.push(("Accept-Encoding", "br".to_owned()));
    s.headers.push(("accept-encoding", "gzip;q=0.5".to_owned()));
    let gzip = s.run().response;
    assert!(gzip.gzip_accepted);
    assert_eq!(gzip.content_encoding(1000), None);
    assert_eq!(gzip.content_encoding(1001), Some("gzip"));
}

#[test]
fn a_content_encoding_header_on_the_bodyless_cancel_is_ignored() {
    let mut s = scenario_named("accepted");
    s.headers.push(("Content-Encoding", "gzip".to_owned()));
    assert_eq!(s.run().response.status, 200);
    s.headers.push(("Content-Encoding", "br".to_owned()));
    assert_eq!(s.run().response.status, 200);
}

#[test]
fn categories_come_from_error_category_and_statuses_from_http_status() {
    for s in scenarios() {
        let outcome = s.run();
        if let Err(error) = &outcome.decision {
            let category = error.category();
            assert_eq!(outcome.response.status, http_status(category), "{}", s.name);
            let reasons = outcome.response.body.reasons.unwrap();
            assert_eq!(reasons[0].code.category(), Some(category), "{}", s.name);
            assert_eq!(reasons[0].message, error.to_string(), "{}", s.name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The order of precedence, as a property.

/// The faults a request can have, in the handler's order of precedence (docs/WIRE.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    Path,
    TrackId,
    EntityFormat,
    OrgFormat,
    Authorization,
    EntityRequired,
    EntityNotAccessible,
    Permission,
    OrgNotAccessible,
    NotFound,
    Status,
}

fn fault_of(error: &Error) -> Fault {
    match error {
        Error::Request(RequestError::PathNumber(_)) => Fault::Path,
        Error::Header(
            HeaderError::TrackIdCharacter { .. } | HeaderError::TrackIdTooLong { .. },
        ) => Fault::TrackId,
        Error::Header(HeaderError::IdentifierCharacter { header, .. })
            if *header == EntityId::HEADER =>
        {
            Fault::EntityFormat
        }
        Error::Header(HeaderError::EmptyIdentifier { header, .. })
            if *header == "Zuora-Org-Ids" =>
        {
            Fault::OrgFormat
        }
        Error::Request(RequestError::Authorization(AuthorizationError::Missing)) => {
            Fault::Authorization
        }
        Error::Rejection(Rejection::EntityRequired { .. }) => Fault::EntityRequired,
        Error::Rejection(Rejection::EntityNotAccessible { .. }) => Fault::EntityNotAccessible,
        Error::Rejection(Rejection::MissingPermission { .. }) => Fault::Permission,
        Error::Rejection(Rejection::OrgNotAccessible { .. }) => Fault::OrgNotAccessible,
        Error::Rejection(Rejection::RunNotFound { .. }) => Fault::NotFound,
        Error::Rejection(Rejection::RunStatus { .. }) => Fault::Status,
        other => panic!("unexpected fault {other:?}"),
    }
}

#[derive(Debug, Clone, Copy)]
enum EntityHeader {
    Valid,
    Malformed,
    Absent,
    Foreign,
}

#[derive(Debug, Clone, Copy)]
enum OrgHeader {
    Valid,
    Malformed,
    Absent,
    Foreign,
}

#[derive(Debug, Clone)]
struct Request {
    bad_path: bool,
    track_id: Option<bool>,
    entity: EntityHeader,
    orgs: OrgHeader,
    authorized: bool,
    permitted: bool,
    multi_entity: bool,
    run_exists: bool,
    processing: bool,
}

impl Request {
    /// The faults this request has, by construction.
    fn faults(&self) -> BTreeSet<Fault> {
        let mut faults = BTreeSet::new();
        if self.bad_path {
            faults.insert(Fault::Path);
        }
        if self.track_id == Some(false) {
            faults.insert(Fault::TrackId);
        }
        match self.entity {
            EntityHeader::Malformed => {
                faults.insert(Fault::EntityFormat);
            }
            EntityHeader::Absent if self.multi_entity => {
                faults.insert(Fault::EntityRequired);
            }
            EntityHeader::Foreign => {
                faults.insert(Fault::EntityNotAccessible);
            }
            // A caller without Multi-entity naming an entity: not accessible (D-13).
            EntityHeader::Valid if !self.multi_entity => {
                faults.insert(Fault::EntityNotAccessible);
            }
            EntityHeader::Valid | EntityHeader::Absent => {}
        }
        match self.orgs {
            OrgHeader::Malformed => {
                faults.insert(Fault::OrgFormat);
            }
            OrgHeader::Foreign => {
                faults.insert(Fault::OrgNotAccessible);
            }
            OrgHeader::Valid | OrgHeader::Absent => {}
        }
        if !self.authorized {
            faults.insert(Fault::Authorization);
        }
        if !self.permitted {
            faults.insert(Fault::Permission);
        }
        if !self.run_exists {
            faults.insert(Fault::NotFound);
        }
        if self.processing {
            faults.insert(Fault::Status);
        }
        faults
    }

    fn headers(&self) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        if let Some(valid) = self.track_id {
            headers.push((
                "Zuora-Track-Id".into(),
                if valid { "t-1" } else { "t:1" }.into(),
            ));
        }
        match self.entity {
            EntityHeader::Valid => headers.push(("Zuora-Entity-Ids".into(), "entity-eu".into())),
            EntityHeader::Malformed => {
                headers.push(("Zuora-Entity-Ids".into(), "entity eu".into()))
            }
            EntityHeader::Foreign => headers.push(("Zuora-Entity-Ids".into(), "entity-xx".into())),
            EntityHeader::Absent => {}
        }
        match self.orgs {
            OrgHeader::Valid => headers.push(("Zuora-Org-Ids".into(), "org-1, org-2".into())),
            OrgHeader::Malformed => headers.push(("Zuora-Org-Ids".into(), "org-1,".into())),
            OrgHeader::Foreign => headers.push(("Zuora-Org-Ids".into(), "org-1,org-9".into())),
            OrgHeader::Absent => {}
        }
        if self.authorized {
            headers.push(("Authorization".into(), "Bearer t0k3n".into()));
        }
        headers
    }

    fn caller(&self) -> Caller {
        let permissions = if self.permitted {
            PermissionSet::ALL
        } else {
            PermissionSet::ALL.without(Permission::CancelJournalRun)
        };
        Caller {
            permissions,
            orgs: OrgAccess::Only(BTreeSet::from([org("org-1"), org("org-2")])),
            entities: if self.multi_entity {
                vec![entity("entity-eu"), entity("entity-us")]
            } else {
                vec![]
            },
        }
    }

    fn jr_number(&self) -> &'static str {
        match (self.bad_path, self.run_exists, self.processing) {
            (true, _, _) => "JR-0000007X",
            (false, false, _) => "JR-00000098",
            (false, true, true) => "JR-00000076",
            (false, true, false) => "JR-00000075",
        }
    }
}

fn request() -> impl Strategy<Value = Request> {
    let entity = prop_oneof![
        Just(EntityHeader::Valid),
        Just(EntityHeader::Malformed),
        Just(EntityHeader::Absent),
        Just(EntityHeader::Foreign)
    ];
    let orgs = prop_oneof![
        Just(OrgHeader::Valid),
        Just(OrgHeader::Malformed),
        Just(OrgHeader::Absent),
        Just(OrgHeader::Foreign)
    ];
    (
        any::<bool>(),
        proptest::option::of(any::<bool>()),
        entity,
        orgs,
        any::<[bool; 5]>(),
    )
        .prop_map(
            |(
                bad_path,
                track_id,
                entity,
                orgs,
                [authorized, permitted, multi_entity, run_exists, processing],
            )| {
                Request {
                    bad_path,
                    track_id,
                    entity,
                    orgs,
                    authorized,
                    permitted,
                    multi_entity,
                    run_exists,
                    processing,
                }
            },
        )
}

fn flip_case(name: &str, mask: u64) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

proptest! {
    /// INV-13, extended to the wire (D-10, docs/WIRE.md): a request with any set of faults is
    /// answered with the first of them in the order of precedence, and an accepted one has none.
    #[test]
    fn inv_13_handler_answers_the_first_fault_in_precedence(r in request()) {
        let headers = r.headers();
        let outcome = CancelHandler::default().handle(
            r.jr_number(), &headers, &r.caller(), store().as_slice(), &request_id(), &process_id(),
        );
        let expected = r.faults().into_iter().next();
        prop_assert_eq!(outcome.decision.as_ref().err().map(fault_of), expected);
    }

    /// A response's status, body and headers agree with the decision: 200 and
    /// `{"success": true}` exactly when accepted; otherwise the status of the fault's category,
    /// the process and request ids, and one eight-digit code ending in that category.
    #[test]
    fn response_agrees_with_the_decision(r in request()) {
        let headers = r.headers();
        let outcome = CancelHandler::default().handle(
            r.jr_number(), &headers, &r.caller(), store().as_slice(), &request_id(), &process_id(),
        );
        let response = &outcome.response;
        prop_assert_eq!(response.header("Zuora-Request-Id"), Some(REQUEST_ID));
        prop_assert_eq!(response.header("Zuora-Track-Id").is_some(), r.track_id == Some(true));
        match &outcome.decision {
            Ok(event) => {
                prop_assert_eq!(response.status, 200);
                prop_assert_eq!(&response.body, &journal_run::wire::CommonResponse::success());
                prop_assert!(
                    matches!(event, Event::CancellationRequested { previous: CancellableStatus::Completed }),
                    "unexpected event {:?}", event
                );
            }
            Err(error) => {
                prop_assert_eq!(response.status, http_status(error.category()));
                prop_assert!(!response.body.success);
                prop_assert_eq!(response.body.process_id.as_deref(), Some(PROCESS_ID));
                prop_assert_eq!(response.body.request_id.as_deref(), Some(REQUEST_ID));
                let reasons = response.body.reasons.as_ref().unwrap();
                prop_assert_eq!(reasons.len(), 1);
                prop_assert_eq!(reasons[0].code.as_str().len(), 8);
                prop_assert_eq!(reasons[0].code.category(), Some(error.category()));
            }
        }
    }

    /// Header names are case-insensitive: any casing of every name gives the same outcome.
    #[test]
    fn header_names_are_case_insensitive(r in request(), mask in any::<u64>()) {
        let headers = r.headers();
        let recased: Vec<(String, String)> =
            headers.iter().map(|(n, v)| (flip_case(n, mask), v.clone())).collect();
        let handler = CancelHandler::default();
        let runs = store();
        let a = handler.handle(r.jr_number(), &headers, &r.caller(), runs.as_slice(), &request_id(), &process_id());
        let b = handler.handle(r.jr_number(), &recased, &r.caller(), runs.as_slice(), &request_id(), &process_id());
        prop_assert_eq!(a, b);
    }
}
