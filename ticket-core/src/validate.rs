//! Validation rules (`vrules_*`, domain spec 6.3–6.4), checked on the final state of the
//! tickets a change set touched, inside its transaction.

use crate::error::{Error, Result, Violation};
use crate::search::{compile_key, to_args};
use crate::silo::Silo;
use crate::storage::db::Db;
use crate::storage::state;

/// Values of a ticket's keys the caller read before (asked ahead with the ticket's lookup,
/// by row id and lower-case key), so that the check need not ask again.
pub(crate) type KnownValues = crate::apply::TextMap<(i64, String), Vec<String>>;

/// Every rule the tickets `ids` break; an error listing all of them if any.
pub(crate) fn check_tickets(
    silo: &Silo,
    conn: &Db,
    ids: &[i64],
    today: chrono::NaiveDate,
    known: &KnownValues,
) -> Result<()> {
    let violations = violations_known(silo, conn, ids, today, known)?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation { violations })
    }
}

/// Every rule the tickets `ids` break.
pub(crate) fn violations(
    silo: &Silo,
    conn: &Db,
    ids: &[i64],
    today: chrono::NaiveDate,
) -> Result<Vec<Violation>> {
    violations_known(silo, conn, ids, today, &KnownValues::default())
}

/// The keys whose values the rules read for every ticket (the `vrules_pkv_values` keys, in
/// lower case).
pub(crate) fn value_keys(silo: &Silo) -> Vec<String> {
    let mut keys: Vec<String> = silo
        .config()
        .vrules_pkv_values
        .iter()
        .map(|r| r.key.to_lowercase())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn violations_known(
    silo: &Silo,
    conn: &Db,
    ids: &[i64],
    today: chrono::NaiveDate,
    known: &KnownValues,
) -> Result<Vec<Violation>> {
    let config = silo.config();
    let mut out = Vec::new();
    if config.vrules_pk_required.is_empty() && config.vrules_pkv_values.is_empty() {
        return Ok(out);
    }
    let mut compiled = Vec::new();
    for rule in &config.vrules_pk_required {
        compiled.push((rule, compile_key(silo, &rule.selector, "", today)?));
    }
    for &id in ids {
        // the number names a violation: asked only for one (a round trip on a team silo)
        let mut number_of = {
            let mut number: Option<String> = None;
            move || -> Result<String> {
                if number.is_none() {
                    number = Some(crate::log::number_of(conn, id)?);
                }
                Ok(number.clone().unwrap_or_default())
            }
        };
        for (rule, c) in &compiled {
            let (sql, p) = c.one_ticket_sql(id);
            let matches: i64 = conn.value(&sql, &to_args(&p))?;
            if matches > 0 {
                let has = state::count_values(conn, id, &rule.key.to_lowercase())?;
                if has == 0 {
                    out.push(Violation {
                        number: number_of()?,
                        rule: format!(
                            "tickets matching '{}' need a {} property",
                            rule.selector, rule.key
                        ),
                    });
                }
            }
        }
        for rule in &config.vrules_pkv_values {
            let key_lc = rule.key.to_lowercase();
            let values = match known.get(&(id, key_lc.clone())) {
                Some(values) => values.clone(),
                None => state::values(conn, id, &key_lc)?,
            };
            for v in values {
                if !rule
                    .values
                    .iter()
                    .any(|a| a.to_lowercase() == v.to_lowercase())
                {
                    out.push(Violation {
                        number: number_of()?,
                        rule: format!(
                            "{} must be one of {} (not '{v}')",
                            rule.key,
                            rule.values.join(", ")
                        ),
                    });
                }
            }
        }
    }
    Ok(out)
}
