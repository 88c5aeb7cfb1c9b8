//! Reading snapshots, Zuora's GET responses (a run and the pages of its entries) and
//! histories, with the one walker ([`crate::walk`]) and derived serde types
//! ([`crate::json`]).
//!
//! Every file is read once ([`Input::load`]), keeping per entry only the 16-byte
//! [`JournalEntry`]. For `cancel --json`, the first pass also records where each entry's
//! `status` and `transferredToAccounting` values are (16 bytes more an entry), and
//! [`CopyPlan::write_entries`] is a copy of the input's `journalEntries` with those values
//! patched: nothing is parsed twice.
//!
//! Unknown fields, one rule (docs/DECISIONS.md, D-26): the objects this tool defines (the
//! snapshot's top level, `caller`, `request`, `cancellationJob`) refuse a field they do not
//! know, since a misspelt one would silently change the answer; Zuora's documents (the
//! journal run, its entries, a page) keep every field (custom fields, newer API fields):
//! they are not read, and `cancel --json` copies them as they are.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::ops::Range;
use std::rc::Rc;
use std::sync::LazyLock;

use serde::Deserialize;

use journal_run::wire::GetJournalRunType;
use journal_run::{
    Caller, CancellableStatus, CancellationJob, EntityId, JournalEntry, JournalEntryNumber, OrgId,
    Permission,
};

use crate::json::{read, TypeFault};
use crate::source::{Again, InputError, Jump, Progress, Source};
use crate::walk::{Member, WalkError, Walker};

mod split;

use split::{PagesTail, Split, Tail, SPLIT_THRESHOLD};

/// What the tool reads: a snapshot file, or Zuora's GET responses for a run and its entries.
pub enum Input {
    /// `--snapshot FILE`.
    Snapshot(Source),
    /// `--run FILE --entries FILE...`.
    Pages {
        /// The run's document.
        run: Source,
        /// The pages of its entries, in order.
        pages: Vec<Source>,
    },
}

/// The request a snapshot describes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "an object: {\"jrNumber\": ..., \"headers\": {...}}"
)]
pub struct Request {
    /// The `{jr-number}` path parameter, as raw text.
    #[serde(default)]
    pub jr_number: Option<String>,
    /// The request headers, in the order given.
    #[serde(default, with = "ordered")]
    pub headers: Vec<(String, String)>,
}

/// Headers as an ordered JSON object of strings.
mod ordered {
    use serde::de::{Deserializer, MapAccess, Visitor};
    use std::fmt;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of header names and string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    if let Some(fault) = crate::header_fault(&name, &value) {
                        return Err(serde::de::Error::custom(fault));
                    }
                    pairs.push((name, value));
                }
                Ok(pairs)
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// The snapshot's `caller`, each name and id read by the library's parser as it is read (so
/// that a fault is placed at the name).
#[derive(Debug, Clone, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "an object: {\"permissions\": [...], \"platformPermissions\": [...], \"accessibleOrgIds\": [...], \"entityIds\": [...]}"
)]
pub struct CallerDoc {
    /// Finance permissions.
    pub permissions: Vec<Named<Permission>>,
    /// Platform permissions; absent: those of an API user ("API Write Access") when
    /// `permissions` names no Platform permission (docs/DECISIONS.md, D-21).
    #[serde(default)]
    pub platform_permissions: Option<Vec<Named<Permission>>>,
    /// Org ids; absent: every org.
    #[serde(default)]
    pub accessible_org_ids: Option<Vec<OrgId>>,
    /// Entity ids.
    #[serde(default)]
    pub entity_ids: Vec<EntityId>,
}

/// A value the library parses from its name (`FromStr`), read as a string and parsed in the
/// deserializer's call.
#[derive(Debug, Clone, Copy)]
pub struct Named<T>(pub T);

impl<'de, T: std::str::FromStr> Deserialize<'de> for Named<T>
where
    T::Err: std::fmt::Display,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map(Named).map_err(serde::de::Error::custom)
    }
}

/// The snapshot's `cancellationJob`, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "an object: {\"previous\": ..., \"next\": ...}"
)]
pub struct JobDoc {
    /// The status the run goes back to.
    pub previous: CancellableStatus,
    /// The position of the next entry to attempt.
    pub next: usize,
}

/// The fields of an entry the rules read; every other field is kept, not read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a journal entry object")]
struct EntryDoc<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    number: Option<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    status: Option<Text<'a>>,
    #[serde(borrow, default)]
    transferred_to_accounting: Option<Text<'a>>,
    #[serde(default)]
    success: Option<bool>,
}

/// A field that may be absent (`None`: said to be missing where the rules need it) but is
/// never null: `Option`'s own reading would take null, and its faults would say so.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A string borrowed from the input unless it holds an escape (serde borrows a `Cow` field
/// only when it is not inside an `Option`).
#[derive(Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// The page-level fields of one page of entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// `nextPage`.
    pub next_page: Option<String>,
    /// `success`.
    pub success: Option<bool>,
}

/// Where an entry's values are, for the copy: input offsets, each packed with the value's
/// length in its top 16 bits (a length of 0: absent, and the offset is the entry's `}`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Patch {
    status: u64,
    transferred: u64,
}

const fn pack(offset: u64, len: usize) -> u64 {
    offset | ((len as u64) << 48)
}

const fn unpack(packed: u64) -> (u64, usize) {
    (packed & ((1 << 48) - 1), (packed >> 48) as usize)
}

/// What pass 2 of `cancel --json` needs: per file, how to read it again and where its
/// `journalEntries` array's items are; per entry, where its values are.
pub struct CopyPlan {
    files: Vec<FileCopy>,
    patches: Vec<Patch>,
}

impl PartialEq for CopyPlan {
    /// The same places: each file's bytes and items, each entry's values.
    fn eq(&self, other: &Self) -> bool {
        let places = |plan: &Self| -> Vec<(u64, Option<Range<u64>>, usize)> {
            plan.files
                .iter()
                .map(|f| (f.read, f.array.clone(), f.entries))
                .collect()
        };
        self.patches == other.patches && places(self) == places(other)
    }
}

/// One file of the copy.
struct FileCopy {
    source: Source,
    again: Again,
    /// How many bytes the first pass read.
    read: u64,
    /// Its `journalEntries` array's items: from after `[` to `]`.
    array: Option<Range<u64>>,
    /// How many entries it holds.
    entries: usize,
}

/// What the first pass read.
pub struct Loaded {
    /// The run's document.
    pub run: GetJournalRunType,
    /// The run's document as written, and where its `status` value is in it.
    pub run_text: (Vec<u8>, Option<Range<usize>>),
    /// Where the run's document's members are in the input.
    pub run_members: Vec<RunMember>,
    /// Every entry, in input order.
    pub entries: Vec<JournalEntry>,
    /// The snapshot's `caller`, if given.
    pub caller: Option<Caller>,
    /// The snapshot's `request` (empty when not given).
    pub request: Request,
    /// The snapshot's `cancellationJob` (this crate's extension, for `CancelInprogress` runs).
    pub cancellation_job: Option<CancellationJob>,
    /// The pages' own fields (`--entries` input only).
    pub pages: Vec<PageInfo>,
    /// The digest of every byte read, when asked for.
    pub digest: Option<u128>,
    /// What the copy needs, when asked for.
    pub plan: Option<CopyPlan>,
    /// Whether a second thread read the second half of `journalEntries` (a large file).
    pub read_in_two: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Snapshot,
    Run,
    Page,
}

/// The error for a walker's fault in `source`.
fn walk_error<R: Read>(source: &Source, walker: &Walker<R>, error: WalkError) -> InputError {
    match error {
        WalkError::Io(e) => source.io_error(&e),
        WalkError::Empty => InputError::new(source.name(), error.to_string()),
        WalkError::Syntax { offset, fault } => fault_at(source, walker, offset, fault.to_string()),
    }
}

/// The error for a fault at input offset `offset` of `source`: its line and column are the
/// walker's, when it counted them, or else counted in the file (D-35).
fn fault_at<R: Read>(
    source: &Source,
    walker: &Walker<R>,
    offset: u64,
    message: String,
) -> InputError {
    InputError {
        file: source.name().to_owned(),
        at: walker
            .line_column(offset)
            .or_else(|| source.line_column(offset)),
        message,
    }
}

/// A fault of a value, found while the walker still holds it.
struct Fault {
    offset: u64,
    message: String,
}

impl From<WalkError> for Either {
    fn from(e: WalkError) -> Self {
        Self::Walk(e)
    }
}

enum Either {
    Walk(WalkError),
    Value(Fault),
}

fn type_fault(at: &str, hint: &str, mut f: TypeFault) -> Either {
    // A library deserializer's message may already name its field: say it once.
    let last = f.path.rsplit(['.', '[']).next().unwrap_or_default();
    if let Some(rest) = f
        .message
        .strip_prefix(last)
        .and_then(|m| m.strip_prefix(": "))
    {
        f.message = rest.to_owned();
    }
    let sep = if at.is_empty() || f.path.is_empty() {
        ""
    } else {
        "."
    };
    let place = format!("{at}{sep}{}", f.path);
    let place = if place.is_empty() {
        String::new()
    } else {
        format!("{place}: ")
    };
    Either::Value(Fault {
        offset: f.offset,
        message: format!("{place}{}{hint}", f.message),
    })
}

/// The value of member `name` of a held object.
fn member<'m>(text: &[u8], members: &'m [Member], name: &str) -> Option<&'m Member> {
    members.iter().find(|m| {
        &text[m.key.clone()] == name.as_bytes()
            || m.escaped && crate::walk::decode(&text[m.key.clone()], true) == name
    })
}

/// The run's document read, its text, where its `status` value is in the text, and where its
/// members are in the input.
type RunText = (
    GetJournalRunType,
    Vec<u8>,
    Option<Range<usize>>,
    Vec<RunMember>,
);

/// A member of the run's document: its key (decoded), its value's input offset, and that
/// offset's line and column when the reader counted lines (otherwise they are counted in the
/// file when needed, D-35), so that a fault the run's conversion finds later has a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMember {
    /// The key.
    pub key: String,
    /// The input offset of its value.
    pub offset: u64,
    /// The value's line and column, when the reader counted them.
    pub at: Option<(u64, u64)>,
}

/// Everything one input's files hold.
#[derive(Default)]
struct Parts {
    run: Option<RunText>,
    entries: Vec<JournalEntry>,
    caller: Option<Caller>,
    request: Option<Request>,
    job: Option<CancellationJob>,
    pages: Vec<PageInfo>,
    patches: Option<Vec<Patch>>,
    /// The last file's `journalEntries` items: from after `[` to `]`.
    array: Option<Range<u64>>,
    /// The file being read, when a second thread may read part of it ([`Tail`]).
    split: Option<Split>,
    /// Whether it did.
    read_in_two: bool,
}

impl Parts {
    fn loaded(
        self,
        file: &str,
        digest: Option<u128>,
        plan: Option<CopyPlan>,
    ) -> Result<Loaded, InputError> {
        let (run, run_text, status, run_members) = self
            .run
            .ok_or_else(|| InputError::new(file, "journalRun is missing"))?;
        Ok(Loaded {
            run,
            run_text: (run_text, status),
            run_members,
            entries: self.entries,
            caller: self.caller,
            request: self.request.unwrap_or_default(),
            cancellation_job: self.job,
            pages: self.pages,
            digest,
            plan,
            read_in_two: self.read_in_two,
        })
    }
}

/// Reads the next value as a `T` (a field of the tool's own objects, or a page's field).
fn value<T: for<'a> Deserialize<'a>, R: Read>(w: &mut Walker<R>, at: &str) -> Result<T, Either> {
    let offset = w.hold_value()?;
    read(w.held().0, offset, None).map_err(|f| type_fault(at, "", f))
}

/// The fault of a document whose `success` (`field`, at `offset`) is `false`.
fn failed_request(field: &str, offset: u64) -> Either {
    let field = field.to_owned();
    Either::Value(Fault {
        offset,
        message: journal_run::wire::DocumentError::NotSuccessful { field }.to_string(),
    })
}

/// Reads the run's document held at `text` (members found by the walker).
fn run_doc(
    text: &[u8],
    offset: u64,
    members: &[Member],
    (at, hint): (&str, &str),
    line_column: impl Fn(u64) -> Option<(u64, u64)>,
) -> Result<RunText, Either> {
    if let Some(m) = member(text, members, "success").filter(|m| &text[m.value.clone()] == b"false")
    {
        // Zuora's answer to a failed request (a saved error answer holds only `success` and
        // `reasons`): said before any field it lacks.
        let field = if at.is_empty() {
            "success"
        } else {
            &format!("{at}.success")
        };
        return Err(failed_request(field, offset + m.value.start as u64));
    }
    let doc = read(text, offset, Some(members)).map_err(|f| type_fault(at, hint, f))?;
    let status = member(text, members, "status").map(|m| m.value.clone());
    let places = members
        .iter()
        .map(|m| {
            let value = offset + m.value.start as u64;
            RunMember {
                key: crate::walk::decode(&text[m.key.clone()], m.escaped),
                offset: value,
                at: line_column(value),
            }
        })
        .collect();
    Ok((doc, text.to_vec(), status, places))
}

/// Reads one top-level document of `kind` into `parts`.
fn document<R: Jump>(w: &mut Walker<R>, kind: Kind, parts: &mut Parts) -> Result<(), Either> {
    if kind == Kind::Run {
        if w.peek()? != Some(b'{') {
            w.begin_object("Zuora's GET journal run response (a JSON object)")?;
        }
        let offset = w.hold_value()?;
        let (text, members) = w.held();
        parts.run = Some(run_doc(
            text,
            offset,
            members,
            ("", " (--run expects Zuora's GET journal run response)"),
            |at| w.line_column(at),
        )?);
        return Ok(());
    }
    let expecting = match kind {
        Kind::Page => "a page of journal entries (a JSON object)",
        _ => "a journal run snapshot (a JSON object)",
    };
    w.begin_object(expecting)?;
    let mut page = PageInfo::default();
    let mut seen_entries = false;
    let mut first = true;
    while let Some((key, key_at)) = w.next_key(first)? {
        first = false;
        member_value(w, kind, &key, key_at, parts, &mut page, &mut seen_entries)
            .map_err(|e| within(&key, e))?;
    }
    let end = w.offset().saturating_sub(1);
    let missing = |message: &str| {
        Either::Value(Fault {
            offset: end,
            message: message.to_owned(),
        })
    };
    if kind != Kind::Page && parts.run.is_none() {
        return Err(missing(
            "journalRun is missing (for Zuora's GET responses, use --run FILE --entries FILE)",
        ));
    }
    if !seen_entries {
        return Err(missing("journalEntries is missing"));
    }
    if kind == Kind::Page {
        parts.pages.push(page);
    }
    Ok(())
}

/// A syntax fault inside the value at `place`, named by it.
fn within(place: &str, e: Either) -> Either {
    match e {
        Either::Walk(WalkError::Syntax { offset, fault })
            if !matches!(fault, crate::walk::Fault::EndsInside(_)) =>
        {
            Either::Value(Fault {
                offset,
                message: format!("{place}: {fault}"),
            })
        }
        e => e,
    }
}

/// Reads the value of the top-level member `key`.
fn member_value<R: Jump>(
    w: &mut Walker<R>,
    kind: Kind,
    key: &str,
    key_at: u64,
    parts: &mut Parts,
    page: &mut PageInfo,
    seen_entries: &mut bool,
) -> Result<(), Either> {
    match (kind, key) {
        (_, "journalEntries") => {
            entries(w, parts)?;
            *seen_entries = true;
        }
        (Kind::Snapshot, "journalRun") => {
            an_object(w)?;
            let offset = w.hold_value()?;
            let (text, members) = w.held();
            parts.run = Some(run_doc(text, offset, members, ("journalRun", ""), |at| {
                w.line_column(at)
            })?);
        }
        (Kind::Snapshot, "caller") => {
            an_object(w)?;
            parts.caller = Some(crate::build::caller(value(w, "caller")?));
        }
        (Kind::Snapshot, "request") => {
            an_object(w)?;
            parts.request = Some(value(w, "request")?);
        }
        (Kind::Snapshot, "cancellationJob") => {
            an_object(w)?;
            let job: JobDoc = value(w, "cancellationJob")?;
            parts.job = Some(CancellationJob {
                previous: job.previous,
                next: job.next,
            });
        }
        (Kind::Page, "nextPage") => {
            page.next_page = value(w, "nextPage")?;
        }
        (Kind::Page, "success") => {
            // (A saved error answer: told at its `false`, before any other fault after it.)
            let offset = w.hold_value()?;
            page.success =
                read(w.held().0, offset, None).map_err(|f| type_fault("success", "", f))?;
            if page.success == Some(false) {
                return Err(failed_request("success", offset));
            }
        }
        (Kind::Page, _) => {
            w.skip_value()?;
        }
        (_, other) => {
            return Err(Either::Value(Fault {
                offset: key_at,
                message: journal_run::words::unknown_field(
                    other,
                    &[
                        "journalRun",
                        "journalEntries",
                        "caller",
                        "request",
                        "cancellationJob",
                    ],
                ),
            }))
        }
    }
    Ok(())
}

/// Checks that the next value is an object, as the snapshot's `journalRun`, `caller`,
/// `request` and `cancellationJob` are (and `--run`'s document): anything else is refused as
/// what it is, where serde would read an array as an object's fields in order.
fn an_object<R: Read>(w: &mut Walker<R>) -> Result<(), Either> {
    if w.peek()? != Some(b'{') {
        w.begin_object("an object")?;
    }
    Ok(())
}

/// Reads the `journalEntries` array: each entry through [`EntryDoc`] and the library's
/// parsers into a [`JournalEntry`]. In a large regular file, a second thread reads the array's
/// second half meanwhile ([`Tail`]).
fn entries<R: Jump>(w: &mut Walker<R>, parts: &mut Parts) -> Result<(), Either> {
    w.begin_array()?;
    let open = w.offset();
    let mut first = true;
    let mut tail: Option<Tail> = None;
    // Entries of earlier files (pages) come before this array's.
    let before = parts.entries.len();
    while w.next_element(first)? {
        first = false;
        let index = parts.entries.len() - before;
        if let Some(helper) = tail.take_if(|t| w.offset() >= t.start) {
            if let Some(read) = helper.join(w.offset()) {
                parts.entries.extend(read.entries);
                if let Some(patches) = &mut parts.patches {
                    patches.extend(read.patches);
                }
                let blocks = read.blocks;
                w.jump(read.end, |reader, left| reader.jump(left, &blocks))?;
                parts.read_in_two = true;
                continue;
            }
        }
        let (entry, patch) = element(w, index, parts.patches.is_some())?;
        if index == 0 {
            tail = parts
                .split
                .as_ref()
                .and_then(|split| Tail::spawn(split, w, patch.is_some()));
        }
        if let (Some(patches), Some(patch)) = (&mut parts.patches, patch) {
            patches.push(patch);
        }
        parts.entries.push(entry);
    }
    if let Some(helper) = tail {
        helper.join(u64::MAX);
    }
    parts.array = Some(open..w.offset() - 1);
    Ok(())
}

/// Reads the entry at `journalEntries[index]`, and where its values are when `patch`.
fn element<R: Read>(
    w: &mut Walker<R>,
    index: usize,
    patch: bool,
) -> Result<(JournalEntry, Option<Patch>), Either> {
    let at = || format!("journalEntries[{index}]");
    // Of its members, only those the rules read are kept (the others are checked).
    static FIELDS: LazyLock<&[&str]> = LazyLock::new(crate::json::fields_of::<EntryDoc>);
    let offset = w
        .hold_fields(&FIELDS)
        .map_err(|e| within(&at(), e.into()))?;
    let (text, members) = w.held();
    if text.first() != Some(&b'{') {
        return Err(Either::Value(Fault {
            offset,
            message: format!(
                "{}: expected a journal entry object, found {}",
                at(),
                crate::walk::kind_of(text[0])
            ),
        }));
    }
    let doc: EntryDoc = read(text, offset, Some(members)).map_err(|f| type_fault(&at(), "", f))?;
    let fault = |name: &str, message: String| {
        let place = member(text, members, name).map_or(offset, |m| offset + m.value.start as u64);
        Either::Value(Fault {
            offset: place,
            message: format!("{}.{name}{message}", at()),
        })
    };
    if doc.success == Some(false) {
        let place = member(text, members, "success").map_or(0, |m| m.value.start as u64);
        return Err(failed_request(&format!("{}.success", at()), offset + place));
    }
    let end = offset + text.len() as u64 - 1;
    let (Some(Text(number)), Some(Text(status))) = (&doc.number, &doc.status) else {
        let name = if doc.number.is_none() {
            "number"
        } else {
            "status"
        };
        return Err(Either::Value(Fault {
            offset: end,
            message: format!("{}.{name} is missing", at()),
        }));
    };
    let entry = crate::build::entry(
        number,
        status,
        doc.transferred_to_accounting.as_ref().map(|t| &*t.0),
    )
    .map_err(|(name, e)| fault(name, format!(": {e}")))?;
    let place = |name| {
        member(text, members, name).map_or(pack(end, 0), |m| {
            pack(offset + m.value.start as u64, m.value.len())
        })
    };
    let patch = patch.then(|| Patch {
        status: place("status"),
        transferred: place("transferredToAccounting"),
    });
    Ok((entry, patch))
}

impl Input {
    /// The source holding the run's document.
    pub fn run_source(&self) -> &Source {
        match self {
            Self::Snapshot(source) | Self::Pages { run: source, .. } => source,
        }
    }

    /// Reads every file once. With `hash`, [`Loaded::digest`] is the digest of every byte;
    /// with `copy`, [`Loaded::plan`] is what [`CopyPlan::write_entries`] needs.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, is not JSON, or holds a field the rules read that is not
    /// valid (named by its path, such as `journalEntries[41].transferredToAccounting`).
    pub fn load(&self, hash: bool, copy: bool) -> Result<(Loaded, Rc<Progress>), InputError> {
        self.load_split(hash, copy, SPLIT_THRESHOLD)
    }

    /// [`load`](Self::load), with two threads for a file of at least `least` bytes.
    fn load_split(
        &self,
        hash: bool,
        copy: bool,
        least: u64,
    ) -> Result<(Loaded, Rc<Progress>), InputError> {
        let progress = Progress::new(hash);
        let mut parts = Parts {
            patches: copy.then(Vec::new),
            ..Parts::default()
        };
        let mut files = Vec::new();
        let jobs: Vec<(&Source, Kind)> = match self {
            Self::Snapshot(source) => vec![(source, Kind::Snapshot)],
            Self::Pages { run, pages } => std::iter::once((run, Kind::Run))
                .chain(pages.iter().map(|p| (p, Kind::Page)))
                .collect(),
        };
        // The progress line's total: every file, once or (read again for the copy) twice.
        for (source, kind) in &jobs {
            progress.expect(source.size(), copy && *kind != Kind::Run);
        }
        let mut pages_tail = match self {
            Self::Pages { run, pages } => PagesTail::spawn(run, pages, least, &progress, copy),
            Self::Snapshot(_) => None,
        };
        for (i, (source, kind)) in jobs.into_iter().enumerate() {
            // The second thread's pages, read: taken as they are (job 0 is the run's document).
            if let Some(helper) = pages_tail.take_if(|t| i == t.first + 1) {
                if let Some(read) = helper.join(&progress) {
                    parts.entries.extend(read.entries);
                    if let Some(patches) = &mut parts.patches {
                        patches.extend(read.patches);
                    }
                    parts.pages.extend(read.pages);
                    files.extend(read.files);
                    parts.read_in_two = true;
                    break;
                }
            }
            let before = parts.entries.len();
            let opened = source.open(&progress, copy && kind != Kind::Run)?;
            let mut walker = Walker::new(opened.reader);
            // A regular file's faults have their lines counted after the fault, in the file.
            if source.size().is_some() {
                walker = walker.without_lines();
            }
            parts.array = None;
            parts.split = Some(Split {
                source: source.clone(),
                least,
                progress: Rc::clone(&progress),
                hashed_from: progress.hashed(),
            });
            document(&mut walker, kind, &mut parts)
                .and_then(|()| walker.end().map_err(Either::Walk))
                .map_err(|e| input_error(source, &walker, e))?;
            if kind != Kind::Run {
                files.push(FileCopy {
                    source: source.clone(),
                    again: opened.again,
                    read: walker.offset(),
                    array: parts.array.take(),
                    entries: parts.entries.len() - before,
                });
            }
        }
        let digest = progress.take_digest();
        let plan = parts
            .patches
            .take()
            .map(|patches| CopyPlan { files, patches });
        let loaded = parts.loaded(self.run_source().name(), digest, plan)?;
        Ok((loaded, progress))
    }
}

/// Reads the snapshot file at `path` as `cancel --json` does (with the digest and the plan of
/// its copy), with two threads whenever it holds at least `least` bytes: the fuzz target
/// compares it, at `least` 0, with [`read_snapshot`].
///
/// # Errors
///
/// As [`Input::load`].
pub fn read_snapshot_file(path: &std::path::Path, least: u64) -> Result<Loaded, InputError> {
    let source = crate::source::Sources::default().source(path)?;
    Input::Snapshot(source)
        .load_split(true, true, least)
        .map(|(loaded, _)| loaded)
}

/// Reads a snapshot held in memory (the fuzz target's way in), with the plan of its copy.
///
/// # Errors
///
/// As [`Input::load`].
pub fn read_snapshot(bytes: &[u8]) -> Result<Loaded, InputError> {
    let source = Source::named("input");
    let mut parts = Parts {
        patches: Some(Vec::new()),
        ..Parts::default()
    };
    let mut walker = Walker::new(bytes);
    document(&mut walker, Kind::Snapshot, &mut parts)
        .and_then(|()| walker.end().map_err(Either::Walk))
        .map_err(|e| input_error(&source, &walker, e))?;
    let files = vec![FileCopy {
        source: source.clone(),
        again: Again::No,
        read: walker.offset(),
        array: parts.array.take(),
        entries: parts.entries.len(),
    }];
    let plan = parts
        .patches
        .take()
        .map(|patches| CopyPlan { files, patches });
    parts.loaded(source.name(), None, plan)
}

/// The input error for a fault found while reading `source`.
fn input_error<R: Read>(source: &Source, walker: &Walker<R>, e: Either) -> InputError {
    match e {
        Either::Walk(e) => walk_error(source, walker, e),
        Either::Value(f) => fault_at(source, walker, f.offset, f.message),
    }
}

/// Reads a history: JSON Lines, one snapshot per line, oldest first; blank lines are
/// skipped. `each` gets the line number and the snapshot.
///
/// # Errors
///
/// The first line that cannot be read, or `each`'s error.
pub fn read_history<E: From<InputError>>(
    source: &Source,
    mut each: impl FnMut(u64, Loaded) -> Result<(), E>,
) -> Result<(), E> {
    let progress = Progress::new(false);
    progress.expect(source.size(), false);
    let mut walker = Walker::new(source.open(&progress, false)?.reader);
    loop {
        match walker.peek() {
            Ok(None) => return Ok(()),
            Ok(Some(_)) => {}
            Err(e) => return Err(walk_error(source, &walker, e).into()),
        }
        // (A history's walker counts lines: it names each snapshot by its line.)
        let at = walker.line_column(walker.offset());
        let line = at.map_or(0, |(line, _)| line);
        let mut parts = Parts::default();
        document(&mut walker, Kind::Snapshot, &mut parts)
            .and_then(|()| walker.end_of_line().map_err(Either::Walk))
            .map_err(|e| input_error(source, &walker, e))?;
        // JSON Lines: a snapshot that goes on past its line is not one line of a history.
        let last = walker
            .line_column(walker.offset())
            .map_or(line, |(last, _)| last);
        if last != line {
            return Err(InputError {
                at,
                ..InputError::new(
                    source.name(),
                    format!("a history holds one snapshot per line (JSON Lines), and this one goes on to line {last}"),
                )
            }
            .into());
        }
        each(line, parts.loaded(source.name(), None, None)?)?;
    }
}

/// A fault of the copy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The input changed or cannot be read again (before anything is written).
    #[error("{0}")]
    Input(InputError),
    /// Writing the output failed.
    #[error("{0}")]
    Output(std::io::Error),
}

impl CopyPlan {
    /// Checks that every file can be read again unchanged (before anything is written).
    ///
    /// # Errors
    ///
    /// The first file that changed.
    pub fn check(&self, progress: &Rc<Progress>) -> Result<Vec<Box<dyn Read>>, InputError> {
        self.files
            .iter()
            .map(|file| file.source.reopen(&file.again, file.read, progress))
            .collect()
    }

    /// Writes the items of every file's `journalEntries`, comma-separated, as they are in the
    /// input but for each entry's `status` and `transferredToAccounting`, taken from
    /// `now(i)` where they differ from `was[i]`.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, or the output.
    pub fn write_entries(
        &self,
        readers: Vec<Box<dyn Read + '_>>,
        was: &[JournalEntry],
        now: &dyn Fn(JournalEntryNumber) -> Option<JournalEntry>,
        out: &mut dyn Write,
    ) -> Result<(), WriteError> {
        let mut patches = self.patches.iter().zip(was);
        let mut wrote_any = false;
        for (file, reader) in self.files.iter().zip(readers) {
            let (source, Some(array)) = (&file.source, &file.array) else {
                continue;
            };
            // One large buffer: the copy writes straight from it, one read per MiB.
            let mut input = Copier {
                reader: std::io::BufReader::with_capacity(1 << 20, reader),
                at: 0,
                source,
            };
            input.copy_until(array.start, &mut std::io::sink())?;
            if wrote_any && file.entries > 0 {
                out.write_all(b",").map_err(WriteError::Output)?;
            }
            for (patch, entry) in patches.by_ref().take(file.entries) {
                let Some(after) = now(entry.number) else {
                    continue;
                };
                // (offset, replaced length, key to add, value); at most two, in input order.
                let mut edits = [(u64::MAX, 0, "", ""); 2];
                if after.status != entry.status {
                    let (offset, len) = unpack(patch.status);
                    edits[0] = (offset, len, "", after.status.as_str());
                }
                if after.transferred_to_accounting != entry.transferred_to_accounting {
                    let (offset, len) = unpack(patch.transferred);
                    let key = if len == 0 {
                        ",\"transferredToAccounting\":"
                    } else {
                        ""
                    };
                    edits[1] = (offset, len, key, after.transferred_to_accounting.as_str());
                }
                edits.sort_unstable_by_key(|e| e.0);
                for (offset, len, key, value) in edits.into_iter().filter(|e| e.0 != u64::MAX) {
                    input.copy_until(offset, out)?;
                    let written: [&[u8]; 4] = [key.as_bytes(), b"\"", value.as_bytes(), b"\""];
                    for part in written {
                        out.write_all(part).map_err(WriteError::Output)?;
                    }
                    input.copy_until(offset + len as u64, &mut std::io::sink())?;
                }
            }
            input.copy_until(array.end, out)?;
            wrote_any |= file.entries > 0;
        }
        Ok(())
    }
}

/// An input read again for the copy, and how far.
struct Copier<'s, R> {
    reader: std::io::BufReader<R>,
    at: u64,
    source: &'s Source,
}

impl<R: Read> Copier<'_, R> {
    /// Copies input bytes from where it is up to offset `to` into `out`.
    fn copy_until(&mut self, to: u64, out: &mut dyn Write) -> Result<(), WriteError> {
        use std::io::BufRead;
        while self.at < to {
            let buf = self
                .reader
                .fill_buf()
                .map_err(|e| WriteError::Input(self.source.io_error(&e)))?;
            if buf.is_empty() {
                return Err(WriteError::Input(self.source.changed()));
            }
            let n = usize::try_from(to - self.at).map_or(buf.len(), |want| want.min(buf.len()));
            out.write_all(&buf[..n]).map_err(WriteError::Output)?;
            self.reader.consume(n);
            self.at += n as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::split::entry_start;
    use super::*;

    #[test]
    fn an_entry_keeps_the_members_of_the_fields_its_type_reads() {
        assert_eq!(
            crate::json::fields_of::<EntryDoc>(),
            ["number", "status", "transferredToAccounting", "success"]
        );
        assert!(crate::json::fields_of::<String>().is_empty());
    }
    use journal_run::JournalEntryStatus;

    const DOC: &str = r#"{"journalRun": {"number": "JR-00000001", "status": "Completed"}, "journalEntries": [
        {"number": "JE-00000002", "status": "Created", "transferredToAccounting": null, "x": [1, {"y": 2}]},
        {"status": "Cancelled", "number": "JE-00000001", "transferredToAccounting": "Yes"},
        { "number" : "JE-00000003", "status" : "Created" }
    ]}"#;

    #[test]
    fn entries_keep_input_order_and_null_transferred_reads_as_no() {
        let loaded = read_snapshot(DOC.as_bytes()).map_err(|e| e.to_string());
        let entries: Vec<String> = loaded
            .map(|l| {
                l.entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {} {}",
                            e.number,
                            e.status.as_str(),
                            e.transferred_to_accounting.as_str()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            entries,
            [
                "JE-00000002 Created No",
                "JE-00000001 Cancelled Yes",
                "JE-00000003 Created No"
            ]
        );
    }

    /// The copy of `doc`'s entries, each entry changed by `change`.
    fn copied(doc: &str, change: impl Fn(&mut JournalEntry)) -> String {
        let Ok(loaded) = read_snapshot(doc.as_bytes()) else {
            panic!("the document reads")
        };
        let now = |number: JournalEntryNumber| {
            let mut entry = *loaded.entries.iter().find(|e| e.number == number)?;
            change(&mut entry);
            Some(entry)
        };
        let mut out = Vec::new();
        let written = loaded.plan.as_ref().map(|plan| {
            plan.write_entries(
                vec![Box::new(doc.as_bytes())],
                &loaded.entries,
                &now,
                &mut out,
            )
            .is_ok()
        });
        assert_eq!(written, Some(true));
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn the_copy_is_the_input_with_only_changed_values_patched() {
        let out = copied(DOC, |entry| {
            entry.status = JournalEntryStatus::Cancelled;
            if entry.number.to_string() == "JE-00000003" {
                entry.transferred_to_accounting = journal_run::TransferredToAccounting::Ignore;
            }
        });
        assert_eq!(
            out,
            r#"
        {"number": "JE-00000002", "status": "Cancelled", "transferredToAccounting": null, "x": [1, {"y": 2}]},
        {"status": "Cancelled", "number": "JE-00000001", "transferredToAccounting": "Yes"},
        { "number" : "JE-00000003", "status" : "Cancelled" ,"transferredToAccounting":"Ignore"}
    "#
        );
    }

    /// A key written with escapes is the member its decoded name names, and only that one:
    /// each value is patched where it is, whichever of the keys before it were escaped.
    #[test]
    fn an_escaped_key_is_the_member_it_decodes_to() {
        const ESCAPED: &str = r#"{"journalRun": {"number": "JR-00000001", "status": "Completed"}, "journalEntries": [
            {"n\u006fte": "x", "number": "JE-00000001", "st\u0061tus": "Created", "transferredToAccounting": "No"},
            {"number": "JE-00000002", "status": "Created", "tr\u0061nsferredToAccounting": "No", "\u0073uccess": true}
        ]}"#;
        let out = copied(ESCAPED, |entry| {
            entry.status = JournalEntryStatus::Cancelled;
            entry.transferred_to_accounting = journal_run::TransferredToAccounting::Ignore;
        });
        assert_eq!(
            out,
            r#"
            {"n\u006fte": "x", "number": "JE-00000001", "st\u0061tus": "Cancelled", "transferredToAccounting": "Ignore"},
            {"number": "JE-00000002", "status": "Cancelled", "tr\u0061nsferredToAccounting": "Ignore", "\u0073uccess": true}
        "#
        );
    }

    /// A snapshot of `count` entries of about 600 bytes; with `nested`, most of each entry's
    /// bytes are objects in an array whose first key is the entries' first key, so that a guess
    /// at an entry's start in the file's middle falls inside an entry.
    fn big(count: usize, nested: bool) -> String {
        let mut text = String::from(
            r#"{"journalRun": {"number": "JR-00000075", "status": "Completed"}, "journalEntries": ["#,
        );
        for i in 1..=count {
            if i > 1 {
                text.push_str(",\n");
            }
            let transferred = if i % 7 == 0 { "Yes" } else { "No" };
            let filler = if nested {
                let items: Vec<String> = (0..2 + (i * i + 3 * i) % 23)
                    .map(|k| format!(r#"{{"number": "JE-9{k:07}", "status": "Created"}}"#))
                    .collect();
                format!(r#", "items": [{}]"#, items.join(", "))
            } else {
                format!(r#", "notes": "{}""#, "n".repeat(400))
            };
            text.push_str(&format!(
                r#"{{"number": "JE-{i:08}", "status": "Created", "transferredToAccounting": "{transferred}"{filler}}}"#
            ));
        }
        text.push_str("\n]\n}\n");
        text
    }

    /// Reads `text` from a file, with two threads when it holds at least `least` bytes.
    fn load_file(text: &str, copy: bool, least: u64) -> Result<Loaded, InputError> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("snapshot.json");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let source = crate::source::Sources::default().source(&path)?;
        Input::Snapshot(source)
            .load_split(false, copy, least)
            .map(|(loaded, _)| loaded)
    }

    /// A regular file's faults have their lines counted in the file once found, other inputs'
    /// lines as they are read: the same line and column either way, for a fault at the input's
    /// end (at its last byte, blank lines included), before it, and after 3 MB of one line.
    #[test]
    fn a_faults_line_and_column_are_the_same_counted_in_the_file_after_it() {
        let long = format!(
            "{{\"journalRun\": {{\"notes\": \"{}\",\n\n \"number\": 5}}}}",
            "x".repeat(3 << 20)
        );
        for (text, at) in [
            ("{\"er\"\n\n\n", (3, 1)),
            ("{\"journalRun\":\n{\"number\": \"JR-00000001\",\n", (2, 26)),
            ("\n\n  [1]", (3, 3)),
            (long.as_str(), (3, 12)),
        ] {
            let memory = read_snapshot(text.as_bytes()).err().map(|e| e.at);
            let file = load_file(text, false, SPLIT_THRESHOLD).err().map(|e| e.at);
            assert_eq!(memory, Some(Some(at)), "{text:.40}");
            assert_eq!(file, memory, "{text:.40}");
        }
    }

    /// Reads `text` from a file (two threads when large) and from memory (one thread): the
    /// same entries, the same places for the copy. Whether two threads read it.
    fn read_both_ways(text: &str) -> bool {
        let file = load_file(text, true, SPLIT_THRESHOLD).unwrap_or_else(|e| panic!("{e}"));
        let memory = read_snapshot(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        same_reading(&file, &memory);
        assert!(!memory.read_in_two);
        file.read_in_two
    }

    /// The same entries, in the same order, and the same places for the copy.
    fn same_reading(file: &Loaded, memory: &Loaded) {
        assert_eq!(file.entries, memory.entries);
        let places = |l: &Loaded| -> Vec<(u64, u64)> {
            l.plan
                .iter()
                .flat_map(|p| &p.patches)
                .map(|p| (p.status, p.transferred))
                .collect()
        };
        assert_eq!(places(file), places(memory));
    }

    /// One entry of a generated snapshot: its number, status, transferred value (or none),
    /// how many nested objects with the entries' first key it holds, whether its notes
    /// hold an escaped `},{"number"`, and the blanks after its commas.
    fn entry_text(
        n: u64,
        status: u8,
        transferred: Option<u8>,
        nested: usize,
        tricky: bool,
        blank: &str,
    ) -> String {
        let status = ["Created", "Cancelled"][usize::from(status % 2)];
        let mut text = format!(r#"{{"number":{blank}"JE-{n:08}",{blank}"status":"{status}""#);
        if let Some(t) = transferred {
            let t = ["No", "Yes", "Processing", "Error"][usize::from(t % 4)];
            text.push_str(&format!(r#",{blank}"transferredToAccounting":"{t}""#));
        }
        // Nested objects that read as entries, so that a guess among them reads to its `]`.
        let items: Vec<String> = (0..nested)
            .map(|k| format!(r#"{{"number":"JE-9{k:07}","status":"Created"}}"#))
            .collect();
        text.push_str(&format!(
            r#","items":[{}]"#,
            items.join(&format!(",{blank}"))
        ));
        if tricky {
            text.push_str(r#","notes":"a},{\"number\":\"JE-1\"}""#);
        }
        text.push('}');
        text
    }

    /// Two copy plans are equal when they have the same places: each entry's values, and
    /// each file's bytes read and items (the fuzz target compares one thread's with two's).
    #[test]
    fn copy_plans_are_equal_when_their_places_are() {
        let text = r#"{"journalRun": {"number": "JR-00000001", "status": "Completed"},
            "journalEntries": [{"number": "JE-00000001", "status": "Created"}]}"#;
        let plan = |text: &str| {
            read_snapshot(text.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"))
                .plan
                .unwrap_or_else(|| panic!("no plan"))
        };
        assert!(plan(text) == plan(text));
        // A value at another place; the array's end at another place, the values not.
        let moved = text.replace(r#""status": "Created""#, r#""status":  "Created""#);
        let wider = text.replace("}]}", "} ]}");
        assert!(plan(text) != plan(&moved));
        assert!(plan(text) != plan(&wider));
        assert!(plan(text).patches == plan(&wider).patches);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

        /// Two threads (every file split, however small) read what one thread reads: the
        /// same verdict, the same entries and places, or the same fault at the same line and
        /// column; whether the guess lands between entries, inside one, or in a string.
        #[test]
        fn two_threads_read_what_one_reads(
            entries in proptest::collection::vec(
                (0_u8..2, proptest::option::of(0_u8..4), 0_usize..4, proptest::bool::ANY, 0_usize..3),
                2..60,
            ),
            fault in proptest::option::of((0.5_f64..1.0, 0_usize..4)),
        ) {
            let blanks = ["", " ", "\n\t"];
            let items: Vec<String> = entries
                .iter()
                .enumerate()
                .map(|(i, &(status, transferred, nested, tricky, blank))| {
                    entry_text(i as u64 + 1, status, transferred, nested, tricky, blanks[blank])
                })
                .collect();
            let mut text = format!(
                "{{\"journalRun\": {{\"number\": \"JR-00000075\", \"status\": \"Completed\"}},\n\"journalEntries\": [{}]}}",
                items.join(",\n")
            );
            // A fault in the second half: a byte replaced by one that breaks the JSON there.
            if let Some((at, kind)) = fault {
                let at = (text.len() as f64 * at) as usize;
                let at = (at..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                let with = ["x", "\"", "}", "\u{1}"][kind];
                text.replace_range(at..=at.min(text.len() - 1), with);
            }
            let file = load_file(&text, true, 0);
            let memory = read_snapshot(text.as_bytes());
            match (file, memory) {
                (Ok(file), Ok(memory)) => same_reading(&file, &memory),
                (Err(file), Err(memory)) => {
                    proptest::prop_assert_eq!((file.at, file.message), (memory.at, memory.message));
                }
                (file, memory) => proptest::prop_assert!(
                    false,
                    "file: {:?}, memory: {:?}",
                    file.map(|l| l.entries.len()).map_err(|e| e.to_string()),
                    memory.map(|l| l.entries.len()).map_err(|e| e.to_string())
                ),
            }
        }
    }

    #[test]
    fn a_large_file_is_read_by_two_threads_exactly_as_by_one() {
        let text = big(40_000, false);
        assert!(text.len() as u64 > SPLIT_THRESHOLD);
        assert!(
            read_both_ways(&text),
            "the second thread's half was not used"
        );
    }

    #[test]
    fn entries_that_open_with_a_field_the_rules_do_not_read_are_read_by_two_threads() {
        // (The guess looks for the first entry's first key, whichever members are kept.)
        let text = big(40_000, false).replace(
            r#"{"number": "JE-"#,
            r#"{"accountingPeriodName": "Jan-2026", "number": "JE-"#,
        );
        assert!(text.len() as u64 > SPLIT_THRESHOLD);
        assert!(
            read_both_ways(&text),
            "the second thread's half was not used"
        );
    }

    #[test]
    fn a_wrong_guess_at_an_entry_start_is_dropped() {
        let text = big(30_000, true);
        assert!(text.len() as u64 > SPLIT_THRESHOLD);
        // The guess in the middle is a nested object, not an entry (entries follow ",\n").
        let mid = text.len() / 2;
        let guess = entry_start(&text.as_bytes()[mid..], br#""number""#).map(|at| mid + at);
        assert!(
            guess.is_some_and(|at| !text[..at].ends_with(",\n")),
            "{guess:?}"
        );
        assert!(!read_both_ways(&text), "a guess inside an entry was used");
    }

    #[test]
    fn an_entry_start_follows_a_comma_after_an_object_and_opens_with_the_key() {
        let key = br#""number""#;
        assert_eq!(entry_start(br#"x"}, {"number": 1"#, key), Some(5));
        assert_eq!(entry_start(b"1},\n\t{ \"number\"", key), Some(5));
        // Not after `},`, or escaped inside a string, or another key: no start.
        assert_eq!(entry_start(br#"[{"number": 1"#, key), None);
        assert_eq!(entry_start(br#""a},{\"number\": 1""#, key), None);
        assert_eq!(entry_start(br#"}, {"status": "Created""#, key), None);
        assert_eq!(entry_start(br#""number""#, key), None);
    }

    #[test]
    fn a_fault_after_the_second_threads_part_is_placed_as_by_one_thread() {
        let text = big(40_000, false);
        let end = text.len() - "\n]\n}\n".len();
        // After the array, on the line after its `]`, and on the line of its `]`.
        for (at, insert) in [
            (text.len() - 2, ", \"x\": 1"),
            (end, "\n]  , \"journalRun\": 1"),
            (end, " ] ]"),
        ] {
            let text = format!("{}{insert}{}", &text[..at], &text[at..]);
            let file = load_file(&text, false, SPLIT_THRESHOLD).err();
            let memory = read_snapshot(text.as_bytes()).err();
            let (Some(file), Some(memory)) = (file, memory) else {
                panic!("{insert:?} was accepted");
            };
            assert_eq!(
                (file.at, &file.message),
                (memory.at, &memory.message),
                "{insert:?}"
            );
            assert!(
                file.at.is_some_and(|(line, _)| line >= 40_000),
                "{:?}",
                file.at
            );
        }
    }

    #[test]
    fn the_digest_of_a_file_read_by_two_threads_is_that_of_its_bytes() {
        let text = big(40_000, false);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = |name: &str| dir.path().join(name);
        std::fs::write(path("snapshot.json"), &text).unwrap_or_else(|e| panic!("{e}"));
        // A page of entries after a run's document: the page's blocks are where the two
        // files' bytes put them.
        let run = r#"{"number": "JR-00000075", "status": "Completed", "success": true}"#;
        let page = text.replacen(
            r#""journalRun": {"number": "JR-00000075", "status": "Completed"}, "#,
            "",
            1,
        );
        std::fs::write(path("run.json"), run).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path("page.json"), &page).unwrap_or_else(|e| panic!("{e}"));
        let mut sources = crate::source::Sources::default();
        let mut source = |name: &str| {
            sources
                .source(&path(name))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let inputs = [
            (Input::Snapshot(source("snapshot.json")), text.clone()),
            (
                Input::Pages {
                    run: source("run.json"),
                    pages: vec![source("page.json")],
                },
                format!("{run}{page}"),
            ),
        ];
        for (input, bytes) in inputs {
            let (loaded, _) = input
                .load_split(true, true, SPLIT_THRESHOLD)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(loaded.read_in_two);
            assert_eq!(loaded.digest, Some(crate::digest::of(bytes.as_bytes())));
        }
    }

    /// A run's document and `count` pages of entries, written to files in `dir`; with
    /// `fault`, the page at that index holds an unknown status.
    fn paged(dir: &std::path::Path, count: usize, fault: Option<usize>) -> Input {
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            crate::source::Sources::default()
                .source(&path)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let run = write(
            "run.json",
            r#"{"number": "JR-00000075", "status": "Completed", "success": true}"#,
        );
        let pages = (0..count)
            .map(|page| {
                let entries: Vec<String> = (0..3 + page % 4)
                    .map(|k| {
                        let n = page * 10 + k + 1;
                        let status = if fault == Some(page) && k == 2 { "Creatd" } else { "Created" };
                        format!(
                            "{{\"number\": \"JE-{n:08}\",\n \"status\": \"{status}\", \"transferredToAccounting\": \"{}\"}}",
                            if n % 3 == 0 { "Yes" } else { "No" }
                        )
                    })
                    .collect();
                let next = if page + 1 < count { format!(r#""next-{page}""#) } else { "null".to_owned() };
                write(
                    &format!("page-{page:03}.json"),
                    &format!(
                        "{{\"journalEntries\": [{}],\n\"nextPage\": {next}, \"success\": true}}",
                        entries.join(",\n")
                    ),
                )
            })
            .collect();
        Input::Pages { run, pages }
    }

    #[test]
    fn pages_read_by_two_threads_are_read_as_by_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for count in [2, 3, 17] {
            let input = paged(dir.path(), count, None);
            let (two, _) = input
                .load_split(true, true, 0)
                .unwrap_or_else(|e| panic!("{e}"));
            let (one, _) = input
                .load_split(true, true, u64::MAX)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(two.read_in_two && !one.read_in_two, "{count} pages");
            same_reading(&two, &one);
            assert_eq!(two.pages, one.pages);
            let files = |l: &Loaded| -> Vec<(String, u64, Option<Range<u64>>, usize)> {
                l.plan
                    .iter()
                    .flat_map(|p| &p.files)
                    .map(|f| {
                        (
                            f.source.name().to_owned(),
                            f.read,
                            f.array.clone(),
                            f.entries,
                        )
                    })
                    .collect()
            };
            assert_eq!(files(&two), files(&one));
            let Input::Pages { run, pages } = &input else {
                unreachable!()
            };
            let mut bytes = Vec::new();
            for source in std::iter::once(run).chain(pages) {
                let path = source.path().unwrap_or_else(|| panic!("a file"));
                bytes.extend(std::fs::read(path).unwrap_or_else(|e| panic!("{e}")));
            }
            assert_eq!(two.digest, Some(crate::digest::of(&bytes)));
            assert_eq!(two.digest, one.digest);
            // At a threshold of all the files' bytes, no page is large enough to be split
            // itself: only the pages' second thread reads in two.
            let (pages_only, _) = input
                .load_split(true, true, bytes.len() as u64)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(pages_only.read_in_two, "{count} pages");
            same_reading(&pages_only, &one);
            assert_eq!(pages_only.digest, one.digest);
            // The progress line's total: every file once, and the pages again for the copy.
            let (_, progress) = input
                .load_split(false, true, 0)
                .unwrap_or_else(|e| panic!("{e}"));
            let run_size = run.size().unwrap_or_default();
            assert_eq!(progress.total(), Some(2 * bytes.len() as u64 - run_size));
        }
    }

    #[test]
    fn a_page_the_second_thread_read_that_changed_before_the_copy_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let input = paged(dir.path(), 17, None);
        let (loaded, progress) = input
            .load_split(true, true, 0)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(loaded.read_in_two);
        let Some(plan) = &loaded.plan else {
            panic!("a plan for the copy")
        };
        assert!(plan.check(&progress).is_ok());
        // The last page (the second thread's) grows by a byte after the first pass.
        let last = dir.path().join("page-016.json");
        let mut text = std::fs::read(&last).unwrap_or_else(|e| panic!("{e}"));
        text.push(b' ');
        std::fs::write(&last, text).unwrap_or_else(|e| panic!("{e}"));
        let refused = plan.check(&progress).err();
        assert!(
            refused
                .as_ref()
                .is_some_and(|e| e.file.ends_with("page-016.json")
                    && e.message.starts_with("changed while it was read")),
            "{refused:?}"
        );
    }

    #[test]
    fn a_fault_in_a_page_the_second_thread_read_is_reported_by_the_first() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for fault in [0, 9, 16] {
            let input = paged(dir.path(), 17, Some(fault));
            let two = input.load_split(false, false, 0).err();
            let one = input.load_split(false, false, u64::MAX).err();
            let (Some(two), Some(one)) = (two, one) else {
                panic!("the unknown status in page {fault} was accepted");
            };
            assert_eq!(two, one);
            assert!(
                two.file.ends_with(&format!("page-{fault:03}.json")),
                "{two}"
            );
            assert_eq!(two.at, Some((6, 12)), "{two}");
        }
    }

    #[test]
    fn a_fault_in_the_second_half_is_reported_where_it_is() {
        let text = big(40_000, false);
        let at = text.rfind("Created").unwrap_or_default();
        let text = format!("{}Creatd{}", &text[..at], &text[at + 7..]);
        let file = load_file(&text, false, SPLIT_THRESHOLD).err();
        let memory = read_snapshot(text.as_bytes()).err();
        let (Some(file), Some(memory)) = (file, memory) else {
            panic!("the misspelt status was accepted");
        };
        assert_eq!((file.at, &file.message), (memory.at, &memory.message));
        assert_eq!(file.at.map(|(line, _)| line), Some(40_000));
        assert!(
            file.message.starts_with("journalEntries[39999].status: "),
            "{}",
            file.message
        );
    }
}
