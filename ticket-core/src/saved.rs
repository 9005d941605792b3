//! Saved searches (6.6) and suggestions (6.5) of a silo.
use crate::config::{SavedSearch, Suggestions};
use crate::error::{Error, Result};
use crate::model::TicketRow;
use crate::silo::Silo;

impl Silo {
    /// The saved searches of `silo.json`, in their order.
    pub fn saved_searches(&self) -> &[SavedSearch] {
        &self.config().searches
    }

    /// Runs the saved search `name` with its own sort rule.
    pub fn run_saved(&self, name: &str) -> Result<Vec<TicketRow>> {
        let s = self
            .config()
            .saved_search(name)
            .ok_or_else(|| {
                let names: Vec<&str> = self
                    .config()
                    .searches
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                Error::invalid(
                    "saved search",
                    name,
                    if names.is_empty() {
                        "the silo has no saved searches".to_string()
                    } else {
                        format!("expected one of {}", names.join(", "))
                    },
                )
            })?
            .clone();
        self.search(&s.search, &s.sort)
    }

    /// Completion suggestions: the configured lists, plus every tag, key and key/value already
    /// in the silo, the vrules values and the built-in keys, without case-insensitive duplicates.
    pub fn suggestions(&self) -> Result<Suggestions> {
        let conn = self.reader()?;
        let tags: Vec<String> = conn
            .prepare("SELECT min(tag) FROM tags GROUP BY tag_lc ORDER BY tag_lc")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let keys: Vec<String> = conn
            .prepare("SELECT min(key) FROM properties GROUP BY key_lc ORDER BY key_lc")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let kv: Vec<(String, String)> = conn
            .prepare("SELECT min(key), min(value) FROM properties GROUP BY key_lc, value_lc ORDER BY key_lc, value_lc LIMIT 10000")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Suggestions::build(self.config(), tags, keys, kv))
    }
}
