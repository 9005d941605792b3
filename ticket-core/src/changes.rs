//! Change records: the immutable log entries every write appends (ARCHITECTURE.md).
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// What a change record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeOp {
    /// A ticket is created (`new_value` = number).
    Create,
    /// A field is set (`key` = title, summary or status).
    Set,
    /// A tag is added.
    TagAdd,
    /// A tag is removed.
    TagRemove,
    /// A property is added.
    PropAdd,
    /// A property is removed.
    PropRemove,
    /// An entry is added.
    EntryAdd,
    /// An entry is hidden.
    EntryRemove,
    /// An attachment is added.
    AttachAdd,
    /// An attachment is hidden.
    AttachRemove,
    /// A hidden entry is shown again.
    EntryRestore,
    /// A hidden attachment is shown again.
    AttachRestore,
    /// The ticket's part of an undo (`new_value` = the undone change set's id).
    Undo,
}

impl ChangeOp {
    /// The name stored in `changes.op`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Create => "create",
            ChangeOp::Set => "set",
            ChangeOp::TagAdd => "tag_add",
            ChangeOp::TagRemove => "tag_remove",
            ChangeOp::PropAdd => "prop_add",
            ChangeOp::PropRemove => "prop_remove",
            ChangeOp::EntryAdd => "entry_add",
            ChangeOp::EntryRemove => "entry_remove",
            ChangeOp::AttachAdd => "attach_add",
            ChangeOp::AttachRemove => "attach_remove",
            ChangeOp::EntryRestore => "entry_restore",
            ChangeOp::AttachRestore => "attach_restore",
            ChangeOp::Undo => "undo",
        }
    }
}

impl fmt::Display for ChangeOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChangeOp {
    type Err = String;
    fn from_str(s: &str) -> Result<ChangeOp, String> {
        const ALL: [ChangeOp; 13] = [
            ChangeOp::Create,
            ChangeOp::Set,
            ChangeOp::TagAdd,
            ChangeOp::TagRemove,
            ChangeOp::PropAdd,
            ChangeOp::PropRemove,
            ChangeOp::EntryAdd,
            ChangeOp::EntryRemove,
            ChangeOp::AttachAdd,
            ChangeOp::AttachRemove,
            ChangeOp::EntryRestore,
            ChangeOp::AttachRestore,
            ChangeOp::Undo,
        ];
        ALL.into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown change op '{s}'"))
    }
}

/// One record of a ticket's history, as read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The change record's id ([`ChangeId`](crate::ChangeId): the set's id and 4 hex digits).
    pub uuid: String,
    /// The change set's id ([`SetId`](crate::SetId)).
    pub set_id: String,
    /// The ticket.
    pub ticket_uuid: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub author: String,
    /// What kind of change.
    pub op: ChangeOp,
    /// Field or property key.
    pub key: Option<String>,
    /// Previous value (set, removals).
    pub old_value: Option<String>,
    /// New value (create, set, additions).
    pub new_value: Option<String>,
    /// Entry or attachment number.
    pub item: Option<u32>,
    /// Entry minutes.
    pub minutes: Option<u32>,
    /// Attachment size.
    pub size: Option<u64>,
    /// Attachment content hash.
    pub sha256: Option<String>,
    /// What the record repaired where it met the state (sync.md 2: a peer's change that
    /// broke a special case, mended the same way on every copy), in words.
    pub repair: Option<String>,
}

impl Change {
    /// The change in words, e.g. `added tag risk` or `status Open → Closed`.
    pub fn describe(&self) -> String {
        let k = self.key.as_deref().unwrap_or("");
        let old = self.old_value.as_deref().unwrap_or("");
        let new = self.new_value.as_deref().unwrap_or("");
        let item = self.item.unwrap_or(0);
        match self.op {
            ChangeOp::Create => format!("created ticket {new}"),
            ChangeOp::Set if old.is_empty() => format!("{k} set to {new:?}"),
            ChangeOp::Set => format!("{k} {old:?} → {new:?}"),
            ChangeOp::TagAdd => format!("added tag {new}"),
            ChangeOp::TagRemove => format!("removed tag {old}"),
            ChangeOp::PropAdd => format!("added property {k} = {new}"),
            ChangeOp::PropRemove => format!("removed property {k} = {old}"),
            ChangeOp::EntryAdd => format!("added entry {item} ({} min)", self.minutes.unwrap_or(0)),
            ChangeOp::EntryRemove => format!("removed entry {item}"),
            ChangeOp::AttachAdd => {
                format!("attached {k} as {item} ({} bytes)", self.size.unwrap_or(0))
            }
            ChangeOp::AttachRemove => format!("removed attachment {item}"),
            ChangeOp::EntryRestore => format!("restored entry {item}"),
            ChangeOp::AttachRestore => format!("restored attachment {item}"),
            ChangeOp::Undo => format!("undid change set {new}"),
        }
    }
}
