//! A Fossil repository holding the generated tickets, made with `fossil ticket add`.
//!
//! The repository's ticket table is customised (config `ticket-table`) to carry our fields as
//! columns: `assigned`, `client`, `project`, `deadline`, `scheduled`, `estimate`, and `tags` as
//! one text ` tag1 tag7 ` (leading and trailing space so `tags LIKE '% tag7 %'` finds a whole
//! tag). `status` holds our status name; `priority` our priority; the summary goes to
//! `comment`, the entries, joined, to `icomment` (one ticket change each, which is what
//! `fossil ticket add` records).

use crate::gen::Dataset;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

/// The ticket table given to the repository.
pub const TICKET_TABLE: &str = "CREATE TABLE ticket(tkt_id INTEGER PRIMARY KEY, \
tkt_uuid TEXT UNIQUE, tkt_mtime DATE, tkt_ctime DATE, type TEXT, status TEXT, subsystem TEXT, \
priority TEXT, severity TEXT, foundin TEXT, private_contact TEXT, resolution TEXT, title TEXT, \
comment TEXT, assigned TEXT, client TEXT, project TEXT, tags TEXT, deadline TEXT, \
scheduled TEXT, estimate TEXT); \
CREATE TABLE ticketchng(tkt_id INTEGER REFERENCES ticket, tkt_rid INTEGER REFERENCES blob, \
tkt_mtime DATE, login TEXT, username TEXT, mimetype TEXT, icomment TEXT); \
CREATE INDEX ticketchng_idx1 ON ticketchng(tkt_id, tkt_mtime);";

/// The `fossil ticket add` field/value arguments of ticket `i`.
pub fn ticket_fields(data: &Dataset, i: usize) -> Vec<(String, String)> {
    let t = &data.tickets[i];
    let mut f = vec![
        ("title".to_string(), t.title.clone()),
        ("status".to_string(), t.status_name().to_string()),
        ("type".to_string(), "Code_Defect".to_string()),
        ("tags".to_string(), format!(" {} ", t.tags.join(" "))),
    ];
    if !t.summary.is_empty() {
        f.push(("comment".into(), t.summary.clone()));
    }
    for (k, v) in &t.properties {
        let col = match k.as_str() {
            "Assigned" => "assigned",
            "Client" => "client",
            "Project" => "project",
            "Deadline" => "deadline",
            "Scheduled" => "scheduled",
            "Estimate" => "estimate",
            "Priority" => "priority",
            _ => continue,
        };
        f.push((col.into(), v.clone()));
    }
    if !t.entries.is_empty() {
        let text: Vec<&str> = t.entries.iter().map(|e| e.text.as_str()).collect();
        f.push(("icomment".into(), text.join("\n\n")));
    }
    f
}

fn run(cmd: &mut Command) -> io::Result<()> {
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// Creates the repository `repo` (which must not exist) and adds every ticket with
/// `fossil ticket add`, calling `progress(i)` after each.
pub fn build_repo(data: &Dataset, repo: &Path, mut progress: impl FnMut(usize)) -> io::Result<()> {
    let user = "bench";
    run(Command::new("fossil")
        .args(["init", "--admin-user", user])
        .arg(repo))?;
    let sql = format!(
        "REPLACE INTO config(name,value,mtime) VALUES('ticket-table', '{}', now())",
        TICKET_TABLE.replace('\'', "''")
    );
    run(Command::new("fossil")
        .args(["sql", "-R"])
        .arg(repo)
        .arg(sql))?;
    run(Command::new("fossil").args(["rebuild"]).arg(repo))?;
    for i in 0..data.tickets.len() {
        let mut cmd = Command::new("fossil");
        cmd.env("USER", user)
            .args(["ticket", "add", "-R"])
            .arg(repo);
        for (k, v) in ticket_fields(data, i) {
            cmd.arg(k).arg(v);
        }
        run(&mut cmd)?;
        progress(i);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::generate;

    #[test]
    fn fields_carry_title_status_tags_and_properties() {
        let d = generate(100, 3);
        for i in 0..100 {
            let f = ticket_fields(&d, i);
            let get = |k: &str| f.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
            let t = &d.tickets[i];
            assert_eq!(get("title").as_deref(), Some(t.title.as_str()));
            assert_eq!(get("status").as_deref(), Some(t.status_name()));
            assert_eq!(get("deadline").as_deref(), t.property("Deadline"));
            let tags = get("tags").unwrap();
            for tag in &t.tags {
                assert!(tags.contains(&format!(" {tag} ")));
            }
        }
    }
}
