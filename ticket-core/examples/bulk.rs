//! Times bulk creation and rebuild: `cargo run --release -p ticket-core --example bulk -- N`.
use std::time::Instant;

use ticket_core::{Clock, Context, NewTicket, Silo};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let silo = Silo::create(
        &dir.path().join("s"),
        Context::new(Clock::system(), "bench"),
    )
    .unwrap();
    let start = Instant::now();
    for chunk in 0..n.div_ceil(1000) {
        let mut batch = silo.batch();
        for i in 0..1000.min(n - chunk * 1000) {
            let k = chunk * 1000 + i;
            batch.add(NewTicket {
                title: format!("ticket {k} about disks and backups"),
                summary: "a summary of some length to index".into(),
                status: None,
                tags: vec![format!("tag{}", k % 50), "home".into()],
                properties: vec![
                    ("Assigned".into(), format!("user{}", k % 20)),
                    ("Priority".into(), "low".into()),
                ],
                entries: vec![("an entry with a few words in it".into(), 5)],
            });
        }
        batch.commit().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "created {n} tickets in {secs:.2} s: {:.0} tickets/s",
        n as f64 / secs
    );
    let start = Instant::now();
    let stats = silo.rebuild().unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "rebuilt {} change records in {secs:.2} s: {:.0} records/s",
        stats.changes,
        stats.changes as f64 / secs
    );
}
