//! [`Error`]: every error of the crate in one enum, for callers that handle them all in one
//! place. It lives in the wire layer, the top one, because it gathers the errors of every
//! layer below (numbers, headers, rules, invariants) and of this one (requests, documents,
//! bodies); its Zuora category is [`category`](crate::wire::category).

use crate::error::{ApplyError, Rejection};
use crate::headers::HeaderError;
use crate::invariants::SnapshotError;
use crate::number::NumberError;
use crate::status::UnknownVariant;
use crate::wire::create::BodyError;
use crate::wire::request::RequestError;
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
    /// A command the rules reject.
    #[error(transparent)]
    Rejection(#[from] Rejection),
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
