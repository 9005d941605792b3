//! Tickets in text: the listing table, `show_ticket`, history, counts.

use std::io::Write;

use chrono::{DateTime, Utc};
use ticket_core::{Change, DeadlineState, SiloConfig, Status, Ticket, TicketRow};

use super::color::Style;
use super::style::Styler;
use super::table::{Cell, Table};
use super::{minutes, size, Output};
use crate::cli::Format;
use crate::error::CliResult;

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
    let mut line = String::new();
    styler.tags_into(r.tags, &mut line);
    let mut any = !r.tags.is_empty();
    let props = styler.properties(r.properties, true);
    if any && !props.is_empty() {
        line.push_str(" ·");
    }
    for (k, v) in &props {
        if any {
            line.push(' ');
        }
        any = true;
        line.push_str(k);
        line.push('=');
        line.push_str(v);
    }
    line
}

/// Rows written one at a time as a search produces them (JSON, CSV and quiet text; the aligned
/// text table: [`TicketTable`]). The JSON is one pretty-printed array, written element by
/// element. Nothing is written before the first row or [`RowStream::finish`], so a search that
/// fails at once leaves standard output empty.
pub struct RowStream<'o> {
    kind: StreamKind<'o>,
    rows: u64,
}

enum StreamKind<'o> {
    /// The output and a buffer reused for each element.
    Json(&'o mut dyn Write, Vec<u8>),
    /// The output, a buffer reused for each record and one for its JSON fields.
    Csv(&'o mut dyn Write, Vec<u8>, Vec<u8>),
    Numbers(&'o mut dyn Write),
}

impl<'o> RowStream<'o> {
    /// Prepares the output; the CSV header waits for the first row or the end.
    pub fn start(out: &'o mut dyn Write, o: &Output) -> CliResult<RowStream<'o>> {
        let kind = match o.format {
            Format::Json => StreamKind::Json(out, Vec::new()),
            Format::Csv => StreamKind::Csv(out, Vec::new(), Vec::new()),
            Format::Text => StreamKind::Numbers(out),
        };
        Ok(RowStream { kind, rows: 0 })
    }

    /// Writes one row: JSON and CSV through the core's direct writers
    /// ([`ticket_core::serial::direct`], the serde path's bytes without its cost).
    pub fn row(&mut self, r: &TicketRow) -> CliResult {
        let first = self.rows == 0;
        self.rows += 1;
        match &mut self.kind {
            StreamKind::Json(out, buf) => {
                buf.clear();
                buf.extend_from_slice(if first { b"[\n" } else { b",\n" });
                ticket_core::serial::direct::json_element(buf, r);
                out.write_all(buf)?;
            }
            StreamKind::Csv(out, buf, scratch) => {
                buf.clear();
                if first {
                    csv_header(buf);
                }
                ticket_core::serial::direct::csv_record(buf, scratch, r);
                out.write_all(buf)?;
            }
            StreamKind::Numbers(out) => writeln!(out, "{}", r.number)?,
        }
        Ok(())
    }

    /// Ends the output (the JSON array's close; the CSV header alone when nothing matched).
    pub fn finish(mut self) -> CliResult {
        match &mut self.kind {
            StreamKind::Json(out, _) => {
                out.write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            StreamKind::Csv(out, buf, _) => {
                if self.rows == 0 {
                    buf.clear();
                    csv_header(buf);
                    out.write_all(buf)?;
                }
                out.flush()?;
            }
            StreamKind::Numbers(out) => out.flush()?,
        }
        Ok(())
    }
}

/// The CSV header line of ticket listings (none of its names needs quoting).
fn csv_header(buf: &mut Vec<u8>) {
    buf.extend_from_slice(ticket_core::serial::CSV_HEADER.join(",").as_bytes());
    buf.push(b'\n');
}

/// `1 ticket`, `5 tickets`.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Writes the first `rows` of `total` matches (`4 of 37 tickets`): the aligned table for
/// text ([`TicketTable`]), otherwise the same output as [`RowStream`].
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
    let mut table = TicketTable::new(config);
    for r in rows {
        table.push(&RowView::from(r));
    }
    table.write(out, o, searched, total as u64)
}

/// The aligned ticket table (text), filled as a search produces rows and written at the
/// end: a header line, the rows, the count. Memory stays bounded however many rows come
/// ([`Table`] keeps a window and puts the rest in a temporary file), and the output is the
/// same as if every row had been held.
pub struct TicketTable<'c> {
    styler: Styler<'c>,
    table: Table,
}

impl<'c> TicketTable<'c> {
    /// An empty listing with the table's header.
    pub fn new(config: &'c SiloConfig) -> TicketTable<'c> {
        TicketTable::with_window(config, super::table::WINDOW)
    }

    /// [`TicketTable::new`] keeping at most `window` rows in memory.
    pub fn with_window(config: &'c SiloConfig, window: usize) -> TicketTable<'c> {
        let mut table = Table::new().right(0).flex(3).window(window);
        table.push(
            ["#", "status", "", "title", "tags · properties"]
                .into_iter()
                .map(|h| Cell::styled(h, Style::Bold))
                .collect(),
        );
        TicketTable {
            styler: Styler::new(config),
            table,
        }
    }

    /// Adds a ticket.
    pub fn push(&mut self, view: &RowView<'_>) {
        self.table.push(vec![
            Cell::styled(view.number, Style::Bold),
            status_cell(view.status),
            marker(view.deadline_state),
            Cell::plain(view.title),
            Cell::styled(labels(self.styler, view), Style::Tag),
        ]);
    }

    /// The most rows (header included) held in memory at once.
    #[cfg(test)]
    pub fn peak_rows_held(&self) -> usize {
        self.table.peak_rows_held()
    }

    /// Writes the table and the count (`4 of 37 tickets` when `total` is more than were
    /// pushed); when nothing was pushed, says so instead, naming `searched` (the key, or
    /// `@name`).
    pub fn write(
        mut self,
        out: &mut dyn Write,
        o: &Output,
        searched: &str,
        total: u64,
    ) -> CliResult {
        let rows = self.table.row_count() - 1;
        if rows == 0 {
            if searched.trim().is_empty() {
                writeln!(out, "no tickets in this silo")?;
            } else {
                writeln!(out, "no tickets match {}", searched.trim())?;
            }
            return Ok(());
        }
        self.table.write(out, o.paint, o.width)?;
        if total > rows {
            writeln!(out, "{rows} of {total} tickets")?;
        } else {
            writeln!(out, "{}", count_of(rows as usize, "ticket", "tickets"))?;
        }
        Ok(())
    }
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

/// `show_ticket --history` in text: when, who, what; under a record the projection repaired
/// at (sync.md 2), a line saying what it repaired.
pub fn write_history(out: &mut dyn Write, o: &Output, changes: &[Change]) -> CliResult {
    let mut table = Table::new();
    for c in changes {
        table.push(vec![
            Cell::styled(o.time(c.at), Style::Dim),
            Cell::plain(c.author.as_str()),
            Cell::plain(c.describe()),
        ]);
        if let Some(repair) = &c.repair {
            table.push(vec![
                Cell::plain(""),
                Cell::plain(""),
                Cell::plain(format!("repaired: {repair}")),
            ]);
        }
    }
    table.write(out, o.paint, o.width)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ColorMode;
    use chrono::TimeZone;

    fn listing(window: usize, n: usize) -> (String, usize) {
        let config = SiloConfig::default();
        let tags = ["backup".to_string(), "nas".to_string()];
        let properties = [("Priority".to_string(), "high".to_string())];
        let at = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
        let mut table = TicketTable::with_window(&config, window);
        for i in 1..=n {
            let number = i.to_string();
            let title = format!("ticket {}", "x".repeat(i % 13));
            table.push(&RowView {
                number: &number,
                uuid: "",
                title: &title,
                summary: "",
                status: if i % 4 == 0 {
                    Status::Closed
                } else {
                    Status::Open
                },
                tags: &tags[..i % 3],
                properties: &properties[..i % 2],
                opened: at,
                last_update: at,
                deadline_state: (i % 5 == 0).then_some(DeadlineState::Overdue),
                total_minutes: 0,
            });
        }
        let held = table.peak_rows_held();
        let o = Output {
            format: Format::Text,
            paint: super::super::color::Paint::new(ColorMode::Never),
            quiet: false,
            width: None,
            offset: chrono::FixedOffset::east_opt(0).unwrap(),
        };
        let mut out = Vec::new();
        table.write(&mut out, &o, "s:*", 0).unwrap();
        (String::from_utf8(out).unwrap(), held)
    }

    #[test]
    fn the_ticket_table_holds_a_bounded_window_of_rows() {
        let (all, held_all) = listing(usize::MAX, 2000);
        let (bounded, held) = listing(16, 2000);
        assert_eq!(held_all, 2001, "the header and every row");
        assert_eq!(held, 16, "no more than the window, however many tickets");
        assert_eq!(all, bounded);
        assert!(bounded.ends_with("2000 tickets\n"));
        assert_eq!(bounded.lines().count(), 2002);
    }
}
