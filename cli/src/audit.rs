//! `journal-run audit`: is this export consistent with the rules?
//!
//! Every check is the library's: `UncheckedRun::violations` (which runs
//! `invariants::check_state`: INV-1, INV-9, INV-10) and `invariants::check_declared_count`
//! (INV-10, for `totalJournalEntryCount`) for each snapshot, and `invariants::check_history`
//! (INV-2, INV-11) between consecutive snapshots of a history (INV-3 can only be judged one
//! command at a time, and snapshots are any number of commands apart). The value invariants
//! (INV-14, INV-15) hold for anything read at all: a malformed number is unusable input.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};

use journal_run::invariants::{check_history, Violation};
use journal_run::UncheckedRun;

use crate::input::{read_history, Input};
use crate::render::{add_row, clean, entry_list, paint, plural, table, Tone};
use crate::source::{InputError, Source};
use crate::Failure;

/// What `audit` reads.
pub enum AuditInput {
    /// One snapshot (a file, or a run and its pages).
    One(Input),
    /// `--history FILE`: JSON Lines of snapshots, oldest first.
    History(Source),
}

/// The arguments of `audit`.
pub struct Audit {
    /// The input.
    pub input: AuditInput,
    /// `--json`.
    pub json: bool,
}

/// Whether a violation is of one state or between two.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    State,
    Transition,
}

/// One violation and where it was found.
struct Finding {
    kind: Kind,
    /// The snapshot's line (history only); for a transition, the later snapshot's.
    line: Option<usize>,
    /// For a transition, the earlier snapshot's line.
    previous_line: Option<usize>,
    violation: Violation,
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("invariant", self.violation.invariant.id())?;
        map.serialize_entry(
            "kind",
            match self.kind {
                Kind::State => "state",
                Kind::Transition => "transition",
            },
        )?;
        if let Some(previous) = self.previous_line {
            map.serialize_entry("previousLine", &previous)?;
        }
        if let Some(line) = self.line {
            map.serialize_entry("line", &line)?;
        }
        map.serialize_entry("entries", &self.violation.entries)?;
        map.serialize_entry("detail", &self.violation.detail)?;
        map.end()
    }
}

/// One snapshot audited.
struct Audited {
    line: Option<usize>,
    run: String,
    status: &'static str,
    entries: usize,
}

impl Serialize for Audited {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(line) = self.line {
            map.serialize_entry("line", &line)?;
        }
        map.serialize_entry("journalRun", &self.run)?;
        map.serialize_entry("status", self.status)?;
        map.serialize_entry("entries", &self.entries)?;
        map.end()
    }
}

fn audited(run: &UncheckedRun, line: Option<usize>) -> Audited {
    Audited {
        line,
        run: run.number().to_string(),
        status: run.state().name(),
        entries: run.entries().len(),
    }
}

/// Runs `audit`: 0 when clean, 1 when violations are found.
///
/// # Errors
///
/// Unusable input (exit 2), or output that cannot be written.
pub fn run(audit: &Audit) -> Result<u8, Failure> {
    let mut findings = Vec::new();
    let mut snapshots = Vec::new();
    let name = match &audit.input {
        AuditInput::One(input) => {
            let (loaded, _) = input.load(false, false)?;
            let (run, violations) = crate::build::audited_run(input, loaded)?;
            snapshots.push(audited(&run, None));
            findings.extend(violations.into_iter().map(|violation| Finding {
                kind: Kind::State,
                line: None,
                previous_line: None,
                violation,
            }));
            input.run_source().name().to_owned()
        }
        AuditInput::History(source) => {
            let mut previous: Option<(usize, UncheckedRun)> = None;
            read_history(source, |line, loaded| -> Result<(), InputError> {
                let line = usize::try_from(line).unwrap_or(usize::MAX);
                let place = crate::build::RunPlace {
                    file: source.name(),
                    prefix: "journalRun.",
                    source: None,
                };
                // (A fault without its own place is said of the snapshot's line.)
                let (run, violations) =
                    crate::build::audited(loaded, &place).map_err(|e| match e.at {
                        Some(_) => e,
                        None => InputError {
                            message: format!("line {line}: {}", e.message),
                            ..e
                        },
                    })?;
                if let Some((previous_line, before)) = &previous {
                    if before.number() != run.number() {
                        return Err(InputError::new(
                            source.name(),
                            format!(
                                "line {line}: journal run {} follows journal run {} of line {previous_line}; a history holds the snapshots of one run",
                                run.number(),
                                before.number()
                            ),
                        ));
                    }
                    findings.extend(check_history(before, &run).into_iter().map(|violation| {
                        Finding {
                            kind: Kind::Transition,
                            line: Some(line),
                            previous_line: Some(*previous_line),
                            violation,
                        }
                    }));
                }
                findings.extend(violations.into_iter().map(|violation| Finding {
                    kind: Kind::State,
                    line: Some(line),
                    previous_line: None,
                    violation,
                }));
                snapshots.push(audited(&run, Some(line)));
                previous = Some((line, run));
                Ok(())
            })?;
            if snapshots.is_empty() {
                return Err(Failure::Input(InputError::new(
                    source.name(),
                    "holds no snapshot; a history is JSON Lines, one snapshot per line",
                )));
            }
            source.name().to_owned()
        }
    };
    // Transitions are found when their later snapshot is read, before its own state: order
    // them by line, states first.
    findings.sort_by_key(|f| (f.line, f.kind == Kind::Transition));
    let code = u8::from(!findings.is_empty());

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = if audit.json {
        write_json(&mut out, &snapshots, &findings)
    } else {
        out.write_all(human(&name, &snapshots, &findings).as_bytes())
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(Failure::Output(e)),
        Ok(()) => Ok(code),
    }
}

fn write_json(out: &mut dyn Write, snapshots: &[Audited], findings: &[Finding]) -> io::Result<()> {
    struct Report<'a> {
        snapshots: &'a [Audited],
        findings: &'a [Finding],
    }
    impl Serialize for Report<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(3))?;
            map.serialize_entry("clean", &self.findings.is_empty())?;
            map.serialize_entry("snapshots", self.snapshots)?;
            map.serialize_entry("violations", self.findings)?;
            map.end()
        }
    }
    serde_json::to_writer(
        &mut *out,
        &Report {
            snapshots,
            findings,
        },
    )?;
    out.write_all(b"\n")
}

fn human(name: &str, snapshots: &[Audited], findings: &[Finding]) -> String {
    let mut out = String::new();
    match snapshots {
        [one] if one.line.is_none() => {
            let _ = writeln!(
                out,
                "Audited {}: journal run {}, {}, {}.",
                clean(name),
                one.run,
                one.status,
                plural(one.entries, "entry", "entries")
            );
        }
        _ => {
            let statuses: Vec<&str> = snapshots.iter().map(|s| s.status).collect();
            let run = snapshots.first().map_or("", |s| s.run.as_str());
            let _ = writeln!(
                out,
                "Audited {}: {} of journal run {run} ({}).",
                clean(name),
                plural(snapshots.len(), "snapshot", "snapshots"),
                statuses.join(" -> ")
            );
        }
    }
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint(
                "Clean: no invariant of docs/INVARIANTS.md is broken.",
                Tone::Good
            )
        );
        return out;
    }
    let history = snapshots.iter().any(|s| s.line.is_some());
    let mut list = if history {
        table(["invariant", "where", "entries", "what was seen"])
    } else {
        table(["invariant", "entries", "what was seen"])
    };
    for finding in findings {
        let mut row = vec![finding.violation.invariant.id().to_owned()];
        if history {
            row.push(match (finding.previous_line, finding.line) {
                (Some(previous), Some(line)) => format!("lines {previous} -> {line}"),
                (None, Some(line)) => format!("line {line}"),
                _ => String::new(),
            });
        }
        row.push(entry_list(&finding.violation.entries, 5));
        row.push(finding.violation.detail.clone());
        add_row(&mut list, row);
    }
    let _ = writeln!(out, "{list}");
    let count = findings.len();
    let _ = writeln!(
        out,
        "{}",
        paint(
            &format!(
                "{} found (see docs/INVARIANTS.md).",
                plural(count, "violation", "violations")
            ),
            Tone::Bad
        )
    );
    out
}
