//! The typical search set of the quality spec, with a hand-written best SQL statement for each
//! over the documented schema (ARCHITECTURE.md), for the "compiled ÷ hand-written" ratio.
//!
//! The hand-written statements return the same rows in the same order as the spec asks of the
//! compiled query (ticket ids; the number as the final tie-breaker); they are what a careful
//! person would write knowing the indexes: `IN` subqueries driven by `tags_lc`,
//! `properties_kv`/`_num`/`_date`, the FTS table, and the `tickets_*` indexes. Dates are the
//! dataset's today (2024-06-28, see [`crate::gen::dataset_today`]).

/// One typical search.
#[derive(Debug, Clone, Copy)]
pub struct Typical {
    /// A short name for tables and benchmark ids.
    pub name: &'static str,
    /// The search key.
    pub key: &'static str,
    /// The sort rule.
    pub sort: &'static str,
    /// The hand-written best SQL (no parameters), selecting `tickets.id` in the final order.
    pub hand_sql: &'static str,
    /// Whether the spec's selective-key budget (≤ 50 ms on 1M) applies; else the 500 ms one.
    pub selective: bool,
}

const BY_NUMBER: &str = "length(t.number), t.number";

macro_rules! order_n {
    ($sql:expr) => {
        concat!($sql, " ORDER BY length(t.number), t.number")
    };
}

/// The set (quality spec §1), instantiated on the generated data: `tagN` = `tag7`,
/// `userN` = `user3`, `a`/`b` = `tag1`/`tag2`, `word` = `disk` (title) and `restic` (full text),
/// `@saved` = `@mine` (`s:* p=assigned:=user3:`).
pub const TYPICAL: &[Typical] = &[
    Typical {
        name: "active",
        key: "s:*",
        sort: "",
        hand_sql: order_n!("SELECT t.id FROM tickets t WHERE t.status IN (0,1,2,3,4)"),
        selective: false,
    },
    Typical {
        name: "active_tag",
        key: "s:* g=tag7",
        sort: "",
        hand_sql: order_n!(
            "SELECT t.id FROM tickets t WHERE t.id IN (SELECT ticket_id FROM tags WHERE tag_lc = 'tag7') AND t.status IN (0,1,2,3,4)"
        ),
        selective: true,
    },
    Typical {
        name: "assigned_prefix",
        key: "p^assigned=user3:",
        sort: "",
        hand_sql: order_n!(
            "SELECT t.id FROM tickets t WHERE t.id IN (SELECT ticket_id FROM properties WHERE key_lc >= 'assigned' AND key_lc < 'assignee' AND value_lc = 'user3')"
        ),
        selective: true,
    },
    Typical {
        name: "deadline_30d",
        key: "p=deadline:].:[+30d:",
        sort: "d",
        hand_sql: "SELECT t.id FROM tickets t \
            WHERE t.id IN (SELECT ticket_id FROM properties WHERE key_lc = 'deadline' AND value_date >= '2024-06-28' AND value_date <= '2024-07-28') \
            ORDER BY (SELECT min(value_lc) FROM properties p WHERE p.ticket_id = t.id AND p.key_lc = 'deadline') IS NULL, \
            (SELECT min(value_lc) FROM properties p WHERE p.ticket_id = t.id AND p.key_lc = 'deadline'), length(t.number), t.number",
        selective: true,
    },
    Typical {
        name: "or_not_sorted",
        key: "s:* (g=tag1 | g=tag2) !p=priority:=low:",
        sort: "!vpriority:d",
        hand_sql: "SELECT t.id FROM tickets t \
            WHERE t.status IN (0,1,2,3,4) \
            AND t.id IN (SELECT ticket_id FROM tags WHERE tag_lc IN ('tag1', 'tag2')) \
            AND t.id NOT IN (SELECT ticket_id FROM properties WHERE key_lc = 'priority' AND value_lc = 'low') \
            ORDER BY (SELECT max(CASE value_lc WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE -1 END) FROM properties p WHERE p.ticket_id = t.id AND p.key_lc = 'priority') IS NULL, \
            (SELECT max(CASE value_lc WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE -1 END) FROM properties p WHERE p.ticket_id = t.id AND p.key_lc = 'priority') DESC, \
            (SELECT min(value_lc) FROM properties p WHERE p.ticket_id = t.id AND p.key_lc = 'deadline') IS NULL, \
            (SELECT min(value_lc) FROM properties p WHERE p.ticket_id = t.id AND p.key_lc = 'deadline'), \
            length(t.number), t.number",
        selective: false,
    },
    Typical {
        name: "title_word",
        key: "t:disk",
        sort: "",
        hand_sql: order_n!("SELECT t.id FROM tickets t WHERE t.title LIKE '%disk%'"),
        selective: true,
    },
    Typical {
        name: "fulltext_word",
        key: "x:restic",
        sort: "",
        hand_sql: order_n!(
            "SELECT t.id FROM tickets t WHERE t.id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH '\"restic\"')"
        ),
        selective: false,
    },
    Typical {
        name: "updated_2w",
        key: "p=last_update:]-2w:",
        sort: "",
        hand_sql: order_n!("SELECT t.id FROM tickets t WHERE t.last_update >= '2024-06-14'"),
        selective: true,
    },
    Typical {
        name: "estimate_gt3",
        key: "s:* p=estimate:>3:",
        sort: "",
        hand_sql: order_n!(
            "SELECT t.id FROM tickets t WHERE t.id IN (SELECT ticket_id FROM properties WHERE key_lc = 'estimate' AND value_num > 3) AND t.status IN (0,1,2,3,4)"
        ),
        selective: false,
    },
    Typical {
        name: "saved",
        key: "@mine",
        sort: "",
        hand_sql: order_n!(
            "SELECT t.id FROM tickets t WHERE t.id IN (SELECT ticket_id FROM properties WHERE key_lc = 'assigned' AND value_lc = 'user3') AND t.status IN (0,1,2,3,4)"
        ),
        selective: true,
    },
];

/// The numbering-order tie-breaker, for statements built in code.
pub const NUMBER_ORDER: &str = BY_NUMBER;

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    use crate::baseline::DOCUMENTED_SCHEMA;

    fn plan(db: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = db.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn hand_written_sql_runs_on_the_documented_schema_and_uses_indexes() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(DOCUMENTED_SCHEMA).unwrap();
        for t in TYPICAL {
            let steps = plan(&db, t.hand_sql);
            let mut stmt = db.prepare(t.hand_sql).unwrap();
            assert_eq!(stmt.query([]).unwrap().next().unwrap().map(|_| ()), None);
            // Selective searches must be driven by an index or the FTS table, never by a scan
            // of the whole tickets table.
            if t.selective && t.name != "title_word" {
                assert!(
                    !steps.iter().any(|s| s == "SCAN t"),
                    "{}: {steps:?}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn names_are_unique_and_the_set_is_the_specs() {
        let mut names: Vec<_> = TYPICAL.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 10);
        assert!(TYPICAL.iter().any(|t| t.key == "@mine"));
    }
}
