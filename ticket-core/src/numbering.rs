//! Issuing ticket numbers (domain spec 5); the state lives in the `numbering` table and is
//! updated in the creating transaction.
use rand::Rng;

use crate::storage::db::Db;
use crate::storage::state;

use crate::config::Numbering;
use crate::error::{Error, Result};

/// The next free number, recorded as issued. `cached`: the state as this transaction left it
/// (read from the database the first time; the writers' lock keeps other writers out).
pub(crate) fn next_number(
    conn: &Db,
    numbering: &Numbering,
    cached: &mut Option<(Option<i64>, i64)>,
) -> Result<String> {
    let (last, issued) = match *cached {
        Some(state) => state,
        None => state::numbering(conn)?,
    };
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
        if !state::number_taken(conn, &number)? {
            state::set_numbering(conn, next as i64, issued as i64)?;
            *cached = Some((Some(next as i64), issued as i64));
            return Ok(number);
        }
    }
}
