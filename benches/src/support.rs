//! Shared pieces of the benchmarks: the fixed context, cached generated silos, and the
//! compiled-versus-hand-written ratio table.
use crate::build;
use crate::gen::{dataset_today, generate, DEFAULT_SEED};
use crate::typical::{Typical, TYPICAL};
use rusqlite::{types::Value, Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use ticket_core::{Clock, Context, Silo};

/// Tickets in the searched silo: `TICKET_BENCH_N`, default 100 000.
pub fn bench_n() -> usize {
    std::env::var("TICKET_BENCH_N")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(100_000)
}

/// The benchmarks' context: the dataset's today at 12:00 UTC, author `bench`.
pub fn context() -> Context {
    let now = dataset_today()
        .and_hms_opt(12, 0, 0)
        .expect("valid time")
        .and_utc()
        .fixed_offset();
    Context::new(Clock::fixed(now), "bench")
}

/// Where cached benchmark silos live: `$TICKET_BENCH_DIR`, else `target/bench-silos`.
pub fn silo_cache() -> PathBuf {
    std::env::var_os("TICKET_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-silos"))
}

/// A silo of `n` generated tickets (default seed), generated on first use and cached.
pub fn bench_silo(n: usize) -> PathBuf {
    let dir = silo_cache().join(format!("silo-{n}"));
    if !dir.join("silo.db").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(silo_cache()).expect("cache dir");
        eprintln!("generating a {n}-ticket silo in {} (once)", dir.display());
        let stats = build::build_silo(&generate(n, DEFAULT_SEED), &dir).expect("build silo");
        eprintln!(
            "built in {:.1?} ({:.0} tickets/s)",
            stats.elapsed,
            stats.tickets as f64 / stats.elapsed.as_secs_f64()
        );
    }
    dir
}

/// Opens a silo with the benchmarks' context.
pub fn open(dir: &Path) -> Silo {
    Silo::open(dir, context()).expect("open silo")
}

/// The number of change records in a silo's log.
pub fn change_records(dir: &Path) -> rusqlite::Result<u64> {
    let db = read_only(dir)?;
    db.query_row("SELECT count(*) FROM changes", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// A read-only connection to a silo's file with the functions its compiled searches call.
fn read_only(dir: &Path) -> rusqlite::Result<Connection> {
    let db = Connection::open_with_flags(
        dir.join("silo.db"),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    ticket_core::register_sql_functions(&db)?;
    Ok(db)
}

/// One line of the ratio table.
#[derive(Debug, Clone)]
pub struct RatioRow {
    /// The typical search.
    pub typical: Typical,
    /// Rows returned (by the hand-written statement).
    pub rows: u64,
    /// Whether the compiled statement returned the same ids in the same order.
    pub same_result: bool,
    /// Median time of the compiled statement through rusqlite.
    pub compiled: Duration,
    /// Median time of the hand-written statement through rusqlite.
    pub hand: Duration,
    /// Median time of `Silo::search` (rows built into `TicketRow`s).
    pub api: Duration,
}

impl RatioRow {
    /// compiled ÷ hand-written.
    pub fn ratio(&self) -> f64 {
        self.compiled.as_secs_f64() / self.hand.as_secs_f64()
    }
}

fn run_ids(db: &Connection, sql: &str, params: &[Value]) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = db.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut ids = Vec::new();
    while let Some(row) = rows.next()? {
        ids.push(row.get(0)?);
    }
    Ok(ids)
}

/// The median wall time of `runs` calls of `f`.
pub fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Times every typical search `runs` times three ways (compiled SQL and hand-written SQL
/// through one read-only rusqlite connection, and `Silo::search`) and returns the medians.
pub fn ratio_table(silo: &Silo, runs: usize) -> Result<Vec<RatioRow>, String> {
    let db = read_only(silo.dir()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for t in TYPICAL {
        let (sql, params) = crate::compiled::compiled_sql(silo, t.key, t.sort)?;
        let hand_ids = run_ids(&db, t.hand_sql, &[]).map_err(|e| format!("{}: {e}", t.name))?;
        let compiled_ids =
            run_ids(&db, &sql, &params).map_err(|e| format!("{} compiled: {e}\n{sql}", t.name))?;
        let hand = median(|| drop(run_ids(&db, t.hand_sql, &[])), runs);
        let compiled = median(|| drop(run_ids(&db, &sql, &params)), runs);
        let api = median(|| drop(silo.search(t.key, t.sort).expect("search")), runs);
        out.push(RatioRow {
            typical: *t,
            rows: hand_ids.len() as u64,
            same_result: hand_ids == compiled_ids,
            compiled,
            hand,
            api,
        });
    }
    Ok(out)
}

/// The ratio table as text (also pasted into `benches/README.md`).
pub fn format_ratio_table(n: usize, rows: &[RatioRow]) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut s = format!(
        "typical searches on {n} tickets (medians)\n\
         | search | key | sort | rows | same rows | compiled SQL ms | hand SQL ms | ratio (≤ 1.25) | Silo::search ms (target) |\n\
         | --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: |\n"
    );
    for r in rows {
        let target = if r.typical.selective {
            "≤ 50"
        } else {
            "≤ 500"
        };
        s.push_str(&format!(
            "| {} | `{}` | `{}` | {} | {} | {:.2} | {:.2} | {:.2} | {:.1} ({target}) |\n",
            r.typical.name,
            r.typical.key,
            r.typical.sort,
            r.rows,
            if r.same_result { "yes" } else { "NO" },
            ms(r.compiled),
            ms(r.hand),
            r.ratio(),
            ms(r.api),
        ));
    }
    s
}
