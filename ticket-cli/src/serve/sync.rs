//! The sync exchange under `/api/v1/sync/` (sync.md 2): the server's side of the core's
//! [`Peer`] calls, so `ticket sync http://…` runs the same exchange as between two directories.
//!
//! - `GET sync/summary`: the [`Summary`] of the served silo.
//! - `POST sync/bundle` (a [`Summary`]): the [`Bundle`] of the records that summary lacks.
//! - `POST sync/apply` (a [`Bundle`]): adds its missing records in one transaction through the
//!   writer handle; answers `{"moved", "renumbered"}`.
//! - `GET sync/config`: the served silo's `silo.json` as it is on disk (what `ticket clone
//!   http://…` gives the new copy).
//!
//! The routes sit behind the same guard as the rest of the API (Bearer token or session with
//! its CSRF header); bodies may be up to [`SYNC_BODY_LIMIT`]. Bodies are decoded and encoded on
//! the blocking pool, never on the async threads.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use ticket_core::{Bundle, Peer, Summary};

use super::api::parse_body;
use super::error::ApiError;
use super::state::AppState;

type St = State<Arc<AppState>>;

/// The largest summary or bundle a sync request may carry: far above the whole log of a
/// 100k-ticket silo; a larger exchange goes through `ticket bundle` files.
pub const SYNC_BODY_LIMIT: usize = 1024 * 1024 * 1024;

/// The request body, or the refusal as the API's JSON error (413 `too_large` over the limit).
fn body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    b.map_err(|e| {
        let status = e.status();
        let code = if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_request"
        };
        ApiError::new(status, code, format!("the request body: {}", e.body_text()))
    })
}

fn json_response(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("cannot encode: {e}")))
}

/// `GET sync/summary`.
pub async fn summary(State(st): St) -> Result<Response, ApiError> {
    st.read(|silo| Ok(json_response(encode(&silo.summary()?)?)))
        .await
}

/// `POST sync/bundle` with the asking copy's summary.
pub async fn bundle(
    State(st): St,
    sent: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body(sent)?;
    st.read(move |silo| {
        let theirs: Summary = parse_body(&body)?;
        Ok(json_response(encode(&silo.bundle_for(&theirs)?)?))
    })
    .await
}

/// `POST sync/apply` with a bundle: one transaction on the server's writer handle.
pub async fn apply(
    State(st): St,
    sent: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body(sent)?;
    st.write(move |silo| {
        let bundle: Bundle = parse_body(&body)?;
        let (moved, renumbered) = silo.apply_bundle(&bundle).map_err(|e| match e {
            // a record the peer sent that does not decode or apply is the request's fault
            e @ ticket_core::Error::BadRecord { .. } => {
                let mut api = ApiError::from(e);
                api.status = axum::http::StatusCode::BAD_REQUEST;
                api.code = "invalid";
                api
            }
            e => ApiError::from(e),
        })?;
        Ok(json_response(encode(
            &json!({"moved": moved, "renumbered": renumbered}),
        )?))
    })
    .await
}

/// `GET sync/config`: the served silo's configuration (`silo.json`, or a team silo's).
pub async fn config(State(st): St) -> Result<Response, ApiError> {
    st.read(|silo| {
        let text = silo.config_text().map_err(|e| {
            ApiError::internal(format!("cannot read the silo's configuration: {e}"))
        })?;
        Ok(json_response(text.into_bytes()))
    })
    .await
}
