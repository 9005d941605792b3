//! Listing commands: `lt`, `ltn`, `ct`, `lg`, `lk`, `lkv`, `searches`, `run`.

use std::io::Write;

use serde_json::json;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::output::style::Styler;
use crate::output::table::{Cell, Table};
use crate::output::{json, tickets};
use crate::session::Session;

/// A core error from a call that took a search key and sort rule (for the caret display).
fn searching<'a>(key: &'a str, sort: &'a str) -> impl Fn(ticket_core::Error) -> CliError + 'a {
    move |e| CliError::from_core(e, Some((key, sort)))
}

/// `select_tickets [SEARCH [SORT]]`.
pub fn select(
    s: &Session,
    out: &mut dyn Write,
    search: Option<&str>,
    sort: Option<&str>,
) -> CliResult {
    let (key, sort) = (search.unwrap_or(""), sort.unwrap_or(""));
    let silo = s.open()?;
    list(s, out, &silo, key, sort, key)
}

/// Lists the tickets of `key` in `sort` order as the search produces them: JSON, CSV and
/// quiet text are written row by row, the aligned text table keeps a bounded window
/// ([`tickets::TicketTable`]); memory stays flat however many tickets match. `searched`
/// names the search when nothing matches.
fn list(
    s: &Session,
    out: &mut dyn Write,
    silo: &ticket_core::Silo,
    key: &str,
    sort: &str,
    searched: &str,
) -> CliResult {
    if matches!(s.out.format, Format::Text) && !s.out.quiet {
        let config = silo.config();
        let mut table = tickets::TicketTable::new(&config);
        each_ticket(silo, key, sort, |row| {
            table.push(&tickets::RowView::from(row));
            Ok(())
        })?;
        return table.write(out, &s.out, searched, 0);
    }
    let mut stream = tickets::RowStream::start(out, &s.out)?;
    each_ticket(silo, key, sort, |row| stream.row(row))?;
    stream.finish()
}

/// Runs a search, calling `f` with each row; the first error of `f` stops the search and is
/// what is reported.
fn each_ticket(
    silo: &ticket_core::Silo,
    key: &str,
    sort: &str,
    mut f: impl FnMut(&ticket_core::TicketRow) -> CliResult,
) -> CliResult {
    let mut failed = None;
    let searched = silo.for_each_ticket_row(key, sort, |row| {
        f(row).map_err(|e| {
            failed = Some(e);
            // stops the search; the write error is what is reported
            ticket_core::Error::Io {
                path: "(standard output)".into(),
                source: std::io::Error::other("write failed"),
            }
        })
    });
    if let Some(e) = failed {
        return Err(e);
    }
    searched.map_err(searching(key, sort))
}

/// `list_ticket_numbers [SEARCH [SORT]]`: one number per line (every format).
pub fn numbers(
    s: &Session,
    out: &mut dyn Write,
    search: Option<&str>,
    sort: Option<&str>,
) -> CliResult {
    let (key, sort) = (search.unwrap_or(""), sort.unwrap_or(""));
    let silo = s.open()?;
    let numbers = silo.numbers(key, sort).map_err(searching(key, sort))?;
    match s.out.format {
        Format::Json => {
            let list: Vec<&str> = numbers.iter().map(|n| n.as_str()).collect();
            json::write(out, &json!(list))?;
        }
        Format::Csv => {
            writeln!(out, "number")?;
            for n in &numbers {
                writeln!(out, "{n}")?;
            }
        }
        Format::Text => {
            for n in &numbers {
                writeln!(out, "{n}")?;
            }
        }
    }
    Ok(())
}

/// `count_tickets [SEARCH]`: the count.
pub fn count(s: &Session, out: &mut dyn Write, search: Option<&str>) -> CliResult {
    let key = search.unwrap_or("");
    let silo = s.open()?;
    let n = silo.count(key).map_err(searching(key, ""))?;
    match s.out.format {
        Format::Json => json::write(out, &json!({ "count": n }))?,
        Format::Csv => writeln!(out, "count\n{n}")?,
        Format::Text => writeln!(out, "{n}")?,
    }
    Ok(())
}

/// `list_tags [SEARCH]`.
pub fn tags(s: &Session, out: &mut dyn Write, search: Option<&str>) -> CliResult {
    let key = search.unwrap_or("");
    let silo = s.open()?;
    let config = silo.config();
    let styler = Styler::new(&config);
    let items: Vec<(String, u64)> = silo
        .list_tags(key)
        .map_err(searching(key, ""))?
        .into_iter()
        .map(|(t, n)| (styler.tag(&t), n))
        .collect();
    tickets::write_counts(out, &s.out, "tag", &items)
}

/// `list_properties_k [SEARCH]`.
pub fn keys(s: &Session, out: &mut dyn Write, search: Option<&str>) -> CliResult {
    let key = search.unwrap_or("");
    let silo = s.open()?;
    let config = silo.config();
    let styler = Styler::new(&config);
    let items: Vec<(String, u64)> = silo
        .list_property_keys(key)
        .map_err(searching(key, ""))?
        .into_iter()
        .map(|(k, n)| (styler.key(&k), n))
        .collect();
    tickets::write_counts(out, &s.out, "key", &items)
}

/// `list_properties_kv [SEARCH] KEY`.
pub fn values(s: &Session, out: &mut dyn Write, search: Option<&str>, prop_key: &str) -> CliResult {
    let key = search.unwrap_or("");
    let silo = s.open()?;
    let config = silo.config();
    let styler = Styler::new(&config);
    let items: Vec<(String, u64)> = silo
        .list_property_values(key, prop_key)
        .map_err(searching(key, ""))?
        .into_iter()
        .map(|(v, n)| (styler.value(prop_key, &v), n))
        .collect();
    tickets::write_counts(out, &s.out, "value", &items)
}

/// `searches`: the saved searches of the silo.
pub fn searches(s: &Session, out: &mut dyn Write) -> CliResult {
    let silo = s.open()?;
    let list = &silo.config().searches;
    match s.out.format {
        Format::Json => {
            let value = list
                .iter()
                .map(|x| json!({"name": x.name, "description": x.description, "search": x.search, "sort": x.sort}))
                .collect();
            json::write(out, &value)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            let fail = |e: csv::Error| CliError::Failed(e.to_string());
            w.write_record(["name", "description", "search", "sort"])
                .map_err(fail)?;
            for x in list {
                w.write_record([&x.name, &x.description, &x.search, &x.sort])
                    .map_err(fail)?;
            }
            w.flush()?;
        }
        Format::Text if s.out.quiet => {
            for x in list {
                writeln!(out, "{}", x.name)?;
            }
        }
        Format::Text if list.is_empty() => writeln!(
            out,
            "no saved searches in this silo (they are kept in silo.json under \"searches\")"
        )?,
        Format::Text => {
            let mut table = Table::new().flex(3);
            table.push(
                ["name", "search", "sort", "description"]
                    .into_iter()
                    .map(|h| Cell::styled(h, crate::output::color::Style::Bold))
                    .collect(),
            );
            for x in list {
                table.push(vec![
                    Cell::styled(format!("@{}", x.name), crate::output::color::Style::Bold),
                    Cell::plain(x.search.as_str()),
                    Cell::plain(x.sort.as_str()),
                    Cell::styled(x.description.as_str(), crate::output::color::Style::Dim),
                ]);
            }
            table.write(out, s.out.paint, s.out.width)?;
            writeln!(
                out,
                "{}",
                tickets::count_of(list.len(), "saved search", "saved searches")
            )?;
        }
    }
    Ok(())
}

/// `run NAME`: a saved search's key and sort rule, listed as `select_tickets` does. An
/// unknown name is a usage error.
pub fn run_saved(s: &Session, out: &mut dyn Write, name: &str) -> CliResult {
    let silo = s.open()?;
    let saved = silo
        .saved_search_named(name)
        .map_err(|e| CliError::Usage(format!("{e} (see `ticket searches`)")))?;
    list(
        s,
        out,
        &silo,
        &saved.search,
        &saved.sort,
        &format!("@{}", saved.name),
    )
}
