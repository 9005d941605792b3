//! Silo generator and benchmarks (being written: issue 8).
fn main() {}
