//! PostgreSQL team silos: addresses, connecting, creating and checking the schema, the
//! configuration and attachment contents kept in the database (teams.md 1).
use std::str::FromStr;
use std::time::Duration;

use super::db::{args, Db, PgConn, Redial};
use crate::error::{Error, Result};

/// The schema a new team silo gets (schema version 4, as a directory silo's).
const SCHEMA: &str = include_str!("schema.sql");

/// Whether a silo address names a PostgreSQL database rather than a directory.
pub fn is_address(address: &str) -> bool {
    address.starts_with("postgres://") || address.starts_with("postgresql://")
}

/// The address without its password, for messages and `Silo::dir`.
///
/// ```
/// # use ticket_core::redact_address;
/// assert_eq!(redact_address("postgres://ann:s3cret@db:5432/t?schema=x"), "postgres://ann:***@db:5432/t?schema=x");
/// assert_eq!(redact_address("postgres://ann@db/t"), "postgres://ann@db/t");
/// assert_eq!(redact_address("postgres://ann:p@ss@db/t"), "postgres://ann:***@db/t");
/// ```
pub fn redact_address(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else {
        return address.to_string();
    };
    // the user information ends at the last `@` of the authority (before the path or query)
    let authority = rest.find(['/', '?']).map_or(rest, |end| &rest[..end]);
    let (auth, tail) = match authority.rfind('@') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => return address.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{tail}"),
        None => address.to_string(),
    }
}

/// A parsed address: libpq's URL without the parameters read here (`schema`, `sslmode`,
/// `sslrootcert`).
struct Address {
    url: String,
    schema: Option<String>,
    tls: Tls,
}

/// Whether and how a connection is encrypted (`sslmode`, else `$PGSSLMODE`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tls {
    /// Plain TCP (no `sslmode`, or `disable`/`allow`/`prefer`: ticket does not try TLS and
    /// fall back, so a connection is either known encrypted or known plain).
    Off,
    /// TLS, the server's certificate checked against `roots` (a PEM file: `sslrootcert`, else
    /// `$PGSSLROOTCERT`) or Mozilla's roots; `require`, `verify-ca` and `verify-full` all
    /// check the certificate and the host name (stricter than libpq's `require`).
    On { roots: Option<String> },
}

impl Tls {
    fn from_mode(mode: &str, roots: Option<String>, address: &str) -> Result<Tls> {
        match mode {
            "" | "disable" | "allow" | "prefer" => Ok(Tls::Off),
            "require" | "verify-ca" | "verify-full" => Ok(Tls::On { roots }),
            other => Err(Error::invalid(
                "silo address",
                &redact_address(address),
                format!(
                    "sslmode {other:?}: give disable, prefer, require, verify-ca or verify-full"
                ),
            )),
        }
    }
}

fn parse(address: &str) -> Result<Address> {
    let (base, query) = match address.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (address, None),
    };
    let mut schema = None;
    let mut mode = std::env::var("PGSSLMODE").unwrap_or_default();
    let mut roots = std::env::var("PGSSLROOTCERT")
        .ok()
        .filter(|r| !r.is_empty());
    let mut kept = Vec::new();
    for pair in query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("schema", name)) => {
                let ok = !name.is_empty()
                    && name.len() <= 63
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit());
                if !ok {
                    return Err(Error::invalid(
                        "silo address",
                        &redact_address(address),
                        "the schema must be a plain name (letters, digits, _)",
                    ));
                }
                schema = Some(name.to_string());
            }
            Some(("sslmode", m)) => mode = m.to_string(),
            Some(("sslrootcert", r)) => roots = Some(r.to_string()),
            _ => kept.push(pair),
        }
    }
    let tls = Tls::from_mode(&mode, roots, address)?;
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(Address { url, schema, tls })
}

/// The TLS settings of an encrypted connection: the certificates of the PEM file `roots`,
/// else Mozilla's roots.
fn tls_connector(
    roots: Option<&str>,
) -> std::result::Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let mut store = rustls::RootCertStore::empty();
    match roots {
        Some(path) => {
            let bad = |why: String| format!("sslrootcert {path}: {why}");
            for cert in crate::pem::certificates(std::path::Path::new(path)).map_err(bad)? {
                store.add(cert).map_err(|e| bad(e.to_string()))?;
            }
        }
        None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Connects to the team silo at `address`: libpq's environment fills what the address
/// leaves out (`PGPASSWORD`, `PGUSER`, `PGHOST`, `PGPORT`); errors name the address without
/// its password.
fn connect(address: &str) -> Result<(PgConn, Option<String>)> {
    let schema = parse(address)?.schema;
    // the runtime that drives this connection, on the calling thread (see `PgConn`)
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Connect {
            address: redact_address(address),
            reason: format!("cannot start the connection's runtime: {e}"),
        })?;
    let (client, task) = dial(address, &runtime)?;
    let mut conn = PgConn::new(runtime, client, task);
    // the statements of a silo are short: compiling one to machine code (PostgreSQL's JIT,
    // on by default for plans its estimates call expensive) costs more than it saves. A
    // listing sorts whole rows (some 400 bytes each with the list row): the default 4 MB of
    // sort memory sent 23k of them to temporary files (`s:* p=estimate:>3:` on the 100k
    // silo, 7.8 MB), 64 MB keeps a listing of some 150k rows in memory (session 13). A
    // silo in a schema of its own finds its tables there (a missing schema is no error
    // here: `create` makes it).
    let mut session = "SET jit = off; SET work_mem = '64MB'".to_string();
    if let Some(s) = &schema {
        session.push_str(&format!("; SET search_path TO \"{s}\""));
    }
    conn.set_redial(Redial {
        address: address.to_string(),
        dial,
        session,
    })?;
    Ok((conn, schema))
}

/// A client connected to the server of `address`, its socket's task spawned on `runtime`.
fn dial(
    address: &str,
    runtime: &tokio::runtime::Runtime,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>)> {
    let shown = redact_address(address);
    let parsed = parse(address)?;
    let refused = |reason: String| Error::Connect {
        address: shown.clone(),
        reason,
    };
    let mut config = tokio_postgres::Config::from_str(&parsed.url)
        .map_err(|e| refused(format!("not a valid PostgreSQL address: {e}")))?;
    if config.get_password().is_none() {
        if let Ok(p) = std::env::var("PGPASSWORD") {
            config.password(p);
        }
    }
    if config.get_user().is_none() {
        if let Some(u) = std::env::var("PGUSER")
            .ok()
            .or_else(|| std::env::var("USER").ok())
        {
            config.user(u);
        }
    }
    if config.get_hosts().is_empty() {
        config.host(std::env::var("PGHOST").unwrap_or_else(|_| "localhost".into()));
    }
    if config.get_ports().is_empty() {
        if let Some(p) = std::env::var("PGPORT").ok().and_then(|p| p.parse().ok()) {
            config.port(p);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("ticket");
    let connected =
        match &parsed.tls {
            Tls::Off => runtime.block_on(config.connect(tokio_postgres::NoTls)).map(
                |(client, connection)| {
                    let task = runtime.spawn(async move {
                        let _ = connection.await;
                    });
                    (client, task)
                },
            ),
            Tls::On { roots } => {
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                let tls = tls_connector(roots.as_deref()).map_err(refused)?;
                runtime
                    .block_on(config.connect(tls))
                    .map(|(client, connection)| {
                        let task = runtime.spawn(async move {
                            let _ = connection.await;
                        });
                        (client, task)
                    })
            }
        };
    connected.map_err(|e| {
        let reason = match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => {
                let text = e.to_string();
                match std::error::Error::source(&e) {
                    Some(cause) if cause.to_string().contains("certificate") => format!(
                        "{text}: {cause} (for a server whose certificate comes from its own \
                         authority, give sslrootcert=FILE in the address or set PGSSLROOTCERT)"
                    ),
                    Some(cause) => format!("{text}: {cause}"),
                    None => text,
                }
            }
        };
        refused(reason)
    })
}

/// What `Silo::open`/`create` need of a team silo: the connection (its search path set to
/// the silo's schema) and the configuration text.
pub(crate) struct Opened {
    pub db: Db,
    pub config: String,
}

/// Opens an existing team silo.
pub(crate) fn open(address: &str) -> Result<Opened> {
    let (conn, _) = connect(address)?;
    let db = Db::Postgres(Box::new(conn));
    let has_meta: i64 = db.value(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'silo_meta'",
        args![],
    )?;
    if has_meta == 0 {
        return Err(Error::Connect {
            address: redact_address(address),
            reason: "the database (or schema) holds no ticket silo: make one with `ticket create_silo ADDRESS`".into(),
        });
    }
    let version: i64 = db.value("SELECT schema_version FROM silo_meta WHERE id = 1", args![])?;
    if version > i64::from(TEAM_SCHEMA_VERSION) {
        return Err(Error::SchemaTooNew {
            found: u32::try_from(version).unwrap_or(u32::MAX),
            supported: TEAM_SCHEMA_VERSION,
        });
    }
    if version < i64::from(TEAM_SCHEMA_VERSION) {
        upgrade(&db, version)?;
    }
    let config = config_text(&db)?;
    Ok(Opened { db, config })
}

/// The newest schema version of a team silo: a directory silo's ([`super::SCHEMA_VERSION`])
/// and steps of its own: 7, in which each ticket's row holds its uuid (`schema_v7.sql`), and
/// 8, in which the stale list rows are noted once per statement (`schema_v8.sql`), and 9, in
/// which a writer that read before taking the lock checks what it read (`schema_v9.sql`).
/// A directory silo does without (its file would grow by the uuids, 1.2% of the generator's
/// 10k silo, for 0.3 s of 0.8 on a listing of 700k rows), so its files stay at 6 and every
/// release that reads them still does.
pub const TEAM_SCHEMA_VERSION: u32 = super::SCHEMA_VERSION + 3;

/// Brings a team silo of an older schema version to the current one, in one transaction:
/// version 4 gains the repairs table (schema 5), filled by a rebuild from the log; version 5
/// the list rows (schema 6), written for every ticket; version 6 the uuid of each ticket's
/// row (schema 7), copied from `ticket_ids`; version 7 the statement triggers (schema 8);
/// version 8 the writers' check (schema 9).
fn upgrade(db: &Db, version: i64) -> Result<()> {
    if version < 4 {
        return Err(Error::invalid(
            "schema version",
            &version.to_string(),
            "team silos started at version 4; this is not one this program wrote",
        ));
    }
    db.begin_write()?;
    let done = (|| {
        if version < 5 {
            db.batch(include_str!("schema_v5.sql"))?;
        }
        if version < 6 {
            db.batch(include_str!("schema_v6.sql"))?;
        }
        // the column first: a rebuild writes it
        if version < 7 {
            db.batch(include_str!("schema_v7.sql"))?;
        }
        db.batch(include_str!("schema_v8.sql"))?;
        db.batch(include_str!("schema_v9.sql"))?;
        if version < 5 {
            crate::rebuild::rebuild_in(db)?;
        } else if version < 6 {
            super::list_rows::refresh_all(db)?;
        }
        db.exec(
            "UPDATE silo_meta SET schema_version = ?1 WHERE id = 1",
            args![i64::from(TEAM_SCHEMA_VERSION)],
        )?;
        Ok(())
    })();
    match done {
        Ok(()) => db.commit(),
        Err(e) => {
            db.rollback();
            Err(e)
        }
    }
}

/// Makes a team silo in an empty database (or schema: `?schema=NAME`, created when missing)
/// and opens it. A database that holds tables already is refused, unchanged.
pub(crate) fn create(address: &str, config: &str) -> Result<Opened> {
    let (conn, schema) = connect(address)?;
    let db = Db::Postgres(Box::new(conn));
    db.begin_write()?;
    let made = (|| {
        if let Some(s) = &schema {
            db.batch(&format!(
                "CREATE SCHEMA IF NOT EXISTS \"{s}\"; SET LOCAL search_path TO \"{s}\""
            ))?;
        }
        let tables: i64 = db.value(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            args![],
        )?;
        if tables > 0 {
            return Err(Error::TeamSiloExists {
                address: redact_address(address),
                schema: schema.as_deref().unwrap_or("public").to_string(),
                tables,
            });
        }
        db.batch(SCHEMA)?;
        db.batch(include_str!("schema_v6.sql"))?;
        db.batch(include_str!("schema_v7.sql"))?;
        db.batch(include_str!("schema_v8.sql"))?;
        db.batch(include_str!("schema_v9.sql"))?;
        db.exec(
            "UPDATE silo_meta SET schema_version = ?1 WHERE id = 1",
            args![i64::from(TEAM_SCHEMA_VERSION)],
        )?;
        db.exec(
            "INSERT INTO config (id, document) VALUES (1, ?1)",
            args![config],
        )?;
        super::log::set_own_replica(&db, &crate::log::ReplicaId::random())?;
        Ok(())
    })();
    match made {
        Ok(()) => db.commit()?,
        Err(e) => {
            db.rollback();
            return Err(e);
        }
    }
    Ok(Opened {
        db,
        config: config.to_string(),
    })
}

/// The configuration text of a team silo.
pub(crate) fn config_text(db: &Db) -> Result<String> {
    db.value("SELECT document FROM config WHERE id = 1", args![])
}

/// Replaces the configuration text (inside the caller's write transaction).
pub(crate) fn save_config(db: &Db, document: &str, set: Option<i64>) -> Result<()> {
    db.exec(
        "UPDATE config SET document = ?1, change_set = ?2 WHERE id = 1",
        args![document, set],
    )?;
    Ok(())
}

/// An attachment content kept in the database, if it is there.
pub(crate) fn content(db: &Db, sha256: &str) -> Result<Option<Vec<u8>>> {
    db.opt(
        "SELECT content FROM attachment_contents WHERE sha256 = ?1",
        args![sha256],
        |r| r.get(0),
    )
}

/// Stores an attachment content under its hash (nothing when it is there already); returns
/// whether it was added.
pub(crate) fn put_content(db: &Db, sha256: &str, bytes: &[u8]) -> Result<bool> {
    Ok(db.exec(
        "INSERT OR IGNORE INTO attachment_contents (sha256, content) VALUES (?1, ?2)",
        args![sha256, bytes],
    )? == 1)
}

/// The test cluster's address (`TICKET_TEST_POSTGRES`, scripts/postgres.sh); `None` without
/// one, which only a run outside CI may lack.
#[cfg(test)]
pub(crate) fn test_server() -> Option<String> {
    let url = std::env::var("TICKET_TEST_POSTGRES").ok();
    if url.is_none() {
        eprintln!("TICKET_TEST_POSTGRES is not set: the PostgreSQL half is skipped");
        assert!(std::env::var_os("CI").is_none(), "CI needs PostgreSQL");
    }
    url
}

#[cfg(test)]
mod tests {
    use super::connect;
    use crate::storage::db::{args, Db};

    /// A queued write whose argument does not convert fails before it is sent: the writes
    /// queued after it and the COMMIT must not run without it (nothing is committed).
    #[test]
    fn a_queued_write_that_fails_before_it_is_sent_commits_nothing() {
        let Some(url) = super::test_server() else {
            return;
        };
        let (conn, _) = connect(&url).unwrap();
        let db = Db::Postgres(Box::new(conn));
        db.batch("CREATE TEMP TABLE queued (x INTEGER)").unwrap();
        db.begin_write().unwrap();
        db.exec_later("INSERT INTO queued (x) VALUES (?1)", args![1])
            .unwrap();
        // an INTEGER column cannot take it: the conversion fails when the pipeline goes out
        db.exec_later("INSERT INTO queued (x) VALUES (?1)", args![i64::MAX])
            .unwrap();
        db.exec_later("INSERT INTO queued (x) VALUES (?1)", args![3])
            .unwrap();
        assert!(db.commit().is_err());
        assert!(!db.in_transaction());
        let rows: i64 = db.value("SELECT count(*) FROM queued", args![]).unwrap();
        assert_eq!(rows, 0);
    }

    /// A long-lived handle (`ticket serve`, a Python `Silo`) whose connection the server
    /// dropped while it was idle (a restart, an administrator, an idle timeout: here
    /// `pg_terminate_backend`) connects again before its next transaction, with the
    /// session's settings and search path, instead of failing every later call; reads and
    /// writes go on, nothing lost.
    #[test]
    fn a_connection_the_server_dropped_is_made_again_before_the_next_transaction() {
        let Some(url) = super::test_server() else {
            return;
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let address = format!("{url}{sep}schema=r_{}", uuid::Uuid::new_v4().simple());
        let ctx = || crate::Context::new(crate::Clock::system(), "alice");
        let silo = crate::Silo::create(std::path::Path::new(&address), ctx()).unwrap();
        let n = silo.new_ticket("Before the drop", None, "").unwrap();
        let pid = || -> i64 {
            (silo.lock())
                .value("SELECT pg_backend_pid()::bigint", args![])
                .unwrap()
        };
        let first = pid();
        let (other, _) = connect(&url).unwrap();
        let other = Db::Postgres(Box::new(other));
        let _: bool = other
            .value("SELECT pg_terminate_backend(?1::integer)", args![first])
            .unwrap();
        // the server has sent its goodbye once the backend is gone
        for _ in 0..500 {
            let left: i64 = other
                .value(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ?1::integer",
                    args![first],
                )
                .unwrap();
            if left == 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // the next read finds the silo's tables (the schema's search path) on a new session,
        // also when its first statement is the configuration's version, asked before the
        // transaction begins once a second has passed
        std::thread::sleep(crate::config_watch::TEAM_LOOK);
        assert_eq!(silo.get(n.as_str()).unwrap().title, "Before the drop");
        assert_ne!(pid(), first);
        let jit: String = silo.lock().value("SHOW jit", args![]).unwrap();
        assert_eq!(jit, "off");
        // writes too: the session's own `list_stale` is made again on the new session
        silo.add_tag(n.as_str(), "after").unwrap();
        silo.set_title(n.as_str(), "After the drop").unwrap();
        let t = silo.get(n.as_str()).unwrap();
        assert_eq!(t.title, "After the drop");
        assert_eq!(t.tags, vec!["after".to_string()]);
        let rows = silo.search("g=after", "").unwrap();
        assert_eq!(rows.len(), 1, "the list row was refreshed");
    }

    /// A silo's session compiles no statement to machine code and sorts a listing of some
    /// 150k whole rows in memory: a plan of a sort of 20k rows of 400 bytes says so.
    #[test]
    fn a_silo_session_sorts_a_listing_in_memory_without_jit() {
        let Some(url) = super::test_server() else {
            return;
        };
        let (conn, _) = connect(&url).unwrap();
        let db = Db::Postgres(Box::new(conn));
        let jit: String = db.value("SHOW jit", args![]).unwrap();
        assert_eq!(jit, "off");
        let plan: Vec<String> = db
            .rows(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) \
                 SELECT g, repeat('x', 400) FROM generate_series(1, 20000) g ORDER BY g DESC",
                args![],
                |r| r.get(0),
            )
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("Sort Method: quicksort"), "{plan}");
    }
}

/// A ticket's full-text document in the binary form of a `tsvector`
/// ([`ticket_query::fts_document_binary`]), bound as a `tsvector` parameter and sent as it is:
/// the text form cost the server a parse of every document.
#[derive(Debug)]
pub(crate) struct TsVector(pub Vec<u8>);

impl postgres::types::ToSql for TsVector {
    fn to_sql(
        &self,
        _: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        out.extend_from_slice(&self.0);
        Ok(postgres::types::IsNull::No)
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        *ty == postgres::types::Type::TS_VECTOR
    }

    postgres::types::to_sql_checked!();
}
