//! The deterministic simulator behind `tests/simulation.rs`, in the spirit of TigerBeetle's VOPR.
//!
//! From a seed it draws a *swarm* (which command kinds are on and how often; how often commands
//! are delivered twice or out of order; how often users' permissions change and the process
//! stops and resumes from the serialized state), a set of users, and a long workload of
//! operations over a tenant's journal runs, one after another. It runs the workload through the
//! library and the reference model side by side, checking after every operation that they agree
//! and that every invariant holds. On a failure it shrinks the workload to the shortest
//! sequence it can find that still fails, and reports it with the seed.
//!
//! Everything is a pure function of the seed: no clock, no OS randomness.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt;

use journal_run::{
    Caller, Command, Event, JournalEntryNumber, JournalRun, JournalRunNumber, JournalRunStatus,
    OrgAccess, OrgId, PermissionSet, Rejection, RequestScope, TransferResult,
    TransferredToAccounting,
};
use strum::VariantArray;

use crate::checks::{command_faults, JobTracker};
use crate::reference::{view_of_run, Model, ModelEntry};
use crate::support::{je, jr, org_ids};

/// SplitMix64: a tiny, well-mixed, seeded generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `permille / 1000`.
    pub fn chance(&mut self, permille: u32) -> bool {
        self.below(1000) < u64::from(permille)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The seed of the `i`-th of a batch of seeds drawn from `base` (so a batch is one number).
pub fn derive_seed(base: u64, i: u64) -> u64 {
    Rng::new(base ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

const ORGS: [&str; 3] = ["org-1", "org-2", "org-3"];
const ENTITIES: [&str; 2] = ["entity-1", "entity-2"];

/// The command kinds the workload draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CancelRun,
    DeleteRun,
    CancelEntry,
    DeleteEntry,
    Update,
    Start,
    Complete,
    Fail,
    Step,
    Settle,
    FinishDeletion,
    BeginTransfer,
    FinishTransfer,
}

const KINDS: [Kind; 13] = [
    Kind::CancelRun,
    Kind::DeleteRun,
    Kind::CancelEntry,
    Kind::DeleteEntry,
    Kind::Update,
    Kind::Start,
    Kind::Complete,
    Kind::Fail,
    Kind::Step,
    Kind::Settle,
    Kind::FinishDeletion,
    Kind::BeginTransfer,
    Kind::FinishTransfer,
];

/// The probabilities of one workload, drawn from its seed (swarm testing: some features are
/// switched off entirely, the others get random weights).
#[derive(Debug, Clone)]
pub struct Swarm {
    /// The weight of each kind in [`KINDS`]; 0 switches the kind off.
    pub weights: [u32; 13],
    /// Per mille: a command is delivered twice.
    pub duplicate: u32,
    /// Per mille: two neighbouring operations are delivered in the other order.
    pub reorder: u32,
    /// Per mille (doubled while a job runs): the process stops and resumes from the serialized run.
    pub restart: u32,
    /// Per mille (doubled while a job runs): a user's permissions change.
    pub permission_change: u32,
    /// Per mille: a request carries scope headers.
    pub headers: u32,
    /// The most entries processing creates.
    pub max_entries: u64,
    /// How many users the tenant has.
    pub users: usize,
    /// Whether runs carry organization labels (Multi-Org).
    pub multi_org: bool,
}

impl Swarm {
    pub fn draw(rng: &mut Rng) -> Self {
        let mut weights = [0; 13];
        for (kind, weight) in KINDS.iter().zip(weights.iter_mut()) {
            // The life cycle's own commands are always on (or runs would get stuck); the others
            // are switched off in one swarm of four.
            if kind.drives_life_cycle() || rng.chance(750) {
                *weight = 1 + rng.below(10) as u32;
            }
        }
        Self {
            weights,
            duplicate: rng.below(100) as u32,
            reorder: rng.below(100) as u32,
            restart: rng.below(40) as u32,
            permission_change: rng.below(60) as u32,
            headers: rng.below(300) as u32,
            max_entries: rng.below(40),
            users: 1 + rng.below(4) as usize,
            multi_org: rng.chance(500),
        }
    }

    /// A kind drawn by weight among those `wanted` accepts; `None` when they all weigh 0.
    fn kind(&self, rng: &mut Rng, wanted: impl Fn(Kind) -> bool) -> Option<Kind> {
        let weight = |i: usize, kind: Kind| if wanted(kind) { self.weights[i] } else { 0 };
        let total: u32 = KINDS.iter().enumerate().map(|(i, k)| weight(i, *k)).sum();
        if total == 0 {
            return None;
        }
        let mut roll = rng.below(u64::from(total)) as u32;
        for (i, kind) in KINDS.iter().enumerate() {
            let w = weight(i, *kind);
            if roll < w {
                return Some(*kind);
            }
            roll -= w;
        }
        None
    }
}

impl Kind {
    /// Whether the kind moves a run along its life cycle.
    fn drives_life_cycle(self) -> bool {
        matches!(
            self,
            Self::CancelRun
                | Self::DeleteRun
                | Self::Start
                | Self::Complete
                | Self::Step
                | Self::Settle
                | Self::FinishDeletion
        )
    }

    /// Whether the kind can be accepted in the guide's state (the rest are stray commands).
    fn fits(self, guide: &Model) -> bool {
        use JournalRunStatus as S;
        let entry_command = guide.entries.values().any(|e| self.fits_entry(e));
        let job_left = guide.entries.keys().any(|n| !guide.attempted.contains(n));
        match guide.status {
            S::Pending => matches!(self, Self::Start | Self::CancelRun),
            S::Processing => matches!(self, Self::Complete | Self::Fail),
            S::Completed | S::Error => self == Self::CancelRun || entry_command,
            S::CancelInprogress => {
                (self == Self::Step && job_left)
                    || (self == Self::Settle && !job_left)
                    || entry_command
            }
            S::Cancelled => self == Self::DeleteRun || self == Self::DeleteEntry,
            S::DeleteInprogress => self == Self::FinishDeletion,
        }
    }
}

impl Kind {
    /// Whether an entry command of this kind can be accepted on `entry` (the others are
    /// rejected by the entry's rules).
    fn fits_entry(self, entry: &ModelEntry) -> bool {
        match self {
            Self::CancelEntry | Self::Update => !entry.cancelled,
            Self::DeleteEntry => entry.cancelled,
            Self::BeginTransfer => !entry.cancelled && entry.tta == TransferredToAccounting::No,
            Self::FinishTransfer => {
                !entry.cancelled && entry.tta == TransferredToAccounting::Processing
            }
            _ => false,
        }
    }
}

/// One operation of a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A user (or Zuora's processes, or the integration) issues a command.
    Execute { user: usize, command: Command },
    /// A user's permissions change (an administrator edits their role).
    SetPermissions {
        user: usize,
        permissions: PermissionSet,
    },
    /// The process stops; the run is saved with serde and the process resumes from it.
    Restart,
    /// The tenant starts its next journal run (only once the current one is deleted).
    NewRun { number: JournalRunNumber },
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Execute { user, command } => write!(f, "user {user}: {command:?}"),
            Self::SetPermissions { user, permissions } => {
                write!(f, "user {user} now has {permissions:?}")
            }
            Self::Restart => f.write_str("restart from the serialized run"),
            Self::NewRun { number } => write!(f, "new run {number}"),
        }
    }
}

/// A generated workload: everything a run of the simulator depends on.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub seed: u64,
    pub swarm: Swarm,
    pub users: Vec<Caller>,
    pub labels: Vec<OrgId>,
    pub ops: Vec<Op>,
}

fn org_subset(rng: &mut Rng, at_least_one: bool) -> Vec<OrgId> {
    loop {
        let orgs: Vec<OrgId> = ORGS
            .iter()
            .filter(|_| rng.chance(500))
            .map(|o| o.parse().unwrap())
            .collect();
        if !at_least_one || !orgs.is_empty() {
            return orgs;
        }
    }
}

fn random_permissions(rng: &mut Rng) -> PermissionSet {
    match rng.below(4) {
        0 | 1 => PermissionSet::ALL,
        2 => PermissionSet::from_bits_truncate(!(1 << rng.below(9))),
        _ => PermissionSet::from_bits_truncate(rng.next_u64() as u16),
    }
}

fn random_user(rng: &mut Rng) -> Caller {
    let orgs = if rng.chance(700) {
        OrgAccess::All
    } else {
        OrgAccess::Only(org_subset(rng, false).into_iter().collect::<BTreeSet<_>>())
    };
    let entities = match rng.below(8) {
        0 => vec![ENTITIES[0].parse().unwrap()],
        1 => ENTITIES.iter().map(|e| e.parse().unwrap()).collect(),
        _ => Vec::new(),
    };
    Caller {
        permissions: random_permissions(rng),
        orgs,
        entities,
    }
}

fn random_scope(rng: &mut Rng, swarm: &Swarm) -> RequestScope {
    if !rng.chance(swarm.headers) {
        return RequestScope::default();
    }
    let entity = rng
        .chance(400)
        .then(|| rng.pick(&ENTITIES).parse().unwrap());
    let orgs = rng.chance(700).then(|| {
        let names: Vec<String> = org_subset(rng, true)
            .iter()
            .map(|o| o.as_str().to_owned())
            .collect();
        org_ids(&names.join(","))
    });
    RequestScope { entity, orgs }
}

/// The workload of `seed`: `len` operations, generated with the reference model as a guide so
/// that commands name entries that exist and fit the run's state (while duplicated, reordered
/// and stray commands still come).
pub fn generate(seed: u64, len: usize) -> Scenario {
    let mut rng = Rng::new(seed);
    let swarm = Swarm::draw(&mut rng);
    // User 0 administers the tenant (every permission and org, one entity); the others are
    // drawn at random.
    let mut users: Vec<Caller> = std::iter::once(Caller::superuser())
        .chain((1..swarm.users).map(|_| random_user(&mut rng)))
        .collect();
    let labels = if swarm.multi_org {
        org_subset(&mut rng, false)
    } else {
        Vec::new()
    };
    let initial_users = users.clone();
    let mut run_number = 1;
    let mut d = Delivery {
        ops: Vec::with_capacity(len + 8),
        guide: Model::new(jr(run_number), labels.clone()),
        users: users.clone(),
        labels: labels.clone(),
    };
    // A command held back, to be delivered after the next one (reordered delivery).
    let mut held: Option<Op> = None;
    while d.ops.len() < len {
        if d.guide.deleted {
            if let Some(op) = held.take() {
                d.deliver(op);
            }
            run_number += 1;
            d.deliver(Op::NewRun {
                number: jr(run_number),
            });
            continue;
        }
        let guide = &d.guide;
        let in_job = guide.status == JournalRunStatus::CancelInprogress;
        let boost = if in_job { 2 } else { 1 };
        if rng.chance(swarm.restart * boost) {
            d.deliver(Op::Restart);
            continue;
        }
        if rng.chance(swarm.permission_change * boost) {
            // Any user but the administrator (unless they are the only one).
            let user = if users.len() == 1 {
                0
            } else {
                1 + rng.below(users.len() as u64 - 1) as usize
            };
            let permissions = random_permissions(&mut rng);
            users[user].permissions = permissions;
            d.deliver(Op::SetPermissions { user, permissions });
            continue;
        }
        // Mostly a command that fits the run's state; sometimes a stray one.
        let kind = if rng.chance(950) {
            swarm.kind(&mut rng, |k| k.fits(guide))
        } else {
            swarm.kind(&mut rng, |_| true)
        };
        let Some(kind) = kind else {
            d.deliver(Op::Restart);
            continue;
        };
        // Mostly an entry the command fits; sometimes any entry, or one that does not exist.
        let fitting: Vec<JournalEntryNumber> = guide
            .entries
            .iter()
            .filter(|(_, e)| kind.fits_entry(e))
            .map(|(n, _)| *n)
            .collect();
        let entries: Vec<JournalEntryNumber> = guide.entries.keys().copied().collect();
        let entry = if entries.is_empty() || rng.chance(20) {
            je(1000 + rng.below(3))
        } else if fitting.is_empty() || rng.chance(200) {
            *rng.pick(&entries)
        } else {
            *rng.pick(&fitting)
        };
        let run = if rng.chance(950) {
            guide.number
        } else {
            jr(run_number + 1)
        };
        let scope = random_scope(&mut rng, &swarm);
        let created = |rng: &mut Rng| -> Vec<JournalEntryNumber> {
            let count = rng.below(swarm.max_entries + 1);
            let mut numbers: Vec<JournalEntryNumber> =
                (0..count).map(|_| je(1 + rng.below(200))).collect();
            if rng.chance(900) {
                numbers.sort_unstable();
                numbers.dedup();
            }
            numbers
        };
        let command = match kind {
            Kind::CancelRun => Command::CancelRun { run, scope },
            Kind::DeleteRun => Command::DeleteRun { run, scope },
            Kind::CancelEntry => Command::CancelEntry { entry, scope },
            Kind::DeleteEntry => Command::DeleteEntry { entry, scope },
            Kind::Update => Command::UpdateTransferredToAccounting {
                entry,
                value: *rng.pick(TransferredToAccounting::VARIANTS),
                scope,
            },
            Kind::Start => Command::StartProcessing,
            Kind::Complete => Command::CompleteProcessing {
                entries: created(&mut rng),
            },
            Kind::Fail => Command::FailProcessing {
                entries: created(&mut rng),
            },
            Kind::Step => Command::StepCancellation,
            Kind::Settle => Command::SettleCancellation,
            Kind::FinishDeletion => Command::FinishDeletion,
            Kind::BeginTransfer => Command::BeginTransfer { entry },
            Kind::FinishTransfer => Command::FinishTransfer {
                entry,
                result: if rng.chance(700) {
                    TransferResult::Yes
                } else {
                    TransferResult::Error
                },
            },
        };
        let user = if rng.chance(500) {
            0
        } else {
            rng.below(users.len() as u64) as usize
        };
        let op = Op::Execute { user, command };
        // Duplicated delivery: the same command twice.
        let copies = if rng.chance(swarm.duplicate) { 2 } else { 1 };
        for _ in 0..copies {
            if let Some(earlier) = held.take() {
                d.deliver(op.clone());
                d.deliver(earlier);
            } else if rng.chance(swarm.reorder) {
                held = Some(op.clone());
            } else {
                d.deliver(op.clone());
            }
        }
    }
    if let Some(op) = held.take() {
        d.deliver(op);
    }
    Scenario {
        seed,
        swarm,
        users: initial_users,
        labels,
        ops: d.ops,
    }
}

/// The workload as it is delivered, and the reference model following it (so that the next
/// command is drawn for the state the run will really be in).
struct Delivery {
    ops: Vec<Op>,
    guide: Model,
    users: Vec<Caller>,
    labels: Vec<OrgId>,
}

impl Delivery {
    fn deliver(&mut self, op: Op) {
        match &op {
            Op::Execute { user, command } => {
                let _ = self.guide.execute(&self.users[*user], command);
            }
            Op::SetPermissions { user, permissions } => {
                self.users[*user].permissions = *permissions
            }
            Op::Restart => {}
            Op::NewRun { number } => {
                if self.guide.deleted {
                    self.guide = Model::new(*number, self.labels.clone());
                }
            }
        }
        self.ops.push(op);
    }
}

/// How the system under test executes a command. The library is [`Library`]; tests of the
/// simulator itself put a deliberately wrong one in its place.
pub trait Machine {
    fn execute(
        &self,
        run: &mut JournalRun,
        caller: &Caller,
        command: &Command,
    ) -> Result<Event, Rejection>;
}

/// The library itself.
pub struct Library;

impl Machine for Library {
    fn execute(
        &self,
        run: &mut JournalRun,
        caller: &Caller,
        command: &Command,
    ) -> Result<Event, Rejection> {
        run.execute(caller, command)
    }
}

/// An extra check run on every state, beside the invariants (tests of the simulator inject a
/// broken one).
pub type ExtraCheck = dyn Fn(&JournalRun) -> Result<(), String>;

/// What one workload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub ops: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub restarts: usize,
    pub runs: usize,
    pub jobs_settled: usize,
    pub settled_cancelled: usize,
    pub attempts_failed: usize,
}

/// A failed workload: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The index of the operation after which a check failed.
    pub op: usize,
    pub message: String,
}

/// The simulated tenant: the live run as the process holds it, the model beside it, and the
/// observer's records (events since the run began, the job tracker).
struct World {
    users: Vec<Caller>,
    run: JournalRun,
    initial: JournalRun,
    model: Model,
    events: Vec<Event>,
    tracker: JobTracker,
}

impl World {
    fn new(users: Vec<Caller>, number: JournalRunNumber, labels: Vec<OrgId>) -> Self {
        let run = JournalRun::new(number, labels.clone());
        Self {
            users,
            initial: run.clone(),
            model: Model::new(number, labels),
            run,
            events: Vec::new(),
            tracker: JobTracker::default(),
        }
    }

    /// INV-7: the events since the run began rebuild the live run.
    fn check_replay(&self) -> Result<(), String> {
        match JournalRun::replay(self.initial.clone(), &self.events) {
            Ok(replayed) if replayed == self.run => Ok(()),
            Ok(replayed) => Err(format!(
                "INV-7: replaying {} events gives {replayed:?}, the live run is {:?}",
                self.events.len(),
                self.run
            )),
            Err((i, e)) => Err(format!("INV-7: event {i} does not replay: {e}")),
        }
    }
}

/// Runs `ops` and checks everything after each; the first failure, or what the workload did.
pub fn run_ops(
    scenario_users: &[Caller],
    labels: &[OrgId],
    ops: &[Op],
    machine: &dyn Machine,
    extra: &ExtraCheck,
) -> Result<Stats, Failure> {
    let mut stats = Stats {
        runs: 1,
        ..Stats::default()
    };
    let mut world = World::new(scenario_users.to_vec(), jr(1), labels.to_vec());
    for (i, op) in ops.iter().enumerate() {
        let fail = |message: String| Failure { op: i, message };
        stats.ops += 1;
        match op {
            Op::Execute { user, command } => {
                let Some(caller) = world.users.get(*user).cloned() else {
                    continue;
                };
                let before = world.run.clone();
                let result = machine.execute(&mut world.run, &caller, command);
                let expected = world.model.execute(&caller, command);
                if result != expected {
                    return Err(fail(format!(
                        "the library answered {result:?}, the model {expected:?}"
                    )));
                }
                let mut faults = command_faults(&before, &caller, command, &result, &world.run);
                match &result {
                    Ok(event) => {
                        stats.accepted += 1;
                        faults.extend(world.tracker.observe(&before, event));
                        world.events.push(event.clone());
                        match event {
                            Event::CancellationSettled { settlement } => {
                                stats.jobs_settled += 1;
                                if *settlement == journal_run::Settlement::Cancelled {
                                    stats.settled_cancelled += 1;
                                }
                            }
                            Event::EntryAttempted {
                                outcome: journal_run::AttemptOutcome::Failed { .. },
                                ..
                            } => stats.attempts_failed += 1,
                            _ => {}
                        }
                    }
                    Err(_) => stats.rejected += 1,
                }
                if !faults.is_empty() {
                    return Err(fail(faults.join("; ")));
                }
                if view_of_run(&world.run) != world.model.view() {
                    return Err(fail(format!(
                        "the library's state {:?} differs from the model's {:?}",
                        view_of_run(&world.run),
                        world.model.view()
                    )));
                }
            }
            Op::SetPermissions { user, permissions } => {
                if let Some(caller) = world.users.get_mut(*user) {
                    caller.permissions = *permissions;
                }
            }
            Op::Restart => {
                stats.restarts += 1;
                let saved = serde_json::to_string(&world.run)
                    .map_err(|e| fail(format!("INV-12: cannot save: {e}")))?;
                let resumed: JournalRun = serde_json::from_str(&saved)
                    .map_err(|e| fail(format!("INV-12: cannot resume from {saved}: {e}")))?;
                if resumed != world.run {
                    return Err(fail(format!("INV-12: {saved} resumes as {resumed:?}")));
                }
                let saved_again = serde_json::to_string(&resumed).unwrap_or_default();
                if saved_again != saved {
                    return Err(fail(format!("INV-12: saved {saved}, then {saved_again}")));
                }
                world.run = resumed;
            }
            Op::NewRun { number } => {
                if world.run.status().is_none() {
                    world.check_replay().map_err(fail)?;
                    let users = std::mem::take(&mut world.users);
                    world = World::new(users, *number, labels.to_vec());
                    stats.runs += 1;
                }
            }
        }
        extra(&world.run).map_err(fail)?;
    }
    world.check_replay().map_err(|message| Failure {
        op: ops.len(),
        message,
    })?;
    Ok(stats)
}

/// Shrinks a failing sequence: cut it after the failing operation, then delta-debug it (remove
/// chunks, halving their size down to single operations, for as long as the rest still fails).
/// Returns the shortest failing sequence found and its failure.
pub fn shrink(
    users: &[Caller],
    labels: &[OrgId],
    ops: &[Op],
    machine: &dyn Machine,
    extra: &ExtraCheck,
) -> Option<(Vec<Op>, Failure)> {
    let fails = |ops: &[Op]| run_ops(users, labels, ops, machine, extra).err();
    let mut failure = fails(ops)?;
    let mut current: Vec<Op> = ops[..(failure.op + 1).min(ops.len())].to_vec();
    let mut chunk = current.len().div_ceil(2).max(1);
    loop {
        let mut removed_any = false;
        let mut start = 0;
        while start < current.len() {
            let end = (start + chunk).min(current.len());
            let mut candidate = current[..start].to_vec();
            candidate.extend_from_slice(&current[end..]);
            match fails(&candidate) {
                Some(f) => {
                    current = candidate[..(f.op + 1).min(candidate.len())].to_vec();
                    failure = f;
                    removed_any = true;
                }
                None => start = end,
            }
        }
        if chunk == 1 && !removed_any {
            return Some((current, failure));
        }
        if !removed_any {
            chunk = chunk.div_ceil(2).max(1);
        }
    }
}

/// A failure reported with everything needed to replay it.
#[derive(Debug, Clone)]
pub struct Report {
    pub seed: u64,
    pub failure: Failure,
    pub shrunk: Vec<Op>,
    pub shrunk_failure: Failure,
    pub users: Vec<Caller>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "simulation seed {} failed at operation {}: {}",
            self.seed, self.failure.op, self.failure.message
        )?;
        writeln!(f, "users: {:?}", self.users)?;
        writeln!(
            f,
            "shortest failing sequence found ({} operations), failing with: {}",
            self.shrunk.len(),
            self.shrunk_failure.message
        )?;
        for (i, op) in self.shrunk.iter().enumerate() {
            writeln!(f, "  {i:>3}. {op}")?;
        }
        write!(
            f,
            "replay: SIM_SEED={} cargo test --test simulation",
            self.seed
        )
    }
}

/// Generates and runs the workload of `seed`; on failure, shrinks it.
pub fn simulate(
    seed: u64,
    len: usize,
    machine: &dyn Machine,
    extra: &ExtraCheck,
) -> Result<(Scenario, Stats), Box<Report>> {
    let scenario = generate(seed, len);
    match run_ops(
        &scenario.users,
        &scenario.labels,
        &scenario.ops,
        machine,
        extra,
    ) {
        Ok(stats) => Ok((scenario, stats)),
        Err(failure) => {
            let (shrunk, shrunk_failure) = shrink(
                &scenario.users,
                &scenario.labels,
                &scenario.ops,
                machine,
                extra,
            )
            .unwrap_or_else(|| (scenario.ops.clone(), failure.clone()));
            Err(Box::new(Report {
                seed,
                failure,
                shrunk,
                shrunk_failure,
                users: scenario.users,
            }))
        }
    }
}
