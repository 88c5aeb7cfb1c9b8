//! The state machine: `decide` (state + caller + command -> event, or a rejection) and `apply`
//! (state + event -> state).
//!
//! `decide` reads as TigerBeetle's `create_transfer` does: the request's checks
//! (`authorize`), then one function per command (or family of commands), each running its
//! checks as straight-line code in the order of precedence of [`PRECEDENCE`] and returning
//! the first fault. The status rule of every command is the life cycle's
//! ([`lifecycle::step`](crate::lifecycle)), stated once; each function's match on the run's
//! state is exhaustive, with no default arm.
//!
//! `apply` accepts an event exactly when the rules would produce it from the run's state
//! (docs/DECISIONS.md, D-20): it asks the rules, so no rule is stated twice, and an event
//! that does not fit changes nothing.

use core::num::NonZeroU64;

use crate::caller::Caller;
use crate::caller::OrgAccess;
use crate::cancellation::{AttemptOutcome, CancellationJob, Job, Settlement};
use crate::command::{Command, CommandKind, Target};
use crate::entry::{
    change_needs_override, integration_transition, Cancellability, JournalEntry, TransferResult,
};
use crate::error::{ApplyError, Rejection};
use crate::event::Event;
use crate::headers::{EntityId, RequestScope};
use crate::lifecycle::{step, RunState, Stage, Step};
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::permission::{Permission, PermissionSet};
use crate::query::Query;
use crate::run::JournalRun;
use crate::status::{JournalEntryStatus, TransferredToAccounting};

/// The order of precedence of [`JournalRun::decide`]'s checks: what each step checks, and the
/// [`Rejection`] variants it answers, in order. When a command has several faults, the first
/// step that finds one answers (INV-13). The per-command functions of `decide` run their checks
/// in this order; docs/STATE_MACHINE.md lists it from here.
pub const PRECEDENCE: &[(&str, &[&str])] = &[
    (
        "for a request, the entity header against the caller's token",
        &["EntityRequired", "EntityNotAccessible"],
    ),
    (
        "for a request, the request's permissions, \"API Write Access\" first",
        &["MissingPermission", "QueryPermission"],
    ),
    (
        "for a request, the orgs the request names against the caller's accessible orgs",
        &["OrgNotAccessible"],
    ),
    (
        "for a request, the run's existence in the request's entity and org scope",
        &["RunNotFound", "EntryNotFound"],
    ),
    (
        "the run's status, by the life cycle (a deleted run is not found; a run that exists is never created again)",
        &["RunStatus", "RunNotFound", "EntryNotFound", "RunExists"],
    ),
    (
        "for the job's steps and settling, the job's state is known",
        &["JobUnknown"],
    ),
    (
        "the command's own facts: the job's progress, the entries processing created",
        &["JobFinished", "JobNotFinished", "DuplicateEntry"],
    ),
    ("the entry's existence", &["EntryNotFound"]),
    (
        "the entry's rules: Override first, then its status and Transferred to Accounting",
        &[
            "OverrideRequired",
            "EntryCancelled",
            "EntryNotCancelled",
            "EntryTransferred",
            "TransferNotAllowed",
        ],
    ),
];

impl JournalRun {
    /// Decides what `command`, made by `caller`, does to this run: the event it produces, or
    /// why it is rejected. Pure: the run is not changed.
    ///
    /// The caller's permissions and scope apply to requests only; Zuora's own processes and
    /// the accounting integration are not user requests (docs/DECISIONS.md, D-8).
    ///
    /// # Errors
    ///
    /// A [`Rejection`]: the first applicable fault in the order of [`PRECEDENCE`].
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
        self.rules(caller, command)
    }

    /// What [`decide`](Self::decide) answers for a request naming a run that the store does
    /// not hold, or holds only in another entity: the first fault of steps 1 to 3 of
    /// [`PRECEDENCE`] (entity,
    /// permissions, org header), else "not found" ([`Rejection::RunNotFound`], or
    /// [`Rejection::EntryNotFound`] for a request naming an entry). A store calls it when its
    /// lookup finds nothing, so that the answer keeps the order of precedence.
    #[must_use]
    pub fn decide_absent(caller: &Caller, command: &Command) -> Rejection {
        let number = match command.request() {
            Some((_, Target::Run(run))) => run,
            Some((_, Target::Entry(_))) | None => JournalRunNumber::from_non_zero(NonZeroU64::MIN),
        };
        let absent = Self {
            number,
            entity: None,
            organizations: Vec::new(),
            state: RunState::Deleted,
            entries: Vec::new(),
            cancelled: 0,
        };
        match absent.decide(caller, command) {
            Err(rejection) => rejection,
            Ok(_) => absent.not_found(command),
        }
    }

    /// Steps 5 to 9 of [`PRECEDENCE`]: what the run's state and its entries allow, one function
    /// per command. `caller` is read only for the Override permission of an entry's
    /// Transferred to Accounting.
    fn rules(&self, caller: &Caller, command: &Command) -> Result<Event, Rejection> {
        use Command as C;
        match command {
            C::CreateRun(_) => Err(self.create_run()),
            C::CancelRun { .. } => self.cancel_run(command),
            C::DeleteRun { .. } => self.delete_run(command),
            C::FinishDeletion => self.finish_deletion(command),
            C::StartProcessing => self.start_processing(command),
            C::CompleteProcessing { entries } => Ok(Event::ProcessingCompleted {
                entries: self.finish_processing(command, entries)?,
            }),
            C::FailProcessing { entries } => Ok(Event::ProcessingFailed {
                entries: self.finish_processing(command, entries)?,
            }),
            C::StepCancellation => self.step_cancellation(command),
            C::SettleCancellation => self.settle_cancellation(command),
            C::CancelEntry { entry, .. } => self.cancel_entry(command, *entry),
            C::DeleteEntry { entry, .. } => self.delete_entry(command, *entry),
            C::UpdateTransferredToAccounting { entry, value, .. } => {
                self.update_transferred(caller, command, *entry, *value)
            }
            C::BeginTransfer { entry } => self.integration(command, *entry, None),
            C::FinishTransfer { entry, result } => self.integration(command, *entry, Some(*result)),
        }
    }

    /// Step 5 of [`PRECEDENCE`]: the life cycle's rule for the command at the run's stage
    /// ([`lifecycle::step`](crate::lifecycle)): `RunStatus` where it refuses the command, or
    /// "not found" for a deleted run; else what the command does to the run's status.
    fn life_cycle(&self, command: &Command) -> Result<Step, Rejection> {
        match step(Stage::of(&self.state), command.kind()) {
            Step::Refused => Err(self.status_rejection(command)),
            allowed @ (Step::Stays | Step::To(_) | Step::Settles) => Ok(allowed),
        }
    }

    /// `POST /v1/journal-runs` naming this run's number: the number is taken, whatever the
    /// run's state (numbers are never reused, not even a deleted run's). A new run is the
    /// tenant's decision ([`crate::tenant::create_run`]).
    const fn create_run(&self) -> Rejection {
        Rejection::RunExists { run: self.number }
    }

    /// `PUT /v1/journal-runs/{jr-number}/cancel`: the life cycle, which says which statuses
    /// can be cancelled and moves the run to `CancelInprogress` from the status it had.
    fn cancel_run(&self, command: &Command) -> Result<Event, Rejection> {
        use Stage as G;
        match self.life_cycle(command)? {
            Step::To(G::CancelInprogress(Some(previous))) => {
                Ok(Event::CancellationRequested { previous })
            }
            // The life cycle moves a cancel request only to CancelInprogress from a known
            // status; any other step would be its refusal.
            Step::Refused
            | Step::Stays
            | Step::Settles
            | Step::To(
                G::Pending
                | G::Processing
                | G::Completed
                | G::Error
                | G::CancelInprogress(None)
                | G::Cancelled
                | G::DeleteInprogress
                | G::Deleted,
            ) => Err(self.status_rejection(command)),
        }
    }

    /// `DELETE /v1/journal-runs/{jr-number}`: the life cycle (only a cancelled run).
    fn delete_run(&self, command: &Command) -> Result<Event, Rejection> {
        self.life_cycle(command)?;
        Ok(Event::DeletionStarted)
    }

    /// Zuora finishes deleting a run: the life cycle.
    fn finish_deletion(&self, command: &Command) -> Result<Event, Rejection> {
        self.life_cycle(command)?;
        Ok(Event::RunDeleted)
    }

    /// Zuora starts processing a Pending run: the life cycle.
    fn start_processing(&self, command: &Command) -> Result<Event, Rejection> {
        self.life_cycle(command)?;
        Ok(Event::ProcessingStarted)
    }

    /// Processing completes or fails: the life cycle, then the entries it created (step 7).
    fn finish_processing(
        &self,
        command: &Command,
        entries: &[JournalEntryNumber],
    ) -> Result<Vec<JournalEntryNumber>, Rejection> {
        self.life_cycle(command)?;
        self.new_entries(entries)
    }

    /// The running job, for its own steps and settling: the life cycle, then the job's state
    /// must be known (step 6).
    fn running_job(&self, command: &Command) -> Result<&CancellationJob, Rejection> {
        use RunState as S;
        self.life_cycle(command)?;
        match &self.state {
            S::CancelInprogress(job) => self.known(job),
            // Refused by the life cycle above, and answered the same here.
            S::Pending
            | S::Processing
            | S::Completed
            | S::Error
            | S::Cancelled
            | S::DeleteInprogress
            | S::Deleted => Err(self.status_rejection(command)),
        }
    }

    /// One step of the cancellation job: the job (steps 5 and 6), then an entry is left to
    /// attempt.
    fn step_cancellation(&self, command: &Command) -> Result<Event, Rejection> {
        self.step(self.running_job(command)?)
    }

    /// Settling the job: the job (steps 5 and 6), then every entry is attempted.
    fn settle_cancellation(&self, command: &Command) -> Result<Event, Rejection> {
        self.settle(self.running_job(command)?)
            .map(|settlement| Event::CancellationSettled { settlement })
    }

    /// Steps 1 to 4 of [`PRECEDENCE`]: entity, permissions, org header, existence in scope.
    fn authorize(&self, caller: &Caller, command: &Command) -> Result<(), Rejection> {
        let Some((scope, target)) = command.request() else {
            return Ok(());
        };
        let entity = authorize_request(caller, command, scope)?;
        let names_this_run = match target {
            Target::Run(run) => run == self.number,
            Target::Entry(_) => true,
        };
        if !names_this_run || !self.visible_in(caller, scope, entity) {
            return Err(self.not_found(command));
        }
        Ok(())
    }

    /// Whether the run is in the request's scope: in the request's entity when the run belongs
    /// to one (docs/DECISIONS.md, D-13), and in its org scope: a run without organization
    /// labels is in every org scope; one with labels is in scope when every label is (D-6).
    pub(crate) fn visible_in(
        &self,
        caller: &Caller,
        scope: &RequestScope,
        entity: Option<&EntityId>,
    ) -> bool {
        self.in_entity(entity)
            && self
                .organizations
                .iter()
                .all(|label| caller.in_org_scope(scope, label))
    }

    /// The "not found" answer for a command: the entry it names, or the run.
    fn not_found(&self, command: &Command) -> Rejection {
        match command {
            Command::CancelEntry { entry, .. }
            | Command::DeleteEntry { entry, .. }
            | Command::UpdateTransferredToAccounting { entry, .. }
            | Command::BeginTransfer { entry }
            | Command::FinishTransfer { entry, .. } => Rejection::EntryNotFound { entry: *entry },
            Command::CreateRun(crate::command::CreateRun { run, .. })
            | Command::CancelRun { run, .. }
            | Command::DeleteRun { run, .. } => Rejection::RunNotFound { run: *run },
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

    /// The job's state, or [`Rejection::JobUnknown`] for a run read from an export that does
    /// not show it: only the job's own steps and settling need it.
    fn known<'a>(&self, job: &'a Job) -> Result<&'a CancellationJob, Rejection> {
        job.known()
            .ok_or(Rejection::JobUnknown { run: self.number })
    }

    /// The entries a processing command created, ascending: none twice, and none the run
    /// already lists (a Processing run may list the entries created so far).
    fn new_entries(
        &self,
        entries: &[JournalEntryNumber],
    ) -> Result<Vec<JournalEntryNumber>, Rejection> {
        let sorted = ascending_unique(entries)?;
        match sorted.iter().find(|entry| self.position(**entry).is_some()) {
            Some(entry) => Err(Rejection::DuplicateEntry { entry: *entry }),
            None => Ok(sorted),
        }
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

    /// `PUT /v1/journal-entries/{je-number}/cancel`: the life cycle, the entry's existence,
    /// then its cancellability.
    fn cancel_entry(
        &self,
        command: &Command,
        number: JournalEntryNumber,
    ) -> Result<Event, Rejection> {
        self.life_cycle(command)?;
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

    /// `DELETE /v1/journal-entries/{je-number}`: the life cycle, the entry's existence, then
    /// only a cancelled entry.
    fn delete_entry(
        &self,
        command: &Command,
        number: JournalEntryNumber,
    ) -> Result<Event, Rejection> {
        self.life_cycle(command)?;
        if self.find_entry(number)?.is_cancelled() {
            Ok(Event::EntryDeleted { entry: number })
        } else {
            Err(Rejection::EntryNotCancelled { entry: number })
        }
    }

    /// A user changes Transferred to Accounting: the life cycle, the entry's existence, then
    /// Override first (a permission), then the cancelled-entry rule (D-14).
    fn update_transferred(
        &self,
        caller: &Caller,
        command: &Command,
        number: JournalEntryNumber,
        to: TransferredToAccounting,
    ) -> Result<Event, Rejection> {
        self.life_cycle(command)?;
        let entry = self.find_entry(number)?;
        let from = entry.transferred_to_accounting;
        if change_needs_override(from, to)
            && !caller.has(Permission::OverrideTransferredToAccounting)
        {
            return Err(Rejection::OverrideRequired { entry: number, to });
        }
        if entry.is_cancelled() {
            return Err(Rejection::EntryCancelled {
                command: command.kind(),
                entry: number,
            });
        }
        Ok(Event::TransferredToAccountingChanged {
            entry: number,
            from,
            to,
        })
    }

    /// The accounting integration starts (`result` is `None`) or finishes a transfer: the life
    /// cycle, the entry's existence, the cancelled-entry rule, then the integration's
    /// transitions.
    fn integration(
        &self,
        command: &Command,
        number: JournalEntryNumber,
        result: Option<TransferResult>,
    ) -> Result<Event, Rejection> {
        self.life_cycle(command)?;
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

    /// Applies an event to the run, when it fits: exactly when the rules would produce this
    /// event from the run's state, for some caller allowed to make the command behind it
    /// (docs/DECISIONS.md, D-20). An event that does not fit changes nothing and is reported,
    /// so no event, from any source, can break an invariant. The local Zuora rebuilds every
    /// run from its log through this function, live changes and replay alike (INV-19).
    ///
    /// # Errors
    ///
    /// [`ApplyError::Refused`] when the rules refuse the command behind the event in this
    /// state; [`ApplyError::DoesNotFit`] when they would produce another event.
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyError> {
        match self.rules(&SYSTEM, &self.command_behind(event)) {
            Ok(expected) if expected == *event => {
                self.apply_decided(event);
                Ok(())
            }
            Ok(_) => Err(ApplyError::DoesNotFit {
                event: event_name(event),
                status: self.state.name(),
            }),
            Err(rejection) => Err(ApplyError::Refused {
                event: event_name(event),
                rejection,
            }),
        }
    }

    /// The command whose acceptance produces `event` on this run. Every event has one: the
    /// integration's transfers produce the same events as a user's update of Transferred to
    /// Accounting, which the rules allow in the same states.
    fn command_behind(&self, event: &Event) -> Command {
        let scope = RequestScope::DEFAULT;
        match event {
            Event::ProcessingStarted => Command::StartProcessing,
            Event::ProcessingCompleted { entries } => Command::CompleteProcessing {
                entries: entries.clone(),
            },
            Event::ProcessingFailed { entries } => Command::FailProcessing {
                entries: entries.clone(),
            },
            Event::CancellationRequested { .. } => Command::CancelRun {
                run: self.number,
                scope,
            },
            Event::EntryAttempted { .. } => Command::StepCancellation,
            Event::CancellationSettled { .. } => Command::SettleCancellation,
            Event::EntryCancelled { entry } => Command::CancelEntry {
                entry: *entry,
                scope,
            },
            Event::EntryDeleted { entry } => Command::DeleteEntry {
                entry: *entry,
                scope,
            },
            Event::TransferredToAccountingChanged { entry, to, .. } => {
                Command::UpdateTransferredToAccounting {
                    entry: *entry,
                    value: *to,
                    scope,
                }
            }
            Event::DeletionStarted => Command::DeleteRun {
                run: self.number,
                scope,
            },
            Event::RunDeleted => Command::FinishDeletion,
        }
    }

    /// Applies an event the rules produced from this very state. Infallible: every fact the
    /// event needs (the entry it names, the job's position) was checked by the rules. The
    /// status the run moves to is the life cycle's ([`Self::advance`]), never restated here.
    fn apply_decided(&mut self, event: &Event) {
        match event {
            Event::ProcessingStarted => self.advance(CommandKind::StartProcessing),
            Event::ProcessingCompleted { entries } => {
                self.add_created(entries);
                self.advance(CommandKind::CompleteProcessing);
            }
            Event::ProcessingFailed { entries } => {
                self.add_created(entries);
                self.advance(CommandKind::FailProcessing);
            }
            Event::CancellationRequested { .. } => self.advance(CommandKind::CancelRun),
            Event::EntryAttempted { outcome, .. } => {
                if let RunState::CancelInprogress(Job::Known(job)) = &mut self.state {
                    if let Some(target) = self.entries.get_mut(job.next) {
                        record_attempt(target, *outcome, &mut self.cancelled);
                    }
                    job.next += 1;
                }
            }
            Event::CancellationSettled { settlement } => self.state = (*settlement).into(),
            Event::EntryCancelled { entry } => {
                if let Some(target) = self.entry_mut(*entry) {
                    if !target.is_cancelled() {
                        target.status = JournalEntryStatus::Cancelled;
                        self.cancelled += 1;
                    }
                }
            }
            Event::EntryDeleted { entry } => {
                if let Some(i) = self.position(*entry) {
                    let removed = self.entries.remove(i);
                    if removed.is_cancelled() {
                        self.cancelled -= 1;
                    }
                    if let RunState::CancelInprogress(Job::Known(job)) = &mut self.state {
                        if i < job.next {
                            job.next -= 1;
                        }
                    }
                }
            }
            Event::TransferredToAccountingChanged { entry, to, .. } => {
                if let Some(target) = self.entry_mut(*entry) {
                    target.transferred_to_accounting = *to;
                }
            }
            Event::DeletionStarted => self.advance(CommandKind::DeleteRun),
            Event::RunDeleted => {
                self.advance(CommandKind::FinishDeletion);
                self.entries = Vec::new();
                self.cancelled = 0;
            }
        }
    }

    /// Moves the run to the stage the life cycle ([`lifecycle::step`](crate::lifecycle)) gives
    /// an accepted command of `kind`, entered as the life cycle enters it (a cancellation job
    /// at its first entry). Where the status stays, it stays; settling goes where the job's
    /// [`Settlement`] says, which the event carries.
    fn advance(&mut self, kind: CommandKind) {
        match step(Stage::of(&self.state), kind) {
            Step::To(stage) => self.state = stage.entered(),
            Step::Stays | Step::Settles | Step::Refused => {}
        }
    }

    /// Adds the entries processing created (ascending, none already held).
    fn add_created(&mut self, entries: &[JournalEntryNumber]) {
        let created = entries.iter().copied().map(JournalEntry::new);
        if self.entries.is_empty() {
            self.entries = created.collect();
        } else {
            self.entries.extend(created);
            self.entries.sort_unstable_by_key(|e| e.number);
        }
    }

    fn entry_mut(&mut self, number: JournalEntryNumber) -> Option<&mut JournalEntry> {
        self.position(number).and_then(|i| self.entries.get_mut(i))
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
    /// [`Rejection::RunStatus`] (or `RunNotFound`) when no job runs, and
    /// [`Rejection::JobUnknown`] when the job's state is unknown; the run is then unchanged.
    pub fn finish_job(
        &mut self,
        mut on_event: impl FnMut(&Event),
    ) -> Result<Settlement, Rejection> {
        let RunState::CancelInprogress(job) = &mut self.state else {
            return Err(self.status_rejection(&Command::StepCancellation));
        };
        let Job::Known(job) = job else {
            return Err(Rejection::JobUnknown { run: self.number });
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
        self.apply_decided(&settled);
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
        self.apply_decided(&event);
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

/// The caller the rules are asked with when an event is applied: one allowed to make every
/// command (every permission, every org; entity and org scope are not the rules' concern).
const SYSTEM: Caller = Caller {
    permissions: PermissionSet::ALL,
    orgs: OrgAccess::All,
    entities: Vec::new(),
};

/// Steps 1 to 3 of [`PRECEDENCE`], for a request: the entity header against the caller's token,
/// the command's permissions ("API Write Access" first), the `Zuora-Org-Ids` header against the
/// caller's orgs. Returns the entity the request acts in.
pub(crate) fn authorize_request<'a>(
    caller: &'a Caller,
    command: &Command,
    scope: &'a RequestScope,
) -> Result<Option<&'a EntityId>, Rejection> {
    authorize_scope(
        caller,
        scope,
        command.required_permissions(),
        |permission| Rejection::MissingPermission {
            command: command.kind(),
            permission,
        },
    )
}

/// Steps 1 to 3 of [`PRECEDENCE`] for any request, command or query: the entity header
/// against the caller's token, each of `permissions` in order (`missing` makes the
/// rejection), the `Zuora-Org-Ids` header against the caller's orgs. Returns the entity the
/// request acts in.
fn authorize_scope<'a>(
    caller: &'a Caller,
    scope: &'a RequestScope,
    permissions: &[Permission],
    missing: impl FnOnce(Permission) -> Rejection,
) -> Result<Option<&'a EntityId>, Rejection> {
    let entity = caller.entity_for(scope.entity.as_ref())?;
    if let Some(&permission) = permissions.iter().find(|&&p| !caller.has(p)) {
        return Err(missing(permission));
    }
    if let Some(orgs) = &scope.orgs {
        if let Some(org) = orgs.as_slice().iter().find(|org| !caller.orgs.allows(org)) {
            return Err(Rejection::OrgNotAccessible { org: org.clone() });
        }
    }
    Ok(entity)
}

impl JournalRun {
    /// Whether `caller` may make `query` on this run: steps 1 to 4 of [`PRECEDENCE`] (the
    /// entity header, the query's permissions, `Zuora-Org-Ids`, the run's existence in the
    /// request's scope; a deleted run is not found), then the entry the query names exists.
    /// A query changes nothing and produces no event.
    ///
    /// # Errors
    ///
    /// The first [`Rejection`] in that order: `RunNotFound` or `EntryNotFound` for what the
    /// request cannot see.
    pub fn authorize_query(&self, caller: &Caller, query: &Query) -> Result<(), Rejection> {
        let scope = query.scope();
        let entity = authorize_scope(caller, scope, query.required_permissions(), |permission| {
            Rejection::QueryPermission {
                query: query.kind(),
                permission,
            }
        })?;
        let found = match query.target() {
            Target::Run(run) => run == self.number,
            Target::Entry(entry) => self.entry(entry).is_some(),
        };
        if !found || self.state == RunState::Deleted || !self.visible_in(caller, scope, entity) {
            return Err(Self::query_not_found(query));
        }
        Ok(())
    }

    /// What [`authorize_query`](Self::authorize_query) answers for a query naming a run or
    /// entry the store does not hold: the first fault of steps 1 to 3 of [`PRECEDENCE`], else
    /// "not found".
    #[must_use]
    pub fn query_absent(caller: &Caller, query: &Query) -> Rejection {
        let missing = |permission| Rejection::QueryPermission {
            query: query.kind(),
            permission,
        };
        match authorize_scope(caller, query.scope(), query.required_permissions(), missing) {
            Err(rejection) => rejection,
            Ok(_) => Self::query_not_found(query),
        }
    }

    /// The "not found" answer for a query: the entry it names, or the run.
    fn query_not_found(query: &Query) -> Rejection {
        match query.target() {
            Target::Run(run) => Rejection::RunNotFound { run },
            Target::Entry(entry) => Rejection::EntryNotFound { entry },
        }
    }
}
