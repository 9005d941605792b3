//! The numbers a rebuild's rows get (property ids, entry numbers), followed in memory as the
//! records are replayed, so that the projection keeps the rows and writes them several to a
//! statement ([`crate::storage::kept`]) instead of numbering each with a statement of its own
//! (`max(id) + 1`).
//!
//! The numbers are the ones the statements give: a ticket's next property id is its greatest
//! plus one, its next entry number its count plus one (entries are never deleted, only
//! marked removed). Where a record may delete a property row whose id is not known here, the
//! ticket's property numbering is forgotten (a removal of a value or a relation), or every
//! ticket's (a merge link, which changes rows of other tickets, or any repair): those rows are
//! then numbered by the statement that writes them.
use std::collections::HashMap;

use crate::log::{Operation, Record};

/// What is known of a ticket's numbering.
#[derive(Debug, Clone, Copy)]
struct Next {
    /// The next property id, while known (and only in the era it was noted in).
    property: Option<i64>,
    /// The era of `property`: forgetting every ticket's property numbering starts a new era
    /// (one step, not a pass over a million tickets).
    era: u32,
    /// The next entry number.
    entry: i64,
}

/// The next numbers of every ticket replayed so far.
#[derive(Debug, Default)]
pub(crate) struct RowNumbers {
    tickets: HashMap<i64, Next>,
    era: u32,
}

impl RowNumbers {
    /// The number of the row `rec` adds, if known: a property value's or a plain
    /// relation's id, an entry's number ([`super::Known::row_number`]).
    pub(crate) fn row_number(&self, rec: &Record) -> Option<i64> {
        let next = self.tickets.get(&rec.ticket)?;
        let property = next.property.filter(|_| next.era == self.era);
        match &rec.op {
            Operation::PropAdd { .. } => property,
            Operation::RelAdd { key, .. } if !super::is_merge_key(&key.lc()) => property,
            Operation::EntryAdd { .. } => Some(next.entry),
            _ => None,
        }
    }

    /// Follows `rec` once applied (`repaired`: the projection repaired something).
    pub(crate) fn note(&mut self, rec: &Record, repaired: bool) {
        let merge_link = matches!(&rec.op, Operation::RelAdd { key, .. } | Operation::RelRemove { key, .. } if super::is_merge_key(&key.lc()));
        if repaired || merge_link {
            self.era += 1;
        }
        if let Operation::Create { .. } = rec.op {
            self.tickets.insert(
                rec.ticket,
                Next {
                    property: Some(1),
                    era: self.era,
                    entry: 1,
                },
            );
            return;
        }
        let Some(next) = self.tickets.get_mut(&rec.ticket) else {
            return;
        };
        if next.era != self.era {
            next.property = None;
        }
        match &rec.op {
            Operation::PropAdd { .. } | Operation::RelAdd { .. } => {
                if let Some(p) = &mut next.property {
                    *p += 1;
                }
            }
            Operation::PropRemove { .. } | Operation::RelRemove { .. } => next.property = None,
            Operation::EntryAdd { .. } => next.entry += 1,
            _ => {}
        }
    }
}
