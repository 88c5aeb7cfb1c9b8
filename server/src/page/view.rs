//! The page's markup, with maud: everything is rendered on the server and escaped by maud,
//! so the page reads without JavaScript; htmx only polls the live parts and swaps them in.

use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::model::{JobView, RunRow, RunView, FAILURES_NAMED};
use super::{assets, PAGE_ROOT};
use crate::tenant::{Change, EntryEdit, LogRecord, RunKey};
use journal_run::wire::Nullable;
use journal_run::{plural, AttemptOutcome, Event, JournalRunStatus};

/// How often the live parts are polled.
const POLL: &str = "every 1s";

/// What the header says of the server.
#[derive(Debug, Clone)]
pub struct Header {
    /// The address Zuora's API answers at.
    pub base_url: String,
    /// `auto (every 50 ms)`, `auto (unpaced)` or `manual`.
    pub mode: String,
    /// Whether the jobs are driven by the server (not manual).
    pub auto: bool,
    /// Whether every job is paused.
    pub paused: bool,
    /// What processing creates: entries, and whether it fails.
    pub processing: (u32, bool),
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
#[must_use]
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `path` with the query of these parameters (`None` ones left out).
fn url(path: &str, params: &[(&str, Option<String>)]) -> String {
    let mut out = path.to_owned();
    let mut first = true;
    for (name, value) in params {
        if let Some(value) = value {
            out.push(if first { '?' } else { '&' });
            first = false;
            let _ = write!(out, "{name}={}", encode(value));
        }
    }
    out
}

fn entity_param(key: &RunKey) -> Option<String> {
    key.entity.as_ref().map(ToString::to_string)
}

/// The run's page.
#[must_use]
pub fn run_url(key: &RunKey, page: usize, log: usize) -> String {
    url(
        &format!("{PAGE_ROOT}page/runs/{}", key.number),
        &[
            ("entity", entity_param(key)),
            ("page", (page > 1).then(|| page.to_string())),
            ("log", (log > 1).then(|| log.to_string())),
        ],
    )
}

/// A run's live part.
#[must_use]
pub fn live_url(key: &RunKey, page: usize, log: usize) -> String {
    url(
        &format!("{PAGE_ROOT}page/runs/{}/live", key.number),
        &[
            ("entity", entity_param(key)),
            ("page", Some(page.to_string())),
            ("log", Some(log.to_string())),
        ],
    )
}

/// FNV-1a, 64 bits: the version of a live part, so that a poll that finds it unchanged is
/// answered 204 and nothing is swapped.
#[must_use]
pub fn version(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A live part: its content, and what polls it (`url` answers the same part, or 204 when its
/// version is `v`).
#[must_use]
pub fn live(id: &str, url: &str, inner: &str) -> Markup {
    let separator = if url.contains('?') { '&' } else { '?' };
    let poll = format!("{url}{separator}v={}", version(inner));
    html! {
        div id=(id) hx-get=(poll) hx-trigger=(POLL) hx-swap="outerHTML" {
            (PreEscaped(inner))
        }
    }
}

fn layout(title: &str, header: &Header, main: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}"#;
                title { (title) " · journal-run serve" }
                link rel="stylesheet" href=(format!("{PAGE_ROOT}page/assets/{}", assets::CSS_NAME));
                script src=(format!("{PAGE_ROOT}page/assets/{}", assets::HTMX_NAME)) defer {}
            }
            body {
                header.site {
                    p.brand { a href=(PAGE_ROOT) { "journal-run serve" } " · the local Zuora" }
                    p.meta {
                        "Zuora's API at " code { (header.base_url) }
                        " · jobs: " (header.mode)
                        @if header.paused { " · " strong { "every job is paused" } }
                        " · processing creates " (header.processing.0) " entries"
                        @if header.processing.1 { " and fails" }
                    }
                }
                main { (main) }
                footer {
                    noscript { p { "Live updates need JavaScript: reload the page to see the latest state." } }
                    p { "The control surface of " code { "journal-run serve" } " (docs/SERVER.md, \"The live page\")." }
                }
            }
        }
    }
}

fn status_badge(status: &str) -> Markup {
    html! { span class=(format!("badge status-{}", status.to_ascii_lowercase())) { (status) } }
}

fn progress(attempted: usize, total: usize, label: &str) -> Markup {
    html! {
        progress value=(attempted) max=(total.max(1)) aria-label=(label) { (attempted) " of " (total) }
    }
}

/// The runs' table: the live part of the index.
#[must_use]
pub fn runs_table(rows: &[RunRow]) -> String {
    html! {
        @if rows.is_empty() {
            p.empty {
                "No journal runs yet. Create one with Zuora's API (" code { "POST /v1/journal-runs" }
                "), load a snapshot with " code { "--load" } " or "
                code { "POST " (PAGE_ROOT) "runs" } "."
            }
        } @else {
            table.runs {
                caption { (plural(rows.len(), "journal run", "journal runs")) ", by entity and number" }
                thead {
                    tr {
                        th scope="col" { "Run" }
                        th scope="col" { "Entity" }
                        th scope="col" { "Status" }
                        th scope="col" .num { "Entries" }
                        th scope="col" .num { "Created" }
                        th scope="col" .num { "Cancelled" }
                        th scope="col" { "Transferred to Accounting" }
                        th scope="col" { "Cancellation job" }
                    }
                }
                tbody {
                    @for row in rows {
                        tr {
                            th scope="row" { a href=(run_url(&row.key, 1, 1)) { (row.key.number.to_string()) } }
                            td { @match &row.key.entity { Some(e) => (e.to_string()), None => span.muted { "none" } } }
                            td { (status_badge(row.status)) }
                            td .num { (row.counts.total) }
                            td .num { (row.counts.created()) }
                            td .num { (row.counts.cancelled) }
                            td {
                                @for (i, (name, n)) in row.counts.transfer.pairs().into_iter().filter(|(_, n)| *n > 0).enumerate() {
                                    @if i > 0 { ", " }
                                    (name) " " (n)
                                }
                            }
                            td {
                                @if let Some(job) = row.job {
                                    (progress(job.attempted, job.total, &format!("Cancellation job of {}", row.key.number)))
                                    " " (job.attempted) " of " (job.total) " attempted"
                                    @if row.paused { " (paused)" }
                                } @else if row.job_unknown {
                                    "running, progress unknown"
                                } @else {
                                    span.muted { "none running" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

fn jobs_switch(header: &Header) -> Markup {
    html! {
        @if header.auto {
            form.inline method="post" action=(format!("{PAGE_ROOT}page/jobs/{}", if header.paused { "resume" } else { "pause" })) {
                button type="submit" { @if header.paused { "Resume every job" } @else { "Pause every job" } }
            }
        }
    }
}

/// The index: the list of runs.
#[must_use]
pub fn index(header: &Header, rows: &[RunRow]) -> Markup {
    let table = runs_table(rows);
    let main = html! {
        h1 { "Journal runs" }
        (jobs_switch(header))
        (live("runs", &format!("{PAGE_ROOT}page/runs"), &table))
    };
    layout("Journal runs", header, &main)
}

fn pager(view: &RunView, which: &str) -> Markup {
    let (current, count) = if which == "page" {
        view.page
    } else {
        view.log_page
    };
    let link = |n: usize| {
        if which == "page" {
            run_url(&view.key, n, view.log_page.0)
        } else {
            run_url(&view.key, view.page.0, n)
        }
    };
    let noun = if which == "page" {
        "Entries"
    } else {
        "Event log"
    };
    html! {
        @if count > 1 {
            nav.pager aria-label=(format!("{noun}: pages")) {
                @if current > 1 {
                    a href=(link(1)) { "First" }
                    a href=(link(current - 1)) rel="prev" { "Previous" }
                }
                span { "Page " (current) " of " (count) }
                @if current < count {
                    a href=(link(current + 1)) rel="next" { "Next" }
                    a href=(link(count)) { "Last" }
                }
                form.inline method="get" action=(format!("{PAGE_ROOT}page/runs/{}", view.key.number)) {
                    @if let Some(e) = &view.key.entity { input type="hidden" name="entity" value=(e.to_string()); }
                    @if which == "page" {
                        input type="hidden" name="log" value=(view.log_page.0);
                    } @else {
                        input type="hidden" name="page" value=(view.page.0);
                    }
                    @let id = format!("goto-{which}");
                    label for=(id) { "Go to page" }
                    input id=(id) type="number" name=(which) min="1" max=(count) value=(current);
                    button type="submit" { "Go" }
                }
            }
        }
    }
}

fn job_section(view: &RunView, header: &Header) -> Markup {
    let action_url = |action: &str| {
        url(
            &format!("{PAGE_ROOT}page/runs/{}/job/{action}", view.key.number),
            &[
                ("entity", entity_param(&view.key)),
                ("page", (view.page.0 > 1).then(|| view.page.0.to_string())),
            ],
        )
    };
    html! {
        section aria-labelledby="job-heading" {
            h2 #job-heading { "Cancellation job" }
            @if let Some(job) = &view.job {
                (job_progress(job))
            } @else {
                p #job-summary role="status" { "No cancellation job has run since the run was loaded." }
            }
            p {
                @if let Some(step) = view.next_step {
                    "Next background step: " code { (step) } "."
                    @if view.paused { " " strong { "This run's job is paused." } }
                    @if header.paused { " " strong { "Every job is paused." } }
                    @if !header.auto { " Jobs are manual: step or finish them here." }
                } @else {
                    "The run is at rest: it has no background step to take."
                }
            }
            @if !view.actions.is_empty() {
                div.actions role="group" aria-label="Job actions" {
                    @for action in &view.actions {
                        form.inline method="post" action=(action_url(action.path())) {
                            button type="submit" name="action" value=(action.path()) { (action.label()) }
                        }
                    }
                }
            }
        }
    }
}

fn job_progress(job: &JobView) -> Markup {
    html! {
        @if !job.unknown {
            p {
                (progress(job.attempted, job.total, "Cancellation job: entries attempted"))
                " " (job.attempted) " of " (job.total) " entries attempted"
                @if job.began_before_load { " (the job began before the run was loaded)" }
            }
        }
        p #job-summary role="status" { (job.summary()) }
        @if !job.failures.is_empty() {
            h3 { "Failures" }
            ul.failures {
                @for failure in job.failures.iter().take(FAILURES_NAMED * 5) {
                    li {
                        a href=(format!("#{}", failure.entry)) { (failure.entry.to_string()) }
                        ": not cancelled, its Transferred to Accounting was "
                        strong { (failure.transferred_to_accounting.as_str()) }
                        " when the job attempted it"
                    }
                }
                @if job.failures.len() > FAILURES_NAMED * 5 {
                    li { "and " (job.failures.len() - FAILURES_NAMED * 5) " more" }
                }
            }
        }
    }
}

fn entries_section(view: &RunView) -> Markup {
    html! {
        section aria-labelledby="entries-heading" {
            h2 #entries-heading { "Entries" }
            (pager(view, "page"))
            @if view.entries.is_empty() {
                p.empty { "The run has no entries." }
            } @else {
                table.entries {
                    caption {
                        "Entries " (view.entries.first().map(|e| e.number.to_string()).unwrap_or_default())
                        " to " (view.entries.last().map(|e| e.number.to_string()).unwrap_or_default())
                        " of " (view.counts.total)
                    }
                    thead {
                        tr {
                            th scope="col" { "Entry" }
                            th scope="col" { "Status" }
                            th scope="col" { "Transferred to Accounting" }
                            th scope="col" { "Transferred" }
                            th scope="col" { "Notes" }
                            th scope="col" { "Custom fields" }
                            th scope="col" { "Accounting integration" }
                        }
                    }
                    tbody {
                        @for entry in &view.entries {
                            @let number = entry.number.to_string();
                            tr id=(number) {
                                th scope="row" { (number) }
                                td { span class=(format!("badge entry-{}", entry.status.to_ascii_lowercase())) { (entry.status) } }
                                td { span class=(format!("badge tta-{}", entry.transferred_to_accounting.to_ascii_lowercase())) { (entry.transferred_to_accounting) } }
                                td {
                                    @if let Some((at, by)) = &entry.transferred { (at) " by " (by) }
                                }
                                td.notes { @if let Some(notes) = &entry.notes { (notes) } }
                                td {
                                    @if !entry.custom_fields.is_empty() {
                                        dl.fields {
                                            @for (name, value) in &entry.custom_fields {
                                                dt { (name) } dd { code { (value) } }
                                            }
                                        }
                                    }
                                }
                                td {
                                    @if !entry.transfers.is_empty() {
                                        form.inline method="post" action=(url(
                                            &format!("{PAGE_ROOT}page/entries/{number}/transfer"),
                                            &[("entity", entity_param(&view.key))],
                                        )) {
                                            @for action in &entry.transfers {
                                                button type="submit" name="to" value=(action.to)
                                                    aria-label=(format!("{} of {number}", action.label)) { (action.label) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a log record changed, in words: the event's name and its details.
#[must_use]
pub fn change_text(change: &Change) -> (&'static str, String) {
    match change {
        Change::Event(event) => {
            let name: &'static str = event.into();
            let detail = match event {
                Event::ProcessingCompleted { entries } | Event::ProcessingFailed { entries } => {
                    match (entries.first(), entries.last()) {
                        (Some(first), Some(last)) => {
                            format!("{} entries created, {first} to {last}", entries.len())
                        }
                        _ => "no entries created".to_owned(),
                    }
                }
                Event::CancellationRequested { previous } => {
                    format!("the run was {}", JournalRunStatus::from(*previous))
                }
                Event::EntryAttempted { entry, outcome } => match outcome {
                    AttemptOutcome::Cancelled => format!("{entry}: cancelled"),
                    AttemptOutcome::AlreadyCancelled => format!("{entry}: cancelled already"),
                    AttemptOutcome::Failed {
                        transferred_to_accounting,
                    } => format!(
                        "{entry}: failed, Transferred to Accounting is {transferred_to_accounting}"
                    ),
                },
                Event::CancellationSettled { settlement } => {
                    format!("the run is {}", settlement.status())
                }
                Event::EntryCancelled { entry } | Event::EntryDeleted { entry } => {
                    entry.to_string()
                }
                Event::TransferredToAccountingChanged { entry, from, to } => {
                    format!("{entry}: {from} to {to}")
                }
                Event::ProcessingStarted | Event::DeletionStarted | Event::RunDeleted => {
                    String::new()
                }
            };
            (name, detail)
        }
        Change::Edit(edit) => ("entryEdited", edit_text(edit)),
    }
}

fn edit_text(edit: &EntryEdit) -> String {
    let mut parts = Vec::new();
    match &edit.notes {
        Nullable::Absent => {}
        Nullable::Null => parts.push("notes cleared".to_owned()),
        Nullable::Value(notes) => parts.push(format!("notes: {notes}")),
    }
    for (name, value) in &edit.custom_fields {
        parts.push(format!(
            "{name}: {}",
            serde_json::to_string(value).unwrap_or_default()
        ));
    }
    format!("{}: {}", edit.entry, parts.join("; "))
}

fn log_row(record: &LogRecord) -> Markup {
    let (name, detail) = change_text(&record.change);
    html! {
        tr {
            td .num { (record.seq) }
            td { time datetime=(record.at) { (record.at) } }
            td { (record.by) }
            td { code { (name) } }
            td { (detail) }
        }
    }
}

fn log_section(view: &RunView) -> Markup {
    html! {
        section aria-labelledby="log-heading" {
            h2 #log-heading { "Event log" }
            @if view.log.is_empty() {
                p.empty { "No record since the run was loaded or created." }
            } @else {
                (pager(view, "log"))
                table.log {
                    caption { (plural(view.log_length, "record", "records")) ", newest first" }
                    thead {
                        tr {
                            th scope="col" .num { "#" }
                            th scope="col" { "At" }
                            th scope="col" { "By" }
                            th scope="col" { "Change" }
                            th scope="col" { "Details" }
                        }
                    }
                    tbody { @for record in &view.log { (log_row(record)) } }
                }
            }
        }
    }
}

/// The state diagram's edges, from the library's Mermaid text: `(from, to, command)`.
#[must_use]
pub fn edges(mermaid: &str) -> Vec<(String, String, String)> {
    mermaid
        .lines()
        .filter_map(|line| {
            let (from, rest) = line.trim().split_once(" --> ")?;
            let (to, command) = rest.split_once(": ").unwrap_or((rest, ""));
            Some((from.to_owned(), to.to_owned(), command.to_owned()))
        })
        .collect()
}

fn diagram_section(status: &str, mermaid: &str) -> Markup {
    let node = if status == "Deleted" {
        "deleted"
    } else {
        status
    };
    html! {
        section aria-labelledby="diagram-heading" {
            h2 #diagram-heading { "State diagram" }
            p {
                "Generated from the library's rules (" code { "journal_run::rules::mermaid" }
                "): every status change a command can make. The run is "
                (status_badge(status)) "; the changes it can take from there are marked."
            }
            table.diagram {
                caption { "Status changes" }
                thead { tr { th scope="col" { "From" } th scope="col" { "Command" } th scope="col" { "To" } } }
                tbody {
                    @for (from, to, command) in edges(mermaid) {
                        @let here = from == node;
                        tr class=[here.then_some("current")] {
                            td { (from) @if here { " " strong { "(now)" } } }
                            td { @if !command.is_empty() { code { (command) } } }
                            td { (to) }
                        }
                    }
                }
            }
            details {
                summary { "Mermaid source" }
                pre.mermaid { (mermaid) }
            }
        }
    }
}

/// The live part of a run's page: status, counts, job, entries, log, diagram.
#[must_use]
pub fn run_live(view: &RunView, header: &Header, mermaid: &str) -> String {
    let doc = &view.document;
    html! {
        section aria-labelledby="status-heading" {
            h2 #status-heading { "Status" }
            p.status { (status_badge(view.status)) }
            dl.facts {
                dt { "Entries" } dd { (view.counts.total) }
                dt { "Created" } dd { (view.counts.created()) }
                dt { "Cancelled" } dd { (view.counts.cancelled) }
                dt { "Transferred to Accounting" }
                dd {
                    @for (i, (name, n)) in view.counts.transfer.pairs().into_iter().enumerate() {
                        @if i > 0 { ", " }
                        (name) " " (n)
                    }
                }
                @if let Some(date) = &doc.journal_entry_date { dt { "Journal entry date" } dd { (date) } }
                @if let (Some(start), Some(end)) = (&doc.target_start_date, &doc.target_end_date) {
                    dt { "Target period" } dd { (start) " to " (end) }
                }
                @if let Some(executed) = &doc.executed_on { dt { "Executed on" } dd { (executed) } }
                dt { "Log records" } dd { (view.log_length) }
            }
        }
        (job_section(view, header))
        (entries_section(view))
        (log_section(view))
        (diagram_section(view.status, mermaid))
    }
    .into_string()
}

/// A run's page.
#[must_use]
pub fn run_page(view: &RunView, header: &Header, mermaid: &str) -> Markup {
    let inner = run_live(view, header, mermaid);
    let title = view.key.number.to_string();
    let main = html! {
        nav.crumbs aria-label="Breadcrumb" { a href=(PAGE_ROOT) { "All journal runs" } }
        h1 {
            "Journal run " (title)
            @if let Some(e) = &view.key.entity { " " span.muted { "in entity " (e.to_string()) } }
        }
        (live("run", &live_url(&view.key, view.page.0, view.log_page.0), &inner))
    };
    layout(&title, header, &main)
}

/// A page that says what went wrong, with a way back.
#[must_use]
pub fn problem(header: &Header, title: &str, message: &str, back: &str) -> Markup {
    let main = html! {
        h1 { (title) }
        p.problem role="alert" { (message) }
        p { a href=(back) { "Back" } }
    };
    layout(title, header, &main)
}
