//! [`Error`]: every error of the crate in one enum, for callers that handle them all in one
//! place. It lives in the wire layer, the top one, because it gathers the errors of every
//! layer below (numbers, headers, rules, invariants) and of this one (requests, documents,
//! bodies); its Zuora category is [`category`](crate::wire::category), and its message is the
//! one Zuora's answer carries.

use crate::error::{ApplyError, Rejection};
use crate::headers::HeaderError;
use crate::invariants::SnapshotError;
use crate::number::NumberError;
use crate::status::UnknownVariant;
use crate::wire::create::BodyError;
use crate::wire::request::{RequestError, ZUORA_ENTITY_IDS, ZUORA_ORG_IDS};
use crate::wire::snapshot::DocumentError;

/// Any error of this crate, for callers that handle them all in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A malformed journal run or entry number.
    #[error(transparent)]
    Number(#[from] NumberError),
    /// An unknown status or permission name.
    #[error(transparent)]
    UnknownVariant(#[from] UnknownVariant),
    /// A malformed request header.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A command the rules reject. Its message is the rejection's, except that it names the
    /// request header a fault came in, as Zuora's answer does.
    #[error("{}", answer_message(.0))]
    Rejection(Rejection),
    /// A snapshot that breaks the invariants.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// An event that does not fit the run it is applied to.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// A request fault found before the state machine: the path parameter, a repeated
    /// header, `Authorization`, `Content-Encoding`.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A Zuora document that is invalid or inconsistent.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// A request body that is not JSON, or not the body the operation takes.
    #[error(transparent)]
    Body(#[from] BodyError),
}

impl From<Rejection> for Error {
    fn from(rejection: Rejection) -> Self {
        Self::Rejection(rejection)
    }
}

/// The message of a rejection in Zuora's answer: the rejection's own words, except for the
/// two faults that come in a request header, which the answer names (the core's [`Rejection`]
/// says "entity" and "accessible orgs", and knows no header). The one place the wire's wording
/// of a rejection lives.
fn answer_message(rejection: &Rejection) -> String {
    match rejection {
        Rejection::EntityRequired { entities } => {
            format!("{ZUORA_ENTITY_IDS} is required: the token is valid for {entities} entities")
        }
        Rejection::OrgNotAccessible { org } => {
            format!("{ZUORA_ORG_IDS} names org `{org}`, which the caller cannot access")
        }
        Rejection::EntityNotAccessible { .. }
        | Rejection::MissingPermission { .. }
        | Rejection::QueryPermission { .. }
        | Rejection::RunNotFound { .. }
        | Rejection::EntryNotFound { .. }
        | Rejection::RunStatus { .. }
        | Rejection::OverrideRequired { .. }
        | Rejection::EntryCancelled { .. }
        | Rejection::EntryNotCancelled { .. }
        | Rejection::EntryTransferred { .. }
        | Rejection::TransferNotAllowed { .. }
        | Rejection::JobFinished { .. }
        | Rejection::JobNotFinished { .. }
        | Rejection::JobUnknown { .. }
        | Rejection::DuplicateEntry { .. }
        | Rejection::PendingRunExists { .. }
        | Rejection::RunExecuting { .. }
        | Rejection::RunExists { .. } => rejection.to_string(),
    }
}
