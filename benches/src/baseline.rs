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

/// The silo schema exactly as ticket-core's migrations create it (versions 1 and 2, in order;
/// the change log table is created too and stays empty here).
pub const DOCUMENTED_SCHEMA: &str = concat!(
    include_str!("../../ticket-core/src/storage/schema_v1.sql"),
    include_str!("../../ticket-core/src/storage/schema_v2.sql")
);

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
    fn compiled_typical_searches_return_the_hand_written_rows() {
        let data = generate(500, 12);
        let mut db = Connection::open_in_memory().unwrap();
        fill(&mut db, &data).unwrap();
        for r in compare_compiled(&db, 1).unwrap() {
            assert!(
                r.rows > 0,
                "{}: the dataset should match something",
                r.typical.name
            );
            assert!(
                r.same,
                "{}: compiled rows differ\n{}",
                r.typical.name, r.sql
            );
        }
    }

    #[test]
    fn value_columns_follow_the_documented_rules() {
        assert_eq!(value_num("3.5"), Some(3.5));
        assert_eq!(value_num("user3"), None);
        assert_eq!(value_date("2024-03-01 10:00"), Some("2024-03-01"));
        assert_eq!(value_date("2024-02-30"), None);
    }
}

/// The catalogue of a generated silo (see [`crate::gen::silo_json`]): the built-in date keys,
/// `Priority` ordered low/medium/high, the saved search `mine`.
pub struct BenchCatalogue;

impl ticket_query::Catalogue for BenchCatalogue {
    fn statuses(&self) -> &[ticket_query::StatusInfo] {
        &ticket_query::STATUSES
    }
    fn is_date_key(&self, key_lc: &str) -> bool {
        matches!(
            key_lc,
            "scheduled" | "deadline" | "review" | "opened" | "last_update" | "earliest"
        )
    }
    fn value_order(&self, key_lc: &str) -> Option<Vec<String>> {
        (key_lc == "priority").then(|| {
            crate::gen::words::PRIORITIES
                .iter()
                .map(|p| p.to_string())
                .collect()
        })
    }
    fn saved_search(&self, name: &str) -> Option<String> {
        name.eq_ignore_ascii_case("mine")
            .then(|| "s:* p=assigned:=user3:".to_string())
    }
}

/// Registers the functions a silo registers for compiled searches (the core's own:
/// `lower`, `regexp`, `contains_ci`), so the compiled statements run here as in a silo.
pub fn register_functions(db: &Connection) -> rusqlite::Result<()> {
    ticket_core::register_sql_functions(db)
}

/// The statement `ticket_query::compile` makes of a typical search (`select_sql`, no limit).
pub fn compiled_select(t: &Typical) -> Result<(String, Vec<rusqlite::types::Value>), String> {
    use rusqlite::types::Value;
    use ticket_query::SqlValue;
    let key = ticket_query::parse_search(t.key).map_err(|e| e.to_string())?;
    let sort = ticket_query::parse_sort(t.sort).map_err(|e| e.to_string())?;
    let compiled = ticket_query::compile(&key, &sort, &BenchCatalogue, crate::gen::dataset_today())
        .map_err(|e| e.to_string())?;
    let (sql, params) = compiled.select_sql("t.id", None, 0);
    let params = params
        .into_iter()
        .map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(i) => Value::Integer(i),
            SqlValue::Real(r) => Value::Real(r),
            SqlValue::Text(s) => Value::Text(s),
        })
        .collect();
    Ok((sql, params))
}

/// One line of the compiled-versus-hand-written table.
#[derive(Debug, Clone)]
pub struct CompiledRow {
    /// The typical search.
    pub typical: Typical,
    /// Rows of the hand-written statement.
    pub rows: usize,
    /// Whether the compiled statement returned the same ids in the same order.
    pub same: bool,
    /// Median of the hand-written statement.
    pub hand: Duration,
    /// Median of the compiled statement.
    pub compiled: Duration,
    /// The compiled SQL.
    pub sql: String,
}

fn step_ids(
    stmt: &mut rusqlite::Statement<'_>,
    params: &[rusqlite::types::Value],
) -> rusqlite::Result<Vec<i64>> {
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut ids = Vec::new();
    while let Some(r) = rows.next()? {
        ids.push(r.get(0)?);
    }
    Ok(ids)
}

/// Times the compiled and the hand-written statement of every typical search, alternating
/// them run by run so that machine noise hits both alike.
pub fn compare_compiled(db: &Connection, runs: usize) -> Result<Vec<CompiledRow>, String> {
    register_functions(db).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for t in TYPICAL {
        let (sql, params) = compiled_select(t)?;
        let mut cstmt = db
            .prepare(&sql)
            .map_err(|e| format!("{}: {e}\n{sql}", t.name))?;
        let mut hstmt = db.prepare(t.hand_sql).map_err(|e| e.to_string())?;
        let (mut ct, mut ht) = (Vec::new(), Vec::new());
        let (mut cids, mut hids) = (Vec::new(), Vec::new());
        for _ in 0..runs.max(1) {
            let s = Instant::now();
            cids = step_ids(&mut cstmt, &params).map_err(|e| e.to_string())?;
            ct.push(s.elapsed());
            let s = Instant::now();
            hids = step_ids(&mut hstmt, &[]).map_err(|e| e.to_string())?;
            ht.push(s.elapsed());
        }
        ct.sort();
        ht.sort();
        out.push(CompiledRow {
            typical: *t,
            rows: hids.len(),
            same: cids == hids,
            hand: ht[ht.len() / 2],
            compiled: ct[ct.len() / 2],
            sql,
        });
    }
    Ok(out)
}

/// The comparison as a Markdown table.
pub fn format_compiled(n: usize, rows: &[CompiledRow]) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut s = format!(
        "ticket_query::compile vs hand-written SQL, documented schema filled directly, {n} tickets (medians)\n\
         | search | rows | same rows, same order | hand ms | compiled ms | ratio (target ≤ 1.25) |\n| --- | ---: | --- | ---: | ---: | ---: |\n"
    );
    for r in rows {
        s.push_str(&format!(
            "| {} `{}` `{}` | {} | {} | {:.2} | {:.2} | {:.2} |\n",
            r.typical.name,
            r.typical.key,
            r.typical.sort,
            r.rows,
            if r.same { "yes" } else { "NO" },
            ms(r.hand),
            ms(r.compiled),
            r.compiled.as_secs_f64() / r.hand.as_secs_f64()
        ));
    }
    s
}
