//! Searching: a search key and sort rule compiled by `ticket-query`, run as one statement
//! over `tickets` (whose list rows hold each ticket's tags, properties and minutes).
use crate::storage::db::Arg;
use chrono::NaiveDate;
use ticket_query::{compile_for, parse_search, parse_sort, Compiled, SqlValue};

use crate::error::Result;
use crate::model::{TicketNumber, TicketRow};
use crate::read::{blank_row, row_columns, row_into, row_of};
use crate::silo::Silo;

/// A compiled query's parameters as statement arguments.
pub(crate) fn to_args(params: &[SqlValue]) -> Vec<Arg<'_>> {
    params
        .iter()
        .map(|p| match p {
            // PostgreSQL's text cannot hold NUL (the statement failed: "invalid byte
            // sequence"); no stored text holds NUL or U+0001 (control characters are refused),
            // so a key's NUL becomes U+0001 and matches what it matched on SQLite: nothing
            // (its negation, everything)
            SqlValue::Text(t) if t.contains('\0') => Arg::Owned(t.replace('\0', "\u{1}")),
            p => Arg::from(p),
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
    let config = silo.config();
    Ok(compile_for(
        silo.dialect(),
        &search,
        &sort,
        &crate::catalogue::SiloCatalogue { config: &config },
        today,
    )?)
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

    /// Calls `f` for every selected ticket in order: one statement from the first row to the
    /// last, each row complete from `tickets` alone (its list row holds the tags, properties
    /// and minutes), so memory stays flat however many tickets match.
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

    /// [`Silo::for_each_ticket`] lending the rows instead of giving them: one [`TicketRow`] is
    /// refilled for every ticket, its strings and lists reused, so a long listing allocates
    /// nothing per row once the row has grown (issue 16). The same rule holds: `f` must not
    /// call back into this `Silo`.
    pub fn for_each_ticket_row(
        &self,
        key: &str,
        sort: &str,
        mut f: impl FnMut(&TicketRow) -> Result<()>,
    ) -> Result<()> {
        let compiled = self.compiled(key, sort)?;
        let today = self.context().clock.today();
        let conn = self.reader()?;
        let (sql, params) = compiled.select_sql(row_columns(&conn), None, 0);
        let mut row = blank_row();
        conn.each_streamed(&sql, &to_args(&params), |r| {
            row_into(r, today, &mut row)?;
            f(&row)
        })
    }

    /// The rows of `key` in `sort` order from `offset`, at most `limit`, to `f`: one statement.
    fn each_row(
        &self,
        key: &str,
        sort: &str,
        limit: Option<u64>,
        offset: u64,
        mut f: impl FnMut(TicketRow) -> Result<()>,
    ) -> Result<()> {
        let compiled = self.compiled(key, sort)?;
        let today = self.context().clock.today();
        let conn = self.reader()?;
        let (sql, params) = compiled.select_sql(row_columns(&conn), limit, offset);
        conn.each_streamed(&sql, &to_args(&params), |r| f(row_of(r, today)?))
    }

    /// How many tickets `key` selects.
    pub fn count(&self, key: &str) -> Result<u64> {
        let (sql, params) = self.compiled(key, "")?.count_sql();
        let conn = self.reader()?;
        let n: i64 = conn.value(&sql, &to_args(&params))?;
        Ok(n as u64)
    }

    /// The numbers of the selected tickets, in `sort` order.
    pub fn numbers(&self, key: &str, sort: &str) -> Result<Vec<TicketNumber>> {
        let (sql, params) = self.compiled(key, sort)?.select_sql("t.number", None, 0);
        let conn = self.reader()?;
        conn.rows(&sql, &to_args(&params), |r| r.get::<String>(0)?.parse())
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
        if let Some(x) = extra {
            params.push(SqlValue::Text(x));
        }
        let conn = self.reader()?;
        conn.rows(&sql, &to_args(&params), |r| {
            Ok((r.get::<String>(0)?, r.get::<i64>(1)? as u64))
        })
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
        let mut args = to_args(&params);
        args.push(Arg::Owned(prop_key.trim().to_lowercase()));
        let conn = self.reader()?;
        conn.rows(&sql, &args, |r| {
            Ok((r.get::<String>(0)?, r.get::<i64>(1)? as u64))
        })
    }

    /// The key in words, its canonical form and the SQL with its parameters.
    pub fn explain(&self, key: &str, sort: &str) -> Result<Explanation> {
        let search = parse_search(key)?;
        let rule = parse_sort(sort)?;
        let config = self.config();
        let compiled = compile_for(
            self.dialect(),
            &search,
            &rule,
            &crate::catalogue::SiloCatalogue { config: &config },
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
