//! The human output on a real terminal: the binary's standard output is a pseudo-terminal of
//! a set size, and what it shows there is read back from the terminal's other side. Only
//! there can colour, box drawing and a table's width be seen as a user sees them.

#![cfg(target_os = "linux")]

mod common;

use std::fs::File;
use std::io::Read;
use std::process::{Command, Stdio};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcsetwinsize, Winsize};

/// The demo's output as shown on a terminal of `cols` columns and `rows` rows, with these
/// environment variables set (and `TERM`, `NO_COLOR` and `COLUMNS` unset unless given), the
/// terminal's line ends (`\r\n`) read as `\n`.
fn demo_on_terminal(cols: u16, rows: u16, env: &[(&str, &str)]) -> String {
    on_terminal(&["demo"], cols, rows, env)
}

/// As [`demo_on_terminal`], the output of `journal-run` with `args`.
fn on_terminal(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> String {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY)
        .unwrap_or_else(|e| panic!("cannot open a pseudo-terminal: {e}"));
    grantpt(&master).unwrap_or_else(|e| panic!("grantpt: {e}"));
    unlockpt(&master).unwrap_or_else(|e| panic!("unlockpt: {e}"));
    let name = ptsname(&master, Vec::new()).unwrap_or_else(|e| panic!("ptsname: {e}"));
    let path = name.to_string_lossy().into_owned();
    let terminal = File::options()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    let size = Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    tcsetwinsize(&terminal, size).unwrap_or_else(|e| panic!("cannot size {path}: {e}"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_journal-run"));
    command
        .args(args)
        .current_dir(common::root())
        .env_remove("TERM")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::from(terminal))
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run journal-run: {e}"));
    // The command now holds the terminal's only handle: reading the other side ends (EIO on
    // Linux) once it has exited.
    drop(command);
    let mut master = File::from(master);
    let mut shown = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        match master.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => shown.extend_from_slice(&chunk[..n]),
        }
    }
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("journal-run did not end: {e}"));
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    assert!(status.success(), "{status}; stderr: {stderr}");
    String::from_utf8(shown)
        .unwrap_or_else(|e| panic!("the terminal shows text that is not UTF-8: {e}"))
        .replace("\r\n", "\n")
}

/// How many columns `line` takes on a terminal: its characters but those of the colour
/// sequences (`ESC [ ... m`), which take none.
fn columns_of(line: &str) -> usize {
    let mut count = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            count += 1;
        }
    }
    count
}

/// The lines of a table's frame and rows (box drawing or ASCII), with the columns each takes.
fn table_lines(shown: &str) -> Vec<(usize, &str)> {
    shown
        .lines()
        .filter(|line| line.starts_with(['┌', '│', '╞', '├', '└', '+', '|']))
        .map(|line| (columns_of(line), line))
        .collect()
}

#[test]
fn a_table_fits_the_terminals_columns() {
    let shown = demo_on_terminal(60, 24, &[("TERM", "xterm")]);
    let lines = table_lines(&shown);
    assert!(lines.len() > 10, "{shown}");
    for (width, line) in &lines {
        assert!(*width <= 60, "{width} characters: {line}");
    }
    // Wrapped, the table has more lines than its 14 unwrapped ones (the demo's snapshot).
    assert!(lines.len() > 14, "{shown}");
}

/// A terminal of 0 rows (as some containers make) still has its columns; a terminal that
/// reports no size at all has the width of one not known, 80.
#[test]
fn a_terminal_of_no_rows_has_its_columns_and_one_of_no_size_80() {
    let shown = demo_on_terminal(50, 0, &[("TERM", "xterm")]);
    let widest = table_lines(&shown).iter().map(|(w, _)| *w).max();
    assert!(widest.is_some_and(|w| w <= 50), "{widest:?}: {shown}");
    let shown = demo_on_terminal(0, 0, &[("TERM", "xterm")]);
    let widest = table_lines(&shown).iter().map(|(w, _)| *w).max();
    assert!(
        widest.is_some_and(|w| w <= 80 && w > 50),
        "{widest:?}: {shown}"
    );
}

#[test]
fn columns_overrides_the_terminals_size() {
    let shown = demo_on_terminal(200, 24, &[("TERM", "xterm"), ("COLUMNS", "70")]);
    let widest = table_lines(&shown).iter().map(|(w, _)| *w).max();
    assert!(widest.is_some_and(|w| w <= 70), "{widest:?}: {shown}");
    // And on a terminal wide enough, no row is wrapped: the table has the lines a file gets.
    let shown = demo_on_terminal(200, 24, &[("TERM", "xterm")]);
    let file = common::run(&["demo"]).1;
    assert_eq!(
        table_lines(&shown).len(),
        table_lines(&file).len(),
        "{shown}"
    );
    assert_eq!(table_lines(&file).len(), 14, "{file}");
}

#[test]
fn a_terminal_shows_colour_unless_no_color_or_term_dumb_says_otherwise() {
    let coloured = demo_on_terminal(200, 24, &[("TERM", "xterm")]);
    assert!(coloured.contains("\x1b[32m"), "{coloured}");
    assert!(coloured.contains('┌'), "{coloured}");
    let no_color = demo_on_terminal(200, 24, &[("TERM", "xterm"), ("NO_COLOR", "1")]);
    assert!(!no_color.contains('\x1b'), "{no_color}");
    assert!(no_color.contains('┌'), "{no_color}");
    // An empty NO_COLOR is as if unset.
    let empty = demo_on_terminal(200, 24, &[("TERM", "xterm"), ("NO_COLOR", "")]);
    assert_eq!(empty, coloured);
    // A dumb terminal: no escape sequence, and tables in ASCII.
    let dumb = demo_on_terminal(200, 24, &[("TERM", "dumb")]);
    assert!(!dumb.contains('\x1b'), "{dumb}");
    assert!(!dumb.contains('┌'), "{dumb}");
    assert!(dumb.lines().any(|line| line.starts_with("+-")), "{dumb}");
    // Without colour, a terminal shows the words a file gets.
    let file = common::run(&["demo"]).1;
    assert_eq!(no_color, file);
}

/// clap's help follows the same rule as the tables: its styles on a terminal that may show
/// colour, and plain text where it may not or where the output is not a terminal.
#[test]
fn the_help_is_coloured_only_where_colour_is_allowed() {
    let coloured = on_terminal(&["--help"], 200, 24, &[("TERM", "xterm")]);
    assert!(coloured.contains("\x1b[1m"), "{coloured}");
    let no_color = on_terminal(
        &["--help"],
        200,
        24,
        &[("TERM", "xterm"), ("NO_COLOR", "1")],
    );
    let dumb = on_terminal(&["--help"], 200, 24, &[("TERM", "dumb")]);
    let (code, piped, _) = common::run(&["--help"]);
    assert_eq!(code, 0);
    assert!(!piped.contains('\x1b'), "{piped}");
    assert!(
        piped.contains("\nUsage: journal-run <COMMAND>\n"),
        "{piped}"
    );
    assert_eq!(no_color, piped);
    assert_eq!(dumb, piped);
}
