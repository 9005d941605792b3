//! nom parsers for date expressions and repeaters (grammar in the parent module's docs).
//!
//! The pieces are plain nom parsers over `&str` with `()` as their error: where a piece does
//! not match, the caller knows which rule failed and builds the [`DateError`] (message and span)
//! itself, so the messages name the date language, not nom.
use chrono::{NaiveDate, NaiveTime};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while_m_n};
use nom::character::complete::{char, digit0, one_of};
use nom::combinator::{eof, opt, recognize, value};
use nom::{IResult, Parser};

use super::{err, Anchor, DateError, DateExpr, RepeatKind, Repeater, ResolvedDate, Unit, WEEKDAYS};

type Piece<'a, T> = IResult<&'a str, T, ()>;

/// Exactly `n` ASCII digits.
fn digits<'a>(n: usize) -> impl Parser<&'a str, Output = &'a str, Error = ()> {
    take_while_m_n(n, n, |c: char| c.is_ascii_digit())
}

/// `YYYY-MM-DD`
fn ymd(i: &str) -> Piece<'_, &str> {
    recognize((digits(4), char('-'), digits(2), char('-'), digits(2))).parse(i)
}

/// `( " " | "T" ) HH:MM`
fn hm(i: &str) -> Piece<'_, &str> {
    (one_of(" T"), recognize((digits(2), char(':'), digits(2))))
        .map(|(_, t)| t)
        .parse(i)
}

/// Parses an absolute `YYYY-MM-DD[( |T)HH:MM]` at the start of `text`; returns it and its length.
///
/// ```
/// let (d, len) = ticket_query::parse_absolute("2024-03-13T09:30 and more").unwrap();
/// assert_eq!((d.to_string().as_str(), len), ("2024-03-13 09:30", 16));
/// assert!(ticket_query::parse_absolute("2024-02-30").is_none());
/// ```
pub fn parse_absolute(text: &str) -> Option<(ResolvedDate, usize)> {
    let (rest, day) = ymd(text).ok()?;
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .filter(|d| super::in_years(*d))?;
    if let Ok((_, time)) = hm(rest) {
        let time = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
        return Some((ResolvedDate::DateTime(date.and_time(time)), 16));
    }
    Some((ResolvedDate::Date(date), 10))
}

/// Why text shaped like `YYYY-MM-DD[( |T)HH:MM]` is not an absolute date (a day that is not in
/// the calendar, a year outside 1–9999, a time that is not on the clock); `None` when the text
/// does not have that shape or is a valid date.
fn invalid_absolute(text: &str) -> Option<DateError> {
    let (rest, day) = ymd(text).ok()?;
    let (y, m, d) = (&day[..4], &day[5..7], &day[8..10]);
    let month: u32 = m.parse().ok()?;
    let problem = if y == "0000" {
        Some(format!("'{day}' is out of range: years 1 to 9999"))
    } else if !(1..=12).contains(&month) {
        Some(format!(
            "'{day}' is not a calendar date: there is no month {m}"
        ))
    } else if NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
        Some(format!(
            "'{day}' is not a calendar date: month {m} of {y} has no day {d}"
        ))
    } else {
        None
    };
    if let Some(message) = problem {
        return Some(err(0, day.len(), message));
    }
    let (_, time) = hm(rest).ok()?;
    NaiveTime::parse_from_str(time, "%H:%M").is_err().then(|| {
        err(
            11,
            16,
            format!("'{time}' is not a time of day: expected HH:MM from 00:00 to 23:59"),
        )
    })
}

/// unit = "d" | "w" | "m" | "y" (any case)
fn unit(i: &str) -> Piece<'_, Unit> {
    alt((
        value(Unit::Day, one_of("dD")),
        value(Unit::Week, one_of("wW")),
        value(Unit::Month, one_of("mM")),
        value(Unit::Year, one_of("yY")),
    ))
    .parse(i)
}

/// digits [ unit ] — the whole of `text`, which starts at byte `base` of the expression.
fn count_unit(text: &str, base: usize) -> Result<(i64, Unit), DateError> {
    let (rest, number) = digit0::<&str, ()>(text).expect("digit0 cannot fail on complete input");
    if number.is_empty() {
        return Err(err(
            base,
            base + text.len().max(1),
            "expected a number of days, weeks, months or years",
        ));
    }
    let n: i64 = number
        .parse()
        .ok()
        .filter(|n| *n <= 100_000)
        .ok_or_else(|| {
            err(
                base,
                base + number.len(),
                "number too large in a date offset (at most 100000)",
            )
        })?;
    match (opt(unit), eof).parse(rest) {
        Ok((_, (u, _))) => Ok((n, u.unwrap_or(Unit::Day))),
        Err(_) => Err(err(
            base + number.len(),
            base + text.len(),
            format!("unknown unit '{rest}': expected d, w, m or y"),
        )),
    }
}

/// The anchor words (case-insensitive).
fn anchor_word(word: &str) -> Option<Anchor> {
    let w = word.to_ascii_lowercase();
    Some(match w.as_str() {
        "today" => Anchor::Today,
        "tomorrow" => Anchor::Tomorrow,
        "yesterday" => Anchor::Yesterday,
        "sow" => Anchor::StartOfWeek,
        "eow" => Anchor::EndOfWeek,
        "som" => Anchor::StartOfMonth,
        "eom" => Anchor::EndOfMonth,
        "soy" => Anchor::StartOfYear,
        "eoy" => Anchor::EndOfYear,
        w => {
            let (_, _, day) = WEEKDAYS.iter().find(|(s, l, _)| *s == w || *l == w)?;
            Anchor::Next(*day)
        }
    })
}

/// anchor = absolute | "." | word; returns the anchor (if any) and the input after it.
fn anchor(text: &str) -> Result<(Option<Anchor>, &str), DateError> {
    if let Some(e) = invalid_absolute(text) {
        return Err(e);
    }
    if let Some((abs, len)) = parse_absolute(text) {
        let a = match abs {
            ResolvedDate::Date(d) => Anchor::Date(d),
            ResolvedDate::DateTime(dt) => Anchor::DateTime(dt),
        };
        return Ok((Some(a), &text[len..]));
    }
    if let Ok((rest, _)) = char::<&str, ()>('.').parse(text) {
        return Ok((Some(Anchor::Today), rest));
    }
    let (rest, word) = take_while::<_, &str, ()>(|c: char| c.is_ascii_alphabetic())
        .parse(text)
        .expect("take_while cannot fail");
    if word.is_empty() {
        return Ok((None, text));
    }
    match anchor_word(word) {
        Some(a) => Ok((Some(a), rest)),
        None => Err(err(
            0,
            word.len(),
            format!("'{word}' is not a date: expected YYYY-MM-DD, ., today, a weekday, sow/eow/som/eom/soy/eoy or ±N[dwmy]"),
        )),
    }
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
    let (anchor, rest) = anchor(text)?;
    let rest_at = text.len() - rest.len();
    if rest.is_empty() {
        return match anchor {
            Some(anchor) => Ok(DateExpr {
                anchor,
                offset: None,
            }),
            None => Err(err(0, text.len(), "expected a date expression")),
        };
    }
    let Ok((count, sign)) = one_of::<&str, &str, ()>("+-").parse(rest) else {
        return Err(err(
            rest_at,
            text.len(),
            format!("unexpected '{rest}' in a date: expected +N or -N with an optional unit d, w, m or y"),
        ));
    };
    let (n, unit) = count_unit(count, rest_at + 1)?;
    let sign = if sign == '-' { -1 } else { 1 };
    Ok(DateExpr {
        anchor: anchor.unwrap_or(Anchor::Today),
        offset: Some((sign * n, unit)),
    })
}

/// Parses a repeater (`+N[UNIT]`, `++N[UNIT]`, `.+N[UNIT]`).
///
/// ```
/// let r = ticket_query::parse_repeater("++1w").unwrap();
/// assert_eq!(r.to_string(), "++1w");
/// ```
pub fn parse_repeater(text: &str) -> Result<Repeater, DateError> {
    let kind = alt((
        value(RepeatKind::CatchUp, tag::<&str, &str, ()>("++")),
        value(RepeatKind::FromToday, tag(".+")),
        value(RepeatKind::Shift, tag("+")),
    ))
    .parse(text);
    let Ok((count, kind)) = kind else {
        return Err(err(0, text.len(), format!("'{text}' is not a repeater: expected +N, ++N or .+N with an optional unit d, w, m or y")));
    };
    let at = text.len() - count.len();
    let (count, unit) = count_unit(count, at)?;
    if count == 0 {
        return Err(err(
            at,
            text.len(),
            "a repeater must move the date by at least 1",
        ));
    }
    Ok(Repeater { kind, count, unit })
}
