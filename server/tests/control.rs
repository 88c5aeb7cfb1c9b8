//! The control API's guard: loopback callers only, unless the config allows remote ones, who
//! must then send the control token. Driven in-process through the router, with the peer's
//! address set by `MockConnectInfo`.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use journal_run_server::config::{Config, Options};
use serde_json::json;
use tower::ServiceExt;

async fn status(config: Config, peer: &str, authorization: Option<&str>, path: &str) -> StatusCode {
    let peer: SocketAddr = peer.parse().expect("a peer");
    let (router, _) = common::router_from(config, Vec::new(), peer).await;
    let headers: Vec<(&str, &str)> = authorization
        .map(|value| ("Authorization", value))
        .into_iter()
        .collect();
    common::oneshot(&router, "GET", path, &headers, Vec::new())
        .await
        .0
}

fn remote(token: Option<&str>) -> Config {
    let mut config = Config::default();
    config.control.allow_remote = true;
    config.control.token = token.map(str::to_owned);
    config
}

#[tokio::test]
async fn the_control_api_answers_loopback_and_remote_callers_with_the_token_only() {
    let health = "/_control/health";
    assert_eq!(
        status(Config::default(), "127.0.0.1:40000", None, health).await,
        StatusCode::OK
    );
    assert_eq!(
        status(Config::default(), "[::1]:40000", None, health).await,
        StatusCode::OK
    );
    assert_eq!(
        status(Config::default(), "10.1.2.3:40000", None, health).await,
        StatusCode::FORBIDDEN
    );
    // Allowed remote callers need the token; without a configured token, none is let in.
    assert_eq!(
        status(remote(Some("s3cret")), "10.1.2.3:40000", None, health).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(
            remote(Some("s3cret")),
            "10.1.2.3:40000",
            Some("Bearer wrong"),
            health
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(
            remote(Some("s3cret")),
            "10.1.2.3:40000",
            Some("Bearer s3cret"),
            health
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        status(remote(None), "10.1.2.3:40000", Some("Bearer "), health).await,
        StatusCode::FORBIDDEN
    );
    // Zuora's paths are not guarded by it: a remote caller gets Zuora's 401 without a token.
    assert_eq!(
        status(
            Config::default(),
            "10.1.2.3:40000",
            None,
            "/v1/journal-runs/JR-00000001"
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_control_api_answers_malformed_paths_and_queries_in_json() {
    let started = journal_run_server::start(Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: ":memory:".to_owned(),
        load: Vec::new(),
        config: Config::default(),
    })
    .await
    .expect("the server starts");
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("a peer");
    let router = journal_run_server::router(started.app()).layer(MockConnectInfo(peer));
    for uri in [
        "/_control/runs/JR-00000001?colour=red",
        "/_control/runs/JR-1",
        "/_control/runs/JR-00000001/job/jump",
    ] {
        let response = router
            .clone()
            .oneshot(
                Request::builder()
                    .uri(uri)
                    .method(if uri.contains("job") { "POST" } else { "GET" })
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("an answer");
        assert!(
            response.status().is_client_error(),
            "{uri}: {}",
            response.status()
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{uri}: {e}: {bytes:?}"));
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{uri}: {body}"
        );
    }
}

/// A router over a fresh server with the documented example loaded, seen from `peer`.
async fn loaded_router(config: Config, peer: &str) -> axum::Router {
    let example = common::repo("examples/jr-00000075.json");
    let peer: SocketAddr = peer.parse().expect("a peer");
    common::router_from(config, vec![example], peer).await.0
}

use common::oneshot as send;

async fn runs(router: &axum::Router) -> u64 {
    let (_, _, health) = send(router, "GET", "/_control/health", &[], Vec::new()).await;
    health["runs"].as_u64().expect("a count")
}

#[tokio::test]
async fn state_changing_control_requests_from_another_site_are_refused() {
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    let snapshot = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/jr-00000075.json"
    ))
    .expect("the example");
    let requests: [(&str, Vec<u8>); 6] = [
        ("/_control/reset", Vec::new()),
        (
            "/_control/entries/JE-00000001/transfer",
            br#"{"to":"Processing"}"#.to_vec(),
        ),
        ("/_control/jobs/pause", Vec::new()),
        ("/_control/tokens/expire", Vec::new()),
        ("/_control/runs", snapshot),
        ("/_control/runs/JR-00000075/job/step", Vec::new()),
    ];
    let evil = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", "https://evil.example"),
        ("Content-Type", "text/plain"),
    ];
    // A browser without Sec-Fetch-Site: its Origin.
    let evil_origin = [
        ("Origin", "https://evil.example"),
        ("Host", "127.0.0.1:8080"),
    ];
    for (path, body) in &requests {
        for headers in [
            &evil[..],
            &evil_origin[..],
            &[("Sec-Fetch-Site", "same-site")][..],
        ] {
            let (status, _, answer) = send(&router, "POST", path, headers, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{path} {headers:?}: {answer}"
            );
            assert_eq!(
                answer["error"],
                "the control API's changes are taken only from this server's own page or from \
                 clients that are not browsers, not from another site",
                "{path}"
            );
        }
    }
    // Nothing was done: the run is there, its entry not transferred, the jobs not paused.
    assert_eq!(runs(&router).await, 1);
    let (_, _, listed) = send(&router, "GET", "/_control/runs", &[], Vec::new()).await;
    assert_eq!(listed[0]["status"], "Completed");
    // Reads from another site are not changes; curl (no Origin) and the page itself may change.
    let (status, _, _) = send(&router, "GET", "/_control/runs", &evil, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, answer) = send(
        &router,
        "POST",
        "/_control/jobs/pause",
        &[("Sec-Fetch-Site", "same-origin")],
        Vec::new(),
    )
    .await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"paused": true})));
    let (status, _, answer) = send(&router, "POST", "/_control/reset", &[], Vec::new()).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"reset": true})));
    assert_eq!(runs(&router).await, 0);
}

#[tokio::test]
async fn control_requests_addressed_to_another_host_name_are_refused_on_loopback() {
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    for host in [
        "evil.example",
        "evil.example:8080",
        "localhost.evil.example:80",
    ] {
        for (method, path) in [
            ("GET", "/_control/health"),
            ("GET", "/_control/"),
            ("POST", "/_control/reset"),
        ] {
            let (status, _, answer) =
                send(&router, method, path, &[("Host", host)], Vec::new()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{host} {path}");
            if path != "/_control/" {
                assert_eq!(
                    answer["error"],
                    "the control API answers requests addressed to localhost, 127.0.0.1 or [::1] \
                     only (the Host header)"
                );
            }
        }
    }
    assert_eq!(runs(&router).await, 1, "nothing was reset");
    for host in [
        "localhost",
        "localhost:8080",
        "127.0.0.1:8080",
        "[::1]:8080",
        "[::1]",
    ] {
        let (status, _, _) = send(
            &router,
            "GET",
            "/_control/health",
            &[("Host", host)],
            Vec::new(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{host}");
    }
    // Zuora's paths are not the control API's: any Host.
    let (status, _, _) = send(
        &router,
        "GET",
        "/v1/journal-runs/JR-00000075",
        &[("Host", "evil.example")],
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Remote callers allowed: they address the server by whatever name reaches it.
    let router = loaded_router(remote(Some("s3cret")), "10.1.2.3:40000").await;
    let (status, _, _) = send(
        &router,
        "GET",
        "/_control/health",
        &[
            ("Host", "zuora.test:8080"),
            ("Authorization", "Bearer s3cret"),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // With remote callers allowed, a loopback caller without the token is still held to a
    // loopback name: a page on a name rebound to 127.0.0.1 is one (it reset the state).
    let router = loaded_router(remote(Some("s3cret")), "127.0.0.1:40000").await;
    let rebound = [
        ("Host", "rebind.evil.example:8080"),
        ("Origin", "http://rebind.evil.example:8080"),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    for (method, path) in [("GET", "/_control/runs"), ("POST", "/_control/reset")] {
        let (status, _, _) = send(&router, method, path, &rebound, Vec::new()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(runs(&router).await, 1, "nothing was reset");
    let (status, _, _) = send(
        &router,
        "GET",
        "/_control/health",
        &[("Host", "127.0.0.1:8080")],
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "a loopback name from loopback");
}

/// The documented example with `entries` copies of its first entry (JE-00000001 on).
fn large_snapshot(entries: u64) -> Vec<u8> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/jr-00000075.json"
    ))
    .expect("the example");
    let mut snapshot: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let first = snapshot["journalEntries"][0].clone();
    let copies: Vec<serde_json::Value> = (1..=entries)
        .map(|n| {
            let mut entry = first.clone();
            entry["number"] = json!(format!("JE-{n:08}"));
            entry
        })
        .collect();
    snapshot["journalEntries"] = json!(copies);
    snapshot["journalRun"]["totalJournalEntryCount"] = json!(entries);
    serde_json::to_vec(&snapshot).expect("JSON")
}

#[tokio::test]
async fn a_snapshot_over_2_mib_is_loaded_and_an_oversized_body_is_refused_in_json() {
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    let body = large_snapshot(3_000);
    assert!(body.len() > 2 << 20, "{} bytes", body.len());
    let (status, _, answer) = send(&router, "POST", "/_control/runs", &[], body).await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({"loaded": "JR-00000075"}))
    );
    let (status, _, exported) = send(
        &router,
        "GET",
        "/_control/runs/JR-00000075",
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        exported["journalEntries"].as_array().map(Vec::len),
        Some(3_000)
    );
    // The other control bodies are small: over 64 KiB is refused, in the control API's form.
    let (status, _, answer) = send(
        &router,
        "PUT",
        "/_control/processing",
        &[],
        vec![b' '; 64 * 1024 + 1],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        answer["error"],
        "the body is larger than the control API's limit of 65536 bytes"
    );
}

/// A snapshot saved by a tool that writes a UTF-8 byte order mark first is loaded as the same
/// file without it (the rule of the command-line tool, `journal_run::words::text_start`).
#[tokio::test]
async fn a_snapshot_that_starts_with_a_byte_order_mark_is_loaded() {
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    let export = |router| async move {
        send(router, "GET", "/_control/runs/JR-00000075", &[], Vec::new()).await
    };
    let (_, _, before) = export(&router).await;
    let text = std::fs::read(common::repo("examples/jr-00000075.json")).expect("the example");
    let (status, _, answer) = send(
        &router,
        "POST",
        "/_control/runs",
        &[],
        [&b"\xEF\xBB\xBF"[..], &text].concat(),
    )
    .await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({"loaded": "JR-00000075"}))
    );
    let (status, _, after) = export(&router).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["journalEntries"].as_array().map(Vec::len), Some(10));
    assert_eq!(after, before);
}

#[tokio::test]
async fn control_faults_are_said_in_json_words() {
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    let cases: [(&str, &str, &str, StatusCode, &str); 13] = [
        // A byte order mark at the start is passed over: columns count from after it.
        (
            "POST",
            "/_control/tokens/expire",
            "\u{feff}nope",
            StatusCode::BAD_REQUEST,
            "the body is not valid JSON at line 1, column 2",
        ),
        (
            "POST",
            "/_control/runs",
            "{\0\"\0j\0",
            StatusCode::BAD_REQUEST,
            "the snapshot: the text is in UTF-16LE, not in UTF-8, the encoding of JSON (RFC \
             8259, section 8.1): convert it first, for example with `iconv -f UTF-16LE -t UTF-8`",
        ),
        (
            "PUT",
            "/_control/processing",
            r#"{"entries":"x"}"#,
            StatusCode::BAD_REQUEST,
            "entries: expected a whole number from 0 to 100000, found the string `x`",
        ),
        (
            "PUT",
            "/_control/processing",
            r#"{"entries":-1}"#,
            StatusCode::BAD_REQUEST,
            "entries: expected a whole number from 0 to 100000, found the number -1",
        ),
        (
            "PUT",
            "/_control/processing",
            r#"{"entries":1,"colour":"red"}"#,
            StatusCode::BAD_REQUEST,
            "unknown field `colour`; expected `entries` or `fail`",
        ),
        (
            "POST",
            "/_control/tokens/expire",
            "nope",
            StatusCode::BAD_REQUEST,
            "the body is not valid JSON at line 1, column 2",
        ),
        (
            "POST",
            "/_control/tokens/expire",
            r#"{"token":"#,
            StatusCode::BAD_REQUEST,
            "the body ends before its JSON value does, at line 1, column 9",
        ),
        (
            "POST",
            "/_control/runs",
            r#"{"journalRun":5}"#,
            StatusCode::BAD_REQUEST,
            "the snapshot: journalRun: expected a journal run (GETJournalRunType): an object \
             with `number` and `status`, found the number 5",
        ),
        (
            "POST",
            "/_control/runs",
            "",
            StatusCode::BAD_REQUEST,
            "the snapshot: the body is empty; expected a snapshot: an object with `journalRun` \
             and `journalEntries`",
        ),
        (
            "POST",
            "/_control/entries/JE-00000001/transfer",
            r#"{"to":true}"#,
            StatusCode::BAD_REQUEST,
            "to: expected a string, found true",
        ),
        (
            "GET",
            "/_control/runs/JR-00000075?foo=1",
            "",
            StatusCode::BAD_REQUEST,
            "unknown query parameter `foo`; expected `entity`",
        ),
        (
            "GET",
            "/_control/runs/JR-00000075/log?entity=a&entity=b",
            "",
            StatusCode::BAD_REQUEST,
            "the query parameter `entity` is given more than once",
        ),
        (
            "POST",
            "/_control/runs/JR-00000075/job/jump%1b",
            "",
            StatusCode::NOT_FOUND,
            "no job action \"jump\\u{1b}\": use step, finish, pause or resume",
        ),
    ];
    for (method, uri, body, status, error) in cases {
        let answer = send(&router, method, uri, &[], body.as_bytes().to_vec()).await;
        assert_eq!(
            (answer.0, answer.2),
            (status, json!({ "error": error })),
            "{method} {uri} {body}"
        );
    }
}

#[tokio::test]
async fn unknown_control_paths_and_methods_are_answered_in_json() {
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    let (status, headers, answer) = send(&router, "GET", "/_control/nope", &[], Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("application/json")));
    assert_eq!(
        answer["error"],
        "no such control path `/_control/nope`; docs/SERVER.md lists the control API's paths"
    );
    // A path is quoted escaped (as it was sent, percent-encoded) and clipped.
    let long = format!("/_control/{}", "x".repeat(300));
    let (_, _, answer) = send(&router, "GET", &long, &[], Vec::new()).await;
    let error = answer["error"].as_str().expect("an error");
    assert!(
        error.contains(&format!("`/_control/{}`", "x".repeat(118))),
        "{error}"
    );
    assert!(!error.contains(&"x".repeat(119)), "{error}");
    // The router's own refusals: a page's file that is not there, a path parameter that is
    // not UTF-8 once decoded.
    let (status, _, answer) = send(
        &router,
        "GET",
        "/_control/page/assets/other.js",
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        answer["error"],
        "no such control path `/_control/page/assets/other.js`; docs/SERVER.md lists the \
         control API's paths"
    );
    let (status, _, answer) = send(&router, "GET", "/_control/runs/%FF", &[], Vec::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["error"],
        "this request's path, query or form is not one this control path takes"
    );
    // A method the path does not answer: 405, `Allow`, and the control API's form.
    let (status, headers, answer) = send(
        &router,
        "GET",
        "/_control/runs/JR-00000075/job/step",
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "POST");
    assert_eq!(
        answer["error"],
        "this control path does not answer this method; the Allow header lists the ones it does"
    );
    // The guard comes first: a remote caller learns nothing of the paths.
    let router = loaded_router(Config::default(), "10.1.2.3:40000").await;
    let (status, _, _) = send(&router, "GET", "/_control/nope", &[], Vec::new()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[test]
fn allow_remote_without_a_token_is_refused_when_the_config_is_read() {
    let expected = "line 2: [control] allow_remote = true needs a non-empty `token`: remote \
                    callers must send it as `Authorization: Bearer <token>`";
    for text in [
        "[control]\nallow_remote = true\n",
        "[control]\nallow_remote = true\ntoken = \"\"\n",
    ] {
        let error = Config::from_toml(text).err().map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some(expected), "{text}");
    }
    let config = Config::from_toml("[control]\nallow_remote = true\ntoken = \"s3cret\"\n")
        .expect("a config");
    assert_eq!(config.control.token.as_deref(), Some("s3cret"));
}

/// `token_lifetime_secs` and `max_body_bytes` are taken up to their bounds, and refused one
/// over, naming the key and the bound (the words docs/SERVER.md gives).
#[test]
fn config_bounds_take_their_largest_value_and_refuse_one_more() {
    let lifetime = journal_run_server::config::MAX_TOKEN_LIFETIME_SECS;
    let body = journal_run_server::config::MAX_BODY_BYTES;
    let config = Config::from_toml(&format!(
        "token_lifetime_secs = {lifetime}\nmax_body_bytes = {body}\n"
    ))
    .expect("the bounds themselves are accepted");
    assert_eq!(
        (config.token_lifetime_secs, config.max_body_bytes),
        (31_536_000, 1 << 30)
    );
    for (text, expected) in [
        (
            format!("token_lifetime_secs = {}\n", lifetime + 1),
            "line 1: token_lifetime_secs = 31536001 is over the largest accepted, 31536000",
        ),
        (
            format!("max_body_bytes = {}\n", body + 1),
            "line 1: max_body_bytes = 1073741825 is over the largest accepted, 1073741824",
        ),
    ] {
        let error = Config::from_toml(&text).err().map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some(expected), "{text}");
    }
}

/// A client whose `user` is not given writes transfers as `api-user` (docs/SERVER.md).
#[test]
fn a_client_without_a_user_is_api_user() {
    let config = Config::from_toml(
        "[[clients]]\nclient_id = \"11111111-1111-4111-8111-111111111111\"\n\
         client_secret = \"s\"\n",
    )
    .expect("a config");
    assert_eq!(config.clients[0].user, "api-user");
}

/// The config file's faults say where (the line; the key's path) and what, in words: never
/// the TOML reader's serde text ("invalid type: integer `-1`, expected usize"), a Rust type's
/// name, or a picture over several lines (D-41).
#[test]
fn config_file_faults_name_their_line_and_key_without_rust_types() {
    let cases = [
        (
            "max_body_bytes = -1\n",
            "line 1: max_body_bytes: expected a whole number of at least 0, found the number -1",
        ),
        (
            "multi_org = true\n[jobs]\nmode = \"fast\"\n",
            "line 3: jobs.mode: expected `auto` or `manual`, found `fast`",
        ),
        (
            "[[clients]]\nclient_id = \"a\"\nclient_secret = \"b\"\n[[clients]]\nclient_id = 5\n",
            "line 5: clients[1].client_id: expected a string, found the number 5",
        ),
        (
            "\n[[clients]]\nclient_id = \"a\"\n",
            "line 2: clients[0]: the field `client_secret` is missing",
        ),
        (
            "[processing]\nentries = 4294967296\n",
            "line 2: processing.entries: expected a whole number from 0 to 100000, found the number 4294967296",
        ),
        (
            "processing = 3\n",
            "line 1: processing: expected an object, found the number 3",
        ),
        (
            "colour = 1\n",
            "line 1: unknown field `colour`; expected one of `clients`, `multi_entity`, `multi_org`, \
             `orgs`, `http_status_mapping`, `token_lifetime_secs`, `max_body_bytes`, `jobs`, \
             `processing`, `control`",
        ),
        (
            "a = 1\n  b = \"\n",
            "line 2, column 8: invalid basic string, expected `\"`",
        ),
        ("[jobs]\n[jobs]\n", "line 2, column 2: duplicate key"),
        // An id given twice: which item holds would be a guess.
        (
            "[[clients]]\nclient_id = \"a\"\nclient_secret = \"b\"\n[[clients]]\nclient_id = \"a\"\nclient_secret = \"c\"\n",
            "line 5: clients[1].client_id `a` is clients[0]'s too; each must be given once",
        ),
        (
            "[[orgs]]\nid = \"o\"\nname = \"A\"\n[[orgs]]\nid = \"o\"\nname = \"B\"\n",
            "line 5: orgs[1].id `o` is orgs[0]'s too; each must be given once",
        ),
        // An unknown key is placed at its own line, not its table's.
        (
            "[jobs]\nmode = \"auto\"\n\n[processing]\nentries = 3\n\n[jobs.extra]\nx = 1\n",
            "line 7: jobs: unknown field `extra`; expected `mode` or `step_interval_ms`",
        ),
        // A table given as an array is refused, not read by position (`[true, "t"]` would
        // have turned on remote control).
        (
            "multi_org = true\ncontrol = [true, \"t\"]\n",
            "line 2: control: expected an object, found an array",
        ),
        (
            "[jobs]\nmode = { manual = [] }\n",
            "line 2: jobs.mode.manual: expected null, found an array",
        ),
        (
            "max_body_bytes = 18446744073709551616\n",
            "line 1: max_body_bytes: found the number 18446744073709551616, which no key of the \
             config takes",
        ),
        (
            "token_lifetime_secs = 0\n",
            "line 1: token_lifetime_secs = 0 is under the smallest accepted, 1",
        ),
    ];
    for (text, expected) in cases {
        let error = Config::from_toml(text).err().map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some(expected), "{text}");
    }
    // A file that is not UTF-8 says where, not std's "stream did not contain valid UTF-8".
    let error = Config::from_file(b"multi_org = true\n# caf\xff\n")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("line 2, column 6: invalid UTF-8 at byte offset 22: a TOML file is UTF-8 text")
    );
}

/// Config files of known and unknown keys, in any order, holding values of every TOML kind: a
/// fault never shows serde's text, a Rust type's name or a line break, and the line it names
/// holds its key (or the header of the table it names).
mod config_faults {
    use super::Config;
    use proptest::prelude::*;

    const VALUES: &[&str] = &[
        "[true, \"t\"]",
        "[]",
        "{ manual = [] }",
        "-1",
        "0",
        "7",
        "4294967296",
        "18446744073709551615",
        "9223372036854775807",
        "1.5",
        "nan",
        "-inf",
        "0xffffffffffffffffffffffffffffffffff",
        "true",
        "\"x\"",
        "\"auto\"",
        "\"rest\"",
        "[1, 2]",
        "{ a = 1 }",
        "1979-05-27",
        "07:32:00",
    ];
    const TOP: &[&str] = &[
        "multi_entity",
        "multi_org",
        "http_status_mapping",
        "token_lifetime_secs",
        "max_body_bytes",
        "colour",
    ];
    const TABLES: &[(&str, &[&str])] = &[
        ("jobs", &["mode", "step_interval_ms", "speed"]),
        ("processing", &["entries", "fail"]),
        ("control", &["allow_remote", "token"]),
        ("paint", &["x"]),
    ];

    fn document() -> impl Strategy<Value = String> {
        let pair = |keys: &'static [&'static str]| {
            (prop::sample::select(keys), prop::sample::select(VALUES))
                .prop_map(|(key, value)| format!("{key} = {value}\n"))
        };
        let table = prop::sample::select(TABLES).prop_flat_map(move |(name, keys)| {
            prop::collection::vec(pair(keys), 0..3)
                .prop_map(move |pairs| format!("[{name}]\n{}", pairs.concat()))
        });
        (
            prop::collection::vec(pair(TOP), 0..3),
            prop::collection::vec(table, 0..3),
        )
            .prop_map(|(top, tables)| format!("{}{}", top.concat(), tables.concat()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_fault_is_in_words_on_one_line_at_its_key(text in document()) {
            let Err(error) = Config::from_toml(&text) else {
                return Ok(());
            };
            let message = error.to_string();
            for rust in ["usize", "u64", "u32", "i64", "invalid type", "invalid value", "TOML parse error", "\n"] {
                prop_assert!(!message.contains(rust), "{message:?} for\n{text}");
            }
            // "line N: path: what", the path's last key on that line.
            if let Some((line, rest)) = message
                .strip_prefix("line ")
                .and_then(|m| m.split_once(": "))
                .filter(|(line, _)| !line.contains(','))
            {
                let line: usize = line.parse().map_err(|_| TestCaseError::fail(message.clone()))?;
                // (A bound's fault: "key = value is over ...".)
                let head = rest.split(": ").next().unwrap_or_default();
                let path = head.split(" = ").next().unwrap_or_default();
                let key = path.rsplit(['.', ' ']).next().unwrap_or_default();
                // (An unknown key is placed at its own line.)
                let key = message
                    .split("unknown field `")
                    .nth(1)
                    .and_then(|rest| rest.split('`').next())
                    .unwrap_or(key);
                let held = text.lines().nth(line - 1).unwrap_or_default();
                prop_assert!(
                    held.contains(&format!("{key} =")) || held == format!("[{key}]"),
                    "{message:?}: line {line} is {held:?} in\n{text}"
                );
            }
        }
    }
}

/// What processing creates is bounded, in the config file and through the control API alike:
/// 100,000 entries for one run at most (D-40), not the four billion a `u32` holds, which
/// would hold the tenant's lock for minutes and take hundreds of gigabytes.
#[tokio::test]
async fn processing_creates_at_most_100000_entries_a_run() {
    let error = Config::from_toml("[processing]\nentries = 100001\n")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("line 2: processing.entries = 100001 is over the largest accepted, 100000")
    );
    assert!(Config::from_toml("[processing]\nentries = 100000\n").is_ok());
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    let put = |entries: u64| {
        let router = router.clone();
        async move {
            let body = json!({"entries": entries, "fail": false}).to_string();
            send(
                &router,
                "PUT",
                "/_control/processing",
                &[],
                body.into_bytes(),
            )
            .await
        }
    };
    let (status, _, answer) = put(4_294_967_295).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        answer["error"],
        "entries: processing.entries = 4294967295 is over the largest accepted, 100000"
    );
    let (_, _, now) = send(&router, "GET", "/_control/processing", &[], Vec::new()).await;
    assert_eq!(now["entries"], 10, "a refused setting changes nothing");
    let (status, _, answer) = put(100_000).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["entries"], 100_000);
}

/// A control body is an object: an array is refused as what it is, not read as the fields in
/// order (`[5, true]` set `{"entries": 5, "fail": true}`; `["Processing"]` transferred).
#[tokio::test]
async fn a_control_body_that_is_an_array_is_refused() {
    let router = loaded_router(Config::default(), "127.0.0.1:40000").await;
    for (method, path, body) in [
        ("PUT", "/_control/processing", "[5, true]"),
        ("PUT", "/_control/processing", "[5, true, 7]"),
        (
            "POST",
            "/_control/entries/JE-00000001/transfer",
            r#"["Processing"]"#,
        ),
        ("POST", "/_control/tokens/expire", r#"["x"]"#),
    ] {
        let (status, _, answer) = send(&router, method, path, &[], body.as_bytes().to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {answer}");
        assert_eq!(
            answer["error"], "expected an object, found an array",
            "{path} {body}"
        );
    }
    let (_, _, processing) = send(&router, "GET", "/_control/processing", &[], Vec::new()).await;
    assert_eq!(processing, json!({"entries": 10, "fail": false}));
    let (_, _, run) = send(
        &router,
        "GET",
        "/_control/runs/JR-00000075",
        &[],
        Vec::new(),
    )
    .await;
    let first = &run["journalEntries"][0];
    assert_eq!(
        first["transferredToAccounting"], "No",
        "nothing was transferred"
    );
}
