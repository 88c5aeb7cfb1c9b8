//! The life cycle of a run: its states ([`RunState`]) and which status may follow which,
//! stated once ([`step`]): `decide` consults it for the status rule of every command, `apply`
//! moves a run to the stage it names ([`Stage::entered`]), and the auditor's
//! [`status_can_follow`](crate::invariants::status_can_follow) is its closure.
//!
//! ```text
//! Pending --startProcessing--> Processing --completeProcessing--> Completed
//!                                         --failProcessing------> Error
//! Pending | Completed | Error --cancelRun--> CancelInprogress --settleCancellation--> Cancelled,
//!                                            or back to the status it had (never Pending)
//! Cancelled --deleteRun--> DeleteInprogress --finishDeletion--> deleted
//! ```

use serde::{Deserialize, Serialize};

use crate::cancellation::{CancellableStatus, CancellationJob, Job, Settlement};
use crate::command::CommandKind;
use crate::status::JournalRunStatus;

/// The life-cycle state of a run: its Zuora status, plus what the rules need beyond it (what
/// is known of the cancellation job while one runs, and the fact of deletion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(expecting = "a journal run state")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum RunState {
    /// Pending: queued for processing. No entries yet.
    Pending,
    /// Processing: transactions and summary journal entries are being processed; it may
    /// already list the entries created so far.
    Processing,
    /// Completed: entries were created.
    Completed,
    /// Error: processing failed (it may have created entries).
    Error,
    /// CancelInprogress: a cancellation job is running; its state may be unknown (a run read
    /// from Zuora's export).
    CancelInprogress(Job),
    /// Cancelled: every entry is cancelled.
    Cancelled,
    /// DeleteInprogress: a cancelled run is being deleted.
    DeleteInprogress,
    /// The run has been deleted: Zuora answers "not found" for it. Holds no entries.
    Deleted,
}

impl RunState {
    /// The status Zuora reports; `None` for a deleted run.
    #[must_use]
    pub const fn status(&self) -> Option<JournalRunStatus> {
        Some(match self {
            Self::Pending => JournalRunStatus::Pending,
            Self::Processing => JournalRunStatus::Processing,
            Self::Completed => JournalRunStatus::Completed,
            Self::Error => JournalRunStatus::Error,
            Self::CancelInprogress(_) => JournalRunStatus::CancelInprogress,
            Self::Cancelled => JournalRunStatus::Cancelled,
            Self::DeleteInprogress => JournalRunStatus::DeleteInprogress,
            Self::Deleted => return None,
        })
    }

    /// The state Zuora's export of a run with this status shows: for `CancelInprogress`, a job
    /// whose state is unknown ([`Job::Unknown`]).
    #[must_use]
    pub const fn from_status(status: JournalRunStatus) -> Self {
        match status {
            JournalRunStatus::Pending => Self::Pending,
            JournalRunStatus::Processing => Self::Processing,
            JournalRunStatus::Completed => Self::Completed,
            JournalRunStatus::Error => Self::Error,
            JournalRunStatus::Cancelled => Self::Cancelled,
            JournalRunStatus::DeleteInprogress => Self::DeleteInprogress,
            JournalRunStatus::CancelInprogress => Self::CancelInprogress(Job::Unknown),
        }
    }

    /// The cancellation job, when one runs and its state is known.
    #[must_use]
    pub const fn known_job(&self) -> Option<&CancellationJob> {
        match self {
            Self::CancelInprogress(job) => job.known(),
            Self::Pending
            | Self::Processing
            | Self::Completed
            | Self::Error
            | Self::Cancelled
            | Self::DeleteInprogress
            | Self::Deleted => None,
        }
    }

    /// A short name for messages: the status, or `deleted`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.status().map_or("deleted", JournalRunStatus::as_str)
    }
}

impl From<CancellableStatus> for RunState {
    fn from(status: CancellableStatus) -> Self {
        match status {
            CancellableStatus::Pending => Self::Pending,
            CancellableStatus::Error => Self::Error,
            CancellableStatus::Completed => Self::Completed,
        }
    }
}

impl From<Settlement> for RunState {
    fn from(settlement: Settlement) -> Self {
        match settlement {
            Settlement::Cancelled => Self::Cancelled,
            Settlement::Restored(previous) => previous.into(),
        }
    }
}

/// A run's place in the life cycle: its status (or deleted) and, while a cancellation job
/// runs, the status the run had before the cancel request, when it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Pending,
    Processing,
    Completed,
    Error,
    /// The status before the cancel request: `None` when the job is unknown (an export).
    CancelInprogress(Option<CancellableStatus>),
    Cancelled,
    DeleteInprogress,
    Deleted,
}

impl Stage {
    /// The stage of a run in `state`.
    pub(crate) const fn of(state: &RunState) -> Self {
        match state {
            RunState::Pending => Self::Pending,
            RunState::Processing => Self::Processing,
            RunState::Completed => Self::Completed,
            RunState::Error => Self::Error,
            RunState::CancelInprogress(Job::Known(job)) => {
                Self::CancelInprogress(Some(job.previous))
            }
            RunState::CancelInprogress(Job::Unknown) => Self::CancelInprogress(None),
            RunState::Cancelled => Self::Cancelled,
            RunState::DeleteInprogress => Self::DeleteInprogress,
            RunState::Deleted => Self::Deleted,
        }
    }

    /// The status Zuora reports at this stage; `None` once deleted.
    const fn status(self) -> Option<JournalRunStatus> {
        Some(match self {
            Self::Pending => JournalRunStatus::Pending,
            Self::Processing => JournalRunStatus::Processing,
            Self::Completed => JournalRunStatus::Completed,
            Self::Error => JournalRunStatus::Error,
            Self::CancelInprogress(_) => JournalRunStatus::CancelInprogress,
            Self::Cancelled => JournalRunStatus::Cancelled,
            Self::DeleteInprogress => JournalRunStatus::DeleteInprogress,
            Self::Deleted => return None,
        })
    }

    /// The stage a cancel request from this status leads to.
    const fn cancelling(previous: CancellableStatus) -> Self {
        Self::CancelInprogress(Some(previous))
    }

    /// The state of a run that a step of the life cycle has just moved to this stage: a
    /// cancellation job starts at its first entry. (No step moves a run to a job whose state is
    /// unknown; that stage is only ever read from an export.)
    pub(crate) const fn entered(self) -> RunState {
        match self {
            Self::Pending => RunState::Pending,
            Self::Processing => RunState::Processing,
            Self::Completed => RunState::Completed,
            Self::Error => RunState::Error,
            Self::CancelInprogress(Some(previous)) => {
                RunState::CancelInprogress(Job::Known(CancellationJob { previous, next: 0 }))
            }
            Self::CancelInprogress(None) => RunState::CancelInprogress(Job::Unknown),
            Self::Cancelled => RunState::Cancelled,
            Self::DeleteInprogress => RunState::DeleteInprogress,
            Self::Deleted => RunState::Deleted,
        }
    }
}

/// What a command does to a run's status, by the life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The life cycle does not allow the command at this stage.
    Refused,
    /// Allowed; the status stays.
    Stays,
    /// Allowed; the status moves to this stage.
    To(Stage),
    /// Allowed; the job settles: the run becomes Cancelled, or goes back to the status it had
    /// ([`Settlement::of`] decides which, from the entries).
    Settles,
}

/// The life cycle, stated once: what a command of `kind` does to the status of a run at
/// `stage`. [`JournalRun::decide`](crate::JournalRun::decide) answers `RunStatus` (or, for a
/// deleted run, "not found") where it is [`Step::Refused`];
/// [`JournalRun::apply`](crate::JournalRun::apply) moves the run to the stage of [`Step::To`];
/// the auditor's [`status_can_follow`](crate::invariants::status_can_follow) follows its moves.
pub(crate) const fn step(stage: Stage, kind: CommandKind) -> Step {
    use CommandKind as K;
    use Stage as S;
    match kind {
        // A run that exists is never created again: `RunExists`, its own rule, whatever its
        // stage (numbers are never reused).
        K::CreateRun => Step::Refused,
        // The cancel request: only from Pending, Error or Completed (INV-8).
        K::CancelRun => match stage {
            S::Pending => Step::To(Stage::cancelling(CancellableStatus::Pending)),
            S::Completed => Step::To(Stage::cancelling(CancellableStatus::Completed)),
            S::Error => Step::To(Stage::cancelling(CancellableStatus::Error)),
            S::Processing
            | S::CancelInprogress(_)
            | S::Cancelled
            | S::DeleteInprogress
            | S::Deleted => Step::Refused,
        },
        // Deleting a run: only a cancelled one.
        K::DeleteRun => match stage {
            S::Cancelled => Step::To(S::DeleteInprogress),
            S::Pending
            | S::Processing
            | S::Completed
            | S::Error
            | S::CancelInprogress(_)
            | S::DeleteInprogress
            | S::Deleted => Step::Refused,
        },
        K::FinishDeletion => match stage {
            S::DeleteInprogress => Step::To(S::Deleted),
            S::Pending
            | S::Processing
            | S::Completed
            | S::Error
            | S::CancelInprogress(_)
            | S::Cancelled
            | S::Deleted => Step::Refused,
        },
        // Processing.
        K::StartProcessing => match stage {
            S::Pending => Step::To(S::Processing),
            S::Processing
            | S::Completed
            | S::Error
            | S::CancelInprogress(_)
            | S::Cancelled
            | S::DeleteInprogress
            | S::Deleted => Step::Refused,
        },
        K::CompleteProcessing => match stage {
            S::Processing => Step::To(S::Completed),
            S::Pending
            | S::Completed
            | S::Error
            | S::CancelInprogress(_)
            | S::Cancelled
            | S::DeleteInprogress
            | S::Deleted => Step::Refused,
        },
        K::FailProcessing => match stage {
            S::Processing => Step::To(S::Error),
            S::Pending
            | S::Completed
            | S::Error
            | S::CancelInprogress(_)
            | S::Cancelled
            | S::DeleteInprogress
            | S::Deleted => Step::Refused,
        },
        // The cancellation job: its steps, then settling.
        K::StepCancellation => match stage {
            S::CancelInprogress(_) => Step::Stays,
            S::Pending
            | S::Processing
            | S::Completed
            | S::Error
            | S::Cancelled
            | S::DeleteInprogress
            | S::Deleted => Step::Refused,
        },
        K::SettleCancellation => match stage {
            S::CancelInprogress(_) => Step::Settles,
            S::Pending
            | S::Processing
            | S::Completed
            | S::Error
            | S::Cancelled
            | S::DeleteInprogress
            | S::Deleted => Step::Refused,
        },
        // Entry commands: at every stage but DeleteInprogress (a Pending run holds no
        // entries, so there they find none).
        K::CancelEntry
        | K::UpdateTransferredToAccounting
        | K::BeginTransfer
        | K::FinishTransfer => match stage {
            S::Pending
            | S::Processing
            | S::Completed
            | S::Error
            | S::CancelInprogress(_)
            | S::Cancelled => Step::Stays,
            S::DeleteInprogress | S::Deleted => Step::Refused,
        },
        // Deleting an entry: not while processing may still create entries, so that a deleted
        // number never comes back (INV-2, D-23).
        K::DeleteEntry => match stage {
            S::Pending | S::Completed | S::Error | S::CancelInprogress(_) | S::Cancelled => {
                Step::Stays
            }
            S::Processing | S::DeleteInprogress | S::Deleted => Step::Refused,
        },
    }
}

/// The stages settling a job can lead to: Cancelled, or back to the status the run had before
/// the cancel request; both Completed and Error when that status is unknown. A job started from
/// Pending never restores it: a Pending run holds no entries, so its job settles Cancelled
/// (D-5, INV-10).
const fn settles_to(previous: Option<CancellableStatus>) -> &'static [Stage] {
    match previous {
        Some(CancellableStatus::Pending) => &[Stage::Cancelled],
        Some(CancellableStatus::Completed) => &[Stage::Completed, Stage::Cancelled],
        Some(CancellableStatus::Error) => &[Stage::Error, Stage::Cancelled],
        None => &[Stage::Completed, Stage::Error, Stage::Cancelled],
    }
}

/// Every stage, in a fixed order: the bits of a set of stages.
const STAGES: [Stage; 11] = [
    Stage::Pending,
    Stage::Processing,
    Stage::Completed,
    Stage::Error,
    Stage::CancelInprogress(Some(CancellableStatus::Pending)),
    Stage::CancelInprogress(Some(CancellableStatus::Completed)),
    Stage::CancelInprogress(Some(CancellableStatus::Error)),
    Stage::CancelInprogress(None),
    Stage::Cancelled,
    Stage::DeleteInprogress,
    Stage::Deleted,
];

/// The set holding only `stage`.
fn bit(stage: Stage) -> u16 {
    STAGES
        .iter()
        .position(|s| *s == stage)
        .map_or(0, |i| 1 << i)
}

/// The stages one command can move a run at `stage` to, by [`step`], as a set.
fn moves(stage: Stage) -> u16 {
    let mut found = 0;
    for kind in <CommandKind as strum::VariantArray>::VARIANTS {
        match step(stage, *kind) {
            Step::Refused | Step::Stays => {}
            Step::To(next) => found |= bit(next),
            Step::Settles => {
                if let Stage::CancelInprogress(previous) = stage {
                    for next in settles_to(previous) {
                        found |= bit(*next);
                    }
                }
            }
        }
    }
    found
}

/// Whether a run in state `after` can be seen after one in state `before`, by any number of
/// moves of the life cycle ([`step`]), none included. By status: the later state's job (its
/// position, the status it started from) is not judged, because a snapshot history cannot
/// tell one job from another; the earlier state's job, when known, tells which status
/// settling restores. Allocates nothing.
pub(crate) fn can_follow(before: &RunState, after: &RunState) -> bool {
    let mut reached = bit(Stage::of(before));
    loop {
        let mut grown = reached;
        for (i, stage) in STAGES.iter().enumerate() {
            if reached & (1 << i) != 0 {
                grown |= moves(*stage);
            }
        }
        if grown == reached {
            break;
        }
        reached = grown;
    }
    let target = after.status();
    STAGES
        .iter()
        .enumerate()
        .any(|(i, stage)| reached & (1 << i) != 0 && stage.status() == target)
}
