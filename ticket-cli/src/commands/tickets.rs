//! Commands that change tickets: each is one core call, one change set.

use std::io::Write;
use std::path::Path;

use ticket_core::{Silo, Status, TicketNumber};

use crate::cli::{CreateArgs, EditArgs};
use crate::error::{CliError, CliResult};
use crate::session::Session;

/// A write to ticket `n` that confirms in one line what its change set did, as the history
/// tells it (`ticket 4: added tag risk`; a close that reopens a repeating ticket lists the date
/// moves too). Quiet: nothing, these writes have no essential output.
pub fn write(
    s: &Session,
    out: &mut dyn Write,
    n: &str,
    f: impl FnOnce(&Silo) -> ticket_core::Result<()>,
) -> CliResult {
    let silo = s.open()?;
    if s.out.quiet {
        f(&silo)?;
        return Ok(());
    }
    // the records this write adds are the ones after those already there (the log's order is
    // the order of the writes); a missing ticket is left to `f` to report
    let before = silo.history(n).map_or(0, |h| h.len());
    f(&silo)?;
    let number = n
        .parse::<TicketNumber>()
        .map_or_else(|_| n.to_string(), |t| t.to_string());
    confirm(out, &format!("ticket {number}"), &silo, n, before)
}

/// Writes `label: what the records after the first `before` of `n`'s history did`.
fn confirm(out: &mut dyn Write, label: &str, silo: &Silo, n: &str, before: usize) -> CliResult {
    let done: Vec<String> = match silo.history(n) {
        // a long summary or entry is cut: this is a confirmation, `dt` shows the whole text
        Ok(history) => history
            .iter()
            .skip(before)
            .map(|c| crate::output::table::truncate(&c.describe(), 100))
            .collect(),
        // the write is committed; only its description could not be read back
        Err(_) => vec!["changed".to_string()],
    };
    if done.is_empty() {
        writeln!(out, "{label}: nothing to change")?;
    } else {
        writeln!(out, "{label}: {}", done.join("; "))?;
    }
    Ok(())
}

/// `KEY=VALUE` options of `flag`, checked before the silo is touched.
fn key_values<'a>(flag: &str, items: &'a [String]) -> CliResult<Vec<(&'a str, &'a str)>> {
    items
        .iter()
        .map(|p| {
            split_kv(p)
                .ok_or_else(|| CliError::Usage(format!("{flag} expects KEY=VALUE, got `{p}`")))
        })
        .collect()
}

/// `new_ticket` and `import_ticket` (`number` given): the rule, the summary (`-`: standard
/// input; `--edit`: the editor), `--tag` and `--prop`, created as one change set. Prints the
/// number (quiet: only the number).
pub fn new_ticket(
    s: &Session,
    out: &mut dyn Write,
    number: Option<&str>,
    title: Option<&str>,
    a: &CreateArgs,
) -> CliResult {
    let props = key_values("--prop", &a.prop)?;
    let summary = match a.summary.as_deref() {
        Some(text) => crate::input::text_or_stdin(text)?,
        None => String::new(),
    };
    let (title, summary) = if a.edit {
        crate::input::edit_ticket(title.unwrap_or(""), &summary)?
    } else {
        (title.unwrap_or("").to_string(), summary)
    };
    let silo = s.open()?;
    let ticket = ticket_core::NewTicket {
        title,
        summary,
        tags: a.tag.clone(),
        properties: props
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..ticket_core::NewTicket::default()
    };
    let rule = a.rule.as_deref().filter(|r| !r.is_empty());
    let number = silo.create_ticket(number, rule, ticket)?;
    if s.out.quiet {
        writeln!(out, "{number}")?;
    } else {
        writeln!(out, "created ticket {number}")?;
    }
    Ok(())
}

/// `add_entry`: prints the entry number.
pub fn add_entry(s: &Session, out: &mut dyn Write, n: &str, text: &str, minutes: u32) -> CliResult {
    let silo = s.open()?;
    let entry = silo.add_entry(n, text, minutes)?;
    if s.out.quiet {
        writeln!(out, "{entry}")?;
    } else {
        writeln!(out, "added entry {entry} to ticket {n}")?;
    }
    Ok(())
}

/// `copy_file`: prints the attachment number.
pub fn copy_file(
    s: &Session,
    out: &mut dyn Write,
    n: &str,
    file: &Path,
    comment: &str,
) -> CliResult {
    let silo = s.open()?;
    let item = silo.copy_file(n, file, comment)?;
    if s.out.quiet {
        writeln!(out, "{item}")?;
    } else {
        writeln!(
            out,
            "attached {} as attachment {item} of ticket {n}",
            file.display()
        )?;
    }
    Ok(())
}

/// `get_file`: the content to standard output, or to `file` (then a confirmation).
pub fn get_file(
    s: &Session,
    out: &mut dyn Write,
    n: &str,
    attachment: u32,
    file: Option<&Path>,
) -> CliResult {
    let silo = s.open()?;
    let (a, bytes) = silo.get_file(n, attachment)?;
    match file {
        None => out.write_all(&bytes)?,
        Some(path) => {
            std::fs::write(path, &bytes)
                .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
            if !s.out.quiet {
                writeln!(
                    out,
                    "wrote attachment {attachment} ({}, {}) of ticket {n} to {}",
                    a.name,
                    crate::output::size(a.size),
                    path.display()
                )?;
            }
        }
    }
    Ok(())
}

/// The other ticket belongs to Merged and Duplicate only: given with any other status it is
/// an argument too many (exit 2), not something to ignore. A status that does not parse is
/// left to the core, which names the statuses.
pub fn check_other(what: &str, status: &str, other: Option<&str>) -> CliResult {
    let Some(other) = other else { return Ok(()) };
    match status.parse::<Status>() {
        Ok(Status::Merged | Status::Duplicate) | Err(_) => Ok(()),
        Ok(st) => Err(CliError::Usage(format!(
            "unexpected {what} `{other}`: only merged and duplicate take the other ticket, not {}",
            st.name()
        ))),
    }
}

/// Splits `KEY=VALUE` at the first `=`.
fn split_kv(text: &str) -> Option<(&str, &str)> {
    text.split_once('=')
}

/// `edit`: every option into one `Edit`, committed once.
pub fn edit(s: &Session, out: &mut dyn Write, a: &EditArgs) -> CliResult {
    // Check the shape of the arguments before touching the silo.
    if let Some(st) = &a.status {
        check_other("--other", st, a.other.as_deref())?;
    }
    let props = key_values("--prop", &a.prop)?;
    let silo = s.open()?;
    let before = if s.out.quiet {
        0
    } else {
        silo.history(&a.n).map_or(0, |h| h.len())
    };
    let mut edit = silo.edit(&a.n);
    if let Some(t) = &a.title {
        edit.set_title(t);
    }
    if let Some(t) = &a.summary {
        edit.set_summary(t);
    }
    if let Some(st) = &a.status {
        edit.set_status(st, a.other.as_deref());
    }
    for t in &a.tag {
        edit.add_tag(t);
    }
    for t in &a.untag {
        edit.remove_tag(t);
    }
    for (k, v) in props {
        edit.add_property(k, v);
    }
    for p in &a.unprop {
        match split_kv(p) {
            Some((k, v)) => edit.remove_property_kv(k, v),
            None => edit.remove_property_k(p),
        };
    }
    if let Some(text) = &a.entry {
        edit.add_entry(text, a.minutes.unwrap_or(0));
    }
    edit.commit()?;
    if s.out.quiet {
        return Ok(());
    }
    let number =
        a.n.parse::<TicketNumber>()
            .map_or_else(|_| a.n.clone(), |t| t.to_string());
    confirm(out, &format!("ticket {number}"), &silo, &a.n, before)
}
