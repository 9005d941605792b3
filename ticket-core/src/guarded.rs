//! A guarded write's first read (`Silo::write_guarded`, team silos): a change to one ticket
//! whose rules read nothing but that ticket asks all of it in one statement
//! ([`state::ask_guarded_ticket`]) without the writers' lock, and its first change set takes
//! the lock and checks that the ticket's row is still the version read
//! ([`crate::storage::log::insert_guarded_set`]). Until that first set, the rules' questions
//! about the ticket (its lookup, its title or summary, the tag it adds or removes, its next
//! entry's number, the validation rules' values) are answered from the read.
use crate::error::{Error, Result};
use crate::model::Status;
use crate::storage::db::{Ahead, Db, DbError};
use crate::storage::state::{self, GuardedRow, GuardedTicket, STALE_READ};

/// Where a write stands with its guarded read.
pub(crate) enum Guard {
    /// Not a guarded write, or its first change set is made.
    Off,
    /// A guarded write of ticket `.0`; its read is asked by the first question about it.
    Pending(String),
    /// Asked, not answered yet.
    Asked(Asked, Ahead<GuardedTicket>),
    /// Answered.
    Answered(Asked, GuardedTicket),
}

/// What a guarded read asked: the ticket's number, a tag (lower case), property keys.
pub(crate) struct Asked {
    number: String,
    tag_lc: Option<String>,
    keys: Vec<String>,
}

/// A guarded read as the first change set takes it: the ticket's row id and row version,
/// the set's row id, and the validation rules' values, by key.
pub(crate) struct Taken {
    pub ticket: Option<(i64, String)>,
    pub set_row: i64,
    pub values: Vec<(String, Vec<String>)>,
}

impl Guard {
    /// Asks the read of a pending guarded write of ticket `number` (with the tag and the
    /// property keys its change reads); `false` when there is nothing to ask.
    pub(crate) fn ask(
        &mut self,
        db: &Db,
        number: &str,
        tag_lc: Option<String>,
        keys: Vec<String>,
    ) -> Result<bool> {
        if !matches!(self, Guard::Pending(n) if n == number) {
            return Ok(false);
        }
        let asked = state::ask_guarded_ticket(db, number, tag_lc.as_deref(), &keys)?;
        let what = Asked {
            number: number.to_string(),
            tag_lc,
            keys,
        };
        *self = Guard::Asked(what, asked);
        Ok(true)
    }

    /// The read, answered (asked first if pending), when it is about ticket `number`
    /// (`None`: any ticket).
    fn answered(&mut self, db: &Db, number: Option<&str>) -> Result<Option<&GuardedTicket>> {
        if let Guard::Pending(n) = self {
            if number.is_some_and(|number| number != n.as_str()) {
                return Ok(None);
            }
            let n = n.clone();
            self.ask(db, &n, None, Vec::new())?;
        }
        if let Guard::Asked(..) = self {
            let Guard::Asked(what, asked) = std::mem::replace(self, Guard::Off) else {
                unreachable!("matched above")
            };
            let read = db.answer(asked)?.ok_or_else(|| stale_read("no answer"))?;
            *self = Guard::Answered(what, read);
        }
        match self {
            Guard::Answered(what, read) if number.is_none_or(|n| n == what.number) => {
                Ok(Some(read))
            }
            _ => Ok(None),
        }
    }

    /// Ticket `number` as read, when the read is about it and it exists.
    pub(crate) fn ticket(
        &mut self,
        db: &Db,
        number: &str,
    ) -> Result<Option<(i64, String, Status)>> {
        let read = self.answered(db, Some(number))?;
        Ok(read
            .and_then(|r| r.ticket.as_ref())
            .map(|t| (t.id, t.number.clone(), t.status)))
    }

    /// The stored spelling of tag `tag_lc` on ticket `id`, when the read asked it.
    pub(crate) fn tag(&mut self, db: &Db, id: i64, tag_lc: &str) -> Result<Option<Option<String>>> {
        let asked_tag = match self {
            Guard::Asked(what, _) | Guard::Answered(what, _) => {
                what.tag_lc.as_deref() == Some(tag_lc)
            }
            _ => false,
        };
        if !asked_tag {
            return Ok(None);
        }
        let read = self.answered(db, None)?;
        Ok(read
            .filter(|r| r.ticket.as_ref().is_some_and(|t| t.id == id))
            .map(|r| r.tag.clone()))
    }

    /// Ticket `id`'s title (or summary), when the read is about it.
    pub(crate) fn text(
        &mut self,
        db: &Db,
        id: i64,
        summary: bool,
    ) -> Result<Option<Option<String>>> {
        let row = self.row(db, id)?;
        Ok(row.map(|t| match summary {
            true => t.summary.clone(),
            false => t.title.clone(),
        }))
    }

    /// The number ticket `id`'s next entry gets, when the read is about it.
    pub(crate) fn next_entry(&mut self, db: &Db, id: i64) -> Result<Option<u32>> {
        Ok(self.row(db, id)?.map(|t| t.next_entry))
    }

    /// Ticket `id` as read, when the read (asked already) is about it.
    fn row(&mut self, db: &Db, id: i64) -> Result<Option<&GuardedRow>> {
        if !matches!(self, Guard::Asked(..) | Guard::Answered(..)) {
            return Ok(None);
        }
        let read = self.answered(db, None)?;
        Ok(read.and_then(|r| r.ticket.as_ref()).filter(|t| t.id == id))
    }

    /// The read, for the first change set; the guard is off afterwards.
    pub(crate) fn take(&mut self, db: &Db) -> Result<Option<Taken>> {
        if matches!(self, Guard::Off) {
            return Ok(None);
        }
        self.answered(db, None)?;
        let Guard::Answered(what, read) = std::mem::replace(self, Guard::Off) else {
            return Ok(None);
        };
        let values = if read.values.len() == what.keys.len() {
            what.keys.into_iter().zip(read.values).collect()
        } else {
            Vec::new()
        };
        Ok(Some(Taken {
            ticket: read.ticket.map(|t| (t.id, t.version)),
            set_row: read.set_row,
            values,
        }))
    }
}

/// The failure that makes a guarded write run again with the lock first.
pub(crate) fn stale_read(message: &str) -> Error {
    Error::Db(DbError {
        message: format!("a guarded write must run again: {message}"),
        code: Some(STALE_READ.to_string()),
    })
}

#[cfg(test)]
#[path = "guarded_tests.rs"]
mod tests;
