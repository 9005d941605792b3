//! The semantic checks run after `silo.json` parsed (decisions in the module docs).

use super::builtin::{
    BUILTIN_DATE_KEYS, BUILTIN_UNIQUE_KEYS, PSEUDO_DATE_KEYS, RELATION_KEYS, RESERVED_KEYS,
};
use super::colour::is_valid_colour;
use super::error::ConfigProblem;
use super::numbering::hull_dobell;
use super::text::{eq_ci, lc, normalise};
use super::{KeyValues, Numbering, SiloConfig};

/// The characters of the search language, refused in saved-search names.
const SEARCH_CHARS: &[char] = &[
    ':', '^', '=', ']', '[', '!', '~', '*', '<', '>', '(', ')', '|', '"', '@',
];

/// The largest accepted numbering width.
const MAX_WIDTH: u32 = 64;

/// Collects problems with their JSON paths.
struct Checker {
    problems: Vec<ConfigProblem>,
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Normalises a tag/key/value in place; reports it if it cannot be.
    fn text(&mut self, path: &str, what: &str, value: &mut String) {
        match normalise(value) {
            Ok(normal) => *value = normal,
            Err(reason) => self.problem(path, format!("{what} {value:?} {reason}")),
        }
    }

    /// Normalises every item of a list of tags or keys.
    fn texts(&mut self, path: &str, what: &str, values: &mut [String]) {
        for (i, v) in values.iter_mut().enumerate() {
            self.text(&format!("{path}[{i}]"), what, v);
        }
    }

    /// Reports items equal (case-insensitively) to an earlier one. `item_path(i)` names item i.
    fn no_duplicates<'a>(
        &mut self,
        what: &str,
        items: impl IntoIterator<Item = &'a str>,
        item_path: impl Fn(usize) -> String,
    ) {
        let items: Vec<&str> = items.into_iter().collect();
        for (i, j) in repeats(&items, lc) {
            let item = items[i];
            self.problem(
                item_path(i),
                format!(
                    "{what} {item:?} is already given at {}: expected each {what} once",
                    item_path(j)
                ),
            );
        }
    }

    fn colour(&mut self, path: &str, colour: &Option<String>) {
        if let Some(c) = colour {
            if !is_valid_colour(c) {
                self.problem(
                    path,
                    format!(
                        "{c:?} is not a colour: expected a CSS colour name (such as \"red\"), \
                         #rgb or #rrggbb"
                    ),
                );
            }
        }
    }

    fn colour_pair(&mut self, path: &str, fg: &Option<String>, bg: &Option<String>) {
        if fg.is_none() && bg.is_none() {
            self.problem(path, "expected at least one of `fg` and `bg`");
        }
        self.colour(&format!("{path}.fg"), fg);
        self.colour(&format!("{path}.bg"), bg);
    }

    fn key_values_list(&mut self, field: &str, rules: &mut [KeyValues]) {
        for (i, rule) in rules.iter_mut().enumerate() {
            let path = format!("{field}[{i}]");
            self.text(&format!("{path}.key"), "key", &mut rule.key);
            if rule.values.is_empty() {
                self.problem(format!("{path}.values"), "expected at least one value");
            }
            self.texts(&format!("{path}.values"), "value", &mut rule.values);
            self.no_duplicates("value", rule.values.iter().map(String::as_str), |j| {
                format!("{path}.values[{j}]")
            });
        }
        self.no_duplicates("key", rules.iter().map(|r| r.key.as_str()), |i| {
            format!("{field}[{i}].key")
        });
    }
}

/// Checks `config`, normalising its tags, keys and values in place. Returns every problem.
pub(crate) fn validate(config: &mut SiloConfig) -> Vec<ConfigProblem> {
    let mut ck = Checker {
        problems: Vec::new(),
    };
    numbering(&mut ck, &config.numbering);

    // crules
    for (i, rule) in config.crules.iter_mut().enumerate() {
        let path = format!("crules[{i}]");
        match normalise(&rule.name) {
            Ok(n) => rule.name = n,
            Err(reason) => ck.problem(format!("{path}.name"), format!("rule name {reason}")),
        }
        ck.texts(&format!("{path}.tags"), "tag", &mut rule.tags);
        for (j, kv) in rule.properties.iter_mut().enumerate() {
            let kv_path = format!("{path}.properties[{j}]");
            ck.text(&format!("{kv_path}.key"), "key", &mut kv.key);
            ck.text(&format!("{kv_path}.value"), "value", &mut kv.value);
            if let Some(reserved) = RESERVED_KEYS.iter().find(|k| eq_ci(k, &kv.key)) {
                ck.problem(
                    format!("{kv_path}.key"),
                    format!(
                        "{reserved} is set only by a status change (Merged/Duplicate): \
                         expected another key"
                    ),
                );
            }
        }
    }
    ck.no_duplicates(
        "rule name",
        config.crules.iter().map(|r| r.name.as_str()),
        |i| format!("crules[{i}].name"),
    );

    ck.texts(
        "unique_property_keys",
        "key",
        &mut config.unique_property_keys,
    );

    for (i, rule) in config.vrules_pk_required.iter_mut().enumerate() {
        let path = format!("vrules_pk_required[{i}]");
        search_key(&mut ck, &format!("{path}.selector"), &rule.selector);
        ck.text(&format!("{path}.key"), "key", &mut rule.key);
    }
    ck.key_values_list("vrules_pkv_values", &mut config.vrules_pkv_values);

    ck.texts("suggested_tags", "tag", &mut config.suggested_tags);
    ck.texts(
        "suggested_property_keys",
        "key",
        &mut config.suggested_property_keys,
    );
    for (i, kv) in config.suggested_property_kv.iter_mut().enumerate() {
        ck.text(
            &format!("suggested_property_kv[{i}].key"),
            "key",
            &mut kv.key,
        );
        ck.text(
            &format!("suggested_property_kv[{i}].value"),
            "value",
            &mut kv.value,
        );
    }

    for (i, search) in config.searches.iter_mut().enumerate() {
        let path = format!("searches[{i}]");
        search.name = search.name.trim().to_string();
        if search.name.is_empty() {
            ck.problem(
                format!("{path}.name"),
                "saved search name must not be empty",
            );
        } else if let Some(bad) = search
            .name
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || SEARCH_CHARS.contains(c))
        {
            ck.problem(
                format!("{path}.name"),
                format!(
                    "saved search name {:?} contains {bad:?}: expected a name usable as @name \
                     (no white space, none of : ^ = ] [ ! ~ * < > ( ) | \" @)",
                    search.name
                ),
            );
        }
        search_key(&mut ck, &format!("{path}.search"), &search.search);
        sort_rule(&mut ck, &format!("{path}.sort"), &search.sort);
    }
    ck.no_duplicates(
        "saved search name",
        config.searches.iter().map(|s| s.name.as_str()),
        |i| format!("searches[{i}].name"),
    );

    ck.texts("irules_date_picker", "key", &mut config.irules_date_picker);
    ck.texts("irules_date_toggle", "key", &mut config.irules_date_toggle);
    for (field, keys) in [
        ("irules_date_picker", &config.irules_date_picker),
        ("irules_date_toggle", &config.irules_date_toggle),
    ] {
        for (i, key) in keys.iter().enumerate() {
            if let Some(special) = special_non_date_key(key) {
                ck.problem(
                    format!("{field}[{i}]"),
                    format!("{key:?} {special}: expected a key of your own"),
                );
            }
        }
    }
    for (j, key) in config.irules_date_toggle.iter().enumerate() {
        if let Some(i) = config.irules_date_picker.iter().position(|k| eq_ci(k, key)) {
            ck.problem(
                format!("irules_date_toggle[{j}]"),
                format!(
                    "{key:?} is also in irules_date_picker[{i}]: expected a key in at most one \
                     of irules_date_picker and irules_date_toggle"
                ),
            );
        }
    }

    ck.texts("srules_t_case", "tag", &mut config.srules_t_case);
    ck.no_duplicates(
        "tag",
        config.srules_t_case.iter().map(String::as_str),
        |i| format!("srules_t_case[{i}]"),
    );
    ck.texts("srules_pk_case", "key", &mut config.srules_pk_case);
    ck.no_duplicates(
        "key",
        config.srules_pk_case.iter().map(String::as_str),
        |i| format!("srules_pk_case[{i}]"),
    );
    ck.key_values_list("srules_pkv_case", &mut config.srules_pkv_case);

    for (i, rule) in config.srules_t_colour.iter_mut().enumerate() {
        let path = format!("srules_t_colour[{i}]");
        ck.text(&format!("{path}.tag"), "tag", &mut rule.tag);
        ck.colour_pair(&path, &rule.fg, &rule.bg);
    }
    ck.no_duplicates(
        "tag",
        config.srules_t_colour.iter().map(|r| r.tag.as_str()),
        |i| format!("srules_t_colour[{i}].tag"),
    );
    for (i, rule) in config.srules_pk_colour.iter_mut().enumerate() {
        let path = format!("srules_pk_colour[{i}]");
        ck.text(&format!("{path}.key"), "key", &mut rule.key);
        ck.colour_pair(&path, &rule.fg, &rule.bg);
    }
    ck.no_duplicates(
        "key",
        config.srules_pk_colour.iter().map(|r| r.key.as_str()),
        |i| format!("srules_pk_colour[{i}].key"),
    );
    for (i, rule) in config.srules_pkv_colour.iter_mut().enumerate() {
        let path = format!("srules_pkv_colour[{i}]");
        ck.text(&format!("{path}.key"), "key", &mut rule.key);
        ck.text(&format!("{path}.value"), "value", &mut rule.value);
        ck.colour_pair(&path, &rule.fg, &rule.bg);
    }
    let pkv: Vec<String> = config
        .srules_pkv_colour
        .iter()
        .map(|r| format!("{}\u{0}{}", r.key, r.value))
        .collect();
    for (i, item) in pkv.iter().enumerate() {
        if let Some(j) = pkv[..i].iter().position(|e| eq_ci(e, item)) {
            let r = &config.srules_pkv_colour[i];
            ck.problem(
                format!("srules_pkv_colour[{i}]"),
                format!(
                    "{} = {} already has colours at srules_pkv_colour[{j}]: expected one rule \
                     per key and value",
                    r.key, r.value
                ),
            );
        }
    }

    ck.texts("srules_t_priority", "tag", &mut config.srules_t_priority);
    ck.no_duplicates(
        "tag",
        config.srules_t_priority.iter().map(String::as_str),
        |i| format!("srules_t_priority[{i}]"),
    );
    ck.texts("srules_pk_priority", "key", &mut config.srules_pk_priority);
    ck.no_duplicates(
        "key",
        config.srules_pk_priority.iter().map(String::as_str),
        |i| format!("srules_pk_priority[{i}]"),
    );

    if let Some(time) = &config.time {
        if !(time.rate_per_hour.is_finite() && time.rate_per_hour >= 0.0) {
            ck.problem(
                "time.rate_per_hour",
                format!("{}: expected a number ≥ 0", time.rate_per_hour),
            );
        }
    }
    ck.problems
}

/// Why a built-in key cannot be a date input key, if it is one with its own meaning.
fn special_non_date_key(key: &str) -> Option<&'static str> {
    if PSEUDO_DATE_KEYS.iter().any(|k| eq_ci(k, key)) {
        return Some("is a read-only pseudo-property");
    }
    if RESERVED_KEYS.iter().any(|k| eq_ci(k, key)) {
        return Some("is set only by a status change");
    }
    if RELATION_KEYS.iter().any(|(k, _)| eq_ci(k, key)) {
        return Some("is a relation and holds a ticket number");
    }
    if BUILTIN_UNIQUE_KEYS
        .iter()
        .any(|k| eq_ci(k, key) && !BUILTIN_DATE_KEYS.iter().any(|d| eq_ci(d, key)))
    {
        return Some("has its own format (a repeater or a number of days)");
    }
    None
}

fn prefix(ck: &mut Checker, prefix: &str) {
    if let Some(bad) = prefix
        .chars()
        .find(|c| !(c.is_ascii_digit() || c.is_ascii_uppercase()))
    {
        ck.problem(
            "numbering.prefix",
            format!("prefix {prefix:?} contains {bad:?}: expected only 0-9 and A-Z"),
        );
    }
}

fn numbering(ck: &mut Checker, numbering: &Numbering) {
    prefix(ck, numbering.prefix());
    if numbering.width() > MAX_WIDTH {
        ck.problem(
            "numbering.width",
            format!("width {}: expected at most {MAX_WIDTH}", numbering.width()),
        );
    }
    if let Numbering::Lcg(l) = numbering {
        if let Err((field, message)) = hull_dobell(l.a, l.c, l.m) {
            ck.problem(format!("numbering.{field}"), message);
        }
    }
}

/// Checks that a search key parses (saved-search references are resolved when compiled).
fn search_key(ck: &mut Checker, path: &str, key: &str) {
    if let Err(e) = ticket_query::parse_search(key) {
        ck.problem(path, query_problem("search key", key, &e));
    }
}

/// Checks that a sort rule parses.
fn sort_rule(ck: &mut Checker, path: &str, sort: &str) {
    if let Err(e) = ticket_query::parse_sort(sort) {
        ck.problem(path, query_problem("sort rule", sort, &e));
    }
}

/// One line describing a search-language error: the text, where, what was expected.
fn query_problem(what: &str, text: &str, e: &ticket_query::Error) -> String {
    let mut out = format!("{what} {text:?} does not parse: {e}");
    if let Some(hint) = e.hint() {
        out.push_str(" (");
        out.push_str(hint);
        out.push(')');
    }
    out
}

/// The items that repeat an earlier one under `key`, each with the index of its first
/// occurrence, in order: one `key` call per item (a list of thousands of saved searches was
/// compared pairwise, 0.5 s per command with 4,000 of them).
fn repeats(items: &[&str], mut key: impl FnMut(&str) -> String) -> Vec<(usize, usize)> {
    let mut first: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(items.len());
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match first.entry(key(item)) {
            std::collections::hash_map::Entry::Occupied(e) => out.push((i, *e.get())),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Duplicate detection does one key computation per item (linear), whatever the count,
    /// and compares case-insensitively as `eq_ci` does.
    #[test]
    fn repeats_are_found_with_one_key_per_item() {
        let names: Vec<String> = (0..4000).map(|i| format!("search{i}")).collect();
        let mut items: Vec<&str> = names.iter().map(String::as_str).collect();
        items.push("SEARCH17");
        items.push("Ärger");
        items.push("äRGER");
        let mut calls = 0;
        let found = repeats(&items, |s| {
            calls += 1;
            lc(s)
        });
        assert_eq!(calls, items.len());
        assert_eq!(found, vec![(4000, 17), (4002, 4001)]);
        assert!(eq_ci("Ärger", "äRGER"));
    }
}
