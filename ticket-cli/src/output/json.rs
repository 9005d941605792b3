//! JSON output: the export's fields for listings, the whole ticket for `show_ticket`.

use std::io::{self, Write};

use serde_json::{json, Value};
use ticket_core::{Change, DeadlineState, Ticket};

use super::tickets::RowView;

/// `due_soon`, `overdue` or null.
pub fn deadline_state(state: Option<DeadlineState>) -> Value {
    match state {
        Some(DeadlineState::DueSoon) => json!("due_soon"),
        Some(DeadlineState::Overdue) => json!("overdue"),
        _ => Value::Null,
    }
}

/// Properties as `[{"key": .., "value": ..}]`, the shape of `silo.json`'s key/value pairs.
fn properties(props: &[(String, String)]) -> Value {
    props
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect()
}

/// One listed ticket: number, uuid, status, title, summary, opened, last_update, tags,
/// properties, total_minutes, deadline_state.
pub fn row(r: &RowView<'_>) -> Value {
    json!({
        "number": r.number,
        "uuid": r.uuid,
        "status": r.status.name(),
        "title": r.title,
        "summary": r.summary,
        "opened": super::rfc3339(r.opened),
        "last_update": super::rfc3339(r.last_update),
        "tags": r.tags,
        "properties": properties(r.properties),
        "total_minutes": r.total_minutes,
        "deadline_state": deadline_state(r.deadline_state),
    })
}

/// A whole ticket: the row's fields plus entries and attachments.
pub fn ticket(t: &Ticket) -> Value {
    let mut value = row(&RowView::from(t));
    value["entries"] = t
        .entries
        .iter()
        .map(|e| json!({"n": e.n, "text": e.text, "author": e.author, "at": super::rfc3339(e.at), "minutes": e.minutes}))
        .collect();
    value["attachments"] = t
        .attachments
        .iter()
        .map(|a| {
            json!({"n": a.n, "name": a.name, "size": a.size, "sha256": a.sha256,
                   "comment": a.comment, "author": a.author, "at": super::rfc3339(a.at)})
        })
        .collect();
    value
}

/// One history record.
pub fn change(c: &Change) -> Value {
    json!({
        "uuid": c.uuid, "set_id": c.set_id, "at": super::rfc3339(c.at), "author": c.author, "op": c.op.as_str(),
        "what": c.describe(), "key": c.key, "old_value": c.old_value, "new_value": c.new_value,
        "item": c.item, "minutes": c.minutes,
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
