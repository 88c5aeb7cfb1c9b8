//! Writes a large, Zuora-shaped journal run export, for trying `journal-run cancel` and
//! `journal-run audit` at scale and for measuring them.
//!
//! ```sh
//! cargo run --release -p journal-run-cli --example generate -- 1000000 > big.json
//! cargo run --release -p journal-run-cli --example generate -- 1000000 --pages DIR
//! cargo run --release -p journal-run-cli --example generate -- 1000000 --mixed > mixed.json
//! ```
//!
//! With a count only, it writes one snapshot (`{"journalRun": ..., "journalEntries": [...]}`)
//! to standard output. With `--pages DIR`, it writes Zuora's GET responses instead:
//! `DIR/run.json` and `DIR/entries-NNNNNN.json`, pages of 300 entries linked by `nextPage`.
//!
//! The run is Completed; every entry is Created, with realistic fields (dates, a segment, two
//! journal entry items, notes, a custom field); one entry in ten is transferred to
//! accounting (`Yes`). With `--mixed`, entries have twelve shapes instead of one (see
//! [`entry`]). The output depends only on the arguments: the same ones give the same bytes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Entries per page, Zuora's maximum.
const PAGE: usize = 300;

const REGIONS: [&str; 4] = ["EMEA", "AMER", "APAC", "LATAM"];
const TYPES: [(&str, &str, &str); 3] = [
    ("Invoice Item", "Sales Revenue", "4000"),
    ("Taxation Item", "Sales Tax Payable", "2200"),
    ("Electronic Payment", "Cash", "1000"),
];

fn run_document(out: &mut dyn Write, count: usize) -> io::Result<()> {
    write!(
        out,
        "{{\"aggregateCurrency\":false,\"executedOn\":\"2026-02-01T10:01:49Z\",\"journalEntryDate\":\"2026-01-31\",\
         \"number\":\"JR-00000075\",\"segmentationRuleName\":\"GL Segment Rule\",\"status\":\"Completed\",\"success\":true,\
         \"targetEndDate\":\"2026-01-31\",\"targetStartDate\":\"2026-01-01\",\"totalJournalEntryCount\":{count},\
         \"transactionTypes\":[{{\"type\":\"Invoice Item\"}},{{\"type\":\"Taxation Item\"}},{{\"type\":\"Electronic Payment\"}}]}}"
    )
}

/// Entry `i` (0-based). `mixed`: entries of twelve shapes, not one (two to four journal
/// entry items, one or two segments, notes omitted from one entry in five), as a tenant whose
/// entries vary has them.
fn entry(out: &mut dyn Write, i: usize, mixed: bool) -> io::Result<()> {
    // A small deterministic mix of the index, for amounts and choices.
    let mix = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17);
    let (transaction, account, gl) = TYPES[(mix % 3) as usize];
    let region = REGIONS[(mix >> 8) as usize % REGIONS.len()];
    let cents = 100 + (mix >> 24) % 1_000_000;
    let amount = format!("{}.{:02}", cents / 100, cents % 100);
    let transferred = if i % 10 == 3 { "Yes" } else { "No" };
    let (credits, segments, notes) = if mixed {
        (
            1 + (mix >> 32) % 3,
            1 + (mix >> 40) % 2,
            !(mix >> 44).is_multiple_of(5),
        )
    } else {
        (1, 1, true)
    };
    write!(
        out,
        "{{\"accountingPeriodName\":\"Jan-2026\",\"currency\":\"USD\",\"journalEntryDate\":\"2026-01-31\",\"journalEntryItems\":[\
         {{\"accountingCodeName\":\"Accounts Receivable\",\"amount\":\"{amount}\",\
         \"glAccountNumber\":\"1200\",\"type\":\"Debit\"}}"
    )?;
    for _ in 0..credits {
        write!(
            out,
            ",{{\"accountingCodeName\":\"{account}\",\"amount\":\"{amount}\",\
             \"glAccountNumber\":\"{gl}\",\"type\":\"Credit\"}}"
        )?;
    }
    out.write_all(b"],")?;
    if notes {
        write!(out, "\"notes\":\"January close, batch {}\",", i / PAGE + 1)?;
    }
    write!(out, "\"number\":\"JE-{:08}\",\"segments\":[", i + 1)?;
    for s in 0..segments {
        if s > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            "{{\"segmentName\":\"Region\",\"segmentValue\":\"{region}\"}}"
        )?;
    }
    write!(
        out,
        "],\"status\":\"Created\",\"timePeriodEnd\":\"2026-01-31\",\"timePeriodStart\":\"2026-01-01\",\"transactionType\":\"{transaction}\",\
         \"transferredToAccounting\":\"{transferred}\",\"CostCenter__c\":\"CC-{cost:03}\"}}",
        cost = mix % 1000,
    )
}

fn snapshot(out: &mut dyn Write, count: usize, mixed: bool) -> io::Result<()> {
    out.write_all(b"{\"journalRun\":")?;
    run_document(out, count)?;
    out.write_all(b",\"journalEntries\":[\n")?;
    for i in 0..count {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        entry(out, i, mixed)?;
    }
    out.write_all(b"\n]}\n")
}

fn pages(dir: &Path, count: usize, mixed: bool) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut run = BufWriter::new(File::create(dir.join("run.json"))?);
    run_document(&mut run, count)?;
    run.write_all(b"\n")?;
    run.flush()?;
    let total = count.div_ceil(PAGE).max(1);
    for page in 0..total {
        let path = dir.join(format!("entries-{:06}.json", page + 1));
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(b"{\"journalEntries\":[\n")?;
        for i in page * PAGE..((page + 1) * PAGE).min(count) {
            if i > page * PAGE {
                out.write_all(b",\n")?;
            }
            entry(&mut out, i, mixed)?;
        }
        out.write_all(b"\n]")?;
        if page + 1 < total {
            write!(
                out,
                ",\"nextPage\":\"https://rest.zuora.com/v1/journal-entries/journal-runs/JR-00000075?page={}&pageSize={PAGE}\"",
                page + 2
            )?;
        }
        out.write_all(b",\"success\":true}\n")?;
        out.flush()?;
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: generate COUNT [--mixed] [--pages DIR]",
        )
    };
    let mixed = args.iter().any(|a| a == "--mixed");
    args.retain(|a| a != "--mixed");
    let count: usize = args
        .first()
        .and_then(|n| n.replace('_', "").parse().ok())
        .ok_or_else(usage)?;
    match args.get(1).map(String::as_str) {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            snapshot(&mut out, count, mixed)?;
            out.flush()
        }
        Some("--pages") => pages(&PathBuf::from(args.get(2).ok_or_else(usage)?), count, mixed),
        Some(_) => Err(usage()),
    }
}
