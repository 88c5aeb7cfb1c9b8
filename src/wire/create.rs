//! The body of `POST /v1/journal-runs` (Create journal run, operationId `POST_JournalRun`):
//! Zuora's `POSTJournalRunType` as read, and its validation into a
//! [`CreateJournalRunRequest`].
//!
//! The embedding system reads the body with its JSON library into a [`PostJournalRunType`]
//! (or a [`Value`]); a body that is not JSON is [`BodyError::MalformedJson`] (category 90).
//! Every field of `PostJournalRunType` is kept as the JSON value it was, so that reading a
//! syntactically valid object never fails: the validation then names the field of each fault,
//! with the category Zuora's error-code guide gives it (21 unknown field, 22 missing required
//! field, 20 invalid value). docs/WIRE.md, "The create request", lists the rules and their
//! order.
//!
//! Whether a run may be created (the "Create Journal Run" permission, one run at a time in a
//! tenant) is the state machine's part, not the body's.

use std::collections::{BTreeMap, BTreeSet};

use core::fmt;
use core::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::headers::OrgId;
use crate::status::TransactionType;
use crate::wire::value::Value;

/// The body's top-level fields, as Zuora's spec names them.
const FIELDS: [&str; 6] = [
    ACCOUNTING_PERIOD_NAME,
    JOURNAL_ENTRY_DATE,
    ORGANIZATION_LABELS,
    TARGET_END_DATE,
    TARGET_START_DATE,
    TRANSACTION_TYPES,
];
const ACCOUNTING_PERIOD_NAME: &str = "accountingPeriodName";
const JOURNAL_ENTRY_DATE: &str = "journalEntryDate";
const ORGANIZATION_LABELS: &str = "organizationLabels";
const TARGET_END_DATE: &str = "targetEndDate";
const TARGET_START_DATE: &str = "targetStartDate";
const TRANSACTION_TYPES: &str = "transactionTypes";
const TYPE: &str = "type";
const ORGANIZATION_ID: &str = "organizationId";
const ORGANIZATION_NAME: &str = "organizationName";

/// A fault of a request body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is not JSON (a syntax error): category 90. The embedding system makes it from
    /// its JSON library's syntax error.
    #[error("the request body is not valid JSON: {detail}")]
    MalformedJson {
        /// The JSON library's description of the syntax error.
        detail: String,
    },
    /// A value that must be a JSON object is something else: category 20.
    #[error("{field}: expected a JSON object, found {found}")]
    NotAnObject {
        /// The field (`request body` for the body itself).
        field: String,
        /// What was found, such as `an array`.
        found: String,
    },
    /// A field Zuora's schema does not have: category 21.
    #[error("{field} is not a field of {object}")]
    UnknownField {
        /// The field, with its path (`transactionTypes[0].name`).
        field: String,
        /// The object it was found in, in words.
        object: &'static str,
    },
    /// A required field is absent (or `null`): category 22.
    #[error("{field} is required{condition}")]
    MissingField {
        /// The field, with its path.
        field: String,
        /// When it is required, in words (empty when always).
        condition: &'static str,
    },
    /// A field whose value is invalid: category 20.
    #[error("{field}: {reason}")]
    InvalidValue {
        /// The field, with its path.
        field: String,
        /// What is wrong, quoting the value.
        reason: String,
    },
}

impl BodyError {
    fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        }
    }

    fn missing(field: impl Into<String>, condition: &'static str) -> Self {
        Self::MissingField {
            field: field.into(),
            condition,
        }
    }
}

/// A date written `yyyy-mm-dd` (the spec's `format: date`, RFC 3339's `full-date`): four-digit
/// year, month `01` to `12`, and a day that exists in that month (29 February only in a leap
/// year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate {
    year: u16,
    month: u8,
    day: u8,
}

/// A text that is not a `yyyy-mm-dd` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not ten characters of the form `yyyy-mm-dd`.
    #[error("expected a date written yyyy-mm-dd, found `{}`", crate::quote::clip(.value))]
    Format {
        /// The text given.
        value: String,
    },
    /// The form is right but no such day exists.
    #[error("`{}` is not a day of the calendar", crate::quote::clip(.value))]
    NoSuchDay {
        /// The text given.
        value: String,
    },
}

/// The number written by `text`'s ASCII digits, if it has only digits.
fn digits(text: Option<&str>) -> Option<u16> {
    let text = text?;
    if text.is_empty() {
        return None;
    }
    text.bytes().try_fold(0_u16, |acc, b| {
        b.is_ascii_digit()
            .then(|| acc.saturating_mul(10).saturating_add(u16::from(b - b'0')))
    })
}

const fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl IsoDate {
    /// Reads `yyyy-mm-dd`.
    ///
    /// # Errors
    ///
    /// [`DateError::Format`] when the text is not of that form, [`DateError::NoSuchDay`]
    /// when the day does not exist (`2026-02-30`, month `13`).
    pub fn parse(value: &str) -> Result<Self, DateError> {
        let format = || DateError::Format {
            value: value.to_owned(),
        };
        let bytes = value.as_bytes();
        if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return Err(format());
        }
        let year = digits(value.get(0..4)).ok_or_else(format)?;
        let month = digits(value.get(5..7)).ok_or_else(format)?;
        let day = digits(value.get(8..10)).ok_or_else(format)?;
        let (Ok(month), Ok(day)) = (u8::try_from(month), u8::try_from(day)) else {
            return Err(format());
        };
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay {
                value: value.to_owned(),
            });
        }
        Ok(Self { year, month, day })
    }

    /// The year.
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for IsoDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, DateError> {
        Self::parse(s)
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl Visitor<'_> for DateVisitor {
            type Value = IsoDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date written yyyy-mm-dd")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IsoDate, E> {
                IsoDate::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DateVisitor)
    }
}

/// Zuora's `POSTJournalRunType`, the body of `POST /v1/journal-runs`, as read: each field
/// holds the JSON value given (`null` reads as absent), and every other field is kept in
/// `unknown_fields`, so that the validation ([`CreateJournalRunRequest::try_from`]) can name
/// each fault. Written, it is the body a client sends.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a Create journal run body: a JSON object with journalEntryDate and transactionTypes"
)]
pub struct PostJournalRunType {
    /// `accountingPeriodName`: the accounting period's name; required unless
    /// `targetStartDate` and `targetEndDate` are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounting_period_name: Option<Value>,
    /// `journalEntryDate` (required): the entries' date, `yyyy-mm-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_entry_date: Option<Value>,
    /// `organizationLabels`: the orgs the run is for (Multi-Org), each
    /// `{organizationId, organizationName}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_labels: Option<Value>,
    /// `targetEndDate`: `yyyy-mm-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_end_date: Option<Value>,
    /// `targetStartDate`: `yyyy-mm-dd`; required with `targetEndDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_start_date: Option<Value>,
    /// `transactionTypes` (required): a non-empty array of `{"type": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_types: Option<Value>,
    /// Every field Zuora's schema does not have; the validation refuses the first.
    #[serde(flatten)]
    pub unknown_fields: BTreeMap<String, Value>,
}

impl PostJournalRunType {
    /// The body from a JSON value already read (by the embedding system's JSON library).
    ///
    /// # Errors
    ///
    /// [`BodyError::NotAnObject`] when the value is not a JSON object.
    pub fn from_value(body: &Value) -> Result<Self, BodyError> {
        let Value::Object(fields) = body else {
            return Err(BodyError::NotAnObject {
                field: "request body".to_owned(),
                found: body.describe(),
            });
        };
        let mut doc = Self::default();
        for (name, value) in fields {
            let given = (!matches!(value, Value::Null)).then(|| value.clone());
            match name.as_str() {
                ACCOUNTING_PERIOD_NAME => doc.accounting_period_name = given,
                JOURNAL_ENTRY_DATE => doc.journal_entry_date = given,
                ORGANIZATION_LABELS => doc.organization_labels = given,
                TARGET_END_DATE => doc.target_end_date = given,
                TARGET_START_DATE => doc.target_start_date = given,
                TRANSACTION_TYPES => doc.transaction_types = given,
                _ => {
                    doc.unknown_fields.insert(name.clone(), value.clone());
                }
            }
        }
        Ok(doc)
    }
}

/// An item of `organizationLabels` in a create request: the org named by its id, its name,
/// or both (the spec: "either the `organizationId` or the `organizationName` field is
/// required").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateOrganizationLabel {
    organization_id: Option<OrgId>,
    organization_name: Option<String>,
}

impl CreateOrganizationLabel {
    /// The org's id, when given.
    #[must_use]
    pub const fn organization_id(&self) -> Option<&OrgId> {
        self.organization_id.as_ref()
    }

    /// The org's name, when given.
    #[must_use]
    pub fn organization_name(&self) -> Option<&str> {
        self.organization_name.as_deref()
    }
}

/// A validated Create journal run request: every rule of the body holds (docs/WIRE.md,
/// "The create request").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateJournalRunRequest {
    journal_entry_date: IsoDate,
    transaction_types: Vec<TransactionType>,
    accounting_period_name: Option<String>,
    target_start_date: Option<IsoDate>,
    target_end_date: Option<IsoDate>,
    organization_labels: Vec<CreateOrganizationLabel>,
}

impl CreateJournalRunRequest {
    /// Validates a body read as a JSON value: [`PostJournalRunType::from_value`], then
    /// [`CreateJournalRunRequest::try_from`].
    ///
    /// # Errors
    ///
    /// The first [`BodyError`] in the order of docs/WIRE.md.
    pub fn from_value(body: &Value) -> Result<Self, BodyError> {
        Self::try_from(&PostJournalRunType::from_value(body)?)
    }

    /// `journalEntryDate`.
    #[must_use]
    pub const fn journal_entry_date(&self) -> IsoDate {
        self.journal_entry_date
    }

    /// `transactionTypes`, in the order given: at least one, none twice.
    #[must_use]
    pub fn transaction_types(&self) -> &[TransactionType] {
        &self.transaction_types
    }

    /// `accountingPeriodName`, when given (then the dates, if given, are the period's: Zuora
    /// checks them against the period, which this crate does not know).
    #[must_use]
    pub fn accounting_period_name(&self) -> Option<&str> {
        self.accounting_period_name.as_deref()
    }

    /// `targetStartDate`: always given when `accountingPeriodName` is not.
    #[must_use]
    pub const fn target_start_date(&self) -> Option<IsoDate> {
        self.target_start_date
    }

    /// `targetEndDate`: always given when `accountingPeriodName` is not.
    #[must_use]
    pub const fn target_end_date(&self) -> Option<IsoDate> {
        self.target_end_date
    }

    /// `organizationLabels`, in the order given; empty when not given.
    #[must_use]
    pub fn organization_labels(&self) -> &[CreateOrganizationLabel] {
        &self.organization_labels
    }

    /// The ids `organizationLabels` gives, without repeats: for the embedding system's org
    /// scope checks.
    #[must_use]
    pub fn organization_ids(&self) -> BTreeSet<&OrgId> {
        self.organization_labels
            .iter()
            .filter_map(CreateOrganizationLabel::organization_id)
            .collect()
    }
}

/// The first field of `fields` (sorted) that is not one of `known`.
fn first_unknown<'a>(
    fields: impl IntoIterator<Item = &'a String>,
    known: &[&str],
) -> Option<&'a String> {
    fields
        .into_iter()
        .find(|name| !known.contains(&name.as_str()))
}

fn string<'v>(field: &str, value: &'v Value, expected: &str) -> Result<&'v str, BodyError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(BodyError::invalid(
            field,
            format!("expected {expected}, found {}", other.describe()),
        )),
    }
}

fn date(field: &str, value: &Value) -> Result<IsoDate, BodyError> {
    let text = string(field, value, "a date written yyyy-mm-dd")?;
    IsoDate::parse(text).map_err(|e| BodyError::invalid(field, e.to_string()))
}

fn transaction_types(value: &Value) -> Result<Vec<TransactionType>, BodyError> {
    let Value::Array(items) = value else {
        return Err(BodyError::invalid(
            TRANSACTION_TYPES,
            format!(
                "expected an array of {{\"type\": ...}}, found {}",
                value.describe()
            ),
        ));
    };
    if items.is_empty() {
        return Err(BodyError::invalid(
            TRANSACTION_TYPES,
            "expected at least one transaction type, found an empty array",
        ));
    }
    let mut first_at: BTreeMap<TransactionType, usize> = BTreeMap::new();
    let mut types = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{TRANSACTION_TYPES}[{i}]");
        let Value::Object(fields) = item else {
            return Err(BodyError::NotAnObject {
                field: at,
                found: item.describe(),
            });
        };
        if let Some(name) = first_unknown(fields.keys(), &[TYPE]) {
            return Err(BodyError::UnknownField {
                field: format!("{at}.{name}"),
                object: "a transaction type (only `type`)",
            });
        }
        let field = format!("{at}.{TYPE}");
        let text = match fields.get(TYPE) {
            None | Some(Value::Null) => return Err(BodyError::missing(field, "")),
            Some(v) => string(&field, v, "a transaction type")?,
        };
        let kind: TransactionType = text.parse().map_err(|e: crate::status::UnknownVariant| {
            BodyError::invalid(&field, e.to_string())
        })?;
        if let Some(first) = first_at.get(&kind) {
            return Err(BodyError::invalid(
                field,
                format!("`{kind}` is already listed at {TRANSACTION_TYPES}[{first}]"),
            ));
        }
        first_at.insert(kind, i);
        types.push(kind);
    }
    Ok(types)
}

fn organization_label(at: &str, item: &Value) -> Result<CreateOrganizationLabel, BodyError> {
    let Value::Object(fields) = item else {
        return Err(BodyError::NotAnObject {
            field: at.to_owned(),
            found: item.describe(),
        });
    };
    if let Some(name) = first_unknown(fields.keys(), &[ORGANIZATION_ID, ORGANIZATION_NAME]) {
        return Err(BodyError::UnknownField {
            field: format!("{at}.{name}"),
            object: "an organization label (only `organizationId` and `organizationName`)",
        });
    }
    let given = |name: &str| fields.get(name).filter(|v| !matches!(v, Value::Null));
    let id_field = format!("{at}.{ORGANIZATION_ID}");
    let organization_id = given(ORGANIZATION_ID)
        .map(|v| {
            let text = string(&id_field, v, "an org id")?;
            OrgId::parse(text).map_err(|_| {
                BodyError::invalid(
                    &id_field,
                    format!(
                        "expected an org id of 1 to 64 ASCII letters, digits, `-`, `_` and `.`, found {}",
                        v.describe()
                    ),
                )
            })
        })
        .transpose()?;
    let name_field = format!("{at}.{ORGANIZATION_NAME}");
    let organization_name = given(ORGANIZATION_NAME)
        .map(|v| {
            let text = string(&name_field, v, "an org name")?;
            if text.trim().is_empty() {
                return Err(BodyError::invalid(
                    &name_field,
                    "expected an org name, found an empty string",
                ));
            }
            Ok(text.to_owned())
        })
        .transpose()?;
    if organization_id.is_none() && organization_name.is_none() {
        return Err(BodyError::missing(
            id_field,
            " unless organizationName is given",
        ));
    }
    Ok(CreateOrganizationLabel {
        organization_id,
        organization_name,
    })
}

fn organization_labels(value: &Value) -> Result<Vec<CreateOrganizationLabel>, BodyError> {
    match value {
        // The spec's schema types the field as one object.
        Value::Object(_) => Ok(vec![organization_label(ORGANIZATION_LABELS, value)?]),
        // Its description speaks of "each item in the array".
        Value::Array(items) if items.is_empty() => Err(BodyError::invalid(
            ORGANIZATION_LABELS,
            "expected at least one organization label, found an empty array",
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| organization_label(&format!("{ORGANIZATION_LABELS}[{i}]"), item))
            .collect(),
        other => Err(BodyError::invalid(
            ORGANIZATION_LABELS,
            format!(
                "expected an organization label object or an array of them, found {}",
                other.describe()
            ),
        )),
    }
}

impl TryFrom<&PostJournalRunType> for CreateJournalRunRequest {
    type Error = BodyError;

    /// Validates the body, in this order, and stops at the first fault:
    ///
    /// 1. no field but the six of the schema (21);
    /// 2. `journalEntryDate`: given (22), a `yyyy-mm-dd` date (20);
    /// 3. `transactionTypes`: given (22), a non-empty array (20) of objects (20) with only
    ///    `type` (21), `type` given (22), one of the spec's values (20), none twice (20);
    /// 4. `accountingPeriodName`, when given: a non-blank string (20);
    /// 5. `targetStartDate`, then `targetEndDate`, when given: dates (20);
    /// 6. the period: `targetStartDate` when `targetEndDate` is given (22); without
    ///    `accountingPeriodName`, both dates (22, naming `accountingPeriodName` when neither is
    ///    given, else the missing one); `targetEndDate` not before `targetStartDate` (20);
    /// 7. `organizationLabels`, when given: an object or a non-empty array of objects (20),
    ///    each with only `organizationId` and `organizationName` (21), at least one of them
    ///    (22), an org id (20) and a non-blank name (20).
    fn try_from(body: &PostJournalRunType) -> Result<Self, BodyError> {
        if let Some(name) = first_unknown(body.unknown_fields.keys(), &FIELDS) {
            return Err(BodyError::UnknownField {
                field: name.clone(),
                object: "a Create journal run request",
            });
        }
        let journal_entry_date = match &body.journal_entry_date {
            None => return Err(BodyError::missing(JOURNAL_ENTRY_DATE, "")),
            Some(v) => date(JOURNAL_ENTRY_DATE, v)?,
        };
        let transaction_types = match &body.transaction_types {
            None => return Err(BodyError::missing(TRANSACTION_TYPES, "")),
            Some(v) => transaction_types(v)?,
        };
        let accounting_period_name = body
            .accounting_period_name
            .as_ref()
            .map(|v| {
                let text = string(ACCOUNTING_PERIOD_NAME, v, "an accounting period's name")?;
                if text.trim().is_empty() {
                    return Err(BodyError::invalid(
                        ACCOUNTING_PERIOD_NAME,
                        "expected an accounting period's name, found an empty string",
                    ));
                }
                Ok(text.to_owned())
            })
            .transpose()?;
        let target_start_date = body
            .target_start_date
            .as_ref()
            .map(|v| date(TARGET_START_DATE, v))
            .transpose()?;
        let target_end_date = body
            .target_end_date
            .as_ref()
            .map(|v| date(TARGET_END_DATE, v))
            .transpose()?;
        match (
            accounting_period_name.is_some(),
            target_start_date,
            target_end_date,
        ) {
            (_, None, Some(_)) => {
                return Err(BodyError::missing(
                    TARGET_START_DATE,
                    " when targetEndDate is given",
                ))
            }
            (false, None, None) => {
                return Err(BodyError::missing(
                    ACCOUNTING_PERIOD_NAME,
                    " unless targetStartDate and targetEndDate are given",
                ))
            }
            (false, Some(_), None) => {
                return Err(BodyError::missing(
                    TARGET_END_DATE,
                    " with targetStartDate unless accountingPeriodName is given",
                ))
            }
            (_, Some(start), Some(end)) if end < start => {
                return Err(BodyError::invalid(
                    TARGET_END_DATE,
                    format!("{end} is before targetStartDate {start}"),
                ))
            }
            (true, _, _) | (false, Some(_), Some(_)) => {}
        }
        let organization_labels = body
            .organization_labels
            .as_ref()
            .map(organization_labels)
            .transpose()?
            .unwrap_or_default();
        Ok(Self {
            journal_entry_date,
            transaction_types,
            accounting_period_name,
            target_start_date,
            target_end_date,
            organization_labels,
        })
    }
}

impl From<&CreateJournalRunRequest> for PostJournalRunType {
    /// The body a client sends for this request. One organization label is written as an
    /// object (the spec's schema), several as an array.
    fn from(request: &CreateJournalRunRequest) -> Self {
        let text = |s: String| Value::String(s);
        let labels: Vec<Value> = request
            .organization_labels
            .iter()
            .map(|label| {
                let mut fields = BTreeMap::new();
                if let Some(id) = &label.organization_id {
                    fields.insert(ORGANIZATION_ID.to_owned(), text(id.as_str().to_owned()));
                }
                if let Some(name) = &label.organization_name {
                    fields.insert(ORGANIZATION_NAME.to_owned(), text(name.clone()));
                }
                Value::Object(fields)
            })
            .collect();
        let organization_labels = match labels.len() {
            0 => None,
            1 => labels.into_iter().next(),
            _ => Some(Value::Array(labels)),
        };
        Self {
            accounting_period_name: request.accounting_period_name.clone().map(text),
            journal_entry_date: Some(text(request.journal_entry_date.to_string())),
            organization_labels,
            target_end_date: request.target_end_date.map(|d| text(d.to_string())),
            target_start_date: request.target_start_date.map(|d| text(d.to_string())),
            transaction_types: Some(Value::Array(
                request
                    .transaction_types
                    .iter()
                    .map(|t| {
                        Value::Object(BTreeMap::from([(
                            TYPE.to_owned(),
                            text(t.as_str().to_owned()),
                        )]))
                    })
                    .collect(),
            )),
            unknown_fields: BTreeMap::new(),
        }
    }
}
