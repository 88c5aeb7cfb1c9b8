//! Zuora Finance journal runs and their summary journal entries as a pure, verified state
//! machine.
//!
//! Zuora's `PUT /v1/journal-runs/{jr-number}/cancel` accepts a cancel request from a caller
//! with the "Cancel Journal Run" permission for a run that is Pending, Error or Completed,
//! answers `{"success": true}` at once, and then cancels the run's entries one by one. An entry
//! whose Transferred to Accounting is Yes or Processing cannot be cancelled; the run becomes
//! Cancelled only if every entry ends up cancelled, and otherwise keeps the status it had.
//! A run read from Zuora's export is usable input as it is ([`UncheckedRun`]); what an export
//! cannot show (a cancellation job's progress) is [`Job::Unknown`].
//!
//! This crate holds those rules, and the rest of a run's life, as one aggregate,
//! [`JournalRun`], changed only through [`JournalRun::decide`] (state + caller + command ->
//! event, or a [`Rejection`]) and [`JournalRun::apply`] (state + event -> state). It does no
//! I/O, reads no clock and draws no random numbers.
//!
//! ```
//! use journal_run::{Caller, Command, JournalRun, JournalRunStatus, RequestScope, TransferredToAccounting};
//!
//! let number = "JR-00000075".parse()?;
//! let mut run = JournalRun::new(number, vec![]);
//! let user = Caller::superuser();
//! let entries: Vec<_> = (1..=10).map(|n| journal_run::JournalEntryNumber::new(n).ok_or("zero")).collect::<Result<_, _>>()?;
//! run.execute(&user, &Command::StartProcessing)?;
//! run.execute(&user, &Command::CompleteProcessing { entries: entries.clone() })?;
//! run.execute(&user, &Command::UpdateTransferredToAccounting {
//!     entry: entries[3], value: TransferredToAccounting::Yes, scope: RequestScope::default(),
//! })?;
//!
//! run.execute(&user, &Command::CancelRun { run: number, scope: RequestScope::default() })?;
//! assert_eq!(run.status(), Some(JournalRunStatus::CancelInprogress));
//! for _ in 0..10 {
//!     run.execute(&user, &Command::StepCancellation)?;
//! }
//! run.execute(&user, &Command::SettleCancellation)?;
//! assert_eq!(run.status(), Some(JournalRunStatus::Completed));
//! assert_eq!(run.cancelled_count(), 9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Start with docs/ARCHITECTURE.md in the repository; docs/INVARIANTS.md lists what the
//! crate guarantees and the tests that check it.
//!
//! # Features
//!
//! All off by default; the default build depends on `serde`, `thiserror` and `strum` only.
//!
//! - `arbitrary`: [`arbitrary::Arbitrary`](https://docs.rs/arbitrary) for the value types
//!   (numbers, statuses, ids, permissions, callers, request scopes), commands, events,
//!   snapshots ([`UncheckedRun`], any) and runs ([`JournalRun`], always sound, in any state),
//!   for fuzzing code built around this crate.
//! - `proptest`: `journal_run::strategy`, the [proptest](https://docs.rs/proptest) strategies
//!   this crate's own tests use: valid runs in every state, callers, request scopes, commands
//!   and events.
//! - `rules`: `journal_run::rules`, the generator of docs/STATE_MACHINE.md (the CLI's
//!   `journal-run rules`).

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]
#![warn(missing_docs)]

mod caller;
mod cancellation;
mod command;
mod entry;
mod error;
mod event;
mod headers;
pub mod invariants;
mod lifecycle;
mod machine;
mod number;
mod permission;
mod query;
mod quote;
#[cfg(feature = "rules")]
pub mod rules;
mod run;
mod status;
#[cfg(feature = "proptest")]
pub mod strategy;
pub mod tenant;
pub mod wire;
pub mod words;

pub use caller::{Caller, OrgAccess};
pub use cancellation::{AttemptOutcome, CancellableStatus, CancellationJob, Job, Settlement};
pub use command::{Command, CommandKind, CreateRun};
pub use entry::{
    change_needs_override, integration_transition, Cancellability, JournalEntry, TransferResult,
};
pub use error::{ApplyError, Rejection};
pub use event::Event;
pub use headers::{CharacterFault, EntityId, HeaderError, OrgId, OrgIds, RequestScope, TrackId};
pub use lifecycle::RunState;
pub use machine::PRECEDENCE;
pub use number::{JournalEntryNumber, JournalRunNumber, NumberError};
pub use permission::{Permission, PermissionKind, PermissionSet};
pub use query::{Query, QueryKind};
pub use quote::{clip, plural, QUOTED_CHARS};
pub use run::{Auditable, JournalRun, UncheckedRun};
pub use status::{
    JournalEntryStatus, JournalRunStatus, TransactionType, TransferredToAccounting, UnknownVariant,
};
pub use wire::error::Error;

/// The README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
