//! What happens in the demo silo: a deterministic list of events (create a ticket, add an
//! entry, change a status, relate two tickets) spread over the 120 days before today.
//!
//! Four areas: a homelab, a small software project ("Larkspur"), a risk register (creation
//! rule `risk`, validation rules on `Owner`, reviews that repeat monthly) and billable work
//! for two clients with time entries.

use chrono::{Duration, NaiveDate};

use super::rng::Rng;

/// How many days of history the demo simulates.
pub const DAYS: i64 = 120;

/// One thing that happens to a ticket.
#[derive(Debug, Clone)]
pub enum Action {
    /// Create the ticket from a rule, then add tags and properties (one edit).
    Create {
        /// Title.
        title: String,
        /// Creation rule.
        rule: &'static str,
        /// Summary.
        summary: String,
        /// Extra tags.
        tags: Vec<String>,
        /// Extra properties (a unique key replaces the rule's value).
        props: Vec<(String, String)>,
    },
    /// Add an entry with minutes spent.
    Entry {
        /// Text.
        text: String,
        /// Minutes.
        minutes: u32,
    },
    /// Change the status (`other`: the ticket merged into / duplicated).
    Status {
        /// Status name.
        status: &'static str,
        /// The other ticket, by index.
        other: Option<usize>,
    },
    /// A relation property to another ticket, by index.
    Relate {
        /// Relation key.
        key: &'static str,
        /// The other ticket, by index.
        other: usize,
    },
}

/// An event: when (minutes before now), who, which ticket (index in creation order), what.
#[derive(Debug, Clone)]
pub struct Event {
    /// Minutes before the demo's "now".
    pub ago: i64,
    /// Author.
    pub author: &'static str,
    /// Ticket index.
    pub ticket: usize,
    /// What happens.
    pub action: Action,
}

const HOSTS: [&str; 8] = [
    "nas01",
    "pve1",
    "pve2",
    "pihole",
    "edge-router",
    "backup-pi",
    "media",
    "k3s-node1",
];
const SERVICES: [&str; 7] = [
    "Grafana",
    "Nextcloud",
    "Jellyfin",
    "Vaultwarden",
    "Home Assistant",
    "Paperless",
    "Gitea",
];
const DOMAINS: [&str; 3] = ["home.example.net", "cloud.example.net", "git.example.net"];
const DEVS: [&str; 4] = ["alice", "bob", "chen", "dana"];
const COMPONENTS: [&str; 7] = [
    "parser",
    "ui",
    "sync",
    "storage",
    "api",
    "docs",
    "installer",
];
const PRIORITIES: [&str; 4] = ["critical", "high", "medium", "low"];
const RISKS: [&str; 18] = [
    "Key developer leaves the project",
    "Cloud provider outage takes the demo server down",
    "Backups cannot be restored",
    "Licence change in a core dependency",
    "Data protection request not answered in time",
    "Ransomware on the office NAS",
    "Budget cut for the second half year",
    "Release slips past the trade fair",
    "Single maintainer for the installer",
    "Certificate expiry breaks the sync service",
    "Supplier raises hosting prices",
    "Laptop with client data lost",
    "Security flaw in the authentication library",
    "Client Acme Corp ends the contract",
    "Power cut corrupts the database",
    "Too much work in progress, nothing finishes",
    "Test coverage falls and regressions ship",
    "Domain registration lapses",
];
const LIKELIHOOD: [&str; 5] = ["almost certain", "likely", "possible", "unlikely", "rare"];
const IMPACT: [&str; 4] = ["severe", "major", "moderate", "minor"];
const CLIENT_WORK: [&str; 12] = [
    "Monthly maintenance window",
    "Fix login issue on the customer portal",
    "Migrate mailboxes to the new tenant",
    "Quarterly security report",
    "Replace the office firewall",
    "Onboard new staff accounts",
    "Investigate slow VPN",
    "Printer queue stuck again",
    "Set up backups for the accounting PC",
    "Renew domain and certificates",
    "Workshop: password manager rollout",
    "Audit user permissions on the file share",
];
const WORDS: [&str; 16] = [
    "restic",
    "snapshot",
    "firmware",
    "certificate",
    "latency",
    "regression",
    "migration",
    "quota",
    "timeout",
    "checksum",
    "rollback",
    "upgrade",
    "permissions",
    "logging",
    "cache",
    "schema",
];

/// A short sentence for summaries and entries, about two different things (one draw each,
/// so the rest of the demo comes out as before; a repeated word becomes the next one).
fn sentence(rng: &mut Rng, lead: &str) -> String {
    let (a, b) = two_words(rng.below(WORDS.len() as u64), rng.below(WORDS.len() as u64));
    format!("{lead} Looked at the {a} first, then the {b}.")
}

/// The words at `a` and `b`, the one after `b` where the two are the same.
fn two_words(a: u64, b: u64) -> (&'static str, &'static str) {
    let (a, b) = (a as usize % WORDS.len(), b as usize % WORDS.len());
    let b = if b == a { (b + 1) % WORDS.len() } else { b };
    (WORDS[a], WORDS[b])
}

fn date(today: NaiveDate, days: i64) -> String {
    (today + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Builds the whole plan, sorted by time (oldest first). `today` is the demo's today.
pub fn plan(seed: u64, today: NaiveDate) -> Vec<Event> {
    let mut rng = Rng::new(seed);
    let mut events = Vec::new();
    let mut count = 0;
    let mut add_ticket =
        |events: &mut Vec<Event>, ago: i64, author: &'static str, action: Action| {
            events.push(Event {
                ago,
                author,
                ticket: count,
                action,
            });
            count += 1;
            count - 1
        };
    // Creation time: a minute in the past DAYS days, at working hours.
    fn created(rng: &mut Rng) -> i64 {
        let day = rng.range(1, DAYS);
        day * 24 * 60 - rng.range(0, 8 * 60)
    }
    // A follow-up time between creation and now.
    fn later(rng: &mut Rng, after: i64) -> i64 {
        (after - rng.range(30, after.max(31))).max(5)
    }

    // --- homelab ---
    for _ in 0..90 {
        let ago = created(&mut rng);
        let host = *rng.pick(&HOSTS);
        let mut props = vec![(
            "Priority".to_string(),
            (*rng.pick(&PRIORITIES[1..])).to_string(),
        )];
        let (title, tag) = match rng.below(9) {
            0 => (format!("Replace failing disk in {host}"), "hardware"),
            1 => (format!("Update firmware on {host}"), "security"),
            2 => {
                props.push(("Deadline".into(), date(today, rng.range(-4, 25))));
                props.push(("Deadline_Warning".into(), "7".into()));
                (
                    format!("Renew TLS certificate for {}", rng.pick(&DOMAINS)),
                    "security",
                )
            }
            3 => {
                props.push(("Scheduled".into(), date(today, rng.range(-3, 6))));
                props.push(("Scheduled_Repeats".into(), "+1w".into()));
                (format!("Check restic backup of {host}"), "backup")
            }
            4 => (format!("Investigate high load on {host}"), "monitoring"),
            5 => (
                format!("Set up {} on {host}", rng.pick(&SERVICES)),
                "services",
            ),
            6 => (
                format!(
                    "Migrate {} from {host} to {}",
                    rng.pick(&SERVICES),
                    rng.pick(&HOSTS)
                ),
                "services",
            ),
            7 => {
                props.push(("Scheduled".into(), date(today, rng.range(0, 30))));
                props.push(("Scheduled_Repeats".into(), "++1m".into()));
                ("Test UPS battery runtime".to_string(), "hardware")
            }
            _ => (
                format!(
                    "Add a VLAN for {} devices",
                    rng.pick(&["IoT", "guest", "camera"])
                ),
                "network",
            ),
        };
        let summary = sentence(&mut rng, &format!("On {host}."));
        let t = add_ticket(
            &mut events,
            ago,
            "sam",
            Action::Create {
                title,
                rule: "homelab",
                summary,
                tags: vec![tag.to_string()],
                props,
            },
        );
        for _ in 0..rng.below(3) {
            let text = sentence(&mut rng, "Progress.");
            let minutes = rng.range(5, 90) as u32;
            events.push(Event {
                ago: later(&mut rng, ago),
                author: "sam",
                ticket: t,
                action: Action::Entry { text, minutes },
            });
        }
        let roll = rng.below(100);
        let status = match roll {
            0..=39 => None,
            40..=49 => Some("in_progress"),
            50..=54 => Some("waiting"),
            55..=59 => Some("postponed"),
            60..=64 => Some("abandoned"),
            _ => Some("closed"),
        };
        if let Some(status) = status {
            events.push(Event {
                ago: later(&mut rng, ago) / 2,
                author: "sam",
                ticket: t,
                action: Action::Status {
                    status,
                    other: None,
                },
            });
        }
    }

    // --- the Larkspur software project ---
    let epics: Vec<usize> = ["Release 0.4", "Release 0.5"]
        .iter()
        .map(|name| {
            add_ticket(
                &mut events,
                DAYS * 24 * 60 + 60,
                "dana",
                Action::Create {
                    title: format!("{name} of Larkspur"),
                    rule: "feature",
                    summary: format!("Everything that must land for {name}."),
                    tags: vec!["epic".into()],
                    props: vec![("Priority".into(), "high".into())],
                },
            )
        })
        .collect();
    let mut bugs = Vec::new();
    for i in 0..120 {
        let ago = created(&mut rng);
        let author = *rng.pick(&DEVS);
        let component = *rng.pick(&COMPONENTS);
        let is_bug = rng.chance(60);
        let title = if is_bug {
            match rng.below(5) {
                0 => format!("Crash in the {component} on an empty {}", rng.pick(&WORDS)),
                1 => format!("{component}: wrong {} after upgrade", rng.pick(&WORDS)),
                2 => format!("Memory leak in the {component}"),
                3 => format!(
                    "Slow {} in the {component} with many tickets",
                    rng.pick(&WORDS)
                ),
                _ => format!("Error message of the {component} is unclear"),
            }
        } else {
            match rng.below(4) {
                0 => format!(
                    "Support {} export",
                    rng.pick(&["CSV", "JSON", "iCalendar", "Markdown"])
                ),
                1 => format!("Keyboard shortcuts in the {component}"),
                2 => format!("Configurable {} for the {component}", rng.pick(&WORDS)),
                _ => format!("Document the {component}"),
            }
        };
        let mut props = vec![
            ("Assigned".to_string(), (*rng.pick(&DEVS)).to_string()),
            ("Component".to_string(), component.to_string()),
            (
                "Estimate".to_string(),
                rng.pick(&[1, 2, 3, 5, 8, 13]).to_string(),
            ),
        ];
        if rng.chance(50) {
            props.push(("Priority".into(), (*rng.pick(&PRIORITIES)).to_string()));
        }
        if rng.chance(30) {
            props.push(("Deadline".into(), date(today, rng.range(-10, 30))));
            props.push(("Deadline_Warning".into(), rng.range(3, 7).to_string()));
        }
        let mut tags = Vec::new();
        if component == "ui" || component == "api" || component == "docs" {
            tags.push(component.to_string());
        }
        if rng.chance(15) {
            tags.push("performance".into());
        }
        let summary = sentence(&mut rng, "Reported by a user.");
        let rule = if is_bug { "bug" } else { "feature" };
        let t = add_ticket(
            &mut events,
            ago,
            author,
            Action::Create {
                title,
                rule,
                summary,
                tags,
                props,
            },
        );
        if is_bug {
            bugs.push(t);
        }
        if rng.chance(40) {
            let epic = epics[i % 2];
            events.push(Event {
                ago: later(&mut rng, ago),
                author,
                ticket: t,
                action: Action::Relate {
                    key: "Child_Of",
                    other: epic,
                },
            });
        }
        for _ in 0..rng.below(4) {
            let who = *rng.pick(&DEVS);
            let text = sentence(&mut rng, "Investigated.");
            events.push(Event {
                ago: later(&mut rng, ago),
                author: who,
                ticket: t,
                action: Action::Entry {
                    text,
                    minutes: rng.range(0, 120) as u32,
                },
            });
        }
        let status = match rng.below(100) {
            0..=34 => None,
            35..=49 => Some("in_progress"),
            50..=54 => Some("blocked"),
            55..=59 => Some("waiting"),
            60..=64 => Some("abandoned"),
            _ => Some("closed"),
        };
        if let Some(status) = status {
            events.push(Event {
                ago: later(&mut rng, ago) / 2,
                author,
                ticket: t,
                action: Action::Status {
                    status,
                    other: None,
                },
            });
        }
    }
    // A few duplicates and blockers among the bugs (the later bug points at an earlier one).
    let created_at: std::collections::HashMap<usize, i64> = events
        .iter()
        .filter(|e| matches!(e.action, Action::Create { .. }))
        .map(|e| (e.ticket, e.ago))
        .collect();
    let after_both = |a: usize, b: usize| created_at[&a].min(created_at[&b]) / 2;
    for pair in bugs.chunks(17).filter(|c| c.len() > 3) {
        let (first, dup) = (pair[0], pair[3]);
        events.push(Event {
            ago: after_both(first, dup),
            author: "chen",
            ticket: dup,
            action: Action::Status {
                status: "duplicate",
                other: Some(first),
            },
        });
        events.push(Event {
            ago: after_both(pair[1], pair[2]),
            author: "bob",
            ticket: pair[1],
            action: Action::Relate {
                key: "Blocks",
                other: pair[2],
            },
        });
    }

    // --- the risk register ---
    for title in RISKS {
        let ago = created(&mut rng);
        let mut props = vec![
            (
                "Likelihood".to_string(),
                (*rng.pick(&LIKELIHOOD)).to_string(),
            ),
            ("Impact".to_string(), (*rng.pick(&IMPACT)).to_string()),
            ("Owner".to_string(), (*rng.pick(&DEVS)).to_string()),
            ("Review".to_string(), date(today, rng.range(-5, 28))),
        ];
        if rng.chance(30) {
            props.push(("Review_Repeats".into(), "+3m".into()));
        }
        let summary = sentence(&mut rng, "Mitigation: agreed in the risk meeting.");
        let t = add_ticket(
            &mut events,
            ago,
            "dana",
            Action::Create {
                title: title.to_string(),
                rule: "risk",
                summary,
                tags: vec![],
                props,
            },
        );
        // A review done: closing a risk with Review_Repeats moves the review and reopens it.
        if rng.chance(40) {
            events.push(Event {
                ago: later(&mut rng, ago) / 2,
                author: "dana",
                ticket: t,
                action: Action::Entry {
                    text: "Reviewed: still relevant.".into(),
                    minutes: 15,
                },
            });
            events.push(Event {
                ago: later(&mut rng, ago) / 2,
                author: "dana",
                ticket: t,
                action: Action::Status {
                    status: "closed",
                    other: None,
                },
            });
        }
    }

    // --- billable work for two clients ---
    for _ in 0..70 {
        let ago = created(&mut rng);
        let rule = if rng.chance(55) { "acme" } else { "globex" };
        let author = *rng.pick(&["alice", "erik"]);
        let mut props = vec![("Estimate".to_string(), rng.pick(&[1, 2, 4, 8]).to_string())];
        if rng.chance(35) {
            props.push(("Deadline".into(), date(today, rng.range(-6, 21))));
            props.push(("Deadline_Warning".into(), "5".into()));
        }
        let title = rng.pick(&CLIENT_WORK).to_string();
        let summary = sentence(&mut rng, "Requested by the client's office manager.");
        let t = add_ticket(
            &mut events,
            ago,
            author,
            Action::Create {
                title,
                rule,
                summary,
                tags: vec![],
                props,
            },
        );
        for _ in 0..rng.range(1, 5) {
            let text = sentence(&mut rng, "Worked on it.");
            let minutes = rng.range(1, 16) as u32 * 15;
            events.push(Event {
                ago: later(&mut rng, ago),
                author,
                ticket: t,
                action: Action::Entry { text, minutes },
            });
        }
        if rng.chance(55) {
            events.push(Event {
                ago: later(&mut rng, ago) / 2,
                author,
                ticket: t,
                action: Action::Status {
                    status: "closed",
                    other: None,
                },
            });
        }
    }

    // Oldest first; a ticket's creation comes before anything else about it (stable sort,
    // and follow-ups are strictly later than their creation).
    events.sort_by_key(|e| std::cmp::Reverse(e.ago));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_deterministic_and_creations_come_first() {
        let today = NaiveDate::from_ymd_opt(2024, 3, 13).unwrap();
        let a = plan(42, today);
        let b = plan(42, today);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let mut created = std::collections::HashSet::new();
        for e in &a {
            match &e.action {
                Action::Create { .. } => assert!(created.insert(e.ticket)),
                Action::Status { other, .. } => {
                    assert!(created.contains(&e.ticket));
                    assert!(other.is_none_or(|o| created.contains(&o)));
                }
                Action::Relate { other, .. } => {
                    assert!(created.contains(&e.ticket) && created.contains(other))
                }
                Action::Entry { .. } => assert!(created.contains(&e.ticket)),
            }
        }
        assert!((250..=400).contains(&created.len()), "{}", created.len());
    }

    #[test]
    fn no_sentence_names_one_thing_twice() {
        let today = NaiveDate::from_ymd_opt(2024, 3, 13).unwrap();
        let text = format!("{:?}", plan(42, today));
        let mut seen = 0;
        for part in text.split("Looked at the ").skip(1) {
            let (a, rest) = part.split_once(" first, then the ").unwrap();
            let b = rest.split_once('.').unwrap().0;
            assert_ne!(a, b, "{part}");
            seen += 1;
        }
        assert!(seen > 300, "{seen} sentences");
        // the same word drawn twice gives the next one, and nothing else moves
        assert_eq!(two_words(3, 3), (WORDS[3], WORDS[4]));
        assert_eq!(two_words(15, 15), (WORDS[15], WORDS[0]));
        assert_eq!(two_words(2, 9), (WORDS[2], WORDS[9]));
    }
}
