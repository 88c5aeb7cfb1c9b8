//! Zuora's documents for journal runs and summary journal entries, field for field.
//!
//! The fields the rules read (`number`, `status`, `transferredToAccounting`,
//! `totalJournalEntryCount`, `organizationLabels[].organizationId`, `success`, `nextPage`)
//! are kept as written and checked by the conversions to the core types, which name the field
//! of any fault. Every other field is carried through untouched: the crate does not interpret
//! dates, amounts, segments or items, and writes them back as they were read.
//!
//! Custom fields (any field Zuora's schema does not name) are kept on entries and entry items,
//! the two objects Zuora's schema opens to custom fields (`JournalEntryObjectCustomFields`,
//! `JournalEntryItemObjectCustomFields`); on every other object unknown fields are ignored.
//! A `null` in a field Zuora does not mark nullable reads as absent.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize as DeriveDeserialize, Serialize};

use crate::wire::value::{Nullable, Value};

/// Zuora's `GETJournalRunType`: a journal run, as `GET /v1/journal-runs/{jr-number}` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, DeriveDeserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a journal run (GETJournalRunType): an object with `number` and `status`"
)]
pub struct GetJournalRunType {
    /// Whether transactions of different currencies were aggregated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_currency: Option<bool>,
    /// When the run was executed (date-time, passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed_on: Option<String>,
    /// The date of the journal entries (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_entry_date: Option<String>,
    /// The run's number, `JR-00000001`; checked on conversion.
    pub number: String,
    /// The orgs the run belongs to (Multi-Org); their ids are the run's org scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_labels: Option<Vec<OrganizationLabel>>,
    /// The GL segmentation rule's name (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segmentation_rule_name: Option<String>,
    /// The run's status, one of Zuora's seven spellings; checked on conversion.
    pub status: String,
    /// `true` when the GET succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// The target end date (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_end_date: Option<String>,
    /// The target start date (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_start_date: Option<String>,
    /// The number of entries in the run; when given, it must match the entries given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "total_journal_entry_count"
    )]
    pub total_journal_entry_count: Option<u64>,
    /// The transaction types the run included (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_types: Option<Vec<GetJournalRunTransactionType>>,
}

/// Reads `totalJournalEntryCount` (`int64` in the spec) as a whole number of at least 0 or
/// null; anything else is a value of the wrong kind, which the deserializer words and places
/// (`journalRun.totalJournalEntryCount: expected a whole number of at least 0 or null, found
/// true`).
fn total_journal_entry_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    /// Whatever else it is given is refused by the visitor's own methods, inside the
    /// deserializer's call, which can then quote a number as its input writes it.
    struct Count;
    impl de::Visitor<'_> for Count {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str(COUNT)
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(Count)
}

/// What `totalJournalEntryCount` holds, in JSON's words.
const COUNT: &str = "a whole number of at least 0 or null";

/// An item of `GETJournalRunType.organizationLabels`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, DeriveDeserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "an organization label: an object with `organizationId` and `organizationName`"
)]
pub struct OrganizationLabel {
    /// The org's id: an [`OrgId`](crate::OrgId) once converted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The org's name (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
}

/// Zuora's `GETJournalRunTransactionType`: `{ "type": "Invoice Item" }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, DeriveDeserialize)]
#[serde(expecting = "a transaction type: an object with `type`")]
pub struct GetJournalRunTransactionType {
    /// The transaction type, as Zuora spells it (passed through).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<String>,
}

/// Zuora's `GETJournalEntryDetailType`: a summary journal entry, with its custom fields.
///
/// Also `GETJournalEntryDetailTypeWithoutSuccess`, the same object inside a page of entries,
/// where `success` is absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, DeriveDeserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a summary journal entry (GETJournalEntryDetailType): an object with `number` and `status`"
)]
pub struct GetJournalEntryDetailType {
    /// The accounting period's name (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounting_period_name: Option<String>,
    /// Whether the entry aggregates currencies (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_currency: Option<bool>,
    /// The currency (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The home currency (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_currency: Option<String>,
    /// The entry's date (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_entry_date: Option<String>,
    /// The entry's items (passed through, with their custom fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_entry_items: Option<Vec<GetJournalEntryItemType>>,
    /// Notes, at most 2,000 characters (nullable; passed through).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub notes: Nullable<String>,
    /// The entry's number, `JE-00000001`; checked on conversion.
    pub number: String,
    /// The org the entry belongs to (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_label: Option<String>,
    /// The entry's segments (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<GetJournalEntrySegmentType>>,
    /// `Created` or `Cancelled`; checked on conversion.
    pub status: String,
    /// `true` when the GET succeeded; absent inside a page of entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// End of the time period the entry covers (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_period_end: Option<String>,
    /// Start of the time period the entry covers (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_period_start: Option<String>,
    /// The transaction type of the entry's transactions (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<String>,
    /// When Transferred to Accounting became `Yes` (nullable; passed through).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub transfer_date_time: Nullable<String>,
    /// Who set Transferred to Accounting to `Yes` (nullable; passed through).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub transferred_by: Nullable<String>,
    /// `No`, `Processing`, `Yes`, `Error` or `Ignore`; `null` or absent means `No` (D-3).
    /// Checked on conversion.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub transferred_to_accounting: Nullable<String>,
    /// Every other field: the tenant's custom fields, kept as read.
    #[serde(flatten)]
    pub custom_fields: BTreeMap<String, Value>,
}

/// Zuora's `GETJournalEntryItemType`: one debit or credit of an entry, with its custom fields.
/// Passed through untouched.
#[derive(Debug, Clone, PartialEq, Default, Serialize, DeriveDeserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a journal entry item: an object with `amount`, `type` and the GL account"
)]
pub struct GetJournalEntryItemType {
    /// The accounting code's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounting_code_name: Option<String>,
    /// The accounting code's type, as Zuora spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounting_code_type: Option<String>,
    /// The amount (a decimal, as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// The GL account's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gl_account_name: Option<String>,
    /// The GL account's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gl_account_number: Option<String>,
    /// The amount in the home currency (a decimal, as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_currency_amount: Option<String>,
    /// `Credit` or `Debit`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    /// Every other field: the tenant's custom fields, kept as read.
    #[serde(flatten)]
    pub custom_fields: BTreeMap<String, Value>,
}

/// Zuora's `GETJournalEntrySegmentType`: `{ "segmentName": ..., "segmentValue": ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, DeriveDeserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a segment: an object with `segmentName` and `segmentValue`"
)]
pub struct GetJournalEntrySegmentType {
    /// The segment's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_name: Option<String>,
    /// The segment's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_value: Option<String>,
}

/// Zuora's `GETJournalEntriesInJournalRunType`: one page of a run's entries, as
/// `GET /v1/journal-entries/journal-runs/{jr-number}` returns it (at most 300 a page).
#[derive(Debug, Clone, PartialEq, Default, Serialize, DeriveDeserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a page of journal entries: an object with `journalEntries`"
)]
pub struct GetJournalEntriesInJournalRunType {
    /// The entries of this page (without `success`).
    #[serde(default)]
    pub journal_entries: Vec<GetJournalEntryDetailType>,
    /// The URL of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<String>,
    /// `true` when the GET succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
}

impl GetJournalEntriesInJournalRunType {
    /// A successful page holding `entries` (their `success` is dropped, as in Zuora's
    /// `GETJournalEntryDetailTypeWithoutSuccess`), followed by `next_page` when more follow.
    #[must_use]
    pub fn new(entries: Vec<GetJournalEntryDetailType>, next_page: Option<String>) -> Self {
        Self {
            journal_entries: entries
                .into_iter()
                .map(|entry| GetJournalEntryDetailType {
                    success: None,
                    ..entry
                })
                .collect(),
            next_page,
            success: Some(true),
        }
    }
}
