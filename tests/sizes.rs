//! The sizes the design promises (docs/ARCHITECTURE.md): an entry fits in sixteen bytes, so a
//! run of a million entries is 16 MB, and an absent number costs nothing beyond the number.

use core::mem::size_of;

use journal_run::{JournalEntry, JournalEntryNumber, JournalRunNumber, PermissionSet};

#[test]
fn journal_entry_is_at_most_sixteen_bytes() {
    assert!(
        size_of::<JournalEntry>() <= 16,
        "JournalEntry is {} bytes",
        size_of::<JournalEntry>()
    );
}

#[test]
fn optional_entry_number_is_eight_bytes() {
    assert_eq!(size_of::<JournalEntryNumber>(), 8);
    assert_eq!(size_of::<Option<JournalEntryNumber>>(), 8);
}

#[test]
fn optional_run_number_is_eight_bytes() {
    assert_eq!(size_of::<JournalRunNumber>(), 8);
    assert_eq!(size_of::<Option<JournalRunNumber>>(), 8);
}

#[test]
fn permission_set_is_two_bytes() {
    // Eight Finance permissions and one Platform permission ("API Write Access").
    assert_eq!(size_of::<PermissionSet>(), 2);
}
