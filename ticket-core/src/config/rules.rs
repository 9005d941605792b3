//! The item types of the rule lists in `silo.json`. Every type refuses unknown fields.

use serde::{Deserialize, Serialize};

/// A creation rule (`crules` item, domain spec 6.1): tags and properties applied to a new
/// ticket created with this rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreationRule {
    /// The rule's name, used on the command line; unique (case-insensitively).
    pub name: String,
    /// What the rule is for (shown in listings).
    #[serde(default)]
    pub description: String,
    /// Tags added to the new ticket.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Properties added to the new ticket.
    #[serde(default)]
    pub properties: Vec<KeyValue>,
}

/// A property key and value (`{"key", "value"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValue {
    /// The property key.
    pub key: String,
    /// The property value.
    pub value: String,
}

/// A required-key validation rule (`vrules_pk_required` item, domain spec 6.3): every ticket
/// the selector matches must have a property `key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredKeyRule {
    /// A search key (search spec) selecting the tickets the rule applies to.
    pub selector: String,
    /// The property key those tickets must have.
    pub key: String,
}

/// A key with a list of values: an allowed-values validation rule (`vrules_pkv_values`,
/// domain spec 6.4) or a value-case styling rule (`srules_pkv_case`, 6.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValues {
    /// The property key.
    pub key: String,
    /// The values, in the case they are stored / shown in, in order.
    pub values: Vec<String>,
}

/// A saved search (`searches` item, domain spec 6.6), usable as `@name` in search keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSearch {
    /// The name (unique case-insensitively; no white space nor search-language characters).
    pub name: String,
    /// What the search is for.
    #[serde(default)]
    pub description: String,
    /// The search key (empty: every ticket).
    #[serde(default)]
    pub search: String,
    /// The sort rule (empty: by number).
    #[serde(default)]
    pub sort: String,
}

/// Colours of a tag (`srules_t_colour` item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagColour {
    /// The tag (case-insensitive).
    pub tag: String,
    /// Foreground colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fg: Option<String>,
    /// Background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bg: Option<String>,
}

/// Colours of a property key (`srules_pk_colour` item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyColour {
    /// The property key (case-insensitive).
    pub key: String,
    /// Foreground colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fg: Option<String>,
    /// Background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bg: Option<String>,
}

/// Colours of a property key and value (`srules_pkv_colour` item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueColour {
    /// The property key (case-insensitive).
    pub key: String,
    /// The value (case-insensitive).
    pub value: String,
    /// Foreground colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fg: Option<String>,
    /// Background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bg: Option<String>,
}

/// The colours a styling rule gives (either may be absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Colours<'a> {
    /// Foreground colour, as written in the configuration.
    pub fg: Option<&'a str>,
    /// Background colour, as written in the configuration.
    pub bg: Option<&'a str>,
}

/// Time and money (`time`, domain spec 6.9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeConfig {
    /// Cost of one hour (≥ 0, finite).
    #[serde(default)]
    pub rate_per_hour: f64,
    /// Currency symbol or code shown with costs, e.g. `$` or `EUR`.
    #[serde(default)]
    pub currency: String,
}
