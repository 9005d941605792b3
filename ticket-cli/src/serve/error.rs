//! Errors of the pages and the API: a status, a stable code, the message and, for search keys
//! and sort rules, the span and the CLI's caret display.
//!
//! Codes and statuses (also in the OpenAPI document):
//!
//! | code | status | when |
//! | --- | --- | --- |
//! | `bad_request` | 400 | a malformed request (JSON, parameters, form) |
//! | `bad_search` | 400 | a search key or sort rule that does not parse or compile (with `span`) |
//! | `invalid` | 400 | a value the core refuses (title, tag, status, date, number, rule name...) |
//! | `reserved` | 400 | a key only status changes may write |
//! | `unauthorized` | 401 | no valid session or `Authorization: Bearer` token |
//! | `cross_site` | 403 | a write from another site, or without the session's CSRF token |
//! | `not_found` | 404 | no such ticket, attachment or address |
//! | `busy` | 409 | another writer held the silo too long; nothing was changed |
//! | `conflict` | 409 | the number is taken, or the numbering is exhausted |
//! | `too_large` | 413 | a sync request's body over its limit |
//! | `rule_violated` | 422 | a validation rule, relation rule or cycle; nothing was changed |
//! | `internal` | 500 | the silo's files or database failed |

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code (see the module docs).
    pub code: &'static str,
    /// The message in words.
    pub message: String,
    /// Byte span in the search key or sort rule.
    pub span: Option<(usize, usize)>,
    /// Which text the span is in: `search` or `sort`.
    pub input: Option<&'static str>,
    /// The caret display, as the CLI prints it.
    pub caret: Option<String>,
}

impl ApiError {
    /// An error without span.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            span: None,
            input: None,
            caret: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500 `internal`.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// A core error from a call that took the search key `key` and sort rule `sort`: a
    /// search error gets its span and caret display.
    pub fn from_search(err: ticket_core::Error, key: &str, sort: &str) -> ApiError {
        if let ticket_core::Error::Search(q) = &err {
            let in_sort = crate::error::error_in_sort(q, key, sort);
            let source = if in_sort { sort } else { key };
            let caret = q.render(source);
            let caret = caret.strip_prefix("error: ").unwrap_or(&caret).to_string();
            let span = q.span();
            let mut e = ApiError::from(err);
            e.span = Some((span.start, span.end));
            e.input = Some(if in_sort { "sort" } else { "search" });
            e.caret = Some(caret);
            return e;
        }
        ApiError::from(err)
    }
}

/// The status and code of a core error: the one mapping of `ticket_core::Error` variants.
pub fn classify(err: &ticket_core::Error) -> (StatusCode, &'static str) {
    use ticket_core::Error as E;
    match err {
        E::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
        E::Search(_) => (StatusCode::BAD_REQUEST, "bad_search"),
        E::Invalid { .. } | E::Import { .. } => (StatusCode::BAD_REQUEST, "invalid"),
        E::Reserved { .. } => (StatusCode::BAD_REQUEST, "reserved"),
        E::Validation { .. } | E::Relation { .. } | E::Cycle { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "rule_violated")
        }
        E::Busy { .. } => (StatusCode::CONFLICT, "busy"),
        E::NumberTaken { .. } | E::NumberingExhausted => (StatusCode::CONFLICT, "conflict"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

impl From<ticket_core::Error> for ApiError {
    fn from(err: ticket_core::Error) -> ApiError {
        let (status, code) = classify(&err);
        let message = match &err {
            // The span is given apart; the message alone reads better.
            ticket_core::Error::Search(q) => q.message().to_string(),
            other => other.to_string(),
        };
        ApiError::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if let Some((a, b)) = self.span {
            body["span"] = json!([a, b]);
        }
        if let Some(input) = self.input {
            body["input"] = json!(input);
        }
        if let Some(caret) = &self.caret {
            body["caret"] = json!(caret);
        }
        (self.status, Json(body)).into_response()
    }
}
