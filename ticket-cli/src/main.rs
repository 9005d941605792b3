//! The `ticket` command (being written: issue 5).
fn main() {}
