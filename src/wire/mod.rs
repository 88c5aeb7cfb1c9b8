//! Zuora's wire format: the JSON documents Zuora exchanges around journal runs, and the cancel
//! operation as a pure request handler.
//!
//! - [`GetJournalRunType`], [`GetJournalEntryDetailType`] (custom fields kept),
//!   [`GetJournalEntriesInJournalRunType`] and [`CommonResponse`]: serde types with Zuora's
//!   field names, converted to and from the core types with `TryFrom`
//!   ([`RunSnapshot`] for a run with all its entries). A document that is invalid or
//!   inconsistent is a [`DocumentError`] naming the field.
//! - [`CancelHandler`]: `PUT /v1/journal-runs/{jr-number}/cancel` from the raw path parameter
//!   and headers to a [`Response`] and the [`Event`](crate::Event) to apply.
//! - [`category`]: the one mapping from every error to Zuora's [`ErrorCategory`], and
//!   [`HttpStatusMapping`]: the HTTP status of each category, as Zuora answers (default) or
//!   with a 4xx/5xx status for every rejection.
//! - [`PostJournalRunType`] and [`CreateJournalRunRequest`]: the body of
//!   `POST /v1/journal-runs`, read and validated.
//! - [`should_gzip`] and [`ContentEncoding`]: compression of responses and requests.
//!
//! The library has no JSON library: serialize these types with the embedding system's
//! (`serde_json`). docs/WIRE.md describes the contract, with an example body of every error.
//!
//! ```
//! use journal_run::wire::{CancelHandler, ProcessId, RequestId};
//! use journal_run::{Caller, Command, JournalRun};
//!
//! let mut run = JournalRun::new("JR-00000075".parse()?, vec![]);
//! let zuora = Caller::superuser();
//! run.execute(&zuora, &Command::StartProcessing)?;
//! run.execute(&zuora, &Command::CompleteProcessing { entries: vec!["JE-00000001".parse()?] })?;
//!
//! let outcome = CancelHandler::default().handle(
//!     "JR-00000075",
//!     &[("authorization", "Bearer 6d1e8f0a"), ("Zuora-Track-Id", "batch-7")],
//!     &zuora,
//!     &run,
//!     &RequestId::parse("d7479cf6-b410-4630-b841-268ccd48f0d2")?,
//!     &ProcessId::parse("738CBB9234B47A47")?,
//! );
//! assert_eq!(outcome.response.status, 200);
//! assert_eq!(outcome.response.header("zuora-track-id"), Some("batch-7"));
//! run.apply(&outcome.decision?)?;
//! assert_eq!(run.status(), Some(journal_run::JournalRunStatus::CancelInprogress));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod category;
mod create;
mod documents;
mod encoding;
pub(crate) mod error;
mod handler;
mod ids;
mod request;
mod response;
mod snapshot;
mod update;
mod value;

pub use category::{category, rejection_category, ErrorCategory};
pub use create::{
    BodyError, CreateJournalRunRequest, CreateOrganizationLabel, DateError, IsoDate,
    PostJournalRunType,
};
pub use documents::{
    GetJournalEntriesInJournalRunType, GetJournalEntryDetailType, GetJournalEntryItemType,
    GetJournalEntrySegmentType, GetJournalRunTransactionType, GetJournalRunType, OrganizationLabel,
};
pub use encoding::{
    accepts_gzip, gzippable_content_type, should_gzip, ContentEncoding, GZIP_CONTENT_TYPES,
    GZIP_THRESHOLD,
};
pub use handler::{
    CancelHandler, CancelOutcome, PathParameter, Request, RequestHead, Response, RunLookup,
    JSON_CONTENT_TYPE,
};
pub use ids::{IdError, ProcessId, ReasonCode, RequestId, ResourceCode};
pub use request::{
    bearer_token, require_method, AuthorizationError, RequestError, ACCEPT_ENCODING, ALLOW,
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, WWW_AUTHENTICATE, ZUORA_ENTITY_IDS,
    ZUORA_ORG_IDS, ZUORA_REQUEST_ID, ZUORA_TRACK_ID,
};
pub use response::{CommonResponse, ErrorResponse, HttpStatusMapping, Reason};
pub use snapshot::{DocumentError, RunSnapshot};
pub use update::{UpdateBasicInformationRequest, NOTES_MAX_CHARS};
pub use value::{Nullable, Value};
