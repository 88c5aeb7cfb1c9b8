//! Human output: tables and (when allowed) colour, and the escaping of everything that
//! comes from the input, so that nothing a user sends reaches a terminal raw.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::IsTerminal;

use comfy_table::presets::{ASCII_FULL_CONDENSED, UTF8_FULL_CONDENSED};
use comfy_table::{ContentArrangement, Table};

/// Whether a character would act on a terminal instead of showing: control characters
/// (C0, DEL, C1) and the bidirectional overrides and isolates.
fn acts(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character that would act on a terminal written as an escape (`\n`,
/// `\u{1b}`); the text itself when it holds none.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if acts(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether the terminal is `TERM=dumb` (no escape sequences, no box drawing).
pub fn dumb_terminal() -> bool {
    std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

/// A table with the tool's style and these headers: when standard output is a terminal, as
/// wide as it at most (cells wrap), and drawn in ASCII if it is `TERM=dumb`.
pub fn table<const N: usize>(headers: [&str; N]) -> Table {
    let mut table = Table::new();
    let terminal = std::io::stdout().is_terminal();
    let width = terminal
        .then(|| terminal_size::terminal_size_of(std::io::stdout()))
        .flatten();
    table.load_style(if terminal && dumb_terminal() {
        ASCII_FULL_CONDENSED
    } else {
        UTF8_FULL_CONDENSED
    });
    match width {
        Some((terminal_size::Width(w), _)) => {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(w);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.set_header(headers);
    table
}

/// Adds a row whose cells may hold text from the input: escaped first.
pub fn add_row(table: &mut Table, cells: Vec<String>) {
    table.add_row(
        cells
            .iter()
            .map(|c| clean(c).into_owned())
            .collect::<Vec<_>>(),
    );
}

/// Whether colour may be used on standard output: a terminal that is not `TERM=dumb`, and
/// `NO_COLOR` unset or empty.
pub fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
        && !dumb_terminal()
}

/// Text styled as a success, a failure or a note.
#[derive(Clone, Copy)]
pub enum Tone {
    Good,
    Bad,
    Note,
}

/// `text` in the tone's colour when colour is allowed, else as it is.
pub fn paint(text: &str, tone: Tone) -> String {
    if !colour_allowed() {
        return text.to_owned();
    }
    let code = match tone {
        Tone::Good => "32",
        Tone::Bad => "31",
        Tone::Note => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Up to `max` entry numbers, comma-separated, then how many more.
pub fn entry_list(entries: &[journal_run::JournalEntryNumber], max: usize) -> String {
    let shown: Vec<String> = entries.iter().take(max).map(ToString::to_string).collect();
    let mut text = shown.join(", ");
    if entries.len() > max {
        text.push_str(&format!(" and {} more", entries.len() - max));
    }
    text
}

/// `n` and the noun in its number: `1 entry`, `2 entries`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
