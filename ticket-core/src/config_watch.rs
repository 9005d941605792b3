//! A silo handle's configuration kept current: a handle that lives long (`ticket serve`, a
//! Python `Silo`, a program embedding the core) sees the configuration another process set
//! (`ticket config --set`, an edited `silo.json`, another client of a team silo) from its
//! next read or write on, instead of applying the rules it was opened with until it is
//! closed.
//!
//! Before a transaction begins, [`Silo::fresh_config`] looks at the configuration's source:
//! a directory silo's `silo.json` by its stamp (modification time, length and inode: one
//! `stat`, and `config --set` replaces the file, so the inode changes), a team silo's
//! configuration row by its version (PostgreSQL's `xmin`, which every update changes), asked
//! at most once per [`TEAM_LOOK`] (a round trip). When the source changed it is read and
//! checked again; text that no longer parses is the operation's error (what opening the silo
//! anew would say) and the handle keeps the configuration it had until the source parses.
//! A transaction uses the configuration it began with throughout (rules are checked on one
//! configuration).
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::config::SiloConfig;
use crate::error::Result;
use crate::silo::Silo;
use crate::storage::db::{args, Db};

/// How often a team silo's handle asks whether the configuration changed.
pub(crate) const TEAM_LOOK: Duration = Duration::from_secs(1);

/// What a handle's configuration was read from.
#[derive(Debug)]
pub(crate) enum ConfigSeen {
    /// A directory silo's `silo.json`, by its stamp (`None`: it could not be read).
    File(Option<FileStamp>),
    /// A team silo's configuration row, by its version (`None` until first asked), and when
    /// it was last asked.
    Row {
        version: Option<String>,
        asked: Instant,
    },
}

impl ConfigSeen {
    /// A directory silo's configuration file as it is now.
    pub(crate) fn file(path: &Path) -> ConfigSeen {
        ConfigSeen::File(FileStamp::of(path))
    }

    /// A team silo's configuration, just read (its version is asked at the first look).
    pub(crate) fn row() -> ConfigSeen {
        ConfigSeen::Row {
            version: None,
            asked: Instant::now(),
        }
    }
}

/// A file's modification time, length and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

impl FileStamp {
    fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(FileStamp {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode,
        })
    }
}

impl Silo {
    /// The configuration this handle applies: the one it was opened with, or the one its
    /// source holds since another process changed it (see the module's documentation).
    pub fn config(&self) -> Arc<SiloConfig> {
        self.config.read().clone()
    }

    /// Looks at the configuration's source now (every read and write does before it
    /// begins), so that [`Silo::config`] gives what another process set: for a handle that
    /// shows the configuration without reading tickets (a web page's forms). When the
    /// handle is busy with a transaction on another thread, nothing is looked at (that
    /// transaction's beginning did). A source that no longer parses is the error, and the
    /// handle keeps the configuration it had.
    pub fn refresh_config(&self) -> Result<()> {
        match self.conn.try_lock() {
            Some(conn) if !conn.in_transaction() => self.fresh_config(&conn),
            _ => Ok(()),
        }
    }

    /// Before a transaction on `conn` begins: the configuration read again when its source
    /// changed since it was read.
    pub(crate) fn fresh_config(&self, conn: &Db) -> Result<()> {
        let mut seen = self.config_seen.lock();
        let config = match &mut *seen {
            ConfigSeen::File(stamp) => {
                let path = self.dir().join(crate::silo::CONFIG_FILE);
                let now = FileStamp::of(&path);
                if now == *stamp {
                    return Ok(());
                }
                let config = SiloConfig::load(&path)?;
                *stamp = now;
                config
            }
            ConfigSeen::Row { version, asked } => {
                if asked.elapsed() < TEAM_LOOK {
                    return Ok(());
                }
                // the document only when the version is not the one seen: one round trip
                let answer: Vec<(String, Option<String>)> = conn.rows(
                    "SELECT xmin::text, CASE WHEN xmin::text = ?1 THEN NULL ELSE document END \
                     FROM config WHERE id = 1",
                    args![version.clone().unwrap_or_default()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                *asked = Instant::now();
                let Some((now, Some(text))) = answer.into_iter().next() else {
                    return Ok(());
                };
                let config = SiloConfig::from_json_str(&text, "the team silo's configuration")?;
                *version = Some(now);
                config
            }
        };
        *self.config.write() = Arc::new(config);
        Ok(())
    }

    /// After this handle replaced the configuration: applies it and notes its source as seen.
    pub(crate) fn config_replaced(&self, config: SiloConfig) {
        let mut seen = self.config_seen.lock();
        *seen = match &*seen {
            ConfigSeen::File(_) => ConfigSeen::file(&self.dir().join(crate::silo::CONFIG_FILE)),
            ConfigSeen::Row { .. } => ConfigSeen::row(),
        };
        *self.config.write() = Arc::new(config);
    }
}
