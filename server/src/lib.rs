//! `journal-run serve`: a local, stateful Zuora for journal runs.
//!
//! Zuora's endpoints for journal runs and summary journal entries ([`api`]), OAuth client
//! credentials ([`oauth`]), Zuora's asynchronous work ([`jobs`]) and a control API
//! ([`control`]), on the library's rules and wire layer, with every accepted change committed
//! to an embedded SQLite store ([`store`]) before it is answered. docs/SERVER.md is the guide.

#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod config;
pub mod control;
pub mod jobs;
pub mod oauth;
pub mod page;
pub mod store;
pub mod tenant;
mod url;

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, Method};
use axum::routing::{any, get, post, put};
use axum::Router;
use journal_run::wire::RunSnapshot;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::{random_hex, App};
use crate::config::{Client, Options};
use crate::store::Store;
use crate::tenant::{LogRecord, RunKey, Tenant};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The store.
    #[error("the store {path}: {source}")]
    Store {
        /// The path.
        path: String,
        /// Why.
        source: store::StoreError,
    },
    /// A stored run that the library refuses.
    #[error("the store holds journal run {run}, which cannot be rebuilt: {reason}")]
    Stored {
        /// The run.
        run: String,
        /// Why.
        reason: String,
    },
    /// A snapshot file given with `--load`.
    #[error("{path}: {reason}")]
    Load {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The address.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A method the route does not support, answered as Zuora's category 45.
fn method_fallback(
    path: &'static str,
    allowed: &'static [&'static str],
) -> axum::routing::MethodRouter<Arc<App>> {
    any(
        move |axum::extract::State(app): axum::extract::State<Arc<App>>,
              method: Method,
              headers: HeaderMap| async move {
            api::method_not_allowed(&app, &method, path, allowed, &headers)
        },
    )
}

/// The router: Zuora's paths, OAuth, the control API under [`control::PREFIX`].
pub fn router(app: Arc<App>) -> Router {
    // (The page's forms, and the control paths that take no body: a body announced is read
    // whole within the deadline, or the request does nothing.)
    let whole = axum::middleware::from_fn(control::read_whole);
    let control = Router::new()
        .merge(page::routes().layer(whole.clone()))
        .route("/health", get(control::health))
        .route("/runs", get(control::list).post(control::load))
        .route("/runs/{jr}", get(control::export))
        .route("/runs/{jr}/log", get(control::log))
        .route("/runs/{jr}/replay", get(control::replay))
        .route(
            "/runs/{jr}/job/{action}",
            post(control::job).layer(whole.clone()),
        )
        .route(
            "/jobs/{action}",
            post(control::jobs_switch).layer(whole.clone()),
        )
        .route(
            "/processing",
            get(control::get_processing).put(control::set_processing),
        )
        .route("/entries/{je}/transfer", post(control::transfer))
        .route("/tokens/expire", post(control::expire))
        .route("/reset", post(control::reset).layer(whole))
        .fallback(control::no_such_path)
        .layer(axum::middleware::from_fn(control::json_errors))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            control::guard,
        ));
    Router::new()
        .route("/", get(page::root).fallback(api::unknown_path))
        .route(
            page::PAGE_ROOT,
            get(page::index).route_layer(axum::middleware::from_fn_with_state(
                app.clone(),
                control::guard,
            )),
        )
        .route(
            "/oauth/token",
            post(oauth::token).fallback(method_fallback("/oauth/token", &["POST"])),
        )
        .route(
            "/v1/journal-runs",
            post(api::create_run).fallback(method_fallback("/v1/journal-runs", &["POST"])),
        )
        .route(
            "/v1/journal-runs/{jr}",
            get(api::get_run)
                .delete(api::delete_run)
                .fallback(method_fallback(
                    "/v1/journal-runs/{jr-number}",
                    &["GET", "DELETE"],
                )),
        )
        .route(
            "/v1/journal-runs/{jr}/cancel",
            put(api::cancel_run).fallback(method_fallback(
                "/v1/journal-runs/{jr-number}/cancel",
                &["PUT"],
            )),
        )
        .route(
            "/v1/journal-entries",
            post(api::create_entry).fallback(method_fallback("/v1/journal-entries", &["POST"])),
        )
        .route(
            "/v1/journal-entries/{je}",
            get(api::get_entry)
                .delete(api::delete_entry)
                .fallback(method_fallback(
                    "/v1/journal-entries/{je-number}",
                    &["GET", "DELETE"],
                )),
        )
        .route(
            "/v1/journal-entries/journal-runs/{jr}",
            get(api::list_entries).fallback(method_fallback(
                "/v1/journal-entries/journal-runs/{jr-number}",
                &["GET"],
            )),
        )
        .route(
            "/v1/journal-entries/{je}/cancel",
            put(api::cancel_entry).fallback(method_fallback(
                "/v1/journal-entries/{je-number}/cancel",
                &["PUT"],
            )),
        )
        .route(
            "/v1/journal-entries/{je}/basic-information",
            put(api::update_entry).fallback(method_fallback(
                "/v1/journal-entries/{je-number}/basic-information",
                &["PUT"],
            )),
        )
        .nest(control::PREFIX, control)
        .fallback(api::unknown_path)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            api::internal_error()
        }))
        .with_state(app)
}

/// The server, started: its address and the default OAuth client's credentials.
pub struct Started {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The first OAuth client: id and secret.
    pub client: (String, String),
    app: Arc<App>,
    listener: TcpListener,
}

/// A fresh OAuth client whose user has every permission: an id of 36 characters (a UUID, as
/// Zuora's client ids are) and a secret of 40 hex digits.
fn default_client() -> Client {
    Client {
        client_id: uuid::Uuid::new_v4().to_string(),
        client_secret: random_hex(20),
        user: config::DEFAULT_USER.to_owned(),
        caller: journal_run::Caller::superuser(),
    }
}

/// Opens the store, rebuilds every run from it, loads the `--load` files, and binds the
/// address. Nothing is served yet.
///
/// # Errors
///
/// A [`StartError`] saying what could not be done.
pub async fn start(options: Options) -> Result<Started, StartError> {
    let (store, loaded) = Store::open(&options.db).map_err(|source| StartError::Store {
        path: options.db.clone(),
        source,
    })?;
    let mut tenant = Tenant::default();
    for (key, documents, records) in loaded.runs {
        let stored = |reason: String| StartError::Stored {
            run: key.number.to_string(),
            reason,
        };
        let base: RunSnapshot =
            serde_json::from_str(&documents).map_err(|e| stored(e.to_string()))?;
        let log = records
            .into_iter()
            .map(|(_, record)| serde_json::from_str::<LogRecord>(&record))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| stored(e.to_string()))?;
        tenant
            .insert(key.clone(), base, log)
            .map_err(|e| stored(e.to_string()))?;
    }
    let listener =
        TcpListener::bind(options.listen)
            .await
            .map_err(|source| StartError::Listen {
                addr: options.listen,
                source,
            })?;
    let addr = listener.local_addr()?;
    let mut clients = options.config.clients.clone();
    if clients.is_empty() {
        clients.push(default_client());
    }
    let client = clients
        .first()
        .map(|c| (c.client_id.clone(), c.client_secret.clone()))
        .unwrap_or_default();
    let app = Arc::new(App::new(
        options.config,
        clients,
        format!("http://{addr}"),
        tenant,
        store,
        loaded.answers,
    ));
    for path in &options.load {
        let load_error = |reason: String| StartError::Load {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| load_error(e.to_string()))?;
        let snapshot: control::SnapshotFile =
            control::read_snapshot(&text).map_err(|e| load_error(e.message()))?;
        control::load_snapshot(&app, None, snapshot.into())
            .await
            .map_err(|e| load_error(e.message()))?;
    }
    Ok(Started {
        addr,
        client,
        app,
        listener,
    })
}

impl Started {
    /// The shared state (for in-process tests).
    #[must_use]
    pub fn app(&self) -> Arc<App> {
        self.app.clone()
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish, stops the jobs
    /// and commits everything accepted before returning.
    ///
    /// # Errors
    ///
    /// An I/O error of the listener.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let (stop_jobs, jobs_stopped) = watch::channel(false);
        let jobs = tokio::spawn(jobs::drive(self.app.clone(), jobs_stopped));
        accept(self.listener, router(self.app.clone()), shutdown).await;
        let _ = stop_jobs.send(true);
        let _ = jobs.await;
        // Every answer sent waited for its commit; the jobs' last steps are committed now.
        let (_, done) = self.app.store.submit(Vec::new());
        let _ = done.await;
        Ok(())
    }
}

/// How long a connection may take to send a request's whole headers, from when it is ready for
/// one (opened, or the answer before sent): a client slower than that, or idle that long, is
/// disconnected (hyper's `header_read_timeout`).
pub const HEADER_DEADLINE: Duration = Duration::from_secs(30);
/// How long the requests in flight at the stop signal have to finish; the connections still
/// open then (a client that stopped sending its request) are closed.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves connections from `listener` until `shutdown` resolves, then lets the requests in
/// flight finish, for [`SHUTDOWN_GRACE`] at most.
async fn accept(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use tower_service::Service as _;
    let mut make = router.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // (`half_close`: a client that shuts its side after a whole request still gets the answer.)
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_DEADLINE)
        .half_close(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // (Out of descriptors, most likely: the connections open free them.)
                    tracing::warn!(%error, "a connection could not be accepted");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(service) = make.call(peer).await;
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        tokio::spawn(graceful.watch(connection));
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open {} s after the stop signal are closed",
            SHUTDOWN_GRACE.as_secs()
        );
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// `journal-run serve`: starts the server, prints its two lines, serves until SIGINT or
/// SIGTERM.
///
/// # Errors
///
/// A [`StartError`].
pub fn run(options: Options) -> Result<(), StartError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let started = start(options).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", started.addr)?;
        writeln!(
            out,
            "oauth client: {} {}",
            started.client.0, started.client.1
        )?;
        out.flush()?;
        drop(out);
        tracing::info!(addr = %started.addr, "serving");
        started.serve(shutdown_signal()).await
    })
}

/// The key a run of the control API names, for tests.
#[must_use]
pub fn key(entity: Option<journal_run::EntityId>, number: journal_run::JournalRunNumber) -> RunKey {
    RunKey { entity, number }
}
