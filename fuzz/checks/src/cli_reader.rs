//! The `cli_reader` target: arbitrary bytes read as a snapshot by the CLI's streaming reader
//! (`journal_run_cli::input::read_snapshot`), and by serde_json reading the same document
//! whole. Both must accept or both refuse, and what they accept must be the same: the run's
//! document, every entry, the caller, the request, the job; and the copy `cancel --json`
//! writes (every entry with its status patched to `Cancelled`) must be valid JSON equal to the
//! input's entries so changed.
//!
//! The reference's rules are the tool's documented ones: RFC 8259 JSON (as serde_json reads
//! it into a `Value`) after a UTF-8 byte order mark at the start if there is one, no key twice in any object, the snapshot's fields only at the top,
//! each of them but `journalEntries` an object.
//!
//! The same bytes are also read from a file with two threads whenever the reader can split
//! them (docs/DECISIONS.md, D-32, at any size): the verdict, the values, the places of the
//! copy and the fault's place must be those of one thread, and the digest that of the bytes
//! (`digest::of`).

use std::fmt;

use journal_run::wire::GetJournalRunType;
use journal_run::{JournalEntry, JournalEntryStatus};
use std::io::Write;

use journal_run_cli::input::{
    read_snapshot, read_snapshot_file, CallerDoc, JobDoc, Loaded, Request,
};
use journal_run_cli::source::InputError;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON value read by serde_json that refuses a key given twice in any object.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strict;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
                Ok(Strict(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
                Ok(Strict(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
                Ok(Strict(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
                Ok(Strict(Value::from(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
                Ok(Strict(Value::String(v.to_owned())))
            }
            fn visit_unit<E>(self) -> Result<Strict, E> {
                Ok(Strict(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
                let mut items = Vec::new();
                while let Some(Strict(item)) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Strict(Value::Array(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
                let mut members = Map::new();
                while let Some((key, Strict(value))) = map.next_entry::<String, Strict>()? {
                    if members.insert(key, value).is_some() {
                        return Err(de::Error::custom("duplicate key"));
                    }
                }
                Ok(Strict(Value::Object(members)))
            }
        }
        d.deserialize_any(V)
    }
}

/// What the reference accepts.
#[derive(Debug, PartialEq)]
struct Read {
    run: GetJournalRunType,
    entries: Vec<JournalEntry>,
    caller: Option<journal_run::Caller>,
    request: Request,
    job: Option<(journal_run::CancellableStatus, usize)>,
}

fn field<T: serde::de::DeserializeOwned>(value: &Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

/// `value` when it is an object: the snapshot's `journalRun`, `caller`, `request` and
/// `cancellationJob` must be (serde_json would read an array as a struct's fields in order).
fn object(value: &Value) -> Option<&Value> {
    value.is_object().then_some(value)
}

/// The snapshot as serde_json reads the document whole; `None` when it must be refused. Also
/// the document's entries as values.
fn reference(data: &[u8]) -> Option<(Read, Vec<Value>)> {
    // (A UTF-8 byte order mark at the start is passed over, as RFC 8259, section 8.1 lets a
    // reader do and the CLI's reader does; serde_json refuses it.)
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let Strict(doc) = serde_json::from_slice(data).ok()?;
    let Value::Object(top) = doc else { return None };
    let known = [
        "journalRun",
        "journalEntries",
        "caller",
        "request",
        "cancellationJob",
    ];
    if top.keys().any(|k| !known.contains(&k.as_str())) {
        return None;
    }
    let run: GetJournalRunType = field(object(top.get("journalRun")?)?)?;
    let Value::Array(docs) = top.get("journalEntries")? else {
        return None;
    };
    let mut entries = Vec::new();
    for doc in docs {
        let Value::Object(doc) = doc else { return None };
        let text = |name: &str| match doc.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.as_str())),
            Some(_) => None,
        };
        match doc.get("success") {
            None | Some(Value::Null | Value::Bool(true)) => {}
            _ => return None,
        }
        let entry = journal_run_cli::build::entry(
            text("number")??,
            text("status")??,
            text("transferredToAccounting")?,
        )
        .ok()?;
        entries.push(entry);
    }
    let caller = match top.get("caller") {
        None => None,
        Some(value) => Some(journal_run_cli::build::caller(field::<CallerDoc>(object(
            value,
        )?)?)),
    };
    let request = match top.get("request") {
        None => Request::default(),
        Some(value) => field(object(value)?)?,
    };
    let job = match top.get("cancellationJob") {
        None => None,
        Some(value) => field::<JobDoc>(object(value)?).map(|j| Some((j.previous, j.next)))?,
    };
    Some((
        Read {
            run,
            entries,
            caller,
            request,
            job,
        },
        docs.clone(),
    ))
}

/// Reads `data` from a file, with two threads wherever the reader can split it, and checks
/// that it reads what `one` (one thread, from memory) read.
fn two_threads_read_as_one(data: &[u8], one: &Result<Loaded, InputError>) {
    let mut file =
        tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("a temporary file: {e}"));
    file.write_all(data)
        .and_then(|()| file.flush())
        .unwrap_or_else(|e| panic!("a temporary file: {e}"));
    let two = read_snapshot_file(file.path(), 0);
    match (one, two) {
        (Ok(one), Ok(two)) => {
            assert_eq!(
                (
                    &one.run,
                    &one.entries,
                    &one.caller,
                    &one.request,
                    &one.pages
                ),
                (
                    &two.run,
                    &two.entries,
                    &two.caller,
                    &two.request,
                    &two.pages
                ),
                "D-32: two threads read other values than one"
            );
            assert!(
                one.plan == two.plan,
                "D-32: two threads found other places for the copy"
            );
            assert_eq!(
                two.digest,
                Some(journal_run_cli::digest::of(data)),
                "D-32: the digest is not the bytes' digest"
            );
        }
        (Err(one), Err(two)) => assert_eq!(
            (one.at, &one.message),
            (two.at, &two.message),
            "D-32: two threads report another fault than one"
        ),
        (one, two) => panic!(
            "D-32: one thread {}, two threads {}",
            if one.is_ok() { "accepts" } else { "refuses" },
            if two.is_ok() { "accept" } else { "refuse" }
        ),
    }
}

/// Runs both readers on `data` and compares them.
pub fn check(data: &[u8]) {
    let ours = read_snapshot(data);
    two_threads_read_as_one(data, &ours);
    let expected = reference(data);
    let (loaded, (expected, docs)) = match (ours, expected) {
        (Err(_), None) => return,
        (Ok(_), None) => panic!("the CLI's reader accepts what serde_json refuses"),
        (Err(e), Some(_)) => panic!("the CLI's reader refuses what serde_json accepts: {e}"),
        (Ok(loaded), Some(expected)) => (loaded, expected),
    };
    let got = Read {
        run: loaded.run.clone(),
        entries: loaded.entries.clone(),
        caller: loaded.caller.clone(),
        request: loaded.request.clone(),
        job: loaded.cancellation_job.map(|j| (j.previous, j.next)),
    };
    assert_eq!(got, expected, "the two readers read different values");

    // The copy: every entry cancelled.
    let Some(plan) = &loaded.plan else {
        panic!("read_snapshot makes a plan")
    };
    let mut numbers = loaded.entries.iter().map(|e| e.number).collect::<Vec<_>>();
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.len() != loaded.entries.len() {
        // An entry listed twice: the copy's lookup by number cannot tell them apart.
        return;
    }
    let cancelled = |number| {
        loaded
            .entries
            .iter()
            .find(|e| e.number == number)
            .map(|e| JournalEntry {
                status: JournalEntryStatus::Cancelled,
                ..*e
            })
    };
    let mut out = b"[".to_vec();
    plan.write_entries(vec![Box::new(data)], &loaded.entries, &cancelled, &mut out)
        .unwrap_or_else(|e| panic!("the copy fails: {e}"));
    out.push(b']');
    let copied: Value = serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!(
            "the copy is not JSON: {e}: {}",
            String::from_utf8_lossy(&out)
        )
    });
    let mut docs = docs;
    for doc in &mut docs {
        if let Value::Object(doc) = doc {
            doc.insert("status".to_owned(), Value::from("Cancelled"));
        }
    }
    assert_eq!(
        copied,
        Value::Array(docs),
        "the copy differs from the input's entries"
    );
}
