//! From what the rules pass read to a [`JournalRun`]: every check here is the library's.
//!
//! - The run's document (`success`, `number`, `status`, `organizationLabels`, and whether a
//!   `cancellationJob` must or must not come with it) is read by the wire layer's
//!   `JournalRun::try_from(&RunSnapshot)`, given the run's document alone.
//! - The pages' own fields (`success`, `nextPage`) by `RunSnapshot::from_pages`, given pages
//!   without their entries (the entries were read one by one in the rules pass).
//! - `totalJournalEntryCount` against the entries by `invariants::check_declared_count`.
//! - The run with its entries by `JournalRun::from_snapshot` (for `cancel`, which refuses a
//!   snapshot that breaks an invariant) or as an `UncheckedRun` (for `audit`, which reports
//!   every invariant it breaks).

use journal_run::invariants::{check_declared_count, Violation};
use journal_run::wire::{GetJournalEntriesInJournalRunType, GetJournalRunType, RunSnapshot};
use journal_run::{
    Caller, CancellationJob, Job, JournalEntry, JournalEntryNumber, JournalEntryStatus, JournalRun,
    OrgAccess, Permission, PermissionSet, RunState, TransferredToAccounting, UncheckedRun,
};

use crate::input::{CallerDoc, Input, Loaded, Named};
use crate::source::{InputError, Source};

/// The 16-byte entry from its document's `number`, `status` and `transferredToAccounting`
/// (`null` or absent is `No`, as the library reads Zuora's entry document); on error, the
/// field at fault and what is wrong.
pub fn entry(
    number: &str,
    status: &str,
    transferred: Option<&str>,
) -> Result<JournalEntry, (&'static str, String)> {
    let number = JournalEntryNumber::parse(number).map_err(|e| ("number", e.to_string()))?;
    let mut entry = JournalEntry::new(number);
    entry.status = status
        .parse::<JournalEntryStatus>()
        .map_err(|e| ("status", e.to_string()))?;
    entry.transferred_to_accounting = transferred
        .map_or(Ok(TransferredToAccounting::No), str::parse)
        .map_err(|e| ("transferredToAccounting", e.to_string()))?;
    Ok(entry)
}

/// The snapshot's caller (its names and ids were read by the library's parsers).
pub fn caller(doc: CallerDoc) -> Caller {
    let set = |names: &[Named<Permission>]| {
        names
            .iter()
            .fold(PermissionSet::EMPTY, |set, name| set.with(name.0))
    };
    let finance = set(&doc.permissions);
    // D-21: a caller that names no Platform permission is an API user with "API Write Access".
    let permissions = match &doc.platform_permissions {
        Some(names) => finance.union(set(names)),
        None => finance.with_platform_defaults(),
    };
    let orgs = match doc.accessible_org_ids {
        None => OrgAccess::All,
        Some(ids) => OrgAccess::Only(ids.into_iter().collect()),
    };
    Caller {
        permissions,
        orgs,
        entities: doc.entity_ids.into_iter().collect(),
    }
}

/// Where the run's document is: its file, the prefix of its fields in messages, and the
/// source to count a fault's line and column in when the reader did not count them (none for
/// a history's snapshot, whose reader counts them).
pub struct RunPlace<'a> {
    /// The file's name.
    pub file: &'a str,
    /// The prefix of the run's fields (`journalRun.` in a snapshot).
    pub prefix: &'static str,
    /// The file, to count lines in.
    pub source: Option<&'a Source>,
}

/// The run's number, organizations and state, as the wire layer reads them from the run's
/// document (and `cancellationJob`); a fault is placed at the member of the document it names.
fn run_header(loaded: &Loaded, place: &RunPlace<'_>) -> Result<JournalRun, InputError> {
    // The document alone: no entries, so neither the declared count nor the job's position
    // (checked below, against the entries) can be at fault here.
    let alone = RunSnapshot {
        run: GetJournalRunType {
            total_journal_entry_count: None,
            ..loaded.run.clone()
        },
        journal_entries: Vec::new(),
        cancellation_job: loaded
            .cancellation_job
            .map(|job| CancellationJob { next: 0, ..job }),
    };
    JournalRun::try_from(&alone).map_err(|e| {
        let at = e.field().and_then(|field| {
            // (`run.organizationLabels[0].organizationId`: the member `organizationLabels`.)
            let key = field.strip_prefix("run.")?.split(['.', '[']).next()?;
            let member = loaded.run_members.iter().find(|m| m.key == key)?;
            member
                .at
                .or_else(|| place.source?.line_column(member.offset))
        });
        InputError {
            file: place.file.to_owned(),
            at,
            message: rename_run_fields(&e.to_string(), place.prefix),
        }
    })
}

/// The wire layer names the run's fields `run.…` (the `RunSnapshot` field); this tool's
/// inputs call it `journalRun` in a snapshot, and nothing in the GET response file.
fn rename_run_fields(message: &str, prefix: &str) -> String {
    let renamed = message.replace(" run.", &format!(" {prefix}"));
    match renamed.strip_prefix("run.") {
        Some(rest) => format!("{prefix}{rest}"),
        None => renamed,
    }
}

/// The state the run is in: its status, with the snapshot's job when it is `CancelInprogress`.
fn state_of(header: &JournalRun, job: Option<CancellationJob>) -> RunState {
    match (header.state(), job) {
        (RunState::CancelInprogress(_), Some(job)) => RunState::CancelInprogress(Job::Known(job)),
        (state, _) => *state,
    }
}

/// Where the run's document is, in `input`.
fn run_place(input: &Input) -> RunPlace<'_> {
    let (source, prefix) = match input {
        Input::Snapshot(source) => (source, "journalRun."),
        Input::Pages { run, .. } => (run, ""),
    };
    RunPlace {
        file: source.name(),
        prefix,
        source: Some(source),
    }
}

/// The page-level checks of a listing read from pages.
fn check_pages(input: &Input, loaded: &Loaded) -> Result<(), InputError> {
    let Input::Pages { pages, .. } = input else {
        return Ok(());
    };
    let bare: Vec<GetJournalEntriesInJournalRunType> = loaded
        .pages
        .iter()
        .map(|page| GetJournalEntriesInJournalRunType {
            journal_entries: Vec::new(),
            next_page: page.next_page.clone(),
            success: page.success,
        })
        .collect();
    RunSnapshot::from_pages(loaded.run.clone(), bare)
        .map(|_| ())
        .map_err(|mut e| {
            // `pages[i].field`: the page's file is named, with the field in it.
            let page = e
                .field()
                .and_then(|field| field.strip_prefix("pages[")?.split_once("]."))
                .and_then(|(i, local)| {
                    Some((pages.get(i.parse::<usize>().ok()?)?, local.to_owned()))
                });
            match (page, e.field_mut()) {
                (Some((source, local)), Some(field)) => {
                    *field = local;
                    InputError::new(source.name(), e.to_string())
                }
                _ => InputError::new(run_place(input).file, e.to_string()),
            }
        })
}

/// The run, for `cancel`: any fault, an invariant broken included, is unusable input.
///
/// # Errors
///
/// The fault, naming the file.
pub fn checked_run(input: &Input, loaded: &Loaded) -> Result<JournalRun, InputError> {
    check_pages(input, loaded)?;
    let place = run_place(input);
    let file = place.file;
    let header = run_header(loaded, &place)?;
    if let Some(declared) = loaded.run.total_journal_entry_count {
        if let Some(violation) = check_declared_count(declared, loaded.entries.len()) {
            return Err(InputError::new(file, violation.to_string()));
        }
    }
    JournalRun::from_snapshot(
        header.number(),
        header.organizations().to_vec(),
        state_of(&header, loaded.cancellation_job),
        loaded.entries.clone(),
    )
    .map_err(|e| {
        let described: Vec<String> = e.violations.iter().map(describe).collect();
        InputError::new(
            file,
            format!(
                "the snapshot breaks the rules' invariants, so no run can be built from it: {} (`journal-run audit` reports every violation)",
                described.join("; ")
            ),
        )
    })
}

/// The run as given, for `audit`, with every invariant it breaks. Faults of the documents
/// themselves (a malformed number, an unknown status) are still unusable input.
///
/// # Errors
///
/// A fault of the documents, naming the file.
pub fn audited_run(
    input: &Input,
    loaded: Loaded,
) -> Result<(UncheckedRun, Vec<Violation>), InputError> {
    check_pages(input, &loaded)?;
    audited(loaded, &run_place(input))
}

/// [`audited_run`] for one snapshot of a history.
///
/// # Errors
///
/// A fault of the documents, naming the file.
pub fn audited(
    loaded: Loaded,
    place: &RunPlace<'_>,
) -> Result<(UncheckedRun, Vec<Violation>), InputError> {
    let header = run_header(&loaded, place)?;
    let count = loaded
        .run
        .total_journal_entry_count
        .and_then(|declared| check_declared_count(declared, loaded.entries.len()));
    let run = UncheckedRun::new(
        header.number(),
        state_of(&header, loaded.cancellation_job),
        loaded.entries,
    )
    .with_organizations(header.organizations().to_vec());
    let mut violations = run.violations();
    violations.extend(count);
    Ok((run, violations))
}

/// A violation in one line: `INV-n: detail (entries)`, at most a few entries named.
pub fn describe(violation: &Violation) -> String {
    let entries = crate::render::entry_list(&violation.entries, 5);
    if entries.is_empty() {
        violation.to_string()
    } else {
        format!("{violation} ({entries})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_fields_are_renamed_for_the_input_they_come_from() {
        assert_eq!(
            rename_run_fields("run.status: unknown", "journalRun."),
            "journalRun.status: unknown"
        );
        assert_eq!(
            rename_run_fields("cancellationJob is given, but run.status is Completed", ""),
            "cancellationJob is given, but status is Completed"
        );
    }
}
