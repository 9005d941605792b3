//! The deterministic dataset generator (quality spec §1).
//!
//! [`generate`] returns plain data — a [`Dataset`] of [`TicketSpec`]s — so the very same tickets
//! feed a ticket silo (through the public core API), Taskwarrior (`task import`) and Fossil
//! (`fossil ticket add`).
//!
//! Shape, per ticket:
//! - a title of 3–8 words and a summary of 0–3 sentences from [`words::WORDS`] (skewed, so early
//!   words are frequent and late words rare);
//! - 1–5 distinct tags `tag0` … `tag49` (skewed: `tag0` is the most frequent);
//! - `Assigned` = `user0` … `user19` on 90%, `Priority` = low/medium/high on every ticket,
//!   `Client` = `client0` … on 80%, `Project` = `project0` … on 85%;
//! - `Deadline` on 30% (a date from 60 days before to 120 days after [`Dataset::today`]),
//!   `Scheduled` on 20% (30 days before to 60 after), `Estimate` (0.5 … 16) on 40%;
//! - 0–6 entries of 50–400 characters with 0–240 minutes;
//! - all nine statuses, 70% active; `Merged`/`Duplicate` point at an earlier ticket that is not
//!   itself merged or a duplicate;
//! - a relation (`Child_Of`, `Blocks`, `Precedes` or `Related_To`) to an earlier ticket on 5%:
//!   relations always point backwards, so no cycle can arise and `Child_Of` stays unique;
//! - an opening day spread evenly over the 365 days before [`Dataset::today`], in ticket order.

pub mod rng;
pub mod words;

use chrono::{Duration, NaiveDate};
use rng::Rng;
use words::*;

/// The seed used by every benchmark and script, so their figures are about the same data.
pub const DEFAULT_SEED: u64 = 0x71C_0001;

/// The nine status names in the status table's order; the first five are active.
pub const STATUSES: [&str; 9] = [
    "Open",
    "In_Progress",
    "Blocked",
    "Waiting",
    "Postponed",
    "Closed",
    "Abandoned",
    "Merged",
    "Duplicate",
];

/// Relative weights (per mille) of [`STATUSES`]: 700‰ active.
pub const STATUS_WEIGHTS: [u32; 9] = [300, 150, 80, 90, 80, 200, 50, 25, 25];

/// The relation keys the generator uses (each creates its mirror on the target).
pub const RELATION_KEYS: [&str; 4] = ["Child_Of", "Blocks", "Precedes", "Related_To"];

/// One entry (comment) of a generated ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySpec {
    /// 50–400 characters.
    pub text: String,
    /// Minutes spent.
    pub minutes: u32,
}

/// One generated ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSpec {
    /// A deterministic 32-hex uuid (used for the peers, whose import wants one).
    pub uuid: String,
    /// The title.
    pub title: String,
    /// The summary (may be empty).
    pub summary: String,
    /// Index into [`STATUSES`].
    pub status: usize,
    /// For `Merged`/`Duplicate`: the index of the (earlier) ticket it points at.
    pub status_other: Option<usize>,
    /// Distinct tags.
    pub tags: Vec<String>,
    /// Properties other than relations, `(key, value)`; dates are absolute `YYYY-MM-DD`.
    pub properties: Vec<(String, String)>,
    /// The entries, in order.
    pub entries: Vec<EntrySpec>,
    /// A relation `(key, index of an earlier ticket)`.
    pub relation: Option<(&'static str, usize)>,
    /// The day the ticket was opened, as days after [`Dataset::start`].
    pub opened_day: u32,
}

impl TicketSpec {
    /// The status name.
    pub fn status_name(&self) -> &'static str {
        STATUSES[self.status]
    }

    /// Whether the status is active.
    pub fn is_active(&self) -> bool {
        self.status < 5
    }

    /// The first value of property `key` (exact key).
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A generated dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The seed it was generated from.
    pub seed: u64,
    /// The dataset's "today": the clock of searches run against it.
    pub today: NaiveDate,
    /// The tickets, in creation order.
    pub tickets: Vec<TicketSpec>,
}

impl Dataset {
    /// The day of the first ticket (365 days before [`Dataset::today`]).
    pub fn start(&self) -> NaiveDate {
        self.today - Duration::days(365)
    }

    /// The calendar day ticket `i` was opened.
    pub fn opened_date(&self, i: usize) -> NaiveDate {
        self.start() + Duration::days(i64::from(self.tickets[i].opened_day))
    }
}

/// The dataset's "today", fixed so that dates in the data and relative dates in searches agree.
pub fn dataset_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 28).expect("valid date")
}

fn words(rng: &mut Rng, lo: i64, hi: i64) -> Vec<&'static str> {
    let n = rng.range(lo, hi);
    (0..n)
        .map(|_| WORDS[rng.skewed(WORDS.len() as u64) as usize])
        .collect()
}

fn sentence(rng: &mut Rng) -> String {
    let mut s = words(rng, 4, 14).join(" ");
    if let Some(first) = s.get(0..1) {
        let upper = first.to_uppercase();
        s.replace_range(0..1, &upper);
    }
    s.push('.');
    s
}

/// Text of 50–400 characters (cut at a word boundary).
fn entry_text(rng: &mut Rng) -> String {
    let target = rng.range(50, 400) as usize;
    let mut text = String::new();
    while text.len() < target {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&sentence(rng));
    }
    if text.len() > 400 {
        let cut = text[..400].rfind(' ').unwrap_or(400);
        text.truncate(cut);
    }
    text
}

fn date_around(rng: &mut Rng, today: NaiveDate, before: i64, after: i64) -> String {
    (today + Duration::days(rng.range(-before, after)))
        .format("%Y-%m-%d")
        .to_string()
}

/// Generates `n` tickets from `seed`. The same `(n, seed)` always gives the same data, and
/// the first `k` tickets of a larger dataset are not required to equal a smaller one's.
pub fn generate(n: usize, seed: u64) -> Dataset {
    let today = dataset_today();
    let mut rng = Rng::new(seed);
    let mut tickets: Vec<TicketSpec> = Vec::with_capacity(n);
    for i in 0..n {
        let uuid = rng.hex128();
        let mut title = words(&mut rng, 3, 8).join(" ");
        if let Some(first) = title.get(0..1) {
            let upper = first.to_uppercase();
            title.replace_range(0..1, &upper);
        }
        let summary = (0..rng.range(0, 3))
            .map(|_| sentence(&mut rng))
            .collect::<Vec<_>>()
            .join(" ");

        let mut status = rng.weighted(&STATUS_WEIGHTS);
        let mut status_other = None;
        if status >= 7 {
            // Merged / Duplicate need an earlier ticket that is not merged or a duplicate.
            let target = (i > 0).then(|| rng.below(i as u64) as usize);
            match target.filter(|&t| tickets[t].status < 7) {
                Some(t) => status_other = Some(t),
                None => status = 5,
            }
        }

        let tag_count = rng.range(1, 5) as usize;
        let mut tag_ids: Vec<u64> = Vec::with_capacity(tag_count);
        while tag_ids.len() < tag_count {
            let t = rng.skewed(TAG_COUNT);
            if !tag_ids.contains(&t) {
                tag_ids.push(t);
            }
        }
        let tags = tag_ids.iter().map(|t| format!("tag{t}")).collect();

        let mut properties = Vec::new();
        if rng.chance(0.9) {
            properties.push(("Assigned".into(), format!("user{}", rng.below(PEOPLE))));
        }
        let priority = PRIORITIES[rng.weighted(&PRIORITY_WEIGHTS)];
        properties.push(("Priority".into(), priority.to_string()));
        if rng.chance(0.8) {
            properties.push(("Client".into(), format!("client{}", rng.skewed(CLIENTS))));
        }
        if rng.chance(0.85) {
            properties.push(("Project".into(), format!("project{}", rng.skewed(PROJECTS))));
        }
        if rng.chance(0.3) {
            properties.push(("Deadline".into(), date_around(&mut rng, today, 60, 120)));
        }
        if rng.chance(0.2) {
            properties.push(("Scheduled".into(), date_around(&mut rng, today, 30, 60)));
        }
        if rng.chance(0.4) {
            let halves = rng.range(1, 32);
            let estimate = if halves % 2 == 0 {
                format!("{}", halves / 2)
            } else {
                format!("{}.5", halves / 2)
            };
            properties.push(("Estimate".into(), estimate));
        }

        let entries = (0..rng.range(0, 6))
            .map(|_| EntrySpec {
                text: entry_text(&mut rng),
                minutes: if rng.chance(0.2) {
                    0
                } else {
                    5 * rng.range(1, 48) as u32
                },
            })
            .collect();

        let relation = (i > 0 && rng.chance(0.05)).then(|| {
            let key = RELATION_KEYS[rng.below(RELATION_KEYS.len() as u64) as usize];
            (key, rng.below(i as u64) as usize)
        });

        let opened_day = (365 * i as u64 / n.max(1) as u64) as u32;
        tickets.push(TicketSpec {
            uuid,
            title,
            summary,
            status,
            status_other,
            tags,
            properties,
            entries,
            relation,
            opened_day,
        });
    }
    Dataset {
        seed,
        today,
        tickets,
    }
}

/// The `silo.json` of a generated silo: `Priority` restricted to low/medium/high (in that `v`
/// order), the date keys, and the saved search `mine` used by the `@saved` benchmark.
pub fn silo_json() -> String {
    serde_json::json!({
        "vrules_pkv_values": [
            {"key": "Priority", "values": PRIORITIES}
        ],
        "searches": [
            {
                "name": "mine",
                "description": "user3's active tickets, by priority",
                "search": "s:* p=assigned:=user3:",
                "sort": "!vpriority:d"
            }
        ]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_data_and_other_seed_differs() {
        assert_eq!(generate(300, 42), generate(300, 42));
        assert_ne!(generate(300, 42).tickets, generate(300, 43).tickets);
    }

    fn share(d: &Dataset, f: impl Fn(&TicketSpec) -> bool) -> f64 {
        d.tickets.iter().filter(|t| f(t)).count() as f64 / d.tickets.len() as f64
    }

    #[test]
    fn proportions_match_the_quality_spec() {
        let d = generate(5000, DEFAULT_SEED);
        let near = |x: f64, want: f64| (x - want).abs() < 0.03;
        assert!(near(share(&d, |t| t.is_active()), 0.70));
        assert!(near(share(&d, |t| t.property("Deadline").is_some()), 0.30));
        assert!(near(share(&d, |t| t.property("Scheduled").is_some()), 0.20));
        assert!(near(share(&d, |t| t.relation.is_some()), 0.05));
        assert!(near(share(&d, |t| t.property("Estimate").is_some()), 0.40));
        assert!(near(share(&d, |t| t.property("Assigned").is_some()), 0.90));
        assert_eq!(share(&d, |t| t.property("Priority").is_some()), 1.0);
        for s in 0..9 {
            assert!(
                d.tickets.iter().any(|t| t.status == s),
                "status {s} missing"
            );
        }
    }

    #[test]
    fn every_ticket_respects_the_ranges() {
        let d = generate(2000, 9);
        let mut all_tags = std::collections::HashSet::new();
        let mut people = std::collections::HashSet::new();
        for (i, t) in d.tickets.iter().enumerate() {
            assert!((1..=5).contains(&t.tags.len()));
            let distinct: std::collections::HashSet<_> = t.tags.iter().collect();
            assert_eq!(distinct.len(), t.tags.len(), "tags are distinct");
            all_tags.extend(t.tags.iter().cloned());
            assert!(t.entries.len() <= 6);
            for e in &t.entries {
                assert!((50..=400).contains(&e.text.len()), "{}", e.text.len());
            }
            if let Some(a) = t.property("Assigned") {
                people.insert(a.to_string());
            }
            assert!(PRIORITIES.contains(&t.property("Priority").unwrap()));
            for key in ["Deadline", "Scheduled"] {
                if let Some(v) = t.property(key) {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap();
                }
            }
            if let Some((_, target)) = t.relation {
                assert!(target < i, "relations point backwards");
            }
            match t.status_other {
                Some(o) => {
                    assert!(t.status >= 7 && o < i && d.tickets[o].status < 7);
                }
                None => assert!(t.status < 7),
            }
            assert!(t.opened_day < 365);
            assert!(!t.title.trim().is_empty());
        }
        assert_eq!(all_tags.len(), TAG_COUNT as usize);
        assert_eq!(people.len(), PEOPLE as usize);
        assert!(d
            .tickets
            .windows(2)
            .all(|w| w[0].opened_day <= w[1].opened_day));
    }

    #[test]
    fn silo_json_is_valid_configuration() {
        let cfg = ticket_core::SiloConfig::from_json_str(&silo_json(), "silo.json").unwrap();
        assert_eq!(cfg.value_order("priority").map(|v| v.len()), Some(3));
        assert!(cfg.saved_search("mine").is_some());
    }
}
