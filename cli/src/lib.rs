//! The `journal-run` command-line tool. Every rule lives in the `journal-run` library; this
//! tool reads files, runs the library, and writes tables or JSON.
//!
//! Exit status: 0 success (accepted, clean), 1 the rules said no (rejected, violations
//! found), 2 unusable input (with the message on standard error).
//!
//! The reader (`walk`, `json`, `input`, `source`) is public so that the fuzz target drives it.

pub mod audit;
pub mod behind;
pub mod build;
pub mod cancel;
pub mod demo;
pub mod digest;
pub mod input;
pub mod json;
pub mod render;
pub mod source;
pub mod walk;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::input::Input;
use crate::source::{InputError, Sources};

/// Zuora Finance journal runs: what cancelling a run does, and whether an export is consistent.
#[derive(Parser)]
#[command(name = "journal-run", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Walk through Zuora's documented example: JR-00000075, Completed, ten entries, one transferred.
    Demo,
    /// Simulate `PUT /v1/journal-runs/{jr-number}/cancel` on a snapshot and run the
    /// cancellation job to its end. Exit 0 accepted, 1 rejected, 2 unusable input.
    #[command(after_help = CANCEL_HELP)]
    Cancel(CancelArgs),
    /// Check a snapshot (or a history of snapshots) against the invariants of
    /// docs/INVARIANTS.md. Exit 0 clean, 1 violations found, 2 unusable input.
    #[command(after_help = AUDIT_HELP)]
    Audit(AuditArgs),
    /// Start a local, stateful Zuora for journal runs (docs/SERVER.md). Prints
    /// `listening on http://ADDR:PORT` and `oauth client: CLIENT_ID CLIENT_SECRET`, then serves
    /// until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Print the transition tables and state diagram, generated from the library's rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Markdown)]
        format: RulesFormat,
    },
}

const CANCEL_HELP: &str = "\
A snapshot is one JSON object: `journalRun` (Zuora's GET journal run), `journalEntries` (Zuora's
journal entries), and optionally `caller` ({\"permissions\": [...], \"accessibleOrgIds\": [...],
\"entityIds\": [...]}; without it, a caller with every permission and no org limit is
assumed) and `request` ({\"jrNumber\": \"JR-...\", \"headers\": {\"Name\": \"value\"}}).
Without an Authorization header, `Authorization: Bearer journal-run-simulation` is sent: the caller
stands for the token's owner. `-` reads standard input (copied to a temporary file when
`--json` must read it twice).";

const AUDIT_HELP: &str = "\
Checked: INV-1, INV-9 and INV-10 for each snapshot (a duplicate entry and a totalJournalEntryCount
that disagrees with the entries are INV-10), and INV-2, INV-3 and INV-11 between consecutive
snapshots of a --history (JSON Lines, one snapshot per line, oldest first). `-` reads standard
input.";

#[derive(Args)]
struct ServeArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// The SQLite file that keeps the state; `:memory:` for a throwaway store.
    #[arg(long, value_name = "PATH", default_value = "journal-run.db")]
    db: String,
    /// Snapshot files to load at start (the format `cancel` and `audit` read).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    load: Vec<PathBuf>,
    /// A TOML config file: OAuth clients, Multi-entity, Multi-Org, the HTTP status mapping,
    /// the jobs' pace (docs/SERVER.md, "The config file").
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    /// The tables and the diagram (docs/STATE_MACHINE.md).
    Markdown,
    /// The state diagram only, in Mermaid.
    Mermaid,
}

/// Where a snapshot comes from: one file, or Zuora's GET responses.
#[derive(Args)]
struct InputArgs {
    /// A snapshot file: {"journalRun": ..., "journalEntries": [...], "caller": ..., "request": ...}.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["run", "entries"])]
    snapshot: Option<PathBuf>,
    /// Zuora's GET journal run response (use with --entries).
    #[arg(long, value_name = "FILE", requires = "entries")]
    run: Option<PathBuf>,
    /// The pages of Zuora's GET journal entries of the run, in order (use with --run).
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "run")]
    entries: Vec<PathBuf>,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["snapshot", "run"]))]
struct CancelArgs {
    /// The journal run number of the request's path, as raw text (default: the snapshot's
    /// request.jrNumber, else the run's own number). Give it before the options.
    #[arg(value_name = "JR-NUMBER")]
    jr_number: Option<String>,
    #[command(flatten)]
    input: InputArgs,
    /// A request header, `Name: value`; repeatable. Replaces the snapshot's headers of that name.
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// Print one JSON object: response, journalRun, journalEntries, outcomes, events.
    #[arg(long)]
    json: bool,
    /// List every step of the cancellation job (human output).
    #[arg(long)]
    steps: bool,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["snapshot", "run", "history"]))]
struct AuditArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A history: JSON Lines, one snapshot per line, oldest first.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["snapshot", "run", "entries"])]
    history: Option<PathBuf>,
    /// Print one JSON object: clean, snapshots, violations.
    #[arg(long)]
    json: bool,
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            let (name, value) = (name.trim(), value.trim());
            header_fault(name, value).map_or(Ok((name.to_owned(), value.to_owned())), Err)
        }
        _ => Err(format!("`{text}` is not a header; write `Name: value`")),
    }
}

/// What keeps a header from being sent in an HTTP request (RFC 9110, sections 5.1 and 5.5):
/// a name that is not a token, or a value that holds CR, LF or NUL; `None` when it can be.
/// For `--header` and a snapshot's `request.headers` alike.
pub fn header_fault(name: &str, value: &str) -> Option<String> {
    const TOKEN: &str = "!#$%&'*+-.^_`|~";
    let shown = journal_run::clip(name);
    if name.is_empty() {
        return Some("a header's name is empty".to_owned());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || TOKEN.contains(c))
    {
        return Some(format!(
            "`{shown}` is not a header name: a name holds letters, digits and {TOKEN} only"
        ));
    }
    value.contains(['\r', '\n', '\0']).then(|| {
        format!(
            "the value of header `{shown}` holds a line break or NUL, which no request can carry"
        )
    })
}

/// Why a command could not finish: each says so on standard error in these words, and ends
/// with exit status 2 (a closed output pipe aside).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// Unusable input.
    #[error("{0}")]
    Input(InputError),
    /// Standard output could not be written.
    #[error("cannot write standard output: {0}")]
    Output(io::Error),
    /// The library refused something it should not have (a bug).
    #[error("internal error (please report it): {}", render::clean(.0))]
    Internal(String),
    /// `serve` could not start: its config, its store, its address or a `--load` file.
    #[error("{}", render::clean(.0))]
    Serve(String),
}

impl From<InputError> for Failure {
    fn from(error: InputError) -> Self {
        Self::Input(error)
    }
}

impl InputArgs {
    /// The input these arguments name (clap has checked that they name one).
    fn input(&self, sources: &mut Sources) -> Result<Option<Input>, InputError> {
        if let Some(path) = &self.snapshot {
            return Ok(Some(Input::Snapshot(sources.source(path)?)));
        }
        let Some(run) = &self.run else {
            return Ok(None);
        };
        let run = sources.source(run)?;
        let pages = self
            .entries
            .iter()
            .map(|path| sources.source(path))
            .collect::<Result<_, _>>()?;
        Ok(Some(Input::Pages { run, pages }))
    }
}

fn missing_input() -> Failure {
    Failure::Input(InputError::new(
        "journal-run",
        "no input: give --snapshot FILE, or --run FILE --entries FILE",
    ))
}

fn cancel(args: CancelArgs) -> Result<u8, Failure> {
    let mut sources = Sources::default();
    let input = args.input.input(&mut sources)?.ok_or_else(missing_input)?;
    cancel::run(&cancel::Cancel {
        jr_number: args.jr_number,
        input,
        headers: args.headers,
        json: args.json,
        steps: args.steps,
    })
}

fn audit(args: AuditArgs) -> Result<u8, Failure> {
    let mut sources = Sources::default();
    let input = match &args.history {
        Some(path) => audit::AuditInput::History(sources.source(path)?),
        None => audit::AuditInput::One(args.input.input(&mut sources)?.ok_or_else(missing_input)?),
    };
    audit::run(&audit::Audit {
        input,
        json: args.json,
    })
}

/// `journal-run serve`: reads the config file, then runs the server until SIGINT or SIGTERM.
fn serve(args: ServeArgs) -> Result<u8, Failure> {
    let config = match &args.config {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| Failure::Serve(format!("{}: {e}", path.display())))?;
            journal_run_server::config::Config::from_file(&bytes)
                .map_err(|e| Failure::Serve(format!("{}: {e}", path.display())))?
        }
        None => journal_run_server::config::Config::default(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("JOURNAL_RUN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(false)
        .init();
    let options = journal_run_server::config::Options {
        listen: args.listen,
        db: args.db,
        load: args.load,
        config,
    };
    journal_run_server::run(options)
        .map(|()| 0)
        .map_err(|e| Failure::Serve(e.to_string()))
}

/// Runs the command line's command; the process's exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return arguments_refused(&e),
    };
    let result = match cli.command {
        Commands::Demo => demo::render()
            .map_err(|e| Failure::Internal(e.to_string()))
            .and_then(|text| {
                use std::io::Write;
                io::stdout()
                    .lock()
                    .write_all(text.as_bytes())
                    .map(|()| 0)
                    .map_err(Failure::Output)
            }),
        Commands::Cancel(args) => cancel(args),
        Commands::Audit(args) => audit(args),
        Commands::Serve(args) => serve(args),
        Commands::Rules { format } => {
            use std::io::Write;
            let text = match format {
                RulesFormat::Markdown => journal_run::rules::markdown(),
                RulesFormat::Mermaid => journal_run::rules::mermaid(),
            };
            io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map(|()| 0)
                .map_err(Failure::Output)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(failure) => {
            say(&format!("error: {failure}"));
            ExitCode::from(2)
        }
    }
}

/// Writes `text` and a newline to standard error: a message is a courtesy, and one that cannot
/// be written changes nothing of the command's outcome.
pub(crate) fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// What clap says of the arguments, or the help or version asked for. Its messages quote the
/// arguments, so their control characters are escaped as everywhere else ([`render::clean`]),
/// and they are written without clap's colours; the help or version is coloured only where
/// tables may be (a terminal, not dumb, no `NO_COLOR`); the help or version that cannot be written
/// is a failure of the output, exit status 2, as every command's.
fn arguments_refused(error: &clap::Error) -> ExitCode {
    use clap::CommandFactory;
    use std::io::Write;
    if error.use_stderr() {
        // The same refusal without colours: clap's styles and the arguments' own escape
        // sequences cannot be told apart once written (and its plain text strips both).
        let plain = Cli::command()
            .styles(clap::builder::Styles::plain())
            .try_get_matches()
            .err()
            .map_or_else(
                || error.render().to_string(),
                |e| e.render().ansi().to_string(),
            );
        let clean: Vec<_> = plain.lines().map(render::clean).collect();
        say(clean.join("\n").trim_end());
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    }
    // (Help and version: clap's styles only where colour is allowed, as tables have them.)
    let rendered = error.render();
    let text = if render::colour_here() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say(&format!("error: {}", Failure::Output(e)));
            ExitCode::from(2)
        }
    }
}
