//! Why the rules refuse a command ([`Rejection`]) and why an event does not fit a run
//! ([`ApplyError`]). They say what rule was broken, in Zuora's words, and know nothing of HTTP:
//! how Zuora's API reports them (the error category, the HTTP status, the request header a
//! fault came in) is the wire layer's concern.

use strum::IntoStaticStr;

use crate::command::CommandKind;
use crate::headers::{EntityId, OrgId};
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::permission::Permission;
use crate::query::QueryKind;
use crate::status::{JournalRunStatus, TransferredToAccounting};

/// Why [`JournalRun::decide`](crate::JournalRun::decide) rejected a command.
///
/// The variants are listed in order of precedence: when a command has several faults, the
/// first applicable variant in this order is the one returned (docs/STATE_MACHINE.md).
/// A rejected command changes nothing (INV-4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, IntoStaticStr)]
#[non_exhaustive]
pub enum Rejection {
    /// The caller's token is valid for several entities and the request names none.
    #[error("the request names no entity, and the token is valid for {entities} entities: it must name one")]
    EntityRequired {
        /// How many entities the token is valid for.
        entities: usize,
    },
    /// The request names an entity the caller's token is not valid for.
    #[error("the token is not valid for entity `{entity}`")]
    EntityNotAccessible {
        /// The entity named.
        entity: EntityId,
    },
    /// The caller lacks the permission the command needs.
    #[error("You do not have the \"{permission}\" permission needed to {}", .command.action())]
    MissingPermission {
        /// The command.
        command: CommandKind,
        /// The permission it needs.
        permission: Permission,
    },
    /// The caller lacks the permission a query needs (editing an entry's notes).
    #[error("You do not have the \"{permission}\" permission needed to {}", .query.action())]
    QueryPermission {
        /// The query.
        query: QueryKind,
        /// The permission it needs.
        permission: Permission,
    },
    /// The request's org scope names an org that is not one of the caller's accessible orgs.
    #[error("the request names org `{org}`, which is not one of the caller's accessible orgs")]
    OrgNotAccessible {
        /// The org.
        org: OrgId,
    },
    /// No such run in the request's scope (or it was deleted).
    #[error("journal run {run} not found")]
    RunNotFound {
        /// The run number asked for.
        run: JournalRunNumber,
    },
    /// No such entry in the request's scope (or it was deleted).
    #[error("journal entry {entry} not found")]
    EntryNotFound {
        /// The entry number asked for.
        entry: JournalEntryNumber,
    },
    /// The run's status does not allow the command.
    #[error("You cannot {}: journal run {run} is {status}", .command.action())]
    RunStatus {
        /// The command.
        command: CommandKind,
        /// The run.
        run: JournalRunNumber,
        /// The status it is in.
        status: JournalRunStatus,
    },
    /// Changing Transferred to Accounting from `Yes` needs "Override Transferred to Accounting".
    #[error("changing Transferred to Accounting of {entry} from Yes to {to} needs the \"Override Transferred to Accounting\" permission")]
    OverrideRequired {
        /// The entry.
        entry: JournalEntryNumber,
        /// The value asked for.
        to: TransferredToAccounting,
    },
    /// The entry is cancelled: it cannot be cancelled again, and its Transferred to Accounting
    /// cannot change.
    #[error("You cannot {}: journal entry {entry} is cancelled", .command.action())]
    EntryCancelled {
        /// The command.
        command: CommandKind,
        /// The entry.
        entry: JournalEntryNumber,
    },
    /// Only a cancelled entry can be deleted.
    #[error("journal entry {entry} is not cancelled; only a cancelled entry can be deleted")]
    EntryNotCancelled {
        /// The entry.
        entry: JournalEntryNumber,
    },
    /// The entry's Transferred to Accounting (`Yes` or `Processing`) stops its cancellation.
    #[error("journal entry {entry} cannot be cancelled: its Transferred to Accounting is {transferred_to_accounting}")]
    EntryTransferred {
        /// The entry.
        entry: JournalEntryNumber,
        /// Its Transferred to Accounting.
        transferred_to_accounting: TransferredToAccounting,
    },
    /// The accounting integration cannot make this change.
    #[error("The accounting integration cannot {}: the Transferred to Accounting of journal entry {entry} is {from}", .command.action())]
    TransferNotAllowed {
        /// The command (`beginTransfer` or `finishTransfer`).
        command: CommandKind,
        /// The entry.
        entry: JournalEntryNumber,
        /// Its Transferred to Accounting.
        from: TransferredToAccounting,
    },
    /// Every entry has been attempted: the job has no step left, only settling.
    #[error("the cancellation job of {run} has attempted every entry; it can only settle")]
    JobFinished {
        /// The run.
        run: JournalRunNumber,
    },
    /// The job cannot settle before it has attempted every entry.
    #[error(
        "the cancellation job of {run} cannot settle: {remaining} entries are not attempted yet"
    )]
    JobNotFinished {
        /// The run.
        run: JournalRunNumber,
        /// How many entries are left.
        remaining: usize,
    },
    /// The run was read from an export that does not show its cancellation job's state (how
    /// far it got, the status before the request): the job cannot be stepped or settled here.
    #[error("the cancellation job of {run} cannot be resumed: the export does not show how far it got or which status the run had before the cancel request")]
    JobUnknown {
        /// The run.
        run: JournalRunNumber,
    },
    /// Processing named the same entry twice, or one the run already lists.
    #[error("processing lists journal entry {entry} twice, or the journal run lists it already")]
    DuplicateEntry {
        /// The entry.
        entry: JournalEntryNumber,
    },
    /// A new journal run cannot be created while the tenant has a pending one.
    #[error("You cannot create a new journal run while journal run {pending} is pending")]
    PendingRunExists {
        /// The pending run.
        pending: JournalRunNumber,
    },
    /// Only one journal run executes at a time: another run is processing.
    #[error("journal run {run} cannot start processing while journal run {processing} is processing: only one journal run executes at a time")]
    RunExecuting {
        /// The run that was to start.
        run: JournalRunNumber,
        /// The run that is processing.
        processing: JournalRunNumber,
    },
    /// The number chosen for a new run already names a run of the tenant.
    #[error("journal run {run} already exists")]
    RunExists {
        /// The number.
        run: JournalRunNumber,
    },
}

/// An event that does not fit the state it is applied to.
///
/// [`JournalRun::apply`](crate::JournalRun::apply) accepts an event exactly when the rules
/// would produce it from the run's state (docs/DECISIONS.md, D-20); any other event is
/// refused before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The rules refuse, in this state, the command that would produce the event.
    #[error("event {event} does not fit: {rejection}")]
    Refused {
        /// The event's name.
        event: &'static str,
        /// Why the rules refuse the command behind it.
        rejection: Rejection,
    },
    /// The rules accept the command behind the event in this state, but produce another event
    /// (another entry, outcome, settlement, status before the request, or list of entries).
    #[error(
        "event {event} does not fit the run's state ({status}): the rules give another event there"
    )]
    DoesNotFit {
        /// The event's name.
        event: &'static str,
        /// The run's status (`"deleted"` for a deleted run).
        status: &'static str,
    },
}

impl Rejection {
    /// The variant's name, such as `RunStatus`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.into()
    }
}
