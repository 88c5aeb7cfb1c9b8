//! The bad-input catalogue: malformed numbers, headers, statuses and JSON documents, and commands
//! in the wrong state. Each case asserts the exact rejection (variant and fields), and each
//! command case also asserts that the run did not change (INV-4). The whole message of every
//! case is pinned too: each table's messages are an insta snapshot in tests/snapshots/
//! (`bad_inputs__<test>.snap`), so a change of any word shows in review; after a deliberate
//! change, review it with `cargo insta review` or rerun with `INSTA_UPDATE=always`.
//!
//! docs/VERIFICATION.md counts the cases; every table below is one category.

mod support;

use support::{entry, je, jr};

use journal_run::invariants::Invariant;
use journal_run::wire::ErrorCategory;
use journal_run::CharacterFault;
use journal_run::{
    Caller, CancellableStatus, CancellationJob, Command, CommandKind, EntityId, HeaderError, Job,
    JournalEntry, JournalEntryNumber, JournalEntryStatus, JournalRun, JournalRunNumber,
    JournalRunStatus, NumberError, OrgAccess, OrgId, OrgIds, Permission, PermissionSet, Rejection,
    RequestScope, RunState, TrackId, TransferResult, TransferredToAccounting, UncheckedRun,
    UnknownVariant,
};

/// The whole messages of one table of the catalogue: each case's input, then the message it
/// gets, indented; pinned with `insta::assert_snapshot!`.
#[derive(Default)]
struct Messages(String);

impl Messages {
    fn add(&mut self, given: impl std::fmt::Display, message: impl std::fmt::Display) {
        use std::fmt::Write;
        writeln!(self.0, "{given}\n    {message}").unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

#[test]
fn malformed_run_numbers_are_rejected_with_the_fault() {
    let r = "JR-";
    let cases: Vec<(&str, NumberError)> = vec![
        (
            "JR-75",
            NumberError::TooFewDigits {
                prefix: r,
                input: "JR-75".into(),
            },
        ),
        (
            "jr-00000001",
            NumberError::MissingPrefix {
                prefix: r,
                input: "jr-00000001".into(),
            },
        ),
        (
            "JR-00000000",
            NumberError::Zero {
                input: "JR-00000000".into(),
            },
        ),
        (
            "JR-000000001",
            NumberError::ExtraLeadingZero {
                input: "JR-000000001".into(),
            },
        ),
        // Arabic-Indic digit one: a Unicode digit, not an ASCII one.
        (
            "JR-0000000\u{0661}",
            NumberError::NotADigit {
                prefix: r,
                found: '\u{0661}',
                position: 10,
                input: "JR-0000000\u{0661}".into(),
            },
        ),
        // Full-width digits.
        (
            "JR-\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF11}",
            NumberError::NotADigit {
                prefix: r,
                found: '\u{FF10}',
                position: 3,
                input: "JR-\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF11}".into(),
            },
        ),
        // u64::MAX + 1.
        (
            "JR-18446744073709551616",
            NumberError::TooLarge {
                input: "JR-18446744073709551616".into(),
                max: u64::MAX,
            },
        ),
        (
            "JR-99999999999999999999999",
            NumberError::TooLarge {
                input: "JR-99999999999999999999999".into(),
                max: u64::MAX,
            },
        ),
        (
            "",
            NumberError::MissingPrefix {
                prefix: r,
                input: String::new(),
            },
        ),
        (
            "JR-",
            NumberError::TooFewDigits {
                prefix: r,
                input: "JR-".into(),
            },
        ),
        (
            " JR-00000001",
            NumberError::MissingPrefix {
                prefix: r,
                input: " JR-00000001".into(),
            },
        ),
        (
            "JR-00000001 ",
            NumberError::NotADigit {
                prefix: r,
                found: ' ',
                position: 11,
                input: "JR-00000001 ".into(),
            },
        ),
        (
            "JR-+0000001",
            NumberError::NotADigit {
                prefix: r,
                found: '+',
                position: 3,
                input: "JR-+0000001".into(),
            },
        ),
        (
            "JR--0000001",
            NumberError::NotADigit {
                prefix: r,
                found: '-',
                position: 3,
                input: "JR--0000001".into(),
            },
        ),
        (
            "JR_00000001",
            NumberError::MissingPrefix {
                prefix: r,
                input: "JR_00000001".into(),
            },
        ),
        (
            "JE-00000001",
            NumberError::MissingPrefix {
                prefix: r,
                input: "JE-00000001".into(),
            },
        ),
        // A stray character in a short input is reported as the character.
        (
            "JR-7x",
            NumberError::NotADigit {
                prefix: r,
                found: 'x',
                position: 4,
                input: "JR-7x".into(),
            },
        ),
    ];
    let mut messages = Messages::default();
    for (input, expected) in cases {
        assert_eq!(
            JournalRunNumber::parse(input),
            Err(expected.clone()),
            "{input:?}"
        );
        messages.add(format_args!("{input:?}"), expected);
    }
    insta::assert_snapshot!(messages.0);
}

#[test]
fn malformed_entry_numbers_are_rejected_with_the_fault() {
    let e = "JE-";
    let cases: Vec<(&str, NumberError)> = vec![
        (
            "JR-00000001",
            NumberError::MissingPrefix {
                prefix: e,
                input: "JR-00000001".into(),
            },
        ),
        (
            "JE-00000000",
            NumberError::Zero {
                input: "JE-00000000".into(),
            },
        ),
        (
            "JE-0000001",
            NumberError::TooFewDigits {
                prefix: e,
                input: "JE-0000001".into(),
            },
        ),
        (
            "je-00000001",
            NumberError::MissingPrefix {
                prefix: e,
                input: "je-00000001".into(),
            },
        ),
        (
            "JE-0000000000000000000001",
            NumberError::ExtraLeadingZero {
                input: "JE-0000000000000000000001".into(),
            },
        ),
    ];
    let mut messages = Messages::default();
    for (input, expected) in cases {
        assert_eq!(
            JournalEntryNumber::parse(input),
            Err(expected.clone()),
            "{input:?}"
        );
        messages.add(format_args!("{input:?}"), expected);
    }
    insta::assert_snapshot!(messages.0);
}

#[test]
fn numbers_in_json_must_be_canonical_strings() {
    // A JSON number is not a journal run number.
    let err = serde_json::from_str::<JournalRunNumber>("75").unwrap_err();
    assert!(
        err.to_string().starts_with(
            "invalid type: integer `75`, expected a journal run number such as `JR-00000001`"
        ),
        "{err}"
    );
    let err = serde_json::from_str::<JournalRunNumber>("\"JR-75\"").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("expected 8 or more digits after `JR-`, found `JR-75`"),
        "{err}"
    );
    let err = serde_json::from_str::<JournalEntryNumber>("null").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid type: null, expected a journal entry number"),
        "{err}"
    );
    let mut messages = Messages::default();
    for json in ["75", "\"JR-75\""] {
        messages.add(
            json,
            serde_json::from_str::<JournalRunNumber>(json).unwrap_err(),
        );
    }
    messages.add(
        "null",
        serde_json::from_str::<JournalEntryNumber>("null").unwrap_err(),
    );
    insta::assert_snapshot!(messages.0);
}

// ---------------------------------------------------------------------------------------------
// Headers

#[test]
fn malformed_track_ids_are_rejected_with_the_fault() {
    use CharacterFault::{Control, Forbidden, NotAscii};
    let char_fault = |found, position, why| HeaderError::TrackIdCharacter {
        found,
        position,
        why,
    };
    let long = "a".repeat(65);
    let long_then_colon = format!("{}:", "a".repeat(70));
    let cases: Vec<(&str, HeaderError)> = vec![
        (
            &long,
            HeaderError::TrackIdTooLong {
                length: 65,
                max: 64,
            },
        ),
        ("a:b", char_fault(':', 1, Forbidden)),
        (";", char_fault(';', 0, Forbidden)),
        ("say \"hi\"", char_fault('"', 4, Forbidden)),
        ("it's", char_fault('\'', 2, Forbidden)),
        ("abc\r\nSet-Cookie: x", char_fault('\r', 3, Control)),
        ("\n", char_fault('\n', 0, Control)),
        ("tab\there", char_fault('\t', 3, Control)),
        ("nul\0", char_fault('\0', 3, Control)),
        ("del\u{7f}", char_fault('\u{7f}', 3, Control)),
        ("caf\u{e9}", char_fault('\u{e9}', 3, NotAscii)),
        ("\u{1F600}", char_fault('\u{1F600}', 0, NotAscii)),
        // A bad character is reported before the length.
        (&long_then_colon, char_fault(':', 70, Forbidden)),
    ];
    let mut messages = Messages::default();
    for (input, expected) in cases {
        assert_eq!(TrackId::parse(input), Err(expected.clone()), "{input:?}");
        messages.add(format_args!("{input:?}"), expected);
    }
    insta::assert_snapshot!(messages.0);
}

#[test]
fn malformed_org_ids_headers_are_rejected_with_the_fault() {
    let h = "Zuora-Org-Ids";
    let empty = |item| HeaderError::EmptyIdentifier { header: h, item };
    let long = "o".repeat(65);
    let long_list = format!("a,{long}");
    let cases: Vec<(&str, HeaderError)> = vec![
        ("", empty(0)),
        ("a,,b", empty(1)),
        ("a,", empty(1)),
        (",a", empty(0)),
        (" \t, a", empty(0)),
        (
            "a;b",
            HeaderError::IdentifierCharacter {
                header: h,
                value: "a;b".into(),
                found: ';',
                position: 1,
            },
        ),
        (
            "org 1",
            HeaderError::IdentifierCharacter {
                header: h,
                value: "org 1".into(),
                found: ' ',
                position: 3,
            },
        ),
        (
            "good,b\u{e4}d",
            HeaderError::IdentifierCharacter {
                header: h,
                value: "b\u{e4}d".into(),
                found: '\u{e4}',
                position: 1,
            },
        ),
        (
            &long_list,
            HeaderError::IdentifierTooLong {
                header: h,
                value: long.clone(),
                length: 65,
                max: 64,
            },
        ),
    ];
    let mut messages = Messages::default();
    for (input, expected) in cases {
        assert_eq!(OrgIds::parse(input), Err(expected.clone()), "{input:?}");
        messages.add(format_args!("{input:?}"), expected);
    }
    let one = HeaderError::IdentifierCharacter {
        header: h,
        value: "x/y".into(),
        found: '/',
        position: 1,
    };
    assert_eq!(OrgId::parse("x/y"), Err(one.clone()));
    messages.add("one org id: \"x/y\"", one);
    insta::assert_snapshot!(messages.0);
}

#[test]
fn malformed_entity_ids_are_rejected_with_the_fault() {
    let h = "Zuora-Entity-Ids";
    let long = "e".repeat(65);
    let character = |value: &str, found, position| HeaderError::IdentifierCharacter {
        header: h,
        value: value.into(),
        found,
        position,
    };
    let cases: Vec<(&str, HeaderError)> = vec![
        ("", HeaderError::EmptyIdentifier { header: h, item: 0 }),
        ("a/b", character("a/b", '/', 1)),
        ("\u{e9}", character("\u{e9}", '\u{e9}', 0)),
        // One entity only: a list is not an entity id.
        ("a,b", character("a,b", ',', 1)),
        (" a", character(" a", ' ', 0)),
        (
            &long,
            HeaderError::IdentifierTooLong {
                header: h,
                value: long.clone(),
                length: 65,
                max: 64,
            },
        ),
    ];
    let mut messages = Messages::default();
    for (input, expected) in cases {
        assert_eq!(EntityId::parse(input), Err(expected.clone()), "{input:?}");
        messages.add(format_args!("{input:?}"), expected);
    }
    insta::assert_snapshot!(messages.0);
}

// ---------------------------------------------------------------------------------------------
// Statuses and permissions

/// `UnknownVariant` is `#[non_exhaustive]`: compared field by field; its message goes to
/// `messages`.
fn assert_unknown<T: std::fmt::Debug>(
    messages: &mut Messages,
    got: Result<T, UnknownVariant>,
    kind: &str,
    found: &str,
    expected: &[&str],
) {
    let err = got.expect_err(found);
    assert_eq!(
        (err.kind, err.found.as_str(), err.expected),
        (kind, found, expected),
        "{found:?}"
    );
    messages.add(format_args!("{kind}: {found:?}"), err);
}

#[test]
fn misspelt_statuses_are_rejected_with_the_accepted_spellings() {
    let mut messages = Messages::default();
    for input in [
        "Canceled",
        "cancelled",
        "CANCELLED",
        "CancelInProgress",
        "DeleteInProgress",
        "completed",
        "Completed ",
        "",
    ] {
        assert_unknown(
            &mut messages,
            input.parse::<JournalRunStatus>(),
            "journal run status",
            input,
            JournalRunStatus::SPELLINGS,
        );
    }
    assert_unknown(
        &mut messages,
        "Canceled".parse::<JournalEntryStatus>(),
        "journal entry status",
        "Canceled",
        JournalEntryStatus::SPELLINGS,
    );
    for input in ["yes", "YES", "null", "", "Transferred"] {
        assert_unknown(
            &mut messages,
            input.parse::<TransferredToAccounting>(),
            "Transferred to Accounting value",
            input,
            TransferredToAccounting::SPELLINGS,
        );
    }
    assert_unknown(
        &mut messages,
        "Cancel journal run".parse::<Permission>(),
        "permission",
        "Cancel journal run",
        Permission::NAMES,
    );
    insta::assert_snapshot!(messages.0);
}

#[test]
fn misspelt_statuses_in_json_are_rejected() {
    let err = serde_json::from_str::<JournalRunStatus>("\"Canceled\"").unwrap_err();
    assert!(
        err.to_string().starts_with("unknown variant `Canceled`"),
        "{err}"
    );
    // The core type has no null (the wire layer reads null as No, D-3).
    let null =
        serde_json::from_value::<TransferredToAccounting>(serde_json::Value::Null).unwrap_err();
    assert!(null.to_string().starts_with("invalid type: null"), "{null}");
    let mut messages = Messages::default();
    messages.add(
        "journal run status \"Canceled\"",
        serde_json::from_str::<JournalRunStatus>("\"Canceled\"").unwrap_err(),
    );
    messages.add("Transferred to Accounting null", null);
    insta::assert_snapshot!(messages.0);
}

// ---------------------------------------------------------------------------------------------
// JSON documents of the core types

/// A snapshot's state and entries, and the invariants it breaks (with the entries involved).
type SnapshotCase = (
    RunState,
    Vec<JournalEntry>,
    Vec<(Invariant, Vec<JournalEntryNumber>)>,
);

/// A snapshot that breaks an invariant: `from_snapshot` reports exactly `violations`
/// (invariant and entries), and the same JSON document is refused by serde with that message.
#[test]
fn unsound_snapshots_are_refused_with_the_broken_invariant() {
    use JournalEntryStatus::{Cancelled, Created};
    use TransferredToAccounting::No;
    let job =
        |previous, next| RunState::CancelInprogress(Job::Known(CancellationJob { previous, next }));
    let cases: Vec<SnapshotCase> = vec![
        // The same entry twice.
        (
            RunState::Completed,
            vec![entry(1, Created, No), entry(1, Created, No)],
            vec![(Invariant::WellFormed, vec![je(1)])],
        ),
        // A Cancelled run with an entry not cancelled (INV-1).
        (
            RunState::Cancelled,
            vec![entry(1, Cancelled, No), entry(2, Created, No)],
            vec![(Invariant::CancelledRunHasOnlyCancelledEntries, vec![je(2)])],
        ),
        (
            RunState::DeleteInprogress,
            vec![entry(3, Created, No)],
            vec![(Invariant::CancelledRunHasOnlyCancelledEntries, vec![je(3)])],
        ),
        // Pending and deleted runs hold no entries (a Processing run may list those created
        // so far: `processing_runs_that_list_entries_are_sound`).
        (
            RunState::Pending,
            vec![entry(1, Created, No)],
            vec![(Invariant::WellFormed, vec![])],
        ),
        (
            RunState::Deleted,
            vec![entry(1, Cancelled, No)],
            vec![(Invariant::WellFormed, vec![])],
        ),
        // A job past the end of the entries.
        (
            job(CancellableStatus::Completed, 3),
            vec![entry(1, Created, No), entry(2, Created, No)],
            vec![(Invariant::WellFormed, vec![])],
        ),
        // A cancelled entry showing Yes or Processing was cancelled while transferred (INV-3).
        (
            RunState::Completed,
            vec![
                entry(1, Cancelled, TransferredToAccounting::Yes),
                entry(2, Cancelled, TransferredToAccounting::Processing),
                entry(3, Cancelled, No),
            ],
            vec![(
                Invariant::TransferredEntryIsNeverCancelled,
                vec![je(1), je(2)],
            )],
        ),
        // A job started from Pending cannot hold entries.
        (
            job(CancellableStatus::Pending, 0),
            vec![entry(1, Created, No)],
            vec![(Invariant::WellFormed, vec![])],
        ),
    ];
    let mut messages = Messages::default();
    for (state, entries, expected) in cases {
        let err = JournalRun::from_snapshot(jr(1), vec![], state, entries.clone()).unwrap_err();
        messages.add(format_args!("{state:?} {entries:?}"), &err);
        let got: Vec<_> = err
            .violations
            .iter()
            .map(|v| (v.invariant, v.entries.clone()))
            .collect();
        assert_eq!(got, expected, "{state:?} {entries:?}");
        let document = serde_json::json!({
            "number": "JR-00000001",
            "state": state,
            "entries": entries,
        });
        let json_err = serde_json::from_value::<JournalRun>(document).unwrap_err();
        assert_eq!(json_err.to_string(), err.to_string(), "{state:?}");
    }
    insta::assert_snapshot!(messages.0);
}

#[test]
fn snapshot_errors_name_each_broken_invariant_by_its_id() {
    use JournalEntryStatus::{Cancelled, Created};
    use TransferredToAccounting::No;
    let err = JournalRun::from_snapshot(
        jr(1),
        vec![],
        RunState::Cancelled,
        vec![entry(2, Created, No), entry(2, Cancelled, No)],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the snapshot breaks INV-10: journal entries are listed twice; \
         INV-1: the run is Cancelled but 1 of its entries is not cancelled"
    );
    // Every invariant the auditor reports has its own id, and docs/INVARIANTS.md has a row
    // for it.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/INVARIANTS.md"))
        .unwrap();
    let ids: Vec<&str> = <Invariant as strum::VariantArray>::VARIANTS
        .iter()
        .map(|i| i.id())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        assert!(doc.contains(&format!("| {id} | ")), "{id} has no row");
        assert!(!ids[..i].contains(id), "{id} twice");
        let invariant = <Invariant as strum::VariantArray>::VARIANTS[i];
        assert_eq!(invariant.to_string(), *id);
    }
}

#[test]
fn malformed_run_documents_are_refused_with_the_fault() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            serde_json::json!({"number": "JR-00000001", "state": "Completed", "entries": [], "extra": 1}),
            "unknown field `extra`",
        ),
        (
            serde_json::json!({"number": "JR-00000001", "entries": []}),
            "missing field `state`",
        ),
        (
            serde_json::json!({"number": "JR-00000001", "state": "Completed"}),
            "missing field `entries`",
        ),
        (
            serde_json::json!({"number": "JR-1", "state": "Completed", "entries": []}),
            "expected 8 or more digits after `JR-`, found `JR-1`",
        ),
        (
            serde_json::json!({"number": "JR-00000001", "state": "Canceled", "entries": []}),
            "unknown variant `Canceled`",
        ),
        (
            serde_json::json!({"number": "JR-00000001", "state": "Completed",
                "entries": [{"number": "JE-00000001", "status": "Created"}]}),
            "missing field `transferredToAccounting`",
        ),
        (
            serde_json::json!({"number": "JR-00000001", "state": "Completed",
                "entries": [{"number": "JE-00000001", "status": "Canceled", "transferredToAccounting": "No"}]}),
            "unknown variant `Canceled`",
        ),
        (
            serde_json::json!({"number": "JR-00000001", "state": "Completed",
                "entries": [{"number": "JE-00000001", "status": "Created", "transferredToAccounting": null}]}),
            "invalid type: null",
        ),
        (
            serde_json::json!({"number": "JR-00000001", "state": "Completed", "entries": [],
                "organizations": ["org 1"]}),
            "`org 1` may only hold ASCII letters, digits",
        ),
        (
            serde_json::json!({"number": "JR-00000001",
                "state": {"CancelInprogress": {"previous": "Completed"}}, "entries": []}),
            "missing field `next`",
        ),
        (
            serde_json::json!({"number": "JR-00000001",
                "state": {"CancelInprogress": {"previous": "Processing", "next": 0}}, "entries": []}),
            "unknown variant `Processing`",
        ),
        (
            serde_json::json!({"number": "JR-00000001",
                "state": {"CancelInprogress": {"previous": "Completed", "next": -1}}, "entries": []}),
            "invalid value: integer `-1`, expected a position: a whole number from 0",
        ),
        (
            serde_json::json!({"number": "JR-00000001",
                "state": {"CancelInprogress": {"previous": "Completed", "next": "3"}}, "entries": []}),
            "invalid type: string \"3\", expected a position: a whole number from 0",
        ),
        (
            serde_json::json!({"number": "JR-00000001",
                "state": {"CancelInprogress": {"previous": "Completed", "next": 0, "done": 1}}, "entries": []}),
            "unknown field `done`, expected `previous` or `next`",
        ),
    ];
    let mut messages = Messages::default();
    for (document, expected) in cases {
        let err = serde_json::from_value::<JournalRun>(document.clone()).unwrap_err();
        assert!(
            err.to_string().starts_with(expected),
            "{document}: expected `{expected}`, got `{err}`"
        );
        messages.add(&document, err);
    }
    insta::assert_snapshot!(messages.0);
}

#[test]
fn malformed_command_documents_are_refused_with_the_fault() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            serde_json::json!({"command": "cancelJournalRun", "run": "JR-00000001"}),
            "unknown variant `cancelJournalRun`",
        ),
        (
            serde_json::json!({"run": "JR-00000001"}),
            "missing field `command`",
        ),
        (
            serde_json::json!({"command": "cancelRun"}),
            "missing field `run`",
        ),
        (
            serde_json::json!({"command": "cancelRun", "run": "JR-75"}),
            "expected 8 or more digits after `JR-`, found `JR-75`",
        ),
        (
            serde_json::json!({"command": "updateTransferredToAccounting", "entry": "JE-00000001", "value": "yes"}),
            "unknown variant `yes`",
        ),
        (
            serde_json::json!({"command": "cancelRun", "run": "JR-00000001",
                "scope": {"orgs": "a,,b"}}),
            "Zuora-Org-Ids: item 2 is empty",
        ),
    ];
    let mut messages = Messages::default();
    for (document, expected) in cases {
        let err = serde_json::from_value::<Command>(document.clone()).unwrap_err();
        assert!(
            err.to_string().starts_with(expected),
            "{document}: expected `{expected}`, got `{err}`"
        );
        messages.add(&document, err);
    }
    insta::assert_snapshot!(messages.0);
}

#[test]
fn malformed_caller_documents_are_refused_with_the_fault() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            serde_json::json!({"permissions": "Cancel Journal Run", "orgs": "all", "entities": []}),
            "invalid type: string \"Cancel Journal Run\", expected a list of Zuora permission names",
        ),
        (
            serde_json::json!({"permissions": ["Cancel Journal Runs"], "orgs": "all", "entities": []}),
            "unknown variant `Cancel Journal Runs`",
        ),
        (
            serde_json::json!({"permissions": [], "orgs": {"only": ["org 1"]}, "entities": []}),
            "`org 1` may only hold ASCII letters, digits",
        ),
    ];
    let mut messages = Messages::default();
    for (document, expected) in cases {
        let err = serde_json::from_value::<Caller>(document.clone()).unwrap_err();
        assert!(
            err.to_string().starts_with(expected),
            "{document}: expected `{expected}`, got `{err}`"
        );
        messages.add(&document, err);
    }
    insta::assert_snapshot!(messages.0);
}

// ---------------------------------------------------------------------------------------------
// Commands in the wrong state, and requests outside the caller's rights

/// A Completed run of four entries: JE-1 No, JE-2 Yes, JE-3 Processing, JE-4 cancelled (Error).
fn completed() -> JournalRun {
    use JournalEntryStatus::{Cancelled, Created};
    use TransferredToAccounting::{Error, No, Processing, Yes};
    JournalRun::from_snapshot(
        jr(75),
        vec![],
        RunState::Completed,
        vec![
            entry(1, Created, No),
            entry(2, Created, Yes),
            entry(3, Created, Processing),
            entry(4, Cancelled, Error),
        ],
    )
    .unwrap()
}

fn with_state(state: RunState, entries: Vec<JournalEntry>) -> JournalRun {
    JournalRun::from_snapshot(jr(75), vec![], state, entries).unwrap()
}

fn cancelled_run() -> JournalRun {
    with_state(
        RunState::Cancelled,
        vec![entry(
            1,
            JournalEntryStatus::Cancelled,
            TransferredToAccounting::No,
        )],
    )
}

fn job(previous: CancellableStatus, next: usize) -> JournalRun {
    let mut run = completed();
    let entries = run.entries().to_vec();
    run = with_state(
        RunState::CancelInprogress(Job::Known(CancellationJob { previous, next })),
        entries,
    );
    run
}

fn deleted() -> JournalRun {
    let mut run = cancelled_run();
    let system = Caller::superuser();
    run.execute(&system, &cancel_run_cmd().with_run(jr(75)).delete())
        .unwrap();
    run.execute(&system, &Command::FinishDeletion).unwrap();
    run
}

fn scope() -> RequestScope {
    RequestScope::default()
}

/// Small builder so that each case reads as one line.
struct RunCommand(JournalRunNumber);

fn cancel_run_cmd() -> RunCommand {
    RunCommand(jr(75))
}

impl RunCommand {
    fn with_run(self, run: JournalRunNumber) -> Self {
        Self(run)
    }
    fn cancel(self) -> Command {
        Command::CancelRun {
            run: self.0,
            scope: scope(),
        }
    }
    fn delete(self) -> Command {
        Command::DeleteRun {
            run: self.0,
            scope: scope(),
        }
    }
}

fn cancel_entry(n: u64) -> Command {
    Command::CancelEntry {
        entry: je(n),
        scope: scope(),
    }
}

fn delete_entry(n: u64) -> Command {
    Command::DeleteEntry {
        entry: je(n),
        scope: scope(),
    }
}

fn update(n: u64, value: TransferredToAccounting) -> Command {
    Command::UpdateTransferredToAccounting {
        entry: je(n),
        value,
        scope: scope(),
    }
}

fn status(command: CommandKind, status: JournalRunStatus) -> Rejection {
    Rejection::RunStatus {
        command,
        run: jr(75),
        status,
    }
}

#[test]
fn commands_in_the_wrong_state_are_rejected_and_change_nothing() {
    use JournalRunStatus as S;
    use TransferredToAccounting as T;
    let superuser = Caller::superuser();
    let no_override = Caller::with_permissions(
        PermissionSet::ALL.without(Permission::OverrideTransferredToAccounting),
    );
    let pending = JournalRun::new(jr(75), vec![]);
    let processing = {
        let mut run = pending.clone();
        run.execute(&superuser, &Command::StartProcessing).unwrap();
        run
    };
    let deleting = {
        let mut run = cancelled_run();
        run.execute(&superuser, &cancel_run_cmd().delete()).unwrap();
        run
    };
    let cases: Vec<(&str, JournalRun, Caller, Command, Rejection, ErrorCategory)> = vec![
        (
            "cancel a Processing run",
            processing.clone(),
            superuser.clone(),
            cancel_run_cmd().cancel(),
            status(CommandKind::CancelRun, S::Processing),
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel a run being cancelled",
            job(CancellableStatus::Completed, 1),
            superuser.clone(),
            cancel_run_cmd().cancel(),
            status(CommandKind::CancelRun, S::CancelInprogress),
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel a Cancelled run",
            cancelled_run(),
            superuser.clone(),
            cancel_run_cmd().cancel(),
            status(CommandKind::CancelRun, S::Cancelled),
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel a run being deleted",
            deleting.clone(),
            superuser.clone(),
            cancel_run_cmd().cancel(),
            status(CommandKind::CancelRun, S::DeleteInprogress),
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel a deleted run",
            deleted(),
            superuser.clone(),
            cancel_run_cmd().cancel(),
            Rejection::RunNotFound { run: jr(75) },
            ErrorCategory::NotFound,
        ),
        (
            "delete a Completed run",
            completed(),
            superuser.clone(),
            cancel_run_cmd().delete(),
            status(CommandKind::DeleteRun, S::Completed),
            ErrorCategory::RuleRestriction,
        ),
        (
            "delete a run being cancelled",
            job(CancellableStatus::Error, 0),
            superuser.clone(),
            cancel_run_cmd().delete(),
            status(CommandKind::DeleteRun, S::CancelInprogress),
            ErrorCategory::RuleRestriction,
        ),
        (
            "step without a job",
            completed(),
            superuser.clone(),
            Command::StepCancellation,
            status(CommandKind::StepCancellation, S::Completed),
            ErrorCategory::RuleRestriction,
        ),
        (
            "settle without a job",
            cancelled_run(),
            superuser.clone(),
            Command::SettleCancellation,
            status(CommandKind::SettleCancellation, S::Cancelled),
            ErrorCategory::RuleRestriction,
        ),
        (
            "settle with entries left",
            job(CancellableStatus::Completed, 2),
            superuser.clone(),
            Command::SettleCancellation,
            Rejection::JobNotFinished {
                run: jr(75),
                remaining: 2,
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "step past the last entry",
            job(CancellableStatus::Completed, 4),
            superuser.clone(),
            Command::StepCancellation,
            Rejection::JobFinished { run: jr(75) },
            ErrorCategory::RuleRestriction,
        ),
        (
            "start a Completed run",
            completed(),
            superuser.clone(),
            Command::StartProcessing,
            status(CommandKind::StartProcessing, S::Completed),
            ErrorCategory::RuleRestriction,
        ),
        (
            "complete a Pending run",
            pending.clone(),
            superuser.clone(),
            Command::CompleteProcessing {
                entries: vec![je(1)],
            },
            status(CommandKind::CompleteProcessing, S::Pending),
            ErrorCategory::RuleRestriction,
        ),
        (
            "fail a Completed run",
            completed(),
            superuser.clone(),
            Command::FailProcessing { entries: vec![] },
            status(CommandKind::FailProcessing, S::Completed),
            ErrorCategory::RuleRestriction,
        ),
        (
            "complete with an entry twice",
            processing.clone(),
            superuser.clone(),
            Command::CompleteProcessing {
                entries: vec![je(3), je(2), je(3), je(2)],
            },
            Rejection::DuplicateEntry { entry: je(2) },
            ErrorCategory::InvalidValue,
        ),
        (
            "finish deleting a Cancelled run",
            cancelled_run(),
            superuser.clone(),
            Command::FinishDeletion,
            status(CommandKind::FinishDeletion, S::Cancelled),
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel a cancelled entry",
            completed(),
            superuser.clone(),
            cancel_entry(4),
            Rejection::EntryCancelled {
                command: CommandKind::CancelEntry,
                entry: je(4),
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel a transferred entry",
            completed(),
            superuser.clone(),
            cancel_entry(2),
            Rejection::EntryTransferred {
                entry: je(2),
                transferred_to_accounting: T::Yes,
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel an entry being transferred",
            completed(),
            superuser.clone(),
            cancel_entry(3),
            Rejection::EntryTransferred {
                entry: je(3),
                transferred_to_accounting: T::Processing,
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "cancel an entry the run does not hold",
            completed(),
            superuser.clone(),
            cancel_entry(9),
            Rejection::EntryNotFound { entry: je(9) },
            ErrorCategory::NotFound,
        ),
        (
            "cancel an entry of a Pending run",
            pending.clone(),
            superuser.clone(),
            cancel_entry(1),
            Rejection::EntryNotFound { entry: je(1) },
            ErrorCategory::NotFound,
        ),
        (
            "delete an entry not cancelled",
            completed(),
            superuser.clone(),
            delete_entry(1),
            Rejection::EntryNotCancelled { entry: je(1) },
            ErrorCategory::RuleRestriction,
        ),
        (
            "delete an entry while the run is deleted",
            deleting.clone(),
            superuser.clone(),
            delete_entry(1),
            status(CommandKind::DeleteEntry, S::DeleteInprogress),
            ErrorCategory::RuleRestriction,
        ),
        (
            "update a cancelled entry",
            completed(),
            superuser.clone(),
            update(4, T::No),
            Rejection::EntryCancelled {
                command: CommandKind::UpdateTransferredToAccounting,
                entry: je(4),
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "Yes to No without Override",
            completed(),
            no_override.clone(),
            update(2, T::No),
            Rejection::OverrideRequired {
                entry: je(2),
                to: T::No,
            },
            ErrorCategory::PermissionDenied,
        ),
        (
            "Yes to Ignore without Override",
            completed(),
            no_override.clone(),
            update(2, T::Ignore),
            Rejection::OverrideRequired {
                entry: je(2),
                to: T::Ignore,
            },
            ErrorCategory::PermissionDenied,
        ),
        (
            "update while the run is deleted",
            deleting.clone(),
            superuser.clone(),
            update(1, T::No),
            status(
                CommandKind::UpdateTransferredToAccounting,
                S::DeleteInprogress,
            ),
            ErrorCategory::RuleRestriction,
        ),
        (
            "begin a transfer of a transferred entry",
            completed(),
            superuser.clone(),
            Command::BeginTransfer { entry: je(2) },
            Rejection::TransferNotAllowed {
                command: CommandKind::BeginTransfer,
                entry: je(2),
                from: T::Yes,
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "begin a transfer twice",
            completed(),
            superuser.clone(),
            Command::BeginTransfer { entry: je(3) },
            Rejection::TransferNotAllowed {
                command: CommandKind::BeginTransfer,
                entry: je(3),
                from: T::Processing,
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "finish a transfer never begun",
            completed(),
            superuser.clone(),
            Command::FinishTransfer {
                entry: je(1),
                result: TransferResult::Yes,
            },
            Rejection::TransferNotAllowed {
                command: CommandKind::FinishTransfer,
                entry: je(1),
                from: T::No,
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "transfer a cancelled entry",
            completed(),
            superuser.clone(),
            Command::BeginTransfer { entry: je(4) },
            Rejection::EntryCancelled {
                command: CommandKind::BeginTransfer,
                entry: je(4),
            },
            ErrorCategory::RuleRestriction,
        ),
        (
            "transfer on a deleted run",
            deleted(),
            superuser.clone(),
            Command::BeginTransfer { entry: je(1) },
            Rejection::EntryNotFound { entry: je(1) },
            ErrorCategory::NotFound,
        ),
        (
            "step on a deleted run",
            deleted(),
            superuser.clone(),
            Command::StepCancellation,
            Rejection::RunNotFound { run: jr(75) },
            ErrorCategory::NotFound,
        ),
    ];
    let mut messages = Messages::default();
    for (name, run, caller, command, expected, category) in cases {
        let mut after = run.clone();
        let got = after.execute(&caller, &command);
        assert_eq!(got, Err(expected.clone()), "{name}");
        messages.add(name, &expected);
        assert_eq!(
            journal_run::wire::rejection_category(&expected),
            category,
            "{name}"
        );
        assert_eq!(after, run, "{name}: the run changed");
    }
    insta::assert_snapshot!(messages.0);
}

#[test]
fn requests_outside_the_callers_rights_are_rejected_and_change_nothing() {
    let org = |s: &str| -> OrgId { s.parse().unwrap() };
    let entity = |s: &str| -> EntityId { s.parse().unwrap() };
    let labelled = {
        let entries = completed().entries().to_vec();
        JournalRun::from_snapshot(jr(75), vec![org("north")], RunState::Completed, entries).unwrap()
    };
    let two_entities = Caller {
        permissions: PermissionSet::ALL,
        orgs: OrgAccess::All,
        entities: vec![entity("e1"), entity("e2")],
    };
    let south_only = Caller {
        permissions: PermissionSet::ALL,
        orgs: OrgAccess::Only([org("south")].into_iter().collect()),
        entities: vec![],
    };
    let no_cancel =
        Caller::with_permissions(PermissionSet::ALL.without(Permission::CancelJournalRun));
    let with_scope = |command: Command, scope: RequestScope| match command {
        Command::CancelRun { run, .. } => Command::CancelRun { run, scope },
        Command::CancelEntry { entry, .. } => Command::CancelEntry { entry, scope },
        other => other,
    };
    let cases: Vec<(&str, Caller, Command, Rejection, ErrorCategory)> = vec![
        (
            "no entity header with a two-entity token",
            two_entities.clone(),
            cancel_run_cmd().cancel(),
            Rejection::EntityRequired { entities: 2 },
            ErrorCategory::MissingRequiredField,
        ),
        (
            "an entity the token is not valid for",
            two_entities.clone(),
            with_scope(
                cancel_run_cmd().cancel(),
                RequestScope {
                    entity: Some(entity("e3")),
                    orgs: None,
                },
            ),
            Rejection::EntityNotAccessible {
                entity: entity("e3"),
            },
            ErrorCategory::PermissionDenied,
        ),
        (
            "an entity header without Multi-entity",
            Caller::superuser(),
            with_scope(
                cancel_run_cmd().cancel(),
                RequestScope {
                    entity: Some(entity("e1")),
                    orgs: None,
                },
            ),
            Rejection::EntityNotAccessible {
                entity: entity("e1"),
            },
            ErrorCategory::PermissionDenied,
        ),
        (
            "cancel without Cancel Journal Run",
            no_cancel.clone(),
            cancel_run_cmd().cancel(),
            Rejection::MissingPermission {
                command: CommandKind::CancelRun,
                permission: Permission::CancelJournalRun,
            },
            ErrorCategory::PermissionDenied,
        ),
        (
            "cancel an entry with no permission",
            Caller::with_permissions(PermissionSet::EMPTY),
            cancel_entry(1),
            Rejection::MissingPermission {
                command: CommandKind::CancelEntry,
                permission: Permission::CancelJournalEntry,
            },
            ErrorCategory::PermissionDenied,
        ),
        (
            "an org header naming an org the caller cannot access",
            south_only.clone(),
            with_scope(
                cancel_run_cmd().cancel(),
                RequestScope {
                    entity: None,
                    orgs: Some(OrgIds::parse("south,north").unwrap()),
                },
            ),
            Rejection::OrgNotAccessible { org: org("north") },
            ErrorCategory::PermissionDenied,
        ),
        (
            "a run in an org the caller cannot access",
            south_only.clone(),
            cancel_run_cmd().cancel(),
            Rejection::RunNotFound { run: jr(75) },
            ErrorCategory::NotFound,
        ),
        (
            "an entry in an org outside the header's scope",
            Caller::superuser(),
            with_scope(
                cancel_entry(1),
                RequestScope {
                    entity: None,
                    orgs: Some(OrgIds::parse("south").unwrap()),
                },
            ),
            Rejection::EntryNotFound { entry: je(1) },
            ErrorCategory::NotFound,
        ),
        (
            "another run's number",
            Caller::superuser(),
            cancel_run_cmd().with_run(jr(76)).cancel(),
            Rejection::RunNotFound { run: jr(76) },
            ErrorCategory::NotFound,
        ),
        // Precedence (D-10): the permission fault comes before the run's status.
        (
            "no permission and a wrong status",
            no_cancel.clone(),
            cancel_run_cmd().cancel(),
            Rejection::MissingPermission {
                command: CommandKind::CancelRun,
                permission: Permission::CancelJournalRun,
            },
            ErrorCategory::PermissionDenied,
        ),
    ];
    let mut messages = Messages::default();
    for (name, caller, command, expected, category) in cases {
        messages.add(name, &expected);
        let run = if name == "no permission and a wrong status" {
            cancelled_run()
        } else {
            labelled.clone()
        };
        let mut after = run.clone();
        assert_eq!(
            after.execute(&caller, &command),
            Err(expected.clone()),
            "{name}"
        );
        assert_eq!(
            journal_run::wire::rejection_category(&expected),
            category,
            "{name}"
        );
        assert_eq!(after, run, "{name}: the run changed");
    }
    insta::assert_snapshot!(messages.0);
}

// ---------------------------------------------------------------------------------------------
// Bad transitions and documents, as the auditor (`journal_run::invariants`) sees them: the
// checks the tests above rely on must themselves refuse what is wrong.

fn snapshot(state: RunState, entries: Vec<JournalEntry>) -> JournalRun {
    JournalRun::from_snapshot(jr(75), vec![], state, entries).unwrap()
}

#[test]
fn the_auditor_refuses_each_kind_of_bad_transition() {
    use journal_run::invariants::{check_history, check_transition};
    use JournalEntryStatus::{Cancelled, Created};
    use TransferredToAccounting::{Error, No, Processing, Yes};
    let found =
        |violations: Vec<journal_run::invariants::Violation>| -> Vec<(Invariant, Vec<JournalEntryNumber>)> {
            violations
                .into_iter()
                .map(|v| (v.invariant, v.entries))
                .collect()
        };
    type Case = (
        &'static str,
        JournalRun,
        UncheckedRun,
        Vec<(Invariant, Vec<JournalEntryNumber>)>,
        Vec<(Invariant, Vec<JournalEntryNumber>)>,
    );
    let completed = |entries| snapshot(RunState::Completed, entries);
    let cases: Vec<Case> = vec![
        (
            "a cancelled entry comes back to Created",
            completed(vec![entry(1, Cancelled, No), entry(2, Created, No)]),
            completed(vec![entry(1, Created, No), entry(2, Created, No)]).into(),
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
        ),
        (
            "a cancelled entry's Transferred to Accounting changes",
            completed(vec![entry(1, Created, No), entry(3, Cancelled, No)]),
            completed(vec![entry(1, Created, No), entry(3, Cancelled, Error)]).into(),
            vec![(Invariant::CancelledEntryIsFinal, vec![je(3)])],
            vec![(Invariant::CancelledEntryIsFinal, vec![je(3)])],
        ),
        (
            "an entry is deleted and the next one comes back to Created",
            completed(vec![entry(1, Cancelled, No), entry(2, Cancelled, No)]),
            completed(vec![entry(2, Created, No)]).into(),
            vec![(Invariant::CancelledEntryIsFinal, vec![je(2)])],
            vec![(Invariant::CancelledEntryIsFinal, vec![je(2)])],
        ),
        (
            "a deleted entry appears again",
            completed(vec![entry(2, Created, No)]),
            completed(vec![entry(1, Created, No), entry(2, Created, No)]).into(),
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
        ),
        (
            "an entry appears in a deleted run",
            snapshot(RunState::Deleted, vec![]),
            completed(vec![entry(1, Created, No)]).into(),
            vec![
                (Invariant::CancelledEntryIsFinal, vec![je(1)]),
                (Invariant::LifeCycle, vec![]),
            ],
            vec![
                (Invariant::CancelledEntryIsFinal, vec![je(1)]),
                (Invariant::LifeCycle, vec![]),
            ],
        ),
        (
            "a transferred entry is cancelled in one command",
            completed(vec![
                entry(1, Created, Yes),
                entry(2, Created, Processing),
                entry(4, Created, No),
            ]),
            // This state breaks INV-3 on its own (check_state), so it is built unchecked.
            UncheckedRun::new(
                jr(75),
                RunState::Completed,
                vec![
                    entry(1, Cancelled, Yes),
                    entry(2, Cancelled, Processing),
                    entry(4, Cancelled, No),
                ],
            ),
            vec![(
                Invariant::TransferredEntryIsNeverCancelled,
                vec![je(1), je(2)],
            )],
            // Over several commands it may have been set back to No first.
            vec![],
        ),
        // A later state that lists an entry twice (INV-10, a state check): each copy is
        // compared, and the entry named once.
        (
            "an entry the run held is listed twice",
            completed(vec![entry(1, Created, No), entry(2, Created, No)]),
            UncheckedRun::new(
                jr(75),
                RunState::Completed,
                vec![
                    entry(1, Created, No),
                    entry(2, Created, No),
                    entry(2, Cancelled, No),
                ],
            ),
            vec![],
            vec![],
        ),
        (
            "a cancelled entry is listed twice, its second copy changed",
            completed(vec![entry(1, Cancelled, No), entry(2, Created, No)]),
            UncheckedRun::new(
                jr(75),
                RunState::Completed,
                vec![
                    entry(1, Cancelled, No),
                    entry(1, Created, No),
                    entry(2, Created, No),
                ],
            ),
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
        ),
        (
            "a deleted entry appears again, twice",
            completed(vec![entry(2, Created, No)]),
            UncheckedRun::new(
                jr(75),
                RunState::Completed,
                vec![
                    entry(1, Created, No),
                    entry(1, Created, No),
                    entry(2, Created, No),
                ],
            ),
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
            vec![(Invariant::CancelledEntryIsFinal, vec![je(1)])],
        ),
        (
            "a Cancelled run becomes Completed",
            snapshot(RunState::Cancelled, vec![entry(1, Cancelled, No)]),
            completed(vec![entry(1, Cancelled, No)]).into(),
            vec![(Invariant::LifeCycle, vec![])],
            vec![(Invariant::LifeCycle, vec![])],
        ),
        (
            "a Completed run becomes Error",
            completed(vec![]),
            snapshot(RunState::Error, vec![]).into(),
            vec![(Invariant::LifeCycle, vec![])],
            vec![(Invariant::LifeCycle, vec![])],
        ),
    ];
    let mut messages = Messages::default();
    for (name, before, after, one_command, any_number) in cases {
        for violation in check_transition(&before, &after) {
            messages.add(format_args!("{name} (one command)"), violation);
        }
        for violation in check_history(&before, &after) {
            messages.add(format_args!("{name} (any number)"), violation);
        }
        assert_eq!(
            found(check_transition(&before, &after)),
            one_command,
            "{name}"
        );
        assert_eq!(found(check_history(&before, &after)), any_number, "{name}");
    }
    insta::assert_snapshot!(messages.0);
    // Sound transitions pass: a cancel, an entry deleted, processing creating entries.
    let sound = [
        (
            completed(vec![entry(1, Created, No)]),
            completed(vec![entry(1, Cancelled, No)]),
        ),
        (
            completed(vec![entry(1, Cancelled, No), entry(2, Created, Yes)]),
            completed(vec![entry(2, Created, Yes)]),
        ),
        (
            snapshot(RunState::Processing, vec![]),
            completed(vec![entry(1, Created, No)]),
        ),
    ];
    for (before, after) in sound {
        assert_eq!(check_transition(&before, &after), vec![]);
        assert_eq!(check_history(&before, &after), vec![]);
    }
}

/// The life cycle of INV-11 over statuses: the one-command moves, closed under "any number of
/// commands". A `CancelInprogress` state is judged by status alone when it is the later state
/// (a snapshot history cannot tell one job from another).
#[test]
fn the_auditor_knows_which_status_can_follow_which() {
    use journal_run::invariants::status_can_follow;
    use CancellableStatus as C;
    let job =
        |previous| RunState::CancelInprogress(Job::Known(CancellationJob { previous, next: 0 }));
    let nodes = [
        RunState::Pending,
        RunState::Processing,
        RunState::Completed,
        RunState::Error,
        job(C::Pending),
        job(C::Error),
        job(C::Completed),
        RunState::Cancelled,
        RunState::DeleteInprogress,
        RunState::Deleted,
    ];
    let index = |s: &RunState| nodes.iter().position(|n| n == s).unwrap();
    let edges: Vec<(RunState, RunState)> = vec![
        (RunState::Pending, RunState::Processing),
        (RunState::Pending, job(C::Pending)),
        (RunState::Processing, RunState::Completed),
        (RunState::Processing, RunState::Error),
        (RunState::Completed, job(C::Completed)),
        (RunState::Error, job(C::Error)),
        (job(C::Pending), RunState::Cancelled),
        (job(C::Error), RunState::Error),
        (job(C::Error), RunState::Cancelled),
        (job(C::Completed), RunState::Completed),
        (job(C::Completed), RunState::Cancelled),
        (RunState::Cancelled, RunState::DeleteInprogress),
        (RunState::DeleteInprogress, RunState::Deleted),
    ];
    let n = nodes.len();
    let mut reach = vec![vec![false; n]; n];
    for (i, row) in reach.iter_mut().enumerate() {
        row[i] = true;
    }
    for (a, b) in &edges {
        reach[index(a)][index(b)] = true;
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    let is_job = |s: &RunState| matches!(s, RunState::CancelInprogress(_));
    let mut checked = 0;
    for (i, before) in nodes.iter().enumerate() {
        for (j, after) in nodes.iter().enumerate() {
            let expected = if is_job(after) {
                (0..n).any(|k| is_job(&nodes[k]) && reach[i][k])
            } else {
                reach[i][j]
            };
            assert_eq!(
                status_can_follow(before, after),
                expected,
                "{before:?} -> {after:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, n * n);
}

#[test]
fn a_document_whose_entry_count_disagrees_is_refused() {
    use journal_run::invariants::check_declared_count;
    let violation = check_declared_count(3, 2).unwrap();
    assert_eq!(violation.invariant, Invariant::WellFormed);
    assert_eq!(
        violation.detail,
        "the run's totalJournalEntryCount is 3, but 2 journal entries are listed"
    );
    assert!(check_declared_count(1, 2).is_some());
    assert_eq!(check_declared_count(2, 2), None);
    assert_eq!(check_declared_count(0, 0), None);
}

// ---------------------------------------------------------------------------------------------
// Events that do not fit the run (an embedding system replaying a foreign or corrupted log):
// `apply` refuses them with the exact fault and changes nothing.

#[test]
fn events_that_do_not_fit_are_refused_and_change_nothing() {
    use journal_run::{ApplyError, AttemptOutcome, Event, Settlement};
    use JournalEntryStatus::{Cancelled, Created};
    use TransferredToAccounting::{No, Yes};
    let two = || {
        snapshot(
            RunState::Completed,
            vec![entry(1, Created, No), entry(2, Cancelled, No)],
        )
    };
    let processing = snapshot(RunState::Processing, vec![]);
    let known = |next| {
        RunState::CancelInprogress(Job::Known(CancellationJob {
            previous: CancellableStatus::Completed,
            next,
        }))
    };
    let in_job = snapshot(
        known(1),
        vec![entry(1, Cancelled, No), entry(2, Created, No)],
    );
    let at_end = snapshot(
        known(2),
        vec![entry(1, Cancelled, No), entry(2, Created, No)],
    );
    let transferred_next = snapshot(known(0), vec![entry(1, Created, Yes)]);
    let refused =
        |event: &'static str, rejection: Rejection| ApplyError::Refused { event, rejection };
    let differs =
        |event: &'static str, status: &'static str| ApplyError::DoesNotFit { event, status };
    let state = |command, status| Rejection::RunStatus {
        command,
        run: jr(75),
        status,
    };
    let cases: Vec<(&str, JournalRun, Event, ApplyError)> = vec![
        (
            "processing completes twice",
            two(),
            Event::ProcessingCompleted {
                entries: vec![je(5)],
            },
            refused(
                "processingCompleted",
                state(CommandKind::CompleteProcessing, JournalRunStatus::Completed),
            ),
        ),
        (
            "processing fails on a deleted run",
            deleted(),
            Event::ProcessingFailed { entries: vec![] },
            refused("processingFailed", Rejection::RunNotFound { run: jr(75) }),
        ),
        (
            "processing starts on a Completed run",
            two(),
            Event::ProcessingStarted,
            refused(
                "processingStarted",
                state(CommandKind::StartProcessing, JournalRunStatus::Completed),
            ),
        ),
        (
            "processing starts on a deleted run",
            deleted(),
            Event::ProcessingStarted,
            refused("processingStarted", Rejection::RunNotFound { run: jr(75) }),
        ),
        (
            "processing lists entries out of order",
            processing.clone(),
            Event::ProcessingCompleted {
                entries: vec![je(2), je(1)],
            },
            differs("processingCompleted", "Processing"),
        ),
        (
            "processing lists an entry twice",
            processing.clone(),
            Event::ProcessingFailed {
                entries: vec![je(1), je(1)],
            },
            refused(
                "processingFailed",
                Rejection::DuplicateEntry { entry: je(1) },
            ),
        ),
        (
            "a cancel request on a deleted run",
            deleted(),
            Event::CancellationRequested {
                previous: CancellableStatus::Completed,
            },
            refused(
                "cancellationRequested",
                Rejection::RunNotFound { run: jr(75) },
            ),
        ),
        (
            "a cancel request that names another status before it",
            two(),
            Event::CancellationRequested {
                previous: CancellableStatus::Error,
            },
            differs("cancellationRequested", "Completed"),
        ),
        (
            "an attempt without a job",
            two(),
            Event::EntryAttempted {
                entry: je(1),
                outcome: AttemptOutcome::Cancelled,
            },
            refused(
                "entryAttempted",
                state(CommandKind::StepCancellation, JournalRunStatus::Completed),
            ),
        ),
        (
            "an attempt on another entry than the job's next",
            in_job.clone(),
            Event::EntryAttempted {
                entry: je(1),
                outcome: AttemptOutcome::Cancelled,
            },
            differs("entryAttempted", "CancelInprogress"),
        ),
        (
            "an attempt that cancels a transferred entry (INV-3)",
            transferred_next,
            Event::EntryAttempted {
                entry: je(1),
                outcome: AttemptOutcome::Cancelled,
            },
            differs("entryAttempted", "CancelInprogress"),
        ),
        (
            "an attempt past the last entry",
            at_end.clone(),
            Event::EntryAttempted {
                entry: je(3),
                outcome: AttemptOutcome::Cancelled,
            },
            refused("entryAttempted", Rejection::JobFinished { run: jr(75) }),
        ),
        (
            "settling Cancelled while an entry is not cancelled (INV-1)",
            at_end.clone(),
            Event::CancellationSettled {
                settlement: Settlement::Cancelled,
            },
            differs("cancellationSettled", "CancelInprogress"),
        ),
        (
            "settling before every entry is attempted",
            in_job.clone(),
            Event::CancellationSettled {
                settlement: Settlement::Restored(CancellableStatus::Completed),
            },
            refused(
                "cancellationSettled",
                Rejection::JobNotFinished {
                    run: jr(75),
                    remaining: 1,
                },
            ),
        ),
        (
            "settling without a job",
            cancelled_run(),
            Event::CancellationSettled {
                settlement: Settlement::Cancelled,
            },
            refused(
                "cancellationSettled",
                state(CommandKind::SettleCancellation, JournalRunStatus::Cancelled),
            ),
        ),
        (
            "deleting a run whose entries are not all cancelled (INV-1)",
            two(),
            Event::DeletionStarted,
            refused(
                "deletionStarted",
                state(CommandKind::DeleteRun, JournalRunStatus::Completed),
            ),
        ),
        (
            "cancelling an entry the run does not hold",
            two(),
            Event::EntryCancelled { entry: je(7) },
            refused("entryCancelled", Rejection::EntryNotFound { entry: je(7) }),
        ),
        (
            "cancelling a transferred entry (INV-3)",
            snapshot(RunState::Completed, vec![entry(1, Created, Yes)]),
            Event::EntryCancelled { entry: je(1) },
            refused(
                "entryCancelled",
                Rejection::EntryTransferred {
                    entry: je(1),
                    transferred_to_accounting: Yes,
                },
            ),
        ),
        (
            "deleting an entry the run does not hold",
            two(),
            Event::EntryDeleted { entry: je(7) },
            refused("entryDeleted", Rejection::EntryNotFound { entry: je(7) }),
        ),
        (
            "changing an entry the run does not hold",
            two(),
            Event::TransferredToAccountingChanged {
                entry: je(7),
                from: No,
                to: No,
            },
            refused(
                "transferredToAccountingChanged",
                Rejection::EntryNotFound { entry: je(7) },
            ),
        ),
        (
            "changing an entry from a value it does not have",
            two(),
            Event::TransferredToAccountingChanged {
                entry: je(1),
                from: Yes,
                to: No,
            },
            differs("transferredToAccountingChanged", "Completed"),
        ),
        (
            "changing a cancelled entry (INV-2)",
            two(),
            Event::TransferredToAccountingChanged {
                entry: je(2),
                from: No,
                to: Yes,
            },
            refused(
                "transferredToAccountingChanged",
                Rejection::EntryCancelled {
                    command: CommandKind::UpdateTransferredToAccounting,
                    entry: je(2),
                },
            ),
        ),
    ];
    let mut messages = Messages::default();
    for (name, run, event, expected) in cases {
        messages.add(name, &expected);
        let mut after = run.clone();
        assert_eq!(after.apply(&event), Err(expected.clone()), "{name}");
        assert_eq!(after, run, "{name}: the run changed");
        // Replaying a log that holds it stops there, naming the event.
        assert_eq!(
            JournalRun::replay(run.clone(), [&event]),
            Err((0, expected)),
            "{name}"
        );
    }
    insta::assert_snapshot!(messages.0);
}

/// Zuora's two-digit categories (FACTS.md, "Responses and errors"), and the category of every
/// kind of error this crate returns.
#[test]
fn every_error_maps_to_zuoras_category() {
    use journal_run::{ApplyError, Error};
    use ErrorCategory as C;
    let codes = [
        (C::PermissionDenied, 10),
        (C::AuthenticationFailed, 11),
        (C::InvalidValue, 20),
        (C::UnknownField, 21),
        (C::MissingRequiredField, 22),
        (C::MissingRequiredParameter, 23),
        (C::InvalidQueryParameter, 27),
        (C::RuleRestriction, 30),
        (C::NotFound, 40),
        (C::UnsupportedRequest, 45),
        (C::LockingContention, 50),
        (C::InternalError, 60),
        (C::TemporaryError, 61),
        (C::LimitExceeded, 70),
        (C::MalformedRequest, 90),
        (C::IntegrationError, 99),
    ];
    assert_eq!(codes.len(), <C as strum::VariantArray>::VARIANTS.len());
    for (category, code) in codes {
        assert_eq!(category.code(), code, "{category:?}");
    }
    let snapshot_error = JournalRun::from_snapshot(
        jr(1),
        vec![],
        RunState::Pending,
        vec![entry(
            1,
            JournalEntryStatus::Created,
            TransferredToAccounting::No,
        )],
    )
    .unwrap_err();
    let cases: Vec<(Error, ErrorCategory)> = vec![
        (
            JournalRunNumber::parse("JR-1").unwrap_err().into(),
            C::InvalidValue,
        ),
        (
            "Canceled".parse::<JournalRunStatus>().unwrap_err().into(),
            C::InvalidValue,
        ),
        (TrackId::parse(":").unwrap_err().into(), C::InvalidValue),
        (snapshot_error.into(), C::InvalidValue),
        (Rejection::RunNotFound { run: jr(1) }.into(), C::NotFound),
        (
            Rejection::EntityRequired { entities: 2 }.into(),
            C::MissingRequiredField,
        ),
        (
            ApplyError::DoesNotFit {
                event: "processingStarted",
                status: "Completed",
            }
            .into(),
            C::InternalError,
        ),
    ];
    let mut messages = Messages::default();
    for (error, category) in cases {
        assert_eq!(journal_run::wire::category(&error), category, "{error:?}");
        messages.add(format_args!("{category:?}"), &error);
    }
    insta::assert_snapshot!(messages.0);
    assert_eq!(Rejection::JobFinished { run: jr(1) }.name(), "JobFinished");
    assert_eq!(
        Rejection::DuplicateEntry { entry: je(1) }.name(),
        "DuplicateEntry"
    );
}

/// Messages speak Zuora's words: the permission's name and the operation in words, never a
/// command's serialized name (`cancelRun`) or a Rust type's name.
#[test]
fn rejection_messages_name_the_operation_in_words() {
    use TransferredToAccounting as Tta;
    let cases: Vec<(Rejection, &str)> = vec![
        (
            Rejection::MissingPermission {
                command: CommandKind::CancelRun,
                permission: Permission::CancelJournalRun,
            },
            "You do not have the \"Cancel Journal Run\" permission needed to cancel a journal run",
        ),
        (
            Rejection::MissingPermission {
                command: CommandKind::DeleteEntry,
                permission: Permission::DeleteCancelledJournalEntry,
            },
            "You do not have the \"Delete Cancelled Journal Entry\" permission needed to delete a summary journal entry",
        ),
        (
            Rejection::RunStatus {
                command: CommandKind::StartProcessing,
                run: jr(7),
                status: JournalRunStatus::Completed,
            },
            "You cannot start processing a journal run: journal run JR-00000007 is Completed",
        ),
        (
            Rejection::RunStatus {
                command: CommandKind::DeleteRun,
                run: jr(7),
                status: JournalRunStatus::Completed,
            },
            "You cannot delete a journal run: journal run JR-00000007 is Completed",
        ),
        (
            Rejection::EntryCancelled {
                command: CommandKind::UpdateTransferredToAccounting,
                entry: je(3),
            },
            "You cannot change the Transferred to Accounting of a summary journal entry: journal entry JE-00000003 is cancelled",
        ),
        (
            Rejection::TransferNotAllowed {
                command: CommandKind::BeginTransfer,
                entry: je(3),
                from: Tta::Yes,
            },
            "The accounting integration cannot begin transferring a summary journal entry to accounting: the Transferred to Accounting of journal entry JE-00000003 is Yes",
        ),
    ];
    for (rejection, message) in cases {
        assert_eq!(rejection.to_string(), message, "{rejection:?}");
    }
    // No message of any command kind shows a serialized command name.
    for &kind in <CommandKind as strum::VariantArray>::VARIANTS {
        let messages = [
            Rejection::MissingPermission {
                command: kind,
                permission: Permission::CancelJournalRun,
            }
            .to_string(),
            Rejection::RunStatus {
                command: kind,
                run: jr(1),
                status: JournalRunStatus::Pending,
            }
            .to_string(),
            Rejection::EntryCancelled {
                command: kind,
                entry: je(1),
            }
            .to_string(),
            Rejection::TransferNotAllowed {
                command: kind,
                entry: je(1),
                from: Tta::No,
            }
            .to_string(),
        ];
        for message in messages {
            for &other in <CommandKind as strum::VariantArray>::VARIANTS {
                assert!(
                    !message.contains(other.as_str()),
                    "{message} shows `{}`",
                    other.as_str()
                );
            }
            assert!(message.contains(kind.action()), "{message}");
        }
    }
}

/// The core's rejections know nothing of HTTP: the entity and org faults are said in Zuora's
/// domain words (entity, accessible orgs); the wire's `Error`, which Zuora's answer carries,
/// names the request header the fault came in.
#[test]
fn core_rejections_name_no_header_and_the_wire_names_it() {
    let entity = Rejection::EntityRequired { entities: 2 };
    let org = Rejection::OrgNotAccessible {
        org: OrgId::parse("org-3").unwrap(),
    };
    assert_eq!(
        entity.to_string(),
        "the request names no entity, and the token is valid for 2 entities: it must name one"
    );
    assert_eq!(
        org.to_string(),
        "the request names org `org-3`, which is not one of the caller's accessible orgs"
    );
    assert_eq!(
        journal_run::Error::from(entity).to_string(),
        "Zuora-Entity-Ids is required: the token is valid for 2 entities"
    );
    assert_eq!(
        journal_run::Error::from(org).to_string(),
        "Zuora-Org-Ids names org `org-3`, which the caller cannot access"
    );
    // Every other rejection reads the same in the core and on the wire.
    let other = Rejection::EntityNotAccessible {
        entity: EntityId::parse("ent-9").unwrap(),
    };
    assert_eq!(
        journal_run::Error::from(other.clone()).to_string(),
        other.to_string()
    );
}

/// Documents read from users' files name what was expected in words, never a Rust type.
#[test]
fn deserialization_messages_never_name_a_rust_type() {
    use journal_run::wire::{
        CommonResponse, GetJournalEntriesInJournalRunType, GetJournalEntryDetailType,
        GetJournalRunType, PostJournalRunType,
    };
    fn message<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        serde_json::from_str::<T>(json).unwrap_err().to_string()
    }
    let cases = [
        (
            message::<GetJournalRunType>("null"),
            "invalid type: null, expected a journal run (GETJournalRunType): an object with `number` and `status`",
        ),
        (
            message::<GetJournalEntryDetailType>("1"),
            "invalid type: integer `1`, expected a summary journal entry (GETJournalEntryDetailType): an object with `number` and `status`",
        ),
        (
            message::<GetJournalEntriesInJournalRunType>("\"x\""),
            "invalid type: string \"x\", expected a page of journal entries: an object with `journalEntries`",
        ),
        (
            message::<CommonResponse>("true"),
            "invalid type: boolean `true`, expected a CommonResponse: an object with `success`",
        ),
        (
            message::<JournalEntry>("false"),
            "invalid type: boolean `false`, expected a journal entry: an object with `number`, `status` and `transferredToAccounting`",
        ),
        (
            message::<RequestScope>("3"),
            "invalid type: integer `3`, expected a request scope: an object with `entity` and `orgs` (both optional)",
        ),
        (
            message::<PostJournalRunType>("[]"),
            "invalid type: sequence, expected a Create journal run body: a JSON object with journalEntryDate and transactionTypes",
        ),
    ];
    let mut messages = Messages::default();
    for (got, want) in cases {
        assert!(got.starts_with(want), "got `{got}`, want `{want}`");
        for rust_name in ["struct ", "GetJournal", "RequestScope", "JournalEntry "] {
            assert!(!got.contains(rust_name), "{got}");
        }
        messages.add(format_args!("starts with: {want}"), got);
    }
    insta::assert_snapshot!(messages.0);
}

/// A character in a message is quoted as it is seen, never as a Rust escape (`'\''`, `'\n'`).
#[test]
fn messages_quote_characters_as_written() {
    let cases = [
        (
            TrackId::parse("it's").unwrap_err().to_string(),
            "Zuora-Track-Id may not contain \"'\" (one of `:` `;` `\"` `'`), found at character 3",
        ),
        (
            TrackId::parse("a\tb").unwrap_err().to_string(),
            "Zuora-Track-Id may not contain U+0009 (a control character), found at character 2",
        ),
        (
            TrackId::parse("a;b").unwrap_err().to_string(),
            "Zuora-Track-Id may not contain ';' (one of `:` `;` `\"` `'`), found at character 2",
        ),
        (
            OrgIds::parse("org 1").unwrap_err().to_string(),
            "Zuora-Org-Ids: `org 1` may only hold ASCII letters, digits, `-`, `_` and `.`; found ' ' at character 4",
        ),
        (
            EntityId::parse("e\u{a0}1").unwrap_err().to_string(),
            "Zuora-Entity-Ids: `e\u{a0}1` may only hold ASCII letters, digits, `-`, `_` and `.`; found U+00A0 at character 2",
        ),
        (
            JournalRunNumber::parse("JR-0000'001")
                .unwrap_err()
                .to_string(),
            "expected only ASCII digits after `JR-`, found \"'\" at byte offset 7 of `JR-0000'001`",
        ),
        (
            JournalRunNumber::parse("JR-0000\r001")
                .unwrap_err()
                .to_string(),
            "expected only ASCII digits after `JR-`, found U+000D at byte offset 7 of `JR-0000\r001`",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}
