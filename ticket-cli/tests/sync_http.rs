//! `ticket sync http://…` and `ticket clone http://… DIR` against a real `ticket serve` on a
//! loopback port: two copies changed offline converge, a second sync moves nothing, a dry run
//! moves nothing, and a wrong token, an unreachable server or a server that is not a ticket
//! server are clear errors that change nothing.

mod common;
mod serving;
mod tls_front;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;

use common::{Run, World};
use serde_json::Value;

/// A `ticket serve --port 0 --token-file F` of one silo; killed on drop.
struct Served {
    child: Child,
    url: String,
    token_file: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `silo` with its token in `token_file` (written by the server when missing).
fn serve(world: &World, silo: &Path, token_file: &Path) -> Served {
    let mut cmd = world.command();
    cmd.arg("--silo")
        .arg(silo)
        .args(["serve", "--port", "0", "--token-file"])
        .arg(token_file);
    let started = serving::spawn(cmd);
    Served {
        child: started.child,
        url: started.url,
        token_file: token_file.to_path_buf(),
    }
}

/// Runs `ticket --silo SILO ARGS…`.
fn on(world: &World, silo: &Path, args: &[&str]) -> Run {
    let mut cmd = world.command();
    cmd.arg("--silo").arg(silo).args(args);
    common::output(cmd)
}

fn export_full(world: &World, silo: &Path) -> String {
    let run = on(world, silo, &["export", "full"]);
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
}

/// A silo with two tickets, cloned to `laptop`; then both change offline: each creates a
/// ticket (the same number: a clash), the desk tags ticket 1, the laptop retitles ticket 2.
fn two_copies_changed_offline() -> (World, PathBuf) {
    let world = World::new();
    world.new_ticket("Backups fail");
    world.new_ticket("Printer jams");
    let laptop = world.tmp.path().join("laptop");
    let run = world.run_global(&[
        "clone",
        world.silo.to_str().unwrap(),
        laptop.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    world.new_ticket("Desk ticket");
    world.ok(&["ag", "1", "urgent"]);
    assert_eq!(on(&world, &laptop, &["nt", "Laptop ticket"]).code, 0);
    assert_eq!(
        on(&world, &laptop, &["st", "2", "Printer jams daily"]).code,
        0
    );
    (world, laptop)
}

/// Filters for snapshots: the server's port.
fn settings(world: &World) -> insta::Settings {
    let mut s = common::settings(world);
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    s
}

#[test]
fn sync_over_http_converges_and_a_second_sync_moves_nothing() {
    let (world, laptop) = two_copies_changed_offline();
    let token_file = world.tmp.path().join("token");
    let server = serve(&world, &laptop, &token_file);
    let tf = server.token_file.to_str().unwrap();
    let (desk_before, laptop_before) = (
        export_full(&world, &world.silo),
        export_full(&world, &laptop),
    );
    assert_ne!(desk_before, laptop_before);

    // a dry run says what would move and moves nothing
    let dry = world.run(&["sync", &server.url, "--dry-run", "--token-file", tf]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout.contains("pulled: would move 2 change set(s)")
            && dry.stdout.contains("pushed: would move 2 change set(s)"),
        "{dry:?}"
    );
    assert_eq!(export_full(&world, &world.silo), desk_before);
    assert_eq!(export_full(&world, &laptop), laptop_before);

    // the sync moves both ways and the clash is renumbered
    let sync = world.run(&["sync", &server.url, "--token-file", tf]);
    assert_eq!(sync.code, 0, "{sync:?}");
    assert!(
        sync.stdout.contains("pulled: moved 2 change set(s)")
            && sync.stdout.contains("pushed: moved 2 change set(s)")
            && sync.stdout.contains("ticket 3 from")
            && sync.stdout.contains("is now 4"),
        "{sync:?}"
    );
    let desk = export_full(&world, &world.silo);
    assert_eq!(desk, export_full(&world, &laptop));
    assert!(desk.contains("Printer jams daily") && desk.contains("urgent"));
    assert!(desk.contains("Laptop ticket") && desk.contains("Desk ticket"));

    // again: nothing moves either way (the token from TICKET_TOKEN this time)
    let token = std::fs::read_to_string(&token_file).unwrap();
    let mut cmd = world.cmd(&["--format", "json", "sync", &server.url]);
    cmd.env("TICKET_TOKEN", token.trim());
    let again = common::output(cmd);
    assert_eq!(again.code, 0, "{again:?}");
    let report: Value = serde_json::from_str(&again.stdout).unwrap();
    for way in ["pulled", "pushed"] {
        assert_eq!(report[way]["change_sets"], 0, "{report}");
        assert_eq!(report[way]["records"], 0, "{report}");
    }
    assert_eq!(export_full(&world, &world.silo), desk);
    assert_eq!(export_full(&world, &laptop), desk);
}

#[test]
fn pull_and_push_move_one_way_only() {
    let (world, laptop) = two_copies_changed_offline();
    let server = serve(&world, &laptop, &world.tmp.path().join("token"));
    let tf = server.token_file.to_str().unwrap();
    let laptop_before = export_full(&world, &laptop);
    let pull = world.run(&[
        "--format",
        "json",
        "sync",
        &server.url,
        "--pull",
        "--token-file",
        tf,
    ]);
    assert_eq!(pull.code, 0, "{pull:?}");
    let report: Value = serde_json::from_str(&pull.stdout).unwrap();
    assert_eq!(report["pulled"]["change_sets"], 2, "{report}");
    assert_eq!(report["pushed"]["change_sets"], 0, "{report}");
    assert_eq!(export_full(&world, &laptop), laptop_before);
    let push = world.run(&[
        "--format",
        "json",
        "sync",
        &server.url,
        "--push",
        "--token-file",
        tf,
    ]);
    assert_eq!(push.code, 0, "{push:?}");
    let report: Value = serde_json::from_str(&push.stdout).unwrap();
    assert_eq!(report["pulled"]["change_sets"], 0, "{report}");
    assert_eq!(report["pushed"]["change_sets"], 2, "{report}");
    assert_eq!(
        export_full(&world, &world.silo),
        export_full(&world, &laptop)
    );
}

#[test]
fn clone_over_http_copies_configuration_and_tickets() {
    let world = World::new();
    world.configure(r#"{"crules": [{"name": "risk", "tags": ["risk"]}]}"#);
    world.new_ticket("Backups fail");
    world.ok(&["ag", "1", "ops"]);
    let server = serve(&world, &world.silo, &world.tmp.path().join("token"));
    let copy = world.tmp.path().join("copy");
    let run = world.run_global(&[
        "clone",
        &server.url,
        copy.to_str().unwrap(),
        "--token-file",
        server.token_file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("cloned http://127.0.0.1:"), "{run:?}");
    assert_eq!(export_full(&world, &copy), export_full(&world, &world.silo));
    assert_eq!(
        std::fs::read_to_string(copy.join("silo.json")).unwrap(),
        std::fs::read_to_string(world.silo.join("silo.json")).unwrap()
    );
    // its own replica: a change on the copy syncs back
    assert_eq!(on(&world, &copy, &["ag", "1", "from-copy"]).code, 0);
    let sync = on(
        &world,
        &copy,
        &[
            "sync",
            &server.url,
            "--token-file",
            server.token_file.to_str().unwrap(),
        ],
    );
    assert_eq!(sync.code, 0, "{sync:?}");
    assert!(world.ok(&["dt", "1"]).contains("from-copy"));

    // a refused clone leaves no directory behind
    let bad = world.tmp.path().join("bad-token");
    std::fs::write(&bad, "not-the-token-at-all\n").unwrap();
    let nothing = world.tmp.path().join("nothing");
    let run = world.run_global(&[
        "clone",
        &server.url,
        nothing.to_str().unwrap(),
        "--token-file",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!nothing.exists());
}

#[test]
fn a_wrong_token_is_a_clear_error_that_changes_nothing() {
    let (world, laptop) = two_copies_changed_offline();
    let server = serve(&world, &laptop, &world.tmp.path().join("token"));
    let token = std::fs::read_to_string(&server.token_file).unwrap();
    let bad = world.tmp.path().join("bad-token");
    std::fs::write(&bad, "not-the-token-at-all\n").unwrap();
    let (desk_before, laptop_before) = (
        export_full(&world, &world.silo),
        export_full(&world, &laptop),
    );
    let run = world.run(&["sync", &server.url, "--token-file", bad.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.contains("not-the-token-at-all"), "{run:?}");
    assert!(!run.stderr.contains(token.trim()), "{run:?}");
    settings(&world).bind(|| {
        insta::assert_snapshot!(run.stderr, @"error: http://127.0.0.1:[PORT]: the server refused the token (401 unauthorized): give the token `ticket serve` prints or keeps in its --token-file, with --token-file F or TICKET_TOKEN");
    });
    assert_eq!(export_full(&world, &world.silo), desk_before);
    assert_eq!(export_full(&world, &laptop), laptop_before);

    // no token at all: bad usage
    let run = world.run(&["sync", &server.url]);
    assert_eq!(run.code, 2, "{run:?}");
    insta::assert_snapshot!(run.stderr, @"error: an http:// peer needs the server's token: give --token-file F (the file `ticket serve --token-file F` uses) or set TICKET_TOKEN");
}

#[test]
fn unreachable_and_foreign_servers_are_clear_errors() {
    let world = World::new();
    world.new_ticket("Backups fail");
    let token = world.tmp.path().join("token");
    std::fs::write(&token, "0123456789abcdef0123\n").unwrap();
    let tf = token.to_str().unwrap();

    // nothing listens on a port just released
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = world.run(&["sync", &url, "--token-file", tf]);
    assert_eq!(run.code, 1, "{run:?}");
    settings(&world).bind(|| {
        insta::assert_snapshot!(run.stderr, @"error: http://127.0.0.1:[PORT]: cannot reach the server: connection refused (is `ticket serve` running there?)");
    });

    // a web server that is not a ticket server
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let body = "<html>hello</html>";
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let run = world.run(&["sync", &url, "--token-file", tf]);
    assert_eq!(run.code, 1, "{run:?}");
    settings(&world).bind(|| {
        insta::assert_snapshot!(run.stderr, @"error: http://127.0.0.1:[PORT]: not a ticket server: GET /api/v1/sync/summary answered 404 without JSON");
    });
}

#[test]
fn another_silo_of_the_servers_list_syncs_at_s_name() {
    let (world, laptop) = two_copies_changed_offline();
    let listed = world.run_global(&["add_silo", laptop.to_str().unwrap()]);
    assert_eq!(listed.code, 0, "{listed:?}");
    // the server serves the desk silo, and the laptop (in the list) at /s/laptop
    let server = serve(&world, &world.silo, &world.tmp.path().join("token"));
    let url = format!("{}/s/laptop", server.url);
    let sync = world.run(&[
        "sync",
        &url,
        "--token-file",
        server.token_file.to_str().unwrap(),
    ]);
    assert_eq!(sync.code, 0, "{sync:?}");
    assert!(
        sync.stdout.contains("pulled: moved 2 change set(s)"),
        "{sync:?}"
    );
    assert_eq!(
        export_full(&world, &world.silo),
        export_full(&world, &laptop)
    );
}

#[test]
fn attachment_contents_travel_over_http() {
    let (world, laptop) = two_copies_changed_offline();
    let file = world.tmp.path().join("notes.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    std::fs::write(&file, &bytes).unwrap();
    world.ok(&["af", "1", file.to_str().unwrap()]);
    let server = serve(&world, &laptop, &world.tmp.path().join("token"));
    let tf = server.token_file.to_str().unwrap();
    let sync = world.run(&["--format", "json", "sync", &server.url, "--token-file", tf]);
    assert_eq!(sync.code, 0, "{sync:?}");
    let report: Value = serde_json::from_str(&sync.stdout).unwrap();
    assert_eq!(report["pushed"]["attachments"], 1, "{report}");
    // the served copy hands out the same bytes
    let token = std::fs::read_to_string(&server.token_file).unwrap();
    let mut got = ureq::get(&format!("{}/t/1/a/1", server.url))
        .header("Authorization", &format!("Bearer {}", token.trim()))
        .call()
        .unwrap();
    assert_eq!(got.body_mut().read_to_vec().unwrap(), bytes);
    assert_eq!(
        export_full(&world, &world.silo),
        export_full(&world, &laptop)
    );
}

#[test]
fn sync_over_https_checks_the_certificate_and_converges() {
    let (world, laptop) = two_copies_changed_offline();
    let token_file = world.tmp.path().join("token");
    let server = serve(&world, &laptop, &token_file);
    let tf = server.token_file.to_str().unwrap();
    let backend = server.url["http://".len()..].parse().unwrap();
    let front = tls_front::start(backend);
    let ca = world.tmp.path().join("team-ca.pem");
    std::fs::write(&ca, &front.ca_pem).unwrap();
    let (desk_before, laptop_before) = (
        export_full(&world, &world.silo),
        export_full(&world, &laptop),
    );
    let sync_with = |ca_file: Option<&Path>| {
        let mut cmd = world.cmd(&["sync", &front.url, "--token-file", tf]);
        cmd.env_remove("TICKET_CA_FILE");
        if let Some(f) = ca_file {
            cmd.env("TICKET_CA_FILE", f);
        }
        common::output(cmd)
    };

    // the front's certificate is signed by an authority Mozilla's roots do not hold
    let refused = sync_with(None);
    assert_eq!(refused.code, 1, "{refused:?}");
    settings(&world).bind(|| {
        insta::assert_snapshot!(refused.stderr, @"error: https://127.0.0.1:[PORT]: cannot reach the server over TLS: invalid peer certificate: UnknownIssuer (for a server whose certificate comes from its own authority, set TICKET_CA_FILE to that authority's certificate, PEM)");
    });
    // a file that holds no certificate is a usage error
    let empty = world.tmp.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let bad = sync_with(Some(&empty));
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("holds no PEM certificate"), "{bad:?}");
    assert_eq!(export_full(&world, &world.silo), desk_before);
    assert_eq!(export_full(&world, &laptop), laptop_before);

    // trusting the team's authority, the same exchange runs through TLS
    let sync = sync_with(Some(&ca));
    assert_eq!(sync.code, 0, "{sync:?}");
    assert!(
        sync.stdout.contains("pulled: moved 2 change set(s)")
            && sync.stdout.contains("pushed: moved 2 change set(s)"),
        "{sync:?}"
    );
    let desk = export_full(&world, &world.silo);
    assert_eq!(desk, export_full(&world, &laptop));
    assert!(desk.contains("Laptop ticket") && desk.contains("Desk ticket"));
    let again = sync_with(Some(&ca));
    assert!(
        again.stdout.contains("pulled: moved 0 change set(s)")
            && again.stdout.contains("pushed: moved 0 change set(s)"),
        "{again:?}"
    );
}
