//! `sqlite_uses_mimalloc`: SQLite allocates through mimalloc when asked first, and refuses
//! (changing nothing) once it has started. One test in its own binary, so that nothing else
//! in the process starts SQLite before it.
use ticket_core::{Clock, Context, NewTicket, Silo};

// mimalloc's own test of a pointer (its C library is linked through ticket-core); this
// test program keeps the system allocator for Rust, so only SQLite can have asked mimalloc
unsafe extern "C" {
    fn mi_is_in_heap_region(p: *const std::ffi::c_void) -> bool;
}

#[test]
fn sqlite_takes_mimalloc_before_it_starts_and_refuses_it_after() {
    ticket_core::sqlite_uses_mimalloc().expect("SQLite has not started in this process");
    // SQLite's memory statistics are off: nothing is counted however much it allocates
    let dir = tempfile::tempdir().unwrap();
    let silo = Silo::create(&dir.path().join("s"), Context::new(Clock::system(), "me")).unwrap();
    let mut batch = silo.batch();
    for i in 0..300 {
        batch.add(NewTicket {
            title: format!("ticket {i} about the disk"),
            tags: vec!["disk".into()],
            ..Default::default()
        });
    }
    batch.commit().unwrap();
    assert_eq!(silo.search("t:disk", "").unwrap().len(), 300);
    assert_eq!(silo.rebuild().unwrap().tickets, 300);
    assert_eq!(silo.search("g=disk", "").unwrap().len(), 300);
    // SAFETY: a block of SQLite's own, freed by SQLite; mimalloc only looks at the address
    unsafe {
        let block = rusqlite::ffi::sqlite3_malloc(100);
        assert!(!block.is_null());
        assert!(
            mi_is_in_heap_region(block),
            "SQLite's block comes from mimalloc"
        );
        rusqlite::ffi::sqlite3_free(block);
    }
    // SAFETY: reads SQLite's counter of allocated bytes (no arguments)
    let used = unsafe { rusqlite::ffi::sqlite3_memory_used() };
    assert_eq!(used, 0, "statistics are kept only while memstatus is on");
    let late = ticket_core::sqlite_uses_mimalloc().unwrap_err();
    assert_eq!(
        late.to_string(),
        "invalid call 'sqlite_uses_mimalloc': SQLite has started already (library used incorrectly): call it first, before any silo is opened"
    );
    // and the silo works as before
    assert_eq!(silo.search("s:*", "").unwrap().len(), 300);
}
