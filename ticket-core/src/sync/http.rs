//! The client side of the sync exchange over HTTP: [`HttpPeer`] implements [`Peer`] by
//! calling the `/api/v1/sync/` routes of a `ticket serve`, so `ticket sync http://HOST:PORT`,
//! `ticket clone http://… DIR` and Python's `Silo.sync("https://…", token=…)` run the same
//! exchange as between two silo directories.
//!
//! - The token is the caller's (the CLI reads `--token-file F` or `$TICKET_TOKEN`) and travels
//!   only as `Authorization: Bearer …`; no message ever shows it.
//! - The client is `ureq` (blocking, like the core; no async runtime on the client side).
//! - `https://` peers are checked against Mozilla's root certificates (compiled in, rustls),
//!   or, when `TICKET_CA_FILE` names a PEM file, against the certificates it holds only (a
//!   team's own certificate authority; `ticket serve` itself speaks plain HTTP and is put
//!   behind a TLS front such as a reverse proxy for that). A certificate that does not check
//!   is a clear error; nothing is sent before the check.
//! - Failures are clear errors naming the server: unreachable, the token refused (401), an
//!   answer that is not a ticket server's, or the server's own JSON error (code and message).

use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::{Bundle, Context, Direction, Moved, Peer, Renumbered, Silo, Summary};

/// How long connecting may take; the exchange itself has no time limit (a big bundle).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the sync exchange lives on a `ticket serve`.
const SYNC_PATH: &str = "/api/v1/sync";

/// A `ticket serve` reached over HTTP.
pub struct HttpPeer {
    /// `http://host:port` (no trailing slash, no path).
    base: String,
    token: String,
    agent: ureq::Agent,
}

/// Whether a peer argument names a server (`http://` or `https://`) rather than a directory.
pub fn is_http(peer: &str) -> bool {
    let lower = peer.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A server's answer to a sync call: what [`Peer::apply_bundle`] returns.
#[derive(Deserialize)]
struct Applied {
    moved: MovedWire,
    renumbered: Vec<RenumberedWire>,
}

/// [`Moved`] as the server sends it (the core's type is serialise-only).
#[derive(Deserialize)]
struct MovedWire {
    change_sets: u64,
    records: u64,
    attachments: u64,
    new_tickets: Vec<String>,
    #[serde(default)]
    repairs: Vec<String>,
}

/// [`Renumbered`] as the server sends it.
#[derive(Deserialize)]
struct RenumberedWire {
    uuid: String,
    replica: String,
    from: String,
    to: String,
}

/// The server's JSON error.
#[derive(Deserialize)]
struct ServerError {
    code: String,
    message: String,
}

impl HttpPeer {
    /// A peer for `url` (`http://host:port`, or `http://host:port/s/NAME` for another silo of
    /// the server's list; a trailing `/` allowed) with `token`.
    pub fn new(url: &str, token: String) -> Result<HttpPeer> {
        let lower = url.to_ascii_lowercase();
        let scheme = if lower.starts_with("https://") {
            "https://"
        } else {
            "http://"
        };
        let rest = url[scheme.len()..].trim_end_matches('/');
        if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#']) {
            return Err(Error::BadPeer {
                peer: url.to_string(),
                reason: "give the server's address, as http(s)://HOST:PORT (or \
                         http(s)://HOST:PORT/s/NAME for another silo it serves)"
                    .into(),
            });
        }
        let base = format!("{scheme}{rest}");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .tls_config(tls_config().map_err(|reason| Error::BadPeer {
                peer: url.to_string(),
                reason,
            })?)
            .build()
            .into();
        Ok(HttpPeer { base, token, agent })
    }

    /// The served silo's `silo.json`.
    pub fn config(&self) -> Result<String> {
        let mut r = self.call("GET", "/config", None)?;
        r.body_mut()
            .with_config()
            .read_to_string()
            .map_err(|e| self.failed(format!("reading its answer: {e}")))
    }

    /// An error naming the server.
    fn failed(&self, message: String) -> Error {
        Error::Io {
            path: self.base.clone().into(),
            source: std::io::Error::other(message),
        }
    }

    /// One request to `SYNC_PATH + path`: the answer when it is a 200 with JSON, else a clear
    /// error (never showing the token).
    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}{SYNC_PATH}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let sent = match body {
            None => self.agent.get(&url).header("Authorization", &auth).call(),
            Some(bytes) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(&bytes[..]),
        };
        let mut r = sent.map_err(|e| self.failed(unreachable(&e)))?;
        let status = r.status().as_u16();
        let json = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if status == 200 && json {
            return Ok(r);
        }
        if status == 401 {
            return Err(self.failed(
                "the server refused the token (401 unauthorized): give the token `ticket serve` \
                 prints or keeps in its --token-file, with --token-file F or TICKET_TOKEN"
                    .to_string(),
            ));
        }
        let error = if json {
            r.body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_json::<ServerError>()
                .ok()
        } else {
            None
        };
        Err(self.failed(match error {
            Some(e) => format!(
                "the server refused {method} {SYNC_PATH}{path} ({status} {}): {}",
                e.code, e.message
            ),
            None => format!(
                "not a ticket server: {method} {SYNC_PATH}{path} answered {status}{}",
                if json { "" } else { " without JSON" }
            ),
        }))
    }

    /// A call whose answer is JSON of type `T`.
    fn call_json<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T> {
        let mut r = self.call(method, path, body)?;
        r.body_mut().with_config().read_json::<T>().map_err(|e| {
            self.failed(format!(
                "not a ticket server: the answer to {method} {SYNC_PATH}{path} is not what ticket sends ({e})"
            ))
        })
    }

    fn encode<T: serde::Serialize>(&self, value: &T) -> Result<Vec<u8>> {
        serde_json::to_vec(value)
            .map_err(|e| self.failed(format!("cannot encode the request: {e}")))
    }
}

/// The environment variable holding a server's token when no other is given.
pub const TOKEN_VAR: &str = "TICKET_TOKEN";

/// The token `$TICKET_TOKEN` holds, if it holds one (trimmed; empty is none).
pub fn token_from_env() -> Option<String> {
    std::env::var(TOKEN_VAR)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The environment variable naming a PEM file of the certificate authorities to trust
/// (instead of Mozilla's roots).
pub const CA_FILE_VAR: &str = "TICKET_CA_FILE";

/// The TLS settings of `https://` peers: the certificates of `$TICKET_CA_FILE` when set,
/// else Mozilla's roots; the reason when the file does not serve.
fn tls_config() -> std::result::Result<ureq::tls::TlsConfig, String> {
    let builder = ureq::tls::TlsConfig::builder();
    let Some(path) = std::env::var_os(CA_FILE_VAR).filter(|p| !p.is_empty()) else {
        return Ok(builder.build());
    };
    let path = Path::new(&path);
    let certs: Vec<ureq::tls::Certificate<'static>> = crate::pem::certificates(path)
        .map_err(|why| format!("{CA_FILE_VAR}={}: {why}", path.display()))?
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    Ok(builder
        .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
        .build())
}

/// The TLS error inside an I/O error (how the handshake's failures come back).
fn tls_error(io: &std::io::Error) -> Option<&rustls::Error> {
    io.get_ref()?.downcast_ref::<rustls::Error>()
}

fn tls_refused(tls: &rustls::Error) -> String {
    format!(
        "cannot reach the server over TLS: {tls} (for a server whose certificate comes from \
         its own authority, set {CA_FILE_VAR} to that authority's certificate, PEM)"
    )
}

/// Why a request did not reach the server, in words.
fn unreachable(e: &ureq::Error) -> String {
    if let Some(tls) = match e {
        ureq::Error::Rustls(tls) => Some(tls),
        ureq::Error::Io(io) => tls_error(io),
        _ => None,
    } {
        return tls_refused(tls);
    }
    match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "cannot reach the server: connection refused (is `ticket serve` running there?)"
                .to_string()
        }
        ureq::Error::HostNotFound => "cannot reach the server: host not found".to_string(),
        ureq::Error::Timeout(_) => "cannot reach the server: timed out".to_string(),
        other => format!("cannot reach the server: {other}"),
    }
}

impl Peer for HttpPeer {
    fn summary(&self) -> Result<Summary> {
        self.call_json("GET", "/summary", None)
    }

    fn bundle_for(&self, theirs: &Summary) -> Result<Bundle> {
        self.call_json("POST", "/bundle", Some(self.encode(theirs)?))
    }

    fn apply_bundle(&self, bundle: &Bundle) -> Result<(Moved, Vec<Renumbered>)> {
        let a: Applied = self.call_json("POST", "/apply", Some(self.encode(bundle)?))?;
        let moved = Moved {
            change_sets: a.moved.change_sets,
            records: a.moved.records,
            attachments: a.moved.attachments,
            new_tickets: a.moved.new_tickets,
            repairs: a.moved.repairs,
        };
        let renumbered = a
            .renumbered
            .into_iter()
            .map(|r| Renumbered {
                uuid: r.uuid,
                replica: r.replica,
                from: r.from,
                to: r.to,
            })
            .collect();
        Ok((moved, renumbered))
    }
}

impl HttpPeer {
    /// A new silo at `dir` with the server's configuration, then everything pulled from it
    /// (one transaction): `ticket clone http://… DIR`. The new copy has its own replica id; if
    /// any step fails, nothing stays behind at `dir`. `dir` may be a PostgreSQL address (an
    /// empty database or schema; see [`Silo::clone_silo`]).
    pub fn clone_into(&self, dir: &Path, ctx: Context) -> Result<Silo> {
        let peer = self;
        // ask first: a wrong token or address leaves no directory behind
        let config = peer.config()?;
        if crate::silo::team_address(dir).is_some() {
            return Silo::clone_to_team(dir, &config, ctx, |to| {
                to.sync(peer, Direction::Pull, false).map(|_| ())
            });
        }
        let fresh = Silo::create(dir, ctx.clone())?;
        drop(fresh);
        let made = (|| {
            let path = dir.join("silo.json");
            std::fs::write(&path, &config).map_err(|e| Error::Io {
                path: path.clone(),
                source: e,
            })?;
            let copy = Silo::open(dir, ctx)?;
            copy.sync(peer, Direction::Pull, false)?;
            Ok(copy)
        })();
        if made.is_err() {
            let _ = std::fs::remove_dir_all(dir);
        }
        made
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(is_http("http://127.0.0.1:7046"));
        assert!(is_http("HTTPS://example.org"));
        assert!(!is_http("postgres://db/x"));
        assert!(!is_http("./silo"));
        let p = HttpPeer::new("http://127.0.0.1:7046/", "t".into()).unwrap();
        assert_eq!(p.base, "http://127.0.0.1:7046");
        let other = HttpPeer::new("http://127.0.0.1:7046/s/work/", "t".into()).unwrap();
        assert_eq!(other.base, "http://127.0.0.1:7046/s/work");
        assert!(HttpPeer::new("http://127.0.0.1:7046/?x=1", "t".into()).is_err());
        assert!(HttpPeer::new("http://", "t".into()).is_err());
        assert!(HttpPeer::new("http:///x", "t".into()).is_err());
        let tls = HttpPeer::new("https://example.org/", "t".into()).unwrap();
        assert_eq!(tls.base, "https://example.org");
        assert!(HttpPeer::new("https://", "t".into()).is_err());
    }
}
