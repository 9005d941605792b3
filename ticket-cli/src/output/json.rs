//! JSON output: the export's fields for listings, the whole ticket for `show_ticket`.

use std::io::{self, Write};

use serde_json::{json, Value};
use ticket_core::serial::{timestamp, PropertyDoc};
use ticket_core::{Change, Ticket, TicketDoc};

use super::tickets::RowView;

/// The core's serialized shape of a listed ticket ([`ticket_core::serial`]).
pub fn doc<'a>(r: &RowView<'a>) -> TicketDoc<'a> {
    TicketDoc {
        number: r.number,
        uuid: r.uuid,
        status: r.status.name(),
        title: r.title,
        summary: r.summary,
        opened: r.opened,
        last_update: r.last_update,
        tags: r.tags,
        properties: r
            .properties
            .iter()
            .map(|(key, value)| PropertyDoc { key, value })
            .collect(),
        total_minutes: r.total_minutes,
        deadline_state: r.deadline_state,
        entries: None,
        attachments: None,
    }
}

/// One listed ticket as JSON: the core serializer's fields (number, uuid, status, title,
/// summary, opened, last_update, tags, properties, total_minutes, deadline_state).
pub fn row(r: &RowView<'_>) -> Value {
    doc(r).to_json()
}

/// A whole ticket: the row's fields plus entries and attachments.
pub fn ticket(t: &Ticket) -> Value {
    TicketDoc::from(t).to_json()
}

/// One history record.
pub fn change(c: &Change) -> Value {
    json!({
        "uuid": c.uuid, "set_id": c.set_id, "at": timestamp(c.at), "author": c.author, "op": c.op.as_str(),
        "what": c.describe(), "key": c.key, "old_value": c.old_value, "new_value": c.new_value,
        "item": c.item, "minutes": c.minutes, "repair": c.repair,
    })
}

/// `(name, count)` pairs as `[{"<label>": name, "count": n}]`.
pub fn counts(label: &str, items: &[(String, u64)]) -> Value {
    items
        .iter()
        .map(|(name, n)| json!({label: name, "count": n}))
        .collect()
}

/// Writes a value, pretty, with a final new line.
pub fn write(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}
