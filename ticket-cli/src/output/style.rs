//! Styling rules (domain 6.8) applied to what is displayed: canonical case of tags, keys and
//! values, and the priority order of tags and property keys. The case lookups are the
//! configuration's; only the ordering for display lives here.

use ticket_core::SiloConfig;

/// Display helpers over a silo's configuration.
#[derive(Debug, Clone, Copy)]
pub struct Styler<'c> {
    config: &'c SiloConfig,
}

/// Case-insensitive equality.
fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

impl<'c> Styler<'c> {
    /// Over `config`.
    pub fn new(config: &'c SiloConfig) -> Styler<'c> {
        Styler { config }
    }

    /// A tag in its displayed case.
    pub fn tag(&self, tag: &str) -> String {
        self.config.display_tag(tag).to_string()
    }

    /// A property key in its displayed case.
    pub fn key(&self, key: &str) -> String {
        self.config.display_key(key).to_string()
    }

    /// A property value in its displayed case.
    pub fn value(&self, key: &str, value: &str) -> String {
        self.config.display_value(key, value).to_string()
    }

    /// Tags in display order (`srules_t_priority` first, in that order, then the others as
    /// stored), in their displayed case.
    pub fn tags(&self, tags: &[String]) -> Vec<String> {
        let priority = &self.config.srules_t_priority;
        let mut ordered: Vec<&String> = tags.iter().collect();
        ordered.sort_by_key(|t| {
            priority
                .iter()
                .position(|p| same(p, t))
                .unwrap_or(usize::MAX)
        });
        ordered.into_iter().map(|t| self.tag(t)).collect()
    }

    /// Properties in display order (`srules_pk_priority` keys first, in that order, then the
    /// others as stored), in their displayed case; with `only_prioritised`, only those keys.
    pub fn properties(
        &self,
        props: &[(String, String)],
        only_prioritised: bool,
    ) -> Vec<(String, String)> {
        let priority = &self.config.srules_pk_priority;
        let rank = |k: &str| priority.iter().position(|p| same(p, k));
        let mut ordered: Vec<&(String, String)> = props
            .iter()
            .filter(|(k, _)| !only_prioritised || rank(k).is_some())
            .collect();
        ordered.sort_by_key(|(k, _)| rank(k).unwrap_or(usize::MAX));
        ordered
            .into_iter()
            .map(|(k, v)| (self.key(k), self.value(k, v)))
            .collect()
    }
}
