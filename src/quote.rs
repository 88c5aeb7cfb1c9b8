//! Text from the input as messages quote it (docs/DECISIONS.md, D-26): a message stays one
//! readable line however large the value it quotes.

use std::borrow::Cow;

/// The most characters of a value from the input that a message quotes; the rest is counted,
/// not shown.
pub const QUOTED_CHARS: usize = 100;

/// The place of a character or item at 0-based `offset`, as a message says it: counted from
/// 1, as a person counts (`close;2026`'s `;` is character 6). The one rule for every message
/// that places a character or an item in a value.
pub(crate) const fn counted(offset: usize) -> usize {
    offset.saturating_add(1)
}

/// `n` and the noun in its number, as a message counts things: `1 entry`, `2 entries`,
/// `0 entries`. The one rule for every count a message of this crate, the command-line tool or
/// the local Zuora says.
///
/// ```
/// assert_eq!(journal_run::plural(1, "journal entry", "journal entries"), "1 journal entry");
/// assert_eq!(journal_run::plural(0, "entry", "entries"), "0 entries");
/// ```
#[must_use]
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` as a message quotes it: whole when it has at most [`QUOTED_CHARS`] characters, else
/// its first [`QUOTED_CHARS`] characters, `…`, and how many more it has
/// (`xx…x… (999900 more characters)`). The one rule for every message of this crate, and of
/// the command-line tool, that quotes text from the input.
///
/// ```
/// assert_eq!(journal_run::clip("Canceled"), "Canceled");
/// let long = "x".repeat(1_000);
/// assert_eq!(journal_run::clip(&long), format!("{}… (900 more characters)", "x".repeat(100)));
/// ```
#[must_use]
pub fn clip(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let (shown, rest) = text.split_at(end);
            let more = rest.chars().count();
            let noun = if more == 1 { "character" } else { "characters" };
            Cow::Owned(format!("{shown}… ({more} more {noun})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_at_most_100_characters_is_quoted_whole_and_longer_text_is_counted() {
        let hundred = "é".repeat(QUOTED_CHARS);
        assert_eq!(clip(&hundred), hundred);
        assert!(matches!(clip(&hundred), Cow::Borrowed(_)));
        assert_eq!(
            clip(&format!("{hundred}a")),
            format!("{hundred}… (1 more character)")
        );
        assert_eq!(
            clip(&format!("{hundred}{}", "b".repeat(999_900))),
            format!("{hundred}… (999900 more characters)")
        );
        assert_eq!(clip(""), "");
    }
}
