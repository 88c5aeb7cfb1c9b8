//! `journal-run cancel`: what cancelling a run would do.
//!
//! The request goes through the wire layer's cancel handler (response status, headers and
//! body), and an accepted request's job runs to its end with `JournalRun::finish_job`. The
//! request and process ids are derived from a hash of the input and the arguments, so the
//! same input always gives the same output.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};

use journal_run::wire::{CancelHandler, CommonResponse, AUTHORIZATION};
use journal_run::{clip, AttemptOutcome, Caller, Event, JournalEntryNumber, JournalRun, Rejection};

use crate::behind::WriteBehind;
use crate::digest::{digest, process_id, request_id};
use crate::input::{Input, Loaded, WriteError};
use crate::render::plural;
use crate::render::{add_row, clean, paint, table, Tone};
use crate::Failure;

/// The `Authorization` header sent when neither the snapshot nor `--header` gives one: the
/// caller (the snapshot's, or the assumed one) stands for the token's owner.
pub const ASSUMED_AUTHORIZATION: &str = "Bearer journal-run-simulation";

/// How many failed entries the human output lists without `--steps`.
const FAILED_SHOWN: usize = 20;

/// The arguments of `cancel`.
pub struct Cancel {
    /// The `{jr-number}` path parameter, raw.
    pub jr_number: Option<String>,
    /// The input.
    pub input: Input,
    /// `--header` values, in order.
    pub headers: Vec<(String, String)>,
    /// `--json`.
    pub json: bool,
    /// `--steps`.
    pub steps: bool,
}

/// The request as sent: path parameter and headers, and what was assumed.
struct Request {
    jr_number: String,
    headers: Vec<(String, String)>,
    assumed_authorization: bool,
}

/// A header name as names are compared: without the spaces and tabs around it, ASCII case
/// folded, as the library's request handler finds a header. The one place the tool says it.
fn header_key(name: &str) -> String {
    name.trim_matches([' ', '\t']).to_ascii_lowercase()
}

/// Whether `name` is the `Authorization` header's.
fn is_authorization(name: &str) -> bool {
    header_key(name) == AUTHORIZATION.to_ascii_lowercase()
}

/// An `Authorization` value as the tool shows it: its scheme when it is one of HTTP's common
/// ones (a token in the place of the scheme is not shown either), never its credentials.
fn hidden_credentials(value: &str) -> String {
    const SCHEMES: [&str; 3] = ["Bearer", "Basic", "Digest"];
    let first = value
        .trim_start_matches([' ', '\t'])
        .split([' ', '\t'])
        .next();
    match SCHEMES
        .iter()
        .find(|scheme| first.is_some_and(|f| f.eq_ignore_ascii_case(scheme)))
    {
        Some(scheme) => format!("{scheme} … (not shown)"),
        None => "… (not shown)".to_owned(),
    }
}

/// The snapshot's headers without those `given` names, then the `given` ones. O((n + m) log m)
/// for n headers in the snapshot and m given.
fn merged_headers(
    snapshot: &[(String, String)],
    given: &[(String, String)],
) -> Vec<(String, String)> {
    let replaced: BTreeSet<String> = given.iter().map(|(name, _)| header_key(name)).collect();
    snapshot
        .iter()
        .filter(|(name, _)| !replaced.contains(&header_key(name)))
        .chain(given)
        .cloned()
        .collect()
}

/// The snapshot's headers, with each header `--header` names replaced by the `--header`
/// values, and an `Authorization` header when none is given.
fn request(cancel: &Cancel, loaded: &Loaded) -> Request {
    let mut headers = merged_headers(&loaded.request.headers, &cancel.headers);
    let assumed_authorization = !headers.iter().any(|(name, _)| is_authorization(name));
    if assumed_authorization {
        headers.push((AUTHORIZATION.to_owned(), ASSUMED_AUTHORIZATION.to_owned()));
    }
    let jr_number = cancel
        .jr_number
        .clone()
        .or_else(|| loaded.request.jr_number.clone())
        .unwrap_or_else(|| loaded.run.number.clone());
    Request {
        jr_number,
        headers,
        assumed_authorization,
    }
}

/// The job's attempts, in its order, read from its events (not kept apart: a million of them).
fn outcomes(events: &[Logged]) -> impl Iterator<Item = Outcome> + '_ {
    events.iter().filter_map(|event| match event {
        Logged::Attempt(outcome) => Some(*outcome),
        Logged::Other(_) => None,
    })
}

/// An event as `cancel` keeps it: an attempt (a million of them) in 16 bytes, another whole.
enum Logged {
    Attempt(Outcome),
    Other(Box<Event>),
}

const _: () = assert!(std::mem::size_of::<Logged>() <= 16);

impl Logged {
    fn of(event: &Event) -> Self {
        match event {
            Event::EntryAttempted { entry, outcome } => Self::Attempt(Outcome {
                number: *entry,
                outcome: *outcome,
            }),
            other => Self::Other(Box::new(other.clone())),
        }
    }

    fn event(&self) -> Event {
        match self {
            Self::Attempt(o) => Event::EntryAttempted {
                entry: o.number,
                outcome: o.outcome,
            },
            Self::Other(event) => (**event).clone(),
        }
    }
}

/// What one entry's attempt did, as `outcomes` reports it.
#[derive(Clone, Copy)]
struct Outcome {
    number: JournalEntryNumber,
    outcome: AttemptOutcome,
}

impl Outcome {
    fn result(&self) -> &'static str {
        match self.outcome {
            AttemptOutcome::Cancelled => "cancelled",
            AttemptOutcome::AlreadyCancelled => "alreadyCancelled",
            AttemptOutcome::Failed { .. } => "failed",
        }
    }

    /// Why a failed attempt failed, in the library's words.
    fn reason(&self) -> Option<String> {
        match self.outcome {
            AttemptOutcome::Failed {
                transferred_to_accounting,
            } => Some(
                Rejection::EntryTransferred {
                    entry: self.number,
                    transferred_to_accounting,
                }
                .to_string(),
            ),
            AttemptOutcome::Cancelled | AttemptOutcome::AlreadyCancelled => None,
        }
    }
}

/// The response as `--json` writes it.
struct ResponseJson<'r> {
    status: u16,
    headers: &'r [(&'static str, String)],
    body: &'r CommonResponse,
}

impl Serialize for ResponseJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Headers<'h>(&'h [(&'static str, String)]);
        impl Serialize for Headers<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
            }
        }
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("httpStatus", &self.status)?;
        map.serialize_entry("headers", &Headers(self.headers))?;
        map.serialize_entry("body", self.body)?;
        map.end()
    }
}

/// Runs `cancel`: 0 when the request is accepted, 1 when the rules reject it.
///
/// # Errors
///
/// Unusable input (exit 2), or output that cannot be written.
pub fn run(cancel: &Cancel) -> Result<u8, Failure> {
    let (loaded, progress) = cancel.input.load(true, cancel.json)?;
    let mut run = crate::build::checked_run(&cancel.input, &loaded)?;
    let before = Summary::of(&run);
    let caller = loaded.caller.clone().unwrap_or_else(Caller::superuser);
    let request = request(cancel, &loaded);

    let kind = match cancel.input {
        Input::Snapshot(_) => "snapshot",
        Input::Pages { .. } => "pages",
    };
    let mut fields = vec![kind, "cancel", request.jr_number.as_str()];
    for (name, value) in &request.headers {
        fields.extend([name.as_str(), value.as_str()]);
    }
    let digest = digest(loaded.digest, &fields);
    let request_id = request_id(digest).map_err(|e| Failure::Internal(e.to_string()))?;
    let process_id = process_id(digest).map_err(|e| Failure::Internal(e.to_string()))?;

    let handled = CancelHandler::default().handle(
        &request.jr_number,
        &request.headers,
        &caller,
        &run,
        &request_id,
        &process_id,
    );
    let mut events = Vec::new();
    if let Ok(event) = &handled.decision {
        // The request's event, one attempt per entry, and the settlement: held from the start,
        // not grown by copies.
        events.reserve(run.entries().len() + 2);
        run.apply(event)
            .map_err(|e| Failure::Internal(e.to_string()))?;
        events.push(Logged::of(event));
        run.finish_job(|event| events.push(Logged::of(event)))
            .map_err(|e| Failure::Internal(e.to_string()))?;
    }
    let accepted = handled.decision.is_ok();
    let code = u8::from(!accepted);
    let response = ResponseJson {
        status: handled.response.status,
        headers: &handled.response.headers,
        body: &handled.response.body,
    };

    // The second pass's files are checked before anything is written (a plan is made only
    // for `--json`, whose copy it is).
    let readers = match &loaded.plan {
        Some(plan) => match plan.check(&progress) {
            Ok(readers) => readers,
            Err(e) => return Err(taken_back(Failure::Input(e), false, None)),
        },
        None => Vec::new(),
    };
    let (stdout, take_back) = crate::behind::stdout();
    let mut out = WriteBehind::new(stdout).map_err(Failure::Output)?;
    let written = if cancel.json {
        write_json(&loaded, readers, &run, &response, &events, &mut out)
    } else {
        let outcomes: Vec<Outcome> = outcomes(&events).collect();
        let text = human(
            cancel, &loaded, &before, &run, &caller, &request, &response, &outcomes,
        );
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(Failure::Output)
    };
    // The failure, and whether any output was handed over to be written before it.
    let failed = match written {
        Ok(()) => out.finish().err().map(|e| (Failure::Output(e), true)),
        Err(e) => Some((e, out.abandon())),
    };
    match failed {
        None => Ok(code),
        Some((Failure::Output(e), _)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(code),
        Some((e, handed)) => Err(taken_back(e, handed, Some(take_back))),
    }
}

/// A failure of `cancel` once its input is read (a file that changed before or during the
/// copy, an output that could not be written): the output, if any was handed over, is taken
/// back where it can be, and the input's fault says what became of it (docs/DECISIONS.md,
/// D-34).
fn taken_back(
    mut failure: Failure,
    handed: bool,
    take_back: Option<crate::behind::TakeBack>,
) -> Failure {
    let note = if !handed {
        "; nothing was written"
    } else if take_back.is_some_and(crate::behind::TakeBack::take_back) {
        "; what was written to the output was taken back"
    } else {
        "; the output written before it is incomplete"
    };
    if let Failure::Input(e) = &mut failure {
        e.message.push_str(note);
    }
    failure
}

/// Writes the run's document as the input has it, with the run's status now.
fn write_run_document(loaded: &Loaded, run: &JournalRun, out: &mut dyn Write) -> io::Result<()> {
    let (text, status) = &loaded.run_text;
    match (status, run.status()) {
        (Some(range), Some(now)) if now.as_str() != loaded.run.status => {
            out.write_all(&text[..range.start])?;
            write!(out, "\"{}\"", now.as_str())?;
            out.write_all(&text[range.end..])
        }
        _ => out.write_all(text),
    }
}

fn write_json(
    loaded: &Loaded,
    readers: Vec<Box<dyn io::Read>>,
    run: &JournalRun,
    response: &ResponseJson<'_>,
    events: &[Logged],
    out: &mut WriteBehind,
) -> Result<(), Failure> {
    let json = |e: serde_json::Error| Failure::Output(io::Error::from(e));
    out.write_all(b"{\"response\":").map_err(Failure::Output)?;
    serde_json::to_writer(&mut *out, response).map_err(json)?;
    out.write_all(b",\"journalRun\":")
        .map_err(Failure::Output)?;
    write_run_document(loaded, run, out).map_err(Failure::Output)?;
    out.write_all(b",\"journalEntries\":[")
        .map_err(Failure::Output)?;
    // The input usually lists entries in the run's order: the entry after the last one found
    // in that order is tried before the run's own lookup.
    let (entries, next) = (run.entries(), std::cell::Cell::new(0));
    let entry_now = |number| match entries.get(next.get()) {
        Some(entry) if entry.number == number => {
            next.set(next.get() + 1);
            Some(*entry)
        }
        _ => run.entry(number).copied(),
    };
    let plan = loaded
        .plan
        .as_ref()
        .ok_or_else(|| Failure::Internal("the first pass made no plan for the copy".to_owned()))?;
    plan.write_entries(readers, &loaded.entries, &entry_now, out)
        .map_err(|e| match e {
            WriteError::Input(e) => Failure::Input(e),
            WriteError::Output(e) => Failure::Output(e),
        })?;
    // A million outcomes and events are formatted straight into the output's block: the
    // common ones by hand, as serde writes them, the others by serde.
    out.write_all(b"],\"outcomes\":[")
        .map_err(Failure::Output)?;
    for (i, outcome) in outcomes(events).enumerate() {
        let block = out.room(ITEM).map_err(Failure::Output)?;
        if i > 0 {
            block.push(b',');
        }
        write_outcome(block, &outcome);
    }
    out.write_all(b"],\"events\":[").map_err(Failure::Output)?;
    for (i, event) in events.iter().map(Logged::event).enumerate() {
        let block = out.room(ITEM).map_err(Failure::Output)?;
        if i > 0 {
            block.push(b',');
        }
        if !write_event(block, &event) {
            serde_json::to_writer(block, &event).map_err(json)?;
        }
    }
    out.write_all(b"]}\n").map_err(Failure::Output)?;
    out.flush().map_err(Failure::Output)
}

/// The room an outcome or an event usually takes, at most, in the output's block.
const ITEM: usize = 256;

/// An entry number's text (`JE-00000001`), as its `Display` writes it, without the
/// formatting machinery: a million of them are written, most of eight digits.
fn push_number(out: &mut Vec<u8>, number: JournalEntryNumber) {
    let n = number.get();
    if n >= 100_000_000 {
        out.extend_from_slice(b"JE-");
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        return;
    }
    let mut text = *b"JE-00000000";
    let mut n = n as u32;
    for place in (0..4).rev() {
        let pair = n % 100;
        n /= 100;
        text[3 + 2 * place] = b'0' + (pair / 10) as u8;
        text[4 + 2 * place] = b'0' + (pair % 10) as u8;
    }
    out.extend_from_slice(&text);
}

/// An outcome as serde writes it, a failed one's reason formatted in place by the library's
/// message (which needs no escaping: `outcomes_and_events_written_by_hand_are_serdes_bytes`
/// compares every kind of outcome with serde's bytes).
fn write_outcome(out: &mut Vec<u8>, outcome: &Outcome) {
    out.extend_from_slice(b"{\"number\":\"");
    push_number(out, outcome.number);
    match outcome.outcome {
        AttemptOutcome::Cancelled => out.extend_from_slice(b"\",\"result\":\"cancelled\"}"),
        AttemptOutcome::AlreadyCancelled => {
            out.extend_from_slice(b"\",\"result\":\"alreadyCancelled\"}");
        }
        AttemptOutcome::Failed {
            transferred_to_accounting,
        } => {
            out.extend_from_slice(b"\",\"result\":\"failed\",\"reason\":\"");
            let rejection = Rejection::EntryTransferred {
                entry: outcome.number,
                transferred_to_accounting,
            };
            // (Writing into a `Vec` never fails.)
            let _ = write!(out, "{rejection}\"}}");
        }
    }
}

/// An entry's attempt as serde writes the event; `false` for another event, which serde then
/// writes.
fn write_event(out: &mut Vec<u8>, event: &Event) -> bool {
    let Event::EntryAttempted { entry, outcome } = event else {
        return false;
    };
    out.extend_from_slice(b"{\"event\":\"entryAttempted\",\"entry\":\"");
    push_number(out, *entry);
    match outcome {
        AttemptOutcome::Cancelled => out.extend_from_slice(b"\",\"outcome\":\"cancelled\"}"),
        AttemptOutcome::AlreadyCancelled => {
            out.extend_from_slice(b"\",\"outcome\":\"alreadyCancelled\"}");
        }
        AttemptOutcome::Failed {
            transferred_to_accounting,
        } => {
            out.extend_from_slice(b"\",\"outcome\":{\"failed\":{\"transferredToAccounting\":\"");
            out.extend_from_slice(transferred_to_accounting.as_str().as_bytes());
            out.extend_from_slice(b"\"}}}");
        }
    }
    true
}

/// A run's status and counts, for the human output.
pub struct Summary {
    status: &'static str,
    total: usize,
    cancelled: usize,
    blocked: usize,
}

impl Summary {
    /// The summary of `run` now.
    pub fn of(run: &JournalRun) -> Self {
        Self {
            status: run.state().name(),
            total: run.entries().len(),
            cancelled: run.cancelled_count(),
            blocked: run
                .entries()
                .iter()
                .filter(|e| !e.is_cancelled() && e.transferred_to_accounting.blocks_cancellation())
                .count(),
        }
    }
}

/// A description of the caller.
pub fn describe_caller(caller: &Caller) -> String {
    let permissions: Vec<&str> = caller.permissions.iter().map(|p| p.as_str()).collect();
    let permissions = if permissions.len() == journal_run::Permission::NAMES.len() {
        "every permission (Finance, and \"API Write Access\")".to_owned()
    } else if permissions.is_empty() {
        "no permission".to_owned()
    } else {
        format!("\"{}\"", permissions.join("\", \""))
    };
    let orgs = match &caller.orgs {
        journal_run::OrgAccess::All => "no org limit".to_owned(),
        journal_run::OrgAccess::Only(orgs) => {
            let ids: Vec<&str> = orgs.iter().map(|o| o.as_str()).collect();
            format!("orgs {}", ids.join(", "))
        }
    };
    let entities = if caller.entities.is_empty() {
        String::new()
    } else {
        let ids: Vec<&str> = caller.entities.iter().map(|e| e.as_str()).collect();
        format!(", entities {}", ids.join(", "))
    };
    format!("{permissions}, {orgs}{entities}")
}

#[allow(clippy::too_many_arguments)]
fn human(
    cancel: &Cancel,
    loaded: &Loaded,
    before: &Summary,
    run: &JournalRun,
    caller: &Caller,
    request: &Request,
    response: &ResponseJson<'_>,
    outcomes: &[Outcome],
) -> String {
    let mut out = String::new();
    let source = clean(cancel.input.run_source().name());
    let _ = writeln!(
        out,
        "Journal run {} ({source}): {}, {}, {} cancelled, {} transferred to accounting (Yes or Processing).",
        run.number(),
        before.status,
        plural(before.total, "entry", "entries"),
        before.cancelled,
        before.blocked,
    );
    let assumed = if loaded.caller.is_none() {
        format!(
            " {}",
            paint("(assumed: the input gives no caller)", Tone::Note)
        )
    } else {
        String::new()
    };
    let _ = writeln!(out, "Caller: {}{assumed}.\n", describe_caller(caller));

    let mut exchange = table(["", "request and response"]);
    add_row(
        &mut exchange,
        vec![
            "request".to_owned(),
            format!("PUT /v1/journal-runs/{}/cancel", clip(&request.jr_number)),
        ],
    );
    for (name, value) in &request.headers {
        let shown = if is_authorization(name) {
            if request.assumed_authorization {
                "Bearer … (assumed: the request gives none)".to_owned()
            } else {
                hidden_credentials(value)
            }
        } else {
            clip(value).into_owned()
        };
        add_row(
            &mut exchange,
            vec![String::new(), format!("{}: {shown}", clip(name))],
        );
    }
    let body = if response.body.success {
        serde_json::to_string(response.body).unwrap_or_default()
    } else {
        "{\"success\":false, …} (reasons below)".to_owned()
    };
    add_row(
        &mut exchange,
        vec!["response".to_owned(), format!("{} {body}", response.status)],
    );
    for (name, value) in response.headers {
        add_row(
            &mut exchange,
            vec![String::new(), format!("{name}: {value}")],
        );
    }
    for (name, value) in [
        ("processId", &response.body.process_id),
        ("requestId", &response.body.request_id),
    ] {
        if let Some(value) = value {
            add_row(
                &mut exchange,
                vec![String::new(), format!("body {name}: {value}")],
            );
        }
    }
    let _ = writeln!(out, "{exchange}\n");

    if let Some(reasons) = response
        .body
        .reasons
        .as_ref()
        .filter(|_| !response.body.success)
    {
        let mut why = table(["code", "reason"]);
        for reason in reasons {
            add_row(
                &mut why,
                vec![reason.code.to_string(), reason.message.clone()],
            );
        }
        let _ = writeln!(out, "{why}\n");
        let _ = writeln!(
            out,
            "{}",
            paint(
                &format!("Rejected ({}): nothing changed.", response.status),
                Tone::Bad
            )
        );
        return out;
    }

    let count = |result: &str| outcomes.iter().filter(|o| o.result() == result).count();
    let _ = writeln!(
        out,
        "The cancellation job attempted {}: {} cancelled, {} already cancelled, {} failed.",
        plural(outcomes.len(), "entry", "entries"),
        count("cancelled"),
        count("alreadyCancelled"),
        count("failed")
    );
    if cancel.steps {
        let mut steps = table(["step", "entry", "result", "reason"]);
        for (i, outcome) in outcomes.iter().enumerate() {
            add_row(
                &mut steps,
                vec![
                    (i + 1).to_string(),
                    outcome.number.to_string(),
                    human_result(outcome).to_owned(),
                    outcome.reason().unwrap_or_default(),
                ],
            );
        }
        let _ = writeln!(out, "{steps}");
    } else {
        let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.result() == "failed").collect();
        if !failed.is_empty() {
            let mut list = table(["failed entry", "reason"]);
            for outcome in failed.iter().take(FAILED_SHOWN) {
                add_row(
                    &mut list,
                    vec![
                        outcome.number.to_string(),
                        outcome.reason().unwrap_or_default(),
                    ],
                );
            }
            let _ = writeln!(out, "{list}");
            if failed.len() > FAILED_SHOWN {
                let _ = writeln!(
                    out,
                    "… and {} (--steps lists every step, --json every outcome).",
                    plural(
                        failed.len() - FAILED_SHOWN,
                        "more failed entry",
                        "more failed entries"
                    )
                );
            }
        }
    }
    let after = Summary::of(run);
    let _ = writeln!(
        out,
        "\n{}",
        paint(
            &format!(
                "Settled: {} is {} ({} of {} cancelled).",
                run.number(),
                after.status,
                after.cancelled,
                plural(after.total, "entry", "entries")
            ),
            Tone::Good
        )
    );
    out
}

fn human_result(outcome: &Outcome) -> &'static str {
    match outcome.outcome {
        AttemptOutcome::Cancelled => "cancelled",
        AttemptOutcome::AlreadyCancelled => "already cancelled",
        AttemptOutcome::Failed { .. } => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use journal_run::TransferredToAccounting;

    /// An outcome as serde writes a map of its number, result and reason (if any): what
    /// `write_outcome` must write.
    impl Serialize for Outcome {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let reason = self.reason();
            let mut map = serializer.serialize_map(Some(2 + usize::from(reason.is_some())))?;
            map.serialize_entry("number", &self.number)?;
            map.serialize_entry("result", self.result())?;
            if let Some(reason) = &reason {
                map.serialize_entry("reason", reason)?;
            }
            map.end()
        }
    }

    /// The rule `merged_headers` keeps, as one scan per header: a snapshot header stays unless
    /// a given header has its name (surrounding spaces and tabs, and ASCII case, aside).
    fn merged_by_scanning(
        snapshot: &[(String, String)],
        given: &[(String, String)],
    ) -> Vec<(String, String)> {
        snapshot
            .iter()
            .filter(|(name, _)| {
                !given.iter().any(|(other, _)| {
                    other
                        .trim_matches([' ', '\t'])
                        .eq_ignore_ascii_case(name.trim_matches([' ', '\t']))
                })
            })
            .chain(given)
            .cloned()
            .collect()
    }

    fn pairs(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| ((*name).to_owned(), i.to_string()))
            .collect()
    }

    #[test]
    fn given_headers_replace_those_of_the_same_name_only() {
        let snapshot = pairs(&["Zuora-Track-Id", " Accept ", "X-A", "x-a", "Ä-b", "X-B"]);
        let given = pairs(&["zuora-track-id", "x-A\t", "ä-B"]);
        let merged = merged_headers(&snapshot, &given);
        let names: Vec<&str> = merged.iter().map(|(name, _)| name.as_str()).collect();
        // `ä` and `Ä` are not ASCII: they are different names, as in `eq_ignore_ascii_case`.
        assert_eq!(
            names,
            [" Accept ", "Ä-b", "X-B", "zuora-track-id", "x-A\t", "ä-B"]
        );
        assert_eq!(merged, merged_by_scanning(&snapshot, &given));
    }

    proptest::proptest! {
        #[test]
        fn merged_headers_are_those_of_a_scan(
            snapshot in proptest::collection::vec(("[ \\t]?[aAbBäÄ-]{0,3}[ \\t]?", "[a-z]{0,2}"), 0..12),
            given in proptest::collection::vec(("[ \\t]?[aAbBäÄ-]{0,3}[ \\t]?", "[a-z]{0,2}"), 0..6),
        ) {
            proptest::prop_assert_eq!(
                merged_headers(&snapshot, &given),
                merged_by_scanning(&snapshot, &given)
            );
        }
    }

    #[test]
    fn outcomes_and_events_written_by_hand_are_serdes_bytes() {
        let failed = TransferredToAccounting::SPELLINGS
            .iter()
            .filter_map(|spelling| spelling.parse().ok())
            .map(|transferred_to_accounting| AttemptOutcome::Failed {
                transferred_to_accounting,
            });
        let outcomes: Vec<AttemptOutcome> =
            [AttemptOutcome::Cancelled, AttemptOutcome::AlreadyCancelled]
                .into_iter()
                .chain(failed)
                .collect();
        assert_eq!(outcomes.len(), 2 + TransferredToAccounting::SPELLINGS.len());
        for value in [1, 75, 9_999_999, 99_999_999, 100_000_000, u64::MAX] {
            let Some(number) = JournalEntryNumber::new(value) else {
                panic!("{value} is a number")
            };
            for &outcome in &outcomes {
                // After other bytes, as in the output's block.
                let mut ours = b"[".to_vec();
                let outcome = Outcome { number, outcome };
                write_outcome(&mut ours, &outcome);
                let serde = serde_json::to_vec(&outcome).unwrap_or_default();
                assert_eq!(
                    String::from_utf8_lossy(&ours[1..]),
                    String::from_utf8_lossy(&serde)
                );
                let event = Event::EntryAttempted {
                    entry: number,
                    outcome: outcome.outcome,
                };
                let mut ours = Vec::new();
                assert!(write_event(&mut ours, &event));
                let serde = serde_json::to_vec(&event).unwrap_or_default();
                assert_eq!(
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&serde)
                );
            }
        }
        assert!(!write_event(
            &mut Vec::new(),
            &Event::CancellationSettled {
                settlement: journal_run::Settlement::Cancelled
            }
        ));
    }
}
