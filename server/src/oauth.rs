//! `POST /oauth/token`: OAuth 2.0 client credentials, as Zuora's token endpoint answers them
//! (FACTS.md, "OAuth"; field names from Zuora's official client's `TokenResponse`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use journal_run::wire::{
    category, BodyError, CancelHandler, CommonResponse, ErrorCategory, Reason, CONTENT_TYPE,
    WWW_AUTHENTICATE, ZUORA_REQUEST_ID,
};
use serde::Serialize;

use crate::api::Answer;
use crate::app::{fresh_ids, random_hex, App};

/// The answer of a token request.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// The scopes (this server grants every operation the client's user may make).
    pub scope: String,
    /// The token's id.
    pub jti: String,
}

fn failure(app: &App, category: ErrorCategory, message: String) -> Answer {
    let (request_id, process_id) = fresh_ids();
    let handler = CancelHandler::with_status_mapping(app.config.http_status_mapping);
    let body = CommonResponse::failure(
        &request_id,
        &process_id,
        vec![Reason {
            code: handler.code(category),
            message,
        }],
    );
    let status = match category {
        ErrorCategory::AuthenticationFailed => 401,
        _ => 400,
    };
    let mut headers = vec![
        (
            CONTENT_TYPE,
            journal_run::wire::JSON_CONTENT_TYPE.to_owned(),
        ),
        (ZUORA_REQUEST_ID, request_id.as_str().to_owned()),
    ];
    // As the library's handler answers every 401 of Zuora's paths (D-31).
    if status == 401 {
        headers.push((WWW_AUTHENTICATE, "Bearer".to_owned()));
    }
    Answer::new(
        status,
        headers,
        serde_json::to_vec(&body).unwrap_or_default(),
    )
}

/// `POST /oauth/token` with `client_id`, `client_secret` and `grant_type=client_credentials`,
/// form-encoded. The body is read as Zuora's paths read theirs (`api::read_body`:
/// `Content-Encoding: gzip`, `max_body_bytes`). An unknown client or a wrong secret is 401
/// (with `WWW-Authenticate: Bearer`); a body that cannot be read, a missing field or another
/// grant type is 400 (docs/SERVER.md, "OAuth").
pub async fn token(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    let body = match crate::api::read_body(&app, &headers, body).await {
        Ok(body) => body,
        Err(error) => return failure(&app, category(&error), error.to_string()),
    };
    let fields = crate::url::form_pairs(&body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    for name in ["client_id", "client_secret", "grant_type"] {
        if field(name).is_none() {
            let error = BodyError::MissingField {
                field: name.to_owned(),
                condition: "",
            };
            return failure(&app, ErrorCategory::MissingRequiredField, error.to_string());
        }
    }
    if field("grant_type") != Some("client_credentials") {
        return failure(
            &app,
            ErrorCategory::InvalidValue,
            "grant_type: only client_credentials is supported".to_owned(),
        );
    }
    let client = app.clients.iter().position(|c| {
        Some(c.client_id.as_str()) == field("client_id")
            && Some(c.client_secret.as_str()) == field("client_secret")
    });
    let Some(client) = client else {
        return failure(
            &app,
            ErrorCategory::AuthenticationFailed,
            "the client_id or client_secret is not valid".to_owned(),
        );
    };
    let (access_token, lifetime) = app.issue_token(client);
    let (request_id, _) = fresh_ids();
    let answer = TokenResponse {
        access_token,
        token_type: "bearer",
        expires_in: lifetime.as_secs(),
        scope: "entity.all user.all".to_owned(),
        jti: random_hex(16),
    };
    Answer::new(
        200,
        vec![
            (
                CONTENT_TYPE,
                journal_run::wire::JSON_CONTENT_TYPE.to_owned(),
            ),
            (ZUORA_REQUEST_ID, request_id.as_str().to_owned()),
        ],
        serde_json::to_vec(&answer).unwrap_or_default(),
    )
}
