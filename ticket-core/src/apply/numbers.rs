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
use crate::log::{Operation, Record};

/// The numbered row a record adds to its ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddedRow {
    /// A `properties` row: a value, or a relation that is not a merge link (those rows are
    /// written by the merge rules, numbered by their statements).
    Property,
    /// An `entry_rows` row.
    Entry,
}

/// Which numbered row `op` adds to its ticket, if any: what [`super::Known::row_number`]
/// numbers, for the writer ([`crate::fresh::Fresh::row_number`]) and a rebuild alike.
pub(crate) fn added_row(op: &Operation) -> Option<AddedRow> {
    match op {
        Operation::PropAdd { .. } => Some(AddedRow::Property),
        Operation::RelAdd { key, .. } if !super::is_merge_key(&key.lc()) => {
            Some(AddedRow::Property)
        }
        Operation::EntryAdd { .. } => Some(AddedRow::Entry),
        _ => None,
    }
}

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
    tickets: super::IdMap<Next>,
    era: u32,
}

impl RowNumbers {
    /// The number of the row `rec` adds, if known: a property value's or a plain
    /// relation's id, an entry's number ([`super::Known::row_number`]).
    pub(crate) fn row_number(&self, rec: &Record) -> Option<i64> {
        let next = self.tickets.get(&rec.ticket)?;
        match added_row(&rec.op)? {
            AddedRow::Property => next.property.filter(|_| next.era == self.era),
            AddedRow::Entry => Some(next.entry),
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
        if let Operation::PropRemove { .. } | Operation::RelRemove { .. } = rec.op {
            next.property = None;
        }
        // a merge link's row (not numbered here) started a new era above
        match added_row(&rec.op) {
            Some(AddedRow::Property) => {
                if let Some(p) = &mut next.property {
                    *p += 1;
                }
            }
            Some(AddedRow::Entry) => next.entry += 1,
            None => {}
        }
    }
}
