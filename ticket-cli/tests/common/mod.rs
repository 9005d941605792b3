//! Test harness: runs the `ticket` binary in a temporary world (HOME, TICKET_CONFIG, a silo,
//! a fixed clock and user), never touching the real home directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixed clock of every test: Wednesday 2024-03-13, 09:00 UTC.
pub const NOW: &str = "2024-03-13T09:00:00Z";

/// A temporary world with one silo.
pub struct World {
    /// Holds everything; removed on drop.
    pub tmp: tempfile::TempDir,
    /// The silo directory.
    pub silo: PathBuf,
}

/// What a run gave.
#[derive(Debug)]
pub struct Run {
    /// Exit status.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl World {
    /// A world with a fresh silo `silo` (created through `create_silo`).
    pub fn new() -> World {
        let world = World::empty();
        let run = world.run_global(&["create_silo", "silo"]);
        assert_eq!(run.code, 0, "create_silo failed: {run:?}");
        world
    }

    /// A world without a silo.
    pub fn empty() -> World {
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(tmp.path().join("home")).unwrap();
        let silo = tmp.path().join("silo");
        World { tmp, silo }
    }

    /// The user configuration file.
    pub fn config_file(&self) -> PathBuf {
        self.tmp.path().join("home/ticket-config.json")
    }

    /// `ticket` with the test environment and the working directory in the world.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ticket"));
        cmd.current_dir(self.tmp.path())
            .env_clear()
            .env("HOME", self.tmp.path().join("home"))
            .env("TICKET_CONFIG", self.config_file())
            .env("TICKET_NOW", NOW)
            .env("TICKET_USER", "tester")
            .env("TZ", "UTC");
        cmd
    }

    /// `ticket --silo SILO ARGS...` (the silo given explicitly, as the tests must).
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.arg("--silo").arg(&self.silo).args(args);
        cmd
    }

    /// Runs `ticket --silo SILO ARGS...`.
    pub fn run(&self, args: &[&str]) -> Run {
        output(self.cmd(args))
    }

    /// Runs `ticket ARGS...` without `--silo`.
    pub fn run_global(&self, args: &[&str]) -> Run {
        let mut cmd = self.command();
        cmd.args(args);
        output(cmd)
    }

    /// Runs `ticket --silo SILO ARGS...` with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut cmd = self.cmd(args);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("run ticket");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().expect("wait for ticket");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and expects success; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "ticket {args:?} failed: {run:?}");
        run.stdout
    }

    /// Creates a ticket quietly; returns its number.
    pub fn new_ticket(&self, title: &str) -> String {
        self.ok(&["quiet", "nt", title]).trim().to_string()
    }

    /// Writes the silo's `silo.json`.
    pub fn configure(&self, json: &str) {
        std::fs::write(self.silo.join("silo.json"), json).unwrap();
    }

    /// Every file of the silo's database, for "changes nothing" checks: the JSON export of
    /// every ticket with its history.
    pub fn snapshot_state(&self) -> String {
        let numbers = self.ok(&["ltn"]);
        let mut state = self.ok(&["--format", "json", "lt"]);
        for n in numbers.lines() {
            state.push_str(&self.ok(&["--format", "json", "dt", n, "--history"]));
            state.push_str(&self.ok(&["--format", "json", "dt", n]));
        }
        state
    }

    /// Runs `ticket --silo SILO ARGS...` and describes the run for a snapshot: the command,
    /// the exit status, standard output and standard error, with the world's directory shown as
    /// `[WORLD]` and uuids as `[UUID]`.
    pub fn show(&self, args: &[&str]) -> String {
        let run = self.run(args);
        let text = format!(
            "$ ticket {}\nexit status: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            args.join(" "),
            run.code,
            run.stdout,
            run.stderr
        );
        scrub_uuids(
            &text
                .replace(&self.root(), "[WORLD]")
                .replace(&self.tmp.path().display().to_string(), "[WORLD]"),
        )
    }

    /// The world's directory as text, for filters.
    pub fn root(&self) -> String {
        self.tmp
            .path()
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    }
}

/// The writing end of a pipe whose reading end is already closed: every write to it fails
/// with a broken pipe, as `ticket … | head -1` does once `head` has gone.
pub fn closed_pipe() -> std::process::Stdio {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: `pipe` fills two new descriptors; each is owned exactly once below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: fds[0] is the reading end, ours alone; closing it makes the pipe broken.
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is the writing end, ours alone; `Stdio` takes ownership.
    unsafe { std::process::Stdio::from(std::os::fd::OwnedFd::from_raw_fd(fds[1])) }
}

/// Runs a command and collects its output.
pub fn output(mut cmd: Command) -> Run {
    let out = cmd.output().expect("run ticket");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Insta settings that replace the world's directory by `[WORLD]`.
pub fn settings(world: &World) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&regex_escape(&world.root()), "[WORLD]");
    s.add_filter(
        &regex_escape(&world.tmp.path().display().to_string()),
        "[WORLD]",
    );
    s
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Is `path` inside the world?
pub fn inside(world: &World, path: &Path) -> bool {
    path.starts_with(world.tmp.path())
}

/// Replaces every run of exactly 32 lower-case hex digits (a uuid) with `[UUID]`.
pub fn scrub_uuids(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 32 {
            out.push_str("[UUID]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
