//! Human output: tables and (when allowed) colour, and the escaping of everything that
//! comes from the input, so that nothing a user sends reaches a terminal raw.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::IsTerminal;

use comfy_table::presets::{ASCII_FULL_CONDENSED, UTF8_FULL_CONDENSED};
use comfy_table::{ContentArrangement, Table};

/// Whether a character would act on a terminal, or on what a reader sees, instead of showing
/// (docs/DECISIONS.md, D-26): control characters (C0, DEL, C1); the bidirectional marks,
/// embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
/// U+2069), which reorder the text around them; the line and paragraph separators (U+2028,
/// U+2029), which break a line; and the invisible format characters, which hide a difference
/// between two texts that look the same: the soft hyphen (U+00AD), U+180E, the zero-width
/// space, non-joiner and joiner (U+200B to U+200D), the word joiner and invisible operators
/// (U+2060 to U+2064), the deprecated format characters (U+206A to U+206F), the zero-width
/// no-break space or byte order mark (U+FEFF), the interlinear annotation marks (U+FFF9 to
/// U+FFFB) and the tag characters (U+E0000 to U+E007F).
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{AD}'
                | '\u{61C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
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

/// Whether `TERM`'s value says a dumb terminal (no escape sequences, no box drawing, no
/// progress line): the one rule for it.
pub(crate) fn dumb(term: Option<&std::ffi::OsStr>) -> bool {
    term.is_some_and(|t| t == "dumb")
}

/// What the output may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Looks {
    /// Colour: a terminal that is not dumb, `NO_COLOR` unset or empty.
    colour: bool,
    /// Box drawing in tables: anything but a dumb terminal.
    boxes: bool,
}

/// [`Looks`] from whether the output is a terminal, and `TERM` and `NO_COLOR` as given.
fn looks(
    terminal: bool,
    term: Option<&std::ffi::OsStr>,
    no_color: Option<&std::ffi::OsStr>,
) -> Looks {
    Looks {
        colour: terminal && !dumb(term) && no_color.is_none_or(|v| v.is_empty()),
        boxes: !(terminal && dumb(term)),
    }
}

/// [`looks`] for standard output and this process's environment.
fn looks_here() -> Looks {
    looks(
        std::io::stdout().is_terminal(),
        std::env::var_os("TERM").as_deref(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// Whether standard output may be coloured: a terminal that is not dumb, `NO_COLOR` unset or
/// empty (for clap's help, written by [`crate::main`]).
pub(crate) fn colour_here() -> bool {
    looks_here().colour
}

/// The width of a terminal whose width is not known: its columns reported as 0, or no
/// answer (docs/DECISIONS.md, D-26).
const UNKNOWN_WIDTH: u16 = 80;

/// The width a table may take on standard output: none when it is not a terminal; else
/// `COLUMNS` when it is a whole number above 0 (as `ls` and other tools take it: it overrides
/// the terminal's size), else the terminal's columns as `queried` when above 0, else
/// [`UNKNOWN_WIDTH`].
fn table_width(
    terminal: bool,
    columns: Option<&std::ffi::OsStr>,
    queried: impl FnOnce() -> Option<u16>,
) -> Option<u16> {
    if !terminal {
        return None;
    }
    let columns = columns
        .and_then(|c| c.to_str())
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|&c| c > 0);
    Some(
        columns
            .or_else(|| queried().filter(|&c| c > 0))
            .unwrap_or(UNKNOWN_WIDTH),
    )
}

/// The columns of the terminal on standard output, as the terminal reports them, whatever
/// its rows (a terminal of 0 rows, as some containers make, still has its columns).
#[cfg(unix)]
fn terminal_columns() -> Option<u16> {
    rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .map(|size| size.ws_col)
}

#[cfg(not(unix))]
fn terminal_columns() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0)
}

/// A table with the tool's style and these headers: when standard output is a terminal, as
/// wide as `COLUMNS` or the terminal at most (cells wrap), and drawn in ASCII if it is
/// `TERM=dumb`.
pub fn table<const N: usize>(headers: [&str; N]) -> Table {
    let mut table = Table::new();
    let terminal = std::io::stdout().is_terminal();
    let width = table_width(
        terminal,
        std::env::var_os("COLUMNS").as_deref(),
        terminal_columns,
    );
    table.load_style(if looks_here().boxes {
        UTF8_FULL_CONDENSED
    } else {
        ASCII_FULL_CONDENSED
    });
    match width {
        Some(w) => {
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
    looks_here().colour
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

/// `n` and the noun in its number: `1 entry`, `2 entries` (the library's one rule).
pub use journal_run::plural;

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn a_positive_columns_sets_a_terminals_table_width_over_its_size() {
        let size = || Some(120);
        let columns = |c: &'static str| Some(OsStr::new(c));
        assert_eq!(table_width(true, columns("40"), size), Some(40));
        assert_eq!(table_width(true, columns("40"), || None), Some(40));
        // Not a positive whole number that a width can be: the terminal's size.
        for bad in ["0", "-5", "abc", "", "4.5", " 40", "70000"] {
            assert_eq!(table_width(true, columns(bad), size), Some(120), "{bad:?}");
        }
        assert_eq!(table_width(true, None, size), Some(120));
        // A terminal that reports no columns, or 0: the width of one not known.
        assert_eq!(table_width(true, None, || None), Some(UNKNOWN_WIDTH));
        assert_eq!(table_width(true, None, || Some(0)), Some(UNKNOWN_WIDTH));
        assert_eq!(table_width(true, columns("0"), || Some(0)), Some(80));
        // Not a terminal: no width, whatever COLUMNS says.
        assert_eq!(table_width(false, columns("40"), size), None);
    }

    /// At most `max` entries are named, and how many more there are only when there are more.
    #[test]
    fn an_entry_list_names_at_most_max_and_counts_the_rest() {
        let numbers = |n: u64| -> Vec<journal_run::JournalEntryNumber> {
            (1..=n)
                .filter_map(journal_run::JournalEntryNumber::new)
                .collect()
        };
        assert_eq!(entry_list(&numbers(0), 2), "");
        assert_eq!(entry_list(&numbers(2), 2), "JE-00000001, JE-00000002");
        assert_eq!(
            entry_list(&numbers(3), 2),
            "JE-00000001, JE-00000002 and 1 more"
        );
    }

    /// Colour only on a terminal that is not `TERM=dumb`, with `NO_COLOR` unset or empty;
    /// box drawing everywhere but on a dumb terminal (a file or a pipe gets the tables a
    /// terminal would, whatever `TERM` says).
    #[test]
    fn colour_and_box_drawing_follow_term_and_no_color() {
        let some = |v: &'static str| Some(OsStr::new(v));
        let cases = [
            (true, some("xterm-256color"), None, (true, true)),
            (true, None, None, (true, true)),
            (true, some("xterm"), some(""), (true, true)),
            (true, some("xterm"), some("1"), (false, true)),
            (true, some("dumb"), None, (false, false)),
            (true, some("dumber"), None, (true, true)),
            (true, some("dumb"), some("1"), (false, false)),
            (false, some("xterm"), None, (false, true)),
            (false, some("dumb"), None, (false, true)),
        ];
        for (terminal, term, no_color, (colour, boxes)) in cases {
            assert_eq!(
                looks(terminal, term, no_color),
                Looks { colour, boxes },
                "{terminal} {term:?} {no_color:?}"
            );
        }
    }

    #[test]
    fn invisible_and_reordering_characters_are_escaped() {
        let listed = [
            0xAD, 0x61C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A,
            0x202E, 0x2060, 0x2061, 0x2064, 0x2066, 0x2069, 0x206A, 0x206F, 0xFEFF, 0xFFF9, 0xFFFB,
            0xE0001, 0xE0041, 0xE007F, 0x1B, 0x7F, 0x85,
        ];
        for code in listed {
            let c = char::from_u32(code).unwrap_or_default();
            assert_eq!(
                clean(&format!("a{c}b")),
                format!("a\\u{{{code:x}}}b"),
                "U+{code:04X}"
            );
        }
        // Visible text, non-ASCII included, is kept as it is.
        for text in [
            "Completed",
            "caf\u{e9} \u{5d0}\u{5d1} \u{4e2d}",
            "\u{2027}\u{2030}\u{fffc}",
        ] {
            assert!(
                matches!(clean(text), Cow::Borrowed(t) if t == text),
                "{text:?}"
            );
        }
        assert_eq!(clean("a\nb\tc"), "a\\nb\\tc");
    }
}
