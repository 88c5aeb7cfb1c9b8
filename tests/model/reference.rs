//! The reference model: a second, deliberately naive implementation of the journal-run rules.
//!
//! It is written from `../shared/reference/FACTS.md` and docs/DECISIONS.md, not from the
//! library's code, and it calls none of the library's rule functions (`cancellability`,
//! `Settlement::of`, `change_needs_override`, `integration_transition`, `decide`, `apply`,
//! `blocks_cancellation`, `required_permission`, `OrgAccess::allows`, `check_state` ...). It
//! only borrows the library's plain value types (numbers, statuses, `Permission`, `Caller`,
//! `Command`, `Event`, `Rejection`) so that outcomes can be compared value for value.
//!
//! Naive on purpose:
//! - entries live in a `BTreeMap` keyed by number, and nothing is counted incrementally: the
//!   number of cancelled entries and the settled status are recomputed by scanning;
//! - the cancellation job keeps the *set* of entry numbers it has attempted, and its next entry
//!   is found by scanning for the smallest held number that is not in the set (no cursor);
//! - every check happens before anything changes, in the order of precedence of D-10, written
//!   out as straight-line code.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use journal_run::{
    AttemptOutcome, Caller, CancellableStatus, Command, Event, JournalEntryNumber,
    JournalEntryStatus, JournalRun, JournalRunNumber, JournalRunStatus, OrgAccess, OrgId,
    Permission, Rejection, RequestScope, RunState, Settlement, TransferResult,
    TransferredToAccounting,
};

/// One entry, as the model keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelEntry {
    /// Whether the entry's status is Cancelled.
    pub cancelled: bool,
    /// Its Transferred to Accounting value.
    pub tta: TransferredToAccounting,
}

/// The model of one journal run.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Model {
    /// The run's number.
    pub number: JournalRunNumber,
    /// Its organization labels.
    pub labels: Vec<OrgId>,
    /// Whether the run has been deleted (it then answers "not found" to everything).
    pub deleted: bool,
    /// Its status (meaningless once deleted).
    pub status: JournalRunStatus,
    /// While the status is CancelInprogress: the status before the cancel request; `None` for
    /// a run read from an export, whose job is unknown.
    pub before_cancel: Option<JournalRunStatus>,
    /// The entries, by number.
    pub entries: BTreeMap<JournalEntryNumber, ModelEntry>,
    /// The entries the running job has attempted (empty when no job runs).
    pub attempted: BTreeSet<JournalEntryNumber>,
}

/// Everything observable about a run, in a form both the library and the model can produce.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct View {
    /// The run's number.
    pub number: JournalRunNumber,
    /// Its organization labels.
    pub labels: Vec<OrgId>,
    /// The reported status; `None` once deleted.
    pub status: Option<JournalRunStatus>,
    /// While a job runs: the status before the request, and how many entries it has attempted.
    pub job: Option<(JournalRunStatus, usize)>,
    /// Every entry, ascending: number, status, Transferred to Accounting.
    pub entries: Vec<(
        JournalEntryNumber,
        JournalEntryStatus,
        TransferredToAccounting,
    )>,
    /// How many entries are cancelled (the library's kept count; the model's recount).
    pub cancelled_count: usize,
}

/// The view of a library run, read through its public accessors only.
pub fn view_of_run(run: &JournalRun) -> View {
    View {
        number: run.number(),
        labels: run.organizations().to_vec(),
        status: run.status(),
        job: run
            .job()
            .map(|job| (JournalRunStatus::from(job.previous), job.next)),
        entries: run
            .entries()
            .iter()
            .map(|e| (e.number, e.status, e.transferred_to_accounting))
            .collect(),
        cancelled_count: run.cancelled_count(),
    }
}

/// Zuora's permissions for each user request, in the order they are checked: the Platform
/// permission "API Write Access" of every REST write, then the operation's Finance permission
/// (FACTS.md, "Permissions" and "How Zuora answers"; the operations' pages).
fn permissions_for(command: &Command) -> Vec<Permission> {
    let finance = match command {
        Command::CreateRun(_) => Permission::CreateJournalRun,
        Command::CancelRun { .. } => Permission::CancelJournalRun,
        Command::DeleteRun { .. } => Permission::DeleteCancelledJournalRun,
        Command::CancelEntry { .. } => Permission::CancelJournalEntry,
        Command::DeleteEntry { .. } => Permission::DeleteCancelledJournalEntry,
        Command::UpdateTransferredToAccounting { .. } => Permission::EditJournalEntry,
        _ => return vec![],
    };
    vec![Permission::ApiWriteAccess, finance]
}

/// The scope of a user request, and the run it names (`None` when it names an entry).
fn request_of(command: &Command) -> Option<(&RequestScope, Option<JournalRunNumber>)> {
    match command {
        Command::CreateRun(create) => Some((&create.scope, Some(create.run))),
        Command::CancelRun { run, scope } | Command::DeleteRun { run, scope } => {
            Some((scope, Some(*run)))
        }
        Command::CancelEntry { scope, .. }
        | Command::DeleteEntry { scope, .. }
        | Command::UpdateTransferredToAccounting { scope, .. } => Some((scope, None)),
        _ => None,
    }
}

/// The entry a command names, if it names one.
fn entry_of(command: &Command) -> Option<JournalEntryNumber> {
    match command {
        Command::CancelEntry { entry, .. }
        | Command::DeleteEntry { entry, .. }
        | Command::UpdateTransferredToAccounting { entry, .. }
        | Command::BeginTransfer { entry }
        | Command::FinishTransfer { entry, .. } => Some(*entry),
        _ => None,
    }
}

fn caller_can_access(caller: &Caller, org: &OrgId) -> bool {
    match &caller.orgs {
        OrgAccess::All => true,
        OrgAccess::Only(orgs) => orgs.iter().any(|o| o == org),
    }
}

fn caller_holds(caller: &Caller, permission: Permission) -> bool {
    caller.permissions.iter().any(|p| p == permission)
}

/// Yes and Processing stop an entry's cancellation (FACTS.md, PUT_SummaryJournalEntry).
fn stops_cancel(tta: TransferredToAccounting) -> bool {
    tta == TransferredToAccounting::Yes || tta == TransferredToAccounting::Processing
}

impl Model {
    /// A new run: Pending, no entries.
    pub fn new(number: JournalRunNumber, labels: Vec<OrgId>) -> Self {
        Self {
            number,
            labels,
            deleted: false,
            status: JournalRunStatus::Pending,
            before_cancel: None,
            entries: BTreeMap::new(),
            attempted: BTreeSet::new(),
        }
    }

    /// The model of a library run, read through its public accessors (to start both from the
    /// same snapshot).
    pub fn from_run(run: &JournalRun) -> Self {
        let entries: BTreeMap<_, _> = run
            .entries()
            .iter()
            .map(|e| {
                (
                    e.number,
                    ModelEntry {
                        cancelled: e.status == JournalEntryStatus::Cancelled,
                        tta: e.transferred_to_accounting,
                    },
                )
            })
            .collect();
        let (before_cancel, attempted) = match run.job() {
            Some(job) => (
                Some(JournalRunStatus::from(job.previous)),
                entries.keys().take(job.next).copied().collect(),
            ),
            None => (None, BTreeSet::new()),
        };
        Self {
            number: run.number(),
            labels: run.organizations().to_vec(),
            deleted: run.state() == &RunState::Deleted,
            status: run.status().unwrap_or(JournalRunStatus::Pending),
            before_cancel,
            entries,
            attempted,
        }
    }

    /// The model's view, comparable with [`view_of_run`].
    pub fn view(&self) -> View {
        if self.deleted {
            return View {
                number: self.number,
                labels: self.labels.clone(),
                status: None,
                job: None,
                entries: Vec::new(),
                cancelled_count: 0,
            };
        }
        View {
            number: self.number,
            labels: self.labels.clone(),
            status: Some(self.status),
            job: self.before_cancel.map(|before| {
                let attempted_and_held = self
                    .entries
                    .keys()
                    .filter(|n| self.attempted.contains(n))
                    .count();
                (before, attempted_and_held)
            }),
            entries: self
                .entries
                .iter()
                .map(|(n, e)| {
                    let status = if e.cancelled {
                        JournalEntryStatus::Cancelled
                    } else {
                        JournalEntryStatus::Created
                    };
                    (*n, status, e.tta)
                })
                .collect(),
            cancelled_count: self.entries.values().filter(|e| e.cancelled).count(),
        }
    }

    fn not_found(&self, command: &Command) -> Rejection {
        if let Some(entry) = entry_of(command) {
            return Rejection::EntryNotFound { entry };
        }
        match command {
            Command::CancelRun { run, .. } | Command::DeleteRun { run, .. } => {
                Rejection::RunNotFound { run: *run }
            }
            Command::CreateRun(create) => Rejection::RunNotFound { run: create.run },
            _ => Rejection::RunNotFound { run: self.number },
        }
    }

    fn wrong_status(&self, command: &Command) -> Rejection {
        Rejection::RunStatus {
            command: command.kind(),
            run: self.number,
            status: self.status,
        }
    }

    /// Runs one command: returns what the library must answer, and changes the model when the
    /// command is accepted. Every check comes before any change.
    pub fn execute(&mut self, caller: &Caller, command: &Command) -> Result<Event, Rejection> {
        // D-10, steps 1 to 4, for user requests only (D-8).
        if let Some((scope, named_run)) = request_of(command) {
            match &scope.entity {
                None => {
                    if caller.entities.len() > 1 {
                        return Err(Rejection::EntityRequired {
                            entities: caller.entities.len(),
                        });
                    }
                }
                Some(entity) => {
                    if !caller.entities.iter().any(|e| e == entity) {
                        return Err(Rejection::EntityNotAccessible {
                            entity: entity.clone(),
                        });
                    }
                }
            }
            for permission in permissions_for(command) {
                if !caller_holds(caller, permission) {
                    return Err(Rejection::MissingPermission {
                        command: command.kind(),
                        permission,
                    });
                }
            }
            if let Some(header) = &scope.orgs {
                for org in header.as_slice() {
                    if !caller_can_access(caller, org) {
                        return Err(Rejection::OrgNotAccessible { org: org.clone() });
                    }
                }
            }
            let mut in_scope = true;
            for label in &self.labels {
                let visible = match &scope.orgs {
                    Some(header) => header.as_slice().iter().any(|o| o == label),
                    None => caller_can_access(caller, label),
                };
                if !visible {
                    in_scope = false;
                }
            }
            let names_this_run = match named_run {
                Some(run) => run == self.number,
                None => true,
            };
            if !in_scope || !names_this_run {
                return Err(self.not_found(command));
            }
        }
        // A create names a run that exists: its number is taken, even once deleted.
        if let Command::CreateRun(_) = command {
            return Err(Rejection::RunExists { run: self.number });
        }
        if self.deleted {
            return Err(self.not_found(command));
        }

        // Step 5 onwards: the run's status, then the entry.
        match command {
            Command::CreateRun(_) => unreachable!("a create is answered above"),
            Command::CancelRun { .. } => {
                let previous = match self.status {
                    JournalRunStatus::Pending => CancellableStatus::Pending,
                    JournalRunStatus::Error => CancellableStatus::Error,
                    JournalRunStatus::Completed => CancellableStatus::Completed,
                    _ => return Err(self.wrong_status(command)),
                };
                self.before_cancel = Some(self.status);
                self.status = JournalRunStatus::CancelInprogress;
                self.attempted.clear();
                Ok(Event::CancellationRequested { previous })
            }
            Command::DeleteRun { .. } => {
                if self.status != JournalRunStatus::Cancelled {
                    return Err(self.wrong_status(command));
                }
                self.status = JournalRunStatus::DeleteInprogress;
                Ok(Event::DeletionStarted)
            }
            Command::FinishDeletion => {
                if self.status != JournalRunStatus::DeleteInprogress {
                    return Err(self.wrong_status(command));
                }
                self.deleted = true;
                self.entries.clear();
                Ok(Event::RunDeleted)
            }
            Command::StartProcessing => {
                if self.status != JournalRunStatus::Pending {
                    return Err(self.wrong_status(command));
                }
                self.status = JournalRunStatus::Processing;
                Ok(Event::ProcessingStarted)
            }
            Command::CompleteProcessing { entries } | Command::FailProcessing { entries } => {
                if self.status != JournalRunStatus::Processing {
                    return Err(self.wrong_status(command));
                }
                // The smallest number listed more than once, found by counting.
                let duplicate = entries
                    .iter()
                    .filter(|n| entries.iter().filter(|m| m == n).count() > 1)
                    .min();
                if let Some(entry) = duplicate {
                    return Err(Rejection::DuplicateEntry { entry: *entry });
                }
                // A Processing run may list entries already; processing adds new ones only.
                if let Some(held) = entries
                    .iter()
                    .filter(|n| self.entries.contains_key(n))
                    .min()
                {
                    return Err(Rejection::DuplicateEntry { entry: *held });
                }
                let mut created = entries.clone();
                created.sort();
                for n in entries {
                    self.entries.insert(
                        *n,
                        ModelEntry {
                            cancelled: false,
                            tta: TransferredToAccounting::No,
                        },
                    );
                }
                if matches!(command, Command::CompleteProcessing { .. }) {
                    self.status = JournalRunStatus::Completed;
                    Ok(Event::ProcessingCompleted { entries: created })
                } else {
                    self.status = JournalRunStatus::Error;
                    Ok(Event::ProcessingFailed { entries: created })
                }
            }
            Command::StepCancellation => {
                if self.status != JournalRunStatus::CancelInprogress {
                    return Err(self.wrong_status(command));
                }
                // A CancelInprogress run read from Zuora's export: no job to resume (D-16).
                if self.before_cancel.is_none() {
                    return Err(Rejection::JobUnknown { run: self.number });
                }
                let next = self
                    .entries
                    .keys()
                    .copied()
                    .find(|n| !self.attempted.contains(n));
                let Some(number) = next else {
                    return Err(Rejection::JobFinished { run: self.number });
                };
                let entry = self.entries[&number];
                let outcome = if entry.cancelled {
                    AttemptOutcome::AlreadyCancelled
                } else if stops_cancel(entry.tta) {
                    AttemptOutcome::Failed {
                        transferred_to_accounting: entry.tta,
                    }
                } else {
                    AttemptOutcome::Cancelled
                };
                if outcome == AttemptOutcome::Cancelled {
                    self.entries.insert(
                        number,
                        ModelEntry {
                            cancelled: true,
                            tta: entry.tta,
                        },
                    );
                }
                self.attempted.insert(number);
                Ok(Event::EntryAttempted {
                    entry: number,
                    outcome,
                })
            }
            Command::SettleCancellation => {
                if self.status != JournalRunStatus::CancelInprogress {
                    return Err(self.wrong_status(command));
                }
                if self.before_cancel.is_none() {
                    return Err(Rejection::JobUnknown { run: self.number });
                }
                let remaining = self
                    .entries
                    .keys()
                    .filter(|n| !self.attempted.contains(n))
                    .count();
                if remaining > 0 {
                    return Err(Rejection::JobNotFinished {
                        run: self.number,
                        remaining,
                    });
                }
                let every_entry_cancelled = self.entries.values().all(|e| e.cancelled);
                let before = self.before_cancel.unwrap_or(JournalRunStatus::Completed);
                let settlement = if every_entry_cancelled {
                    self.status = JournalRunStatus::Cancelled;
                    Settlement::Cancelled
                } else {
                    self.status = before;
                    Settlement::Restored(match before {
                        JournalRunStatus::Pending => CancellableStatus::Pending,
                        JournalRunStatus::Error => CancellableStatus::Error,
                        _ => CancellableStatus::Completed,
                    })
                };
                self.before_cancel = None;
                self.attempted.clear();
                Ok(Event::CancellationSettled { settlement })
            }
            Command::CancelEntry { entry: number, .. }
            | Command::DeleteEntry { entry: number, .. }
            | Command::UpdateTransferredToAccounting { entry: number, .. }
            | Command::BeginTransfer { entry: number }
            | Command::FinishTransfer { entry: number, .. } => {
                let number = *number;
                // D-9: no entry command while the run is being deleted.
                if self.status == JournalRunStatus::DeleteInprogress {
                    return Err(self.wrong_status(command));
                }
                // D-23: no entry is deleted while processing may still create entries.
                if self.status == JournalRunStatus::Processing
                    && matches!(command, Command::DeleteEntry { .. })
                {
                    return Err(self.wrong_status(command));
                }
                let Some(entry) = self.entries.get(&number).copied() else {
                    return Err(Rejection::EntryNotFound { entry: number });
                };
                let is_cancelled_rejection = Rejection::EntryCancelled {
                    command: command.kind(),
                    entry: number,
                };
                match command {
                    Command::CancelEntry { .. } => {
                        if entry.cancelled {
                            return Err(is_cancelled_rejection);
                        }
                        if stops_cancel(entry.tta) {
                            return Err(Rejection::EntryTransferred {
                                entry: number,
                                transferred_to_accounting: entry.tta,
                            });
                        }
                        self.entries.insert(
                            number,
                            ModelEntry {
                                cancelled: true,
                                tta: entry.tta,
                            },
                        );
                        Ok(Event::EntryCancelled { entry: number })
                    }
                    Command::DeleteEntry { .. } => {
                        if !entry.cancelled {
                            return Err(Rejection::EntryNotCancelled { entry: number });
                        }
                        self.entries.remove(&number);
                        self.attempted.remove(&number);
                        Ok(Event::EntryDeleted { entry: number })
                    }
                    Command::UpdateTransferredToAccounting { value, .. } => {
                        // D-14: the Override permission is checked before the cancelled rule.
                        if entry.tta == TransferredToAccounting::Yes
                            && *value != TransferredToAccounting::Yes
                            && !caller_holds(caller, Permission::OverrideTransferredToAccounting)
                        {
                            return Err(Rejection::OverrideRequired {
                                entry: number,
                                to: *value,
                            });
                        }
                        if entry.cancelled {
                            return Err(is_cancelled_rejection);
                        }
                        self.set_tta(number, entry, *value)
                    }
                    Command::BeginTransfer { .. } => {
                        if entry.cancelled {
                            return Err(is_cancelled_rejection);
                        }
                        if entry.tta != TransferredToAccounting::No {
                            return Err(Rejection::TransferNotAllowed {
                                command: command.kind(),
                                entry: number,
                                from: entry.tta,
                            });
                        }
                        self.set_tta(number, entry, TransferredToAccounting::Processing)
                    }
                    Command::FinishTransfer { result, .. } => {
                        if entry.cancelled {
                            return Err(is_cancelled_rejection);
                        }
                        if entry.tta != TransferredToAccounting::Processing {
                            return Err(Rejection::TransferNotAllowed {
                                command: command.kind(),
                                entry: number,
                                from: entry.tta,
                            });
                        }
                        let to = match result {
                            TransferResult::Yes => TransferredToAccounting::Yes,
                            TransferResult::Error => TransferredToAccounting::Error,
                        };
                        self.set_tta(number, entry, to)
                    }
                    _ => unreachable!("only entry commands reach here"),
                }
            }
        }
    }

    fn set_tta(
        &mut self,
        number: JournalEntryNumber,
        entry: ModelEntry,
        to: TransferredToAccounting,
    ) -> Result<Event, Rejection> {
        self.entries.insert(
            number,
            ModelEntry {
                cancelled: entry.cancelled,
                tta: to,
            },
        );
        Ok(Event::TransferredToAccountingChanged {
            entry: number,
            from: entry.tta,
            to,
        })
    }
}
