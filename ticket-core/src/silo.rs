//! The silo: a directory with `silo.json`, `silo.db` and `attachments/`, and the transaction
//! every write runs in.
use crate::storage::db::Db;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use parking_lot::{ReentrantMutex, ReentrantMutexGuard};

use crate::apply::{apply_known, refresh, Touched};
use crate::config::SiloConfig;
use crate::config_watch::ConfigSeen;
use crate::context::{Clock, Context};
use crate::error::{Error, Result};
use crate::guarded::{stale_read, Guard};
use crate::log::{next_clock, Operation, Record, ReplicaId};
use crate::model::{Status, TicketNumber};
use crate::storage::log as store;
use crate::storage::state as store_state;
use crate::storage::{open_silo_db, Access};

/// Format of `changes.at` and the ticket timestamps.
pub(crate) const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub(crate) fn format_at(at: DateTime<Utc>) -> String {
    match crate::stored_at::format_stored(at) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => at.format(AT_FORMAT).to_string(),
    }
}

/// A stored timestamp (RFC 3339; the epoch where it does not parse). The stored form,
/// [`AT_FORMAT`], is read directly (a listing reads two per ticket); anything else goes
/// through chrono's RFC 3339 parser, which gives the same instant for the stored form.
pub(crate) fn parse_at(text: &str) -> DateTime<Utc> {
    crate::stored_at::parse_stored(text).unwrap_or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    })
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
    /// A team silo's address as given (`dir` holds it without the password).
    address: Option<PathBuf>,
    /// The configuration, as of the last look at its source (see [`Silo::fresh_config`]).
    pub(crate) config: parking_lot::RwLock<Arc<SiloConfig>>,
    /// What the configuration was read from, to see when another process changed it.
    pub(crate) config_seen: parking_lot::Mutex<ConfigSeen>,
    ctx: Context,
    replica: (ReplicaId, i64),
    pub(crate) conn: ReentrantMutex<Db>,
    dialect: ticket_query::Dialect,
    /// Opened read-only: this user may read the database but not write it.
    read_only: bool,
    /// Derived tables missing from the database: every read and write is refused with this
    /// until `rebuild` recreates them.
    damage: parking_lot::Mutex<Option<String>>,
}

/// The connection, held for one read transaction: every statement run through it sees the
/// same snapshot of the silo, and the transaction ends when the guard is dropped. Nested
/// reads on the same thread share the outer transaction.
pub(crate) struct ReadGuard<'a> {
    conn: ReentrantMutexGuard<'a, Db>,
    began: bool,
}

impl std::ops::Deref for ReadGuard<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.conn
    }
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        if self.began {
            // a read transaction has nothing to keep: ending it cannot lose anything
            let _ = self.conn.commit();
        }
    }
}

/// Files of a silo directory.
pub(crate) const CONFIG_FILE: &str = "silo.json";
pub(crate) const DB_FILE: &str = "silo.db";
pub(crate) const ATTACHMENTS_DIR: &str = "attachments";

impl Silo {
    /// Creates a silo in `dir` (which must not exist, or be empty) and opens it. A
    /// PostgreSQL address (`postgres://…`, see [`Silo::open`]) makes a team silo in an empty
    /// database or schema instead.
    pub fn create(dir: &Path, ctx: Context) -> Result<Silo> {
        if let Some(address) = team_address(dir) {
            return Silo::create_team(address, &SiloConfig::default_json(), ctx);
        }
        refuse_used_dir(dir)?;
        std::fs::create_dir_all(dir.join(ATTACHMENTS_DIR)).map_err(|e| Error::io(dir, e))?;
        let config_path = dir.join(CONFIG_FILE);
        std::fs::write(&config_path, SiloConfig::default_json())
            .map_err(|e| Error::io(&config_path, e))?;
        Silo::open_inner(dir, ctx, true)
    }

    /// Opens the silo in `dir`: a missing or half-made silo, a broken `silo.json` or a newer
    /// database schema is a clear error.
    ///
    /// A silo address is a directory or a PostgreSQL connection string
    /// (`postgres://user@host:5432/db`, also `postgresql://`, with libpq's parameters, its
    /// environment such as `PGPASSWORD`, and `?schema=NAME` for a silo in a named schema):
    /// the latter opens a team silo, whose configuration and attachment contents live in the
    /// database.
    pub fn open(dir: &Path, ctx: Context) -> Result<Silo> {
        if let Some(address) = team_address(dir) {
            let opened = crate::storage::postgres::open(address)?;
            return Silo::from_team(address, opened, ctx);
        }
        Silo::open_inner(dir, ctx, false)
    }

    /// A new team silo at `address` with the configuration `config` (checked first).
    pub(crate) fn create_team(address: &str, config: &str, ctx: Context) -> Result<Silo> {
        SiloConfig::from_json_str(config, "the new configuration")?;
        let opened = crate::storage::postgres::create(address, config)?;
        Silo::from_team(address, opened, ctx)
    }

    fn from_team(
        address: &str,
        opened: crate::storage::postgres::Opened,
        ctx: Context,
    ) -> Result<Silo> {
        let shown = crate::storage::postgres::redact_address(address);
        let config = SiloConfig::from_json_str(&opened.config, "the team silo's configuration")?;
        let replica = store::own_replica(&opened.db)?;
        Ok(Silo {
            dir: PathBuf::from(shown),
            address: Some(PathBuf::from(address)),
            config: parking_lot::RwLock::new(Arc::new(config)),
            config_seen: parking_lot::Mutex::new(ConfigSeen::row()),
            ctx,
            replica,
            dialect: opened.db.dialect(),
            conn: ReentrantMutex::new(opened.db),
            read_only: false,
            damage: parking_lot::Mutex::new(None),
        })
    }

    /// Whether this is a team silo on PostgreSQL (its [`Silo::dir`] is then its address
    /// without the password).
    pub fn is_team(&self) -> bool {
        self.dialect == ticket_query::Dialect::Postgres
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
        let seen = ConfigSeen::file(&config_path);
        let config = SiloConfig::load(&config_path)?;
        let access = if creating {
            Access::Create
        } else {
            Access::Existing
        };
        let db = open_silo_db(&db_path, ctx.busy_timeout, access)?;
        let conn = Db::lite(db.conn);
        let replica = store::own_replica(&conn)?;
        Ok(Silo {
            dir: dir.to_path_buf(),
            address: None,
            config: parking_lot::RwLock::new(Arc::new(config)),
            config_seen: parking_lot::Mutex::new(seen),
            ctx,
            replica,
            dialect: conn.dialect(),
            conn: ReentrantMutex::new(conn),
            read_only: db.read_only,
            damage: parking_lot::Mutex::new(db.damage),
        })
    }

    /// Whether this user can only read the silo (its database opened read-only).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// A write on a read-only silo is refused before anything is done.
    pub(crate) fn refuse_read_only(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly {
                path: self.dir.join(DB_FILE),
                reason: "writing needs write permission on the silo's files".to_string(),
            });
        }
        Ok(())
    }

    /// A silo with missing derived tables is refused (until `rebuild`) with a clear error.
    fn refuse_damaged(&self) -> Result<()> {
        match &*self.damage.lock() {
            Some(detail) => Err(Error::Corrupt {
                path: self.dir.join(DB_FILE),
                detail: detail.clone(),
            }),
            None => Ok(()),
        }
    }

    /// `rebuild` recreated the missing tables.
    pub(crate) fn repaired(&self) {
        *self.damage.lock() = None;
    }

    /// The silo's directory; a team silo's address without its password (for showing).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// What the silo was opened with, to open it again (another handle, a child process): its
    /// directory, or a team silo's whole address (with its password, when it has one: never
    /// print it; [`Silo::dir`] is the form to show).
    pub fn address(&self) -> &Path {
        self.address.as_deref().unwrap_or(&self.dir)
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
    /// The directory of the attachment contents (a team silo keeps them in the database and
    /// stages new ones in the system's temporary directory).
    pub(crate) fn attachments_dir(&self) -> PathBuf {
        if self.is_team() {
            return std::env::temp_dir();
        }
        self.dir.join(ATTACHMENTS_DIR)
    }
    /// Where an attachment's content is stored: `attachments/ab/cdef…`.
    pub fn attachment_path(&self, sha256: &str) -> PathBuf {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        self.dir.join(ATTACHMENTS_DIR).join(a).join(b)
    }

    /// Round trips the silo's writing connection has made to its PostgreSQL server so far
    /// (`None` for a directory silo): the team silo's writes are bound by them, and the tests
    /// count them instead of timing (benches/README.md, "Team silos: write round trips").
    #[doc(hidden)]
    pub fn round_trips(&self) -> Option<u64> {
        self.lock().round_trips()
    }

    /// Statements the silo's connection has run so far (a team silo's queued ones included,
    /// preparations not; its waits are [`Silo::round_trips`]): writes are bound by them
    /// (benches/README.md, "Session 11"), and the tests count them instead of timing.
    #[doc(hidden)]
    pub fn statements(&self) -> Option<u64> {
        self.lock().statements()
    }

    pub(crate) fn lock(&self) -> ReentrantMutexGuard<'_, Db> {
        self.conn.lock()
    }

    /// The connection inside a read transaction (see [`ReadGuard`]).
    pub(crate) fn reader(&self) -> Result<ReadGuard<'_>> {
        self.refuse_damaged()?;
        let conn = self.conn.lock();
        let began = !conn.in_transaction();
        if began {
            self.fresh_config(&conn)?;
            conn.begin_read()?;
        }
        Ok(ReadGuard { conn, began })
    }

    /// Runs `f` with every read it makes through this handle seeing one snapshot of the
    /// silo: a writer in another process or thread cannot change what `f` reads half-way.
    /// (Writes from inside `f` are refused by SQLite: a snapshot is read-only.)
    ///
    /// ```
    /// # use ticket_core::{Clock, Context, Silo};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let silo = Silo::create(&dir.path().join("s"), Context::new(Clock::system(), "me")).unwrap();
    /// let n = silo.new_ticket("Snapshot", None, "").unwrap();
    /// let (t, h) = silo.snapshot(|s| Ok((s.get(n.as_str())?, s.history(n.as_str())?))).unwrap();
    /// assert_eq!(t.title, "Snapshot");
    /// assert_eq!(h.len(), 2);
    /// ```
    pub fn snapshot<T>(&self, f: impl FnOnce(&Silo) -> Result<T>) -> Result<T> {
        let guard = self.reader()?;
        let value = f(self);
        drop(guard);
        value
    }

    /// Replaces the silo's configuration with `text` (the JSON of `silo.json`, domain spec 6):
    /// validated first (a broken configuration is refused and nothing changes), then stored as
    /// one change set by this handle's author (a directory silo writes `silo.json` by
    /// temporary file and rename; a team silo its `config` row, so every client sees the same
    /// rules). The change set holds no records: it marks in the log who changed the rules and
    /// when; configurations do not travel by sync.
    ///
    /// ```
    /// # use ticket_core::{Clock, Context, Silo};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let silo = Silo::create(&dir.path().join("s"), Context::new(Clock::system(), "me")).unwrap();
    /// silo.set_config(r#"{"vrules_pk_required": [{"selector": "g=risk", "key": "Owner"}]}"#).unwrap();
    /// assert_eq!(silo.config().vrules_pk_required.len(), 1);
    /// assert!(silo.set_config("{ not json").is_err());
    /// ```
    pub fn set_config(&self, text: &str) -> Result<()> {
        let config = SiloConfig::from_json_str(text, "the new configuration")?;
        let team = self.is_team();
        let path = self.dir.join(CONFIG_FILE);
        self.write(|w| {
            let set = w.mark_set()?;
            if team {
                crate::storage::postgres::save_config(w.conn, text, Some(set))
            } else {
                let tmp = path.with_extension("json.tmp");
                std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
                std::fs::rename(&tmp, &path).map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    Error::io(&path, e)
                })
            }
        })?;
        self.config_replaced(config);
        Ok(())
    }

    /// The configuration's text as stored: a directory silo's `silo.json`, a team silo's
    /// configuration row.
    pub fn config_text(&self) -> Result<String> {
        if self.is_team() {
            return crate::storage::postgres::config_text(&*self.reader()?);
        }
        let path = self.dir.join(CONFIG_FILE);
        std::fs::read_to_string(&path).map_err(|e| Error::io(path, e))
    }

    /// The SQL dialect of this silo's backend.
    pub(crate) fn dialect(&self) -> ticket_query::Dialect {
        self.dialect
    }

    /// This copy's replica id.
    pub fn replica_id(&self) -> &ReplicaId {
        &self.replica.0
    }

    /// Runs `f` as one change set in one `IMMEDIATE` transaction: the records it emits are
    /// applied and logged, every touched ticket is validated, and all of it commits or none.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.write_as(None, f)
    }

    /// [`Silo::write`] for a change to ticket `number` whose rules read nothing but that
    /// ticket before its first record (a title, a summary, a tag: `EditOp::reads_only_its_ticket`).
    /// On a team silo it first runs without the writers' lock: one read of the ticket
    /// (`crate::guarded`) goes out beside other writers', and the first change set takes the
    /// lock, checks that the ticket's row is still the version read and adds the set with
    /// its clock computed under the lock (`writer_set`, `schema_v9.sql`), all queued with the
    /// writes, so the lock is held for the server's statements alone instead of across a
    /// round trip to this client. When the ticket changed meanwhile, the transaction is
    /// rolled back and `f` runs again the way [`Silo::write`] runs it (the lock first).
    /// A directory silo's writes take SQLite's lock first, as ever.
    pub(crate) fn write_guarded<T>(
        &self,
        number: &str,
        mut f: impl FnMut(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        if !self.is_team() {
            return self.write(f);
        }
        match self.write_as(Some(number), &mut f) {
            Err(Error::Db(e)) if e.code.as_deref() == Some(store_state::STALE_READ) => {
                self.write(f)
            }
            done => done,
        }
    }

    /// [`Silo::write`]; `guarded`: the ticket a team silo's writer reads before it takes the
    /// writers' lock ([`Silo::write_guarded`]).
    fn write_as<T>(
        &self,
        guarded: Option<&str>,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        self.refuse_read_only()?;
        self.refuse_damaged()?;
        // temporary files left by a killed process, once they are a day old
        if !self.is_team() {
            crate::content::sweep_stale(&self.attachments_dir());
        }
        let conn = self.lock();
        let started = std::time::Instant::now();
        if !conn.in_transaction() {
            self.fresh_config(&conn)?;
        }
        crate::storage::prepare_for_writing(&conn)?;
        let busy = |e| match e {
            Error::Busy { .. } => Error::Busy {
                waited: started.elapsed().max(self.ctx.busy_timeout),
            },
            other => other,
        };
        conn.begin_write_as(guarded.is_none()).map_err(busy)?;
        let mut placed = Vec::new();
        let mut records = 0;
        let result = (|| {
            // a team silo's writers' lock is taken with this first statement (`begin_write`),
            // or, for a guarded write, with its first record (`Writer::mark_set`)
            let mut w = Writer::new(self, &conn, guarded).map_err(busy)?;
            let value = f(&mut w);
            placed = std::mem::take(&mut w.placed);
            records = w.records;
            let value = value?;
            w.finish()?;
            Ok(value)
        })();
        let result = match result {
            Ok(value) => match conn.commit_write() {
                Ok(()) => {
                    crate::storage::after_writing(&conn, records);
                    return Ok(value);
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        conn.rollback();
        // content files this change set created belong to nothing now
        for path in placed {
            let _ = std::fs::remove_file(path);
        }
        result
    }
}

/// The PostgreSQL address a silo "directory" holds, if it is one.
pub(crate) fn team_address(dir: &Path) -> Option<&str> {
    dir.to_str()
        .filter(|s| crate::storage::postgres::is_address(s))
}

/// A new silo's directory must not exist or be empty (`create`, `clone`).
pub(crate) fn refuse_used_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        if entries.next().is_some() {
            return Err(Error::SiloExists {
                dir: dir.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// A ticket as the write path knows it.
#[derive(Debug, Clone)]
pub(crate) struct TicketRef {
    pub id: i64,
    pub number: String,
    pub status: Status,
}

/// The state of the change sets being written in one transaction.
pub(crate) struct Writer<'s> {
    pub silo: &'s Silo,
    pub conn: &'s Db,
    /// The configuration as the transaction began (one for the whole change set).
    pub(crate) config: Arc<SiloConfig>,
    /// The wall clock, in microseconds.
    wall: u64,
    /// The greatest clock in the log or used by this transaction.
    clock: u64,
    /// The question for the log's greatest clock (and the next set's row), asked when the
    /// transaction began and read at its first change set.
    asked_clock: Option<crate::storage::db::Ahead<(Option<i64>, Option<i64>)>>,
    /// The current change set's row, made with its first record.
    set: Option<i64>,
    at: String,
    author: String,
    index: u32,
    /// The change sets this transaction made, each with its records' tickets in order
    /// (indexed at the end: record counts and ticket runs).
    sets: Vec<(i64, Vec<i64>)>,
    /// A row id for the next change set, taken with the clock (PostgreSQL).
    next_set: Option<i64>,
    /// A guarded write's first question, about its ticket ([`Silo::write_guarded`]): asked
    /// before its other reads, without the writers' lock; its answer serves the ticket's
    /// lookup and is checked under the lock by the first change set.
    pub(crate) guard: std::cell::RefCell<Guard>,
    /// The validation rules' values of a guarded write's ticket, as its read found them
    /// (ticket row id, key in lower case, values); forgotten as `asked_values` is.
    guarded_values: Vec<(i64, String, Vec<String>)>,
    /// A guarded write's first change set, not queued yet (ticket row id, row version, set
    /// row): a set of tag records waits for the end of the write, to be indexed in the same
    /// statement; any other record sends it first.
    guarded_set: Option<(i64, String, i64)>,
    /// Whether a guarded write's first set may wait for the end of the write (set by the
    /// caller whose one change writes tag records only, which touch no ticket's row before
    /// the set takes the lock: their rows go out with the commit, after it).
    pub(crate) defer_guarded_set: bool,
    /// Whether the writers' lock was taken after reads (a guarded write): the log's greatest
    /// clock read at the start is not to be trusted, and each set's clock is computed by its
    /// `INSERT`.
    clock_in_sql: bool,
    touched: Touched,
    pub today: NaiveDate,
    /// Attachment content files this transaction created (removed if it does not commit).
    pub placed: Vec<PathBuf>,
    /// Records this transaction wrote (a big write refreshes the planner's statistics).
    pub records: u64,
    /// The tickets this transaction created, for the rules' questions about them.
    pub(crate) fresh: crate::fresh::Fresh,
    /// The numbering state (last issued, count) as this transaction left it, once read: the
    /// writers' lock is held, so only this transaction changes it.
    pub(crate) numbering: Option<(Option<i64>, i64)>,
    /// Candidate numbers whose freedom was asked for ahead.
    pub(crate) number_ahead: crate::numbering::Lookahead,
    /// Ticket row ids taken ahead from PostgreSQL's sequence, and how many to take next time.
    ticket_rows: (Vec<i64>, i64),
    /// The numbers of the tickets this transaction looked up, by row id (a relation's target
    /// needs its number; a write transaction renumbers nothing).
    numbers: std::cell::RefCell<crate::apply::IdMap<String>>,
    /// A tag's stored spelling asked ahead (ticket number, tag in lower case), read by the
    /// rule instead of asking after the ticket's lookup; forgotten at the first record.
    pub(crate) asked_tag: Option<(String, String, crate::storage::db::Ahead<String>)>,
    /// The values the validation rules read, asked ahead with the ticket's lookup (ticket
    /// number, key in lower case); forgotten at the first record that may change properties.
    pub(crate) asked_values: Vec<(String, String, crate::storage::db::Ahead<Vec<String>>)>,
    /// The list-row triggers this transaction dropped (a big batch on a directory silo, see
    /// [`Writer::list_rows_at_the_end`]): made again at the end, after the touched tickets'
    /// list rows are written (every ticket's, if a record was repaired meanwhile).
    list_triggers: Option<Vec<(String, String)>>,
    /// The indexes a big batch set aside ([`Writer::list_rows_at_the_end`]), made again at
    /// the end after the touched tickets' rows are written.
    deferred: Option<crate::storage::deferred_indexes::DeferredIndexes>,
    /// Whether a record's projection repaired something in this transaction (then rows of
    /// other tickets may have changed, and the end writes what it would write anyway).
    repaired: bool,
    /// Tickets not held in `fresh` that this transaction looked up by number, as found (row
    /// id, number, status), by number: a relation asks for its target twice (the rule, then
    /// the record), a round trip each on a team silo. Numbers never change in a write; a
    /// status may, so any record that is not a plain one of a kind that leaves statuses
    /// alone (or one that repaired something) forgets them all.
    looked_up: std::cell::RefCell<crate::apply::TextMap<String, (i64, String, Status)>>,
}

/// From how many new tickets a write on a directory silo writes its list rows itself at the
/// end instead of through the triggers (`Writer::list_rows_at_the_end`; below this, preparing
/// the write path's statements again costs more than the triggers).
const LIST_ROWS_AT_THE_END: usize = 64;

impl<'s> Writer<'s> {
    /// A writer inside a transaction just begun; `guarded`: the ticket a guarded write
    /// changes ([`Silo::write_guarded`], team silos).
    fn new(silo: &'s Silo, conn: &'s Db, guarded: Option<&str>) -> Result<Writer<'s>> {
        let now = silo.ctx.clock.now_utc();
        let (asked_clock, guard) = match guarded.filter(|_| conn.is_postgres()) {
            Some(number) => (None, Guard::Pending(number.to_string())),
            None => (Some(store::ask_max_clock_and_set_row(conn)?), Guard::Off),
        };
        Ok(Writer {
            silo,
            conn,
            config: silo.config(),
            wall: crate::log::micros(now),
            clock: 0,
            asked_clock,
            next_set: None,
            guard: std::cell::RefCell::new(guard),
            clock_in_sql: false,
            guarded_set: None,
            defer_guarded_set: false,
            guarded_values: Vec::new(),
            set: None,
            at: format_at(now),
            author: silo.ctx.author.clone(),
            index: 0,
            sets: Vec::new(),
            touched: Touched::default(),
            today: silo.ctx.clock.today(),
            placed: Vec::new(),
            records: 0,
            fresh: crate::fresh::Fresh::new(conn.is_postgres()),
            numbering: None,
            number_ahead: Default::default(),
            ticket_rows: (Vec::new(), 1),
            numbers: Default::default(),
            asked_tag: None,
            asked_values: Vec::new(),
            list_triggers: None,
            deferred: None,
            repaired: false,
            looked_up: Default::default(),
        })
    }

    /// For a write of `new` tickets, 64 or more (a big batch, a big import), on a directory
    /// silo: the indexes are set aside when the silo holds fewer tickets than that
    /// ([`DeferredIndexes::for_batch`](crate::storage::deferred_indexes::DeferredIndexes::for_batch),
    /// made again by [`Writer::finish`]), and the list-row triggers are dropped
    /// for this transaction, and [`Writer::finish`] writes the list rows of every ticket it
    /// touched, then makes the triggers again. A trigger fired for every tag, property and
    /// entry row (some ten a generated ticket) to note a ticket the writer knows it touched.
    /// Safe because a local write's every derived row belongs to a ticket with a record in it
    /// (the writer emits a record for each change, mirrors included; a record whose
    /// projection repaired something, which may touch other tickets' rows, makes the end
    /// write every ticket's list row instead) and because the schema change is part of the
    /// transaction: a rollback brings the triggers back, and no other connection sees them
    /// missing. The statements prepared before are prepared again (twice a batch).
    pub(crate) fn list_rows_at_the_end(&mut self, new: usize) -> Result<()> {
        if new < LIST_ROWS_AT_THE_END || self.conn.is_postgres() || self.list_triggers.is_some() {
            return Ok(());
        }
        crate::storage::prepare_for_batch(self.conn, new)?;
        self.deferred =
            Some(crate::storage::deferred_indexes::DeferredIndexes::for_batch(self.conn, new)?);
        let triggers = crate::storage::list_rows::triggers(self.conn)?;
        if triggers.is_empty() {
            return Ok(());
        }
        crate::storage::list_rows::set_triggers(self.conn, false, &triggers)?;
        self.list_triggers = Some(triggers);
        Ok(())
    }

    /// The list row and `earliest` of a ticket created here, whose records are all emitted,
    /// go out with its kept row (made from what `fresh` holds of it), so the end need not
    /// write them: one insert of the ticket's row instead of an insert and updates (on a team
    /// silo each update is a new version of the row and a new entry in every index of
    /// `tickets`). A directory silo does it in a big batch only
    /// ([`Writer::list_rows_at_the_end`]; elsewhere its triggers note the ticket anyway), a
    /// team silo in every transaction (its end leaves such tickets out). A ticket whose row
    /// went out already is left to the end, and so is one that a later record touches
    /// ([`Writer::emit`]), or any after a repair. Once a ticket, not at every record: made at
    /// each, the rows cost two thirds of what they saved.
    pub(crate) fn list_row_with_kept_row(&mut self, id: i64) {
        let listing = self.conn.is_postgres() || self.list_triggers.is_some();
        if !listing || self.repaired || !self.fresh.holds(id) {
            return;
        }
        let Some(latest) = self.touched.last_at.get(&id) else {
            return;
        };
        let fresh = &self.fresh;
        let mut listed = false;
        self.conn.amend_kept_ticket(id, |t| {
            // the row's `last_update` is its create's time: the latest, or the end writes it
            if t.at == *latest {
                t.list_row = fresh.list_row(id);
                t.earliest = fresh.earliest(id);
                listed = true;
            }
        });
        if listed {
            self.touched.listed.insert(id);
        }
    }

    /// A row id for a new ticket's uuid. PostgreSQL: the row's insert is queued with an id
    /// taken ahead from its sequence, 1, 2, 4 … 1,024 at a time as a transaction keeps
    /// creating (an id not used leaves a gap, as a rolled-back insert does); a `RETURNING`
    /// was one round trip per created ticket. SQLite: the insert, answered at once.
    pub(crate) fn new_ticket_row(&mut self, uuid: &str) -> Result<i64> {
        if !self.conn.is_postgres() {
            return store::new_ticket_row(self.conn, uuid);
        }
        let (reserved, next) = &mut self.ticket_rows;
        if reserved.is_empty() {
            *reserved = store::reserve_ticket_rows(self.conn, *next)?;
            reserved.reverse();
            *next = (*next * 2).min(1024);
        }
        let id = reserved.pop().expect("a reserved row id");
        store::insert_ticket_row(self.conn, id, uuid)?;
        Ok(id)
    }

    /// The configuration this change set is checked against: the silo's as the
    /// transaction began.
    pub fn config(&self) -> &SiloConfig {
        &self.config
    }

    /// Appends a record to the current change set and applies it; returns the record's
    /// local row id.
    pub fn emit(&mut self, rec: Record) -> Result<i64> {
        self.emit_as(rec, false)
    }

    /// [`Writer::emit`] for a relation the write rules have checked (no cycle, no second
    /// parent): its projection asks nothing about them ([`crate::apply::Known::checked`]).
    pub(crate) fn emit_checked(&mut self, rec: Record) -> Result<i64> {
        self.emit_as(rec, true)
    }

    fn emit_as(&mut self, rec: Record, checked: bool) -> Result<i64> {
        if self.index > 0xFFFF {
            return Err(Error::invalid(
                "change set",
                "",
                "more than 65536 changes in one change set",
            ));
        }
        let set = self.mark_set()?;
        if !matches!(rec.op, Operation::TagAdd(_) | Operation::TagRemove(_)) {
            self.send_guarded_set(None)?;
        }
        self.asked_tag = None;
        if let Operation::Create { number } = &rec.op {
            self.number_ahead.created(number.as_str());
        }
        // what leaves every ticket's properties as they were keeps the values asked ahead
        if !matches!(
            rec.op,
            Operation::Title(_)
                | Operation::Summary(_)
                | Operation::TagAdd(_)
                | Operation::TagRemove(_)
                | Operation::EntryAdd { .. }
                | Operation::EntryRemove { .. }
        ) {
            self.asked_values.clear();
            self.guarded_values.clear();
        }
        let local = store::insert_record(self.conn, set, self.index, rec.ticket, &rec.op.encode())?;
        if let Some((_, tickets)) = self.sets.last_mut() {
            tickets.push(rec.ticket);
        }
        self.index += 1;
        self.records += 1;
        // a relation of a ticket created here keeps the copy in `fresh` when nothing was
        // repaired: its target's number (the row's value) is known, from `fresh` or asked
        // once (the projection would ask the same)
        let target_number = match &rec.op {
            Operation::RelAdd { key, target } if !crate::apply::is_merge_key(&key.lc()) => {
                match self.fresh.number_of(*target) {
                    Some(n) => Some(n),
                    None => match self.numbers.borrow().get(target) {
                        Some(n) => Some(n.clone()),
                        None if self.fresh.holds(rec.ticket) => {
                            crate::storage::state::number_of(self.conn, *target)?
                        }
                        None => None,
                    },
                }
            }
            _ => None,
        };
        // a ticket held in `fresh` has no merge links (a merge record forgets the copy)
        let known = crate::apply::Known {
            target_number: target_number.as_deref(),
            unlinked: self.fresh.holds(rec.ticket),
            row_number: self.fresh.row_number(&rec),
            new_ticket: matches!(rec.op, Operation::Create { .. }),
            checked,
        };
        let repair = apply_known(self.conn, &rec, local, &self.at, &self.author, known)?;
        if repair.is_some() {
            self.repaired = true;
            self.touched.listed.clear();
        }
        self.touched.note(&rec, &self.at);
        self.fresh
            .note(&rec, repair.is_some(), target_number.as_deref());
        let leaves_statuses = match &rec.op {
            Operation::RelAdd { key, .. } | Operation::RelRemove { key, .. } => {
                !crate::apply::is_merge_key(&key.lc())
            }
            Operation::Create { .. } => true,
            op => crate::fresh::plain_change(op),
        };
        if repair.is_some() || !leaves_statuses {
            self.looked_up.borrow_mut().clear();
        }
        // a later record of a ticket whose kept row took its list row: the end writes it
        if !self.touched.listed.is_empty() {
            self.touched.listed.remove(&rec.ticket);
        }
        Ok(local)
    }

    /// Makes the current change set (without records, if none came yet) and returns its row.
    pub fn mark_set(&mut self) -> Result<i64> {
        if let Some(set) = self.set {
            return Ok(set);
        }
        if let Some(asked) = self.asked_clock.take() {
            (self.clock, self.next_set) = store::clock_answer(self.conn, asked)?;
        }
        self.clock = next_clock(self.wall, self.clock);
        let set = match self.guard.get_mut().take(self.conn)? {
            // read before the lock: the lock, the check that the ticket is as read, the set
            Some(guarded) => {
                let Some((id, version)) = guarded.ticket else {
                    return Err(stale_read("the ticket was made after this writer read it"));
                };
                self.guarded_values = (guarded.values.into_iter())
                    .map(|(key_lc, values)| (id, key_lc, values))
                    .collect();
                self.clock_in_sql = true;
                self.guarded_set = Some((id, version, guarded.set_row));
                if !self.defer_guarded_set {
                    self.send_guarded_set(None)?;
                }
                guarded.set_row
            }
            None => self.insert_set()?,
        };
        self.set = Some(set);
        self.sets.push((set, Vec::new()));
        Ok(set)
    }

    /// Queues a guarded write's first change set (`writer_set`: the lock, the check, the set)
    /// if it is not queued yet; `records`: the tickets of all its records, to index it in
    /// the same statement.
    fn send_guarded_set(&mut self, records: Option<&[i64]>) -> Result<()> {
        let Some((ticket, version, row)) = self.guarded_set.take() else {
            return Ok(());
        };
        store::insert_guarded_set(
            self.conn,
            ticket,
            &version,
            row,
            self.wall,
            self.silo.replica.1,
            &self.at,
            &self.author,
            records,
        )
    }

    /// Adds the current change set's row (not a guarded write's first).
    fn insert_set(&mut self) -> Result<i64> {
        Ok(match self.next_set.take() {
            Some(row) => {
                store::insert_set_as(
                    self.conn,
                    row,
                    self.clock,
                    self.silo.replica.1,
                    &self.at,
                    &self.author,
                )?;
                row
            }
            None => store::insert_set(
                self.conn,
                match self.clock_in_sql {
                    true => store::SetClock::AfterTheLog(self.wall),
                    false => store::SetClock::Is(self.clock),
                },
                self.silo.replica.1,
                &self.at,
                &self.author,
            )?,
        })
    }

    /// Starts a new change set inside the same transaction, stamped `at` by `author` (imports
    /// keep the source's times and authors as data; the clock still comes after everything
    /// the log holds).
    pub fn new_set(&mut self, at: DateTime<Utc>, author: &str) {
        self.set = None;
        self.index = 0;
        self.at = format_at(at);
        self.author = author.to_string();
    }

    /// Makes room for `records` more records: when the current change set holds some already
    /// and they would take it past its 65,536, the next record starts a new change set in the
    /// same transaction, with the same time and author. A [`crate::Batch`] asks before each
    /// ticket, so that a ticket's records stay in one set and a batch of any size goes in.
    pub(crate) fn room_for(&mut self, records: usize) {
        if self.set.is_some() && self.index as usize + records > 0x10000 {
            self.set = None;
            self.index = 0;
        }
    }

    /// The ticket with that number, as it is now inside the transaction.
    pub fn ticket(&self, number: &str) -> Result<TicketRef> {
        let n: TicketNumber = number.parse().map_err(|_| Error::NotFound {
            number: number.to_string(),
        })?;
        let looked_up = || self.looked_up.borrow().get(n.as_str()).cloned();
        let found = self.fresh.by_number(n.as_str()).or_else(looked_up);
        let guarded = || self.guard.borrow_mut().ticket(self.conn, n.as_str());
        let found = match found.map_or_else(guarded, |t| Ok(Some(t)))? {
            Some(t) => Some(t),
            None => {
                let found = crate::storage::state::ticket_by_number(self.conn, n.as_str())?;
                if let Some(t) = &found {
                    (self.looked_up.borrow_mut()).insert(n.as_str().to_string(), t.clone());
                }
                found
            }
        };
        let (id, number, status) = found.ok_or(Error::NotFound {
            number: n.to_string(),
        })?;
        self.numbers.borrow_mut().insert(id, number.clone());
        Ok(TicketRef { id, number, status })
    }

    /// The number this transaction looked the ticket up by, if it did.
    pub(crate) fn looked_up_number(&self, id: i64) -> Option<String> {
        self.numbers.borrow().get(&id).cloned()
    }

    /// The ticket with that row id.
    pub fn ticket_by_id(&self, id: i64) -> Result<TicketRef> {
        let number = match self.fresh.number_of(id) {
            Some(n) => Some(n),
            None => crate::storage::state::number_of(self.conn, id)?,
        };
        let number = number.ok_or(Error::NotFound {
            number: format!("#{id}"),
        })?;
        self.ticket(&number)
    }

    fn finish(&mut self) -> Result<()> {
        self.number_ahead.write_state(self.conn, &self.numbering)?;
        let guarded_row = self.guarded_set.as_ref().map(|g| g.2);
        for (set, tickets) in std::mem::take(&mut self.sets) {
            if Some(set) == guarded_row {
                self.send_guarded_set(Some(&tickets))?;
            } else {
                store::index_fresh_set(self.conn, set, &tickets)?;
            }
        }
        if let Some(triggers) = self.list_triggers.take() {
            if self.repaired {
                crate::storage::list_rows::refresh_all(self.conn)?;
            } else {
                let stale: Vec<i64> = (self.touched.ids().into_iter())
                    .filter(|id| !self.touched.listed.contains(id))
                    .collect();
                crate::storage::list_rows::refresh_tickets(self.conn, &stale)?;
            }
            crate::storage::list_rows::set_triggers(self.conn, true, &triggers)?;
        }
        // a team silo's documents of the tickets it listed: made here, not asked for their texts
        self.touched.documents = (self.touched.listed.iter())
            .filter_map(|&id| Some((id, self.fresh.document(id)?)))
            .collect();
        refresh(self.conn, &self.touched)?;
        if let Some(deferred) = self.deferred.take() {
            deferred.restore(self.conn)?;
        }
        let touched = self.touched.ids();
        let mut known = crate::validate::KnownValues::default();
        for (number, key_lc, asked) in std::mem::take(&mut self.asked_values) {
            let id = self
                .numbers
                .borrow()
                .iter()
                .find(|(_, n)| **n == number)
                .map(|(id, _)| *id);
            let values = self.conn.answer(asked)?.unwrap_or_default();
            if let Some(id) = id {
                known.insert((id, key_lc), values);
            }
        }
        for (id, key_lc, values) in std::mem::take(&mut self.guarded_values) {
            known.insert((id, key_lc), values);
        }
        // the tickets this transaction created are held whole (`fresh`): their values too
        let keys = crate::validate::value_keys(self.silo);
        for &id in &touched {
            for key_lc in &keys {
                if let Some(values) = self.fresh.values(id, key_lc) {
                    known.insert((id, key_lc.clone()), values);
                }
            }
        }
        crate::validate::check_tickets(self.silo, self.conn, &touched, self.today, &known)
    }
}

#[cfg(test)]
mod stored_at_tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    proptest! {
        #[test]
        fn the_stored_form_reads_as_chrono_reads_it(secs in 0i64..253_402_300_799, micros in 0u32..1_000_000) {
            let at = DateTime::from_timestamp(secs, micros * 1000).unwrap();
            let text = format_at(at);
            prop_assert_eq!(crate::stored_at::parse_stored(&text), Some(at));
            prop_assert_eq!(parse_at(&text), chrono_at(&text));
        }

        #[test]
        fn any_other_text_reads_as_chrono_reads_it(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})") {
            prop_assert_eq!(parse_at(&text), chrono_at(&text));
        }
    }

    #[test]
    fn odd_stored_looking_texts_fall_back_to_chrono() {
        for text in [
            "2024-02-30T09:00:00.000000Z",
            "2024-03-13T24:00:00.000000Z",
            "2016-12-31T23:59:60.000000Z",
            "2024-03-13T09:00:00.00000aZ",
            "2024-03-13T09:00:00.000000z",
            "",
        ] {
            assert_eq!(parse_at(text), chrono_at(text), "{text}");
        }
    }
}
