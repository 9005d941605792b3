//! Import from a tkts database (its `tickets` and `records` tables).
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use super::{source_error, ImportReport};
use crate::error::Result;
use crate::silo::Silo;
use crate::write::Op;

/// Opens a source database read-only, refusing files that are not SQLite.
pub(crate) fn open_source(path: &Path, what: &str) -> Result<Connection> {
    if !path.is_file() {
        return Err(source_error(
            what,
            format!("{} is not a file", path.display()),
        ));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| source_error(what, e))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| {
        source_error(
            what,
            format!("{} is not an SQLite database ({e})", path.display()),
        )
    })?;
    Ok(conn)
}

pub(crate) fn require_columns(
    conn: &Connection,
    table: &str,
    columns: &[&str],
    what: &str,
) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .map_err(|e| source_error(what, e))?;
    let have: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(|e| source_error(what, e))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| source_error(what, e))?;
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !have.iter().any(|h| h.eq_ignore_ascii_case(c)))
        .collect();
    if have.is_empty() || !missing.is_empty() {
        return Err(source_error(
            what,
            format!(
                "table {table} is missing or lacks columns: {}",
                if have.is_empty() {
                    "all".to_string()
                } else {
                    missing.join(", ")
                }
            ),
        ));
    }
    Ok(have)
}

/// tkts timestamps: `YYYY-MM-DD HH:MM:SS` (UTC) or RFC 3339.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
                .ok()
                .map(|n| n.and_utc())
        })
}

struct TktsTicket {
    id: i64,
    status: String,
    title: String,
    desc: String,
    client: String,
    project: String,
    owner: String,
    created: DateTime<Utc>,
}

impl Silo {
    /// Imports every ticket of a tkts database: status, title, description as summary,
    /// `Client`, `Project`, `Owner` as properties, records as entries with their author,
    /// minutes and time, and `Tkts_Id` to recognise the ticket on a second run.
    pub fn import_tkts(&self, path: &Path) -> Result<ImportReport> {
        const WHAT: &str = "not a tkts database";
        let src = open_source(path, WHAT)?;
        require_columns(
            &src,
            "tickets",
            &[
                "id",
                "status",
                "title",
                "desc",
                "client",
                "project",
                "owner",
                "time",
                "created_on",
            ],
            WHAT,
        )?;
        require_columns(
            &src,
            "records",
            &["id", "tkt_num", "log", "user", "time", "created_on"],
            WHAT,
        )?;
        let err = |e: rusqlite::Error| source_error("reading the tkts database", e);
        let mut stmt = src
            .prepare("SELECT id, coalesce(status, 'Open'), coalesce(title, ''), coalesce(desc, ''), coalesce(client, ''), coalesce(project, ''), coalesce(owner, ''), coalesce(created_on, '') FROM tickets ORDER BY id")
            .map_err(err)?;
        let now = self.context().clock.now_utc();
        let tickets: Vec<TktsTicket> = stmt
            .query_map([], |r| {
                let created: String = r.get(7)?;
                Ok(TktsTicket {
                    id: r.get(0)?,
                    status: r.get(1)?,
                    title: r.get(2)?,
                    desc: r.get(3)?,
                    client: r.get(4)?,
                    project: r.get(5)?,
                    owner: r.get(6)?,
                    created: parse_time(&created).unwrap_or(now),
                })
            })
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?;
        // every record in one pass, grouped by ticket: tkts has no index on `tkt_num`, so a
        // query per ticket read the whole table each time (10k tickets: 2.4 s)
        type Rec = (String, String, i64, String);
        let mut by_ticket: std::collections::HashMap<i64, Vec<Rec>> = Default::default();
        let mut rec_stmt = src
            .prepare("SELECT tkt_num, coalesce(log, ''), coalesce(user, ''), coalesce(time, 0), coalesce(created_on, '') FROM records WHERE typeof(tkt_num) = 'integer' ORDER BY tkt_num, created_on, id")
            .map_err(err)?;
        let mut rows = rec_stmt.query([]).map_err(err)?;
        while let Some(r) = rows.next().map_err(err)? {
            let rec: Rec = (
                r.get(1).map_err(err)?,
                r.get(2).map_err(err)?,
                r.get(3).map_err(err)?,
                r.get(4).map_err(err)?,
            );
            by_ticket
                .entry(r.get(0).map_err(err)?)
                .or_default()
                .push(rec);
        }
        let records: Vec<Vec<Rec>> = tickets
            .iter()
            .map(|t| by_ticket.remove(&t.id).unwrap_or_default())
            .collect();
        let author = self.context().author.clone();
        self.write(|w| {
            let mut report = ImportReport::default();
            // the ids imported before, asked once: a query per ticket read every `Tkts_Id`
            // (10k tickets: 13 s), and a big import sets the indexes aside anyway
            let mut seen = super::imported_values(w.conn, "tkts_id")?;
            w.list_rows_at_the_end(tickets.len())?;
            for (t, recs) in tickets.iter().zip(records) {
                let id = t.id.to_string();
                if !seen.insert(id.clone()) {
                    report.already_there.push(format!("tkts #{id}"));
                    continue;
                }
                w.new_set(t.created, &author);
                let title = if t.title.trim().is_empty() {
                    format!("tkts ticket {id}")
                } else {
                    t.title.clone()
                };
                let number = w
                    .create(None, &title, None, &t.desc)
                    .map_err(|e| source_error(&format!("tkts ticket {id}"), e))?;
                let tr = w.ticket(number.as_str())?;
                let mut ops = vec![Op::AddProperty("Tkts_Id".into(), id.clone())];
                for (k, v) in [
                    ("Client", &t.client),
                    ("Project", &t.project),
                    ("Owner", &t.owner),
                ] {
                    if !v.trim().is_empty() {
                        ops.push(Op::AddProperty(k.into(), v.clone()));
                    }
                }
                for op in ops {
                    w.perform(&tr, op)
                        .map_err(|e| source_error(&format!("tkts ticket {id}"), e))?;
                }
                for (log, user, minutes, created) in recs {
                    let at = parse_time(&created).unwrap_or(t.created).max(t.created);
                    w.new_set(at, super::author_or(&user, &author));
                    w.add_entry(&tr, &log, minutes.clamp(0, u32::MAX as i64) as u32)
                        .map_err(|e| source_error(&format!("tkts ticket {id}"), e))?;
                }
                if t.status.eq_ignore_ascii_case("closed") {
                    w.perform(&tr, Op::Status("Closed".into(), None))?;
                }
                report.created.push(number.to_string());
            }
            Ok(report)
        })
    }
}
