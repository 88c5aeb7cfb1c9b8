//! What the page shows, read from the tenant under its lock and copied out, so that rendering
//! never holds the lock: the list of runs, and one run's page (its counts, its cancellation
//! job, one page of entries, one page of its log, the actions the rules accept now).

use journal_run::wire::Value;
use journal_run::{
    AttemptOutcome, Command, Event, JournalEntryNumber, JournalRunStatus, RunState, TransferResult,
    TransferredToAccounting,
};

use crate::app::App;
use crate::config::JobMode;
use crate::tenant::{system, Change, LogRecord, RunKey, RunRecord, Tenant};

/// Entries on one page of a run's page.
pub const ENTRIES_PER_PAGE: usize = 100;

/// Log records on one page of a run's page.
pub const LOG_PER_PAGE: usize = 50;

/// Failures named one by one in a job's summary; more are counted.
pub const FAILURES_NAMED: usize = 20;

/// How many entries have each value of Transferred to Accounting, in Zuora's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferCounts {
    /// `No`.
    pub no: usize,
    /// `Processing`.
    pub processing: usize,
    /// `Yes`.
    pub yes: usize,
    /// `Error`.
    pub error: usize,
    /// `Ignore`.
    pub ignore: usize,
}

impl TransferCounts {
    /// The values and their counts, in Zuora's order.
    #[must_use]
    pub fn pairs(&self) -> [(&'static str, usize); 5] {
        [
            ("No", self.no),
            ("Processing", self.processing),
            ("Yes", self.yes),
            ("Error", self.error),
            ("Ignore", self.ignore),
        ]
    }
}

/// A run's entries counted: by status and by Transferred to Accounting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every entry.
    pub total: usize,
    /// Cancelled entries (the rest are Created).
    pub cancelled: usize,
    /// By Transferred to Accounting.
    pub transfer: TransferCounts,
}

impl Counts {
    /// Created entries.
    #[must_use]
    pub const fn created(&self) -> usize {
        self.total - self.cancelled
    }
}

fn counts(record: &RunRecord) -> Counts {
    let mut transfer = TransferCounts::default();
    for entry in record.run.entries() {
        let slot = match entry.transferred_to_accounting {
            TransferredToAccounting::No => &mut transfer.no,
            TransferredToAccounting::Processing => &mut transfer.processing,
            TransferredToAccounting::Yes => &mut transfer.yes,
            TransferredToAccounting::Error => &mut transfer.error,
            TransferredToAccounting::Ignore => &mut transfer.ignore,
        };
        *slot += 1;
    }
    Counts {
        total: record.run.entries().len(),
        cancelled: record.run.cancelled_count(),
        transfer,
    }
}

/// A run's status as the page names it: Zuora's status, or `Deleted`.
fn status_name(status: Option<JournalRunStatus>) -> &'static str {
    status.map_or("Deleted", JournalRunStatus::as_str)
}

/// A running cancellation job's progress: entries attempted of the run's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Entries attempted.
    pub attempted: usize,
    /// The run's entries.
    pub total: usize,
}

/// One row of the list of runs.
#[derive(Debug, Clone)]
pub struct RunRow {
    /// The run.
    pub key: RunKey,
    /// Its status.
    pub status: &'static str,
    /// Its entries, counted.
    pub counts: Counts,
    /// The running cancellation job's progress (`None`: no job runs, or its state is unknown).
    pub job: Option<Progress>,
    /// Whether a cancellation job runs whose state is unknown (loaded from Zuora's export).
    pub job_unknown: bool,
    /// Whether the run's job is paused.
    pub paused: bool,
    /// The length of its log.
    pub log_length: usize,
}

/// The list of runs, in entity and number order. O(runs + entries).
#[must_use]
pub fn run_rows(tenant: &Tenant) -> Vec<RunRow> {
    tenant
        .runs()
        .map(|(key, record)| {
            let counts = counts(record);
            RunRow {
                key: key.clone(),
                status: status_name(record.run.status()),
                counts,
                job: record.run.job().map(|job| Progress {
                    attempted: job.next,
                    total: counts.total,
                }),
                job_unknown: matches!(record.run.state(), RunState::CancelInprogress(job) if job.known().is_none()),
                paused: record.paused,
                log_length: record.log.len(),
            }
        })
        .collect()
}

/// A failed attempt of the cancellation job: the entry and the Transferred to Accounting that
/// stopped it (the reason the `entryAttempted` event carries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The entry.
    pub entry: JournalEntryNumber,
    /// Its Transferred to Accounting when it was attempted.
    pub transferred_to_accounting: TransferredToAccounting,
}

/// The run's last cancellation job, read from its log (and from the run's state for a job
/// that began before the run was loaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    /// Whether the job runs now.
    pub running: bool,
    /// Whether its state is unknown (a `CancelInprogress` run read from Zuora's export).
    pub unknown: bool,
    /// Whether the job began before the run was loaded: its log holds only part of it.
    pub began_before_load: bool,
    /// Entries attempted.
    pub attempted: usize,
    /// The run's entries.
    pub total: usize,
    /// Attempts that left (or found) the entry cancelled.
    pub cancelled: usize,
    /// Attempts that failed, in entry order.
    pub failures: Vec<Failure>,
    /// The status the job settled the run in, once it has.
    pub settled: Option<JournalRunStatus>,
}

impl JobView {
    /// One line that says where the job is: `Completed, 9 of 10 cancelled, JE-00000004 failed:
    /// Transferred to Accounting is Yes` once settled; `CancelInprogress, 4 of 10 attempted,
    /// 3 cancelled, ...` while it runs.
    #[must_use]
    pub fn summary(&self) -> String {
        if self.unknown {
            return "CancelInprogress, the job's progress is unknown: the run was loaded from an \
                    export that does not show it"
                .to_owned();
        }
        let mut line = match self.settled {
            Some(status) if !self.running => {
                format!("{status}, {} of {} cancelled", self.cancelled, self.total)
            }
            _ => format!(
                "CancelInprogress, {} of {} attempted, {} cancelled",
                self.attempted, self.total, self.cancelled
            ),
        };
        for failure in self.failures.iter().take(FAILURES_NAMED) {
            line.push_str(if line.contains(" failed: ") {
                "; "
            } else {
                ", "
            });
            line.push_str(&format!(
                "{} failed: Transferred to Accounting is {}",
                failure.entry, failure.transferred_to_accounting
            ));
        }
        if self.failures.len() > FAILURES_NAMED {
            line.push_str(&format!(
                "; and {} more failed",
                self.failures.len() - FAILURES_NAMED
            ));
        }
        line
    }
}

/// The run's last cancellation job: the log back to its last `cancellationRequested`. `None`
/// when no job ran since the run was loaded and none runs now. O(length of the job).
#[must_use]
pub fn job_view(record: &RunRecord) -> Option<JobView> {
    let total = record.run.entries().len();
    if let RunState::CancelInprogress(job) = record.run.state() {
        if job.known().is_none() {
            return Some(JobView {
                running: true,
                unknown: true,
                began_before_load: true,
                attempted: 0,
                total,
                cancelled: 0,
                failures: Vec::new(),
                settled: None,
            });
        }
    }
    let start = record
        .log
        .iter()
        .rposition(|r| matches!(r.change, Change::Event(Event::CancellationRequested { .. })));
    let running = record.run.job().is_some();
    if start.is_none() && !running {
        return None;
    }
    let tail = &record.log[start.map_or(0, |i| i + 1)..];
    let mut view = JobView {
        running,
        unknown: false,
        began_before_load: start.is_none(),
        attempted: 0,
        total,
        cancelled: 0,
        failures: Vec::new(),
        settled: None,
    };
    for item in tail {
        match &item.change {
            Change::Event(Event::EntryAttempted { entry, outcome }) => {
                view.attempted += 1;
                match outcome {
                    AttemptOutcome::Cancelled | AttemptOutcome::AlreadyCancelled => {
                        view.cancelled += 1;
                    }
                    AttemptOutcome::Failed {
                        transferred_to_accounting,
                    } => view.failures.push(Failure {
                        entry: *entry,
                        transferred_to_accounting: *transferred_to_accounting,
                    }),
                }
            }
            Change::Event(Event::CancellationSettled { settlement }) => {
                view.settled = Some(settlement.status());
            }
            _ => {}
        }
    }
    if view.began_before_load {
        // The attempts before the load are not in the log: the run's state holds them.
        if let Some(job) = record.run.job() {
            let before = job.next.saturating_sub(view.attempted);
            let earlier = record.run.entries().iter().take(before);
            view.cancelled += earlier.clone().filter(|e| e.is_cancelled()).count();
            let mut failures: Vec<Failure> = earlier
                .filter(|e| !e.is_cancelled())
                .map(|e| Failure {
                    entry: e.number,
                    transferred_to_accounting: e.transferred_to_accounting,
                })
                .collect();
            failures.append(&mut view.failures);
            view.failures = failures;
            view.attempted = job.next;
        }
    }
    Some(view)
}

/// A move of the accounting integration the rules accept on an entry now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferAction {
    /// What the control API's `to` is: `Processing`, `Yes` or `Error`.
    pub to: &'static str,
    /// The button's words.
    pub label: &'static str,
}

const TRANSFERS: [TransferAction; 3] = [
    TransferAction {
        to: "Processing",
        label: "Start transfer",
    },
    TransferAction {
        to: "Yes",
        label: "Transfer succeeded",
    },
    TransferAction {
        to: "Error",
        label: "Transfer failed",
    },
];

/// The command `POST /_control/entries/{je}/transfer` carries out for `to` (the same
/// mapping as the control API's).
fn transfer_command(entry: JournalEntryNumber, to: &str) -> Option<Command> {
    match to {
        "Processing" => Some(Command::BeginTransfer { entry }),
        "Yes" => Some(Command::FinishTransfer {
            entry,
            result: TransferResult::Yes,
        }),
        "Error" => Some(Command::FinishTransfer {
            entry,
            result: TransferResult::Error,
        }),
        _ => None,
    }
}

/// One entry of a run's page.
#[derive(Debug, Clone)]
pub struct EntryRow {
    /// The number.
    pub number: JournalEntryNumber,
    /// Created or Cancelled.
    pub status: &'static str,
    /// Transferred to Accounting.
    pub transferred_to_accounting: &'static str,
    /// When and by whom it was transferred.
    pub transferred: Option<(String, String)>,
    /// The notes.
    pub notes: Option<String>,
    /// Custom fields: name and JSON value.
    pub custom_fields: Vec<(String, String)>,
    /// The accounting integration's moves the rules accept now.
    pub transfers: Vec<TransferAction>,
}

/// A job action the page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAction {
    /// Take the next step.
    Step,
    /// Take every step.
    Finish,
    /// Pause the run's job.
    Pause,
    /// Resume it.
    Resume,
}

impl JobAction {
    /// The control API's name of the action.
    #[must_use]
    pub const fn path(self) -> &'static str {
        match self {
            Self::Step => "step",
            Self::Finish => "finish",
            Self::Pause => "pause",
            Self::Resume => "resume",
        }
    }

    /// The button's words.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Step => "Step",
            Self::Finish => "Finish",
            Self::Pause => "Pause job",
            Self::Resume => "Resume job",
        }
    }
}

/// A run's page.
#[derive(Debug, Clone)]
pub struct RunView {
    /// The run.
    pub key: RunKey,
    /// Its status (`Deleted` once deleted).
    pub status: &'static str,
    /// The run's document, as a GET answers it.
    pub document: journal_run::wire::GetJournalRunType,
    /// Its entries, counted.
    pub counts: Counts,
    /// Its last cancellation job.
    pub job: Option<JobView>,
    /// The command the run's next background step would be (`None`: at rest).
    pub next_step: Option<&'static str>,
    /// The job actions the page offers.
    pub actions: Vec<JobAction>,
    /// Whether the run's job is paused.
    pub paused: bool,
    /// The page of entries shown, from 1, and how many there are.
    pub page: (usize, usize),
    /// The entries of that page.
    pub entries: Vec<EntryRow>,
    /// The page of the log shown (newest first), from 1, and how many there are.
    pub log_page: (usize, usize),
    /// The log's length.
    pub log_length: usize,
    /// The records of that page, newest first.
    pub log: Vec<LogRecord>,
}

fn pages(len: usize, per_page: usize) -> usize {
    len.div_ceil(per_page).max(1)
}

/// The page of entries that holds entry `entry` (from 1).
#[must_use]
pub fn page_of(record: &RunRecord, entry: JournalEntryNumber) -> usize {
    let position = record.run.entries().partition_point(|e| e.number < entry);
    position / ENTRIES_PER_PAGE + 1
}

fn json_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A run's page: page `page` of its entries, page `log_page` of its log (both from 1, clamped
/// to the last). O(entries + log records of the last job) to count; each page is copied.
#[must_use]
pub fn run_view(
    app: &App,
    tenant: &Tenant,
    key: &RunKey,
    page: usize,
    log_page: usize,
) -> Option<RunView> {
    let record = tenant.get(key)?;
    let entries = record.run.entries();
    let page_count = pages(entries.len(), ENTRIES_PER_PAGE);
    let page = page.clamp(1, page_count);
    let shown = entries
        .iter()
        .skip((page - 1) * ENTRIES_PER_PAGE)
        .take(ENTRIES_PER_PAGE);
    let rows = shown
        .map(|entry| {
            let doc = record.entry_docs.get(&entry.number);
            let transferred = doc.and_then(|d| {
                let at = d.transfer_date_time.value()?;
                Some((
                    at.clone(),
                    d.transferred_by.value().cloned().unwrap_or_default(),
                ))
            });
            EntryRow {
                number: entry.number,
                status: entry.status.as_str(),
                transferred_to_accounting: entry.transferred_to_accounting.as_str(),
                transferred,
                notes: doc.and_then(|d| d.notes.value().cloned()),
                custom_fields: doc
                    .map(|d| {
                        d.custom_fields
                            .iter()
                            .map(|(name, value)| (name.clone(), json_text(value)))
                            .collect()
                    })
                    .unwrap_or_default(),
                transfers: TRANSFERS
                    .iter()
                    .filter(|action| {
                        transfer_command(entry.number, action.to)
                            .is_some_and(|command| record.run.decide(&system(), &command).is_ok())
                    })
                    .copied()
                    .collect(),
            }
        })
        .collect();
    let next_step = tenant
        .next_job_command(key, app.processing())
        .map(|command| command.kind().as_str());
    let mut actions = Vec::new();
    if next_step.is_some() {
        actions.extend([JobAction::Step, JobAction::Finish]);
    }
    if app.config.jobs.mode == JobMode::Auto && (next_step.is_some() || record.paused) {
        actions.push(if record.paused {
            JobAction::Resume
        } else {
            JobAction::Pause
        });
    }
    let log_pages = pages(record.log.len(), LOG_PER_PAGE);
    let log_page = log_page.clamp(1, log_pages);
    let log = record
        .log
        .iter()
        .rev()
        .skip((log_page - 1) * LOG_PER_PAGE)
        .take(LOG_PER_PAGE)
        .cloned()
        .collect();
    Some(RunView {
        key: key.clone(),
        status: status_name(record.run.status()),
        document: record.document(),
        counts: counts(record),
        job: job_view(record),
        next_step,
        actions,
        paused: record.paused,
        page: (page, page_count),
        entries: rows,
        log_page: (log_page, log_pages),
        log_length: record.log.len(),
        log,
    })
}
