//! `ticket-benches`: builds the benchmark datasets and measures what needs no criterion.
//!
//! ```text
//! ticket-benches gen N DIR [SEED]                 a ticket silo of N tickets in DIR (feature silo)
//! ticket-benches bulk N DIR [CHUNK]               the generator's tickets created through Batch,
//!                                                 CHUNK (100000) to a Batch (a transaction), then
//!                                                 a rebuild (feature silo; none with
//!                                                 TICKET_BENCH_CREATE_ONLY set)
//! ticket-benches floor SRC DST [rebuild]         the rows a bulk creation made in the silo SRC
//!                                                 copied by SQLite alone into a new silo DST, one
//!                                                 transaction: the floor of bulk creation; with
//!                                                 `rebuild`, of a rebuild of SRC's copy DST
//!                                                 (feature silo)
//! ticket-benches tag-sets K DIR                  K one-record change sets on the silo DIR (feature silo)
//! ticket-benches backends RUNS DIR ADDRESS        the typical searches through Silo::search on two
//!                                                 silos of the same tickets (a directory and a
//!                                                 postgres:// address; feature silo): medians, ratio
//! ticket-benches writers C DIR [K]                C concurrent clients, each writing K (500) one-record
//!                                                 change sets to the silo DIR (a directory or a
//!                                                 postgres:// address; feature silo): change sets/s;
//!                                                 on a silo that holds tickets (a generated one) the
//!                                                 tags go to its tickets in turn, else to one new
//!                                                 ticket per client
//! ticket-benches ratio N DIR [RUNS]               typical searches on the silo DIR: compiled ÷
//!                                                 hand-written SQL, Silo::search (feature silo)
//! ticket-benches export-taskwarrior N FILE [SEED] Taskwarrior import JSON (one task per line)
//! ticket-benches fossil N REPO [SEED]             a Fossil repository (fossil ticket add)
//! ticket-benches baseline N DB [RUNS]             the documented tables filled directly in DB (a
//!                                                 new file), hand-written SQL of the typical set timed
//! ```
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use ticket_benches::{baseline, export, generate, Dataset, DEFAULT_SEED};

const USAGE: &str =
    "usage: ticket-benches gen N DIR [SEED] | bulk N DIR [CHUNK] | floor SRC DST [rebuild] | writers C DIR [K] | ratio N DIR [RUNS] | \
export-taskwarrior N FILE [SEED] | fossil N REPO [SEED] | baseline N DB [RUNS]";

/// The allocator of the `ticket` binary, so that the figures are the product's
/// (`ticket_core::sqlite_uses_mimalloc`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let _ = ticket_core::sqlite_uses_mimalloc();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    if args[0] == "floor" {
        return report(floor(
            std::path::Path::new(&args[1]),
            std::path::Path::new(&args[2]),
            args.get(3).map(String::as_str),
        ));
    }
    let Ok(n) = args[1].replace('_', "").parse::<usize>() else {
        eprintln!("N must be a whole number: {}\n{USAGE}", args[1]);
        return ExitCode::from(2);
    };
    let Ok(extra) = args
        .get(3)
        .filter(|_| args[0] != "backends")
        .map(|s| s.parse::<u64>())
        .transpose()
    else {
        eprintln!("the fourth argument must be a whole number\n{USAGE}");
        return ExitCode::from(2);
    };
    let target = PathBuf::from(&args[2]);
    let result = match args[0].as_str() {
        "ratio" => ratio(n, &target, extra.unwrap_or(15) as usize),
        "baseline" => run_baseline(n, &target, extra.unwrap_or(15) as usize),
        "gen" => gen(&dataset(n, extra), &target),
        "bulk" => bulk(
            &dataset(n, None),
            &target,
            extra.unwrap_or(BULK_CHUNK) as usize,
        ),
        "tag-sets" => tag_sets(n, &target),
        "writers" => writers(n, &target, extra.unwrap_or(500) as usize),
        "backends" => match args.get(3) {
            Some(other) => backends(n.max(1), &target, std::path::Path::new(other)),
            None => Err(format!("backends needs RUNS DIR ADDRESS\n{USAGE}")),
        },
        "export-taskwarrior" => std::fs::File::create(&target)
            .map(std::io::BufWriter::new)
            .and_then(|mut w| {
                export::taskwarrior::write_import(&dataset(n, extra), &mut w)?;
                std::io::Write::flush(&mut w)
            })
            .map_err(|e| format!("{}: {e}", target.display())),
        "fossil" => {
            let t = Instant::now();
            export::fossil::build_repo(&dataset(n, extra), &target, |i| {
                if (i + 1) % 1000 == 0 {
                    eprintln!("fossil: {} tickets, {:.1?}", i + 1, t.elapsed());
                }
            })
            .map_err(|e| e.to_string())
        }
        other => Err(format!("unknown command {other}\n{USAGE}")),
    };
    report(result)
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dataset(n: usize, seed: Option<u64>) -> Dataset {
    let started = Instant::now();
    let data = generate(n, seed.unwrap_or(DEFAULT_SEED));
    eprintln!("generated {n} tickets in {:.2?}", started.elapsed());
    data
}

fn run_baseline(n: usize, db_path: &std::path::Path, runs: usize) -> Result<(), String> {
    let data = dataset(n, None);
    let mut db = rusqlite::Connection::open(db_path).map_err(|e| e.to_string())?;
    let started = Instant::now();
    baseline::fill(&mut db, &data).map_err(|e| e.to_string())?;
    eprintln!("filled in {:.1?}", started.elapsed());
    let rows = baseline::time_hand_sql(&db, runs).map_err(|e| e.to_string())?;
    println!("{}", baseline::format_table(n, &rows));
    for r in &rows {
        println!("plan {}: {}", r.typical.name, r.plan.join(" / "));
    }
    let compared = baseline::compare_compiled(&db, runs)?;
    println!("\n{}", baseline::format_compiled(n, &compared));
    for r in &compared {
        println!("compiled {}: {}", r.typical.name, r.sql);
    }
    Ok(())
}

#[cfg(feature = "silo")]
fn gen(data: &Dataset, dir: &std::path::Path) -> Result<(), String> {
    let stats = ticket_benches::build::build_silo(data, dir).map_err(|e| e.to_string())?;
    eprintln!(
        "silo {}: {} tickets in {:.2?} ({:.0} tickets/s)",
        dir.display(),
        stats.tickets,
        stats.elapsed,
        stats.tickets as f64 / stats.elapsed.as_secs_f64()
    );
    Ok(())
}

/// Tickets to a `Batch` in `bulk`: all of them up to 100,000, as one `create_many` of them
/// would (a batch splits its change sets itself); 4,000 until session 16, when a change set's
/// 65,536 records bounded a batch.
const BULK_CHUNK: u64 = 100_000;

#[cfg(feature = "silo")]
fn bulk(data: &Dataset, dir: &std::path::Path, chunk: usize) -> Result<(), String> {
    let s = ticket_benches::build::bulk_silo(data, dir, chunk).map_err(|e| e.to_string())?;
    let size = std::fs::metadata(dir.join("silo.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    if s.rebuild.is_zero() {
        println!(
            "bulk {} tickets: {:.2?} ({:.0} tickets/s); rebuild skipped (${})",
            s.tickets,
            s.create,
            s.tickets as f64 / s.create.as_secs_f64(),
            ticket_benches::build::CREATE_ONLY
        );
        return Ok(());
    }
    println!(
        "bulk {} tickets: {:.2?} ({:.0} tickets/s); rebuild {} records: {:.2?} ({:.0} records/s); silo.db {} bytes ({:.0} per ticket)",
        s.tickets,
        s.create,
        s.tickets as f64 / s.create.as_secs_f64(),
        s.records,
        s.rebuild,
        s.records as f64 / s.rebuild.as_secs_f64(),
        size,
        size as f64 / s.tickets.max(1) as f64
    );
    Ok(())
}

/// `floor SRC DST`: the rows of the bulk-made silo SRC stored by SQLite alone (`floor.rs`).
#[cfg(feature = "silo")]
fn floor(src: &std::path::Path, dst: &std::path::Path, shape: Option<&str>) -> Result<(), String> {
    use ticket_benches::floor::{load, Shape};
    let shape = match shape {
        None => Shape::Bulk,
        Some("rebuild") => Shape::Rebuild,
        Some(other) => return Err(format!("floor SRC DST [rebuild], not {other}\n{USAGE}")),
    };
    let f = load(src, dst, shape)?;
    let secs = f.elapsed.as_secs_f64();
    match shape {
        Shape::Bulk => println!(
            "floor {} tickets ({} rows): {:.2?} ({:.0} tickets/s)",
            f.tickets,
            f.rows,
            f.elapsed,
            f.tickets as f64 / secs
        ),
        Shape::Rebuild => println!(
            "floor of a rebuild, {} tickets from {} change records ({} rows): {:.2?} ({:.0} records/s)",
            f.tickets,
            f.records,
            f.rows,
            f.elapsed,
            f.records as f64 / secs
        ),
    }
    for (step, took) in &f.steps {
        println!("  {step}: {took:.2?}");
    }
    Ok(())
}

#[cfg(not(feature = "silo"))]
fn floor(_: &std::path::Path, _: &std::path::Path, _: Option<&str>) -> Result<(), String> {
    gen(&generate(0, 0), std::path::Path::new(""))
}

/// `tag-sets K DIR`: K change sets of one record each (a tag on ticket i mod the count + 1)
/// on the silo DIR, for the sync benchmark.
#[cfg(feature = "silo")]
fn tag_sets(k: usize, dir: &std::path::Path) -> Result<(), String> {
    let silo = ticket_benches::support::open(dir);
    let count = silo.count("").map_err(|e| e.to_string())?.max(1) as usize;
    for i in 0..k {
        silo.add_tag(&((i % count) + 1).to_string(), &format!("t{i}"))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `writers C DIR [K]`: C clients at once (threads, each with its own handle as separate
/// processes would have), each adding K tags, one change set each. On a silo that holds
/// tickets already (the generator's), client `c`'s `i`th tag goes to the `(i·C + c)`th
/// ticket (in turn, so no two clients touch one ticket at once and each ticket gets few
/// tags, as in real use); on an empty silo each client adds its K tags to a ticket of its
/// own (the first form of this bench: that ticket's list row grows to K tags).
#[cfg(feature = "silo")]
fn writers(clients: usize, dir: &std::path::Path, sets: usize) -> Result<(), String> {
    let silo = ticket_benches::support::open(dir);
    let mut existing: Vec<String> = silo
        .numbers("", "")
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    let mut plans: Vec<Vec<String>> = Vec::new();
    if existing.is_empty() {
        for c in 0..clients {
            let n = silo
                .new_ticket(&format!("client {c}"), None, "")
                .map_err(|e| e.to_string())?
                .to_string();
            plans.push(vec![n; sets]);
        }
    } else {
        existing.sort_by_key(|n| n.parse::<u64>().unwrap_or(u64::MAX));
        for c in 0..clients {
            plans.push(
                (0..sets)
                    .map(|i| existing[(i * clients + c) % existing.len()].clone())
                    .collect(),
            );
        }
        println!(
            "writers: tags go to the silo's {} tickets in turn",
            existing.len()
        );
    }
    drop(silo);
    // tags new to the ticket on every run (a run on the same silo again adds, not repeats)
    let run = std::process::id();
    // two clocks: from the start (each client connects: on a team silo a TLS or password
    // handshake, the schema check, the configuration read), and from the moment every
    // client is connected (the writes alone)
    let connected = std::sync::Arc::new(std::sync::Barrier::new(clients + 1));
    let started = Instant::now();
    let handles: Vec<_> = plans
        .into_iter()
        .map(|plan| {
            let dir = dir.to_path_buf();
            let connected = std::sync::Arc::clone(&connected);
            std::thread::spawn(move || -> Result<(), String> {
                // (a client that cannot open the silo still meets the others at the barrier)
                let silo = std::panic::catch_unwind(|| ticket_benches::support::open(&dir));
                connected.wait();
                let silo = silo.map_err(|_| "a writer could not open the silo".to_string())?;
                for (i, n) in plan.iter().enumerate() {
                    silo.add_tag(n, &format!("w{run}-{i}"))
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            })
        })
        .collect();
    connected.wait();
    let writing = Instant::now();
    for h in handles {
        h.join().map_err(|_| "a writer panicked".to_string())??;
    }
    let (took, wrote) = (started.elapsed(), writing.elapsed());
    let total = clients * sets;
    println!(
        "writers {clients} x {sets}: {total} change sets in {took:.2?} ({:.0} change sets/s); after connecting, {wrote:.2?} ({:.0} change sets/s)",
        total as f64 / took.as_secs_f64(),
        total as f64 / wrote.as_secs_f64()
    );
    Ok(())
}

/// `backends RUNS DIR ADDRESS`: each typical search through `Silo::search` on both silos
/// (which must hold the same tickets, e.g. both made by `bulk N`), medians of RUNS runs.
#[cfg(feature = "silo")]
fn backends(runs: usize, dir: &std::path::Path, team: &std::path::Path) -> Result<(), String> {
    use ticket_benches::support::median;
    let local = ticket_benches::support::open(dir);
    let shared = ticket_benches::support::open(team);
    println!(
        "| search | key | sort | rows | SQLite ms | PostgreSQL ms | PostgreSQL ÷ SQLite (≤ 2) |"
    );
    println!("| --- | --- | --- | ---: | ---: | ---: | ---: |");
    for t in ticket_benches::typical::TYPICAL {
        let a = local.search(t.key, t.sort).map_err(|e| e.to_string())?;
        let b = shared.search(t.key, t.sort).map_err(|e| e.to_string())?;
        let same = a
            .iter()
            .map(|r| (&r.number, &r.title))
            .eq(b.iter().map(|r| (&r.number, &r.title)));
        let sqlite = median(|| drop(local.search(t.key, t.sort).expect("search")), runs);
        let pg = median(|| drop(shared.search(t.key, t.sort).expect("search")), runs);
        println!(
            "| {}{} | `{}` | `{}` | {} | {:.1} | {:.1} | {:.2} |",
            t.name,
            if same { "" } else { " (rows differ!)" },
            t.key,
            t.sort,
            a.len(),
            sqlite.as_secs_f64() * 1000.0,
            pg.as_secs_f64() * 1000.0,
            pg.as_secs_f64() / sqlite.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}

#[cfg(not(feature = "silo"))]
fn backends(_: usize, _: &std::path::Path, _: &std::path::Path) -> Result<(), String> {
    gen(&generate(0, 0), std::path::Path::new(""))
}

#[cfg(not(feature = "silo"))]
fn writers(_: usize, _: &std::path::Path, _: usize) -> Result<(), String> {
    gen(&generate(0, 0), std::path::Path::new(""))
}

#[cfg(not(feature = "silo"))]
fn tag_sets(_: usize, _: &std::path::Path) -> Result<(), String> {
    gen(&generate(0, 0), std::path::Path::new(""))
}

#[cfg(not(feature = "silo"))]
fn bulk(_: &Dataset, _: &std::path::Path, _: usize) -> Result<(), String> {
    gen(&generate(0, 0), std::path::Path::new(""))
}

#[cfg(feature = "silo")]
fn ratio(n: usize, dir: &std::path::Path, runs: usize) -> Result<(), String> {
    let silo = ticket_benches::support::open(dir);
    let rows = ticket_benches::support::ratio_table(&silo, runs)?;
    println!("{}", ticket_benches::support::format_ratio_table(n, &rows));
    Ok(())
}

#[cfg(not(feature = "silo"))]
fn gen(_: &Dataset, _: &std::path::Path) -> Result<(), String> {
    Err(
        "built without feature `silo` (needs the ticket-core silo API): \
         cargo run -p ticket-benches --release --features silo -- gen N DIR"
            .into(),
    )
}

#[cfg(not(feature = "silo"))]
fn ratio(_: usize, _: &std::path::Path, _: usize) -> Result<(), String> {
    gen(&generate(0, 0), std::path::Path::new(""))
}
