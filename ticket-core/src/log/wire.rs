//! The exchange codec: a record as it travels in a full export, a bundle or a sync, with
//! tickets named by uuid and records by [`ChangeId`]. Decoding validates every field like a
//! command's argument; unknown fields, missing fields and fields that do not belong to the
//! operation are refused.
use serde::{Deserialize, Serialize};

use super::{
    check_author, check_file_name, check_sha256, check_text, check_ticket_uuid, check_title,
};
use super::{ChangeId, Operation};
use crate::error::{Error, Result};
use crate::model::Status;

/// A record on the wire. Which of the optional fields are present depends on `op`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecord {
    /// The record's [`ChangeId`].
    pub id: String,
    /// The change set's wall-clock time (RFC 3339, UTC).
    pub at: String,
    /// The change set's author.
    pub author: String,
    /// The operation: `create`, `title`, `summary`, `status`, `tag_add`, `tag_remove`,
    /// `prop_add`, `prop_remove`, `rel_add`, `rel_remove`, `entry_add`, `entry_remove`,
    /// `attach_add`, `attach_remove`.
    pub op: String,
    /// `create`: the ticket number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// `title`, `summary`, `status`, `tag_*`, `prop_*`: the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `prop_*`, `rel_*`: the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `rel_*`: the other ticket's uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `entry_add`: the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `entry_add`: minutes spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// `attach_add`: file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `attach_add`: comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `attach_add`: size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `attach_add`: content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// `entry_remove`, `attach_remove`: the [`ChangeId`] of the record that added it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// Resolves references while decoding: ticket uuids and change ids to local row ids.
pub(crate) trait Resolve {
    /// The local id of a ticket uuid (known or about to be created).
    fn ticket(&mut self, uuid: &str) -> Result<i64>;
    /// The local id of an earlier record.
    fn change(&mut self, id: &ChangeId) -> Result<i64>;
    /// A ticket's uuid from its local id.
    fn ticket_uuid(&mut self, id: i64) -> Result<String>;
    /// A record's global id from its local id.
    fn change_id(&mut self, id: i64) -> Result<ChangeId>;
}

impl WireRecord {
    /// The wire form of a stored record.
    pub(crate) fn encode(
        id: &ChangeId,
        at: &str,
        author: &str,
        op: &Operation,
        r: &mut dyn Resolve,
    ) -> Result<WireRecord> {
        let mut w = WireRecord {
            id: id.to_string(),
            at: crate::silo::parse_at(at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            author: author.to_string(),
            op: op.name().to_string(),
            ..WireRecord::default()
        };
        match op {
            Operation::Create { number } => w.number = Some(number.to_string()),
            Operation::Title(v) | Operation::Summary(v) => w.value = Some(v.clone()),
            Operation::Status(s) => w.value = Some(s.name().to_string()),
            Operation::TagAdd(t) | Operation::TagRemove(t) => w.value = Some(t.to_string()),
            Operation::PropAdd { key, value } | Operation::PropRemove { key, value } => {
                w.key = Some(key.to_string());
                w.value = Some(value.to_string());
            }
            Operation::RelAdd { key, target } | Operation::RelRemove { key, target } => {
                w.key = Some(key.to_string());
                w.ticket = Some(r.ticket_uuid(*target)?);
            }
            Operation::EntryAdd { text, minutes } => {
                w.text = Some(text.clone());
                w.minutes = Some(*minutes);
            }
            Operation::EntryRemove { entry: t }
            | Operation::AttachRemove { attachment: t }
            | Operation::EntryRestore { entry: t }
            | Operation::AttachRestore { attachment: t } => {
                w.target = Some(r.change_id(*t)?.to_string());
            }
            Operation::Undo { set } => w.target = Some(set.to_string()),
            Operation::AttachAdd {
                name,
                comment,
                size,
                sha256,
            } => {
                w.name = Some(name.clone());
                w.comment = Some(comment.clone());
                w.size = Some(*size);
                w.sha256 = Some(sha256.clone());
            }
        }
        Ok(w)
    }

    /// The record's id, wall-clock time and author, validated.
    pub(crate) fn header(&self) -> Result<(ChangeId, chrono::DateTime<chrono::Utc>)> {
        let id: ChangeId = self.id.parse()?;
        let at = chrono::DateTime::parse_from_rfc3339(&self.at)
            .map_err(|e| Error::invalid("time", &self.at, e.to_string()))?
            .with_timezone(&chrono::Utc);
        check_author(&self.author)?;
        Ok((id, at))
    }

    /// The operation, validated, with its references resolved.
    pub(crate) fn decode(&self, r: &mut dyn Resolve) -> Result<Operation> {
        let fields: [(&str, bool); 11] = [
            ("number", self.number.is_some()),
            ("value", self.value.is_some()),
            ("key", self.key.is_some()),
            ("ticket", self.ticket.is_some()),
            ("text", self.text.is_some()),
            ("minutes", self.minutes.is_some()),
            ("name", self.name.is_some()),
            ("comment", self.comment.is_some()),
            ("size", self.size.is_some()),
            ("sha256", self.sha256.is_some()),
            ("target", self.target.is_some()),
        ];
        let wanted: &[&str] = match self.op.as_str() {
            "create" => &["number"],
            "title" | "summary" | "status" | "tag_add" | "tag_remove" => &["value"],
            "prop_add" | "prop_remove" => &["key", "value"],
            "rel_add" | "rel_remove" => &["key", "ticket"],
            "entry_add" => &["text", "minutes"],
            "entry_remove" | "attach_remove" | "entry_restore" | "attach_restore" | "undo" => {
                &["target"]
            }
            "attach_add" => &["name", "comment", "size", "sha256"],
            other => {
                return Err(Error::invalid(
                    "operation",
                    &other.escape_debug().to_string(),
                    format!("expected one of {}", super::OP_NAMES.join(", ")),
                ))
            }
        };
        for (name, present) in fields {
            if present != wanted.contains(&name) {
                return Err(Error::invalid(
                    "change record",
                    name,
                    if present {
                        format!("a {} record has no field '{name}'", self.op)
                    } else {
                        format!("a {} record needs the field '{name}'", self.op)
                    },
                ));
            }
        }
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let exact = |what: &'static str, v: &Option<String>| -> Result<String> {
            let v = s(v);
            let cleaned = crate::model::clean_string(what, &v)?;
            if cleaned != v {
                return Err(Error::invalid(
                    what,
                    &v.escape_debug().to_string(),
                    "not in its clean form (outer or doubled white space)",
                ));
            }
            Ok(v)
        };
        Ok(match self.op.as_str() {
            "create" => {
                let number = s(&self.number);
                let parsed: crate::model::TicketNumber = number.parse()?;
                if parsed.as_str() != number {
                    return Err(Error::invalid(
                        "ticket number",
                        &number,
                        "a number is written with 0-9 and A-Z",
                    ));
                }
                Operation::Create { number: parsed }
            }
            "title" => {
                let v = s(&self.value);
                check_title(&v)?;
                Operation::Title(v)
            }
            "summary" => {
                let v = s(&self.value);
                check_text("summary", &v)?;
                Operation::Summary(v)
            }
            "status" => Operation::Status(s(&self.value).parse::<Status>().and_then(|st| {
                if st.name() == s(&self.value) {
                    Ok(st)
                } else {
                    Err(Error::invalid(
                        "status",
                        &s(&self.value),
                        "expected a status name",
                    ))
                }
            })?),
            "tag_add" => Operation::TagAdd(exact("tag", &self.value)?.parse()?),
            "tag_remove" => Operation::TagRemove(exact("tag", &self.value)?.parse()?),
            "prop_add" | "prop_remove" => {
                let key = exact("property key", &self.key)?.parse()?;
                let value = exact("property value", &self.value)?.parse()?;
                if self.op == "prop_add" {
                    Operation::PropAdd { key, value }
                } else {
                    Operation::PropRemove { key, value }
                }
            }
            "rel_add" | "rel_remove" => {
                let key = exact("property key", &self.key)?.parse()?;
                let uuid = s(&self.ticket);
                check_ticket_uuid(&uuid)?;
                let target = r.ticket(&uuid)?;
                if self.op == "rel_add" {
                    Operation::RelAdd { key, target }
                } else {
                    Operation::RelRemove { key, target }
                }
            }
            "entry_add" => {
                let text = s(&self.text);
                check_text("entry", &text)?;
                if text.trim().is_empty() || text.trim() != text {
                    return Err(Error::invalid(
                        "entry",
                        &text.escape_debug().to_string(),
                        "an entry is non-empty text without outer white space",
                    ));
                }
                Operation::EntryAdd {
                    text,
                    minutes: self.minutes.unwrap_or(0),
                }
            }
            "entry_remove" | "attach_remove" | "entry_restore" | "attach_restore" => {
                let target: ChangeId = s(&self.target).parse()?;
                let local = r.change(&target)?;
                match self.op.as_str() {
                    "entry_remove" => Operation::EntryRemove { entry: local },
                    "attach_remove" => Operation::AttachRemove { attachment: local },
                    "entry_restore" => Operation::EntryRestore { entry: local },
                    _ => Operation::AttachRestore { attachment: local },
                }
            }
            "undo" => Operation::Undo {
                set: s(&self.target).parse()?,
            },
            "attach_add" => {
                let name = s(&self.name);
                check_file_name(&name)?;
                let comment = s(&self.comment);
                check_text("comment", &comment)?;
                let sha256 = s(&self.sha256);
                check_sha256(&sha256)?;
                Operation::AttachAdd {
                    name,
                    comment,
                    size: self.size.unwrap_or(0),
                    sha256,
                }
            }
            _ => unreachable!("checked above"),
        })
    }
}
