//! Arbitrary bytes imported as a full JSON export into an empty silo: never a panic, and the
//! silo then lists, shows and exports without an error (`ticket_core::fuzzing::full_import`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ticket_core::fuzzing::full_import(data);
});
