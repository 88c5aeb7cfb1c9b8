//! Shared helpers of the server's tests: a server on an ephemeral port of 127.0.0.1, driven
//! by a real HTTP client (reqwest), and the documented example's snapshot.

#![allow(dead_code)]

use std::path::PathBuf;

use journal_run_server::config::{Config, JobMode, Options};
use serde_json::Value;

/// A running server: its base URL, its first OAuth client, and what stops it.
pub struct Server {
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
    pub http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The path of a file of the repository.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

/// The documented example: JR-00000075, Completed, ten entries, JE-00000004 transferred.
pub fn example() -> Value {
    let text = std::fs::read_to_string(repo("examples/jr-00000075.json")).expect("the example");
    serde_json::from_str(&text).expect("the example is JSON")
}

/// A config with the jobs in manual mode (nothing moves unless stepped).
pub fn manual() -> Config {
    let mut config = Config::default();
    config.jobs.mode = JobMode::Manual;
    config
}

/// [`manual`], with more of the config file's tables (`[[clients]]`, `[[orgs]]`).
pub fn manual_with(tables: &str) -> Config {
    Config::from_toml(&format!("[jobs]\nmode = \"manual\"\n{tables}")).expect("a config")
}

impl Server {
    /// Starts a server with `config` and a throwaway store.
    pub async fn start(config: Config) -> Self {
        Self::start_with(Options {
            listen: "127.0.0.1:0".parse().expect("an address"),
            db: ":memory:".to_owned(),
            load: Vec::new(),
            config,
        })
        .await
    }

    /// Starts a server with `options`.
    pub async fn start_with(options: Options) -> Self {
        let started = journal_run_server::start(options)
            .await
            .expect("the server starts");
        let base = format!("http://{}", started.addr);
        let (client_id, client_secret) = started.client.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            started
                .serve(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("the server serves");
        });
        Self {
            base,
            client_id,
            client_secret,
            http: reqwest::Client::builder()
                .no_gzip()
                .build()
                .expect("a client"),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and waits until it has committed everything.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the server task ends");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A token for the first client.
    pub async fn token(&self) -> String {
        self.token_for(&self.client_id.clone(), &self.client_secret.clone())
            .await
    }

    /// A token for a client.
    pub async fn token_for(&self, id: &str, secret: &str) -> String {
        let answer: Value = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("client_id", id),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .expect("the token request is sent")
            .json()
            .await
            .expect("a JSON answer");
        answer["access_token"].as_str().expect("a token").to_owned()
    }

    /// Loads a snapshot through the control API, into `entity` (or none).
    pub async fn load(&self, snapshot: &Value, entity: Option<&str>) {
        let url = match entity {
            Some(e) => self.url(&format!("/_control/runs?entity={e}")),
            None => self.url("/_control/runs"),
        };
        let response = self
            .http
            .post(url)
            .json(snapshot)
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response.status(),
            200,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Cancels the documented example's run JR-00000075 in `entity` with the first client's
    /// token, and checks that Zuora's answer is `{"success": true}`.
    pub async fn cancel_example_in(&self, entity: &str) {
        let token = self.token().await;
        let (_, _, body) = self
            .call(
                reqwest::Method::PUT,
                "/v1/journal-runs/JR-00000075/cancel",
                &token,
                &[("Zuora-Entity-Ids", entity)],
                None,
            )
            .await;
        assert_eq!(body, serde_json::json!({"success": true}));
    }

    /// A Zuora request with the token: method, path, extra headers; the status, the headers
    /// and the JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {token}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the request is sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// A Zuora GET with the token, no other header: the status, the headers and the JSON body.
    pub async fn get(&self, path: &str, token: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        self.call(reqwest::Method::GET, path, token, &[], None)
            .await
    }

    /// A control API request: POST with an optional JSON body; the JSON answer.
    pub async fn control(&self, path: &str, body: Option<&Value>) -> Value {
        let mut request = self.http.post(self.url(&format!("/_control{path}")));
        if let Some(body) = body {
            request = request.json(body);
        }
        request
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON")
    }

    /// A control API GET; the JSON answer.
    pub async fn control_get(&self, path: &str) -> Value {
        self.http
            .get(self.url(&format!("/_control{path}")))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON")
    }
}

/// The category (last two digits) of the first reason's code of a failure body.
pub fn category(body: &Value) -> String {
    let code = &body["reasons"][0]["code"];
    let code = code
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| code.to_string());
    code.chars().skip(6).collect()
}

/// A fresh server, not serving (a throwaway store, `load`ed snapshot files): its app and
/// first client, to drive in-process.
pub async fn started(config: Config, load: Vec<PathBuf>) -> journal_run_server::Started {
    journal_run_server::start(Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: ":memory:".to_owned(),
        load,
        config,
    })
    .await
    .expect("the server starts")
}

/// The router of a fresh server (a throwaway store, `load`ed snapshot files), driven in-process
/// as seen from `peer` (`MockConnectInfo`); and its first OAuth client.
pub async fn router_from(
    config: Config,
    load: Vec<PathBuf>,
    peer: std::net::SocketAddr,
) -> (axum::Router, (String, String)) {
    let started = started(config, load).await;
    let client = started.client.clone();
    let router = journal_run_server::router(started.app())
        .layer(axum::extract::connect_info::MockConnectInfo(peer));
    (router, client)
}

/// Sends `method uri` with `headers` and `body` through `router`: the status, the headers and
/// the body as JSON (`Value::Null` when it is not JSON).
pub async fn oneshot(
    router: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, Value) {
    use tower::ServiceExt as _;
    let mut request = axum::http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(
            request
                .body(axum::body::Body::from(body))
                .expect("a request"),
        )
        .await
        .expect("an answer");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
