//! The silo's answers to the search compiler (statuses, date keys, value orders, saved searches).
use ticket_query::{Catalogue, StatusInfo, STATUSES};

use crate::config::SiloConfig;

/// The catalogue of one silo's configuration.
pub struct SiloCatalogue<'a> {
    /// The configuration it answers from.
    pub config: &'a SiloConfig,
}

impl Catalogue for SiloCatalogue<'_> {
    fn statuses(&self) -> &[StatusInfo] {
        &STATUSES
    }
    fn is_date_key(&self, key_lc: &str) -> bool {
        matches!(key_lc, "opened" | "last_update" | "earliest") || self.config.is_date_key(key_lc)
    }
    fn value_order(&self, key_lc: &str) -> Option<Vec<String>> {
        self.config.value_order(key_lc).map(<[String]>::to_vec)
    }
    fn saved_search(&self, name: &str) -> Option<String> {
        self.config.saved_search(name).map(|s| s.search.clone())
    }
}
