//! The write operations and the special cases of domain spec 4, performed inside a
//! [`Writer`](crate::silo::Writer)'s transaction.
use crate::config::eq_ci;
use crate::storage::state;
use std::path::Path;

use ticket_query::{parse_date_expr, parse_repeater, ResolvedDate};

use crate::changes::ChangeOp;
use crate::config::{PSEUDO_DATE_KEYS, RELATION_KEYS, RESERVED_KEYS};
use crate::content::Staged;
use crate::error::{Error, Result};
use crate::log::{Operation, Record};
use crate::model::{PropertyKey, PropertyValue, Status, Tag, TicketNumber};
use crate::silo::{TicketRef, Writer};

/// One requested change to a ticket, owned: a list of them is applied as one change set by
/// [`Silo::apply`](crate::Silo::apply) or queued by [`Edit`](crate::Edit), validated once on
/// the final state. Every edge (CLI, Python, web) builds these instead of its own copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOp {
    /// Set the title.
    Title(String),
    /// Set the summary.
    Summary(String),
    /// Set the status (name or letter); the other ticket for Merged and Duplicate.
    Status(String, Option<String>),
    /// Add a tag.
    AddTag(String),
    /// Remove a tag.
    RemoveTag(String),
    /// Add a property (key, value).
    AddProperty(String, String),
    /// Change one value of a property (key, old, new).
    ChangeProperty(String, String, String),
    /// Remove every value of a property.
    RemovePropertyK(String),
    /// Remove one value of a property (key, value).
    RemovePropertyKv(String, String),
    /// Add an entry (text, minutes).
    AddEntry(String, u32),
    /// Hide an entry.
    RemoveEntry(u32),
    /// Attach bytes under a file name.
    AddAttachment {
        /// File name.
        name: String,
        /// Content.
        bytes: Vec<u8>,
        /// Comment.
        comment: String,
    },
    /// Hide an attachment.
    RemoveAttachment(u32),
}

impl EditOp {
    /// Whether the rules of this change read nothing but its own ticket before they write:
    /// its row (number, status, title, summary), its tags, its entries (the next one's
    /// number, whether one is there to hide) and the values its validation rules look at.
    /// Such a change may read before it takes a team silo's writers' lock
    /// (`Silo::write_guarded`), its ticket's row checked under the lock. The others read
    /// more: a property may be a unique key (every ticket's values) or a relation (its
    /// target), a status may merge into another ticket; an attachment stages a content file
    /// first (not gone through for this: it keeps taking the lock first).
    pub(crate) fn reads_only_its_ticket(&self) -> bool {
        matches!(
            self,
            EditOp::Title(_)
                | EditOp::Summary(_)
                | EditOp::AddTag(_)
                | EditOp::RemoveTag(_)
                | EditOp::AddEntry(..)
                | EditOp::RemoveEntry(_)
        )
    }
}

pub(crate) type Op = EditOp;

/// The longest title, in bytes (like a tag).
pub const MAX_TITLE_BYTES: usize = 4096;

/// Keys whose relation forms an order that must not close a cycle, with their mirrors.
const ACYCLIC: &[(&str, &str)] = &[
    ("Child_Of", "Parent_Of"),
    ("Blocks", "Blocked_By"),
    ("Precedes", "Follows"),
];
const REPEATS: &[(&str, &str)] = &[
    ("Scheduled_Repeats", "Scheduled"),
    ("Deadline_Repeats", "Deadline"),
    ("Review_Repeats", "Review"),
];

pub(crate) fn clean_title(title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(Error::invalid("title", title, "a title must not be empty"));
    }
    if t.len() > MAX_TITLE_BYTES {
        return Err(Error::invalid(
            "title",
            &format!("{}…", t.chars().take(40).collect::<String>()),
            format!(
                "a title has at most {MAX_TITLE_BYTES} bytes (this one has {})",
                t.len()
            ),
        ));
    }
    if crate::model::may_hold_controls(t) && t.chars().any(char::is_control) {
        return Err(Error::invalid(
            "title",
            &title.escape_debug().to_string(),
            "a title is one line without control characters",
        ));
    }
    Ok(t.to_string())
}

fn clean_summary(summary: &str) -> Result<String> {
    if crate::model::may_hold_controls(summary)
        && summary
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid(
            "summary",
            &summary.escape_debug().to_string(),
            "control characters are not allowed",
        ));
    }
    Ok(summary.trim_end().to_string())
}

/// The canonical spelling of a built-in or configured key (`deadline` → `Deadline`).
fn canonical_key(w: &Writer<'_>, key: &PropertyKey) -> String {
    let builtin = crate::config::BUILTIN_UNIQUE_KEYS
        .iter()
        .chain(RESERVED_KEYS)
        .chain(RELATION_KEYS.iter().map(|(k, _)| k))
        .find(|k| eq_ci(k, key.as_str()));
    match builtin {
        Some(k) => (*k).to_string(),
        None => w.config().display_key(key.as_str()).to_string(),
    }
}

impl Writer<'_> {
    /// Asks ahead what `op` will read of the ticket with that number, so that on a team silo
    /// the question rides along with the ticket's lookup instead of waiting after it: a tag's
    /// stored spelling (a one-tag change set then waits twice: the lookup and the commit),
    /// and the values the validation rules will read when the operation leaves them as
    /// they are.
    /// SQLite, which has no round trips, asks nothing ahead.
    pub(crate) fn ask_ahead(&mut self, number: &str, op: &Op) -> Result<()> {
        if !self.conn.is_postgres() {
            return Ok(());
        }
        let Ok(n) = number.parse::<TicketNumber>() else {
            return Ok(());
        };
        let tag_lc = match op {
            Op::AddTag(tag) | Op::RemoveTag(tag) => tag.parse::<Tag>().ok().map(|t| t.lc()),
            _ => None,
        };
        // an operation whose records leave the properties as they are: the validation
        // rules' values are the ones before it
        let keeps_values = matches!(
            op,
            Op::Title(_)
                | Op::Summary(_)
                | Op::AddTag(_)
                | Op::RemoveTag(_)
                | Op::AddEntry(..)
                | Op::RemoveEntry(_)
        );
        // a guarded write asks all of it with its ticket, in one statement
        let keys = if keeps_values {
            crate::validate::value_keys(self.silo)
        } else {
            Vec::new()
        };
        let asked = (self.guard.get_mut()).ask(self.conn, n.as_str(), tag_lc.clone(), keys)?;
        if asked {
            return Ok(());
        }
        if let Some(lc) = tag_lc {
            let asked = state::ask_stored_tag_by_number(self.conn, n.as_str(), &lc)?;
            self.asked_tag = Some((n.to_string(), lc, asked));
        }
        if keeps_values {
            for key_lc in crate::validate::value_keys(self.silo) {
                let asked = state::ask_values_by_number(self.conn, n.as_str(), &key_lc)?;
                self.asked_values.push((n.to_string(), key_lc, asked));
            }
        }
        Ok(())
    }

    pub(crate) fn perform(&mut self, t: &TicketRef, op: Op) -> Result<()> {
        match op {
            Op::Title(title) => {
                let title = clean_title(&title)?;
                let old = self.text_of(t.id, false)?;
                if old.as_deref() != Some(title.as_str()) {
                    self.emit(Record {
                        ticket: t.id,
                        op: Operation::Title(title),
                    })?;
                }
            }
            Op::Summary(summary) => {
                let summary = clean_summary(&summary)?;
                let old = self.text_of(t.id, true)?;
                if old.as_deref() != Some(summary.as_str()) {
                    self.emit(Record {
                        ticket: t.id,
                        op: Operation::Summary(summary),
                    })?;
                }
            }
            Op::Status(status, other) => self.set_status(t, &status, other.as_deref())?,
            Op::AddTag(tag) => {
                let tag: Tag = tag.parse()?;
                if self.stored_tag(t.id, &tag.lc())?.is_none() {
                    let shown = self.config().display_tag(tag.as_str()).to_string();
                    self.emit(Record {
                        ticket: t.id,
                        op: Operation::TagAdd(shown.parse()?),
                    })?;
                }
            }
            Op::RemoveTag(tag) => {
                let tag: Tag = tag.parse()?;
                let stored = self.stored_tag(t.id, &tag.lc())?;
                let stored = stored.ok_or_else(|| {
                    Error::invalid(
                        "tag",
                        tag.as_str(),
                        format!("ticket {} has no such tag", t.number),
                    )
                })?;
                self.emit(Record {
                    ticket: t.id,
                    op: Operation::TagRemove(stored.parse()?),
                })?;
            }
            Op::AddProperty(key, value) => {
                let key: PropertyKey = key.parse()?;
                refuse_reserved(&key)?;
                refuse_pseudo(&key)?;
                self.add_property(t, &key, &value)?;
            }
            Op::ChangeProperty(key, old, new) => {
                let key: PropertyKey = key.parse()?;
                refuse_reserved(&key)?;
                refuse_pseudo(&key)?;
                let old: PropertyValue = old.parse()?;
                let stored = self.values(t.id, &key)?;
                let found = stored
                    .iter()
                    .find(|v| eq_ci(v, old.as_str()))
                    .cloned()
                    .ok_or_else(|| {
                        Error::invalid(
                            "property value",
                            old.as_str(),
                            format!("ticket {} has no {} = {}", t.number, key, old),
                        )
                    })?;
                self.remove_value(t, &key, &found)?;
                self.add_property(t, &key, &new)?;
            }
            Op::RemovePropertyK(key) => {
                let key: PropertyKey = key.parse()?;
                refuse_reserved(&key)?;
                let stored = self.values(t.id, &key)?;
                if stored.is_empty() {
                    return Err(Error::invalid(
                        "property key",
                        key.as_str(),
                        format!("ticket {} has no such property", t.number),
                    ));
                }
                for v in stored {
                    self.remove_value(t, &key, &v)?;
                }
            }
            Op::RemovePropertyKv(key, value) => {
                let key: PropertyKey = key.parse()?;
                refuse_reserved(&key)?;
                let value: PropertyValue = value.parse()?;
                let stored = self.values(t.id, &key)?;
                let found = stored
                    .iter()
                    .find(|v| eq_ci(v, value.as_str()))
                    .cloned()
                    .ok_or_else(|| {
                        Error::invalid(
                            "property value",
                            value.as_str(),
                            format!("ticket {} has no {} = {}", t.number, key, value),
                        )
                    })?;
                self.remove_value(t, &key, &found)?;
            }
            Op::AddEntry(text, minutes) => {
                self.add_entry(t, &text, minutes)?;
            }
            Op::RemoveEntry(n) => {
                let visible = state::visible_item(self.conn, t.id, n, false)?;
                let Some(entry) = visible else {
                    return Err(Error::invalid(
                        "entry",
                        &n.to_string(),
                        format!("ticket {} has no entry {n}", t.number),
                    ));
                };
                self.emit(Record {
                    ticket: t.id,
                    op: Operation::EntryRemove { entry },
                })?;
            }
            Op::AddAttachment {
                name,
                bytes,
                comment,
            } => {
                self.add_attachment(t, &name, &bytes, &comment)?;
            }
            Op::RemoveAttachment(n) => {
                let visible = state::visible_item(self.conn, t.id, n, true)?;
                let Some(attachment) = visible else {
                    return Err(Error::invalid(
                        "attachment",
                        &n.to_string(),
                        format!("ticket {} has no attachment {n}", t.number),
                    ));
                };
                self.emit(Record {
                    ticket: t.id,
                    op: Operation::AttachRemove { attachment },
                })?;
            }
        }
        Ok(())
    }

    /// The stored values of `key` on ticket `id`, in order.
    pub(crate) fn values(&self, id: i64, key: &PropertyKey) -> Result<Vec<String>> {
        let key_lc = key.lc();
        match self.fresh.values(id, &key_lc) {
            Some(values) => Ok(values),
            None => state::values(self.conn, id, &key_lc),
        }
    }

    fn stored_key(&self, id: i64, key: &PropertyKey) -> Result<Option<String>> {
        let key_lc = key.lc();
        match self.fresh.stored_key(id, &key_lc) {
            Some(key) => Ok(key),
            None => state::stored_key(self.conn, id, &key_lc),
        }
    }

    /// The tag as stored on the ticket, by its lower case.
    fn stored_tag(&mut self, id: i64, tag_lc: &str) -> Result<Option<String>> {
        if let Some(tag) = self.fresh.stored_tag(id, tag_lc) {
            return Ok(tag);
        }
        if let Some(tag) = self.guard.get_mut().tag(self.conn, id, tag_lc)? {
            return Ok(tag);
        }
        if let Some((number, lc, asked)) = self.asked_tag.take() {
            if lc == tag_lc && self.looked_up_number(id).as_deref() == Some(number.as_str()) {
                return self.conn.answer(asked);
            }
        }
        state::stored_tag(self.conn, id, tag_lc)
    }

    /// The ticket's title or summary now.
    fn text_of(&self, id: i64, summary: bool) -> Result<Option<String>> {
        if let Some(text) = self.guard.borrow_mut().text(self.conn, id, summary)? {
            return Ok(text);
        }
        match self.fresh.text_of(id, summary) {
            Some(text) => Ok(Some(text)),
            None => state::text_of(self.conn, id, summary),
        }
    }

    /// Emits a property addition or removal; a relation (relation keys, `Closed_Via`,
    /// `Merged`, `Duplicate`) whose value names a ticket is recorded by that ticket.
    fn emit_prop(&mut self, t: &TicketRef, op: ChangeOp, key: &str, value: &str) -> Result<()> {
        let add = op == ChangeOp::PropAdd;
        let key: PropertyKey = key.parse()?;
        let target = if crate::config::refers_to_ticket(key.as_str()) {
            self.ticket(value).ok().map(|o| o.id)
        } else {
            None
        };
        let op = match (add, target) {
            (true, Some(target)) => Operation::RelAdd { key, target },
            (false, Some(target)) => Operation::RelRemove { key, target },
            (true, None) => Operation::PropAdd {
                key,
                value: value.parse()?,
            },
            (false, None) => Operation::PropRemove {
                key,
                value: value.parse()?,
            },
        };
        self.emit(Record { ticket: t.id, op })?;
        Ok(())
    }

    /// Emits a relation `t key other` that the rules above have checked: it closes no cycle
    /// and gives no ticket a second parent (an old one was removed first), so its projection
    /// need not ask the database whether it meets either ([`crate::apply::Known`]).
    fn emit_relation(&mut self, t: &TicketRef, key: &str, other: &TicketRef) -> Result<()> {
        let op = Operation::RelAdd {
            key: key.parse()?,
            target: other.id,
        };
        self.emit_checked(Record { ticket: t.id, op })?;
        Ok(())
    }

    /// Removes one value; for a relation, its mirror on the other ticket too.
    fn remove_value(&mut self, t: &TicketRef, key: &PropertyKey, value: &str) -> Result<()> {
        let key_text = self
            .stored_key(t.id, key)?
            .unwrap_or_else(|| key.to_string());
        self.emit_prop(t, ChangeOp::PropRemove, &key_text, value)?;
        if let Some((_, mirror)) = RELATION_KEYS.iter().find(|(k, _)| eq_ci(k, key.as_str())) {
            if let Ok(other) = self.ticket(value) {
                let mirror_key: PropertyKey = mirror.parse()?;
                if self
                    .values(other.id, &mirror_key)?
                    .iter()
                    .any(|v| eq_ci(v, &t.number))
                {
                    self.emit_prop(&other, ChangeOp::PropRemove, mirror, &t.number)?;
                }
            }
        }
        Ok(())
    }

    /// Adds a property with every rule of domain spec 4 and 6.
    pub(crate) fn add_property(
        &mut self,
        t: &TicketRef,
        key: &PropertyKey,
        value: &str,
    ) -> Result<()> {
        let raw: PropertyValue = value.parse()?;
        let key_text = canonical_key(self, key);
        let config = self.config();
        let mut value = raw.to_string();
        if config.is_date_input_key(&key_text) {
            let expr = parse_date_expr(raw.as_str())
                .map_err(|e| Error::invalid("date", raw.as_str(), e.message))?;
            value = expr
                .resolve(self.today)
                .ok_or_else(|| {
                    Error::invalid("date", raw.as_str(), "out of range: years 1 to 9999")
                })?
                .to_string();
        } else if REPEATS.iter().any(|(k, _)| eq_ci(k, &key_text)) {
            value = parse_repeater(raw.as_str())
                .map_err(|e| Error::invalid("repeater", raw.as_str(), e.message))?
                .to_string();
        } else if eq_ci(&key_text, "Deadline_Warning") {
            let days: u32 = raw.as_str().parse().map_err(|_| {
                Error::invalid(
                    "Deadline_Warning",
                    raw.as_str(),
                    "a whole number of days (0 or more)",
                )
            })?;
            value = days.to_string();
        } else if let Some(v) = config.canonical_value(&key_text, raw.as_str()) {
            value = v.to_string();
        } else {
            value = config.display_value(&key_text, &value).to_string();
        }
        let relation = RELATION_KEYS
            .iter()
            .find(|(k, _)| eq_ci(k, &key_text))
            .copied();
        // a team silo asks for the target's mirror values with its lookup (one wait for the
        // two); a `Child_Of` mirror is read after the removal of the old parent below, and a
        // ticket held in `fresh` needs no asking. Nor do they matter when `t` was created in
        // this transaction: every relation naming it was made here by these rules, each with
        // its mirror, so `other` can name `t` only if `t` already names `other` (looked at
        // below: then nothing is written). A new ticket naming a popular parent read the
        // parent's every child, a wait each.
        let new_t = self.fresh.holds(t.id);
        let mirror_ahead = match (relation, value.parse::<TicketNumber>()) {
            (Some((_, mirror)), Ok(n))
                if self.conn.is_postgres()
                    && !new_t
                    && !eq_ci(mirror, "Child_Of")
                    && self.fresh.by_number(n.as_str()).is_none() =>
            {
                let mirror_lc = mirror.parse::<PropertyKey>()?.lc();
                Some(state::ask_values_by_number(
                    self.conn,
                    n.as_str(),
                    &mirror_lc,
                )?)
            }
            _ => None,
        };
        let target = match relation {
            Some((k, _)) => {
                let other = self.ticket(&value).map_err(|_| Error::Relation {
                    message: format!("{k} {value}: no ticket {value} in this silo"),
                })?;
                if other.id == t.id {
                    return Err(Error::Relation {
                        message: format!("ticket {} cannot be {k} itself", t.number),
                    });
                }
                value = other.number.clone();
                Some(other)
            }
            None => None,
        };
        let existing = self.values(t.id, key)?;
        if existing.iter().any(|v| eq_ci(v, &value))
            && (relation.is_some() || config.is_unique_key(&key_text))
        {
            return Ok(());
        }
        if config.is_unique_key(&key_text) {
            for old in existing {
                self.remove_value(t, key, &old)?;
            }
        }
        if let (Some((k, mirror)), Some(other)) = (relation, &target) {
            self.check_cycle(t, k, other)?;
            if eq_ci(mirror, "Child_Of") {
                // B becomes A's child: B's old parent link goes, as Child_Of is unique
                let child_of: PropertyKey = "Child_Of".parse()?;
                for old_parent in self.values(other.id, &child_of)? {
                    self.remove_value(other, &child_of, &old_parent)?;
                }
            }
            self.emit_relation(t, k, other)?;
            let mirror_key: PropertyKey = mirror.parse()?;
            // (the record above changed `t`'s values only: the answer asked ahead holds)
            let mirror_values = match mirror_ahead {
                Some(asked) => self.conn.answer(asked)?.unwrap_or_default(),
                None if new_t => Vec::new(),
                None => self.values(other.id, &mirror_key)?,
            };
            if !mirror_values.iter().any(|v| eq_ci(v, &t.number)) {
                self.emit_relation(other, mirror, t)?;
            }
            return Ok(());
        }
        let stored_key = self.stored_key(t.id, key)?.unwrap_or(key_text);
        self.emit_prop(t, ChangeOp::PropAdd, &stored_key, &value)
    }

    /// Refuses a relation `t key other` that would close a cycle in its order.
    fn check_cycle(&self, t: &TicketRef, key: &str, other: &TicketRef) -> Result<()> {
        // normalise to the forward key: A Parent_Of B is B Child_Of A
        let (forward, mirror, from, to) =
            match ACYCLIC.iter().find(|(f, m)| eq_ci(f, key) || eq_ci(m, key)) {
                Some((f, m)) if eq_ci(f, key) => (*f, *m, t, other),
                Some((f, m)) => (*f, *m, other, t),
                None => return Ok(()),
            };
        // a path into `from` ends with a ticket naming it under the forward key, which
        // `from` then holds under the mirror key: a ticket created in this transaction (the
        // writer holds its every value) without the mirror key has nothing leading to it, so
        // no cycle can close (a generated ticket's relations are mostly of this kind: the walk
        // below was 3% of a bulk creation's instructions)
        if self.fresh.stored_key(from.id, &mirror.to_lowercase()) == Some(None) {
            return Ok(());
        }
        // on a team silo one query says whether there is a cycle (a round trip, where the
        // walk below takes one a step); only then is it walked for its path. A directory
        // silo walks at once: its steps cost less than the recursive query (2% of a bulk
        // creation's instructions)
        let forward_lc = forward.to_lowercase();
        if self.conn.is_postgres()
            && !state::ordered_meeting(self.conn, &forward_lc, from.id, to.id, false)?.cycle
        {
            return Ok(());
        }
        let (from, to) = (from.number.clone(), to.number.clone());
        // a path to → … → from along `forward` closes the cycle from → to → … → from
        let mut queue = vec![vec![to.clone()]];
        let mut seen = std::collections::HashSet::new();
        while let Some(path) = queue.pop() {
            let last = path.last().cloned().unwrap_or_default();
            if last == from {
                let mut cycle = vec![from.clone()];
                cycle.extend(path);
                return Err(Error::Cycle {
                    key: forward.to_string(),
                    cycle,
                });
            }
            if !seen.insert(last.clone()) {
                continue;
            }
            let next = state::values_by_number(self.conn, &last, &forward_lc)?;
            for n in next {
                let mut p = path.clone();
                p.push(n);
                queue.push(p);
            }
        }
        Ok(())
    }

    fn set_status(&mut self, t: &TicketRef, status: &str, other: Option<&str>) -> Result<()> {
        let new: Status = status.parse()?;
        let current = self.ticket_by_id(t.id)?;
        let closed_via: PropertyKey = "Closed_Via".parse()?;
        // leaving Merged/Duplicate: undo the links (4.1)
        if matches!(current.status, Status::Merged | Status::Duplicate) && new != current.status
            || matches!(new, Status::Merged | Status::Duplicate)
        {
            for target in self.values(t.id, &closed_via)? {
                self.emit_prop(t, ChangeOp::PropRemove, "Closed_Via", &target)?;
                if let Ok(b) = self.ticket(&target) {
                    let back = if current.status == Status::Merged {
                        "Merged"
                    } else {
                        "Duplicate"
                    };
                    let back_key: PropertyKey = back.parse()?;
                    if self
                        .values(b.id, &back_key)?
                        .iter()
                        .any(|v| eq_ci(v, &t.number))
                    {
                        self.emit_prop(&b, ChangeOp::PropRemove, back, &t.number)?;
                    }
                }
            }
        }
        match new {
            Status::Merged | Status::Duplicate => {
                let other = other.ok_or_else(|| {
                    Error::invalid(
                        "status",
                        new.name(),
                        format!(
                            "{} needs the other ticket: set_status N {} OTHER",
                            new.name(),
                            new.name()
                        ),
                    )
                })?;
                let b = self.ticket(other)?;
                if b.id == t.id {
                    return Err(Error::Relation {
                        message: format!(
                            "ticket {} cannot be {} into itself",
                            t.number,
                            new.name()
                        ),
                    });
                }
                if matches!(b.status, Status::Merged | Status::Duplicate) {
                    let target = self
                        .values(b.id, &closed_via)?
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    return Err(Error::Relation {
                        message: format!(
                            "ticket {} is itself {} (into {target}); use {target} instead",
                            b.number,
                            b.status.name()
                        ),
                    });
                }
                // always a status record, even when the ticket is merged already: a merge's
                // set holds its status and both links, so when another copy changed the status
                // meanwhile, the merge replayed later wins whole (a `Closed_Via` alone on a
                // ticket of another status is dropped by the projection)
                self.emit(Record {
                    ticket: t.id,
                    op: Operation::Status(new),
                })?;
                self.emit_prop(t, ChangeOp::PropAdd, "Closed_Via", &b.number)?;
                self.emit_prop(&b, ChangeOp::PropAdd, new.name(), &t.number)?;
            }
            Status::Closed => {
                self.emit_status(t, current.status, new)?;
                self.repeat(t)?;
            }
            _ => {
                if other.is_some() {
                    return Err(Error::invalid(
                        "status",
                        new.name(),
                        "only Merged and Duplicate take another ticket",
                    ));
                }
                self.emit_status(t, current.status, new)?;
            }
        }
        Ok(())
    }

    fn emit_status(&mut self, t: &TicketRef, old: Status, new: Status) -> Result<()> {
        if old != new {
            self.emit(Record {
                ticket: t.id,
                op: Operation::Status(new),
            })?;
        }
        Ok(())
    }

    /// Closing a repeating ticket moves its dates, reopens it and records it (4.4).
    fn repeat(&mut self, t: &TicketRef) -> Result<()> {
        let mut moves = Vec::new();
        let mut repeating = false;
        for (rkey, dkey) in REPEATS {
            let rk: PropertyKey = rkey.parse()?;
            let Some(rule) = self.values(t.id, &rk)?.into_iter().next() else {
                continue;
            };
            repeating = true;
            let repeater =
                parse_repeater(&rule).map_err(|e| Error::invalid("repeater", &rule, e.message))?;
            let dk: PropertyKey = dkey.parse()?;
            let Some(old) = self.values(t.id, &dk)?.into_iter().next() else {
                continue;
            };
            let Some((date, _)) = ticket_query::parse_absolute(&old) else {
                continue;
            };
            let next: ResolvedDate = repeater
                .apply(date, self.today)
                .ok_or_else(|| Error::invalid("date", &old, "repeats out of range"))?;
            let new = next.to_string();
            self.emit_prop(t, ChangeOp::PropRemove, dkey, &old)?;
            self.emit_prop(t, ChangeOp::PropAdd, dkey, &new)?;
            moves.push(format!("{dkey} {old} → {new}"));
        }
        if repeating {
            self.emit_status(t, Status::Closed, Status::Open)?;
            let text = if moves.is_empty() {
                "Closed and reopened".to_string()
            } else {
                format!("Closed and reopened: {}", moves.join(", "))
            };
            self.add_entry(t, &text, 0)?;
        }
        Ok(())
    }

    pub(crate) fn add_entry(&mut self, t: &TicketRef, text: &str, minutes: u32) -> Result<u32> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid("entry", text, "an entry must not be empty"));
        }
        crate::log::check_text("entry", text)?;
        let n = match self.fresh.next_entry(t.id) {
            Some(n) => n,
            None => match self.guard.get_mut().next_entry(self.conn, t.id)? {
                Some(n) => n,
                None => state::next_item(self.conn, t.id, false)?,
            },
        };
        self.emit(Record {
            ticket: t.id,
            op: Operation::EntryAdd {
                text: text.to_string(),
                minutes,
            },
        })?;
        Ok(n)
    }

    /// Attaches bytes held in memory (an upload, an edit's attachment).
    pub(crate) fn add_attachment(
        &mut self,
        t: &TicketRef,
        name: &str,
        bytes: &[u8],
        comment: &str,
    ) -> Result<u32> {
        let limit = self.config().max_attachment_bytes;
        if bytes.len() as u64 > limit.0 {
            return Err(crate::content::too_big(Path::new(name.trim()), limit));
        }
        let staged = crate::content::stage_bytes(&self.silo.attachments_dir(), bytes)?;
        self.add_staged(t, name, staged, comment)
    }

    /// Attaches staged content: moves it into place (a content file this transaction
    /// created is removed again if the transaction does not commit) and records it.
    pub(crate) fn add_staged(
        &mut self,
        t: &TicketRef,
        name: &str,
        staged: Staged,
        comment: &str,
    ) -> Result<u32> {
        let name = name.trim();
        crate::log::check_file_name(name)?;
        let (sha, size) = (staged.sha256.clone(), staged.size);
        if self.silo.is_team() {
            crate::storage::postgres::put_content(self.conn, &sha, &staged.bytes()?)?;
        } else if let Some(created) = staged.place(&self.silo.attachment_path(&sha))? {
            self.placed.push(created);
        }
        let n = state::next_item(self.conn, t.id, true)?;
        self.emit(Record {
            ticket: t.id,
            op: Operation::AttachAdd {
                name: name.to_string(),
                comment: comment.trim().to_string(),
                size,
                sha256: sha,
            },
        })?;
        Ok(n)
    }
}

/// The pseudo-properties (`Opened`, `Last_update`, `Earliest`) are computed from a ticket's
/// history and dates: a stored property of that name would be shadowed by them in searches
/// and sorts, so none can be added or changed (one stored before this rule can be removed).
fn refuse_pseudo(key: &PropertyKey) -> Result<()> {
    match PSEUDO_DATE_KEYS.iter().find(|k| eq_ci(k, key.as_str())) {
        Some(k) => Err(Error::invalid(
            "property key",
            key.as_str(),
            format!("{k} is a pseudo-property computed from the ticket's history and dates; it cannot be set"),
        )),
        None => Ok(()),
    }
}

fn refuse_reserved(key: &PropertyKey) -> Result<()> {
    match RESERVED_KEYS.iter().find(|k| eq_ci(k, key.as_str())) {
        Some(k) => Err(Error::Reserved {
            key: (*k).to_string(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod eq_ci_tests {
    use super::eq_ci;

    #[test]
    fn ascii_and_unicode_compare_without_case() {
        assert!(eq_ci("Child_Of", "child_of"));
        assert!(!eq_ci("Child_Of", "child_o"));
        assert!(eq_ci("Ärger", "äRGER"));
        assert!(!eq_ci("Ärger", "arger"));
        // one side ASCII, the other not: the Unicode path
        assert!(!eq_ci("K", "\u{212A}x"));
        assert!(eq_ci("k", "\u{212A}"));
    }
}
