//! The model: statuses, validated strings, and the snapshots the API returns.
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// The nine fixed statuses, in table order (domain spec 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// `o`, active.
    Open,
    /// `i`, active.
    InProgress,
    /// `b`, active.
    Blocked,
    /// `w`, active.
    Waiting,
    /// `p`, active.
    Postponed,
    /// `c`.
    Closed,
    /// `a`.
    Abandoned,
    /// `m`.
    Merged,
    /// `d`.
    Duplicate,
}

impl Status {
    /// Every status in table order.
    pub const ALL: [Status; 9] = [
        Status::Open,
        Status::InProgress,
        Status::Blocked,
        Status::Waiting,
        Status::Postponed,
        Status::Closed,
        Status::Abandoned,
        Status::Merged,
        Status::Duplicate,
    ];

    /// Position in the table (the `tickets.status` column).
    pub fn ordinal(self) -> u8 {
        self as u8
    }
    /// The status with that ordinal.
    pub fn from_ordinal(n: i64) -> Option<Status> {
        usize::try_from(n)
            .ok()
            .and_then(|i| Status::ALL.get(i).copied())
    }
    /// Canonical name, e.g. `In_Progress`.
    pub fn name(self) -> &'static str {
        ticket_query::STATUSES[self as usize].name
    }
    /// Search letter.
    pub fn letter(self) -> char {
        ticket_query::STATUSES[self as usize].letter
    }
    /// Whether the status is active (Open … Postponed).
    pub fn is_active(self) -> bool {
        ticket_query::STATUSES[self as usize].active
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Status {
    type Err = Error;
    /// A name (any case, `_`, `-` or space between words) or a letter.
    fn from_str(s: &str) -> Result<Status> {
        let t = s.trim();
        let wanted = ticket_query::normalise_status(t);
        Status::ALL
            .into_iter()
            .find(|st| {
                ticket_query::normalise_status(st.name()) == wanted
                    || (t.chars().count() == 1 && t.to_lowercase().starts_with(st.letter()))
            })
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    s,
                    "expected one of Open, In_Progress, Blocked, Waiting, Postponed, Closed, Abandoned, Merged, Duplicate (or o i b w p c a m d)",
                )
            })
    }
}

/// A ticket number: one or more of `0-9` and `A-Z` (lower case is accepted and upper-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber(String);

impl TicketNumber {
    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// No number yet: the placeholder of a row about to be filled ([`TicketNumber::set`]).
    pub(crate) fn blank() -> TicketNumber {
        TicketNumber(String::new())
    }

    /// Becomes the number `s` spells (as `s.parse()` would make it), keeping the allocation
    /// when `s` is already in the stored form.
    pub(crate) fn set(&mut self, s: &str) -> Result<()> {
        if !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            self.0.clear();
            self.0.push_str(s);
        } else {
            *self = s.parse()?;
        }
        Ok(())
    }
}

impl FromStr for TicketNumber {
    type Err = Error;
    fn from_str(s: &str) -> Result<TicketNumber> {
        let t = s.trim().to_ascii_uppercase();
        if t.is_empty()
            || t.len() > 64
            || !t
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return Err(Error::invalid(
                "ticket number",
                s,
                "a number is one or more of 0-9 and A-Z",
            ));
        }
        Ok(TicketNumber(t))
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `s` may hold a control character (U+0000–U+001F, U+007F–U+009F): a byte below
/// 0x20, DEL, or 0xC2, the lead byte of U+0080–U+00BF. `false` proves there is none; `true`
/// sends the caller to its exact test character by character. One pass over the bytes the
/// compiler vectorises: the per-character tests of every text written were 4% of a bulk
/// creation's instructions, and nearly every text has no such byte.
pub(crate) fn may_hold_controls(s: &str) -> bool {
    (s.bytes()).fold(false, |seen, b| {
        seen | (b < 0x20) | (b == 0x7f) | (b == 0xc2)
    })
}

/// Cleans a tag, key or value: trims, collapses inner white space, refuses control
/// characters and emptiness.
pub(crate) fn clean_string(what: &'static str, s: &str) -> Result<String> {
    if may_hold_controls(s) && s.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(Error::invalid(
            what,
            &s.escape_debug().to_string(),
            "control characters are not allowed",
        ));
    }
    let cleaned = if is_clean_spacing(s) {
        s.to_string()
    } else {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if cleaned.is_empty() {
        return Err(Error::invalid(what, s, "must not be empty"));
    }
    if cleaned.len() > 4096 {
        return Err(Error::invalid(
            what,
            &cleaned[..cleaned.floor_char_boundary_compat(40)],
            "longer than 4096 bytes",
        ));
    }
    Ok(cleaned)
}

/// Whether `s` has no white space to clean: none at either end, and single spaces only
/// between words (so cleaning would give `s` itself).
fn is_clean_spacing(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        if c == ' ' {
            if after_space {
                return false;
            }
            after_space = true;
        } else if c.is_whitespace() {
            return false;
        } else {
            after_space = false;
        }
    }
    !after_space
}

trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}
impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        i = i.min(self.len());
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

macro_rules! clean_newtype {
    ($name:ident, $what:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);
        impl $name {
            /// The cleaned text, in the case it was written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The lower-case form used for comparison.
            pub fn lc(&self) -> String {
                self.0.to_lowercase()
            }
        }
        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<$name> {
                clean_string($what, s).map($name)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

clean_newtype!(
    Tag,
    "tag",
    "A tag: trimmed, inner white space collapsed, not empty; compared case-insensitively."
);
clean_newtype!(
    PropertyKey,
    "property key",
    "A property key, cleaned like a tag."
);
clean_newtype!(
    PropertyValue,
    "property value",
    "A property value, cleaned like a tag."
);

/// Whether an active ticket's deadline is near or past (domain spec 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineState {
    /// today ≥ deadline − warning days and today ≤ deadline.
    DueSoon,
    /// today > deadline.
    Overdue,
}

impl DeadlineState {
    /// `due_soon` or `overdue`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::DueSoon => "due_soon",
            DeadlineState::Overdue => "overdue",
        }
    }
}

/// A visible entry of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Entry number (1, 2, …).
    pub n: u32,
    /// The text.
    pub text: String,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Minutes spent.
    pub minutes: u32,
}

/// A visible attachment's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Attachment number (1, 2, …).
    pub n: u32,
    /// The file name as given (never used as a path).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// Comment.
    pub comment: String,
    /// Who attached it.
    pub author: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A whole ticket, as read by `Silo::get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The silo-unique number.
    pub number: TicketNumber,
    /// The global identity, 32 hex characters.
    pub uuid: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Status.
    pub status: Status,
    /// Tags.
    pub tags: Vec<String>,
    /// Properties, in the order they were added.
    pub properties: Vec<(String, String)>,
    /// Visible entries.
    pub entries: Vec<Entry>,
    /// Visible attachments.
    pub attachments: Vec<Attachment>,
    /// Time of the first change.
    pub opened: DateTime<Utc>,
    /// Time of the latest change.
    pub last_update: DateTime<Utc>,
    /// Due soon / overdue, when the ticket has a deadline warning.
    pub deadline_state: Option<DeadlineState>,
}

impl Ticket {
    /// Every value of `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Vec<&str> {
        property_values(&self.properties, key)
    }
    /// The minutes of the visible entries.
    pub fn total_minutes(&self) -> i64 {
        self.entries.iter().map(|e| i64::from(e.minutes)).sum()
    }
}

/// A ticket as a search returns it: no entries or attachments, with the total minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    /// The silo-unique number.
    pub number: TicketNumber,
    /// The global identity.
    pub uuid: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Status.
    pub status: Status,
    /// Tags.
    pub tags: Vec<String>,
    /// Properties.
    pub properties: Vec<(String, String)>,
    /// Time of the first change.
    pub opened: DateTime<Utc>,
    /// Time of the latest change.
    pub last_update: DateTime<Utc>,
    /// Due soon / overdue.
    pub deadline_state: Option<DeadlineState>,
    /// Minutes of the visible entries.
    pub total_minutes: i64,
}

impl TicketRow {
    /// Every value of `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Vec<&str> {
        property_values(&self.properties, key)
    }
}

fn property_values<'a>(props: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    let key = key.to_lowercase();
    props
        .iter()
        .filter(|(k, _)| k.to_lowercase() == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The byte test never misses a control character (and says no only without one).
        #[test]
        fn the_byte_test_finds_every_control(s in "[a\u{0}-\u{1f}\u{7f}-\u{a0}é\u{100}\u{2028} ]{0,12}") {
            if s.chars().any(char::is_control) {
                proptest::prop_assert!(may_hold_controls(&s));
            }
            if !s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) {
                proptest::prop_assert!(!may_hold_controls(&s));
            }
        }

        /// Text already cleanly spaced is kept as it is: the same as collapsing it.
        #[test]
        fn clean_spacing_is_what_collapsing_leaves_alone(s in "[ a\t\u{a0}\u{3000}b\n]{0,12}") {
            let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(is_clean_spacing(&s), !s.is_empty() && collapsed == s);
        }
    }

    #[test]
    fn statuses_parse_leniently() {
        assert_eq!("in progress".parse::<Status>().unwrap(), Status::InProgress);
        assert_eq!("IN-PROGRESS".parse::<Status>().unwrap(), Status::InProgress);
        assert_eq!("In_Progress".parse::<Status>().unwrap(), Status::InProgress);
        assert_eq!("d".parse::<Status>().unwrap(), Status::Duplicate);
        assert_eq!("C".parse::<Status>().unwrap(), Status::Closed);
        assert!("done".parse::<Status>().is_err());
        assert!(Status::Postponed.is_active() && !Status::Closed.is_active());
        assert_eq!(
            Status::ALL.iter().map(|s| s.letter()).collect::<String>(),
            "oibwpcamd"
        );
    }

    #[test]
    fn every_status_round_trips_through_name_letter_and_ordinal() {
        for st in Status::ALL {
            assert_eq!(st.name().parse::<Status>().unwrap(), st);
            assert_eq!(st.name().to_lowercase().parse::<Status>().unwrap(), st);
            assert_eq!(st.name().replace('_', " ").parse::<Status>().unwrap(), st);
            assert_eq!(st.letter().to_string().parse::<Status>().unwrap(), st);
            assert_eq!(Status::from_ordinal(i64::from(st.ordinal())), Some(st));
        }
        assert_eq!(Status::from_ordinal(99), None);
    }

    #[test]
    fn strings_are_cleaned() {
        assert_eq!("  a   b \t c ".parse::<Tag>().unwrap().as_str(), "a b c");
        assert!("   ".parse::<Tag>().is_err());
        assert!("a\u{7}b".parse::<PropertyValue>().is_err());
        assert_eq!("Wörk".parse::<Tag>().unwrap().lc(), "wörk");
        assert!("x".repeat(5000).parse::<Tag>().is_err());
    }

    #[test]
    fn numbers_are_validated() {
        assert_eq!("a7".parse::<TicketNumber>().unwrap().as_str(), "A7");
        assert!("".parse::<TicketNumber>().is_err());
        assert!("1-2".parse::<TicketNumber>().is_err());
    }
}
