//! Styling rules (domain spec 6.8): the displayed case of tags, keys and values, their colours,
//! and the order in which tags and properties are shown.

use super::text::{eq_ci, lc};
use super::{Colours, SiloConfig};

impl SiloConfig {
    /// The case `tag` is displayed in: its `srules_t_case` entry (the tag's canonical case),
    /// else the tag as given.
    pub fn display_tag<'a>(&'a self, tag: &'a str) -> &'a str {
        self.srules_t_case
            .iter()
            .find(|t| eq_ci(t, tag))
            .map_or(tag, String::as_str)
    }

    /// The case `key` is displayed in: its `srules_pk_case` entry, else the key as given.
    pub fn display_key<'a>(&'a self, key: &'a str) -> &'a str {
        self.srules_pk_case
            .iter()
            .find(|k| eq_ci(k, key))
            .map_or(key, String::as_str)
    }

    /// The case a `value` of `key` is displayed in: its `srules_pkv_case` entry, else its
    /// `vrules_pkv_values` entry, else the value as given.
    pub fn display_value<'a>(&'a self, key: &str, value: &'a str) -> &'a str {
        self.srules_pkv_case
            .iter()
            .find(|r| eq_ci(&r.key, key))
            .and_then(|r| r.values.iter().find(|v| eq_ci(v, value)))
            .map(String::as_str)
            .or_else(|| self.canonical_value(key, value))
            .unwrap_or(value)
    }

    /// The colours of `tag` (`srules_t_colour`), if it has a rule.
    pub fn tag_colours(&self, tag: &str) -> Option<Colours<'_>> {
        self.srules_t_colour
            .iter()
            .find(|r| eq_ci(&r.tag, tag))
            .map(|r| Colours {
                fg: r.fg.as_deref(),
                bg: r.bg.as_deref(),
            })
    }

    /// The colours of property key `key` (`srules_pk_colour`), if it has a rule.
    pub fn key_colours(&self, key: &str) -> Option<Colours<'_>> {
        self.srules_pk_colour
            .iter()
            .find(|r| eq_ci(&r.key, key))
            .map(|r| Colours {
                fg: r.fg.as_deref(),
                bg: r.bg.as_deref(),
            })
    }

    /// The colours of the property `key = value` (`srules_pkv_colour`), if it has a rule.
    pub fn value_colours(&self, key: &str, value: &str) -> Option<Colours<'_>> {
        self.srules_pkv_colour
            .iter()
            .find(|r| eq_ci(&r.key, key) && eq_ci(&r.value, value))
            .map(|r| Colours {
                fg: r.fg.as_deref(),
                bg: r.bg.as_deref(),
            })
    }

    /// The position of `tag` in `srules_t_priority`, if listed.
    pub fn tag_priority(&self, tag: &str) -> Option<usize> {
        self.srules_t_priority.iter().position(|t| eq_ci(t, tag))
    }

    /// The position of `key` in `srules_pk_priority`, if listed.
    pub fn key_priority(&self, key: &str) -> Option<usize> {
        self.srules_pk_priority.iter().position(|k| eq_ci(k, key))
    }

    /// Orders tags for display: the `srules_t_priority` tags first, in that order, then the
    /// others alphabetically (case-insensitive, then by exact text so the order is total).
    pub fn sort_tags_for_display<T: AsRef<str>>(&self, tags: &mut [T]) {
        // tags usually come in this order already (a ticket's are read by lower case): a
        // check that allocates nothing spares the sort and its keys (issue 16)
        let rank = |t: &str| self.tag_priority(t).unwrap_or(usize::MAX);
        let in_order = |a: &str, b: &str| {
            rank(a)
                .cmp(&rank(b))
                .then_with(|| {
                    if a.is_ascii() && b.is_ascii() {
                        // an ASCII letter's lower case is its ASCII lower case
                        let (a, b) = (a.bytes(), b.bytes());
                        a.map(|c| c.to_ascii_lowercase())
                            .cmp(b.map(|c| c.to_ascii_lowercase()))
                    } else {
                        a.chars()
                            .flat_map(char::to_lowercase)
                            .cmp(b.chars().flat_map(char::to_lowercase))
                    }
                })
                .then_with(|| a.cmp(b))
                .is_le()
        };
        if tags
            .windows(2)
            .all(|w| in_order(w[0].as_ref(), w[1].as_ref()))
        {
            return;
        }
        tags.sort_by_cached_key(|t| {
            let t = t.as_ref();
            (
                self.tag_priority(t).unwrap_or(usize::MAX),
                lc(t),
                t.to_string(),
            )
        });
    }

    /// Orders properties for display: keys in `srules_pk_priority` first, in that order, then
    /// the other keys alphabetically (case-insensitive). Properties with the same key keep
    /// their relative order (the sort is stable), except that for a key with a
    /// `vrules_pkv_values` list, values follow that list's order.
    pub fn sort_properties_for_display<K: AsRef<str>, V: AsRef<str>>(
        &self,
        properties: &mut [(K, V)],
    ) {
        properties.sort_by_cached_key(|(k, v)| {
            let (k, v) = (k.as_ref(), v.as_ref());
            // Listed values first, in list order; the rest keep their order (stable sort).
            let value_rank = self
                .value_order(k)
                .and_then(|order| order.iter().position(|o| eq_ci(o, v)))
                .unwrap_or(usize::MAX);
            (
                self.key_priority(k).unwrap_or(usize::MAX),
                lc(k),
                value_rank,
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The in-order check gives what the sort gives, ordered input or not, priorities or not.
        #[test]
        fn tags_in_order_stay_as_the_sort_would_leave_them(
            mut tags in prop::collection::vec("[aAbBéÉ1_\\[]{0,3}", 0..6),
            priority in prop::collection::vec("[aAbB]{1,2}", 0..3),
            presort in any::<bool>(),
        ) {
            let config = SiloConfig {
                srules_t_priority: priority,
                ..SiloConfig::default()
            };
            if presort {
                tags.sort_by_cached_key(|t| {
                    (config.tag_priority(t).unwrap_or(usize::MAX), lc(t), t.clone())
                });
            }
            let mut expected = tags.clone();
            expected.sort_by_cached_key(|t| {
                (config.tag_priority(t).unwrap_or(usize::MAX), lc(t), t.clone())
            });
            config.sort_tags_for_display(&mut tags);
            prop_assert_eq!(tags, expected);
        }
    }
}
