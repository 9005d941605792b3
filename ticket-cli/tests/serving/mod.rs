//! Starting a `ticket serve` for the tests that talk to one (`serve_api`, `sync_http`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

/// A started server: the process, its address (`http://127.0.0.1:PORT`) and its login link.
pub struct Started {
    /// The server process.
    pub child: Child,
    /// Its address.
    pub url: String,
    /// The login link it printed.
    pub login: String,
}

/// Spawns `cmd` (a `ticket … serve --port 0 …`), reads the address and the login link it
/// prints, and keeps reading its standard output so it never blocks on it.
pub fn spawn(mut cmd: Command) -> Started {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start ticket serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("ticket serve: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    let mut second = String::new();
    out.read_line(&mut second).unwrap();
    let login = second
        .trim()
        .strip_prefix("open ")
        .unwrap_or_else(|| panic!("unexpected second line {second:?}"))
        .to_string();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
    });
    Started { child, url, login }
}
