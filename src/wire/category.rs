//! Zuora's error categories, and the one mapping from every error of this crate to its
//! category.
//!
//! The categories are the last two digits of a `reasons[].code`, as Zuora's error-code guide
//! defines them (<https://developer.zuora.com/docs/guides/error-codes>). The mapping lives
//! here, in the wire layer, and nowhere else: the core's [`Rejection`] knows its rule, not how
//! Zuora's API reports it. docs/WIRE.md gives the category of every error with the reason.

use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

use crate::error::Rejection;
use crate::wire::create::BodyError;
use crate::wire::error::Error;
use crate::wire::request::{AuthorizationError, RequestError};

/// Zuora's two-digit error categories (the last two digits of a `reasons[].code`).
///
/// Source: <https://developer.zuora.com/docs/guides/error-codes>.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[repr(u8)]
pub enum ErrorCategory {
    /// 10: permission or access denied.
    PermissionDenied = 10,
    /// 11: authentication failed.
    AuthenticationFailed = 11,
    /// 20: invalid format or value.
    InvalidValue = 20,
    /// 21: unknown field in request (body).
    UnknownField = 21,
    /// 22: missing required field.
    MissingRequiredField = 22,
    /// 23: a required query parameter is missing.
    MissingRequiredParameter = 23,
    /// 27: invalid query parameter.
    InvalidQueryParameter = 27,
    /// 30: rule restriction.
    RuleRestriction = 30,
    /// 40: not found.
    NotFound = 40,
    /// 45: the endpoint does not support the HTTP method.
    UnsupportedRequest = 45,
    /// 50: locking contention.
    LockingContention = 50,
    /// 60: internal error.
    InternalError = 60,
    /// 61: temporary error.
    TemporaryError = 61,
    /// 70: request exceeded limit.
    LimitExceeded = 70,
    /// 90: malformed request (JSON syntax errors).
    MalformedRequest = 90,
    /// 99: integration error.
    IntegrationError = 99,
}

impl ErrorCategory {
    /// The two-digit code.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }
}

/// Zuora's error category for any error of this crate: the one mapping (docs/WIRE.md,
/// "Categories", gives the reason for each row).
///
/// | error | category |
/// |---|---|
/// | `Number`, `UnknownVariant`, `Header`, `Snapshot`, `Document` | 20 |
/// | `Apply` (an event that does not fit the run) | 60 |
/// | `Request(PathNumber \| PathEntryNumber \| BodyTooLarge)`, `Request(RepeatedHeader)`, `Request(UnsupportedContentEncoding)` | 20 |
/// | `Request(QueryParameter)` | 27 |
/// | `Request(UnknownPath)` | 40 |
/// | `Request(NotEmulated)` | 45 |
/// | `Request(Unavailable)` | 61 |
/// | `Request(Authorization(_))` (a repeated `Authorization` included) | 11 |
/// | `Request(UnsupportedMethod)` | 45 |
/// | `Body(MalformedJson)`, `Request(BodyIncomplete \| BodyEncoding)` | 90 |
/// | `Body(UnknownField)` | 21 |
/// | `Body(MissingField)` | 22 |
/// | `Body(NotAnObject \| InvalidValue)` | 20 |
/// | `Rejection(_)` | [`rejection_category`] |
#[must_use]
pub const fn category(error: &Error) -> ErrorCategory {
    match error {
        Error::Number(_)
        | Error::UnknownVariant(_)
        | Error::Header(_)
        | Error::Snapshot(_)
        | Error::Document(_) => ErrorCategory::InvalidValue,
        Error::Apply(_) => ErrorCategory::InternalError,
        Error::Rejection(rejection) => rejection_category(rejection),
        Error::Request(request) => request_category(request),
        Error::Body(body) => body_category(body),
    }
}

const fn request_category(error: &RequestError) -> ErrorCategory {
    match error {
        RequestError::PathNumber(_)
        | RequestError::PathEntryNumber(_)
        | RequestError::BodyTooLarge { .. }
        | RequestError::RepeatedHeader { .. }
        | RequestError::UnsupportedContentEncoding { .. } => ErrorCategory::InvalidValue,
        RequestError::Authorization(
            AuthorizationError::Missing
            | AuthorizationError::Repeated { .. }
            | AuthorizationError::NotBearer
            | AuthorizationError::MissingToken
            | AuthorizationError::InvalidToken
            | AuthorizationError::TokenCharacter { .. },
        ) => ErrorCategory::AuthenticationFailed,
        RequestError::UnsupportedMethod { .. } | RequestError::NotEmulated { .. } => {
            ErrorCategory::UnsupportedRequest
        }
        RequestError::QueryParameter { .. } => ErrorCategory::InvalidQueryParameter,
        RequestError::BodyIncomplete { .. } | RequestError::BodyEncoding { .. } => {
            ErrorCategory::MalformedRequest
        }
        RequestError::UnknownPath { .. } => ErrorCategory::NotFound,
        RequestError::Unavailable { .. } => ErrorCategory::TemporaryError,
    }
}

const fn body_category(error: &BodyError) -> ErrorCategory {
    match error {
        BodyError::MalformedJson { .. } => ErrorCategory::MalformedRequest,
        BodyError::UnknownField { .. } => ErrorCategory::UnknownField,
        BodyError::MissingField { .. } => ErrorCategory::MissingRequiredField,
        BodyError::NotAnObject { .. } | BodyError::InvalidValue { .. } => {
            ErrorCategory::InvalidValue
        }
    }
}

/// Zuora's error category for a rejection of the state machine: the per-[`Rejection`] part
/// of [`category`].
///
/// | rejection | category |
/// |---|---|
/// | `EntityRequired` | 22 |
/// | `EntityNotAccessible`, `MissingPermission`, `QueryPermission`, `OrgNotAccessible`, `OverrideRequired` | 10 |
/// | `RunNotFound`, `EntryNotFound` | 40 |
/// | `RunStatus`, `EntryCancelled`, `EntryNotCancelled`, `EntryTransferred`, `TransferNotAllowed`, `JobFinished`, `JobNotFinished`, `JobUnknown`, `PendingRunExists`, `RunExecuting` | 30 |
/// | `DuplicateEntry`, `RunExists` | 20 |
#[must_use]
pub const fn rejection_category(rejection: &Rejection) -> ErrorCategory {
    match rejection {
        Rejection::EntityRequired { .. } => ErrorCategory::MissingRequiredField,
        Rejection::EntityNotAccessible { .. }
        | Rejection::MissingPermission { .. }
        | Rejection::QueryPermission { .. }
        | Rejection::OrgNotAccessible { .. }
        | Rejection::OverrideRequired { .. } => ErrorCategory::PermissionDenied,
        Rejection::RunNotFound { .. } | Rejection::EntryNotFound { .. } => ErrorCategory::NotFound,
        Rejection::RunStatus { .. }
        | Rejection::EntryCancelled { .. }
        | Rejection::EntryNotCancelled { .. }
        | Rejection::EntryTransferred { .. }
        | Rejection::TransferNotAllowed { .. }
        | Rejection::JobFinished { .. }
        | Rejection::JobNotFinished { .. }
        | Rejection::JobUnknown { .. }
        | Rejection::PendingRunExists { .. }
        | Rejection::RunExecuting { .. } => ErrorCategory::RuleRestriction,
        Rejection::DuplicateEntry { .. } | Rejection::RunExists { .. } => {
            ErrorCategory::InvalidValue
        }
    }
}
