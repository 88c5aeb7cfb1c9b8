//! The enumeration of small runs shared by the exhaustive search (`tests/exhaustive.rs`) and
//! the serialization tests (`tests/serialization.rs`): every mix of entries and every run state
//! a run of a few entries could be in. Which of them are sound is the snapshot constructor's
//! to say; these lists hold every candidate.

use journal_run::{
    CancellableStatus, CancellationJob, Job, JournalEntry, JournalEntryStatus, RunState,
    TransferredToAccounting,
};
use strum::VariantArray;

use crate::support::je;

/// Every mix of `n` entries JE-1..JE-n: each Created or Cancelled, with any of the five
/// Transferred to Accounting values.
pub fn entry_mixes(n: u64) -> Vec<Vec<JournalEntry>> {
    let mut mixes = vec![Vec::new()];
    for number in 1..=n {
        let mut longer = Vec::new();
        for mix in &mixes {
            for &status in JournalEntryStatus::VARIANTS {
                for &tta in TransferredToAccounting::VARIANTS {
                    let mut next = mix.clone();
                    next.push(JournalEntry {
                        number: je(number),
                        status,
                        transferred_to_accounting: tta,
                    });
                    longer.push(next);
                }
            }
        }
        mixes = longer;
    }
    mixes
}

/// Every run state a run of `n` entries could be in: each status, each known job (status before
/// the request, position), and a job whose state is unknown.
pub fn run_states(n: usize) -> Vec<RunState> {
    let mut states = vec![
        RunState::Pending,
        RunState::Processing,
        RunState::Completed,
        RunState::Error,
        RunState::Cancelled,
        RunState::DeleteInprogress,
        RunState::Deleted,
    ];
    for previous in [
        CancellableStatus::Pending,
        CancellableStatus::Error,
        CancellableStatus::Completed,
    ] {
        for next in 0..=n {
            states.push(RunState::CancelInprogress(Job::Known(CancellationJob {
                previous,
                next,
            })));
        }
    }
    // As Zuora exports it: the job's state unknown.
    states.push(RunState::CancelInprogress(Job::Unknown));
    states
}
