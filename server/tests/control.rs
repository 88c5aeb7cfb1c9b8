//! The control API's guard: loopback callers only, unless the config allows remote ones, who
//! must then send the control token. Driven in-process through the router, with the peer's
//! address set by `MockConnectInfo`.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use journal_run_server::config::{Config, Options};
use tower::ServiceExt;

async fn status(config: Config, peer: &str, authorization: Option<&str>, path: &str) -> StatusCode {
    let started = journal_run_server::start(Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: ":memory:".to_owned(),
        load: Vec::new(),
        config,
    })
    .await
    .expect("the server starts");
    let peer: SocketAddr = peer.parse().expect("a peer");
    let router = journal_run_server::router(started.app()).layer(MockConnectInfo(peer));
    let mut request = Request::builder().uri(path);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = router
        .oneshot(request.body(Body::empty()).expect("a request"))
        .await
        .expect("an answer");
    response.status()
}

fn remote(token: Option<&str>) -> Config {
    let mut config = Config::default();
    config.control.allow_remote = true;
    config.control.token = token.map(str::to_owned);
    config
}

#[tokio::test]
async fn the_control_api_answers_loopback_and_remote_callers_with_the_token_only() {
    let health = "/_control/health";
    assert_eq!(
        status(Config::default(), "127.0.0.1:40000", None, health).await,
        StatusCode::OK
    );
    assert_eq!(
        status(Config::default(), "[::1]:40000", None, health).await,
        StatusCode::OK
    );
    assert_eq!(
        status(Config::default(), "10.1.2.3:40000", None, health).await,
        StatusCode::FORBIDDEN
    );
    // Allowed remote callers need the token; without a configured token, none is let in.
    assert_eq!(
        status(remote(Some("s3cret")), "10.1.2.3:40000", None, health).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(
            remote(Some("s3cret")),
            "10.1.2.3:40000",
            Some("Bearer wrong"),
            health
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(
            remote(Some("s3cret")),
            "10.1.2.3:40000",
            Some("Bearer s3cret"),
            health
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        status(remote(None), "10.1.2.3:40000", Some("Bearer "), health).await,
        StatusCode::FORBIDDEN
    );
    // Zuora's paths are not guarded by it: a remote caller gets Zuora's 401 without a token.
    assert_eq!(
        status(
            Config::default(),
            "10.1.2.3:40000",
            None,
            "/v1/journal-runs/JR-00000001"
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_control_api_answers_malformed_paths_and_queries_in_json() {
    let started = journal_run_server::start(Options {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: ":memory:".to_owned(),
        load: Vec::new(),
        config: Config::default(),
    })
    .await
    .expect("the server starts");
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("a peer");
    let router = journal_run_server::router(started.app()).layer(MockConnectInfo(peer));
    for uri in [
        "/_control/runs/JR-00000001?colour=red",
        "/_control/runs/JR-1",
        "/_control/runs/JR-00000001/job/jump",
    ] {
        let response = router
            .clone()
            .oneshot(
                Request::builder()
                    .uri(uri)
                    .method(if uri.contains("job") { "POST" } else { "GET" })
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("an answer");
        assert!(
            response.status().is_client_error(),
            "{uri}: {}",
            response.status()
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{uri}: {e}: {bytes:?}"));
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{uri}: {body}"
        );
    }
}
