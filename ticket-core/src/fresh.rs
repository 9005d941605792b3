//! What a write transaction knows of the tickets it created itself, so that the rules'
//! questions about them (is this tag there, which values does this key hold, what comes next)
//! are answered without asking the database.
//!
//! Why: on a team silo every question is a network round trip, and bulk creation asks some
//! twenty per new ticket about a ticket whose every row this transaction wrote
//! (benches/README.md, "Team silos: write round trips"). The answers here are the ones the
//! derived tables give: each record the writer emits for such a ticket is noted the way
//! `apply` projects it. The plain records are followed (create, title, summary, status,
//! tags, plain property values, entries), and a relation added to a ticket held here when the
//! projection kept it as it came (no repair, not a merge key: then no other row changed); any
//! other record (a repaired one, merge links, removals of relations or entries, attachments,
//! undo) forgets every ticket held here, and the questions go to the database again. (Before
//! session 9 every relation forgot them: the generator's tickets, most with a relation, cost a
//! team silo some twelve round trips each instead of three.)
//! The database stays the truth; this is a copy of a part of it that cannot go stale within
//! one transaction, because the writer alone changes those tickets (the writers' lock).
use crate::apply::{IdMap, TextMap};

use crate::apply::AddedRow;
use crate::log::{Operation, Record};
use crate::model::Status;

/// Whether a record of this kind changes its own ticket's title, summary, tags, plain values
/// or entries (added) and nothing else: no other ticket's rows, no status, no removal of an
/// entry or relation. What `Fresh` follows besides creates, statuses and plain relations, and
/// what leaves the statuses the writer looked up as they were.
pub(crate) fn plain_change(op: &Operation) -> bool {
    matches!(
        op,
        Operation::Title(_)
            | Operation::Summary(_)
            | Operation::TagAdd(_)
            | Operation::TagRemove(_)
            | Operation::PropAdd { .. }
            | Operation::PropRemove { .. }
            | Operation::EntryAdd { .. }
    )
}

/// A ticket created in this transaction, as the derived tables hold it.
#[derive(Debug)]
struct Ticket {
    number: String,
    title: String,
    summary: String,
    status: Status,
    /// Tag by lower case → the spelling stored (the first one added).
    tags: TextMap<String, String>,
    /// Property rows in the order of their ids.
    properties: Vec<Property>,
    /// Entries added (the next entry's number is one more; removals keep numbers).
    entries: u32,
    /// The minutes of those entries (a removal forgets the ticket).
    minutes: i64,
    /// Their texts, in order, when [`Fresh::new`] asked for them.
    entry_texts: Vec<String>,
}

/// A property row of a ticket held here.
#[derive(Debug)]
struct Property {
    /// Its id (the ticket's greatest when it was added, plus one).
    id: i64,
    /// The key as stored, and its lower case.
    key: String,
    key_lc: String,
    /// The value, and its lower case.
    value: String,
    value_lc: String,
    /// Whether it is a relation's row (a value removal never removes one).
    relation: bool,
}

impl Ticket {
    /// The id the ticket's next property row gets: the greatest plus one, as the insert
    /// numbers it.
    fn next_property_id(&self) -> i64 {
        self.properties.last().map_or(1, |p| p.id + 1)
    }

    fn push_property(&mut self, key: String, key_lc: String, value: &str, relation: bool) {
        self.properties.push(Property {
            id: self.next_property_id(),
            key,
            key_lc,
            value: value.to_string(),
            value_lc: value.to_lowercase(),
            relation,
        });
    }
}

/// The tickets this transaction created, while only plain records touched them.
#[derive(Debug, Default)]
pub(crate) struct Fresh {
    tickets: IdMap<Ticket>,
    by_number: TextMap<String, i64>,
    /// Whether the entries' texts are kept ([`Fresh::document`]).
    texts: bool,
}

impl Fresh {
    /// None held yet; `texts`: keep the texts of the entries, for [`Fresh::document`] (a
    /// team silo: a directory silo's full-text index reads them in the database).
    pub(crate) fn new(texts: bool) -> Self {
        Fresh {
            texts,
            ..Fresh::default()
        }
    }

    /// Forgets every ticket held here.
    fn forget(&mut self) {
        self.tickets.clear();
        self.by_number.clear();
    }

    /// Whether the ticket is held here.
    pub(crate) fn holds(&self, id: i64) -> bool {
        self.tickets.contains_key(&id)
    }

    /// Follows a record the writer emitted (after it was applied): `repaired` when the
    /// projection repaired something (then rows of other tickets may have changed), and for a
    /// relation of a ticket held here, its target's number (the value its row holds).
    pub(crate) fn note(&mut self, rec: &Record, repaired: bool, target_number: Option<&str>) {
        let id = rec.ticket;
        if let Operation::Create { number } = &rec.op {
            self.by_number.insert(number.as_str().to_string(), id);
            self.tickets.insert(
                id,
                Ticket {
                    number: number.as_str().to_string(),
                    title: String::new(),
                    summary: String::new(),
                    status: Status::Open,
                    tags: TextMap::default(),
                    properties: Vec::new(),
                    entries: 0,
                    minutes: 0,
                    entry_texts: Vec::new(),
                },
            );
            return;
        }
        if let Operation::RelAdd { key, .. } = &rec.op {
            if !repaired && !crate::apply::is_merge_key(&key.lc()) {
                // a relation the projection kept as it came changed no other row: one more
                // property row of its ticket, valued with the target's number (a ticket not
                // held here: nothing held changed)
                if let Some(t) = self.tickets.get_mut(&id) {
                    let Some(number) = target_number else {
                        self.forget();
                        return;
                    };
                    t.push_property(key.as_str().to_string(), key.lc(), number, true);
                }
                return;
            }
        }
        let plain = !repaired && (plain_change(&rec.op) || matches!(rec.op, Operation::Status(_)));
        if !plain {
            // a repair, merge links, a removal, an attachment, an undo: the database answers
            // from here on
            self.forget();
            return;
        }
        let Some(t) = self.tickets.get_mut(&id) else {
            return;
        };
        match &rec.op {
            Operation::Title(v) => v.clone_into(&mut t.title),
            Operation::Summary(v) => v.clone_into(&mut t.summary),
            Operation::Status(s) => t.status = *s,
            Operation::TagAdd(tag) => {
                t.tags
                    .entry(tag.lc())
                    .or_insert_with(|| tag.as_str().to_string());
            }
            Operation::TagRemove(tag) => {
                t.tags.remove(&tag.lc());
            }
            Operation::PropAdd { key, value } => {
                t.push_property(key.as_str().to_string(), key.lc(), value.as_str(), false)
            }
            // the first such value, as the projection's delete picks it
            Operation::PropRemove { key, value } => {
                let (key_lc, value_lc) = (key.lc(), value.lc());
                if let Some(i) = t
                    .properties
                    .iter()
                    .position(|p| !p.relation && p.key_lc == key_lc && p.value_lc == value_lc)
                {
                    t.properties.remove(i);
                }
            }
            Operation::EntryAdd { text, minutes } => {
                t.entries += 1;
                t.minutes += i64::from(*minutes);
                if self.texts {
                    t.entry_texts.push(text.clone());
                }
            }
            _ => {}
        }
    }

    /// Row id, number and status of a ticket held here, by number.
    pub(crate) fn by_number(&self, number: &str) -> Option<(i64, String, Status)> {
        let id = *self.by_number.get(number)?;
        let t = self.tickets.get(&id)?;
        Some((id, t.number.clone(), t.status))
    }

    /// The number of a ticket held here.
    pub(crate) fn number_of(&self, id: i64) -> Option<String> {
        self.tickets.get(&id).map(|t| t.number.clone())
    }

    /// Title (or summary) of a ticket held here.
    pub(crate) fn text_of(&self, id: i64, summary: bool) -> Option<String> {
        let t = self.tickets.get(&id)?;
        Some(if summary { &t.summary } else { &t.title }.clone())
    }

    /// Whether the ticket is held here, and then the tag's stored spelling.
    pub(crate) fn stored_tag(&self, id: i64, tag_lc: &str) -> Option<Option<String>> {
        let t = self.tickets.get(&id)?;
        Some(t.tags.get(tag_lc).cloned())
    }

    /// Whether the ticket is held here, and then the key's values in order.
    pub(crate) fn values(&self, id: i64, key_lc: &str) -> Option<Vec<String>> {
        let t = self.tickets.get(&id)?;
        Some(
            t.properties
                .iter()
                .filter(|p| p.key_lc == key_lc)
                .map(|p| p.value.clone())
                .collect(),
        )
    }

    /// Whether the ticket is held here, and then the key as first stored.
    pub(crate) fn stored_key(&self, id: i64, key_lc: &str) -> Option<Option<String>> {
        let t = self.tickets.get(&id)?;
        Some(
            t.properties
                .iter()
                .find(|p| p.key_lc == key_lc)
                .map(|p| p.key.clone()),
        )
    }

    /// The number the row `rec` adds to a ticket held here gets (a property value's or a
    /// relation's id, an entry's number), for the projection to keep the row
    /// ([`crate::apply::Known::row_number`]).
    pub(crate) fn row_number(&self, rec: &Record) -> Option<i64> {
        let t = self.tickets.get(&rec.ticket)?;
        Some(match crate::apply::added_row(&rec.op)? {
            AddedRow::Property => t.next_property_id(),
            AddedRow::Entry => i64::from(t.entries) + 1,
        })
    }

    /// The full-text document of a ticket held here, in the binary form PostgreSQL's
    /// `tsvector` takes ([`ticket_query::fts_document_binary`]), as the change set's end
    /// makes it from the ticket's title, summary and entries in the database; `None` unless
    /// the texts are kept ([`Fresh::new`]) and the ticket is held here.
    pub(crate) fn document(&self, id: i64) -> Option<Vec<u8>> {
        let t = self.tickets.get(&id).filter(|_| self.texts)?;
        let entries = t.entry_texts.join("\n");
        Some(ticket_query::fts_document_binary([
            t.title.as_str(),
            t.summary.as_str(),
            entries.as_str(),
        ]))
    }

    /// The `earliest` date of a ticket held here, as the end's update makes it from the
    /// table: the least date of its values of the date keys (`None` for none, and for a
    /// ticket not held here).
    pub(crate) fn earliest(&self, id: i64) -> Option<String> {
        let t = self.tickets.get(&id)?;
        (t.properties.iter())
            .filter(|p| crate::apply::EARLIEST_KEYS.contains(&p.key_lc.as_str()))
            .filter_map(|p| crate::apply::value_date(&p.value))
            .min()
    }

    /// The list row of a ticket held here, as [`crate::storage::list_rows`] makes it from
    /// the tables: the minutes (none when zero), the tags in the order of their lower case,
    /// the values in the order of their ids; `None` for an empty one (stored as NULL), and
    /// for a ticket not held here (the caller asks [`Fresh::holds`] first).
    pub(crate) fn list_row(&self, id: i64) -> Option<String> {
        let t = self.tickets.get(&id)?;
        let mut tags: Vec<(&String, &String)> = t.tags.iter().collect();
        tags.sort_unstable();
        crate::storage::list_rows::build(
            t.minutes,
            tags.into_iter().map(|(_, tag)| tag.as_str()),
            (t.properties.iter()).map(|p| (p.key.as_str(), p.value.as_str())),
        )
    }

    /// The next entry number of a ticket held here.
    pub(crate) fn next_entry(&self, id: i64) -> Option<u32> {
        self.tickets.get(&id).map(|t| t.entries + 1)
    }
}

#[cfg(test)]
mod tests {
    use crate::context::{Clock, Context};
    use crate::silo::Silo;
    use crate::write::Op;

    /// `(number, key, value, id)` of a property row.
    type PropertyRow = (String, String, String, i64);

    /// Every property row, and `(number, n)` of every entry.
    fn rows(silo: &Silo) -> (Vec<PropertyRow>, Vec<(String, i64)>) {
        let db = rusqlite::Connection::open(silo.dir().join("silo.db")).unwrap();
        let mut stmt = db
            .prepare("SELECT t.number, p.key, p.value, p.id FROM properties p JOIN tickets t ON t.id = p.ticket_id ORDER BY 1, 4")
            .unwrap();
        let properties = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let mut stmt = db
            .prepare("SELECT t.number, e.n FROM entry_rows e JOIN tickets t ON t.id = e.ticket_id ORDER BY 1, 2")
            .unwrap();
        let entries = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        (properties, entries)
    }

    /// The rows of a ticket created and edited in one transaction are numbered by what the
    /// writer holds of it (and kept, to be written together): removals of the last value and
    /// of an earlier one, relations to a ticket of the same transaction, entries. The
    /// numbers are the ones the per-row inserts of a rebuild give.
    #[test]
    fn rows_numbered_from_the_held_ticket_are_the_ones_a_rebuild_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let silo = Silo::create(
            &dir.path().join("silo"),
            Context::new(Clock::system(), "alice"),
        )
        .unwrap();
        silo.write(|w| {
            let first = w.create(None, "first", None, "")?;
            let second = w.create(None, "second", None, "")?;
            let t = w.ticket(second.as_str())?;
            for op in [
                Op::AddProperty("Size".into(), "1".into()),
                Op::AddProperty("Size".into(), "2".into()),
                Op::AddProperty("Size".into(), "3".into()),
                Op::RemovePropertyKv("Size".into(), "3".into()),
                Op::AddProperty("Colour".into(), "red".into()),
                Op::RemovePropertyKv("Size".into(), "1".into()),
                Op::AddProperty("Related_To".into(), first.to_string()),
                Op::AddTag("Bug".into()),
                Op::AddEntry("one".into(), 5),
                Op::AddEntry("two".into(), 0),
                Op::AddProperty("Size".into(), "4".into()),
            ] {
                w.perform(&t, op)?;
            }
            Ok(())
        })
        .unwrap();
        let written = rows(&silo);
        let row =
            |n: &str, key: &str, value: &str, id: i64| (n.into(), key.into(), value.into(), id);
        let second = |key: &str, value: &str, id: i64| row("2", key, value, id);
        assert_eq!(
            written.0,
            [
                // the relation's mirror on the first ticket
                row("1", "Related_To", "2", 1),
                second("Size", "2", 2),
                second("Colour", "red", 3),
                second("Related_To", "1", 4),
                second("Size", "4", 5),
            ]
        );
        assert_eq!(written.1, [("2".to_string(), 1), ("2".to_string(), 2)]);
        silo.rebuild().unwrap();
        assert_eq!(rows(&silo), written);
    }
}
