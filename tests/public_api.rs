//! The public API, pinned: every public path of the library, listed in tests/public_api.txt.
//! Adding, removing or moving a public item fails this test until the list is updated, so
//! every change to the API is deliberate.
//!
//! The paths are read from the source, as rustc resolves them: the crate root's `pub use`
//! re-exports and `pub mod` namespaces, and in each public namespace (`wire`, `invariants`, `words`,
//! `tenant`, and `rules` and `strategy` behind their features) its `pub use` re-exports and
//! its own top-level `pub` items. Every other module is private (`mod`), so its items are
//! public only through a re-export. The types that implement `arbitrary::Arbitrary` (feature
//! `arbitrary`) are listed too, as `impl arbitrary::Arbitrary for journal_run::Type`.
//! Regenerate the list with `PUBLIC_API=overwrite cargo test --test public_api`.

use std::fs;
use std::path::Path;

/// The top-level code of a file: comments removed, and only what is not inside braces (a
/// `pub use a::{B, C};` group is kept whole).
fn code_lines(source: &str) -> String {
    source
        .lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names a `pub use` statement makes public: the last segment of each path.
fn use_names(statement: &str) -> Vec<String> {
    let body = statement.trim_end_matches(';');
    let names: Vec<&str> = match (body.find('{'), body.rfind('}')) {
        (Some(open), Some(close)) => body[open + 1..close].split(',').collect(),
        _ => vec![body],
    };
    names
        .into_iter()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            let n = n.rsplit(" as ").next().unwrap_or(n);
            n.rsplit("::").next().unwrap_or(n).trim().to_owned()
        })
        .collect()
}

/// The public items of one module file, as (name, the feature it is behind) pairs: its
/// `pub use` re-exports, `pub mod` namespaces and own top-level `pub` items. Items nested in
/// braces (fields, methods, enum variants) are not items of the module.
fn public_items(source: &str) -> Vec<(String, Option<String>)> {
    let code = code_lines(source);
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut statement = String::new();
    let mut gated: Option<String> = None;
    let mut skip_next = false;
    for line in code.lines() {
        let trimmed = line.trim();
        if depth == 0 && statement.is_empty() {
            if let Some(rest) = trimmed.strip_prefix("#[cfg(feature = \"") {
                gated = rest.split('"').next().map(str::to_owned);
                continue;
            }
            if trimmed.starts_with("#[cfg(doctest)]") {
                // Compiled only for doctests: not part of the API.
                skip_next = true;
                continue;
            }
            if trimmed.starts_with("pub use ") {
                statement.push_str(trimmed);
            } else if let Some(rest) = trimmed.strip_prefix("pub ") {
                let words: Vec<&str> = rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .collect();
                let name = match words.as_slice() {
                    ["const", "fn", name, ..] | ["unsafe", "fn", name, ..] => Some(*name),
                    ["fn" | "struct" | "enum" | "trait" | "const" | "static" | "type" | "mod", name, ..] => {
                        Some(*name)
                    }
                    _ => None,
                };
                if let Some(name) = name.filter(|_| !std::mem::take(&mut skip_next)) {
                    let prefix = if rest.starts_with("mod ") { "mod " } else { "" };
                    items.push((format!("{prefix}{name}"), gated.clone()));
                }
                gated = None;
            } else if !trimmed.starts_with('#') && !trimmed.is_empty() {
                gated = None;
            }
        } else if !statement.is_empty() {
            statement.push(' ');
            statement.push_str(trimmed);
        }
        if !statement.is_empty() && statement.ends_with(';') {
            for name in use_names(statement.trim_start_matches("pub use ")) {
                items.push((name, gated.clone()));
            }
            statement.clear();
            gated = None;
            continue;
        }
        if statement.is_empty() {
            depth += line.matches('{').count();
            depth = depth.saturating_sub(line.matches('}').count());
        }
    }
    items
}

/// Every public path of the library, sorted: `journal_run::Item`, `journal_run::wire::Item`,
/// namespaces as `mod journal_run::wire`; a path behind a feature ends with the feature, as
/// `(feature rules)`.
fn public_api() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let read = |path: &str| fs::read_to_string(src.join(path)).unwrap();
    let mut paths = Vec::new();
    for (name, gated) in public_items(&read("lib.rs")) {
        let suffix = gated.map_or_else(String::new, |feature| format!(" (feature {feature})"));
        match name.strip_prefix("mod ") {
            Some(module) => {
                paths.push(format!("mod journal_run::{module}{suffix}"));
                let file = if module == "wire" {
                    "wire/mod.rs".to_owned()
                } else {
                    format!("{module}.rs")
                };
                for (item, _) in public_items(&read(&file)) {
                    paths.push(format!("journal_run::{module}::{item}{suffix}"));
                }
            }
            None => paths.push(format!("journal_run::{name}{suffix}")),
        }
    }
    for name in arbitrary_types(&src) {
        paths.push(format!(
            "impl arbitrary::Arbitrary for journal_run::{name} (feature arbitrary)"
        ));
    }
    paths.sort();
    paths
}

/// The types that implement `arbitrary::Arbitrary`, read from the source: each
/// `derive(arbitrary::Arbitrary)` with the type it is on, and each
/// `impl<'a> arbitrary::Arbitrary<'a> for Type`; inside a `macro_rules!`, `$name` stands for
/// the first name of each invocation of the macro.
fn arbitrary_types(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut names = Vec::new();
    for file in files {
        let code = code_lines(&fs::read_to_string(&file).unwrap());
        let lines: Vec<&str> = code.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            let name = if line.contains("derive(arbitrary::Arbitrary)") {
                lines[i + 1..]
                    .iter()
                    .find_map(|l| {
                        let rest = l.strip_prefix("pub ")?;
                        let rest = rest
                            .strip_prefix("struct ")
                            .or_else(|| rest.strip_prefix("enum "))?;
                        rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                            .next()
                    })
                    .unwrap()
            } else if let Some(rest) = line
                .strip_prefix("impl<'a> arbitrary::Arbitrary<'a> for ")
                .map(|rest| rest.trim_end_matches(" {"))
            {
                rest
            } else {
                continue;
            };
            match name.strip_prefix('$') {
                None => names.push(name.to_owned()),
                Some(_) => names.extend(macro_names(&lines, i)),
            }
        }
    }
    names.sort();
    names
}

/// The first name of each invocation of the `macro_rules!` that line `at` is in.
fn macro_names(lines: &[&str], at: usize) -> Vec<String> {
    let definition = lines[..at]
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("macro_rules! "))
        .unwrap();
    let invocation = format!("{}!(", definition.trim_end_matches(" {"));
    let mut names = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line == invocation {
            let first = lines[i + 1..]
                .iter()
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .unwrap();
            names.push(
                first
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    names
}

#[test]
fn the_public_api_is_the_pinned_list() {
    let pinned_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/public_api.txt");
    let actual = public_api();
    let text: String = actual.iter().map(|p| format!("{p}\n")).collect();
    if std::env::var_os("PUBLIC_API").is_some_and(|v| v == "overwrite") {
        fs::write(&pinned_file, &text).unwrap();
    }
    let pinned = fs::read_to_string(&pinned_file).unwrap();
    let pinned: Vec<&str> = pinned.lines().collect();
    let added: Vec<&String> = actual
        .iter()
        .filter(|p| !pinned.contains(&p.as_str()))
        .collect();
    let removed: Vec<&&str> = pinned
        .iter()
        .filter(|p| !actual.iter().any(|a| a == **p))
        .collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "the public API changed: added {added:?}, removed {removed:?}; if deliberate, update \
         tests/public_api.txt (PUBLIC_API=overwrite cargo test --test public_api)"
    );
}

#[test]
fn every_module_but_the_public_namespaces_is_private() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let namespaces: Vec<String> = public_items(&lib)
        .into_iter()
        .filter_map(|(name, _)| name.strip_prefix("mod ").map(str::to_owned))
        .collect();
    assert_eq!(
        namespaces,
        ["invariants", "rules", "strategy", "tenant", "wire", "words"]
    );
}

/// The reading of the source finds items, re-exports, namespaces and the feature gate, and
/// skips what is nested or commented out.
#[test]
fn the_reader_finds_every_kind_of_public_item() {
    let source = "\
//! pub fn in_a_comment() {}
mod private;
pub mod open;
#[cfg(feature = \"rules\")]
pub mod gated;
pub use a::{B, c::D,
    E as F};
pub use g::H;
pub(crate) fn crate_only() {}
pub const fn konst() -> u8 { 0 }
pub struct S {
    pub field: u8,
}
impl S {
    pub fn method(&self) {}
}
pub enum En { A }
pub const N: u8 = 1;
pub trait T {}
#[cfg(doctest)]
pub struct OnlyForDoctests;
";
    let items: Vec<(String, Option<String>)> = public_items(source);
    let expected: Vec<(String, Option<String>)> = [
        ("mod open", None),
        ("mod gated", Some("rules")),
        ("B", None),
        ("D", None),
        ("F", None),
        ("H", None),
        ("konst", None),
        ("S", None),
        ("En", None),
        ("N", None),
        ("T", None),
    ]
    .into_iter()
    .map(|(n, g)| (n.to_owned(), g.map(str::to_owned)))
    .collect();
    assert_eq!(items, expected);
}

/// Every pinned path names an item that exists: this module uses each one, so removing or
/// moving one breaks the build as well as the test above.
#[allow(unused_imports)]
mod every_path_compiles {
    use journal_run::invariants::{
        check_declared_count, check_history, check_state, check_transition, status_can_follow,
        Invariant, SnapshotError, Violation,
    };
    #[cfg(feature = "rules")]
    use journal_run::rules::{entry_table, markdown, mermaid, run_table, Outcome, Row};
    use journal_run::strategy::{
        any_caller, any_scope, caller, cancellable_status, created_entries, entries, event,
        job_moves, labels, moves, request_move, run, run_with_a_job, scope,
        transferred_to_accounting, Move, ENTITIES, ENTRY_NUMBERS, FOREIGN_ENTITY, FOREIGN_ORG,
        HELD_ENTRIES, ORGS, OTHER_RUN, RUN,
    };
    use journal_run::tenant::{check_tenant, create_run, TenantAction};
    use journal_run::wire::{
        accepts_gzip, bearer_token, category, gzippable_content_type, rejection_category,
        require_method, should_gzip, AuthorizationError, BodyError, CancelHandler, CancelOutcome,
        CommonResponse, ContentEncoding, CreateJournalRunRequest, CreateOrganizationLabel,
        DateError, DocumentError, ErrorCategory, ErrorResponse, GetJournalEntriesInJournalRunType,
        GetJournalEntryDetailType, GetJournalEntryItemType, GetJournalEntrySegmentType,
        GetJournalRunTransactionType, GetJournalRunType, HttpStatusMapping, IdError, IsoDate,
        Nullable, OrganizationLabel, PostJournalRunType, ProcessId, Reason, ReasonCode,
        RequestError, RequestId, ResourceCode, Response, RunLookup, RunSnapshot, Value,
        ACCEPT_ENCODING, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, GZIP_CONTENT_TYPES,
        GZIP_THRESHOLD, JSON_CONTENT_TYPE, WWW_AUTHENTICATE, ZUORA_ENTITY_IDS, ZUORA_ORG_IDS,
        ZUORA_REQUEST_ID, ZUORA_TRACK_ID,
    };
    use journal_run::{
        change_needs_override, integration_transition, ApplyError, AttemptOutcome, Auditable,
        Caller, Cancellability, CancellableStatus, CancellationJob, CharacterFault, Command,
        CommandKind, CreateRun, EntityId, Error, Event, HeaderError, Job, JournalEntry,
        JournalEntryNumber, JournalEntryStatus, JournalRun, JournalRunNumber, JournalRunStatus,
        NumberError, OrgAccess, OrgId, OrgIds, Permission, PermissionKind, PermissionSet,
        Rejection, RequestScope, RunState, Settlement, TrackId, TransactionType, TransferResult,
        TransferredToAccounting, UncheckedRun, UnknownVariant, PRECEDENCE,
    };

    /// Every type pinned as implementing `arbitrary::Arbitrary` does.
    #[test]
    fn the_arbitrary_types_implement_it() {
        fn arbitrary<T: for<'a> arbitrary::Arbitrary<'a>>() {}
        arbitrary::<AttemptOutcome>();
        arbitrary::<Caller>();
        arbitrary::<Cancellability>();
        arbitrary::<CancellableStatus>();
        arbitrary::<CancellationJob>();
        arbitrary::<Command>();
        arbitrary::<CommandKind>();
        arbitrary::<CreateRun>();
        arbitrary::<EntityId>();
        arbitrary::<Event>();
        arbitrary::<Job>();
        arbitrary::<JournalEntry>();
        arbitrary::<JournalEntryNumber>();
        arbitrary::<JournalEntryStatus>();
        arbitrary::<JournalRun>();
        arbitrary::<JournalRunNumber>();
        arbitrary::<JournalRunStatus>();
        arbitrary::<OrgAccess>();
        arbitrary::<OrgId>();
        arbitrary::<OrgIds>();
        arbitrary::<Permission>();
        arbitrary::<PermissionKind>();
        arbitrary::<PermissionSet>();
        arbitrary::<RequestScope>();
        arbitrary::<RunState>();
        arbitrary::<Settlement>();
        arbitrary::<TrackId>();
        arbitrary::<TransactionType>();
        arbitrary::<TransferResult>();
        arbitrary::<TransferredToAccounting>();
        arbitrary::<UncheckedRun>();
    }
}
