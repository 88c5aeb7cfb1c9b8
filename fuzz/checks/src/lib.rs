//! The checks the fuzz targets of `journal-run` run, as plain functions.
//!
//! Each fuzz target in `fuzz/fuzz_targets/` is one line: it hands its input to a `check`
//! function here. The root package's `tests/fuzz_corpus.rs` hands every file of
//! `fuzz/corpus/<target>/` to the same function under `cargo test` on stable Rust, so the
//! committed corpus, crash inputs included, is a regression suite.
//!
//! A check panics when an invariant of docs/INVARIANTS.md does not hold; the message names it
//! (`INV-n`) or the decision it checks (`D-n`, docs/DECISIONS.md).

use std::borrow::Cow;

pub mod cli_reader;
pub mod headers;
pub mod numbers;
pub mod transitions;
pub mod wire_json;

/// A check: panics when its input shows a broken invariant.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name: the name of the target, of its corpus folder, and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("numbers", numbers::check),
    ("headers", headers::check),
    ("transitions", transitions::check),
    ("wire_json", wire_json::check),
    ("cli_reader", cli_reader::check),
];

/// The input as text: invalid UTF-8 sequences become U+FFFD, so every input reaches the
/// parsers.
#[must_use]
pub fn text_of(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}
