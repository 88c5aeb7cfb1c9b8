//! Every command of the real binary, and every exit status it documents.

mod common;

use common::{example, journal_run, run, run_json, snapshot, snapshot_json, temp_file};
use predicates::prelude::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------- demo

#[test]
fn demo_output_is_pinned() {
    let (code, stdout, stderr) = run(&["demo"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    insta::assert_snapshot!("demo", stdout);
}

#[test]
fn demo_walks_through_the_worked_example() {
    journal_run()
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "PUT /v1/journal-runs/JR-00000075/cancel",
        ))
        .stdout(predicate::str::contains(
            "Settled: the run is Completed (9 of 10 entries cancelled, 1 failed).",
        ))
        .stdout(predicate::str::contains("\x1b[").not());
}

/// What `cancel` shows a person, pinned whole: the run's summary before, the caller, the
/// request and response, the job's steps and the settled status with `--steps`; the reasons
/// and nothing changed for a rejected request, whose caller the snapshot gives. (The README's
/// tour, `tests/readme.rs`, pins the accepted request without `--steps`.) The request ids are
/// the input's digest's, so the same input shows the same text.
#[test]
fn cancel_output_is_pinned() {
    let example = example("jr-00000075.json");
    let no_permission = common::example("jr-00000075-no-permission.json");
    let cases = [
        (
            "cancel_steps",
            vec!["cancel", "--snapshot", &example, "--steps"],
            0,
        ),
        (
            "cancel_rejected",
            vec!["cancel", "--snapshot", &no_permission],
            1,
        ),
    ];
    for (name, args, expected) in cases {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, expected, "{args:?}: {stderr}");
        insta::assert_snapshot!(name, stdout);
    }
}

/// Without `--steps`, at most 20 failed entries are listed, then how many more: none said
/// for 20, "1 more failed entry" for 21, "2 more failed entries" for 22.
#[test]
fn cancel_lists_twenty_failed_entries_then_counts_the_rest() {
    for (failing, more) in [
        (20, None),
        (
            21,
            Some("… and 1 more failed entry (--steps lists every step, --json every outcome)."),
        ),
        (
            22,
            Some("… and 2 more failed entries (--steps lists every step, --json every outcome)."),
        ),
    ] {
        let numbers: Vec<String> = (1..=failing).map(|n| format!("JE-{n:08}")).collect();
        let entries: Vec<(&str, &str, &str)> = numbers
            .iter()
            .map(|number| (number.as_str(), "Created", "Yes"))
            .collect();
        let file = temp_file(&snapshot("Completed", &entries));
        let (code, stdout, stderr) = run(&["cancel", "--snapshot", &file.path().to_string_lossy()]);
        assert_eq!(code, 0, "{stderr}");
        let listed = stdout
            .lines()
            .filter(|l| l.contains("cannot be cancelled"))
            .count();
        assert_eq!(listed, 20, "{failing}: {stdout}");
        let counted = stdout.lines().find(|l| l.starts_with("… and"));
        assert_eq!(counted, more, "{failing}: {stdout}");
        assert!(stdout.contains(&format!("{failing} failed.")), "{stdout}");
    }
}

// ---------------------------------------------------------------- rules

#[test]
fn docs_state_machine_md_is_the_rules_commands_output() {
    let (code, stdout, _) = run(&["rules"]);
    assert_eq!(code, 0);
    let file = std::fs::read_to_string(common::root().join("docs/STATE_MACHINE.md"))
        .unwrap_or_else(|e| panic!("docs/STATE_MACHINE.md: {e}"));
    assert!(
        file == stdout,
        "docs/STATE_MACHINE.md differs from `journal-run rules`; regenerate it with \
         `cargo run -p journal-run-cli -- rules > docs/STATE_MACHINE.md`"
    );
    assert_eq!(stdout, journal_run::rules::markdown());
}

#[test]
fn rules_in_mermaid_is_the_state_diagram() {
    let (code, stdout, _) = run(&["rules", "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, journal_run::rules::mermaid());
    assert!(stdout.contains("CancelInprogress --> Cancelled"));
}

// ---------------------------------------------------------------- cancel

fn outcomes(value: &Value) -> Vec<(String, String)> {
    value["outcomes"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|o| {
                    (
                        o["number"].as_str().unwrap_or_default().to_owned(),
                        o["result"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn statuses(value: &Value) -> Vec<String> {
    value["journalEntries"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| e["status"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn inv_5_cancel_of_the_worked_example_cancels_nine_and_keeps_the_run_completed() {
    let (code, out) = run_json(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075.json"),
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out["response"]["httpStatus"], 200);
    assert_eq!(out["response"]["body"], json!({"success": true}));
    let request_id = out["response"]["headers"]["Zuora-Request-Id"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(request_id.len(), 36);
    assert_eq!(out["journalRun"]["status"], "Completed");
    assert_eq!(out["journalRun"]["executedOn"], "2026-02-01T10:01:49Z");
    let mut expected: Vec<String> = vec!["Cancelled".to_owned(); 10];
    expected[3] = "Created".to_owned();
    assert_eq!(statuses(&out), expected);
    // Fields the rules do not read are kept, custom fields included.
    assert_eq!(out["journalEntries"][0]["CostCenter__c"], "CC-301");
    assert_eq!(out["journalEntries"][8]["Lines__c"], 2);
    assert_eq!(out["journalEntries"][8]["ApprovedBy__c"], Value::Null);
    assert_eq!(
        out["journalEntries"][3]["journalEntryItems"][0]["ReconciliationId__c"],
        "REC-2026-0004"
    );
    // JE-00000007 has no transferredToAccounting (read as No): it stays absent.
    assert!(out["journalEntries"][6]
        .get("transferredToAccounting")
        .is_none());
    let results = outcomes(&out);
    assert_eq!(results.len(), 10);
    assert_eq!(results[3], ("JE-00000004".to_owned(), "failed".to_owned()));
    assert_eq!(
        out["outcomes"][3]["reason"],
        "journal entry JE-00000004 cannot be cancelled: its Transferred to Accounting is Yes"
    );
    assert_eq!(results.iter().filter(|(_, r)| r == "cancelled").count(), 9);
    let events = out["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 12);
    assert_eq!(events[0]["event"], "cancellationRequested");
    assert_eq!(events[11]["event"], "cancellationSettled");
    assert_eq!(events[11]["settlement"], json!({"restored": "Completed"}));
}

#[test]
fn cancel_prints_a_table_and_says_what_it_assumed() {
    journal_run()
        .args(["cancel", "--snapshot", &example("jr-00000075.json")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "(assumed: the input gives no caller)",
        ))
        .stdout(predicate::str::contains("200 {\"success\":true}"))
        .stdout(predicate::str::contains(
            "│ JE-00000004  ┆ journal entry JE-00000004 cannot be cancelled",
        ))
        .stdout(predicate::str::contains(
            "Settled: JR-00000075 is Completed (9 of 10 entries cancelled).",
        ));
}

#[test]
fn cancel_steps_lists_every_attempt_in_entry_order() {
    let (code, stdout, _) = run(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075.json"),
        "--steps",
    ]);
    assert_eq!(code, 0);
    for step in 1..=10 {
        let row = format!("│ {step:<4} ┆ JE-{step:08} ┆");
        assert!(stdout.contains(&row), "no row {row} in:\n{stdout}");
    }
}

#[test]
fn cancel_reads_zuoras_run_and_pages_as_the_snapshot() {
    let (code, pages) = run_json(&[
        "cancel",
        "--run",
        &example("jr-00000075-run.json"),
        "--entries",
        &example("jr-00000075-entries-page-1.json"),
        &example("jr-00000075-entries-page-2.json"),
        "--json",
    ]);
    assert_eq!(code, 0);
    let (_, snapshot) = run_json(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075.json"),
        "--json",
    ]);
    for field in ["journalRun", "journalEntries", "outcomes", "events"] {
        assert_eq!(pages[field], snapshot[field], "{field}");
    }
}

/// A file that starts with a UTF-8 byte order mark (Windows tools write one; RFC 8259 lets a
/// reader pass over it) is read as the same file without it: the same run, entries, outcomes
/// and events, from a file and from standard input, for a snapshot and for Zuora's run and
/// pages; the same audit of a history; a fault on the first line at the column it has without
/// the mark, from a file (lines counted after the fault) and from standard input (as read).
#[test]
fn a_byte_order_mark_at_the_start_of_a_file_is_passed_over() {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let read = |name: &str| std::fs::read(common::root().join(example(name))).unwrap_or_default();
    let marked = |name: &str| common::temp_bytes(&[BOM, &read(name)].concat());
    let path = |file: &tempfile::NamedTempFile| file.path().to_string_lossy().into_owned();
    let (_, plain) = run_json(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075.json"),
        "--json",
    ]);
    let snapshot = marked("jr-00000075.json");
    let (code, from_file) = run_json(&["cancel", "--snapshot", &path(&snapshot), "--json"]);
    assert_eq!(code, 0);
    let output = journal_run()
        .args(["cancel", "--snapshot", "-", "--json"])
        .write_stdin([BOM, &read("jr-00000075.json")].concat())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let from_stdin: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    let (run_doc, page) = (
        marked("jr-00000075-run.json"),
        marked("jr-00000075-entries-page-1.json"),
    );
    let (code, pages) = run_json(&[
        "cancel",
        "--run",
        &path(&run_doc),
        "--entries",
        &path(&page),
        &example("jr-00000075-entries-page-2.json"),
        "--json",
    ]);
    assert_eq!(code, 0);
    for field in ["journalRun", "journalEntries", "outcomes", "events"] {
        assert!(!plain[field].is_null(), "{field}");
        assert_eq!(from_file[field], plain[field], "{field}, from a file");
        assert_eq!(
            from_stdin[field], plain[field],
            "{field}, from standard input"
        );
        assert_eq!(pages[field], plain[field], "{field}, from pages");
    }
    let history = marked("jr-00000075-history.jsonl");
    let (code, marked_audit, _) = run(&["audit", "--history", &path(&history)]);
    let (plain_code, plain_audit, _) =
        run(&["audit", "--history", &example("jr-00000075-history.jsonl")]);
    assert_eq!((code, plain_code), (1, 1));
    assert_eq!(
        marked_audit.replace(&path(&history), "FILE"),
        plain_audit.replace(&example("jr-00000075-history.jsonl"), "FILE")
    );
    let fault = "line 1, column 16: journalRun: expected an object, found a number";
    let bad = common::temp_bytes(&[BOM, br#"{"journalRun": 5}"#].concat());
    journal_run()
        .args(["audit", "--snapshot", &path(&bad)])
        .assert()
        .code(2)
        .stderr(format!("error: {}: {fault}\n", path(&bad)));
    journal_run()
        .args(["audit", "--snapshot", "-"])
        .write_stdin([BOM, br#"{"journalRun": 5}"#].concat())
        .assert()
        .code(2)
        .stderr(format!("error: standard input: {fault}\n"));
}

#[test]
fn cancel_json_is_the_same_byte_for_byte_for_the_same_input() {
    let args = [
        "cancel",
        "--snapshot",
        &example("jr-00000075.json"),
        "--header",
        "Zuora-Track-Id: close-7",
        "--json",
    ];
    let (_, first, _) = run(&args);
    let (_, second, _) = run(&args);
    assert!(!first.is_empty());
    assert_eq!(first, second);
    // Standard input gives the same bytes as the file.
    let content =
        std::fs::read(common::root().join(example("jr-00000075.json"))).unwrap_or_default();
    let output = journal_run()
        .args([
            "cancel",
            "--snapshot",
            "-",
            "--header",
            "Zuora-Track-Id: close-7",
            "--json",
        ])
        .write_stdin(content)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(String::from_utf8_lossy(&output.stdout), first);
    // Another input (or another header) gives other ids.
    let (_, other, _) = run(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075.json"),
        "--header",
        "Zuora-Track-Id: close-8",
        "--json",
    ]);
    let id = |text: &str| -> Value {
        serde_json::from_str::<Value>(text).unwrap_or_default()["response"]["headers"]
            ["Zuora-Request-Id"]
            .clone()
    };
    assert_ne!(id(&first), id(&other));
}

#[test]
fn cancel_without_the_permission_is_rejected_with_exit_1_and_changes_nothing() {
    let (code, out) = run_json(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075-no-permission.json"),
        "--json",
    ]);
    assert_eq!(code, 1);
    // Zuora's v1 answer to a refused request: HTTP 200, `success: false` and the code.
    assert_eq!(out["response"]["httpStatus"], 200);
    assert_eq!(out["response"]["body"]["success"], false);
    assert_eq!(out["response"]["body"]["reasons"][0]["code"], "50000010");
    assert_eq!(
        out["response"]["headers"]["Zuora-Track-Id"],
        "january-close-7"
    );
    assert_eq!(
        out["response"]["body"]["requestId"],
        out["response"]["headers"]["Zuora-Request-Id"]
    );
    assert_eq!(out["outcomes"], json!([]));
    assert_eq!(out["events"], json!([]));
    assert_eq!(statuses(&out), vec!["Created".to_owned(); 10]);
    assert_eq!(out["journalRun"]["status"], "Completed");
}

#[test]
fn a_malformed_jr_number_gets_zuoras_error_response_not_a_usage_error() {
    let (code, out) = run_json(&[
        "cancel",
        "JR-75",
        "--snapshot",
        &example("jr-00000075.json"),
        "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(out["response"]["httpStatus"], 200);
    assert_eq!(out["response"]["body"]["reasons"][0]["code"], "50000020");
}

#[test]
fn another_runs_number_is_not_found() {
    let (code, out) = run_json(&[
        "cancel",
        "JR-00000076",
        "--snapshot",
        &example("jr-00000075.json"),
        "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(out["response"]["httpStatus"], 200);
    assert_eq!(out["response"]["body"]["reasons"][0]["code"], "50000040");
}

#[test]
fn header_options_replace_the_snapshots_headers_of_that_name() {
    let (code, out) = run_json(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075-no-permission.json"),
        "--header",
        "zuora-track-id: from-the-command-line",
        "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        out["response"]["headers"]["Zuora-Track-Id"],
        "from-the-command-line"
    );
}

#[test]
fn a_bad_authorization_header_is_an_authentication_failure() {
    let (code, out) = run_json(&[
        "cancel",
        "--snapshot",
        &example("jr-00000075.json"),
        "--header",
        "Authorization: Basic dXNlcjpwYXNz",
        "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(out["response"]["httpStatus"], 401);
    assert_eq!(out["response"]["headers"]["WWW-Authenticate"], "Bearer");
}

/// A given `Authorization` header is sent as given, once, and shown by its scheme only: its
/// credentials never reach the terminal, and no assumed token is added beside it.
#[test]
fn a_given_authorization_is_used_once_and_its_credentials_never_shown() {
    let cases = [
        (
            "Authorization: Basic dXNlcjpwYXNz",
            "Authorization: Basic … (not shown)",
            1,
        ),
        (
            "authorization:  bearer s3cr3t-T0KEN",
            "authorization: Bearer … (not shown)",
            0,
        ),
        (
            "Authorization: dXNlcjpwYXNz",
            "Authorization: … (not shown)",
            1,
        ),
    ];
    for (header, shown, code) in cases {
        let args = [
            "cancel",
            "--snapshot",
            &example("jr-00000075.json"),
            "--header",
            header,
        ];
        let (status, stdout, stderr) = run(&args);
        assert_eq!(status, code, "{header}: {stderr}");
        assert!(stdout.contains(shown), "{header}: {stdout}");
        for secret in [
            "dXNlcjpwYXNz",
            "s3cr3t",
            "journal-run-simulation",
            "assumed: the request",
        ] {
            assert!(!stdout.contains(secret), "{header}: {secret} in {stdout}");
        }
        assert_eq!(stdout.matches("… (not shown)").count(), 1, "{stdout}");
    }
}

#[test]
fn inv_5_a_run_whose_entries_can_all_be_cancelled_settles_cancelled() {
    let (code, out) = snapshot_json(
        "cancel",
        &snapshot(
            "Error",
            &[
                ("JE-00000002", "Created", "No"),
                ("JE-00000001", "Cancelled", "No"),
                ("JE-00000003", "Created", "Error"),
            ],
        ),
    );
    assert_eq!(code, 0);
    assert_eq!(out["journalRun"]["status"], "Cancelled");
    // Entries come back in input order; outcomes in the job's order (entry numbers).
    assert_eq!(out["journalEntries"][0]["number"], "JE-00000002");
    assert_eq!(
        outcomes(&out),
        vec![
            ("JE-00000001".to_owned(), "alreadyCancelled".to_owned()),
            ("JE-00000002".to_owned(), "cancelled".to_owned()),
            ("JE-00000003".to_owned(), "cancelled".to_owned()),
        ]
    );
}

#[test]
fn inv_8_a_cancelled_run_cannot_be_cancelled_again() {
    let (code, out) = snapshot_json(
        "cancel",
        &snapshot("Cancelled", &[("JE-00000001", "Cancelled", "No")]),
    );
    assert_eq!(code, 1);
    assert_eq!(out["response"]["httpStatus"], 200);
    assert_eq!(out["response"]["body"]["reasons"][0]["code"], "50000030");
    assert_eq!(out["journalRun"]["status"], "Cancelled");
}

#[test]
fn the_snapshots_caller_and_request_are_used() {
    let (code, out) = snapshot_json(
        "cancel",
        r#"{"journalRun": {"number": "JR-00000009", "status": "Completed",
              "organizationLabels": [{"organizationId": "org-2", "organizationName": "Two"}]},
            "journalEntries": [{"number": "JE-00000001", "status": "Created"}],
            "caller": {"permissions": ["Cancel Journal Run"], "accessibleOrgIds": ["org-1"]},
            "request": {"jrNumber": "JR-00000009", "headers": {"Zuora-Track-Id": "t-1"}}}"#,
    );
    // The caller cannot see org-2's run: not found (D-6).
    assert_eq!(code, 1);
    assert_eq!(out["response"]["httpStatus"], 200);
    assert_eq!(out["response"]["body"]["reasons"][0]["code"], "50000040");
    assert_eq!(out["response"]["headers"]["Zuora-Track-Id"], "t-1");
}

/// States Zuora exports that the model cannot fully know are usable input (D-16): a run being
/// cancelled, whose export carries no job, and a Processing run that already lists entries
/// (Zuora creates them while processing). `audit` finds each clean, and `cancel` answers with
/// the status rule (category 30) and changes nothing.
#[test]
fn a_cancel_inprogress_run_and_a_processing_run_with_entries_are_usable() {
    for (status, entries) in [
        (
            "CancelInprogress",
            [
                ("JE-00000001", "Cancelled", "No"),
                ("JE-00000002", "Created", "Yes"),
            ],
        ),
        (
            "Processing",
            [
                ("JE-00000001", "Created", "No"),
                ("JE-00000002", "Created", "No"),
            ],
        ),
    ] {
        let content = snapshot(status, &entries);
        let (code, out) = snapshot_json("audit", &content);
        assert_eq!(code, 0, "{status}: {out}");
        let (code, out) = snapshot_json("cancel", &content);
        assert_eq!(code, 1, "{status}: {out}");
        assert_eq!(out["journalRun"]["status"], status);
        assert_eq!(
            out["response"]["body"]["reasons"][0]["code"], "50000030",
            "{status}: {out}"
        );
        assert!(out["journalRun"].get("cancellationJob").is_none(), "{out}");
        let input: Value = serde_json::from_str(&content).unwrap();
        assert_eq!(out["journalEntries"], input["journalEntries"], "{status}");
    }
}

// ---------------------------------------------------------------- audit

#[test]
fn audit_of_a_consistent_export_is_clean() {
    journal_run()
        .args(["audit", "--snapshot", &example("jr-00000075.json")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Clean"));
    let (code, out) = run_json(&[
        "audit",
        "--run",
        &example("jr-00000075-run.json"),
        "--entries",
        &example("jr-00000075-entries-page-1.json"),
        &example("jr-00000075-entries-page-2.json"),
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out["clean"], true);
    assert_eq!(out["violations"], json!([]));
    assert_eq!(out["snapshots"][0]["entries"], 10);
}

fn violations(out: &Value) -> Vec<(String, Vec<String>)> {
    out["violations"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|v| {
                    (
                        v["invariant"].as_str().unwrap_or_default().to_owned(),
                        v["entries"]
                            .as_array()
                            .map(|e| {
                                e.iter()
                                    .map(|n| n.as_str().unwrap_or_default().to_owned())
                                    .collect()
                            })
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn audit_reports_each_violation_with_its_inv_id_and_entries() {
    let (code, out) = run_json(&[
        "audit",
        "--snapshot",
        &example("jr-00000082-inconsistent.json"),
        "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(out["clean"], false);
    let found = violations(&out);
    assert!(found.contains(&("INV-1".to_owned(), vec!["JE-00000302".to_owned()])));
    assert!(found.contains(&("INV-10".to_owned(), vec!["JE-00000303".to_owned()])));
    assert!(found.contains(&("INV-10".to_owned(), vec![])), "{found:?}");
    assert_eq!(found.len(), 3);
    journal_run()
        .args([
            "audit",
            "--snapshot",
            &example("jr-00000082-inconsistent.json"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("INV-1"))
        .stdout(predicate::str::contains("3 violations found"));
}

/// One history line: a snapshot of JR-00000075 with these entries.
fn line(status: &str, entries: &[(&str, &str, &str)]) -> String {
    snapshot(status, entries).replace('\n', " ")
}

fn audit_history(lines: &[String]) -> (i32, Value) {
    let file = temp_file(&(lines.join("\n") + "\n"));
    let path = file.path().to_string_lossy().into_owned();
    run_json(&["audit", "--history", &path, "--json"])
}

/// `audit --history` of a file holding `text`, for a person: the file's path (which the
/// output names), the exit code, standard output and standard error.
fn audit_history_shown(text: &str) -> (String, i32, String, String) {
    let file = temp_file(text);
    let path = file.path().to_string_lossy().into_owned();
    let (code, stdout, stderr) = run(&["audit", "--history", &path]);
    (path, code, stdout, stderr)
}

#[test]
fn a_history_of_legal_transitions_is_clean() {
    let (code, out) = audit_history(&[
        line(
            "Completed",
            &[
                ("JE-00000001", "Created", "No"),
                ("JE-00000002", "Created", "Yes"),
            ],
        ),
        String::new(),
        line(
            "Completed",
            &[
                ("JE-00000001", "Cancelled", "No"),
                ("JE-00000002", "Created", "Yes"),
            ],
        ),
        line(
            "Completed",
            &[
                ("JE-00000001", "Cancelled", "No"),
                ("JE-00000002", "Created", "No"),
            ],
        ),
        line(
            "Completed",
            &[
                ("JE-00000001", "Cancelled", "No"),
                ("JE-00000002", "Cancelled", "No"),
            ],
        ),
        line(
            "Cancelled",
            &[
                ("JE-00000001", "Cancelled", "No"),
                ("JE-00000002", "Cancelled", "No"),
            ],
        ),
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["snapshots"].as_array().map(Vec::len), Some(5));
    assert_eq!(out["snapshots"][1]["line"], 3);
}

/// The last snapshot of a history may end the input without a newline, or with blanks.
#[test]
fn a_historys_last_line_may_end_without_a_newline() {
    for end in ["", " \t", "\r\n"] {
        let one = line("Completed", &[("JE-00000001", "Created", "No")]);
        let two = line("Completed", &[("JE-00000001", "Cancelled", "No")]);
        let file = temp_file(&format!("{one}\n{two}{end}"));
        let path = file.path().to_string_lossy().into_owned();
        let (code, out) = run_json(&["audit", "--history", &path, "--json"]);
        assert_eq!(code, 0, "{end:?}: {out}");
        assert_eq!(
            out["snapshots"].as_array().map(Vec::len),
            Some(2),
            "{end:?}"
        );
    }
}

/// A history is JSON Lines: a snapshot written over several lines is refused where it starts,
/// with the line it goes on to, rather than read as one line.
#[test]
fn a_history_snapshot_over_several_lines_is_refused() {
    let one = line("Completed", &[("JE-00000001", "Created", "No")]);
    let spread = snapshot("Completed", &[("JE-00000001", "Cancelled", "No")])
        .replace(r#", "journalEntries""#, ",\n\n  \"journalEntries\"");
    let (path, code, stdout, stderr) = audit_history_shown(&format!("{one}\n  {spread}\n"));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        format!("error: {path}: line 2, column 3: a history holds one snapshot per line (JSON Lines), and this one goes on to line 4\n")
    );
}

/// A snapshot's `cancellationJob` is checked against the run's entries: a position within
/// them is clean, one past them is a violation of INV-10 (exit 1), not unusable input.
#[test]
fn a_cancellation_jobs_position_is_audited_against_the_entries() {
    let with_next = |next: usize| {
        format!(
            r#"{{"journalRun": {{"number": "JR-00000001", "status": "CancelInprogress"}},
                "journalEntries": [{{"number": "JE-00000001", "status": "Cancelled"}},
                    {{"number": "JE-00000002", "status": "Created", "transferredToAccounting": "Yes"}}],
                "cancellationJob": {{"previous": "Completed", "next": {next}}}}}"#
        )
    };
    for next in [0, 1, 2] {
        let (code, out) = snapshot_json("audit", &with_next(next));
        assert_eq!((code, &out["violations"]), (0, &json!([])), "next {next}");
    }
    let (code, out) = snapshot_json("audit", &with_next(3));
    assert_eq!(code, 1);
    assert_eq!(
        out["violations"],
        json!([{"invariant": "INV-10", "kind": "state", "entries": [],
                "detail": "the cancellation job is at position 3, past the run's 2 entries"}])
    );
}

/// A history of one snapshot is reported as a history ("1 snapshot of"), not as a snapshot.
#[test]
fn a_history_of_one_snapshot_is_reported_as_a_history() {
    let one = line("Completed", &[("JE-00000001", "Created", "No")]);
    let (path, code, stdout, stderr) = audit_history_shown(&format!("{one}\n"));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        format!(
            "Audited {path}: 1 snapshot of journal run JR-00000001 (Completed).\n\
             Clean: no invariant of docs/INVARIANTS.md is broken.\n"
        )
    );
}

/// Zuora's exports of a run being cancelled (no job) are audited like any other: Completed, then
/// CancelInprogress, then Completed again is clean; CancelInprogress then Pending is not (INV-11).
#[test]
fn a_history_through_cancel_inprogress_as_zuora_exports_it_is_audited() {
    let entries = |first: &'static str| {
        vec![
            ("JE-00000001", first, "No"),
            ("JE-00000002", "Created", "Yes"),
        ]
    };
    let (code, out) = audit_history(&[
        line("Completed", &entries("Created")),
        line("CancelInprogress", &entries("Created")),
        line("CancelInprogress", &entries("Cancelled")),
        line("Completed", &entries("Cancelled")),
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["snapshots"].as_array().map(Vec::len), Some(4));
    assert_eq!(out["snapshots"][1]["status"], "CancelInprogress");
    let (code, out) = audit_history(&[line("CancelInprogress", &[]), line("Pending", &[])]);
    assert_eq!(code, 1, "{out}");
    assert!(out.to_string().contains("INV-11"), "{out}");
}

#[test]
fn inv_2_a_cancelled_entry_that_comes_back_is_reported() {
    let (code, out) = audit_history(&[
        line("Completed", &[("JE-00000001", "Cancelled", "No")]),
        line("Completed", &[("JE-00000001", "Created", "No")]),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        violations(&out),
        vec![("INV-2".to_owned(), vec!["JE-00000001".to_owned()])]
    );
    assert_eq!(out["violations"][0]["kind"], "transition");
    assert_eq!(out["violations"][0]["previousLine"], 1);
    assert_eq!(out["violations"][0]["line"], 2);
}

#[test]
fn inv_2_a_transferred_to_accounting_that_changes_after_cancellation_is_reported() {
    let (code, out) = audit_history(&[
        line("Completed", &[("JE-00000001", "Cancelled", "No")]),
        line("Completed", &[("JE-00000001", "Cancelled", "Ignore")]),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        violations(&out),
        vec![("INV-2".to_owned(), vec!["JE-00000001".to_owned()])]
    );
}

#[test]
fn inv_2_a_deleted_entry_that_reappears_is_reported() {
    let (code, out) = audit_history(&[
        line(
            "Completed",
            &[
                ("JE-00000001", "Cancelled", "No"),
                ("JE-00000002", "Created", "No"),
            ],
        ),
        line("Completed", &[("JE-00000002", "Created", "No")]),
        line(
            "Completed",
            &[
                ("JE-00000001", "Created", "No"),
                ("JE-00000002", "Created", "No"),
            ],
        ),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        violations(&out),
        vec![("INV-2".to_owned(), vec!["JE-00000001".to_owned()])]
    );
    assert_eq!(out["violations"][0]["line"], 3);
}

#[test]
fn inv_3_a_transferred_entry_that_becomes_cancelled_is_reported() {
    let (code, out) = audit_history(&[
        line("Completed", &[("JE-00000001", "Created", "Processing")]),
        line("Completed", &[("JE-00000001", "Cancelled", "Processing")]),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        violations(&out),
        vec![("INV-3".to_owned(), vec!["JE-00000001".to_owned()])]
    );
}

#[test]
fn inv_11_a_run_that_goes_from_cancelled_to_completed_is_reported() {
    let (code, out) = audit_history(&[
        line("Cancelled", &[("JE-00000001", "Cancelled", "No")]),
        line("Completed", &[("JE-00000001", "Cancelled", "No")]),
    ]);
    assert_eq!(code, 1);
    assert_eq!(violations(&out), vec![("INV-11".to_owned(), vec![])]);
}

#[test]
fn a_history_also_checks_each_snapshots_state() {
    let (code, out) = audit_history(&[
        line("Completed", &[("JE-00000001", "Created", "No")]),
        line("Cancelled", &[("JE-00000001", "Created", "No")]),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        violations(&out),
        vec![("INV-1".to_owned(), vec!["JE-00000001".to_owned()])]
    );
    assert_eq!(out["violations"][0]["kind"], "state");
}

#[test]
fn the_example_history_shows_its_violations_in_a_table() {
    journal_run()
        .args(["audit", "--history", &example("jr-00000075-history.jsonl")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("│ INV-11    ┆ lines 4 -> 5"))
        .stdout(predicate::str::contains("5 violations found"));
}

#[test]
fn a_history_of_two_runs_is_unusable() {
    let other = line("Completed", &[]).replace("JR-00000001", "JR-00000002");
    let file = temp_file(&format!("{}\n{other}\n", line("Completed", &[])));
    let path = file.path().to_string_lossy().into_owned();
    journal_run()
        .args(["audit", "--history", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 2: journal run JR-00000002 follows journal run JR-00000001 of line 1",
        ));
}

#[test]
fn a_bad_line_of_a_history_is_named_by_its_line() {
    let file = temp_file(&format!(
        "{}\n\n{{\"journalRun\": oops}}\n",
        line("Completed", &[])
    ));
    let path = file.path().to_string_lossy().into_owned();
    journal_run()
        .args(["audit", "--history", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "error: {path}: line 3, column 16: journalRun: expected an object, found a character that cannot start a JSON value"
        )));
}

/// Entries are parsed where they lie in a 1 MB read window: an input of several windows, whose
/// entries straddle each window's end, reads every entry exactly once.
#[test]
fn an_input_of_several_read_windows_reads_every_entry_once() {
    let numbers: Vec<String> = (1..=12_000).map(|n| format!("JE-{n:08}")).collect();
    let entries: Vec<(&str, &str, &str)> = numbers
        .iter()
        .enumerate()
        .map(|(i, number)| {
            let transferred = if i % 7 == 0 { "Yes" } else { "No" };
            (number.as_str(), "Created", transferred)
        })
        .collect();
    // Long padding inside each entry so the input spans several windows.
    let text = snapshot("Completed", &entries).replace(
        r#""status": "Created""#,
        &format!(r#""notes": "{}", "status": "Created""#, "x".repeat(300)),
    );
    assert!(text.len() > 3 << 20, "the input is {} bytes", text.len());
    let (code, out) = snapshot_json("cancel", &text);
    assert_eq!(code, 0);
    let found = outcomes(&out);
    assert_eq!(found.len(), 12_000);
    let failed = found
        .iter()
        .filter(|(_, result)| result == "failed")
        .count();
    assert_eq!(failed, (0..12_000).filter(|i| i % 7 == 0).count());
    let (code, audit) = snapshot_json("audit", &text);
    assert_eq!(code, 0, "{audit}");
}

/// A Completed run's snapshot of `count` Created entries, each with 300 bytes of notes.
fn long_notes_snapshot(count: u32) -> String {
    let numbers: Vec<String> = (1..=count).map(|n| format!("JE-{n:08}")).collect();
    let entries: Vec<(&str, &str, &str)> = numbers
        .iter()
        .map(|number| (number.as_str(), "Created", "No"))
        .collect();
    snapshot("Completed", &entries).replace(
        r#""status": "Created""#,
        &format!(r#""notes": "{}", "status": "Created""#, "x".repeat(300)),
    )
}

/// `cancel --snapshot PATH --json`, started with its output and errors into pipes.
fn cancel_json_into_a_pipe(path: &std::path::Path) -> std::process::Child {
    use std::process::{Command, Stdio};
    Command::new(env!("CARGO_BIN_EXE_journal-run"))
        .args(["cancel", "--snapshot", &path.to_string_lossy(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A reader that closes the output early (`| head -c 100`) ends `cancel --json`, whose output
/// a second thread writes, with the request's exit status and nothing on standard error,
/// however much was left to write.
#[test]
fn cancel_json_into_a_pipe_closed_early_ends_quietly() {
    use std::io::Read;
    let text = long_notes_snapshot(12_000);
    let file = temp_file(&text);
    let mut child = cancel_json_into_a_pipe(file.path());
    let mut first = [0; 100];
    let read = child
        .stdout
        .take()
        .map(|mut out| out.read_exact(&mut first));
    assert!(read.is_some_and(|r| r.is_ok()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().ok().flatten().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("`cancel --json` did not end once its output was closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(0));
    assert!(first.starts_with(b"{\"response\":{\"httpStatus\":200"));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// A report to an output whose reader is gone (`| head` done) ends quietly with the command's
/// exit status (here 1: violations found, a request rejected); to an output that cannot take
/// it (a full disk) it is a failure, exit 2, said on standard error. For `audit`, and for
/// `cancel` whose output a second thread writes, in both forms.
#[test]
fn a_report_into_a_closed_pipe_keeps_its_status_and_into_a_full_disk_fails() {
    let binary = env!("CARGO_BIN_EXE_journal-run");
    let audit = [
        "audit",
        "--snapshot",
        "examples/jr-00000082-inconsistent.json",
    ];
    let cancel = [
        "cancel",
        "--snapshot",
        "examples/jr-00000075-no-permission.json",
    ];
    let cancel_json = [&cancel[..], &["--json"]].concat();
    let run_into = |args: &[&str], stdout: std::process::Stdio| {
        std::process::Command::new(binary)
            .current_dir(common::root())
            .args(args)
            .stdout(stdout)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    for args in [&audit[..], &cancel[..], &cancel_json[..]] {
        let (reader, writer) = std::io::pipe().unwrap_or_else(|e| panic!("{e}"));
        drop(reader);
        let output = run_into(args, writer.into());
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?}");
        if std::path::Path::new("/dev/full").exists() {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap_or_else(|e| panic!("{e}"));
            let output = run_into(args, full.into());
            assert_eq!(output.status.code(), Some(2), "{args:?}");
            assert_eq!(
                String::from_utf8_lossy(&output.stderr),
                "error: cannot write standard output: No space left on device (os error 28)\n",
                "{args:?}"
            );
        }
    }
}

/// A file changed while `cancel --json` copies it: the copy stops at the next read, before it
/// takes a byte of the change, and ends with exit 2 and the fault. The output, a pipe, is
/// held (its reader reads nothing) until the change is made, so the change falls inside the
/// copy every time.
#[test]
fn cancel_json_refuses_a_file_changed_during_the_copy_and_takes_none_of_the_change() {
    use std::io::{Read, Seek, SeekFrom, Write};
    let text = long_notes_snapshot(40_000);
    let file = temp_file(&text);
    let mut child = cancel_json_into_a_pipe(file.path());
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("a pipe"));
    let mut output = vec![0; 100];
    assert!(stdout.read_exact(&mut output).is_ok());
    // The copy has begun and waits for its reader: the last entry's notes change in place,
    // to the same length, with a later modification time.
    let at = text.rfind(&"x".repeat(300)).unwrap_or_default() as u64;
    let mut input = std::fs::OpenOptions::new()
        .write(true)
        .open(file.path())
        .unwrap_or_else(|e| panic!("{e}"));
    let before = input
        .metadata()
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{e}"));
    input
        .seek(SeekFrom::Start(at))
        .and_then(|_| input.write_all(b"CHANGED!"))
        .and_then(|()| input.set_modified(before + std::time::Duration::from_secs(1)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stdout.read_to_end(&mut output).is_ok());
    let done = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&done.stderr),
        format!(
            "error: {}: changed while it was read (its size or modification time differs from the first pass); the output written before it is incomplete\n",
            file.path().display()
        )
    );
    assert!(output.starts_with(b"{\"response\":{\"httpStatus\":200"));
    assert!(!output.windows(8).any(|w| w == b"CHANGED!"));
    assert!(output.len() < text.len(), "{} bytes written", output.len());
}

/// `cancel --json` reads its input twice; standard input, a pipe or a FIFO is copied to a
/// temporary file as it is read (said on standard error), and the output is the same as for
/// the file.
#[test]
fn cancel_json_reads_standard_input_and_fifos_through_a_copy() {
    let path = common::root().join(example("jr-00000075.json"));
    let bytes = std::fs::read(&path).unwrap_or_default();
    let from_file = journal_run()
        .args([
            "cancel",
            "--snapshot",
            &example("jr-00000075.json"),
            "--json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let from_stdin = journal_run()
        .args(["cancel", "--snapshot", "-", "--json"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_stdin.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&from_stdin.stderr),
        "journal-run: keeping a copy of standard input in a temporary file to read it a second time\n"
    );
    let json = |out: &[u8]| serde_json::from_slice::<Value>(out).unwrap_or_default();
    let (file, stdin) = (json(&from_file.stdout), json(&from_stdin.stdout));
    for field in ["journalRun", "journalEntries", "outcomes"] {
        assert_eq!(file[field], stdin[field], "{field}");
    }

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fifo = dir.path().join("snapshot.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(writer_path, bytes));
    let from_fifo = journal_run()
        .args(["cancel", "--snapshot", &fifo.to_string_lossy(), "--json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(writer.join().is_ok_and(|w| w.is_ok()));
    assert_eq!(from_fifo.status.code(), Some(0));
    assert_eq!(
        json(&from_fifo.stdout)["journalEntries"],
        file["journalEntries"]
    );
}

/// Only `cancel --json` reads its input twice: `audit` and `cancel` without `--json` read
/// standard input once, keep no copy of it and say nothing of one.
#[test]
fn commands_that_read_once_keep_no_copy_of_standard_input() {
    let bytes = std::fs::read(common::root().join(example("jr-00000075.json"))).unwrap_or_default();
    for args in [["audit", "--snapshot", "-"], ["cancel", "--snapshot", "-"]] {
        let output = journal_run()
            .args(args)
            .write_stdin(bytes.clone())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(output.status.code().is_some_and(|c| c <= 1), "{args:?}");
        assert!(!output.stdout.is_empty(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?}");
    }
}

#[test]
fn counts_of_one_are_singular() {
    let file = temp_file(&snapshot("Completed", &[("JE-00000001", "Created", "No")]));
    let path = file.path().to_string_lossy().into_owned();
    let (code, stdout, _) = run(&["audit", "--snapshot", &path]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(&format!(
            "Audited {path}: journal run JR-00000001, Completed, 1 entry.\n"
        )),
        "{stdout}"
    );
    let (_, stdout, _) = run(&["cancel", "--snapshot", &path]);
    assert!(
        stdout.contains("Completed, 1 entry, 0 cancelled"),
        "{stdout}"
    );
    assert!(
        stdout.contains("The cancellation job attempted 1 entry:"),
        "{stdout}"
    );
    assert!(stdout.contains("(1 of 1 entry cancelled)"), "{stdout}");
}

#[test]
fn control_characters_from_the_input_never_reach_the_terminal() {
    let content = r#"{"journalRun": {"number": "JR-00000001", "status": "Completed"},
        "journalEntries": [{"number": "JE-00000001", "status": "Created"}],
        "request": {"jrNumber": "JR-1\n│ forged ┆ row │", "headers": {"Zuora-Track-Id": "a\u001b[2Jb", "X-Note": "one\u001b[2J"}}}"#;
    let file = temp_file(content);
    let (_, stdout, _) = run(&["cancel", "--snapshot", &file.path().to_string_lossy()]);
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
    assert!(stdout.contains(r"Zuora-Track-Id: a\u{1b}[2Jb"), "{stdout}");
    assert!(stdout.contains(r"X-Note: one\u{1b}[2J"), "{stdout}");
    assert!(
        stdout.contains(r"PUT /v1/journal-runs/JR-1\n│ forged ┆ row │/cancel"),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("│ forged")),
        "{stdout}"
    );
}

/// A long run number, header name or value in the request is shown clipped, as messages quote
/// a value: 200,000 characters make one short line, not 200 KB of table.
#[test]
fn long_values_of_the_request_are_clipped_in_its_table() {
    let long = "x".repeat(200_000);
    let content = format!(
        r#"{{"journalRun": {{"number": "JR-00000001", "status": "Completed"}},
        "journalEntries": [{{"number": "JE-00000001", "status": "Created"}}],
        "request": {{"jrNumber": "JR-{long}", "headers": {{"X-{long}": "v{long}"}}}}}}"#
    );
    let file = temp_file(&content);
    let (_, stdout, _) = run(&["cancel", "--snapshot", &file.path().to_string_lossy()]);
    let x = |n| "x".repeat(n);
    for shown in [
        format!(
            "PUT /v1/journal-runs/JR-{}… (199903 more characters)/cancel",
            x(97)
        ),
        format!(
            "X-{}… (199902 more characters): v{}… (199901 more characters)",
            x(98),
            x(99)
        ),
    ] {
        assert!(
            stdout.contains(&shown),
            "{shown} in {}",
            clip_output(&stdout)
        );
    }
    let widest = stdout.lines().map(|l| l.chars().count()).max();
    assert!(widest.is_some_and(|w| w < 400), "{widest:?}");
}

/// The first lines of `text`, each cut to 300 characters, for a failure's message.
fn clip_output(text: &str) -> String {
    text.lines()
        .take(20)
        .map(|l| l.chars().take(300).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_pages_other_fields_are_kept_and_a_snapshots_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run_file = dir.path().join("run.json");
    let page = dir.path().join("page.json");
    let write = |path: &std::path::Path, text: &str| {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        &run_file,
        r#"{"number": "JR-00000001", "status": "Completed", "custom__c": [1]}"#,
    );
    write(
        &page,
        r#"{"journalEntries": [{"number": "JE-00000001", "status": "Created", "Cost__c": {"a": 1}}], "success": true, "pageSize": 300}"#,
    );
    let (code, out) = run_json(&[
        "cancel",
        "--run",
        &run_file.to_string_lossy(),
        "--entries",
        &page.to_string_lossy(),
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out["journalRun"]["custom__c"], json!([1]));
    assert_eq!(
        out["journalEntries"],
        json!([{"number": "JE-00000001", "status": "Cancelled", "Cost__c": {"a": 1}}])
    );
}

/// Pages of no entries (Zuora's last page when the count is a multiple of the page size, or
/// any page) add no element to the copy's `journalEntries`: first, between and last, the
/// output is JSON with the entries of the other pages, in order.
#[test]
fn empty_pages_add_nothing_to_the_copy() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let entry = |n: u32, transferred: &str| {
        format!(
            r#"{{"number": "JE-{n:08}", "status": "Created", "transferredToAccounting": "{transferred}"}}"#
        )
    };
    let pages = [
        String::new(),
        entry(1, "No"),
        "\n".to_owned(),
        format!("{}, {}", entry(2, "Yes"), entry(3, "No")),
        " ".to_owned(),
    ];
    let run_file = dir.path().join("run.json");
    std::fs::write(
        &run_file,
        r#"{"number": "JR-00000001", "status": "Completed"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut args = vec![
        "cancel".to_owned(),
        "--run".to_owned(),
        run_file.to_string_lossy().into_owned(),
        "--entries".to_owned(),
    ];
    for (i, items) in pages.iter().enumerate() {
        let next = if i + 1 < pages.len() {
            format!(
                r#""/v1/journal-runs/JR-00000001/journal-entries?page={}""#,
                i + 2
            )
        } else {
            "null".to_owned()
        };
        let path = dir.path().join(format!("page-{}.json", i + 1));
        let text =
            format!(r#"{{"journalEntries": [{items}], "nextPage": {next}, "success": true}}"#);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        args.push(path.to_string_lossy().into_owned());
    }
    args.push("--json".to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out) = run_json(&args);
    assert_eq!(code, 0, "{out}");
    let entries: Vec<(&str, &str)> = out["journalEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["number"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("JE-00000001", "Cancelled"),
            ("JE-00000002", "Created"),
            ("JE-00000003", "Cancelled"),
        ]
    );
}

/// Keys written with escapes are the keys they decode to (RFC 8259): `st\u0061tus` is the
/// entry's `status`, patched in the copy where it stands, and `n\u006ftes` is no `status`,
/// whatever its place; entries of one shape (read the short way) alike.
#[test]
fn cancel_json_finds_and_patches_keys_written_with_escapes() {
    let entry = |n: u32, transferred: &str| {
        format!(
            r#"{{"n\u006ftes": "note {n}", "n\u0075mber": "JE-{n:08}", "st\u0061tus": "Created", "tr\u0061nsferredToAccounting": "{transferred}"}}"#
        )
    };
    let content = format!(
        r#"{{"journalRun": {{"number": "JR-00000001", "st\u0061tus": "Completed"}}, "journalEntries": [{}, {}, {}]}}"#,
        entry(1, "No"),
        entry(2, "Yes"),
        entry(3, "No")
    );
    let (code, out) = snapshot_json("cancel", &content);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["journalRun"]["status"], "Completed", "{out}");
    let entries: Vec<(&str, &str, &str)> = out["journalEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["number"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e["notes"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("JE-00000001", "Cancelled", "note 1"),
            ("JE-00000002", "Created", "note 2"),
            ("JE-00000003", "Cancelled", "note 3"),
        ]
    );
}

/// The run's document is copied byte for byte (spacing, key order, escapes) but for its
/// status's value, which is written anew only when the job changed it: a run that stays
/// Completed keeps `"Compl\u0065ted"` as the input wrote it; one that becomes Cancelled has
/// that value replaced and nothing else.
#[test]
fn cancel_json_copies_the_runs_document_and_writes_its_status_only_when_it_changed() {
    let document = r#"{ "status" : "Compl\u0065ted",  "number":"JR-00000001" , "x": [1, 2] }"#;
    for (transferred, status) in [("Yes", r#""Compl\u0065ted""#), ("No", r#""Cancelled""#)] {
        let content = format!(
            r#"{{"journalRun": {document}, "journalEntries": [{{"number": "JE-00000001", "status": "Created", "transferredToAccounting": "{transferred}"}}]}}"#
        );
        let file = temp_file(&content);
        let (code, stdout, stderr) = run(&[
            "cancel",
            "--snapshot",
            &file.path().to_string_lossy(),
            "--json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let expected = document.replace(r#""Compl\u0065ted""#, status);
        let copied = format!(r#","journalRun":{expected},"journalEntries":["#);
        assert!(stdout.contains(&copied), "{copied} not in {stdout}");
    }
}

/// `cancel --json` patches each entry by its number, whatever order the input lists them in.
#[test]
fn cancel_json_patches_entries_listed_in_any_order() {
    let (code, out) = snapshot_json(
        "cancel",
        &snapshot(
            "Completed",
            &[
                ("JE-00000003", "Created", "No"),
                ("JE-00000001", "Created", "Yes"),
                ("JE-00000004", "Cancelled", "No"),
                ("JE-00000002", "Created", "No"),
            ],
        ),
    );
    assert_eq!(code, 0, "{out}");
    let statuses: Vec<(&str, &str)> = out["journalEntries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["number"].as_str().unwrap_or(""),
                e["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("JE-00000003", "Cancelled"),
            ("JE-00000001", "Created"),
            ("JE-00000004", "Cancelled"),
            ("JE-00000002", "Cancelled"),
        ]
    );
    assert_eq!(out["journalRun"]["status"], "Completed");
}

/// A message that cannot be written to standard error changes nothing of the outcome: a
/// refusal keeps its status 2 (it panicked, 101), and `cancel --json` from standard input,
/// whose notice of the copy it keeps could not be written, still answers 0. The help that
/// cannot be written is a failure of the output, 2, as every command's.
#[test]
fn a_standard_error_or_help_that_cannot_be_written_keeps_the_outcome() {
    use std::process::Stdio;
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let binary = env!("CARGO_BIN_EXE_journal-run");
    let status = |args: &[&str], stdin: Stdio, stdout: Stdio, stderr: Stdio| {
        std::process::Command::new(binary)
            .current_dir(common::root())
            .args(args)
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr)
            .status()
            .unwrap_or_else(|e| panic!("{e}"))
            .code()
    };
    let missing = ["audit", "--snapshot", "examples/no-such-file.json"];
    assert_eq!(
        status(&missing, Stdio::null(), Stdio::null(), full().into()),
        Some(2)
    );
    let example = std::fs::File::open(common::root().join("examples/jr-00000075.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let from_stdin = ["cancel", "--snapshot", "-", "--json"];
    assert_eq!(
        status(&from_stdin, example.into(), Stdio::null(), full().into()),
        Some(0)
    );
    let output = std::process::Command::new(binary)
        .arg("--help")
        .stdout(full())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot write standard output: No space left on device (os error 28)\n"
    );
}

/// clap's refusals quote the arguments: their control characters are escaped there as in every
/// other message (an OSC sequence would set a terminal's title), not passed raw nor dropped.
#[test]
fn control_characters_of_the_arguments_are_escaped_in_their_refusals() {
    let (code, stdout, stderr) = run(&["x\ry\u{202e}"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("error: unrecognized subcommand 'x\\ry\\u{202e}'\n"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "cancel",
        "--snapshot",
        "examples/jr-00000075.json",
        "--header",
        "\u{1b}]0;pwned\u{7}X",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: invalid value '\\u{1b}]0;pwned\\u{7}X' for '--header <NAME: VALUE>': \
         `\\u{1b}]0;pwned\\u{7}X` is not a header; write `Name: value`\n\n\
         For more information, try '--help'.\n"
    );
}
