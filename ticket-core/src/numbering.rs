//! Issuing ticket numbers (domain spec 5); the state lives in the `numbering` table and is
//! updated in the creating transaction.
use crate::storage::db::{args, Db};
use rand::Rng;

use crate::config::Numbering;
use crate::error::{Error, Result};

fn taken(conn: &Db, number: &str) -> Result<bool> {
    Ok(conn.one(
        "SELECT count(*) FROM tickets WHERE number = ?1",
        args![number],
        |r| r.get::<i64>(0),
    )? > 0)
}

/// The next free number, recorded as issued.
pub(crate) fn next_number(conn: &Db, numbering: &Numbering) -> Result<String> {
    let (last, issued): (Option<i64>, i64) = conn.one(
        "SELECT last_x, issued FROM numbering WHERE id = 1",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut issued = issued as u64;
    let mut x: Option<u64> = last.map(|l| l as u64);
    loop {
        let next = match numbering {
            Numbering::Simple(s) => match x {
                Some(l) => l
                    .checked_add(1)
                    .ok_or(Error::NumberingExhausted)?
                    .max(s.start),
                None => s.start,
            },
            Numbering::Lcg(l) => {
                if issued >= l.m {
                    return Err(Error::NumberingExhausted);
                }
                match x {
                    Some(prev) => l.next(prev),
                    None => rand::rng().random_range(0..l.m),
                }
            }
        };
        issued += 1;
        x = Some(next);
        let number = numbering.render(next);
        if !taken(conn, &number)? {
            conn.exec(
                "UPDATE numbering SET last_x = ?1, issued = ?2 WHERE id = 1",
                args![next as i64, issued as i64],
            )?;
            return Ok(number);
        }
    }
}
