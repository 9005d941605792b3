//! `ticket serve`: the silo as server-rendered web pages and a JSON API (web.md).
//!
//! The stack is axum on tokio with tower-http for the response headers; pages are maud
//! templates (checked at compile time, every interpolated text escaped). The core is
//! synchronous: every core call runs on tokio's blocking pool ([`state::AppState::read`],
//! [`state::AppState::write`]), never on the async worker threads.
//!
//! - [`auth`]: the token, sessions, the cross-site refusal and the security headers.
//! - [`pages`]: the HTML pages; [`html`]: their templates.
//! - [`api`]: the JSON API under `/api/v1/`; [`sync`]: its sync exchange (`/api/v1/sync/`);
//!   [`error`]: errors of both, one mapping from `ticket_core::Error` to status codes and
//!   stable error codes.

mod api;
mod auth;
mod error;
mod html;
mod pages;
mod state;
mod sync;
mod url;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::{CliError, CliResult};
use crate::session::Session;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to listen on.
    pub bind: IpAddr,
    /// Port (0: any free port).
    pub port: u16,
    /// Where the token is read from or written to.
    pub token_file: Option<PathBuf>,
    /// Whether a non-loopback address is allowed.
    pub public: bool,
    /// Whether to open the login link in a browser.
    pub open: bool,
    /// How long a write waits for another writer.
    pub busy_timeout: std::time::Duration,
}

/// The Content-Security-Policy of every response: nothing inline, nothing from other hosts.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The largest request body (an attachment upload).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Opens the silo, binds, prints the address and the login link, and serves until Ctrl-C (or
/// SIGTERM). Requests in progress finish before it returns.
pub fn run(s: &Session, out: &mut dyn Write, options: Options) -> CliResult {
    if !options.bind.is_loopback() && !options.public {
        return Err(CliError::Usage(format!(
            "refusing to listen on {}: it is not a loopback address; add --public to allow it (the token is still required)",
            options.bind
        )));
    }
    let mut ctx = s.ctx.clone();
    ctx.busy_timeout = options.busy_timeout;
    let silo = ticket_core::Silo::open(&s.silo_dir()?, ctx.clone())?;
    // opened before the runtime starts: a team silo's client runs a runtime of its own while
    // it connects, which cannot start inside another
    let others = other_silos(s, silo.address(), &ctx);
    let token = match &options.token_file {
        Some(path) => auth::token_from_file(path)?,
        None => auth::new_token(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(options.bind, options.port))
            .await
            .map_err(|e| {
                CliError::Failed(format!(
                    "cannot listen on {}:{}: {e}",
                    options.bind, options.port
                ))
            })?;
        let addr = listener.local_addr()?;
        let mut main = state::AppState::new(silo, ctx.clone(), token.clone(), addr);
        let mut silos = vec![(silo_name(&main.dir), String::new())];
        silos.extend(
            others
                .iter()
                .map(|(name, _)| (name.clone(), format!("/s/{name}"))),
        );
        main.silos = Arc::new(silos);
        let others: Vec<Arc<state::AppState>> = others
            .into_iter()
            .map(|(name, silo)| Arc::new(main.sibling(silo, format!("/s/{name}"))))
            .collect();
        let app = router(Arc::new(main), others);
        let base = format!("http://{}", display_addr(addr));
        writeln!(out, "ticket serve: listening on {base}")?;
        writeln!(out, "open {base}/login?token={token}")?;
        if let Some(path) = &options.token_file {
            writeln!(out, "token in {}", path.display())?;
        }
        writeln!(out, "Ctrl-C stops it")?;
        out.flush()?;
        if options.open {
            open_browser(&format!("{base}/login?token={token}"));
        }
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| CliError::Failed(format!("server error: {e}")))?;
        writeln!(out, "ticket serve: stopped")?;
        Ok(())
    })
}

/// `127.0.0.1:7046`, `[::1]:7046`.
fn display_addr(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", addr.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", addr.port()),
    }
}

/// Hands the link to the desktop's opener; a failure is only reported.
fn open_browser(link: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(link)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = started {
        eprintln!("could not open a browser ({opener}: {e}); open the link above");
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The other silos of the user's list, each with its name in addresses (`/s/NAME/`): the
/// directory's last component made address-safe, made unique with `-2`, `-3`…; a listed silo
/// that does not open is left out with a line on standard error.
fn other_silos(
    s: &Session,
    served: &Path,
    ctx: &ticket_core::Context,
) -> Vec<(String, ticket_core::Silo)> {
    let listed = match ticket_core::Registry::open(&s.env) {
        Ok(r) => r.silos().to_vec(),
        Err(e) => {
            eprintln!("ticket serve: the silo list is not readable ({e}); serving one silo");
            return Vec::new();
        }
    };
    let served = served
        .canonicalize()
        .unwrap_or_else(|_| served.to_path_buf());
    let mut taken = vec![silo_name(&served)];
    let mut out = Vec::new();
    for dir in listed {
        if dir.canonicalize().unwrap_or_else(|_| dir.clone()) == served {
            continue;
        }
        let silo = match ticket_core::Silo::open(&dir, ctx.clone()) {
            Ok(silo) => silo,
            Err(e) => {
                eprintln!(
                    "ticket serve: not serving {}: {e}",
                    ticket_core::redact_address(&dir.display().to_string())
                );
                continue;
            }
        };
        let stem: String = silo_name(&dir)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let mut name = stem.clone();
        let mut k = 2;
        while taken.contains(&name) {
            name = format!("{stem}-{k}");
            k += 1;
        }
        taken.push(name.clone());
        out.push((name, silo));
    }
    out
}

/// Every route: the served silo's at the root, each other silo's under its base (`/s/NAME`),
/// all behind the authentication layer and the security headers.
fn router(main: Arc<state::AppState>, others: Vec<Arc<state::AppState>>) -> Router {
    let mut app: Router = Router::new()
        .route("/login", get(auth::login))
        .route("/logout", post(auth::logout))
        .merge(silo_routes())
        .with_state(main.clone());
    for st in others {
        let base = st.base.clone();
        // `/s/NAME/` is `/s/NAME`
        let to = base.clone();
        app = app
            .route(
                &format!("{base}/"),
                get(move || {
                    let to = to.clone();
                    async move { axum::response::Redirect::to(&to) }
                }),
            )
            .nest(&base, silo_routes().with_state(st));
    }
    app.layer(axum::middleware::from_fn_with_state(main, auth::guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// The pages and the API of one silo.
fn silo_routes() -> Router<Arc<state::AppState>> {
    let api = Router::new()
        .route("/search", get(api::search))
        .route("/tickets", post(api::create))
        .route("/tickets/{n}", get(api::ticket))
        .route("/tickets/{n}/history", get(api::history))
        .route("/tickets/{n}/edit", post(api::edit))
        .route("/export", get(api::export))
        .route("/time", get(api::time))
        .route("/suggestions", get(api::suggestions))
        .route("/parse", get(api::parse))
        .route("/timeline", get(api::timeline))
        .route("/openapi.json", get(api::openapi))
        .merge(
            Router::new()
                .route("/sync/summary", get(sync::summary))
                .route("/sync/bundle", post(sync::bundle))
                .route("/sync/apply", post(sync::apply))
                .route("/sync/config", get(sync::config))
                .layer(DefaultBodyLimit::max(sync::SYNC_BODY_LIMIT)),
        )
        .fallback(api::not_found);
    Router::new()
        .route("/", get(pages::search))
        .route("/export", get(pages::export))
        .route("/new", get(pages::new_form).post(pages::new_submit))
        .route("/t/{n}", get(pages::ticket))
        .route(
            "/t/{n}/edit",
            get(pages::edit_form).post(pages::edit_submit),
        )
        .route("/t/{n}/attach", post(pages::attach))
        .route("/t/{n}/a/{k}", get(pages::attachment))
        .route("/time", get(pages::time))
        .route("/timeline", get(pages::timeline))
        .route("/static/app.js", get(pages::app_js))
        .route("/static/app.css", get(pages::app_css))
        .route("/static/silo.css", get(pages::silo_css))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
}

/// The silo's name for titles: its directory's last component.
pub(crate) fn silo_name(dir: &Path) -> String {
    // a team silo: its schema (`?schema=NAME`), else its database
    if let Some(address) = dir.to_str().filter(|a| ticket_core::is_team_address(a)) {
        let (base, query) = address.split_once('?').unwrap_or((address, ""));
        let schema = query
            .split('&')
            .find_map(|p| p.strip_prefix("schema="))
            .filter(|s| !s.is_empty());
        return schema
            .or_else(|| base.rsplit('/').next())
            .unwrap_or(address)
            .to_string();
    }
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}
