//! The request side: header names, reading raw headers, the `Authorization` header's shape,
//! and the faults of a request that are not the state machine's.

/// `Zuora-Track-Id`: echoed in the response when given.
pub const ZUORA_TRACK_ID: &str = "Zuora-Track-Id";
/// `Zuora-Entity-Ids`: the entity the request acts in.
pub const ZUORA_ENTITY_IDS: &str = "Zuora-Entity-Ids";
/// `Zuora-Org-Ids`: the orgs the request acts in.
pub const ZUORA_ORG_IDS: &str = "Zuora-Org-Ids";
/// `Authorization`: `Bearer <token>`.
pub const AUTHORIZATION: &str = "Authorization";
/// `Accept-Encoding`: whether the response may be gzipped.
pub const ACCEPT_ENCODING: &str = "Accept-Encoding";
/// `Content-Encoding`: how a payload is encoded.
pub const CONTENT_ENCODING: &str = "Content-Encoding";
/// `Zuora-Request-Id`: the response header carrying the request's id.
pub const ZUORA_REQUEST_ID: &str = "Zuora-Request-Id";
/// `Content-Type`.
pub const CONTENT_TYPE: &str = "Content-Type";
/// `WWW-Authenticate`: sent with every 401.
pub const WWW_AUTHENTICATE: &str = "WWW-Authenticate";
/// The `Allow` header: the methods of a 405 answer's endpoint (RFC 9110, section 10.2.1).
pub const ALLOW: &str = "Allow";

/// A fault of the request itself, before the state machine sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The `{jr-number}` path parameter is not a journal run number.
    #[error("path parameter jr-number: {0}")]
    PathNumber(#[source] crate::number::NumberError),
    /// The `{je-number}` path parameter is not a journal entry number.
    #[error("path parameter je-number: {0}")]
    PathEntryNumber(#[source] crate::number::NumberError),
    /// A query parameter is not valid (`page`, `pageSize`).
    #[error("query parameter {name}: {reason}")]
    QueryParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong, quoting the value as messages quote input ([`crate::clip`]).
        reason: String,
    },
    /// No operation has this path.
    #[error("no operation has the path `{path}`")]
    UnknownPath {
        /// The path (at most 128 characters of it, with characters outside visible US-ASCII
        /// written `\u{..}`).
        path: String,
    },
    /// The operation exists in Zuora's API, but this implementation does not carry it out.
    #[error("{operation} is not emulated here")]
    NotEmulated {
        /// The operation, such as `POST /v1/journal-entries`.
        operation: String,
    },
    /// The request's payload is larger than the limit.
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The request's payload did not arrive whole: its connection was closed before it (or it
    /// sent fewer bytes than its `Content-Length` said), or it stalled past the embedding
    /// system's deadline. Nothing is kept of such a request, not even under its
    /// `Idempotency-Key` (docs/DECISIONS.md, D-38).
    #[error(
        "the request body did not arrive whole: {received} bytes came before its connection ended or stalled"
    )]
    BodyIncomplete {
        /// How many bytes arrived.
        received: usize,
    },
    /// The request's payload is not what its `Content-Encoding` says it is (a gzip stream that
    /// ends inside a member, or holds bytes that are no member).
    #[error("the request body is not {encoding} data, as its Content-Encoding says")]
    BodyEncoding {
        /// The encoding (`gzip`).
        encoding: &'static str,
    },
    /// The embedding system cannot keep what the request asks for now (its store stopped, as
    /// when it shuts down): nothing of the request is kept, and the same request may be sent
    /// again. A temporary error: Zuora's error-handling guide counts its category among those
    /// worth retrying (docs/DECISIONS.md, D-42).
    #[error("the request cannot be carried out now: {reason}; nothing of it was kept, and it may be sent again")]
    Unavailable {
        /// Why, such as `the store stopped`.
        reason: String,
    },
    /// A header that may be given once is given several times (`Authorization` excepted: that
    /// is [`AuthorizationError::Repeated`]).
    #[error("{name} is given {count} times; it may be given at most once")]
    RepeatedHeader {
        /// The header.
        name: &'static str,
        /// How many times it was given.
        count: usize,
    },
    /// `Authorization` is missing or not `Bearer <token>`.
    #[error(transparent)]
    Authorization(#[from] AuthorizationError),
    /// A `Content-Encoding` other than gzip or identity, on a request with a payload.
    #[error("Content-Encoding `{value}` is not supported; use gzip or identity")]
    UnsupportedContentEncoding {
        /// The value given.
        value: String,
    },
    /// The endpoint does not support the request's HTTP method.
    #[error("{path} does not support the HTTP method `{method}`; use {}", .allowed.join(" or "))]
    UnsupportedMethod {
        /// The method given (at most 16 characters of it are kept).
        method: String,
        /// The endpoint, such as `/v1/journal-runs/{jr-number}/cancel`.
        path: &'static str,
        /// The methods the endpoint supports, such as `["GET", "DELETE"]`: a 405 answer's
        /// `Allow` header.
        allowed: &'static [&'static str],
    },
}

/// Checks a request's HTTP method against those `path` supports. Methods are
/// case-sensitive (RFC 9110, section 9.1): `put` is not `PUT`.
///
/// # Errors
///
/// [`RequestError::UnsupportedMethod`] (category 45) for any other method.
pub fn require_method(
    method: &str,
    path: &'static str,
    allowed: &'static [&'static str],
) -> Result<(), RequestError> {
    if allowed.contains(&method) {
        return Ok(());
    }
    Err(RequestError::UnsupportedMethod {
        method: method.chars().take(16).collect(),
        path,
        allowed,
    })
}

/// What is wrong with the `Authorization` header. The messages never quote the header, which
/// carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// No `Authorization` header.
    #[error("the Authorization header is missing; send `Authorization: Bearer <token>`")]
    Missing,
    /// `Authorization` given more than once: no single credential to check.
    #[error("the Authorization header is given {count} times; send it once: `Authorization: Bearer <token>`")]
    Repeated {
        /// How many times it was given.
        count: usize,
    },
    /// The scheme is not `Bearer`.
    #[error("the Authorization header does not use the Bearer scheme; send `Authorization: Bearer <token>`")]
    NotBearer,
    /// The token is well formed but unknown, or it has expired: request a new one.
    #[error("the bearer token is not valid or has expired; request a new one from /oauth/token")]
    InvalidToken,
    /// `Bearer` with no token after it.
    #[error("the Authorization header has no token after `Bearer`")]
    MissingToken,
    /// The token holds a character that is not visible US-ASCII (`!` to `~`).
    #[error("the bearer token holds a character that is not visible US-ASCII, at character {} of the token", crate::quote::counted(*.position))]
    TokenCharacter {
        /// The character's 0-based offset in the token (messages count from 1).
        position: usize,
    },
}

/// The token of an `Authorization: Bearer <token>` value: the scheme `Bearer` in any case,
/// one or more spaces, then a non-empty token of visible US-ASCII characters (`!` to `~`).
///
/// The handler checks only this shape; resolving the token to a [`Caller`](crate::Caller) is
/// the embedding system's part.
///
/// # Errors
///
/// An [`AuthorizationError`] saying what is wrong, without quoting the value.
pub fn bearer_token(authorization: &str) -> Result<&str, AuthorizationError> {
    let value = authorization.trim_matches([' ', '\t']);
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(AuthorizationError::NotBearer);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(AuthorizationError::MissingToken);
    }
    if let Some(position) = token.chars().position(|c| !c.is_ascii_graphic()) {
        return Err(AuthorizationError::TokenCharacter { position });
    }
    Ok(token)
}

/// The values of header `name` (case-insensitive), without surrounding spaces and tabs.
pub(crate) fn header_values<'h, N: AsRef<str>, V: AsRef<str>>(
    headers: &'h [(N, V)],
    name: &'h str,
) -> impl Iterator<Item = &'h str> + 'h {
    headers
        .iter()
        .filter(move |(n, _)| {
            n.as_ref()
                .trim_matches([' ', '\t'])
                .eq_ignore_ascii_case(name)
        })
        .map(|(_, v)| v.as_ref().trim_matches([' ', '\t']))
}

/// The one value of header `name`, if given.
///
/// # Errors
///
/// [`RequestError::RepeatedHeader`] when it is given more than once.
pub(crate) fn single_header<'h, N: AsRef<str>, V: AsRef<str>>(
    headers: &'h [(N, V)],
    name: &'static str,
) -> Result<Option<&'h str>, RequestError> {
    let mut values = header_values(headers, name);
    let first = values.next();
    let more = values.count();
    if more > 0 {
        return Err(RequestError::RepeatedHeader {
            name,
            count: more + 1,
        });
    }
    Ok(first)
}

/// The values of a list header (`Accept-Encoding`) given several times, joined with commas,
/// as HTTP allows.
pub(crate) fn list_header<N: AsRef<str>, V: AsRef<str>>(
    headers: &[(N, V)],
    name: &str,
) -> Option<String> {
    let values: Vec<&str> = header_values(headers, name).collect();
    (!values.is_empty()).then(|| values.join(","))
}
