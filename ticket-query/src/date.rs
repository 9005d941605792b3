//! Date expressions (domain spec 4.3) and repeaters (4.4).
//!
//! ```text
//! date_expr = anchor [ offset ] | offset
//! anchor    = YYYY-MM-DD [ (" " | "T") HH:MM ] | "." | "today" | "tomorrow" | "yesterday"
//!           | weekday | "sow" | "eow" | "som" | "eom" | "soy" | "eoy"
//! offset    = ("+" | "-") digits [ "d" | "w" | "m" | "y" ]
//! repeater  = ("+" | "++" | ".+") digits [ unit ]
//! ```
use std::fmt;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use crate::span::Span;

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
    match unit {
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
    }
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

/// Parses an absolute `YYYY-MM-DD[( |T)HH:MM]` at the start of `text`; returns it and its length.
pub fn parse_absolute(text: &str) -> Option<(ResolvedDate, usize)> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return None;
    }
    let date = NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").ok()?;
    if matches!(b.get(10), Some(b' ') | Some(b'T'))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
    {
        let time = NaiveTime::parse_from_str(&text[11..16], "%H:%M").ok()?;
        return Some((ResolvedDate::DateTime(date.and_time(time)), 16));
    }
    Some((ResolvedDate::Date(date), 10))
}

fn parse_count_unit(text: &str, base: usize) -> Result<(i64, Unit), DateError> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if digits_end == 0 {
        return Err(err(
            base,
            base + text.len().max(1),
            "expected a number of days, weeks, months or years",
        ));
    }
    let n: i64 = text[..digits_end]
        .parse()
        .ok()
        .filter(|n| *n <= 100_000)
        .ok_or_else(|| {
            err(
                base,
                base + digits_end,
                "number too large in a date offset (at most 100000)",
            )
        })?;
    let unit = match text[digits_end..].to_ascii_lowercase().as_str() {
        "" | "d" => Unit::Day,
        "w" => Unit::Week,
        "m" => Unit::Month,
        "y" => Unit::Year,
        _ => {
            return Err(err(
                base + digits_end,
                base + text.len(),
                format!(
                    "unknown unit '{}': expected d, w, m or y",
                    &text[digits_end..]
                ),
            ))
        }
    };
    Ok((n, unit))
}

/// Parses a date expression.
///
/// ```
/// use chrono::NaiveDate;
/// let today = NaiveDate::from_ymd_opt(2024, 3, 13).unwrap();
/// let e = ticket_query::parse_date_expr("2024-01-31+1m").unwrap();
/// assert_eq!(e.resolve(today).unwrap().to_string(), "2024-02-29");
/// ```
pub fn parse_date_expr(text: &str) -> Result<DateExpr, DateError> {
    if text.is_empty() {
        return Err(err(0, 0, "expected a date expression"));
    }
    let (anchor, rest_at) = if let Some((abs, len)) = parse_absolute(text) {
        let a = match abs {
            ResolvedDate::Date(d) => Anchor::Date(d),
            ResolvedDate::DateTime(dt) => Anchor::DateTime(dt),
        };
        (Some(a), len)
    } else if text.starts_with('.') {
        (Some(Anchor::Today), 1)
    } else {
        let word_end = text
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(text.len());
        if word_end == 0 {
            (None, 0)
        } else {
            let word = text[..word_end].to_ascii_lowercase();
            let anchor = match word.as_str() {
                "today" => Anchor::Today,
                "tomorrow" => Anchor::Tomorrow,
                "yesterday" => Anchor::Yesterday,
                "sow" => Anchor::StartOfWeek,
                "eow" => Anchor::EndOfWeek,
                "som" => Anchor::StartOfMonth,
                "eom" => Anchor::EndOfMonth,
                "soy" => Anchor::StartOfYear,
                "eoy" => Anchor::EndOfYear,
                w => match WEEKDAYS.iter().find(|(s, l, _)| *s == w || *l == w) {
                    Some((_, _, day)) => Anchor::Next(*day),
                    None => return Err(err(0, word_end, format!("'{}' is not a date: expected YYYY-MM-DD, ., today, a weekday, sow/eow/som/eom/soy/eoy or ±N[dwmy]", &text[..word_end]))),
                },
            };
            (Some(anchor), word_end)
        }
    };
    let rest = &text[rest_at..];
    if rest.is_empty() {
        return match anchor {
            Some(anchor) => Ok(DateExpr {
                anchor,
                offset: None,
            }),
            None => Err(err(0, text.len(), "expected a date expression")),
        };
    }
    let sign = match rest.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => {
            return Err(err(rest_at, text.len(), format!("unexpected '{rest}' in a date: expected +N or -N with an optional unit d, w, m or y")))
        }
    };
    let (n, unit) = parse_count_unit(&rest[1..], rest_at + 1)?;
    Ok(DateExpr {
        anchor: anchor.unwrap_or(Anchor::Today),
        offset: Some((sign * n, unit)),
    })
}

impl DateExpr {
    /// Resolves the expression against `today`; `None` only when the date leaves chrono's range.
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
    }
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

/// Parses a repeater (`+N[UNIT]`, `++N[UNIT]`, `.+N[UNIT]`).
///
/// ```
/// let r = ticket_query::parse_repeater("++1w").unwrap();
/// assert_eq!(r.to_string(), "++1w");
/// ```
pub fn parse_repeater(text: &str) -> Result<Repeater, DateError> {
    let (kind, at) = if text.starts_with("++") {
        (RepeatKind::CatchUp, 2)
    } else if text.starts_with(".+") {
        (RepeatKind::FromToday, 2)
    } else if text.starts_with('+') {
        (RepeatKind::Shift, 1)
    } else {
        return Err(err(0, text.len(), format!("'{text}' is not a repeater: expected +N, ++N or .+N with an optional unit d, w, m or y")));
    };
    let (count, unit) = parse_count_unit(&text[at..], at)?;
    if count == 0 {
        return Err(err(
            at,
            text.len(),
            "a repeater must move the date by at least 1",
        ));
    }
    Ok(Repeater { kind, count, unit })
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
