//! Date expressions never panic, neither when parsed nor when resolved against any of a range
//! of "today"s (including month ends, leap days and far years); resolved dates (or a clean `None` out of
//! range) are valid calendar dates whose text form parses back as an absolute date expression to the same date.
#![no_main]
use chrono::{Datelike, NaiveDate};
use libfuzzer_sys::fuzz_target;
use ticket_query::{parse_date_expr, ResolvedDate};

fn todays() -> [NaiveDate; 5] {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid");
    [
        d(2024, 3, 13),
        d(2024, 1, 31),
        d(2024, 2, 29),
        d(2023, 12, 31),
        d(1970, 1, 1),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = parse_date_expr(text) else {
        return;
    };
    for today in todays() {
        // Out of chrono's range is `None`, a clean refusal.
        let date = match expr.resolve(today) {
            None => continue,
            Some(ResolvedDate::Date(d)) => d,
            Some(ResolvedDate::DateTime(t)) => t.date(),
        };
        // A NaiveDate is valid by construction; check it round-trips through its text form,
        // which is what the core stores.
        let stored = date.format("%Y-%m-%d").to_string();
        if (0..=9999).contains(&date.year()) {
            let back = parse_date_expr(&stored)
                .unwrap_or_else(|e| panic!("stored date {stored} does not parse: {e}"));
            let back = match back.resolve(today) {
                Some(ResolvedDate::Date(d)) => d,
                Some(ResolvedDate::DateTime(t)) => t.date(),
                None => panic!("stored date {stored} does not resolve"),
            };
            assert_eq!(back, date, "{text:?} → {stored}");
        }
    }
});
