//! The schema baseline: the documented derived tables (ARCHITECTURE.md) filled *directly* from a
//! dataset with rusqlite — not through the core — and the hand-written best SQL of the typical
//! set timed on them.
//!
//! This is the denominator of the "compiled ÷ hand-written" ratio and a lower bound for what the
//! core's searches can reach with this schema and these indexes. It needs no core code, so it can
//! be measured before the core exists; its figures are labelled as such in `README.md`.
use crate::gen::{Dataset, STATUSES};
use crate::typical::{Typical, TYPICAL};
use rusqlite::{params, Connection};
use std::time::{Duration, Instant};

/// The derived tables as ARCHITECTURE.md documents them (schema version 1).
pub const DOCUMENTED_SCHEMA: &str = include_str!("documented_schema.sql");

fn value_num(v: &str) -> Option<f64> {
    let ok = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && v.parse::<f64>().is_ok();
    ok.then(|| v.parse().expect("checked"))
}

fn value_date(v: &str) -> Option<&str> {
    v.get(0..10)
        .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
}

/// Creates the documented tables in `db` and fills them with `data` in one transaction, the
/// way the core's derived tables would hold it (ids 1…n, numbers "1"…"n", mirrored relations,
/// `Closed_Via`/`Merged`/`Duplicate` pairs, the FTS row per ticket).
pub fn fill(db: &mut Connection, data: &Dataset) -> rusqlite::Result<()> {
    db.execute_batch(DOCUMENTED_SCHEMA)?;
    let tx = db.transaction()?;
    {
        let mut ticket = tx.prepare(
            "INSERT INTO tickets(id, uuid, number, title, summary, status, opened, last_update, earliest) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        )?;
        let mut tag = tx.prepare("INSERT INTO tags(ticket_id, tag, tag_lc) VALUES (?1, ?2, ?3)")?;
        let mut prop = tx.prepare(
            "INSERT INTO properties(ticket_id, key, key_lc, value, value_lc, value_num, value_date) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut entry = tx.prepare(
            "INSERT INTO entries(ticket_id, n, text, author, at, minutes) VALUES (?1, ?2, ?3, 'bench', ?4, ?5)",
        )?;
        let mut fts = tx.prepare(
            "INSERT INTO ticket_fts(rowid, title, summary, entries) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut add_prop = |id: usize, k: &str, v: &str| {
            prop.execute(params![
                id as i64,
                k,
                k.to_lowercase(),
                v,
                v.to_lowercase(),
                value_num(v),
                value_date(v)
            ])
            .map(|_| ())
        };
        for (i, t) in data.tickets.iter().enumerate() {
            let id = i + 1;
            let at = format!(
                "{}T09:00:00.{:06}Z",
                data.opened_date(i).format("%Y-%m-%d"),
                i % 1_000_000
            );
            let earliest = ["Deadline", "Scheduled"]
                .iter()
                .filter_map(|k| t.property(k))
                .min();
            ticket.execute(params![
                id as i64,
                t.uuid,
                id.to_string(),
                t.title,
                t.summary,
                t.status as i64,
                at,
                earliest
            ])?;
            for g in &t.tags {
                tag.execute(params![id as i64, g, g.to_lowercase()])?;
            }
            for (k, v) in &t.properties {
                add_prop(id, k, v)?;
            }
            if let Some((key, target)) = t.relation {
                let mirror = match key {
                    "Child_Of" => "Parent_Of",
                    "Blocks" => "Blocked_By",
                    "Precedes" => "Follows",
                    _ => "Related_To",
                };
                add_prop(id, key, &(target + 1).to_string())?;
                add_prop(target + 1, mirror, &id.to_string())?;
            }
            if let Some(other) = t.status_other {
                add_prop(id, "Closed_Via", &(other + 1).to_string())?;
                add_prop(other + 1, STATUSES[t.status], &id.to_string())?;
            }
            let mut texts = Vec::with_capacity(t.entries.len());
            for (n, e) in t.entries.iter().enumerate() {
                entry.execute(params![id as i64, n as i64 + 1, e.text, at, e.minutes])?;
                texts.push(e.text.as_str());
            }
            fts.execute(params![id as i64, t.title, t.summary, texts.join("\n")])?;
        }
    }
    tx.commit()?;
    db.execute_batch("ANALYZE")?;
    Ok(())
}

/// A timed hand-written statement.
#[derive(Debug, Clone)]
pub struct BaselineRow {
    /// The typical search.
    pub typical: Typical,
    /// Rows returned.
    pub rows: usize,
    /// Median wall time over the runs (all rows stepped, the id read).
    pub median: Duration,
    /// The query plan (`EXPLAIN QUERY PLAN` details).
    pub plan: Vec<String>,
}

/// Times every typical search's hand-written SQL `runs` times on `db`.
pub fn time_hand_sql(db: &Connection, runs: usize) -> rusqlite::Result<Vec<BaselineRow>> {
    let mut out = Vec::new();
    for t in TYPICAL {
        let plan = {
            let mut stmt = db.prepare(&format!("EXPLAIN QUERY PLAN {}", t.hand_sql))?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(3))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut stmt = db.prepare(t.hand_sql)?;
        let mut rows = 0;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            let mut q = stmt.query([])?;
            let mut n = 0;
            while let Some(r) = q.next()? {
                let _: i64 = r.get(0)?;
                n += 1;
            }
            times.push(started.elapsed());
            rows = n;
        }
        times.sort();
        out.push(BaselineRow {
            typical: *t,
            rows,
            median: times[times.len() / 2],
            plan,
        });
    }
    Ok(out)
}

/// The baseline as a Markdown table.
pub fn format_table(n: usize, rows: &[BaselineRow]) -> String {
    let mut s = format!(
        "hand-written SQL on the documented schema filled directly, {n} tickets (medians)\n\
         | search | key | sort | rows | median ms | budget on 1M |\n| --- | --- | --- | ---: | ---: | ---: |\n"
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | `{}` | `{}` | {} | {:.2} | {} |\n",
            r.typical.name,
            r.typical.key,
            r.typical.sort,
            r.rows,
            r.median.as_secs_f64() * 1000.0,
            if r.typical.selective {
                "≤ 50 ms"
            } else {
                "≤ 500 ms"
            }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::generate;

    #[test]
    fn filled_tables_answer_the_typical_set_consistently_with_the_dataset() {
        let data = generate(400, 11);
        let mut db = Connection::open_in_memory().unwrap();
        fill(&mut db, &data).unwrap();
        let rows = time_hand_sql(&db, 1).unwrap();
        let count = |name: &str| rows.iter().find(|r| r.typical.name == name).unwrap().rows;
        let active = data.tickets.iter().filter(|t| t.is_active()).count();
        assert_eq!(count("active"), active);
        let tag7 = data
            .tickets
            .iter()
            .filter(|t| t.is_active() && t.tags.iter().any(|g| g == "tag7"))
            .count();
        assert_eq!(count("active_tag"), tag7);
        let est = data
            .tickets
            .iter()
            .filter(|t| {
                t.is_active()
                    && t.property("Estimate")
                        .is_some_and(|e| e.parse::<f64>().unwrap() > 3.0)
            })
            .count();
        assert_eq!(count("estimate_gt3"), est);
        let user3 = data
            .tickets
            .iter()
            .filter(|t| t.is_active() && t.property("Assigned") == Some("user3"))
            .count();
        assert_eq!(count("saved"), user3);
        assert!(count("fulltext_word") > 0);
    }

    #[test]
    fn value_columns_follow_the_documented_rules() {
        assert_eq!(value_num("3.5"), Some(3.5));
        assert_eq!(value_num("user3"), None);
        assert_eq!(value_date("2024-03-01 10:00"), Some("2024-03-01"));
        assert_eq!(value_date("2024-02-30"), None);
    }
}
