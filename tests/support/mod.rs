//! The helpers the test files share: numbers, ids and entries written from plain values. A test
//! crate includes this module with `mod support;` and uses what it needs; modules shared by
//! several test crates (`sim`, `small_runs`, `wire_support`) use it as `crate::support`.
//!
//! The generators of runs, callers, commands and events are the library's own, behind its
//! `proptest` feature (`journal_run::strategy`).

#![allow(dead_code)] // each test crate uses a part of this module

use journal_run::{
    EntityId, JournalEntry, JournalEntryNumber, JournalEntryStatus, JournalRunNumber, OrgId,
    OrgIds, TransferredToAccounting,
};

/// The journal entry number `JE-` `n` (`n` is at least 1).
pub fn je(n: u64) -> JournalEntryNumber {
    JournalEntryNumber::new(n).expect("an entry number is at least 1")
}

/// The journal run number `JR-` `n` (`n` is at least 1).
pub fn jr(n: u64) -> JournalRunNumber {
    JournalRunNumber::new(n).expect("a run number is at least 1")
}

/// A valid org id.
pub fn org(id: &str) -> OrgId {
    OrgId::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// A valid entity id.
pub fn entity(id: &str) -> EntityId {
    EntityId::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// A valid `Zuora-Org-Ids` value: comma-separated org ids.
pub fn org_ids(list: &str) -> OrgIds {
    OrgIds::parse(list).unwrap_or_else(|e| panic!("{list}: {e}"))
}

/// Entry `JE-` `n` with this status and Transferred to Accounting.
pub fn entry(n: u64, status: JournalEntryStatus, tta: TransferredToAccounting) -> JournalEntry {
    JournalEntry {
        number: je(n),
        status,
        transferred_to_accounting: tta,
    }
}

/// Entry `JE-` `n` as processing creates it: Created, not transferred.
pub fn created(n: u64) -> JournalEntry {
    JournalEntry::new(je(n))
}
