//! The durable store: an embedded SQLite database holding each run's base documents and its
//! log, and the saved answers of idempotent requests.
//!
//! One writer thread owns the connection. Writes are submitted in order (under the tenant's
//! lock, so the order of the log is the order of the changes) and committed in groups: every
//! write waiting when a transaction starts goes into it, and each submitter is told when its
//! transaction has committed (`synchronous = FULL` in WAL mode: on disk). An answer is sent
//! only after that. A failed commit stops the server (fail-stop): the changes it held were
//! never answered, and a restart rebuilds the state from what was committed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::{params, Connection};
use tokio::sync::{oneshot, watch};

use crate::tenant::RunKey;

/// A change to the store.
#[derive(Debug)]
pub enum Write {
    /// A run's base documents, replacing the run and its log.
    Run {
        /// The run.
        key: RunKey,
        /// The base documents (a run snapshot, JSON).
        documents: String,
    },
    /// One record of a run's log.
    Record {
        /// The run.
        key: RunKey,
        /// Its position in the log.
        seq: u64,
        /// The record, JSON.
        record: String,
    },
    /// The saved answer of an idempotent request.
    Answer(SavedAnswer),
    /// Forget everything.
    Reset,
}

/// The answer of a request made with an `Idempotency-Key`, saved for 24 hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAnswer {
    /// The OAuth client that made it.
    pub client: String,
    /// The key.
    pub key: String,
    /// The request's method.
    pub method: String,
    /// The request's path.
    pub path: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's headers (JSON array of pairs).
    pub headers: String,
    /// The answer's body.
    pub body: Vec<u8>,
    /// When it was saved, in milliseconds since the Unix epoch.
    pub saved_ms: u64,
}

struct Batch {
    ticket: u64,
    writes: Vec<Write>,
    done: Option<oneshot::Sender<()>>,
}

/// A stored run: its key, its base documents (JSON), its log records (seq, JSON) in order.
pub type StoredRun = (RunKey, String, Vec<(u64, String)>);

/// What the store held at start.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Each run.
    pub runs: Vec<StoredRun>,
    /// The saved answers.
    pub answers: Vec<SavedAnswer>,
}

/// The store's handle.
pub struct Store {
    sender: Mutex<Option<mpsc::Sender<Batch>>>,
    next_ticket: AtomicU64,
    committed: watch::Receiver<u64>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite's error.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored key that is not a run number or entity id.
    #[error("the store holds an invalid run key: {0}")]
    Key(String),
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA wal_autocheckpoint = 0;
CREATE TABLE IF NOT EXISTS runs (
    entity TEXT NOT NULL,
    number INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    documents TEXT NOT NULL,
    PRIMARY KEY (entity, number)
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    number INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    client TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    saved_ms INTEGER NOT NULL,
    PRIMARY KEY (client, key)
);
-- Log records of replaced runs (an older generation) are garbage: dropped at each start.
DELETE FROM log WHERE NOT EXISTS (
    SELECT 1 FROM runs r
    WHERE r.entity = log.entity AND r.number = log.number AND r.generation = log.generation
);
";

fn entity_text(key: &RunKey) -> &str {
    key.entity.as_ref().map_or("", |e| e.as_str())
}

fn run_key(entity: &str, number: i64) -> Result<RunKey, StoreError> {
    let entity = if entity.is_empty() {
        None
    } else {
        Some(
            entity
                .parse()
                .map_err(|_| StoreError::Key(entity.to_owned()))?,
        )
    };
    let number = u64::try_from(number)
        .ok()
        .and_then(journal_run::JournalRunNumber::new)
        .ok_or_else(|| StoreError::Key(number.to_string()))?;
    Ok(RunKey { entity, number })
}

fn number_sql(key: &RunKey) -> i64 {
    i64::try_from(key.number.get()).unwrap_or(i64::MAX)
}

impl Store {
    /// Opens (or creates) the store at `path` (`:memory:` for one that lives as long as the
    /// process) and reads what it holds.
    ///
    /// # Errors
    ///
    /// SQLite's error, or an invalid stored key.
    pub fn open(path: &str) -> Result<(Self, Loaded), StoreError> {
        let connection = Connection::open(path)?;
        connection.execute_batch(SCHEMA)?;
        let (loaded, generations) = load(&connection)?;
        let (sender, receiver) = mpsc::channel::<Batch>();
        let (committed_tx, committed) = watch::channel(0);
        let writer = std::thread::Builder::new()
            .name("store-writer".to_owned())
            .spawn(move || write_loop(connection, generations, receiver, committed_tx))
            .map_err(|e| StoreError::Key(format!("cannot start the writer thread: {e}")))?;
        Ok((
            Self {
                sender: Mutex::new(Some(sender)),
                next_ticket: AtomicU64::new(1),
                committed,
                writer: Mutex::new(Some(writer)),
            },
            loaded,
        ))
    }

    /// Submits writes, in order after every write submitted before; returns the ticket and a
    /// receiver told when they are committed.
    pub fn submit(&self, writes: Vec<Write>) -> (u64, oneshot::Receiver<()>) {
        let (done, receiver) = oneshot::channel();
        // Tickets are queued in their order: the writer's "committed up to" is then exact.
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = self.next_ticket.fetch_add(1, Ordering::SeqCst);
        if let Some(sender) = sender.as_ref() {
            // A closed channel means the writer stopped: the receiver then reports it.
            let _ = sender.send(Batch {
                ticket,
                writes,
                done: Some(done),
            });
        }
        (ticket, receiver)
    }

    /// Waits until every write up to `ticket` is committed.
    pub async fn committed(&self, ticket: u64) {
        let mut committed = self.committed.clone();
        // An error means the writer stopped; the server is stopping then.
        let _ = committed.wait_for(|&c| c >= ticket).await;
    }

    /// Stops the writer after it has committed everything submitted: writes submitted after
    /// are never committed, and their receivers say so.
    pub fn close(&self) {
        *self.sender.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

/// The current generation of each run: a replaced run's new documents and log get the next
/// one, so that its old log records (left in place: the log is append-only) are not read.
type Generations = HashMap<(String, i64), i64>;

fn load(connection: &Connection) -> Result<(Loaded, Generations), StoreError> {
    let mut loaded = Loaded::default();
    let mut generations = Generations::new();
    let mut runs = connection.prepare(
        "SELECT entity, number, generation, documents FROM runs ORDER BY entity, number",
    )?;
    let rows = runs.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut index = HashMap::new();
    for row in rows {
        let (entity, number, generation, documents) = row?;
        index.insert((entity.clone(), number), loaded.runs.len());
        generations.insert((entity.clone(), number), generation);
        loaded
            .runs
            .push((run_key(&entity, number)?, documents, Vec::new()));
    }
    // The log in the order it was written; each record goes to its run.
    let mut log = connection
        .prepare("SELECT entity, number, generation, seq, record FROM log ORDER BY id")?;
    let rows = log.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, i64>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (entity, number, generation, seq, record) = row?;
        let id = (entity, number);
        if generations.get(&id) != Some(&generation) {
            continue;
        }
        if let Some(run) = index.get(&id).and_then(|&i| loaded.runs.get_mut(i)) {
            run.2.push((u64::try_from(seq).unwrap_or(0), record));
        }
    }
    let mut answers = connection.prepare(
        "SELECT client, key, method, path, status, headers, body, saved_ms FROM answers",
    )?;
    loaded.answers = answers
        .query_map([], |row| {
            Ok(SavedAnswer {
                client: row.get(0)?,
                key: row.get(1)?,
                method: row.get(2)?,
                path: row.get(3)?,
                status: row.get(4)?,
                headers: row.get(5)?,
                body: row.get(6)?,
                saved_ms: u64::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((loaded, generations))
}

/// How many commits may pass between two checkpoints of the write-ahead log while writes keep
/// coming.
const CHECKPOINT_EVERY: usize = 512;

/// How long the writer waits without a write before it checkpoints.
const IDLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Copies the write-ahead log into the database. A failed checkpoint loses nothing: the records
/// stay committed in the WAL, and the next checkpoint tries again.
fn checkpoint(connection: &Connection) {
    if let Err(error) = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
        tracing::warn!(%error, "a checkpoint failed; it is retried later");
    }
}

/// The writer: takes every batch waiting, commits them in one transaction, then tells each
/// submitter. After `IDLE` without a write (or every `CHECKPOINT_EVERY` commits) it
/// checkpoints the write-ahead log into the database, off the path of the answers.
fn write_loop(
    mut connection: Connection,
    mut generations: Generations,
    receiver: mpsc::Receiver<Batch>,
    committed: watch::Sender<u64>,
) {
    let mut since_checkpoint = 0;
    loop {
        let first = match receiver.recv_timeout(IDLE) {
            Ok(batch) => batch,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if since_checkpoint > 0 {
                    checkpoint(&connection);
                    since_checkpoint = 0;
                }
                match receiver.recv() {
                    Ok(batch) => batch,
                    Err(_) => break,
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let mut group = vec![first];
        while let Ok(more) = receiver.try_recv() {
            group.push(more);
        }
        if let Err(error) = commit(&mut connection, &mut generations, &group) {
            tracing::error!(%error, "the store cannot commit; stopping (nothing uncommitted was answered)");
            eprintln!("journal-run serve: the store cannot commit ({error}); stopping");
            std::process::exit(70);
        }
        let last = group.iter().map(|b| b.ticket).max().unwrap_or(0);
        committed.send_modify(|c| *c = (*c).max(last));
        for batch in &mut group {
            if let Some(done) = batch.done.take() {
                let _ = done.send(());
            }
        }
        since_checkpoint += 1;
        if since_checkpoint >= CHECKPOINT_EVERY {
            checkpoint(&connection);
            since_checkpoint = 0;
        }
    }
    let _ = connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

fn commit(
    connection: &mut Connection,
    generations: &mut Generations,
    group: &[Batch],
) -> rusqlite::Result<()> {
    let tx = connection.transaction()?;
    {
        let mut put_run = tx.prepare_cached(
            "INSERT OR REPLACE INTO runs (entity, number, generation, documents) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut put_record = tx.prepare_cached(
            "INSERT INTO log (entity, number, generation, seq, record) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut put_answer = tx.prepare_cached(
            "INSERT OR REPLACE INTO answers (client, key, method, path, status, headers, body, saved_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for write in group.iter().flat_map(|b| &b.writes) {
            match write {
                Write::Run { key, documents } => {
                    let id = (entity_text(key).to_owned(), number_sql(key));
                    let generation = generations.get(&id).map_or(1, |g| g + 1);
                    put_run.execute(params![id.0, id.1, generation, documents])?;
                    generations.insert(id, generation);
                }
                Write::Record { key, seq, record } => {
                    let id = (entity_text(key).to_owned(), number_sql(key));
                    let generation = generations.get(&id).copied().unwrap_or(1);
                    let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
                    put_record.execute(params![id.0, id.1, generation, seq, record])?;
                }
                Write::Answer(a) => {
                    put_answer.execute(params![
                        a.client,
                        a.key,
                        a.method,
                        a.path,
                        a.status,
                        a.headers,
                        a.body,
                        i64::try_from(a.saved_ms).unwrap_or(i64::MAX)
                    ])?;
                }
                Write::Reset => {
                    tx.execute_batch("DELETE FROM runs; DELETE FROM log; DELETE FROM answers;")?;
                    generations.clear();
                }
            }
        }
    }
    tx.commit()
}
