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
