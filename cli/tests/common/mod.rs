//! Helpers for the integration tests: the real binary, run from the repository root.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The repository root (the CLI's parent directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `journal-run`, run from the repository root, without colour.
pub fn journal_run() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_journal-run"));
    command.current_dir(root()).env("NO_COLOR", "1");
    command
}

/// A file in `examples/`, as a path relative to the repository root.
pub fn example(name: &str) -> String {
    format!("examples/{name}")
}

/// A temporary file holding `content`.
pub fn temp_file(content: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .unwrap_or_else(|e| panic!("cannot create a temporary file: {e}"));
    file.write_all(content.as_bytes())
        .unwrap_or_else(|e| panic!("cannot write a temporary file: {e}"));
    file
}

/// A temporary file holding `bytes` (not necessarily UTF-8).
pub fn temp_bytes(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .unwrap_or_else(|e| panic!("cannot create a temporary file: {e}"));
    file.write_all(bytes)
        .unwrap_or_else(|e| panic!("cannot write a temporary file: {e}"));
    file
}

/// Runs `journal-run` with `args`; its exit code, standard output and standard error.
pub fn run(args: &[&str]) -> (i32, String, String) {
    let output = journal_run()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run journal-run: {e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `journal-run` with `args` and parses its standard output as one JSON value.
pub fn run_json(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = run(args);
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("output is not JSON ({e}); stderr: {stderr}; stdout: {stdout}"));
    (code, value)
}

/// `journal-run COMMAND --snapshot FILE --json` on a temporary file holding `content`: its
/// exit code and its output, read as JSON.
pub fn snapshot_json(command: &str, content: &str) -> (i32, serde_json::Value) {
    let file = temp_file(content);
    let path = file.path().to_string_lossy().into_owned();
    run_json(&[command, "--snapshot", &path, "--json"])
}

/// A minimal snapshot: a run with this status and entries `(number, status, transferred)`.
pub fn snapshot(status: &str, entries: &[(&str, &str, &str)]) -> String {
    let entries: Vec<String> = entries
        .iter()
        .map(|(number, status, transferred)| {
            format!(
                r#"{{"number": "{number}", "status": "{status}", "transferredToAccounting": "{transferred}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"journalRun": {{"number": "JR-00000001", "status": "{status}"}}, "journalEntries": [{}]}}"#,
        entries.join(", ")
    )
}
