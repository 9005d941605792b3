//! Time reports (domain spec 6.9): minutes and cost grouped by a property key.
use crate::storage::db::Arg;
use chrono::NaiveDate;

use crate::error::Result;
use crate::silo::Silo;

/// One group of a time report.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeRow {
    /// The property value (`(none)` for tickets without the key).
    pub group: String,
    /// Minutes of the visible entries in the range.
    pub minutes: i64,
    /// Cost at the configured rate, if one is configured.
    pub cost: Option<f64>,
}

/// A time report.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeReport {
    /// The key grouped by.
    pub key: String,
    /// The groups, by value.
    pub rows: Vec<TimeRow>,
    /// Total minutes (each entry counted once, even when a ticket has several values).
    pub total_minutes: i64,
    /// Total cost, if a rate is configured.
    pub total_cost: Option<f64>,
    /// The configured currency.
    pub currency: Option<String>,
}

/// The label of tickets without the grouping key.
pub const NO_VALUE: &str = "(none)";

impl Silo {
    /// Minutes (and cost) of the visible entries of the tickets `key` selects, grouped by the
    /// values of property `by`, counting entries dated `from..=to` (inclusive, UTC dates).
    /// A ticket with several values of `by` counts in each of their groups. Values group
    /// case-insensitively (by their stored lower case, Unicode's), each group shown in its
    /// smallest spelling by code points; the tickets without the key come first, as
    /// [`NO_VALUE`], then the groups in lower-case order. The statement gives each spelling's
    /// minutes and the groups are made here, so both backends agree whatever the database's
    /// collation (PostgreSQL refused the first form: an alias inside `GROUP BY lower(…)`, a
    /// column neither grouped nor summed).
    pub fn time_report(
        &self,
        key: &str,
        by: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<TimeReport> {
        let compiled = crate::search::compile_key(self, key, "", self.context().clock.today())?;
        let (ids_sql, params) = compiled.ids_sql();
        let n = params.len();
        let sql = format!(
            "WITH sel AS ({ids_sql}), \
             e AS (SELECT ticket_id, minutes FROM entries WHERE removed = 0 AND ticket_id IN (SELECT id FROM sel) \
                   AND (CAST(?{a} AS TEXT) IS NULL OR substr(at, 1, 10) >= CAST(?{a} AS TEXT)) AND (CAST(?{b} AS TEXT) IS NULL OR substr(at, 1, 10) <= CAST(?{b} AS TEXT))) \
             SELECT p.value_lc, p.value, CAST(sum(e.minutes) AS INTEGER) FROM e \
             LEFT JOIN (SELECT ticket_id, value_lc, min(value) AS value FROM properties WHERE key_lc = ?{c} GROUP BY ticket_id, value_lc) p ON p.ticket_id = e.ticket_id \
             GROUP BY p.value_lc, p.value",
            a = n + 1,
            b = n + 2,
            c = n + 3
        );
        let mut values = crate::search::to_args(&params);
        let date = |d: Option<NaiveDate>| Arg::from(d.map(|d| d.format("%Y-%m-%d").to_string()));
        values.push(date(from));
        values.push(date(to));
        values.push(Arg::Owned(by.trim().to_lowercase()));
        let total_sql = format!(
            "SELECT CAST(coalesce(sum(minutes), 0) AS INTEGER) FROM entries WHERE removed = 0 AND ticket_id IN ({ids_sql}) \
             AND (CAST(?{a} AS TEXT) IS NULL OR substr(at, 1, 10) >= CAST(?{a} AS TEXT)) AND (CAST(?{b} AS TEXT) IS NULL OR substr(at, 1, 10) <= CAST(?{b} AS TEXT))",
            a = n + 1,
            b = n + 2
        );
        let rate = self.config().time.as_ref().map(|t| t.rate_per_hour);
        let cost = |m: i64| rate.map(|r| (m as f64) / 60.0 * r);
        let conn = self.reader()?;
        // (lower case, a spelling, minutes) merged here by lower case: the spelling shown and
        // the order are code points' on both backends, whatever the database's collation
        let spelled: Vec<(Option<String>, Option<String>, i64)> =
            conn.rows(&sql, &values, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let mut groups: std::collections::BTreeMap<Option<String>, (String, i64)> =
            std::collections::BTreeMap::new();
        for (lc, value, minutes) in spelled {
            let value = value.unwrap_or_else(|| NO_VALUE.to_string());
            let group = groups.entry(lc).or_insert_with(|| (value.clone(), 0));
            if value < group.0 {
                group.0 = value;
            }
            group.1 += minutes;
        }
        let rows: Vec<TimeRow> = groups
            .into_values()
            .map(|(group, minutes)| TimeRow {
                group,
                minutes,
                cost: cost(minutes),
            })
            .collect();
        let lc = values.pop();
        let total_minutes: i64 = conn.value(&total_sql, &values)?;
        // the key as the silo spells it (`--by client` headed the report "client" where the
        // values are under "Client"), else as given
        let spelled_key: Option<String> = match lc {
            Some(lc) => conn.value("SELECT min(key) FROM properties WHERE key_lc = ?1", &[lc])?,
            None => None,
        };
        Ok(TimeReport {
            key: spelled_key.unwrap_or_else(|| by.trim().to_string()),
            rows,
            total_minutes,
            total_cost: cost(total_minutes),
            currency: self.config().time.as_ref().map(|t| t.currency.clone()),
        })
    }
}
