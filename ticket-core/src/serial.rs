//! The one serializer of tickets (issue 17): the shape of a ticket in every JSON and CSV the
//! project writes — `lt`/`dt --format json|csv`, `export json|csv`, the derived fields of
//! `export full`, the time report and Python's `to_dict` — so that a field is named, ordered
//! and encoded in one place.
//!
//! - **Timestamps**: RFC 3339 in UTC with `Z` and always six fractional digits (the stored
//!   precision), e.g. `2024-03-13T09:00:00.000000Z`.
//! - **Properties**: a list of `{"key": .., "value": ..}` objects, in the ticket's order (the
//!   shape of `silo.json`'s key/value pairs).
//! - **Deadline state**: `"due_soon"`, `"overdue"` or `null` (empty in CSV).
//! - **CSV**: one row per ticket under [`CSV_HEADER`]; the multi-valued fields (`tags`,
//!   `properties`) hold the field's JSON exactly as the JSON format writes it
//!   (`["a","b"]`, `[{"key":"K","value":"v"}]`), so a `;`, `=` or comma inside a tag or value
//!   is never ambiguous; an empty list is `[]`.
//! - **Money**: [`Money`], a decimal with two places; in JSON a string (`"9001.25"`, never a
//!   float), in text [`Money::display`] (`EUR 9,001.25`).
pub mod direct;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::exchange::TimeReport;
use crate::model::{Attachment, DeadlineState, Entry, Ticket, TicketRow};

/// A timestamp as every output writes it: RFC 3339, UTC, microseconds, `Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    match crate::stored_at::format_stored(at) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    }
}

fn ser_at<S: Serializer>(at: &DateTime<Utc>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&timestamp(*at))
}

impl DeadlineState {
    /// The state named by [`DeadlineState::as_str`].
    pub fn from_name(name: &str) -> Option<DeadlineState> {
        [DeadlineState::DueSoon, DeadlineState::Overdue]
            .into_iter()
            .find(|d| d.as_str() == name)
    }
}

impl Serialize for DeadlineState {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One property as `{"key", "value"}`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PropertyDoc<'a> {
    /// The key as stored.
    pub key: &'a str,
    /// The value as stored.
    pub value: &'a str,
}

/// An entry as serialized.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EntryDoc<'a> {
    /// Entry number.
    pub n: u32,
    /// Text.
    pub text: &'a str,
    /// Author.
    pub author: &'a str,
    /// When.
    #[serde(serialize_with = "ser_at")]
    pub at: DateTime<Utc>,
    /// Minutes spent.
    pub minutes: u32,
}

impl<'a> From<&'a Entry> for EntryDoc<'a> {
    fn from(e: &'a Entry) -> Self {
        EntryDoc {
            n: e.n,
            text: &e.text,
            author: &e.author,
            at: e.at,
            minutes: e.minutes,
        }
    }
}

/// An attachment's metadata as serialized.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AttachmentDoc<'a> {
    /// Attachment number.
    pub n: u32,
    /// File name.
    pub name: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: &'a str,
    /// Comment.
    pub comment: &'a str,
    /// Who attached it.
    pub author: &'a str,
    /// When.
    #[serde(serialize_with = "ser_at")]
    pub at: DateTime<Utc>,
}

impl<'a> From<&'a Attachment> for AttachmentDoc<'a> {
    fn from(a: &'a Attachment) -> Self {
        AttachmentDoc {
            n: a.n,
            name: &a.name,
            size: a.size,
            sha256: &a.sha256,
            comment: &a.comment,
            author: &a.author,
            at: a.at,
        }
    }
}

/// A ticket as serialized: the listing fields in this order, then (for a whole ticket) its
/// entries and attachments. Built from a [`TicketRow`] (a search result: no entries or
/// attachments, the fields are left out) or a [`Ticket`].
#[derive(Debug, Clone, Serialize)]
pub struct TicketDoc<'a> {
    /// Number.
    pub number: &'a str,
    /// Uuid.
    pub uuid: &'a str,
    /// Status name (`Open`, `In_Progress`, …).
    pub status: &'static str,
    /// Title.
    pub title: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// First change.
    #[serde(serialize_with = "ser_at")]
    pub opened: DateTime<Utc>,
    /// Latest change.
    #[serde(serialize_with = "ser_at")]
    pub last_update: DateTime<Utc>,
    /// Tags as stored.
    pub tags: &'a [String],
    /// Properties in the ticket's order.
    pub properties: Vec<PropertyDoc<'a>>,
    /// Minutes of the visible entries.
    pub total_minutes: i64,
    /// `due_soon`, `overdue` or null.
    pub deadline_state: Option<DeadlineState>,
    /// Visible entries (whole tickets only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryDoc<'a>>>,
    /// Visible attachments (whole tickets only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentDoc<'a>>>,
}

fn properties(props: &[(String, String)]) -> Vec<PropertyDoc<'_>> {
    props
        .iter()
        .map(|(key, value)| PropertyDoc { key, value })
        .collect()
}

impl<'a> From<&'a TicketRow> for TicketDoc<'a> {
    fn from(r: &'a TicketRow) -> Self {
        TicketDoc {
            number: r.number.as_str(),
            uuid: &r.uuid,
            status: r.status.name(),
            title: &r.title,
            summary: &r.summary,
            opened: r.opened,
            last_update: r.last_update,
            tags: &r.tags,
            properties: properties(&r.properties),
            total_minutes: r.total_minutes,
            deadline_state: r.deadline_state,
            entries: None,
            attachments: None,
        }
    }
}

impl<'a> From<&'a Ticket> for TicketDoc<'a> {
    fn from(t: &'a Ticket) -> Self {
        TicketDoc {
            number: t.number.as_str(),
            uuid: &t.uuid,
            status: t.status.name(),
            title: &t.title,
            summary: &t.summary,
            opened: t.opened,
            last_update: t.last_update,
            tags: &t.tags,
            properties: properties(&t.properties),
            total_minutes: t.total_minutes(),
            deadline_state: t.deadline_state,
            entries: Some(t.entries.iter().map(EntryDoc::from).collect()),
            attachments: Some(t.attachments.iter().map(AttachmentDoc::from).collect()),
        }
    }
}

/// The CSV header of ticket listings and `export csv`.
pub const CSV_HEADER: [&str; 11] = [
    "number",
    "uuid",
    "status",
    "title",
    "summary",
    "opened",
    "last_update",
    "tags",
    "properties",
    "total_minutes",
    "deadline_state",
];

fn compact<T: Serialize + ?Sized>(value: &T) -> String {
    // serializing borrowed strings and numbers cannot fail
    serde_json::to_string(value).unwrap_or_default()
}

impl TicketDoc<'_> {
    /// The ticket as a JSON value (the shape of `--format json` and `export json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The CSV record under [`CSV_HEADER`]: multi-valued fields as their compact JSON.
    pub fn csv_record(&self) -> [String; 11] {
        [
            self.number.to_string(),
            self.uuid.to_string(),
            self.status.to_string(),
            self.title.to_string(),
            self.summary.to_string(),
            timestamp(self.opened),
            timestamp(self.last_update),
            compact(self.tags),
            compact(&self.properties),
            self.total_minutes.to_string(),
            self.deadline_state
                .map(|d| d.as_str().to_string())
                .unwrap_or_default(),
        ]
    }
}

/// An amount of money in hundredths (cents): a decimal with two places. Serialized as a JSON
/// string (`"9001.25"`), never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

impl Money {
    /// The cost of `minutes` at `rate_per_hour`, rounded half away from zero to the cent.
    pub fn cost(minutes: i64, rate_per_hour: f64) -> Money {
        // the rate to the cent first, then exact integer arithmetic
        let rate = (rate_per_hour * 100.0).round() as i128;
        let num = rate * i128::from(minutes);
        let cents = (num.abs() + 30) / 60 * num.signum();
        Money(i64::try_from(cents).unwrap_or(i64::MAX))
    }

    /// An amount computed elsewhere as a float, rounded to the cent.
    pub fn from_f64(amount: f64) -> Money {
        Money((amount * 100.0).round() as i64)
    }

    /// `9001.25`: the plain decimal (JSON, CSV).
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let c = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", c / 100, c % 100)
    }

    /// `EUR 9,001.25`: the currency, a space, thousands separated by commas (the one text
    /// format of money in the CLI, the web page and Python). No currency: `9,001.25`.
    pub fn display(self, currency: &str) -> String {
        let c = self.0.unsigned_abs();
        let whole = (c / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        let amount = format!("{sign}{grouped}.{:02}", c % 100);
        let currency = currency.trim();
        if currency.is_empty() {
            amount
        } else {
            format!("{currency} {amount}")
        }
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.decimal())
    }
}

/// One group of a time report as serialized.
#[derive(Debug, Clone, Serialize)]
pub struct TimeRowDoc<'a> {
    /// The property value, or `(none)`.
    pub group: &'a str,
    /// Minutes.
    pub minutes: i64,
    /// Cost, when a rate is configured.
    pub cost: Option<Money>,
}

/// A time report as serialized (`time --format json`, Python's `time_report`).
#[derive(Debug, Clone, Serialize)]
pub struct TimeReportDoc<'a> {
    /// The key grouped by.
    pub key: &'a str,
    /// The groups.
    pub rows: Vec<TimeRowDoc<'a>>,
    /// Total minutes.
    pub total_minutes: i64,
    /// Total cost, when a rate is configured.
    pub total_cost: Option<Money>,
    /// The configured currency.
    pub currency: Option<&'a str>,
}

impl<'a> From<&'a TimeReport> for TimeReportDoc<'a> {
    fn from(r: &'a TimeReport) -> Self {
        TimeReportDoc {
            key: &r.key,
            rows: r
                .rows
                .iter()
                .map(|x| TimeRowDoc {
                    group: &x.group,
                    minutes: x.minutes,
                    cost: x.cost.map(Money::from_f64),
                })
                .collect(),
            total_minutes: r.total_minutes,
            total_cost: r.total_cost.map(Money::from_f64),
            currency: r.currency.as_deref(),
        }
    }
}

impl TimeReportDoc<'_> {
    /// The CSV header: the key, `minutes`, `cost`.
    pub fn csv_header(&self) -> [String; 3] {
        [self.key.to_string(), "minutes".into(), "cost".into()]
    }

    /// The CSV records: one per group, cost as a plain decimal (empty without a rate).
    pub fn csv_records(&self) -> Vec<[String; 3]> {
        self.rows
            .iter()
            .map(|r| {
                [
                    r.group.to_string(),
                    r.minutes.to_string(),
                    r.cost.map(Money::decimal).unwrap_or_default(),
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Money;

    #[test]
    fn money_is_exact_and_formatted_once() {
        assert_eq!(Money::cost(90, 60.0), Money(9000));
        assert_eq!(Money::cost(1, 0.5), Money(1)); // 0.8333 cent rounds to 1
        assert_eq!(
            Money::cost(540_075, 1000.0).display("EUR"),
            "EUR 9,001,250.00"
        );
        assert_eq!(Money(900_125).display("EUR"), "EUR 9,001.25");
        assert_eq!(Money(900_125).display(""), "9,001.25");
        assert_eq!(Money(5).display("$"), "$ 0.05");
        assert_eq!(Money(-123_456).display("$"), "$ -1,234.56");
        assert_eq!(Money(900_125).decimal(), "9001.25");
        assert_eq!(serde_json::to_string(&Money(7)).unwrap(), "\"0.07\"");
        assert_eq!(Money::from_f64(112.499_999_9), Money(11250));
    }
}
