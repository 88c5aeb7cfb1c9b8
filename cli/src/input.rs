//! Reading the input in streaming passes: snapshot files, Zuora's GET responses (a run and the
//! pages of its entries), and histories (JSON Lines of snapshots).
//!
//! The interface is two calls, so the reading can be made faster without touching the
//! commands:
//!
//! - [`Input::load`], the rules pass: streams every file once and keeps, per entry, only the
//!   16-byte [`JournalEntry`] the rules need (number, status, Transferred to Accounting), plus
//!   the run's document, the caller and the request. No entry document is ever held whole;
//!   the fields the rules do not read are skipped as they stream past.
//! - [`Input::write_entries`], the output pass (`cancel --json` only): streams the files
//!   again and writes every entry document back, in input order, with only `status` and
//!   `transferredToAccounting` taken from the run; every other field (custom fields too) is
//!   written as it was read.
//!
//! Standard input (`-`) is read into memory first (see [`Sources`]), so it can be read twice.
//!
//! Each entry is converted by the library (`JournalEntry::try_from` on Zuora's entry
//! document, which holds the rule that a `null` Transferred to Accounting is `No`), from a
//! scratch document whose strings are reused from entry to entry: the rules pass allocates
//! nothing per entry beyond the growth of the entries' vector.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use journal_run::wire::{GetJournalEntryDetailType, GetJournalRunType, Nullable};
use journal_run::{
    Caller, CancellationJob, EntityId, JournalEntry, JournalEntryNumber, JournalEntryStatus,
    OrgAccess, OrgId, Permission, PermissionSet, TransferredToAccounting,
};

use crate::digest::Digest;
use crate::scan::{ScanError, Scanner};
use crate::source::{strip_position, InputError, Source};

/// What the tool reads: a snapshot file, or Zuora's GET responses for a run and its entries.
pub enum Input {
    /// `--snapshot FILE`: `{"journalRun": ..., "journalEntries": [...], "caller": ..., "request": ...}`.
    Snapshot(Source),
    /// `--run FILE --entries FILE...`: the GET journal run response and the pages of the GET
    /// journal entries of the run, in order.
    Pages {
        /// The run's document.
        run: Source,
        /// The pages of its entries.
        pages: Vec<Source>,
    },
}

/// The request a snapshot describes: `{"jrNumber": "JR-...", "headers": {"Name": "value"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The `{jr-number}` path parameter, as raw text.
    pub jr_number: Option<String>,
    /// The request headers, in the order given.
    pub headers: Vec<(String, String)>,
}

/// The page-level fields of one page of entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// `nextPage`: the next page's URL; absent on the last page.
    pub next_page: Option<String>,
    /// `success`.
    pub success: Option<bool>,
}

/// What the rules pass read.
pub struct Loaded {
    /// The run's document.
    pub run: GetJournalRunType,
    /// Every entry, in input order (a core entry each: 16 bytes).
    pub entries: Vec<JournalEntry>,
    /// The snapshot's `caller`, if given.
    pub caller: Option<Caller>,
    /// The snapshot's `request` (empty when not given).
    pub request: Request,
    /// The snapshot's `cancellationJob` (this crate's extension, for `CancelInprogress` runs).
    pub cancellation_job: Option<CancellationJob>,
    /// The pages' own fields (`--entries` input only; empty for a snapshot).
    pub pages: Vec<PageInfo>,
    /// The hash of every byte read.
    pub digest: Digest,
}

impl Input {
    /// The source holding the run's document.
    pub fn run_source(&self) -> &Source {
        match self {
            Self::Snapshot(source) | Self::Pages { run: source, .. } => source,
        }
    }

    /// The sources holding entries, in order.
    pub fn entry_sources(&self) -> &[Source] {
        match self {
            Self::Snapshot(source) => std::slice::from_ref(source),
            Self::Pages { pages, .. } => pages,
        }
    }

    /// The rules pass: reads every file once, keeping what the rules need.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, is not JSON, or has a field the rules read that is not
    /// valid (named by its path, such as `journalEntries[41].transferredToAccounting`).
    pub fn load(&self) -> Result<Loaded, InputError> {
        self.load_hashing(true)
    }

    /// The rules pass without hashing the input (`Loaded::digest` is then the empty digest):
    /// for commands that derive no ids from the input, such as `audit`.
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load).
    pub fn load_unhashed(&self) -> Result<Loaded, InputError> {
        self.load_hashing(false)
    }

    fn load_hashing(&self, hash: bool) -> Result<Loaded, InputError> {
        let mut digest = Digest::default();
        let mut parts = Parts::default();
        match self {
            Self::Snapshot(source) => {
                digest.field("snapshot");
                read_document(
                    source,
                    hash.then_some(&mut digest),
                    Kind::Snapshot,
                    &mut parts,
                )?;
            }
            Self::Pages { run, pages } => {
                digest.field("pages");
                read_document(run, hash.then_some(&mut digest), Kind::Run, &mut parts)?;
                for page in pages {
                    digest.field("page");
                    read_document(page, hash.then_some(&mut digest), Kind::Page, &mut parts)?;
                }
            }
        }
        let run = parts
            .run
            .ok_or_else(|| InputError::new(self.run_source().name(), "journalRun is missing"))?;
        Ok(Loaded {
            run,
            entries: parts.entries,
            caller: parts.caller,
            request: parts.request.unwrap_or_default(),
            cancellation_job: parts.job,
            pages: parts.pages,
            digest,
        })
    }

    /// The output pass: writes every entry document of the input, in input order, as a JSON
    /// array's items (comma-separated, without the brackets), each with `status` and
    /// `transferredToAccounting` taken from `entry_now(number)`.
    ///
    /// # Errors
    ///
    /// [`WriteError::Input`] when a file cannot be read again or has changed since the rules
    /// pass; [`WriteError::Output`] when `out` fails.
    pub fn write_entries(
        &self,
        expected: usize,
        entry_now: &dyn Fn(JournalEntryNumber) -> Option<JournalEntry>,
        out: &mut dyn std::io::Write,
    ) -> Result<(), WriteError> {
        let mut writer = crate::rewrite::EntryWriter::new(out, entry_now);
        for source in self.entry_sources() {
            let reader = source.open(None).map_err(WriteError::Input)?;
            let mut scanner = Scanner::new(reader);
            let walked = scanner
                .object("a JSON object", |scanner, key, _| {
                    if key != "journalEntries" {
                        return scanner.value().map(|_| ());
                    }
                    scanner.array("journalEntries", |scanner, _| {
                        // One walk finds the entry's end and its fields.
                        let range = scanner.walk_in_place(|window| writer.scan(window))?;
                        writer
                            .entry(scanner.bytes(range))
                            .map_err(|()| ScanError::Stopped)
                    })
                })
                .and_then(|()| scanner.end());
            if let Some(error) = writer.take_output_error() {
                return Err(WriteError::Output(error));
            }
            walked.map_err(|e| WriteError::Input(input_error(source, &mut scanner, e)))?;
        }
        if writer.written() != expected {
            let file = self.entry_sources().first().map_or("", Source::name);
            return Err(WriteError::Input(InputError::new(
                file,
                format!(
                    "changed while it was read: {} journal entries the first time, {} the second",
                    expected,
                    writer.written()
                ),
            )));
        }
        Ok(())
    }
}

/// Reads a history: JSON Lines, one snapshot per line, oldest first. Blank lines are
/// skipped. `each` gets the line number and the snapshot; it may stop the reading with an
/// error of its own.
///
/// # Errors
///
/// The first line that cannot be read, or `each`'s error.
pub fn read_history<E: From<InputError>>(
    source: &Source,
    mut each: impl FnMut(usize, Loaded) -> Result<(), E>,
) -> Result<(), E> {
    let mut scanner = Scanner::new(source.open(None)?);
    loop {
        match scanner.skip_whitespace() {
            Ok(None) => return Ok(()),
            Ok(Some(_)) => {}
            Err(e) => return Err(source.io_error(&e).into()),
        }
        let offset = scanner.offset();
        let (line, _) = scanner.line_column(offset);
        let mut parts = Parts::default();
        let read =
            read_object(&mut scanner, Kind::Snapshot, &mut parts).and_then(|()| {
                match scanner.skip_blanks()? {
                    None | Some(b'\n') => Ok(()),
                    Some(_) => Err(scanner.fault(
                        scanner.offset(),
                        "expected the end of the line: a history holds one snapshot per line",
                    )),
                }
            });
        read.map_err(|e| input_error(source, &mut scanner, e))?;
        let Some(run) = parts.run else {
            return Err(InputError {
                file: source.name().to_owned(),
                at: Some((line, 1)),
                message: "journalRun is missing".to_owned(),
            }
            .into());
        };
        each(
            line,
            Loaded {
                run,
                entries: parts.entries,
                caller: parts.caller,
                request: parts.request.unwrap_or_default(),
                cancellation_job: parts.job,
                pages: Vec::new(),
                digest: Digest::default(),
            },
        )?;
    }
}

/// A fault of the output pass.
#[derive(Debug)]
pub enum WriteError {
    /// The input could not be read again, or changed.
    Input(InputError),
    /// Writing the output failed.
    Output(std::io::Error),
}

/// The input error for a scanner's error, with the line and column of its place.
fn input_error<R: Read>(source: &Source, scanner: &mut Scanner<R>, error: ScanError) -> InputError {
    match error {
        ScanError::Io(e) => source.io_error(&e),
        ScanError::Empty => {
            InputError::new(source.name(), "the input is empty; expected a JSON object")
        }
        ScanError::Stopped => InputError::new(source.name(), "the reading was stopped"),
        ScanError::Fault(fault) => InputError {
            file: source.name().to_owned(),
            at: Some(scanner.line_column(fault.offset)),
            message: fault.message,
        },
    }
}

/// Reads one document of `kind` from `source`, feeding `digest` when given, into `parts`.
fn read_document(
    source: &Source,
    digest: Option<&mut Digest>,
    kind: Kind,
    parts: &mut Parts,
) -> Result<(), InputError> {
    let mut scanner = Scanner::new(source.open(digest)?);
    let read = match kind {
        Kind::Run => scanner
            .value()
            .and_then(|(range, offset)| {
                let bytes = scanner.bytes(range);
                parse_value::<GetJournalRunType>(bytes, offset, "").map_err(|(offset, message)| {
                    let hint = if message.starts_with("missing field")
                        || message.starts_with("invalid type")
                    {
                        " (--run expects Zuora's GET journal run response)"
                    } else {
                        ""
                    };
                    scanner.fault(offset, format!("{message}{hint}"))
                })
            })
            .map(|run| parts.run = Some(run)),
        Kind::Snapshot | Kind::Page => read_object(&mut scanner, kind, parts),
    };
    let read = read.and_then(|()| scanner.end());
    read.map_err(|e| input_error(source, &mut scanner, e))
}

/// Parses `bytes` (a value at input offset `offset`) as a `T`, naming the field at fault with
/// its path under `at` (`caller.permissions[2]: ...`); on error, the fault's input offset and
/// message.
fn parse_value<'b, T: Deserialize<'b>>(
    bytes: &'b [u8],
    offset: u64,
    at: &str,
) -> Result<T, (u64, String)> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let place = offset + offset_in(bytes, &inner);
        let message = inner.to_string();
        let message = strip_position(&message);
        // Some messages already start with the field's name: say it once.
        let last = path.rsplit(['.', '[']).next().unwrap_or_default();
        let message = message
            .strip_prefix(last)
            .and_then(|rest| rest.strip_prefix(": "))
            .unwrap_or(message);
        let field = match (at, path.as_str()) {
            ("", ".") => String::new(),
            ("", path) => format!("{path}: "),
            (at, ".") => format!("{at}: "),
            (at, path) => format!("{at}.{path}: "),
        };
        (place, format!("{field}{message}"))
    })?;
    de.end().map_err(|e| {
        (
            offset + offset_in(bytes, &e),
            strip_position(&e.to_string()).to_owned(),
        )
    })?;
    Ok(value)
}

/// The offset within `bytes` of the line and column serde reports for `error` (0 when it
/// reports none).
fn offset_in(bytes: &[u8], error: &serde_json::Error) -> u64 {
    let (line, column) = (error.line(), error.column());
    if line == 0 {
        return 0;
    }
    let line_start = if line == 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', bytes)
            .nth(line - 2)
            .map_or(bytes.len(), |i| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(bytes.len().saturating_sub(1)) as u64
}

/// Which document is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A snapshot: `journalRun`, `journalEntries`, `caller`, `request`, `cancellationJob`.
    Snapshot,
    /// Zuora's GET journal run response.
    Run,
    /// A page of entries: `journalEntries`, `nextPage`, `success`.
    Page,
}

/// What the rules pass gathers across the files of one input.
#[derive(Default)]
struct Parts {
    run: Option<GetJournalRunType>,
    entries: Vec<JournalEntry>,
    caller: Option<Caller>,
    request: Option<Request>,
    job: Option<CancellationJob>,
    pages: Vec<PageInfo>,
    scratch: Scratch,
}

/// The snapshot's top-level fields.
const SNAPSHOT_FIELDS: &str = "journalRun, journalEntries, caller, request, cancellationJob";

/// The name this tool reads a top-level key as (`run` is the crate's `RunSnapshot` spelling).
fn known_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "journalRun" | "run" => "journalRun",
        "journalEntries" => "journalEntries",
        "caller" => "caller",
        "request" => "request",
        "cancellationJob" => "cancellationJob",
        "nextPage" => "nextPage",
        "success" => "success",
        _ => return None,
    })
}

/// Reads the top-level object of a snapshot or a page into `parts`.
fn read_object<R: Read>(
    scanner: &mut Scanner<R>,
    kind: Kind,
    parts: &mut Parts,
) -> Result<(), ScanError> {
    let expecting = match kind {
        Kind::Snapshot | Kind::Run => "a journal run snapshot (a JSON object)",
        Kind::Page => "a page of journal entries (a JSON object)",
    };
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let mut page = PageInfo::default();
    let Parts {
        run,
        entries,
        caller,
        request,
        job,
        pages,
        scratch,
    } = parts;
    let unknown = |key: &str| format!("unknown field `{key}`; a snapshot has {SNAPSHOT_FIELDS}");
    scanner.object(expecting, |scanner, key, key_offset| {
        let Some(name) = known_key(key) else {
            if kind == Kind::Snapshot {
                return Err(scanner.fault(key_offset, unknown(key)));
            }
            return scanner.value().map(|_| ());
        };
        if !seen.insert(name) {
            return Err(scanner.fault(key_offset, format!("field `{name}` is given twice")));
        }
        if name == "journalEntries" {
            return scanner.array("journalEntries", |scanner, index| {
                // Each entry is parsed where it lies in the window, in one pass.
                let (entry, range, offset) = scanner.parse_in_place(
                    |bytes| {
                        let mut de = serde_json::Deserializer::from_slice(bytes);
                        let entry = EntrySeed {
                            index,
                            scratch: &mut *scratch,
                        }
                        .deserialize(&mut de)?;
                        let used = de.into_iter::<IgnoredAny>().byte_offset();
                        Ok((entry, used))
                    },
                    |bytes, error| {
                        // A fault in the last bytes of the window may only be the window's
                        // end: read on and parse again.
                        error.is_eof()
                            || offset_in(bytes, error).saturating_add(64) >= bytes.len() as u64
                    },
                )?;
                let bytes = scanner.bytes(range);
                match entry {
                    Ok(entry) => {
                        entries.push(entry);
                        Ok(())
                    }
                    Err(e) => {
                        let place = offset + offset_in(bytes, &e);
                        let message = strip_position(&e.to_string()).to_owned();
                        Err(scanner.fault(place, message))
                    }
                }
            });
        }
        let (range, offset) = scanner.value()?;
        let bytes = scanner.bytes(range);
        let parsed: Result<(), (u64, String)> = match (kind, name) {
            (Kind::Snapshot, "journalRun") => {
                parse_value(bytes, offset, "journalRun").map(|doc| *run = Some(doc))
            }
            (Kind::Snapshot, "caller") => parse_value::<CallerDoc>(bytes, offset, "caller")
                .and_then(|doc| {
                    doc.into_caller()
                        .map(|c| *caller = Some(c))
                        .map_err(|message| (offset, message))
                }),
            (Kind::Snapshot, "request") => {
                parse_value::<RequestDoc>(bytes, offset, "request").map(|doc| {
                    *request = Some(Request {
                        jr_number: doc.jr_number,
                        headers: doc.headers.0,
                    });
                })
            }
            (Kind::Snapshot, "cancellationJob") => {
                parse_value(bytes, offset, "cancellationJob").map(|doc| *job = Some(doc))
            }
            (Kind::Page, "nextPage") => {
                parse_value(bytes, offset, "nextPage").map(|doc| page.next_page = doc)
            }
            (Kind::Page, "success") => {
                parse_value(bytes, offset, "success").map(|doc| page.success = doc)
            }
            (Kind::Snapshot | Kind::Run, other) => Err((key_offset, unknown(other))),
            (Kind::Page, _) => Ok(()),
        };
        parsed.map_err(|(offset, message)| scanner.fault(offset, message))
    })?;
    match kind {
        Kind::Snapshot | Kind::Run => {
            let end = scanner.offset().saturating_sub(1);
            if run.is_none() {
                return Err(scanner.fault(
                    end,
                    "journalRun is missing (for Zuora's GET responses, use --run FILE --entries FILE)",
                ));
            }
            if !seen.contains("journalEntries") {
                return Err(scanner.fault(end, "journalEntries is missing"));
            }
        }
        Kind::Page => pages.push(page),
    }
    Ok(())
}

/// The snapshot's `caller`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CallerDoc {
    permissions: Vec<String>,
    /// The Platform permissions; absent: those of an API user, when `permissions` names no
    /// Platform permission (docs/DECISIONS.md, D-21).
    #[serde(default)]
    platform_permissions: Option<Vec<String>>,
    #[serde(default)]
    accessible_org_ids: Option<Vec<String>>,
    #[serde(default)]
    entity_ids: Vec<String>,
}

impl CallerDoc {
    /// The caller, each name and id checked by the library.
    fn into_caller(self) -> Result<Caller, String> {
        let parse = |field: &str, names: &[String]| -> Result<PermissionSet, String> {
            let mut set = PermissionSet::EMPTY;
            for (i, name) in names.iter().enumerate() {
                let permission: Permission = name
                    .parse()
                    .map_err(|e| format!("caller.{field}[{i}]: {e}"))?;
                set = set.with(permission);
            }
            Ok(set)
        };
        let finance = parse("permissions", &self.permissions)?;
        let permissions = match &self.platform_permissions {
            Some(names) => finance.union(parse("platformPermissions", names)?),
            None => finance.with_platform_defaults(),
        };
        let orgs = match self.accessible_org_ids {
            None => OrgAccess::All,
            Some(ids) => OrgAccess::Only(
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| {
                        OrgId::parse(id).map_err(|e| format!("caller.accessibleOrgIds[{i}]: {e}"))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        let entities = self
            .entity_ids
            .iter()
            .enumerate()
            .map(|(i, id)| EntityId::parse(id).map_err(|e| format!("caller.entityIds[{i}]: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(Caller {
            permissions,
            orgs,
            entities,
        })
    }
}

/// The snapshot's `request`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestDoc {
    #[serde(default)]
    jr_number: Option<String>,
    #[serde(default)]
    headers: Headers,
}

/// Request headers: a JSON object of strings, kept in order.
#[derive(Default)]
struct Headers(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeadersVisitor;
        impl<'de> Visitor<'de> for HeadersVisitor {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of header names and string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
                let mut headers = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    headers.push((name, value));
                }
                Ok(Headers(headers))
            }
        }
        deserializer.deserialize_map(HeadersVisitor)
    }
}

/// The scratch entry document the rules pass fills for each entry, reusing its strings.
#[derive(Default)]
struct Scratch {
    doc: GetJournalEntryDetailType,
    transferred: String,
}

/// One entry document: reads `number`, `status`, `transferredToAccounting` and `success`,
/// skips every other field.
struct EntrySeed<'s> {
    index: usize,
    scratch: &'s mut Scratch,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_> {
    type Value = JournalEntry;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<JournalEntry, D::Error> {
        deserializer.deserialize_map(self)
    }
}

/// A field of an entry document the rules read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryField {
    Number,
    Status,
    Transferred,
    Success,
    Other,
}

impl EntryField {
    const fn name(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Status => "status",
            Self::Transferred => "transferredToAccounting",
            Self::Success => "success",
            Self::Other => "",
        }
    }
}

struct EntryKeySeed;

impl<'de> DeserializeSeed<'de> for EntryKeySeed {
    type Value = EntryField;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<EntryField, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for EntryKeySeed {
    type Value = EntryField;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<EntryField, E> {
        Ok(match v {
            "number" => EntryField::Number,
            "status" => EntryField::Status,
            "transferredToAccounting" => EntryField::Transferred,
            "success" => EntryField::Success,
            _ => EntryField::Other,
        })
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_> {
    type Value = JournalEntry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "journalEntries[{}] to be a journal entry object",
            self.index
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JournalEntry, A::Error> {
        let Self { index, scratch } = self;
        let at = |field: EntryField| Place { index, field };
        let mut seen = [false; 4];
        let mut transferred = Nullable::Absent;
        scratch.doc.success = None;
        while let Some(field) = map.next_key_seed(EntryKeySeed)? {
            let slot = match field {
                EntryField::Number => 0,
                EntryField::Status => 1,
                EntryField::Transferred => 2,
                EntryField::Success => 3,
                EntryField::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(de::Error::custom(format_args!(
                    "{}: the field is given twice",
                    at(field)
                )));
            }
            // Each field is checked as soon as it is read, so a fault's line and column are
            // those of the field; the library's conversion below has the last word.
            match field {
                EntryField::Number => {
                    map.next_value_seed(Text {
                        buf: &mut scratch.doc.number,
                        nullable: false,
                        place: at(field),
                    })?;
                    JournalEntryNumber::parse(&scratch.doc.number)
                        .map_err(|e| de::Error::custom(format_args!("{}: {e}", at(field))))?;
                }
                EntryField::Status => {
                    map.next_value_seed(Text {
                        buf: &mut scratch.doc.status,
                        nullable: false,
                        place: at(field),
                    })?;
                    scratch
                        .doc
                        .status
                        .parse::<JournalEntryStatus>()
                        .map_err(|e| de::Error::custom(format_args!("{}: {e}", at(field))))?;
                }
                EntryField::Transferred => {
                    let read = map.next_value_seed(Text {
                        buf: &mut scratch.transferred,
                        nullable: true,
                        place: at(field),
                    })?;
                    transferred = if read {
                        scratch
                            .transferred
                            .parse::<TransferredToAccounting>()
                            .map_err(|e| de::Error::custom(format_args!("{}: {e}", at(field))))?;
                        Nullable::Value(())
                    } else {
                        Nullable::Null
                    };
                }
                EntryField::Success => {
                    scratch.doc.success = map.next_value_seed(Flag { place: at(field) })?;
                }
                EntryField::Other => {}
            }
        }
        for (slot, field) in [(0, EntryField::Number), (1, EntryField::Status)] {
            if !seen[slot] {
                return Err(de::Error::custom(format_args!("{} is missing", at(field))));
            }
        }
        scratch.doc.transferred_to_accounting = match transferred {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(()) => Nullable::Value(std::mem::take(&mut scratch.transferred)),
        };
        let entry = JournalEntry::try_from(&scratch.doc);
        if let Nullable::Value(text) = std::mem::take(&mut scratch.doc.transferred_to_accounting) {
            scratch.transferred = text;
        }
        entry.map_err(|e| de::Error::custom(format_args!("journalEntries[{index}].{e}")))
    }
}

/// Where a field is: `journalEntries[i].field`.
#[derive(Clone, Copy)]
struct Place {
    index: usize,
    field: EntryField,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "journalEntries[{}].{}", self.index, self.field.name())
    }
}

/// A string field read into a reused buffer; `true` when a string was read, `false` for a
/// `null` (allowed only when `nullable`).
struct Text<'b> {
    buf: &'b mut String,
    nullable: bool,
    place: Place,
}

impl<'de> DeserializeSeed<'de> for Text<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// The error for a value of the wrong kind at `place`.
fn wrong<E: de::Error>(place: Place, expected: &str, found: fmt::Arguments<'_>) -> E {
    E::custom(format_args!("{place}: expected {expected}, found {found}"))
}

impl<'de> Visitor<'de> for Text<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to be a string", self.place)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        self.buf.clear();
        self.buf.push_str(v);
        Ok(true)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        if self.nullable {
            Ok(false)
        } else {
            Err(wrong(self.place, "a string", format_args!("null")))
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Err(wrong(self.place, "a string", format_args!("boolean {v}")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        Err(wrong(self.place, "a string", format_args!("number {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        Err(wrong(self.place, "a string", format_args!("number {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        Err(wrong(self.place, "a string", format_args!("number {v}")))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(wrong(self.place, "a string", format_args!("an array")))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(wrong(self.place, "a string", format_args!("an object")))
    }
}

/// A boolean field that may be `null` (read as absent).
struct Flag {
    place: Place,
}

impl<'de> DeserializeSeed<'de> for Flag {
    type Value = Option<bool>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<bool>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Flag {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to be a boolean", self.place)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<bool>, E> {
        Ok(Some(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<bool>, E> {
        Err(wrong(self.place, "a boolean", format_args!("string {v:?}")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<bool>, E> {
        Err(wrong(self.place, "a boolean", format_args!("number {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<bool>, E> {
        Err(wrong(self.place, "a boolean", format_args!("number {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<bool>, E> {
        Err(wrong(self.place, "a boolean", format_args!("number {v}")))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Option<bool>, A::Error> {
        Err(wrong(self.place, "a boolean", format_args!("an array")))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Option<bool>, A::Error> {
        Err(wrong(self.place, "a boolean", format_args!("an object")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Loaded, InputError> {
        Input::Snapshot(Source::memory("s.json", text.as_bytes().to_vec())).load()
    }

    const RUN: &str = r#""journalRun": {"number": "JR-00000001", "status": "Completed"}"#;

    #[test]
    fn entries_keep_input_order_and_null_transferred_reads_as_no() {
        let loaded = load(&format!(
            r#"{{{RUN}, "journalEntries": [
                {{"number": "JE-00000002", "status": "Created", "transferredToAccounting": null, "x": [1, {{"y": 2}}]}},
                {{"status": "Cancelled", "number": "JE-00000001", "transferredToAccounting": "Yes"}},
                {{"number": "JE-00000003", "status": "Created"}}
            ]}}"#
        ))
        .map_err(|e| e.to_string());
        let entries: Vec<(String, &str, &str)> = loaded
            .as_ref()
            .map(|l| {
                l.entries
                    .iter()
                    .map(|e| {
                        (
                            e.number.to_string(),
                            e.status.as_str(),
                            e.transferred_to_accounting.as_str(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            entries,
            vec![
                ("JE-00000002".to_owned(), "Created", "No"),
                ("JE-00000001".to_owned(), "Cancelled", "Yes"),
                ("JE-00000003".to_owned(), "Created", "No"),
            ]
        );
    }

    #[test]
    fn a_bad_field_is_named_with_its_line_and_column() {
        let error = load(&format!(
            "{{{RUN},\n\"journalEntries\": [\n{{\"number\": \"JE-00000001\", \"status\": \"Done\"}}]}}"
        ))
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "s.json: line 3, column 43: journalEntries[0].status: unknown journal entry status `Done`; expected one of `Created`, `Cancelled`"
            )
        );
    }
}
