//! docs/WIRE.md says what the code does: its example bodies are the handler's answers, and its
//! tables of categories, codes and HTTP statuses are the code's.

mod wire_support;

use journal_run::wire::ErrorCategory;
use journal_run::wire::{CancelHandler, HttpStatusMapping};
use strum::VariantArray;
use wire_support::*;

fn wire_md() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/WIRE.md")).unwrap()
}

/// Each `<!-- example: NAME -->`: the name, the heading above it and the JSON block below it.
fn examples(doc: &str) -> Vec<(String, String, serde_json::Value)> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = line
            .strip_prefix("<!-- example: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let heading = lines[..i]
            .iter()
            .rev()
            .find(|l| l.starts_with("#### "))
            .unwrap_or_else(|| panic!("{name}: no heading"));
        assert_eq!(
            lines[i + 1],
            "```json",
            "{name}: a ```json block follows the marker"
        );
        let end = lines[i + 2..]
            .iter()
            .position(|l| *l == "```")
            .unwrap_or_else(|| panic!("{name}: unterminated block"));
        let body = lines[i + 2..i + 2 + end].join("\n");
        let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        found.push((name.to_owned(), (*heading).to_owned(), json));
    }
    found
}

#[test]
fn every_example_body_is_the_handlers_answer() {
    let doc = wire_md();
    let documented = examples(&doc);
    for (name, heading, body) in &documented {
        let scenario = scenario_named(name);
        let response = scenario.run().response;
        assert_eq!(
            &serde_json::to_value(&response.body).unwrap(),
            body,
            "{name}"
        );
        assert!(
            heading.contains(&format!("HTTP {}", response.status)),
            "{name}: {heading}"
        );
        if let Some(code) = scenario.code {
            assert!(
                heading.contains(&format!("code `{code}`")),
                "{name}: {heading}"
            );
        }
    }
    let names: Vec<&str> = documented.iter().map(|(n, _, _)| n.as_str()).collect();
    for scenario in scenarios() {
        assert!(
            names.contains(&scenario.name),
            "docs/WIRE.md has no example for {}",
            scenario.name
        );
    }
}

/// The cells of the markdown table rows whose first cell satisfies `first`.
fn rows<'a>(
    doc: &'a str,
    first: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = Vec<String>> + 'a {
    doc.lines().filter_map(move |line| {
        let cells: Vec<String> = line
            .strip_prefix('|')?
            .strip_suffix('|')?
            .split(" | ")
            .map(|c| c.trim().to_owned())
            .collect();
        first(&cells[0]).then_some(cells)
    })
}

fn category(code: &str) -> ErrorCategory {
    let code: u8 = code.parse().unwrap();
    *ErrorCategory::VARIANTS
        .iter()
        .find(|c| c.code() == code)
        .unwrap_or_else(|| panic!("no category {code}"))
}

/// The table of HTTP statuses: `| category | meaning | Zuora | Rest | why |`.
#[test]
fn the_http_status_table_is_the_mapping() {
    let doc = wire_md();
    let table: Vec<Vec<String>> = rows(&doc, |c| c.len() == 2 && c.parse::<u8>().is_ok())
        .filter(|row| row.len() == 5)
        .collect();
    assert_eq!(table.len(), ErrorCategory::VARIANTS.len());
    for row in table {
        let zuora: u16 = row[2].parse().unwrap();
        let rest: u16 = row[3].parse().unwrap();
        let category = category(&row[0]);
        assert_eq!(HttpStatusMapping::Zuora.status(category), zuora, "{row:?}");
        assert_eq!(HttpStatusMapping::Rest.status(category), rest, "{row:?}");
    }
}

#[test]
fn the_precedence_table_has_the_handlers_codes_and_statuses() {
    let doc = wire_md();
    let table: Vec<Vec<String>> = rows(&doc, |c| {
        c.parse::<u8>().is_ok_and(|n| (1..=10).contains(&n)) && c.len() <= 2
    })
    .filter(|row| row.len() == 7)
    .collect();
    assert_eq!(table.len(), 15);
    let handler = CancelHandler::default();
    let mut previous_step = 0;
    for row in table {
        let step: u8 = row[0].parse().unwrap();
        assert!(step >= previous_step, "steps ascend: {row:?}");
        previous_step = step;
        let category = category(&row[3]);
        assert_eq!(row[4], format!("`{}`", handler.code(category)), "{row:?}");
        let zuora = HttpStatusMapping::Zuora.status(category);
        let rest = HttpStatusMapping::Rest.status(category);
        assert_eq!(row[5], zuora.to_string(), "{row:?}");
        assert_eq!(row[6], rest.to_string(), "{row:?}");
    }
}

/// The table of categories: `| error | category | why |`, one row per kind of error, each
/// row's category the one `wire::category` gives.
#[test]
fn the_category_of_every_error_is_documented_as_the_code_maps_it() {
    use journal_run::wire::{
        category as category_of, AuthorizationError, BodyError, DocumentError, RequestError,
    };
    use journal_run::{
        ApplyError, CommandKind, Error, HeaderError, JournalRunStatus, NumberError, Permission,
        Rejection, TransferredToAccounting,
    };
    fn snapshot_error() -> journal_run::invariants::SnapshotError {
        use journal_run::{JournalEntry, JournalEntryStatus, JournalRun, RunState};
        JournalRun::from_snapshot(
            "JR-00000001".parse().unwrap(),
            vec![],
            RunState::Pending,
            vec![JournalEntry {
                number: "JE-00000001".parse().unwrap(),
                status: JournalEntryStatus::Created,
                transferred_to_accounting: TransferredToAccounting::No,
            }],
        )
        .unwrap_err()
    }
    let jr = || "JR-00000001".parse().unwrap();
    let je = || "JE-00000001".parse().unwrap();
    let field = || "f".to_owned();
    let errors: Vec<(&str, Error)> = vec![
        (
            "Number",
            NumberError::Zero {
                input: "JR-0".into(),
            }
            .into(),
        ),
        (
            "UnknownVariant",
            "x".parse::<JournalRunStatus>().unwrap_err().into(),
        ),
        (
            "Header",
            HeaderError::EmptyIdentifier {
                header: "Zuora-Org-Ids",
                item: 0,
            }
            .into(),
        ),
        ("Snapshot", snapshot_error().into()),
        ("Document", DocumentError::Missing { field: field() }.into()),
        (
            "Request(PathNumber)",
            RequestError::PathNumber(NumberError::Zero {
                input: "JR-0".into(),
            })
            .into(),
        ),
        (
            "Request(RepeatedHeader)",
            RequestError::RepeatedHeader {
                name: "Zuora-Org-Ids",
                count: 2,
            }
            .into(),
        ),
        (
            "Request(UnsupportedContentEncoding)",
            RequestError::UnsupportedContentEncoding { value: "br".into() }.into(),
        ),
        (
            "Request(PathEntryNumber)",
            RequestError::PathEntryNumber(journal_run::NumberError::MissingPrefix {
                prefix: "JE-",
                input: "1".into(),
            })
            .into(),
        ),
        (
            "Request(QueryParameter)",
            RequestError::QueryParameter {
                name: "pageSize",
                reason: "expected a whole number from 1 to 300, found `0`".into(),
            }
            .into(),
        ),
        (
            "Request(UnknownPath)",
            RequestError::UnknownPath {
                path: "/v2/x".into(),
            }
            .into(),
        ),
        (
            "Request(NotEmulated)",
            RequestError::NotEmulated {
                operation: "POST /v1/journal-entries".into(),
            }
            .into(),
        ),
        (
            "Request(BodyTooLarge)",
            RequestError::BodyTooLarge { limit: 1 }.into(),
        ),
        (
            "Request(Unavailable)",
            RequestError::Unavailable {
                reason: "the store stopped".into(),
            }
            .into(),
        ),
        (
            "Request(BodyIncomplete)",
            RequestError::BodyIncomplete { received: 20 }.into(),
        ),
        (
            "Request(BodyEncoding)",
            RequestError::BodyEncoding { encoding: "gzip" }.into(),
        ),
        (
            "Request(Authorization(InvalidToken))",
            RequestError::Authorization(AuthorizationError::InvalidToken).into(),
        ),
        (
            "Rejection(QueryPermission)",
            Rejection::QueryPermission {
                query: journal_run::QueryKind::EditEntry,
                permission: journal_run::Permission::EditJournalEntry,
            }
            .into(),
        ),
        (
            "Request(UnsupportedMethod)",
            RequestError::UnsupportedMethod {
                method: "GET".into(),
                path: "/",
                allowed: &["PUT"],
            }
            .into(),
        ),
        (
            "Request(Authorization(Missing))",
            RequestError::Authorization(AuthorizationError::Missing).into(),
        ),
        (
            "Request(Authorization(Repeated))",
            RequestError::Authorization(AuthorizationError::Repeated { count: 2 }).into(),
        ),
        (
            "Request(Authorization(NotBearer))",
            RequestError::Authorization(AuthorizationError::NotBearer).into(),
        ),
        (
            "Request(Authorization(MissingToken))",
            RequestError::Authorization(AuthorizationError::MissingToken).into(),
        ),
        (
            "Request(Authorization(TokenCharacter))",
            RequestError::Authorization(AuthorizationError::TokenCharacter { position: 0 }).into(),
        ),
        (
            "Body(MalformedJson)",
            BodyError::MalformedJson { detail: "x".into() }.into(),
        ),
        (
            "Body(NotAnObject)",
            BodyError::NotAnObject {
                field: field(),
                found: "x".into(),
            }
            .into(),
        ),
        (
            "Body(UnknownField)",
            BodyError::UnknownField {
                field: field(),
                object: "x",
            }
            .into(),
        ),
        (
            "Body(MissingField)",
            BodyError::MissingField {
                field: field(),
                condition: "",
            }
            .into(),
        ),
        (
            "Body(InvalidValue)",
            BodyError::InvalidValue {
                field: field(),
                reason: "x".into(),
            }
            .into(),
        ),
        (
            "Rejection(EntityRequired)",
            Rejection::EntityRequired { entities: 2 }.into(),
        ),
        (
            "Rejection(EntityNotAccessible)",
            Rejection::EntityNotAccessible {
                entity: "e".parse().unwrap(),
            }
            .into(),
        ),
        (
            "Rejection(MissingPermission)",
            Rejection::MissingPermission {
                command: CommandKind::CancelRun,
                permission: Permission::CancelJournalRun,
            }
            .into(),
        ),
        (
            "Rejection(OrgNotAccessible)",
            Rejection::OrgNotAccessible {
                org: "o".parse().unwrap(),
            }
            .into(),
        ),
        (
            "Rejection(OverrideRequired)",
            Rejection::OverrideRequired {
                entry: je(),
                to: TransferredToAccounting::No,
            }
            .into(),
        ),
        (
            "Rejection(RunNotFound)",
            Rejection::RunNotFound { run: jr() }.into(),
        ),
        (
            "Rejection(EntryNotFound)",
            Rejection::EntryNotFound { entry: je() }.into(),
        ),
        (
            "Rejection(RunStatus)",
            Rejection::RunStatus {
                command: CommandKind::CancelRun,
                run: jr(),
                status: JournalRunStatus::Processing,
            }
            .into(),
        ),
        (
            "Rejection(EntryCancelled)",
            Rejection::EntryCancelled {
                command: CommandKind::CancelEntry,
                entry: je(),
            }
            .into(),
        ),
        (
            "Rejection(EntryNotCancelled)",
            Rejection::EntryNotCancelled { entry: je() }.into(),
        ),
        (
            "Rejection(EntryTransferred)",
            Rejection::EntryTransferred {
                entry: je(),
                transferred_to_accounting: TransferredToAccounting::Yes,
            }
            .into(),
        ),
        (
            "Rejection(TransferNotAllowed)",
            Rejection::TransferNotAllowed {
                command: CommandKind::BeginTransfer,
                entry: je(),
                from: TransferredToAccounting::Yes,
            }
            .into(),
        ),
        (
            "Rejection(JobFinished)",
            Rejection::JobFinished { run: jr() }.into(),
        ),
        (
            "Rejection(JobNotFinished)",
            Rejection::JobNotFinished {
                run: jr(),
                remaining: 1,
            }
            .into(),
        ),
        (
            "Rejection(DuplicateEntry)",
            Rejection::DuplicateEntry { entry: je() }.into(),
        ),
        (
            "Rejection(JobUnknown)",
            Rejection::JobUnknown { run: jr() }.into(),
        ),
        (
            "Rejection(PendingRunExists)",
            Rejection::PendingRunExists { pending: jr() }.into(),
        ),
        (
            "Rejection(RunExecuting)",
            Rejection::RunExecuting {
                run: jr(),
                processing: jr(),
            }
            .into(),
        ),
        (
            "Rejection(RunExists)",
            Rejection::RunExists { run: jr() }.into(),
        ),
        (
            "Apply",
            ApplyError::DoesNotFit {
                event: "processingStarted",
                status: "Completed",
            }
            .into(),
        ),
    ];
    let doc = wire_md();
    let table: Vec<Vec<String>> = rows(&doc, |c| c.starts_with('`') && c.ends_with('`'))
        .filter(|row| row.len() == 3 && row[1].len() == 2)
        .collect();
    for (name, error) in &errors {
        let row = table
            .iter()
            .find(|row| row[0] == format!("`{name}`"))
            .unwrap_or_else(|| panic!("docs/WIRE.md has no category row for `{name}`"));
        assert_eq!(
            row[1],
            format!("{:02}", category_of(error).code()),
            "{name}: {row:?}"
        );
    }
    assert_eq!(table.len(), errors.len(), "one row per kind of error");
}
