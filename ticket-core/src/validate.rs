//! Validation rules (`vrules_*`, domain spec 6.3–6.4), checked on the final state of the
//! tickets a change set touched, inside its transaction.

use crate::error::{Error, Result, Violation};
use crate::search::{compile_key, to_args};
use crate::silo::Silo;
use crate::storage::db::Db;
use crate::storage::state;

/// Every rule the tickets `ids` break; an error listing all of them if any.
pub(crate) fn check_tickets(
    silo: &Silo,
    conn: &Db,
    ids: &[i64],
    today: chrono::NaiveDate,
) -> Result<()> {
    let violations = violations(silo, conn, ids, today)?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation { violations })
    }
}

pub(crate) fn violations(
    silo: &Silo,
    conn: &Db,
    ids: &[i64],
    today: chrono::NaiveDate,
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
        let number = crate::log::number_of(conn, id)?;
        for (rule, c) in &compiled {
            let (sql, p) = c.one_ticket_sql(id);
            let matches: i64 = conn.value(&sql, &to_args(&p))?;
            if matches > 0 {
                let has = state::count_values(conn, id, &rule.key.to_lowercase())?;
                if has == 0 {
                    out.push(Violation {
                        number: number.clone(),
                        rule: format!(
                            "tickets matching '{}' need a {} property",
                            rule.selector, rule.key
                        ),
                    });
                }
            }
        }
        for rule in &config.vrules_pkv_values {
            let values = state::values(conn, id, &rule.key.to_lowercase())?;
            for v in values {
                if !rule
                    .values
                    .iter()
                    .any(|a| a.to_lowercase() == v.to_lowercase())
                {
                    out.push(Violation {
                        number: number.clone(),
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
