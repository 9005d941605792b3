//! Where SQLite takes its memory from: mimalloc, for programs that choose it.
//!
//! A write or a listing allocates many small blocks: the rules' strings and rows on the Rust
//! side, and on SQLite's side its statements' registers, records, sorter lists and the
//! full-text tokenizer's buffers. glibc's `malloc` and `free` were some 12% of a bulk
//! creation's time (benches/README.md, "Session 16"). A program that declares mimalloc its
//! Rust allocator (`#[global_allocator]`) hands SQLite's allocations to it as well with
//! [`sqlite_uses_mimalloc`]; the `ticket` binary and the benchmarks do both. The library itself
//! declares no allocator: that stays the embedding program's choice.
//!
//! Only this crate's SQLite (the bundled copy rusqlite links) is configured: other SQLite
//! libraries in the same process keep their own settings.
use std::ffi::{c_int, c_void};

use rusqlite::ffi;

use crate::error::{Error, Result};

use libmimalloc_sys::{mi_free, mi_malloc, mi_realloc};

// two more of mimalloc's C functions, in the library `libmimalloc-sys` links; declared here
// because that crate gives them only behind a feature with a dependency of its own
unsafe extern "C" {
    fn mi_usable_size(p: *const c_void) -> usize;
    fn mi_good_size(size: usize) -> usize;
}

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    // SQLite never asks for a negative or zero size (sqlite3Malloc filters both)
    unsafe { mi_malloc(n.max(1) as usize) }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    unsafe { mi_free(p) }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    unsafe { mi_realloc(p, n.max(1) as usize) }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    // SQLite's blocks are below 2 GiB (it refuses larger ones before asking)
    unsafe { mi_usable_size(p).min(c_int::MAX as usize) as c_int }
}

unsafe extern "C" fn x_roundup(n: c_int) -> c_int {
    unsafe { mi_good_size(n.max(0) as usize).min(c_int::MAX as usize) as c_int }
}

unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_shutdown(_: *mut c_void) {}

/// Makes SQLite allocate through mimalloc, and stop keeping its memory statistics (a mutex
/// taken around every allocation, for `sqlite3_memory_used` and the soft heap limit, which
/// nothing here reads).
///
/// Call it once, first thing in `main`, before any silo is opened: SQLite takes its
/// configuration only before it starts, so a later call is refused with an error that says
/// so (and changes nothing).
///
/// ```
/// // a program that allocates with mimalloc:
/// // #[global_allocator]
/// // static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
/// ticket_core::sqlite_uses_mimalloc().expect("called before any silo is opened");
/// let dir = tempfile::tempdir()?;
/// let ctx = ticket_core::Context::new(ticket_core::Clock::system(), "me");
/// let silo = ticket_core::Silo::create(&dir.path().join("s"), ctx)?;
/// assert_eq!(silo.search("s:*", "")?.len(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sqlite_uses_mimalloc() -> Result<()> {
    // SQLite copies the structure before `sqlite3_config` returns
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: each option gets the argument type SQLite's documentation gives it (a pointer
    // to a methods structure; an int). Once SQLite has started it refuses both with
    // SQLITE_MISUSE and changes nothing.
    let malloc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const _) };
    let code = if malloc == ffi::SQLITE_OK {
        unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) }
    } else {
        malloc
    };
    if code == ffi::SQLITE_OK {
        return Ok(());
    }
    Err(Error::Invalid {
        what: "call",
        value: "sqlite_uses_mimalloc".to_string(),
        reason: format!(
            "SQLite has started already ({}): call it first, before any silo is opened",
            ffi::code_to_str(code).to_lowercase()
        ),
    })
}
