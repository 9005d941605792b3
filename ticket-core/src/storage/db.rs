//! The storage seam: one connection type over both backends, SQLite (a directory silo) and
//! PostgreSQL (a team silo). The core's storage code writes its SQL once, in SQLite's
//! spelling with `?N` placeholders, and runs it through [`Db`]: on PostgreSQL each statement
//! is translated once (placeholders, `INSERT OR IGNORE`, `rarray` lists, `group_concat`, …)
//! and prepared once per connection. Arguments are [`Arg`]s, rows are read through [`Row`],
//! so nothing above this module names a driver (ARCHITECTURE.md, "The storage seam").
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use ticket_query::{Dialect, SqlValue};

use super::kept::{self, KeptRow, KeptRows};
use crate::error::{Error, Result};

/// One argument of a statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    /// SQL NULL (of whatever type the statement expects).
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Owned(String),
    Blob(&'a [u8]),
    /// A list of integers: written `IN rarray(?N)` (SQLite); PostgreSQL gets `= ANY($N)`.
    Ints(std::borrow::Cow<'a, [i64]>),
    /// Bytes owned (a queued write's copy of a [`Arg::Blob`]).
    OwnedBlob(Vec<u8>),
}

impl Arg<'_> {
    /// The same argument owning its text and bytes (a write queued for later).
    pub(crate) fn to_owned_arg(&self) -> Arg<'static> {
        match self {
            Arg::Null => Arg::Null,
            Arg::Int(i) => Arg::Int(*i),
            Arg::Real(r) => Arg::Real(*r),
            Arg::Text(t) => Arg::Owned(t.to_string()),
            Arg::Owned(t) => Arg::Owned(t.clone()),
            Arg::Blob(b) => Arg::OwnedBlob(b.to_vec()),
            Arg::OwnedBlob(b) => Arg::OwnedBlob(b.clone()),
            Arg::Ints(list) => Arg::Ints(std::borrow::Cow::Owned(list.to_vec())),
        }
    }
}

macro_rules! arg_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(v: $t) -> Self {
                Arg::Int(v as i64)
            }
        }
        impl From<&$t> for Arg<'_> {
            fn from(v: &$t) -> Self {
                Arg::Int(*v as i64)
            }
        }
        impl From<Option<$t>> for Arg<'_> {
            fn from(v: Option<$t>) -> Self {
                v.map_or(Arg::Null, |v| Arg::Int(v as i64))
            }
        }
    )*};
}
arg_from_int!(i64, i32, u32, u16, u8, u64, usize);

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<f64> for Arg<'_> {
    fn from(v: f64) -> Self {
        Arg::Real(v)
    }
}
impl From<Option<f64>> for Arg<'_> {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Arg::Null, Arg::Real)
    }
}
impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v)
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(v)
    }
}
impl<'a> From<&&'a str> for Arg<'a> {
    fn from(v: &&'a str) -> Self {
        Arg::Text(v)
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Owned(v)
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Arg::Null, Arg::Text)
    }
}
impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().map_or(Arg::Null, Arg::Text)
    }
}
impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::Null, Arg::Owned)
    }
}
impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Arg::Blob(v)
    }
}
impl<'a> From<&'a [i64]> for Arg<'a> {
    fn from(v: &'a [i64]) -> Self {
        Arg::Ints(std::borrow::Cow::Borrowed(v))
    }
}
impl<'a> From<&'a Vec<i64>> for Arg<'a> {
    fn from(v: &'a Vec<i64>) -> Self {
        Arg::Ints(std::borrow::Cow::Borrowed(v))
    }
}
impl From<Vec<i64>> for Arg<'_> {
    fn from(v: Vec<i64>) -> Self {
        Arg::Ints(std::borrow::Cow::Owned(v))
    }
}
impl<'a> From<&'a SqlValue> for Arg<'a> {
    fn from(v: &'a SqlValue) -> Self {
        match v {
            SqlValue::Null => Arg::Null,
            SqlValue::Integer(i) => Arg::Int(*i),
            SqlValue::Real(r) => Arg::Real(*r),
            SqlValue::Text(t) => Arg::Text(t),
        }
    }
}

/// The arguments of a statement: `args![a, b]`.
macro_rules! args {
    () => { &[] as &[$crate::storage::db::Arg<'_>] };
    ($($x:expr),+ $(,)?) => { &[$($crate::storage::db::Arg::from($x)),+] as &[$crate::storage::db::Arg<'_>] };
}
pub(crate) use args;

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Arg::Null => ToSqlOutput::Owned(Value::Null),
            Arg::Int(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            Arg::Real(r) => ToSqlOutput::Owned(Value::Real(*r)),
            Arg::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Arg::Owned(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Arg::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Arg::OwnedBlob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Arg::Ints(list) => {
                let values: Vec<Value> = list.iter().map(|&i| Value::Integer(i)).collect();
                ToSqlOutput::Array(Rc::new(values))
            }
        })
    }
}

impl postgres::types::ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::{IsNull, Type};
        let text = |t: &str, out: &mut bytes::BytesMut| match *ty {
            Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
            Type::INT4 => t.parse::<i32>()?.to_sql(ty, out),
            Type::FLOAT8 => t.parse::<f64>()?.to_sql(ty, out),
            Type::BYTEA => t.as_bytes().to_sql(ty, out),
            _ => t.to_sql(ty, out),
        };
        match self {
            Arg::Null => Ok(IsNull::Yes),
            Arg::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Arg::Real(r) => match *ty {
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                Type::FLOAT8 => r.to_sql(ty, out),
                _ => r.to_string().to_sql(ty, out),
            },
            Arg::Text(t) => text(t, out),
            Arg::Owned(t) => text(t, out),
            Arg::Blob(b) => b.to_sql(ty, out),
            Arg::OwnedBlob(b) => b.as_slice().to_sql(ty, out),
            Arg::Ints(list) => list.as_ref().to_sql(ty, out),
        }
    }
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
    postgres::types::to_sql_checked!();
}

/// One row of a result, from either backend.
pub(crate) enum Row<'r, 's> {
    Lite(&'r rusqlite::Row<'s>),
    Pg(&'r postgres::Row),
}

impl Row<'_, '_> {
    /// Column `i` as a `T`.
    pub(crate) fn get<T: FromColumn>(&self, i: usize) -> Result<T> {
        match self {
            Row::Lite(r) => Ok(T::lite(r, i)?),
            Row::Pg(r) => T::pg(r, i),
        }
    }

    /// Column `i`, a text or NULL, lent to `f` without a copy (a NULL is `None`).
    pub(crate) fn with_str<T>(&self, i: usize, f: impl FnOnce(Option<&str>) -> T) -> Result<T> {
        match self {
            Row::Lite(r) => {
                let text = r.get_ref(i)?.as_str_or_null().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?;
                Ok(f(text))
            }
            Row::Pg(r) => Ok(f(r.try_get::<_, Option<&str>>(i)?)),
        }
    }

    /// Column `i`, a text that is not NULL, copied into `s` (its allocation kept).
    pub(crate) fn copy_str(&self, i: usize, s: &mut String) -> Result<()> {
        self.with_str(i, |text| {
            let text = text.ok_or_else(|| null_column(i))?;
            s.clear();
            s.push_str(text);
            Ok(())
        })?
    }
}

/// A value a column can be read as, on both backends.
pub(crate) trait FromColumn: Sized {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self>;
    fn pg(r: &postgres::Row, i: usize) -> Result<Self>;
}

/// A PostgreSQL integer column of any width (`count(*)` is BIGINT, a literal INTEGER).
fn pg_int(r: &postgres::Row, i: usize) -> Result<Option<i64>> {
    use postgres::types::Type;
    let ty = r.columns().get(i).map(|c| c.type_().clone());
    Ok(match ty {
        Some(Type::INT8) => r.try_get::<_, Option<i64>>(i)?,
        Some(Type::INT4) => r.try_get::<_, Option<i32>>(i)?.map(i64::from),
        Some(Type::INT2) => r.try_get::<_, Option<i16>>(i)?.map(i64::from),
        Some(Type::BOOL) => r.try_get::<_, Option<bool>>(i)?.map(i64::from),
        Some(Type::FLOAT8) => r.try_get::<_, Option<f64>>(i)?.map(|f| f as i64),
        _ => r.try_get::<_, Option<i64>>(i)?,
    })
}

fn pg_real(r: &postgres::Row, i: usize) -> Result<Option<f64>> {
    use postgres::types::Type;
    let ty = r.columns().get(i).map(|c| c.type_().clone());
    Ok(match ty {
        Some(Type::FLOAT8) => r.try_get::<_, Option<f64>>(i)?,
        Some(Type::FLOAT4) => r.try_get::<_, Option<f32>>(i)?.map(f64::from),
        _ => pg_int(r, i)?.map(|v| v as f64),
    })
}

pub(crate) fn null_column(i: usize) -> Error {
    Error::Db(DbError::new(format!(
        "column {i} is NULL where a value was expected"
    )))
}

macro_rules! from_int_column {
    ($($t:ty),*) => {$(
        impl FromColumn for $t {
            fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
                let v = pg_int(r, i)?.ok_or_else(|| null_column(i))?;
                <$t>::try_from(v).map_err(|_| Error::Db(DbError::new(format!("column {i}: {v} is out of range"))))
            }
        }
        impl FromColumn for Option<$t> {
            fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
                match pg_int(r, i)? {
                    None => Ok(None),
                    Some(v) => Ok(Some(<$t>::try_from(v).map_err(|_| Error::Db(DbError::new(format!("column {i}: {v} is out of range"))))?)),
                }
            }
        }
    )*};
}
from_int_column!(i64, i32, u32, u8, u16, usize);

impl FromColumn for u64 {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        Ok(r.get::<_, i64>(i)?.max(0) as u64)
    }
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        Ok(pg_int(r, i)?.ok_or_else(|| null_column(i))?.max(0) as u64)
    }
}

impl FromColumn for bool {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        Ok(r.get::<_, i64>(i)? != 0)
    }
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        Ok(pg_int(r, i)?.ok_or_else(|| null_column(i))? != 0)
    }
}

impl FromColumn for f64 {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        pg_real(r, i)?.ok_or_else(|| null_column(i))
    }
}

impl FromColumn for Option<f64> {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        pg_real(r, i)
    }
}

impl FromColumn for String {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        <Option<String>>::pg(r, i)?.ok_or_else(|| null_column(i))
    }
}

impl FromColumn for Option<String> {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        use postgres::types::Type;
        let ty = r.columns().get(i).map(|c| c.type_().clone());
        match ty {
            Some(Type::INT8 | Type::INT4 | Type::INT2) => Ok(pg_int(r, i)?.map(|v| v.to_string())),
            _ => Ok(r.try_get::<_, Option<String>>(i)?),
        }
    }
}

impl FromColumn for Vec<u8> {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        r.try_get::<_, Option<Vec<u8>>>(i)?
            .ok_or_else(|| null_column(i))
    }
}

/// A database failure, in the backend's words (the password of an address never appears).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    /// What the database said.
    pub message: String,
    /// The SQLSTATE (PostgreSQL) or the extended result code's name (SQLite), when known.
    pub code: Option<String>,
}

impl DbError {
    pub(crate) fn new(message: impl Into<String>) -> DbError {
        DbError {
            message: message.into(),
            code: None,
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

/// Prepared statements kept per PostgreSQL connection (SQLite's cache holds 128).
const STATEMENT_CACHE: usize = 256;

/// Writes queued by [`Db::exec_later`] before they are sent without waiting for a read:
/// the pipeline's length bounds the memory the queued arguments hold.
const QUEUE_LIMIT: usize = 2048;

/// A statement waiting in the pipeline.
enum Queued {
    /// A prepared write and its arguments.
    Exec(postgres::Statement, Vec<Arg<'static>>),
    /// Statements without arguments (the beginning of a write transaction).
    Batch(String),
    /// Kept rows (change records, rows of a derived table) written by one statement over
    /// arrays, one a column.
    Arrays(postgres::Statement, kept::PgArrays),
    /// A query asked ahead ([`Db::ask_ahead`]): its rows land in the slot when answered.
    Fetch(postgres::Statement, Vec<Arg<'static>>, AheadSlot),
}

/// Where the rows of a query asked ahead land once PostgreSQL answers it.
/// (Shared with the queue; a connection moves between threads, hence `Arc`.)
type AheadSlot = std::sync::Arc<std::sync::Mutex<Option<Vec<postgres::Row>>>>;

/// A one-row query asked ahead of its answer being needed ([`Db::ask_ahead`]): on a team
/// silo it rides along with the next statement waited for (a round trip saved); SQLite,
/// which has no round trips, answered it at once.
pub(crate) struct Ahead<T> {
    answer: AheadAnswer<T>,
    sql: &'static str,
}

enum AheadAnswer<T> {
    Sent(AheadSlot, fn(&Row<'_, '_>) -> Result<T>),
    Now(Option<T>),
}

/// A change record's row in `changes`, kept by the connection until a statement needs the
/// log (see [`Db::insert_log_row`]).
pub(crate) struct LogRow {
    pub id: i64,
    pub ticket: i64,
    pub op: i64,
    pub key: Option<String>,
    pub value: Option<String>,
    pub num: Option<i64>,
    pub sha: Option<String>,
}

/// Change records kept before they are written in one statement: past this many they go.
const LOG_ROWS_LIMIT: usize = 8192;

/// Keeps a change record with the others of its transaction; whether they are now so many
/// ([`LOG_ROWS_LIMIT`]) that they should be written.
fn keep_log_row(rows: &RefCell<Vec<LogRow>>, row: LogRow) -> bool {
    let mut rows = rows.borrow_mut();
    rows.push(row);
    rows.len() >= LOG_ROWS_LIMIT
}

/// Whether a statement may read the change log: it names `changes` or the view `entries`
/// over it (the kept records go ahead of it, on either backend).
fn reads_log(sql: &str) -> bool {
    sql.contains("changes") || sql.contains("entries")
}

/// What a statement sent through the pipeline answers.
enum Answer {
    Count(u64),
    Rows(Vec<postgres::Row>),
    /// A streamed query's rows, received as they are read.
    Stream(tokio_postgres::RowStream),
    Done,
}

/// A statement's future in a pipeline.
type Pending<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = std::result::Result<Answer, postgres::Error>> + 'a>,
>;

/// A connection to a PostgreSQL team silo: the asynchronous client of `tokio-postgres` driven
/// by a runtime of its own on the calling thread (what the synchronous `postgres` client
/// does, one statement at a time), its prepared statements (SQLite's `prepare_cached`), the
/// writes queued by [`Db::exec_later`], and whether a transaction is open.
///
/// Why not the synchronous client: it waits for each statement's answer before sending the
/// next, so the write path paid one round trip per statement (a generated ticket some 100).
/// Statements whose answer nobody reads are queued instead and sent together with the next
/// statement that is waited for (or the commit): PostgreSQL answers them in order, the first
/// error aborts the transaction as before, and it is the error the caller sees.
pub(crate) struct PgConn {
    /// The client and its socket's task: made again by [`PgConn::relink_if_closed`] when
    /// the server dropped the connection.
    link: RefCell<Link>,
    /// How to make the link again: the address (with its password, as the caller gave it)
    /// and the settings every session of a silo runs first.
    redial: Option<Redial>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    in_transaction: Cell<bool>,
    /// Whether this session has its own `list_stale` (see [`Db::begin_write`]): `Some(false)`
    /// while the transaction that makes it has not committed.
    local_stale: Cell<Option<bool>>,
    /// Write transactions begun on this connection (the session's `list_stale` is truncated
    /// every [`LOCAL_STALE_TRUNCATE`]th).
    writes: Cell<u64>,
    queued: RefCell<Vec<Queued>>,
    /// Change records not written yet (see [`Db::insert_log_row`]).
    log_rows: RefCell<Vec<LogRow>>,
    /// Statements sent or queued so far (preparations not counted).
    sent: Cell<u64>,
    /// New tickets' rows of `ticket_ids` not written yet (see [`Db::keep_ticket_id`]).
    ticket_ids: RefCell<(Vec<i64>, Vec<String>)>,
    /// Rows of derived tables not written yet (see [`Db::keep_row`]).
    kept: RefCell<KeptRows>,
    /// Round trips per statement text, kept when `TICKET_PG_STATS` is set and printed to
    /// standard error when the connection closes: the team silo's write path is bound by
    /// round trips, and this is how they are counted (benches/README.md, session 7).
    stats: Option<RefCell<HashMap<String, u64>>>,
    /// Round trips so far (every prepare and every pipeline sent), for tests that count work.
    trips: Cell<u64>,
    runtime: tokio::runtime::Runtime,
}

/// A connection's client and the task that reads and writes its socket (run while a call
/// waits).
struct Link {
    client: Option<tokio_postgres::Client>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Connects to the server of an address: a client, and its socket's task spawned on the
/// given runtime.
pub(crate) type Dial = fn(
    &str,
    &tokio::runtime::Runtime,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>)>;

/// What a new link to the same silo needs.
pub(crate) struct Redial {
    /// The silo's address.
    pub address: String,
    /// Makes a client and its task on the connection's runtime (`storage::postgres`).
    pub dial: Dial,
    /// Statements every new session runs first (its search path, its settings).
    pub session: String,
}

impl PgConn {
    /// A connection of `client`, whose socket `task` the current-thread `runtime` drives.
    pub(crate) fn new(
        runtime: tokio::runtime::Runtime,
        client: tokio_postgres::Client,
        task: tokio::task::JoinHandle<()>,
    ) -> PgConn {
        PgConn {
            link: RefCell::new(Link {
                client: Some(client),
                task: Some(task),
            }),
            redial: None,
            statements: RefCell::new(HashMap::new()),
            in_transaction: Cell::new(false),
            local_stale: Cell::new(None),
            writes: Cell::new(0),
            queued: RefCell::new(Vec::new()),
            log_rows: RefCell::new(Vec::new()),
            sent: Cell::new(0),
            ticket_ids: RefCell::new((Vec::new(), Vec::new())),
            kept: RefCell::new(KeptRows::default()),
            stats: std::env::var_os("TICKET_PG_STATS").map(|_| RefCell::new(HashMap::new())),
            trips: Cell::new(0),
            runtime,
        }
    }

    fn client(&self) -> std::cell::Ref<'_, tokio_postgres::Client> {
        std::cell::Ref::map(self.link.borrow(), |l| {
            l.client
                .as_ref()
                .expect("the client lives as long as the connection")
        })
    }

    /// Gives the connection what it needs to make its link again, and runs the session's
    /// statements now.
    pub(crate) fn set_redial(&mut self, redial: Redial) -> Result<()> {
        self.batch(&redial.session)?;
        self.redial = Some(redial);
        Ok(())
    }

    /// Outside a transaction (at its begin, or before a statement run on its own), a link
    /// the server has closed (it restarted, or a network device or the server's idle
    /// timeout cut the connection) is made again, so that a long-lived handle (`ticket
    /// serve`, a Python `Silo`) works again once the server is back instead of failing every
    /// call. A transaction cut off is not run again: its
    /// caller got the error (whether a cut `COMMIT` took effect only the server knows).
    /// What belonged to the old session goes with it: prepared statements, the session's
    /// `list_stale`.
    fn relink_if_closed(&self) -> Result<()> {
        let Some(redial) = &self.redial else {
            return Ok(());
        };
        if self.in_transaction.get() {
            return Ok(());
        }
        // let the socket's task read what the server sent while the handle was idle (a
        // shutdown notice, the end of the stream): it runs only while a call waits
        self.runtime.block_on(async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        });
        if !self.client().is_closed() {
            return Ok(());
        }
        let (client, task) = (redial.dial)(&redial.address, &self.runtime)?;
        let old = std::mem::replace(
            &mut *self.link.borrow_mut(),
            Link {
                client: Some(client),
                task: Some(task),
            },
        );
        if let Some(task) = old.task {
            task.abort();
        }
        self.statements.borrow_mut().clear();
        self.discard();
        self.local_stale.set(None);
        self.writes.set(0);
        self.batch(&redial.session)
    }

    /// Counts one round trip of `what` (only with `TICKET_PG_STATS`).
    fn count(&self, what: &str) {
        if what != "(prepare)" {
            self.sent.set(self.sent.get() + 1);
        }
        if let Some(stats) = &self.stats {
            *stats.borrow_mut().entry(what.to_string()).or_default() += 1;
        }
    }

    fn statement(&self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let translated = pg_sql(sql);
        self.count("(prepare)");
        self.trips.set(self.trips.get() + 1);
        let stmt = {
            let client = self.client();
            self.runtime.block_on(client.prepare(&translated))?
        };
        let mut cache = self.statements.borrow_mut();
        // searches make a statement per key: a long-lived handle (the web server's) would
        // keep every one prepared on the server; past the bound the cache starts again
        // (dropped statements are closed on the server; a queued write holds its own)
        if cache.len() >= STATEMENT_CACHE {
            cache.clear();
        }
        cache.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    fn params<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
        args.iter()
            .map(|a| a as &(dyn postgres::types::ToSql + Sync))
            .collect()
    }

    /// Sends the queued writes and then `last` (if any) in one pipeline and waits for all of
    /// their answers: one round trip. The first failure in order is the result (the ones
    /// after it only say that the transaction is aborted).
    fn pipeline(&self, last: Option<Pending<'_>>) -> Result<Answer> {
        let queued = std::mem::take(&mut *self.queued.borrow_mut());
        if queued.is_empty() {
            let Some(last) = last else {
                return Ok(Answer::Done);
            };
            self.trips.set(self.trips.get() + 1);
            return Ok(self.runtime.block_on(last)?);
        }
        // the queue and `last` (if any) go out together: one round trip
        self.trips.set(self.trips.get() + 1);
        let link = self.client();
        let client: &tokio_postgres::Client = &link;
        let params: Vec<_> = queued
            .iter()
            .map(|q| match q {
                Queued::Exec(_, a) | Queued::Fetch(_, a, _) => Self::params(a),
                Queued::Batch(_) => Vec::new(),
                Queued::Arrays(_, a) => a
                    .iter()
                    .map(|b| b.as_ref() as &(dyn postgres::types::ToSql + Sync))
                    .collect(),
            })
            .collect();
        let mut futures: Vec<Pending<'_>> = queued
            .iter()
            .zip(&params)
            .map(|(q, p)| -> Pending<'_> {
                match q {
                    Queued::Exec(stmt, _) | Queued::Arrays(stmt, _) => {
                        Box::pin(async move { client.execute(stmt, p).await.map(Answer::Count) })
                    }
                    Queued::Batch(sql) => {
                        Box::pin(
                            async move { client.batch_execute(sql).await.map(|()| Answer::Done) },
                        )
                    }
                    Queued::Fetch(stmt, _, _) => {
                        Box::pin(async move { client.query(stmt, p).await.map(Answer::Rows) })
                    }
                }
            })
            .collect();
        let waits_for_last = last.is_some();
        futures.extend(last);
        let mut answers: Vec<Option<std::result::Result<Answer, postgres::Error>>> =
            futures.iter().map(|_| None).collect();
        // every statement is sent at its first poll, in this order, and none after one that
        // failed before it was sent (an argument that does not convert): what follows it,
        // the commit included, must not run without it. Once sent, the answers come in
        // order, so polling from the first unanswered one suffices.
        let mut polled = 0;
        let mut limit = futures.len();
        let mut first = 0;
        self.runtime.block_on(std::future::poll_fn(|cx| {
            while polled < limit {
                let i = polled;
                polled += 1;
                if let std::task::Poll::Ready(a) = futures[i].as_mut().poll(cx) {
                    if a.is_err() {
                        limit = i + 1;
                    }
                    answers[i] = Some(a);
                }
            }
            while first < limit {
                if answers[first].is_none() {
                    match futures[first].as_mut().poll(cx) {
                        std::task::Poll::Ready(a) => answers[first] = Some(a),
                        std::task::Poll::Pending => break,
                    }
                }
                first += 1;
            }
            if first == limit {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        }));
        drop(futures);
        let mut result = Ok(Answer::Done);
        for (i, answer) in answers.into_iter().enumerate() {
            match answer {
                None => {}
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Answer::Rows(rows))) if i < queued.len() => {
                    if let Queued::Fetch(_, _, slot) = &queued[i] {
                        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(rows);
                    }
                    result = Ok(Answer::Done);
                }
                Some(Ok(a)) => result = Ok(a),
            }
        }
        if waits_for_last {
            result
        } else {
            Ok(Answer::Done)
        }
    }

    /// Queues the kept change records as one statement if `sql` may read or change the log
    /// (it names `changes` or the view `entries` over it) or `all`.
    fn log_rows_before(&self, sql: &str, all: bool) -> Result<()> {
        if self.log_rows.borrow().is_empty() || !(all || reads_log(sql)) {
            return Ok(());
        }
        let rows = std::mem::take(&mut *self.log_rows.borrow_mut());
        let (mut ids, mut tickets, mut ops, mut nums) = (vec![], vec![], vec![], vec![]);
        let (mut keys, mut values, mut shas) = (vec![], vec![], vec![]);
        for r in rows {
            ids.push(r.id);
            tickets.push(r.ticket);
            ops.push(i32::try_from(r.op).map_err(|_| {
                Error::Db(DbError::new(format!(
                    "operation code {} out of range",
                    r.op
                )))
            })?);
            keys.push(r.key);
            values.push(r.value);
            nums.push(r.num);
            shas.push(r.sha);
        }
        let stmt = self.statement(super::log::INSERT_RECORDS)?;
        self.count("(queued) INSERT INTO changes … unnest");
        self.queued.borrow_mut().push(Queued::Arrays(
            stmt,
            vec![
                Box::new(ids),
                Box::new(tickets),
                Box::new(ops),
                Box::new(keys),
                Box::new(values),
                Box::new(nums),
                Box::new(shas),
            ],
        ));
        Ok(())
    }

    /// Queues the kept rows of `ticket_ids` as one statement, if `sql` names the table or `all`.
    fn ticket_ids_before(&self, sql: &str, all: bool) -> Result<()> {
        if self.ticket_ids.borrow().0.is_empty() || !(all || sql.contains("ticket_ids")) {
            return Ok(());
        }
        let (ids, uuids) = std::mem::take(&mut *self.ticket_ids.borrow_mut());
        let stmt = self.statement(super::log::INSERT_TICKET_IDS)?;
        self.count(&format!("(queued) {}", super::log::INSERT_TICKET_IDS));
        (self.queued.borrow_mut()).push(Queued::Arrays(stmt, vec![Box::new(ids), Box::new(uuids)]));
        Ok(())
    }

    /// Keeps a new ticket's row of `ticket_ids` until a statement names the table (the insert
    /// of its ticket's row does) or the commit; outside a transaction it is written at once.
    fn keep_ticket_id(&self, id: i64, uuid: &str) -> Result<()> {
        if !self.in_transaction.get() {
            self.execute(super::log::INSERT_TICKET_ID, args![id, uuid])?;
            return Ok(());
        }
        let full = {
            let mut kept = self.ticket_ids.borrow_mut();
            kept.0.push(id);
            kept.1.push(uuid.to_string());
            kept.0.len() >= kept::PG_LIMIT
        };
        if full {
            self.ticket_ids_before("", true)?;
        }
        Ok(())
    }

    /// Queues the kept rows of the derived tables, a statement a table, if `sql` names one of
    /// their tables (see [`KeptRows::take_for`]) or `all`.
    fn kept_rows_before(&self, sql: &str, all: bool) -> Result<()> {
        if self.kept.borrow().is_empty() {
            return Ok(());
        }
        let rows = self.kept.borrow_mut().take_for((!all).then_some(sql));
        for (sql, arrays) in kept::pg_inserts(&rows) {
            self.queue_arrays(sql, arrays)?;
        }
        Ok(())
    }

    /// Queues a statement over array parameters (sent with the next statement waited for,
    /// or at once outside a transaction).
    fn queue_arrays(&self, sql: &str, arrays: kept::PgArrays) -> Result<()> {
        let stmt = self.ready(sql)?;
        self.count(&format!("(queued) {sql}"));
        self.queued.borrow_mut().push(Queued::Arrays(stmt, arrays));
        if !self.in_transaction.get() {
            self.pipeline(None)?;
        }
        Ok(())
    }

    /// Keeps a row of a derived table until a statement names its table (or the commit);
    /// outside a transaction it is written at once.
    fn keep_row(&self, row: KeptRow) -> Result<()> {
        let full = self.kept.borrow_mut().keep(row, kept::PG_LIMIT);
        if full || !self.in_transaction.get() {
            // outside a transaction each statement is sent at once (`queue_arrays`)
            self.kept_rows_before("", true)?;
        }
        Ok(())
    }

    /// Keeps a change record until a statement needs the log (or the commit); outside a
    /// transaction it is written at once.
    fn insert_log_row(&self, single: &str, row: LogRow) -> Result<()> {
        if !self.in_transaction.get() {
            self.execute(
                single,
                args![row.id, row.ticket, row.op, row.key, row.value, row.num, row.sha],
            )?;
            return Ok(());
        }
        if keep_log_row(&self.log_rows, row) {
            self.log_rows_before("", true)?;
        }
        Ok(())
    }

    /// The prepared statement of `sql`, about to be sent: the kept change records it may
    /// read go ahead of it.
    fn ready(&self, sql: &str) -> Result<postgres::Statement> {
        // a statement outside a transaction (the configuration's version, a count) may be the
        // first since the server dropped the connection, as a transaction's begin may
        self.relink_if_closed()?;
        self.ticket_ids_before(sql, false)?;
        self.kept_rows_before(sql, false)?;
        self.log_rows_before(sql, false)?;
        self.statement(sql)
    }

    fn query(&self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<postgres::Row>> {
        let stmt = self.ready(sql)?;
        self.count(sql);
        let params = Self::params(args);
        let client = self.client();
        match self.pipeline(Some(Box::pin(async {
            client.query(&stmt, &params).await.map(Answer::Rows)
        })))? {
            Answer::Rows(rows) => Ok(rows),
            _ => unreachable!("a query answers rows"),
        }
    }

    /// Every row of a query to `f` as the server sends it: the rows are never all in
    /// memory (a listing of 700k whole rows of a 1M team silo held them all, 452 MB at its
    /// peak; benches/README.md, session 13). `f` must not run statements on this connection:
    /// their answers would wait behind the rows not read yet.
    fn stream(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        mut f: impl FnMut(&postgres::Row) -> Result<()>,
    ) -> Result<()> {
        use futures_util::{FutureExt, StreamExt};
        let stmt = self.ready(sql)?;
        self.count(sql);
        // what is queued (a read's begin) goes out with the query, in one round trip: its
        // answers come first, then the rows, read as they arrive
        let params = Self::params(args);
        let client = self.client();
        let answer = self.pipeline(Some(Box::pin(async {
            (client.query_raw(&stmt, params.iter().copied()).await).map(Answer::Stream)
        })))?;
        let Answer::Stream(rows) = answer else {
            unreachable!("a streamed query answers its rows")
        };
        let mut rows = std::pin::pin!(rows);
        loop {
            // the rows already received are taken without entering the runtime
            let next = match rows.next().now_or_never() {
                Some(next) => next,
                None => self.runtime.block_on(rows.next()),
            };
            match next {
                Some(row) => f(&row?)?,
                None => return Ok(()),
            }
        }
    }

    fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let stmt = self.ready(sql)?;
        self.count(sql);
        let params = Self::params(args);
        let client = self.client();
        match self.pipeline(Some(Box::pin(async {
            client.execute(&stmt, &params).await.map(Answer::Count)
        })))? {
            Answer::Count(n) => Ok(n),
            _ => unreachable!("a statement answers its count"),
        }
    }

    /// Queues a write inside a transaction (run at once outside one).
    fn execute_later(&self, sql: &str, args: &[Arg<'_>]) -> Result<()> {
        if !self.in_transaction.get() {
            self.execute(sql, args)?;
            return Ok(());
        }
        let stmt = self.ready(sql)?;
        if self.stats.is_some() {
            self.count(&format!("(queued) {sql}"));
        }
        let len = {
            let mut queued = self.queued.borrow_mut();
            queued.push(Queued::Exec(
                stmt,
                args.iter().map(Arg::to_owned_arg).collect(),
            ));
            queued.len()
        };
        if len >= QUEUE_LIMIT {
            self.count("(queue full)");
            self.pipeline(None)?;
        }
        Ok(())
    }

    /// Queues a query whose rows are read later (inside a transaction; at once outside one).
    fn fetch_later(&self, sql: &str, args: &[Arg<'_>]) -> Result<AheadSlot> {
        let slot = AheadSlot::default();
        if !self.in_transaction.get() {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(self.query(sql, args)?);
            return Ok(slot);
        }
        let stmt = self.ready(sql)?;
        if self.stats.is_some() {
            self.count(&format!("(queued) {sql}"));
        }
        self.queued.borrow_mut().push(Queued::Fetch(
            stmt,
            args.iter().map(Arg::to_owned_arg).collect(),
            slot.clone(),
        ));
        Ok(slot)
    }

    /// Runs statements without arguments (transaction control, schema scripts), after the
    /// queued writes.
    pub(crate) fn batch(&self, sql: &str) -> Result<()> {
        self.relink_if_closed()?;
        self.ticket_ids_before(sql, true)?;
        self.kept_rows_before(sql, true)?;
        self.log_rows_before(sql, true)?;
        self.count(sql);
        let client = self.client();
        self.pipeline(Some(Box::pin(async {
            client.batch_execute(sql).await.map(|()| Answer::Done)
        })))?;
        Ok(())
    }

    /// Queues statements without arguments, to be sent with the next statement waited for.
    fn batch_later(&self, sql: String) {
        self.count("(queued) BEGIN …");
        self.queued.borrow_mut().push(Queued::Batch(sql));
    }

    /// Forgets the queued writes (the transaction is rolled back).
    fn discard(&self) {
        self.queued.borrow_mut().clear();
        self.log_rows.borrow_mut().clear();
        *self.ticket_ids.borrow_mut() = Default::default();
        *self.kept.borrow_mut() = KeptRows::default();
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // without the client the connection's task says goodbye to the server and ends;
        // driving it needs this thread outside any other runtime (the synchronous client had
        // the same limit), else the socket just closes
        let link = self.link.get_mut();
        link.client = None;
        if let Some(task) = link.task.take() {
            if tokio::runtime::Handle::try_current().is_err() {
                let _ = self.runtime.block_on(task);
            }
        }
        if let Some(stats) = &self.stats {
            let mut rows: Vec<(String, u64)> = stats.borrow_mut().drain().collect();
            rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let total: u64 = rows
                .iter()
                .filter(|r| !r.0.starts_with("(queued)"))
                .map(|r| r.1)
                .sum();
            eprintln!("TICKET_PG_STATS: {total} round trips (queued statements ride along)");
            for (sql, n) in rows {
                eprintln!(
                    "{n:>9}  {}",
                    sql.split_whitespace().collect::<Vec<_>>().join(" ")
                );
            }
        }
    }
}

/// A directory silo's connection, with the change records of its write transaction kept
/// until they go into `changes` together (see [`Db::insert_log_row`]).
pub(crate) struct Lite {
    conn: rusqlite::Connection,
    log_rows: RefCell<Vec<LogRow>>,
    /// Rows of derived tables not written yet (see [`Db::keep_row`]).
    kept: RefCell<KeptRows>,
    /// Statements run so far (each of a batch's counted as one), for tests that count work.
    statements: Cell<u64>,
}

impl std::ops::Deref for Lite {
    type Target = rusqlite::Connection;

    fn deref(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

impl Lite {
    /// The connection back, its kept records written first.
    pub(crate) fn into_inner(self) -> Result<rusqlite::Connection> {
        self.write_kept()?;
        Ok(self.conn)
    }

    /// Writes the kept records ahead of `sql` when it may read the log: it names `changes`
    /// or the view `entries` over it.
    fn before(&self, sql: &str) -> Result<()> {
        self.statements.set(self.statements.get() + 1);
        if !self.kept.borrow().is_empty() {
            let rows = self.kept.borrow_mut().take_for(Some(sql));
            self.write_rows(rows)?;
        }
        if self.log_rows.borrow().is_empty() || !reads_log(sql) {
            return Ok(());
        }
        self.write_log_rows()
    }

    /// Writes every kept record and row.
    fn write_kept(&self) -> Result<()> {
        self.write_kept_rows()?;
        self.write_log_rows()
    }

    /// Writes the kept rows of the derived tables ([`kept::write_lite`]).
    fn write_kept_rows(&self) -> Result<()> {
        let rows = std::mem::take(&mut *self.kept.borrow_mut());
        self.write_rows(rows)
    }

    fn write_rows(&self, rows: KeptRows) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let n = kept::write_lite(&self.conn, rows)?;
        self.statements.set(self.statements.get() + n);
        Ok(())
    }

    /// Writes every kept record: runs of 64, 32, … 1 rows a statement, so at most seven
    /// statement texts (the cache holds them all) whatever the count.
    fn write_log_rows(&self) -> Result<()> {
        let rows = std::mem::take(&mut *self.log_rows.borrow_mut());
        let n = kept::write_lite_rows(&self.conn, &rows)?;
        self.statements.set(self.statements.get() + n);
        Ok(())
    }
}

/// A change record's row in `changes`, several to an `INSERT`. `OR IGNORE` for the statement
/// journal it spares (see [`kept::LiteRow::HEAD`]); a record already there is still an
/// error, by the count of rows written.
impl kept::LiteRow for LogRow {
    const HEAD: &'static str =
        "INSERT OR IGNORE INTO changes (id, ticket, op, key, value, num, sha)";
    const COLUMNS: usize = 7;
    const MAY_BE_IGNORED: bool = false;
    const SLOT: usize = 4;
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(at + 1, self.id)?;
        stmt.raw_bind_parameter(at + 2, self.ticket)?;
        stmt.raw_bind_parameter(at + 3, self.op)?;
        stmt.raw_bind_parameter(at + 4, self.key.as_deref())?;
        stmt.raw_bind_parameter(at + 5, self.value.as_deref())?;
        stmt.raw_bind_parameter(at + 6, self.num)?;
        stmt.raw_bind_parameter(at + 7, self.sha.as_deref())
    }
}

/// The connection of an open silo.
pub(crate) enum Db {
    Sqlite(Box<Lite>),
    Postgres(Box<PgConn>),
}

impl Db {
    /// A directory silo's database on `conn`.
    pub(crate) fn lite(conn: rusqlite::Connection) -> Db {
        Db::Sqlite(Box::new(Lite {
            conn,
            log_rows: RefCell::new(Vec::new()),
            kept: RefCell::new(KeptRows::default()),
            statements: Cell::new(0),
        }))
    }

    /// Which SQL dialect the search compiler writes for this backend.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Whether this is a team silo on PostgreSQL.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// The SQLite connection, for what only a directory silo has (pragmas, migrations of
    /// old files, imports read through SQLite).
    pub(crate) fn sqlite(&self) -> Result<&rusqlite::Connection> {
        match self {
            Db::Sqlite(c) => {
                // what the caller runs may read the log
                c.write_kept()?;
                Ok(c)
            }
            Db::Postgres(_) => Err(Error::Unsupported {
                what: "this operation".into(),
                backend: "a PostgreSQL team silo",
            }),
        }
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) fn exec(&self, sql: &str, args: &[Arg<'_>]) -> Result<usize> {
        match self {
            Db::Sqlite(c) => {
                c.before(sql)?;
                Ok(c.prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(args))?)
            }
            Db::Postgres(p) => Ok(p.execute(sql, args)? as usize),
        }
    }

    /// Asks a one-row query whose answer is read later with [`Db::answer`]: a team silo's
    /// connection sends it with the next statement waited for (or the commit), SQLite runs it
    /// now. Its rows are those of the moment it runs, so ask only what nothing before the
    /// answer changes (the writers' lock is held).
    pub(crate) fn ask_ahead<T>(
        &self,
        sql: &'static str,
        args: &[Arg<'_>],
        map: fn(&Row<'_, '_>) -> Result<T>,
    ) -> Result<Ahead<T>> {
        let answer = match self {
            Db::Sqlite(_) => AheadAnswer::Now(self.opt(sql, args, map)?),
            Db::Postgres(p) => AheadAnswer::Sent(p.fetch_later(sql, args)?, map),
        };
        Ok(Ahead { answer, sql })
    }

    /// The answer of a query asked ahead (its first row, if any); sends what is queued if it
    /// has not been answered yet.
    pub(crate) fn answer<T>(&self, ahead: Ahead<T>) -> Result<Option<T>> {
        match ahead.answer {
            AheadAnswer::Now(value) => Ok(value),
            AheadAnswer::Sent(slot, map) => {
                let answered =
                    |slot: &AheadSlot| slot.lock().unwrap_or_else(|e| e.into_inner()).take();
                let mut rows = answered(&slot);
                if rows.is_none() {
                    if let Db::Postgres(p) = self {
                        p.pipeline(None)?;
                    }
                    rows = answered(&slot);
                }
                let rows = rows.ok_or_else(|| {
                    Error::Db(DbError::new(format!(
                        "a query asked ahead was never answered (the transaction ended): {}",
                        ahead.sql
                    )))
                })?;
                rows.first().map(|r| map(&Row::Pg(r))).transpose()
            }
        }
    }

    /// Runs a statement whose outcome the caller does not read (how many rows it changed):
    /// on PostgreSQL, inside a transaction, it is queued and sent with the next statement
    /// whose answer is waited for (or the commit), saving its round trip; a failure surfaces
    /// there and aborts the transaction as it would have here. SQLite runs it at once.
    pub(crate) fn exec_later(&self, sql: &str, args: &[Arg<'_>]) -> Result<()> {
        match self {
            Db::Sqlite(_) => self.exec(sql, args).map(|_| ()),
            Db::Postgres(p) => p.execute_later(sql, args),
        }
    }

    /// Adds a change record's row to `changes` (`single`: the one-row `INSERT`, run at once
    /// outside a transaction). Inside one, the connection keeps the rows and writes them
    /// together when a statement names the log (`changes` or the view `entries`) or the
    /// transaction commits: a generated ticket's 14 records were 14 statements. A team silo
    /// writes them as one `INSERT … SELECT … FROM unnest(…)`; a directory silo as multi-row
    /// `INSERT`s of up to 64 rows (after any `batch`, and before its raw connection is lent
    /// out, too). A failure (a record already there) surfaces at that statement and fails the
    /// transaction, as it would have here.
    pub(crate) fn insert_log_row(&self, single: &str, row: LogRow) -> Result<()> {
        match self {
            Db::Sqlite(c) if c.is_autocommit() => self
                .exec(
                    single,
                    args![row.id, row.ticket, row.op, row.key, row.value, row.num, row.sha],
                )
                .map(|_| ()),
            Db::Sqlite(c) => {
                if keep_log_row(&c.log_rows, row) {
                    c.write_kept()?;
                }
                Ok(())
            }
            Db::Postgres(p) => p.insert_log_row(single, row),
        }
    }

    /// Adds a row to `tickets` (a ticket the writer creates), `tags`, `properties` or
    /// `entry_rows` (see [`kept`]). Inside a transaction the connection keeps it and writes
    /// the kept rows several to a statement ahead of any statement that names their tables
    /// (or `entries`, `list_stale`), any batch, and the commit; outside one it is written at
    /// once.
    pub(crate) fn keep_row(&self, row: KeptRow) -> Result<()> {
        match self {
            Db::Sqlite(c) => {
                let full = c.kept.borrow_mut().keep(row, kept::LIMIT);
                if full || c.is_autocommit() {
                    c.write_kept_rows()?;
                }
                Ok(())
            }
            Db::Postgres(p) => p.keep_row(row),
        }
    }

    /// Writes a new ticket's row of `ticket_ids`: a team silo keeps it with the others of the
    /// transaction until a statement names the table (the insert of the ticket's row does),
    /// then writes them in one statement (one a ticket was a statement a created ticket).
    pub(crate) fn keep_ticket_id(&self, id: i64, uuid: &str) -> Result<()> {
        match self {
            Db::Sqlite(_) => self
                .exec(super::log::INSERT_TICKET_ID, args![id, uuid])
                .map(drop),
            Db::Postgres(p) => p.keep_ticket_id(id, uuid),
        }
    }

    /// Runs a team silo's statement over arrays, one a parameter (`INSERT … SELECT … FROM
    /// unnest(…)`), queued as [`Db::exec_later`] queues; a directory silo has no such
    /// statements.
    pub(crate) fn exec_arrays_later(&self, sql: &str, arrays: kept::PgArrays) -> Result<()> {
        match self {
            Db::Sqlite(_) => Err(Error::Db(DbError::new(
                "a statement over arrays is PostgreSQL's",
            ))),
            Db::Postgres(p) => p.queue_arrays(sql, arrays),
        }
    }

    /// Amends the kept row of a ticket created in this transaction (see [`Db::keep_row`]);
    /// whether it was still kept (else the caller updates the table).
    pub(crate) fn amend_kept_ticket(
        &self,
        id: i64,
        amend: impl FnOnce(&mut kept::TicketRow),
    ) -> bool {
        let kept = match self {
            Db::Sqlite(c) => &c.kept,
            Db::Postgres(p) => &p.kept,
        };
        match kept.borrow_mut().ticket(id) {
            Some(row) => {
                amend(row);
                true
            }
            None => false,
        }
    }

    /// Runs statements without arguments.
    pub(crate) fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(c) => {
                // pragmas, schema changes, `COMMIT`: the kept records go first
                c.write_kept()?;
                c.statements.set(c.statements.get() + 1);
                Ok(c.execute_batch(sql)?)
            }
            Db::Postgres(p) => p.batch(sql),
        }
    }

    /// [`Db::each`] for a reader whose `f` runs no statement on this connection (a listing):
    /// PostgreSQL streams the rows too, so memory stays flat however many there are.
    pub(crate) fn each_streamed(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        mut f: impl FnMut(&Row<'_, '_>) -> Result<()>,
    ) -> Result<()> {
        match self {
            Db::Sqlite(_) => self.each(sql, args, f),
            Db::Postgres(p) => p.stream(sql, args, |r| f(&Row::Pg(r))),
        }
    }

    /// Calls `f` on every row, in order (SQLite streams them; PostgreSQL reads the result
    /// first, so `f` may run statements of its own; see [`Db::each_streamed`]).
    pub(crate) fn each(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        mut f: impl FnMut(&Row<'_, '_>) -> Result<()>,
    ) -> Result<()> {
        match self {
            Db::Sqlite(c) => {
                c.before(sql)?;
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                while let Some(r) = rows.next()? {
                    f(&Row::Lite(r))?;
                }
                Ok(())
            }
            Db::Postgres(p) => {
                for r in p.query(sql, args)? {
                    f(&Row::Pg(&r))?;
                }
                Ok(())
            }
        }
    }

    /// Every row, mapped by `f`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        mut f: impl FnMut(&Row<'_, '_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, args, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, if any, mapped by `f`.
    pub(crate) fn opt<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: impl FnOnce(&Row<'_, '_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self {
            Db::Sqlite(c) => {
                c.before(sql)?;
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                match rows.next()? {
                    Some(r) => Ok(Some(f(&Row::Lite(r))?)),
                    None => Ok(None),
                }
            }
            Db::Postgres(p) => match p.query(sql, args)?.first() {
                Some(r) => Ok(Some(f(&Row::Pg(r))?)),
                None => Ok(None),
            },
        }
    }

    /// The first row, mapped by `f`; no row is an error.
    pub(crate) fn one<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: impl FnOnce(&Row<'_, '_>) -> Result<T>,
    ) -> Result<T> {
        self.opt(sql, args, f)?.ok_or_else(|| {
            Error::Db(DbError::new(format!(
                "the query returned no row: {}",
                sql.split_whitespace().take(8).collect::<Vec<_>>().join(" ")
            )))
        })
    }

    /// The first column of the first row.
    pub(crate) fn value<T: FromColumn>(&self, sql: &str, args: &[Arg<'_>]) -> Result<T> {
        self.one(sql, args, |r| r.get(0))
    }

    /// Runs an `INSERT` and returns the `id` of the row it made: SQLite's last row id (a
    /// `RETURNING` clause there makes the insert keep a statement journal, a temporary file
    /// written page by page: 20% of a 10,000-set pull), PostgreSQL's `RETURNING id`.
    pub(crate) fn insert_id(&self, sql: &str, args: &[Arg<'_>]) -> Result<i64> {
        match self {
            Db::Sqlite(c) => {
                c.before(sql)?;
                c.prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(args))?;
                Ok(c.last_insert_rowid())
            }
            Db::Postgres(_) => self.value(&format!("{sql} RETURNING id"), args),
        }
    }

    /// Statements the connection has run (on PostgreSQL: sent or queued, preparations not
    /// counted; its waits are [`Db::round_trips`]).
    pub(crate) fn statements(&self) -> Option<u64> {
        match self {
            Db::Sqlite(c) => Some(c.statements.get()),
            Db::Postgres(p) => Some(p.sent.get()),
        }
    }

    /// Round trips this connection has made to PostgreSQL (`None` for SQLite, which has none).
    pub(crate) fn round_trips(&self) -> Option<u64> {
        match self {
            Db::Sqlite(_) => None,
            Db::Postgres(p) => Some(p.trips.get()),
        }
    }

    /// Whether a transaction is open on this connection.
    pub(crate) fn in_transaction(&self) -> bool {
        match self {
            Db::Sqlite(c) => !c.is_autocommit(),
            Db::Postgres(p) => p.in_transaction.get(),
        }
    }

    /// Begins a read transaction: every statement until [`Db::end`] sees one snapshot.
    pub(crate) fn begin_read(&self) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch("BEGIN DEFERRED")?),
            Db::Postgres(p) => {
                p.relink_if_closed()?;
                // sent with the transaction's first statement, as a write's begin is: a read
                // waits for two round trips instead of three (a failure surfaces there)
                p.in_transaction.set(true);
                p.batch_later("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".to_string());
                Ok(())
            }
        }
    }

    /// Begins the write transaction of a change set: one writer at a time per silo (SQLite's
    /// `IMMEDIATE` lock; PostgreSQL's transaction-scoped advisory lock, taken before the
    /// first read so that the log's clock and the numbering state cannot move under it).
    pub(crate) fn begin_write(&self) -> Result<()> {
        self.begin_write_as(true)
    }

    /// [`Db::begin_write`], on a team silo without the writers' lock when `lock` is false:
    /// the transaction's reads then run beside other writers, and it must take the lock
    /// before its first write (`writer_set`, `schema_v9.sql`: a writer that reads before the
    /// lock, `Silo::write_guarded`). SQLite always locks.
    pub(crate) fn begin_write_as(&self, lock: bool) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch("BEGIN IMMEDIATE")?),
            Db::Postgres(p) => {
                p.relink_if_closed()?;
                // sent with the first statement of the transaction, so it costs no round trip
                // of its own; a failure (the lock, the connection) surfaces there and the
                // caller rolls back as for any failed statement. Sequential scans off: the
                // write path's statements are point lookups by key, and inside a big write (an
                // import, a pull, a bulk creation) the tables grow far past the statistics the
                // planner holds, so a plan made for a nearly empty table scans the whole table
                // per statement (measured: a 1,000-ticket pull 10.6 s -> 8.9 s)
                //
                // The first write of a session makes the session's own `list_stale` (the
                // tickets whose list rows the change set must refresh; storage/list_rows.rs),
                // emptied by each refresh, which the triggers then write to instead of the
                // schema's table (a temporary table comes first in the search path). The
                // schema's table bloated under concurrent writers: every change set inserted
                // and deleted a row, the writers waiting for the lock kept the dead rows
                // from being pruned, inserts kept extending the table until autovacuum came,
                // and the refresh's scan of it grew by a page every 200 change sets
                // (benches/README.md, session 10). Without the `TEMP` privilege the
                // schema's table is used as before.
                p.in_transaction.set(true);
                // (a guarded write, one ticket's few rows, keeps the planner's own choice:
                // one statement fewer to parse)
                let mut begin = "BEGIN ISOLATION LEVEL READ COMMITTED".to_string();
                if lock {
                    begin.push_str("; SET LOCAL enable_seqscan = off; ");
                    begin.push_str(WRITERS_LOCK);
                }
                let writes = p.writes.get() + 1;
                p.writes.set(writes);
                if p.local_stale.get() != Some(true) {
                    p.local_stale.set(Some(false));
                    begin.push_str(LOCAL_STALE);
                } else if writes % LOCAL_STALE_TRUNCATE == 0 {
                    begin.push_str(LOCAL_STALE_EMPTY);
                }
                p.batch_later(begin);
                Ok(())
            }
        }
    }

    /// Commits a write transaction ([`Db::begin_write`]): on SQLite the pages it freed (a
    /// merged full-text segment, emptied tables) first go back to the file system instead of
    /// staying in the file for later reuse — a no-op for a silo made before new silos got
    /// `auto_vacuum = INCREMENTAL`. Only here: the pragma writes, so at the end of a read
    /// transaction it failed whenever a writer had committed meanwhile, the `COMMIT` never
    /// ran, and the handle kept reading its old snapshot.
    pub(crate) fn commit_write(&self) -> Result<()> {
        if let Db::Sqlite(c) = self {
            c.write_kept()?;
            // the pragma answers a row per page it frees: stepped to its end, not once
            let mut stmt = c.prepare_cached("PRAGMA incremental_vacuum")?;
            let mut rows = stmt.query([])?;
            while rows.next()?.is_some() {}
        }
        self.commit()
    }

    /// Commits the open transaction (a read, or a write whose pages need no vacuum).
    pub(crate) fn commit(&self) -> Result<()> {
        let result = self.batch("COMMIT");
        if let Db::Postgres(p) = self {
            // a queued write that failed (before the COMMIT was sent, or aborting the
            // transaction) leaves nothing committed; end the transaction here, whatever the
            // caller does next
            if result.is_err() {
                p.discard();
                let _ = p.batch("ROLLBACK");
            } else if p.local_stale.get() == Some(false) {
                p.local_stale.set(Some(true));
            }
            p.in_transaction.set(false);
        }
        result
    }

    /// Rolls the open transaction back (a failure to do so loses nothing: the transaction
    /// ends with the connection).
    pub(crate) fn rollback(&self) {
        if let Db::Sqlite(c) = self {
            c.log_rows.borrow_mut().clear();
            *c.kept.borrow_mut() = KeptRows::default();
        }
        if let Db::Postgres(p) = self {
            p.discard();
            if p.local_stale.get() == Some(false) {
                p.local_stale.set(None);
            }
        }
        let _ = self.batch("ROLLBACK");
        if let Db::Postgres(p) = self {
            p.in_transaction.set(false);
        }
    }
}

/// The statement that takes the writers' lock, transaction-scoped: an advisory lock whose
/// first key is 0x7469636b ("tick") and the second the schema's hash (`writer_set` in
/// `schema_v9.sql` takes the same).
const WRITERS_LOCK: &str =
    "SELECT pg_advisory_xact_lock(1953063787, hashtext(current_schema())::integer)";

/// The session's own `list_stale`, made by its first write transaction (see
/// [`Db::begin_write`]); a role without the `TEMP` privilege goes on with the schema's. Each
/// refresh deletes its rows, and PostgreSQL prunes a temporary table's dead rows at once, but
/// their line pointers stay until a `VACUUM`, which autovacuum never runs on a temporary
/// table: a page fills every 291 change sets. So a long-lived session (the web server's)
/// truncates it now and then, at the start of a write transaction (it is empty then).
/// Not `ON COMMIT DELETE ROWS`, which truncates at every commit: measured 16 writers on 10k
/// generated tickets, 940 change sets/s against 1,600.
const LOCAL_STALE: &str = "; DO $$ BEGIN CREATE TEMP TABLE IF NOT EXISTS list_stale \
     (ticket_id BIGINT PRIMARY KEY); \
     EXCEPTION WHEN insufficient_privilege THEN NULL; END $$";

/// Every how many write transactions a session truncates its own `list_stale`.
const LOCAL_STALE_TRUNCATE: u64 = 256;

/// The truncation (nothing when the session could not make its own table).
const LOCAL_STALE_EMPTY: &str = "; DO $$ BEGIN TRUNCATE pg_temp.list_stale; \
     EXCEPTION WHEN undefined_table OR invalid_schema_name THEN NULL; END $$";

/// Translates a statement from the SQLite spelling the core writes to PostgreSQL's:
/// `?N` → `$N`, `INSERT OR IGNORE` → `ON CONFLICT DO NOTHING`, `IN rarray(?N)` →
/// `= ANY($N)`, `group_concat` → `string_agg`, `char(10)` → `chr(10)`, `AS INTEGER` →
/// `AS BIGINT`. Text inside quotes is left alone.
pub(crate) fn pg_sql(sql: &str) -> String {
    let mut sql = sql.to_string();
    let mut ignore = false;
    if let Some(rest) = sql.strip_prefix("INSERT OR IGNORE INTO") {
        sql = format!("INSERT INTO{rest}");
        ignore = true;
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.char_indices().peekable();
    let mut quoted = false;
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
            out.push(c);
            continue;
        }
        if quoted {
            out.push(c);
            continue;
        }
        let rest = &sql[i..];
        if c == '?' {
            out.push('$');
            continue;
        }
        if let Some(r) = strip_ci(rest, "IN rarray(") {
            // `IN rarray(?N)` → `= ANY($N)`
            out.push_str("= ANY(");
            let skip = rest.len() - r.len() - 1;
            for _ in 0..skip {
                chars.next();
            }
            continue;
        }
        let swaps: [(&str, &str); 4] = [
            ("group_concat(", "string_agg("),
            ("char(10)", "chr(10)"),
            ("AS INTEGER)", "AS BIGINT)"),
            ("ifnull(", "coalesce("),
        ];
        if let Some((from, to)) = swaps.iter().find(|(from, _)| {
            rest.starts_with(from) && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_')
        }) {
            out.push_str(to);
            for _ in 0..from.chars().count() - 1 {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    if ignore {
        out.push_str(" ON CONFLICT DO NOTHING");
    }
    out
}

fn strip_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    if text.len() >= prefix.len() && text.is_char_boundary(prefix.len()) {
        let (head, tail) = text.split_at(prefix.len());
        if head.eq_ignore_ascii_case(prefix) {
            return Some(tail);
        }
    }
    None
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            let code = db.code().code().to_string();
            // lock_not_available, deadlock_detected, serialization_failure
            if matches!(code.as_str(), "55P03" | "40P01" | "40001") {
                return Error::Busy {
                    waited: std::time::Duration::ZERO,
                };
            }
            let mut message = db.message().to_string();
            if let Some(detail) = db.detail() {
                message.push_str(": ");
                message.push_str(detail);
            }
            return Error::Db(DbError {
                message,
                code: Some(code),
            });
        }
        if e.is_closed() {
            return Error::Db(DbError {
                message: "the connection to the PostgreSQL server was lost".into(),
                code: None,
            });
        }
        Error::Db(DbError::new(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::{pg_sql, Db, LogRow};

    /// A connection with a `changes` table and the view `entries` over it, as the schema's.
    fn lite() -> Db {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE changes (id INTEGER PRIMARY KEY, ticket INTEGER NOT NULL, op INTEGER NOT NULL, key TEXT, value TEXT, num INTEGER, sha TEXT); \
             CREATE VIEW entries AS SELECT id, value AS text FROM changes;",
        )
        .unwrap();
        Db::lite(conn)
    }

    fn row(id: i64) -> LogRow {
        LogRow {
            id,
            ticket: 1,
            op: 9,
            key: None,
            value: Some(format!("record {id}")),
            num: (id % 2 == 0).then_some(id),
            sha: None,
        }
    }

    const SINGLE: &str = "INSERT INTO changes (id, ticket, op, key, value, num, sha) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

    fn count(db: &Db) -> i64 {
        db.value("SELECT count(*) FROM changes", args![]).unwrap()
    }

    /// A connection inside a write transaction that keeps the records `ids`.
    fn keeping(ids: std::ops::RangeInclusive<i64>) -> Db {
        let db = lite();
        db.begin_write().unwrap();
        for id in ids {
            db.insert_log_row(SINGLE, row(id)).unwrap();
        }
        db
    }

    #[test]
    fn kept_records_are_written_before_a_read_of_the_log_and_at_the_commit() {
        let db = keeping(1..=3);
        // a statement that does not read the log leaves them kept
        let one: i64 = db.value("SELECT 1", args![]).unwrap();
        assert_eq!(one, 1);
        if let Db::Sqlite(c) = &db {
            assert_eq!(c.log_rows.borrow().len(), 3);
        }
        // the raw connection's user may read anything: they go first
        assert_eq!(
            db.sqlite()
                .unwrap()
                .query_row("SELECT count(*) FROM changes", [], |r| r.get::<_, i64>(0))
                .unwrap(),
            3
        );
        db.insert_log_row(SINGLE, row(4)).unwrap();
        // the view over the log sees them too
        let texts: Vec<String> = db
            .rows("SELECT text FROM entries ORDER BY id", args![], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(texts, ["record 1", "record 2", "record 3", "record 4"]);
        db.insert_log_row(SINGLE, row(5)).unwrap();
        db.commit().unwrap();
        assert_eq!(count(&db), 5);
        let num: Option<i64> = db
            .value("SELECT num FROM changes WHERE id = 4", args![])
            .unwrap();
        assert_eq!(num, Some(4));
    }

    #[test]
    fn a_rollback_forgets_the_kept_records() {
        let db = keeping(1..=1);
        db.rollback();
        db.begin_write().unwrap();
        db.insert_log_row(SINGLE, row(2)).unwrap();
        db.commit().unwrap();
        let ids: Vec<i64> = db
            .rows("SELECT id FROM changes", args![], |r| r.get(0))
            .unwrap();
        assert_eq!(ids, [2]);
    }

    #[test]
    fn kept_records_go_up_to_64_a_statement_and_a_clash_is_an_error() {
        let db = keeping(1..=200);
        let before = db.statements().unwrap();
        db.commit().unwrap();
        // 64 + 64 + 64 + 8, then the COMMIT
        assert_eq!(db.statements().unwrap() - before, 5);
        assert_eq!(count(&db), 200);
        // outside a transaction a record is written at once
        db.insert_log_row(SINGLE, row(201)).unwrap();
        assert_eq!(count(&db), 201);
        // a record already there fails the statement that writes it, and nothing is left
        db.begin_write().unwrap();
        db.insert_log_row(SINGLE, row(300)).unwrap();
        db.insert_log_row(SINGLE, row(5)).unwrap();
        assert!(db.commit().is_err());
        db.rollback();
        assert_eq!(count(&db), 201);
    }

    #[test]
    fn statements_are_translated_for_postgres() {
        assert_eq!(
            pg_sql("INSERT OR IGNORE INTO tags (a, b) VALUES (?1, ?2)"),
            "INSERT INTO tags (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE id IN rarray(?1) AND x = '?'"),
            "SELECT a FROM t WHERE id = ANY($1) AND x = '?'"
        );
        assert_eq!(
            pg_sql("SELECT group_concat(e.text, char(10)), CAST(n AS INTEGER) FROM e"),
            "SELECT string_agg(e.text, chr(10)), CAST(n AS BIGINT) FROM e"
        );
    }
}
