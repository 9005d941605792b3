//! A small silo shared by the search targets: created once per process in a temporary
//! directory, with the benchmark configuration (vrules on `Priority`, the saved search `mine`)
//! and a handful of tickets covering tags, properties, dates, numbers and entries.
use std::cell::RefCell;
use ticket_core::{Clock, Context, Silo};

const SILO_JSON: &str = r#"{
  "vrules_pkv_values": [{"key": "Priority", "values": ["low", "medium", "high"]}],
  "irules_date_picker": ["Due"],
  "searches": [
    {"name": "mine", "search": "s:* p=assigned:=user3:", "sort": "!vpriority:d"},
    {"name": "loop_a", "search": "@loop_b"},
    {"name": "loop_b", "search": "g=x @loop_a"}
  ]
}"#;

fn context() -> Context {
    let now = chrono::DateTime::parse_from_rfc3339("2024-03-13T09:00:00Z").expect("valid");
    Context::new(Clock::fixed(now), "fuzz")
}

fn make_silo() -> Silo {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    let silo_dir = dir.join("silo");
    drop(Silo::create(&silo_dir, context()).expect("create silo"));
    std::fs::write(silo_dir.join("silo.json"), SILO_JSON).expect("write silo.json");
    let silo = Silo::open(&silo_dir, context()).expect("open silo");
    let tickets: [(&str, &[&str], &[(&str, &str)], &str); 5] = [
        ("Disk full on backup server", &["risk", "bug"], &[("Assigned", "user3"), ("Priority", "high"), ("Deadline", "2024-03-20"), ("Estimate", "4")], "restic backup failed"),
        ("Printer offline", &["hardware"], &[("Assigned", "phil"), ("Priority", "low"), ("Scheduled", "2024-03-01 10:00")], "toner"),
        ("Weird \"quotes\" and 'apostrophes'; --", &["a", "b"], &[("Client", "ACME"), ("Priority", "medium"), ("Due", "2024-04-01"), ("Estimate", "2.5")], "x'); DROP TABLE tickets; --"),
        ("Ünïcödé title ß", &["ÉTÉ"], &[("Project", "p1"), ("Review", "2024-03-13")], ""),
        ("Plain", &["x"], &[("Severity", "high")], "nothing"),
    ];
    for (title, tags, props, entry) in tickets {
        let n = silo.new_ticket(title, None, "summary text").expect("new ticket");
        for t in tags {
            silo.add_tag(n.as_str(), t).expect("tag");
        }
        for (k, v) in props {
            silo.add_property(n.as_str(), k, v).expect("property");
        }
        if !entry.is_empty() {
            silo.add_entry(n.as_str(), entry, 15).expect("entry");
        }
    }
    silo.set_status("2", "Closed", None).expect("status");
    silo
}

thread_local! {
    static SILO: RefCell<Option<Silo>> = const { RefCell::new(None) };
}

/// Runs `f` with the process's fuzz silo.
pub fn with_silo<R>(f: impl FnOnce(&Silo) -> R) -> R {
    SILO.with(|cell| {
        let mut slot = cell.borrow_mut();
        let silo = slot.get_or_insert_with(make_silo);
        f(silo)
    })
}

/// Runs a search and a page of it; a database error (SQL that does not prepare or run) is a
/// bug, a search error (compile error with a span: unknown saved search, bad regex, …) is not.
pub fn run_search(key: &str, sort: &str) {
    with_silo(|silo| {
        for result in [
            silo.count(key).map(|_| ()),
            silo.search_page(key, sort, Some(3), 1).map(|_| ()),
        ] {
            if let Err(e) = result {
                if matches!(e, ticket_core::Error::Db(_)) {
                    panic!("search {key:?} sort {sort:?} failed in SQLite: {e}");
                }
            }
        }
    })
}
