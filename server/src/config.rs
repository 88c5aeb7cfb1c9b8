//! The server's configuration: the command line's options and the TOML file (`--config`).
//! docs/SERVER.md, "The config file", describes every key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use journal_run::wire::HttpStatusMapping;
use journal_run::{Caller, OrgId};
use serde::Deserialize;

use toml::de::{DeTable, DeValue};

use crate::control::json::{self, BodyFault};

/// What `journal-run serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen (port 0: a free port).
    pub listen: SocketAddr,
    /// The SQLite file; `:memory:` for a throwaway store.
    pub db: String,
    /// Snapshot files to load at start (the format `cancel` and `audit` read).
    pub load: Vec<PathBuf>,
    /// The configuration.
    pub config: Config,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: "journal-run.db".to_owned(),
            load: Vec::new(),
            config: Config::default(),
        }
    }
}

/// The TOML configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// OAuth clients. Empty: one default client with fresh random credentials whose user has
    /// every permission.
    pub clients: Vec<Client>,
    /// Whether Multi-entity is on: when off, callers have no entities and runs belong to none.
    pub multi_entity: bool,
    /// Whether Multi-Org is on: when off, every caller can access every org.
    pub multi_org: bool,
    /// Orgs by name, to resolve an `organizationLabels[].organizationName` without an id.
    pub orgs: Vec<Org>,
    /// The HTTP status of each error category: `zuora` (default) or `rest`.
    pub http_status_mapping: HttpStatusMapping,
    /// How long an OAuth token lives, in seconds (Zuora: one hour).
    pub token_lifetime_secs: u64,
    /// The largest request body accepted, in bytes (after inflating a gzipped one).
    pub max_body_bytes: usize,
    /// The background jobs.
    pub jobs: Jobs,
    /// What processing a created run produces.
    pub processing: Processing,
    /// The control API.
    pub control: Control,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            clients: Vec::new(),
            multi_entity: true,
            multi_org: true,
            orgs: Vec::new(),
            http_status_mapping: HttpStatusMapping::Zuora,
            token_lifetime_secs: 3600,
            max_body_bytes: 1 << 20,
            jobs: Jobs::default(),
            processing: Processing::default(),
            control: Control::default(),
        }
    }
}

/// The longest `token_lifetime_secs` the loader accepts: one year (Zuora's tokens live an
/// hour; a longer one only has to outlive a test run).
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 365 * 24 * 3600;

/// The largest `max_body_bytes` the loader accepts: 1 GiB (Zuora's bodies are small; the
/// default is 1 MiB).
pub const MAX_BODY_BYTES: usize = 1 << 30;

/// The most entries processing creates for one run: 100,000, made in one step under the
/// tenant's lock (0.28 to 0.30 s and 190 MB, measured; a million took 2.7 s, in which no
/// other request was answered, and 1.9 GB).
pub const MAX_PROCESSED_ENTRIES: u32 = 100_000;

/// Why a config file is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not TOML: where, and what in the TOML reader's words.
    #[error("{}{message}", place.map_or_else(String::new, |(line, column)| format!("line {line}, column {column}: ")))]
    Syntax {
        /// The line and the column (from 1), when the reader says where.
        place: Option<(usize, usize)>,
        /// What is wrong.
        message: String,
    },
    /// A key or a value the config does not take: its line (where the value, or the table
    /// missing a key, is found), its key's path (`jobs.mode`, `clients[0].caller`) and what
    /// is wrong, in the words of the control API's faults (docs/DECISIONS.md, D-41), never a
    /// Rust type's name.
    #[error("{}{fault}", line.map_or_else(String::new, |line| format!("line {line}: ")))]
    Value {
        /// The line (from 1), when the path leads to one.
        line: Option<usize>,
        /// The path and the fault.
        fault: BodyFault,
    },
    /// A number over its bound.
    #[error("{key} = {value} is over the largest accepted, {max}")]
    TooLarge {
        /// The key.
        key: &'static str,
        /// Its value.
        value: u64,
        /// The bound.
        max: u64,
    },
    /// A number under its bound.
    #[error("{key} = {value} is under the smallest accepted, {min}")]
    TooSmall {
        /// The key.
        key: &'static str,
        /// Its value.
        value: u64,
        /// The bound.
        min: u64,
    },
    /// A fault of a value the file holds, at the value's line.
    #[error("line {line}: {fault}")]
    AtLine {
        /// The line (from 1).
        line: usize,
        /// The fault.
        fault: Box<ConfigError>,
    },
    /// `[control] allow_remote = true` without a `token` to check.
    #[error("[control] allow_remote = true needs a non-empty `token`: remote callers must send it as `Authorization: Bearer <token>`")]
    RemoteWithoutToken,
    /// Two items of a list give the same id: which one holds would be a guess.
    #[error("{list}[{second}].{key} `{id}` is {list}[{first}]'s too; each must be given once")]
    Repeated {
        /// The list (`clients`, `orgs`).
        list: &'static str,
        /// The key (`client_id`, `id`).
        key: &'static str,
        /// The id, clipped.
        id: String,
        /// The first item giving it.
        first: usize,
        /// The item giving it again.
        second: usize,
    },
}

/// The first id of `list` given twice, as [`ConfigError::Repeated`].
fn once<'a>(
    list: &'static str,
    key: &'static str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashMap::new();
    for (second, id) in ids.enumerate() {
        if let Some(&first) = seen.get(id) {
            return Err(ConfigError::Repeated {
                list,
                key,
                id: journal_run::clip(id).into_owned(),
                first,
                second,
            });
        }
        seen.insert(id, second);
    }
    Ok(())
}

impl ConfigError {
    /// The path of the key a check's fault is about (`processing.entries`, `clients[1].client_id`).
    fn key(&self) -> Option<String> {
        match self {
            Self::TooLarge { key, .. } | Self::TooSmall { key, .. } => Some((*key).to_owned()),
            Self::RemoteWithoutToken => Some("control.allow_remote".to_owned()),
            Self::Repeated {
                list, key, second, ..
            } => Some(format!("{list}[{second}].{key}")),
            Self::Syntax { .. } | Self::Value { .. } | Self::AtLine { .. } => None,
        }
    }
}

impl Config {
    /// Reads a config file's bytes: UTF-8 text, then [`from_toml`](Self::from_toml).
    ///
    /// # Errors
    ///
    /// Bytes that are not UTF-8, with the line and column where they start; else as
    /// [`from_toml`](Self::from_toml).
    pub fn from_file(bytes: &[u8]) -> Result<Self, ConfigError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::from_toml(text),
            Err(e) => {
                // (What came before the fault is text: its lines are counted in it.)
                let before =
                    String::from_utf8_lossy(bytes.get(..e.valid_up_to()).unwrap_or_default());
                Err(ConfigError::Syntax {
                    place: Some(place_after(&before)),
                    message: format!(
                        "invalid UTF-8 at byte offset {}: a TOML file is UTF-8 text",
                        e.valid_up_to()
                    ),
                })
            }
        }
    }

    /// Reads a TOML document, and checks its bounds (docs/SERVER.md, "The config file").
    ///
    /// # Errors
    ///
    /// Where and what, on one line (D-41): the TOML reader's words for a fault of the document,
    /// the control API's for a value, or a bound the config is over.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let root = DeTable::parse(text).map_err(|e| syntax(text, &e))?;
        let line = |path: &str| line_of(text, root.get_ref(), path);
        let value = table_as_json(root.get_ref(), "").map_err(|Unheld { path, what }| {
            ConfigError::Value {
                line: line(&path),
                fault: BodyFault::Value {
                    path,
                    message: format!("found {what}, which no key of the config takes"),
                    unknown: None,
                },
            }
        })?;
        // (Read by the control API's reader alone: the TOML reader's own takes an array for a
        // table, by position, and `{ manual = [] }` for `manual`.)
        let config: Self = json::from_value(value).map_err(|fault| ConfigError::Value {
            line: match &fault {
                // (An unknown key's own line; its table's is no help.)
                BodyFault::Value {
                    path,
                    unknown: Some(key),
                    ..
                } => line(&json::member_path(path, key)),
                BodyFault::Value { path, .. } => line(path),
                _ => None,
            },
            fault,
        })?;
        config
            .check()
            .map_err(|fault| match fault.key().and_then(|key| line(&key)) {
                Some(line) => ConfigError::AtLine {
                    line,
                    fault: Box::new(fault),
                },
                None => fault,
            })?;
        Ok(config)
    }

    /// Checks what the TOML types cannot say: `token_lifetime_secs`, `max_body_bytes` and
    /// `processing.entries` within their bounds, a `token` when remote callers are allowed.
    ///
    /// # Errors
    ///
    /// The first fault.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.token_lifetime_secs == 0 {
            return Err(ConfigError::TooSmall {
                key: "token_lifetime_secs",
                value: 0,
                min: 1,
            });
        }
        if self.token_lifetime_secs > MAX_TOKEN_LIFETIME_SECS {
            return Err(ConfigError::TooLarge {
                key: "token_lifetime_secs",
                value: self.token_lifetime_secs,
                max: MAX_TOKEN_LIFETIME_SECS,
            });
        }
        if self.max_body_bytes > MAX_BODY_BYTES {
            return Err(ConfigError::TooLarge {
                key: "max_body_bytes",
                value: u64::try_from(self.max_body_bytes).unwrap_or(u64::MAX),
                max: MAX_BODY_BYTES as u64,
            });
        }
        if self.control.allow_remote && self.control.token.as_deref().is_none_or(str::is_empty) {
            return Err(ConfigError::RemoteWithoutToken);
        }
        once(
            "clients",
            "client_id",
            self.clients.iter().map(|c| c.client_id.as_str()),
        )?;
        once("orgs", "id", self.orgs.iter().map(|o| o.id.as_str()))?;
        self.processing.check()
    }
}

/// A fault of the TOML document itself, as the TOML reader says it, after its line and column.
fn syntax(text: &str, error: &toml::de::Error) -> ConfigError {
    ConfigError::Syntax {
        place: error
            .span()
            .and_then(|span| text.get(..span.start))
            .map(place_after),
        message: error.message().trim_end().to_owned(),
    }
}

/// The line and column (from 1) of what follows the text `before`.
fn place_after(before: &str) -> (usize, usize) {
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before
        .get(line_start..)
        .map_or(0, |line| line.chars().count());
    (before.matches('\n').count() + 1, column + 1)
}

/// A value no key of the config takes, and no JSON value stands for as the control API's
/// reader reads it (a date or time; `nan`, `inf`, an integer past `u64`), at a path: what it
/// is, as written (clipped).
struct Unheld {
    path: String,
    what: String,
}

/// A parsed TOML table at `path` as the JSON object the control API's reader takes.
fn table_as_json(table: &DeTable<'_>, path: &str) -> Result<serde_json::Value, Unheld> {
    let members = table.iter().map(|(key, value)| {
        let key = key.get_ref().to_string();
        let path = json::member_path(path, &key);
        Ok((key, as_json(value.get_ref(), &path)?))
    });
    members
        .collect::<Result<_, _>>()
        .map(serde_json::Value::Object)
}

/// A parsed TOML value at `path` as the JSON value the control API's reader takes: an integer
/// as the whole number it is.
///
/// # Errors
///
/// A date or time, a float JSON cannot hold or an integer past `u64`: no key of the config
/// takes one (its keys' numbers are whole and at most `u64`'s), and no JSON value read as it
/// is written stands for it.
fn as_json(value: &DeValue<'_>, path: &str) -> Result<serde_json::Value, Unheld> {
    use serde_json::Value as Json;
    let unheld = |what: String| Unheld {
        path: path.to_owned(),
        what,
    };
    Ok(match value {
        DeValue::String(s) => Json::String(s.to_string()),
        DeValue::Integer(n) => {
            let (digits, radix) = (n.as_str(), n.radix());
            if let Ok(n) = i64::from_str_radix(digits, radix) {
                Json::from(n)
            } else if let Ok(n) = u64::from_str_radix(digits, radix) {
                Json::from(n)
            } else {
                return Err(unheld(format!(
                    "the number {}",
                    journal_run::clip(&n.to_string())
                )));
            }
        }
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .ok_or_else(|| unheld(format!("the number {}", journal_run::clip(&f.to_string()))))?,
        DeValue::Boolean(b) => Json::Bool(*b),
        DeValue::Datetime(d) => return Err(unheld(format!("the date or time {d}"))),
        DeValue::Array(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| as_json(v.get_ref(), &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(members) => table_as_json(members, path)?,
    })
}

/// The line (from 1) of the value at `path` (`a.b[2].c`, as [`json::from_value`] names it) in
/// the TOML document `text` parsed as `root`; `None` for the document itself, when a key holds
/// `.` or `[`, or the path leads nowhere.
fn line_of(text: &str, root: &DeTable<'_>, path: &str) -> Option<usize> {
    if path.is_empty() {
        return None;
    }
    let (mut span, mut table) = (0..0, Some(root));
    for segment in path.split('.') {
        let (key, indices) = segment.split_once('[').unwrap_or((segment, ""));
        let (_, value) = table?.iter().find(|(k, _)| k.get_ref() == key)?;
        let (mut here, mut at) = (value.get_ref(), value.span());
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            let index: usize = index.strip_suffix(']')?.parse().ok()?;
            let DeValue::Array(items) = here else {
                return None;
            };
            let item = items.get(index)?;
            (here, at) = (item.get_ref(), item.span());
        }
        span = at;
        table = match here {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    text.get(..span.start).map(|before| place_after(before).0)
}

/// An OAuth client and its user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The client id (Zuora's official client requires exactly 36 characters).
    pub client_id: String,
    /// The client secret (Zuora's official client accepts at most 42 characters).
    pub client_secret: String,
    /// The user's name, written as `transferredBy` of the transfers the user makes.
    #[serde(default = "default_user")]
    pub user: String,
    /// The user: permissions, accessible orgs, entities (the library's caller document:
    /// `permissions`, `platformPermissions`, `orgs`, `entities`). Absent: every permission.
    #[serde(default = "Caller::superuser")]
    pub caller: Caller,
}

/// The user of a client whose `user` is not given, and of the default client.
pub const DEFAULT_USER: &str = "api-user";

fn default_user() -> String {
    DEFAULT_USER.to_owned()
}

/// An org of the tenant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    /// Its id.
    pub id: OrgId,
    /// Its name.
    pub name: String,
}

/// Who drives the background jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobMode {
    /// The server steps every job at its pace.
    Auto,
    /// Nothing moves until the control API steps it.
    Manual,
}

/// The background jobs' pace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jobs {
    /// `auto` (default) or `manual`.
    pub mode: JobMode,
    /// Milliseconds between two steps of a job (a cancellation attempts one entry per step;
    /// processing starts, then completes, one step each). 0: unpaced, as fast as the store
    /// commits.
    pub step_interval_ms: u64,
}

impl Default for Jobs {
    fn default() -> Self {
        Self {
            mode: JobMode::Auto,
            step_interval_ms: 50,
        }
    }
}

impl Jobs {
    /// The pause between steps.
    #[must_use]
    pub const fn interval(&self) -> Duration {
        Duration::from_millis(self.step_interval_ms)
    }
}

/// What processing a created run produces: a deterministic source of entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default, rename_all = "camelCase")]
pub struct Processing {
    /// How many summary journal entries processing creates, numbered on from the entity's
    /// highest entry number.
    #[serde(deserialize_with = "entry_count")]
    pub entries: u32,
    /// Whether processing ends in `Error` (with its entries) instead of `Completed`.
    pub fail: bool,
}

impl Processing {
    /// Checks `entries` against [`MAX_PROCESSED_ENTRIES`] (the config file's
    /// `[processing]`, and `PUT /_control/processing`).
    ///
    /// # Errors
    ///
    /// [`ConfigError::TooLarge`], naming `processing.entries`.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.entries > MAX_PROCESSED_ENTRIES {
            return Err(ConfigError::TooLarge {
                key: "processing.entries",
                value: self.entries.into(),
                max: MAX_PROCESSED_ENTRIES.into(),
            });
        }
        Ok(())
    }
}

/// Reads `processing.entries`, a fault of its kind saying the bound that holds (not `u32`'s):
/// "expected a whole number from 0 to 100000"; a number over the bound that a `u32` holds is
/// [`Processing::check`]'s to refuse, naming the bound too.
fn entry_count<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};
    struct Count;
    impl Visitor<'_> for Count {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a whole number from 0 to {MAX_PROCESSED_ENTRIES}")
        }
        fn visit_u64<E: Error>(self, n: u64) -> Result<u32, E> {
            u32::try_from(n).map_err(|_| E::invalid_value(Unexpected::Unsigned(n), &self))
        }
        fn visit_i64<E: Error>(self, n: i64) -> Result<u32, E> {
            u32::try_from(n).map_err(|_| E::invalid_value(Unexpected::Signed(n), &self))
        }
    }
    deserializer.deserialize_u32(Count)
}

impl Default for Processing {
    fn default() -> Self {
        Self {
            entries: 10,
            fail: false,
        }
    }
}

/// The control API's guard.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Control {
    /// Whether the control API answers requests from other hosts than loopback. When it does,
    /// `token` is required.
    pub allow_remote: bool,
    /// The token a remote request must send as `Authorization: Bearer <token>`.
    pub token: Option<String>,
}
