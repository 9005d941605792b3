//! What the domain tells the compiler: statuses, date keys, vrules orders, saved searches.

/// One of the nine fixed statuses as the compiler needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusInfo {
    /// Canonical name, e.g. `In_Progress`.
    pub name: &'static str,
    /// Search letter, lower case, e.g. `i`.
    pub letter: char,
    /// Position in the status table (0 = `Open`); the value of `tickets.status`.
    pub ordinal: u8,
    /// Whether the status belongs to the active set (`s:*`).
    pub active: bool,
}

/// The domain's answers to the compiler's questions. Implemented by `ticket-core`.
pub trait Catalogue {
    /// The statuses in table order.
    fn statuses(&self) -> &[StatusInfo];
    /// Whether `key_lc` (lower-cased property key) holds dates: `scheduled`, `deadline`,
    /// `review`, the date input rule keys, and the pseudo-properties `opened`, `last_update`,
    /// `earliest`.
    fn is_date_key(&self, key_lc: &str) -> bool;
    /// The `vrules_pkv_values` list of `key_lc`, in order, if the key has one.
    fn value_order(&self, key_lc: &str) -> Option<Vec<String>>;
    /// The search key text of the saved search `name` (case-insensitive), if any.
    fn saved_search(&self, name: &str) -> Option<String>;
}

/// The nine fixed statuses of the domain spec (section 3), in table order. The domain's
/// catalogue returns these; they are here so that tools without a silo can compile keys.
pub const STATUSES: [StatusInfo; 9] = [
    StatusInfo {
        name: "Open",
        letter: 'o',
        ordinal: 0,
        active: true,
    },
    StatusInfo {
        name: "In_Progress",
        letter: 'i',
        ordinal: 1,
        active: true,
    },
    StatusInfo {
        name: "Blocked",
        letter: 'b',
        ordinal: 2,
        active: true,
    },
    StatusInfo {
        name: "Waiting",
        letter: 'w',
        ordinal: 3,
        active: true,
    },
    StatusInfo {
        name: "Postponed",
        letter: 'p',
        ordinal: 4,
        active: true,
    },
    StatusInfo {
        name: "Closed",
        letter: 'c',
        ordinal: 5,
        active: false,
    },
    StatusInfo {
        name: "Abandoned",
        letter: 'a',
        ordinal: 6,
        active: false,
    },
    StatusInfo {
        name: "Merged",
        letter: 'm',
        ordinal: 7,
        active: false,
    },
    StatusInfo {
        name: "Duplicate",
        letter: 'd',
        ordinal: 8,
        active: false,
    },
];
