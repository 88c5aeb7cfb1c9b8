//! The `numbers` target: arbitrary text into both number parsers (INV-14).

use journal_run::{JournalEntryNumber, JournalRunNumber, NumberError};

use crate::text_of;

/// Feeds `data` (as text) to both number parsers, and the first eight bytes (as a value) to
/// both constructors, and checks INV-14 — every number has exactly one spelling:
///
/// - an accepted text re-displays to the same text and re-parses to the same value, and its
///   JSON form (a string) reads back to the same number;
/// - a rejected text is never the display of any number: if all its characters after the
///   prefix are digits that make a non-zero `u64`, the number with that value is spelled
///   differently;
/// - every non-zero value displays to a text that parses back to it;
/// - the two parsers agree: they accept the same digits after their own prefix, with the same
///   value.
///
/// # Panics
///
/// When one of these does not hold.
pub fn check(data: &[u8]) {
    let text = text_of(data);
    let run = run_number(&text);
    let entry = entry_number(&text);

    // The two grammars differ only in the prefix: swap it, and the other parser must agree.
    if let Some(digits) = text.strip_prefix(JournalRunNumber::PREFIX) {
        let swapped = format!("{}{digits}", JournalEntryNumber::PREFIX);
        assert_eq!(
            run.map(JournalRunNumber::get),
            JournalEntryNumber::parse(&swapped)
                .ok()
                .map(JournalEntryNumber::get),
            "INV-14: the two parsers disagree on the digits of {text:?}"
        );
    }
    if entry.is_some() {
        assert!(
            run.is_none(),
            "INV-14: {text:?} is accepted by both parsers"
        );
    }

    let mut value = [0u8; 8];
    for (slot, byte) in value.iter_mut().zip(data) {
        *slot = *byte;
    }
    let value = u64::from_le_bytes(value);
    value_round_trip(value);
    value_round_trip(value.swap_bytes());
}

fn run_number(text: &str) -> Option<JournalRunNumber> {
    match JournalRunNumber::parse(text) {
        Ok(number) => {
            let shown = number.to_string();
            assert_eq!(shown, text, "INV-14: {text:?} re-displays differently");
            assert_eq!(JournalRunNumber::parse(&shown), Ok(number), "INV-14");
            assert_eq!(JournalRunNumber::new(number.get()), Some(number), "INV-14");
            let json = serde_json::to_string(&number).expect("a number serializes");
            assert_eq!(
                json,
                format!("\"{text}\""),
                "a number serializes as its spelling"
            );
            let back: JournalRunNumber = serde_json::from_str(&json).expect("INV-14: reads back");
            assert_eq!(
                back, number,
                "INV-14: the JSON form reads back to another number"
            );
            Some(number)
        }
        Err(error) => {
            rejected(text, JournalRunNumber::PREFIX, &error, |v| {
                JournalRunNumber::new(v).map(|n| n.to_string())
            });
            None
        }
    }
}

fn entry_number(text: &str) -> Option<JournalEntryNumber> {
    match JournalEntryNumber::parse(text) {
        Ok(number) => {
            let shown = number.to_string();
            assert_eq!(shown, text, "INV-14: {text:?} re-displays differently");
            assert_eq!(JournalEntryNumber::parse(&shown), Ok(number), "INV-14");
            assert_eq!(
                JournalEntryNumber::new(number.get()),
                Some(number),
                "INV-14"
            );
            let json = serde_json::to_string(&number).expect("a number serializes");
            assert_eq!(
                json,
                format!("\"{text}\""),
                "a number serializes as its spelling"
            );
            let back: JournalEntryNumber = serde_json::from_str(&json).expect("INV-14: reads back");
            assert_eq!(
                back, number,
                "INV-14: the JSON form reads back to another number"
            );
            Some(number)
        }
        Err(error) => {
            rejected(text, JournalEntryNumber::PREFIX, &error, |v| {
                JournalEntryNumber::new(v).map(|n| n.to_string())
            });
            None
        }
    }
}

/// A rejected text is not the spelling of the number its digits make, and the error quotes it
/// (its first 100 characters: `journal_run::clip`).
fn rejected(
    text: &str,
    prefix: &str,
    error: &NumberError,
    display: impl Fn(u64) -> Option<String>,
) {
    assert!(
        error.to_string().contains(&*journal_run::clip(text)),
        "the message for {text:?} does not quote it: {error}"
    );
    let Some(digits) = text.strip_prefix(prefix) else {
        return;
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if let Ok(value) = digits.parse::<u64>() {
        if let Some(canonical) = display(value) {
            assert_ne!(
                canonical, text,
                "INV-14: {text:?} is the display of {value} but is rejected: {error}"
            );
        }
    }
}

fn value_round_trip(value: u64) {
    match (JournalRunNumber::new(value), JournalEntryNumber::new(value)) {
        (Some(run), Some(entry)) => {
            assert_eq!(run.get(), value);
            assert_eq!(entry.get(), value);
            let run_text = run.to_string();
            let entry_text = entry.to_string();
            assert_eq!(
                JournalRunNumber::parse(&run_text),
                Ok(run),
                "INV-14: {run_text}"
            );
            assert_eq!(
                JournalEntryNumber::parse(&entry_text),
                Ok(entry),
                "INV-14: {entry_text}"
            );
            assert_eq!(
                run_text.strip_prefix(JournalRunNumber::PREFIX),
                entry_text.strip_prefix(JournalEntryNumber::PREFIX),
                "INV-14: the same value has different digits as a run and an entry number"
            );
        }
        (None, None) => assert_eq!(value, 0, "only zero is no number"),
        (run, entry) => panic!("the constructors disagree on {value}: {run:?} / {entry:?}"),
    }
}
