//! The stored timestamp, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, read and written without chrono's
//! parser and formatter: a listing reads two per ticket and writes them again (issue 16;
//! benches/README.md, session 15). Both are checked against chrono by the property tests
//! below.
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` exactly, a real date and time (no leap second), or `None`.
pub(crate) fn parse_stored(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() != 27
        || (b[4], b[7], b[10], b[13], b[16], b[19], b[26])
            != (b'-', b'-', b'T', b':', b':', b'.', b'Z')
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    // chrono's own constructors: cheaper than its parser, and than building from a count of
    // seconds (which converts back to its calendar representation)
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    // no leap seconds here (`:60` is refused): chrono's parser has its own reading of them
    let time = date.and_hms_micro_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 26)?)?;
    Some(time.and_utc())
}

/// Two decimal digits of each number below 100.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

fn pair(out: &mut [u8], n: u32) {
    let i = 2 * n as usize;
    out.copy_from_slice(&PAIRS[i..i + 2]);
}

/// `at` in the stored form, its microseconds truncated, into a 27-byte buffer; `None` for a
/// year outside 0..=9999 or a leap second (nanoseconds of a second ≥ 10⁹), which chrono
/// writes its own way.
pub(crate) fn format_stored(at: DateTime<Utc>) -> Option<[u8; 27]> {
    // the naive parts, read once: each accessor of a `DateTime` converts to local time first
    let naive = at.naive_utc();
    let (date, time) = (naive.date(), naive.time());
    let (year, nanos) = (date.year(), time.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    let (year, micros) = (year as u32, nanos / 1000);
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    pair(&mut out[0..2], year / 100);
    pair(&mut out[2..4], year % 100);
    pair(&mut out[5..7], date.month());
    pair(&mut out[8..10], date.day());
    pair(&mut out[11..13], time.hour());
    pair(&mut out[14..16], time.minute());
    pair(&mut out[17..19], time.second());
    pair(&mut out[20..22], micros / 10_000);
    pair(&mut out[22..24], micros / 100 % 100);
    pair(&mut out[24..26], micros % 100);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_stored_form_is_chronos(
            secs in -62_167_219_200i64..253_402_300_799,
            micros in 0u32..1_000_000,
            extra in 0u32..1000,
        ) {
            let at = DateTime::from_timestamp(secs, micros * 1000 + extra).unwrap();
            let text = at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
            let ours = format_stored(at).map(|b| String::from_utf8(b.to_vec()).unwrap());
            prop_assert_eq!(ours, Some(text.clone()));
            prop_assert_eq!(parse_stored(&text), DateTime::from_timestamp(secs, micros * 1000));
        }

        #[test]
        fn any_date_and_time_text_parses_as_chrono_parses_it(
            y in 0u32..10_000,
            mo in 0u32..14,
            d in 0u32..33,
            h in 0u32..25,
            mi in 0u32..61,
            s in 0u32..62,
            us in 0u32..1_000_000,
        ) {
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z");
            let chrono = NaiveDate::from_ymd_opt(y as i32, mo, d)
                .and_then(|date| date.and_hms_micro_opt(h, mi, s, us))
                .map(|t| t.and_utc());
            prop_assert_eq!(parse_stored(&text), chrono, "{}", text);
        }
    }

    #[test]
    fn the_ends_of_the_stored_range() {
        for text in [
            "0000-01-01T00:00:00.000000Z",
            "9999-12-31T23:59:59.999999Z",
            "2000-02-29T12:00:00.000001Z",
            "1900-02-28T00:00:00.000000Z",
        ] {
            let at = parse_stored(text).unwrap();
            assert_eq!(&format_stored(at).unwrap(), text.as_bytes());
        }
        for bad in [
            "1900-02-29T00:00:00.000000Z",
            "2023-04-31T00:00:00.000000Z",
            "2023-13-01T00:00:00.000000Z",
            "2023-12-01T24:00:00.000000Z",
            "2023-12-01T23:59:60.000000Z",
            "2023-12-01T23:59:59.000000+",
            "2023-12-01 23:59:59.000000Z",
        ] {
            assert_eq!(parse_stored(bad), None, "{bad}");
        }
        let far = DateTime::from_timestamp(253_402_300_800, 0).unwrap();
        assert_eq!(format_stored(far), None);
    }
}
