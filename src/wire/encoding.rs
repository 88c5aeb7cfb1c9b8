//! Compression: when a response is gzipped (`Accept-Encoding`), and what a request's
//! `Content-Encoding` asks for.
//!
//! Zuora: "If specified [`Accept-Encoding: gzip`], Zuora automatically compresses responses
//! that contain over 1000 bytes of data", only for `application/json`, `application/xml`,
//! `text/html`, `text/csv` and `text/plain`; "`Content-Encoding: gzip`: the request payload is
//! gzipped".

use crate::wire::request::RequestError;

/// Responses whose body is longer than this many bytes (uncompressed) are gzipped.
pub const GZIP_THRESHOLD: usize = 1000;

/// The media types Zuora gzips.
pub const GZIP_CONTENT_TYPES: [&str; 5] = [
    "application/json",
    "application/xml",
    "text/html",
    "text/csv",
    "text/plain",
];

/// Whether an `Accept-Encoding` value accepts gzip.
///
/// The value is a comma-separated list of codings, each with an optional weight
/// (`gzip;q=0.5`). gzip is accepted when `gzip` (or its alias `x-gzip`) is listed with a
/// weight above zero, or, when it is not listed, when `*` is. Names are case-insensitive. An
/// item whose weight is malformed is ignored. `None` (no header) accepts nothing.
#[must_use]
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(value) = accept_encoding else {
        return false;
    };
    let mut gzip = None;
    let mut wildcard = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim_matches([' ', '\t']);
        let Some(weight) = weight(parts) else {
            continue;
        };
        let acceptable = weight > 0;
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(gzip.unwrap_or(false) || acceptable);
        } else if coding == "*" {
            wildcard = Some(wildcard.unwrap_or(false) || acceptable);
        }
    }
    gzip.or(wildcard).unwrap_or(false)
}

/// The weight of a coding, in thousandths (1000 when no `q` is given); `None` when malformed.
/// RFC 9110: `weight = OWS ";" OWS "q=" qvalue`, `qvalue = ("0" ["." 0*3DIGIT]) / ("1" ["." 0*3("0")])`.
fn weight<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    let mut weight = 1000;
    for param in params {
        let param = param.trim_matches([' ', '\t']);
        let (name, value) = param.split_once('=')?;
        let value = value.trim_matches([' ', '\t']);
        if !name.trim_matches([' ', '\t']).eq_ignore_ascii_case("q") {
            // Other parameters are not defined for codings; they do not change the weight.
            continue;
        }
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
        weight = match whole {
            "0" => thousandths,
            "1" if thousandths == 0 => 1000,
            _ => return None,
        };
    }
    Some(weight)
}

/// Whether a media type (a `Content-Type` value, parameters allowed) is one Zuora gzips.
#[must_use]
pub fn gzippable_content_type(content_type: &str) -> bool {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim_matches([' ', '\t']);
    GZIP_CONTENT_TYPES
        .iter()
        .any(|listed| media_type.eq_ignore_ascii_case(listed))
}

/// Whether a response is gzipped: the request accepts gzip ([`accepts_gzip`]), the body is one
/// of [`GZIP_CONTENT_TYPES`] and is over [`GZIP_THRESHOLD`] bytes before compression. When it
/// is, the response carries `Content-Encoding: gzip`.
#[must_use]
pub fn should_gzip(accept_encoding: Option<&str>, content_type: &str, body_len: usize) -> bool {
    accepts_gzip(accept_encoding) && gzip_response(content_type, body_len)
}

/// The response side of the rule, once the request is known to accept gzip.
pub(crate) fn gzip_response(content_type: &str, body_len: usize) -> bool {
    body_len > GZIP_THRESHOLD && gzippable_content_type(content_type)
}

/// What a request's `Content-Encoding` says about its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEncoding {
    /// Not encoded: no header, an empty one, or `identity`.
    Identity,
    /// Gzipped: `gzip` (or its alias `x-gzip`). Inflate the payload before reading it.
    Gzip,
}

impl ContentEncoding {
    /// Reads a request's `Content-Encoding` (case-insensitive; surrounding spaces ignored).
    ///
    /// The cancel request has no body, so its handler does not call this: a
    /// `Content-Encoding` there describes an empty payload and is ignored whatever it says.
    /// Operations with a payload call it before reading the body.
    ///
    /// # Errors
    ///
    /// [`RequestError::UnsupportedContentEncoding`] (category 20, an invalid header value) for
    /// any other coding, a list of several codings included.
    pub fn parse(content_encoding: Option<&str>) -> Result<Self, RequestError> {
        let value = content_encoding
            .unwrap_or_default()
            .trim_matches([' ', '\t']);
        if value.is_empty() || value.eq_ignore_ascii_case("identity") {
            Ok(Self::Identity)
        } else if value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip") {
            Ok(Self::Gzip)
        } else {
            Err(RequestError::UnsupportedContentEncoding {
                value: value.to_owned(),
            })
        }
    }
}
