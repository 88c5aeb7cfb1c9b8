//! The control API, under [`PREFIX`]: load, export and inspect runs, steer the background
//! jobs, play the accounting integration, expire tokens, reset. docs/SERVER.md,
//! "The control API", documents every endpoint. Loopback only unless the config allows remote
//! callers, who must then send the control token.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use journal_run::wire::RunSnapshot;
use journal_run::{
    Command, EntityId, JournalEntryNumber, JournalRun, JournalRunNumber, TransferResult,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::{now_rfc3339, App};
use crate::config::Processing;
use crate::jobs;
use crate::store::Write;
use crate::tenant::{system, LogRecord, RunKey};

/// The control API's prefix: no Zuora path begins with `/_`.
pub const PREFIX: &str = "/_control";

/// Who the log names as the author of the accounting integration's changes.
pub const ACCOUNTING: &str = "accounting integration";

/// An error of the control API: a status and a message (`{"error": "..."}`).
pub struct ControlError(StatusCode, String);

impl ControlError {
    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.1
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad(message: impl Into<String>) -> ControlError {
    ControlError(StatusCode::BAD_REQUEST, message.into())
}

fn not_found(message: impl Into<String>) -> ControlError {
    ControlError(StatusCode::NOT_FOUND, message.into())
}

/// Answers the extractors' own refusals (a malformed path or query, a missing route) in the
/// control API's form, `{"error": "..."}`, instead of axum's plain text.
pub async fn json_errors(response: Response) -> Response {
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let status = response.status();
    if !(plain && (status.is_client_error() || status.is_server_error())) {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    ControlError(status, text).into_response()
}

/// Refuses a control request from another host than loopback, unless the config allows it;
/// then the request must carry the control token.
pub async fn guard(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    let control = &app.config.control;
    if !peer.ip().is_loopback() {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| journal_run::wire::bearer_token(v).ok());
        let allowed =
            control.allow_remote && control.token.is_some() && token == control.token.as_deref();
        if !allowed {
            return ControlError(
                StatusCode::FORBIDDEN,
                "the control API answers loopback only, or remote callers with the control token"
                    .to_owned(),
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// The query of run-addressed control requests.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityQuery {
    /// The entity (absent: no entity).
    #[serde(default)]
    pub entity: Option<String>,
}

fn entity(query: &EntityQuery) -> Result<Option<EntityId>, ControlError> {
    query
        .entity
        .as_deref()
        .map(|e| {
            e.parse()
                .map_err(|e: journal_run::HeaderError| bad(format!("entity: {e}")))
        })
        .transpose()
}

fn run_key(app: &App, number: &str, query: &EntityQuery) -> Result<RunKey, ControlError> {
    let number: JournalRunNumber = number
        .parse()
        .map_err(|e: journal_run::NumberError| bad(format!("jr-number: {e}")))?;
    let entity = entity(query)?;
    app.read()
        .find_run(entity.as_ref(), number)
        .ok_or_else(|| not_found(format!("journal run {number} not found")))
}

/// A run as a snapshot file: the format `journal-run cancel` and `journal-run audit` read
/// (`journalRun`, `journalEntries`, and `cancellationJob` for a `CancelInprogress` run whose
/// job's state is known). A file's `caller` and `request` are accepted and not used.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnapshotFile {
    /// The run's document.
    pub journal_run: journal_run::wire::GetJournalRunType,
    /// Every entry's document.
    #[serde(default)]
    pub journal_entries: Vec<journal_run::wire::GetJournalEntryDetailType>,
    /// The job's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_job: Option<journal_run::CancellationJob>,
    /// A caller (the CLI's; not used here).
    #[serde(default, skip_serializing)]
    pub caller: Option<serde_json::Value>,
    /// A request (the CLI's; not used here).
    #[serde(default, skip_serializing)]
    pub request: Option<serde_json::Value>,
}

impl From<SnapshotFile> for RunSnapshot {
    fn from(file: SnapshotFile) -> Self {
        Self {
            run: file.journal_run,
            journal_entries: file.journal_entries,
            cancellation_job: file.cancellation_job,
        }
    }
}

impl From<RunSnapshot> for SnapshotFile {
    fn from(snapshot: RunSnapshot) -> Self {
        Self {
            journal_run: snapshot.run,
            journal_entries: snapshot.journal_entries,
            cancellation_job: snapshot.cancellation_job,
            caller: None,
            request: None,
        }
    }
}

/// A run in the list.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    entity: Option<String>,
    number: String,
    status: String,
    entries: usize,
    cancelled: usize,
    job: Option<journal_run::CancellationJob>,
    paused: bool,
    log_length: usize,
}

/// `GET /_control/runs`: every run.
pub async fn list(State(app): State<Arc<App>>) -> Json<Vec<RunSummary>> {
    let tenant = app.read();
    Json(
        tenant
            .runs()
            .map(|(key, record)| RunSummary {
                entity: key.entity.as_ref().map(ToString::to_string),
                number: key.number.to_string(),
                status: record
                    .run
                    .status()
                    .map_or("Deleted", |s| s.as_str())
                    .to_owned(),
                entries: record.run.entries().len(),
                cancelled: record.run.cancelled_count(),
                job: record.run.job().copied(),
                paused: record.paused,
                log_length: record.log.len(),
            })
            .collect(),
    )
}

/// `POST /_control/runs?entity=E`: load or replace a run from a snapshot (the format `cancel`
/// and `audit` read).
pub async fn load(
    State(app): State<Arc<App>>,
    Query(query): Query<EntityQuery>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ControlError> {
    let snapshot: SnapshotFile =
        serde_json::from_slice(&body).map_err(|e| bad(format!("the snapshot: {e}")))?;
    let entity = entity(&query)?;
    let number = load_snapshot(&app, entity, snapshot.into()).await?;
    Ok(Json(json!({ "loaded": number.to_string() })))
}

/// Takes in a snapshot as a run (replacing one with the same key) and commits it.
///
/// # Errors
///
/// A 400 naming what is wrong with the snapshot.
pub async fn load_snapshot(
    app: &App,
    entity: Option<EntityId>,
    snapshot: RunSnapshot,
) -> Result<JournalRunNumber, ControlError> {
    let number = JournalRun::try_from(&snapshot)
        .map_err(|e| bad(e.to_string()))?
        .number();
    let key = RunKey { entity, number };
    let documents = serde_json::to_string(&snapshot).map_err(|e| bad(e.to_string()))?;
    let done = {
        let mut tenant = app.write();
        tenant
            .insert(key.clone(), snapshot, Vec::new())
            .map_err(|e| bad(e.to_string()))?;
        let (ticket, done) = app.store.submit(vec![Write::Run {
            key: key.clone(),
            documents,
        }]);
        tenant.set_ticket(&key, ticket);
        done
    };
    app.wake_jobs.notify_one();
    done.await.map_err(|_| {
        ControlError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store stopped".to_owned(),
        )
    })?;
    Ok(number)
}

/// `GET /_control/runs/{jr}?entity=E`: the run as a snapshot, with its job's state.
pub async fn export(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    Query(query): Query<EntityQuery>,
) -> Result<Json<SnapshotFile>, ControlError> {
    let key = run_key(&app, &number, &query)?;
    let tenant = app.read();
    let record = tenant.get(&key).ok_or_else(|| not_found("gone"))?;
    if record.run.status().is_none() {
        return Err(not_found(format!("journal run {} is deleted", key.number)));
    }
    Ok(Json(record.snapshot().into()))
}

/// `GET /_control/runs/{jr}/log?entity=E`: the run's log.
pub async fn log(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    Query(query): Query<EntityQuery>,
) -> Result<Json<Vec<LogRecord>>, ControlError> {
    let key = run_key(&app, &number, &query)?;
    let tenant = app.read();
    Ok(Json(
        tenant.get(&key).map(|r| r.log.clone()).unwrap_or_default(),
    ))
}

/// `GET /_control/runs/{jr}/replay?entity=E`: rebuilds the run from its base documents and
/// its log with the library, and says whether that equals the run the server holds.
pub async fn replay(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    Query(query): Query<EntityQuery>,
) -> Result<Json<serde_json::Value>, ControlError> {
    let key = run_key(&app, &number, &query)?;
    let (base, log, run) = {
        let tenant = app.read();
        let record = tenant.get(&key).ok_or_else(|| not_found("gone"))?;
        (record.base.clone(), record.log.clone(), record.run.clone())
    };
    let mut rebuilt = crate::tenant::Tenant::default();
    let records = log.len();
    rebuilt
        .insert(key.clone(), base, log)
        .map_err(|e| bad(e.to_string()))?;
    let equal = rebuilt.get(&key).is_some_and(|r| r.run == run);
    Ok(Json(json!({ "equal": equal, "records": records })))
}

/// `POST /_control/runs/{jr}/job/{action}?entity=E`: `step`, `finish`, `pause` or `resume`.
pub async fn job(
    State(app): State<Arc<App>>,
    Path((number, action)): Path<(String, String)>,
    Query(query): Query<EntityQuery>,
) -> Result<Json<serde_json::Value>, ControlError> {
    let key = run_key(&app, &number, &query)?;
    match action.as_str() {
        "pause" | "resume" => {
            app.write().set_paused(&key, action == "pause");
            app.wake_jobs.notify_one();
            Ok(Json(json!({ "paused": action == "pause" })))
        }
        "step" | "finish" => {
            let limit = if action == "step" { 1 } else { usize::MAX };
            let (steps, done) = {
                let mut tenant = app.write();
                let mut records = Vec::new();
                let mut commands = Vec::new();
                while records.len() < limit {
                    match jobs::step(&app, &mut tenant, &key, &now_rfc3339()) {
                        Some((command, record)) => {
                            commands.push(command.kind().as_str());
                            records.push((key.clone(), record));
                        }
                        None => break,
                    }
                }
                (commands, app.persist(&mut tenant, records))
            };
            done.await.map_err(|_| {
                ControlError(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the store stopped".to_owned(),
                )
            })?;
            let status = app
                .read()
                .get(&key)
                .and_then(|r| r.run.status())
                .map_or("Deleted", |s| s.as_str());
            Ok(Json(
                json!({ "steps": steps.len(), "last": steps.last(), "status": status }),
            ))
        }
        other => Err(not_found(format!(
            "no job action {other:?}: use step, finish, pause or resume"
        ))),
    }
}

/// `POST /_control/jobs/{pause|resume}`: every job.
pub async fn jobs_switch(
    State(app): State<Arc<App>>,
    Path(action): Path<String>,
) -> Result<Json<serde_json::Value>, ControlError> {
    let paused = match action.as_str() {
        "pause" => true,
        "resume" => false,
        other => {
            return Err(not_found(format!(
                "no jobs action {other:?}: use pause or resume"
            )))
        }
    };
    app.jobs_paused.store(paused, Ordering::SeqCst);
    app.wake_jobs.notify_one();
    Ok(Json(json!({ "paused": paused })))
}

/// `GET`/`PUT /_control/processing`: what processing a created run produces.
pub async fn get_processing(State(app): State<Arc<App>>) -> Json<Processing> {
    Json(app.processing())
}

/// `PUT /_control/processing`.
pub async fn set_processing(
    State(app): State<Arc<App>>,
    body: Bytes,
) -> Result<Json<Processing>, ControlError> {
    let processing: Processing = serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
    app.set_processing(processing);
    Ok(Json(processing))
}

/// The body of `POST /_control/entries/{je}/transfer`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// `Processing` (the integration begins), `Yes` or `Error` (it ends).
    pub to: String,
}

/// `POST /_control/entries/{je}/transfer?entity=E`: the accounting integration moves an
/// entry's Transferred to Accounting (`No -> Processing -> Yes | Error`), by the rules.
pub async fn transfer(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    Query(query): Query<EntityQuery>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ControlError> {
    let transfer: Transfer = serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
    let entry: JournalEntryNumber = number
        .parse()
        .map_err(|e: journal_run::NumberError| bad(format!("je-number: {e}")))?;
    let command = match transfer.to.as_str() {
        "Processing" => Command::BeginTransfer { entry },
        "Yes" => Command::FinishTransfer {
            entry,
            result: TransferResult::Yes,
        },
        "Error" => Command::FinishTransfer {
            entry,
            result: TransferResult::Error,
        },
        other => {
            return Err(bad(format!(
                "to: expected Processing, Yes or Error, found {other:?}"
            )))
        }
    };
    let entity = entity(&query)?;
    let done = {
        let mut tenant = app.write();
        let key = tenant
            .find_entry(entity.as_ref(), entry)
            .ok_or_else(|| not_found(format!("journal entry {entry} not found")))?;
        let record = tenant
            .execute(&key, &system(), &command, &now_rfc3339(), ACCOUNTING)
            .map_err(|e| ControlError(StatusCode::CONFLICT, e.to_string()))?;
        app.persist(&mut tenant, vec![(key, record)])
    };
    done.await.map_err(|_| {
        ControlError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store stopped".to_owned(),
        )
    })?;
    Ok(Json(
        json!({ "entry": entry.to_string(), "transferredToAccounting": transfer.to }),
    ))
}

/// The body of `POST /_control/tokens/expire` (optional).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expire {
    /// One token to expire; absent: every token.
    #[serde(default)]
    pub token: Option<String>,
}

/// `POST /_control/tokens/expire`: expires every token, or the one given.
pub async fn expire(
    State(app): State<Arc<App>>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ControlError> {
    let expire: Expire = if body.is_empty() {
        Expire::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?
    };
    let expired = app.expire_tokens(expire.token.as_deref());
    Ok(Json(json!({ "expired": expired })))
}

/// `POST /_control/reset`: forgets every run, saved answer and token.
pub async fn reset(State(app): State<Arc<App>>) -> Result<Json<serde_json::Value>, ControlError> {
    let done = {
        let mut tenant = app.write();
        tenant.clear();
        app.store.submit(vec![Write::Reset]).1
    };
    app.clear_idempotency();
    app.expire_tokens(None);
    done.await.map_err(|_| {
        ControlError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store stopped".to_owned(),
        )
    })?;
    Ok(Json(json!({ "reset": true })))
}

/// `GET /_control/health`.
pub async fn health(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!({ "ok": true, "runs": app.read().len() }))
}
