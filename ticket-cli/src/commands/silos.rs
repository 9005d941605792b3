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
use ticket_core::registry::Registry;
use ticket_core::Silo;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::output::json;
use crate::session::Session;

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

/// The active silo of the user's list, if any.
pub fn active_silo() -> CliResult<Option<PathBuf>> {
    let registry = Registry::load_default().map_err(failed)?;
    Ok(registry.active().map(Path::to_path_buf))
}

/// Loads the list, applies `f`, saves it.
fn update(f: impl FnOnce(&mut Registry) -> ticket_core::Result<()>) -> CliResult {
    let mut registry = Registry::load_default().map_err(failed)?;
    f(&mut registry).map_err(failed)?;
    registry.save().map_err(failed)?;
    Ok(())
}

/// `create_silo DIR`.
pub fn create(s: &Session, dir: &Path, out: &mut dyn Write) -> CliResult {
    Silo::create(dir, s.ctx.clone())?;
    update(|r| {
        r.add(dir)?;
        if r.active().is_none() {
            r.set_active(dir)?;
        }
        Ok(())
    })?;
    if !s.out.quiet {
        writeln!(out, "created silo {}", dir.display())?;
    }
    Ok(())
}

/// `add_silo DIR`: the directory must be a silo.
pub fn add(dir: &Path) -> CliResult {
    update(|r| r.add(dir))
}

/// `remove_silo DIR`.
pub fn remove(dir: &Path) -> CliResult {
    update(|r| r.remove(dir))
}

/// `set_active_silo DIR`.
pub fn set_active(dir: &Path) -> CliResult {
    update(|r| r.set_active(dir))
}

/// `show_silos`: one silo per line, the active one marked with `*`.
pub fn show(s: &Session, out: &mut dyn Write) -> CliResult {
    let registry = Registry::load_default().map_err(failed)?;
    let active = registry.active();
    match s.out.format {
        Format::Json => {
            let list = registry
                .silos()
                .iter()
                .map(|d| json!({"dir": d, "active": Some(d.as_path()) == active}))
                .collect();
            json::write(out, &list)?;
        }
        Format::Csv => {
            writeln!(out, "dir,active")?;
            let mut w = csv::Writer::from_writer(&mut *out);
            for d in registry.silos() {
                let flag = if Some(d.as_path()) == active { "true" } else { "false" };
                w.write_record([d.display().to_string().as_str(), flag]).map_err(failed)?;
            }
            w.flush()?;
        }
        Format::Text => {
            for d in registry.silos() {
                let mark = if Some(d.as_path()) == active { "*" } else { " " };
                writeln!(out, "{mark} {}", d.display())?;
            }
        }
    }
    Ok(())
}
