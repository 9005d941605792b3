//! Import from a Fossil repository's `ticket` and `ticketchng` tables.
//!
//! Status mapping (Fossil's default statuses → ours): `Open` → Open; `Verified`, `Review` → In_Progress; `Pending` → Waiting; `Deferred` →
//! Postponed; `Fixed`, `Tested`, `Closed` → Closed; `Unable_To_Reproduce`, `Not_A_Bug`,
//! `Abandoned`, `Rejected`, `Wont_Fix` → Abandoned; anything else → Open, with the original
//! kept in the property `Fossil_Status`. Columns other than `tkt_*`, `title`, `status` and
//! `comment` become properties (key capitalised: `type` → `Type`); the old-style `comment`
//! column becomes the summary; every `icomment` change becomes an entry with its author
//! (`login`, `username` or `tkt_user`) and time; the ticket uuid is kept as `Fossil_Uuid`.
use std::path::Path;

use chrono::{DateTime, Utc};

use super::tkts::{open_source, require_columns};
use super::{source_error, ImportReport};
use crate::error::Result;
use crate::silo::Silo;
use crate::write::Op;

/// Our status for a Fossil status (see the module docs).
pub fn fossil_status(status: &str) -> Option<&'static str> {
    let s = status.trim().to_lowercase().replace([' ', '-'], "_");
    Some(match s.as_str() {
        "open" | "new" => "Open",
        "verified" | "review" => "In_Progress",
        "pending" => "Waiting",
        "deferred" => "Postponed",
        "fixed" | "tested" | "closed" => "Closed",
        "unable_to_reproduce" | "not_a_bug" | "abandoned" | "rejected" | "wont_fix" => "Abandoned",
        _ => return None,
    })
}

fn julian(jd: f64) -> Option<DateTime<Utc>> {
    let micros = ((jd - 2_440_587.5) * 86_400_000_000.0).round() as i64;
    DateTime::from_timestamp_micros(micros)
}

fn capitalise(key: &str) -> String {
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Silo {
    /// Imports every ticket of a Fossil repository (see the module docs for the mapping).
    pub fn import_fossil(&self, path: &Path) -> Result<ImportReport> {
        const WHAT: &str = "not a Fossil repository with tickets";
        let src = open_source(path, WHAT)?;
        let columns = require_columns(
            &src,
            "ticket",
            &["tkt_id", "tkt_uuid", "tkt_ctime", "title", "status"],
            WHAT,
        )?;
        let chng_columns = require_columns(
            &src,
            "ticketchng",
            &["tkt_id", "tkt_mtime", "icomment"],
            WHAT,
        )?;
        let err = |e: rusqlite::Error| source_error("reading the Fossil repository", e);
        let extra: Vec<String> = columns
            .iter()
            .filter(|c| {
                !c.starts_with("tkt_") && !matches!(c.as_str(), "title" | "status" | "comment")
            })
            .filter(|c| c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .cloned()
            .collect();
        let has_comment = columns.iter().any(|c| c == "comment");
        let select = format!(
            "SELECT tkt_id, tkt_uuid, coalesce(tkt_ctime, 0), coalesce(title, ''), coalesce(status, ''), {}{} FROM ticket ORDER BY tkt_ctime, tkt_id",
            if has_comment { "coalesce(comment, '')" } else { "''" },
            extra.iter().map(|c| format!(", coalesce(CAST(\"{c}\" AS TEXT), '')")).collect::<String>()
        );
        let author_expr = ["login", "username", "tkt_user"]
            .iter()
            .filter(|c| chng_columns.iter().any(|h| h == *c))
            .map(|c| format!("nullif({c}, '')"))
            .collect::<Vec<_>>();
        let author_sql = if author_expr.is_empty() {
            "''".to_string()
        } else {
            format!("coalesce({}, '')", author_expr.join(", "))
        };
        let mut stmt = src.prepare(&select).map_err(err)?;
        let mut rows = stmt.query([]).map_err(err)?;
        struct Fossil {
            id: i64,
            uuid: String,
            ctime: f64,
            title: String,
            status: String,
            comment: String,
            props: Vec<(String, String)>,
        }
        let mut tickets = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let mut props = Vec::new();
            for (i, c) in extra.iter().enumerate() {
                let v: String = r.get(6 + i).map_err(err)?;
                if !v.trim().is_empty() {
                    props.push((capitalise(c), v));
                }
            }
            tickets.push(Fossil {
                id: r.get(0).map_err(err)?,
                uuid: r.get(1).map_err(err)?,
                ctime: r.get(2).map_err(err)?,
                title: r.get(3).map_err(err)?,
                status: r.get(4).map_err(err)?,
                comment: r.get(5).map_err(err)?,
                props,
            });
        }
        let mut comments = Vec::new();
        let mut cstmt = src
            .prepare(&format!("SELECT coalesce(tkt_mtime, 0), {author_sql}, icomment FROM ticketchng WHERE tkt_id = ?1 AND icomment IS NOT NULL AND icomment != '' ORDER BY tkt_mtime"))
            .map_err(err)?;
        for t in &tickets {
            let cs: Vec<(f64, String, String)> = cstmt
                .query_map([t.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(err)?;
            comments.push(cs);
        }
        let default_author = self.context().author.clone();
        let now = self.context().clock.now_utc();
        self.write(|w| {
            let mut report = ImportReport::default();
            // the uuids imported before, asked once (a big import sets the indexes aside)
            let mut seen = super::imported_values(w.conn, "fossil_uuid")?;
            w.list_rows_at_the_end(tickets.len())?;
            for (t, cs) in tickets.iter().zip(comments) {
                if !seen.insert(t.uuid.to_lowercase()) {
                    report.already_there.push(t.uuid.clone());
                    continue;
                }
                let created = julian(t.ctime).unwrap_or(now);
                w.new_set(created, &default_author);
                let title = if t.title.trim().is_empty() {
                    format!("Fossil ticket {}", &t.uuid[..t.uuid.len().min(10)])
                } else {
                    t.title.clone()
                };
                let ctx = format!("Fossil ticket {}", t.uuid);
                let number = w
                    .create(None, &title, None, &t.comment)
                    .map_err(|e| source_error(&ctx, e))?;
                let tr = w.ticket(number.as_str())?;
                let mut ops = vec![Op::AddProperty("Fossil_Uuid".into(), t.uuid.clone())];
                let status = fossil_status(&t.status);
                if status.is_none() && !t.status.trim().is_empty() {
                    ops.push(Op::AddProperty("Fossil_Status".into(), t.status.clone()));
                }
                ops.extend(
                    t.props
                        .iter()
                        .map(|(k, v)| Op::AddProperty(k.clone(), v.clone())),
                );
                for op in ops {
                    w.perform(&tr, op).map_err(|e| source_error(&ctx, e))?;
                }
                for (mtime, author, text) in cs {
                    let at = julian(mtime).unwrap_or(created).max(created);
                    w.new_set(at, super::author_or(&author, &default_author));
                    w.add_entry(&tr, &text, 0)
                        .map_err(|e| source_error(&ctx, e))?;
                }
                if let Some(s) = status.filter(|s| *s != "Open") {
                    w.perform(&tr, Op::Status(s.into(), None))
                        .map_err(|e| source_error(&ctx, e))?;
                }
                report.created.push(number.to_string());
            }
            Ok(report)
        })
    }
}
