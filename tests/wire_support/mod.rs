//! Shared by the wire tests: the fixtures, and one request scenario per kind of answer of the
//! cancel handler (docs/WIRE.md shows each scenario's body; tests/wire_docs.rs checks it). It
//! re-exports the shared helpers of `tests/support`, so a wire test crate has them too.

#![allow(dead_code)] // each test crate uses a part of this module

use std::collections::BTreeSet;
use std::path::PathBuf;

use journal_run::wire::{
    CancelHandler, CancelOutcome, GetJournalEntriesInJournalRunType, GetJournalRunType, ProcessId,
    RequestId, RunSnapshot,
};
use journal_run::{Caller, Command, JournalRun, OrgAccess, Permission, PermissionSet};

/// The request id every scenario uses (the spec's example).
pub const REQUEST_ID: &str = "d7479cf6-b410-4630-b841-268ccd48f0d2";
/// The process id every scenario uses (the spec's example).
pub const PROCESS_ID: &str = "738CBB9234B47A47";

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The worked example's documents: JR-00000075 and its two pages of entries.
pub fn worked_example_snapshot() -> RunSnapshot {
    let run: GetJournalRunType = fixture("journal_run_jr_00000075.json");
    let pages: Vec<GetJournalEntriesInJournalRunType> = vec![
        fixture("journal_entries_jr_00000075_page_1.json"),
        fixture("journal_entries_jr_00000075_page_2.json"),
    ];
    RunSnapshot::from_pages(run, pages).expect("the fixture's pages are complete")
}

/// The worked example's run: Completed, ten entries, JE-00000004 transferred.
pub fn worked_example_run() -> JournalRun {
    JournalRun::try_from(&worked_example_snapshot()).expect("the fixture is consistent")
}

#[path = "../support/mod.rs"]
mod support;

pub use support::*;

pub fn request_id() -> RequestId {
    RequestId::parse(REQUEST_ID).unwrap()
}

pub fn process_id() -> ProcessId {
    ProcessId::parse(PROCESS_ID).unwrap()
}

/// A Multi-Org run, JR-00000090, labelled `org-2`, Completed with one entry.
pub fn org_2_run() -> JournalRun {
    let mut run = JournalRun::new("JR-00000090".parse().unwrap(), vec![org("org-2")]);
    let zuora = Caller::superuser();
    run.execute(&zuora, &Command::StartProcessing).unwrap();
    run.execute(
        &zuora,
        &Command::CompleteProcessing {
            entries: vec!["JE-00000900".parse().unwrap()],
        },
    )
    .unwrap();
    run
}

/// JR-00000076, still Processing.
pub fn processing_run() -> JournalRun {
    let mut run = JournalRun::new("JR-00000076".parse().unwrap(), vec![]);
    run.execute(&Caller::superuser(), &Command::StartProcessing)
        .unwrap();
    run
}

/// The store every scenario runs against: the worked example, a Processing run and a run of
/// org-2.
pub fn store() -> Vec<JournalRun> {
    vec![worked_example_run(), processing_run(), org_2_run()]
}

/// One request to the cancel handler.
pub struct Scenario {
    /// Its name: the `<!-- example: NAME -->` marker in docs/WIRE.md.
    pub name: &'static str,
    pub jr_number: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub caller: Caller,
    /// The HTTP status expected, as Zuora answers (the default `HttpStatusMapping::Zuora`).
    pub status: u16,
    /// The HTTP status expected with `HttpStatusMapping::Rest`.
    pub rest_status: u16,
    /// The code expected (`None` for success).
    pub code: Option<&'static str>,
}

impl Scenario {
    pub fn run(&self) -> CancelOutcome {
        self.run_with(&CancelHandler::default())
    }

    pub fn run_with(&self, handler: &CancelHandler) -> CancelOutcome {
        handler.handle(
            self.jr_number,
            &self.headers,
            &self.caller,
            store().as_slice(),
            &request_id(),
            &process_id(),
        )
    }
}

const AUTH: (&str, &str) = ("Authorization", "Bearer 6d1e8f0a2b3c4d5e");

fn auth() -> (&'static str, String) {
    (AUTH.0, AUTH.1.to_owned())
}

fn header(name: &'static str, value: &str) -> (&'static str, String) {
    (name, value.to_owned())
}

fn scenario(
    name: &'static str,
    jr_number: &'static str,
    headers: Vec<(&'static str, String)>,
    caller: Caller,
    (status, rest_status): (u16, u16),
    code: Option<&'static str>,
) -> Scenario {
    Scenario {
        name,
        jr_number,
        headers,
        caller,
        status,
        rest_status,
        code,
    }
}

/// A caller of org-1 and org-2 with two entities, holding every permission.
pub fn multi_org_caller() -> Caller {
    Caller {
        permissions: PermissionSet::ALL,
        orgs: OrgAccess::Only(BTreeSet::from([org("org-1"), org("org-2")])),
        entities: vec![entity("entity-eu"), entity("entity-us")],
    }
}

/// Every scenario: the success, and one per kind of rejection the handler gives, in the
/// order of precedence.
pub fn scenarios() -> Vec<Scenario> {
    let all = Caller::superuser;
    let no_cancel =
        Caller::with_permissions(PermissionSet::ALL.without(Permission::CancelJournalRun));
    vec![
        scenario(
            "accepted",
            "JR-00000075",
            vec![auth(), header("Zuora-Track-Id", "close-2026-01")],
            all(),
            (200, 200),
            None,
        ),
        scenario(
            "authorization_missing",
            "JR-00000075",
            vec![],
            all(),
            (401, 401),
            Some("90000011"),
        ),
        scenario(
            "authorization_repeated",
            "JR-00000075",
            vec![auth(), header("authorization", "Bearer 9f8e7d6c")],
            all(),
            (401, 401),
            Some("90000011"),
        ),
        scenario(
            "authorization_not_bearer",
            "JR-00000075",
            vec![header("Authorization", "Basic dXNlcjpwYXNz")],
            all(),
            (401, 401),
            Some("90000011"),
        ),
        scenario(
            "authorization_no_token",
            "JR-00000075",
            vec![header("Authorization", "Bearer")],
            all(),
            (401, 401),
            Some("90000011"),
        ),
        scenario(
            "authorization_token_character",
            "JR-00000075",
            vec![header("Authorization", "Bearer 6d1e 8f0a")],
            all(),
            (401, 401),
            Some("90000011"),
        ),
        scenario(
            "authorization_before_everything",
            "JR-75",
            vec![
                header("Zuora-Track-Id", "close;2026"),
                header("Zuora-Org-Ids", "org-1,,org-2"),
            ],
            all(),
            (401, 401),
            Some("90000011"),
        ),
        scenario(
            "path_number",
            "JR-75",
            vec![auth()],
            all(),
            (200, 400),
            Some("50000020"),
        ),
        scenario(
            "track_id_too_long",
            "JR-00000075",
            vec![auth(), header("Zuora-Track-Id", &"t".repeat(65))],
            all(),
            (200, 400),
            Some("50000020"),
        ),
        scenario(
            "track_id_character",
            "JR-00000075",
            vec![auth(), header("Zuora-Track-Id", "close;2026")],
            all(),
            (200, 400),
            Some("50000020"),
        ),
        scenario(
            "entity_id_format",
            "JR-00000075",
            vec![auth(), header("Zuora-Entity-Ids", "entity-eu,entity-us")],
            all(),
            (200, 400),
            Some("50000020"),
        ),
        scenario(
            "org_ids_format",
            "JR-00000075",
            vec![auth(), header("Zuora-Org-Ids", "org-1,,org-2")],
            all(),
            (200, 400),
            Some("50000020"),
        ),
        scenario(
            "repeated_header",
            "JR-00000075",
            vec![
                auth(),
                header("Zuora-Org-Ids", "org-1"),
                header("zuora-org-ids", "org-2"),
            ],
            all(),
            (200, 400),
            Some("50000020"),
        ),
        scenario(
            "entity_required",
            "JR-00000075",
            vec![auth()],
            multi_org_caller(),
            (200, 400),
            Some("50000022"),
        ),
        scenario(
            "entity_not_accessible",
            "JR-00000075",
            vec![auth(), header("Zuora-Entity-Ids", "entity-apac")],
            multi_org_caller(),
            (200, 403),
            Some("50000010"),
        ),
        scenario(
            "missing_permission",
            "JR-00000075",
            vec![auth()],
            no_cancel,
            (200, 403),
            Some("50000010"),
        ),
        scenario(
            "org_not_accessible",
            "JR-00000090",
            vec![
                auth(),
                header("Zuora-Entity-Ids", "entity-eu"),
                header("Zuora-Org-Ids", "org-3"),
            ],
            multi_org_caller(),
            (200, 403),
            Some("50000010"),
        ),
        scenario(
            "run_not_found",
            "JR-00000099",
            vec![auth()],
            all(),
            (200, 404),
            Some("50000040"),
        ),
        scenario(
            "run_out_of_scope",
            "JR-00000090",
            vec![
                auth(),
                header("Zuora-Entity-Ids", "entity-eu"),
                header("Zuora-Org-Ids", "org-1"),
            ],
            multi_org_caller(),
            (200, 404),
            Some("50000040"),
        ),
        scenario(
            "run_status",
            "JR-00000076",
            vec![auth()],
            all(),
            (200, 409),
            Some("50000030"),
        ),
    ]
}

pub fn scenario_named(name: &str) -> Scenario {
    scenarios()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}
