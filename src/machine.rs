//! The state machine: `decide` (state + caller + command -> event, or a rejection) and `apply`
//! (state + event -> state).
//!
//! `decide` checks, in this order of precedence (the first fault found is the answer):
//!
//! 1. for requests, the entity header against the caller's token
//!    ([`Rejection::EntityRequired`], [`Rejection::EntityNotAccessible`]);
//! 2. for requests, the command's permission ([`Rejection::MissingPermission`]);
//! 3. for requests, the `Zuora-Org-Ids` header against the caller's orgs
//!    ([`Rejection::OrgNotAccessible`]);
//! 4. the run's existence in the request's scope ([`Rejection::RunNotFound`], or
//!    [`Rejection::EntryNotFound`] for a request that names an entry);
//! 5. the run's state, in one exhaustive `match (state, command)` ([`Rejection::RunStatus`]);
//! 6. the entry's existence, then the entry's own rules.

use crate::caller::Caller;
use crate::cancellation::{AttemptOutcome, CancellableStatus, CancellationJob, Settlement};
use crate::command::{Command, CommandKind, Target};
use crate::entry::{
    change_needs_override, integration_transition, Cancellability, JournalEntry, TransferResult,
};
use crate::error::{ApplyError, Rejection};
use crate::event::Event;
use crate::headers::RequestScope;
use crate::number::JournalEntryNumber;
use crate::permission::Permission;
use crate::run::{JournalRun, RunState};
use crate::status::{JournalEntryStatus, TransferredToAccounting};

impl JournalRun {
    /// Decides what `command`, made by `caller`, does to this run: the event it produces, or
    /// why it is rejected. Pure: the run is not changed.
    ///
    /// The caller's permissions and scope apply to requests only; Zuora's own processes and
    /// the accounting integration are not user requests (docs/DECISIONS.md, D-8).
    ///
    /// # Errors
    ///
    /// A [`Rejection`]: the first applicable fault in the order of precedence above.
    ///
    /// # Examples
    ///
    /// ```
    /// use journal_run::{Caller, Command, Event, JournalRun, JournalRunNumber, RequestScope};
    /// use journal_run::CancellableStatus;
    ///
    /// let number: JournalRunNumber = "JR-00000075".parse()?;
    /// let mut run = JournalRun::new(number, vec![]);
    /// let system = Caller::superuser();
    /// run.execute(&system, &Command::StartProcessing)?;
    /// run.execute(&system, &Command::CompleteProcessing { entries: vec!["JE-00000001".parse()?] })?;
    ///
    /// let cancel = Command::CancelRun { run: number, scope: RequestScope::default() };
    /// assert_eq!(
    ///     run.decide(&system, &cancel),
    ///     Ok(Event::CancellationRequested { previous: CancellableStatus::Completed })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide(&self, caller: &Caller, command: &Command) -> Result<Event, Rejection> {
        self.authorize(caller, command)?;
        use Command as C;
        use RunState as S;
        match (&self.state, command) {
            // The cancel request: only from Pending, Error or Completed (INV-8).
            (S::Pending, C::CancelRun { .. }) => {
                Ok(Self::cancel_requested(CancellableStatus::Pending))
            }
            (S::Error, C::CancelRun { .. }) => Ok(Self::cancel_requested(CancellableStatus::Error)),
            (S::Completed, C::CancelRun { .. }) => {
                Ok(Self::cancel_requested(CancellableStatus::Completed))
            }
            (
                S::Processing | S::CancelInprogress(_) | S::Cancelled | S::DeleteInprogress,
                C::CancelRun { .. },
            ) => Err(self.status_rejection(command)),

            // Deleting a run: only a cancelled one.
            (S::Cancelled, C::DeleteRun { .. }) => Ok(Event::DeletionStarted),
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::DeleteInprogress,
                C::DeleteRun { .. },
            ) => Err(self.status_rejection(command)),
            (S::DeleteInprogress, C::FinishDeletion) => Ok(Event::RunDeleted),
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled,
                C::FinishDeletion,
            ) => Err(self.status_rejection(command)),

            // Processing.
            (S::Pending, C::StartProcessing) => Ok(Event::ProcessingStarted),
            (S::Processing, C::CompleteProcessing { entries }) => Ok(Event::ProcessingCompleted {
                entries: ascending_unique(entries)?,
            }),
            (S::Processing, C::FailProcessing { entries }) => Ok(Event::ProcessingFailed {
                entries: ascending_unique(entries)?,
            }),
            (
                S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled
                | S::DeleteInprogress,
                C::StartProcessing,
            )
            | (
                S::Pending
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled
                | S::DeleteInprogress,
                C::CompleteProcessing { .. } | C::FailProcessing { .. },
            ) => Err(self.status_rejection(command)),

            // The cancellation job.
            (S::CancelInprogress(job), C::StepCancellation) => self.step(job),
            (S::CancelInprogress(job), C::SettleCancellation) => self
                .settle(job)
                .map(|settlement| Event::CancellationSettled { settlement }),
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::Cancelled
                | S::DeleteInprogress,
                C::StepCancellation | C::SettleCancellation,
            ) => Err(self.status_rejection(command)),

            // Entry commands: in every state but DeleteInprogress (a Pending or Processing run
            // holds no entries, so there they find none).
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled,
                C::CancelEntry { entry, .. },
            ) => self.cancel_entry(*entry),
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled,
                C::DeleteEntry { entry, .. },
            ) => self.delete_entry(*entry),
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled,
                C::UpdateTransferredToAccounting { entry, value, .. },
            ) => self.update_transferred(caller, *entry, *value),
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled,
                C::BeginTransfer { entry },
            ) => self.integration(command, *entry, None),
            (
                S::Pending
                | S::Processing
                | S::Completed
                | S::Error
                | S::CancelInprogress(_)
                | S::Cancelled,
                C::FinishTransfer { entry, result },
            ) => self.integration(command, *entry, Some(*result)),
            (
                S::DeleteInprogress,
                C::CancelEntry { .. }
                | C::DeleteEntry { .. }
                | C::UpdateTransferredToAccounting { .. }
                | C::BeginTransfer { .. }
                | C::FinishTransfer { .. },
            ) => Err(self.status_rejection(command)),

            // A deleted run is gone, for every command.
            (
                S::Deleted,
                C::CancelRun { .. }
                | C::DeleteRun { .. }
                | C::CancelEntry { .. }
                | C::DeleteEntry { .. }
                | C::UpdateTransferredToAccounting { .. }
                | C::StartProcessing
                | C::CompleteProcessing { .. }
                | C::FailProcessing { .. }
                | C::StepCancellation
                | C::SettleCancellation
                | C::FinishDeletion
                | C::BeginTransfer { .. }
                | C::FinishTransfer { .. },
            ) => Err(self.not_found(command)),
        }
    }

    /// Steps 1 to 4 of the precedence: entity, permission, org header, existence in scope.
    fn authorize(&self, caller: &Caller, command: &Command) -> Result<(), Rejection> {
        let Some((scope, target)) = command.request() else {
            return Ok(());
        };
        match &scope.entity {
            None if caller.entities.len() > 1 => {
                return Err(Rejection::EntityRequired {
                    entities: caller.entities.len(),
                })
            }
            Some(entity) if !caller.entities.contains(entity) => {
                return Err(Rejection::EntityNotAccessible {
                    entity: entity.clone(),
                })
            }
            None | Some(_) => {}
        }
        if let Some(permission) = command.required_permission() {
            if !caller.has(permission) {
                return Err(Rejection::MissingPermission {
                    command: command.kind(),
                    permission,
                });
            }
        }
        if let Some(orgs) = &scope.orgs {
            if let Some(org) = orgs.as_slice().iter().find(|org| !caller.orgs.allows(org)) {
                return Err(Rejection::OrgNotAccessible { org: org.clone() });
            }
        }
        let names_this_run = match target {
            Target::Run(run) => run == self.number,
            Target::Entry(_) => true,
        };
        if !names_this_run || !self.visible_in(caller, scope) {
            return Err(self.not_found(command));
        }
        Ok(())
    }

    /// Whether the run is in the request's org scope: a run without organization labels is in
    /// every scope; one with labels is in scope when every label is (docs/DECISIONS.md, D-6).
    fn visible_in(&self, caller: &Caller, scope: &RequestScope) -> bool {
        self.organizations.iter().all(|label| match &scope.orgs {
            Some(orgs) => orgs.contains(label),
            None => caller.orgs.allows(label),
        })
    }

    /// The "not found" answer for a command: the entry it names, or the run.
    fn not_found(&self, command: &Command) -> Rejection {
        match command {
            Command::CancelEntry { entry, .. }
            | Command::DeleteEntry { entry, .. }
            | Command::UpdateTransferredToAccounting { entry, .. }
            | Command::BeginTransfer { entry }
            | Command::FinishTransfer { entry, .. } => Rejection::EntryNotFound { entry: *entry },
            Command::CancelRun { run, .. } | Command::DeleteRun { run, .. } => {
                Rejection::RunNotFound { run: *run }
            }
            Command::StartProcessing
            | Command::CompleteProcessing { .. }
            | Command::FailProcessing { .. }
            | Command::StepCancellation
            | Command::SettleCancellation
            | Command::FinishDeletion => Rejection::RunNotFound { run: self.number },
        }
    }

    fn status_rejection(&self, command: &Command) -> Rejection {
        match self.state.status() {
            Some(status) => Rejection::RunStatus {
                command: command.kind(),
                run: self.number,
                status,
            },
            None => self.not_found(command),
        }
    }

    const fn cancel_requested(previous: CancellableStatus) -> Event {
        Event::CancellationRequested { previous }
    }

    /// One step of the cancellation job: attempt the entry at the job's position.
    fn step(&self, job: &CancellationJob) -> Result<Event, Rejection> {
        let Some(entry) = self.entries.get(job.next) else {
            return Err(Rejection::JobFinished { run: self.number });
        };
        let outcome = attempt_outcome(entry);
        Ok(Event::EntryAttempted {
            entry: entry.number,
            outcome,
        })
    }

    /// Settling the job, once every entry has been attempted.
    fn settle(&self, job: &CancellationJob) -> Result<Settlement, Rejection> {
        let remaining = self.entries.len().saturating_sub(job.next);
        if remaining > 0 {
            return Err(Rejection::JobNotFinished {
                run: self.number,
                remaining,
            });
        }
        Ok(Settlement::of(
            job.previous,
            self.cancelled,
            self.entries.len(),
        ))
    }

    /// The entry a command names, or `EntryNotFound`.
    fn find_entry(&self, number: JournalEntryNumber) -> Result<&JournalEntry, Rejection> {
        self.entry(number)
            .ok_or(Rejection::EntryNotFound { entry: number })
    }

    /// `PUT /v1/journal-entries/{je-number}/cancel`, once the run's state allows it.
    fn cancel_entry(&self, number: JournalEntryNumber) -> Result<Event, Rejection> {
        let entry = self.find_entry(number)?;
        match entry.cancellability() {
            Cancellability::Cancellable => Ok(Event::EntryCancelled { entry: number }),
            Cancellability::AlreadyCancelled => Err(Rejection::EntryCancelled {
                command: CommandKind::CancelEntry,
                entry: number,
            }),
            Cancellability::Blocked(transferred_to_accounting) => {
                Err(Rejection::EntryTransferred {
                    entry: number,
                    transferred_to_accounting,
                })
            }
        }
    }

    /// `DELETE /v1/journal-entries/{je-number}`: only a cancelled entry.
    fn delete_entry(&self, number: JournalEntryNumber) -> Result<Event, Rejection> {
        if self.find_entry(number)?.is_cancelled() {
            Ok(Event::EntryDeleted { entry: number })
        } else {
            Err(Rejection::EntryNotCancelled { entry: number })
        }
    }

    /// A user changes Transferred to Accounting: Override first (a permission), then the
    /// cancelled-entry rule (D-14).
    fn update_transferred(
        &self,
        caller: &Caller,
        number: JournalEntryNumber,
        to: TransferredToAccounting,
    ) -> Result<Event, Rejection> {
        let entry = self.find_entry(number)?;
        let from = entry.transferred_to_accounting;
        if change_needs_override(from, to)
            && !caller.has(Permission::OverrideTransferredToAccounting)
        {
            return Err(Rejection::OverrideRequired { entry: number, to });
        }
        if entry.is_cancelled() {
            return Err(Rejection::EntryCancelled {
                command: CommandKind::UpdateTransferredToAccounting,
                entry: number,
            });
        }
        Ok(Event::TransferredToAccountingChanged {
            entry: number,
            from,
            to,
        })
    }

    /// The accounting integration starts (`result` is `None`) or finishes a transfer.
    fn integration(
        &self,
        command: &Command,
        number: JournalEntryNumber,
        result: Option<TransferResult>,
    ) -> Result<Event, Rejection> {
        let entry = self.find_entry(number)?;
        if entry.is_cancelled() {
            return Err(Rejection::EntryCancelled {
                command: command.kind(),
                entry: number,
            });
        }
        let from = entry.transferred_to_accounting;
        match integration_transition(from, result) {
            Some(to) => Ok(Event::TransferredToAccountingChanged {
                entry: number,
                from,
                to,
            }),
            None => Err(Rejection::TransferNotAllowed {
                command: command.kind(),
                entry: number,
                from,
            }),
        }
    }

    /// Applies an event to the run. Events from [`decide`](Self::decide) on this state always
    /// apply; the structure an event needs is checked before anything changes, so an event
    /// that does not fit changes nothing and is reported.
    ///
    /// # Errors
    ///
    /// An [`ApplyError`] for an event that does not fit the run's structure.
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyError> {
        let wrong_state = |state: &RunState| ApplyError::WrongState {
            event: event_name(event),
            status: state.name(),
        };
        match event {
            Event::ProcessingStarted => self.state = RunState::Processing,
            Event::ProcessingCompleted { entries } => {
                self.created(entries, RunState::Completed, wrong_state)?;
            }
            Event::ProcessingFailed { entries } => {
                self.created(entries, RunState::Error, wrong_state)?;
            }
            Event::CancellationRequested { previous } => {
                if self.state == RunState::Deleted {
                    return Err(wrong_state(&self.state));
                }
                self.state = RunState::CancelInprogress(CancellationJob {
                    previous: *previous,
                    next: 0,
                });
            }
            Event::EntryAttempted { entry, outcome } => {
                let RunState::CancelInprogress(job) = &mut self.state else {
                    return Err(wrong_state(&self.state));
                };
                let Some(target) = self.entries.get_mut(job.next) else {
                    return Err(ApplyError::UnknownEntry { entry: *entry });
                };
                if target.number != *entry {
                    return Err(ApplyError::UnknownEntry { entry: *entry });
                }
                record_attempt(target, *outcome, &mut self.cancelled);
                job.next += 1;
            }
            Event::CancellationSettled { settlement } => {
                if self.job().is_none() {
                    return Err(wrong_state(&self.state));
                }
                self.state = (*settlement).into();
            }
            Event::EntryCancelled { entry } => {
                let i = self.known(*entry)?;
                if let Some(target) = self.entries.get_mut(i) {
                    if !target.is_cancelled() {
                        target.status = JournalEntryStatus::Cancelled;
                        self.cancelled += 1;
                    }
                }
            }
            Event::EntryDeleted { entry } => {
                let i = self.known(*entry)?;
                let removed = self.entries.remove(i);
                if removed.is_cancelled() {
                    self.cancelled -= 1;
                }
                if let RunState::CancelInprogress(job) = &mut self.state {
                    if i < job.next {
                        job.next -= 1;
                    }
                }
            }
            Event::TransferredToAccountingChanged { entry, to, .. } => {
                let i = self.known(*entry)?;
                if let Some(target) = self.entries.get_mut(i) {
                    target.transferred_to_accounting = *to;
                }
            }
            Event::DeletionStarted => self.state = RunState::DeleteInprogress,
            Event::RunDeleted => {
                self.state = RunState::Deleted;
                self.entries = Vec::new();
                self.cancelled = 0;
            }
        }
        Ok(())
    }

    fn created(
        &mut self,
        entries: &[JournalEntryNumber],
        state: RunState,
        wrong_state: impl Fn(&RunState) -> ApplyError,
    ) -> Result<(), ApplyError> {
        if !self.entries.is_empty() || self.state == RunState::Deleted {
            return Err(wrong_state(&self.state));
        }
        check_ascending(entries)?;
        self.entries = entries.iter().copied().map(JournalEntry::new).collect();
        self.cancelled = 0;
        self.state = state;
        Ok(())
    }

    fn known(&self, entry: JournalEntryNumber) -> Result<usize, ApplyError> {
        self.position(entry)
            .ok_or(ApplyError::UnknownEntry { entry })
    }

    /// Runs the cancellation job to its end in one pass: every remaining step, then settling.
    ///
    /// The result is exactly that of executing [`Command::StepCancellation`] until it is
    /// rejected with [`Rejection::JobFinished`], then [`Command::SettleCancellation`]: the same
    /// events, passed to `on_event` in order, and the same final run (a property test checks
    /// it). It is the form a process that owns the job uses; it allocates nothing.
    ///
    /// # Errors
    ///
    /// [`Rejection::RunStatus`] (or `RunNotFound`) when no job runs; the run is then unchanged.
    pub fn finish_job(
        &mut self,
        mut on_event: impl FnMut(&Event),
    ) -> Result<Settlement, Rejection> {
        let RunState::CancelInprogress(job) = &mut self.state else {
            return Err(self.status_rejection(&Command::StepCancellation));
        };
        let mut cancelled = self.cancelled;
        if let Some(remaining) = self.entries.get_mut(job.next..) {
            for entry in remaining {
                let outcome = attempt_outcome(entry);
                record_attempt(entry, outcome, &mut cancelled);
                on_event(&Event::EntryAttempted {
                    entry: entry.number,
                    outcome,
                });
            }
        }
        job.next = self.entries.len();
        self.cancelled = cancelled;
        let job = *job;
        let settlement = self.settle(&job)?;
        let settled = Event::CancellationSettled { settlement };
        self.apply(&settled)?;
        on_event(&settled);
        Ok(settlement)
    }

    /// Decides and, when accepted, applies: the one call an embedding system usually needs.
    ///
    /// # Errors
    ///
    /// The [`Rejection`] from [`decide`](Self::decide); the run is then unchanged.
    #[inline]
    pub fn execute(&mut self, caller: &Caller, command: &Command) -> Result<Event, Rejection> {
        let event = self.decide(caller, command)?;
        self.apply(&event)?;
        Ok(event)
    }

    /// Rebuilds a run by applying `events`, in order, to `initial`.
    ///
    /// # Errors
    ///
    /// The first [`ApplyError`], with the index of the event that did not fit.
    pub fn replay<'a>(
        mut initial: Self,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Self, (usize, ApplyError)> {
        for (i, event) in events.into_iter().enumerate() {
            initial.apply(event).map_err(|e| (i, e))?;
        }
        Ok(initial)
    }
}

/// The entries a processing command created, ascending; a repeated entry is rejected.
fn ascending_unique(entries: &[JournalEntryNumber]) -> Result<Vec<JournalEntryNumber>, Rejection> {
    let mut sorted = entries.to_vec();
    sorted.sort_unstable();
    let mut previous = None;
    for entry in &sorted {
        if previous == Some(*entry) {
            return Err(Rejection::DuplicateEntry { entry: *entry });
        }
        previous = Some(*entry);
    }
    Ok(sorted)
}

fn check_ascending(entries: &[JournalEntryNumber]) -> Result<(), ApplyError> {
    let mut previous: Option<JournalEntryNumber> = None;
    for entry in entries {
        if previous.is_some_and(|p| p >= *entry) {
            return Err(ApplyError::EntriesNotAscending { entry: *entry });
        }
        previous = Some(*entry);
    }
    Ok(())
}

/// What attempting `entry` does now: the job's rule, from the entry's cancellability.
const fn attempt_outcome(entry: &JournalEntry) -> AttemptOutcome {
    match entry.cancellability() {
        Cancellability::Cancellable => AttemptOutcome::Cancelled,
        Cancellability::AlreadyCancelled => AttemptOutcome::AlreadyCancelled,
        Cancellability::Blocked(transferred_to_accounting) => AttemptOutcome::Failed {
            transferred_to_accounting,
        },
    }
}

/// Records an attempt's effect: a cancelled outcome cancels the entry and counts it.
fn record_attempt(entry: &mut JournalEntry, outcome: AttemptOutcome, cancelled: &mut usize) {
    if outcome == AttemptOutcome::Cancelled && !entry.is_cancelled() {
        entry.status = JournalEntryStatus::Cancelled;
        *cancelled += 1;
    }
}

fn event_name(event: &Event) -> &'static str {
    event.into()
}
