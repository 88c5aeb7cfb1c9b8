//! Compression: `should_gzip` (responses) and `ContentEncoding` (requests).

use journal_run::wire::ErrorCategory;
use journal_run::wire::{
    accepts_gzip, gzippable_content_type, should_gzip, ContentEncoding, RequestError,
    GZIP_CONTENT_TYPES, GZIP_THRESHOLD,
};
use journal_run::Error;
use proptest::prelude::*;

#[test]
fn gzip_only_over_1000_bytes() {
    assert_eq!(GZIP_THRESHOLD, 1000);
    let json = "application/json";
    assert!(!should_gzip(Some("gzip"), json, 0));
    assert!(!should_gzip(Some("gzip"), json, 1000));
    assert!(should_gzip(Some("gzip"), json, 1001));
}

#[test]
fn gzip_only_the_listed_content_types() {
    for listed in GZIP_CONTENT_TYPES {
        assert!(should_gzip(Some("gzip"), listed, 5000), "{listed}");
    }
    assert!(should_gzip(
        Some("gzip"),
        "application/json; charset=utf-8",
        5000
    ));
    assert!(should_gzip(Some("gzip"), " Text/CSV ;header=present", 5000));
    for other in [
        "application/pdf",
        "image/png",
        "application/octet-stream",
        "application/jsonx",
        "text/html2",
        "",
    ] {
        assert!(!should_gzip(Some("gzip"), other, 5000), "{other}");
        assert!(!gzippable_content_type(other), "{other}");
    }
}

#[test]
fn accept_encoding_lists_and_weights() {
    let accepted = [
        "gzip",
        "GZIP",
        "x-gzip",
        "br, gzip",
        "gzip;q=0.5",
        "gzip; q=1",
        "gzip;q=1.000",
        "gzip;q=0.001",
        "*",
        "br, *;q=0.1",
        "deflate , gzip ;q=0.8",
    ];
    for value in accepted {
        assert!(accepts_gzip(Some(value)), "{value}");
    }
    let refused = [
        "",
        "br",
        "identity",
        "deflate, br",
        "gzip;q=0",
        "gzip;q=0.000",
        "*;q=0",
        // An explicit refusal of gzip wins over the wildcard.
        "*, gzip;q=0",
        // Malformed weights: the item is ignored.
        "gzip;q=2",
        "gzip;q=1.5",
        "gzip;q=0.0001",
        "gzip;q=abc",
        "gzip;q",
        "gzipped",
    ];
    for value in refused {
        assert!(!accepts_gzip(Some(value)), "{value}");
    }
    assert!(!accepts_gzip(None));
    assert!(!should_gzip(None, "application/json", 5000));
}

#[test]
fn request_content_encoding() {
    assert_eq!(ContentEncoding::parse(None), Ok(ContentEncoding::Identity));
    assert_eq!(
        ContentEncoding::parse(Some("")),
        Ok(ContentEncoding::Identity)
    );
    assert_eq!(
        ContentEncoding::parse(Some("identity")),
        Ok(ContentEncoding::Identity)
    );
    assert_eq!(
        ContentEncoding::parse(Some(" GZip ")),
        Ok(ContentEncoding::Gzip)
    );
    assert_eq!(
        ContentEncoding::parse(Some("x-gzip")),
        Ok(ContentEncoding::Gzip)
    );
    for unsupported in ["br", "deflate", "gzip, gzip", "gzip;q=1", "compress"] {
        let error = ContentEncoding::parse(Some(unsupported)).unwrap_err();
        assert_eq!(
            error,
            RequestError::UnsupportedContentEncoding {
                value: unsupported.to_owned()
            }
        );
        // A header value the operation does not accept: 20 (45 is for an HTTP method).
        assert_eq!(
            journal_run::wire::category(&Error::from(error)),
            ErrorCategory::InvalidValue
        );
    }
}

proptest! {
    /// The three conditions of the rule are each necessary and together sufficient.
    #[test]
    fn should_gzip_is_the_conjunction_of_its_three_conditions(
        accept in prop::sample::select(vec!["gzip", "br", "*", "gzip;q=0", "identity, x-gzip"]),
        content_type in prop::sample::select(vec!["application/json", "text/plain; charset=utf-8", "image/png", "application/xml"]),
        len in 0usize..3000,
    ) {
        prop_assert_eq!(
            should_gzip(Some(accept), content_type, len),
            accepts_gzip(Some(accept)) && gzippable_content_type(content_type) && len > 1000
        );
    }

    /// Any header text is read without a panic, and gzip is never accepted unless the text
    /// names gzip or the wildcard.
    #[test]
    fn accept_encoding_never_accepts_gzip_unless_named(value in ".{0,40}") {
        let lower = value.to_ascii_lowercase();
        if accepts_gzip(Some(&value)) {
            prop_assert!(lower.contains("gzip") || lower.contains('*'), "{}", value);
        }
    }
}
