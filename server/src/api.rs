//! Zuora's endpoints for journal runs and summary journal entries, as Zuora answers them.
//! Every request is read by the library's wire layer ([`RequestHead`]) and decided by the
//! library's rules; every answer carries `Zuora-Request-Id` and the request's valid
//! `Zuora-Track-Id`, and is gzipped by the library's rule.

use std::io::Read as _;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use journal_run::wire::{
    BodyError, CancelHandler, CommonResponse, ContentEncoding, CreateJournalRunRequest,
    GetJournalEntriesInJournalRunType, GetJournalEntryDetailType, GetJournalRunType,
    OrganizationLabel, PathParameter, ProcessId, RequestError, RequestHead, RequestId, RunSnapshot,
    UpdateBasicInformationRequest, Value, CONTENT_ENCODING,
};
use journal_run::{
    Command, CreateRun, Error, JournalEntryNumber, JournalRun, JournalRunNumber, OrgId, Query,
    Rejection,
};
use serde::Serialize;

use crate::app::{fresh_ids, now_ms, now_rfc3339, App};
use crate::store::{SavedAnswer, Write};
use crate::tenant::{EntryEdit, RunKey, Tenant};

/// The library's request head, with the OAuth client's index as the caller.
type Head<P> = RequestHead<P, usize>;

/// An answer before it is encoded.
pub struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    gzip_accepted: bool,
}

impl Answer {
    /// An answer with this status, headers and body, never gzipped.
    #[must_use]
    pub const fn new(status: u16, headers: Vec<(&'static str, String)>, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
            gzip_accepted: false,
        }
    }
}

/// The answer to a request whose handler failed unexpectedly: 500 with Zuora's
/// `ErrorResponse` (category 60). Nothing was committed for it.
pub fn internal_error() -> Response {
    let (request_id, _) = fresh_ids();
    let body = journal_run::wire::ErrorResponse {
        reasons: vec![journal_run::wire::Reason {
            code: CancelHandler::default().code(journal_run::wire::ErrorCategory::InternalError),
            message: "an internal error occurred; nothing was changed".to_owned(),
        }],
    };
    Answer::new(
        500,
        vec![
            (
                journal_run::wire::CONTENT_TYPE,
                journal_run::wire::JSON_CONTENT_TYPE.to_owned(),
            ),
            (
                journal_run::wire::ZUORA_REQUEST_ID,
                request_id.as_str().to_owned(),
            ),
        ],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
    .into_response()
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let content_type = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map_or("", |(_, v)| v.as_str());
        let gzip = self.gzip_accepted
            && journal_run::wire::should_gzip(Some("gzip"), content_type, self.body.len());
        let body = if gzip {
            gzip_bytes(&self.body)
        } else {
            self.body
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        if gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    }
}

fn gzip_bytes(body: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// The request's headers as name/value pairs; a value that is not UTF-8 is read lossily (the
/// library's validation then refuses what it must).
fn header_pairs(headers: &HeaderMap) -> Vec<(&str, std::borrow::Cow<'_, str>)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v.as_bytes())))
        .collect()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The path parameter of a Zuora route (`{jr-number}`, `{je-number}`), percent-decoded. One
/// whose bytes are not UTF-8 is read lossily, so that the library answers it as a malformed
/// number (axum's own rejection is plain text, not Zuora's answer).
pub struct Param(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Param {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        if let Ok(Path(value)) = Path::<String>::from_request_parts(parts, state).await {
            return Ok(Self(value));
        }
        // The one rejection these routes can meet: the parameter is not UTF-8 once decoded.
        // It is the segment that is not (the routes' other segments are ASCII).
        let param = parts
            .uri
            .path()
            .split('/')
            .map(|segment| crate::url::percent_decode(segment.as_bytes()))
            .find(|bytes| std::str::from_utf8(bytes).is_err())
            .unwrap_or_default();
        Ok(Self(String::from_utf8_lossy(&param).into_owned()))
    }
}

/// Reads a request with the library: `Authorization` (the token authenticated here), the path
/// parameter, the scope headers.
fn read_head<P: PathParameter>(app: &App, raw: &str, headers: &HeaderMap) -> Head<P> {
    RequestHead::read(raw, &header_pairs(headers), |token| {
        app.authenticate(token)
            .ok_or(journal_run::wire::AuthorizationError::InvalidToken)
    })
}

fn handler(app: &App) -> CancelHandler {
    CancelHandler::with_status_mapping(app.config.http_status_mapping)
}

/// The answer to a request refused with `error`.
fn reject<P>(app: &App, error: &Error, head: &Head<P>, ids: &(RequestId, ProcessId)) -> Answer {
    let response = handler(app).reject(error, head, &ids.0, &ids.1);
    Answer {
        status: response.status,
        headers: response.headers,
        body: serde_json::to_vec(&response.body).unwrap_or_default(),
        gzip_accepted: response.gzip_accepted,
    }
}

/// The answer to a request refused before its headers could be read (unknown path, method).
fn reject_raw(app: &App, error: &Error, headers: &HeaderMap) -> Answer {
    let (request_id, process_id) = fresh_ids();
    let response =
        handler(app).error_response(error, &header_pairs(headers), &request_id, &process_id);
    Answer {
        status: response.status,
        headers: response.headers,
        body: serde_json::to_vec(&response.body).unwrap_or_default(),
        gzip_accepted: response.gzip_accepted,
    }
}

/// A 200 answer with `body`.
fn ok<P, T: Serialize>(head: &Head<P>, ids: &(RequestId, ProcessId), body: &T) -> Answer {
    Answer {
        status: 200,
        headers: head.response_headers(&ids.0),
        body: serde_json::to_vec(body).unwrap_or_default(),
        gzip_accepted: head.gzip_accepted(),
    }
}

/// A 200 answer with a body serialized already.
fn ok_bytes<P>(head: &Head<P>, ids: &(RequestId, ProcessId), body: Vec<u8>) -> Answer {
    Answer {
        status: 200,
        headers: head.response_headers(&ids.0),
        body,
        gzip_accepted: head.gzip_accepted(),
    }
}

/// The request, or the answer to its first fault.
macro_rules! request {
    ($app:expr, $head:expr, $ids:expr) => {
        match &$head.request {
            Ok(request) => request,
            Err(error) => return reject($app, error, &$head, &$ids),
        }
    };
}

/// The entity a request acts in, for the lookup (a fault of the entity header is answered by
/// the rules, in their turn).
fn lookup_entity(
    app: &App,
    client: usize,
    scope: &journal_run::RequestScope,
) -> Option<journal_run::EntityId> {
    app.caller(client)
        .entity_for(scope.entity.as_ref())
        .ok()
        .flatten()
        .cloned()
}

/// How long a request's body may take to arrive, from the end of its headers.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Why a body was not read whole.
pub(crate) enum Unread {
    /// Over the limit.
    TooLarge,
    /// Its connection ended (or was reset) first.
    Ended {
        /// The bytes read.
        received: usize,
    },
    /// Not whole after [`BODY_DEADLINE`].
    Late {
        /// The bytes read.
        received: usize,
    },
}

/// Reads a body whole, at most `limit` bytes, within [`BODY_DEADLINE`]: the one reading of
/// every body the server takes, Zuora's paths' and the control API's (D-38).
pub(crate) async fn collect(mut body: Body, limit: usize) -> Result<Vec<u8>, Unread> {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(BODY_DEADLINE, async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(Unread::Ended {
                    received: bytes.len(),
                });
            };
            if let Ok(data) = frame.into_data() {
                if data.len() > limit.saturating_sub(bytes.len()) {
                    return Err(Unread::TooLarge);
                }
                bytes.extend_from_slice(&data);
            }
        }
        Ok(())
    })
    .await;
    match read {
        Ok(read) => read.map(|()| bytes),
        Err(_) => Err(Unread::Late {
            received: bytes.len(),
        }),
    }
}

/// Reads a request body: `Content-Encoding` by the library's rule, the size limit, gzip (a
/// series of members, RFC 1952). A body whose connection ends before it arrived whole, or
/// that takes longer than [`BODY_DEADLINE`], is `BodyIncomplete`, not too large: nothing is
/// kept of it (D-38).
pub(crate) async fn read_body(app: &App, headers: &HeaderMap, body: Body) -> Result<Bytes, Error> {
    let encoding = ContentEncoding::parse(header(headers, CONTENT_ENCODING))?;
    let limit = app.config.max_body_bytes;
    let too_large = || Error::from(RequestError::BodyTooLarge { limit });
    let bytes = match collect(body, limit).await {
        Ok(bytes) => bytes,
        Err(Unread::TooLarge) => return Err(too_large()),
        Err(Unread::Ended { received } | Unread::Late { received }) => {
            return Err(RequestError::BodyIncomplete { received }.into())
        }
    };
    match encoding {
        ContentEncoding::Identity => Ok(Bytes::from(bytes)),
        ContentEncoding::Gzip => {
            let mut out = Vec::new();
            let read = flate2::read::MultiGzDecoder::new(&bytes[..])
                .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
                .read_to_end(&mut out);
            match read {
                Ok(n) if n > limit => Err(too_large()),
                Ok(_) => Ok(Bytes::from(out)),
                Err(_) => Err(RequestError::BodyEncoding { encoding: "gzip" }.into()),
            }
        }
    }
}

/// Reads a JSON body into the library's value: a syntax error is category 90, said with its
/// line and column in JSON's words (never the JSON library's own).
fn json_value(bytes: &[u8]) -> Result<Value, Error> {
    use crate::control::json::Syntax;
    serde_json::from_slice(bytes).map_err(|e| {
        let detail = match Syntax::of(&e, bytes) {
            Syntax::Empty => "it is empty".to_owned(),
            Syntax::Truncated { line, column } => {
                format!("it ends at line {line}, column {column}, before its value does")
            }
            Syntax::At { line, column } => format!("the fault is at line {line}, column {column}"),
        };
        BodyError::MalformedJson { detail }.into()
    })
}

/// Waits until a run's last write is committed, so that a read never shows what a crash
/// could undo.
async fn committed_view(app: &App, ticket: u64) {
    if ticket > 0 {
        app.store.committed(ticket).await;
    }
}

/// Decides and records a command on the run `key` names (or answers as the library does for
/// a run the store does not hold), then waits for the commit.
async fn execute(
    app: &App,
    key: Option<RunKey>,
    client: usize,
    command: &Command,
) -> Result<(), Error> {
    let caller = app.caller(client);
    let done = {
        let mut tenant = app.write();
        let Some(key) = key else {
            return Err(JournalRun::decide_absent(&caller, command).into());
        };
        let record = tenant.execute(&key, &caller, command, &now_rfc3339(), &app.user(client))?;
        app.persist(&mut tenant, vec![(key, record)])
    };
    app.wake_jobs.notify_one();
    done.await.map_err(|_| stopped())
}

/// `PUT /v1/journal-runs/{jr-number}/cancel`.
pub async fn cancel_run(
    State(app): State<Arc<App>>,
    Param(number): Param,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    target_command(&app, &number, &headers, body, |run, scope| {
        Command::CancelRun { run, scope }
    })
    .await
}

/// `DELETE /v1/journal-runs/{jr-number}`.
pub async fn delete_run(
    State(app): State<Arc<App>>,
    Param(number): Param,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    target_command(&app, &number, &headers, body, |run, scope| {
        Command::DeleteRun { run, scope }
    })
    .await
}

/// What a command's path names: a run, or an entry, found in its run.
trait Target: PathParameter + Copy {
    /// The run it is in, looked up in `entity` (or among runs of no entity).
    fn find_in(self, tenant: &Tenant, entity: Option<&journal_run::EntityId>) -> Option<RunKey>;
}

impl Target for JournalRunNumber {
    fn find_in(self, tenant: &Tenant, entity: Option<&journal_run::EntityId>) -> Option<RunKey> {
        tenant.find_run(entity, self)
    }
}

impl Target for JournalEntryNumber {
    fn find_in(self, tenant: &Tenant, entity: Option<&journal_run::EntityId>) -> Option<RunKey> {
        tenant.find_entry(entity, self)
    }
}

/// A command on the run or entry the path names: the request's head, a body that must not be
/// cut short (none is read for its content), the run the target is in, then the rules.
async fn target_command<P: Target>(
    app: &App,
    number: &str,
    headers: &HeaderMap,
    body: Body,
    command: impl FnOnce(P, journal_run::RequestScope) -> Command,
) -> Answer {
    let ids = fresh_ids();
    let head: Head<P> = read_head(app, number, headers);
    let request = request!(app, head, ids);
    if let Some(error) = cut_short(&read_body(app, headers, body).await) {
        return reject(app, error, &head, &ids);
    }
    let entity = lookup_entity(app, request.caller, &request.scope);
    let key = request.target.find_in(&app.read(), entity.as_ref());
    let command = command(request.target, request.scope.clone());
    match execute(app, key, request.caller, &command).await {
        Ok(()) => ok(&head, &ids, &CommonResponse::success()),
        Err(error) => reject(app, &error, &head, &ids),
    }
}

/// `PUT /v1/journal-entries/{je-number}/cancel`.
pub async fn cancel_entry(
    State(app): State<Arc<App>>,
    Param(number): Param,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    target_command(&app, &number, &headers, body, |entry, scope| {
        Command::CancelEntry { entry, scope }
    })
    .await
}

/// `DELETE /v1/journal-entries/{je-number}`.
pub async fn delete_entry(
    State(app): State<Arc<App>>,
    Param(number): Param,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    target_command(&app, &number, &headers, body, |entry, scope| {
        Command::DeleteEntry { entry, scope }
    })
    .await
}

/// `PUT /v1/journal-entries/{je-number}/basic-information`.
pub async fn update_entry(
    State(app): State<Arc<App>>,
    Param(number): Param,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let ids = fresh_ids();
    let head: Head<JournalEntryNumber> = read_head(&app, &number, &headers);
    let request = request!(&app, head, ids);
    let update = match read_body(&app, &headers, body)
        .await
        .and_then(|bytes| json_value(&bytes))
        .and_then(|value| UpdateBasicInformationRequest::from_value(&value).map_err(Error::from))
    {
        Ok(update) => update,
        Err(error) => return reject(&app, &error, &head, &ids),
    };
    if update.changes_items() {
        let error = Error::from(RequestError::NotEmulated {
            operation: "Changing journalEntryItems of a summary journal entry".to_owned(),
        });
        return reject(&app, &error, &head, &ids);
    }
    let entity = lookup_entity(&app, request.caller, &request.scope);
    let caller = app.caller(request.caller);
    let scope = request.scope.clone();
    let entry = request.target;
    let by = app.user(request.caller);
    let done = {
        let mut tenant = app.write();
        let key = tenant.find_entry(entity.as_ref(), entry);
        let at = now_rfc3339();
        let mut records = Vec::new();
        let edit_query = Query::EditEntry {
            entry,
            scope: scope.clone(),
        };
        let authorized = match key.as_ref().and_then(|k| tenant.get(k)) {
            Some(record) => record.run.authorize_query(&caller, &edit_query),
            None => Err(JournalRun::query_absent(&caller, &edit_query)),
        };
        let outcome = authorized.map_err(Error::from).and_then(|()| {
            let Some(key) = key else {
                return Err(Error::from(Rejection::EntryNotFound { entry }));
            };
            if let Some(value) = update.transferred_to_accounting() {
                let command = Command::UpdateTransferredToAccounting {
                    entry,
                    value,
                    scope,
                };
                records.push((
                    key.clone(),
                    tenant.execute(&key, &caller, &command, &at, &by)?,
                ));
            }
            let edit = EntryEdit {
                entry,
                notes: update.notes().clone(),
                custom_fields: update.custom_fields().clone(),
            };
            if !edit.notes.is_absent() || !edit.custom_fields.is_empty() {
                records.push((key.clone(), tenant.edit(&key, edit, &at, &by)?));
            }
            Ok(())
        });
        match outcome {
            Ok(()) => app.persist(&mut tenant, records),
            Err(error) => {
                // A rejected request changes nothing: `execute` refused before recording.
                return reject(&app, &error, &head, &ids);
            }
        }
    };
    match done.await {
        Ok(()) => ok(&head, &ids, &CommonResponse::success()),
        Err(_) => reject(&app, &stopped(), &head, &ids),
    }
}

/// A write whose commit cannot be awaited: the store stopped (the server is stopping, or a
/// commit failed and it stops), so nothing of it is kept (D-42).
fn stopped() -> Error {
    RequestError::Unavailable {
        reason: "the store stopped".to_owned(),
    }
    .into()
}

/// `GET /v1/journal-runs/{jr-number}`.
pub async fn get_run(
    State(app): State<Arc<App>>,
    Param(number): Param,
    headers: HeaderMap,
) -> Answer {
    let ids = fresh_ids();
    let head: Head<JournalRunNumber> = read_head(&app, &number, &headers);
    let request = request!(&app, head, ids);
    let caller = app.caller(request.caller);
    let query = Query::GetRun {
        run: request.target,
        scope: request.scope.clone(),
    };
    let entity = lookup_entity(&app, request.caller, &request.scope);
    let found: Result<(Vec<u8>, u64), Rejection> = {
        let tenant = app.read();
        match tenant
            .find_run(entity.as_ref(), request.target)
            .and_then(|k| tenant.get(&k))
        {
            Some(record) => record
                .run
                .authorize_query(&caller, &query)
                .map(|()| (record.document_json().to_vec(), record.ticket)),
            None => Err(JournalRun::query_absent(&caller, &query)),
        }
    };
    match found {
        Ok((doc, ticket)) => {
            committed_view(&app, ticket).await;
            ok_bytes(&head, &ids, doc)
        }
        Err(rejection) => reject(&app, &rejection.into(), &head, &ids),
    }
}

/// `GET /v1/journal-entries/{je-number}`.
pub async fn get_entry(
    State(app): State<Arc<App>>,
    Param(number): Param,
    headers: HeaderMap,
) -> Answer {
    let ids = fresh_ids();
    let head: Head<JournalEntryNumber> = read_head(&app, &number, &headers);
    let request = request!(&app, head, ids);
    let caller = app.caller(request.caller);
    let query = Query::GetEntry {
        entry: request.target,
        scope: request.scope.clone(),
    };
    let entity = lookup_entity(&app, request.caller, &request.scope);
    let found: Result<(GetJournalEntryDetailType, u64), Rejection> = {
        let tenant = app.read();
        match tenant
            .find_entry(entity.as_ref(), request.target)
            .and_then(|k| tenant.get(&k))
        {
            Some(record) => record.run.authorize_query(&caller, &query).and_then(|()| {
                let mut doc = record.entry_docs.get(&request.target).cloned().ok_or(
                    Rejection::EntryNotFound {
                        entry: request.target,
                    },
                )?;
                doc.success = Some(true);
                Ok((doc, record.ticket))
            }),
            None => Err(JournalRun::query_absent(&caller, &query)),
        }
    };
    match found {
        Ok((doc, ticket)) => {
            committed_view(&app, ticket).await;
            ok(&head, &ids, &doc)
        }
        Err(rejection) => reject(&app, &rejection.into(), &head, &ids),
    }
}

/// The largest `pageSize` (the spec extract: at most 300).
pub const MAX_PAGE_SIZE: usize = 300;
/// The default `pageSize` (the spec extract: 8).
pub const DEFAULT_PAGE_SIZE: usize = 8;

/// `page` and `pageSize` from a query string: positive integers, `pageSize` at most 300.
fn paging(query: Option<&str>) -> Result<(usize, usize), Error> {
    let mut page = 1;
    let mut size = DEFAULT_PAGE_SIZE;
    // (Names and values percent-decoded: `pageSize=%31%30` is `pageSize=10`, RFC 3986.)
    for (name, value) in crate::url::form_pairs(query.unwrap_or_default().as_bytes()) {
        let (name, slot, max) = match name.as_str() {
            "page" => ("page", &mut page, usize::MAX),
            "pageSize" => ("pageSize", &mut size, MAX_PAGE_SIZE),
            _ => continue,
        };
        // (Quoted as every message quotes input: clipped, between backticks.)
        let shown = journal_run::clip(&value);
        *slot = match value.parse::<usize>() {
            Ok(n) if n >= 1 && n <= max => n,
            Ok(_) | Err(_) => {
                return Err(RequestError::QueryParameter {
                    name,
                    reason: if max == MAX_PAGE_SIZE {
                        format!(
                            "expected a whole number from 1 to {MAX_PAGE_SIZE}, found `{shown}`"
                        )
                    } else {
                        format!("expected a whole number from 1, found `{shown}`")
                    },
                }
                .into())
            }
        };
    }
    Ok((page, size))
}

/// `GET /v1/journal-entries/journal-runs/{jr-number}`: a page of the run's entries, in
/// entry-number order.
pub async fn list_entries(
    State(app): State<Arc<App>>,
    Param(number): Param,
    RawQuery(query_string): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let ids = fresh_ids();
    let head: Head<JournalRunNumber> = read_head(&app, &number, &headers);
    let request = request!(&app, head, ids);
    let (page, size) = match paging(query_string.as_deref()) {
        Ok(paging) => paging,
        Err(error) => return reject(&app, &error, &head, &ids),
    };
    let caller = app.caller(request.caller);
    let query = Query::ListEntries {
        run: request.target,
        scope: request.scope.clone(),
    };
    let entity = lookup_entity(&app, request.caller, &request.scope);
    let found: Result<(GetJournalEntriesInJournalRunType, u64), Rejection> = {
        let tenant = app.read();
        match tenant
            .find_run(entity.as_ref(), request.target)
            .and_then(|k| tenant.get(&k))
        {
            Some(record) => record.run.authorize_query(&caller, &query).map(|()| {
                let skip = (page - 1).saturating_mul(size);
                let entries: Vec<_> = record
                    .entry_docs
                    .values()
                    .skip(skip)
                    .take(size)
                    .cloned()
                    .collect();
                let more = record.entry_docs.len() > skip.saturating_add(size);
                let next = more.then(|| {
                    format!(
                        "{}/v1/journal-entries/journal-runs/{}?page={}&pageSize={size}",
                        app.base_url,
                        request.target,
                        page + 1
                    )
                });
                (
                    GetJournalEntriesInJournalRunType::new(entries, next),
                    record.ticket,
                )
            }),
            None => Err(JournalRun::query_absent(&caller, &query)),
        }
    };
    match found {
        Ok((page, ticket)) => {
            committed_view(&app, ticket).await;
            ok(&head, &ids, &page)
        }
        Err(rejection) => reject(&app, &rejection.into(), &head, &ids),
    }
}

/// The answer of `POST /v1/journal-runs`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedRun {
    journal_run_number: String,
    success: bool,
}

/// `Idempotency-Key`: fewer than 255 characters (FACTS.md).
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// `POST /v1/journal-runs`: create a journal run, with `Idempotency-Key` as Zuora keeps it.
pub async fn create_run(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    let ids = fresh_ids();
    let head: Head<()> = read_head(&app, "", &headers);
    let request = request!(&app, head, ids);
    let client_id = client_id(&app, request.caller);
    // (The body first, whole: a replay or a conflict is answered to a request read to its
    // end, and one that never arrives whole leaves nothing, its key untouched.)
    let body = read_body(&app, &headers, body).await;
    if let Some(error) = cut_short(&body) {
        return reject(&app, error, &head, &ids);
    }
    let key = match begin_key(&app, &headers, &head, &ids, &client_id, CREATE_RUN_PATH) {
        Ok(key) => key,
        Err(answer) => return answer,
    };
    let key_text = key.as_ref().map(|key| key.key.as_str());
    let saved = |answer: &Answer| {
        key_text.map(|key| saved_answer(key, &client_id, CREATE_RUN_PATH, answer))
    };
    let (answer, done) = create(&app, body, &head, &ids, request.caller, &saved).await;
    let saved = saved(&answer);
    let done = done.or_else(|| {
        saved
            .clone()
            .map(|saved| app.store.submit(vec![Write::Answer(saved)]).1)
    });
    if !committed(key, saved, done).await {
        return reject(&app, &stopped(), &head, &ids);
    }
    answer
}

/// The fault of a body that did not arrive whole: its request leaves nothing, its key free
/// (D-38).
fn cut_short(body: &Result<Bytes, Error>) -> Option<&Error> {
    body.as_ref()
        .err()
        .filter(|error| matches!(error, Error::Request(RequestError::BodyIncomplete { .. })))
}

/// Waits until the writes of a request are committed (`done`), and ends its key with its
/// `saved` answer, if it has one: whether the commit was made.
async fn committed(
    key: Option<KeyInProgress>,
    saved: Option<SavedAnswer>,
    done: Option<tokio::sync::oneshot::Receiver<()>>,
) -> bool {
    match (key, saved, done) {
        (Some(key), Some(saved), Some(done)) => key.end_when_committed(saved, done).await,
        (_, _, Some(done)) => done.await.is_ok(),
        (_, _, None) => true,
    }
}

const CREATE_RUN_PATH: &str = "/v1/journal-runs";
const CREATE_ENTRY_PATH: &str = "/v1/journal-entries";

fn client_id(app: &App, client: usize) -> String {
    app.clients
        .get(client)
        .map(|c| c.client_id.clone())
        .unwrap_or_default()
}

/// An `Idempotency-Key` in progress: freed when dropped before the writes holding its answer
/// are submitted (a body that never arrived whole, a handler dropped with its connection), so
/// that a retry with the key is carried out, not refused with 409; once they are submitted,
/// the key is theirs (D-38).
struct KeyInProgress {
    app: Arc<App>,
    client: String,
    key: String,
    handed_over: bool,
}

impl KeyInProgress {
    /// The writes holding the request's `saved` answer are submitted (`done` is told when they
    /// are committed): a task of its own waits for the commit, then ends the key, whose answer
    /// is replayed from then on (until then a retry gets 409). A handler dropped meanwhile, its
    /// connection closed, cannot free a key whose run is being saved. Whether the commit was
    /// made.
    async fn end_when_committed(
        mut self,
        saved: SavedAnswer,
        done: tokio::sync::oneshot::Receiver<()>,
    ) -> bool {
        self.handed_over = true;
        let app = Arc::clone(&self.app);
        let (client, key) = (self.client.clone(), self.key.clone());
        tokio::spawn(async move {
            let committed = done.await.is_ok();
            if committed {
                app.end_idempotent(saved);
            } else {
                app.abandon_idempotent(&client, &key);
            }
            committed
        })
        .await
        .unwrap_or(false)
    }
}

impl Drop for KeyInProgress {
    fn drop(&mut self) {
        if !self.handed_over {
            self.app.abandon_idempotent(&self.client, &self.key);
        }
    }
}

/// A POST's `Idempotency-Key`: `Ok(None)` without one, `Ok(Some(key))` to carry the request
/// out (it is then in progress), `Err(answer)` for a saved answer to replay, a conflict (409,
/// 422) or a key of the wrong length.
fn begin_key<P>(
    app: &Arc<App>,
    headers: &HeaderMap,
    head: &Head<P>,
    ids: &(RequestId, ProcessId),
    client_id: &str,
    path: &str,
) -> Result<Option<KeyInProgress>, Answer> {
    let category = journal_run::wire::ErrorCategory::InvalidValue;
    let Some(raw) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    // (A key given twice, or one that cannot be read, is refused, not ignored: the client
    // counts on it.)
    let count = headers.get_all(IDEMPOTENCY_KEY).iter().count();
    if count > 1 {
        let error = RequestError::RepeatedHeader {
            name: IDEMPOTENCY_KEY,
            count,
        };
        return Err(reject(app, &Error::from(error), head, ids));
    }
    let Ok(key) = raw.to_str() else {
        let message =
            "Idempotency-Key must be written in ASCII: visible characters, spaces and tabs"
                .to_owned();
        return Err(failure(app, None, category, message, head, ids));
    };
    let length = key.chars().count();
    if length >= 255 || key.is_empty() {
        let message = format!("Idempotency-Key must have 1 to 254 characters; it has {length}");
        return Err(failure(app, None, category, message, head, ids));
    }
    match app.begin_idempotent(client_id, key, "POST", path) {
        Ok(None) => Ok(Some(KeyInProgress {
            app: Arc::clone(app),
            client: client_id.to_owned(),
            key: key.to_owned(),
            handed_over: false,
        })),
        Ok(Some(saved)) => Err(replay(saved, head.gzip_accepted())),
        Err(status) => Err(idempotency_conflict(app, status, head, ids)),
    }
}

/// The answer to save for a request made with `key`.
fn saved_answer(key: &str, client_id: &str, path: &str, answer: &Answer) -> SavedAnswer {
    SavedAnswer {
        client: client_id.to_owned(),
        key: key.to_owned(),
        method: "POST".to_owned(),
        path: path.to_owned(),
        status: answer.status,
        headers: serde_json::to_string(&answer.headers).unwrap_or_default(),
        body: answer.body.clone(),
        saved_ms: now_ms(),
    }
}

fn replay(saved: SavedAnswer, gzip_accepted: bool) -> Answer {
    let pairs: Vec<(String, String)> = serde_json::from_str(&saved.headers).unwrap_or_default();
    let headers = pairs
        .into_iter()
        .filter_map(|(n, v)| {
            [
                journal_run::wire::CONTENT_TYPE,
                journal_run::wire::ZUORA_REQUEST_ID,
                journal_run::wire::ZUORA_TRACK_ID,
            ]
            .into_iter()
            .find(|known| known.eq_ignore_ascii_case(&n))
            .map(|known| (known, v))
        })
        .collect();
    Answer {
        status: saved.status,
        headers,
        body: saved.body,
        gzip_accepted,
    }
}

/// A failure answer of `category` with `message`, outside the library's errors: the
/// `Idempotency-Key` answers (409, 422, and a key of 255 characters or more).
fn failure<P>(
    app: &App,
    status: Option<u16>,
    category: journal_run::wire::ErrorCategory,
    message: String,
    head: &Head<P>,
    ids: &(RequestId, ProcessId),
) -> Answer {
    let handler = handler(app);
    let body = CommonResponse::failure(
        &ids.0,
        &ids.1,
        vec![journal_run::wire::Reason {
            code: handler.code(category),
            message,
        }],
    );
    Answer {
        status: status.unwrap_or_else(|| app.config.http_status_mapping.status(category)),
        headers: head.response_headers(&ids.0),
        body: serde_json::to_vec(&body).unwrap_or_default(),
        gzip_accepted: head.gzip_accepted(),
    }
}

fn idempotency_conflict<P>(
    app: &App,
    status: u16,
    head: &Head<P>,
    ids: &(RequestId, ProcessId),
) -> Answer {
    use journal_run::wire::ErrorCategory;
    let (category, message) = if status == 409 {
        (
            ErrorCategory::LockingContention,
            "a request with this Idempotency-Key is still in progress; retry after it ends",
        )
    } else {
        (
            ErrorCategory::InvalidValue,
            "this Idempotency-Key was used with another method or path",
        )
    };
    failure(app, Some(status), category, message.to_owned(), head, ids)
}

/// Creates the run: returns the answer and, when a run was created, the receiver told when
/// its documents (and the saved answer, for a request with an `Idempotency-Key`) are
/// committed, in one transaction submitted under the tenant's lock.
async fn create(
    app: &App,
    body: Result<Bytes, Error>,
    head: &Head<()>,
    ids: &(RequestId, ProcessId),
    client: usize,
    saved: &(dyn Fn(&Answer) -> Option<SavedAnswer> + Sync),
) -> (Answer, Option<tokio::sync::oneshot::Receiver<()>>) {
    let request = match &head.request {
        Ok(request) => request,
        Err(error) => return (reject(app, error, head, ids), None),
    };
    let body = match body
        .and_then(|bytes| json_value(&bytes))
        .and_then(|value| CreateJournalRunRequest::from_value(&value).map_err(Error::from))
    {
        Ok(body) => body,
        Err(error) => return (reject(app, &error, head, ids), None),
    };
    let organizations = match resolve_orgs(app, &body) {
        Ok(orgs) => orgs,
        Err(error) => return (reject(app, &error, head, ids), None),
    };
    let caller = app.caller(client);
    let mut tenant = app.write();
    let entity = caller
        .entity_for(request.scope.entity.as_ref())
        .ok()
        .flatten()
        .cloned();
    let Some(number) = tenant.next_run_number(entity.as_ref()) else {
        // (Numbers end at `u64`'s end: none is left after the last, D-30.)
        let last = JournalRunNumber::from_non_zero(core::num::NonZeroU64::MAX);
        let error = RequestError::NotEmulated {
            operation: format!("creating a journal run after {last}, the last number"),
        };
        return (reject(app, &Error::from(error), head, ids), None);
    };
    let create = CreateRun {
        run: number,
        organizations: organizations.iter().map(|(id, _)| id.clone()).collect(),
        scope: request.scope.clone(),
    };
    let run = match journal_run::tenant::create_run(&caller, &create, tenant.journal_runs()) {
        Ok(run) => run,
        Err(rejection) => return (reject(app, &rejection.into(), head, ids), None),
    };
    let base = documents(&run, &body, &organizations);
    let key = RunKey {
        entity: run.entity().cloned(),
        number,
    };
    if let Err(error) = tenant.insert(key.clone(), base.clone(), Vec::new()) {
        tracing::error!(%error, "a created run could not be taken in");
        let error = RequestError::NotEmulated {
            operation: format!("creating this run ({error})"),
        };
        return (reject(app, &Error::from(error), head, ids), None);
    }
    let answer = ok(
        head,
        ids,
        &CreatedRun {
            journal_run_number: number.to_string(),
            success: true,
        },
    );
    let mut writes = vec![Write::Run {
        key: key.clone(),
        documents: serde_json::to_string(&base).unwrap_or_default(),
    }];
    writes.extend(saved(&answer).map(Write::Answer));
    let (ticket, done) = app.store.submit(writes);
    tenant.set_ticket(&key, ticket);
    drop(tenant);
    app.wake_jobs.notify_one();
    (answer, Some(done))
}

/// The org labels of a create request as (id, name): a label given by name only is found in
/// the configured orgs.
fn resolve_orgs(
    app: &App,
    body: &CreateJournalRunRequest,
) -> Result<Vec<(OrgId, Option<String>)>, Error> {
    body.organization_labels()
        .iter()
        .enumerate()
        .map(
            |(i, label)| match (label.organization_id(), label.organization_name()) {
                (Some(id), name) => Ok((id.clone(), name.map(str::to_owned))),
                (None, Some(name)) => app
                    .config
                    .orgs
                    .iter()
                    .find(|org| org.name == name)
                    .map(|org| (org.id.clone(), Some(name.to_owned())))
                    .ok_or_else(|| {
                        BodyError::InvalidValue {
                            field: format!("organizationLabels[{i}].organizationName"),
                            reason: format!(
                                "no org of the tenant is named `{}`",
                                journal_run::clip(name)
                            ),
                        }
                        .into()
                    }),
                (None, None) => Err(BodyError::MissingField {
                    field: format!("organizationLabels[{i}].organizationId"),
                    condition: " unless organizationName is given",
                }
                .into()),
            },
        )
        .collect()
}

/// The documents of a new, Pending run.
fn documents(
    run: &JournalRun,
    body: &CreateJournalRunRequest,
    orgs: &[(OrgId, Option<String>)],
) -> RunSnapshot {
    let labels: Vec<OrganizationLabel> = orgs
        .iter()
        .map(|(id, name)| OrganizationLabel {
            organization_id: Some(id.to_string()),
            organization_name: name.clone(),
        })
        .collect();
    let doc = GetJournalRunType {
        number: run.number().to_string(),
        status: "Pending".to_owned(),
        journal_entry_date: Some(body.journal_entry_date().to_string()),
        target_start_date: body.target_start_date().map(|d| d.to_string()),
        target_end_date: body.target_end_date().map(|d| d.to_string()),
        transaction_types: Some(
            body.transaction_types()
                .iter()
                .map(|t| journal_run::wire::GetJournalRunTransactionType {
                    transaction_type: Some(t.as_str().to_owned()),
                })
                .collect(),
        ),
        aggregate_currency: Some(false),
        organization_labels: (!labels.is_empty()).then_some(labels),
        ..GetJournalRunType::default()
    };
    RunSnapshot {
        run: doc,
        journal_entries: Vec::new(),
        cancellation_job: None,
    }
}

/// `POST /v1/journal-entries` (a manual summary journal entry): not emulated.
pub async fn create_entry(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    let ids = fresh_ids();
    let head: Head<()> = read_head(&app, "", &headers);
    let request = request!(&app, head, ids);
    let client_id = client_id(&app, request.caller);
    // (Its content is not read, the operation being refused; but it is read first, as
    // `create_run` reads its own, and one that does not arrive whole leaves nothing.)
    if let Some(error) = cut_short(&read_body(&app, &headers, body).await) {
        return reject(&app, error, &head, &ids);
    }
    let key = match begin_key(&app, &headers, &head, &ids, &client_id, CREATE_ENTRY_PATH) {
        Ok(key) => key,
        Err(answer) => return answer,
    };
    let error = Error::from(RequestError::NotEmulated {
        operation: "POST /v1/journal-entries (creating a summary journal entry)".to_owned(),
    });
    let answer = reject(&app, &error, &head, &ids);
    let saved = key
        .as_ref()
        .map(|key| saved_answer(&key.key, &client_id, CREATE_ENTRY_PATH, &answer));
    let done = saved
        .clone()
        .map(|saved| app.store.submit(vec![Write::Answer(saved)]).1);
    if !committed(key, saved, done).await {
        return reject(&app, &stopped(), &head, &ids);
    }
    answer
}

/// Any path that is no operation.
pub async fn unknown_path(
    State(app): State<Arc<App>>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Answer {
    let path: String = uri
        .path()
        .chars()
        .take(128)
        .flat_map(|c| {
            if c.is_ascii_graphic() {
                vec![c]
            } else {
                c.escape_unicode().collect()
            }
        })
        .collect();
    // (No method is answered at an unknown path: a refused `CONNECT` says so, `Allow` empty.)
    not_a_tunnel(
        &method,
        &[],
        reject_raw(
            &app,
            &Error::from(RequestError::UnknownPath { path }),
            &headers,
        ),
    )
}

/// A refusal of a `CONNECT` request is never 2xx: a 2xx answer to `CONNECT` tells the client
/// that its tunnel is open and carries no body (RFC 9110, 9.3.6). It is 405, the status of
/// category 45 when statuses follow REST, with Zuora's body and the path's methods (`Allow`).
fn not_a_tunnel(method: &Method, allowed: &[&str], mut answer: Answer) -> Answer {
    if method == Method::CONNECT && (200..300).contains(&answer.status) {
        answer.status = 405;
        answer
            .headers
            .push((journal_run::wire::ALLOW, allowed.join(", ")));
    }
    answer
}

/// A method the path does not support.
pub fn method_not_allowed(
    app: &App,
    method: &Method,
    path: &'static str,
    allowed: &'static [&'static str],
    headers: &HeaderMap,
) -> Answer {
    let error = journal_run::wire::require_method(method.as_str(), path, allowed)
        .err()
        .unwrap_or(RequestError::UnsupportedMethod {
            method: method.as_str().chars().take(16).collect(),
            path,
            allowed,
        });
    not_a_tunnel(
        method,
        allowed,
        reject_raw(app, &Error::from(error), headers),
    )
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;

    /// The answer the router gives when a handler panics (its `CatchPanicLayer`): Zuora's
    /// error response (`code` a string, as its OpenAPI schema has it), category 60, with a
    /// request id, as JSON.
    #[tokio::test]
    async fn a_handlers_panic_is_answered_as_zuoras_internal_error() {
        let response = super::internal_error();
        assert_eq!(response.status().as_u16(), 500);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            header("content-type").as_deref(),
            Some(journal_run::wire::JSON_CONTENT_TYPE)
        );
        let id = header(journal_run::wire::ZUORA_REQUEST_ID).unwrap_or_default();
        assert!(
            journal_run::wire::RequestId::parse(&id).is_ok(),
            "a request id: {id:?}"
        );
        let bytes = response.into_body().collect().await.map(|b| b.to_bytes());
        let body: serde_json::Value =
            serde_json::from_slice(&bytes.unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({"reasons": [{
                "code": "50000060",
                "message": "an internal error occurred; nothing was changed"
            }]})
        );
    }
}
