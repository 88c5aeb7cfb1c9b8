//! The tenant's state in memory: every run with its documents and its log, and the indexes
//! that find a run or an entry in an entity. Every change goes through [`Tenant::execute`] (a
//! command the library's rules decide) or [`Tenant::edit`] (an entry's notes), which append a
//! log record and apply it with `apply_record`; replaying a stored log at start uses the same
//! function, so a run is always the replay of its log.

use std::collections::{BTreeMap, HashMap};

use journal_run::tenant::{check_tenant, TenantAction};
use journal_run::wire::{
    GetJournalEntryDetailType, GetJournalEntryItemType, GetJournalRunType, Nullable, RunSnapshot,
    Value,
};
use journal_run::{
    Caller, Command, EntityId, Event, JournalEntryNumber, JournalRun, JournalRunNumber, Rejection,
    RunState, TransferredToAccounting, UncheckedRun,
};
use serde::{Deserialize, Serialize};

/// A run's key: its entity (none when Multi-entity is off or the run was loaded into none)
/// and its number. Numbers are per entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey {
    /// The entity.
    pub entity: Option<EntityId>,
    /// The number.
    pub number: JournalRunNumber,
}

/// One record of a run's log: an event of the library, or an edit of an entry's document
/// (notes, custom fields) that no rule governs; with when and by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRecord {
    /// The record's position in the run's log, from 1.
    pub seq: u64,
    /// When it was recorded (UTC, RFC 3339).
    pub at: String,
    /// Who made it: the OAuth client's user, or `zuora` for the background jobs, or
    /// `accounting integration`.
    pub by: String,
    /// What changed.
    pub change: Change,
}

/// What a log record changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// An event of the rules.
    Event(Event),
    /// An edit of an entry's basic information other than Transferred to Accounting.
    Edit(EntryEdit),
}

/// An edit of an entry's document: `notes` and custom fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryEdit {
    /// The entry.
    pub entry: JournalEntryNumber,
    /// The new notes (absent: unchanged; `null`: cleared).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub notes: Nullable<String>,
    /// Custom fields set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, Value>,
}

/// A run: the rules' state, its documents, its log.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The rules' state.
    pub run: JournalRun,
    /// The documents the run was created or loaded with: what replaying starts from.
    pub base: RunSnapshot,
    /// The run's document (its `status` and `totalJournalEntryCount` are rendered from `run`).
    pub run_doc: GetJournalRunType,
    /// Every entry's document, kept in step with `run`.
    pub entry_docs: BTreeMap<JournalEntryNumber, GetJournalEntryDetailType>,
    /// The log since `base`.
    pub log: Vec<LogRecord>,
    /// The store's ticket of the run's last write: a read waits until it is committed.
    pub ticket: u64,
    /// Whether the run's background job is paused.
    pub paused: bool,
    /// The run's document as a GET answers it, serialized: made at the first GET after a
    /// change.
    document_json: std::sync::OnceLock<Vec<u8>>,
}

impl RunRecord {
    /// The run's document as a GET answers it.
    #[must_use]
    pub fn document(&self) -> GetJournalRunType {
        let mut doc = self.run_doc.clone();
        if let Some(status) = self.run.status() {
            doc.status = status.as_str().to_owned();
        }
        doc.total_journal_entry_count = Some(self.run.entries().len() as u64);
        doc.success = Some(true);
        doc
    }

    /// [`Self::document`], serialized (kept until the run changes).
    #[must_use]
    pub fn document_json(&self) -> &[u8] {
        self.document_json
            .get_or_init(|| serde_json::to_vec(&self.document()).unwrap_or_default())
    }

    /// The run and its entries as a snapshot (the format `journal-run audit` reads), with the
    /// job's state when one runs.
    #[must_use]
    pub fn snapshot(&self) -> RunSnapshot {
        let mut run = self.document();
        run.success = None;
        RunSnapshot {
            run,
            journal_entries: self.entry_docs.values().cloned().collect(),
            cancellation_job: self.run.job().copied(),
        }
    }
}

/// Why a record or a snapshot could not be taken in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The documents are not a valid run.
    #[error("{0}")]
    Document(#[from] journal_run::wire::DocumentError),
    /// The documents break an invariant once the entity is set.
    #[error("{0}")]
    Snapshot(#[from] journal_run::invariants::SnapshotError),
    /// An event of the log does not fit the run.
    #[error("log record {seq}: {source}")]
    Apply {
        /// The record.
        seq: u64,
        /// Why.
        source: journal_run::ApplyError,
    },
    /// An entry number already belongs to another run of the entity.
    #[error("journal entry {entry} already belongs to journal run {run} of this entity")]
    EntryTaken {
        /// The entry.
        entry: JournalEntryNumber,
        /// The run that holds it.
        run: JournalRunNumber,
    },
    /// An edit names an entry the run does not hold.
    #[error("log record {seq}: journal entry {entry} is not an entry of the run")]
    NoSuchEntry {
        /// The record.
        seq: u64,
        /// The entry.
        entry: JournalEntryNumber,
    },
}

/// Every run of the tenant, and the indexes.
#[derive(Debug, Default)]
pub struct Tenant {
    runs: BTreeMap<RunKey, RunRecord>,
    entries: HashMap<(Option<EntityId>, JournalEntryNumber), JournalRunNumber>,
    highest_run: HashMap<Option<EntityId>, u64>,
    highest_entry: HashMap<Option<EntityId>, u64>,
    /// The runs that may have background work (Pending, Processing, CancelInprogress,
    /// DeleteInprogress): what the jobs visit.
    active: std::collections::BTreeSet<RunKey>,
}

/// Whether a run in `state` may have background work.
const fn is_active(state: &RunState) -> bool {
    match state {
        RunState::Pending
        | RunState::Processing
        | RunState::CancelInprogress(_)
        | RunState::DeleteInprogress => true,
        RunState::Completed | RunState::Error | RunState::Cancelled | RunState::Deleted => false,
    }
}

/// The caller the background jobs and the accounting integration act as: their commands
/// carry no permission rule (D-8 of the library).
pub fn system() -> Caller {
    Caller::superuser()
}

impl Tenant {
    /// The runs that may have background work, in entity and number order.
    pub fn active(&self) -> impl Iterator<Item = (&RunKey, &RunRecord)> {
        self.active
            .iter()
            .filter_map(|key| self.runs.get_key_value(key))
    }

    /// Notes whether run `key` may have background work now.
    fn mark(&mut self, key: &RunKey) {
        match self.runs.get(key) {
            Some(record) if is_active(record.run.state()) => {
                self.active.insert(key.clone());
            }
            Some(_) | None => {
                self.active.remove(key);
            }
        }
    }

    /// The runs, in entity and number order.
    pub fn runs(&self) -> impl Iterator<Item = (&RunKey, &RunRecord)> {
        self.runs.iter()
    }

    /// The run with `key`.
    #[must_use]
    pub fn get(&self, key: &RunKey) -> Option<&RunRecord> {
        self.runs.get(key)
    }

    /// How many runs the tenant holds (deleted ones included: their numbers stay taken).
    #[must_use]
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// Pauses or resumes a run's job.
    pub fn set_paused(&mut self, key: &RunKey, paused: bool) -> bool {
        self.runs.get_mut(key).map(|r| r.paused = paused).is_some()
    }

    /// Records the store ticket of a run's last write.
    pub fn set_ticket(&mut self, key: &RunKey, ticket: u64) {
        if let Some(record) = self.runs.get_mut(key) {
            record.ticket = ticket;
        }
    }

    /// The key of run `number` as a request in `entity` sees it: the entity's run, else a run
    /// that belongs to no entity (found in every entity, as the library's lookup does).
    #[must_use]
    pub fn find_run(&self, entity: Option<&EntityId>, number: JournalRunNumber) -> Option<RunKey> {
        let key = RunKey {
            entity: entity.cloned(),
            number,
        };
        if self.runs.contains_key(&key) {
            return Some(key);
        }
        let unowned = RunKey {
            entity: None,
            number,
        };
        self.runs.contains_key(&unowned).then_some(unowned)
    }

    /// The key of the run that holds entry `entry`, as a request in `entity` sees it.
    #[must_use]
    pub fn find_entry(
        &self,
        entity: Option<&EntityId>,
        entry: JournalEntryNumber,
    ) -> Option<RunKey> {
        [entity.cloned(), None].into_iter().find_map(|e| {
            self.entries
                .get(&(e.clone(), entry))
                .map(|&number| RunKey { entity: e, number })
        })
    }

    /// The next run number of `entity`: numbers are never reused.
    #[must_use]
    pub fn next_run_number(&self, entity: Option<&EntityId>) -> Option<JournalRunNumber> {
        // A run that belongs to no entity is found from every entity: its number is taken
        // in each.
        let highest = self.highest(&self.highest_run, entity);
        JournalRunNumber::new(highest.checked_add(1)?)
    }

    /// The highest number of `entity` in `table`, counting those of no entity too.
    fn highest(&self, table: &HashMap<Option<EntityId>, u64>, entity: Option<&EntityId>) -> u64 {
        let own = table.get(&entity.cloned()).copied().unwrap_or(0);
        let unowned = table.get(&None).copied().unwrap_or(0);
        own.max(unowned)
    }

    /// The runs of the tenant, for the tenant rules.
    pub fn journal_runs(&self) -> impl Iterator<Item = &JournalRun> {
        self.runs.values().map(|r| &r.run)
    }

    /// Takes in a run from its documents (a snapshot file, the control API, a created run),
    /// replacing a run with the same key, then replays `log` on it.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] when the documents or the log are not a valid run, or an entry
    /// belongs to another run of the entity. Nothing changes then.
    pub fn insert(
        &mut self,
        key: RunKey,
        base: RunSnapshot,
        log: Vec<LogRecord>,
    ) -> Result<(), LoadError> {
        let read = JournalRun::try_from(&base)?;
        let run = JournalRun::try_from(UncheckedRun::from(read).with_entity(key.entity.clone()))?;
        if let Some(entry) = run.entries().iter().find_map(|e| {
            self.entries
                .get(&(key.entity.clone(), e.number))
                .filter(|&&holder| holder != key.number)
                .map(|&holder| (e.number, holder))
        }) {
            return Err(LoadError::EntryTaken {
                entry: entry.0,
                run: entry.1,
            });
        }
        let mut record = RunRecord {
            run,
            run_doc: base.run.clone(),
            entry_docs: base
                .journal_entries
                .iter()
                .filter_map(|doc| Some((doc.number.parse().ok()?, doc.clone())))
                .collect(),
            base,
            log: Vec::new(),
            ticket: 0,
            paused: false,
            document_json: std::sync::OnceLock::new(),
        };
        for entry in record.entry_docs.values_mut() {
            entry.success = None;
        }
        for item in log {
            apply_record(&mut record, &item)?;
            record.log.push(item);
        }
        self.remove(&key);
        self.index(&key, &record);
        // Entry numbers are never reused: the entity's highest counts every entry the run
        // ever held (its documents and what processing created), deleted ones included, as it
        // did before a restart.
        let ever = record
            .base
            .journal_entries
            .iter()
            .filter_map(|doc| doc.number.parse::<JournalEntryNumber>().ok())
            .chain(record.log.iter().flat_map(|item| match &item.change {
                Change::Event(
                    Event::ProcessingCompleted { entries } | Event::ProcessingFailed { entries },
                ) => entries.clone(),
                Change::Event(_) | Change::Edit(_) => Vec::new(),
            }))
            .map(JournalEntryNumber::get)
            .max();
        if let Some(ever) = ever {
            let highest = self.highest_entry.entry(key.entity.clone()).or_insert(0);
            *highest = (*highest).max(ever);
        }
        self.runs.insert(key.clone(), record);
        self.mark(&key);
        Ok(())
    }

    /// Removes a run (the control API's replace and reset).
    pub fn remove(&mut self, key: &RunKey) {
        self.active.remove(key);
        if let Some(old) = self.runs.remove(key) {
            for number in old.entry_docs.keys() {
                self.entries.remove(&(key.entity.clone(), *number));
            }
        }
    }

    /// Forgets every run.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    fn index(&mut self, key: &RunKey, record: &RunRecord) {
        let highest = self.highest_run.entry(key.entity.clone()).or_insert(0);
        *highest = (*highest).max(key.number.get());
        for number in record.entry_docs.keys() {
            self.entries
                .insert((key.entity.clone(), *number), key.number);
            let highest = self.highest_entry.entry(key.entity.clone()).or_insert(0);
            *highest = (*highest).max(number.get());
        }
    }

    /// Decides `command` on run `key` for `caller` with the library and, when it is accepted,
    /// records its event: the one path of every change the rules govern.
    ///
    /// # Errors
    ///
    /// The library's rejection; nothing changes then. (An accepted event always fits: the
    /// library's INV-17; were it not so, the error says so and nothing changes either.)
    pub fn execute(
        &mut self,
        key: &RunKey,
        caller: &Caller,
        command: &Command,
        at: &str,
        by: &str,
    ) -> Result<LogRecord, journal_run::Error> {
        let Some(record) = self.runs.get(key) else {
            return Err(JournalRun::decide_absent(caller, command).into());
        };
        let event = record.run.decide(caller, command)?;
        self.append(key, Change::Event(event), at, by)
    }

    /// Records an edit of an entry's document (the caller was authorized already).
    ///
    /// # Errors
    ///
    /// `EntryNotFound` when the run does not hold the entry.
    pub fn edit(
        &mut self,
        key: &RunKey,
        edit: EntryEdit,
        at: &str,
        by: &str,
    ) -> Result<LogRecord, journal_run::Error> {
        self.append(key, Change::Edit(edit), at, by)
    }

    /// Appends a change to run `key`'s log and applies it; keeps the entry index in step.
    fn append(
        &mut self,
        key: &RunKey,
        change: Change,
        at: &str,
        by: &str,
    ) -> Result<LogRecord, journal_run::Error> {
        let Some(record) = self.runs.get_mut(key) else {
            return Err(Rejection::RunNotFound { run: key.number }.into());
        };
        let item = LogRecord {
            seq: record.log.len() as u64 + 1,
            at: at.to_owned(),
            by: by.to_owned(),
            change,
        };
        let (added, removed): (Vec<JournalEntryNumber>, Vec<JournalEntryNumber>) =
            match &item.change {
                Change::Event(
                    Event::ProcessingCompleted { entries } | Event::ProcessingFailed { entries },
                ) => (entries.clone(), Vec::new()),
                Change::Event(Event::EntryDeleted { entry }) => (Vec::new(), vec![*entry]),
                Change::Event(Event::RunDeleted) => {
                    (Vec::new(), record.entry_docs.keys().copied().collect())
                }
                Change::Event(_) | Change::Edit(_) => (Vec::new(), Vec::new()),
            };
        apply_record(record, &item).map_err(|error| match error {
            LoadError::Apply { source, .. } => journal_run::Error::Apply(source),
            LoadError::NoSuchEntry { entry, .. } => Rejection::EntryNotFound { entry }.into(),
            LoadError::Document(e) => e.into(),
            LoadError::Snapshot(e) => e.into(),
            LoadError::EntryTaken { entry, .. } => Rejection::DuplicateEntry { entry }.into(),
        })?;
        record.log.push(item.clone());
        record.document_json = std::sync::OnceLock::new();
        self.mark(key);
        for number in removed {
            self.entries.remove(&(key.entity.clone(), number));
        }
        for number in added {
            self.entries
                .insert((key.entity.clone(), number), key.number);
            let highest = self.highest_entry.entry(key.entity.clone()).or_insert(0);
            *highest = (*highest).max(number.get());
        }
        Ok(item)
    }

    /// The next command of run `key`'s background work, if it has any now: start or finish
    /// processing (with the entries of `processing`), the cancellation job's next step or its
    /// settling, finishing a deletion. `None` while another run of the entity processes (one
    /// run executes at a time), for a job whose state the run's export did not show, and for
    /// a run at rest.
    #[must_use]
    pub fn next_job_command(
        &self,
        key: &RunKey,
        processing: crate::config::Processing,
    ) -> Option<Command> {
        let record = self.runs.get(key)?;
        let run = &record.run;
        match run.state() {
            RunState::Pending => check_tenant(
                self.journal_runs(),
                key.entity.as_ref(),
                TenantAction::StartProcessing(key.number),
            )
            .ok()
            .map(|()| Command::StartProcessing),
            RunState::Processing => {
                // Numbered on from the highest; numbers end at `u64`'s end (D-30).
                let wanted = usize::try_from(processing.entries).unwrap_or(usize::MAX);
                let entries: Vec<JournalEntryNumber> = self
                    .highest(&self.highest_entry, key.entity.as_ref())
                    .checked_add(1)
                    .map(|first| (first..=u64::MAX).take(wanted))
                    .into_iter()
                    .flatten()
                    .filter_map(JournalEntryNumber::new)
                    .collect();
                // (Short of numbers, it ends in Error; said by the run, not by a log line:
                // the page asks for the next step whenever it is looked at.)
                let short = entries.len() < wanted;
                Some(if processing.fail || short {
                    Command::FailProcessing { entries }
                } else {
                    Command::CompleteProcessing { entries }
                })
            }
            // The job's next step: an entry to attempt, else settling; none when the export
            // the run came from did not show the job's state.
            RunState::CancelInprogress(_) => run.job().map(|job| {
                if job.next < run.entries().len() {
                    Command::StepCancellation
                } else {
                    Command::SettleCancellation
                }
            }),
            RunState::DeleteInprogress => Some(Command::FinishDeletion),
            RunState::Completed | RunState::Error | RunState::Cancelled | RunState::Deleted => None,
        }
    }
}

/// Applies one log record to a run: the event with the library's `apply`, then the
/// documents of the entries it touched. The one function both live changes and replay use.
fn apply_record(record: &mut RunRecord, item: &LogRecord) -> Result<(), LoadError> {
    match &item.change {
        Change::Event(event) => {
            record.run.apply(event).map_err(|source| LoadError::Apply {
                seq: item.seq,
                source,
            })?;
            update_documents(record, event, item);
            Ok(())
        }
        Change::Edit(edit) => {
            let doc = record
                .entry_docs
                .get_mut(&edit.entry)
                .ok_or(LoadError::NoSuchEntry {
                    seq: item.seq,
                    entry: edit.entry,
                })?;
            match &edit.notes {
                Nullable::Absent => {}
                notes @ (Nullable::Null | Nullable::Value(_)) => doc.notes = notes.clone(),
            }
            for (name, value) in &edit.custom_fields {
                doc.custom_fields.insert(name.clone(), value.clone());
            }
            Ok(())
        }
    }
}

/// Keeps the documents in step with an event applied to the run.
fn update_documents(record: &mut RunRecord, event: &Event, item: &LogRecord) {
    match event {
        Event::ProcessingStarted => record.run_doc.executed_on = Some(item.at.clone()),
        Event::ProcessingCompleted { entries } | Event::ProcessingFailed { entries } => {
            for number in entries {
                let doc = generated_entry(&record.run_doc, *number);
                record.entry_docs.insert(*number, doc);
            }
        }
        Event::EntryAttempted { entry, .. } | Event::EntryCancelled { entry } => {
            write_back(record, *entry);
        }
        Event::TransferredToAccountingChanged { entry, to, .. } => {
            write_back(record, *entry);
            if *to == TransferredToAccounting::Yes {
                if let Some(doc) = record.entry_docs.get_mut(entry) {
                    doc.transfer_date_time = Nullable::Value(item.at.clone());
                    doc.transferred_by = Nullable::Value(item.by.clone());
                }
            }
        }
        Event::EntryDeleted { entry } => {
            record.entry_docs.remove(entry);
        }
        Event::RunDeleted => record.entry_docs.clear(),
        Event::CancellationRequested { .. }
        | Event::CancellationSettled { .. }
        | Event::DeletionStarted => {}
    }
}

fn write_back(record: &mut RunRecord, number: JournalEntryNumber) {
    if let (Some(doc), Some(entry)) = (record.entry_docs.get_mut(&number), record.run.entry(number))
    {
        doc.write_back(entry);
    }
}

/// The document of an entry that processing created: deterministic, from the run's document
/// and the entry's number (docs/SERVER.md, "Processing").
fn generated_entry(
    run: &GetJournalRunType,
    number: JournalEntryNumber,
) -> GetJournalEntryDetailType {
    let amount = format!("{}.00", u128::from(number.get()) * 10);
    let item = |item_type: &str, code: &str| GetJournalEntryItemType {
        accounting_code_name: Some(code.to_owned()),
        accounting_code_type: Some(if code == "Accounts Receivable" {
            "AccountsReceivable".to_owned()
        } else {
            "SalesRevenue".to_owned()
        }),
        amount: Some(amount.clone()),
        home_currency_amount: Some(amount.clone()),
        item_type: Some(item_type.to_owned()),
        ..GetJournalEntryItemType::default()
    };
    GetJournalEntryDetailType {
        number: number.to_string(),
        status: "Created".to_owned(),
        transferred_to_accounting: Nullable::Value("No".to_owned()),
        journal_entry_date: run.journal_entry_date.clone(),
        time_period_start: run.target_start_date.clone(),
        time_period_end: run.target_end_date.clone(),
        transaction_type: run
            .transaction_types
            .as_ref()
            .and_then(|types| types.first())
            .and_then(|t| t.transaction_type.clone()),
        currency: Some("USD".to_owned()),
        home_currency: Some("USD".to_owned()),
        aggregate_currency: run.aggregate_currency,
        organization_label: run
            .organization_labels
            .as_ref()
            .and_then(|labels| labels.first())
            .and_then(|l| {
                l.organization_name
                    .clone()
                    .or_else(|| l.organization_id.clone())
            }),
        journal_entry_items: Some(vec![
            item("Debit", "Accounts Receivable"),
            item("Credit", "Sales Revenue"),
        ]),
        success: None,
        ..GetJournalEntryDetailType::default()
    }
}
