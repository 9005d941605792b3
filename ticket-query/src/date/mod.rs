//! Date expressions (domain spec 4.3) and repeaters (4.4).
//!
//! ```text
//! date_expr = anchor [ offset ] | offset
//! anchor    = YYYY-MM-DD [ (" " | "T") HH:MM ] | "." | "today" | "tomorrow" | "yesterday"
//!           | weekday | "sow" | "eow" | "som" | "eom" | "soy" | "eoy"
//! offset    = ("+" | "-") digits [ "d" | "w" | "m" | "y" ]
//! repeater  = ("+" | "++" | ".+") digits [ unit ]
//! ```
//!
//! The parsers (nom) are in [`parse`]; this module holds the types, resolution and display.
use std::fmt;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Weekday};

use crate::span::Span;

mod parse;
pub use parse::{parse_absolute, parse_date_expr, parse_repeater};

/// A unit of an offset or repeater.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Calendar months (the day is clamped to the month's end).
    Month,
    /// Calendar years.
    Year,
}

impl Unit {
    fn letter(self) -> char {
        match self {
            Unit::Day => 'd',
            Unit::Week => 'w',
            Unit::Month => 'm',
            Unit::Year => 'y',
        }
    }
}

/// The anchor of a date expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// An absolute date.
    Date(NaiveDate),
    /// An absolute date and time.
    DateTime(NaiveDateTime),
    /// `.` or `today`.
    Today,
    /// `tomorrow`.
    Tomorrow,
    /// `yesterday`.
    Yesterday,
    /// The next such weekday after today (1 to 7 days ahead).
    Next(Weekday),
    /// `sow`: Monday of this ISO week.
    StartOfWeek,
    /// `eow`: Sunday of this ISO week.
    EndOfWeek,
    /// `som`.
    StartOfMonth,
    /// `eom`.
    EndOfMonth,
    /// `soy`.
    StartOfYear,
    /// `eoy`.
    EndOfYear,
}

/// A parsed date expression (`ANCHOR`, `ANCHOR±N[UNIT]` or `±N[UNIT]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateExpr {
    /// The anchor (today when the expression is only an offset).
    pub anchor: Anchor,
    /// The signed offset and its unit, if any.
    pub offset: Option<(i64, Unit)>,
}

/// A date expression resolved against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResolvedDate {
    /// A day.
    Date(NaiveDate),
    /// A day and a time (minutes).
    DateTime(NaiveDateTime),
}

impl ResolvedDate {
    /// The day.
    pub fn date(&self) -> NaiveDate {
        match self {
            ResolvedDate::Date(d) => *d,
            ResolvedDate::DateTime(dt) => dt.date(),
        }
    }

    fn shift(self, n: i64, unit: Unit) -> Option<ResolvedDate> {
        match self {
            ResolvedDate::Date(d) => shift_date(d, n, unit).map(ResolvedDate::Date),
            ResolvedDate::DateTime(dt) => shift_date(dt.date(), n, unit)
                .map(|d| ResolvedDate::DateTime(d.and_time(dt.time()))),
        }
    }
}

impl fmt::Display for ResolvedDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolvedDate::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            ResolvedDate::DateTime(dt) => write!(f, "{}", dt.format("%Y-%m-%d %H:%M")),
        }
    }
}

/// Why a text is not a date expression or repeater.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DateError {
    /// Where in the text the problem is (byte offsets).
    pub span: Span,
    /// What was wrong and what was expected.
    pub message: String,
}

fn shift_date(d: NaiveDate, n: i64, unit: Unit) -> Option<NaiveDate> {
    let shifted = match unit {
        Unit::Day => d.checked_add_signed(Duration::try_days(n)?),
        Unit::Week => d.checked_add_signed(Duration::try_days(n.checked_mul(7)?)?),
        Unit::Month | Unit::Year => {
            let months = if unit == Unit::Year {
                n.checked_mul(12)?
            } else {
                n
            };
            let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
            if months >= 0 {
                d.checked_add_months(m)
            } else {
                d.checked_sub_months(m)
            }
        }
    };
    shifted.filter(|d| in_years(*d))
}

fn err(start: usize, end: usize, message: impl Into<String>) -> DateError {
    DateError {
        span: Span::new(start, end),
        message: message.into(),
    }
}

const WEEKDAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "monday", Weekday::Mon),
    ("tue", "tuesday", Weekday::Tue),
    ("wed", "wednesday", Weekday::Wed),
    ("thu", "thursday", Weekday::Thu),
    ("fri", "friday", Weekday::Fri),
    ("sat", "saturday", Weekday::Sat),
    ("sun", "sunday", Weekday::Sun),
];

impl DateExpr {
    /// Resolves the expression against `today`; `None` when the date leaves the years 1 to 9999.
    pub fn resolve(&self, today: NaiveDate) -> Option<ResolvedDate> {
        let day = |d: Option<NaiveDate>| d.map(ResolvedDate::Date);
        let base = match self.anchor {
            Anchor::Date(d) => Some(ResolvedDate::Date(d)),
            Anchor::DateTime(dt) => Some(ResolvedDate::DateTime(dt)),
            Anchor::Today => Some(ResolvedDate::Date(today)),
            Anchor::Tomorrow => day(today.succ_opt()),
            Anchor::Yesterday => day(today.pred_opt()),
            Anchor::Next(w) => {
                let ahead = (w.num_days_from_monday() as i64
                    - today.weekday().num_days_from_monday() as i64)
                    .rem_euclid(7);
                day(today.checked_add_signed(Duration::days(if ahead == 0 { 7 } else { ahead })))
            }
            Anchor::StartOfWeek => day(today
                .checked_sub_signed(Duration::days(today.weekday().num_days_from_monday() as i64))),
            Anchor::EndOfWeek => day(today.checked_add_signed(Duration::days(
                6 - today.weekday().num_days_from_monday() as i64,
            ))),
            Anchor::StartOfMonth => day(today.with_day(1)),
            Anchor::EndOfMonth => day(today
                .with_day(1)
                .and_then(|d| d.checked_add_months(Months::new(1)))
                .and_then(|d| d.pred_opt())),
            Anchor::StartOfYear => day(NaiveDate::from_ymd_opt(today.year(), 1, 1)),
            Anchor::EndOfYear => day(NaiveDate::from_ymd_opt(today.year(), 12, 31)),
        }?;
        match self.offset {
            None => Some(base),
            Some((n, unit)) => base.shift(n, unit),
        }
        .filter(|d| in_years(d.date()))
    }
}

/// Whether a day is in the years 1 to 9999, the range of every stored date (`YYYY-MM-DD`).
pub(crate) fn in_years(d: NaiveDate) -> bool {
    (1..=9999).contains(&d.year())
}

impl fmt::Display for DateExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let anchor = match self.anchor {
            Anchor::Date(d) => d.format("%Y-%m-%d").to_string(),
            Anchor::DateTime(dt) => dt.format("%Y-%m-%dT%H:%M").to_string(),
            Anchor::Today => ".".into(),
            Anchor::Tomorrow => "tomorrow".into(),
            Anchor::Yesterday => "yesterday".into(),
            Anchor::Next(w) => WEEKDAYS
                .iter()
                .find(|(_, _, d)| *d == w)
                .map_or("", |(s, _, _)| s)
                .into(),
            Anchor::StartOfWeek => "sow".into(),
            Anchor::EndOfWeek => "eow".into(),
            Anchor::StartOfMonth => "som".into(),
            Anchor::EndOfMonth => "eom".into(),
            Anchor::StartOfYear => "soy".into(),
            Anchor::EndOfYear => "eoy".into(),
        };
        f.write_str(&anchor)?;
        if let Some((n, unit)) = self.offset {
            write!(
                f,
                "{}{}{}",
                if n < 0 { '-' } else { '+' },
                n.unsigned_abs(),
                unit.letter()
            )?;
        }
        Ok(())
    }
}

/// How a repeated date moves when its ticket is closed (domain spec 4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatKind {
    /// `+N`: move by exactly N once.
    Shift,
    /// `++N`: move by N as many times as needed to be after today.
    CatchUp,
    /// `.+N`: today + N.
    FromToday,
}

/// A repeater such as `+1w`, `++1m` or `.+2d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeater {
    /// How the date moves.
    pub kind: RepeatKind,
    /// By how many units (at least 1).
    pub count: i64,
    /// The unit.
    pub unit: Unit,
}

impl Repeater {
    /// The next occurrence of `date` when its ticket is closed on `today`.
    pub fn apply(&self, date: ResolvedDate, today: NaiveDate) -> Option<ResolvedDate> {
        match self.kind {
            RepeatKind::Shift => date.shift(self.count, self.unit),
            RepeatKind::FromToday => {
                let base = match date {
                    ResolvedDate::Date(_) => ResolvedDate::Date(today),
                    ResolvedDate::DateTime(dt) => ResolvedDate::DateTime(today.and_time(dt.time())),
                };
                base.shift(self.count, self.unit)
            }
            RepeatKind::CatchUp => {
                let mut next = date.shift(self.count, self.unit)?;
                let mut steps = 1;
                while next.date() <= today {
                    steps += 1;
                    // shift from the original date each time so month clamping does not drift
                    next = date.shift(self.count.checked_mul(steps)?, self.unit)?;
                    if steps > 1_000_000 {
                        return None;
                    }
                }
                Some(next)
            }
        }
    }
}

impl fmt::Display for Repeater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.kind {
            RepeatKind::Shift => "+",
            RepeatKind::CatchUp => "++",
            RepeatKind::FromToday => ".+",
        };
        write!(f, "{prefix}{}{}", self.count, self.unit.letter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, 13).unwrap() // a Wednesday
    }

    fn r(text: &str) -> String {
        parse_date_expr(text)
            .unwrap()
            .resolve(today())
            .unwrap()
            .to_string()
    }

    #[test]
    fn spec_examples() {
        assert_eq!(r("."), "2024-03-13");
        assert_eq!(r("+3"), "2024-03-16");
        assert_eq!(r("-2w"), "2024-02-28");
        assert_eq!(r("fri"), "2024-03-15");
        assert_eq!(r("wed"), "2024-03-20");
        assert_eq!(r("eom"), "2024-03-31");
        assert_eq!(r("sow-1w"), "2024-03-04");
        assert_eq!(r("2024-01-31+1m"), "2024-02-29");
    }

    #[test]
    fn anchors_and_units() {
        assert_eq!(r("today"), "2024-03-13");
        assert_eq!(r("TOMORROW"), "2024-03-14");
        assert_eq!(r("yesterday"), "2024-03-12");
        assert_eq!(r("Thursday"), "2024-03-14");
        assert_eq!(r("tue"), "2024-03-19");
        assert_eq!(r("sow"), "2024-03-11");
        assert_eq!(r("eow"), "2024-03-17");
        assert_eq!(r("som"), "2024-03-01");
        assert_eq!(r("soy"), "2024-01-01");
        assert_eq!(r("eoy"), "2024-12-31");
        assert_eq!(r("+1y"), "2025-03-13");
        assert_eq!(r("2024-02-29+1y"), "2025-02-28");
        assert_eq!(r("-1m"), "2024-02-13");
        assert_eq!(r("2024-03-01 10:30"), "2024-03-01 10:30");
        assert_eq!(r("2024-03-01T10:30+1d"), "2024-03-02 10:30");
    }

    #[test]
    fn bad_expressions_are_errors_with_spans() {
        let e = parse_date_expr("someday").unwrap_err();
        assert_eq!(e.span, Span::new(0, 7));
        let e = parse_date_expr("+3x").unwrap_err();
        assert_eq!(e.span, Span::new(2, 3));
        assert!(parse_date_expr("2024-02-30").is_err());
        assert!(parse_date_expr("").is_err());
        assert!(parse_date_expr("+").is_err());
        assert!(parse_date_expr(".x").is_err());
        assert!(parse_date_expr("+99999999999999999999").is_err());
    }

    #[test]
    fn invalid_calendar_dates_say_so() {
        let msg = |t: &str| parse_date_expr(t).unwrap_err().message;
        assert_eq!(
            msg("2024-02-30"),
            "'2024-02-30' is not a calendar date: month 02 of 2024 has no day 30"
        );
        assert_eq!(
            msg("2024-13-01+1d"),
            "'2024-13-01' is not a calendar date: there is no month 13"
        );
        assert_eq!(
            msg("2024-03-01 25:00"),
            "'25:00' is not a time of day: expected HH:MM from 00:00 to 23:59"
        );
        assert_eq!(
            parse_date_expr("2024-03-01 25:00").unwrap_err().span,
            Span::new(11, 16)
        );
        assert_eq!(
            msg("0000-01-01"),
            "'0000-01-01' is out of range: years 1 to 9999"
        );
        assert!(parse_date_expr("2023-02-29").is_err());
        assert!(parse_date_expr("2024-02-29").is_ok());
    }

    #[test]
    fn dates_stay_in_the_years_1_to_9999() {
        let resolve = |t: &str| parse_date_expr(t).unwrap().resolve(today());
        assert_eq!(resolve("9999-12-31").unwrap().to_string(), "9999-12-31");
        assert_eq!(resolve("9999-12-31+1d"), None);
        assert_eq!(resolve("0001-01-01-1d"), None);
        assert_eq!(resolve("+8000y"), None);
        let last = ResolvedDate::Date(NaiveDate::from_ymd_opt(9999, 12, 1).unwrap());
        assert_eq!(parse_repeater("+1m").unwrap().apply(last, today()), None);
    }

    #[test]
    fn display_round_trips() {
        for text in [
            ".",
            "+3d",
            "sow-1w",
            "2024-01-31+1m",
            "fri",
            "2024-03-01T10:30",
        ] {
            let e = parse_date_expr(text).unwrap();
            assert_eq!(parse_date_expr(&e.to_string()).unwrap(), e);
        }
    }

    #[test]
    fn repeaters() {
        let d = ResolvedDate::Date(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
        let t = today();
        assert_eq!(
            parse_repeater("+1m")
                .unwrap()
                .apply(d, t)
                .unwrap()
                .to_string(),
            "2024-04-01"
        );
        assert_eq!(
            parse_repeater("+1w")
                .unwrap()
                .apply(d, t)
                .unwrap()
                .to_string(),
            "2024-03-08"
        );
        assert_eq!(
            parse_repeater("++1w")
                .unwrap()
                .apply(d, t)
                .unwrap()
                .to_string(),
            "2024-03-15"
        );
        assert_eq!(
            parse_repeater(".+2d")
                .unwrap()
                .apply(d, t)
                .unwrap()
                .to_string(),
            "2024-03-15"
        );
        assert!(parse_repeater("1w").is_err());
        assert!(parse_repeater("+0d").is_err());
        assert_eq!(parse_repeater("++2").unwrap().to_string(), "++2d");
    }
}
