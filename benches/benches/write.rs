//! Bulk creation through the API (tickets per second, batched change sets, with tags,
//! properties and entries) and `rebuild` of the derived tables (change records per second).
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::time::Duration;
use ticket_benches::{build, generate, support, DEFAULT_SEED};

const CREATE_N: usize = 2_000;
const REBUILD_N: usize = 10_000;

fn bulk_creation(c: &mut Criterion) {
    let data = generate(CREATE_N, DEFAULT_SEED);
    let mut group = c.benchmark_group("bulk_creation");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Elements(CREATE_N as u64));
    group.bench_function(format!("{CREATE_N}_tickets"), |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |tmp| {
                build::build_silo(&data, &tmp.path().join("silo")).expect("build");
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn rebuild(c: &mut Criterion) {
    let dir = support::bench_silo(REBUILD_N);
    let silo = support::open(&dir);
    let records = support::change_records(&dir).expect("count changes");
    let mut group = c.benchmark_group("rebuild");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(records));
    group.bench_function(format!("{REBUILD_N}_tickets_{records}_records"), |b| {
        b.iter(|| silo.rebuild().expect("rebuild"))
    });
    group.finish();
}

criterion_group!(benches, bulk_creation, rebuild);
criterion_main!(benches);
