//! Human output: tables and (when allowed) colour.

use std::io::IsTerminal;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

/// A table with the tool's style and these headers.
pub fn table<const N: usize>(headers: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers);
    table
}

/// Whether colour may be used on standard output: a terminal, and `NO_COLOR` unset or empty.
pub fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
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
