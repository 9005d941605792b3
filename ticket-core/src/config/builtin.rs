//! Keys with a built-in meaning (domain spec 4), in their canonical case.

/// Keys that hold dates whatever the configuration says (domain spec 4.3).
pub const BUILTIN_DATE_KEYS: &[&str] = &["Scheduled", "Deadline", "Review"];

/// Read-only pseudo-properties holding dates, usable in searches and sorts (domain spec 2).
pub const PSEUDO_DATE_KEYS: &[&str] = &["Opened", "Last_update", "Earliest"];

/// Keys that are always unique (domain spec 4.2 and 4.3): the dates, their repeaters,
/// `Deadline_Warning`, and `Child_Of` (one parent).
pub const BUILTIN_UNIQUE_KEYS: &[&str] = &[
    "Scheduled",
    "Deadline",
    "Review",
    "Scheduled_Repeats",
    "Deadline_Repeats",
    "Review_Repeats",
    "Deadline_Warning",
    "Child_Of",
];

/// Relation keys (domain spec 4.2), as `(key, mirror)` pairs: a relation `key = B` on A is
/// mirrored by `mirror = A` on B.
pub const RELATION_KEYS: &[(&str, &str)] = &[
    ("Child_Of", "Parent_Of"),
    ("Parent_Of", "Child_Of"),
    ("Blocks", "Blocked_By"),
    ("Blocked_By", "Blocks"),
    ("Precedes", "Follows"),
    ("Follows", "Precedes"),
    ("Related_To", "Related_To"),
];

/// Keys only a status change may write (domain spec 4.1).
pub const RESERVED_KEYS: &[&str] = &["Merged", "Duplicate", "Closed_Via"];

/// Whether values of `key` name another ticket (the relation keys and the reserved keys of
/// Merged/Duplicate): the change log records such values by ticket, not by number.
pub(crate) fn refers_to_ticket(key: &str) -> bool {
    RELATION_KEYS
        .iter()
        .map(|(k, _)| *k)
        .chain(RESERVED_KEYS.iter().copied())
        .any(|k| super::text::eq_ci(k, key))
}

/// Built-in keys a user may add, offered as suggestions: dates, repeaters, the deadline
/// warning and the relations.
pub(crate) const SUGGESTED_BUILTIN_KEYS: &[&str] = &[
    "Scheduled",
    "Deadline",
    "Review",
    "Scheduled_Repeats",
    "Deadline_Repeats",
    "Review_Repeats",
    "Deadline_Warning",
    "Child_Of",
    "Parent_Of",
    "Blocks",
    "Blocked_By",
    "Precedes",
    "Follows",
    "Related_To",
];
