//! The cancel handler: responses, headers, codes, and the order of precedence (docs/WIRE.md).

mod wire_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use journal_run::wire::ErrorCategory;
use journal_run::wire::{
    category, require_method, AuthorizationError, CancelHandler, HttpStatusMapping, ReasonCode,
    RequestError, ResourceCode, JSON_CONTENT_TYPE,
};
use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, Command, EntityId, Error, Event, HeaderError,
    JournalRunStatus, OrgAccess, Permission, PermissionSet, Rejection,
};
use proptest::prelude::*;
use strum::VariantArray;
use wire_support::*;

#[test]
fn every_scenario_gets_its_status_and_code() {
    for s in scenarios() {
        let outcome = s.run();
        let response = &outcome.response;
        assert_eq!(response.status, s.status, "{}", s.name);
        let rest = s.run_with(&CancelHandler::with_status_mapping(HttpStatusMapping::Rest));
        assert_eq!(rest.response.status, s.rest_status, "{} (Rest)", s.name);
        assert_eq!(
            rest.response.body, outcome.response.body,
            "{} (Rest)",
            s.name
        );
        assert_eq!(rest.decision, outcome.decision, "{} (Rest)", s.name);
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
        message("authorization_repeated"),
        "the Authorization header is given 2 times; send it once: `Authorization: Bearer <token>`"
    );
    assert_eq!(
        message("authorization_missing"),
        "the Authorization header is missing; send `Authorization: Bearer <token>`"
    );
    assert_eq!(
        message("authorization_token_character"),
        "the bearer token holds a character that is not visible US-ASCII, at character 5 of the token"
    );
    assert_eq!(
        message("missing_permission"),
        "You do not have the \"Cancel Journal Run\" permission needed to cancel a journal run"
    );
    assert_eq!(
        message("run_status"),
        "You cannot cancel a journal run: journal run JR-00000076 is Processing"
    );
    assert_eq!(
        message("entity_required"),
        "Zuora-Entity-Ids is required: the token is valid for 2 entities"
    );
}

#[test]
fn authorization_messages_never_quote_the_credentials() {
    for name in [
        "authorization_repeated",
        "authorization_not_bearer",
        "authorization_no_token",
        "authorization_token_character",
    ] {
        let s = scenario_named(name);
        let message = s.run().response.body.reasons.unwrap()[0].message.clone();
        for (_, credentials) in &s.headers {
            for secret in credentials
                .split(' ')
                .filter(|p| !p.eq_ignore_ascii_case("bearer"))
            {
                assert!(!message.contains(secret), "{name}: {message}");
            }
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
    assert!(matches!(
        outcome.decision,
        Err(Error::Header(HeaderError::TrackIdCharacter {
            position: 1,
            ..
        }))
    ));
    assert_eq!(outcome.response.status, 200);
    assert!(!outcome.response.body.success);
    assert_eq!(outcome.response.header("Zuora-Track-Id"), None);
    // Repeated: rejected and not echoed.
    let mut s = scenario_named("accepted");
    s.headers.push(("Zuora-Track-Id", "again".to_owned()));
    let outcome = s.run();
    assert_eq!(
        outcome.decision,
        Err(Error::Request(RequestError::RepeatedHeader {
            name: "Zuora-Track-Id",
            count: 2
        }))
    );
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
        status_mapping: HttpStatusMapping::Zuora,
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
fn categories_come_from_wire_category_and_statuses_from_the_mapping() {
    for s in scenarios() {
        let outcome = s.run();
        if let Err(error) = &outcome.decision {
            let category = category(error);
            assert_eq!(journal_run::wire::category(error), category, "{}", s.name);
            assert_eq!(
                outcome.response.status,
                HttpStatusMapping::Zuora.status(category),
                "{}",
                s.name
            );
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
    Authorization,
    Path,
    TrackId,
    EntityFormat,
    OrgFormat,
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
        Error::Request(RequestError::Authorization(
            AuthorizationError::Missing
            | AuthorizationError::Repeated { count: 2 }
            | AuthorizationError::NotBearer,
        )) => Fault::Authorization,
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

#[derive(Debug, Clone, Copy)]
enum AuthorizationHeader {
    Valid,
    Missing,
    Repeated,
    Basic,
}

#[derive(Debug, Clone)]
struct Request {
    bad_path: bool,
    track_id: Option<bool>,
    entity: EntityHeader,
    orgs: OrgHeader,
    authorization: AuthorizationHeader,
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
        match self.authorization {
            AuthorizationHeader::Valid => {}
            AuthorizationHeader::Missing
            | AuthorizationHeader::Repeated
            | AuthorizationHeader::Basic => {
                faults.insert(Fault::Authorization);
            }
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
        match self.authorization {
            AuthorizationHeader::Valid => {
                headers.push(("Authorization".into(), "Bearer t0k3n".into()));
            }
            AuthorizationHeader::Missing => {}
            AuthorizationHeader::Repeated => {
                headers.push(("Authorization".into(), "Bearer t0k3n".into()));
                headers.push(("authorization".into(), "Bearer t0k3n".into()));
            }
            AuthorizationHeader::Basic => {
                headers.push(("Authorization".into(), "Basic dXNlcg==".into()));
            }
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
    let authorization = prop_oneof![
        3 => Just(AuthorizationHeader::Valid),
        1 => Just(AuthorizationHeader::Missing),
        1 => Just(AuthorizationHeader::Repeated),
        1 => Just(AuthorizationHeader::Basic)
    ];
    (
        any::<bool>(),
        proptest::option::of(any::<bool>()),
        entity,
        orgs,
        authorization,
        any::<[bool; 4]>(),
    )
        .prop_map(
            |(
                bad_path,
                track_id,
                entity,
                orgs,
                authorization,
                [permitted, multi_entity, run_exists, processing],
            )| {
                Request {
                    bad_path,
                    track_id,
                    entity,
                    orgs,
                    authorization,
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
                prop_assert_eq!(response.status, HttpStatusMapping::Zuora.status(category(error)));
                prop_assert!(!response.body.success);
                prop_assert_eq!(response.body.process_id.as_deref(), Some(PROCESS_ID));
                prop_assert_eq!(response.body.request_id.as_deref(), Some(REQUEST_ID));
                let reasons = response.body.reasons.as_ref().unwrap();
                prop_assert_eq!(reasons.len(), 1);
                prop_assert_eq!(reasons[0].code.as_str().len(), 8);
                prop_assert_eq!(reasons[0].code.category(), Some(category(error)));
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

// ---------------------------------------------------------------------------------------------
// HTTP status: as Zuora answers by default, 4xx on request.

#[test]
fn by_default_a_refused_request_is_http_200_with_success_false_and_only_authentication_is_401() {
    for s in scenarios() {
        let response = s.run().response;
        let expected = match s.code {
            Some("90000011") => 401,
            _ => 200,
        };
        assert_eq!(response.status, expected, "{}", s.name);
        assert_eq!(response.body.success, s.code.is_none(), "{}", s.name);
        assert_ne!(response.status, 409, "{}", s.name);
    }
}

#[test]
fn the_rest_mapping_keeps_a_4xx_status_for_every_refusal() {
    let handler = CancelHandler::with_status_mapping(HttpStatusMapping::Rest);
    let status = |name: &str| scenario_named(name).run_with(&handler).response.status;
    assert_eq!(status("accepted"), 200);
    assert_eq!(status("authorization_missing"), 401);
    assert_eq!(status("path_number"), 400);
    assert_eq!(status("repeated_header"), 400);
    assert_eq!(status("entity_required"), 400);
    assert_eq!(status("missing_permission"), 403);
    assert_eq!(status("run_not_found"), 404);
    assert_eq!(status("run_status"), 409);
    assert_eq!(HttpStatusMapping::default(), HttpStatusMapping::Zuora);
    assert_eq!(
        CancelHandler::default().status_mapping,
        HttpStatusMapping::Zuora
    );
}

#[test]
fn zuora_mapping_gives_its_own_status_only_to_11_60_and_70() {
    use ErrorCategory as C;
    for &category in C::VARIANTS {
        let expected = match category {
            C::AuthenticationFailed => 401,
            C::InternalError => 500,
            C::LimitExceeded => 429,
            _ => 200,
        };
        assert_eq!(
            HttpStatusMapping::Zuora.status(category),
            expected,
            "{category:?}"
        );
    }
}

#[test]
fn authentication_is_checked_before_anything_else() {
    // A malformed path, an invalid Track-Id, a malformed and a repeated header: still 401.
    let outcome = CancelHandler::default().handle(
        "JR-0000007X",
        &[
            ("Zuora-Track-Id", "a;b"),
            ("Zuora-Entity-Ids", "entity eu"),
            ("Zuora-Org-Ids", "org-1"),
            ("Zuora-Org-Ids", "org-2"),
        ],
        &Caller::with_permissions(PermissionSet::EMPTY),
        store().as_slice(),
        &request_id(),
        &process_id(),
    );
    assert_eq!(
        outcome.decision,
        Err(Error::Request(RequestError::Authorization(
            AuthorizationError::Missing
        )))
    );
    assert_eq!(outcome.response.status, 401);
    assert_eq!(outcome.response.header("WWW-Authenticate"), Some("Bearer"));
    let reasons = outcome.response.body.reasons.unwrap();
    assert_eq!(reasons[0].code.as_str(), "90000011");
}

#[test]
fn a_repeated_authorization_is_an_authentication_failure() {
    let outcome = scenario_named("authorization_repeated").run();
    assert_eq!(
        outcome.decision,
        Err(Error::Request(RequestError::Authorization(
            AuthorizationError::Repeated { count: 2 }
        )))
    );
    assert_eq!(outcome.response.status, 401);
    assert_eq!(
        category(outcome.decision.as_ref().unwrap_err()),
        ErrorCategory::AuthenticationFailed
    );
}

#[test]
fn an_unsupported_method_is_category_45_answered_like_any_refusal() {
    assert_eq!(
        require_method("PUT", CancelHandler::PATH, &[CancelHandler::METHOD]),
        Ok(())
    );
    let error =
        require_method("DELETE", CancelHandler::PATH, &[CancelHandler::METHOD]).unwrap_err();
    assert_eq!(
        error,
        RequestError::UnsupportedMethod {
            method: "DELETE".into(),
            path: "/v1/journal-runs/{jr-number}/cancel",
            allowed: &["PUT"],
        }
    );
    assert_eq!(
        error.to_string(),
        "/v1/journal-runs/{jr-number}/cancel does not support the HTTP method `DELETE`; use PUT"
    );
    // Methods are case-sensitive.
    assert!(require_method("put", CancelHandler::PATH, &[CancelHandler::METHOD]).is_err());
    let error = Error::from(error);
    assert_eq!(category(&error), ErrorCategory::UnsupportedRequest);
    let headers = [("Zuora-Track-Id", "m-1")];
    let zuora =
        CancelHandler::default().error_response(&error, &headers, &request_id(), &process_id());
    assert_eq!(zuora.status, 200);
    assert_eq!(zuora.header("Zuora-Track-Id"), Some("m-1"));
    assert_eq!(zuora.header("Zuora-Request-Id"), Some(REQUEST_ID));
    assert_eq!(
        serde_json::to_value(&zuora.body).unwrap(),
        serde_json::json!({
            "success": false,
            "processId": PROCESS_ID,
            "reasons": [{
                "code": "50000045",
                "message": "/v1/journal-runs/{jr-number}/cancel does not support the HTTP method `DELETE`; use PUT",
            }],
            "requestId": REQUEST_ID,
        })
    );
    let rest = CancelHandler::with_status_mapping(HttpStatusMapping::Rest).error_response(
        &error,
        &headers,
        &request_id(),
        &process_id(),
    );
    assert_eq!(rest.status, 405);
    // A 405 names the methods the endpoint supports (RFC 9110, 15.5.6); a 200 does not.
    assert_eq!(rest.header("Allow"), Some("PUT"));
    assert_eq!(zuora.header("Allow"), None);
    let two = Error::from(
        require_method("PUT", "/v1/journal-runs/{jr-number}", &["GET", "DELETE"]).unwrap_err(),
    );
    assert_eq!(
        two.to_string(),
        "/v1/journal-runs/{jr-number} does not support the HTTP method `PUT`; use GET or DELETE"
    );
    let rest = CancelHandler::with_status_mapping(HttpStatusMapping::Rest).error_response(
        &two,
        &headers,
        &request_id(),
        &process_id(),
    );
    assert_eq!(rest.header("Allow"), Some("GET, DELETE"));
    // An operation not emulated is no method's fault: 501 under REST, without `Allow`.
    let not_emulated = Error::from(RequestError::NotEmulated {
        operation: "POST /v1/journal-entries".into(),
    });
    let rest = CancelHandler::with_status_mapping(HttpStatusMapping::Rest).error_response(
        &not_emulated,
        &headers,
        &request_id(),
        &process_id(),
    );
    assert_eq!((rest.status, rest.header("Allow")), (501, None));
    assert_eq!(category(&not_emulated), ErrorCategory::UnsupportedRequest);
    assert_eq!(
        HttpStatusMapping::Zuora.status_of(&not_emulated),
        HttpStatusMapping::Zuora.status(ErrorCategory::UnsupportedRequest)
    );
}
