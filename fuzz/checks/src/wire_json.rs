//! The `wire_json` target: arbitrary bytes read as each of Zuora's JSON documents.

use journal_run::invariants::check_state;
use journal_run::wire::{
    CommonResponse, ErrorResponse, GetJournalEntriesInJournalRunType, GetJournalEntryDetailType,
    GetJournalRunType, RunSnapshot,
};
use journal_run::{JournalEntry, JournalRun, TransferredToAccounting};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Serializes `doc` and reads it back: the document read back must equal it ("serializes back
/// to an equivalent document"), and serializing again gives the same text.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + core::fmt::Debug>(doc: &T, what: &str) {
    let json = serde_json::to_string(doc)
        .unwrap_or_else(|e| panic!("an accepted {what} does not serialize: {e}\n{doc:?}"));
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("a serialized {what} does not read back: {e}\n{json}"));
    assert_eq!(
        &back, doc,
        "a {what} reads back as another document: {json}"
    );
    let again = serde_json::to_string(&back).expect("it serialized once");
    assert_eq!(
        again, json,
        "a {what} serializes differently the second time"
    );
}

/// An entry read from `doc`, written as a document and read again, is the same entry; a
/// `null` or absent Transferred to Accounting reads as `No` (D-3).
fn entry_round_trip(doc: &GetJournalEntryDetailType, entry: &JournalEntry) {
    assert_eq!(
        entry.number.to_string(),
        doc.number,
        "INV-14: the entry's number"
    );
    assert_eq!(entry.status.as_str(), doc.status, "the entry's status");
    match doc.transferred_to_accounting.value() {
        Some(text) => assert_eq!(entry.transferred_to_accounting.as_str(), text),
        None => assert_eq!(
            entry.transferred_to_accounting,
            TransferredToAccounting::No,
            "D-3: null or absent Transferred to Accounting is No"
        ),
    }
    let written = GetJournalEntryDetailType::from(entry);
    assert_eq!(
        JournalEntry::try_from(&written).as_ref(),
        Ok(entry),
        "an entry's own document does not read back: {written:?}"
    );
    round_trip(&written, "written entry document");
}

/// Reads `data` with `serde_json` as a journal run (`GETJournalRunType`), an entry
/// (`GETJournalEntryDetailType`), a page of entries (`GETJournalEntriesInJournalRunType`), a
/// run snapshot (`{"run": ..., "journalEntries": [...], "cancellationJob": ...}`), a
/// `CommonResponse` and an `ErrorResponse`, and checks what is accepted:
///
/// - nothing panics, and every accepted document serializes back to an equal document (and
///   to the same text the second time);
/// - an entry or page the core accepts (`TryFrom`) gives entries whose own documents read
///   back to them (INV-14, D-3);
/// - a snapshot the core accepts gives a run that breaks no state invariant (INV-1, INV-9,
///   INV-10), whose own snapshot reads back to the same run (INV-12), and whose update of the
///   documents it was read from (`RunSnapshot::updated`) gives those documents unchanged;
/// - a run document alone (a snapshot with no entries) behaves the same way.
///
/// # Panics
///
/// When one of these does not hold.
pub fn check(data: &[u8]) {
    if let Ok(doc) = serde_json::from_slice::<GetJournalRunType>(data) {
        round_trip(&doc, "journal run document");
        snapshot(&RunSnapshot {
            run: doc,
            journal_entries: Vec::new(),
            cancellation_job: None,
        });
    }
    if let Ok(doc) = serde_json::from_slice::<GetJournalEntryDetailType>(data) {
        round_trip(&doc, "journal entry document");
        if let Ok(entry) = JournalEntry::try_from(&doc) {
            entry_round_trip(&doc, &entry);
        }
    }
    if let Ok(page) = serde_json::from_slice::<GetJournalEntriesInJournalRunType>(data) {
        round_trip(&page, "page of journal entries");
        if let Ok(entries) = Vec::<JournalEntry>::try_from(&page) {
            assert_eq!(entries.len(), page.journal_entries.len());
            for (doc, entry) in page.journal_entries.iter().zip(&entries) {
                entry_round_trip(doc, entry);
            }
        }
    }
    if let Ok(doc) = serde_json::from_slice::<RunSnapshot>(data) {
        round_trip(&doc, "run snapshot");
        snapshot(&doc);
    }
    if let Ok(doc) = serde_json::from_slice::<CommonResponse>(data) {
        round_trip(&doc, "CommonResponse");
    }
    if let Ok(doc) = serde_json::from_slice::<ErrorResponse>(data) {
        round_trip(&doc, "ErrorResponse");
    }
}

/// The checks of an accepted snapshot document.
fn snapshot(doc: &RunSnapshot) {
    let Ok(run) = JournalRun::try_from(doc) else {
        return;
    };
    let violations = check_state(&run);
    assert!(
        violations.is_empty(),
        "a snapshot was accepted that breaks {violations:?}: {doc:?}"
    );
    assert_eq!(run.entries().len(), doc.journal_entries.len());

    let own = RunSnapshot::try_from(&run)
        .unwrap_or_else(|e| panic!("an accepted run has no snapshot: {e}: {run:?}"));
    round_trip(&own, "written run snapshot");
    assert_eq!(
        JournalRun::try_from(&own).as_ref(),
        Ok(&run),
        "INV-12: a run's own snapshot reads back as another run: {own:?}"
    );

    let updated = doc
        .updated(&run)
        .unwrap_or_else(|e| panic!("the documents a run was read from cannot be updated: {e}"));
    assert_eq!(
        &updated, doc,
        "updating documents with the run read from them changed them"
    );
}
