//! Styling rules (domain 6.8) applied to what is displayed: canonical case of tags, keys and
//! values and the priority order of tags and property keys. Every rule is the configuration's
//! (`SiloConfig::display_*`, `sort_*_for_display`, `key_priority`); this only strings them
//! together for the output.

use ticket_core::SiloConfig;

/// Display helpers over a silo's configuration.
#[derive(Debug, Clone, Copy)]
pub struct Styler<'c> {
    config: &'c SiloConfig,
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

    /// Tags in display order, in their displayed case.
    pub fn tags(&self, tags: &[String]) -> Vec<String> {
        let mut ordered: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.config.sort_tags_for_display(&mut ordered);
        ordered.into_iter().map(|t| self.tag(t)).collect()
    }

    /// [`Styler::tags`] appended to `line`, separated by spaces, without a `String` per tag.
    pub fn tags_into(&self, tags: &[String], line: &mut String) {
        let mut ordered: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.config.sort_tags_for_display(&mut ordered);
        for (i, t) in ordered.into_iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            line.push_str(self.config.display_tag(t));
        }
    }

    /// Properties in display order, in their displayed case; with `only_prioritised`, only
    /// those whose key is in `srules_pk_priority`.
    pub fn properties(
        &self,
        props: &[(String, String)],
        only_prioritised: bool,
    ) -> Vec<(String, String)> {
        let mut ordered: Vec<(&str, &str)> = props
            .iter()
            .filter(|(k, _)| !only_prioritised || self.config.key_priority(k).is_some())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.config.sort_properties_for_display(&mut ordered);
        ordered
            .into_iter()
            .map(|(k, v)| (self.key(k), self.value(k, v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_case_and_priority_order() {
        let config = SiloConfig::from_json_str(
            r#"{"srules_t_case": ["NAS"], "srules_pk_case": ["Priority"],
                "srules_t_priority": ["risk"], "srules_pk_priority": ["priority", "Deadline"],
                "vrules_pkv_values": [{"key": "Priority", "values": ["High", "Low"]}]}"#,
            "test",
        )
        .unwrap();
        let s = Styler::new(&config);
        let tags = ["nas".to_string(), "alpha".to_string(), "Risk".to_string()];
        assert_eq!(s.tags(&tags), ["Risk", "alpha", "NAS"]);
        let mut line = String::new();
        s.tags_into(&tags, &mut line);
        assert_eq!(line, "Risk alpha NAS");
        let props = [
            ("owner".to_string(), "x".to_string()),
            ("deadline".to_string(), "2024-03-01".to_string()),
            ("priority".to_string(), "high".to_string()),
        ];
        assert_eq!(
            s.properties(&props, true),
            [
                ("Priority".to_string(), "High".to_string()),
                ("deadline".to_string(), "2024-03-01".to_string())
            ]
        );
        assert_eq!(s.properties(&props, false).len(), 3);
    }
}
