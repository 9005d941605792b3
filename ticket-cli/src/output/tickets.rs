//! Tickets in text: the listing table, `show_ticket`, history, counts.

use std::io::Write;

use chrono::{DateTime, Utc};
use ticket_core::{Change, DeadlineState, SiloConfig, Status, Ticket, TicketRow};

use super::color::Style;
use super::style::Styler;
use super::table::{Cell, Table};
use super::{minutes, size, Output};
use crate::cli::Format;
use crate::error::{CliError, CliResult};

/// The fields a listing shows, borrowed from a [`TicketRow`] or a [`Ticket`].
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    /// Number.
    pub number: &'a str,
    /// Uuid.
    pub uuid: &'a str,
    /// Title.
    pub title: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Status.
    pub status: Status,
    /// Tags as stored.
    pub tags: &'a [String],
    /// Properties as stored.
    pub properties: &'a [(String, String)],
    /// First change.
    pub opened: DateTime<Utc>,
    /// Latest change.
    pub last_update: DateTime<Utc>,
    /// Due soon / overdue.
    pub deadline_state: Option<DeadlineState>,
    /// Minutes of the visible entries.
    pub total_minutes: i64,
}

impl<'a> From<&'a TicketRow> for RowView<'a> {
    fn from(r: &'a TicketRow) -> RowView<'a> {
        RowView {
            number: r.number.as_str(),
            uuid: &r.uuid,
            title: &r.title,
            summary: &r.summary,
            status: r.status,
            tags: &r.tags,
            properties: &r.properties,
            opened: r.opened,
            last_update: r.last_update,
            deadline_state: r.deadline_state,
            total_minutes: r.total_minutes,
        }
    }
}

impl<'a> From<&'a Ticket> for RowView<'a> {
    fn from(t: &'a Ticket) -> RowView<'a> {
        RowView {
            number: t.number.as_str(),
            uuid: &t.uuid,
            title: &t.title,
            summary: &t.summary,
            status: t.status,
            tags: &t.tags,
            properties: &t.properties,
            opened: t.opened,
            last_update: t.last_update,
            deadline_state: t.deadline_state,
            total_minutes: t.total_minutes(),
        }
    }
}

/// The listing marker: `!` due soon, `!!` overdue.
pub fn marker(state: Option<DeadlineState>) -> Cell {
    match state {
        Some(DeadlineState::DueSoon) => Cell::styled("!", Style::Warn),
        Some(DeadlineState::Overdue) => Cell::styled("!!", Style::Alarm),
        _ => Cell::plain(""),
    }
}

fn status_cell(status: Status) -> Cell {
    let style = if status.is_active() {
        Style::Active
    } else {
        Style::Inactive
    };
    Cell::styled(status.name(), style)
}

/// Tags and prioritised properties in one line: `homelab backup · Priority=high`.
fn labels(styler: Styler<'_>, r: &RowView<'_>) -> String {
    let mut parts = styler.tags(r.tags);
    let props: Vec<String> = styler
        .properties(r.properties, true)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !props.is_empty() {
        if !parts.is_empty() {
            parts.push("·".to_string());
        }
        parts.extend(props);
    }
    parts.join(" ")
}

/// Rows written one at a time as a search produces them (JSON, CSV and quiet text; the aligned
/// text table needs every row first: [`write_rows`]). The JSON is one pretty-printed array,
/// written element by element. Nothing is written before the first row or [`RowStream::finish`],
/// so a search that fails at once leaves standard output empty.
pub struct RowStream<'o> {
    out: &'o mut dyn Write,
    kind: StreamKind,
    rows: u64,
}

enum StreamKind {
    Json,
    Csv(super::csv::TicketCsv),
    Numbers,
}

impl<'o> RowStream<'o> {
    /// Prepares the output; the CSV header waits for the first row or the end.
    pub fn start(out: &'o mut dyn Write, o: &Output) -> CliResult<RowStream<'o>> {
        let kind = match o.format {
            Format::Json => StreamKind::Json,
            Format::Csv => StreamKind::Csv(super::csv::TicketCsv::new()),
            Format::Text => StreamKind::Numbers,
        };
        Ok(RowStream { out, kind, rows: 0 })
    }

    /// Writes one row.
    pub fn row(&mut self, r: &TicketRow) -> CliResult {
        let first = self.rows == 0;
        self.rows += 1;
        match &mut self.kind {
            StreamKind::Json => {
                self.out.write_all(if first { b"[\n" } else { b",\n" })?;
                let text = serde_json::to_string_pretty(&ticket_core::TicketDoc::from(r))
                    .map_err(|e| CliError::Failed(e.to_string()))?;
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        self.out.write_all(b"\n")?;
                    }
                    self.out.write_all(b"  ")?;
                    self.out.write_all(line.as_bytes())?;
                }
            }
            StreamKind::Csv(w) => {
                if first {
                    w.header(&mut *self.out)?;
                }
                w.row(&mut *self.out, &RowView::from(r))?
            }
            StreamKind::Numbers => writeln!(self.out, "{}", r.number)?,
        }
        Ok(())
    }

    /// Ends the output (the JSON array's close; the CSV header alone when nothing matched).
    pub fn finish(mut self) -> CliResult {
        match &mut self.kind {
            StreamKind::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?
            }
            StreamKind::Csv(w) if self.rows == 0 => w.header(&mut *self.out)?,
            _ => {}
        }
        self.out.flush()?;
        Ok(())
    }
}

/// `1 ticket`, `5 tickets`.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Writes ticket rows already read: the aligned table for text, otherwise the same output as
/// [`RowStream`] (one writer for both). The table has a header line and ends with the count;
/// when nothing matched it says so instead, naming `searched` (the key, or `@name`).
pub fn write_rows(
    out: &mut dyn Write,
    o: &Output,
    config: &SiloConfig,
    rows: &[TicketRow],
    searched: &str,
) -> CliResult {
    write_some_rows(out, o, config, rows, searched, rows.len())
}

/// [`write_rows`] for the first `rows` of `total` matches (`4 of 37 tickets`).
pub fn write_some_rows(
    out: &mut dyn Write,
    o: &Output,
    config: &SiloConfig,
    rows: &[TicketRow],
    searched: &str,
    total: usize,
) -> CliResult {
    if !matches!(o.format, Format::Text) || o.quiet {
        let mut stream = RowStream::start(out, o)?;
        for r in rows {
            stream.row(r)?;
        }
        return stream.finish();
    }
    if rows.is_empty() {
        if searched.trim().is_empty() {
            writeln!(out, "no tickets in this silo")?;
        } else {
            writeln!(out, "no tickets match {}", searched.trim())?;
        }
        return Ok(());
    }
    let styler = Styler::new(config);
    let mut table = Table::new().right(0).flex(3);
    table.push(
        ["#", "status", "", "title", "tags · properties"]
            .into_iter()
            .map(|h| Cell::styled(h, Style::Bold))
            .collect(),
    );
    for r in rows {
        let view = RowView::from(r);
        table.push(vec![
            Cell::styled(view.number, Style::Bold),
            status_cell(view.status),
            marker(view.deadline_state),
            Cell::plain(view.title),
            Cell::styled(labels(styler, &view), Style::Tag),
        ]);
    }
    table.write(out, o.paint, o.width)?;
    if total > rows.len() {
        writeln!(out, "{} of {total} tickets", rows.len())?;
    } else {
        writeln!(out, "{}", count_of(rows.len(), "ticket", "tickets"))?;
    }
    Ok(())
}

/// Writes `(name, count)` pairs: a two-column table, JSON or CSV. Quiet text: names only.
pub fn write_counts(
    out: &mut dyn Write,
    o: &Output,
    label: &str,
    items: &[(String, u64)],
) -> CliResult {
    match o.format {
        Format::Json => super::json::write(out, &super::json::counts(label, items))?,
        Format::Csv => super::csv::counts(out, label, items)?,
        Format::Text if o.quiet => {
            for (name, _) in items {
                writeln!(out, "{name}")?;
            }
        }
        Format::Text => {
            let mut table = Table::new().right(1);
            for (name, n) in items {
                table.push(vec![Cell::plain(name.as_str()), Cell::plain(n.to_string())]);
            }
            table.write(out, o.paint, o.width)?;
        }
    }
    Ok(())
}

/// The cost of `total` minutes at the configured rate, e.g. `EUR 1,112.50`, if a rate is set.
pub(crate) fn cost(config: &SiloConfig, total: i64) -> Option<String> {
    let time = config.time.as_ref()?;
    if time.rate_per_hour <= 0.0 {
        return None;
    }
    Some(ticket_core::Money::cost(total, time.rate_per_hour).display(&time.currency))
}

/// `show_ticket` in text.
pub fn write_ticket(out: &mut dyn Write, o: &Output, config: &SiloConfig, t: &Ticket) -> CliResult {
    let p = o.paint;
    let styler = Styler::new(config);
    let mark = marker(t.deadline_state);
    let mark = if mark.text.is_empty() {
        String::new()
    } else {
        format!("  {}", p.paint(&mark.text, mark.style))
    };
    writeln!(
        out,
        "{}  {}",
        p.paint(&format!("#{}", t.number), Style::Bold),
        p.paint(&t.title, Style::Bold)
    )?;
    let status = status_cell(t.status);
    writeln!(
        out,
        "status       {}{mark}",
        p.paint(&status.text, status.style)
    )?;
    writeln!(out, "opened       {}", o.time(t.opened))?;
    writeln!(out, "last update  {}", o.time(t.last_update))?;
    writeln!(out, "uuid         {}", p.paint(&t.uuid, Style::Dim))?;
    if !t.tags.is_empty() {
        let tags: Vec<String> = styler
            .tags(&t.tags)
            .iter()
            .map(|g| p.paint(g, Style::Tag))
            .collect();
        writeln!(out, "tags         {}", tags.join(", "))?;
    }
    let props = styler.properties(&t.properties, false);
    if !props.is_empty() {
        writeln!(out, "properties")?;
        let mut table = Table::new();
        for (k, v) in props {
            table.push(vec![
                Cell::plain("  "),
                Cell::styled(k, Style::Key),
                Cell::plain(v),
            ]);
        }
        table.write(out, p, o.width)?;
    }
    if !t.summary.is_empty() {
        writeln!(out, "summary")?;
        for line in t.summary.lines() {
            writeln!(out, "  {line}")?;
        }
    }
    if !t.entries.is_empty() {
        writeln!(out, "entries")?;
        for e in &t.entries {
            let spent = if e.minutes > 0 {
                format!("  {}", minutes(i64::from(e.minutes)))
            } else {
                String::new()
            };
            let head = format!("{}  {}{spent}", o.time(e.at), e.author);
            writeln!(out, "  {}. {}", e.n, p.paint(&head, Style::Dim))?;
            for line in e.text.lines() {
                writeln!(out, "     {line}")?;
            }
        }
    }
    if !t.attachments.is_empty() {
        writeln!(out, "attachments")?;
        for a in &t.attachments {
            let comment = if a.comment.is_empty() {
                String::new()
            } else {
                format!("  {}", a.comment)
            };
            let head = format!("{}  {}", o.time(a.at), a.author);
            writeln!(
                out,
                "  {}. {}  {}{comment}  {}",
                a.n,
                a.name,
                size(a.size),
                p.paint(&head, Style::Dim)
            )?;
        }
    }
    let total = t.total_minutes();
    if total > 0 {
        match cost(config, total) {
            Some(c) => writeln!(out, "total time   {}  (cost {c})", minutes(total))?,
            None => writeln!(out, "total time   {}", minutes(total))?,
        }
    }
    Ok(())
}

/// `show_ticket --history` in text: when, who, what.
pub fn write_history(out: &mut dyn Write, o: &Output, changes: &[Change]) -> CliResult {
    let mut table = Table::new();
    for c in changes {
        table.push(vec![
            Cell::styled(o.time(c.at), Style::Dim),
            Cell::plain(c.author.as_str()),
            Cell::plain(c.describe()),
        ]);
    }
    table.write(out, o.paint, o.width)?;
    Ok(())
}
