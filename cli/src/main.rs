//! The `journal-run` command-line tool: see the `journal_run_cli` library.

fn main() -> std::process::ExitCode {
    journal_run_cli::main()
}
