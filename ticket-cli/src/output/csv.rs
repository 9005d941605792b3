//! CSV output, with a header line.

use std::io::Write;

use crate::error::{CliError, CliResult};

use super::tickets::RowView;

/// Header of ticket listings: the export's fields.
pub const TICKET_HEADER: [&str; 11] = [
    "number",
    "uuid",
    "status",
    "title",
    "summary",
    "opened",
    "last_update",
    "tags",
    "properties",
    "total_minutes",
    "deadline_state",
];

fn failed(err: csv::Error) -> CliError {
    CliError::Failed(format!("cannot write CSV: {err}"))
}

/// Writes ticket rows. Tags are joined with `; `, properties as `Key=Value` joined with `; `.
pub fn tickets<'a>(out: &mut dyn Write, rows: impl IntoIterator<Item = RowView<'a>>) -> CliResult {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(TICKET_HEADER).map_err(failed)?;
    for r in rows {
        let props: Vec<String> = r
            .properties
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let state = match super::json::deadline_state(r.deadline_state) {
            serde_json::Value::String(s) => s,
            _ => String::new(),
        };
        w.write_record([
            r.number,
            r.uuid,
            r.status.name(),
            r.title,
            r.summary,
            &super::rfc3339(r.opened),
            &super::rfc3339(r.last_update),
            &r.tags.join("; "),
            &props.join("; "),
            &r.total_minutes.to_string(),
            &state,
        ])
        .map_err(failed)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `(name, count)` pairs under the header `<label>,count`.
pub fn counts(out: &mut dyn Write, label: &str, items: &[(String, u64)]) -> CliResult {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([label, "count"]).map_err(failed)?;
    for (name, n) in items {
        w.write_record([name.as_str(), &n.to_string()])
            .map_err(failed)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes a history: `at,author,what,set_id`.
pub fn history(out: &mut dyn Write, changes: &[ticket_core::Change]) -> CliResult {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["at", "author", "what", "set_id"])
        .map_err(failed)?;
    for c in changes {
        w.write_record([
            super::rfc3339(c.at).as_str(),
            &c.author,
            &c.describe(),
            &c.set_id,
        ])
        .map_err(failed)?;
    }
    w.flush()?;
    Ok(())
}
