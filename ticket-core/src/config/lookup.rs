//! Lookups the domain makes against the configuration: creation rules, unique keys, date keys,
//! allowed values and saved searches. Every key/name comparison is case-insensitive.

use std::sync::LazyLock;

use super::builtin::{BUILTIN_DATE_KEYS, BUILTIN_UNIQUE_KEYS, PSEUDO_DATE_KEYS};
use super::text::eq_ci;
use super::{CreationRule, KeyValues, SavedSearch, SiloConfig};

/// The built-in rule used when no creation rule is configured: no tags, no properties.
static NORULE: LazyLock<CreationRule> = LazyLock::new(|| CreationRule {
    name: "norule".to_string(),
    description: "Empty rule".to_string(),
    tags: Vec::new(),
    properties: Vec::new(),
});

/// A creation rule name that the configuration does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no creation rule {name:?} in this silo; available: {}", .available.join(", "))]
pub struct UnknownRule {
    /// The name asked for.
    pub name: String,
    /// The rules that exist, in configuration order.
    pub available: Vec<String>,
}

impl SiloConfig {
    /// The creation rules in effect: the configured ones, or the built-in `norule` alone when
    /// none is configured.
    pub fn rules(&self) -> Vec<&CreationRule> {
        if self.crules.is_empty() {
            vec![&*NORULE]
        } else {
            self.crules.iter().collect()
        }
    }

    /// The default creation rule: the first configured one, else the built-in `norule`.
    pub fn default_rule(&self) -> &CreationRule {
        self.crules.first().unwrap_or(&NORULE)
    }

    /// The creation rule called `name` (case-insensitive, surrounding white space ignored).
    /// An empty name means the default rule. `norule` exists only when no rule is configured
    /// (or when a configured rule has that name). An unknown name is an error listing the
    /// available rules.
    pub fn rule(&self, name: &str) -> Result<&CreationRule, UnknownRule> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(self.default_rule());
        }
        let rules = self.rules();
        rules
            .iter()
            .copied()
            .find(|r| eq_ci(&r.name, name))
            .ok_or_else(|| UnknownRule {
                name: name.to_string(),
                available: rules.iter().map(|r| r.name.clone()).collect(),
            })
    }

    /// Every unique key: the built-in ones ([`BUILTIN_UNIQUE_KEYS`])
    /// then `unique_property_keys`, without case-insensitive duplicates.
    pub fn unique_keys(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for key in BUILTIN_UNIQUE_KEYS
            .iter()
            .copied()
            .chain(self.unique_property_keys.iter().map(String::as_str))
        {
            if !out.iter().any(|k| eq_ci(k, key)) {
                out.push(key);
            }
        }
        out
    }

    /// Whether a ticket may hold `key` at most once.
    pub fn is_unique_key(&self, key: &str) -> bool {
        BUILTIN_UNIQUE_KEYS.iter().any(|k| eq_ci(k, key))
            || self.unique_property_keys.iter().any(|k| eq_ci(k, key))
    }

    /// Whether `key` holds dates for searching and sorting: `Scheduled`, `Deadline`, `Review`,
    /// the pseudo-properties `Opened`, `Last_update`, `Earliest`, and the keys of both date
    /// input rules. This is the answer of the search catalogue. Case-insensitive, so a
    /// lower-cased key works.
    pub fn is_date_key(&self, key: &str) -> bool {
        PSEUDO_DATE_KEYS.iter().any(|k| eq_ci(k, key)) || self.is_date_input_key(key)
    }

    /// Whether values written under `key` are date expressions to check and resolve on write:
    /// `Scheduled`, `Deadline`, `Review` and the keys of both date input rules (not the
    /// read-only pseudo-properties).
    pub fn is_date_input_key(&self, key: &str) -> bool {
        BUILTIN_DATE_KEYS.iter().any(|k| eq_ci(k, key))
            || self.irules_date_picker.iter().any(|k| eq_ci(k, key))
            || self.irules_date_toggle.iter().any(|k| eq_ci(k, key))
    }

    /// The `vrules_pkv_values` rule of `key`, if any.
    pub fn allowed_values(&self, key: &str) -> Option<&KeyValues> {
        self.vrules_pkv_values.iter().find(|r| eq_ci(&r.key, key))
    }

    /// The `v` sort order of `key`: its `vrules_pkv_values` list, if it has one.
    pub fn value_order(&self, key: &str) -> Option<&[String]> {
        self.allowed_values(key).map(|r| r.values.as_slice())
    }

    /// The case a value of `key` is stored in: the matching value of the key's
    /// `vrules_pkv_values` list (case-insensitive match). `None` when the key has no such rule
    /// or the value is not in it (validation then refuses it).
    pub fn canonical_value(&self, key: &str, value: &str) -> Option<&str> {
        self.value_order(key)?
            .iter()
            .find(|v| eq_ci(v, value))
            .map(String::as_str)
    }

    /// The saved search called `name` (case-insensitive).
    pub fn saved_search(&self, name: &str) -> Option<&SavedSearch> {
        self.searches.iter().find(|s| eq_ci(&s.name, name))
    }
}
