//! The user's silo list (domain spec 1, "The user's silo list"): which silos the user knows
//! and which one is active.
//!
//! The file is JSON, `{"silos": ["/abs/path", …], "active": "/abs/path" | null}`, found at
//! `$TICKET_CONFIG`, else `$XDG_CONFIG_HOME/ticket/config.json`, else
//! `~/.config/ticket/config.json` ([`Registry::config_path`]). The library never reads the
//! process environment itself except in [`Env::from_process_env`], the one edge function the
//! CLI and the Python module call; everything else takes an [`Env`] value.
//!
//! Decisions:
//! - A missing file is an empty list; the file and its directory are created on the first save.
//!   A file that is not valid JSON of that shape is an error (never overwritten silently).
//! - Paths are stored absolute and canonical (symbolic links resolved), so one silo reached by
//!   two paths is listed once. Only a directory holding `silo.json` can be added.
//! - Adding a listed silo again changes nothing and says so ([`AddOutcome::AlreadyListed`]).
//!   Removing an unlisted silo is an error; removing the active silo clears the active one.
//!   Setting as active a silo that is not listed adds it first.
//! - Saving writes a temporary file beside the target and renames it over the target, so a
//!   crash leaves the old or the new list, never a torn one.
//! - Environment variables set to the empty string count as unset.
//! - Two processes editing the list at the same moment: the last save wins (the list is a
//!   small per-user file edited by hand-typed commands; no lock is taken).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment the registry depends on, passed explicitly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// `$TICKET_CONFIG`: the user configuration file itself.
    pub ticket_config: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME`.
    pub xdg_config_home: Option<PathBuf>,
    /// The home directory (`$HOME`, else `%USERPROFILE%`).
    pub home: Option<PathBuf>,
    /// `$TICKET_SILO`: the silo to use when `--silo` is not given.
    pub ticket_silo: Option<PathBuf>,
    /// The directory relative paths are resolved against (normally the working directory).
    pub current_dir: Option<PathBuf>,
}

impl Env {
    /// Reads the process environment and working directory. The only function of the library
    /// that does; call it at the edge (CLI `main`, Python module entry points).
    pub fn from_process_env() -> Env {
        fn var(name: &str) -> Option<PathBuf> {
            std::env::var_os(name)
                .filter(|v: &OsString| !v.is_empty())
                .map(PathBuf::from)
        }
        Env {
            ticket_config: var("TICKET_CONFIG"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            home: var("HOME").or_else(|| var("USERPROFILE")),
            ticket_silo: var("TICKET_SILO"),
            current_dir: std::env::current_dir().ok(),
        }
    }

    /// Makes `path` absolute against [`Env::current_dir`] (unchanged when already absolute).
    fn absolute(&self, path: &Path) -> Result<PathBuf, RegistryError> {
        // a team silo's address is kept as given
        if path.is_absolute() || crate::silo::team_address(path).is_some() {
            return Ok(path.to_path_buf());
        }
        match &self.current_dir {
            Some(cwd) => Ok(cwd.join(path)),
            None => Err(RegistryError::NoCurrentDir {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Something wrong with the silo list or the silo asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Neither `$TICKET_CONFIG`, `$XDG_CONFIG_HOME` nor a home directory is known.
    #[error("cannot find the user configuration: set TICKET_CONFIG, XDG_CONFIG_HOME or HOME")]
    NoConfigPath,
    /// A relative path was given but the working directory is unknown.
    #[error("cannot make {path:?} absolute: the working directory is unknown")]
    NoCurrentDir {
        /// The relative path.
        path: PathBuf,
    },
    /// Reading or writing the file (or a silo directory) failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid silo list.
    #[error("{}: not a valid silo list at {json_path}: {message}", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// JSON path of the problem.
        json_path: String,
        /// What was wrong / expected.
        message: String,
    },
    /// The directory is not a silo (no `silo.json`).
    #[error("{} is not a silo (no silo.json in it)", .dir.display())]
    NotASilo {
        /// The directory.
        dir: PathBuf,
    },
    /// The silo is not in the list.
    #[error("{} is not in the silo list", .dir.display())]
    NotListed {
        /// The directory.
        dir: PathBuf,
    },
    /// No `--silo`, no `$TICKET_SILO` and no active silo.
    #[error(
        "no silo selected: give --silo DIR, set TICKET_SILO, or choose an active silo with \
         set_active_silo"
    )]
    NoSiloSelected,
}

/// What [`Registry::add_silo`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    /// The silo was added (at this canonical path).
    Added(PathBuf),
    /// The silo was already listed; nothing changed.
    AlreadyListed(PathBuf),
}

/// What [`Registry::remove_silo`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The path removed from the list.
    pub path: PathBuf,
    /// Whether it was the active silo (there is no active silo any more).
    pub was_active: bool,
}

/// One line of [`Registry::show_silos`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiloListing {
    /// The silo's absolute path.
    pub path: PathBuf,
    /// Whether it is the active silo.
    pub active: bool,
}

/// Where the silo to use came from ([`Registry::resolve_silo`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiloSource {
    /// The `--silo` option.
    Option,
    /// `$TICKET_SILO`.
    Environment,
    /// The active silo of the list.
    Active,
}

/// The file format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RegistryFile {
    silos: Vec<PathBuf>,
    active: Option<PathBuf>,
}

/// The user's silo list, loaded from its file and saved back with [`Registry::save`].
///
/// ```
/// use ticket_core::{AddOutcome, Env, Registry};
/// let tmp = tempfile::tempdir()?;
/// let silo = tmp.path().join("work");
/// std::fs::create_dir(&silo)?;
/// std::fs::write(silo.join("silo.json"), "{}")?;
/// let env = Env { ticket_config: Some(tmp.path().join("config.json")), ..Env::default() };
///
/// let mut registry = Registry::open(&env)?;
/// assert!(matches!(registry.add_silo(&silo, &env)?, AddOutcome::Added(_)));
/// registry.set_active_silo(&silo, &env)?;
/// registry.save()?;
///
/// let again = Registry::load(&Registry::config_path(&env)?)?;
/// let (dir, _) = Registry::resolve_silo(None, &env, &again)?;
/// assert_eq!(dir, silo.canonicalize()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    path: PathBuf,
    data: RegistryFile,
}

impl Registry {
    /// Where the user configuration lives: `$TICKET_CONFIG`, else
    /// `$XDG_CONFIG_HOME/ticket/config.json`, else `~/.config/ticket/config.json`.
    pub fn config_path(env: &Env) -> Result<PathBuf, RegistryError> {
        if let Some(p) = &env.ticket_config {
            return env.absolute(p);
        }
        if let Some(x) = &env.xdg_config_home {
            return Ok(env.absolute(x)?.join("ticket").join("config.json"));
        }
        if let Some(h) = &env.home {
            return Ok(env
                .absolute(h)?
                .join(".config")
                .join("ticket")
                .join("config.json"));
        }
        Err(RegistryError::NoConfigPath)
    }

    /// Loads the list from its place for `env` ([`Registry::config_path`]).
    pub fn open(env: &Env) -> Result<Registry, RegistryError> {
        Registry::load(&Registry::config_path(env)?)
    }

    /// Loads the list from `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Registry, RegistryError> {
        let data = match std::fs::read_to_string(path) {
            Ok(text) => parse(path, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RegistryFile::default(),
            Err(source) => {
                return Err(RegistryError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Ok(Registry {
            path: path.to_path_buf(),
            data,
        })
    }

    /// The file this list is saved to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The listed silos, in the order they were added.
    pub fn silos(&self) -> &[PathBuf] {
        &self.data.silos
    }

    /// The active silo, if one is set.
    pub fn active(&self) -> Option<&Path> {
        self.data.active.as_deref()
    }

    /// Adds the silo in `dir` (made absolute and canonical; it must hold `silo.json`).
    /// Adding a listed silo changes nothing and returns [`AddOutcome::AlreadyListed`].
    pub fn add_silo(&mut self, dir: &Path, env: &Env) -> Result<AddOutcome, RegistryError> {
        let path = canonical_silo(dir, env)?;
        if self.data.silos.contains(&path) {
            return Ok(AddOutcome::AlreadyListed(path));
        }
        self.data.silos.push(path.clone());
        Ok(AddOutcome::Added(path))
    }

    /// Removes the silo in `dir` from the list (the directory is not touched; it need not
    /// exist any more). Removing the active silo clears the active silo.
    pub fn remove_silo(&mut self, dir: &Path, env: &Env) -> Result<Removed, RegistryError> {
        let wanted = self.find(dir, env)?;
        self.data.silos.retain(|p| p != &wanted);
        let was_active = self.data.active.as_ref() == Some(&wanted);
        if was_active {
            self.data.active = None;
        }
        Ok(Removed {
            path: wanted,
            was_active,
        })
    }

    /// Makes the silo in `dir` the active one, adding it to the list first if needed.
    pub fn set_active_silo(&mut self, dir: &Path, env: &Env) -> Result<AddOutcome, RegistryError> {
        let outcome = self.add_silo(dir, env)?;
        let path = match &outcome {
            AddOutcome::Added(p) | AddOutcome::AlreadyListed(p) => p.clone(),
        };
        self.data.active = Some(path);
        Ok(outcome)
    }

    /// The listed silos with the active one marked, in list order.
    pub fn show_silos(&self) -> Vec<SiloListing> {
        self.data
            .silos
            .iter()
            .map(|p| SiloListing {
                path: p.clone(),
                active: self.data.active.as_ref() == Some(p),
            })
            .collect()
    }

    /// Writes the list to its file atomically (temporary file in the same directory, flushed,
    /// then renamed over the file), creating the directory if needed.
    pub fn save(&self) -> Result<(), RegistryError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RegistryError::Io { path, source }
        };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mut text = serde_json::to_string_pretty(&self.data).expect("silo list serialises");
        text.push('\n');
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config.json".to_string());
        let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
        let result = (|| {
            // readable by its owner only: a team silo's address may hold a password
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp).map_err(io(&tmp))?;
            f.write_all(text.as_bytes()).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
            drop(f);
            std::fs::rename(&tmp, &self.path).map_err(io(&self.path))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// The silo a command uses, and where that choice came from: `explicit` (`--silo`), else
    /// `$TICKET_SILO`, else the active silo, else [`RegistryError::NoSiloSelected`]. The path
    /// is made absolute; whether it is a silo is checked when it is opened.
    pub fn resolve_silo(
        explicit: Option<&Path>,
        env: &Env,
        registry: &Registry,
    ) -> Result<(PathBuf, SiloSource), RegistryError> {
        if let Some(dir) = explicit {
            return Ok((env.absolute(dir)?, SiloSource::Option));
        }
        if let Some(dir) = &env.ticket_silo {
            return Ok((env.absolute(dir)?, SiloSource::Environment));
        }
        match registry.active() {
            Some(dir) => Ok((dir.to_path_buf(), SiloSource::Active)),
            None => Err(RegistryError::NoSiloSelected),
        }
    }

    /// The listed path for `dir`: its canonical form if it still exists, else its lexically
    /// normalised absolute form.
    fn find(&self, dir: &Path, env: &Env) -> Result<PathBuf, RegistryError> {
        let absolute = env.absolute(dir)?;
        if crate::silo::team_address(dir).is_some() {
            return self
                .data
                .silos
                .iter()
                .find(|p| p.as_path() == dir)
                .cloned()
                .ok_or(RegistryError::NotListed { dir: absolute });
        }
        let mut candidates = vec![lexical_normal(&absolute)];
        if let Ok(c) = absolute.canonicalize() {
            candidates.insert(0, c);
        }
        candidates
            .into_iter()
            .find(|c| self.data.silos.contains(c))
            .ok_or(RegistryError::NotListed { dir: absolute })
    }
}

fn parse(path: &Path, text: &str) -> Result<RegistryFile, RegistryError> {
    // serde would read a JSON array positionally into the struct: only an object is the format.
    if !text.trim_start().starts_with('{') {
        return Err(RegistryError::Format {
            path: path.to_path_buf(),
            json_path: crate::config::TOP_LEVEL.to_string(),
            message: "expected a JSON object {\"silos\": [..], \"active\": ..}".to_string(),
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let data: RegistryFile =
        serde_path_to_error::deserialize(&mut de).map_err(|e| RegistryError::Format {
            path: path.to_path_buf(),
            json_path: crate::config::json_path(e.path()),
            message: e.into_inner().to_string(),
        })?;
    de.end().map_err(|e| RegistryError::Format {
        path: path.to_path_buf(),
        json_path: crate::config::TOP_LEVEL.to_string(),
        message: e.to_string(),
    })?;
    Ok(data)
}

/// The canonical absolute path of the silo directory `dir`, which must hold `silo.json`.
fn canonical_silo(dir: &Path, env: &Env) -> Result<PathBuf, RegistryError> {
    if crate::silo::team_address(dir).is_some() {
        return Ok(dir.to_path_buf());
    }
    let absolute = env.absolute(dir)?;
    let canonical = absolute
        .canonicalize()
        .map_err(|source| RegistryError::Io {
            path: absolute.clone(),
            source,
        })?;
    if !canonical.join("silo.json").is_file() {
        return Err(RegistryError::NotASilo { dir: canonical });
    }
    Ok(canonical)
}

/// Removes `.` and resolves `..` lexically (for paths that no longer exist).
fn lexical_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
