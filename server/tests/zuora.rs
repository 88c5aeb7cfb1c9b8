//! Zuora's endpoints, driven over HTTP on 127.0.0.1 with a real client: the documented
//! example end to end, creating runs, entries, paging, compression, and refusals.

mod common;

use std::time::Duration;

use common::{category, example, manual, manual_with, Server};
use journal_run_server::config::Config;
use reqwest::Method;
use serde_json::{json, Value};

/// Polls the run until it leaves `CancelInprogress`; returns the statuses seen, in order.
async fn poll_until_settled(server: &Server, token: &str, number: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..400 {
        let (status, _, body) = server
            .get(&format!("/v1/journal-runs/{number}"), token)
            .await;
        assert_eq!(status, 200);
        let run_status = body["status"].as_str().expect("a status").to_owned();
        if seen.last() != Some(&run_status) {
            seen.push(run_status.clone());
        }
        if run_status != "CancelInprogress" {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the run stayed CancelInprogress: {seen:?}");
}

/// Every entry of a run, following `nextPage`, each page checked: full unless it is the last,
/// and not empty unless it is the only one.
async fn all_entries(server: &Server, token: &str, number: &str, page_size: usize) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut url = format!("/v1/journal-entries/journal-runs/{number}?pageSize={page_size}");
    loop {
        let (status, _, page) = server.get(&url, token).await;
        assert_eq!(status, 200);
        assert_eq!(page["success"], true, "{page}");
        let items = page["journalEntries"].as_array().expect("entries");
        assert!(items.len() <= page_size);
        // A page that points to the next is full; only a run without entries has an empty one.
        if page["nextPage"].is_string() {
            assert_eq!(items.len(), page_size, "{url}");
        }
        assert!(
            !items.is_empty() || entries.is_empty(),
            "{url}: an empty page"
        );
        entries.extend(items.iter().cloned());
        match page["nextPage"].as_str() {
            Some(next) => {
                url = next
                    .strip_prefix(&server.base)
                    .expect("a URL of this server")
                    .to_owned()
            }
            None => return entries,
        }
    }
}

#[tokio::test]
async fn the_documented_example_end_to_end() {
    let server = Server::start(Config::default()).await;
    server.load(&example(), None).await;
    let token = server.token().await;

    let (status, headers, body) = server
        .call(
            Method::PUT,
            "/v1/journal-runs/JR-00000075/cancel",
            &token,
            &[("Zuora-Track-Id", "close-2026-01")],
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(headers["zuora-track-id"], "close-2026-01");
    assert_eq!(headers["zuora-request-id"].len(), 36);
    // While the job runs, another cancel is refused by the status rule: HTTP 200,
    // success false, category 30.
    let (status, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-runs/JR-00000075/cancel",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!((status, &body["success"]), (200, &json!(false)));
    assert_eq!(category(&body), "30");

    let seen = poll_until_settled(&server, &token, "JR-00000075").await;
    assert_eq!(
        seen,
        ["CancelInprogress", "Completed"],
        "a client sees the job run, then the run keep its status"
    );

    // Pages of 5 end on a full page, which is the last (no `nextPage` to an empty one).
    for page_size in [4, 5, 10, 300] {
        let entries = all_entries(&server, &token, "JR-00000075", page_size).await;
        assert_eq!(entries.len(), 10, "pages of {page_size}");
    }
    let entries = all_entries(&server, &token, "JR-00000075", 4).await;
    let cancelled: Vec<&str> = entries
        .iter()
        .filter(|e| e["status"] == "Cancelled")
        .map(|e| e["number"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(cancelled.len(), 9);
    assert!(!cancelled.contains(&"JE-00000004"));
    let transferred = entries
        .iter()
        .find(|e| e["number"] == "JE-00000004")
        .expect("JE-00000004");
    assert_eq!(transferred["status"], "Created");
    assert_eq!(transferred["transferredToAccounting"], "Yes");

    // The run's log replays to the same run with the library.
    let replay = server.control_get("/runs/JR-00000075/replay").await;
    assert_eq!(replay["equal"], true);
    assert_eq!(replay["records"], 12, "requested, ten attempts, settled");

    server.stop().await;
}

#[tokio::test]
async fn a_created_run_is_processed_and_one_pending_run_blocks_the_next() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let request = json!({
        "journalEntryDate": "2026-01-31",
        "targetStartDate": "2026-01-01",
        "targetEndDate": "2026-01-31",
        "transactionTypes": [{"type": "Invoice Item"}],
        "organizationLabels": [{"organizationId": "org-1", "organizationName": "EMEA"}]
    });
    let (status, _, body) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&request),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], true);
    assert_eq!(body["journalRunNumber"], "JR-00000001");

    let (_, _, refused) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&request),
        )
        .await;
    assert_eq!(refused["success"], false);
    assert_eq!(category(&refused), "30");
    assert!(refused["reasons"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("JR-00000001 is pending"));

    let (_, _, run) = server.get("/v1/journal-runs/JR-00000001", &token).await;
    assert_eq!(run["status"], "Pending");
    assert_eq!(
        run["totalJournalEntryCount"], 0,
        "none generated yet: {run}"
    );
    assert_eq!(run["journalEntryDate"], "2026-01-31");
    assert_eq!(run["transactionTypes"], json!([{"type": "Invoice Item"}]));

    let finished = server.control("/runs/JR-00000001/job/finish", None).await;
    assert_eq!(finished["status"], "Completed");
    assert_eq!(
        finished["steps"], 2,
        "start processing, complete processing"
    );
    let (_, _, run) = server.get("/v1/journal-runs/JR-00000001", &token).await;
    assert_eq!(run["status"], "Completed");
    assert_eq!(run["totalJournalEntryCount"], 10);
    let entries = all_entries(&server, &token, "JR-00000001", 300).await;
    let numbers: Vec<&str> = entries
        .iter()
        .map(|e| e["number"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(numbers.first(), Some(&"JE-00000001"));
    assert_eq!(numbers.last(), Some(&"JE-00000010"));
    // Each entry is generated from the run and its number (D-30).
    let (_, _, entry) = server.get("/v1/journal-entries/JE-00000003", &token).await;
    let item = |kind: &str, name: &str, code_type: &str| {
        json!({"type": kind, "accountingCodeName": name, "accountingCodeType": code_type,
               "amount": "30.00", "homeCurrencyAmount": "30.00"})
    };
    assert_eq!(
        entry,
        json!({
            "success": true,
            "number": "JE-00000003",
            "status": "Created",
            "transferredToAccounting": "No",
            "journalEntryDate": "2026-01-31",
            "timePeriodStart": "2026-01-01",
            "timePeriodEnd": "2026-01-31",
            "transactionType": "Invoice Item",
            "currency": "USD",
            "homeCurrency": "USD",
            "aggregateCurrency": false,
            "organizationLabel": "EMEA",
            "journalEntryItems": [
                item("Debit", "Accounts Receivable", "AccountsReceivable"),
                item("Credit", "Sales Revenue", "SalesRevenue"),
            ],
        })
    );

    // Now a second run can be created.
    let (_, _, second) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&request),
        )
        .await;
    assert_eq!(second["journalRunNumber"], "JR-00000002");
    server.stop().await;
}

#[tokio::test]
async fn entries_are_cancelled_updated_and_deleted_by_the_rules() {
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    let token = server.token().await;

    // Transferred to Accounting Yes stops a cancellation: category 30.
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000004/cancel",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(
        (body["success"].clone(), category(&body)),
        (json!(false), "30".to_owned())
    );
    // A Created entry cannot be deleted.
    let (_, _, body) = server
        .call(
            Method::DELETE,
            "/v1/journal-entries/JE-00000001",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(category(&body), "30");
    // Cancel, then delete.
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000001/cancel",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(body, json!({"success": true}));
    let (_, _, body) = server
        .call(
            Method::DELETE,
            "/v1/journal-entries/JE-00000001",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(body, json!({"success": true}));
    let (_, _, body) = server.get("/v1/journal-entries/JE-00000001", &token).await;
    assert_eq!(category(&body), "40");

    // Notes and Transferred to Accounting.
    let update = json!({"notes": "checked", "transferredToAccounting": "Processing"});
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000002/basic-information",
            &token,
            &[],
            Some(&update),
        )
        .await;
    assert_eq!(body, json!({"success": true}));
    let (_, _, entry) = server.get("/v1/journal-entries/JE-00000002", &token).await;
    assert_eq!(entry["notes"], "checked");
    assert_eq!(entry["transferredToAccounting"], "Processing");
    assert_eq!(entry["success"], true);
    // Processing also stops a cancellation.
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000002/cancel",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(category(&body), "30");
    // The accounting integration finishes the transfer: Yes, stamped.
    let done = server
        .control("/entries/JE-00000002/transfer", Some(&json!({"to": "Yes"})))
        .await;
    assert_eq!(done["transferredToAccounting"], "Yes");
    let (_, _, entry) = server.get("/v1/journal-entries/JE-00000002", &token).await;
    assert_eq!(entry["transferredToAccounting"], "Yes");
    assert_eq!(entry["transferredBy"], "accounting integration");
    assert!(entry["transferDateTime"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));

    // Each change is one record of the run's log: Transferred to Accounting alone is no edit
    // of notes or custom fields besides, and a request that changes nothing records nothing.
    let log_length = || async {
        let log = server.control_get("/runs/JR-00000075/log").await;
        log.as_array().map_or(0, Vec::len)
    };
    for (update, added) in [
        (json!({"transferredToAccounting": "Processing"}), 1),
        (json!({}), 0),
    ] {
        let before = log_length().await;
        let (_, _, body) = server
            .call(
                Method::PUT,
                "/v1/journal-entries/JE-00000005/basic-information",
                &token,
                &[],
                Some(&update),
            )
            .await;
        assert_eq!(body, json!({"success": true}), "{update}");
        assert_eq!(log_length().await, before + added, "{update}");
    }

    // Notes over 2,000 characters, an unknown field, items: refused, nothing changes.
    let long = json!({"notes": "x".repeat(2001)});
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000003/basic-information",
            &token,
            &[],
            Some(&long),
        )
        .await;
    assert_eq!(category(&body), "20");
    let unknown = json!({"note": "typo"});
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000003/basic-information",
            &token,
            &[],
            Some(&unknown),
        )
        .await;
    assert_eq!(category(&body), "21");
    let items = json!({"journalEntryItems": []});
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000003/basic-information",
            &token,
            &[],
            Some(&items),
        )
        .await;
    assert_eq!(category(&body), "45");
    let (_, _, entry) = server.get("/v1/journal-entries/JE-00000003", &token).await;
    assert_eq!(entry["notes"], "January close, batch 3");
    let replay = server.control_get("/runs/JR-00000075/replay").await;
    assert_eq!(replay["equal"], true);
    server.stop().await;
}

#[tokio::test]
async fn bad_requests_get_zuoras_answers_and_change_nothing() {
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    let token = server.token().await;
    let before = server.control_get("/runs").await;

    // No token, a wrong token: 401 with category 11 and WWW-Authenticate.
    let response = server
        .http
        .put(server.url("/v1/journal-runs/JR-00000075/cancel"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-runs/JR-00000075/cancel",
            "not-a-token",
            &[],
            None,
        )
        .await;
    assert_eq!((status, category(&body)), (401, "11".to_owned()));
    // A malformed path number: 20; a malformed track id: 20.
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-runs/JR-75/cancel",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(category(&body), "20");
    let (_, headers, body) = server
        .call(
            Method::PUT,
            "/v1/journal-runs/JR-00000075/cancel",
            &token,
            &[("Zuora-Track-Id", "a:b")],
            None,
        )
        .await;
    assert_eq!(category(&body), "20");
    assert!(
        headers.get("zuora-track-id").is_none(),
        "an invalid track id is not echoed"
    );
    // Malformed JSON: 90. Unknown field: 21. Missing field: 22.
    let response = server
        .http
        .post(server.url("/v1/journal-runs"))
        .header("Authorization", format!("Bearer {token}"))
        .body("{\"journalEntryDate\": ")
        .send()
        .await
        .expect("sent");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(category(&body), "90");
    let (_, _, body) = server
        .call(Method::POST, "/v1/journal-runs", &token, &[], Some(&json!({"journalEntryDate": "2026-01-31", "transactionTypes": [{"type": "Invoice Item"}], "accountingPeriodName": "Jan-2026", "colour": "red"})))
        .await;
    assert_eq!(category(&body), "21");
    let (_, _, body) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(category(&body), "22");
    // Too large a body: 20.
    let response = server
        .http
        .post(server.url("/v1/journal-runs"))
        .header("Authorization", format!("Bearer {token}"))
        .body(vec![b' '; (1 << 20) + 1])
        .send()
        .await
        .expect("sent");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(category(&body), "20");
    // An unknown path: 40. A method the path does not support: 45. Not emulated: 45.
    let (_, headers, body) = server.get("/v1/journal-runz", &token).await;
    assert_eq!(category(&body), "40");
    assert_eq!(headers["zuora-request-id"].len(), 36);
    let (_, _, body) = server
        .call(
            Method::POST,
            "/v1/journal-runs/JR-00000075/cancel",
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(category(&body), "45");
    let (_, _, body) = server
        .call(
            Method::POST,
            "/v1/journal-entries",
            &token,
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(category(&body), "45");
    // Paging parameters: 27.
    let (_, _, body) = server
        .get(
            "/v1/journal-entries/journal-runs/JR-00000075?pageSize=301",
            &token,
        )
        .await;
    assert_eq!(category(&body), "27");

    let after = server.control_get("/runs").await;
    assert_eq!(before, after, "no refused request changed anything");
    server.stop().await;
}

#[tokio::test]
async fn large_answers_are_gzipped_and_gzipped_bodies_are_read() {
    use std::io::{Read, Write};
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    let token = server.token().await;
    let (_, headers, _) = server
        .call(
            Method::GET,
            "/v1/journal-entries/journal-runs/JR-00000075?pageSize=300",
            &token,
            &[("Accept-Encoding", "gzip")],
            None,
        )
        .await;
    assert_eq!(headers["content-encoding"], "gzip");
    let response = server
        .http
        .get(server.url("/v1/journal-entries/journal-runs/JR-00000075?pageSize=300"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("sent");
    let bytes = response.bytes().await.expect("a body");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gzip");
    let page: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(page["journalEntries"].as_array().map(Vec::len), Some(10));
    // A small answer is not gzipped.
    let (_, headers, _) = server
        .call(
            Method::GET,
            "/v1/journal-runs/JR-00000075",
            &token,
            &[("Accept-Encoding", "gzip")],
            None,
        )
        .await;
    assert!(headers.get("content-encoding").is_none());
    // A gzipped request body.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(br#"{"notes": "zipped"}"#).expect("gzip");
    let zipped = encoder.finish().expect("gzip");
    let response = server
        .http
        .put(server.url("/v1/journal-entries/JE-00000001/basic-information"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Encoding", "gzip")
        .body(zipped)
        .send()
        .await
        .expect("sent");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body, json!({"success": true}));
    let (_, _, entry) = server.get("/v1/journal-entries/JE-00000001", &token).await;
    assert_eq!(entry["notes"], "zipped");
    server.stop().await;
}

#[tokio::test]
async fn tokens_expire() {
    let mut config = manual();
    config.token_lifetime_secs = 1;
    let server = Server::start(config).await;
    server.load(&example(), None).await;
    let token = server.token().await;
    let (status, _, _) = server.get("/v1/journal-runs/JR-00000075", &token).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, body) = server.get("/v1/journal-runs/JR-00000075", &token).await;
    assert_eq!((status, category(&body)), (401, "11".to_owned()));
    // The control API expires tokens on demand.
    let fresh = server.token().await;
    let expired = server.control("/tokens/expire", None).await;
    assert_eq!(expired["expired"], 1);
    let (status, _, _) = server.get("/v1/journal-runs/JR-00000075", &fresh).await;
    assert_eq!(status, 401);
    server.stop().await;
}

/// Two clients: the first may cancel runs and sees entities `entity-a` and `entity-b`; the
/// second sees only `entity-b`, without the cancel permission. Jobs in manual mode.
fn two_entities() -> Config {
    manual_with(
        r#"
        [[clients]]
        client_id = "11111111-1111-4111-8111-111111111111"
        client_secret = "secret-one"
        caller = { permissions = ["Cancel Journal Run"], entities = ["entity-a", "entity-b"] }
        [[clients]]
        client_id = "22222222-2222-4222-8222-222222222222"
        client_secret = "secret-two"
        caller = { permissions = ["Edit Journal Entry"], entities = ["entity-b"] }
        "#,
    )
}

/// The status of JR-00000075 as `token` sees it with `Zuora-Entity-Ids: entity`, or the
/// error category of the answer.
async fn status_in(server: &Server, token: &str, entity: &str) -> String {
    let (_, _, body) = server
        .call(
            Method::GET,
            "/v1/journal-runs/JR-00000075",
            token,
            &[("Zuora-Entity-Ids", entity)],
            None,
        )
        .await;
    match body["status"].as_str() {
        Some(status) => status.to_owned(),
        None => format!("category {}", category(&body)),
    }
}

#[tokio::test]
async fn a_runs_entity_and_log_survive_a_restart_and_a_replaced_runs_log_is_not_replayed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = journal_run_server::config::Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: dir.path().join("zuora.db").display().to_string(),
        load: Vec::new(),
        config: two_entities(),
    };
    let server = Server::start_with(options.clone()).await;
    server.load(&example(), Some("entity-a")).await;
    server.cancel_example_in("entity-a").await;
    server.stop().await;

    let server = Server::start_with(options.clone()).await;
    let token = server.token().await;
    assert_eq!(
        status_in(&server, &token, "entity-a").await,
        "CancelInprogress"
    );
    assert_eq!(status_in(&server, &token, "entity-b").await, "category 40");
    // Loaded again, the run is replaced: the old run's log is not replayed on the new one.
    server.load(&example(), Some("entity-a")).await;
    assert_eq!(status_in(&server, &token, "entity-a").await, "Completed");
    server.stop().await;

    let server = Server::start_with(options).await;
    let token = server.token().await;
    assert_eq!(status_in(&server, &token, "entity-a").await, "Completed");
    server.stop().await;
}

#[tokio::test]
async fn a_replaced_run_keeps_none_of_its_old_entries() {
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    // JR-00000075 again, with its first three entries only.
    let mut fewer = example();
    fewer["journalEntries"]
        .as_array_mut()
        .expect("entries")
        .truncate(3);
    fewer["journalRun"]["totalJournalEntryCount"] = json!(3);
    server.load(&fewer, None).await;
    let token = server.token().await;
    let entry = |number: &'static str| {
        let (server, token) = (&server, &token);
        async move {
            let (_, _, body) = server
                .get(&format!("/v1/journal-entries/{number}"), token)
                .await;
            body
        }
    };
    assert_eq!(entry("JE-00000003").await["number"], "JE-00000003");
    assert_eq!(category(&entry("JE-00000010").await), "40");
    // Its old entries' numbers are free for another run.
    let mut other = example();
    other["journalRun"]["number"] = json!("JR-00000076");
    other["journalRun"]["totalJournalEntryCount"] = json!(1);
    other["journalEntries"] = json!([example()["journalEntries"][9].clone()]);
    server.load(&other, None).await;
    assert_eq!(entry("JE-00000010").await["number"], "JE-00000010");
    server.stop().await;
}

/// The runs held in the database file alone, read from a copy of it without its write-ahead
/// log (as a backup of the file taken while the server runs would hold them).
fn runs_in_file_alone(db: &std::path::Path, dir: &std::path::Path) -> Option<i64> {
    let copy = dir.join("copy.db");
    std::fs::copy(db, &copy).ok()?;
    let connection = rusqlite::Connection::open(&copy).ok()?;
    connection
        .query_row("SELECT count(*) FROM runs", [], |row| row.get(0))
        .ok()
}

#[tokio::test]
async fn an_idle_server_checkpoints_its_writes_into_the_database_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("zuora.db");
    let copies = tempfile::tempdir().expect("a temporary directory");
    let server = Server::start_with(journal_run_server::config::Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: db.display().to_string(),
        load: Vec::new(),
        config: manual(),
    })
    .await;
    server.load(&example(), None).await;
    // The writer checkpoints after 200 ms without a write; the commit itself is in the log.
    let mut seen = None;
    for _ in 0..100 {
        seen = runs_in_file_alone(&db, copies.path());
        if seen == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, Some(1), "the database file alone holds the run");
    server.stop().await;
}

/// A caller's orgs limit what it sees when the tenant has Multi-Org (the default): a client
/// limited to `org-9` does not see a run of `org-1`, and sees it in a tenant without Multi-Org,
/// where orgs are no setting at all.
#[tokio::test]
async fn a_callers_orgs_limit_what_it_sees_only_with_multi_org() {
    let config = |multi_org: bool| {
        let mut config = manual_with(
            r#"
            [[orgs]]
            id = "org-1"
            name = "EMEA"
            [[orgs]]
            id = "org-9"
            name = "APAC"
            [[clients]]
            client_id = "11111111-1111-4111-8111-111111111111"
            client_secret = "secret-one"
            caller = { permissions = ["Cancel Journal Run"], orgs = { only = ["org-9"] } }
            "#,
        );
        config.multi_org = multi_org;
        config
    };
    let mut run = example();
    run["journalRun"]["organizationLabels"] =
        json!([{"organizationId": "org-1", "organizationName": "EMEA"}]);
    for (multi_org, seen) in [(true, None), (false, Some("Completed"))] {
        let server = Server::start(config(multi_org)).await;
        server.load(&run, None).await;
        let token = server.token().await;
        let (_, _, body) = server.get("/v1/journal-runs/JR-00000075", &token).await;
        assert_eq!(
            body["status"].as_str(),
            seen,
            "multi_org = {multi_org}: {body}"
        );
        if seen.is_none() {
            assert_eq!(category(&body), "40", "{body}");
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn runs_are_scoped_by_entity() {
    let server = Server::start(two_entities()).await;
    server.load(&example(), Some("entity-a")).await;
    let token = server.token().await;
    let (_, _, body) = server
        .call(
            Method::GET,
            "/v1/journal-runs/JR-00000075",
            &token,
            &[("Zuora-Entity-Ids", "entity-b")],
            None,
        )
        .await;
    assert_eq!(category(&body), "40");
    let (_, _, body) = server
        .call(
            Method::GET,
            "/v1/journal-runs/JR-00000075",
            &token,
            &[("Zuora-Entity-Ids", "entity-a")],
            None,
        )
        .await;
    assert_eq!(body["status"], "Completed");
    let (_, _, body) = server.get("/v1/journal-runs/JR-00000075", &token).await;
    assert_eq!(category(&body), "22");
    let (_, _, body) = server
        .call(
            Method::GET,
            "/v1/journal-entries/JE-00000001",
            &token,
            &[("Zuora-Entity-Ids", "entity-b")],
            None,
        )
        .await;
    assert_eq!(category(&body), "40");
    // The second client: one entity, no cancel permission.
    let other = server
        .token_for("22222222-2222-4222-8222-222222222222", "secret-two")
        .await;
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-runs/JR-00000075/cancel",
            &other,
            &[],
            None,
        )
        .await;
    assert_eq!(category(&body), "10");
    assert!(body["reasons"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("\"Cancel Journal Run\""));
    let (_, _, body) = server.get("/v1/journal-runs/JR-00000075", &other).await;
    assert_eq!(
        category(&body),
        "40",
        "entity-b's only token does not see entity-a's run"
    );
    server.stop().await;
}

/// An org label given by its name only is the configured org of that name, not another.
#[tokio::test]
async fn an_org_label_given_by_name_is_the_org_of_that_name() {
    let config = manual_with(
        r#"
        [[orgs]]
        id = "org-1"
        name = "EMEA"
        [[orgs]]
        id = "org-2"
        name = "APAC"
        "#,
    );
    let server = Server::start(config).await;
    let token = server.token().await;
    let request = json!({
        "journalEntryDate": "2026-01-31",
        "accountingPeriodName": "Jan-2026",
        "transactionTypes": [{"type": "Invoice Item"}],
        "organizationLabels": [{"organizationName": "APAC"}]
    });
    let (_, _, body) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&request),
        )
        .await;
    assert_eq!(body["success"], true, "{body}");
    let (_, _, run) = server.get("/v1/journal-runs/JR-00000001", &token).await;
    assert_eq!(
        run["organizationLabels"],
        json!([{"organizationId": "org-2", "organizationName": "APAC"}])
    );
    server.stop().await;
}

#[tokio::test]
async fn idempotency_keys_replay_the_first_answer() {
    // Two clients of the same user (every permission).
    let config = manual_with(
        r#"
        [[clients]]
        client_id = "11111111-1111-4111-8111-111111111111"
        client_secret = "secret-one"
        [[clients]]
        client_id = "22222222-2222-4222-8222-222222222222"
        client_secret = "secret-two"
        "#,
    );
    let server = Server::start(config).await;
    let token = server.token().await;
    let request = json!({"journalEntryDate": "2026-01-31", "accountingPeriodName": "Jan-2026", "transactionTypes": [{"type": "Invoice Item"}]});
    let (s1, h1, b1) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[("Idempotency-Key", "k-1")],
            Some(&request),
        )
        .await;
    let (s2, h2, b2) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[("Idempotency-Key", "k-1")],
            Some(&request),
        )
        .await;
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(b1["journalRunNumber"], "JR-00000001");
    assert_eq!(
        h1["zuora-request-id"], h2["zuora-request-id"],
        "the saved headers are returned"
    );
    // Another key is another request: refused by the tenant rule, and saved too.
    let (_, _, b3) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[("Idempotency-Key", "k-2")],
            Some(&request),
        )
        .await;
    assert_eq!(category(&b3), "30");
    let (_, _, b4) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[("Idempotency-Key", "k-2")],
            Some(&request),
        )
        .await;
    assert_eq!(b3, b4);
    let (_, _, long) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[("Idempotency-Key", &"k".repeat(255))],
            Some(&request),
        )
        .await;
    assert_eq!(category(&long), "20");
    // The key with another path: 422, said so; nothing is carried out.
    let (status, _, other_path) = server
        .call(
            Method::POST,
            "/v1/journal-entries",
            &token,
            &[("Idempotency-Key", "k-1")],
            Some(&request),
        )
        .await;
    assert_eq!((status, category(&other_path)), (422, "20".to_owned()));
    assert_eq!(
        other_path["reasons"][0]["message"],
        "this Idempotency-Key was used with another method or path"
    );
    // A key is its client's own: the other client's k-1 is a request of its own (refused by
    // the tenant rule, JR-00000001 being pending), not the first client's answer.
    let second = server
        .token_for("22222222-2222-4222-8222-222222222222", "secret-two")
        .await;
    let (_, h5, b5) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &second,
            &[("Idempotency-Key", "k-1")],
            Some(&request),
        )
        .await;
    assert_eq!(category(&b5), "30", "{b5}");
    assert_ne!(h5["zuora-request-id"], h1["zuora-request-id"]);
    // A reset forgets the saved answers (and the tokens): k-1 is carried out anew.
    server.control("/reset", None).await;
    let token = server.token().await;
    let (_, h6, b6) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[("Idempotency-Key", "k-1")],
            Some(&request),
        )
        .await;
    assert_eq!(b6["journalRunNumber"], "JR-00000001", "{b6}");
    assert_ne!(
        h6["zuora-request-id"], h1["zuora-request-id"],
        "not a replay"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_respect_the_rules() {
    let server = std::sync::Arc::new(Server::start(manual()).await);
    server.load(&example(), None).await;
    let token = server.token().await;
    // 32 concurrent cancels of one run: exactly one is accepted.
    let cancels = (0..32).map(|_| {
        let server = server.clone();
        let token = token.clone();
        tokio::spawn(async move {
            server
                .call(
                    Method::PUT,
                    "/v1/journal-runs/JR-00000075/cancel",
                    &token,
                    &[],
                    None,
                )
                .await
                .2
        })
    });
    let mut accepted = 0;
    for answer in cancels {
        let body = answer.await.expect("the task ends");
        if body["success"] == true {
            accepted += 1;
        } else {
            assert_eq!(category(&body), "30");
        }
    }
    assert_eq!(accepted, 1);
    // 32 concurrent creates: exactly one (a pending run blocks the others).
    let request = json!({"journalEntryDate": "2026-01-31", "accountingPeriodName": "Jan-2026", "transactionTypes": [{"type": "Invoice Item"}]});
    let creates = (0..32).map(|_| {
        let server = server.clone();
        let token = token.clone();
        let request = request.clone();
        tokio::spawn(async move {
            server
                .call(
                    Method::POST,
                    "/v1/journal-runs",
                    &token,
                    &[],
                    Some(&request),
                )
                .await
                .2
        })
    });
    let mut created = Vec::new();
    for answer in creates {
        let body = answer.await.expect("the task ends");
        if body["success"] == true {
            created.push(body["journalRunNumber"].clone());
        }
    }
    assert_eq!(created.len(), 1, "{created:?}");
    let runs = server.control_get("/runs").await;
    assert_eq!(runs.as_array().map(Vec::len), Some(2));
}

/// The example run renumbered `run`, with only its first entry, renumbered `entry`.
fn one_entry_run(run: &str, entry: &str) -> Value {
    let mut snapshot = example();
    snapshot["journalRun"]["number"] = json!(run);
    snapshot["journalRun"]["totalJournalEntryCount"] = json!(1);
    let mut first = snapshot["journalEntries"][0].clone();
    first["number"] = json!(entry);
    first["journalRunNumber"] = json!(run);
    snapshot["journalEntries"] = json!([first]);
    snapshot
}

/// Numbers end at `u64`'s end (D-30): after the last run number, a create request is refused
/// as an operation not emulated, saying so (it read "JR-18446744073709551615 already exists");
/// processing that cannot number all its entries creates those it can and ends in Error (it
/// created none and completed, or overflowed).
#[tokio::test]
async fn numbers_end_at_the_end_of_their_range_and_say_so() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let request = json!({
        "journalEntryDate": "2026-01-31",
        "accountingPeriodName": "Jan-2026",
        "transactionTypes": [{"type": "Invoice Item"}]
    });
    let last_entry = "JE-18446744073709551613";
    server
        .load(&one_entry_run("JR-00000005", last_entry), None)
        .await;
    let (_, _, created) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&request),
        )
        .await;
    assert_eq!(created["journalRunNumber"], "JR-00000006", "{created}");
    let finished = server.control("/runs/JR-00000006/job/finish", None).await;
    assert_eq!(finished["status"], "Error", "{finished}");
    let entries = all_entries(&server, &token, "JR-00000006", 300).await;
    let numbers: Vec<&str> = entries
        .iter()
        .map(|e| e["number"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        numbers,
        ["JE-18446744073709551614", "JE-18446744073709551615"]
    );

    server
        .load(
            &one_entry_run("JR-18446744073709551615", "JE-00000001"),
            None,
        )
        .await;
    let (_, _, refused) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&request),
        )
        .await;
    assert_eq!(category(&refused), "45", "{refused}");
    assert_eq!(
        refused["reasons"][0]["message"],
        "creating a journal run after JR-18446744073709551615, the last number is not emulated here"
    );
    server.stop().await;
}
