//! Who may ask: the token (random, or from `--token-file`), the login link that turns it into a
//! session cookie, and the guard every request passes.
//!
//! - A request is let in with `Authorization: Bearer TOKEN` or the session cookie
//!   (`ticket_session_PORT`, HttpOnly, SameSite=Strict; the port in the name keeps two servers
//!   on one host from overwriting each other's cookie). Otherwise: 401, pages and API alike.
//! - On loopback, the `Host` must name a loopback host (`localhost`, `127.x.x.x`, `[::1]`):
//!   a page of another site that rebinds its DNS name to 127.0.0.1 gets 403 before anything.
//! - A write (any method but GET/HEAD) is refused (403 `cross_site`) when its `Origin` is not
//!   this server or its `Sec-Fetch-Site` is anything but `same-origin`/`none`. With a session
//!   cookie a write must also carry the session's CSRF token: the `csrf` form field for the
//!   pages, the `X-CSRF-Token` header for the API. Bearer-token clients need neither (no
//!   browser adds that header by itself).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngCore;

use super::error::ApiError;
use super::state::AppState;
use crate::error::{CliError, CliResult};

/// How a request was let in.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
    /// A session cookie; the session's CSRF token.
    Session {
        /// The session's id (the cookie's value).
        id: String,
        /// What forms and API writes of this session must carry.
        csrf: String,
    },
}

impl Auth {
    /// The CSRF token to put in forms (empty for Bearer clients, who need none).
    pub fn csrf(&self) -> &str {
        match self {
            Auth::Bearer => "",
            Auth::Session { csrf, .. } => csrf,
        }
    }

    /// Checks a form's `csrf` field.
    pub fn check_form(&self, given: Option<&str>) -> Result<(), ApiError> {
        match self {
            Auth::Bearer => Ok(()),
            Auth::Session { csrf, .. } if given.is_some_and(|g| same(g, csrf)) => Ok(()),
            Auth::Session { .. } => Err(cross_site(
                "the form lacks this session's CSRF token; reload the page and submit again",
            )),
        }
    }
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token (256 bits).
pub fn new_token() -> String {
    random_hex(32)
}

/// The token in `path`, or a new one written there with mode 0600 when the file does not
/// exist.
pub fn token_from_file(path: &Path) -> CliResult<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let token = text.trim().to_string();
            if token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(CliError::Failed(format!(
                    "{}: the token must be at least 16 printable ASCII characters",
                    path.display()
                )));
            }
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = new_token();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options
                .open(path)
                .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
            writeln!(file, "{token}")
                .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
            Ok(token)
        }
        Err(e) => Err(CliError::Failed(format!("{}: {e}", path.display()))),
    }
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie_name(state: &AppState) -> String {
    format!("ticket_session_{}", state.addr.port())
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<Auth> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = value.strip_prefix("Bearer ") {
            if same(token.trim(), &state.token) {
                return Some(Auth::Bearer);
            }
        }
    }
    let id = cookie(headers, &cookie_name(state))?;
    state.session_csrf(id).map(|csrf| Auth::Session {
        id: id.to_string(),
        csrf,
    })
}

fn cross_site(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "cross_site", message)
}

/// The host part of a `Host` header (`[::1]:80` → `::1`).
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

fn loopback_host(host: &str) -> bool {
    let name = host_name(host);
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A write from another site: an `Origin` other than this server, or a `Sec-Fetch-Site`
/// other than `same-origin`/`none`.
fn cross_site_write(headers: &HeaderMap) -> Option<&'static str> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let expected = host.map(|h| format!("http://{h}"));
        if expected.as_deref() != Some(origin) {
            return Some("the request comes from another site (Origin)");
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        if site != "same-origin" && site != "none" {
            return Some("the request comes from another site (Sec-Fetch-Site)");
        }
    }
    None
}

/// A refusal: JSON for the API, a short page for the rest.
fn refuse(api: bool, e: ApiError) -> Response {
    if api {
        e.into_response()
    } else {
        let title = e.status.canonical_reason().unwrap_or("Refused");
        (e.status, super::html::bare(title, &e.message)).into_response()
    }
}

/// Whether a path is the API's (`/api/…`, or `/s/NAME/api/…` of another silo): its refusals
/// are JSON.
fn is_api(path: &str) -> bool {
    let rest = match path.strip_prefix("/s/") {
        Some(rest) => rest.split_once('/').map_or("", |(_, r)| r),
        None => path.strip_prefix('/').unwrap_or(path),
    };
    rest.starts_with("api/")
}

/// The 401 answer: JSON for the API, a short page for the rest.
fn unauthorized(api: bool) -> Response {
    let message =
        "log in through the link `ticket serve` printed, or send Authorization: Bearer TOKEN";
    let mut response = if api {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            super::html::bare("Log in", message),
        )
            .into_response()
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"ticket\""),
    );
    response
}

/// Every request passes here first.
pub async fn guard(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = is_api(path);
    let headers = req.headers();
    if state.addr.ip().is_loopback() {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !loopback_host(host) {
            return refuse(
                api,
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "bad_host",
                    "this server answers only to a loopback host name",
                ),
            );
        }
    }
    if path == "/login" {
        return next.run(req).await;
    }
    let Some(auth) = authenticate(&state, headers) else {
        return unauthorized(api);
    };
    let method = req.method();
    if method != Method::GET && method != Method::HEAD {
        if let Some(why) = cross_site_write(headers) {
            return refuse(api, cross_site(why));
        }
        if api {
            if let Auth::Session { csrf, .. } = &auth {
                let given = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
                if !given.is_some_and(|g| same(g, csrf)) {
                    return cross_site(
                        "an API write with a session cookie needs the X-CSRF-Token header",
                    )
                    .into_response();
                }
            }
        }
    }
    req.extensions_mut().insert(auth);
    next.run(req).await
}

/// `GET /login?token=…`: a session cookie and a redirect to the search page.
pub async fn login(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let given = q.get("token").map(String::as_str).unwrap_or("");
    if !same(given, &state.token) {
        return unauthorized(false);
    }
    let id = state.new_session();
    let cookie = format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict",
        cookie_name(&state)
    );
    let mut response = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// `POST /logout`: ends the session and clears the cookie.
pub async fn logout(
    State(state): State<Arc<AppState>>,
    axum::Extension(auth): axum::Extension<Auth>,
) -> Response {
    if let Auth::Session { id, .. } = &auth {
        state.end_session(id);
    }
    let cookie = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        cookie_name(&state)
    );
    let mut response = super::html::bare(
        "Logged out",
        "The session has ended. Open the login link `ticket serve` printed to come back.",
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(loopback_host("localhost:7046"));
        assert!(loopback_host("127.0.0.1:7046"));
        assert!(loopback_host("127.0.0.1"));
        assert!(loopback_host("[::1]:7046"));
        assert!(!loopback_host("evil.example:7046"));
        assert!(!loopback_host(""));
    }

    #[test]
    fn api_paths() {
        assert!(is_api("/api/v1/search"));
        assert!(is_api("/s/work/api/v1/search"));
        assert!(!is_api("/s/work/t/1"));
        assert!(!is_api("/t/1"));
        assert!(!is_api("/s/api"));
    }

    #[test]
    fn secrets_compare() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }

    #[test]
    fn cross_site_headers() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:7046"));
        assert!(cross_site_write(&h).is_none());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:7046"),
        );
        assert!(cross_site_write(&h).is_none());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(cross_site_write(&h).is_some());
        h.remove("sec-fetch-site");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(cross_site_write(&h).is_some());
    }
}
