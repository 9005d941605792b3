//! The silo: a directory with `silo.json`, `silo.db` and `attachments/`, and the transaction
//! every write runs in.
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::apply::{apply, refresh, TicketIds, Touched};
use crate::catalogue::SiloCatalogue;
use crate::changes::Record;
use crate::config::SiloConfig;
use crate::context::{Clock, Context};
use crate::error::{Error, Result};
use crate::model::{Status, TicketNumber};
use crate::storage::open_db;

/// Format of `changes.at` and the ticket timestamps.
pub(crate) const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub(crate) fn format_at(at: DateTime<Utc>) -> String {
    at.format(AT_FORMAT).to_string()
}

pub(crate) fn parse_at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

/// An open silo. Every method takes `&self`; the one SQLite connection is behind a mutex, so
/// a `Silo` can be shared between threads (and the Python module releases the GIL around
/// calls).
///
/// ```
/// use ticket_core::{Clock, Context, Silo};
/// let dir = tempfile::tempdir().unwrap();
/// let now = chrono::DateTime::parse_from_rfc3339("2024-03-13T09:00:00Z").unwrap();
/// let silo = Silo::create(&dir.path().join("work"), Context::new(Clock::fixed(now), "alice")).unwrap();
/// let n = silo.new_ticket("Set up backups", None, "restic on the workstation").unwrap();
/// silo.add_tag(n.as_str(), "backup").unwrap();
/// silo.add_property(n.as_str(), "Deadline", "+2w").unwrap();
/// let t = silo.get(n.as_str()).unwrap();
/// assert_eq!(t.get("deadline"), vec!["2024-03-27"]);
/// assert_eq!(silo.count("g=backup p=deadline:].:").unwrap(), 1);
/// ```
pub struct Silo {
    dir: PathBuf,
    config: SiloConfig,
    ctx: Context,
    conn: Mutex<Connection>,
}

/// Files of a silo directory.
pub(crate) const CONFIG_FILE: &str = "silo.json";
pub(crate) const DB_FILE: &str = "silo.db";
pub(crate) const ATTACHMENTS_DIR: &str = "attachments";

impl Silo {
    /// Creates a silo in `dir` (which must not exist, or be empty) and opens it.
    pub fn create(dir: &Path, ctx: Context) -> Result<Silo> {
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
            if entries.next().is_some() {
                return Err(Error::SiloExists {
                    dir: dir.to_path_buf(),
                });
            }
        }
        std::fs::create_dir_all(dir.join(ATTACHMENTS_DIR)).map_err(|e| Error::io(dir, e))?;
        let config_path = dir.join(CONFIG_FILE);
        std::fs::write(&config_path, SiloConfig::default_json())
            .map_err(|e| Error::io(&config_path, e))?;
        Silo::open_inner(dir, ctx, true)
    }

    /// Opens the silo in `dir`: a missing or half-made silo, a broken `silo.json` or a newer
    /// database schema is a clear error.
    pub fn open(dir: &Path, ctx: Context) -> Result<Silo> {
        Silo::open_inner(dir, ctx, false)
    }

    fn open_inner(dir: &Path, ctx: Context, creating: bool) -> Result<Silo> {
        let config_path = dir.join(CONFIG_FILE);
        let db_path = dir.join(DB_FILE);
        let complete = config_path.is_file()
            && dir.join(ATTACHMENTS_DIR).is_dir()
            && (creating || db_path.is_file());
        if !complete {
            return Err(Error::NotASilo {
                dir: dir.to_path_buf(),
            });
        }
        let config = SiloConfig::load(&config_path)?;
        let conn = open_db(&db_path, ctx.busy_timeout).map_err(|e| match e {
            Error::Db(rusqlite::Error::SqliteFailure(f, m))
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
                ) =>
            {
                Error::Corrupt {
                    path: db_path.clone(),
                    detail: m.unwrap_or_else(|| f.to_string()),
                }
            }
            other => other,
        })?;
        Ok(Silo {
            dir: dir.to_path_buf(),
            config,
            ctx,
            conn: Mutex::new(conn),
        })
    }

    /// The silo's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The parsed `silo.json`.
    pub fn config(&self) -> &SiloConfig {
        &self.config
    }
    /// The clock and author of this handle.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Replaces the clock of this open silo: what is written next is stamped by the new clock
    /// (change times still never go backwards). Replays and generators that write day by day
    /// use it instead of reopening the silo for every day.
    ///
    /// ```
    /// # use ticket_core::{Clock, Context, Silo};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let day = |d: &str| Clock::fixed(format!("{d}T09:00:00+00:00").parse().unwrap());
    /// let mut silo = Silo::create(&dir.path().join("s"), Context::new(day("2024-03-01"), "me")).unwrap();
    /// silo.set_clock(day("2024-03-02"));
    /// assert_eq!(silo.context().clock.today().to_string(), "2024-03-02");
    /// ```
    pub fn set_clock(&mut self, clock: Clock) {
        self.ctx.clock = clock;
    }
    /// Where an attachment's content is stored: `attachments/ab/cdef…`.
    pub fn attachment_path(&self, sha256: &str) -> PathBuf {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        self.dir.join(ATTACHMENTS_DIR).join(a).join(b)
    }

    pub(crate) fn catalogue(&self) -> SiloCatalogue<'_> {
        SiloCatalogue {
            config: &self.config,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // a panic while holding the lock cannot leave a transaction open: rusqlite rolls back
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` as one change set in one `IMMEDIATE` transaction: the records it emits are
    /// applied and logged, every touched ticket is validated, and all of it commits or none.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let conn = self.lock();
        let started = std::time::Instant::now();
        crate::storage::prepare_for_writing(&conn)?;
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            return Err(match Error::from(e) {
                Error::Busy { .. } => Error::Busy {
                    waited: started.elapsed().max(self.ctx.busy_timeout),
                },
                other => other,
            });
        }
        let result = (|| {
            let mut w = Writer::new(self, &conn)?;
            let value = f(&mut w)?;
            w.finish()?;
            Ok(value)
        })();
        match result {
            Ok(value) => match conn.execute_batch("COMMIT") {
                Ok(()) => {
                    crate::storage::after_writing(&conn);
                    Ok(value)
                }
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(e.into())
                }
            },
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// A ticket as the write path knows it.
#[derive(Debug, Clone)]
pub(crate) struct TicketRef {
    pub id: i64,
    pub uuid: String,
    pub number: String,
    pub status: Status,
}

/// The state of one change set being written.
pub(crate) struct Writer<'s> {
    pub silo: &'s Silo,
    pub conn: &'s Connection,
    set_id: String,
    at: String,
    author: String,
    index: u32,
    touched: Touched,
    ids: TicketIds,
    pub today: NaiveDate,
}

impl<'s> Writer<'s> {
    fn new(silo: &'s Silo, conn: &'s Connection) -> Result<Writer<'s>> {
        let now = silo.ctx.clock.now_utc();
        let last: Option<String> = conn
            .prepare_cached("SELECT max(at) FROM changes")?
            .query_row([], |r| r.get(0))?;
        let at = match last.map(|l| parse_at(&l)) {
            Some(last) if last >= now => last + Duration::microseconds(1),
            _ => now,
        };
        let set_id = uuid::Uuid::new_v4().simple().to_string()[..28].to_string();
        Ok(Writer {
            silo,
            conn,
            set_id,
            at: format_at(at),
            author: silo.ctx.author.clone(),
            index: 0,
            touched: Touched::default(),
            ids: TicketIds::default(),
            today: silo.ctx.clock.today(),
        })
    }

    pub fn config(&self) -> &'s SiloConfig {
        &self.silo.config
    }

    /// Applies a record and appends it to the log.
    pub fn emit(&mut self, rec: Record) -> Result<i64> {
        if self.index > 0xFFFF {
            return Err(Error::invalid(
                "change set",
                "",
                "more than 65536 changes in one change set",
            ));
        }
        let uuid = format!("{}{:04x}", self.set_id, self.index);
        self.index += 1;
        let id = apply(self.conn, &mut self.ids, &rec, &self.at, &self.author)?;
        self.conn
            .prepare_cached(
                "INSERT INTO changes (uuid, set_id, ticket_uuid, at, author, op, key, old_value, new_value, item, minutes, size, sha256) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                uuid,
                self.set_id,
                rec.ticket_uuid,
                self.at,
                self.author,
                rec.op().as_str(),
                rec.key,
                rec.old_value,
                rec.new_value,
                rec.item,
                rec.minutes,
                rec.size.map(|s| s as i64),
                rec.sha256
            ])?;
        self.touched.note(id, &rec, &self.at);
        Ok(id)
    }

    /// Starts a new change set inside the same transaction, stamped `at` by `author` (imports
    /// keep the source's times and authors).
    pub fn new_set(&mut self, at: DateTime<Utc>, author: &str) {
        self.set_id = uuid::Uuid::new_v4().simple().to_string()[..28].to_string();
        self.index = 0;
        self.at = format_at(at);
        self.author = author.to_string();
    }

    /// The ticket with that number, as it is now inside the transaction.
    pub fn ticket(&self, number: &str) -> Result<TicketRef> {
        let n: TicketNumber = number.parse().map_err(|_| Error::NotFound {
            number: number.to_string(),
        })?;
        self.conn
            .prepare_cached("SELECT id, uuid, number, status FROM tickets WHERE number = ?1")?
            .query_row([n.as_str()], |r| {
                Ok(TicketRef {
                    id: r.get(0)?,
                    uuid: r.get(1)?,
                    number: r.get(2)?,
                    status: Status::from_ordinal(r.get(3)?).unwrap_or(Status::Open),
                })
            })
            .optional()?
            .ok_or(Error::NotFound {
                number: n.to_string(),
            })
    }

    /// The ticket with that row id.
    pub fn ticket_by_id(&self, id: i64) -> Result<TicketRef> {
        let number: String = self
            .conn
            .prepare_cached("SELECT number FROM tickets WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        self.ticket(&number)
    }

    fn finish(&mut self) -> Result<()> {
        refresh(self.conn, &self.touched)?;
        let touched = self.touched.ids();
        crate::validate::check_tickets(self.silo, self.conn, &touched, self.today)
    }
}
