//! Issuing ticket numbers (domain spec 5); the state lives in the `numbering` table and is
//! updated in the creating transaction.
use rand::Rng;

use crate::storage::db::Db;
use crate::storage::state;

use crate::config::Numbering;
use crate::error::{Error, Result};

/// Candidates whose freedom was asked for ahead, in the order the numbering issues them: a
/// transaction that creates many tickets (a `Batch`, an import) asks for the next 1, 2, 4 …
/// 256 candidates in one query instead of one query each (on a team silo, one round trip
/// per created ticket). The answers hold while the writers' lock is held and every ticket
/// this transaction creates takes the candidate handed out; a create of any other number
/// forgets them ([`Lookahead::created`]).
#[derive(Debug, Default)]
pub(crate) struct Lookahead {
    /// (x, issued count after it, rendered number, taken)
    next: std::collections::VecDeque<(u64, u64, String, bool)>,
    /// How many to ask for next time.
    size: usize,
    /// The number handed out last.
    handed: Option<String>,
    /// Whether the state the transaction left (the writer's copy) is not written yet: the
    /// writer writes it once, at its end ([`Lookahead::write_state`]), not once a number
    /// (a statement per created ticket).
    unwritten: bool,
}

impl Lookahead {
    /// Writes the numbering state `cached` if numbers were issued since it was last written.
    pub(crate) fn write_state(
        &mut self,
        conn: &Db,
        cached: &Option<(Option<i64>, i64)>,
    ) -> Result<()> {
        if let (true, Some((Some(last), issued))) = (self.unwritten, cached) {
            state::set_numbering(conn, *last, *issued)?;
        }
        self.unwritten = false;
        Ok(())
    }

    /// Notes that this transaction created a ticket numbered `number`: unless it is the
    /// number just handed out, the candidates' answers may be stale.
    pub(crate) fn created(&mut self, number: &str) {
        if self.handed.as_deref() != Some(number) {
            self.next.clear();
        }
        self.handed = None;
    }
}

/// The candidate after `x` (`issued` numbers issued so far); an error when exhausted.
fn candidate(numbering: &Numbering, x: Option<u64>, issued: u64) -> Result<u64> {
    match numbering {
        Numbering::Simple(s) => Ok(match x {
            Some(l) => l
                .checked_add(1)
                .ok_or(Error::NumberingExhausted)?
                .max(s.start),
            None => s.start,
        }),
        Numbering::Lcg(l) => {
            if issued >= l.m {
                return Err(Error::NumberingExhausted);
            }
            Ok(match x {
                Some(prev) => l.next(prev),
                None => rand::rng().random_range(0..l.m),
            })
        }
    }
}

/// The next free number, recorded as issued. `cached`: the state as this transaction left it
/// (read from the database the first time; the writers' lock keeps other writers out).
pub(crate) fn next_number(
    conn: &Db,
    numbering: &Numbering,
    cached: &mut Option<(Option<i64>, i64)>,
    ahead: &mut Lookahead,
) -> Result<String> {
    let (last, issued) = match *cached {
        Some(state) => state,
        None => state::numbering(conn)?,
    };
    let mut issued = issued as u64;
    let mut x: Option<u64> = last.map(|l| l as u64);
    loop {
        if ahead.next.is_empty() {
            // the next candidates, as the loop below would walk them
            ahead.size = (ahead.size * 2).clamp(1, 256);
            let (mut cx, mut ci) = (x, issued);
            let mut numbers = Vec::new();
            while numbers.len() < ahead.size {
                let Ok(next) = candidate(numbering, cx, ci) else {
                    break;
                };
                ci += 1;
                cx = Some(next);
                numbers.push((next, ci, numbering.render(next)));
            }
            if numbers.is_empty() {
                return Err(Error::NumberingExhausted);
            }
            let rendered: Vec<&str> = numbers.iter().map(|n| n.2.as_str()).collect();
            let taken = state::numbers_taken(conn, &rendered)?;
            ahead.next = numbers
                .into_iter()
                .map(|(next, ci, number)| {
                    let t = taken.contains(&number);
                    (next, ci, number, t)
                })
                .collect();
        }
        let (next, after, number, taken) = ahead.next.pop_front().expect("a candidate");
        issued = after;
        x = Some(next);
        if !taken {
            *cached = Some((Some(next as i64), issued as i64));
            ahead.unwritten = true;
            ahead.handed = Some(number.clone());
            return Ok(number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lookahead;

    /// The answers asked ahead hold only while the transaction's creates take the numbers
    /// handed out: any other number (a ticket imported in the same transaction) forgets them.
    #[test]
    fn a_create_of_another_number_forgets_the_candidates() {
        let filled = || Lookahead {
            next: [
                (5, 5, "5".to_string(), false),
                (6, 6, "6".to_string(), false),
            ]
            .into_iter()
            .collect(),
            size: 2,
            handed: Some("4".to_string()),
            unwritten: false,
        };
        let mut ahead = filled();
        ahead.created("4");
        assert_eq!(ahead.next.len(), 2, "the number handed out keeps them");
        ahead.created("4");
        assert!(
            ahead.next.is_empty(),
            "a second create of it is another ticket"
        );
        let mut ahead = filled();
        ahead.created("6");
        assert!(ahead.next.is_empty());
    }
}
