//! The tenant's rules: creating a journal run, and one run executing at a time.
//!
//! A [`JournalRun`] decides alone what happens to it; these two rules need the tenant's other
//! runs, so they are one pure function over them, [`check_tenant`], which an embedding system
//! calls before it creates a run ([`create_run`] does) and before it starts processing one.
//!
//! Sources: "You cannot create a new journal run if you have a pending journal run in your
//! tenant"; "Only one journal run can be executed at a time", Multi-Org included (Zuora,
//! "Create a journal run"; FACTS.md, "Tenants, entities, orgs"). Each entity of a Multi-entity
//! tenant is its own environment, so the rules hold per entity (docs/DECISIONS.md, D-22).

use crate::caller::Caller;
use crate::command::{Command, CreateRun};
use crate::error::Rejection;
use crate::headers::EntityId;
use crate::lifecycle::RunState;
use crate::machine::authorize_request;
use crate::number::JournalRunNumber;
use crate::run::JournalRun;

/// What the tenant is about to do, for [`check_tenant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TenantAction {
    /// Create a new journal run.
    Create,
    /// Start processing this Pending run (`Command::StartProcessing`).
    StartProcessing(JournalRunNumber),
}

/// The tenant rules, for the runs of one entity (`entity`; `None` when Multi-entity is off):
/// a run is created only while no run is Pending, and a run starts processing only while no
/// other run is Processing. `runs` are the tenant's runs; those of other entities are skipped
/// (a run that belongs to no entity counts in every entity). O(n) in the runs.
///
/// # Errors
///
/// [`Rejection::PendingRunExists`] or [`Rejection::RunExecuting`], naming the run in the way.
pub fn check_tenant<'a>(
    runs: impl IntoIterator<Item = &'a JournalRun>,
    entity: Option<&EntityId>,
    action: TenantAction,
) -> Result<(), Rejection> {
    let mut same_entity = runs.into_iter().filter(|run| run.in_entity(entity));
    match action {
        TenantAction::Create => match same_entity.find(|run| run.state() == &RunState::Pending) {
            Some(pending) => Err(Rejection::PendingRunExists {
                pending: pending.number(),
            }),
            None => Ok(()),
        },
        TenantAction::StartProcessing(run) => match same_entity
            .find(|other| other.number() != run && other.state() == &RunState::Processing)
        {
            Some(processing) => Err(Rejection::RunExecuting {
                run,
                processing: processing.number(),
            }),
            None => Ok(()),
        },
    }
}

/// `POST /v1/journal-runs`: the new run, Pending, in the request's entity, or why it is not
/// created. Pure: the embedding system stores the run it returns.
///
/// Checks, in order: the entity header against the caller's token, the permissions ("API Write
/// Access", then "Create Journal Run"), `Zuora-Org-Ids` against the caller's orgs; that every
/// organization label of the new run is in the request's org scope; that no run of the entity
/// has the number (the run that has it answers, as [`JournalRun::decide`] does for a create);
/// then the tenant rule ([`check_tenant`]).
///
/// # Errors
///
/// The first [`Rejection`] in that order.
///
/// ```
/// use journal_run::tenant::create_run;
/// use journal_run::{Caller, CreateRun, JournalRunStatus, Rejection, RequestScope};
///
/// let caller = Caller::superuser();
/// let request = |n: &str| -> Result<CreateRun, Box<dyn std::error::Error>> {
///     Ok(CreateRun { run: n.parse()?, organizations: vec![], scope: RequestScope::default() })
/// };
/// let first = create_run(&caller, &request("JR-00000001")?, &[])?;
/// assert_eq!(first.status(), Some(JournalRunStatus::Pending));
/// // A second run cannot be created while the first is pending.
/// let refused = create_run(&caller, &request("JR-00000002")?, [&first]);
/// assert_eq!(refused, Err(Rejection::PendingRunExists { pending: first.number() }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_run<'a>(
    caller: &Caller,
    request: &CreateRun,
    runs: impl IntoIterator<Item = &'a JournalRun>,
) -> Result<JournalRun, Rejection> {
    let command = Command::CreateRun(request.clone());
    let scope = &request.scope;
    let entity = authorize_request(caller, &command, scope)?;
    if let Some(org) = request
        .organizations
        .iter()
        .find(|label| !caller.in_org_scope(scope, label))
    {
        return Err(Rejection::OrgNotAccessible { org: org.clone() });
    }
    let runs: Vec<&JournalRun> = runs.into_iter().collect();
    let same_number = runs
        .iter()
        .find(|run| run.number() == request.run && run.in_entity(entity));
    if let Some(existing) = same_number {
        return Err(match existing.decide(caller, &command) {
            Err(rejection) => rejection,
            Ok(_) => Rejection::RunExists { run: request.run },
        });
    }
    check_tenant(runs.iter().copied(), entity, TenantAction::Create)?;
    let mut run = JournalRun::new(request.run, request.organizations.clone());
    run.entity = entity.cloned();
    Ok(run)
}
