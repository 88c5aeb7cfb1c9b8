//! The cancel operation, `PUT /v1/journal-runs/{jr-number}/cancel`, as a pure function from a
//! raw request to a response and the event to apply.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use crate::caller::Caller;
use crate::command::Command;
use crate::event::Event;
use crate::headers::{EntityId, OrgIds, RequestScope, TrackId};
use crate::number::{JournalEntryNumber, JournalRunNumber};
use crate::run::JournalRun;
use crate::wire::category::{category, ErrorCategory};
use crate::wire::encoding::{accepts_gzip, gzip_response};
use crate::wire::error::Error;
use crate::wire::ids::{ProcessId, ReasonCode, RequestId, ResourceCode};
use crate::wire::request::{
    bearer_token, list_header, single_header, AuthorizationError, RequestError, ACCEPT_ENCODING,
    ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE, ZUORA_ENTITY_IDS, ZUORA_ORG_IDS,
    ZUORA_REQUEST_ID, ZUORA_TRACK_ID,
};
use crate::wire::response::{CommonResponse, HttpStatusMapping, Reason};

/// The `Content-Type` of every response.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Where the handler finds the run a request names: the embedding system's store.
///
/// Runs are looked up in the request's entity: with Multi-entity, the same number can name
/// different runs in two entities (FACTS.md, "Tenants, entities, orgs").
pub trait RunLookup {
    /// The run with this number in `entity` (`None`: Multi-entity is off, or the request's
    /// entity is not settled), if the store holds it. A run that belongs to no entity is found
    /// in every entity.
    fn journal_run(
        &self,
        entity: Option<&EntityId>,
        number: JournalRunNumber,
    ) -> Option<&JournalRun>;
}

/// Whether `run` is the run numbered `number` in `entity`.
fn is_run(run: &JournalRun, entity: Option<&EntityId>, number: JournalRunNumber) -> bool {
    run.number() == number && run.in_entity(entity)
}

impl RunLookup for JournalRun {
    /// A store of one run.
    fn journal_run(
        &self,
        entity: Option<&EntityId>,
        number: JournalRunNumber,
    ) -> Option<&JournalRun> {
        is_run(self, entity, number).then_some(self)
    }
}

impl RunLookup for [JournalRun] {
    fn journal_run(
        &self,
        entity: Option<&EntityId>,
        number: JournalRunNumber,
    ) -> Option<&JournalRun> {
        self.iter().find(|run| is_run(run, entity, number))
    }
}

impl RunLookup for Vec<JournalRun> {
    fn journal_run(
        &self,
        entity: Option<&EntityId>,
        number: JournalRunNumber,
    ) -> Option<&JournalRun> {
        self.as_slice().journal_run(entity, number)
    }
}

impl RunLookup for BTreeMap<JournalRunNumber, JournalRun> {
    fn journal_run(
        &self,
        entity: Option<&EntityId>,
        number: JournalRunNumber,
    ) -> Option<&JournalRun> {
        self.get(&number).filter(|run| is_run(run, entity, number))
    }
}

impl<S: BuildHasher> RunLookup for HashMap<JournalRunNumber, JournalRun, S> {
    fn journal_run(
        &self,
        entity: Option<&EntityId>,
        number: JournalRunNumber,
    ) -> Option<&JournalRun> {
        self.get(&number).filter(|run| is_run(run, entity, number))
    }
}

/// An HTTP response: status, headers and the `CommonResponse` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status: 200, or the status of the fault's category under the handler's
    /// [`HttpStatusMapping`].
    pub status: u16,
    /// The headers, in this order: `Content-Type`, `Zuora-Request-Id`, `Zuora-Track-Id`
    /// (when the request gave a valid one), `WWW-Authenticate` (401 only).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: CommonResponse,
    /// Whether the request's `Accept-Encoding` accepts gzip.
    pub gzip_accepted: bool,
}

impl Response {
    /// The value of header `name` (case-insensitive), if set.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Some("gzip")` when the body, serialized to `body_len` bytes, is to be gzipped (and
    /// sent with `Content-Encoding: gzip`): the rule of
    /// [`should_gzip`](crate::wire::should_gzip) for this request and response.
    #[must_use]
    pub fn content_encoding(&self, body_len: usize) -> Option<&'static str> {
        let content_type = self.header(CONTENT_TYPE).unwrap_or_default();
        (self.gzip_accepted && gzip_response(content_type, body_len)).then_some("gzip")
    }
}

/// What the handler decided: the response, and the event the request produced or why it was
/// rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOutcome {
    /// The response to send.
    pub response: Response,
    /// `Ok(event)` when the request was accepted: apply it to the run
    /// (`run.apply(&event)`, which cannot fail for an event decided on that run) or persist
    /// it. `Err` when it was rejected: nothing is to change.
    pub decision: Result<Event, Error>,
}

/// The handler of `PUT /v1/journal-runs/{jr-number}/cancel`, with its configuration.
///
/// It reads the raw request once, at the boundary, into a typed request (the path number and
/// every header it reads), then decides on that. It validates in this order of precedence, and
/// answers the first fault (docs/WIRE.md):
///
/// 1. `Authorization`: given exactly once, as `Bearer <token>` (else category 11, HTTP 401),
///    whatever else is wrong, so that a client with an expired token always learns to
///    refresh it;
/// 2. the path parameter's format (`JR-00000001`): category 20;
/// 3. the headers, each given at most once, in this order: `Zuora-Track-Id`,
///    `Zuora-Entity-Ids`, `Zuora-Org-Ids` (repeated or malformed: category 20);
/// 4. [`JournalRun::decide`]: the entity against the caller's token (22 or 10), the
///    permission "Cancel Journal Run" (10), `Zuora-Org-Ids` against the caller's orgs (10), the
///    run's existence in the request's scope (40), the run's status (30).
///
/// The HTTP status of a rejection follows [`HttpStatusMapping`]: by default as Zuora
/// answers (200 with `success: false`, but 401 for authentication).
///
/// The handler is pure: it reads the state and changes nothing; a rejected request has no
/// event to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CancelHandler {
    /// The resource code of every error but authentication failures; default
    /// [`ResourceCode::UNKNOWN`] (`500000`).
    pub resource: ResourceCode,
    /// The resource code of authentication failures (category 11); default
    /// [`ResourceCode::AUTHENTICATION`] (`900000`).
    pub authentication_resource: ResourceCode,
    /// The HTTP status of each category; default [`HttpStatusMapping::Zuora`].
    pub status_mapping: HttpStatusMapping,
}

impl Default for CancelHandler {
    fn default() -> Self {
        Self {
            resource: ResourceCode::UNKNOWN,
            authentication_resource: ResourceCode::AUTHENTICATION,
            status_mapping: HttpStatusMapping::Zuora,
        }
    }
}

impl CancelHandler {
    /// The operation's path, as Zuora's spec writes it.
    pub const PATH: &'static str = "/v1/journal-runs/{jr-number}/cancel";
    /// The operation's HTTP method.
    pub const METHOD: &'static str = "PUT";

    /// The handler with this HTTP status mapping and the default resource codes.
    #[must_use]
    pub fn with_status_mapping(status_mapping: HttpStatusMapping) -> Self {
        Self {
            status_mapping,
            ..Self::default()
        }
    }

    /// Handles one cancel request.
    ///
    /// - `jr_number`: the `{jr-number}` path segment as it appears in the URL (it needs no
    ///   percent-decoding: a valid number has no character that would be encoded);
    /// - `headers`: the request headers as name/value pairs; names are case-insensitive and
    ///   spaces and tabs around values are ignored;
    /// - `caller`: who the embedding system resolved the token to;
    /// - `runs`: the runs the request may name;
    /// - `request_id`: sent as `Zuora-Request-Id` always, and as `requestId` in error bodies;
    /// - `process_id`: sent as `processId` in error bodies.
    ///
    /// A valid `Zuora-Track-Id` is echoed whatever the outcome; an invalid one is not. The
    /// embedding system checks the method first ([`require_method`](crate::wire::require_method)
    /// with [`Self::PATH`] and [`Self::METHOD`]) and answers a fault with
    /// [`Self::error_response`].
    #[must_use]
    pub fn handle<N: AsRef<str>, V: AsRef<str>, R: RunLookup + ?Sized>(
        &self,
        jr_number: &str,
        headers: &[(N, V)],
        caller: &Caller,
        runs: &R,
        request_id: &RequestId,
        process_id: &ProcessId,
    ) -> CancelOutcome {
        let head = RequestHead::<JournalRunNumber, _>::read(jr_number, headers, |_| Ok(caller));
        let decision = head
            .request
            .clone()
            .and_then(|request| Self::decide(request.target, request.scope, caller, runs));
        let response = match &decision {
            Ok(_) => Self::response(200, &head.echo, request_id, CommonResponse::success()),
            Err(error) => self.respond_with_error(error, &head.echo, request_id, process_id),
        };
        CancelOutcome { response, decision }
    }

    /// The response to a request rejected with `error`: the status of its category under
    /// [`Self::status_mapping`], a `CommonResponse` failure body with one reason, and the
    /// headers (`WWW-Authenticate: Bearer` with a 401). For faults the embedding system finds
    /// itself, such as an unsupported method.
    #[must_use]
    pub fn error_response<N: AsRef<str>, V: AsRef<str>>(
        &self,
        error: &Error,
        headers: &[(N, V)],
        request_id: &RequestId,
        process_id: &ProcessId,
    ) -> Response {
        self.respond_with_error(error, &Echo::read(headers), request_id, process_id)
    }

    /// The response to a request read into `head` and rejected with `error`: as
    /// [`Self::error_response`].
    #[must_use]
    pub fn reject<P, C>(
        &self,
        error: &Error,
        head: &RequestHead<P, C>,
        request_id: &RequestId,
        process_id: &ProcessId,
    ) -> Response {
        self.respond_with_error(error, &head.echo, request_id, process_id)
    }

    /// [`Self::error_response`], for a request whose headers are read.
    fn respond_with_error(
        &self,
        error: &Error,
        echo: &Echo,
        request_id: &RequestId,
        process_id: &ProcessId,
    ) -> Response {
        let category = category(error);
        let reason = Reason {
            code: self.code(category),
            message: error.to_string(),
        };
        let mut response = Self::response(
            self.status_mapping.status_of(error),
            echo,
            request_id,
            CommonResponse::failure(request_id, process_id, vec![reason]),
        );
        if response.status == 401 {
            response
                .headers
                .push((WWW_AUTHENTICATE, "Bearer".to_owned()));
        }
        if let Error::Request(RequestError::UnsupportedMethod { allowed, .. }) = error {
            if response.status == 405 {
                response.headers.push((ALLOW, allowed.join(", ")));
            }
        }
        response
    }

    /// A response with `status` and `body`, and the headers `Content-Type`,
    /// `Zuora-Request-Id`, then the request's `Zuora-Track-Id` when it is valid.
    fn response(
        status: u16,
        echo: &Echo,
        request_id: &RequestId,
        body: CommonResponse,
    ) -> Response {
        Response {
            status,
            headers: response_headers(echo, request_id),
            body,
            gzip_accepted: echo.gzip_accepted,
        }
    }

    /// The eight-digit code of a fault of `category`.
    #[must_use]
    pub fn code(&self, category: ErrorCategory) -> ReasonCode {
        let resource = if category == ErrorCategory::AuthenticationFailed {
            self.authentication_resource
        } else {
            self.resource
        };
        ReasonCode::new(resource, category)
    }

    /// Step 4 of the precedence, on the typed request: [`JournalRun::decide`] on the run the
    /// request names, looked up in the request's entity, or [`JournalRun::decide_absent`].
    fn decide<R: RunLookup + ?Sized>(
        number: JournalRunNumber,
        scope: RequestScope,
        caller: &Caller,
        runs: &R,
    ) -> Result<Event, Error> {
        // A fault of the entity header is answered by `decide`, in its turn.
        let lookup_entity = caller
            .entity_for(scope.entity.as_ref())
            .ok()
            .flatten()
            .cloned();
        let command = Command::CancelRun { run: number, scope };
        match runs.journal_run(lookup_entity.as_ref(), number) {
            Some(run) => Ok(run.decide(caller, &command)?),
            None => Err(JournalRun::decide_absent(caller, &command).into()),
        }
    }
}

/// What a response echoes of the request, whatever the outcome: its valid `Zuora-Track-Id`,
/// and whether its `Accept-Encoding` accepts gzip.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Echo {
    track_id: Option<TrackId>,
    gzip_accepted: bool,
}

impl Echo {
    /// Reads the two headers a response echoes.
    fn read<N: AsRef<str>, V: AsRef<str>>(headers: &[(N, V)]) -> Self {
        Self::with_track_id(headers, track_id(headers).ok().flatten())
    }

    fn with_track_id<N: AsRef<str>, V: AsRef<str>>(
        headers: &[(N, V)],
        track_id: Option<TrackId>,
    ) -> Self {
        Self {
            track_id,
            gzip_accepted: accepts_gzip(list_header(headers, ACCEPT_ENCODING).as_deref()),
        }
    }
}

/// The path parameter of an operation: a journal run number (`{jr-number}`), a journal entry
/// number (`{je-number}`), or none (`()`). Sealed: these three are all.
pub trait PathParameter: Sized + sealed::Sealed {
    /// Reads the raw path segment.
    ///
    /// # Errors
    ///
    /// [`RequestError::PathNumber`] or [`RequestError::PathEntryNumber`].
    fn read(raw: &str) -> Result<Self, RequestError>;
}

impl PathParameter for JournalRunNumber {
    fn read(raw: &str) -> Result<Self, RequestError> {
        Self::parse(raw).map_err(RequestError::PathNumber)
    }
}

impl PathParameter for JournalEntryNumber {
    fn read(raw: &str) -> Result<Self, RequestError> {
        Self::parse(raw).map_err(RequestError::PathEntryNumber)
    }
}

impl PathParameter for () {
    fn read(_raw: &str) -> Result<Self, RequestError> {
        Ok(())
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::number::JournalRunNumber {}
    impl Sealed for crate::number::JournalEntryNumber {}
    impl Sealed for () {}
}

/// A request of any operation on journal runs and entries, read once from the raw path
/// parameter and headers, at the boundary, in the order of precedence of docs/WIRE.md:
///
/// 1. `Authorization`: given exactly once, as `Bearer <token>`, then the token authenticated
///    by the embedding system (category 11);
/// 2. the path parameter (category 20);
/// 3. `Zuora-Track-Id`, `Zuora-Entity-Ids`, `Zuora-Org-Ids`, each at most once and well
///    formed (category 20).
///
/// The rules then decide on the typed request ([`JournalRun::decide`],
/// [`JournalRun::authorize_query`]). A request refused here reaches no rule and changes
/// nothing; its answer is Zuora's (INV-20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead<P, C> {
    /// The typed request, or the first fault of steps 1 to 3.
    pub request: Result<Request<P, C>, Error>,
    echo: Echo,
}

/// A request read at the boundary: who makes it, what it names, and its scope headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<P, C> {
    /// What `authenticate` made of the bearer token: the caller.
    pub caller: C,
    /// The path parameter.
    pub target: P,
    /// The scope headers.
    pub scope: RequestScope,
}

impl<P: PathParameter, C> RequestHead<P, C> {
    /// Reads a request: each header once; its faults in the order of precedence.
    /// `authenticate` resolves the bearer token to a caller (or refuses it, for example
    /// [`AuthorizationError::InvalidToken`]); it runs only when the header's shape is right.
    pub fn read<N: AsRef<str>, V: AsRef<str>>(
        path_parameter: &str,
        headers: &[(N, V)],
        authenticate: impl FnOnce(&str) -> Result<C, AuthorizationError>,
    ) -> Self {
        let track_id = track_id(headers);
        let echo = Echo::with_track_id(headers, track_id.as_ref().ok().cloned().flatten());
        let request = Self::parse(path_parameter, headers, track_id, authenticate);
        Self { request, echo }
    }

    fn parse<N: AsRef<str>, V: AsRef<str>>(
        path_parameter: &str,
        headers: &[(N, V)],
        track_id: Result<Option<TrackId>, Error>,
        authenticate: impl FnOnce(&str) -> Result<C, AuthorizationError>,
    ) -> Result<Request<P, C>, Error> {
        let authorization = match single_header(headers, AUTHORIZATION) {
            Ok(Some(value)) => value,
            Ok(None) => return Err(RequestError::from(AuthorizationError::Missing).into()),
            Err(RequestError::RepeatedHeader { count, .. }) => {
                return Err(RequestError::from(AuthorizationError::Repeated { count }).into())
            }
            Err(other) => return Err(other.into()),
        };
        let token = bearer_token(authorization).map_err(RequestError::from)?;
        let caller = authenticate(token).map_err(RequestError::from)?;
        let target = P::read(path_parameter)?;
        track_id?;
        let entity = single_header(headers, ZUORA_ENTITY_IDS)?
            .map(EntityId::parse)
            .transpose()?;
        let orgs = single_header(headers, ZUORA_ORG_IDS)?
            .map(OrgIds::parse)
            .transpose()?;
        Ok(Request {
            caller,
            target,
            scope: RequestScope { entity, orgs },
        })
    }
}

impl<P, C> RequestHead<P, C> {
    /// The request's `Zuora-Track-Id`, when it gave a valid one: echoed whatever the outcome.
    #[must_use]
    pub const fn track_id(&self) -> Option<&TrackId> {
        self.echo.track_id.as_ref()
    }

    /// Whether the request's `Accept-Encoding` accepts gzip.
    #[must_use]
    pub const fn gzip_accepted(&self) -> bool {
        self.echo.gzip_accepted
    }

    /// The headers of every answer to this request, in order: `Content-Type`,
    /// `Zuora-Request-Id`, then `Zuora-Track-Id` when the request gave a valid one.
    #[must_use]
    pub fn response_headers(&self, request_id: &RequestId) -> Vec<(&'static str, String)> {
        response_headers(&self.echo, request_id)
    }
}

/// The headers of every answer: `Content-Type`, `Zuora-Request-Id`, then the request's
/// `Zuora-Track-Id` when it is valid.
fn response_headers(echo: &Echo, request_id: &RequestId) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        (CONTENT_TYPE, JSON_CONTENT_TYPE.to_owned()),
        (ZUORA_REQUEST_ID, request_id.as_str().to_owned()),
    ];
    if let Some(track_id) = &echo.track_id {
        headers.push((ZUORA_TRACK_ID, track_id.as_str().to_owned()));
    }
    headers
}

/// The request's `Zuora-Track-Id`, if given once and valid.
fn track_id<N: AsRef<str>, V: AsRef<str>>(headers: &[(N, V)]) -> Result<Option<TrackId>, Error> {
    single_header(headers, ZUORA_TRACK_ID)?
        .map(TrackId::parse)
        .transpose()
        .map_err(Error::from)
}
