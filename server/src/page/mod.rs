//! The live page: the local Zuora's runs, entries, jobs and events in a browser, at the root
//! of the control prefix (`/_control/`; `GET /` redirects there). It is part of the control
//! surface, behind the same guard ([`control::guard`]): loopback only unless the config
//! allows remote callers with the control token.
//!
//! Rendered on the server with maud (escaped by default), so it reads without JavaScript; the
//! live parts are polled every second by htmx (vendored, served by the binary itself), and a
//! poll that finds its part unchanged is answered 204. Its actions are HTML forms whose
//! handlers call the control API's own functions ([`control::job`], [`control::transfer`],
//! [`control::jobs_switch`]), so they go through the same rules, then redirect back (303).
//! docs/SERVER.md, "The live page", is the guide.

pub mod model;
pub mod view;

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use journal_run::{EntityId, JournalEntryNumber, JournalRunNumber};
use maud::Markup;
use serde::Deserialize;

use crate::app::App;
use crate::config::JobMode;
use crate::control::{self, EntityQuery};
use crate::tenant::RunKey;

/// Where the page lives: the root of the control prefix.
pub const PAGE_ROOT: &str = "/_control/";

/// The files the page loads, built into the binary.
pub mod assets {
    /// htmx's file name: versioned, so browsers may keep it.
    pub const HTMX_NAME: &str = "htmx-2.0.11.min.js";
    /// htmx 2.0.11 (npm `htmx.org`, `dist/htmx.min.js`, unchanged; 0BSD): server/assets/.
    pub const HTMX: &str = include_str!("../../assets/htmx-2.0.11.min.js");
    /// The style sheet's file name.
    pub const CSS_NAME: &str = "page.css";
    /// The style sheet.
    pub const CSS: &str = include_str!("../../assets/page.css");
}

/// The page's routes, to be nested under the control prefix (behind its guard).
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(root))
        .route("/page/runs", get(runs_live))
        .route("/page/runs/{jr}", get(run_page))
        .route("/page/runs/{jr}/live", get(run_live))
        .route("/page/runs/{jr}/job/{action}", post(job_action))
        .route("/page/entries/{je}/transfer", post(transfer_action))
        .route("/page/jobs/{action}", post(jobs_action))
        .route("/page/assets/{file}", get(asset))
}

/// `GET /` and `GET /_control`: the page (`GET /_control/` is routed by the caller, since a
/// router nested at the prefix does not see the prefix's own trailing slash).
pub async fn root() -> Redirect {
    Redirect::to(PAGE_ROOT)
}

/// The state diagram, generated once from the library's rules.
fn mermaid() -> &'static str {
    static MERMAID: OnceLock<String> = OnceLock::new();
    MERMAID.get_or_init(journal_run::rules::mermaid)
}

/// The page's security headers: nothing but its own files, never in a frame, no referrer to
/// other sites (`same-origin`: `no-referrer` would make the browser send `Origin: null` with
/// the page's own form posts).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn html(status: StatusCode, markup: &Markup) -> Response {
    let mut response = (status, markup.0.clone()).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A live part: 204 when the poll's version `v` is the part's, else the part.
fn fragment(v: Option<&str>, id: &str, url: &str, inner: &str) -> Response {
    if v == Some(view::version(inner).as_str()) {
        return StatusCode::NO_CONTENT.into_response();
    }
    html(StatusCode::OK, &view::live(id, url, inner))
}

fn header_of(app: &App) -> view::Header {
    let auto = app.config.jobs.mode == JobMode::Auto;
    let interval = app.config.jobs.interval();
    let processing = app.processing();
    view::Header {
        base_url: app.base_url.clone(),
        mode: if !auto {
            "manual".to_owned()
        } else if interval.is_zero() {
            "auto (unpaced)".to_owned()
        } else {
            format!("auto (a step every {} ms)", interval.as_millis())
        },
        auto,
        paused: app.paused(),
        processing: (processing.entries, processing.fail),
    }
}

fn problem(app: &App, status: StatusCode, title: &str, message: &str, back: &str) -> Response {
    html(
        status,
        &view::problem(&header_of(app), title, message, back),
    )
}

/// The query of the list's live part.
#[derive(Debug, Default, Deserialize)]
pub struct LiveQuery {
    /// The version the poller holds.
    #[serde(default)]
    pub v: Option<String>,
}

/// Waits until every write the page is about to show is committed: no page shows what a crash
/// could undo (as Zuora's reads).
async fn committed(app: &App, ticket: u64) {
    if ticket > 0 {
        app.store.committed(ticket).await;
    }
}

fn list(app: &App) -> (Vec<model::RunRow>, u64) {
    let tenant = app.read();
    let ticket = tenant.runs().map(|(_, r)| r.ticket).max().unwrap_or(0);
    (model::run_rows(&tenant), ticket)
}

/// `GET /_control/`: the list of runs.
pub async fn index(State(app): State<Arc<App>>) -> Response {
    let (rows, ticket) = list(&app);
    committed(&app, ticket).await;
    html(StatusCode::OK, &view::index(&header_of(&app), &rows))
}

/// `GET /_control/page/runs?v=`: the list's live part.
pub async fn runs_live(State(app): State<Arc<App>>, Query(query): Query<LiveQuery>) -> Response {
    let (rows, ticket) = list(&app);
    committed(&app, ticket).await;
    let inner = view::runs_table(&rows);
    fragment(
        query.v.as_deref(),
        "runs",
        &format!("{PAGE_ROOT}page/runs"),
        &inner,
    )
}

/// The query of a run's page: its entity, the page of entries, the page of the log (from 1),
/// and, for the live part, the version the poller holds. Pages that are not numbers are 1.
#[derive(Debug, Default, Deserialize)]
pub struct RunQuery {
    /// The entity (absent: none).
    #[serde(default)]
    pub entity: Option<String>,
    /// The page of entries.
    #[serde(default)]
    pub page: Option<String>,
    /// The page of the log.
    #[serde(default)]
    pub log: Option<String>,
    /// The live part's version.
    #[serde(default)]
    pub v: Option<String>,
}

fn page_number(text: Option<&str>) -> usize {
    text.and_then(|t| t.parse().ok()).unwrap_or(1)
}

fn parse_entity(entity: Option<&str>) -> Result<Option<EntityId>, String> {
    entity
        .map(|e| e.parse().map_err(|e| format!("entity: {e}")))
        .transpose()
}

/// The run a page names, as the control API finds it.
fn find(app: &App, number: &str, entity: Option<&str>) -> Result<RunKey, (StatusCode, String)> {
    let number: JournalRunNumber = number
        .parse()
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("jr-number: {e}")))?;
    let entity = parse_entity(entity).map_err(|e| (StatusCode::BAD_REQUEST, e))?;
    app.read().find_run(entity.as_ref(), number).ok_or_else(|| {
        (
            StatusCode::NOT_FOUND,
            format!("journal run {number} not found"),
        )
    })
}

fn view_of(app: &App, key: &RunKey, query: &RunQuery) -> Option<(model::RunView, u64)> {
    let tenant = app.read();
    let ticket = tenant.get(key)?.ticket;
    let view = model::run_view(
        app,
        &tenant,
        key,
        page_number(query.page.as_deref()),
        page_number(query.log.as_deref()),
    )?;
    Some((view, ticket))
}

fn not_found(app: &App, status: StatusCode, message: &str) -> Response {
    problem(app, status, "Not found", message, PAGE_ROOT)
}

/// `GET /_control/page/runs/{jr}?entity=&page=&log=`: a run's page.
pub async fn run_page(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    Query(query): Query<RunQuery>,
) -> Response {
    let key = match find(&app, &number, query.entity.as_deref()) {
        Ok(key) => key,
        Err((status, message)) => return not_found(&app, status, &message),
    };
    let Some((view, ticket)) = view_of(&app, &key, &query) else {
        return not_found(&app, StatusCode::NOT_FOUND, "the run is gone");
    };
    committed(&app, ticket).await;
    html(
        StatusCode::OK,
        &view::run_page(&view, &header_of(&app), mermaid()),
    )
}

/// `GET /_control/page/runs/{jr}/live?entity=&page=&log=&v=`: a run's live part.
pub async fn run_live(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    Query(query): Query<RunQuery>,
) -> Response {
    let key = match find(&app, &number, query.entity.as_deref()) {
        Ok(key) => key,
        Err((status, message)) => return not_found(&app, status, &message),
    };
    let Some((view, ticket)) = view_of(&app, &key, &query) else {
        return not_found(&app, StatusCode::NOT_FOUND, "the run is gone");
    };
    committed(&app, ticket).await;
    let inner = view::run_live(&view, &header_of(&app), mermaid());
    let url = view::live_url(&key, view.page.0, view.log_page.0);
    fragment(query.v.as_deref(), "run", &url, &inner)
}

/// The page's answer to an action that a browser marks as coming from another site, which
/// the control API's guard refuses ([`control::cross_site`]): a page elsewhere must not drive
/// the control API through the browser of a person who has this page open.
pub(crate) fn refuse_cross_site(app: &App) -> Response {
    problem(
        app,
        StatusCode::FORBIDDEN,
        "Refused",
        "the page's actions are taken only from the page itself, not from another site",
        PAGE_ROOT,
    )
}

fn refused(app: &App, error: &control::ControlError, back: &str) -> Response {
    problem(app, error.status(), "Not done", &error.message(), back)
}

/// The query of an action: the run's entity and the page of entries to go back to.
#[derive(Debug, Default, Deserialize)]
pub struct ActionQuery {
    /// The entity (absent: none).
    #[serde(default)]
    pub entity: Option<String>,
    /// The page of entries to go back to.
    #[serde(default)]
    pub page: Option<String>,
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// `POST /_control/page/runs/{jr}/job/{action}?entity=`: `step`, `finish`, `pause` or
/// `resume`, by [`control::job`]; back to the run's page.
pub async fn job_action(
    State(app): State<Arc<App>>,
    Path((number, action)): Path<(String, String)>,
    Query(query): Query<ActionQuery>,
) -> Response {
    let key = match find(&app, &number, query.entity.as_deref()) {
        Ok(key) => key,
        Err((status, message)) => return not_found(&app, status, &message),
    };
    let back = view::run_url(&key, page_number(query.page.as_deref()), 1);
    let entity = EntityQuery {
        entity: query.entity.clone(),
    };
    match control::job(State(app.clone()), Path((number, action)), entity).await {
        Ok(_) => see_other(&format!("{back}#job-heading")),
        Err(error) => refused(&app, &error, &back),
    }
}

/// The form of a transfer: the control API's `to`.
#[derive(Debug, Deserialize)]
pub struct TransferForm {
    /// `Processing`, `Yes` or `Error`.
    pub to: String,
}

/// `POST /_control/page/entries/{je}/transfer?entity=` (form `to`): the accounting
/// integration, by [`control::transfer`]; back to the page of the run that holds the entry.
pub async fn transfer_action(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    Query(query): Query<ActionQuery>,
    Form(form): Form<TransferForm>,
) -> Response {
    let body = serde_json::json!({ "to": form.to }).to_string();
    let entity = EntityQuery {
        entity: query.entity.clone(),
    };
    let result = control::transfer(
        State(app.clone()),
        Path(number.clone()),
        entity,
        Body::from(body),
    )
    .await;
    let back = back_to_entry(&app, &number, query.entity.as_deref());
    match result {
        Ok(_) => see_other(&back),
        Err(error) => refused(&app, &error, &back),
    }
}

/// The page of the run that holds entry `number`, at the entry; the list when there is none.
fn back_to_entry(app: &App, number: &str, entity: Option<&str>) -> String {
    let Ok(entry) = number.parse::<JournalEntryNumber>() else {
        return PAGE_ROOT.to_owned();
    };
    let Ok(entity) = parse_entity(entity) else {
        return PAGE_ROOT.to_owned();
    };
    let tenant = app.read();
    tenant
        .find_entry(entity.as_ref(), entry)
        .and_then(|key| {
            let record = tenant.get(&key)?;
            let page = model::page_of(record, entry);
            Some(format!("{}#{entry}", view::run_url(&key, page, 1)))
        })
        .unwrap_or_else(|| PAGE_ROOT.to_owned())
}

/// `POST /_control/page/jobs/{pause|resume}`: every job, by [`control::jobs_switch`]; back to
/// the list.
pub async fn jobs_action(State(app): State<Arc<App>>, Path(action): Path<String>) -> Response {
    match control::jobs_switch(State(app.clone()), Path(action)).await {
        Ok(_) => see_other(PAGE_ROOT),
        Err(error) => refused(&app, &error, PAGE_ROOT),
    }
}

/// `GET /_control/page/assets/{file}`: htmx and the style sheet.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, content_type, cache) = match file.as_str() {
        assets::HTMX_NAME => (
            assets::HTMX,
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        assets::CSS_NAME => (assets::CSS, "text/css; charset=utf-8", "no-cache"),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_at_the_root_of_the_control_prefix() {
        assert_eq!(PAGE_ROOT, format!("{}/", control::PREFIX));
    }

    #[test]
    fn the_diagram_has_every_status_change_of_the_rules() {
        let edges = view::edges(mermaid());
        assert!(edges.contains(&(
            "CancelInprogress".to_owned(),
            "Completed".to_owned(),
            "settleCancellation".to_owned()
        )));
        assert!(edges.contains(&("[*]".to_owned(), "Pending".to_owned(), String::new())));
        assert_eq!(edges.len(), mermaid().matches(" --> ").count());
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(view::encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(view::encode("entity-A_1.x~"), "entity-A_1.x~");
    }

    #[test]
    fn versions_differ_with_the_content() {
        assert_eq!(view::version("a"), view::version("a"));
        assert_ne!(view::version("a"), view::version("b"));
        assert_eq!(view::version("").len(), 16);
    }
}
