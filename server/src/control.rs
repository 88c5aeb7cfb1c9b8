//! The control API, under [`PREFIX`]: load, export and inspect runs, steer the background
//! jobs, play the accounting integration, expire tokens, reset. docs/SERVER.md,
//! "The control API", documents every endpoint. Loopback only unless the config allows remote
//! callers, who must then send the control token.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
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

pub mod json;

/// The control API's prefix: no Zuora path begins with `/_`.
pub const PREFIX: &str = "/_control";

/// Who the log names as the author of the accounting integration's changes.
pub const ACCOUNTING: &str = "accounting integration";

/// The largest snapshot `POST /_control/runs` reads, in bytes (1 GiB): far above any export a
/// test loads (a run of 100,000 entries is about 90 MB), and `--load` reads files without a
/// limit (docs/DECISIONS.md, D-39).
pub const SNAPSHOT_LIMIT: usize = 1 << 30;

/// The largest body of the control API's other requests, in bytes (64 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// An error of the control API, answered `{"error": "..."}` with its [status](Self::status).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// A body that is not the endpoint's JSON (400).
    #[error("{0}")]
    Body(#[from] json::BodyFault),
    /// A snapshot body that is not the snapshot format's JSON (400).
    #[error("the snapshot: {0}")]
    SnapshotBody(json::BodyFault),
    /// A snapshot that the library refuses (400).
    #[error("the snapshot: {reason}")]
    Snapshot {
        /// The library's reason.
        reason: String,
    },
    /// A query parameter the endpoint does not take (400).
    #[error("{0}")]
    Query(#[from] QueryFault),
    /// A value of a parameter or field that is not one the endpoint takes (400): `jr-number`,
    /// `je-number`, `entity`, `to`.
    #[error("{field}: {reason}")]
    Invalid {
        /// The parameter or field, by its documented name.
        field: &'static str,
        /// Why, in the library's words.
        reason: String,
    },
    /// A body that cannot be received (400).
    #[error("the request body cannot be read to its end")]
    Unreadable,
    /// A body that does not arrive within the deadline (400).
    #[error("the request body did not arrive within {seconds} seconds of its headers")]
    Late {
        /// The deadline, in seconds.
        seconds: u64,
    },
    /// A request whose path, query or form the router's extractors refuse (their status: 400,
    /// 415, 422).
    #[error("this request's path, query or form is not one this control path takes")]
    Unread {
        /// The extractor's status.
        status: StatusCode,
    },
    /// A body over the endpoint's limit (413).
    #[error("{what} is larger than the control API's limit of {limit} bytes")]
    TooLarge {
        /// What the body is.
        what: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A run or an entry that is not there (404).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for (`journal run JR-00000001`).
        what: String,
    },
    /// A run that is deleted (404).
    #[error("journal run {number} is deleted")]
    Deleted {
        /// The run.
        number: JournalRunNumber,
    },
    /// An action that is not one of the path's (404).
    #[error("no {scope} action \"{action}\": use {allowed}")]
    NoSuchAction {
        /// `job` or `jobs`.
        scope: &'static str,
        /// The action asked for, escaped and clipped.
        action: String,
        /// The actions there are.
        allowed: &'static str,
    },
    /// A path under the prefix that is no control request (404).
    #[error("no such control path `{path}`; docs/SERVER.md lists the control API's paths")]
    NoSuchPath {
        /// The path, escaped and clipped.
        path: String,
    },
    /// A method the control path does not answer (405; the router adds `Allow`, the methods
    /// it answers).
    #[error(
        "this control path does not answer this method; the Allow header lists the ones it does"
    )]
    Method,
    /// A request the guard refuses (403).
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// A change the rules refuse now (409).
    #[error("{reason}")]
    Conflict {
        /// The library's reason.
        reason: String,
    },
    /// The store stopped: nothing more is committed (503).
    #[error("the store stopped; the change was not committed")]
    StoreStopped,
}

/// Why the guard refuses a control request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// From another host than loopback, without the control token.
    #[error("the control API answers loopback only, or remote callers with the control token")]
    Remote,
    /// Addressed by another host name than loopback's, to a server on loopback: a page
    /// elsewhere whose name resolves to 127.0.0.1 (DNS rebinding).
    #[error("the control API answers requests addressed to localhost, 127.0.0.1 or [::1] only (the Host header)")]
    Host,
    /// A change that a browser marks as coming from another site.
    #[error("the control API's changes are taken only from this server's own page or from clients that are not browsers, not from another site")]
    CrossSite,
}

/// A query parameter the control API does not take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryFault {
    /// A parameter the endpoint does not know.
    #[error("unknown query parameter `{name}`; expected `entity`")]
    Unknown {
        /// The parameter, escaped and clipped.
        name: String,
    },
    /// A parameter given more than once.
    #[error("the query parameter `{name}` is given more than once")]
    Repeated {
        /// The parameter.
        name: &'static str,
    },
}

impl ControlError {
    /// The message.
    #[must_use]
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The HTTP status it is answered with.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Body(_)
            | Self::SnapshotBody(_)
            | Self::Snapshot { .. }
            | Self::Query(_)
            | Self::Invalid { .. }
            | Self::Unreadable
            | Self::Late { .. } => StatusCode::BAD_REQUEST,
            Self::Unread { status } => *status,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound { .. }
            | Self::Deleted { .. }
            | Self::NoSuchAction { .. }
            | Self::NoSuchPath { .. } => StatusCode::NOT_FOUND,
            Self::Method => StatusCode::METHOD_NOT_ALLOWED,
            Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::StoreStopped => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status(), Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// Text a client sent, as a message quotes it: at most 128 characters, each one that is not
/// visible ASCII escaped (`\u{1b}`), so that nothing a client sends reaches a terminal raw.
fn quoted(text: &str) -> String {
    text.chars()
        .take(128)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_ascii_graphic() || c == ' ' {
                vec![c]
            } else {
                c.escape_unicode().collect()
            };
            escaped
        })
        .collect()
}

/// Reads a body of at most `limit` bytes.
async fn body_bytes(body: Body, limit: usize, what: &'static str) -> Result<Bytes, ControlError> {
    use crate::api::Unread;
    match crate::api::collect(body, limit).await {
        Ok(bytes) => Ok(Bytes::from(bytes)),
        Err(Unread::TooLarge) => Err(ControlError::TooLarge { what, limit }),
        Err(Unread::Ended { .. }) => Err(ControlError::Unreadable),
        Err(Unread::Late { .. }) => Err(ControlError::Late {
            seconds: crate::api::BODY_DEADLINE.as_secs(),
        }),
    }
}

/// Reads the body of a request whole, within the body deadline and the extractors' limit,
/// before its handler runs: for the page's forms, which axum's `Form` then reads from memory
/// (that extractor has no deadline), and for the control paths that take no body, so that a
/// body announced and not sent whole leaves nothing (D-38).
pub async fn read_whole(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match body_bytes(body, EXTRACTOR_LIMIT, "the form").await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(error) => error.into_response(),
    }
}

/// The limit of axum's body extractors (the page's forms): 2 MiB.
const EXTRACTOR_LIMIT: usize = 2 << 20;

/// Answers the router's and the extractors' own refusals (a path parameter that is not UTF-8,
/// a page's form that cannot be read, a method the path does not answer, a page's file that is
/// not there) in the control API's form, `{"error": "..."}`, instead of axum's plain text or
/// empty body. The message is the control API's own, chosen by the status; axum's text is
/// dropped.
pub async fn json_errors(request: Request, next: Next) -> Response {
    // (Nested under the prefix, the router sees the path without it.)
    let path = quoted(&format!("{PREFIX}{}", request.uri().path()));
    let response = next.run(request).await;
    let status = response.status();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        // (The method router adds `Allow` to this answer once the layers are done.)
        return ControlError::Method.into_response();
    }
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(plain && status.is_client_error()) {
        return response;
    }
    match status {
        StatusCode::NOT_FOUND => ControlError::NoSuchPath { path },
        StatusCode::PAYLOAD_TOO_LARGE => ControlError::TooLarge {
            what: "the body",
            limit: EXTRACTOR_LIMIT,
        },
        status => ControlError::Unread { status },
    }
    .into_response()
}

/// Any other path under the prefix: 404 in the control API's form.
pub async fn no_such_path(uri: Uri) -> ControlError {
    // (Nested under the prefix, the router sees the path without it.)
    ControlError::NoSuchPath {
        path: quoted(&format!("{PREFIX}{}", uri.path())),
    }
}

/// Whether a request comes from another site: a page elsewhere must not drive the control
/// API through the browser of a person on this machine (the control API answers loopback
/// callers, and the browser is one). Browsers say where a request comes from:
/// `Sec-Fetch-Site` (every current browser), else `Origin`; a client that says neither (curl,
/// the SDKs) is not a browser's cross-site request.
#[must_use]
pub fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str(), host) {
        (Ok(origin), Some(host)) => {
            origin != format!("http://{host}") && origin != format!("https://{host}")
        }
        _ => true,
    }
}

/// Whether a `Host` value names loopback: `localhost` (any case) or a loopback address
/// (`127.0.0.1`, `[::1]`), with or without a port.
#[must_use]
pub fn loopback_host(host: &str) -> bool {
    let port_ok = |port: &str| port.is_empty() || port.parse::<u16>().is_ok();
    if let Some(rest) = host.strip_prefix('[') {
        let Some((address, after)) = rest.split_once(']') else {
            return false;
        };
        let port = match after.strip_prefix(':') {
            Some(port) if !port.is_empty() => port,
            Some(_) => return false,
            None if after.is_empty() => "",
            None => return false,
        };
        return port_ok(port)
            && address
                .parse::<std::net::Ipv6Addr>()
                .is_ok_and(|a| a.is_loopback());
    }
    let (name, port) = match host.split_once(':') {
        Some((name, port)) if !port.is_empty() => (name, port),
        Some(_) => return false,
        None => (host, ""),
    };
    port_ok(port)
        && (name.eq_ignore_ascii_case("localhost")
            || name
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|a| a.is_loopback()))
}

/// Whether a request may reach the control API (docs/SERVER.md, "The control API"):
///
/// - from another host than loopback, only when the config allows remote callers, and with
///   the control token;
/// - to a server listening on loopback without remote callers, only addressed to a loopback
///   name (`Host`), so that a page whose name is made to resolve to 127.0.0.1 (DNS
///   rebinding) is not answered;
/// - a change (any method but `GET`, `HEAD`, `OPTIONS`), only when no browser marks it as
///   coming from another site ([`cross_site`]).
///
/// # Errors
///
/// The [`Refusal`].
pub fn admit(
    app: &App,
    peer: SocketAddr,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), Refusal> {
    let control = &app.config.control;
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| journal_run::wire::bearer_token(v).ok());
    let with_token =
        control.allow_remote && control.token.is_some() && token == control.token.as_deref();
    if !with_token {
        // Loopback callers only; and, against DNS rebinding, only those addressing a loopback
        // name (a browser on this machine sends the name a page was loaded from).
        if !peer.ip().is_loopback() {
            return Err(Refusal::Remote);
        }
        if let Some(host) = headers.get(header::HOST) {
            if !host.to_str().is_ok_and(loopback_host) {
                return Err(Refusal::Host);
            }
        }
    }
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && cross_site(headers) {
        return Err(Refusal::CrossSite);
    }
    Ok(())
}

/// The control API's guard: [`admit`], answered `{"error": "..."}` with 403 (the page's own
/// actions get the page's refusal).
pub async fn guard(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(refusal) = admit(&app, peer, request.method(), request.headers()) {
        // (Nested under the prefix, the router sees the path without it.)
        let path = request.uri().path();
        let path = path.strip_prefix(PREFIX).unwrap_or(path);
        if refusal == Refusal::CrossSite && path.starts_with("/page/") {
            return crate::page::refuse_cross_site(&app);
        }
        return ControlError::Refused(refusal).into_response();
    }
    next.run(request).await
}

/// The query of run-addressed control requests: `entity` only.
#[derive(Debug, Default)]
pub struct EntityQuery {
    /// The entity (absent: no entity).
    pub entity: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for EntityQuery {
    type Rejection = ControlError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, ControlError> {
        let mut query = Self::default();
        let raw = parts.uri.query().unwrap_or_default();
        for (name, value) in crate::url::form_pairs(raw.as_bytes()) {
            if name != "entity" {
                return Err(QueryFault::Unknown {
                    name: quoted(&name),
                }
                .into());
            }
            if query.entity.replace(value).is_some() {
                return Err(QueryFault::Repeated { name: "entity" }.into());
            }
        }
        Ok(query)
    }
}

fn entity(query: &EntityQuery) -> Result<Option<EntityId>, ControlError> {
    query
        .entity
        .as_deref()
        .map(|e| {
            e.parse()
                .map_err(|e: journal_run::HeaderError| ControlError::Invalid {
                    field: "entity",
                    reason: e.to_string(),
                })
        })
        .transpose()
}

fn run_key(app: &App, number: &str, query: &EntityQuery) -> Result<RunKey, ControlError> {
    let number: JournalRunNumber =
        number
            .parse()
            .map_err(|e: journal_run::NumberError| ControlError::Invalid {
                field: "jr-number",
                reason: e.to_string(),
            })?;
    let entity = entity(query)?;
    app.read()
        .find_run(entity.as_ref(), number)
        .ok_or_else(|| ControlError::NotFound {
            what: format!("journal run {number}"),
        })
}

fn gone(key: &RunKey) -> ControlError {
    ControlError::NotFound {
        what: format!("journal run {}", key.number),
    }
}

/// Reads a snapshot file's JSON (the `--load` format), saying what is wrong in JSON's words.
///
/// # Errors
///
/// [`ControlError::SnapshotBody`].
pub fn read_snapshot(bytes: &[u8]) -> Result<SnapshotFile, ControlError> {
    json::read(
        bytes,
        "expected a snapshot: an object with `journalRun` and `journalEntries`",
    )
    .map_err(ControlError::SnapshotBody)
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
    query: EntityQuery,
    body: Body,
) -> Result<Json<serde_json::Value>, ControlError> {
    let body = body_bytes(body, SNAPSHOT_LIMIT, "the snapshot").await?;
    let snapshot = read_snapshot(&body)?;
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
        .map_err(|e| ControlError::Snapshot {
            reason: e.to_string(),
        })?
        .number();
    let key = RunKey { entity, number };
    let documents = serde_json::to_string(&snapshot).map_err(|e| ControlError::Snapshot {
        reason: e.to_string(),
    })?;
    let done = {
        let mut tenant = app.write();
        tenant
            .insert(key.clone(), snapshot, Vec::new())
            .map_err(|e| ControlError::Snapshot {
                reason: e.to_string(),
            })?;
        let (ticket, done) = app.store.submit(vec![Write::Run {
            key: key.clone(),
            documents,
        }]);
        tenant.set_ticket(&key, ticket);
        done
    };
    app.wake_jobs.notify_one();
    done.await.map_err(|_| ControlError::StoreStopped)?;
    Ok(number)
}

/// `GET /_control/runs/{jr}?entity=E`: the run as a snapshot, with its job's state.
pub async fn export(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    query: EntityQuery,
) -> Result<Json<SnapshotFile>, ControlError> {
    let key = run_key(&app, &number, &query)?;
    let tenant = app.read();
    let record = tenant.get(&key).ok_or_else(|| gone(&key))?;
    if record.run.status().is_none() {
        return Err(ControlError::Deleted { number: key.number });
    }
    Ok(Json(record.snapshot().into()))
}

/// `GET /_control/runs/{jr}/log?entity=E`: the run's log.
pub async fn log(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    query: EntityQuery,
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
    query: EntityQuery,
) -> Result<Json<serde_json::Value>, ControlError> {
    let key = run_key(&app, &number, &query)?;
    let (base, log, run) = {
        let tenant = app.read();
        let record = tenant.get(&key).ok_or_else(|| gone(&key))?;
        (record.base.clone(), record.log.clone(), record.run.clone())
    };
    let mut rebuilt = crate::tenant::Tenant::default();
    let records = log.len();
    rebuilt
        .insert(key.clone(), base, log)
        .map_err(|e| ControlError::Conflict {
            reason: e.to_string(),
        })?;
    let equal = rebuilt.get(&key).is_some_and(|r| r.run == run);
    Ok(Json(json!({ "equal": equal, "records": records })))
}

/// `POST /_control/runs/{jr}/job/{action}?entity=E`: `step`, `finish`, `pause` or `resume`.
pub async fn job(
    State(app): State<Arc<App>>,
    Path((number, action)): Path<(String, String)>,
    query: EntityQuery,
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
            done.await.map_err(|_| ControlError::StoreStopped)?;
            let status = app
                .read()
                .get(&key)
                .and_then(|r| r.run.status())
                .map_or("Deleted", |s| s.as_str());
            Ok(Json(
                json!({ "steps": steps.len(), "last": steps.last(), "status": status }),
            ))
        }
        other => Err(ControlError::NoSuchAction {
            scope: "job",
            action: quoted(other),
            allowed: "step, finish, pause or resume",
        }),
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
            return Err(ControlError::NoSuchAction {
                scope: "jobs",
                action: quoted(other),
                allowed: "pause or resume",
            })
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
    body: Body,
) -> Result<Json<Processing>, ControlError> {
    let body = body_bytes(body, BODY_LIMIT, "the body").await?;
    let processing: Processing = json::read(
        &body,
        "expected an object such as {\"entries\": 10, \"fail\": false}",
    )?;
    processing.check().map_err(|fault| ControlError::Invalid {
        field: "entries",
        reason: fault.to_string(),
    })?;
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
    query: EntityQuery,
    body: Body,
) -> Result<Json<serde_json::Value>, ControlError> {
    let body = body_bytes(body, BODY_LIMIT, "the body").await?;
    let transfer: Transfer = json::read(&body, "expected an object such as {\"to\": \"Yes\"}")?;
    let entry: JournalEntryNumber =
        number
            .parse()
            .map_err(|e: journal_run::NumberError| ControlError::Invalid {
                field: "je-number",
                reason: e.to_string(),
            })?;
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
            return Err(ControlError::Invalid {
                field: "to",
                reason: format!(
                    "expected `Processing`, `Yes` or `Error`, found `{}`",
                    quoted(other)
                ),
            })
        }
    };
    let entity = entity(&query)?;
    let done = {
        let mut tenant = app.write();
        let key =
            tenant
                .find_entry(entity.as_ref(), entry)
                .ok_or_else(|| ControlError::NotFound {
                    what: format!("journal entry {entry}"),
                })?;
        let record = tenant
            .execute(&key, &system(), &command, &now_rfc3339(), ACCOUNTING)
            .map_err(|e| ControlError::Conflict {
                reason: e.to_string(),
            })?;
        app.persist(&mut tenant, vec![(key, record)])
    };
    done.await.map_err(|_| ControlError::StoreStopped)?;
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
    body: Body,
) -> Result<Json<serde_json::Value>, ControlError> {
    let body = body_bytes(body, BODY_LIMIT, "the body").await?;
    let expire: Expire = if body.is_empty() {
        Expire::default()
    } else {
        json::read(
            &body,
            "expected no body, or an object such as {\"token\": \"...\"}",
        )?
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
    done.await.map_err(|_| ControlError::StoreStopped)?;
    Ok(Json(json!({ "reset": true })))
}

/// `GET /_control/health`.
pub async fn health(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!({ "ok": true, "runs": app.read().run_count() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_request_from_another_site_is_cross_site() {
        let case = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            for (name, value) in pairs {
                headers.insert(
                    header::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                );
            }
            cross_site(&headers)
        };
        let page = "http://127.0.0.1:8080";
        assert!(!case(&[]), "curl says nothing");
        assert!(!case(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", page)
        ]));
        assert!(!case(&[("sec-fetch-site", "none")]));
        assert!(case(&[("sec-fetch-site", "cross-site"), ("origin", page)]));
        assert!(case(&[("sec-fetch-site", "same-site")]));
        // A browser that does not send Sec-Fetch-Site: its Origin.
        assert!(!case(&[("origin", page)]));
        assert!(case(&[("origin", "http://evil.example")]));
        assert!(case(&[("origin", "null")]));
    }

    #[test]
    fn loopback_hosts_are_localhost_and_loopback_addresses_with_any_port() {
        for host in [
            "localhost",
            "LocalHost:8080",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "10.0.0.1:8080",
            "[::2]:8080",
            "127.0.0.1:",
            "[::1]:",
            "127.0.0.1:99999",
            "127.0.0.1:80:80",
            "[::1]8080",
            "[::1",
            "::1",
            "",
        ] {
            assert!(!loopback_host(host), "{host}");
        }
    }
}
