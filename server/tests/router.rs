//! Bad input gets Zuora's error answer and changes nothing: a property test sends arbitrary
//! requests (methods, paths, headers, bodies, gzip) to the router in-process and checks that
//! none crashes it, every answer is JSON and no 5xx, and none changes the tenant's state unless
//! it was a valid command that the rules accepted (`{"success": true}` to a write), whose
//! change is then one run's, by its log, and keeps every invariant.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256); each case is a fresh server with
//! three runs and a sequence of 1 to 6 requests.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use http_body_util::BodyExt as _;
use journal_run::wire::RunSnapshot;
use journal_run::JournalRun;
use journal_run_server::app::App;
use journal_run_server::config::{Config, JobMode, Options};
use journal_run_server::control::SnapshotFile;
use journal_run_server::tenant::{RunKey, Tenant};
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt as _;

/// The peer the router sees: not loopback, so the control API must refuse every request.
const REMOTE: ([u8; 4], u16) = ([203, 0, 113, 7], 40_000);

/// The configuration: jobs in manual mode (nothing moves by itself), a small body limit so that
/// large and inflated bodies reach it.
fn config() -> Config {
    let mut config = Config::default();
    config.jobs.mode = JobMode::Manual;
    config.max_body_bytes = 2048;
    config
}

fn entry(number: u64, status: &str, transferred: &str) -> Value {
    json!({
        "number": format!("JE-{number:08}"),
        "status": status,
        "transferredToAccounting": transferred,
        "notes": format!("entry {number}"),
    })
}

/// Three runs: the documented example (Completed, JE-1 to JE-10, JE-4 transferred), a
/// Cancelled run (JE-11 to JE-13, so deleting it and its entries is accepted) and an Error
/// run (JE-14 to JE-16, JE-15 cancelled).
fn snapshots() -> Vec<SnapshotFile> {
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/jr-00000075.json"),
    )
    .expect("the example");
    let cancelled = json!({
        "journalRun": {"number": "JR-00000076", "status": "Cancelled", "totalJournalEntryCount": 3},
        "journalEntries": [entry(11, "Cancelled", "No"), entry(12, "Cancelled", "No"), entry(13, "Cancelled", "No")],
    });
    let error = json!({
        "journalRun": {"number": "JR-00000077", "status": "Error"},
        "journalEntries": [entry(14, "Created", "No"), entry(15, "Cancelled", "No"), entry(16, "Created", "Processing")],
    });
    [
        serde_json::from_str(&example).expect("JSON"),
        cancelled,
        error,
    ]
    .into_iter()
    .map(|v| serde_json::from_value(v).expect("a snapshot"))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// The requests.

/// A generated request, before the token is known.
#[derive(Debug, Clone)]
struct Generated {
    method: Method,
    path: String,
    /// The Authorization header: none, a valid bearer token, or another value.
    auth: Option<AuthKind>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

#[derive(Debug, Clone)]
enum AuthKind {
    Valid,
    ValidLowercase,
    Other(Vec<u8>),
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        6 => prop::sample::select(vec![Method::GET, Method::PUT, Method::POST, Method::DELETE]),
        2 => prop::sample::select(vec![
            Method::PATCH, Method::HEAD, Method::OPTIONS, Method::TRACE, Method::CONNECT
        ]),
        1 => "[A-Za-z!#$%&'*+.^_`|~-]{1,24}".prop_map(|m| Method::from_bytes(m.as_bytes()).expect("a token")),
    ]
}

/// Percent-encodes what a URI path cannot hold; `%` is kept, so that encoded (and malformed)
/// sequences written by the strategy stay as they are.
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@'
            | b'%' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A path parameter: a valid number (held or not), a malformed one, percent-encoded bytes
/// (invalid UTF-8 among them), arbitrary text, a very long one.
fn number(prefix: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        5 => held(prefix),
        1 => "[0-9]{0,12}".prop_map(move |d| format!("{prefix}{d}")),
        1 => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(|bytes| bytes.iter().map(|b| format!("%{b:02X}")).collect()),
        1 => prop::sample::select(vec![
            "%FF", "%C3%28", "%", "%zz", "JR-%30%30%30%30%30%30%37%35", "%2F", "..", "JE-0000000%31",
            "jr-00000075", "JR-000000750", "JR-00000075%00", "JE-00000004%20",
        ]).prop_map(str::to_owned),
        2 => any::<String>().prop_map(|s| encode(&s)),
        1 => (1usize..20_000).prop_map(|n| "9".repeat(n)),
    ]
}

/// A number the fixture holds (or nearly): runs JR-75 to JR-77 (and JR-78, JR-1, absent),
/// entries JE-1 to JE-16 (and JE-17, JE-18, absent).
fn held(prefix: &'static str) -> BoxedStrategy<String> {
    if prefix == "JR-" {
        prop::sample::select(vec![75u64, 76, 77, 78, 1])
            .prop_map(|n| format!("JR-{n:08}"))
            .boxed()
    } else {
        (1u64..=18).prop_map(|n| format!("JE-{n:08}")).boxed()
    }
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        2 => ("[0-9a-z-]{0,5}", "[0-9a-z-]{0,5}")
            .prop_map(|(p, s)| format!("?page={p}&pageSize={s}")),
        1 => any::<String>().prop_map(|s| format!("?{}", encode(&s))),
        1 => Just("?pageSize=300&page=1&page=2&pageSize=%FF".to_owned()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let run = || number("JR-");
    let entry = || number("JE-");
    prop_oneof![
        3 => run().prop_map(|n| format!("/v1/journal-runs/{n}/cancel")),
        3 => run().prop_map(|n| format!("/v1/journal-runs/{n}")),
        3 => entry().prop_map(|n| format!("/v1/journal-entries/{n}/cancel")),
        3 => entry().prop_map(|n| format!("/v1/journal-entries/{n}")),
        3 => entry().prop_map(|n| format!("/v1/journal-entries/{n}/basic-information")),
        3 => (run(), query()).prop_map(|(n, q)| format!("/v1/journal-entries/journal-runs/{n}{q}")),
        2 => Just("/v1/journal-runs".to_owned()),
        1 => Just("/v1/journal-entries".to_owned()),
        2 => Just("/oauth/token".to_owned()),
        2 => prop::sample::select(vec![
            "/_control/runs", "/_control/reset", "/_control/runs/JR-00000075/job/finish",
            "/_control/runs/JR-00000075", "/_control/entries/JE-00000001/transfer",
            "/_control/tokens/expire", "/_control/jobs/pause", "/_control/health", "/_control",
            "/_control/nothing",
        ]).prop_map(str::to_owned),
        2 => prop::collection::vec(
                prop_oneof![
                    Just("v1".to_owned()), Just("journal-runs".to_owned()),
                    Just("journal-entries".to_owned()), Just("cancel".to_owned()),
                    Just("basic-information".to_owned()), Just("JR-00000075".to_owned()),
                    Just("JE-00000001".to_owned()), Just("".to_owned()), Just("_control".to_owned()),
                    any::<String>().prop_map(|s| encode(&s)),
                ],
                0..7,
            )
            .prop_map(|segments| format!("/{}", segments.join("/"))),
        1 => (1usize..40_000).prop_map(|n| format!("/v1/journal-runs/{}", "a/".repeat(n))),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "Zuora-Entity-Ids", "Zuora-Org-Ids", "Zuora-Track-Id", "Idempotency-Key",
            "Accept-Encoding", "Content-Encoding", "Content-Type", "Authorization",
            "Zuora-Version", "Content-Length", "Transfer-Encoding", "Host", "Cookie",
        ]).prop_map(str::to_owned),
        1 => "[a-z0-9!#$%&'*+.^_`|~-]{1,30}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "gzip", "GZIP", "gzip, deflate", "br", "identity", "x-gzip", "*", "",
            "application/json", "text/plain; charset=utf-8",
            "3a9f8e0c-1b2d-4e5f-8a7b-9c0d1e2f3a4b", "4028e4873e1b4f2e013e1f6a2b3c4d5e",
            "ent-1,ent-2", "close-2026-01", "a:b", "key-1",
        ]).prop_map(|s| s.as_bytes().to_vec()),
        2 => prop::collection::vec(any::<u8>(), 0..40),
        1 => (1usize..5000).prop_map(|n| vec![b'x'; n]),
        1 => any::<String>().prop_map(String::into_bytes),
    ]
}

fn auth() -> impl Strategy<Value = Option<AuthKind>> {
    prop_oneof![
        3 => Just(None),
        5 => Just(Some(AuthKind::Valid)),
        1 => Just(Some(AuthKind::ValidLowercase)),
        2 => prop_oneof![
            Just(b"Bearer".to_vec()),
            Just(b"Bearer ".to_vec()),
            Just(b"Basic dXNlcjpwYXNz".to_vec()),
            Just(b"Bearer 0000000000000000000000000000000000000000000000000000000000000000".to_vec()),
            prop::collection::vec(any::<u8>(), 0..80),
        ].prop_map(|v| Some(AuthKind::Other(v))),
    ]
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A JSON body a write might accept: an update of an entry's basic information, a new run.
fn json_body() -> impl Strategy<Value = Value> {
    let transferred = prop_oneof![
        Just(json!("No")),
        Just(json!("Yes")),
        Just(json!("Processing")),
        Just(json!("Error")),
        Just(json!("yes")),
        Just(json!(null)),
        Just(json!(1)),
        any::<String>().prop_map(Value::String),
    ];
    let notes = prop_oneof![
        Just(json!(null)),
        any::<String>().prop_map(Value::String),
        Just(json!(["a"])),
        (1usize..3000).prop_map(|n| Value::String("n".repeat(n))),
    ];
    prop_oneof![
        (prop::option::of(transferred), prop::option::of(notes)).prop_map(|(t, n)| {
            let mut body = serde_json::Map::new();
            if let Some(t) = t {
                body.insert("transferredToAccounting".to_owned(), t);
            }
            if let Some(n) = n {
                body.insert("notes".to_owned(), n);
            }
            Value::Object(body)
        }),
        Just(json!({"journalEntryItems": [{"amount": "1.00"}]})),
        Just(json!({"CostCenter__c": "CC-1"})),
        Just(json!({"unknownField": 1})),
        (
            prop::sample::select(vec!["2026-01-31", "2026-02-30", "31-01-2026", ""]),
            prop::sample::select(vec!["Invoice Item", "Taxation Item", "Nonsense"]),
            any::<bool>(),
        )
            .prop_map(|(date, kind, labels)| {
                let mut body = json!({
                    "journalEntryDate": date,
                    "transactionTypes": [{"type": kind}],
                });
                if labels {
                    body["organizationLabels"] = json!([{"organizationName": "Nowhere"}]);
                }
                body
            }),
        Just(json!([])),
        Just(json!("text")),
        Just(json!(null)),
    ]
}

fn body() -> impl Strategy<Value = (Vec<u8>, Option<&'static str>)> {
    prop_oneof![
        3 => Just((Vec::new(), None)),
        4 => json_body().prop_map(|v| (serde_json::to_vec(&v).expect("JSON"), None)),
        2 => json_body().prop_map(|v| (gzip(&serde_json::to_vec(&v).expect("JSON")), Some("gzip"))),
        2 => prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| (b, None)),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| (b, Some("gzip"))),
        1 => prop::collection::vec(any::<u8>(), 0..200)
            .prop_map(|b| ([&[0x1f, 0x8b, 0x08, 0x00][..], &b].concat(), Some("gzip"))),
        1 => (1usize..200_000).prop_map(|n| (gzip(&vec![b' '; n]), Some("gzip"))),
        1 => (2000usize..6000).prop_map(|n| (vec![b'{'; n], None)),
        1 => Just((b"{\"transferredToAccounting\": ".to_vec(), None)),
        1 => Just((b"client_id=x&client_secret=y&grant_type=client_credentials".to_vec(), None)),
        1 => Just((b"grant_type=password&%ZZ=%".to_vec(), None)),
    ]
}

/// A request that is nearly right: a Zuora operation with its method, a number the fixture
/// holds, a valid token, a plausible body, now and then an odd header. Many reach the rules,
/// and some are accepted.
fn plausible() -> impl Strategy<Value = Generated> {
    let operation = prop_oneof![
        held("JR-").prop_map(|n| (Method::PUT, format!("/v1/journal-runs/{n}/cancel"))),
        held("JR-").prop_map(|n| (Method::DELETE, format!("/v1/journal-runs/{n}"))),
        held("JR-").prop_map(|n| (Method::GET, format!("/v1/journal-runs/{n}"))),
        held("JE-").prop_map(|n| (Method::PUT, format!("/v1/journal-entries/{n}/cancel"))),
        held("JE-").prop_map(|n| (Method::DELETE, format!("/v1/journal-entries/{n}"))),
        held("JE-").prop_map(|n| (Method::GET, format!("/v1/journal-entries/{n}"))),
        held("JE-").prop_map(|n| (
            Method::PUT,
            format!("/v1/journal-entries/{n}/basic-information")
        )),
        (held("JR-"), query()).prop_map(|(n, q)| (
            Method::GET,
            format!("/v1/journal-entries/journal-runs/{n}{q}")
        )),
        Just((Method::POST, "/v1/journal-runs".to_owned())),
    ];
    (
        operation,
        prop_oneof![9 => Just(Some(AuthKind::Valid)), 1 => auth()],
        prop::collection::vec((header_name(), header_value()), 0..2),
        prop_oneof![
            4 => json_body().prop_map(|v| (serde_json::to_vec(&v).expect("JSON"), None)),
            1 => json_body().prop_map(|v| (gzip(&serde_json::to_vec(&v).expect("JSON")), Some("gzip"))),
            1 => body(),
        ],
    )
        .prop_map(|((method, path), auth, mut headers, (body, encoding))| {
            if let Some(encoding) = encoding {
                headers.push(("Content-Encoding".to_owned(), encoding.as_bytes().to_vec()));
            }
            Generated {
                method,
                path,
                auth,
                headers,
                body,
            }
        })
}

fn request() -> impl Strategy<Value = Generated> {
    prop_oneof![arbitrary(), plausible()]
}

fn arbitrary() -> impl Strategy<Value = Generated> {
    (
        method(),
        path(),
        auth(),
        prop::collection::vec((header_name(), header_value()), 0..6),
        body(),
    )
        .prop_map(|(method, path, auth, mut headers, (body, encoding))| {
            if let Some(encoding) = encoding {
                headers.push(("Content-Encoding".to_owned(), encoding.as_bytes().to_vec()));
            }
            Generated {
                method,
                path,
                auth,
                headers,
                body,
            }
        })
}

// ---------------------------------------------------------------------------------------------
// The state, and what an accepted write may change.

/// What a run is, for the comparison: its log's length, the rules' state, its documents, the
/// base its log replays from.
type State = BTreeMap<RunKey, (usize, JournalRun, RunSnapshot, RunSnapshot)>;

fn state(app: &App) -> State {
    app.read()
        .runs()
        .map(|(key, record)| {
            (
                key.clone(),
                (
                    record.log.len(),
                    record.run.clone(),
                    record.snapshot(),
                    record.base.clone(),
                ),
            )
        })
        .collect()
}

/// Whether the path is one of Zuora's write operations, for `method`.
fn is_write(method: &Method, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    matches!(
        (method.as_str(), segments.as_slice()),
        ("POST", ["", "v1", "journal-runs"])
            | ("PUT", ["", "v1", "journal-runs", _, "cancel"])
            | ("DELETE", ["", "v1", "journal-runs", _])
            | (
                "PUT",
                [
                    "",
                    "v1",
                    "journal-entries",
                    _,
                    "cancel" | "basic-information"
                ]
            )
            | ("DELETE", ["", "v1", "journal-entries", _])
    )
}

/// Checks a change of state after an accepted write: one run changed (or was created), its
/// log grew by the records of one request, it still replays from its log, and it keeps every
/// invariant.
fn check_change(before: &State, after: &State, method: &Method, path: &str) -> Result<(), String> {
    let keys: BTreeSet<&RunKey> = before.keys().chain(after.keys()).collect();
    let changed: Vec<&RunKey> = keys
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    let [key] = changed.as_slice() else {
        return Err(format!("{} runs changed: {changed:?}", changed.len()));
    };
    let Some((log, run, snapshot, base)) = after.get(*key) else {
        return Err(format!("run {} vanished", key.number));
    };
    match before.get(*key) {
        None => {
            if !(method == Method::POST && path == "/v1/journal-runs") {
                return Err("a run was created by another request than a create".to_owned());
            }
            if *log != 0 || run.state() != &journal_run::RunState::Pending {
                return Err(format!("a created run is not a fresh Pending run: {run:?}"));
            }
        }
        Some((before_log, _, _, before_base)) => {
            if !(before_log + 1..=before_log + 2).contains(log) {
                return Err(format!(
                    "the log of {} went from {before_log} to {log} records",
                    key.number
                ));
            }
            if before_base != base {
                return Err("the base documents changed".to_owned());
            }
        }
    }
    let violations = journal_run::invariants::check_state(run);
    if !violations.is_empty() {
        return Err(format!("invariants broken: {violations:?}"));
    }
    let exported = JournalRun::try_from(snapshot).map_err(|e| format!("the export: {e}"))?;
    if exported.status() != run.status() || exported.entries() != run.entries() {
        return Err("the export differs from the run".to_owned());
    }
    Ok(())
}

/// Rebuilds every run from its base documents and its log, as a restart does: it must equal
/// the run held.
fn check_replay(app: &App) -> Result<(), String> {
    let tenant = app.read();
    for (key, record) in tenant.runs() {
        let mut rebuilt = Tenant::default();
        rebuilt
            .insert(key.clone(), record.base.clone(), record.log.clone())
            .map_err(|e| format!("run {} does not replay: {e}", key.number))?;
        if rebuilt.get(key).map(|r| &r.run) != Some(&record.run) {
            return Err(format!("run {} differs from its replay", key.number));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The property.

struct Fixture {
    app: Arc<App>,
    token: String,
    client: (String, String),
}

async fn fixture() -> Fixture {
    let started = journal_run_server::start(Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: ":memory:".to_owned(),
        load: Vec::new(),
        config: config(),
    })
    .await
    .expect("the server starts");
    let app = started.app();
    for snapshot in snapshots() {
        journal_run_server::control::load_snapshot(&app, None, snapshot.into())
            .await
            .map_err(|e| e.message().to_owned())
            .expect("loaded");
    }
    let (token, _) = app.issue_token(0);
    Fixture {
        app,
        token,
        client: started.client.clone(),
    }
}

fn build(generated: &Generated, fixture: &Fixture) -> Option<Request<Body>> {
    let mut builder = Request::builder()
        .method(generated.method.clone())
        .uri(&generated.path);
    let headers = builder.headers_mut()?;
    match &generated.auth {
        None => {}
        Some(AuthKind::Valid) => {
            headers.append(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {}", fixture.token)).ok()?,
            );
        }
        Some(AuthKind::ValidLowercase) => {
            headers.append(
                "authorization",
                HeaderValue::from_str(&format!("bearer  {}", fixture.token)).ok()?,
            );
        }
        Some(AuthKind::Other(value)) => {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                headers.append("authorization", value);
            }
        }
    }
    for (name, value) in &generated.headers {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        let Ok(value) = HeaderValue::from_bytes(value) else {
            continue;
        };
        headers.append(name, value);
    }
    let body = if generated.path == "/oauth/token" && generated.body.starts_with(b"client_id=x") {
        // Now and then the real client's credentials, so that a token is issued.
        format!(
            "client_id={}&client_secret={}&grant_type=client_credentials",
            fixture.client.0, fixture.client.1
        )
        .into_bytes()
    } else {
        generated.body.clone()
    };
    builder.body(Body::from(body)).ok()
}

/// The statuses seen, for the summary.
static STATUSES: std::sync::Mutex<BTreeMap<u16, usize>> = std::sync::Mutex::new(BTreeMap::new());
static ACCEPTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Requests answered by something else than the authentication check (category 11).
static REACHED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn send(fixture: &Fixture, generated: &Generated) -> Result<(), TestCaseError> {
    let Some(request) = build(generated, fixture) else {
        // The URI or a header is not valid HTTP: no server would receive it.
        return Ok(());
    };
    let before = state(&fixture.app);
    let router = journal_run_server::router(fixture.app.clone())
        .layer(MockConnectInfo(SocketAddr::from(REMOTE)));
    let response = router
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status().as_u16();
    *STATUSES.lock().expect("a lock").entry(status).or_default() += 1;
    let gzipped = response
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    // A 405 names the methods its path supports (RFC 9110, 15.5.6).
    prop_assert!(
        status != 405 || response.headers().contains_key("allow"),
        "{} {}: 405 without Allow",
        generated.method,
        generated.path
    );
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let bytes = if gzipped {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .expect("a gzipped answer inflates");
        out
    } else {
        bytes.to_vec()
    };
    prop_assert!(
        status < 500,
        "{} {}: status {status}: {}",
        generated.method,
        generated.path,
        String::from_utf8_lossy(&bytes)
    );
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    // `GET /` redirects to the live page (docs/SERVER.md, "The live page"): the only answer
    // that is not JSON outside the control prefix.
    let root = generated.path == "/" || generated.path.starts_with("/?");
    let redirect = root && (generated.method == Method::GET || generated.method == Method::HEAD);
    if redirect {
        prop_assert_eq!(status, 303, "GET / redirects");
    } else if generated.method != Method::HEAD {
        prop_assert!(
            body.as_ref().is_some_and(Value::is_object),
            "{} {}: status {status}, not a JSON object: {:?}",
            generated.method,
            generated.path,
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        );
    }
    let control = generated.path.starts_with("/_control/") || generated.path == "/_control";
    if control && generated.method != Method::HEAD {
        // The guard refuses every control route to a remote peer; a path under the prefix
        // that no control route matches is Zuora's unknown path.
        let body = body.as_ref().expect("checked");
        prop_assert!(
            status == 403 || body["success"] == false,
            "a remote control request: {} {}",
            status,
            body
        );
    } else if generated.method != Method::HEAD && !redirect {
        let body = body.as_ref().expect("checked");
        let oauth = generated.path == "/oauth/token" && body.get("access_token").is_some();
        prop_assert!(
            oauth || body.get("success").is_some_and(Value::is_boolean),
            "{} {}: no success field: {body}",
            generated.method,
            generated.path
        );
        let code = body["reasons"][0]["code"].as_str().unwrap_or_default();
        if !code.ends_with("11") {
            REACHED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if body["success"] == false {
            let code = body["reasons"][0]["code"].as_str().unwrap_or_default();
            prop_assert!(
                code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()),
                "a failure's code: {body}"
            );
            prop_assert_eq!(
                body["requestId"].as_str().map(str::len),
                Some(36),
                "a failure's requestId: {}",
                body
            );
        }
    }
    let after = state(&fixture.app);
    if after != before {
        let accepted = body.as_ref().is_some_and(|b| b["success"] == true);
        prop_assert!(
            accepted && status == 200 && is_write(&generated.method, &generated.path),
            "{} {} changed the state, answered {status} {:?}",
            generated.method,
            generated.path,
            body
        );
        ACCEPTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(why) = check_change(&before, &after, &generated.method, &generated.path) {
            return Err(TestCaseError::fail(format!(
                "{} {}: {why}",
                generated.method, generated.path
            )));
        }
        if let Err(why) = check_replay(&fixture.app) {
            return Err(TestCaseError::fail(why));
        }
    }
    Ok(())
}

/// The default seed of the generator.
const SEED: u64 = 0x0005_EED0_2026;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// The property, with a summary of what it saw: the statuses, how many requests reached the
/// rules (an answer other than category 11) and how many were accepted writes.
/// INV-20: no request crashes the router or changes state unless accepted.
#[test]
fn inv_20_arbitrary_requests_never_crash_the_router_nor_change_state_unless_accepted() {
    let defaults = ProptestConfig::default();
    let config = ProptestConfig {
        cases: cases(),
        // A fixed seed unless PROPTEST_RNG_SEED gives one: the test does not flake, and a
        // failure is replayed by its seed.
        rng_seed: match defaults.rng_seed {
            proptest::test_runner::RngSeed::Random => proptest::test_runner::RngSeed::Fixed(SEED),
            fixed @ proptest::test_runner::RngSeed::Fixed(_) => fixed,
        },
        max_shrink_iters: 2048,
        ..defaults
    };
    eprintln!("rng seed: {:?} (PROPTEST_RNG_SEED)", config.rng_seed);
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let requests_sent = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&prop::collection::vec(request(), 1..7), |requests| {
        requests_sent.fetch_add(requests.len(), std::sync::atomic::Ordering::Relaxed);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let fixture = fixture().await;
            for generated in &requests {
                send(&fixture, generated).await?;
            }
            Ok::<(), TestCaseError>(())
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let requests_sent = requests_sent.into_inner();
    let statuses = STATUSES.lock().expect("a lock").clone();
    let accepted = ACCEPTED.load(std::sync::atomic::Ordering::Relaxed);
    let reached = REACHED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{} cases, {requests_sent} requests (shrinking included): statuses {statuses:?}; \
         {reached} reached the rules; {accepted} accepted writes changed the state",
        cases()
    );
    assert!(
        accepted > 0,
        "no request was an accepted write: the generator is too weak"
    );
    assert!(
        reached > requests_sent / 10,
        "too few requests reached the rules"
    );
}

// ---------------------------------------------------------------------------------------------
// The token endpoint.

/// A router over a fresh server with `config`, seen from loopback; and its first client.
async fn token_router(config: Config) -> (axum::Router, (String, String)) {
    let peer = SocketAddr::from(([127, 0, 0, 1], 40_000));
    common::router_from(config, Vec::new(), peer).await
}

/// Posts `body` to `/oauth/token` with `headers`: the status, the headers, the JSON body.
async fn token_request(
    router: &axum::Router,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, axum::http::HeaderMap, Value) {
    let mut headers = headers.to_vec();
    headers.insert(0, ("Content-Type", "application/x-www-form-urlencoded"));
    let (status, headers, body) =
        common::oneshot(router, "POST", "/oauth/token", &headers, body).await;
    (status.as_u16(), headers, body)
}

fn credentials(client: &(String, String)) -> Vec<u8> {
    format!(
        "client_id={}&client_secret={}&grant_type=client_credentials",
        client.0, client.1
    )
    .into_bytes()
}

/// Under the `rest` mapping, a method the path does not support is 405 with the path's methods
/// (`Allow`, as RFC 9110 requires of every 405), and an operation not emulated is 501 (D-43);
/// a refused `CONNECT` is 405 with `Allow` under either mapping.
#[tokio::test]
async fn a_405_names_the_paths_methods_and_an_operation_not_emulated_is_501_under_rest() {
    use journal_run::wire::HttpStatusMapping;
    let peer = SocketAddr::from(([127, 0, 0, 1], 40_000));
    for mapping in [HttpStatusMapping::Zuora, HttpStatusMapping::Rest] {
        let config = Config {
            http_status_mapping: mapping,
            ..Config::default()
        };
        let (router, client) = common::router_from(config, Vec::new(), peer).await;
        let (_, _, token) = token_request(&router, &[], credentials(&client)).await;
        let bearer = format!(
            "Bearer {}",
            token["access_token"].as_str().unwrap_or_default()
        );
        let auth = [("Authorization", bearer.as_str())];
        let rest = mapping == HttpStatusMapping::Rest;
        let cases: [(&str, &str, u16, Option<&str>); 4] = [
            (
                "DELETE",
                "/v1/journal-runs/JR-00000001/cancel",
                if rest { 405 } else { 200 },
                rest.then_some("PUT"),
            ),
            (
                "PUT",
                "/v1/journal-runs/JR-00000001",
                if rest { 405 } else { 200 },
                rest.then_some("GET, DELETE"),
            ),
            (
                "CONNECT",
                "/v1/journal-entries/JE-00000001",
                405,
                Some("GET, DELETE"),
            ),
            (
                "POST",
                "/v1/journal-entries",
                if rest { 501 } else { 200 },
                None,
            ),
        ];
        for (method, uri, status, allow) in cases {
            let body = if method == "POST" {
                b"{}".to_vec()
            } else {
                Vec::new()
            };
            let (answered, headers, body) =
                common::oneshot(&router, method, uri, &auth, body).await;
            assert_eq!(
                answered.as_u16(),
                status,
                "{mapping:?} {method} {uri}: {body}"
            );
            // (A 200 may carry the router's own `Allow`; a 405 must carry the path's methods,
            // once; a 501 none.)
            let allows: Vec<&str> = headers
                .get_all("allow")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            if status != 200 {
                assert_eq!(allows, Vec::from_iter(allow), "{mapping:?} {method} {uri}");
            }
            assert_eq!(common::category(&body), "45", "{body}");
        }
    }
}

/// A write whose commit cannot be awaited (the store stopped: the server is stopping) is a
/// temporary error, category 61, which Zuora's guide counts among those worth retrying: not
/// an operation "not emulated" (45), which a client would not send again (D-42).
#[tokio::test]
async fn a_write_after_the_store_stopped_is_a_temporary_error_worth_retrying() {
    use journal_run::wire::HttpStatusMapping;
    for (mapping, status) in [
        (HttpStatusMapping::Zuora, 200),
        (HttpStatusMapping::Rest, 503),
    ] {
        let mut config = common::manual();
        config.http_status_mapping = mapping;
        let started =
            common::started(config, vec![common::repo("examples/jr-00000075.json")]).await;
        let app = started.app();
        let router = journal_run_server::router(Arc::clone(&app))
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        let (_, _, token) = token_request(&router, &[], credentials(&started.client)).await;
        let bearer = format!(
            "Bearer {}",
            token["access_token"].as_str().unwrap_or_default()
        );
        app.store.close();
        let (answered, _, body) = common::oneshot(
            &router,
            "PUT",
            "/v1/journal-runs/JR-00000075/cancel",
            &[("Authorization", bearer.as_str())],
            Vec::new(),
        )
        .await;
        assert_eq!(answered.as_u16(), status, "{mapping:?}: {body}");
        assert_eq!(body["success"], false, "{body}");
        assert_eq!(common::category(&body), "61", "{body}");
        assert_eq!(
            body["reasons"][0]["message"],
            "the request cannot be carried out now: the store stopped; nothing of it was kept, \
             and it may be sent again"
        );
    }
}

#[tokio::test]
async fn the_token_endpoint_reads_its_body_as_zuoras_paths_do() {
    let (router, client) = token_router(Config::default()).await;
    // A gzipped form is inflated.
    let (status, _, answer) = token_request(
        &router,
        &[("Content-Encoding", "gzip")],
        gzip(&credentials(&client)),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["token_type"], "bearer");
    assert!(answer["access_token"]
        .as_str()
        .is_some_and(|t| t.len() == 64));
    // A body over max_body_bytes (1 MiB by default), even over axum's 2 MiB: Zuora's refusal,
    // category 20, naming the limit.
    for size in [(1 << 20) + 1, 3 << 20] {
        let (status, headers, answer) = token_request(&router, &[], vec![b'a'; size]).await;
        assert_eq!(status, 400, "{size}");
        assert_eq!(headers["content-type"], "application/json; charset=utf-8");
        assert_eq!(answer["success"], false);
        assert!(
            answer["reasons"][0]["code"]
                .as_str()
                .is_some_and(|c| c.ends_with("20")),
            "{answer}"
        );
        assert_eq!(
            answer["reasons"][0]["message"],
            "the request body is larger than 1048576 bytes"
        );
    }
    // A body of exactly the limit is read, sent as it is or inflated from gzip.
    let mut exact = credentials(&client);
    exact.resize(1 << 20, b'&');
    let gzipped: &[(&str, &str)] = &[("Content-Encoding", "gzip")];
    for (headers, body) in [(&[][..], exact.clone()), (gzipped, gzip(&exact))] {
        let (status, _, answer) = token_request(&router, headers, body).await;
        assert_eq!(status, 200, "{headers:?}: {answer}");
    }
    // The limit counts the inflated body.
    let mut inflated = credentials(&client);
    inflated.extend(std::iter::repeat_n(b'&', 1 << 20));
    let (status, _, answer) =
        token_request(&router, &[("Content-Encoding", "gzip")], gzip(&inflated)).await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["reasons"][0]["message"],
        "the request body is larger than 1048576 bytes"
    );
}

#[tokio::test]
async fn a_401_of_the_token_endpoint_carries_www_authenticate_bearer() {
    let (router, client) = token_router(Config::default()).await;
    let wrong = format!(
        "client_id={}&client_secret=wrong&grant_type=client_credentials",
        client.0
    );
    let (status, headers, answer) = token_request(&router, &[], wrong.into_bytes()).await;
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], "Bearer");
    assert!(answer["reasons"][0]["code"]
        .as_str()
        .is_some_and(|c| c.ends_with("11")));
    // A 400 does not carry it.
    let (status, headers, _) = token_request(&router, &[], b"grant_type=x".to_vec()).await;
    assert_eq!(status, 400);
    assert!(!headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn an_absurd_token_lifetime_is_refused_when_read_and_never_panics() {
    let error = Config::from_toml("token_lifetime_secs = 18446744073709551615\n")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("line 1: token_lifetime_secs = 18446744073709551615 is over the largest accepted, 31536000")
    );
    let error = Config::from_toml("max_body_bytes = 18446744073709551615\n")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("line 1: max_body_bytes = 18446744073709551615 is over the largest accepted, 1073741824")
    );
    assert!(Config::from_toml("token_lifetime_secs = 31536000\n").is_ok());
    // A config built in code is not read by the loader: the token lives as long as the bound.
    let config = Config {
        token_lifetime_secs: u64::MAX,
        ..Config::default()
    };
    let (router, client) = token_router(config).await;
    let (status, _, answer) = token_request(&router, &[], credentials(&client)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["expires_in"], 31_536_000);
    let token = answer["access_token"].as_str().expect("a token");
    let response = router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/v1/journal-runs/JR-00000001")
                .header("Authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await
        .expect("an answer");
    assert_ne!(response.status(), 401, "the token is live");
}
