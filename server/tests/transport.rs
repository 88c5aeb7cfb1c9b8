//! The transport under Zuora's answers: bodies that do not arrive whole, gzip in members,
//! JSON faults in JSON's words, query strings percent-decoded, and a stop that a stalled
//! client cannot hold up. Raw sockets where a client library would not misbehave.

mod common;

use std::io::Write as _;
use std::time::Duration;

use axum::http::Method;
use common::{category, manual, Server};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const CREATE: &str = r#"{"journalEntryDate": "2026-01-31", "accountingPeriodName": "Jan-2026",
 "transactionTypes": [{"type": "Invoice Item"}]}"#;

/// The server's address, for a raw socket.
fn addr(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// A create request's head, with `Content-Length` and an `Idempotency-Key`.
fn create_head(token: &str, length: usize, key: &str) -> String {
    format!(
        "POST /v1/journal-runs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nIdempotency-Key: {key}\r\n\
         Content-Length: {length}\r\n\r\n"
    )
}

/// A socket that sent a create request with `key` and only the first 20 bytes of its body.
async fn cut_create(server: &Server, token: &str, key: &str) -> TcpStream {
    let mut socket = TcpStream::connect(addr(server)).await.expect("connects");
    let head = create_head(token, CREATE.len(), key);
    socket.write_all(head.as_bytes()).await.expect("sent");
    socket
        .write_all(&CREATE.as_bytes()[..20])
        .await
        .expect("sent");
    socket
}

/// Sends `request` on a new connection, shuts the sending side, and reads the answer to the
/// end of the connection: its body.
async fn half_closed(server: &Server, request: &[u8]) -> Value {
    let mut socket = TcpStream::connect(addr(server)).await.expect("connects");
    socket.write_all(request).await.expect("sent");
    socket.shutdown().await.expect("half-closed");
    let mut raw = Vec::new();
    socket.read_to_end(&mut raw).await.expect("read");
    answer_body(&raw)
}

/// The body of an HTTP/1.1 answer read to the end of the connection.
fn answer_body(raw: &[u8]) -> Value {
    let text = String::from_utf8_lossy(raw);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// A create request with `key`, sent whole through the client.
async fn create_with_key(server: &Server, token: &str, key: &str) -> Value {
    let body: Value = serde_json::from_str(CREATE).expect("JSON");
    let (_, _, answer) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            token,
            &[("Idempotency-Key", key)],
            Some(&body),
        )
        .await;
    answer
}

/// A body whose connection ends before its `Content-Length` is a malformed request that says
/// how much arrived, and nothing of it is kept: the retry with the same `Idempotency-Key` is
/// carried out (it was answered "larger than 1048576 bytes", saved for 24 hours).
#[tokio::test]
async fn inv_20_a_body_cut_short_changes_nothing_not_even_its_idempotency_key() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let head = create_head(&token, CREATE.len(), "k-cut");
    let answer = half_closed(&server, format!("{head}{}", &CREATE[..20]).as_bytes()).await;
    assert_eq!(category(&answer), "90", "{answer}");
    assert_eq!(
        answer["reasons"][0]["message"],
        "the request body did not arrive whole: 20 bytes came before its connection ended or stalled"
    );
    let retry = create_with_key(&server, &token, "k-cut").await;
    assert_eq!(retry["success"], true, "{retry}");
    assert_eq!(retry["journalRunNumber"], "JR-00000001");
    // The retry's answer is the one kept.
    assert_eq!(create_with_key(&server, &token, "k-cut").await, retry);
    server.stop().await;
}

/// A client that drops its connection in the middle of the body does not leave its key in
/// progress: a retry is carried out, not refused with 409 for ever.
#[tokio::test]
async fn a_connection_dropped_in_the_body_leaves_its_key_free() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    drop(cut_create(&server, &token, "k-drop").await);
    // The server sees the end of the connection a moment later: until then, 409.
    let mut answer = Value::Null;
    for _ in 0..100 {
        answer = create_with_key(&server, &token, "k-drop").await;
        if answer["success"] == true {
            break;
        }
        assert_eq!(
            category(&answer),
            "50",
            "only 409 while in progress: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(answer["journalRunNumber"], "JR-00000001", "{answer}");
    server.stop().await;
}

/// A gzip stream is a series of members (RFC 1952, 2.2): a body in two members is read whole,
/// whatever the body limit (`usize::MAX` included).
#[tokio::test]
async fn a_gzipped_body_in_two_members_is_read_whole() {
    for limit in [1 << 20, usize::MAX] {
        let mut config = manual();
        config.max_body_bytes = limit;
        let server = Server::start(config).await;
        let token = server.token().await;
        let (first, second) = CREATE.split_at(40);
        let mut zipped = Vec::new();
        for member in [first, second] {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(member.as_bytes()).expect("gzip");
            zipped.extend(encoder.finish().expect("gzip"));
        }
        let answer: Value = server
            .http
            .post(server.url("/v1/journal-runs"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .body(zipped)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        assert_eq!(
            answer["journalRunNumber"], "JR-00000001",
            "limit {limit}: {answer}"
        );
        server.stop().await;
    }
}

/// A body that is not JSON is category 90, its fault placed by line and column in JSON's
/// words, never the JSON library's ("EOF while parsing", "trailing characters").
#[tokio::test]
async fn a_body_that_is_not_json_is_said_in_jsons_words() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let cases = [
        ("", "the request body is not valid JSON: it is empty"),
        (" \n", "the request body is not valid JSON: it is empty"),
        (
            "{",
            "the request body is not valid JSON: it ends at line 1, column 1, before its value does",
        ),
        (
            "{\"journalEntryDate\": 1}\nx",
            "the request body is not valid JSON: the fault is at line 2, column 1",
        ),
        (
            r#"{"a": "\ud800"}"#,
            "the request body is not valid JSON: the fault is at line 1, column 14",
        ),
    ];
    for (body, message) in cases {
        let answer: Value = server
            .http
            .post(server.url("/v1/journal-runs"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        assert_eq!(category(&answer), "90", "{body}: {answer}");
        assert_eq!(answer["reasons"][0]["message"], message, "{body}");
    }
    server.stop().await;
}

/// `page` and `pageSize` are read percent-decoded, names and values (RFC 3986: `%31` is `1`).
#[tokio::test]
async fn query_parameters_are_percent_decoded() {
    let server = Server::start(manual()).await;
    server.load(&common::example(), None).await;
    let token = server.token().await;
    for (query, expected) in [("pageSize=%33", 3), ("page%53ize=4", 4), ("pageSize=5", 5)] {
        let path = format!("/v1/journal-entries/journal-runs/JR-00000075?{query}");
        let (_, _, page) = server.get(&path, &token).await;
        let listed = page["journalEntries"].as_array().map(Vec::len);
        assert_eq!(listed, Some(expected), "{query}: {page}");
    }
    let path = "/v1/journal-entries/journal-runs/JR-00000075?pageSize=%30";
    let (_, _, page) = server.get(path, &token).await;
    assert_eq!(category(&page), "27", "{page}");
    // The value quoted as every message quotes input, not in Rust's notation (`3\u{0}`).
    let path = "/v1/journal-entries/journal-runs/JR-00000075?pageSize=3%00%E2%82%AC";
    let (_, _, page) = server.get(path, &token).await;
    assert_eq!(
        page["reasons"][0]["message"],
        "query parameter pageSize: expected a whole number from 1 to 300, found `3\u{0}\u{20ac}`"
    );
    server.stop().await;
}

/// A path parameter is read percent-decoded (`JR-%30...` is `JR-0...`); one whose decoded bytes
/// are not UTF-8 is read lossily, each bad byte a U+FFFD, and refused as the malformed number it
/// is, in Zuora's answer (axum's own rejection would be plain text).
#[tokio::test]
async fn path_parameters_are_percent_decoded_and_bytes_not_utf8_refused_in_zuoras_words() {
    let server = Server::start(manual()).await;
    server.load(&common::example(), None).await;
    let token = server.token().await;
    let (_, _, run) = server
        .get("/v1/journal-runs/JR-%30%30%30%30%30%30%37%35", &token)
        .await;
    assert_eq!(run["number"], "JR-00000075", "{run}");
    for (path, message) in [
        (
            "/v1/journal-runs/JR-%FF0000075",
            "path parameter jr-number: expected only ASCII digits after `JR-`, found '\u{fffd}' \
             at byte offset 3 of `JR-\u{fffd}0000075`",
        ),
        (
            "/v1/journal-entries/JE-%E2%82%AC%C3%28",
            "path parameter je-number: expected only ASCII digits after `JE-`, found '\u{20ac}' \
             at byte offset 3 of `JE-\u{20ac}\u{fffd}(`",
        ),
    ] {
        let (status, _, answer) = server.get(path, &token).await;
        assert_eq!(
            (status, category(&answer)),
            (200, "20".to_owned()),
            "{path}"
        );
        assert_eq!(answer["reasons"][0]["message"], message, "{path}");
    }
    server.stop().await;
}

/// A client that stopped in the middle of its request's headers holds the stop up for
/// `SHUTDOWN_GRACE` at most; a request in flight meanwhile is answered.
#[tokio::test]
async fn a_stalled_client_does_not_hold_the_stop_up() {
    let server = Server::start(manual()).await;
    let mut stalled = TcpStream::connect(addr(&server)).await.expect("connects");
    stalled
        .write_all(b"GET /_control/health HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("sent");
    let mut stalled_body = TcpStream::connect(addr(&server)).await.expect("connects");
    stalled_body
        .write_all(b"POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nx")
        .await
        .expect("sent");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let grace = journal_run_server::SHUTDOWN_GRACE;
    let stopped = tokio::time::timeout(grace * 3, server.stop()).await;
    assert!(stopped.is_ok(), "the stop waited more than {:?}", grace * 3);
    drop((stalled, stalled_body));
}

/// An org name that no org of the tenant has is quoted as the library quotes input (clipped,
/// between backticks), not in Rust's debug notation.
#[tokio::test]
async fn an_unknown_org_name_is_quoted_as_input_is() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let body = json!({
        "journalEntryDate": "2026-01-31",
        "accountingPeriodName": "Jan-2026",
        "transactionTypes": [{"type": "Invoice Item"}],
        "organizationLabels": [{"organizationName": "\u{1b}[31mX"}],
    });
    let (_, _, answer) = server
        .call(Method::POST, "/v1/journal-runs", &token, &[], Some(&body))
        .await;
    assert_eq!(category(&answer), "20", "{answer}");
    let message = answer["reasons"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("no org of the tenant is named `\u{1b}[31mX`"),
        "{message}"
    );
    server.stop().await;
}

/// A client that resets its connection right after sending a whole create request leaves one
/// run at most, whatever the moment the reset finds the handler in: the retry with the same
/// key gets the first request's answer once it is committed (409 before), or is carried out
/// if the first never was; never a second run (it made one in about a third of the tries when
/// a handler dropped while its run was being committed freed the key).
#[tokio::test]
async fn a_reset_after_a_whole_request_never_makes_a_second_run() {
    for attempt in 0..10 {
        let server = Server::start(manual()).await;
        let token = server.token().await;
        let mut socket = TcpStream::connect(addr(&server)).await.expect("connects");
        let head = create_head(&token, CREATE.len(), "k-reset");
        socket
            .write_all(format!("{head}{CREATE}").as_bytes())
            .await
            .expect("sent");
        socket.set_zero_linger().expect("a reset on close");
        drop(socket);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut retry = Value::Null;
        for _ in 0..100 {
            retry = create_with_key(&server, &token, "k-reset").await;
            if category(&retry) != "50" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            retry["journalRunNumber"], "JR-00000001",
            "attempt {attempt}: {retry}"
        );
        let health = server.control_get("/health").await;
        assert_eq!(health["runs"], 1, "attempt {attempt}: {health}");
        server.stop().await;
    }
}

/// `POST /v1/journal-entries` (not emulated) reads its body too: cut short, it is category 90
/// and leaves its key free (it was answered 45 and saved: the key's next use on another path
/// was 422).
#[tokio::test]
async fn a_cut_short_request_to_an_operation_not_emulated_leaves_its_key_free() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let head = format!(
        "POST /v1/journal-entries HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: k-entry\r\nContent-Length: 100\r\n\r\n{{"
    );
    let answer = half_closed(&server, head.as_bytes()).await;
    assert_eq!(category(&answer), "90", "{answer}");
    let retry = create_with_key(&server, &token, "k-entry").await;
    assert_eq!(retry["journalRunNumber"], "JR-00000001", "{retry}");
    server.stop().await;
}

/// A body that stalls is given up 60 seconds after its headers, on Zuora's paths (category 90,
/// with how much came) and on the control API's alike (it waited for ever there). The clock is
/// tokio's, paused: it moves on when every task waits.
#[tokio::test(start_paused = true)]
async fn a_stalled_body_is_given_up_after_the_deadline_everywhere() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let stalled = |request: String| {
        let addr = addr(&server);
        async move {
            let mut socket = TcpStream::connect(addr).await.expect("connects");
            socket.write_all(request.as_bytes()).await.expect("sent");
            let mut raw = Vec::new();
            // (Past the deadline by far: a server that waits for ever fails here.)
            tokio::time::timeout(Duration::from_secs(600), socket.read_to_end(&mut raw))
                .await
                .expect("answered before 600 s")
                .expect("read");
            let text = String::from_utf8_lossy(&raw).into_owned();
            (
                text.lines().next().unwrap_or_default().to_owned(),
                answer_body(&raw),
            )
        }
    };
    let (status, answer) = stalled(format!(
        "{}{{\"jour",
        create_head(&token, CREATE.len(), "k-stall")
    ))
    .await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        answer["reasons"][0]["message"],
        "the request body did not arrive whole: 6 bytes came before its connection ended or stalled"
    );
    let (status, answer) = stalled(
        "PUT /_control/processing HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"ent"
            .to_owned(),
    )
    .await;
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert_eq!(
        answer["error"],
        "the request body did not arrive within 60 seconds of its headers"
    );
    let (status, _) = stalled(
        "POST /_control/page/jobs/pause HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nx"
            .to_owned(),
    )
    .await;
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    server.stop().await;
}

/// A client that shuts its side of the connection after a whole request gets the answer (it
/// got none, though the request was carried out).
#[tokio::test]
async fn a_client_that_half_closes_after_its_request_gets_the_answer() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let head = create_head(&token, CREATE.len(), "k-half");
    let answer = half_closed(&server, format!("{head}{CREATE}").as_bytes()).await;
    assert_eq!(answer["journalRunNumber"], "JR-00000001", "{answer}");
    server.stop().await;
}

/// An `Idempotency-Key` that is not ASCII is refused (category 20), not ignored: the request
/// was carried out without the idempotency its client counted on.
#[tokio::test]
async fn an_idempotency_key_that_cannot_be_read_is_refused() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let head = create_head(&token, CREATE.len(), "k-\u{e9}");
    let answer = half_closed(&server, format!("{head}{CREATE}").as_bytes()).await;
    assert_eq!(category(&answer), "20", "{answer}");
    assert_eq!(
        answer["reasons"][0]["message"],
        "Idempotency-Key must be written in ASCII: visible characters, spaces and tabs"
    );
    assert_eq!(
        server.control_get("/health").await["runs"],
        0,
        "nothing was created"
    );
    server.stop().await;
}

/// A gzipped body that is not gzip through and through (a member, then other bytes; a member
/// cut short) is category 90 in gzip's words, on Zuora's paths and the token endpoint alike
/// (it read "the request body is not valid JSON", a form included).
#[tokio::test]
async fn a_body_that_is_not_gzip_through_and_through_is_said_so() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(CREATE.as_bytes()).expect("gzip");
    let member = encoder.finish().expect("gzip");
    let mut junk_after = member.clone();
    junk_after.extend_from_slice(b"not gzip");
    let cut = member[..member.len() - 4].to_vec();
    for (path, body) in [
        ("/v1/journal-runs", junk_after.clone()),
        ("/v1/journal-runs", cut),
        ("/oauth/token", junk_after),
    ] {
        let answer: Value = server
            .http
            .post(server.url(path))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Encoding", "gzip")
            .body(body)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        assert_eq!(category(&answer), "90", "{path}: {answer}");
        assert_eq!(
            answer["reasons"][0]["message"],
            "the request body is not gzip data, as its Content-Encoding says",
            "{path}"
        );
    }
    server.stop().await;
}

/// A body announced and not sent whole leaves nothing on the paths that take no body either:
/// the cancel is not carried out (it was: the run went to CancelInprogress), nor the reset.
#[tokio::test]
async fn a_body_cut_short_on_a_path_that_takes_none_leaves_nothing() {
    let server = Server::start(manual()).await;
    server.load(&common::example(), None).await;
    let token = server.token().await;
    let cancel = format!(
        "PUT /v1/journal-runs/JR-00000075/cancel HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {token}\r\nContent-Length: 100\r\n\r\n{{"
    );
    let answer = half_closed(&server, cancel.as_bytes()).await;
    assert_eq!(category(&answer), "90", "{answer}");
    let (_, _, run) = server.get("/v1/journal-runs/JR-00000075", &token).await;
    assert_eq!(run["status"], "Completed", "the cancel was not carried out");
    let reset = b"POST /_control/reset HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{";
    let answer = half_closed(&server, reset).await;
    assert_eq!(
        answer["error"],
        "the request body cannot be read to its end"
    );
    assert_eq!(
        server.control_get("/health").await["runs"],
        1,
        "nothing was reset"
    );
    server.stop().await;
}

/// A retry is answered once its body is read to its end, not before: answered early (a replay
/// or a 409), the connection was closed on the unread body, and a client that sends its whole
/// body before reading (as Python's `http.client` does) lost the answer to a reset (5 of 20
/// tries at 900 KB). Half the body sent, no answer comes; the rest sent, the saved one does.
#[tokio::test]
async fn a_retry_is_answered_once_its_body_is_read_to_its_end() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let first = create_with_key(&server, &token, "k-large").await;
    assert_eq!(first["journalRunNumber"], "JR-00000001", "{first}");
    let padded = format!("{}{}", " ".repeat(100_000), CREATE);
    let head = create_head(&token, padded.len(), "k-large")
        .replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
    let (early, late) = padded.split_at(50_000);
    let mut socket = TcpStream::connect(addr(&server)).await.expect("connects");
    socket
        .write_all(format!("{head}{early}").as_bytes())
        .await
        .expect("sent");
    let mut byte = [0; 1];
    let answered = tokio::time::timeout(Duration::from_millis(500), socket.read(&mut byte)).await;
    assert!(
        answered.is_err(),
        "answered before the body arrived: {answered:?}"
    );
    socket.write_all(late.as_bytes()).await.expect("sent");
    let mut raw = Vec::new();
    socket.read_to_end(&mut raw).await.expect("read");
    assert_eq!(answer_body(&raw), first);
    server.stop().await;
}

/// An `Idempotency-Key` given twice is refused (category 20), not read as its first.
#[tokio::test]
async fn an_idempotency_key_given_twice_is_refused() {
    let server = Server::start(manual()).await;
    let token = server.token().await;
    let answer: Value = server
        .http
        .post(server.url("/v1/journal-runs"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "k-1")
        .header("Idempotency-Key", "k-2")
        .body(CREATE)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(category(&answer), "20", "{answer}");
    assert_eq!(
        answer["reasons"][0]["message"],
        "Idempotency-Key is given 2 times; it may be given at most once"
    );
    assert_eq!(
        server.control_get("/health").await["runs"],
        0,
        "nothing was created"
    );
    server.stop().await;
}
