//! Queries (reading runs and entries, editing an entry's notes), the request head every
//! operation reads, the basic-information body, and the request faults of the other
//! operations: their checks, order and Zuora categories.

mod wire_support;

use journal_run::wire::{
    category, AuthorizationError, ErrorCategory, HttpStatusMapping, RequestError, RequestHead,
    UpdateBasicInformationRequest, Value, NOTES_MAX_CHARS,
};
use journal_run::{
    Caller, Command, Error, JournalEntryNumber, JournalRun, OrgAccess, OrgIds, Permission,
    PermissionSet, Query, QueryKind, Rejection, RequestScope, TransferredToAccounting,
};
use wire_support::{entity, je, jr, org, org_2_run, worked_example_run};

fn scope() -> RequestScope {
    RequestScope::default()
}

#[test]
fn reading_needs_no_permission_but_editing_needs_api_write_access_then_edit_journal_entry() {
    let run = worked_example_run();
    let nobody = Caller {
        permissions: PermissionSet::EMPTY,
        orgs: OrgAccess::All,
        entities: Vec::new(),
    };
    for query in [
        Query::GetRun {
            run: jr(75),
            scope: scope(),
        },
        Query::ListEntries {
            run: jr(75),
            scope: scope(),
        },
        Query::GetEntry {
            entry: je(4),
            scope: scope(),
        },
    ] {
        assert_eq!(run.authorize_query(&nobody, &query), Ok(()), "{query:?}");
        assert!(query.required_permissions().is_empty());
    }
    let edit = Query::EditEntry {
        entry: je(4),
        scope: scope(),
    };
    assert_eq!(
        run.authorize_query(&nobody, &edit),
        Err(Rejection::QueryPermission {
            query: QueryKind::EditEntry,
            permission: Permission::ApiWriteAccess
        })
    );
    let writer = Caller {
        permissions: PermissionSet::of(&[Permission::ApiWriteAccess]),
        ..nobody.clone()
    };
    let refused = run.authorize_query(&writer, &edit);
    assert_eq!(
        refused,
        Err(Rejection::QueryPermission {
            query: QueryKind::EditEntry,
            permission: Permission::EditJournalEntry
        })
    );
    assert_eq!(
        refused.map_err(|r| r.to_string()),
        Err("You do not have the \"Edit Journal Entry\" permission needed to update the basic information of a summary journal entry".to_owned())
    );
    let editor = Caller::with_permissions(PermissionSet::of(&[Permission::EditJournalEntry]));
    assert_eq!(run.authorize_query(&editor, &edit), Ok(()));
}

#[test]
fn a_query_sees_only_what_its_scope_holds() {
    let run = worked_example_run();
    let user = Caller::superuser();
    assert_eq!(
        run.authorize_query(
            &user,
            &Query::GetRun {
                run: jr(76),
                scope: scope()
            }
        ),
        Err(Rejection::RunNotFound { run: jr(76) })
    );
    assert_eq!(
        run.authorize_query(
            &user,
            &Query::GetEntry {
                entry: je(11),
                scope: scope()
            }
        ),
        Err(Rejection::EntryNotFound { entry: je(11) })
    );
    // A run labelled with org-2 is not seen in another org's scope.
    let labelled = org_2_run();
    let other_org = RequestScope {
        entity: None,
        orgs: Some(OrgIds::parse("org-1").expect("org ids")),
    };
    assert_eq!(
        labelled.authorize_query(
            &user,
            &Query::GetRun {
                run: labelled.number(),
                scope: other_org.clone()
            }
        ),
        Err(Rejection::RunNotFound {
            run: labelled.number()
        })
    );
    let limited = Caller {
        orgs: OrgAccess::Only([org("org-1")].into()),
        ..Caller::superuser()
    };
    assert_eq!(
        labelled.authorize_query(
            &limited,
            &Query::GetRun {
                run: labelled.number(),
                scope: scope()
            }
        ),
        Err(Rejection::RunNotFound {
            run: labelled.number()
        })
    );
    // An org header naming an org the caller cannot access comes before "not found".
    let foreign = RequestScope {
        entity: None,
        orgs: Some(OrgIds::parse("org-9").expect("org ids")),
    };
    assert_eq!(
        labelled.authorize_query(
            &limited,
            &Query::GetRun {
                run: labelled.number(),
                scope: foreign
            }
        ),
        Err(Rejection::OrgNotAccessible { org: org("org-9") })
    );
}

#[test]
fn a_deleted_run_and_a_deleted_entry_are_not_found() {
    let mut run = worked_example_run();
    let user = Caller::superuser();
    run.execute(
        &user,
        &Command::CancelEntry {
            entry: je(1),
            scope: scope(),
        },
    )
    .expect("cancelled");
    run.execute(
        &user,
        &Command::DeleteEntry {
            entry: je(1),
            scope: scope(),
        },
    )
    .expect("deleted");
    assert_eq!(
        run.authorize_query(
            &user,
            &Query::GetEntry {
                entry: je(1),
                scope: scope()
            }
        ),
        Err(Rejection::EntryNotFound { entry: je(1) })
    );
    run.execute(
        &user,
        &Command::CancelRun {
            run: jr(75),
            scope: scope(),
        },
    )
    .expect("accepted");
    run.finish_job(|_| {}).expect("the job ends");
    // JE-00000004 is transferred: the run stays Completed and cannot be deleted; make one
    // that can.
    let mut empty = JournalRun::new(jr(3), vec![]);
    empty
        .execute(&user, &Command::StartProcessing)
        .expect("started");
    empty
        .execute(&user, &Command::CompleteProcessing { entries: vec![] })
        .expect("completed");
    empty
        .execute(
            &user,
            &Command::CancelRun {
                run: jr(3),
                scope: scope(),
            },
        )
        .expect("accepted");
    empty.finish_job(|_| {}).expect("the job ends");
    empty
        .execute(
            &user,
            &Command::DeleteRun {
                run: jr(3),
                scope: scope(),
            },
        )
        .expect("deleting");
    empty
        .execute(&user, &Command::FinishDeletion)
        .expect("deleted");
    assert_eq!(
        empty.authorize_query(
            &user,
            &Query::GetRun {
                run: jr(3),
                scope: scope()
            }
        ),
        Err(Rejection::RunNotFound { run: jr(3) })
    );
}

#[test]
fn query_absent_keeps_the_order_of_precedence() {
    let two_entities = Caller {
        entities: vec![entity("e-1"), entity("e-2")],
        ..Caller::superuser()
    };
    let get = Query::GetRun {
        run: jr(5),
        scope: scope(),
    };
    assert_eq!(
        JournalRun::query_absent(&two_entities, &get),
        Rejection::EntityRequired { entities: 2 }
    );
    assert_eq!(
        JournalRun::query_absent(&Caller::superuser(), &get),
        Rejection::RunNotFound { run: jr(5) }
    );
    let edit = Query::EditEntry {
        entry: je(5),
        scope: scope(),
    };
    let reader = Caller::with_permissions(PermissionSet::EMPTY);
    assert_eq!(
        JournalRun::query_absent(&reader, &edit),
        Rejection::QueryPermission {
            query: QueryKind::EditEntry,
            permission: Permission::EditJournalEntry
        }
    );
    assert_eq!(
        JournalRun::query_absent(&Caller::superuser(), &edit),
        Rejection::EntryNotFound { entry: je(5) }
    );
    assert_eq!(
        category(&Error::from(JournalRun::query_absent(&reader, &edit))),
        ErrorCategory::PermissionDenied
    );
}

fn head<P: journal_run::wire::PathParameter>(
    path: &str,
    headers: &[(&str, &str)],
) -> RequestHead<P, &'static str> {
    RequestHead::read(path, headers, |token| {
        if token == "good" {
            Ok("client-1")
        } else {
            Err(AuthorizationError::InvalidToken)
        }
    })
}

#[test]
fn the_request_head_reads_authorization_then_the_path_then_the_headers() {
    // Authentication first, whatever else is wrong.
    let read = head::<JournalEntryNumber>("JE-1", &[("Zuora-Track-Id", "a:b")]);
    assert_eq!(
        read.request.map(|r| r.caller),
        Err(Error::Request(RequestError::Authorization(
            AuthorizationError::Missing
        )))
    );
    let read = head::<JournalEntryNumber>("JE-1", &[("Authorization", "Bearer bad")]);
    let error = read.request.expect_err("an unknown token");
    assert_eq!(
        error,
        Error::Request(RequestError::Authorization(
            AuthorizationError::InvalidToken
        ))
    );
    assert_eq!(category(&error), ErrorCategory::AuthenticationFailed);
    assert_eq!(HttpStatusMapping::Zuora.status(category(&error)), 401);
    // Then the path parameter, named as Zuora's spec names it.
    let read = head::<JournalEntryNumber>(
        "JE-1",
        &[("Authorization", "Bearer good"), ("Zuora-Track-Id", "a:b")],
    );
    let error = read.request.expect_err("a malformed entry number");
    assert!(
        matches!(error, Error::Request(RequestError::PathEntryNumber(_))),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("path parameter je-number: "),
        "{error}"
    );
    assert_eq!(category(&error), ErrorCategory::InvalidValue);
    // Then the headers; a valid track id is echoed even when the request fails.
    let read = head::<JournalEntryNumber>(
        "JE-00000001",
        &[
            ("Authorization", "Bearer good"),
            ("Zuora-Track-Id", "t-1"),
            ("Zuora-Org-Ids", "org 1"),
        ],
    );
    assert_eq!(read.track_id().map(|t| t.as_str()), Some("t-1"));
    assert!(matches!(read.request, Err(Error::Header(_))));
    // A request with no path parameter, accepted.
    let read = head::<()>(
        "",
        &[
            ("authorization", "bearer good"),
            ("Zuora-Entity-Ids", "e-1"),
            ("Accept-Encoding", "gzip"),
        ],
    );
    let request = read.request.clone().expect("a valid request");
    assert_eq!(request.caller, "client-1");
    assert_eq!(request.scope.entity, Some(entity("e-1")));
    assert!(read.gzip_accepted());
    let ids = wire_support::request_id();
    let headers = read.response_headers(&ids);
    assert_eq!(
        headers.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ["Content-Type", "Zuora-Request-Id"]
    );
}

#[test]
fn the_other_request_faults_have_their_categories() {
    let cases = [
        (
            RequestError::QueryParameter {
                name: "pageSize",
                reason: "expected a whole number from 1 to 300, found `301`".to_owned(),
            },
            ErrorCategory::InvalidQueryParameter,
            "query parameter pageSize: expected a whole number from 1 to 300, found `301`",
        ),
        (
            RequestError::UnknownPath {
                path: "/v1/journal-runz".to_owned(),
            },
            ErrorCategory::NotFound,
            "no operation has the path `/v1/journal-runz`",
        ),
        (
            RequestError::NotEmulated {
                operation: "POST /v1/journal-entries".to_owned(),
            },
            ErrorCategory::UnsupportedRequest,
            "POST /v1/journal-entries is not emulated here",
        ),
        (
            RequestError::BodyTooLarge { limit: 1024 },
            ErrorCategory::InvalidValue,
            "the request body is larger than 1024 bytes",
        ),
        (
            RequestError::BodyEncoding { encoding: "gzip" },
            ErrorCategory::MalformedRequest,
            "the request body is not gzip data, as its Content-Encoding says",
        ),
        (
            RequestError::Unavailable {
                reason: "the store stopped".into(),
            },
            ErrorCategory::TemporaryError,
            "the request cannot be carried out now: the store stopped; nothing of it was kept, and it may be sent again",
        ),
        (
            RequestError::BodyIncomplete { received: 20 },
            ErrorCategory::MalformedRequest,
            "the request body did not arrive whole: 20 bytes came before its connection ended or stalled",
        ),
    ];
    for (error, expected, message) in cases {
        let error = Error::from(error);
        assert_eq!(category(&error), expected, "{error}");
        assert_eq!(error.to_string(), message);
    }
}

fn body(json: &str) -> Value {
    serde_json::from_str(json).expect("JSON")
}

#[test]
fn the_basic_information_body_is_validated_field_by_field() {
    let update = UpdateBasicInformationRequest::from_value(&body(
        r#"{"transferredToAccounting": "Yes", "notes": "ok", "Region__c": "EMEA"}"#,
    ))
    .expect("valid");
    assert_eq!(
        update.transferred_to_accounting(),
        Some(TransferredToAccounting::Yes)
    );
    assert_eq!(update.notes().value().map(String::as_str), Some("ok"));
    assert_eq!(
        update.custom_fields().get("Region__c"),
        Some(&Value::String("EMEA".to_owned()))
    );
    assert!(!update.changes_items());

    let exactly = format!(r#"{{"notes": "{}"}}"#, "é".repeat(NOTES_MAX_CHARS));
    assert!(
        UpdateBasicInformationRequest::from_value(&body(&exactly)).is_ok(),
        "2,000 characters, not bytes"
    );
    let over = format!(r#"{{"notes": "{}"}}"#, "x".repeat(NOTES_MAX_CHARS + 1));
    let error = UpdateBasicInformationRequest::from_value(&body(&over)).expect_err("too long");
    assert_eq!(
        error.to_string(),
        "notes: at most 2000 characters are allowed, found 2001"
    );
    assert_eq!(category(&Error::from(error)), ErrorCategory::InvalidValue);

    let cases = [
        (
            r#"{"transferedToAccounting": "Yes"}"#,
            ErrorCategory::UnknownField,
        ),
        (
            r#"{"transferredToAccounting": "yes"}"#,
            ErrorCategory::InvalidValue,
        ),
        (
            r#"{"transferredToAccounting": 1}"#,
            ErrorCategory::InvalidValue,
        ),
        (r#"{"notes": 5}"#, ErrorCategory::InvalidValue),
        (r#"[]"#, ErrorCategory::InvalidValue),
    ];
    for (json, expected) in cases {
        let error = UpdateBasicInformationRequest::from_value(&body(json)).expect_err(json);
        assert_eq!(category(&Error::from(error)), expected, "{json}");
    }
    let cleared = UpdateBasicInformationRequest::from_value(&body(
        r#"{"notes": null, "transferredToAccounting": null, "journalEntryItems": [{}]}"#,
    ))
    .expect("valid");
    assert_eq!(cleared.notes(), &journal_run::wire::Nullable::Null);
    assert_eq!(cleared.transferred_to_accounting(), None);
    assert!(cleared.changes_items());
}
