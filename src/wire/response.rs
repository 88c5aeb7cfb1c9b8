//! Response bodies (`CommonResponse`, `ErrorResponse`) and the HTTP status of each error
//! category.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCategory;
use crate::wire::ids::{ProcessId, ReasonCode, RequestId};

/// One fault in an error body: `{ "code": ..., "message": ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[serde(rename_all = "camelCase")]
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
pub struct ErrorResponse {
    /// The faults.
    #[serde(default)]
    pub reasons: Vec<Reason>,
}

/// The HTTP status of an error response, by category. The one place this mapping lives.
///
/// | category | meaning | HTTP |
/// |---|---|---|
/// | 10 | permission or access denied | 403 |
/// | 11 | authentication failed | 401 |
/// | 20, 21, 22, 23 | invalid value, unknown field, missing field, missing parameter | 400 |
/// | 30 | rule restriction (the run's state forbids it) | 409 |
/// | 40 | not found | 404 |
/// | 45 | unsupported request | 415 |
/// | 50 | locking contention | 409 |
/// | 60 | internal error | 500 |
/// | 61 | temporary error | 503 |
/// | 70 | request exceeded limit | 429 |
/// | 90 | malformed request | 400 |
/// | 99 | integration error | 502 |
#[must_use]
pub const fn http_status(category: ErrorCategory) -> u16 {
    match category {
        ErrorCategory::PermissionDenied => 403,
        ErrorCategory::AuthenticationFailed => 401,
        ErrorCategory::InvalidValue
        | ErrorCategory::UnknownField
        | ErrorCategory::MissingRequiredField
        | ErrorCategory::MissingRequiredParameter
        | ErrorCategory::MalformedRequest => 400,
        ErrorCategory::RuleRestriction | ErrorCategory::LockingContention => 409,
        ErrorCategory::NotFound => 404,
        ErrorCategory::UnsupportedRequest => 415,
        ErrorCategory::InternalError => 500,
        ErrorCategory::TemporaryError => 503,
        ErrorCategory::LimitExceeded => 429,
        ErrorCategory::IntegrationError => 502,
    }
}
