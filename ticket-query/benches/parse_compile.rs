//! Parse + compile of the typical search set (quality.md): target ≤ 5 µs per key.
use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ticket_query::{compile, parse_search, parse_sort, Catalogue, StatusInfo, STATUSES};

struct Bench;
impl Catalogue for Bench {
    fn statuses(&self) -> &[StatusInfo] {
        &STATUSES
    }
    fn is_date_key(&self, k: &str) -> bool {
        matches!(
            k,
            "deadline" | "scheduled" | "review" | "opened" | "last_update" | "earliest"
        )
    }
    fn value_order(&self, k: &str) -> Option<Vec<String>> {
        (k == "priority").then(|| vec!["low".into(), "medium".into(), "high".into()])
    }
    fn saved_search(&self, n: &str) -> Option<String> {
        (n == "saved").then(|| "s:* g=tag7".into())
    }
}

const TYPICAL: &[(&str, &str)] = &[
    ("s:*", ""),
    ("s:* g=tag7", ""),
    ("p^assigned=user3:", ""),
    ("p=deadline:].:[+30d:", "d"),
    ("s:* (g=a | g=b) !p=priority:=low:", "!vpriority:d"),
    ("t:word", ""),
    ("x:word", ""),
    ("p=last_update:]-2w:", ""),
    ("s:* p=estimate:>3:", ""),
    ("@saved", ""),
];

fn bench(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2024, 3, 13).unwrap();
    let mut group = c.benchmark_group("parse_compile");
    for (key, sort) in TYPICAL {
        group.bench_function(format!("{key} | {sort}"), |b| {
            b.iter(|| {
                let k = parse_search(black_box(key)).unwrap();
                let s = parse_sort(black_box(sort)).unwrap();
                let c = compile(&k, &s, &Bench, today).unwrap();
                black_box(c.select_sql("t.id, t.number", None, 0))
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
