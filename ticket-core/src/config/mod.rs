//! The silo configuration, `silo.json` (domain spec 5 and 6): parsing, validation, and the
//! lookups the rest of the library and the CLI make against it.
//!
//! [`SiloConfig::load`] / [`SiloConfig::from_json_str`] parse the file with serde and
//! `serde_path_to_error`, so a broken file is reported with the file, the JSON path
//! (`crules[1].tags[0]`), what was expected and, when the parser knows it, the line and column
//! ([`ConfigError`]). Then a semantic pass checks the rules below; it reports *every* problem it
//! finds, each with its JSON path.
//!
//! # Decisions where the spec is silent
//!
//! - **Every field is optional**, at every level where the spec does not need a value:
//!   `crules[].name`, `{"key","value"}` pairs, `vrules_pk_required[].selector`/`key`,
//!   `vrules_pkv_values[].key`/`values`, `searches[].name` and the tag/key/value of a colour rule
//!   are required; descriptions, searches' `search`/`sort` and colours' `fg`/`bg` default to
//!   empty. Unknown fields are refused at every depth. An empty file is refused (`{}` is the
//!   empty configuration).
//! - A top-level `"$comment"` (a list of strings) is allowed and kept, so the default file can
//!   document itself although JSON has no comments.
//! - **Numbering**: `mode` may be left out (`simple`); a field of the other mode is refused
//!   (`start` with `lcg`, `a`/`c`/`m` with `simple`). `prefix` is `0-9A-Z` only; `width` is at
//!   most 64. LCG parameters must satisfy Hull–Dobell *and* `m ≥ 2`, `1 ≤ a < m`, `1 ≤ c < m`
//!   (values at or above `m` are congruent to smaller ones and only confuse); `a = 1` is
//!   allowed (full period, but not shuffled). The sequence is computed in 128 bits, so every
//!   `m` up to `u64::MAX` works ([`LcgNumbering::next`]).
//! - **Tags, keys and values in rules** are brought to the domain's normal form (trimmed, inner
//!   white space collapsed) when the file is read; an empty one or one with control characters
//!   is refused. This applies to every list of tags/keys/values, not only `crules`.
//! - **Ambiguities are refused**: two creation rules or saved searches with the same name
//!   (case-insensitive), two `vrules_pkv_values` or `srules_pkv_case` rules for one key, a value
//!   listed twice in one rule, a tag/key twice in a case or priority list, two colour rules for
//!   one tag / key / key and value, a key in both date input lists. Plain duplicates in the
//!   suggestion lists and `unique_property_keys` are harmless and allowed.
//! - The date input rules may list `Scheduled`, `Deadline`, `Review` (to choose their widget)
//!   but not keys with another built-in meaning: pseudo-properties, reserved keys, relations,
//!   `*_Repeats` and `Deadline_Warning`.
//! - `crules` may not set the reserved keys `Merged`, `Duplicate`, `Closed_Via` (they can only
//!   come from a status change).
//! - **Saved-search names** are what follows `@` in a search key, so they may not be empty nor
//!   contain white space or the search language's characters `: ^ = ] [ ! ~ * < > ( ) | " @`.
//! - **Colours** (see [`is_valid_colour`]): a CSS named colour (the 148 of CSS Color Level 4)
//!   or `transparent`, case-insensitive, or `#rgb` / `#rrggbb`. A colour rule needs at least one
//!   of `fg` and `bg`.
//! - **Case**: `vrules_pkv_values` gives the *stored* case of a value
//!   ([`SiloConfig::canonical_value`]); `srules_*_case` give the *displayed* case
//!   ([`SiloConfig::display_tag`], …). When both exist for a value, display follows the styling
//!   rule.
//! - **`time`**: `rate_per_hour` must be finite and ≥ 0 (default 0); `currency` is free text
//!   (default empty).
//! - Creation rule names are matched case-insensitively; see [`SiloConfig::rule`].

mod builtin;
mod colour;
mod error;
mod lookup;
mod numbering;
mod rules;
mod shape;
mod styling;
mod suggestions;
mod text;
pub(crate) use text::eq_ci;
mod validate;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub(crate) use builtin::refers_to_ticket;
pub use builtin::{
    BUILTIN_DATE_KEYS, BUILTIN_UNIQUE_KEYS, PSEUDO_DATE_KEYS, RELATION_KEYS, RESERVED_KEYS,
};
pub use colour::is_valid_colour;
pub(crate) use error::{json_path, TOP_LEVEL};
pub use error::{ConfigError, ConfigProblem, TextPosition};
pub use lookup::UnknownRule;
pub use numbering::{LcgNumbering, Numbering, SimpleNumbering};
pub use rules::{
    Colours, CreationRule, KeyColour, KeyValue, KeyValues, RequiredKeyRule, SavedSearch, TagColour,
    TimeConfig, ValueColour,
};
pub use suggestions::Suggestions;

/// The parsed and validated contents of a silo's `silo.json`.
///
/// Fields are public for reading; a value obtained from [`SiloConfig::load`] or
/// [`SiloConfig::from_json_str`] has passed validation. A value built or changed in code should
/// be checked with [`SiloConfig::validated`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiloConfig {
    /// Free comment lines (`"$comment"`), kept but without meaning.
    #[serde(rename = "$comment", skip_serializing_if = "Vec::is_empty")]
    pub comment: Vec<String>,
    /// How new ticket numbers are made (domain spec 5).
    pub numbering: Numbering,
    /// Creation rules (6.1). Empty: the built-in rule `norule` applies.
    pub crules: Vec<CreationRule>,
    /// Keys that may appear at most once per ticket, besides the built-in ones (6.2).
    pub unique_property_keys: Vec<String>,
    /// Required keys for the tickets a selector matches (6.3).
    pub vrules_pk_required: Vec<RequiredKeyRule>,
    /// Allowed values of keys, in `v` sort order (6.4).
    pub vrules_pkv_values: Vec<KeyValues>,
    /// Suggested tags (6.5).
    pub suggested_tags: Vec<String>,
    /// Suggested property keys (6.5).
    pub suggested_property_keys: Vec<String>,
    /// Suggested key/value pairs (6.5).
    pub suggested_property_kv: Vec<KeyValue>,
    /// Saved searches (6.6).
    pub searches: Vec<SavedSearch>,
    /// Date keys that always get a date picker in the web page (6.7).
    pub irules_date_picker: Vec<String>,
    /// Date keys that get a date-picker toggle in the web page (6.7).
    pub irules_date_toggle: Vec<String>,
    /// Canonical case of tags (6.8).
    pub srules_t_case: Vec<String>,
    /// Canonical case of property keys (6.8).
    pub srules_pk_case: Vec<String>,
    /// Canonical case of values, per key (6.8).
    pub srules_pkv_case: Vec<KeyValues>,
    /// Colours of tags (6.8).
    pub srules_t_colour: Vec<TagColour>,
    /// Colours of property keys (6.8).
    pub srules_pk_colour: Vec<KeyColour>,
    /// Colours of property values (6.8).
    pub srules_pkv_colour: Vec<ValueColour>,
    /// Tags shown first, in this order (6.8).
    pub srules_t_priority: Vec<String>,
    /// Property keys shown first, in this order (6.8).
    pub srules_pk_priority: Vec<String>,
    /// Time and money (6.9); `null`/absent: no rate configured.
    pub time: Option<TimeConfig>,
    /// The largest attachment the silo accepts, in bytes (default 100 MiB).
    pub max_attachment_bytes: MaxAttachmentBytes,
}

/// The largest attachment a silo accepts, in bytes: `silo.json`'s `max_attachment_bytes`.
/// A bigger file is refused with an error naming the limit, before or while it is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MaxAttachmentBytes(pub u64);

impl MaxAttachmentBytes {
    /// The default: 100 MiB.
    pub const DEFAULT: MaxAttachmentBytes = MaxAttachmentBytes(100 * 1024 * 1024);
}

impl Default for MaxAttachmentBytes {
    fn default() -> Self {
        MaxAttachmentBytes::DEFAULT
    }
}

impl SiloConfig {
    /// Reads and validates the configuration file at `path`. Errors name the file by its path.
    pub fn load(path: &Path) -> Result<SiloConfig, ConfigError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: label.clone(),
            source,
        })?;
        SiloConfig::from_json_str(&text, &label)
    }

    /// Parses and validates configuration text; `file_label` names it in errors.
    ///
    /// ```
    /// use ticket_core::{ConfigError, SiloConfig};
    ///
    /// let config = SiloConfig::from_json_str(
    ///     r#"{ "crules": [ { "name": "risk", "tags": [ " Risk " ] } ],
    ///          "irules_date_picker": [ "Reported" ] }"#,
    ///     "silo.json",
    /// )?;
    /// assert_eq!(config.default_rule().tags, ["Risk"]); // normalised
    /// assert!(config.is_date_key("reported"));
    ///
    /// let err = SiloConfig::from_json_str(r#"{ "crules": [ { "name": "x", "tagz": [] } ] }"#, "silo.json")
    ///     .unwrap_err();
    /// assert_eq!(err.paths(), ["crules[0].tagz"]);
    /// assert!(err.to_string().starts_with("silo.json:1:"));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn from_json_str(text: &str, file_label: &str) -> Result<SiloConfig, ConfigError> {
        shape::objects_where_objects_belong(text, file_label)?;
        let mut de = serde_json::Deserializer::from_str(text);
        let config: SiloConfig = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| error::from_serde(file_label, e))?;
        de.end().map_err(|e| ConfigError::Syntax {
            file: file_label.to_string(),
            path: error::TOP_LEVEL.to_string(),
            position: Some(TextPosition {
                line: e.line(),
                column: e.column(),
            }),
            message: "unexpected text after the configuration object".to_string(),
        })?;
        config.validated(file_label)
    }

    /// Runs the semantic checks on a configuration built or changed in code, normalising the
    /// tags, keys and values it holds. `file_label` names it in errors.
    pub fn validated(mut self, file_label: &str) -> Result<SiloConfig, ConfigError> {
        let problems = validate::validate(&mut self);
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(ConfigError::Invalid {
                file: file_label.to_string(),
                problems,
            })
        }
    }

    /// The configuration as pretty JSON (two-space indent, trailing newline), every field
    /// shown with its effective value: what `ticket config` prints. Parsing it again gives an
    /// equal configuration.
    pub fn to_json_pretty(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("configuration serialises");
        text.push('\n');
        text
    }

    /// The text of the `silo.json` written into a new silo: every field present with its
    /// default, and a `"$comment"` describing the fields.
    pub fn default_json() -> String {
        let config = SiloConfig {
            comment: DEFAULT_COMMENT.iter().map(|s| s.to_string()).collect(),
            ..SiloConfig::default()
        };
        config.to_json_pretty()
    }
}

/// The self-documentation of the default `silo.json`.
const DEFAULT_COMMENT: &[&str] = &[
    "ticket silo configuration. Every field is optional; unknown fields are an error.",
    "numbering: {mode: simple, prefix, start, width} or {mode: lcg, a, c, m, width, prefix}; prefix uses 0-9A-Z; lcg needs a full period (Hull-Dobell).",
    "crules: creation rules [{name, description, tags, properties: [{key, value}]}]; the first is the default; none: the built-in rule norule.",
    "unique_property_keys: keys a ticket may hold at most once (Scheduled, Deadline, Review, their _Repeats, Deadline_Warning and Child_Of always are).",
    "vrules_pk_required: [{selector: SEARCH KEY, key}] tickets matching the selector must have the key.",
    "vrules_pkv_values: [{key, values}] the key must have one of the values (stored in this case; the list order is the v sort order).",
    "suggested_tags, suggested_property_keys, suggested_property_kv [{key, value}]: completion suggestions.",
    "searches: saved searches [{name, description, search, sort}], usable as @name.",
    "irules_date_picker, irules_date_toggle: keys holding dates (a key in at most one list).",
    "srules_t_case, srules_pk_case, srules_pkv_case [{key, values}]: canonical case for display.",
    "srules_t_colour [{tag, fg, bg}], srules_pk_colour [{key, fg, bg}], srules_pkv_colour [{key, value, fg, bg}]: CSS colour names, #rgb or #rrggbb.",
    "srules_t_priority, srules_pk_priority: tags and keys shown first, in this order.",
    "time: null or {rate_per_hour, currency}.",
    "max_attachment_bytes: the largest file copy_file accepts, in bytes (default 104857600, 100 MiB).",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_json_parses_to_the_default_configuration() {
        let parsed = SiloConfig::from_json_str(&SiloConfig::default_json(), "silo.json").unwrap();
        assert_eq!(
            SiloConfig {
                comment: Vec::new(),
                ..parsed
            },
            SiloConfig::default()
        );
    }

    #[test]
    fn trailing_text_is_refused() {
        let err = SiloConfig::from_json_str("{} x", "f").unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { .. }), "{err:?}");
    }
}
