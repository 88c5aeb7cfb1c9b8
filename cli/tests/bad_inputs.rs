//! A catalogue of unusable inputs: each exits with status 2 and an error on standard error
//! that names the file and what is wrong (`error: FILE: line L, column C: ...`), and prints
//! nothing on standard output.

mod common;

use common::{example, journal_run, snapshot, snapshot_json, temp_file};
use predicates::prelude::*;
use serde_json::json;

/// Runs `command` (`cancel` or `audit`) on a snapshot file holding `content`, and checks the
/// exit status 2 and that standard error is `error: FILE: {expected}` (with `{file}` in
/// `expected` standing for the file's path).
fn unusable(command: &str, content: &str, expected: &str) {
    let file = temp_file(content);
    let path = file.path().to_string_lossy().into_owned();
    journal_run()
        .args([command, "--snapshot", &path])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {path}: {}\n",
            expected.replace("{file}", &path)
        ));
}

const RUN: &str = r#""journalRun": {"number": "JR-00000001", "status": "Completed"}"#;

/// `audit` of the example run JR-00000075 with these pages of entries.
fn audit_pages(pages: &[&str]) -> assert_cmd::Command {
    let mut command = journal_run();
    command.args(["audit", "--run", &example("jr-00000075-run.json")]);
    for page in pages {
        command.args(["--entries", page]);
    }
    command
}

#[test]
fn a_missing_file() {
    journal_run()
        .args(["cancel", "--snapshot", "examples/no-such-file.json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: examples/no-such-file.json: no such file\n");
}

#[test]
fn a_directory() {
    journal_run()
        .args(["audit", "--snapshot", "examples"])
        .assert()
        .code(2)
        .stderr("error: examples: is a directory, not a file\n");
}

#[test]
fn an_empty_file() {
    unusable("cancel", "", "the input is empty; expected a JSON object");
}

#[test]
fn bad_json_is_named_by_line_and_column() {
    unusable(
        "cancel",
        &format!("{{{RUN},\n  \"journalEntries\": [\n    {{\"number\": \"JE-00000001\" \"status\": \"Created\"}}\n  ]\n}}"),
        "line 3, column 30: journalEntries[0]: expected `,` or `}`",
    );
}

/// A comma missing between the members of an object the tool opens, or between the items of
/// an array it opens, names the bracket that could have closed it.
#[test]
fn a_missing_comma_names_the_bracket_that_could_close() {
    unusable(
        "audit",
        &format!("{{{RUN} \"journalEntries\": []}}"),
        "line 1, column 65: expected `,` or `}`",
    );
    unusable(
        "audit",
        &format!(
            "{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\"}} {{}}]}}"
        ),
        "line 1, column 132: journalEntries: expected `,` or `]`",
    );
}

#[test]
fn a_trailing_comma() {
    unusable(
        "audit",
        &format!("{{{RUN}, \"journalEntries\": [],}}"),
        "line 1, column 87: trailing comma",
    );
}

#[test]
fn truncated_json() {
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-0"),
        "line 1, column 100: the input ends inside a string",
    );
}

#[test]
fn something_after_the_snapshot() {
    unusable(
        "audit",
        &format!("{{{RUN}, \"journalEntries\": []}} {{}}"),
        "line 1, column 88: trailing characters",
    );
}

#[test]
fn not_an_object() {
    unusable(
        "cancel",
        "[1, 2]",
        "line 1, column 1: expected a journal run snapshot (a JSON object), found an array",
    );
}

#[test]
fn an_unknown_entry_status() {
    unusable(
        "cancel",
        &snapshot("Completed", &[("JE-00000001", "Done", "No")]),
        "line 1, column 121: journalEntries[0].status: unknown journal entry status `Done`; expected one of `Created`, `Cancelled`",
    );
}

#[test]
fn an_unknown_transferred_to_accounting() {
    unusable(
        "audit",
        &snapshot("Completed", &[("JE-00000001", "Created", "Maybe")]),
        "line 1, column 159: journalEntries[0].transferredToAccounting: unknown Transferred to Accounting value `Maybe`; expected one of `No`, `Processing`, `Yes`, `Error`, `Ignore`",
    );
}

#[test]
fn a_malformed_entry_number() {
    unusable(
        "cancel",
        &snapshot("Completed", &[("JE-1", "Created", "No")]),
        "line 1, column 96: journalEntries[0].number: expected 8 or more digits after `JE-`, found `JE-1`",
    );
}

#[test]
fn an_entry_number_that_is_not_a_string() {
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [{{\"number\": 7, \"status\": \"Created\"}}]}}"),
        "line 1, column 96: journalEntries[0].number: expected a string, found the number 7",
    );
}

#[test]
fn an_entry_without_a_number() {
    unusable(
        "audit",
        &format!("{{{RUN}, \"journalEntries\": [{{\"status\": \"Created\"}}]}}"),
        "line 1, column 105: journalEntries[0].number is missing",
    );
}

#[test]
fn an_entry_that_reports_a_failed_request() {
    unusable(
        "cancel",
        &format!(
            "{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"success\": false}}]}}"
        ),
        "line 1, column 143: journalEntries[0].success is false: the document reports a failed request",
    );
}

/// A saved error answer (a download that failed: `success` and `reasons` only) is said to be
/// one, before the fields it lacks, for an entry, the run's document and a page.
#[test]
fn a_saved_error_answer_is_said_to_report_a_failed_request() {
    const FAILED: &str =
        r#"{"success": false, "reasons": [{"code": 50000040, "message": "not found"}]}"#;
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [{FAILED}]}}"),
        "line 1, column 97: journalEntries[0].success is false: the document reports a failed request",
    );
    unusable(
        "audit",
        &format!("{{\"journalRun\": {FAILED}, \"journalEntries\": []}}"),
        "line 1, column 28: journalRun.success is false: the document reports a failed request",
    );
    let failed = temp_file(FAILED);
    let failed = failed.path().to_string_lossy().into_owned();
    let page = example("jr-00000075-entries-page-1.json");
    journal_run()
        .args(["audit", "--run", &failed, "--entries", &page])
        .assert()
        .code(2)
        .stderr(format!(
            "error: {failed}: line 1, column 13: success is false: the document reports a failed request\n"
        ));
    // A page's is placed at its `false`, and told before a fault after it.
    audit_pages(&[&failed]).assert().code(2).stderr(format!(
        "error: {failed}: line 1, column 13: success is false: the document reports a failed request\n"
    ));
    let failed = temp_file(r#"{"journalEntries": [], "success": false, "reasons": [{"code": 5}]}"#);
    let failed = failed.path().to_string_lossy().into_owned();
    audit_pages(&[&failed]).assert().code(2).stderr(format!(
        "error: {failed}: line 1, column 35: success is false: the document reports a failed request\n"
    ));
    let failed = temp_file(r#"{"success": false, "journalEntries": [{"number": "JE-1"}]}"#);
    let failed = failed.path().to_string_lossy().into_owned();
    audit_pages(&[&failed]).assert().code(2).stderr(format!(
        "error: {failed}: line 1, column 13: success is false: the document reports a failed request\n"
    ));
}

#[test]
fn a_malformed_run_number() {
    unusable(
        "audit",
        r#"{"journalRun": {"number": "JR-1", "status": "Completed"}, "journalEntries": []}"#,
        "line 1, column 27: journalRun.number: expected 8 or more digits after `JR-`, found `JR-1`",
    );
}

#[test]
fn an_unknown_run_status() {
    unusable(
        "cancel",
        r#"{"journalRun": {"number": "JR-00000001", "status": "Canceled"}, "journalEntries": []}"#,
        "line 1, column 52: journalRun.status: unknown journal run status `Canceled`; expected one of `Pending`, `Processing`, `Completed`, `Error`, `CancelInprogress`, `Cancelled`, `DeleteInprogress`",
    );
}

#[test]
fn a_run_count_that_is_not_a_number() {
    unusable(
        "audit",
        r#"{"journalRun": {"number": "JR-00000001", "status": "Completed", "totalJournalEntryCount": "ten"}, "journalEntries": []}"#,
        "line 1, column 91: journalRun.totalJournalEntryCount: expected a whole number of at least 0 or null, found the string `ten`",
    );
    // A number is quoted as the input writes it, not as the float it reads as.
    for number in ["99999999999999999999999", "1E0", "-1", "2.50"] {
        unusable(
            "audit",
            &format!(r#"{{"journalRun": {{"number": "JR-00000001", "status": "Completed", "totalJournalEntryCount": {number}}}, "journalEntries": []}}"#),
            &format!("line 1, column 91: journalRun.totalJournalEntryCount: expected a whole number of at least 0 or null, found the number {number}"),
        );
    }
}

#[test]
fn an_unknown_top_level_field() {
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntry\": []}}"),
        "line 1, column 66: unknown field `journalEntry`; expected one of `journalRun`, `journalEntries`, `caller`, `request`, `cancellationJob`",
    );
}

#[test]
fn a_page_given_as_a_snapshot() {
    unusable(
        "cancel",
        r#"{"journalEntries": [], "success": true}"#,
        "line 1, column 24: unknown field `success`; expected one of `journalRun`, `journalEntries`, `caller`, `request`, `cancellationJob`",
    );
    unusable(
        "cancel",
        r#"{"journalEntries": []}"#,
        "line 1, column 22: journalRun is missing (for Zuora's GET responses, use --run FILE --entries FILE)",
    );
}

#[test]
fn an_unknown_permission() {
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [], \"caller\": {{\"permissions\": [\"Cancel Journal Runs\"]}}}}"),
        "line 1, column 115: caller.permissions[0]: unknown permission `Cancel Journal Runs`; expected one of `Create Journal Run`, `Cancel Journal Run`, `Delete Cancelled Journal Run`, `Create Journal Entry`, `Edit Journal Entry`, `Cancel Journal Entry`, `Delete Cancelled Journal Entry`, `Override Transferred to Accounting`, `API Write Access`",
    );
}

#[test]
fn a_misspelt_caller_field() {
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [], \"caller\": {{\"permision\": []}}}}"),
        "line 1, column 99: caller.permision: unknown field `permision`; expected one of `permissions`, `platformPermissions`, `accessibleOrgIds`, `entityIds`",
    );
}

#[test]
fn a_malformed_org_id() {
    unusable(
        "cancel",
        &format!(
            "{{{RUN}, \"journalEntries\": [], \"caller\": {{\"permissions\": [], \"accessibleOrgIds\": [\"org one\"]}}}}"
        ),
        "line 1, column 139: caller.accessibleOrgIds[0]: `org one` may only hold ASCII letters, digits, `-`, `_` and `.`; found ' ' at character 4",
    );
}

#[test]
fn request_headers_that_are_not_strings() {
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [], \"request\": {{\"headers\": {{\"Zuora-Track-Id\": 7}}}}}}"),
        "line 1, column 130: request.headers.Zuora-Track-Id: expected a string, found the number 7",
    );
}

/// A snapshot that breaks an invariant: `cancel` cannot build a run from it and says which
/// (exit 2), `audit` reports exactly that violation (exit 1).
#[test]
fn a_snapshot_that_breaks_an_invariant_is_unusable_for_cancel_and_a_violation_for_audit() {
    let whole = "the snapshot breaks the rules' invariants, so no run can be built from it: ";
    let see = " (`journal-run audit` reports every violation)";
    let twice = ("JE-00000001", "Created", "No");
    let cases = [
        (
            snapshot("Completed", &[twice, twice]),
            format!("{whole}INV-10: journal entries are listed twice (JE-00000001){see}"),
            json!([{"invariant": "INV-10", "kind": "state", "entries": ["JE-00000001"],
                    "detail": "journal entries are listed twice"}]),
        ),
        (
            snapshot("Cancelled", &[("JE-00000001", "Created", "No")]),
            format!(
                "{whole}INV-1: the run is Cancelled but 1 of its entries is not cancelled \
                 (JE-00000001){see}"
            ),
            json!([{"invariant": "INV-1", "kind": "state", "entries": ["JE-00000001"],
                    "detail": "the run is Cancelled but 1 of its entries is not cancelled"}]),
        ),
        (
            r#"{"journalRun": {"number": "JR-00000001", "status": "Completed", "totalJournalEntryCount": 2}, "journalEntries": [{"number": "JE-00000001", "status": "Created"}]}"#
                .to_owned(),
            "INV-10: the run's totalJournalEntryCount is 2, but 1 journal entry is listed"
                .to_owned(),
            json!([{"invariant": "INV-10", "kind": "state", "entries": [],
                    "detail": "the run's totalJournalEntryCount is 2, but 1 journal entry is listed"}]),
        ),
    ];
    for (content, cancel, violations) in cases {
        unusable("cancel", &content, &cancel);
        let (code, out) = snapshot_json("audit", &content);
        assert_eq!((code, &out["violations"]), (1, &violations), "{content}");
    }
}

#[test]
fn run_without_entries_is_a_usage_error() {
    journal_run()
        .args(["cancel", "--run", &example("jr-00000075-run.json")])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--entries <FILE>"));
}

#[test]
fn snapshot_and_run_together_is_a_usage_error() {
    journal_run()
        .args([
            "audit",
            "--snapshot",
            &example("jr-00000075.json"),
            "--run",
            &example("jr-00000075-run.json"),
            "--entries",
            &example("jr-00000075-entries-page-1.json"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn no_input_is_a_usage_error() {
    journal_run()
        .args(["cancel"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("required"));
}

#[test]
fn a_header_without_a_colon_is_a_usage_error() {
    journal_run()
        .args([
            "cancel",
            "--snapshot",
            &example("jr-00000075.json"),
            "--header",
            "Zuora-Track-Id",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`Zuora-Track-Id` is not a header; write `Name: value`",
        ));
}

#[test]
fn an_incomplete_listing_of_pages() {
    journal_run()
        .args([
            "cancel",
            "--run",
            &example("jr-00000075-run.json"),
            "--entries",
            &example("jr-00000075-entries-page-1.json"),
        ])
        .assert()
        .code(2)
        .stderr(
            "error: examples/jr-00000075-entries-page-1.json: nextPage: the listing continues at \
             `https://rest.zuora.com/v1/journal-entries/journal-runs/JR-00000075?page=2&pageSize=8`; \
             a snapshot needs every page\n",
        );
}

#[test]
fn a_page_given_as_the_run() {
    journal_run()
        .args([
            "audit",
            "--run",
            &example("jr-00000075-entries-page-2.json"),
            "--entries",
            &example("jr-00000075-entries-page-2.json"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: examples/jr-00000075-entries-page-2.json: line",
        ))
        .stderr(predicate::str::contains(
            "the field `number` is missing (--run expects Zuora's GET journal run response)",
        ));
}

#[test]
fn standard_input_given_twice() {
    journal_run()
        .args(["audit", "--run", "-", "--entries", "-"])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(
            "error: standard input: `-` is given twice; standard input can be read only once\n",
        );
}

/// Runs `audit --history` on a file holding `content`, and checks the exit status 2 and that
/// standard error is `error: FILE: {expected}`.
fn unusable_history(content: &str, expected: &str) {
    let file = temp_file(content);
    let path = file.path().to_string_lossy().into_owned();
    journal_run()
        .args(["audit", "--history", &path])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!("error: {path}: {expected}\n"));
}

#[test]
fn an_empty_history() {
    unusable_history(
        "\n\n",
        "holds no snapshot; a history is JSON Lines, one snapshot per line",
    );
}

/// A history's snapshot that is unusable input is named by its line.
#[test]
fn an_unusable_snapshot_of_a_history_is_named_by_its_line() {
    let good = common::snapshot("Completed", &[]);
    let bad = good.replace("JR-00000001", "JR-1");
    unusable_history(
        &format!("{good}\n\n{bad}\n"),
        "line 3, column 27: journalRun.number: expected 8 or more digits after `JR-`, found `JR-1`",
    );
}

#[test]
fn two_snapshots_on_one_line_of_a_history() {
    let line = common::snapshot("Completed", &[]);
    unusable_history(
        &format!("{line} {line}\n"),
        "line 1, column 88: expected the end of the line: a history holds one snapshot per line",
    );
}

#[test]
fn a_stray_character_or_a_byte_order_mark_after_the_start() {
    // A byte order mark is passed over only as the text's first character (D-26).
    unusable(
        "audit",
        "\u{200b}{}",
        "line 1, column 1: expected a journal run snapshot (a JSON object), found a character that cannot start a JSON value",
    );
    unusable(
        "audit",
        " \u{feff}{}",
        "line 1, column 2: expected a journal run snapshot (a JSON object), found a character that cannot start a JSON value",
    );
}

/// Runs `command` on a snapshot file holding `bytes` (any bytes): exit 2, nothing on standard
/// output, and standard error is `error: FILE: {expected}`.
fn unusable_bytes(command: &str, bytes: &[u8], expected: &str) {
    let file = common::temp_bytes(bytes);
    let path = file.path().to_string_lossy().into_owned();
    journal_run()
        .args([command, "--snapshot", &path])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!("error: {path}: {expected}\n"));
}

#[test]
fn invalid_utf8_in_a_value_is_refused_with_its_byte_offset() {
    let mut bytes = format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"notes\": \"caf")
        .into_bytes();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xe9\"}]}");
    for command in ["audit", "cancel"] {
        unusable_bytes(
            command,
            &bytes,
            &format!(
                "line 1, column {}: journalEntries[0]: invalid UTF-8 (byte offset {offset})",
                offset + 1
            ),
        );
    }
}

#[test]
fn invalid_utf8_in_a_key_is_refused_with_its_byte_offset() {
    let mut bytes = format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"no").into_bytes();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xc3(tes\": 1}]}");
    unusable_bytes(
        "audit",
        &bytes,
        &format!(
            "line 1, column {}: journalEntries[0]: invalid UTF-8 (byte offset {offset})",
            offset + 1
        ),
    );
}

#[test]
fn a_key_given_twice_is_refused_in_every_object() {
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"notes\": \"a\", \"notes\": \"b\"}}]}}"),
        "line 1, column 146: journalEntries[0]: the key `notes` is given twice in this object",
    );
    unusable(
        "audit",
        &format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"status\": \"Created\"}}]}}"),
        "line 1, column 132: journalEntries[0]: the key `status` is given twice in this object",
    );
    unusable(
        "audit",
        r#"{"journalRun": {"number": "JR-00000001", "status": "Completed", "n\u0075mber": "JR-00000002"}, "journalEntries": []}"#,
        "line 1, column 65: journalRun: the key `number` is given twice in this object",
    );
    unusable(
        "audit",
        &format!("{{{RUN}, \"journalEntries\": [], \"journalEntries\": []}}"),
        "line 1, column 88: the key `journalEntries` is given twice in this object",
    );
    // In an object nested in the value named, in either of the walker's ways to read a key.
    unusable(
        "audit",
        r#"{"journalRun": {"number": "JR-00000001", "status": "Completed", "x": {"a": 1, "a": 2}}, "journalEntries": []}"#,
        "line 1, column 79: journalRun: the key `a` is given twice in an object nested in this value",
    );
    unusable(
        "cancel",
        &format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"segments\": [{{\"a\": 1, \"\\u0061\": 2}}]}}]}}"),
        "line 1, column 154: journalEntries[0]: the key `a` is given twice in an object nested in this value",
    );
    unusable(
        "audit",
        &format!("{{{RUN}, \"journalEntries\": [], \"cancellationJob\": {{\"a\": 1, \"a\": 2}}}}"),
        "line 1, column 116: cancellationJob: the key `a` is given twice in this object",
    );
}

#[test]
fn control_characters_of_the_input_are_escaped_in_messages() {
    unusable(
        "cancel",
        &snapshot("Completed", &[("JE-00000001", "Do\\u001b[2Jne\\n", "No")]),
        "line 1, column 121: journalEntries[0].status: unknown journal entry status `Do\\u{1b}[2Jne\\n`; expected one of `Created`, `Cancelled`",
    );
}

#[test]
fn a_value_larger_than_the_window_limit_is_refused() {
    // One 256 MB string: refused once the window holds 64 MiB of it, without re-reading it.
    let mut bytes = format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"notes\": \"").into_bytes();
    bytes.resize(bytes.len() + (256 << 20), b'a');
    bytes.extend_from_slice(b"\"}]}");
    unusable_bytes(
        "audit",
        &bytes,
        "line 1, column 85: journalEntries[0]: a single value is larger than 64 MiB, the most this tool holds at once",
    );
}

#[test]
fn nesting_deeper_than_serde_jsons_limit_is_refused() {
    let deep = format!(
        "{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"x\": {}{}}}]}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    unusable(
        "audit",
        &deep,
        "line 1, column 261: journalEntries[0]: nested more than 127 levels deep",
    );
}

/// A fault in a later page names the entry by its place in that page's `journalEntries`.
#[test]
fn a_fault_in_the_second_page_names_the_entry_in_that_page() {
    let page =
        std::fs::read_to_string(common::root().join(example("jr-00000075-entries-page-2.json")))
            .unwrap_or_default();
    let at = page.rfind(r#""status": "Created""#).unwrap_or_default();
    let broken = format!("{}\"status\": \"Creatd\"{}", &page[..at], &page[at + 19..]);
    let file = temp_file(&broken);
    let path = file.path().to_string_lossy().into_owned();
    audit_pages(&[&example("jr-00000075-entries-page-1.json"), &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{path}: line 80, column 17: journalEntries[1].status: "
        )));
}

/// A snapshot whose run is `CancelInprogress`, with `cancellationJob` holding `job`.
fn with_job(job: &str) -> String {
    format!(
        r#"{{"journalRun": {{"number": "JR-00000001", "status": "CancelInprogress"}}, "journalEntries": [], "cancellationJob": {job}}}"#
    )
}

/// The 1-based column of `part` in a one-line `text`: the first place it is found.
fn column_of(text: &str, part: &str) -> usize {
    text.find(part).map_or(0, |at| at + 1)
}

/// serde's faults in JSON's words: what was expected and what was found, never serde's
/// `invalid type: integer`, nor a Rust type (`usize`, `unit value`, `sequence`, `variant`).
#[test]
fn a_value_of_the_wrong_kind_is_named_in_jsons_words() {
    unusable(
        "audit",
        r#"{"journalRun": {"number": 1, "status": "Completed"}, "journalEntries": []}"#,
        "line 1, column 27: journalRun.number: expected a string, found the number 1",
    );
    for (next, found) in [
        ("-1", "the number -1"),
        ("1.5", "the number 1.5"),
        ("1e3", "the number 1e3"),
        ("18446744073709551616", "the number 18446744073709551616"),
        ("\"3\"", "the string `3`"),
        ("true", "true"),
        ("null", "null"),
        ("[]", "an array"),
        ("{}", "an object"),
    ] {
        let text = with_job(&format!(r#"{{"previous": "Completed", "next": {next}}}"#));
        unusable(
            "audit",
            &text,
            &format!(
                "line 1, column {}: cancellationJob.next: expected a whole number of at least 0, found {found}",
                column_of(&text, &format!(": {next}}}")) + 2
            ),
        );
    }
    let text = with_job(r#"{"previous": "x", "next": 0}"#);
    unusable(
        "audit",
        &text,
        &format!(
            "line 1, column {}: cancellationJob.previous: expected one of `Pending`, `Error`, `Completed`, found `x`",
            column_of(&text, "\"x\"")
        ),
    );
    let text = with_job(r#"{"previous": "Completed", "next": 0, "done": 1}"#);
    unusable(
        "audit",
        &text,
        &format!(
            "line 1, column {}: cancellationJob.done: unknown field `done`; expected `previous` or `next`",
            column_of(&text, "\"done\"")
        ),
    );
    // A missing field is placed at its object.
    let text = with_job(r#"{"next": 0}"#);
    unusable(
        "audit",
        &text,
        &format!(
            "line 1, column {}: cancellationJob: the field `previous` is missing",
            column_of(&text, "{\"next\"")
        ),
    );
    let text = format!("{{{RUN}, \"journalEntries\": [], \"caller\": {{}}}}");
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: caller: the field `permissions` is missing",
            column_of(&text, "{}")
        ),
    );
    let text = format!("{{{RUN}, \"journalEntries\": [], \"caller\": {{\"permissions\": \"Cancel Journal Run\"}}}}");
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: caller.permissions: expected an array, found the string `Cancel Journal Run`",
            column_of(&text, "\"Cancel")
        ),
    );
    let text = format!("{{{RUN}, \"journalEntries\": [], \"request\": {{\"headers\": []}}}}");
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: request.headers: expected an object of header names and string values, found an array",
            column_of(&text, "[]}") 
        ),
    );
    let text = format!("{{{RUN}, \"journalEntries\": [], \"request\": {{\"jrNumber\": false}}}}");
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: request.jrNumber: expected a string or null, found false",
            column_of(&text, "false")
        ),
    );
}

/// The snapshot's own objects, and the run's document, must be objects: anything else is
/// refused for what it is (serde would read an array as an object's fields in order).
#[test]
fn a_journal_run_or_caller_that_is_not_an_object_is_named_for_what_it_is() {
    for (value, found) in [
        ("1", "a number"),
        ("\"x\"", "a string"),
        ("[]", "an array"),
        ("[\"JR-00000001\", \"Completed\"]", "an array"),
        ("null", "null"),
        ("true", "true"),
        ("false", "false"),
    ] {
        unusable(
            "audit",
            &format!("{{\"journalRun\": {value}, \"journalEntries\": []}}"),
            &format!("line 1, column 16: journalRun: expected an object, found {found}"),
        );
        for field in ["caller", "request"] {
            let text = format!("{{{RUN}, \"journalEntries\": [], \"{field}\": {value}}}");
            unusable(
                "cancel",
                &text,
                &format!(
                    "line 1, column {}: {field}: expected an object, found {found}",
                    column_of(&text, &format!("\"{field}\": ")) + field.len() + 4
                ),
            );
        }
        let text = with_job(value);
        unusable(
            "audit",
            &text,
            &format!(
                "line 1, column {}: cancellationJob: expected an object, found {found}",
                column_of(&text, "\"cancellationJob\": ") + 19
            ),
        );
    }
}

/// Runs `audit` of the example run with an empty first page when `second` is true, then a
/// page holding `text`, and checks the exit status 2 and that standard error is
/// `error: PAGE: {expected}`.
fn unusable_page(second: bool, text: &str, expected: &str) {
    let first = temp_file(r#"{"journalEntries": [], "nextPage": "/v1/next"}"#);
    let page = temp_file(text);
    let path = page.path().to_string_lossy().into_owned();
    let first_path = first.path().to_string_lossy().into_owned();
    let pages: Vec<&str> = if second {
        vec![&first_path, &path]
    } else {
        vec![&path]
    };
    audit_pages(&pages)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!("error: {path}: {expected}\n"));
}

/// A page's fields are named in JSON's words too.
#[test]
fn a_pages_next_page_that_is_not_a_string() {
    unusable_page(
        false,
        r#"{"journalEntries": [], "nextPage": 1}"#,
        "line 1, column 36: nextPage: expected a string or null, found the number 1",
    );
}

/// A snapshot without `journalEntries` is refused at its end, by both commands.
#[test]
fn a_snapshot_without_its_entries() {
    for command in ["audit", "cancel"] {
        unusable(
            command,
            r#"{"journalRun": {"number": "JR-00000001", "status": "Completed"}}"#,
            "line 1, column 64: journalEntries is missing",
        );
    }
}

/// A page that is no object is refused as a page, in the second place too.
#[test]
fn a_page_that_is_not_an_object() {
    for second in [false, true] {
        unusable_page(
            second,
            "[1]",
            "line 1, column 1: expected a page of journal entries (a JSON object), found an array",
        );
    }
}

/// A page without `journalEntries` is refused at its end, as a snapshot without them is.
#[test]
fn a_page_without_journal_entries() {
    for (text, column) in [(r#"{"success": true}"#, 17), ("{}", 2)] {
        unusable_page(
            false,
            text,
            &format!("line 1, column {column}: journalEntries is missing"),
        );
    }
}

/// A file in UTF-16 or UTF-32 (Windows PowerShell 5's `>` writes UTF-16LE), with its byte
/// order mark or without, is refused at its start by the encoding it is in, with the command
/// that converts it, by both commands, from a file and from standard input.
#[test]
fn a_file_in_utf16_or_utf32_is_refused_by_its_encoding() {
    let text = snapshot("Completed", &[("JE-00000001", "Created", "No")]);
    // The text's code units, each `width` bytes, the byte of its ASCII character first or last.
    let units = |width: usize, big: bool| -> Vec<u8> {
        text.bytes()
            .flat_map(|b| {
                let mut unit = vec![0; width];
                unit[if big { width - 1 } else { 0 }] = b;
                unit
            })
            .collect()
    };
    let cases: [(Vec<u8>, &[u8], &str); 4] = [
        (units(2, false), b"\xFF\xFE", "UTF-16LE"),
        (units(2, true), b"\xFE\xFF", "UTF-16BE"),
        (units(4, false), b"\xFF\xFE\0\0", "UTF-32LE"),
        (units(4, true), b"\0\0\xFE\xFF", "UTF-32BE"),
    ];
    for (bytes, mark, name) in cases {
        let expected = format!(
            "line 1, column 1: the text is in {name}, not in UTF-8, the encoding of JSON (RFC \
             8259, section 8.1): convert it first, for example with `iconv -f {name} -t UTF-8`"
        );
        for bytes in [bytes.clone(), [mark, &bytes].concat()] {
            for command in ["audit", "cancel"] {
                unusable_bytes(command, &bytes, &expected);
            }
            journal_run()
                .args(["cancel", "--snapshot", "-", "--json"])
                .write_stdin(bytes)
                .assert()
                .code(2)
                .stdout("")
                .stderr(format!(
                    "journal-run: keeping a copy of standard input in a temporary file to read \
                     it a second time\nerror: standard input: {expected}\n"
                ));
        }
    }
}

/// Invalid UTF-8 outside a string is reported as such, with its byte offset, whatever else was
/// expected there; a valid character that is not ASCII keeps the fault it is.
#[test]
fn invalid_utf8_outside_strings_is_refused_with_its_byte_offset() {
    let run = format!("{{{RUN}, ");
    let entries = r#""journalEntries": []"#;
    // The bytes before the fault, the bytes from it, and the place the message names.
    let cases: [(String, &[u8], &str); 9] = [
        // Before the document, where a key is expected, after the document.
        (String::new(), b"\xff{}", ""),
        (run.clone(), b"\xc3\"journalEntries\": []}", ""),
        (format!("{run}{entries}}}"), b"\xff", ""),
        (format!("{run}{entries}}}  "), b"\x80\x80", ""),
        // A character cut by the input's end, and one its second byte breaks.
        (format!("{run}{entries}}}"), b"\xe2\x80", ""),
        (format!("{run}{entries}}} "), b"\xc3(", ""),
        // After a number, and where a value is expected, inside a value the snapshot names.
        (
            format!("{run}{entries}, \"cancellationJob\": {{\"next\": 1"),
            b"\xff}}",
            "cancellationJob: ",
        ),
        (format!("{run}\"journalEntries\": "), b"\xf0\x9f[]}", "journalEntries: "),
        (
            format!("{run}\"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\"}} "),
            b"\x80]}",
            "journalEntries: ",
        ),
    ];
    for (before, from, place) in cases {
        let offset = before.len();
        unusable_bytes(
            "audit",
            &[before.as_bytes(), from].concat(),
            &format!(
                "line 1, column {}: {place}invalid UTF-8 (byte offset {offset})",
                offset + 1
            ),
        );
    }
    // Valid UTF-8 that is no JSON keeps its fault.
    let text = format!("{run}\u{e9}{entries}}}");
    unusable(
        "audit",
        &text,
        &format!(
            "line 1, column {}: expected a key (a string)",
            column_of(&text, "\u{e9}")
        ),
    );
    let text = format!("{run}{entries}}}\u{1F600}");
    unusable(
        "audit",
        &text,
        &format!(
            "line 1, column {}: trailing characters",
            column_of(&text, "\u{1F600}")
        ),
    );
}

/// Text of the input that a message quotes is clipped to 100 characters, then `…` and how many
/// more there are: a message stays a line.
#[test]
fn text_quoted_from_the_input_is_clipped_to_100_characters() {
    let long = "x".repeat(1_000_000);
    let shown = format!("{}… (999900 more characters)", "x".repeat(100));
    unusable(
        "audit",
        &format!("{{\"journalRun\": {{\"number\": \"JR-00000001\", \"status\": \"{long}\"}}, \"journalEntries\": []}}"),
        &format!("line 1, column 52: journalRun.status: unknown journal run status `{shown}`; expected one of `Pending`, `Processing`, `Completed`, `Error`, `CancelInprogress`, `Cancelled`, `DeleteInprogress`"),
    );
    let text = format!("{{{RUN}, \"journalEntries\": [], \"{long}\": 1}}");
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: unknown field `{shown}`; expected one of `journalRun`, `journalEntries`, `caller`, `request`, `cancellationJob`",
            column_of(&text, "\"x")
        ),
    );
    let text = format!("{{{RUN}, \"journalEntries\": [{{\"number\": \"JE-00000001\", \"status\": \"Created\", \"{long}\": 1, \"{long}\": 2}}]}}");
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: journalEntries[0]: the key `{shown}` is given twice in this object",
            column_of(&text, "1, \"x") + 3
        ),
    );
    let text = format!(
        "{{{RUN}, \"journalEntries\": [], \"request\": {{\"headers\": {{\"{long}\": 7}}}}}}"
    );
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: request.headers.{shown}: expected a string, found the number 7",
            column_of(&text, "7")
        ),
    );
    let text = with_job(&format!("{{\"previous\": \"{long}\", \"next\": 0}}"));
    unusable(
        "cancel",
        &text,
        &format!(
            "line 1, column {}: cancellationJob.previous: expected one of `Pending`, `Error`, `Completed`, found `{shown}`",
            column_of(&text, "\"x")
        ),
    );
    let number = format!("JE-{}", "1".repeat(999_997));
    let text = snapshot("Completed", &[(&number, "Created", "No")]);
    unusable(
        "audit",
        &text,
        &format!(
            "line 1, column {}: journalEntries[0].number: `JE-{}… (999900 more characters)` is too large: the largest number is 18446744073709551615",
            column_of(&text, "\"JE-"),
            "1".repeat(97)
        ),
    );
}

/// A high surrogate's escape decides at the input's end as anywhere: the bytes there cannot
/// start its low half.
#[test]
fn a_lone_high_surrogate_at_the_inputs_end_is_an_unpaired_surrogate() {
    let text = r#"{"journalRun":{"number":"JR-00000001","status":"Completed"},"journalEntries":[],"\ud800":1}"#;
    for tail in ["", "      ", "\n"] {
        unusable(
            "audit",
            &format!("{text}{tail}"),
            "line 1, column 82: unpaired surrogate in a `\\u` escape",
        );
    }
    // An escape that is not hexadecimal, at the end too.
    unusable(
        "audit",
        r#"{"journalRun":{"number":"JR-00000001","status":"Completed"},"journalEntries":[],"\u1x":1}"#,
        "line 1, column 82: invalid escape in a string",
    );
    // A low half begun at the input's end: the input ends inside the string.
    unusable(
        "audit",
        r#"{"journalRun":{"number":"JR-00000001","status":"Completed"},"journalEntries":[],"\ud800\udc"#,
        "line 1, column 91: the input ends inside a string",
    );
}

/// Invisible and direction-changing characters of the input are escaped in messages, as
/// control characters are.
#[test]
fn invisible_characters_of_the_input_are_escaped_in_messages() {
    unusable(
        "cancel",
        &snapshot("Completed", &[("JE-00000001", "Can\u{200b}celled\u{2028}\u{61c}\u{feff}\u{2060}", "No")]),
        "line 1, column 121: journalEntries[0].status: unknown journal entry status `Can\\u{200b}celled\\u{2028}\\u{61c}\\u{feff}\\u{2060}`; expected one of `Created`, `Cancelled`",
    );
}

/// A header no HTTP request could carry (RFC 9110: a name that is not a token, a value with
/// CR, LF or NUL) is refused, from `--header` and from a snapshot's `request.headers` alike.
#[test]
fn a_header_no_request_could_carry_is_refused_from_either_source() {
    let headers = |json: &str| {
        format!("{{{RUN}, \"journalEntries\": [], \"request\": {{\"headers\": {json}}}}}")
    };
    for (json, message) in [
        (r#"{"": "x"}"#, "a header's name is empty"),
        (
            r#"{"X A": "x"}"#,
            "`X A` is not a header name: a name holds letters, digits and !#$%&'*+-.^_`|~ only",
        ),
        (
            r#"{"X-Note": "a\r\nB: c"}"#,
            "the value of header `X-Note` holds a line break or NUL, which no request can carry",
        ),
        (
            r#"{"X-Note": "a\u0000"}"#,
            "the value of header `X-Note` holds a line break or NUL, which no request can carry",
        ),
    ] {
        let text = headers(json);
        // (At the object of headers.)
        let column = text.find(json).map_or(0, |at| at + 1);
        unusable(
            "cancel",
            &text,
            &format!("line 1, column {column}: request.headers: {message}"),
        );
    }
    for (given, message) in [
        (
            "X A: x",
            "`X A` is not a header name: a name holds letters, digits and !#$%&'*+-.^_`|~ only",
        ),
        (
            "X-Note: a\nb",
            "the value of header `X-Note` holds a line break or NUL, which no request can carry",
        ),
    ] {
        let (code, stdout, stderr) = common::run(&[
            "cancel",
            "--snapshot",
            &example("jr-00000075.json"),
            "--header",
            given,
        ]);
        assert_eq!((code, stdout.as_str()), (2, ""), "{given}");
        assert!(stderr.contains(message), "{given}: {stderr}");
    }
}

/// A fault the run's conversion finds is placed at the member of the run's document it names,
/// in a file, from standard input (whose lines the reader counts) and in `--run`'s file.
#[test]
fn a_fault_of_the_runs_document_is_placed_at_its_member() {
    const STATUSES: &str = "expected one of `Pending`, `Processing`, `Completed`, `Error`, `CancelInprogress`, `Cancelled`, `DeleteInprogress`";
    let two_lines = "{\"journalRun\": {\"number\": \"JR-00000001\",\n \"status\": \"Done\"}, \"journalEntries\": []}";
    let expected = format!(
        "line 2, column 12: journalRun.status: unknown journal run status `Done`; {STATUSES}"
    );
    unusable("audit", two_lines, &expected);
    journal_run()
        .args(["audit", "--snapshot", "-"])
        .write_stdin(two_lines)
        .assert()
        .code(2)
        .stderr(format!("error: standard input: {expected}\n"));
    unusable(
        "cancel",
        r#"{"journalRun": {"number": "JR-00000001", "status": "Completed"}, "journalEntries": [], "cancellationJob": {"previous": "Completed", "next": 0}}"#,
        "line 1, column 52: journalRun.status is Completed, but cancellationJob is given: only a CancelInprogress run has a cancellation job",
    );
    unusable(
        "audit",
        r#"{"journalRun": {"number": "JR-00000001", "status": "Completed", "organizationLabels": [{"organizationId": "a b", "organizationName": "x"}]}, "journalEntries": []}"#,
        "line 1, column 87: journalRun.organizationLabels[0].organizationId: `a b` may only hold ASCII letters, digits, `-`, `_` and `.`; found ' ' at character 2",
    );
    let run = temp_file(r#"{"number": "JR-1", "status": "Completed"}"#);
    let run = run.path().to_string_lossy().into_owned();
    journal_run()
        .args(["audit", "--run", &run, "--entries"])
        .args(["1", "2"].map(|n| example(&format!("jr-00000075-entries-page-{n}.json"))))
        .assert()
        .code(2)
        .stderr(format!(
            "error: {run}: line 1, column 12: number: expected 8 or more digits after `JR-`, found `JR-1`\n"
        ));
}
