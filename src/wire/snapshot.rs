//! Conversions between Zuora's documents and the core types, and the run snapshot (a run's
//! document and its entries' documents together).
//!
//! Reading checks, in this order, and stops at the first fault, naming its field:
//!
//! 1. `run.success` is not `false`; `run.number` is a run number; `run.status` is one of the
//!    seven spellings; each `run.organizationLabels[i].organizationId` is given and is an org id;
//! 2. each entry, in order: `number`, `status`, `transferredToAccounting` (`null` or absent
//!    is `No`, D-3), `success` is not `false`; no entry number is listed twice;
//! 3. `run.totalJournalEntryCount`, when given, equals the number of entries given;
//! 4. a `CancelInprogress` run comes with `cancellationJob`, and no other run does (D-16);
//! 5. the run and its entries satisfy the state invariants
//!    ([`check_state`](crate::invariants::check_state), through
//!    [`JournalRun::from_snapshot`]): for example a `Cancelled` run whose entries are not all
//!    cancelled, or a `Pending` run with entries, is rejected.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::cancellation::{CancellationJob, Job};
use crate::entry::JournalEntry;
use crate::headers::{HeaderError, OrgId};
use crate::invariants::SnapshotError;
use crate::lifecycle::RunState;
use crate::number::{JournalEntryNumber, JournalRunNumber, NumberError};
use crate::run::JournalRun;
use crate::status::{
    JournalEntryStatus, JournalRunStatus, TransferredToAccounting, UnknownVariant,
};
use crate::wire::documents::{
    GetJournalEntriesInJournalRunType, GetJournalEntryDetailType, GetJournalRunType,
    OrganizationLabel,
};
use crate::wire::value::Nullable;

/// A document that cannot be converted: it is invalid, or inconsistent with itself. Each
/// variant names the field at fault (a path such as `journalEntries[3].status`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// A malformed journal run or entry number.
    #[error("{field}: {source}")]
    Number {
        /// The field.
        field: String,
        /// What is wrong with it.
        source: NumberError,
    },
    /// A status or Transferred to Accounting value that is not one of Zuora's spellings.
    #[error("{field}: {source}")]
    Status {
        /// The field.
        field: String,
        /// What is wrong with it.
        source: UnknownVariant,
    },
    /// An organization id that is not an org id (docs/DECISIONS.md, D-7).
    #[error("{field}: {}", .source.value_fault())]
    OrgId {
        /// The field.
        field: String,
        /// What is wrong with it.
        source: HeaderError,
    },
    /// A field the conversion needs is absent, or null (which its document reads as absent).
    #[error("{field} is missing or null; it is needed here")]
    Missing {
        /// The field.
        field: String,
    },
    /// The same entry number is listed twice.
    #[error("{field}: journal entry {entry} is listed twice (first at {first})")]
    DuplicateEntry {
        /// The second listing's `number` field.
        field: String,
        /// The entry.
        entry: JournalEntryNumber,
        /// Where it was first listed.
        first: String,
    },
    /// `totalJournalEntryCount` disagrees with the entries given.
    #[error("{field} is {declared}, but {} given", crate::quote::plural(*.given, "journal entry is", "journal entries are"))]
    CountMismatch {
        /// The field.
        field: String,
        /// The count the document declares.
        declared: u64,
        /// The number of entries given.
        given: usize,
    },
    /// A `success: false` document: an error answer, not a run, entry or page.
    #[error("{field} is false: the document reports a failed request")]
    NotSuccessful {
        /// The field.
        field: String,
    },
    /// The last page given has a `nextPage`: the listing is incomplete.
    #[error("{field}: the listing continues at `{}`; a snapshot needs every page", crate::quote::clip(.next_page))]
    IncompleteListing {
        /// The field.
        field: String,
        /// The next page's URL.
        next_page: String,
    },
    /// A page other than the last has no `nextPage`: Zuora said no page follows.
    #[error(
        "{field} is absent or null, so no page follows, but {following} more {} given",
        if *.following == 1 { "is" } else { "are" }
    )]
    UnexpectedPage {
        /// The field.
        field: String,
        /// How many pages follow it.
        following: usize,
    },
    /// `cancellationJob` given for a run that is not `CancelInprogress`.
    #[error("{field} is {status}, but cancellationJob is given: only a CancelInprogress run has a cancellation job")]
    UnexpectedJob {
        /// The field.
        field: String,
        /// The run's status.
        status: JournalRunStatus,
    },
    /// The run's status contradicts its entries (or the job's position its entries).
    #[error("{field}: the journal run contradicts its entries: {source}")]
    Inconsistent {
        /// The field.
        field: String,
        /// The invariants broken.
        source: SnapshotError,
    },
    /// A deleted run has no document.
    #[error("journal run {run} is deleted: Zuora has no document for a deleted run")]
    RunDeleted {
        /// The run.
        run: JournalRunNumber,
    },
    /// Writing back a run into another run's documents.
    #[error("run.number is `{}`, but the journal run written back is {run}", crate::quote::clip(.document))]
    RunMismatch {
        /// The document's `number`.
        document: String,
        /// The run's number.
        run: JournalRunNumber,
    },
}

/// The field of a [`DocumentError`] (`None` for a fault of the run as a whole), borrowed as
/// `$error` is: one match for [`DocumentError::field`] and [`DocumentError::field_mut`].
macro_rules! field_of {
    ($error:expr) => {
        match $error {
            DocumentError::Number { field, .. }
            | DocumentError::Status { field, .. }
            | DocumentError::OrgId { field, .. }
            | DocumentError::Missing { field }
            | DocumentError::DuplicateEntry { field, .. }
            | DocumentError::CountMismatch { field, .. }
            | DocumentError::NotSuccessful { field }
            | DocumentError::IncompleteListing { field, .. }
            | DocumentError::UnexpectedPage { field, .. }
            | DocumentError::UnexpectedJob { field, .. }
            | DocumentError::Inconsistent { field, .. } => Some(field),
            DocumentError::RunDeleted { .. } | DocumentError::RunMismatch { .. } => None,
        }
    };
}

impl DocumentError {
    /// The path of the field at fault (`run.number`, `journalEntries[3].status`); `None` for
    /// a fault of the run as a whole (deleted, or written back into another run's documents).
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        field_of!(self)
    }

    /// The path of the field at fault, to change: to say where the field is in the reader's
    /// own terms (a page's file rather than `pages[2]`); `None` as for [`field`](Self::field).
    pub fn field_mut(&mut self) -> Option<&mut String> {
        field_of!(self)
    }
}

/// `prefix.name`, or `name` at the top level.
fn path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Transferred to Accounting as read: `null` or absent is `No` (D-3).
fn read_transferred(value: &Nullable<String>) -> Result<TransferredToAccounting, UnknownVariant> {
    value
        .value()
        .map_or(Ok(TransferredToAccounting::No), |s| s.parse())
}

/// Zuora's documents carry `transferDateTime` and `transferredBy` only while an entry's
/// Transferred to Accounting is `Yes`. Written back, an entry keeps them only if it was `Yes`
/// when read (`was`) and still is (`now`): one that becomes `Yes` here gets neither, since the
/// crate reads no clock and knows no user. The one place this rule lives.
fn keep_transfer_fields_only_while_yes(
    doc: &mut GetJournalEntryDetailType,
    was: Option<TransferredToAccounting>,
    now: TransferredToAccounting,
) {
    let keep = now == TransferredToAccounting::Yes && was == Some(TransferredToAccounting::Yes);
    if !keep {
        doc.transfer_date_time = Nullable::Absent;
        doc.transferred_by = Nullable::Absent;
    }
}

/// One entry document, at `at` (empty at the top level).
fn entry_from(doc: &GetJournalEntryDetailType, at: &str) -> Result<JournalEntry, DocumentError> {
    let number =
        JournalEntryNumber::parse(&doc.number).map_err(|source| DocumentError::Number {
            field: path(at, "number"),
            source,
        })?;
    let status: JournalEntryStatus =
        doc.status.parse().map_err(|source| DocumentError::Status {
            field: path(at, "status"),
            source,
        })?;
    let transferred_to_accounting =
        read_transferred(&doc.transferred_to_accounting).map_err(|source| {
            DocumentError::Status {
                field: path(at, "transferredToAccounting"),
                source,
            }
        })?;
    if doc.success == Some(false) {
        return Err(DocumentError::NotSuccessful {
            field: path(at, "success"),
        });
    }
    Ok(JournalEntry {
        number,
        status,
        transferred_to_accounting,
    })
}

/// The entries of `list` (a field name such as `journalEntries`), checked for repeats.
fn entries_from<'a>(
    docs: impl IntoIterator<Item = &'a GetJournalEntryDetailType>,
    list: &str,
) -> Result<Vec<JournalEntry>, DocumentError> {
    let mut first_at: BTreeMap<JournalEntryNumber, usize> = BTreeMap::new();
    let mut entries = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        let at = format!("{list}[{i}]");
        let entry = entry_from(doc, &at)?;
        if let Some(first) = first_at.get(&entry.number) {
            return Err(DocumentError::DuplicateEntry {
                field: path(&at, "number"),
                entry: entry.number,
                first: format!("{list}[{first}]"),
            });
        }
        first_at.insert(entry.number, i);
        entries.push(entry);
    }
    Ok(entries)
}

fn org_ids(labels: Option<&[OrganizationLabel]>) -> Result<Vec<OrgId>, DocumentError> {
    labels
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let field = format!("run.organizationLabels[{i}].organizationId");
            let Some(id) = &label.organization_id else {
                return Err(DocumentError::Missing { field });
            };
            OrgId::parse(id).map_err(|source| DocumentError::OrgId { field, source })
        })
        .collect()
}

impl TryFrom<&GetJournalEntryDetailType> for JournalEntry {
    type Error = DocumentError;

    /// The entry's number, status and Transferred to Accounting (`null` or absent is `No`).
    fn try_from(doc: &GetJournalEntryDetailType) -> Result<Self, DocumentError> {
        entry_from(doc, "")
    }
}

impl From<&JournalEntry> for GetJournalEntryDetailType {
    /// The document of an entry as a GET of it answers: `number`, `status`,
    /// `transferredToAccounting` (always a value, `No` included: D-3) and `success: true`.
    /// The crate does not hold the other fields; use [`RunSnapshot::updated`] to keep them.
    fn from(entry: &JournalEntry) -> Self {
        Self {
            number: entry.number.to_string(),
            status: entry.status.as_str().to_owned(),
            transferred_to_accounting: Nullable::Value(
                entry.transferred_to_accounting.as_str().to_owned(),
            ),
            success: Some(true),
            ..Self::default()
        }
    }
}

impl TryFrom<&GetJournalEntriesInJournalRunType> for Vec<JournalEntry> {
    type Error = DocumentError;

    /// The entries of one page, in page order. A page may be partial (`nextPage` set): this
    /// reads the page alone; [`RunSnapshot::from_pages`] joins a complete listing.
    fn try_from(page: &GetJournalEntriesInJournalRunType) -> Result<Self, DocumentError> {
        if page.success == Some(false) {
            return Err(DocumentError::NotSuccessful {
                field: "success".to_owned(),
            });
        }
        entries_from(&page.journal_entries, "journalEntries")
    }
}

impl TryFrom<&JournalRun> for GetJournalRunType {
    type Error = DocumentError;

    /// The document of a run as a GET of it answers: `number`, `status`,
    /// `organizationLabels` (ids only; absent when the run has none),
    /// `totalJournalEntryCount` and `success: true`.
    fn try_from(run: &JournalRun) -> Result<Self, DocumentError> {
        let status = run
            .status()
            .ok_or(DocumentError::RunDeleted { run: run.number() })?;
        let labels: Vec<OrganizationLabel> = run
            .organizations()
            .iter()
            .map(|org| OrganizationLabel {
                organization_id: Some(org.as_str().to_owned()),
                organization_name: None,
            })
            .collect();
        Ok(Self {
            number: run.number().to_string(),
            status: status.as_str().to_owned(),
            organization_labels: (!labels.is_empty()).then_some(labels),
            total_journal_entry_count: Some(count(run.entries().len())),
            success: Some(true),
            ..Self::default()
        })
    }
}

fn count(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

/// A journal run's document with the documents of all its entries: what the rules need to
/// rebuild a [`JournalRun`], and what [`RunSnapshot::updated`] writes back.
///
/// Serialized as `{"run": {...}, "journalEntries": [...], "cancellationJob": {...}}`.
/// `run` is Zuora's `GETJournalRunType` and each item of `journalEntries` its
/// `GETJournalEntryDetailType`. `cancellationJob` is not Zuora's: it is this crate's
/// extension giving the state of a running cancellation job: optional for a `CancelInprogress`
/// run (without it, as in Zuora's own export, the job is [`Job::Unknown`]) and forbidden
/// otherwise (docs/DECISIONS.md, D-16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a journal run snapshot")]
pub struct RunSnapshot {
    /// The run's document.
    pub run: GetJournalRunType,
    /// Every entry's document, in any order.
    #[serde(default)]
    pub journal_entries: Vec<GetJournalEntryDetailType>,
    /// The running job's state (this crate's extension; `CancelInprogress` runs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_job: Option<CancellationJob>,
}

impl RunSnapshot {
    /// A snapshot from a run's document and the pages of its entries, in order.
    ///
    /// Every page but the last must have a `nextPage`, and the last must not: a snapshot is
    /// the whole run, since whether the run ends `Cancelled` depends on every entry. Read one
    /// (possibly partial) page alone with `Vec::<JournalEntry>::try_from(&page)`.
    ///
    /// # Errors
    ///
    /// [`DocumentError::NotSuccessful`] for a page with `success: false`,
    /// [`DocumentError::IncompleteListing`] when the last page has a `nextPage`,
    /// [`DocumentError::UnexpectedPage`] when an earlier page has none. Fields are named
    /// `pages[i]....`.
    pub fn from_pages(
        run: GetJournalRunType,
        pages: Vec<GetJournalEntriesInJournalRunType>,
    ) -> Result<Self, DocumentError> {
        let total = pages.len();
        for (i, page) in pages.iter().enumerate() {
            if page.success == Some(false) {
                return Err(DocumentError::NotSuccessful {
                    field: format!("pages[{i}].success"),
                });
            }
            let following = total - i - 1;
            match (&page.next_page, following) {
                (Some(next_page), 0) => {
                    return Err(DocumentError::IncompleteListing {
                        field: format!("pages[{i}].nextPage"),
                        next_page: next_page.clone(),
                    })
                }
                (None, 1..) => {
                    return Err(DocumentError::UnexpectedPage {
                        field: format!("pages[{i}].nextPage"),
                        following,
                    })
                }
                (Some(_), 1..) | (None, 0) => {}
            }
        }
        Ok(Self {
            run,
            journal_entries: pages
                .into_iter()
                .flat_map(|page| page.journal_entries)
                .collect(),
            cancellation_job: None,
        })
    }

    /// These documents, written back after the rules ran on `run` (which was read from them):
    /// the run's `status`, each entry's `status` and `transferredToAccounting`, and
    /// `cancellationJob` take `run`'s values; every other field is kept as it was. An entry
    /// `run` no longer holds (deleted) is dropped, and `totalJournalEntryCount`, when present,
    /// is updated to match; an entry `run` holds that the documents lack gets a minimal
    /// document, at the end. A `transferredToAccounting` whose value did not change keeps its
    /// form (`null`, absent or `"No"`).
    ///
    /// `transferDateTime` and `transferredBy` are present only while `transferredToAccounting`
    /// is `Yes`, as in Zuora's documents: an entry written with another value has neither; an
    /// entry that was already `Yes` keeps them as they were; an entry that becomes `Yes` here
    /// has neither, since the crate has no clock and does not know who transferred it.
    ///
    /// # Errors
    ///
    /// [`DocumentError::RunDeleted`] for a deleted run, [`DocumentError::RunMismatch`] when
    /// `run` is another run, [`DocumentError::Number`] for an entry whose number is malformed.
    pub fn updated(&self, run: &JournalRun) -> Result<Self, DocumentError> {
        let status = run
            .status()
            .ok_or(DocumentError::RunDeleted { run: run.number() })?;
        if JournalRunNumber::parse(&self.run.number).ok() != Some(run.number()) {
            return Err(DocumentError::RunMismatch {
                document: self.run.number.clone(),
                run: run.number(),
            });
        }
        let mut listed = BTreeSet::new();
        let mut journal_entries = Vec::with_capacity(run.entries().len());
        for (i, doc) in self.journal_entries.iter().enumerate() {
            let number =
                JournalEntryNumber::parse(&doc.number).map_err(|source| DocumentError::Number {
                    field: format!("journalEntries[{i}].number"),
                    source,
                })?;
            listed.insert(number);
            let Some(entry) = run.entry(number) else {
                continue;
            };
            let mut doc = doc.clone();
            doc.write_back(entry);
            journal_entries.push(doc);
        }
        journal_entries.extend(
            run.entries()
                .iter()
                .filter(|entry| !listed.contains(&entry.number))
                .map(|entry| GetJournalEntryDetailType {
                    success: None,
                    ..entry.into()
                }),
        );
        let mut out_run = self.run.clone();
        out_run.status = status.as_str().to_owned();
        if let Some(total) = &mut out_run.total_journal_entry_count {
            *total = count(journal_entries.len());
        }
        Ok(Self {
            run: out_run,
            journal_entries,
            cancellation_job: run.job().copied(),
        })
    }
}

impl GetJournalEntryDetailType {
    /// Writes `entry`'s state back into its document: `status` and `transferredToAccounting`
    /// take the entry's values, every other field is kept. A `transferredToAccounting` whose
    /// value did not change keeps its form (`null`, absent or `"No"`); `transferDateTime` and
    /// `transferredBy` are kept only while the value stays `Yes` (the rule of
    /// [`RunSnapshot::updated`], which calls this for each entry).
    pub fn write_back(&mut self, entry: &JournalEntry) {
        self.status = entry.status.as_str().to_owned();
        let was = read_transferred(&self.transferred_to_accounting).ok();
        if was != Some(entry.transferred_to_accounting) {
            self.transferred_to_accounting =
                Nullable::Value(entry.transferred_to_accounting.as_str().to_owned());
        }
        keep_transfer_fields_only_while_yes(self, was, entry.transferred_to_accounting);
    }
}

impl TryFrom<&RunSnapshot> for JournalRun {
    type Error = DocumentError;

    /// Rebuilds the run, checking the documents in the order given in the module docs.
    fn try_from(snapshot: &RunSnapshot) -> Result<Self, DocumentError> {
        let run = &snapshot.run;
        if run.success == Some(false) {
            return Err(DocumentError::NotSuccessful {
                field: "run.success".to_owned(),
            });
        }
        let number =
            JournalRunNumber::parse(&run.number).map_err(|source| DocumentError::Number {
                field: "run.number".to_owned(),
                source,
            })?;
        let status: JournalRunStatus =
            run.status.parse().map_err(|source| DocumentError::Status {
                field: "run.status".to_owned(),
                source,
            })?;
        let organizations = org_ids(run.organization_labels.as_deref())?;
        let entries = entries_from(&snapshot.journal_entries, "journalEntries")?;
        if let Some(declared) = run.total_journal_entry_count {
            // The rule (INV-10) is the auditor's; this names the field.
            if crate::invariants::check_declared_count(declared, entries.len()).is_some() {
                return Err(DocumentError::CountMismatch {
                    field: "run.totalJournalEntryCount".to_owned(),
                    declared,
                    given: entries.len(),
                });
            }
        }
        // The field a contradiction names: the job's position when our extension gives it.
        let (state, field) = match (RunState::from_status(status), snapshot.cancellation_job) {
            (state, None) => (state, "run.status"),
            (RunState::CancelInprogress(_), Some(job)) => (
                RunState::CancelInprogress(Job::Known(job)),
                "cancellationJob.next",
            ),
            (
                RunState::Pending
                | RunState::Processing
                | RunState::Completed
                | RunState::Error
                | RunState::Cancelled
                | RunState::DeleteInprogress
                | RunState::Deleted,
                Some(_),
            ) => {
                return Err(DocumentError::UnexpectedJob {
                    field: "run.status".to_owned(),
                    status,
                })
            }
        };
        JournalRun::from_snapshot(number, organizations, state, entries).map_err(|source| {
            DocumentError::Inconsistent {
                field: field.to_owned(),
                source,
            }
        })
    }
}

impl TryFrom<&JournalRun> for RunSnapshot {
    type Error = DocumentError;

    /// The documents of a run and its entries (as a page lists them, without `success`),
    /// with the job's state when one runs.
    fn try_from(run: &JournalRun) -> Result<Self, DocumentError> {
        Ok(Self {
            run: run.try_into()?,
            journal_entries: run
                .entries()
                .iter()
                .map(|entry| GetJournalEntryDetailType {
                    success: None,
                    ..entry.into()
                })
                .collect(),
            cancellation_job: run.job().copied(),
        })
    }
}
