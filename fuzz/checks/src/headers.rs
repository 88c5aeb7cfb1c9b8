//! The `headers` target: arbitrary header values into the validated header types (INV-15,
//! D-7).

use arbitrary::{Arbitrary, Unstructured};
use journal_run::invariants::{check_state, check_transition};
use journal_run::wire::{
    CancelHandler, CancelOutcome, CommonResponse, HttpStatusMapping, ProcessId, RequestId,
    ACCEPT_ENCODING, AUTHORIZATION, ZUORA_ENTITY_IDS, ZUORA_ORG_IDS, ZUORA_TRACK_ID,
};
use journal_run::{
    Caller, Command, EntityId, JournalEntryNumber, JournalRun, JournalRunNumber, JournalRunStatus,
    OrgId, OrgIds, RequestScope, TrackId,
};

use crate::text_of;

/// Whether `c` may appear in an accepted `Zuora-Track-Id` (INV-15, stated independently of
/// `TrackId::parse`): US-ASCII, not a control character, none of `: ; " '`.
fn track_id_char_allowed(c: char) -> bool {
    c.is_ascii() && !c.is_ascii_control() && !matches!(c, ':' | ';' | '"' | '\'')
}

/// Asserts INV-15 of an accepted `Zuora-Track-Id`: at most 64 characters, each allowed.
///
/// # Panics
///
/// When the value breaks INV-15.
pub fn assert_track_id_sound(value: &str) {
    assert!(
        value.chars().count() <= TrackId::MAX_LEN,
        "INV-15: an accepted Zuora-Track-Id is {} characters long: {value:?}",
        value.chars().count()
    );
    if let Some(bad) = value.chars().find(|c| !track_id_char_allowed(*c)) {
        panic!("INV-15: an accepted Zuora-Track-Id holds {bad:?}: {value:?}");
    }
}

/// Whether `c` may appear in an org or entity id (D-7, stated independently).
fn identifier_char_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn assert_identifier_sound(value: &str) {
    assert!(
        !value.is_empty() && value.len() <= 64,
        "D-7: an accepted id has {} characters: {value:?}",
        value.len()
    );
    if let Some(bad) = value.chars().find(|c| !identifier_char_allowed(*c)) {
        panic!("D-7: an accepted id holds {bad:?}: {value:?}");
    }
}

/// Feeds `data` (as text) to every header parser and checks what they accept:
///
/// - `TrackId::parse`: an accepted value is kept as given, obeys INV-15, and is accepted
///   exactly when every character is allowed and there are at most 64 (so a value that breaks
///   INV-15 is always rejected, and a sound one never is); its JSON form reads back;
/// - `EntityId::parse` and `OrgId`: an accepted id is kept as given and obeys D-7;
/// - `OrgIds::parse`: every item obeys D-7, the canonical form (`a,b`) re-parses to the same
///   ids, and the JSON form reads back;
/// - a [`RequestScope`] built from accepted values round-trips through JSON;
///
/// and then drives the request handler with the same bytes ([`check_handler`]).
///
/// # Panics
///
/// When one of these does not hold.
pub fn check(data: &[u8]) {
    check_values(data);
    check_handler(data);
}

/// The value checks of [`check`].
fn check_values(data: &[u8]) {
    let text = text_of(data);
    let text = text.as_ref();

    let track = TrackId::parse(text);
    let sound = text.chars().count() <= TrackId::MAX_LEN && text.chars().all(track_id_char_allowed);
    assert_eq!(
        track.is_ok(),
        sound,
        "INV-15: Zuora-Track-Id {text:?} is {} but should be {}: {track:?}",
        if track.is_ok() {
            "accepted"
        } else {
            "rejected"
        },
        if sound { "accepted" } else { "rejected" },
    );
    if let Ok(track) = &track {
        assert_eq!(
            track.as_str(),
            text,
            "an accepted Zuora-Track-Id is echoed as given"
        );
        assert_track_id_sound(track.as_str());
        let json = serde_json::to_string(track).expect("a track id serializes");
        let back: TrackId = serde_json::from_str(&json).expect("INV-15: the JSON form reads back");
        assert_eq!(&back, track);
    }

    let entity = EntityId::parse(text);
    if let Ok(entity) = &entity {
        assert_eq!(
            entity.as_str(),
            text,
            "an accepted entity id is kept as given"
        );
        assert_identifier_sound(entity.as_str());
    }
    let org = OrgId::parse(text);
    assert_eq!(
        org.is_ok(),
        entity.is_ok(),
        "D-7: org and entity ids follow one rule, but {text:?} gives {org:?} / {entity:?}"
    );

    let orgs = OrgIds::parse(text);
    if let Ok(orgs) = &orgs {
        assert!(
            !orgs.as_slice().is_empty(),
            "D-7: Zuora-Org-Ids has at least one item"
        );
        assert_eq!(
            orgs.as_slice().len(),
            text.split(',').count(),
            "D-7: every comma-separated item of {text:?} is one id"
        );
        for org in orgs.as_slice() {
            assert_identifier_sound(org.as_str());
            assert!(orgs.contains(org));
        }
        let canonical = orgs.to_string();
        assert_eq!(
            OrgIds::parse(&canonical).as_ref(),
            Ok(orgs),
            "{canonical:?}"
        );
        let json = serde_json::to_string(orgs).expect("org ids serialize");
        let back: OrgIds = serde_json::from_str(&json).expect("the JSON form reads back");
        assert_eq!(&back, orgs);
    }

    let scope = RequestScope {
        entity: entity.ok(),
        orgs: orgs.ok(),
    };
    let json = serde_json::to_string(&scope).expect("a scope serializes");
    let back: RequestScope = serde_json::from_str(&json).expect("a scope reads back");
    assert_eq!(back, scope);
}

/// A header name: one the handler reads, in some spelling, or any other.
#[derive(Debug, Arbitrary)]
pub enum NameSpec {
    /// `Zuora-Track-Id`.
    TrackId,
    /// `Zuora-Entity-Ids`.
    EntityIds,
    /// `Zuora-Org-Ids`.
    OrgIds,
    /// `Authorization`.
    Authorization,
    /// `Accept-Encoding`.
    AcceptEncoding,
    /// Any name.
    Other(String),
}

/// One raw request header.
#[derive(Debug, Arbitrary)]
pub struct HeaderSpec {
    /// The name.
    pub name: NameSpec,
    /// Spell the name in lower case.
    pub lower: bool,
    /// Pad the name with a space (the handler ignores spaces and tabs around names).
    pub padded: bool,
    /// Prefix the value with `Bearer ` (a well-formed `Authorization` is rare otherwise).
    pub bearer: bool,
    /// The raw value.
    pub value: String,
}

/// A raw cancel request and the state it meets.
#[derive(Debug, Arbitrary)]
pub struct RequestSpec {
    /// The `{jr-number}` path segment: the run's own number, or any text.
    pub path: Option<String>,
    /// The headers, in order.
    pub headers: Vec<HeaderSpec>,
    /// Who the token resolves to (the library's `Arbitrary`).
    pub caller: Caller,
    /// The run's organization labels.
    pub labels: Vec<OrgId>,
    /// How far the run got before the request.
    pub progress: u8,
}

/// The run the request meets: `JR-00000001`, labelled with `labels`, brought by Zuora's own
/// processes to one of its statuses (`progress`).
fn run_for(labels: Vec<OrgId>, progress: u8) -> JournalRun {
    let number = JournalRunNumber::new(1).expect("one is a number");
    let mut run = JournalRun::new(number, labels);
    let system = Caller::superuser();
    let entries: Vec<JournalEntryNumber> = (1..=3).filter_map(JournalEntryNumber::new).collect();
    let mut steps = vec![Command::StartProcessing];
    match progress % 6 {
        0 => steps.clear(),
        1 => {}
        2 => steps.push(Command::CompleteProcessing { entries }),
        3 => steps.push(Command::FailProcessing { entries }),
        4 => steps.extend([
            Command::CompleteProcessing { entries },
            Command::CancelRun {
                run: number,
                scope: RequestScope::default(),
            },
        ]),
        _ => steps.extend([
            Command::CompleteProcessing { entries: vec![] },
            Command::CancelRun {
                run: number,
                scope: RequestScope::default(),
            },
            Command::SettleCancellation,
        ]),
    }
    for command in &steps {
        run.execute(&system, command)
            .unwrap_or_else(|e| panic!("preparing the run: {command:?}: {e}"));
    }
    run
}

/// Drives the cancel request handler (`journal_run::wire::CancelHandler`) with the raw path
/// and headers decoded from `data`, and checks:
///
/// - it never panics, and its answer is consistent: `{"success": true}` (HTTP 200) exactly
///   when the request is accepted, else the status of the error's category as Zuora answers
///   (`HttpStatusMapping::Zuora`) and the failure body with one reason whose code carries the
///   error's category and the request's id;
/// - `Zuora-Track-Id` is echoed exactly when the request carries one (once) that
///   `TrackId::parse` accepts, equal to the request's value, and never breaks INV-15: no
///   control character (no CR or LF), none of `: ; " '`, US-ASCII, at most 64 characters;
/// - no response header value holds a control character (no header injection);
/// - an accepted request's event applies to the run and gives a state that breaks no invariant
///   (INV-8: the run is `CancelInprogress`).
///
/// # Panics
///
/// When one of these does not hold.
pub fn check_handler(data: &[u8]) {
    let _ = handle(data);
}

/// Runs `data` as [`check_handler`] does, and returns the handler's outcome (`None` for an
/// input that does not decode).
///
/// # Panics
///
/// When an invariant does not hold.
#[must_use]
pub fn handle(data: &[u8]) -> Option<CancelOutcome> {
    let request = RequestSpec::arbitrary_take_rest(Unstructured::new(data)).ok()?;
    let run = run_for(request.labels.clone(), request.progress);
    let path = request
        .path
        .clone()
        .unwrap_or_else(|| run.number().to_string());
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|h| {
            let name = match &h.name {
                NameSpec::TrackId => ZUORA_TRACK_ID.to_owned(),
                NameSpec::EntityIds => ZUORA_ENTITY_IDS.to_owned(),
                NameSpec::OrgIds => ZUORA_ORG_IDS.to_owned(),
                NameSpec::Authorization => AUTHORIZATION.to_owned(),
                NameSpec::AcceptEncoding => ACCEPT_ENCODING.to_owned(),
                NameSpec::Other(name) => name.clone(),
            };
            let name = if h.lower {
                name.to_ascii_lowercase()
            } else {
                name
            };
            let name = if h.padded { format!(" {name}") } else { name };
            let value = if h.bearer {
                format!("Bearer {}", h.value)
            } else {
                h.value.clone()
            };
            (name, value)
        })
        .collect();
    let caller = &request.caller;
    let request_id =
        RequestId::parse("d7479cf6-b410-4630-b841-268ccd48f0d2").expect("a valid request id");
    let process_id = ProcessId::parse("738CBB9234B47A47").expect("a valid process id");

    let outcome =
        CancelHandler::default().handle(&path, &headers, caller, &run, &request_id, &process_id);
    let response = &outcome.response;

    // Zuora-Track-Id: echoed exactly when given once and valid, as given (INV-15).
    let given: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| {
            name.trim_matches([' ', '\t'])
                .eq_ignore_ascii_case(ZUORA_TRACK_ID)
        })
        .map(|(_, value)| value.trim_matches([' ', '\t']))
        .collect();
    let expected_echo = match given.as_slice() {
        [one] if TrackId::parse(one).is_ok() => Some(*one),
        _ => None,
    };
    let echoed = response.header(ZUORA_TRACK_ID);
    assert_eq!(
        echoed, expected_echo,
        "INV-15: Zuora-Track-Id echoed as {echoed:?} for request headers {headers:?}"
    );
    if let Some(echoed) = echoed {
        assert_track_id_sound(echoed);
    }
    for (name, value) in &response.headers {
        assert!(
            !value.chars().any(|c| c.is_control()),
            "response header {name} holds a control character: {value:?}"
        );
    }

    // The status and body agree with the decision.
    let body = &response.body;
    match &outcome.decision {
        Ok(event) => {
            assert_eq!(response.status, 200);
            assert_eq!(body, &CommonResponse::success());
            let mut after = run.clone();
            after
                .apply(event)
                .unwrap_or_else(|e| panic!("an accepted request's {event:?} does not apply: {e}"));
            assert!(check_state(&after).is_empty(), "{:?}", check_state(&after));
            assert!(
                check_transition(&run, &after).is_empty(),
                "{:?}",
                check_transition(&run, &after)
            );
            assert_eq!(
                after.status(),
                Some(JournalRunStatus::CancelInprogress),
                "INV-8: an accepted cancel request leaves the run {:?}",
                after.status()
            );
        }
        Err(error) => {
            let category = journal_run::wire::category(error);
            assert_eq!(
                response.status,
                HttpStatusMapping::Zuora.status(category),
                "{error}"
            );
            assert!(!body.success);
            assert_eq!(body.request_id.as_deref(), Some(request_id.as_str()));
            assert_eq!(body.process_id.as_deref(), Some(process_id.as_str()));
            let reasons = body.reasons.as_deref().unwrap_or_default();
            assert_eq!(reasons.len(), 1, "one reason per failure: {body:?}");
            let code = reasons.first().map(|r| &r.code).expect("one reason");
            assert_eq!(code.category(), Some(category), "the reason's code {code}");
        }
    }
    let json = serde_json::to_string(body).expect("a response body serializes");
    let back: CommonResponse = serde_json::from_str(&json).expect("a response body reads back");
    assert_eq!(&back, body);
    Some(outcome)
}
