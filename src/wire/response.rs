//! Response bodies (`CommonResponse`, `ErrorResponse`) and the HTTP status of each error
//! category ([`HttpStatusMapping`]).

use serde::{Deserialize, Serialize};

use crate::wire::category::ErrorCategory;
use crate::wire::ids::{ProcessId, ReasonCode, RequestId};

/// One fault in an error body: `{ "code": ..., "message": ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(expecting = "a reason: an object with `code` and `message`")]
pub struct Reason {
    /// The code: eight digits when this crate writes it; read from a string or a number.
    pub code: ReasonCode,
    /// What is wrong, in words.
    pub message: String,
}

/// Zuora's `CommonResponse`: the body of the cancel operation's 200 and 4XX responses.
///
/// `{"success": true}` on success. On failure, `success` is `false` and `processId`,
/// `reasons` and `requestId` are set. Unknown fields are ignored when reading.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a CommonResponse: an object with `success`"
)]
pub struct CommonResponse {
    /// Whether the call succeeded.
    pub success: bool,
    /// The id of the process that handled the operation (failures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<String>,
    /// The faults (failures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<Reason>>,
    /// The request's 36-character id (failures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl CommonResponse {
    /// `{"success": true}`.
    #[must_use]
    pub const fn success() -> Self {
        Self {
            success: true,
            process_id: None,
            reasons: None,
            request_id: None,
        }
    }

    /// A failure body: `success: false`, the process id, the reasons and the request id.
    #[must_use]
    pub fn failure(request_id: &RequestId, process_id: &ProcessId, reasons: Vec<Reason>) -> Self {
        Self {
            success: false,
            process_id: Some(process_id.as_str().to_owned()),
            reasons: Some(reasons),
            request_id: Some(request_id.as_str().to_owned()),
        }
    }
}

/// Zuora's `ErrorResponse`: the body of a 500 from Zuora (`reasons` only). For reading
/// Zuora's answers; the crate's own 500 bodies are `CommonResponse`s, which also satisfy this
/// schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(expecting = "an ErrorResponse: an object with `reasons`")]
pub struct ErrorResponse {
    /// The faults.
    #[serde(default)]
    pub reasons: Vec<Reason>,
}

/// How the handler chooses the HTTP status of an error response: the one place each
/// category's status is decided. docs/WIRE.md gives both tables and the reasons.
///
/// | category | [`Zuora`](Self::Zuora) (default) | [`Rest`](Self::Rest) |
/// |---|---|---|
/// | 10 permission or access denied | 200 | 403 |
/// | 11 authentication failed | 401 | 401 |
/// | 20, 21, 22, 23, 27 (invalid or missing values, fields, parameters) | 200 | 400 |
/// | 30 rule restriction | 200 | 409 |
/// | 40 not found | 200 | 404 |
/// | 45 unsupported HTTP method | 200 | 405, with `Allow` |
/// | 45, an operation not emulated ([`RequestError::NotEmulated`](crate::wire::RequestError::NotEmulated)) | 200 | 501 |
/// | 50 locking contention | 200 | 409 |
/// | 60 internal error | 500 | 500 |
/// | 61 temporary error | 200 | 503 |
/// | 70 request exceeded limit | 429 | 429 |
/// | 90 malformed request | 200 | 400 |
/// | 99 integration error | 200 | 502 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "an HTTP status mapping, `zuora` or `rest`"
)]
pub enum HttpStatusMapping {
    /// As Zuora's v1 API answers (<https://developer.zuora.com/docs/guides/error-handling>):
    /// a request refused by the rules is HTTP 200 with `success: false` and the code; only an
    /// authentication failure (401), an internal error (500, the spec's `ErrorResponse`
    /// status) and an exceeded limit (429) have a status of their own.
    #[default]
    Zuora,
    /// A 4xx or 5xx status for every category, for clients that branch on the status.
    Rest,
}

impl HttpStatusMapping {
    /// The HTTP status of an error response of `category`.
    #[must_use]
    pub const fn status(self, category: ErrorCategory) -> u16 {
        match self {
            Self::Zuora => match category {
                ErrorCategory::AuthenticationFailed => 401,
                ErrorCategory::InternalError => 500,
                ErrorCategory::LimitExceeded => 429,
                ErrorCategory::PermissionDenied
                | ErrorCategory::InvalidValue
                | ErrorCategory::UnknownField
                | ErrorCategory::MissingRequiredField
                | ErrorCategory::MissingRequiredParameter
                | ErrorCategory::InvalidQueryParameter
                | ErrorCategory::RuleRestriction
                | ErrorCategory::NotFound
                | ErrorCategory::UnsupportedRequest
                | ErrorCategory::LockingContention
                | ErrorCategory::TemporaryError
                | ErrorCategory::MalformedRequest
                | ErrorCategory::IntegrationError => 200,
            },
            Self::Rest => match category {
                ErrorCategory::PermissionDenied => 403,
                ErrorCategory::AuthenticationFailed => 401,
                ErrorCategory::InvalidValue
                | ErrorCategory::UnknownField
                | ErrorCategory::MissingRequiredField
                | ErrorCategory::MissingRequiredParameter
                | ErrorCategory::InvalidQueryParameter
                | ErrorCategory::MalformedRequest => 400,
                ErrorCategory::RuleRestriction | ErrorCategory::LockingContention => 409,
                ErrorCategory::NotFound => 404,
                ErrorCategory::UnsupportedRequest => 405,
                ErrorCategory::InternalError => 500,
                ErrorCategory::TemporaryError => 503,
                ErrorCategory::LimitExceeded => 429,
                ErrorCategory::IntegrationError => 502,
            },
        }
    }

    /// The HTTP status of an error response to `error`: its category's
    /// ([`status`](Self::status)), but for an operation the embedding system does not carry out
    /// ([`RequestError::NotEmulated`](crate::wire::RequestError::NotEmulated)), which is 501
    /// under [`Rest`](Self::Rest): 405 says the endpoint does not support the method, and must
    /// name those it does (docs/DECISIONS.md, D-43).
    #[must_use]
    pub const fn status_of(self, error: &crate::wire::error::Error) -> u16 {
        match (self, error) {
            (
                Self::Rest,
                crate::wire::error::Error::Request(
                    crate::wire::request::RequestError::NotEmulated { .. },
                ),
            ) => 501,
            _ => self.status(crate::wire::category::category(error)),
        }
    }
}
