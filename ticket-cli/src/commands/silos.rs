//! The silo commands: `create_silo` and the user's silo list (`add_silo`, `remove_silo`,
//! `set_active_silo`, `show_silos`) in the user configuration file (`$TICKET_CONFIG`, else
//! `$XDG_CONFIG_HOME/ticket/config.json`, else `~/.config/ticket/config.json`), kept by
//! `ticket_core::registry`.
//!
//! Decision: `create_silo` also adds the new silo to the list, and makes it active when no
//! silo is active yet, so `ticket create_silo DIR` is enough to start.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;
use ticket_core::{AddOutcome, Env, Registry, RegistryError, Silo};

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::output::color::Style;
use crate::output::json;
use crate::session::Session;

impl From<RegistryError> for CliError {
    fn from(e: RegistryError) -> CliError {
        match e {
            RegistryError::NoSiloSelected => CliError::Usage(e.to_string()),
            _ => CliError::Failed(e.to_string()),
        }
    }
}

/// A silo address as shown: a team silo's without its password.
fn shown(path: &Path) -> String {
    ticket_core::redact_address(&path.display().to_string())
}

/// The user's silo list.
fn load(env: &Env) -> CliResult<Registry> {
    Ok(Registry::open(env)?)
}

/// The silo a command uses: `--silo`, else `$TICKET_SILO`, else the active silo (the list is
/// read only in that last case).
pub fn resolve(explicit: Option<&Path>, env: &Env) -> CliResult<PathBuf> {
    if let Some(dir) = explicit.or(env.ticket_silo.as_deref()) {
        return Ok(dir.to_path_buf());
    }
    let registry = load(env)?;
    Ok(Registry::resolve_silo(None, env, &registry)?.0)
}

/// `create_silo DIR`.
pub fn create(s: &Session, dir: &Path, out: &mut dyn Write) -> CliResult {
    Silo::create(dir, s.ctx.clone())?;
    let mut registry = load(&s.env)?;
    registry.add_silo(dir, &s.env)?;
    if registry.active().is_none() {
        registry.set_active_silo(dir, &s.env)?;
    }
    registry.save()?;
    if !s.out.quiet {
        writeln!(out, "created silo {}", shown(dir))?;
    }
    Ok(())
}

/// `add_silo DIR`: the directory must be a silo.
pub fn add(s: &Session, dir: &Path, out: &mut dyn Write) -> CliResult {
    let mut registry = load(&s.env)?;
    let outcome = registry.add_silo(dir, &s.env)?;
    registry.save()?;
    if !s.out.quiet {
        match outcome {
            AddOutcome::Added(p) => writeln!(out, "added {}", shown(&p))?,
            AddOutcome::AlreadyListed(p) => writeln!(out, "{} is already listed", shown(&p))?,
        }
    }
    Ok(())
}

/// `remove_silo DIR` (the files stay).
pub fn remove(s: &Session, dir: &Path, out: &mut dyn Write) -> CliResult {
    let mut registry = load(&s.env)?;
    let removed = registry.remove_silo(dir, &s.env)?;
    registry.save()?;
    if !s.out.quiet {
        let note = if removed.was_active {
            " (it was the active silo; none is active now)"
        } else {
            ""
        };
        writeln!(out, "removed {} from the list{note}", shown(&removed.path))?;
    }
    Ok(())
}

/// `set_active_silo DIR` (adds it to the list when needed).
pub fn set_active(s: &Session, dir: &Path, out: &mut dyn Write) -> CliResult {
    let mut registry = load(&s.env)?;
    let outcome = registry.set_active_silo(dir, &s.env)?;
    registry.save()?;
    if !s.out.quiet {
        match outcome {
            AddOutcome::Added(p) => {
                writeln!(out, "added {} and made it the active silo", shown(&p))?
            }
            AddOutcome::AlreadyListed(p) => writeln!(out, "the active silo is now {}", shown(&p))?,
        }
    }
    Ok(())
}

/// `show_silos`: one silo per line, the active one marked with `*`.
pub fn show(s: &Session, out: &mut dyn Write) -> CliResult {
    let registry = load(&s.env)?;
    let list = registry.show_silos();
    match s.out.format {
        Format::Json => {
            let value = list
                .iter()
                .map(|l| json!({"path": shown(&l.path), "active": l.active}))
                .collect();
            json::write(out, &value)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            let fail = |e: csv::Error| CliError::Failed(e.to_string());
            w.write_record(["path", "active"]).map_err(fail)?;
            for l in &list {
                w.write_record([shown(&l.path), l.active.to_string()])
                    .map_err(fail)?;
            }
            w.flush()?;
        }
        Format::Text if s.out.quiet => {
            for l in &list {
                let mark = if l.active { "*" } else { " " };
                writeln!(out, "{mark} {}", shown(&l.path))?;
            }
        }
        Format::Text if list.is_empty() => writeln!(
            out,
            "no silos listed (`ticket create_silo DIR` creates one, `ticket add_silo DIR` lists one)"
        )?,
        Format::Text => {
            let p = s.out.paint;
            writeln!(out, "  {}", p.paint("silo", Style::Bold))?;
            for l in &list {
                let mark = if l.active { "*" } else { " " };
                writeln!(out, "{mark} {}", shown(&l.path))?;
            }
            let active = if list.iter().any(|l| l.active) {
                "* marks the active one"
            } else {
                "none is active (`ticket set_active_silo DIR`)"
            };
            writeln!(
                out,
                "{}; {active}",
                crate::output::tickets::count_of(list.len(), "silo", "silos")
            )?;
        }
    }
    Ok(())
}
