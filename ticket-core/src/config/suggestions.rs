//! Completion suggestions (domain spec 6.5).

use super::builtin::SUGGESTED_BUILTIN_KEYS;
use super::text::{eq_ci, lc};
use super::SiloConfig;

/// Tags, keys and key/value pairs offered for completion: the configured suggestions, what the
/// silo already holds, the validation rules' keys and values, and the built-in keys.
///
/// Duplicates are removed case-insensitively. Every item is shown in its styling case
/// (`srules_*_case`, else the `vrules_pkv_values` case) when there is one; otherwise the case
/// of its first occurrence wins, in the order: configured suggestions, silo contents,
/// validation rules, built-ins. A pair's key is shown in the same case as in `keys`. Each list is then sorted case-insensitively (pairs by key, then
/// value).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suggestions {
    /// Suggested tags.
    pub tags: Vec<String>,
    /// Suggested property keys.
    pub keys: Vec<String>,
    /// Suggested `(key, value)` pairs.
    pub key_values: Vec<(String, String)>,
}

impl Suggestions {
    /// Merges the configuration's suggestions with what the silo holds (`silo_tags`,
    /// `silo_keys`, `silo_kv`, for example from `list_tags` and friends).
    pub fn build<T, K, KK, KV>(
        config: &SiloConfig,
        silo_tags: impl IntoIterator<Item = T>,
        silo_keys: impl IntoIterator<Item = K>,
        silo_kv: impl IntoIterator<Item = (KK, KV)>,
    ) -> Suggestions
    where
        T: AsRef<str>,
        K: AsRef<str>,
        KK: AsRef<str>,
        KV: AsRef<str>,
    {
        let mut tags: Vec<String> = Vec::new();
        let configured_tags = config.suggested_tags.iter().map(String::as_str);
        let owned_silo_tags: Vec<String> = silo_tags
            .into_iter()
            .map(|t| t.as_ref().to_string())
            .collect();
        for t in configured_tags.chain(owned_silo_tags.iter().map(String::as_str)) {
            push_unique(&mut tags, config.display_tag(t));
        }

        let mut keys: Vec<String> = Vec::new();
        let owned_silo_keys: Vec<String> = silo_keys
            .into_iter()
            .map(|k| k.as_ref().to_string())
            .collect();
        let owned_silo_kv: Vec<(String, String)> = silo_kv
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
            .collect();
        let rule_keys = config
            .vrules_pkv_values
            .iter()
            .map(|r| r.key.as_str())
            .chain(config.vrules_pk_required.iter().map(|r| r.key.as_str()))
            .chain(config.unique_property_keys.iter().map(String::as_str))
            .chain(config.irules_date_picker.iter().map(String::as_str))
            .chain(config.irules_date_toggle.iter().map(String::as_str));
        for k in config
            .suggested_property_keys
            .iter()
            .map(String::as_str)
            .chain(
                config
                    .suggested_property_kv
                    .iter()
                    .map(|kv| kv.key.as_str()),
            )
            .chain(owned_silo_keys.iter().map(String::as_str))
            .chain(owned_silo_kv.iter().map(|(k, _)| k.as_str()))
            .chain(rule_keys)
            .chain(SUGGESTED_BUILTIN_KEYS.iter().copied())
        {
            push_unique(&mut keys, config.display_key(k));
        }

        let mut key_values: Vec<(String, String)> = Vec::new();
        let vrule_pairs = config
            .vrules_pkv_values
            .iter()
            .flat_map(|r| r.values.iter().map(move |v| (r.key.as_str(), v.as_str())));
        for (k, v) in config
            .suggested_property_kv
            .iter()
            .map(|kv| (kv.key.as_str(), kv.value.as_str()))
            .chain(owned_silo_kv.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .chain(vrule_pairs)
        {
            // The key is shown as in the key list (every pair's key is in it).
            let shown_key = keys.iter().find(|e| eq_ci(e, k)).map(String::as_str);
            let (k, v) = (
                shown_key.unwrap_or_else(|| config.display_key(k)),
                config.display_value(k, v),
            );
            if !key_values
                .iter()
                .any(|(ek, ev)| eq_ci(ek, k) && eq_ci(ev, v))
            {
                key_values.push((k.to_string(), v.to_string()));
            }
        }

        tags.sort_by_cached_key(|t| (lc(t), t.clone()));
        keys.sort_by_cached_key(|k| (lc(k), k.clone()));
        key_values.sort_by_cached_key(|(k, v)| (lc(k), lc(v), k.clone(), v.clone()));
        Suggestions {
            tags,
            keys,
            key_values,
        }
    }
}

impl Suggestions {
    /// The suggested values of `key` (case-insensitive), in the list's order.
    pub fn values_of(&self, key: &str) -> Vec<&str> {
        self.key_values
            .iter()
            .filter(|(k, _)| eq_ci(k, key))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|e| eq_ci(e, item)) {
        list.push(item.to_string());
    }
}
