//! The typed change record and its one storage codec.
//!
//! In memory and in the database a record names tickets and earlier records by their local
//! row ids (`ticket_ids.id`, `changes.id`); only the exchange codec ([`super::wire`]) turns
//! them into uuids and [`ChangeId`](super::ChangeId)s.
use crate::error::{Error, Result};
use crate::model::{PropertyKey, PropertyValue, Status, Tag, TicketNumber};

/// What one change record does. Every field is validated when a record is made or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operation {
    /// The ticket is created with this number.
    Create { number: TicketNumber },
    /// The title is set.
    Title(String),
    /// The summary is set.
    Summary(String),
    /// The status is set.
    Status(Status),
    /// A tag is added.
    TagAdd(Tag),
    /// A tag is removed.
    TagRemove(Tag),
    /// A property value is added.
    PropAdd {
        key: PropertyKey,
        value: PropertyValue,
    },
    /// A property value is removed.
    PropRemove {
        key: PropertyKey,
        value: PropertyValue,
    },
    /// A relation to another ticket (by its local id) is added: relation keys, `Closed_Via`,
    /// `Merged` and `Duplicate`. Displayed as the target's number.
    RelAdd { key: PropertyKey, target: i64 },
    /// A relation is removed.
    RelRemove { key: PropertyKey, target: i64 },
    /// An entry is added; its number follows from the replay order.
    EntryAdd { text: String, minutes: u32 },
    /// The entry added by record `entry` (local `changes.id`) is hidden.
    EntryRemove { entry: i64 },
    /// A file is attached; its number follows from the replay order.
    AttachAdd {
        name: String,
        comment: String,
        size: u64,
        sha256: String,
    },
    /// The attachment added by record `attachment` is hidden.
    AttachRemove { attachment: i64 },
    /// A hidden entry is shown again (the undo of a removal).
    EntryRestore { entry: i64 },
    /// A hidden attachment is shown again.
    AttachRestore { attachment: i64 },
    /// Marks the ticket's part of an undo: the change set it undoes. Changes nothing itself.
    Undo { set: super::SetId },
}

/// One record: the ticket (local id) and the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub ticket: i64,
    pub op: Operation,
}

/// A record as stored: `changes(op, key, value, num, sha)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub op: i64,
    pub key: Option<String>,
    pub value: Option<String>,
    pub num: Option<i64>,
    pub sha: Option<String>,
}

/// Operation codes in `changes.op` and their names in exports and history.
pub(crate) const OP_NAMES: [&str; 17] = [
    "create",
    "title",
    "summary",
    "status",
    "tag_add",
    "tag_remove",
    "prop_add",
    "prop_remove",
    "rel_add",
    "rel_remove",
    "entry_add",
    "entry_remove",
    "attach_add",
    "attach_remove",
    "entry_restore",
    "attach_restore",
    "undo",
];

/// A title: one line, no control characters, not empty, no outer white space.
pub(crate) fn check_title(t: &str) -> Result<()> {
    if t.trim().is_empty() || t.trim() != t || t.chars().any(char::is_control) {
        return Err(Error::invalid(
            "title",
            &t.escape_debug().to_string(),
            "a title is one non-empty line without control characters",
        ));
    }
    Ok(())
}

/// A summary, entry text or comment: no control characters but line breaks and tabs.
pub(crate) fn check_text(what: &'static str, t: &str) -> Result<()> {
    if crate::model::may_hold_controls(t)
        && t.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid(
            what,
            &t.escape_debug().to_string(),
            "control characters are not allowed",
        ));
    }
    Ok(())
}

/// An attachment's file name: one line, no control characters, not empty, no outer white
/// space.
pub(crate) fn check_file_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.trim() != name || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "file name",
            &name.escape_debug().to_string(),
            "must be non-empty without control characters",
        ));
    }
    Ok(())
}

/// An author name: one line, no control characters, not empty.
pub(crate) fn check_author(a: &str) -> Result<()> {
    if a.trim().is_empty() || a.chars().any(char::is_control) {
        return Err(Error::invalid(
            "author",
            &a.escape_debug().to_string(),
            "an author is a non-empty name without control characters",
        ));
    }
    Ok(())
}

/// Parses a cleaned newtype and insists the text was already clean (a stored or imported
/// record must be exactly what a command would have written).
fn exact<T: std::str::FromStr<Err = Error> + std::fmt::Display>(s: &str) -> Result<T> {
    let v: T = s.parse()?;
    if v.to_string() != s {
        return Err(Error::invalid(
            "value",
            &s.escape_debug().to_string(),
            "not in its clean form (outer or doubled white space)",
        ));
    }
    Ok(v)
}

impl Operation {
    /// The operation code.
    pub(crate) fn code(&self) -> i64 {
        match self {
            Operation::Create { .. } => 0,
            Operation::Title(_) => 1,
            Operation::Summary(_) => 2,
            Operation::Status(_) => 3,
            Operation::TagAdd(_) => 4,
            Operation::TagRemove(_) => 5,
            Operation::PropAdd { .. } => 6,
            Operation::PropRemove { .. } => 7,
            Operation::RelAdd { .. } => 8,
            Operation::RelRemove { .. } => 9,
            Operation::EntryAdd { .. } => 10,
            Operation::EntryRemove { .. } => 11,
            Operation::AttachAdd { .. } => 12,
            Operation::AttachRemove { .. } => 13,
            Operation::EntryRestore { .. } => 14,
            Operation::AttachRestore { .. } => 15,
            Operation::Undo { .. } => 16,
        }
    }

    /// The operation's name (`create`, `tag_add`, …).
    pub(crate) fn name(&self) -> &'static str {
        OP_NAMES[self.code() as usize]
    }

    /// The stored form.
    pub(crate) fn encode(&self) -> Row {
        let code = self.code();
        let text = |s: &str| Some(s.to_string());
        match self {
            Operation::Create { number } => Row {
                op: code,
                value: text(number.as_str()),
                ..Row::default()
            },
            Operation::Title(v) | Operation::Summary(v) => Row {
                op: code,
                value: text(v),
                ..Row::default()
            },
            Operation::Status(s) => Row {
                op: code,
                num: Some(i64::from(s.ordinal())),
                ..Row::default()
            },
            Operation::TagAdd(t) | Operation::TagRemove(t) => Row {
                op: code,
                value: text(t.as_str()),
                ..Row::default()
            },
            Operation::PropAdd { key, value } | Operation::PropRemove { key, value } => Row {
                op: code,
                key: text(key.as_str()),
                value: text(value.as_str()),
                ..Row::default()
            },
            Operation::RelAdd { key, target } | Operation::RelRemove { key, target } => Row {
                op: code,
                key: text(key.as_str()),
                num: Some(*target),
                ..Row::default()
            },
            Operation::EntryAdd { text: t, minutes } => Row {
                op: code,
                value: text(t),
                num: Some(i64::from(*minutes)),
                ..Row::default()
            },
            Operation::Undo { set } => Row {
                op: code,
                value: Some(set.to_string()),
                ..Row::default()
            },
            Operation::EntryRemove { entry: r }
            | Operation::AttachRemove { attachment: r }
            | Operation::EntryRestore { entry: r }
            | Operation::AttachRestore { attachment: r } => Row {
                op: code,
                num: Some(*r),
                ..Row::default()
            },
            Operation::AttachAdd {
                name,
                comment,
                size,
                sha256,
            } => Row {
                op: code,
                key: text(name),
                value: text(comment),
                num: Some(*size as i64),
                sha: text(sha256),
            },
        }
    }

    /// Reads a stored record back, validating every field; the error says what is wrong
    /// (the caller names the record and the ticket).
    pub(crate) fn decode(row: Row) -> Result<Operation> {
        let Row {
            op,
            key,
            value,
            num,
            sha,
        } = row;
        let missing = |what: &str| Error::invalid("change record", what, "a field is missing");
        // each arm takes a field at most once: moved out, not copied
        let value = move || value.ok_or_else(|| missing("value"));
        let key = move || key.ok_or_else(|| missing("key"));
        let num = || num.ok_or_else(|| missing("number"));
        let count = |n: i64, what: &'static str| {
            u32::try_from(n).map_err(|_| Error::invalid(what, &n.to_string(), "out of range"))
        };
        Ok(match op {
            0 => Operation::Create {
                number: exact(&value()?)?,
            },
            1 => {
                let v = value()?;
                check_title(&v)?;
                Operation::Title(v)
            }
            2 => {
                let v = value()?;
                check_text("summary", &v)?;
                Operation::Summary(v)
            }
            3 => Operation::Status(Status::from_ordinal(num()?).ok_or_else(|| {
                Error::invalid("status", &num().unwrap_or(-1).to_string(), "no such status")
            })?),
            4 => Operation::TagAdd(exact(&value()?)?),
            5 => Operation::TagRemove(exact(&value()?)?),
            6 => Operation::PropAdd {
                key: exact(&key()?)?,
                value: exact(&value()?)?,
            },
            7 => Operation::PropRemove {
                key: exact(&key()?)?,
                value: exact(&value()?)?,
            },
            8 => Operation::RelAdd {
                key: exact(&key()?)?,
                target: num()?,
            },
            9 => Operation::RelRemove {
                key: exact(&key()?)?,
                target: num()?,
            },
            10 => {
                let text = value()?;
                check_text("entry", &text)?;
                if text.trim().is_empty() {
                    return Err(Error::invalid("entry", "", "an entry must not be empty"));
                }
                Operation::EntryAdd {
                    text,
                    minutes: count(num()?, "minutes")?,
                }
            }
            11 => Operation::EntryRemove { entry: num()? },
            12 => {
                let name = key()?;
                check_file_name(&name)?;
                let comment = value()?;
                check_text("comment", &comment)?;
                let sha256 = sha.ok_or_else(|| missing("sha256"))?;
                super::ids::check_sha256(&sha256)?;
                let size = num()?;
                if size < 0 {
                    return Err(Error::invalid("size", &size.to_string(), "out of range"));
                }
                Operation::AttachAdd {
                    name,
                    comment,
                    size: size as u64,
                    sha256,
                }
            }
            13 => Operation::AttachRemove { attachment: num()? },
            14 => Operation::EntryRestore { entry: num()? },
            15 => Operation::AttachRestore { attachment: num()? },
            16 => Operation::Undo {
                set: value()?.parse()?,
            },
            other => {
                return Err(Error::invalid(
                    "change record",
                    &other.to_string(),
                    "unknown operation code",
                ))
            }
        })
    }
}
