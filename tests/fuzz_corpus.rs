//! Replays the committed fuzz corpus on stable Rust: every file of `fuzz/corpus/<target>/`
//! goes through the same check function the fuzz target `<target>` runs
//! (`journal_run_fuzz_checks`), so every input the fuzzer kept, and every crash it ever found,
//! is a regression test. docs/VERIFICATION.md ("Fuzzing") says how the corpus is made.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use journal_run::{AttemptOutcome, Event, Settlement};
use journal_run_fuzz_checks::{headers, transitions, TARGETS};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
}

/// The files of a target's corpus, sorted.
fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = corpus_root().join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no input", dir.display());
    files
}

/// Runs `check` on every file of the target's corpus; returns how many ran. Fails, naming
/// every file whose check panicked, when any did, and when the corpus is empty.
fn replay(target: &str) -> usize {
    let (_, check) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no fuzz target `{target}` in journal_run_fuzz_checks"));
    let files = corpus(target);
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} `{target}` corpus inputs fail their check: {failed:#?}",
        failed.len(),
        files.len()
    );
    files.len()
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_a_target() {
    let mut dirs: Vec<String> = fs::read_dir(corpus_root())
        .expect("fuzz/corpus exists")
        .map(|entry| entry.expect("a directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut targets: Vec<String> = TARGETS.iter().map(|(name, _)| (*name).to_owned()).collect();
    targets.sort();
    assert_eq!(
        dirs, targets,
        "fuzz/corpus/ against journal_run_fuzz_checks::TARGETS"
    );

    let sources = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("fuzz_targets");
    let mut binaries: Vec<String> = fs::read_dir(&sources)
        .expect("fuzz/fuzz_targets exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    binaries.sort();
    assert_eq!(
        binaries, targets,
        "fuzz/fuzz_targets/ against journal_run_fuzz_checks::TARGETS"
    );
}

#[test]
fn inv_14_numbers_corpus_replays() {
    assert!(replay("numbers") > 0);
}

#[test]
fn inv_15_headers_corpus_replays() {
    assert!(replay("headers") > 0);
}

#[test]
fn wire_json_corpus_replays() {
    assert!(replay("wire_json") > 0);
}

#[test]
fn cli_reader_corpus_replays() {
    assert!(replay("cli_reader") > 0);
}

#[test]
fn transitions_corpus_replays() {
    assert!(replay("transitions") > 0);
}

/// The corpus is only as good as the paths it takes: the transitions corpus must reach every
/// kind of event, every outcome of a job's step (INV-6), and both ways a job settles (INV-5).
#[test]
fn inv_5_inv_6_transitions_corpus_reaches_every_event() {
    let mut seen = std::collections::BTreeSet::new();
    for path in corpus("transitions") {
        let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for event in transitions::events(&data) {
            let detail = match &event {
                Event::EntryAttempted { outcome, .. } => match outcome {
                    AttemptOutcome::Cancelled => "/cancelled",
                    AttemptOutcome::AlreadyCancelled => "/alreadyCancelled",
                    AttemptOutcome::Failed { .. } => "/failed",
                },
                Event::CancellationSettled { settlement } => match settlement {
                    Settlement::Cancelled => "/cancelled",
                    Settlement::Restored(_) => "/restored",
                },
                _ => "",
            };
            let name: &'static str = (&event).into();
            seen.insert(format!("{name}{detail}"));
        }
    }
    let expected = [
        "cancellationRequested",
        "cancellationSettled/cancelled",
        "cancellationSettled/restored",
        "deletionStarted",
        "entryAttempted/alreadyCancelled",
        "entryAttempted/cancelled",
        "entryAttempted/failed",
        "entryCancelled",
        "entryDeleted",
        "processingCompleted",
        "processingFailed",
        "processingStarted",
        "runDeleted",
        "transferredToAccountingChanged",
    ];
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|kind| !seen.contains(*kind))
        .collect();
    assert!(
        missing.is_empty(),
        "the transitions corpus never produces {missing:?}; it produces {seen:?}"
    );
}

/// The wire_json corpus holds documents the core accepts, of every kind, so the round trips
/// past the JSON parser are exercised: a run snapshot that converts to a run, a page and an
/// entry that convert to entries, and both response bodies.
#[test]
fn wire_json_corpus_holds_accepted_documents() {
    use journal_run::wire::{
        CommonResponse, ErrorResponse, GetJournalEntriesInJournalRunType,
        GetJournalEntryDetailType, RunSnapshot,
    };
    use journal_run::{JournalEntry, JournalRun};
    let mut seen = std::collections::BTreeSet::new();
    for path in corpus("wire_json") {
        let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Ok(doc) = serde_json::from_slice::<RunSnapshot>(&data) {
            if JournalRun::try_from(&doc).is_ok_and(|run| !run.entries().is_empty()) {
                seen.insert("snapshot");
            }
        }
        if let Ok(page) = serde_json::from_slice::<GetJournalEntriesInJournalRunType>(&data) {
            if Vec::<JournalEntry>::try_from(&page).is_ok_and(|entries| !entries.is_empty()) {
                seen.insert("page");
            }
        }
        if let Ok(doc) = serde_json::from_slice::<GetJournalEntryDetailType>(&data) {
            if JournalEntry::try_from(&doc).is_ok() {
                seen.insert("entry");
            }
        }
        if serde_json::from_slice::<CommonResponse>(&data).is_ok() {
            seen.insert("CommonResponse");
        }
        if serde_json::from_slice::<ErrorResponse>(&data).is_ok() {
            seen.insert("ErrorResponse");
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [
            "CommonResponse",
            "ErrorResponse",
            "entry",
            "page",
            "snapshot"
        ]
    );
}

/// The headers corpus drives the request handler down every path: accepted requests,
/// rejections of each category, and an echoed `Zuora-Track-Id` (INV-15). (By default the
/// handler answers as Zuora does, 200 for every refusal but authentication, so the paths are
/// told apart by the category.)
#[test]
fn inv_15_headers_corpus_reaches_every_answer() {
    let mut answers = std::collections::BTreeSet::new();
    let mut statuses = std::collections::BTreeSet::new();
    let mut echoed = false;
    for path in corpus("headers") {
        let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Some(outcome) = headers::handle(&data) {
            statuses.insert(outcome.response.status);
            answers.insert(
                outcome
                    .decision
                    .as_ref()
                    .map_or_else(|e| journal_run::wire::category(e).code(), |_| 0),
            );
            echoed |= outcome.response.header("Zuora-Track-Id").is_some();
        }
    }
    assert!(echoed, "no corpus input has its Zuora-Track-Id echoed");
    assert_eq!(
        answers.into_iter().collect::<Vec<_>>(),
        [0, 10, 11, 20, 22, 30, 40],
        "accepted (0) and the categories the headers corpus reaches"
    );
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        [200, 401],
        "HTTP statuses the headers corpus reaches"
    );
}
