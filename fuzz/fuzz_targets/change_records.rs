//! The change log's codecs on arbitrary bytes: the storage codec (`log/record.rs`) and the
//! exchange codec (`WireRecord`, `log/wire.rs`) never panic, and what decodes encodes back to
//! the same operation (`ticket_core::fuzzing::change_records`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ticket_core::fuzzing::change_records(data);
});
