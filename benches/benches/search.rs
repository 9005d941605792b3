//! The typical search set on a generated silo (quality spec §1), and for each search the ratio of
//! the compiled query to the hand-written best SQL on the same database.
//!
//! `cargo bench -p ticket-benches --bench search`; the silo has `TICKET_BENCH_N` tickets
//! (default 100 000; 1 000 000 for the spec's figures, which takes long to generate once) and is
//! cached in `target/bench-silos/silo-N`.
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use ticket_benches::{support, typical::TYPICAL};

fn typical_searches(c: &mut Criterion) {
    let n = support::bench_n();
    let dir = support::bench_silo(n);
    let silo = support::open(&dir);
    let ratios = support::ratio_table(&silo, 15).expect("ratio table");
    println!("{}", support::format_ratio_table(n, &ratios));
    let mut group = c.benchmark_group(format!("search_{n}"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    for t in TYPICAL {
        group.bench_function(t.name, |b| {
            b.iter(|| {
                let mut rows = 0u64;
                silo.for_each_ticket(t.key, t.sort, |_| {
                    rows += 1;
                    Ok(())
                })
                .expect("search");
                rows
            })
        });
    }
    group.finish();
}

criterion_group!(benches, typical_searches);
criterion_main!(benches);
