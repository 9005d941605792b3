//! The listing's two hot shapes written straight into a byte buffer (issue 16): a
//! [`TicketRow`] as one element of the pretty JSON array of `lt --format json`, and as one
//! CSV record under [`CSV_HEADER`](super::CSV_HEADER).
//!
//! These are not a second serializer: they write exactly the bytes the serde path writes
//! ([`TicketDoc`](super::TicketDoc) through `serde_json::to_writer_pretty`, and
//! [`TicketDoc::csv_record`](super::TicketDoc::csv_record) through the `csv` crate's default
//! writer), field for field, and the tests below compare both on random rows. They exist
//! because building a `TicketDoc` and running serde's pretty printer cost more than the rest
//! of a listing (3.4 µs of a row's time on the generator's tickets): here nothing is
//! allocated, and escaping copies runs of plain bytes at once.
use chrono::{DateTime, Utc};

use crate::model::TicketRow;

/// A byte of ones and a byte's high bit, in each of a word's eight bytes (the word-at-a-time
/// tests below).
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `"` and `\` and the control characters need a JSON escape; nothing else does.
fn json_escape_of(b: u8) -> Option<&'static [u8]> {
    Some(match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0c => b"\\f",
        0..=0x1f => b"\\u00",
        _ => return None,
    })
}

/// Whether any of the eight bytes of `w` is a control character, `"` or `\\` (the bytes a JSON
/// string escapes): the exact zero-byte tests of a word.
fn any_escape_in(w: u64) -> bool {
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    (below_space | zero(quote) | zero(backslash)) & HIGH != 0
}

/// Whether `bytes` holds nothing a JSON string escapes, a word at a time (the last, short
/// word padded with plain bytes).
fn plain(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if any_escape_in(u64::from_le_bytes(w)) {
            return false;
        }
    }
    let rest = words.remainder();
    let mut w = [b' '; 8];
    w[..rest.len()].copy_from_slice(rest);
    !any_escape_in(u64::from_le_bytes(w))
}

/// `s` as a JSON string (quotes included), escaped as `serde_json` escapes: the short escapes
/// for `\b \t \n \f \r " \\`, `\u00xx` (lower-case hex) for the other control characters.
/// A string with nothing to escape (nearly all) is copied whole.
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if plain(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let Some(escape) = json_escape_of(b) else {
            continue;
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        if escape == b"\\u00" {
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// An integer in decimal.
fn integer(out: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}

/// [`super::timestamp`] (`2024-03-13T09:00:00.000000Z`) without a `String`; years outside
/// 0..=9999 and leap seconds, which chrono writes its own way, go through chrono.
pub fn timestamp(out: &mut Vec<u8>, at: DateTime<Utc>) {
    match crate::stored_at::format_stored(at) {
        Some(bytes) => out.extend_from_slice(&bytes),
        None => out.extend_from_slice(super::timestamp(at).as_bytes()),
    }
}

/// A JSON array of strings, pretty, its items at `indent` (the `]` two spaces less); `[]`
/// when empty, as serde's pretty printer writes it.
fn json_string_list<'a>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = &'a str>,
    indent: &[u8],
) {
    let mut any = false;
    for item in items {
        out.extend_from_slice(if any { b",\n" } else { b"[\n" });
        out.extend_from_slice(indent);
        json_str(out, item);
        any = true;
    }
    if any {
        out.push(b'\n');
        out.extend_from_slice(&indent[2..]);
        out.push(b']');
    } else {
        out.extend_from_slice(b"[]");
    }
}

/// Appends `r` as an element of a pretty-printed JSON array: the object indented by two
/// spaces, its fields by four, with no line break before or after it; the bytes
/// `serde_json::to_writer_pretty` writes for `[TicketDoc::from(r)]` between `[\n` and `\n]`.
pub fn json_element(out: &mut Vec<u8>, r: &TicketRow) {
    out.extend_from_slice(b"  {\n    \"number\": ");
    json_str(out, r.number.as_str());
    out.extend_from_slice(b",\n    \"uuid\": ");
    json_str(out, &r.uuid);
    out.extend_from_slice(b",\n    \"status\": ");
    json_str(out, r.status.name());
    out.extend_from_slice(b",\n    \"title\": ");
    json_str(out, &r.title);
    out.extend_from_slice(b",\n    \"summary\": ");
    json_str(out, &r.summary);
    out.extend_from_slice(b",\n    \"opened\": \"");
    timestamp(out, r.opened);
    out.extend_from_slice(b"\",\n    \"last_update\": \"");
    timestamp(out, r.last_update);
    out.extend_from_slice(b"\",\n    \"tags\": ");
    json_string_list(out, r.tags.iter().map(String::as_str), b"      ");
    out.extend_from_slice(b",\n    \"properties\": ");
    if r.properties.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        for (i, (key, value)) in r.properties.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"[\n" } else { b",\n" });
            out.extend_from_slice(b"      {\n        \"key\": ");
            json_str(out, key);
            out.extend_from_slice(b",\n        \"value\": ");
            json_str(out, value);
            out.extend_from_slice(b"\n      }");
        }
        out.extend_from_slice(b"\n    ]");
    }
    out.extend_from_slice(b",\n    \"total_minutes\": ");
    integer(out, r.total_minutes);
    out.extend_from_slice(b",\n    \"deadline_state\": ");
    match r.deadline_state {
        Some(d) => json_str(out, d.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b"\n  }");
}

/// Whether a byte of `w` is `byte`.
fn has_byte(w: u64, byte: u8) -> bool {
    let x = w ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGH != 0
}

/// Whether `field` has none of the bytes that make the `csv` crate's default writer quote a
/// field (comma, quote, CR, LF), a word at a time.
fn csv_plain(field: &[u8]) -> bool {
    let clean = |w: u64| {
        !(has_byte(w, b',') || has_byte(w, b'"') || has_byte(w, b'\n') || has_byte(w, b'\r'))
    };
    let mut words = field.chunks_exact(8);
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if !clean(u64::from_le_bytes(w)) {
            return false;
        }
    }
    let rest = words.remainder();
    let mut w = [b' '; 8];
    w[..rest.len()].copy_from_slice(rest);
    clean(u64::from_le_bytes(w))
}

/// `field`'s quotes doubled (the inside of a quoted CSV field).
fn csv_doubled(out: &mut Vec<u8>, field: &[u8]) {
    let mut start = 0;
    for (i, &b) in field.iter().enumerate() {
        if b == b'"' {
            out.extend_from_slice(&field[start..=i]);
            out.push(b'"');
            start = i + 1;
        }
    }
    out.extend_from_slice(&field[start..]);
}

/// A CSV field whose text is `field`: quoted (quotes doubled) when it holds a comma, a quote
/// or a line break, else as it is.
fn csv_field(out: &mut Vec<u8>, field: &[u8]) {
    if csv_plain(field) {
        out.extend_from_slice(field);
    } else {
        out.push(b'"');
        csv_doubled(out, field);
        out.push(b'"');
    }
}

/// [`json_str`] inside a quoted CSV field (its quotes doubled); `scratch` holds the JSON of a
/// string that needs escapes on the way.
fn csv_json_str(out: &mut Vec<u8>, scratch: &mut Vec<u8>, s: &str) {
    if plain(s.as_bytes()) {
        out.extend_from_slice(b"\"\"");
        out.extend_from_slice(s.as_bytes());
        out.extend_from_slice(b"\"\"");
    } else {
        scratch.clear();
        json_str(scratch, s);
        csv_doubled(out, scratch);
    }
}

/// Appends `r` as one CSV record under [`super::CSV_HEADER`], new line included: the bytes
/// the `csv` crate's default writer writes for [`super::TicketDoc::csv_record`]. The tags
/// and properties, compact JSON, are written quoted as they are made (a non-empty list
/// always holds quotes; `[]` needs none); `scratch` serves a string that needs escapes.
pub fn csv_record(out: &mut Vec<u8>, scratch: &mut Vec<u8>, r: &TicketRow) {
    csv_field(out, r.number.as_str().as_bytes());
    out.push(b',');
    csv_field(out, r.uuid.as_bytes());
    out.push(b',');
    csv_field(out, r.status.name().as_bytes());
    out.push(b',');
    csv_field(out, r.title.as_bytes());
    out.push(b',');
    csv_field(out, r.summary.as_bytes());
    out.push(b',');
    timestamp(out, r.opened);
    out.push(b',');
    timestamp(out, r.last_update);
    out.push(b',');
    if r.tags.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.extend_from_slice(b"\"[");
        for (i, tag) in r.tags.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            csv_json_str(out, scratch, tag);
        }
        out.extend_from_slice(b"]\"");
    }
    out.push(b',');
    if r.properties.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.extend_from_slice(b"\"[");
        for (i, (key, value)) in r.properties.iter().enumerate() {
            out.extend_from_slice(if i == 0 {
                b"{\"\"key\"\":"
            } else {
                b",{\"\"key\"\":"
            });
            csv_json_str(out, scratch, key);
            out.extend_from_slice(b",\"\"value\"\":");
            csv_json_str(out, scratch, value);
            out.push(b'}');
        }
        out.extend_from_slice(b"]\"");
    }
    out.push(b',');
    integer(out, r.total_minutes);
    out.push(b',');
    if let Some(d) = r.deadline_state {
        csv_field(out, d.as_str().as_bytes());
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;
    use crate::model::{DeadlineState, Status};
    use crate::serial::{TicketDoc, CSV_HEADER};

    /// The serde path's bytes for a listing element: `[TicketDoc]` pretty, without `[\n`/`\n]`.
    fn serde_element(r: &TicketRow) -> Vec<u8> {
        let buf = serde_json::to_vec_pretty(&[TicketDoc::from(r)]).unwrap();
        buf[2..buf.len() - 2].to_vec()
    }

    /// The serde path's bytes for a CSV record (the header written first, then cut off).
    fn serde_csv(r: &TicketRow) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(CSV_HEADER).unwrap();
        w.write_record(TicketDoc::from(r).csv_record()).unwrap();
        let all = w.into_inner().unwrap();
        let header = CSV_HEADER.join(",").len() + 1;
        all[header..].to_vec()
    }

    fn direct_element(r: &TicketRow) -> Vec<u8> {
        let mut out = Vec::new();
        json_element(&mut out, r);
        out
    }

    fn direct_csv(r: &TicketRow) -> Vec<u8> {
        let mut out = Vec::new();
        csv_record(&mut out, &mut Vec::new(), r);
        out
    }

    /// Any text, with a good share of the bytes that need escaping or quoting.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9 ]{0,12}",
            "[\"\\\\,\n\r\t\u{0}-\u{1f}\u{7f}a-zé€😀 ]{0,16}",
            any::<String>(),
        ]
    }

    fn at() -> impl Strategy<Value = DateTime<Utc>> {
        prop_oneof![
            (0i64..4_102_444_800, 0u32..1_000_000)
                .prop_map(|(s, us)| Utc.timestamp_opt(s, us * 1000).unwrap()),
            (-70_000_000_000i64..300_000_000_000, 0u32..2_000_000_000)
                .prop_map(|(s, ns)| Utc.timestamp_opt(s, ns).single().unwrap_or_default()),
        ]
    }

    prop_compose! {
        fn row()(
            number in 1u32..1_000_000,
            uuid in text(),
            status in 0i64..10,
            title in text(),
            summary in text(),
            opened in at(),
            last_update in at(),
            tags in prop::collection::vec(text(), 0..5),
            properties in prop::collection::vec((text(), text()), 0..5),
            total_minutes in any::<i64>(),
            deadline in 0u8..3,
        ) -> TicketRow {
            TicketRow {
                number: number.to_string().parse().unwrap(),
                uuid,
                title,
                summary,
                status: Status::from_ordinal(status).unwrap_or(Status::Open),
                tags,
                properties,
                opened,
                last_update,
                deadline_state: [None, Some(DeadlineState::DueSoon), Some(DeadlineState::Overdue)]
                    [usize::from(deadline)],
                total_minutes,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_direct_json_element_is_serdes(r in row()) {
            prop_assert_eq!(
                String::from_utf8(direct_element(&r)).unwrap(),
                String::from_utf8(serde_element(&r)).unwrap()
            );
        }

        #[test]
        fn the_direct_csv_record_is_the_csv_crates(r in row()) {
            prop_assert_eq!(
                String::from_utf8(direct_csv(&r)).unwrap(),
                String::from_utf8(serde_csv(&r)).unwrap()
            );
        }

        #[test]
        fn every_string_escapes_as_serde_json_escapes(s in any::<String>()) {
            let mut out = Vec::new();
            json_str(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }
    }

    #[test]
    fn the_word_test_finds_each_escaped_byte_in_every_position() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = b;
                let expected = json_escape_of(b).is_some();
                assert_eq!(
                    any_escape_in(u64::from_le_bytes(w)),
                    expected,
                    "{b:#x} at {pos}"
                );
                let mut high = [0xffu8; 8];
                high[pos] = b;
                assert_eq!(
                    any_escape_in(u64::from_le_bytes(high)),
                    expected,
                    "{b:#x} at {pos}"
                );
            }
        }
    }

    #[test]
    fn the_csv_word_test_finds_each_quoted_byte_in_every_position() {
        for b in 0..=255u8 {
            for len in 1..=17 {
                for pos in 0..len {
                    let mut field = vec![b'a'; len];
                    field[pos] = b;
                    let expected = matches!(b, b',' | b'"' | b'\n' | b'\r');
                    assert_eq!(!csv_plain(&field), expected, "{b:#x} at {pos} of {len}");
                }
            }
        }
    }

    #[test]
    fn every_control_character_and_the_extreme_numbers_agree() {
        let all: String = (0u8..0x80).map(char::from).collect();
        let mut out = Vec::new();
        json_str(&mut out, &all);
        assert_eq!(out, serde_json::to_vec(&all).unwrap());
        for n in [0, -1, 9, 10, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            integer(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
