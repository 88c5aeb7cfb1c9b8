//! The body of `PUT /v1/journal-entries/{je-number}/basic-information` (Update a summary
//! journal entry, operationId `PUT_BasicSummaryJournalEntry`): Zuora's
//! `PUTBasicSummaryJournalEntryType`, validated into an [`UpdateBasicInformationRequest`].
//!
//! Rules, in order (docs/WIRE.md, "The update request"): the body is a JSON object (20); every
//! field is `transferredToAccounting`, `notes`, `journalEntryItems` or a custom field (a name
//! ending in `__c`), else 21; `transferredToAccounting` is one of Zuora's five spellings (20);
//! `notes` is a string of at most 2,000 characters (20); custom fields are kept as given.
//! `journalEntryItems` is read but not carried out: an embedding system that does not change
//! items answers [`RequestError::NotEmulated`](crate::wire::RequestError::NotEmulated).

use std::collections::BTreeMap;

use crate::status::TransferredToAccounting;
use crate::wire::create::BodyError;
use crate::wire::value::{Nullable, Value};

const TRANSFERRED_TO_ACCOUNTING: &str = "transferredToAccounting";
const NOTES: &str = "notes";
const JOURNAL_ENTRY_ITEMS: &str = "journalEntryItems";
/// The suffix of a custom field's name.
const CUSTOM_FIELD_SUFFIX: &str = "__c";

/// The longest `notes` Zuora accepts, in characters (the spec: "Character limit: 2,000").
pub const NOTES_MAX_CHARS: usize = 2000;

/// A validated basic-information update: what the body asks to change.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateBasicInformationRequest {
    transferred_to_accounting: Option<TransferredToAccounting>,
    notes: Nullable<String>,
    journal_entry_items: bool,
    custom_fields: BTreeMap<String, Value>,
}

impl UpdateBasicInformationRequest {
    /// Validates a body read as a JSON value.
    ///
    /// # Errors
    ///
    /// The first [`BodyError`] in the order of the module's rules.
    pub fn from_value(body: &Value) -> Result<Self, BodyError> {
        let Value::Object(fields) = body else {
            return Err(BodyError::NotAnObject {
                field: "request body".to_owned(),
                found: body.describe(),
            });
        };
        if let Some(name) = fields.keys().find(|name| {
            ![TRANSFERRED_TO_ACCOUNTING, NOTES, JOURNAL_ENTRY_ITEMS].contains(&name.as_str())
                && !name.ends_with(CUSTOM_FIELD_SUFFIX)
        }) {
            return Err(BodyError::UnknownField {
                field: name.clone(),
                object: "the basic information of a summary journal entry (`transferredToAccounting`, `notes`, `journalEntryItems` and custom fields `*__c`)",
            });
        }
        let transferred_to_accounting = match fields.get(TRANSFERRED_TO_ACCOUNTING) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => {
                Some(text.parse().map_err(|e: crate::status::UnknownVariant| {
                    BodyError::InvalidValue {
                        field: TRANSFERRED_TO_ACCOUNTING.to_owned(),
                        reason: e.to_string(),
                    }
                })?)
            }
            Some(other) => {
                return Err(BodyError::InvalidValue {
                    field: TRANSFERRED_TO_ACCOUNTING.to_owned(),
                    reason: format!(
                        "expected one of No, Processing, Yes, Error, Ignore, found {}",
                        other.describe()
                    ),
                })
            }
        };
        let notes = match fields.get(NOTES) {
            None => Nullable::Absent,
            Some(Value::Null) => Nullable::Null,
            Some(Value::String(text)) => {
                let chars = text.chars().count();
                if chars > NOTES_MAX_CHARS {
                    return Err(BodyError::InvalidValue {
                        field: NOTES.to_owned(),
                        reason: format!(
                            "at most {NOTES_MAX_CHARS} characters are allowed, found {chars}"
                        ),
                    });
                }
                Nullable::Value(text.clone())
            }
            Some(other) => {
                return Err(BodyError::InvalidValue {
                    field: NOTES.to_owned(),
                    reason: format!("expected a string, found {}", other.describe()),
                })
            }
        };
        let journal_entry_items = fields
            .get(JOURNAL_ENTRY_ITEMS)
            .is_some_and(|items| !matches!(items, Value::Null));
        let custom_fields = fields
            .iter()
            .filter(|(name, _)| name.ends_with(CUSTOM_FIELD_SUFFIX))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Ok(Self {
            transferred_to_accounting,
            notes,
            journal_entry_items,
            custom_fields,
        })
    }

    /// `transferredToAccounting`, when given (not `null`): a change the rules decide.
    #[must_use]
    pub const fn transferred_to_accounting(&self) -> Option<TransferredToAccounting> {
        self.transferred_to_accounting
    }

    /// `notes`: absent (unchanged), `null` (cleared) or the new notes.
    #[must_use]
    pub const fn notes(&self) -> &Nullable<String> {
        &self.notes
    }

    /// Whether the body gives `journalEntryItems` (not `null`).
    #[must_use]
    pub const fn changes_items(&self) -> bool {
        self.journal_entry_items
    }

    /// The custom fields given (names ending in `__c`), as given.
    #[must_use]
    pub const fn custom_fields(&self) -> &BTreeMap<String, Value> {
        &self.custom_fields
    }
}
