//! The server's shared state: the tenant, the store, OAuth clients and tokens, saved answers
//! of idempotent requests, and the jobs' switches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use journal_run::wire::{ProcessId, RequestId};
use journal_run::Caller;

use crate::config::{Client, Config, Processing};
use crate::store::{SavedAnswer, Store, Write};
use crate::tenant::{LogRecord, RunKey, Tenant};

/// How long a saved idempotent answer is replayed (FACTS.md: 24 hours).
pub const IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// An OAuth token's holder.
#[derive(Debug, Clone)]
pub struct Session {
    /// The index of the client in [`App::clients`].
    pub client: usize,
    /// When the token stops working.
    pub expires: Instant,
}

/// A request made with an `Idempotency-Key`: in progress, or answered.
#[derive(Debug, Clone)]
pub enum Idempotent {
    /// The first request with the key is being answered.
    InProgress {
        /// Its method.
        method: String,
        /// Its path.
        path: String,
    },
    /// Its answer.
    Answered(SavedAnswer),
}

/// Everything the handlers share.
pub struct App {
    /// The configuration.
    pub config: Config,
    /// The OAuth clients (the configured ones, or the default one).
    pub clients: Vec<Client>,
    /// The base URL the server answers at (`http://ADDR:PORT`), for `nextPage`.
    pub base_url: String,
    tenant: RwLock<Tenant>,
    /// The store.
    pub store: Store,
    tokens: Mutex<HashMap<String, Session>>,
    idempotency: Mutex<HashMap<(String, String), Idempotent>>,
    /// Whether every job is paused.
    pub jobs_paused: AtomicBool,
    processing: Mutex<Processing>,
    /// Wakes the jobs' driver after a change that may give it work.
    pub wake_jobs: tokio::sync::Notify,
}

fn unpoison<T>(result: Result<T, PoisonError<T>>) -> T {
    result.unwrap_or_else(PoisonError::into_inner)
}

impl App {
    /// The shared state.
    #[must_use]
    pub fn new(
        config: Config,
        clients: Vec<Client>,
        base_url: String,
        tenant: Tenant,
        store: Store,
        answers: Vec<SavedAnswer>,
    ) -> Self {
        let processing = config.processing;
        let now = now_ms();
        let idempotency = answers
            .into_iter()
            .filter(|a| now.saturating_sub(a.saved_ms) < window_ms())
            .map(|a| ((a.client.clone(), a.key.clone()), Idempotent::Answered(a)))
            .collect();
        Self {
            config,
            clients,
            base_url,
            tenant: RwLock::new(tenant),
            store,
            tokens: Mutex::new(HashMap::new()),
            idempotency: Mutex::new(idempotency),
            jobs_paused: AtomicBool::new(false),
            processing: Mutex::new(processing),
            wake_jobs: tokio::sync::Notify::new(),
        }
    }

    /// Reads the tenant.
    pub fn read(&self) -> RwLockReadGuard<'_, Tenant> {
        unpoison(self.tenant.read())
    }

    /// Changes the tenant.
    pub fn write(&self) -> RwLockWriteGuard<'_, Tenant> {
        unpoison(self.tenant.write())
    }

    /// What processing a created run produces now.
    pub fn processing(&self) -> Processing {
        *unpoison(self.processing.lock())
    }

    /// Sets what processing produces.
    pub fn set_processing(&self, processing: Processing) {
        *unpoison(self.processing.lock()) = processing;
    }

    /// Submits the log records just appended to runs (under the tenant's lock, so that the
    /// store's order is the log's), and notes each run's ticket. Returns a receiver told
    /// when they are committed.
    pub fn persist(
        &self,
        tenant: &mut Tenant,
        records: Vec<(RunKey, LogRecord)>,
    ) -> tokio::sync::oneshot::Receiver<()> {
        let keys: Vec<RunKey> = records.iter().map(|(k, _)| k.clone()).collect();
        let writes = records
            .into_iter()
            .map(|(key, record)| Write::Record {
                seq: record.seq,
                record: serde_json::to_string(&record).unwrap_or_default(),
                key,
            })
            .collect();
        let (ticket, done) = self.store.submit(writes);
        for key in keys {
            tenant.set_ticket(&key, ticket);
        }
        done
    }

    /// Issues a token for client `client`: it lives `token_lifetime_secs`, or, should the
    /// clock not reach that far (a config built in code, past the loader's bound), as long as
    /// the config's bound ([`crate::config::MAX_TOKEN_LIFETIME_SECS`]).
    pub fn issue_token(&self, client: usize) -> (String, Duration) {
        let token = random_hex(32);
        let now = Instant::now();
        let asked = Duration::from_secs(self.config.token_lifetime_secs);
        let (expires, lifetime) = match now.checked_add(asked) {
            Some(expires) => (expires, asked),
            None => {
                let bound = Duration::from_secs(crate::config::MAX_TOKEN_LIFETIME_SECS);
                now.checked_add(bound)
                    .map_or((now, Duration::ZERO), |expires| (expires, bound))
            }
        };
        unpoison(self.tokens.lock()).insert(token.clone(), Session { client, expires });
        (token, lifetime)
    }

    /// The client a live token belongs to.
    pub fn authenticate(&self, token: &str) -> Option<usize> {
        let mut tokens = unpoison(self.tokens.lock());
        match tokens.get(token) {
            Some(session) if session.expires > Instant::now() => Some(session.client),
            Some(_) => {
                tokens.remove(token);
                None
            }
            None => None,
        }
    }

    /// Expires every token (the control API), or one.
    pub fn expire_tokens(&self, only: Option<&str>) -> usize {
        let mut tokens = unpoison(self.tokens.lock());
        match only {
            Some(token) => usize::from(tokens.remove(token).is_some()),
            None => {
                let n = tokens.len();
                tokens.clear();
                n
            }
        }
    }

    /// The caller of client `client`, as the tenant's configuration shapes it (Multi-entity or
    /// Multi-Org off: no entities, every org).
    pub fn caller(&self, client: usize) -> Caller {
        let mut caller = self
            .clients
            .get(client)
            .map_or_else(Caller::superuser, |c| c.caller.clone());
        if !self.config.multi_entity {
            caller.entities.clear();
        }
        if !self.config.multi_org {
            caller.orgs = journal_run::OrgAccess::All;
        }
        caller
    }

    /// The user name of client `client`.
    pub fn user(&self, client: usize) -> String {
        self.clients.get(client).map_or_else(
            || crate::config::DEFAULT_USER.to_owned(),
            |c| c.user.clone(),
        )
    }

    /// Begins a request with an `Idempotency-Key`: `Ok(None)` to carry it out (it is then
    /// in progress), `Ok(Some(answer))` to replay a saved answer, `Err(status)` for 409 (the
    /// first is still in progress) or 422 (the key was used with another method or path).
    pub fn begin_idempotent(
        &self,
        client: &str,
        key: &str,
        method: &str,
        path: &str,
    ) -> Result<Option<SavedAnswer>, u16> {
        let mut map = unpoison(self.idempotency.lock());
        let id = (client.to_owned(), key.to_owned());
        match map.get(&id) {
            Some(Idempotent::InProgress { .. }) => Err(409),
            Some(Idempotent::Answered(saved))
                if now_ms().saturating_sub(saved.saved_ms) < window_ms() =>
            {
                if saved.method == method && saved.path == path {
                    Ok(Some(saved.clone()))
                } else {
                    Err(422)
                }
            }
            Some(Idempotent::Answered(_)) | None => {
                map.insert(
                    id,
                    Idempotent::InProgress {
                        method: method.to_owned(),
                        path: path.to_owned(),
                    },
                );
                Ok(None)
            }
        }
    }

    /// Ends a request with an `Idempotency-Key`: its answer is saved.
    pub fn end_idempotent(&self, answer: SavedAnswer) {
        unpoison(self.idempotency.lock()).insert(
            (answer.client.clone(), answer.key.clone()),
            Idempotent::Answered(answer),
        );
    }

    /// Ends a request with an `Idempotency-Key` that leaves no answer to save (its body never
    /// arrived whole, or its handler was dropped with its connection): the key is free again.
    pub fn abandon_idempotent(&self, client: &str, key: &str) {
        let mut map = unpoison(self.idempotency.lock());
        let id = (client.to_owned(), key.to_owned());
        if matches!(map.get(&id), Some(Idempotent::InProgress { .. })) {
            map.remove(&id);
        }
    }

    /// Forgets the saved answers (reset).
    pub fn clear_idempotency(&self) {
        unpoison(self.idempotency.lock()).clear();
    }

    /// Whether the jobs are paused.
    pub fn paused(&self) -> bool {
        self.jobs_paused.load(Ordering::SeqCst)
    }
}

fn window_ms() -> u64 {
    u64::try_from(IDEMPOTENCY_WINDOW.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds since the Unix epoch.
#[must_use]
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The time now, UTC, as RFC 3339 with milliseconds (`2026-11-30T12:00:00.000Z`).
#[must_use]
pub fn now_rfc3339() -> String {
    rfc3339(now_ms())
}

/// A time in milliseconds since the epoch as RFC 3339, UTC.
#[must_use]
pub fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// `n` random bytes as lower-case hex.
#[must_use]
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // The operating system's generator; it fails only on a broken system.
    if getrandom::fill(&mut bytes).is_err() {
        let seed = now_ms();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed.rotate_left(u32::try_from(i % 64).unwrap_or(0)) & 0xff) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

thread_local! {
    /// The state of this thread's generator of ids (wyrand), seeded from the operating system.
    static IDS: std::cell::Cell<u64> = std::cell::Cell::new(seed());
}

fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return now_ms() ^ 0x9e37_79b9_7f4a_7c15;
    }
    u64::from_le_bytes(bytes)
}

/// The next 64 random bits of this thread's id generator (wyrand: fast, not for secrets; the
/// tokens use the operating system's generator).
fn next_id_bits() -> u64 {
    IDS.with(|state| {
        let s = state.get().wrapping_add(0xa076_1d64_78bd_642f);
        state.set(s);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) ^ t) as u64
    })
}

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn hex_into(out: &mut String, bytes: &[u8], digits: &[u8; 16]) {
    for b in bytes {
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 0x0f)]));
    }
}

/// A fresh `Zuora-Request-Id` (a version 4 UUID) and `processId` (16 upper-case hex digits).
#[must_use]
pub fn fresh_ids() -> (RequestId, ProcessId) {
    let mut uuid = [0u8; 16];
    uuid[..8].copy_from_slice(&next_id_bits().to_le_bytes());
    uuid[8..].copy_from_slice(&next_id_bits().to_le_bytes());
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (i, part) in [
        &uuid[0..4],
        &uuid[4..6],
        &uuid[6..8],
        &uuid[8..10],
        &uuid[10..16],
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            text.push('-');
        }
        hex_into(&mut text, part, HEX_LOWER);
    }
    let mut process = String::with_capacity(16);
    hex_into(&mut process, &next_id_bits().to_le_bytes(), HEX_UPPER);
    match (RequestId::parse(&text), ProcessId::parse(&process)) {
        (Ok(r), Ok(p)) => (r, p),
        // Both are well formed by construction.
        _ => fallback_ids(),
    }
}

fn fallback_ids() -> (RequestId, ProcessId) {
    #[allow(clippy::expect_used)]
    (
        RequestId::parse("00000000-0000-4000-8000-000000000000").expect("a valid request id"),
        ProcessId::parse("0000000000000000").expect("a valid process id"),
    )
}

#[cfg(test)]
mod tests {
    use super::{now_ms, App, IDEMPOTENCY_WINDOW};
    use crate::config::Config;
    use crate::store::{SavedAnswer, Store};
    use crate::tenant::Tenant;

    const HOUR_MS: u64 = 3_600_000;

    /// Times as RFC 3339, UTC, with milliseconds: the epoch, a leap day's last millisecond,
    /// a century that is no leap year, the last second of a year (each checked with Python's
    /// `datetime`).
    #[test]
    fn times_are_written_as_rfc3339_in_utc() {
        for (ms, text) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (946_684_799_000, "1999-12-31T23:59:59.000Z"),
            (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
            (1_796_040_000_000, "2026-11-30T12:00:00.000Z"),
            (4_107_542_400_001, "2100-03-01T00:00:00.001Z"),
        ] {
            assert_eq!(super::rfc3339(ms), text, "{ms}");
        }
    }

    fn saved(key: &str, age_ms: u64) -> SavedAnswer {
        SavedAnswer {
            client: "client".to_owned(),
            key: key.to_owned(),
            method: "POST".to_owned(),
            path: "/v1/journal-runs".to_owned(),
            status: 200,
            headers: "[]".to_owned(),
            body: key.as_bytes().to_vec(),
            saved_ms: now_ms().saturating_sub(age_ms),
        }
    }

    /// A saved answer is replayed for 24 hours (FACTS.md, "Idempotency"), then its key is a
    /// new request's: read from the store at the start, and saved while the server runs.
    #[test]
    fn a_saved_answer_is_replayed_for_24_hours_then_its_key_is_free() {
        assert_eq!(IDEMPOTENCY_WINDOW.as_secs(), 24 * 60 * 60);
        let (store, _) = Store::open(":memory:").expect("a store");
        let stored = vec![
            saved("stored-23h", 23 * HOUR_MS),
            saved("stored-25h", 25 * HOUR_MS),
        ];
        let app = App::new(
            Config::default(),
            Vec::new(),
            "http://127.0.0.1".to_owned(),
            Tenant::default(),
            store,
            stored,
        );
        app.end_idempotent(saved("saved-23h", 23 * HOUR_MS));
        app.end_idempotent(saved("saved-25h", 25 * HOUR_MS));
        for key in ["stored", "saved"] {
            let young = format!("{key}-23h");
            let replayed = app.begin_idempotent("client", &young, "POST", "/v1/journal-runs");
            assert_eq!(
                replayed.map(|s| s.map(|s| s.body)),
                Ok(Some(young.clone().into_bytes())),
                "{young}"
            );
            let old = format!("{key}-25h");
            let carried_out = app.begin_idempotent("client", &old, "POST", "/v1/journal-runs");
            assert_eq!(carried_out, Ok(None), "{old}");
            // The key is now in progress again.
            let again = app.begin_idempotent("client", &old, "POST", "/v1/journal-runs");
            assert_eq!(again, Err(409), "{old}");
        }
    }
}
