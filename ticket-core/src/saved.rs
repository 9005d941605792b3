//! Saved searches (6.6) and suggestions (6.5) of a silo.
use crate::config::{SavedSearch, SiloConfig, Suggestions};
use crate::error::{Error, Result};
use crate::model::TicketRow;
use crate::silo::Silo;
use crate::storage::db::args;

impl Silo {
    /// The saved searches of `silo.json`, in their order.
    pub fn saved_searches(&self) -> Vec<SavedSearch> {
        self.config().searches.clone()
    }

    /// Runs the saved search `name` (`@name` too) with its own sort rule.
    pub fn run_saved(&self, name: &str) -> Result<Vec<TicketRow>> {
        let s = self.saved_search_named(name)?;
        self.search(&s.search, &s.sort)
    }

    /// The saved search `name` (case-insensitive, a leading `@` allowed); an unknown name is
    /// an error listing the names there are.
    pub fn saved_search_named(&self, name: &str) -> Result<SavedSearch> {
        let name = name.trim().trim_start_matches('@');
        self.config().saved_search(name).cloned().ok_or_else(|| {
            let config = self.config();
            let names: Vec<&str> = config.searches.iter().map(|s| s.name.as_str()).collect();
            Error::invalid(
                "saved search",
                name,
                if names.is_empty() {
                    "the silo has no saved searches".to_string()
                } else {
                    format!("expected one of {}", names.join(", "))
                },
            )
        })
    }

    /// Completion suggestions: the configured lists, plus every tag, key and key/value already
    /// in the silo, the vrules values and the built-in keys, without case-insensitive duplicates.
    pub fn suggestions(&self) -> Result<Suggestions> {
        let conn = self.reader()?;
        let tags: Vec<String> = conn.rows(
            "SELECT min(tag) FROM tags GROUP BY tag_lc ORDER BY tag_lc",
            args![],
            |r| r.get(0),
        )?;
        let keys: Vec<String> = conn.rows(
            "SELECT min(key) FROM properties GROUP BY key_lc ORDER BY key_lc",
            args![],
            |r| r.get(0),
        )?;
        let kv: Vec<(String, String)> = conn
            .rows("SELECT min(key), min(value) FROM properties GROUP BY key_lc, value_lc ORDER BY key_lc, value_lc LIMIT 10000", args![], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(Suggestions::build(&self.config(), tags, keys, kv))
    }
}

/// The problems of a configuration's saved searches, one line each: a key or sort rule that
/// does not parse, an `@name` that names no saved search, saved searches that refer to each
/// other in a cycle. Checked without a silo (`config --check`).
pub fn saved_search_problems(config: &SiloConfig) -> Vec<String> {
    let cat = crate::catalogue::SiloCatalogue { config };
    // any day will do: only the structure of the keys is checked
    let today = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    let mut problems = Vec::new();
    for s in &config.searches {
        let checked = ticket_query::parse_search(&s.search).and_then(|key| {
            let sort = ticket_query::parse_sort(&s.sort)?;
            ticket_query::compile(&key, &sort, &cat, today)
        });
        if let Err(e) = checked {
            problems.push(format!("saved search '{}': {}", s.name, e.message()));
        }
    }
    problems
}
