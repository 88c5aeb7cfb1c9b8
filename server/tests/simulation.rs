//! A seeded simulation: several clients send random sequences of requests over HTTP (Zuora's
//! operations, the accounting integration's transfers and job steps of the control API) while
//! the jobs run at a small pace. Every answer must be one of Zuora's shapes. At the end, when
//! every job has finished, every run is exported and audited with the library, equals the
//! replay of its event log (the server's and the test's own), its log has no gap, and a restart
//! on the same store gives back the same runs.
//!
//! `SIM_SEED` replays a failure (the seed is printed, and named in every failure);
//! `SIM_CLIENTS` and `SIM_REQUESTS` change the size.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::Server;
use journal_run::wire::RunSnapshot;
use journal_run::{Event, JournalRun};
use journal_run_server::config::{Config, JobMode, Options};
use journal_run_server::control::SnapshotFile;
use journal_run_server::tenant::{Change, LogRecord};
use reqwest::Method;
use serde_json::{json, Value};

const DEFAULT_SEED: u64 = 0x2026_1130;

static SEED: OnceLock<u64> = OnceLock::new();

fn seed() -> u64 {
    *SEED.get_or_init(|| {
        std::env::var("SIM_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_SEED)
    })
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A failed check names the seed that replays it.
macro_rules! check {
    ($cond:expr, $($arg:tt)+) => {
        assert!($cond, "[SIM_SEED={}] {}", seed(), format!($($arg)+))
    };
}

/// SplitMix64: small, and the same on every platform and version, so a seed always replays
/// the same sequences of requests.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        &items[i]
    }

    /// An index by weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.next() % total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------------------------------------
// The tenant at start.

const LOADED_RUNS: u64 = 6;
const ENTRIES_PER_RUN: u64 = 12;

/// The runs loaded at start, JR-1 to JR-6, with entries JE-1 to JE-72: Completed and Error
/// runs with transferred entries, a Completed run whose entries are all cancellable, a
/// Cancelled run, a Pending run (processing takes it).
fn loaded_runs() -> Vec<Value> {
    (1..=LOADED_RUNS)
        .map(|run| {
            let status = match run {
                2 => "Error",
                5 => "Cancelled",
                6 => "Pending",
                _ => "Completed",
            };
            let entries: Vec<Value> = if status == "Pending" {
                Vec::new()
            } else {
                (1..=ENTRIES_PER_RUN)
                    .map(|i| {
                        let number = (run - 1) * ENTRIES_PER_RUN + i;
                        let (status, transferred) = match (run, i % 6) {
                            (5, _) => ("Cancelled", "No"),
                            (4, _) => ("Created", "No"),
                            (_, 1) => ("Created", "Yes"),
                            (_, 2) => ("Created", "Processing"),
                            (_, 3) => ("Cancelled", "No"),
                            (_, 4) => ("Created", "Error"),
                            _ => ("Created", "No"),
                        };
                        json!({
                            "number": format!("JE-{number:08}"),
                            "status": status,
                            "transferredToAccounting": transferred,
                            "notes": format!("loaded {number}"),
                            "currency": "USD",
                        })
                    })
                    .collect()
            };
            json!({
                "journalRun": {
                    "number": format!("JR-{run:08}"),
                    "status": status,
                    "journalEntryDate": "2026-01-31",
                    "totalJournalEntryCount": entries.len(),
                },
                "journalEntries": entries,
            })
        })
        .collect()
}

fn snapshot(value: &Value) -> RunSnapshot {
    serde_json::from_value::<SnapshotFile>(value.clone())
        .expect("a snapshot")
        .into()
}

// ---------------------------------------------------------------------------------------------
// Requests and answers.

/// What a request was, for the checks of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Create,
    CancelRun,
    DeleteRun,
    CancelEntry,
    DeleteEntry,
    Update,
    GetRun,
    GetEntry,
    List,
    Refused,
    Transfer,
    Job,
}

/// The answer: status, headers, JSON body (gzip inflated).
async fn send(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, String)],
    body: Option<Vec<u8>>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = server.http.request(method.clone(), server.url(path));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    let bytes = if headers.get("content-encoding").is_some_and(|v| v == "gzip") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .expect("a gzipped answer inflates");
        out
    } else {
        bytes.to_vec()
    };
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "[SIM_SEED={}] {method} {path}: {status}, not JSON ({e}): {}",
            seed(),
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, headers, body)
}

/// Checks that an answer of Zuora's API is one of Zuora's shapes; whether it succeeded.
fn check_zuora_answer(
    kind: Kind,
    what: &str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
) -> bool {
    let keyed = kind == Kind::Create;
    check!(
        status == 200 || (keyed && matches!(status, 409 | 422)),
        "{what}: status {status}: {body}"
    );
    check!(
        headers
            .get("zuora-request-id")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.len() == 36),
        "{what}: Zuora-Request-Id: {headers:?}"
    );
    let Some(success) = body["success"].as_bool() else {
        panic!("[SIM_SEED={}] {what}: no success: {body}", seed());
    };
    if !success {
        let code = body["reasons"][0]["code"].as_str().unwrap_or_default();
        check!(
            code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()),
            "{what}: reasons[0].code: {body}"
        );
        check!(
            body["reasons"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: reasons[0].message: {body}"
        );
        check!(
            body["requestId"].as_str().map(str::len) == Some(36),
            "{what}: requestId: {body}"
        );
        check!(
            body["processId"].as_str().map(str::len) == Some(16),
            "{what}: processId: {body}"
        );
        return false;
    }
    match kind {
        Kind::CancelRun
        | Kind::DeleteRun
        | Kind::CancelEntry
        | Kind::DeleteEntry
        | Kind::Update => {
            check!(*body == json!({"success": true}), "{what}: {body}");
        }
        Kind::Create => check!(
            body["journalRunNumber"]
                .as_str()
                .is_some_and(|n| n.len() == 11 && n.starts_with("JR-")),
            "{what}: {body}"
        ),
        Kind::GetRun => check!(
            body["number"].is_string() && body["status"].is_string(),
            "{what}: {body}"
        ),
        Kind::GetEntry => check!(
            body["number"].is_string() && body["status"].is_string(),
            "{what}: {body}"
        ),
        Kind::List => check!(body["journalEntries"].is_array(), "{what}: {body}"),
        Kind::Refused => check!(
            false,
            "{what}: a request meant to be refused succeeded: {body}"
        ),
        Kind::Transfer | Kind::Job => {}
    }
    true
}

/// What the clients saw.
#[derive(Default)]
struct Seen {
    /// Requests sent and accepted, by kind.
    sent: BTreeMap<Kind, (usize, usize)>,
    /// The first successful answer of each Idempotency-Key: a later one must be the same.
    keys: BTreeMap<String, Value>,
    /// The runs created (accepted creates).
    created: BTreeSet<String>,
}

fn run_path(n: u64) -> String {
    format!("JR-{n:08}")
}

fn entry_path(n: u64) -> String {
    format!("JE-{n:08}")
}

/// One client: `requests` random requests, chosen by its generator alone (never by an answer),
/// so that a seed replays the same sequences.
async fn client(server: Arc<Server>, index: u64, requests: usize, seen: Arc<Mutex<Seen>>) {
    let mut rng = Rng::new(seed() ^ (index + 1).wrapping_mul(0xA076_1D64_78BD_642F));
    let token = server.token().await;
    let create_body = |rng: &mut Rng| {
        let mut body = json!({
            "journalEntryDate": "2026-02-28",
            "targetStartDate": "2026-02-01",
            "targetEndDate": "2026-02-28",
            "transactionTypes": [{"type": rng.pick(&["Invoice Item", "Taxation Item", "Electronic Payment"])}],
        });
        if rng.chance(10) {
            body["journalEntryDate"] = json!("2026-02-30");
        }
        if rng.chance(5) {
            body["colour"] = json!("red");
        }
        body
    };
    for i in 0..requests {
        if rng.chance(30) {
            tokio::time::sleep(Duration::from_millis(rng.range(0, 3))).await;
        }
        let run = rng.range(1, 24);
        let entry = rng.range(1, 220);
        let weights = [4, 10, 4, 14, 5, 14, 6, 6, 7, 3, 8, 4];
        let what;
        let (kind, status, headers, body) = match rng.weighted(&weights) {
            0 => {
                let mut extra = Vec::new();
                if rng.chance(40) {
                    extra.push((
                        "Idempotency-Key",
                        format!("key-{index}-{}", rng.range(0, 3)),
                    ));
                }
                let body = serde_json::to_vec(&create_body(&mut rng)).expect("JSON");
                what = format!("POST /v1/journal-runs {extra:?}");
                let (s, h, b) = send(
                    &server,
                    Method::POST,
                    "/v1/journal-runs",
                    Some(&token),
                    &extra,
                    Some(body),
                )
                .await;
                if s == 200 {
                    if let Some((_, key)) = extra.first() {
                        let mut seen = seen.lock().expect("a lock");
                        let first = seen.keys.entry(key.clone()).or_insert_with(|| b.clone());
                        check!(
                            *first == b,
                            "{what}: the key's first answer was {first}, now {b}"
                        );
                    }
                    if b["success"] == true {
                        let number = b["journalRunNumber"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        seen.lock().expect("a lock").created.insert(number);
                    }
                }
                (Kind::Create, s, h, b)
            }
            1 => {
                what = format!("PUT /v1/journal-runs/{}/cancel", run_path(run));
                let (s, h, b) = send(
                    &server,
                    Method::PUT,
                    &format!("/v1/journal-runs/{}/cancel", run_path(run)),
                    Some(&token),
                    &[],
                    None,
                )
                .await;
                (Kind::CancelRun, s, h, b)
            }
            2 => {
                what = format!("DELETE /v1/journal-runs/{}", run_path(run));
                let (s, h, b) = send(
                    &server,
                    Method::DELETE,
                    &format!("/v1/journal-runs/{}", run_path(run)),
                    Some(&token),
                    &[],
                    None,
                )
                .await;
                (Kind::DeleteRun, s, h, b)
            }
            3 => {
                what = format!("PUT /v1/journal-entries/{}/cancel", entry_path(entry));
                let (s, h, b) = send(
                    &server,
                    Method::PUT,
                    &format!("/v1/journal-entries/{}/cancel", entry_path(entry)),
                    Some(&token),
                    &[],
                    None,
                )
                .await;
                (Kind::CancelEntry, s, h, b)
            }
            4 => {
                what = format!("DELETE /v1/journal-entries/{}", entry_path(entry));
                let (s, h, b) = send(
                    &server,
                    Method::DELETE,
                    &format!("/v1/journal-entries/{}", entry_path(entry)),
                    Some(&token),
                    &[],
                    None,
                )
                .await;
                (Kind::DeleteEntry, s, h, b)
            }
            5 => {
                let mut body = serde_json::Map::new();
                match rng.range(0, 5) {
                    0 | 1 => {
                        body.insert(
                            "transferredToAccounting".into(),
                            json!(rng.pick(&["No", "Processing", "Yes", "Error"])),
                        );
                    }
                    2 => {
                        body.insert("notes".into(), json!(format!("client {index} request {i}")));
                    }
                    3 => {
                        body.insert(
                            "transferredToAccounting".into(),
                            json!(rng.pick(&["No", "Yes"])),
                        );
                        body.insert(
                            "notes".into(),
                            if rng.chance(20) {
                                Value::Null
                            } else {
                                json!(format!("c{index}-{i}"))
                            },
                        );
                    }
                    4 => {
                        body.insert(
                            "CostCenter__c".into(),
                            json!(format!("CC-{}", rng.range(1, 9))),
                        );
                    }
                    _ => {
                        body.insert(
                            "transferredToAccounting".into(),
                            json!(rng.pick(&["Maybe", "yes", ""])),
                        );
                    }
                }
                let path = format!(
                    "/v1/journal-entries/{}/basic-information",
                    entry_path(entry)
                );
                what = format!("PUT {path} {}", Value::Object(body.clone()));
                let bytes = serde_json::to_vec(&body).expect("JSON");
                let (s, h, b) =
                    send(&server, Method::PUT, &path, Some(&token), &[], Some(bytes)).await;
                (Kind::Update, s, h, b)
            }
            6 => {
                what = format!("GET /v1/journal-runs/{}", run_path(run));
                let (s, h, b) = send(
                    &server,
                    Method::GET,
                    &format!("/v1/journal-runs/{}", run_path(run)),
                    Some(&token),
                    &[],
                    None,
                )
                .await;
                (Kind::GetRun, s, h, b)
            }
            7 => {
                what = format!("GET /v1/journal-entries/{}", entry_path(entry));
                let (s, h, b) = send(
                    &server,
                    Method::GET,
                    &format!("/v1/journal-entries/{}", entry_path(entry)),
                    Some(&token),
                    &[],
                    None,
                )
                .await;
                (Kind::GetEntry, s, h, b)
            }
            8 => {
                let page = *rng.pick(&["1", "2", "3", "0", "x"]);
                let size = *rng.pick(&["1", "5", "8", "300", "301", "-1"]);
                let path = format!(
                    "/v1/journal-entries/journal-runs/{}?page={page}&pageSize={size}",
                    run_path(run)
                );
                let gzip = if rng.chance(40) {
                    vec![("Accept-Encoding", "gzip".to_owned())]
                } else {
                    Vec::new()
                };
                what = format!("GET {path}");
                let (s, h, b) = send(&server, Method::GET, &path, Some(&token), &gzip, None).await;
                (Kind::List, s, h, b)
            }
            9 => {
                let (method, path, token, headers): (
                    Method,
                    String,
                    Option<&str>,
                    Vec<(&str, String)>,
                ) = match rng.range(0, 5) {
                    0 => (
                        Method::GET,
                        "/v1/journal-runz".to_owned(),
                        Some(token.as_str()),
                        Vec::new(),
                    ),
                    1 => (
                        Method::POST,
                        format!("/v1/journal-runs/{}/cancel", run_path(run)),
                        Some(token.as_str()),
                        Vec::new(),
                    ),
                    2 => (
                        Method::PUT,
                        format!("/v1/journal-runs/JR-{run}/cancel"),
                        Some(token.as_str()),
                        Vec::new(),
                    ),
                    3 => (
                        Method::PUT,
                        format!("/v1/journal-entries/{}/cancel", entry_path(entry)),
                        Some(token.as_str()),
                        vec![(
                            "Zuora-Entity-Ids",
                            "3a9f8e0c-1b2d-4e5f-8a7b-9c0d1e2f3a4b".to_owned(),
                        )],
                    ),
                    _ => (
                        Method::PUT,
                        format!("/v1/journal-entries/{}/cancel", entry_path(entry)),
                        Some("expired-or-not-a-token"),
                        Vec::new(),
                    ),
                };
                what = format!("{method} {path} {headers:?} (refused)");
                let (s, h, b) = send(&server, method, &path, token, &headers, None).await;
                if s == 401 {
                    // An unknown token: Zuora's 401, category 11, still one of the shapes.
                    check!(
                        b["success"] == false
                            && b["reasons"][0]["code"]
                                .as_str()
                                .is_some_and(|c| c.ends_with("11")),
                        "{what}: {b}"
                    );
                    seen.lock()
                        .expect("a lock")
                        .sent
                        .entry(Kind::Refused)
                        .or_default()
                        .0 += 1;
                    continue;
                }
                (Kind::Refused, s, h, b)
            }
            10 => {
                let to = *rng.pick(&["Processing", "Yes", "Error"]);
                let path = format!("/_control/entries/{}/transfer", entry_path(entry));
                what = format!("POST {path} {to}");
                let body = serde_json::to_vec(&json!({ "to": to })).expect("JSON");
                let (s, h, b) = send(&server, Method::POST, &path, None, &[], Some(body)).await;
                check!(matches!(s, 200 | 404 | 409), "{what}: {s} {b}");
                check!(s == 200 || b["error"].is_string(), "{what}: {s} {b}");
                let mut seen = seen.lock().expect("a lock");
                let count = seen.sent.entry(Kind::Transfer).or_default();
                count.0 += 1;
                count.1 += usize::from(s == 200);
                drop(h);
                continue;
            }
            _ => {
                let action = *rng.pick(&["step", "step", "pause", "resume", "finish"]);
                let path = format!("/_control/runs/{}/job/{action}", run_path(run));
                what = format!("POST {path}");
                let (s, _, b) = send(&server, Method::POST, &path, None, &[], None).await;
                check!(matches!(s, 200 | 404), "{what}: {s} {b}");
                let mut seen = seen.lock().expect("a lock");
                let count = seen.sent.entry(Kind::Job).or_default();
                count.0 += 1;
                count.1 += usize::from(s == 200);
                continue;
            }
        };
        let accepted = check_zuora_answer(kind, &what, status, &headers, &body);
        let mut seen = seen.lock().expect("a lock");
        let count = seen.sent.entry(kind).or_default();
        count.0 += 1;
        count.1 += usize::from(accepted);
    }
}

// ---------------------------------------------------------------------------------------------
// The end.

const BUSY: [&str; 4] = [
    "Pending",
    "Processing",
    "CancelInprogress",
    "DeleteInprogress",
];

/// Resumes every job and waits until none has work left.
async fn settle(server: &Server) -> Vec<Value> {
    server.control("/jobs/resume", None).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = server.control_get("/runs").await;
        let runs = runs.as_array().expect("a list").clone();
        for run in runs.iter().filter(|r| r["paused"] == true) {
            let number = run["number"].as_str().expect("a number");
            server
                .control(&format!("/runs/{number}/job/resume"), None)
                .await;
        }
        if runs
            .iter()
            .all(|r| !BUSY.contains(&r["status"].as_str().unwrap_or_default()))
        {
            return runs;
        }
        check!(
            Instant::now() < deadline,
            "jobs did not finish: {}",
            Value::Array(runs)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The run a log's events replay to, from the documents the run began with.
fn replay_locally(base: &RunSnapshot, log: &[LogRecord]) -> JournalRun {
    let initial = JournalRun::try_from(base).expect("the base documents are a run");
    let events: Vec<&Event> = log
        .iter()
        .filter_map(|r| match &r.change {
            Change::Event(event) => Some(event),
            Change::Edit(_) => None,
        })
        .collect();
    JournalRun::replay(initial, events.iter().copied())
        .unwrap_or_else(|(i, e)| panic!("[SIM_SEED={}] event {i} does not fit: {e}", seed()))
}

/// Every run: its log has no gap, the server's replay and the library's equal the run, the
/// export passes the library's audit; entries belong to one run each. Returns the exports.
async fn audit(
    server: &Server,
    runs: &[Value],
    loaded: &BTreeMap<String, RunSnapshot>,
) -> (BTreeMap<String, Value>, usize) {
    let mut exports = BTreeMap::new();
    let mut records = 0;
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for run in runs {
        let number = run["number"].as_str().expect("a number").to_owned();
        let log: Vec<LogRecord> =
            serde_json::from_value(server.control_get(&format!("/runs/{number}/log")).await)
                .expect("a log");
        records += log.len();
        let seqs: Vec<u64> = log.iter().map(|r| r.seq).collect();
        check!(
            seqs == (1..=log.len() as u64).collect::<Vec<_>>(),
            "{number}: the log's seq numbers are not 1..n: {seqs:?}"
        );
        check!(
            run["logLength"] == log.len(),
            "{number}: logLength {} but {} records",
            run["logLength"],
            log.len()
        );
        let replay = server.control_get(&format!("/runs/{number}/replay")).await;
        check!(
            replay == json!({"equal": true, "records": log.len()}),
            "{number}: the server's replay: {replay}"
        );
        let base = loaded.get(&number).cloned().unwrap_or_else(|| {
            snapshot(&json!({"journalRun": {"number": number, "status": "Pending"}}))
        });
        let replayed = replay_locally(&base, &log);
        if run["status"] == "Deleted" {
            check!(
                replayed.status().is_none(),
                "{number}: deleted, but the replay is {replayed:?}"
            );
            continue;
        }
        let export = server.control_get(&format!("/runs/{number}")).await;
        let exported = snapshot(&export);
        let audited = JournalRun::try_from(&exported).unwrap_or_else(|e| {
            panic!(
                "[SIM_SEED={}] {number}: the export fails the audit: {e}",
                seed()
            )
        });
        let violations = journal_run::invariants::check_state(&audited);
        check!(violations.is_empty(), "{number}: {violations:?}");
        check!(
            replayed == audited,
            "{number}: the replay of its log differs from the export:\n{replayed:?}\n{audited:?}"
        );
        check!(
            run["status"] == audited.status().map(|s| s.as_str()).unwrap_or_default()
                && run["entries"] == audited.entries().len()
                && run["cancelled"] == audited.cancelled_count(),
            "{number}: the list says {run}"
        );
        for entry in &exported.journal_entries {
            if let Some(other) = owners.insert(entry.number.clone(), number.clone()) {
                check!(false, "{} belongs to {other} and {number}", entry.number);
            }
        }
        exports.insert(number, export);
    }
    (exports, records)
}

/// INV-19: every run equals the replay of its log, and its audit is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inv_19_seeded_clients_and_jobs_end_in_audited_runs_that_equal_their_logs() {
    let seed = seed();
    let clients = env_or("SIM_CLIENTS", 4);
    let requests = env_or("SIM_REQUESTS", 150);
    eprintln!("SIM_SEED={seed} SIM_CLIENTS={clients} SIM_REQUESTS={requests}");
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("simulation.db").display().to_string();
    let mut config = Config::default();
    config.jobs.mode = JobMode::Auto;
    config.jobs.step_interval_ms = 1;
    config.processing.entries = 8;
    let options = Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db,
        load: Vec::new(),
        config,
    };
    let server = Arc::new(Server::start_with(options.clone()).await);
    let mut loaded = BTreeMap::new();
    for run in loaded_runs() {
        server.load(&run, None).await;
        loaded.insert(
            run["journalRun"]["number"]
                .as_str()
                .expect("a number")
                .to_owned(),
            snapshot(&run),
        );
    }

    let seen = Arc::new(Mutex::new(Seen::default()));
    let tasks: Vec<_> = (0..clients as u64)
        .map(|i| tokio::spawn(client(server.clone(), i, requests, seen.clone())))
        .collect();
    for task in tasks {
        task.await.expect("a client ends without failing");
    }

    let runs = settle(&server).await;
    let (exports, records) = audit(&server, &runs, &loaded).await;
    {
        let seen = seen.lock().expect("a lock");
        for created in &seen.created {
            check!(
                runs.iter().any(|r| r["number"] == created.as_str()),
                "{created} was created but is not listed"
            );
        }
        eprintln!(
            "{} runs ({} created), {} exported, {records} log records; requests (sent, accepted): {:?}",
            runs.len(),
            seen.created.len(),
            exports.len(),
            seen.sent
        );
        let accepted: usize = seen.sent.values().map(|(_, a)| a).sum();
        check!(
            accepted > clients * requests / 10,
            "too few requests were accepted: {:?}",
            seen.sent
        );
    }

    // A restart on the same store gives back the same runs.
    let server = Arc::try_unwrap(server).unwrap_or_else(|_| panic!("the clients are done"));
    server.stop().await;
    let server = Server::start_with(options).await;
    let after = server.control_get("/runs").await;
    check!(
        after == Value::Array(runs.clone()),
        "after a restart the runs differ:\n{}\n{after}",
        Value::Array(runs)
    );
    for (number, export) in &exports {
        let again = server.control_get(&format!("/runs/{number}")).await;
        check!(
            again == *export,
            "{number}: after a restart the export differs"
        );
    }
    server.stop().await;
    eprintln!("simulation done in {:?}", started.elapsed());
}
