//! Every body the server sends to Zuora's endpoints conforms to Zuora's spec: a session that
//! reaches each operation's success and its refusals, each answer validated against the schema
//! the spec declares for the operation (its `200` schema for a success, `CommonResponse` (the
//! spec's `4XX`) for a refusal, whatever its HTTP status, `ErrorResponse` for a 500), with the
//! stricter-than-spec schemas of the library's conformance test (tests/spec_support).

mod common;
#[path = "../../tests/spec_support/mod.rs"]
mod spec_support;

use common::{example, manual, Server};
use reqwest::Method;
use serde_json::{json, Value};
use spec_support::{spec, Spec, Validator};

/// The schema the spec declares for the `200` answer of `method path`.
fn success_schema(spec: &Spec, path: &str, method: &str) -> String {
    let reference = &spec.complete["paths"][path][method]["responses"]["200"]["content"]
        ["application/json"]["schema"]["$ref"];
    reference
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or_else(|| panic!("the spec declares no 200 schema for {method} {path}"))
        .to_owned()
}

/// A call of the session: the operation (method and path as the spec writes them), the HTTP
/// method, the path with its query, the body.
type Call = ((&'static str, &'static str), Method, String, Option<Value>);

struct Check<'s> {
    spec: &'s Spec,
    common: Validator,
    checked: usize,
}

impl Check<'_> {
    #[track_caller]
    fn answer(&mut self, operation: (&str, &str), status: u16, body: &Value) {
        let (method, path) = operation;
        let success = body.get("success") == Some(&json!(true));
        assert!(
            status == 200 || status == 401,
            "{method} {path}: HTTP {status}"
        );
        if success {
            let name = success_schema(self.spec, path, method);
            Validator::new(self.spec, &name, false).accepts(&format!("{method} {path}"), body);
        } else {
            self.common
                .accepts(&format!("a refusal of {method} {path}"), body);
        }
        self.checked += 1;
    }
}

/// INV-20: every body the server sends conforms to Zuora's spec.
#[tokio::test]
async fn inv_20_every_answer_of_every_operation_conforms_to_the_spec() {
    let Some(spec) = spec() else { return };
    let mut check = Check {
        spec,
        common: Validator::new(spec, "CommonResponse", false),
        checked: 0,
    };
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    let token = server.token().await;

    let create = json!({"journalEntryDate": "2026-02-28", "accountingPeriodName": "Feb-2026", "transactionTypes": [{"type": "Invoice Item"}], "organizationLabels": [{"organizationId": "org-1"}]});
    let runs = ("post", "/v1/journal-runs");
    let run = ("get", "/v1/journal-runs/{jr-number}");
    let delete_run = ("delete", "/v1/journal-runs/{jr-number}");
    let cancel_run = ("put", "/v1/journal-runs/{jr-number}/cancel");
    let entry = ("get", "/v1/journal-entries/{je-number}");
    let delete_entry = ("delete", "/v1/journal-entries/{je-number}");
    let cancel_entry = ("put", "/v1/journal-entries/{je-number}/cancel");
    let update_entry = ("put", "/v1/journal-entries/{je-number}/basic-information");
    let list = ("get", "/v1/journal-entries/journal-runs/{jr-number}");
    let create_entry = ("post", "/v1/journal-entries");

    let calls: Vec<Call> = vec![
        (
            runs,
            Method::POST,
            "/v1/journal-runs".into(),
            Some(create.clone()),
        ),
        (
            runs,
            Method::POST,
            "/v1/journal-runs".into(),
            Some(create.clone()),
        ),
        (
            runs,
            Method::POST,
            "/v1/journal-runs".into(),
            Some(json!({"journalEntryDate": "2026-02-30"})),
        ),
        (
            run,
            Method::GET,
            "/v1/journal-runs/JR-00000075".into(),
            None,
        ),
        (
            run,
            Method::GET,
            "/v1/journal-runs/JR-00000077".into(),
            None,
        ),
        (
            list,
            Method::GET,
            "/v1/journal-entries/journal-runs/JR-00000075?pageSize=3".into(),
            None,
        ),
        (
            list,
            Method::GET,
            "/v1/journal-entries/journal-runs/JR-00000075?page=4&pageSize=3".into(),
            None,
        ),
        (
            list,
            Method::GET,
            "/v1/journal-entries/journal-runs/JR-00000075?pageSize=0".into(),
            None,
        ),
        (
            entry,
            Method::GET,
            "/v1/journal-entries/JE-00000004".into(),
            None,
        ),
        (
            entry,
            Method::GET,
            "/v1/journal-entries/JE-00000099".into(),
            None,
        ),
        (
            update_entry,
            Method::PUT,
            "/v1/journal-entries/JE-00000002/basic-information".into(),
            Some(json!({"notes": "n", "transferredToAccounting": "Ignore"})),
        ),
        (
            update_entry,
            Method::PUT,
            "/v1/journal-entries/JE-00000002/basic-information".into(),
            Some(json!({"notes": 1})),
        ),
        (
            cancel_entry,
            Method::PUT,
            "/v1/journal-entries/JE-00000001/cancel".into(),
            None,
        ),
        (
            cancel_entry,
            Method::PUT,
            "/v1/journal-entries/JE-00000004/cancel".into(),
            None,
        ),
        (
            delete_entry,
            Method::DELETE,
            "/v1/journal-entries/JE-00000001".into(),
            None,
        ),
        (
            delete_entry,
            Method::DELETE,
            "/v1/journal-entries/JE-00000002".into(),
            None,
        ),
        (
            create_entry,
            Method::POST,
            "/v1/journal-entries".into(),
            Some(json!({})),
        ),
        (
            cancel_run,
            Method::PUT,
            "/v1/journal-runs/JR-00000075/cancel".into(),
            None,
        ),
        (
            cancel_run,
            Method::PUT,
            "/v1/journal-runs/JR-00000075/cancel".into(),
            None,
        ),
        (
            run,
            Method::GET,
            "/v1/journal-runs/JR-00000075".into(),
            None,
        ),
        (
            delete_run,
            Method::DELETE,
            "/v1/journal-runs/JR-00000075".into(),
            None,
        ),
    ];
    for (operation, method, path, body) in &calls {
        let (status, headers, answer) = server
            .call(
                method.clone(),
                path,
                &token,
                &[("Zuora-Track-Id", "conformance")],
                body.as_ref(),
            )
            .await;
        assert_eq!(headers["zuora-request-id"].len(), 36, "{path}");
        assert_eq!(headers["zuora-track-id"], "conformance", "{path}");
        check.answer(*operation, status, &answer);
    }
    // A run that can be deleted: the one created above (numbered after the loaded JR-00000075),
    // processed with no entries, cancelled, deleted.
    server.control_get("/processing").await;
    let _ = server
        .http
        .put(server.url("/_control/processing"))
        .json(&json!({"entries": 0, "fail": false}))
        .send()
        .await;
    let processed = server.control("/runs/JR-00000076/job/finish", None).await;
    assert_eq!(processed["status"], "Completed", "{processed}");
    let (status, _, answer) = server
        .call(
            Method::PUT,
            "/v1/journal-runs/JR-00000076/cancel",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(answer["success"], true, "{answer}");
    check.answer(cancel_run, status, &answer);
    let settled = server.control("/runs/JR-00000076/job/finish", None).await;
    assert_eq!(settled["status"], "Cancelled", "{settled}");
    let (status, _, answer) = server
        .call(
            Method::DELETE,
            "/v1/journal-runs/JR-00000076",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(answer["success"], true, "{answer}");
    check.answer(delete_run, status, &answer);
    // An authentication failure.
    let (status, _, answer) = server
        .call(
            Method::GET,
            "/v1/journal-runs/JR-00000075",
            "expired",
            &[],
            None,
        )
        .await;
    assert_eq!(status, 401);
    check.answer(run, status, &answer);
    println!("{} answers conform", check.checked);
    assert_eq!(check.checked, calls.len() + 3);
    server.stop().await;
}
