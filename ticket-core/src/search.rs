//! Searching: a search key and sort rule compiled by `ticket-query`, run as one statement;
//! the selected tickets' tags and properties come from one more query each.
use chrono::NaiveDate;
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use ticket_query::{compile, parse_search, parse_sort, Compiled, SqlValue};

use crate::error::Result;
use crate::model::{TicketNumber, TicketRow};
use crate::read::{base_row, details, row_from, ROW_COLUMNS};
use crate::silo::Silo;

pub(crate) fn to_sql_values(params: &[SqlValue]) -> Vec<Value> {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(i) => Value::Integer(*i),
            SqlValue::Real(r) => Value::Real(*r),
            SqlValue::Text(t) => Value::Text(t.clone()),
        })
        .collect()
}

pub(crate) fn compile_key(
    silo: &Silo,
    key: &str,
    sort: &str,
    today: NaiveDate,
) -> Result<Compiled> {
    let search = parse_search(key)?;
    let sort = parse_sort(sort)?;
    Ok(compile(&search, &sort, &silo.catalogue(), today)?)
}

/// A search key in words, its canonical form, and the SQL with its parameters.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The key described in words.
    pub words: String,
    /// The canonical key and sort rule.
    pub canonical: String,
    /// The SQL of the search.
    pub sql: String,
    /// Its bound parameters, in order.
    pub params: Vec<SqlValue>,
}

impl Silo {
    fn compiled(&self, key: &str, sort: &str) -> Result<Compiled> {
        compile_key(self, key, sort, self.context().clock.today())
    }

    /// The tickets `key` selects, in `sort` order.
    pub fn search(&self, key: &str, sort: &str) -> Result<Vec<TicketRow>> {
        self.search_page(key, sort, None, 0)
    }

    /// One page of a search.
    pub fn search_page(
        &self,
        key: &str,
        sort: &str,
        limit: Option<u64>,
        offset: u64,
    ) -> Result<Vec<TicketRow>> {
        let mut out = Vec::new();
        self.each_row(key, sort, limit, offset, |row| {
            out.push(row);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` for every selected ticket in order. One statement runs from the first row to
    /// the last (no re-run per page); tags, properties and minutes are fetched for chunks of
    /// 5000 rows at a time, so memory stays flat however many tickets match.
    ///
    /// `f` runs while the silo's connection is held: it must not call back into this `Silo`
    /// (do that after the loop, or collect what it needs).
    pub fn for_each_ticket(
        &self,
        key: &str,
        sort: &str,
        f: impl FnMut(TicketRow) -> Result<()>,
    ) -> Result<()> {
        self.each_row(key, sort, None, 0, f)
    }

    /// The rows of `key` in `sort` order from `offset`, at most `limit`, to `f`: one statement,
    /// details per chunk of 5000 rows.
    fn each_row(
        &self,
        key: &str,
        sort: &str,
        limit: Option<u64>,
        offset: u64,
        mut f: impl FnMut(TicketRow) -> Result<()>,
    ) -> Result<()> {
        const CHUNK: usize = 5000;
        let compiled = self.compiled(key, sort)?;
        let (sql, params) = compiled.select_sql(ROW_COLUMNS, limit, offset);
        let today = self.context().clock.today();
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(to_sql_values(&params)))?;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut done = false;
        while !done {
            match rows.next()? {
                Some(r) => chunk.push(base_row(r)?),
                None => done = true,
            }
            if chunk.len() == CHUNK || (done && !chunk.is_empty()) {
                let ids: Vec<i64> = chunk.iter().map(|b| b.id).collect();
                let mut d = details(&conn, &ids)?;
                for b in chunk.drain(..) {
                    f(row_from(b, &mut d, today)?)?;
                }
            }
        }
        Ok(())
    }

    /// How many tickets `key` selects.
    pub fn count(&self, key: &str) -> Result<u64> {
        let (sql, params) = self.compiled(key, "")?.count_sql();
        let conn = self.reader()?;
        let n: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(to_sql_values(&params)), |r| r.get(0))?;
        Ok(n as u64)
    }

    /// The numbers of the selected tickets, in `sort` order.
    pub fn numbers(&self, key: &str, sort: &str) -> Result<Vec<TicketNumber>> {
        let (sql, params) = self.compiled(key, sort)?.select_sql("t.number", None, 0);
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(to_sql_values(&params)), |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.parse()?);
        }
        Ok(out)
    }

    fn grouped(
        &self,
        key: &str,
        head: &'static str,
        tail: &'static str,
        extra: Option<String>,
    ) -> Result<Vec<(String, u64)>> {
        let (ids_sql, mut params) = self.compiled(key, "")?.ids_sql();
        // `ids_sql` numbers its parameters ?1..?n; the extra value goes last.
        let sql = format!("{head}({ids_sql}){tail}");
        let mut values = to_sql_values(&params);
        if let Some(x) = extra {
            params.push(SqlValue::Text(x.clone()));
            values.push(Value::Text(x));
        }
        let conn = self.reader()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Tags of the selected tickets, with how many tickets carry each.
    pub fn list_tags(&self, key: &str) -> Result<Vec<(String, u64)>> {
        self.grouped(
            key,
            "SELECT min(tag), count(*) FROM tags WHERE ticket_id IN ",
            " GROUP BY tag_lc ORDER BY tag_lc",
            None,
        )
    }

    /// Property keys of the selected tickets, with how many tickets have each.
    pub fn list_property_keys(&self, key: &str) -> Result<Vec<(String, u64)>> {
        self.grouped(
            key,
            "SELECT min(key), count(DISTINCT ticket_id) FROM properties WHERE ticket_id IN ",
            " GROUP BY key_lc ORDER BY key_lc",
            None,
        )
    }

    /// Values of property `prop_key` on the selected tickets, with counts.
    pub fn list_property_values(&self, key: &str, prop_key: &str) -> Result<Vec<(String, u64)>> {
        let (ids_sql, params) = self.compiled(key, "")?.ids_sql();
        let n = params.len() + 1;
        let sql = format!("SELECT min(value), count(*) FROM properties WHERE ticket_id IN ({ids_sql}) AND key_lc = ?{n} GROUP BY value_lc ORDER BY value_lc");
        let mut values = to_sql_values(&params);
        values.push(Value::Text(prop_key.trim().to_lowercase()));
        let conn = self.reader()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The key in words, its canonical form and the SQL with its parameters.
    pub fn explain(&self, key: &str, sort: &str) -> Result<Explanation> {
        let search = parse_search(key)?;
        let rule = parse_sort(sort)?;
        let compiled = compile(
            &search,
            &rule,
            &self.catalogue(),
            self.context().clock.today(),
        )?;
        let (sql, params) = compiled.select_sql("t.id, t.number", None, 0);
        Ok(Explanation {
            words: ticket_query::describe(&search, &rule),
            canonical: format!(
                "{search}  (sort: {})",
                if rule.keys.is_empty() {
                    "n".to_string()
                } else {
                    rule.to_string()
                }
            ),
            sql,
            params,
        })
    }
}
