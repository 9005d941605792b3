//! Attachment contents on disk: content-addressed files `attachments/ab/cdef…`, each written
//! through a temporary file `attachments/.tmp-<uuid>` that is hashed while it is written and
//! renamed into place. A temporary file is removed on every error path (it is dropped); one
//! left by a killed process is removed by a later write once it is a day old
//! ([`sweep_stale`]).
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::config::MaxAttachmentBytes;
use crate::error::{Error, Result};

/// Name prefix of the temporary files contents are written through.
pub(crate) const TMP_PREFIX: &str = ".tmp-";
/// A temporary file this old is a leftover of a killed process (no copy takes a day).
const STALE: Duration = Duration::from_secs(24 * 60 * 60);
/// Bytes read and written at a time: the memory a copy needs, whatever the file's size.
const CHUNK: usize = 64 * 1024;

/// A temporary file, removed when dropped unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    placed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Content written to a temporary file and hashed, not yet in its place.
pub(crate) struct Staged {
    tmp: TempFile,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

impl Staged {
    /// Moves the content to `path` (its content address). Returns the path when this call
    /// created the file, `None` when the same content was already there (the temporary file
    /// is then removed).
    pub(crate) fn place(mut self, path: &Path) -> Result<Option<PathBuf>> {
        if path.is_file() {
            return Ok(None);
        }
        let dir = path.parent().expect("attachment paths have a parent");
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // earlier versions wrote their temporary files beside the content
        sweep_stale(dir);
        std::fs::rename(&self.tmp.path, path).map_err(|e| Error::io(path, e))?;
        self.tmp.placed = true;
        Ok(Some(path.to_path_buf()))
    }
}

/// Creates a new temporary file in `root` (the silo's `attachments/`).
fn temp_file(root: &Path) -> Result<(File, TempFile)> {
    let path = root.join(format!("{TMP_PREFIX}{}", uuid::Uuid::new_v4().simple()));
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(root, e))?;
    Ok((
        file,
        TempFile {
            path,
            placed: false,
        },
    ))
}

/// Stages bytes already in memory (an upload, a peer's content).
pub(crate) fn stage_bytes(root: &Path, bytes: &[u8]) -> Result<Staged> {
    let (mut file, tmp) = temp_file(root)?;
    file.write_all(bytes).map_err(|e| Error::io(root, e))?;
    Ok(Staged {
        tmp,
        sha256: hex::encode(Sha256::digest(bytes)),
        size: bytes.len() as u64,
    })
}

/// Stages a copy of the user's file `source` into `root`, hashing it while it is copied, in
/// chunks (memory stays bounded whatever the size). `source` is followed if it is a symbolic
/// link, as `cp` does; what it leads to must be a regular file (a FIFO, a device, a directory
/// or a socket is refused without being read: `/dev/zero` would never end, a FIFO would
/// block). A file over `limit` is refused before copying, or as soon as the copy passes the
/// limit (a file that grows, or claims size 0 like those of `/proc`). The copy keeps the
/// source's permission bits, as `cp` does.
pub(crate) fn stage_file(root: &Path, source: &Path, limit: MaxAttachmentBytes) -> Result<Staged> {
    let meta = std::fs::metadata(source).map_err(|e| Error::io(source, e))?;
    refuse_special(source, &meta)?;
    // O_NONBLOCK: if a FIFO took the file's place since the check, opening it does not wait
    // for a writer (the check below then refuses it)
    let mut src = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(source)
        .map_err(|e| Error::io(source, e))?;
    let meta = src.metadata().map_err(|e| Error::io(source, e))?;
    refuse_special(source, &meta)?;
    if meta.len() > limit.0 {
        return Err(too_big(source, limit));
    }
    let (mut file, tmp) = temp_file(root)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(source, e)),
        };
        size += n as u64;
        if size > limit.0 {
            return Err(too_big(source, limit));
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(|e| Error::io(root, e))?;
    }
    let mode = meta.permissions().mode() & 0o777;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(root, e))?;
    Ok(Staged {
        tmp,
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// Refuses what is not a regular file.
fn refuse_special(source: &Path, meta: &std::fs::Metadata) -> Result<()> {
    let t = meta.file_type();
    let kind = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    Err(Error::invalid(
        "attachment",
        &source.display().to_string(),
        format!("it is {kind}; only regular files can be attached"),
    ))
}

/// The error for a file over the silo's limit.
pub(crate) fn too_big(what: &Path, limit: MaxAttachmentBytes) -> Error {
    Error::invalid(
        "attachment",
        &what.display().to_string(),
        format!(
            "larger than this silo's maximum of {} bytes (max_attachment_bytes in silo.json)",
            limit.0
        ),
    )
}

/// Removes the temporary files in `dir` older than a day: leftovers of a process killed
/// while it copied. Failures are ignored (a leftover costs only space, and the next write
/// tries again).
pub(crate) fn sweep_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE);
        if meta.is_file() && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes content-addressed bytes (temporary file + rename), unless already there; returns
/// the path when this call created it. Used where contents arrive whole (a peer's bundle).
pub(crate) fn store_bytes(root: &Path, path: &Path, bytes: &[u8]) -> Result<Option<PathBuf>> {
    if path.is_file() {
        return Ok(None);
    }
    stage_bytes(root, bytes)?.place(path)
}

impl Staged {
    /// The staged bytes (a team silo stores them in its database).
    pub(crate) fn bytes(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.tmp.path).map_err(|e| Error::io(&self.tmp.path, e))
    }
}

impl crate::Silo {
    /// The attachment content stored under `sha256`, or `None` when this copy does not have
    /// it (a directory silo reads `attachments/ab/cdef…`, a team silo its database).
    pub fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if self.is_team() {
            let conn = self.reader()?;
            return crate::storage::postgres::content(&conn, sha256);
        }
        let path = self.attachment_path(sha256);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Stores content that arrived whole (a peer's bundle, an export's files) under its hash,
    /// already checked by the caller; returns whether it was new. Content without a record is
    /// harmless: only a record reaches it.
    pub(crate) fn store_content(&self, sha256: &str, bytes: &[u8]) -> Result<bool> {
        if self.is_team() {
            let conn = self.lock();
            return crate::storage::postgres::put_content(&conn, sha256, bytes);
        }
        let path = self.attachment_path(sha256);
        Ok(store_bytes(&self.attachments_dir(), &path, bytes)?.is_some())
    }
}
