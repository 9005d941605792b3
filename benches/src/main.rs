//! `ticket-benches`: builds the benchmark datasets.
//!
//! ```text
//! ticket-benches gen N DIR [SEED]                 a ticket silo of N tickets in DIR
//! ticket-benches export-taskwarrior N FILE [SEED] Taskwarrior import JSON (one task per line)
//! ticket-benches fossil N REPO [SEED]             a Fossil repository (fossil ticket add)
//! ticket-benches ratio N DIR [RUNS]               typical searches on the silo DIR (N tickets):
//!                                                 compiled ÷ hand-written SQL, Silo::search time
//! ```
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use ticket_benches::{export, generate, DEFAULT_SEED};

const USAGE: &str = "usage: ticket-benches gen N DIR [SEED] | export-taskwarrior N FILE [SEED] | fossil N REPO [SEED] | ratio N DIR [RUNS]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let Ok(n) = args[1].replace('_', "").parse::<usize>() else {
        eprintln!("N must be a whole number: {}\n{USAGE}", args[1]);
        return ExitCode::from(2);
    };
    if args[0] == "ratio" {
        let runs = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(15);
        let silo = ticket_benches::support::open(std::path::Path::new(&args[2]));
        return match ticket_benches::support::ratio_table(&silo, runs) {
            Ok(rows) => {
                println!("{}", ticket_benches::support::format_ratio_table(n, &rows));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let seed = match args.get(3).map(|s| s.parse::<u64>()) {
        None => DEFAULT_SEED,
        Some(Ok(s)) => s,
        Some(Err(_)) => {
            eprintln!("SEED must be a whole number\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let target = PathBuf::from(&args[2]);
    let started = Instant::now();
    let data = generate(n, seed);
    eprintln!("generated {n} tickets in {:.2?}", started.elapsed());
    let result: Result<(), String> = match args[0].as_str() {
        "gen" => ticket_benches::build::build_silo(&data, &target)
            .map(|stats| {
                eprintln!(
                    "silo {}: {} tickets in {:.2?} ({:.0} tickets/s)",
                    target.display(),
                    stats.tickets,
                    stats.elapsed,
                    stats.tickets as f64 / stats.elapsed.as_secs_f64()
                )
            })
            .map_err(|e| e.to_string()),
        "export-taskwarrior" => std::fs::File::create(&target)
            .map(std::io::BufWriter::new)
            .and_then(|mut w| {
                export::taskwarrior::write_import(&data, &mut w)?;
                std::io::Write::flush(&mut w)
            })
            .map_err(|e| format!("{}: {e}", target.display())),
        "fossil" => {
            let t = Instant::now();
            export::fossil::build_repo(&data, &target, |i| {
                if (i + 1) % 1000 == 0 {
                    eprintln!("fossil: {} tickets, {:.1?}", i + 1, t.elapsed());
                }
            })
            .map_err(|e| e.to_string())
        }
        other => Err(format!("unknown command {other}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
