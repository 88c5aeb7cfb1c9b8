//! On restart, every job resumes where it stopped.
//!
//! The real `journal-run serve` process, on a SQLite file, holds 20 runs of 50 entries. Client
//! tasks send a stream of requests (cancels of runs and entries, basic-information updates,
//! deletes, reads) while cancellation jobs run at a pace of 10 ms a step. The test kills the
//! server with SIGKILL three times, each time while a cancellation job is half-way (and once
//! while a create is in flight), restarts it on the same file (a new port) and goes on. At the
//! end, once every job has finished:
//!
//! - every request answered `success: true` has its effect, by the run's log (a run's cancel
//!   its `cancellationRequested`, an entry's cancel its `entryCancelled`, an update its
//!   records), and no refused request has one;
//! - every log's seq numbers are exactly 1..n, and the server's replay equals the run;
//! - every exported run passes `journal-run audit`, and the library's invariants hold at
//!   every step of its log;
//! - each run is what an uninterrupted server makes of the same requests: every step of its
//!   jobs is the one the library decides next from the state before (so no step is lost,
//!   repeated or skipped), a settled job leaves the run Cancelled exactly when every entry is
//!   cancelled and otherwise the status it had, and processing numbers new entries after
//!   every number the tenant ever held, deleted runs included.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use journal_run::wire::RunSnapshot;
use journal_run::{
    Caller, CancellableStatus, Event, JournalEntryNumber, JournalRun, JournalRunNumber,
    JournalRunStatus, RequestScope, Settlement, TransferredToAccounting,
};
use journal_run_server::control::SnapshotFile;
use journal_run_server::tenant::{Change, LogRecord};
use serde_json::{json, Value};
use tokio::sync::watch;

const BIN: &str = env!("CARGO_BIN_EXE_journal-run");

const RUNS: u64 = 20;
const ENTRIES: u64 = 50;
/// The run the test drives itself: cancelled, then deleted, before the first kill. Clients
/// leave it and its entries alone.
const DIRECTED: u64 = 20;
/// The user the default OAuth client's requests are logged as, and the jobs' author.
const USER: &str = "api-user";
const ZUORA: &str = "zuora";
/// How many entries processing creates (the config's `[processing] entries`).
const PROCESSED: u64 = 10;

const SEED: u64 = 0x00D0_7AB1_E000;

const CLIENT_ID: &str = "6f1c2b8e-0d4a-4c3e-9b7f-2a5d8e1c0f93";
const CLIENT_SECRET: &str = "0123456789abcdef0123456789abcdef01234567";

/// SplitMix64: each client's requests are the same on every run of the test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

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

fn run_of(entry: u64) -> u64 {
    (entry - 1) / ENTRIES + 1
}

/// Runs whose entries are all cancellable: a cancel leaves them Cancelled, so that deleting
/// them is accepted.
fn all_cancellable(run: u64) -> bool {
    run.is_multiple_of(4)
}

/// Run `run`: Error when `run % 3 == 0`, else Completed; entries numbered on across runs, some
/// transferred (Yes or Processing: a cancellation fails on them), some cancelled already.
fn initial(run: u64) -> Value {
    let entries: Vec<Value> = (1..=ENTRIES)
        .map(|i| {
            let number = (run - 1) * ENTRIES + i;
            let (status, transferred) = if all_cancellable(run) {
                ("Created", "No")
            } else if i % 7 == 3 {
                ("Created", "Yes")
            } else if i % 11 == 5 {
                ("Created", "Processing")
            } else if i % 13 == 0 {
                ("Cancelled", "No")
            } else {
                ("Created", "No")
            };
            json!({
                "number": format!("JE-{number:08}"),
                "status": status,
                "transferredToAccounting": transferred,
                "notes": format!("loaded {number}"),
                "currency": "USD",
                "journalEntryDate": "2026-01-31",
            })
        })
        .collect();
    json!({
        "journalRun": {
            "number": format!("JR-{run:08}"),
            "status": if run.is_multiple_of(3) { "Error" } else { "Completed" },
            "journalEntryDate": "2026-01-31",
            "targetStartDate": "2026-01-01",
            "targetEndDate": "2026-01-31",
            "totalJournalEntryCount": ENTRIES,
        },
        "journalEntries": entries,
    })
}

fn snapshot(value: &Value) -> RunSnapshot {
    serde_json::from_value::<SnapshotFile>(value.clone())
        .expect("a snapshot")
        .into()
}

// ---------------------------------------------------------------------------------------------
// The server process.

struct Process {
    child: Child,
    base: String,
    client: (String, String),
    /// The server's standard output, kept open.
    stdout: BufReader<ChildStdout>,
}

fn spawn(dir: &Path) -> Process {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .expect("the server's log");
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .arg("--db")
        .arg(dir.join("journal-run.db"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .env("JOURNAL_RUN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("journal-run serve starts");
    let stdout = BufReader::new(child.stdout.take().expect("its standard output"));
    // From here on, a failure kills the server.
    let mut process = Process {
        child,
        base: String::new(),
        client: (String::new(), String::new()),
        stdout,
    };
    let mut read = |what: &str| {
        let mut line = String::new();
        process.stdout.read_line(&mut line).expect("a line");
        assert!(
            line.starts_with(what),
            "expected {what:?}, read {line:?}; the server's log: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        line.trim_end()[what.len()..].to_owned()
    };
    let base = read("listening on ");
    let client = read("oauth client: ");
    let (id, secret) = client.split_once(' ').expect("an id and a secret");
    process.base = base;
    process.client = (id.to_owned(), secret.to_owned());
    process
}

impl Process {
    /// SIGKILL: nothing is flushed, nothing is shut down.
    fn kill(self) {
        drop(self);
    }
}

impl Drop for Process {
    /// Kills the server, also when the test fails half-way: no server outlives the test.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What clients send to: one server's address and token. `generation` counts restarts.
#[derive(Clone)]
struct Conn {
    generation: u64,
    base: String,
    token: String,
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client")
}

async fn token(http: &reqwest::Client, process: &Process) -> String {
    let answer: Value = http
        .post(format!("{}/oauth/token", process.base))
        .form(&[
            ("client_id", process.client.0.as_str()),
            ("client_secret", process.client.1.as_str()),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .expect("the token request is sent")
        .json()
        .await
        .expect("a JSON answer");
    answer["access_token"].as_str().expect("a token").to_owned()
}

async fn control_get(http: &reqwest::Client, base: &str, path: &str) -> Value {
    http.get(format!("{base}/_control{path}"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON")
}

/// Zuora's answer: the status and the JSON body, or `None` when the connection failed (the
/// server was killed): then whether the request took effect is unknown.
async fn zuora(
    http: &reqwest::Client,
    conn: &Conn,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<Value> {
    let mut request = http
        .request(method.clone(), format!("{}{path}", conn.base))
        .bearer_auth(&conn.token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.ok()?;
    let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{method} {path}: {status}, not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    let success = body["success"].as_bool();
    let code = body["reasons"][0]["code"].as_str().unwrap_or_default();
    // 401: a token of a killed server whose port the restarted one happens to reuse; the
    // request was not carried out.
    assert!(
        status == 200 || (status == 401 && code.ends_with("11")),
        "{method} {path}: {status} {body}"
    );
    assert!(success.is_some(), "{method} {path}: {body}");
    if success == Some(false) {
        assert!(
            code.len() == 8 && body["requestId"].as_str().map(str::len) == Some(36),
            "{method} {path}: {body}"
        );
    }
    Some(body)
}

// ---------------------------------------------------------------------------------------------
// The requests and what became of them.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    CancelRun(u64),
    DeleteRun(u64),
    CancelEntry(u64),
    DeleteEntry(u64),
    Update {
        entry: u64,
        notes: String,
        transferred: Option<&'static str>,
    },
    GetRun(u64),
    List(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Accepted,
    Refused,
    /// The connection broke: the server was killed before it answered.
    Unknown,
}

type Journal = Arc<Mutex<Vec<(Request, Outcome)>>>;

async fn send(http: &reqwest::Client, conn: &Conn, request: &Request) -> Outcome {
    use reqwest::Method as M;
    let (method, path, body) = match request {
        Request::CancelRun(r) => (M::PUT, format!("/v1/journal-runs/JR-{r:08}/cancel"), None),
        Request::DeleteRun(r) => (M::DELETE, format!("/v1/journal-runs/JR-{r:08}"), None),
        Request::CancelEntry(e) => (
            M::PUT,
            format!("/v1/journal-entries/JE-{e:08}/cancel"),
            None,
        ),
        Request::DeleteEntry(e) => (M::DELETE, format!("/v1/journal-entries/JE-{e:08}"), None),
        Request::Update {
            entry,
            notes,
            transferred,
        } => {
            let mut body = json!({ "notes": notes });
            if let Some(value) = transferred {
                body["transferredToAccounting"] = json!(value);
            }
            (
                M::PUT,
                format!("/v1/journal-entries/JE-{entry:08}/basic-information"),
                Some(body),
            )
        }
        Request::GetRun(r) => (M::GET, format!("/v1/journal-runs/JR-{r:08}"), None),
        Request::List(r) => (
            M::GET,
            format!("/v1/journal-entries/journal-runs/JR-{r:08}?pageSize=20&page=2"),
            None,
        ),
    };
    match zuora(http, conn, method, &path, &[], body.as_ref()).await {
        None => Outcome::Unknown,
        Some(body) if body["success"] == true => Outcome::Accepted,
        Some(_) => Outcome::Refused,
    }
}

/// Client `index`'s next request: runs 1 to 19 and the runs the test creates (JR-21 to
/// JR-23), their entries, and a few numbers held by no run.
fn next_request(rng: &mut Rng, index: u64, n: u64) -> Request {
    let run = match rng.range(1, 22) {
        r @ 1..=19 => r,
        r => r + 1,
    };
    let entry = loop {
        let e = rng.range(1, RUNS * ENTRIES + 3 * PROCESSED + 5);
        if run_of(e) != DIRECTED {
            break e;
        }
    };
    match rng.weighted(&[8, 30, 35, 8, 4, 5, 5]) {
        0 => Request::CancelRun(run),
        1 => Request::CancelEntry(entry),
        2 => {
            let values: &[&'static str] = if run_of(entry) <= RUNS && all_cancellable(run_of(entry))
            {
                &["No"]
            } else {
                &["No", "Yes", "Processing", "Error"]
            };
            let transferred = match rng.range(0, 2) {
                0 => None,
                _ => Some(values[(rng.next() % values.len() as u64) as usize]),
            };
            Request::Update {
                entry,
                notes: format!("client {index} request {n}"),
                transferred,
            }
        }
        3 => Request::DeleteEntry(entry),
        4 => Request::DeleteRun(4 * rng.range(1, 4)),
        5 => Request::GetRun(run),
        _ => Request::List(run),
    }
}

async fn client(
    index: u64,
    mut conn: watch::Receiver<Conn>,
    stop: Arc<AtomicBool>,
    journal: Journal,
) {
    let http = http();
    let mut rng = Rng(SEED ^ (index + 1).wrapping_mul(0xA076_1D64_78BD_642F));
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        let current = conn.borrow_and_update().clone();
        let request = next_request(&mut rng, index, n);
        n += 1;
        let outcome = send(&http, &current, &request).await;
        journal.lock().expect("a lock").push((request, outcome));
        if outcome == Outcome::Unknown {
            // Wait for the restarted server.
            while conn.borrow().generation == current.generation && !stop.load(Ordering::SeqCst) {
                let _ = tokio::time::timeout(Duration::from_millis(50), conn.changed()).await;
            }
        } else if rng.range(0, 3) == 0 {
            tokio::time::sleep(Duration::from_millis(rng.range(1, 4))).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The director.

const BUSY: [&str; 4] = [
    "Pending",
    "Processing",
    "CancelInprogress",
    "DeleteInprogress",
];

/// Polls the run list until `done` holds; returns it.
async fn wait_for(
    http: &reqwest::Client,
    base: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = control_get(http, base, "/runs").await;
        let runs = runs.as_array().expect("a list").clone();
        if done(&runs) {
            return runs;
        }
        assert!(
            Instant::now() < deadline,
            "waited too long for {what}: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn status_of<'a>(runs: &'a [Value], number: &str) -> &'a str {
    runs.iter()
        .find(|r| r["number"] == number)
        .and_then(|r| r["status"].as_str())
        .unwrap_or_default()
}

/// Runs whose cancellation job is half-way: some entries attempted, some not.
fn half_way(runs: &[Value], at_least: u64) -> Vec<String> {
    runs.iter()
        .filter(|r| {
            let next = r["job"]["next"].as_u64().unwrap_or(0);
            r["status"] == "CancelInprogress"
                && next >= at_least
                && next < r["entries"].as_u64().unwrap_or(0)
        })
        .map(|r| {
            format!(
                "{}@{}",
                r["number"].as_str().unwrap_or_default(),
                r["job"]["next"]
            )
        })
        .collect()
}

struct Director {
    dir: PathBuf,
    http: reqwest::Client,
    process: Option<Process>,
    conn: watch::Sender<Conn>,
    journal: Journal,
    /// Each Idempotency-Key of a create, and the run its answer named.
    created: BTreeMap<String, Option<String>>,
    /// At each kill, the jobs seen half-way just before; at each restart, those found
    /// half-way in the store.
    killed_during: Vec<Vec<String>>,
    resumed_half_way: Vec<Vec<String>>,
}

impl Director {
    fn base(&self) -> String {
        self.conn.borrow().base.clone()
    }

    async fn start(&mut self) {
        let process = spawn(&self.dir);
        let token = token(&self.http, &process).await;
        let generation = self.conn.borrow().generation + 1;
        self.conn.send_replace(Conn {
            generation,
            base: process.base.clone(),
            token,
        });
        self.process = Some(process);
    }

    async fn restart(&mut self) {
        self.start().await;
        let runs = control_get(&self.http, &self.base(), "/runs").await;
        self.resumed_half_way
            .push(half_way(runs.as_array().expect("a list"), 1));
    }

    /// Waits until some cancellation job is half-way (at least five entries attempted), lets
    /// `delay` pass, and kills the server.
    async fn kill_half_way(&mut self, delay: Duration) {
        let base = self.base();
        let runs = wait_for(&self.http, &base, "a job half-way", |runs| {
            !half_way(runs, 5).is_empty()
        })
        .await;
        tokio::time::sleep(delay).await;
        self.killed_during.push(half_way(&runs, 5));
        self.process.take().expect("a server").kill();
    }

    /// A request of the test's own, recorded with the clients'.
    async fn request(&self, request: Request) -> Outcome {
        let conn = self.conn.borrow().clone();
        let outcome = send(&self.http, &conn, &request).await;
        self.journal
            .lock()
            .expect("a lock")
            .push((request, outcome));
        outcome
    }

    /// Creates a run with `key` (once no run is Pending or Processing, so that the tenant
    /// rule does not refuse it); the answer's number, or `None` when the server died first.
    async fn create(&mut self, key: &str) -> Option<String> {
        let conn = self.conn.borrow().clone();
        wait_for(&self.http, &conn.base, "no run processing", |runs| {
            runs.iter()
                .all(|r| r["status"] != "Pending" && r["status"] != "Processing")
        })
        .await;
        let body = create_body();
        let answer = zuora(
            &self.http,
            &conn,
            reqwest::Method::POST,
            "/v1/journal-runs",
            &[("Idempotency-Key", key)],
            Some(&body),
        )
        .await;
        let number = answer.map(|a| {
            assert_eq!(a["success"], true, "create {key}: {a}");
            a["journalRunNumber"].as_str().expect("a number").to_owned()
        });
        self.created.insert(key.to_owned(), number.clone());
        number
    }
}

/// The body of every create the test sends.
fn create_body() -> Value {
    json!({
        "journalEntryDate": "2026-02-28",
        "targetStartDate": "2026-02-01",
        "targetEndDate": "2026-02-28",
        "transactionTypes": [{"type": "Invoice Item"}],
    })
}

// ---------------------------------------------------------------------------------------------
// The checks.

/// The command an event of the log stands for, as a job (`zuora`) or a request (`api-user`)
/// made it.
fn command_behind(run: JournalRunNumber, event: &Event) -> (journal_run::Command, &'static str) {
    use journal_run::Command as C;
    let scope = RequestScope::default();
    match event {
        Event::ProcessingStarted => (C::StartProcessing, ZUORA),
        Event::ProcessingCompleted { entries } => (
            C::CompleteProcessing {
                entries: entries.clone(),
            },
            ZUORA,
        ),
        Event::ProcessingFailed { entries } => (
            C::FailProcessing {
                entries: entries.clone(),
            },
            ZUORA,
        ),
        Event::EntryAttempted { .. } => (C::StepCancellation, ZUORA),
        Event::CancellationSettled { .. } => (C::SettleCancellation, ZUORA),
        Event::RunDeleted => (C::FinishDeletion, ZUORA),
        Event::CancellationRequested { .. } => (C::CancelRun { run, scope }, USER),
        Event::EntryCancelled { entry } => (
            C::CancelEntry {
                entry: *entry,
                scope,
            },
            USER,
        ),
        Event::EntryDeleted { entry } => (
            C::DeleteEntry {
                entry: *entry,
                scope,
            },
            USER,
        ),
        Event::TransferredToAccountingChanged { entry, to, .. } => (
            C::UpdateTransferredToAccounting {
                entry: *entry,
                value: *to,
                scope,
            },
            USER,
        ),
        Event::DeletionStarted => (C::DeleteRun { run, scope }, USER),
    }
}

/// What an uninterrupted server makes of run `number`'s log: each record's command executed
/// on the state before it, by the library, must give the very event the log holds; the
/// invariants hold after each; a settled job leaves the run Cancelled exactly when every
/// entry is cancelled, else the status it had. Returns the run, and each entry's notes.
fn uninterrupted(
    number: &str,
    base: &RunSnapshot,
    log: &[LogRecord],
) -> (JournalRun, BTreeMap<JournalEntryNumber, Option<String>>) {
    let mut run = JournalRun::try_from(base).expect("the first documents are a run");
    let mut notes: BTreeMap<JournalEntryNumber, Option<String>> = base
        .journal_entries
        .iter()
        .map(|doc| {
            (
                doc.number.parse().expect("a number"),
                doc.notes.value().cloned(),
            )
        })
        .collect();
    let superuser = Caller::superuser();
    let mut previous: Option<CancellableStatus> = None;
    for record in log {
        match &record.change {
            Change::Edit(edit) => {
                assert_eq!(record.by, USER, "{number} seq {}", record.seq);
                assert!(
                    run.entry(edit.entry).is_some(),
                    "{number} seq {}",
                    record.seq
                );
                if !edit.notes.is_absent() {
                    notes.insert(edit.entry, edit.notes.value().cloned());
                }
            }
            Change::Event(event) => {
                let before = run.clone();
                let (command, by) = command_behind(run.number(), event);
                assert_eq!(record.by, by, "{number} seq {}: {event:?}", record.seq);
                let decided = run.execute(&superuser, &command).unwrap_or_else(|e| {
                    panic!("{number} seq {}: {command:?} is refused: {e}", record.seq)
                });
                assert_eq!(
                    &decided, event,
                    "{number} seq {}: an uninterrupted server decides another event",
                    record.seq
                );
                let violations = journal_run::invariants::check_transition(&before, &run);
                assert!(
                    violations.is_empty(),
                    "{number} seq {}: {violations:?}",
                    record.seq
                );
                match event {
                    Event::CancellationRequested { previous: p } => previous = Some(*p),
                    Event::CancellationSettled { settlement } => {
                        let all = before.cancelled_count() == before.entries().len();
                        let had: JournalRunStatus = previous.take().expect("a job ran").into();
                        let expected = if all {
                            JournalRunStatus::Cancelled
                        } else {
                            had
                        };
                        assert_eq!(
                            run.status(),
                            Some(expected),
                            "{number} seq {}: settled {settlement:?} with {} of {} entries cancelled",
                            record.seq,
                            before.cancelled_count(),
                            before.entries().len()
                        );
                        assert_eq!(*settlement == Settlement::Cancelled, all);
                    }
                    Event::EntryDeleted { entry } => {
                        notes.remove(entry);
                    }
                    Event::ProcessingCompleted { entries }
                    | Event::ProcessingFailed { entries } => {
                        for entry in entries {
                            notes.insert(*entry, None);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let violations = journal_run::invariants::check_state(&run);
    assert!(violations.is_empty(), "{number}: {violations:?}");
    let events = log.iter().filter_map(|r| match &r.change {
        Change::Event(event) => Some(event),
        Change::Edit(_) => None,
    });
    let replayed = JournalRun::replay(JournalRun::try_from(base).expect("a run"), events)
        .unwrap_or_else(|(i, e)| panic!("{number}: event {i} does not replay: {e}"));
    assert_eq!(replayed, run, "{number}: the replay of the log");
    (run, notes)
}

/// The events of every run's log by entry and kind, for the effects of requests.
#[derive(Default)]
struct Effects {
    run_cancels: BTreeMap<u64, usize>,
    run_deletes: BTreeMap<u64, usize>,
    entry_cancels: BTreeMap<u64, usize>,
    entry_deletes: BTreeMap<u64, usize>,
    /// The records of each update, by its notes: the edit's run and seq.
    updates: BTreeMap<String, Vec<(u64, u64)>>,
}

fn number_of(text: &str) -> u64 {
    text[3..].parse().expect("a number")
}

/// INV-19: every answered change survives SIGKILL, logs stay 1..n, jobs end as uninterrupted ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inv_19_every_job_resumes_where_it_stopped_and_ends_as_an_uninterrupted_one() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("config.toml"),
        // A configured client: its credentials, and the answers saved for its
        // Idempotency-Keys, outlive a restart (the default client is new at each start).
        format!(
            "[[clients]]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\n\
             [jobs]\nmode = \"auto\"\nstep_interval_ms = 10\n\n\
             [processing]\nentries = {PROCESSED}\n"
        ),
    )
    .expect("the config");
    let http = http();
    let (conn, watched) = watch::channel(Conn {
        generation: 0,
        base: String::new(),
        token: String::new(),
    });
    let journal: Journal = Arc::default();
    let mut director = Director {
        dir: dir.path().to_owned(),
        http: http.clone(),
        process: None,
        conn,
        journal: journal.clone(),
        created: BTreeMap::new(),
        killed_during: Vec::new(),
        resumed_half_way: Vec::new(),
    };

    // The 20 runs.
    director.start().await;
    let mut initial_runs = BTreeMap::new();
    for run in 1..=RUNS {
        let snapshot_json = initial(run);
        let response = http
            .post(format!("{}/_control/runs", director.base()))
            .json(&snapshot_json)
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response.status(),
            200,
            "{}",
            response.text().await.unwrap_or_default()
        );
        initial_runs.insert(format!("JR-{run:08}"), snapshot(&snapshot_json));
    }

    // The clients.
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|i| tokio::spawn(client(i, watched.clone(), stop.clone(), journal.clone())))
        .collect();

    // 1. The test's own run is cancelled (every entry is cancellable), then deleted.
    let directed = format!("JR-{DIRECTED:08}");
    assert_eq!(
        director.request(Request::CancelRun(DIRECTED)).await,
        Outcome::Accepted
    );
    for run in 1..=3 {
        director.request(Request::CancelRun(run)).await;
    }
    wait_for(
        &http,
        &director.base(),
        "the directed run cancelled",
        |runs| status_of(runs, &directed) == "Cancelled",
    )
    .await;
    assert_eq!(
        director.request(Request::DeleteRun(DIRECTED)).await,
        Outcome::Accepted
    );
    wait_for(
        &http,
        &director.base(),
        "the directed run deleted",
        |runs| status_of(runs, &directed) == "Deleted",
    )
    .await;
    director.kill_half_way(Duration::from_millis(30)).await;

    // 2. After the first restart, a run is created: its entries are numbered after every
    // entry the tenant held, the deleted run's included.
    director.restart().await;
    for run in 5..=7 {
        director.request(Request::CancelRun(run)).await;
    }
    director.create("create-1").await.expect("an answer");
    director.kill_half_way(Duration::from_millis(120)).await;

    // 3. A create in flight when the server is killed: retried with the same key after the
    // restart, it creates one run, whether or not the first attempt was committed.
    director.restart().await;
    for run in 9..=11 {
        director.request(Request::CancelRun(run)).await;
    }
    let base = director.base();
    wait_for(&http, &base, "a job half-way, no run processing", |runs| {
        !half_way(runs, 5).is_empty()
            && runs
                .iter()
                .all(|r| r["status"] != "Pending" && r["status"] != "Processing")
    })
    .await;
    let in_flight = {
        let conn = director.conn.borrow().clone();
        let http = http.clone();
        tokio::spawn(async move {
            let body = create_body();
            zuora(
                &http,
                &conn,
                reqwest::Method::POST,
                "/v1/journal-runs",
                &[("Idempotency-Key", "create-2")],
                Some(&body),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(2)).await;
    director.kill_half_way(Duration::ZERO).await;
    let first_attempt = in_flight.await.expect("the request task ends");
    director.restart().await;
    let committed = control_get(&http, &director.base(), "/runs")
        .await
        .as_array()
        .is_some_and(|runs| runs.len() == RUNS as usize + 2);
    let retried = director.create("create-2").await.expect("an answer");
    if let Some(first) = &first_attempt {
        assert_eq!(
            first["journalRunNumber"],
            retried.as_str(),
            "the retry replays the first answer: {first}"
        );
    }

    // 4. The clients go on a little, then stop; every job finishes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    director.create("create-3").await.expect("an answer");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.expect("a client ends without failing");
    }
    let base = director.base();
    let runs = wait_for(&http, &base, "every job finished", |runs| {
        runs.iter()
            .all(|r| !BUSY.contains(&r["status"].as_str().unwrap_or_default()))
    })
    .await;

    // The checks.
    let journal = journal.lock().expect("a lock").clone();
    let mut effects = Effects::default();
    let mut logs: BTreeMap<String, Vec<LogRecord>> = BTreeMap::new();
    let mut records_checked = 0;
    for run in &runs {
        let number = run["number"].as_str().expect("a number").to_owned();
        let log: Vec<LogRecord> =
            serde_json::from_value(control_get(&http, &base, &format!("/runs/{number}/log")).await)
                .expect("a log");
        // No gap and no duplicate.
        let seqs: Vec<u64> = log.iter().map(|r| r.seq).collect();
        assert_eq!(
            seqs,
            (1..=log.len() as u64).collect::<Vec<_>>(),
            "{number}: seqs"
        );
        assert_eq!(run["logLength"], log.len(), "{number}");
        let replay = control_get(&http, &base, &format!("/runs/{number}/replay")).await;
        assert_eq!(
            replay,
            json!({"equal": true, "records": log.len()}),
            "{number}"
        );
        records_checked += log.len();
        let n = number_of(&number);
        for (i, record) in log.iter().enumerate() {
            match &record.change {
                Change::Event(Event::CancellationRequested { .. }) => {
                    *effects.run_cancels.entry(n).or_default() += 1;
                }
                Change::Event(Event::DeletionStarted) => {
                    *effects.run_deletes.entry(n).or_default() += 1
                }
                Change::Event(Event::EntryCancelled { entry }) => {
                    *effects.entry_cancels.entry(entry.get()).or_default() += 1;
                }
                Change::Event(Event::EntryDeleted { entry }) => {
                    *effects.entry_deletes.entry(entry.get()).or_default() += 1;
                }
                Change::Event(Event::TransferredToAccountingChanged { entry, .. }) => {
                    // One request's two records: the change, then the edit of its notes.
                    let next = log.get(i + 1).map(|r| &r.change);
                    assert!(
                        matches!(next, Some(Change::Edit(edit)) if edit.entry == *entry),
                        "{number} seq {}: a transfer change without its request's edit",
                        record.seq
                    );
                }
                Change::Edit(edit) => {
                    let notes = edit.notes.value().cloned().unwrap_or_default();
                    effects
                        .updates
                        .entry(notes)
                        .or_default()
                        .push((n, record.seq));
                }
                Change::Event(_) => {}
            }
        }
        logs.insert(number, log);
    }

    // (a) Every accepted request has its effect, and no refused one has.
    let mut tally: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut by_target: BTreeMap<(&str, u64), (usize, usize)> = BTreeMap::new();
    for (request, outcome) in &journal {
        *tally.entry(*outcome).or_default() += 1;
        let target = match request {
            Request::CancelRun(r) => Some(("cancel run", *r)),
            Request::DeleteRun(r) => Some(("delete run", *r)),
            Request::CancelEntry(e) => Some(("cancel entry", *e)),
            Request::DeleteEntry(e) => Some(("delete entry", *e)),
            Request::Update {
                entry,
                notes,
                transferred,
            } => {
                let found = effects.updates.get(notes).cloned().unwrap_or_default();
                match outcome {
                    Outcome::Accepted => assert_eq!(found.len(), 1, "{request:?}: {found:?}"),
                    Outcome::Refused => assert!(found.is_empty(), "{request:?}: {found:?}"),
                    Outcome::Unknown => assert!(found.len() <= 1, "{request:?}: {found:?}"),
                }
                if let (Some((run, seq)), Some(value)) = (found.first(), transferred) {
                    let log = &logs[&format!("JR-{run:08}")];
                    let change = log.iter().find(|r| r.seq == seq - 1).map(|r| &r.change);
                    let to: TransferredToAccounting = value.parse().expect("a value");
                    assert!(
                        matches!(change, Some(Change::Event(Event::TransferredToAccountingChanged { entry: e, to: t, .. })) if e.get() == *entry && *t == to),
                        "{request:?}: the record before its edit is {change:?}"
                    );
                }
                None
            }
            Request::GetRun(_) | Request::List(_) => None,
        };
        if let Some(target) = target {
            let count = by_target.entry(target).or_default();
            count.0 += usize::from(*outcome == Outcome::Accepted);
            count.1 += usize::from(*outcome == Outcome::Unknown);
        }
    }
    for ((kind, target), (accepted, unknown)) in &by_target {
        let effects = match *kind {
            "cancel run" => effects.run_cancels.get(target),
            "delete run" => effects.run_deletes.get(target),
            "cancel entry" => effects.entry_cancels.get(target),
            _ => effects.entry_deletes.get(target),
        }
        .copied()
        .unwrap_or(0);
        assert!(
            (*accepted..=accepted + unknown).contains(&effects),
            "{kind} {target}: {accepted} accepted, {unknown} unknown, {effects} in the logs"
        );
    }
    for (kind, events) in [
        ("cancel run", &effects.run_cancels),
        ("delete run", &effects.run_deletes),
        ("cancel entry", &effects.entry_cancels),
        ("delete entry", &effects.entry_deletes),
    ] {
        for (target, count) in events {
            assert!(
                by_target.contains_key(&(kind, *target)),
                "{kind} {target}: {count} events, and no such request"
            );
        }
    }
    for (notes, found) in &effects.updates {
        assert!(
            found.len() == 1 && (notes.starts_with("client ") || notes.is_empty()),
            "an edit {notes:?} without its one request: {found:?}"
        );
    }

    // (b)-(e) Each run: audited, and what an uninterrupted server makes of its log.
    let mut ever_held: Vec<u64> = Vec::new();
    let mut created_entries: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for run in &runs {
        let number = run["number"].as_str().expect("a number");
        let log = &logs[number];
        let first_docs = initial_runs.get(number).cloned().unwrap_or_else(|| {
            snapshot(&json!({"journalRun": {"number": number, "status": "Pending"}}))
        });
        ever_held.extend(
            first_docs
                .journal_entries
                .iter()
                .map(|d| number_of(&d.number)),
        );
        for record in log {
            if let Change::Event(
                Event::ProcessingCompleted { entries } | Event::ProcessingFailed { entries },
            ) = &record.change
            {
                ever_held.extend(entries.iter().map(|e| e.get()));
                created_entries
                    .entry(number.to_owned())
                    .or_default()
                    .extend(entries.iter().map(|e| e.get()));
            }
        }
        let (reference, notes) = uninterrupted(number, &first_docs, log);
        if run["status"] == "Deleted" {
            assert!(reference.status().is_none(), "{number}: {reference:?}");
            continue;
        }
        let export = control_get(&http, &base, &format!("/runs/{number}")).await;
        let file = dir.path().join(format!("{number}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(&export).expect("JSON")).expect("written");
        let audit = Command::new(BIN)
            .args(["audit", "--snapshot"])
            .arg(&file)
            .output()
            .expect("journal-run audit runs");
        assert!(
            audit.status.success(),
            "{number}: journal-run audit: {}{}",
            String::from_utf8_lossy(&audit.stdout),
            String::from_utf8_lossy(&audit.stderr)
        );
        let exported = snapshot(&export);
        let audited = JournalRun::try_from(&exported).expect("the export is a run");
        assert_eq!(
            audited, reference,
            "{number}: the run differs from the uninterrupted one"
        );
        for doc in &exported.journal_entries {
            let entry: JournalEntryNumber = doc.number.parse().expect("a number");
            assert_eq!(
                doc.notes.value().cloned(),
                notes.get(&entry).cloned().flatten(),
                "{number} {}: notes",
                doc.number
            );
        }
    }

    // Entry numbers are never reused: processing numbers on after every entry ever held.
    let mut seen_numbers = BTreeSet::new();
    let twice: Vec<u64> = ever_held
        .iter()
        .copied()
        .filter(|n| !seen_numbers.insert(*n))
        .collect();
    assert!(
        twice.is_empty(),
        "entry numbers given twice (a deleted run's, after a restart): {twice:?}; created: {created_entries:?}"
    );
    let created: Vec<&String> = director.created.values().flatten().collect();
    let distinct: BTreeSet<&String> = created.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        3,
        "one run per Idempotency-Key: {:?}",
        director.created
    );
    assert_eq!(runs.len(), RUNS as usize + 3, "no run created twice");
    // Created runs are processed in turn (a client may cancel one while it is Pending: it then
    // has none), each numbering on from the last.
    let mut first = RUNS * ENTRIES + 1;
    for number in &distinct {
        if let Some(entries) = created_entries.get(*number) {
            assert_eq!(
                *entries,
                (first..first + PROCESSED).collect::<Vec<_>>(),
                "{number}: the entries processing created"
            );
            first += PROCESSED;
        }
    }
    assert!(first > RUNS * ENTRIES + 1, "no created run was processed");

    // The kills did land half-way through jobs, and the restarted server resumed them there.
    assert!(
        director.resumed_half_way.iter().any(|r| !r.is_empty()),
        "no restart found a job half-way: {:?}",
        director.resumed_half_way
    );
    eprintln!(
        "the create in flight at the third kill: {}",
        match &first_attempt {
            Some(answer) => format!("answered {answer}"),
            None if committed => {
                format!("committed, not answered; its retry replayed {retried}")
            }
            None => format!("not committed; its retry created {retried}"),
        }
    );
    eprintln!(
        "3 kills; jobs half-way at the kills: {:?}; resumed half-way: {:?}; requests: {} ({:?}); \
         {} runs, {records_checked} log records checked; {:?}",
        director.killed_during,
        director.resumed_half_way,
        journal.len(),
        tally,
        runs.len(),
        started.elapsed()
    );
    director.process.take().expect("a server").kill();
}
