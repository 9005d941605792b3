//! Copies that travel (sync.md 2): clone, sync and bundles, all over one exchange.
//!
//! A copy describes what it holds as a [`Summary`] (every change set it has, with how many of
//! its records); the other side answers with a [`Bundle`] of exactly the records the summary
//! lacks, grouped by ticket as in a full export, with the contents of the attachments those
//! records add. Applying a bundle is the full import's path: every field validated, the
//! missing records added, the derived tables rebuilt, all in one transaction. A [`Peer`] is
//! anything that can give a summary, make a bundle and apply one: another silo directory
//! today; `ticket serve` and team silos implement the same three calls.
use crate::storage::db::args;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::exchange::full::{FullTicket, LogResolve};
use crate::log::wire::WireRecord;
use crate::log::{ChangeId, Operation, ReplicaId, SetId};
use crate::silo::Silo;
use crate::storage::log as store;

mod http;
mod undo;
pub use http::{is_http, token_from_env, HttpPeer, CA_FILE_VAR, TOKEN_VAR};
pub use undo::{TimelineChange, TimelineSet, UndoReport};

/// The change sets a copy holds, with how many of each set's records it has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Set id → records held.
    pub sets: BTreeMap<String, u32>,
}

/// An attachment's content travelling with the record that added it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// The content hash (checked on arrival).
    pub sha256: String,
    /// The bytes, as lower-case hex.
    pub hex: String,
}

/// Records one side lacks, grouped by ticket, with attachment contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// `ticket-bundle`.
    pub format: String,
    /// 1.
    pub version: u32,
    /// The replica that made the bundle.
    pub from: String,
    /// The records, by ticket, each ticket's in replay order.
    pub(crate) tickets: Vec<FullTicket>,
    /// Contents of the attachments the records add.
    pub attachments: Vec<Content>,
}

/// The format name and version of bundles.
const BUNDLE_FORMAT: &str = "ticket-bundle";
const BUNDLE_VERSION: u32 = 1;

impl Bundle {
    /// How many change sets and records it carries.
    pub fn counts(&self) -> (u64, u64) {
        let sets: BTreeSet<&str> = self
            .tickets
            .iter()
            .flat_map(|t| t.history.iter().map(|r| set_of(&r.id)))
            .collect();
        let records = self.tickets.iter().map(|t| t.history.len() as u64).sum();
        (sets.len() as u64, records)
    }
    /// Whether it carries nothing.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }

    /// A bundle file's text, read as `bundle apply` reads it (its records are checked when
    /// they are applied).
    pub fn parse(text: &str) -> Result<Bundle> {
        serde_json::from_str(text).map_err(|e| crate::exchange::source_error("not a bundle", e))
    }

    /// What a copy that applied this bundle holds at the least: its change sets, each with
    /// the records the bundle carries of it. `bundle create --since BUNDLE` writes what
    /// such a copy lacks (a set the bundle carried in part travels again, whole; applying
    /// what a copy holds already adds nothing).
    pub fn summary(&self) -> Summary {
        let mut sets = BTreeMap::new();
        for record in self.tickets.iter().flat_map(|t| t.history.iter()) {
            *sets.entry(set_of(&record.id).to_string()).or_insert(0) += 1;
        }
        Summary { sets }
    }

    /// [`Bundle::summary`] of the bundle file at `path`.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let ctx = ticket_core::Context::new(ticket_core::Clock::system(), "alice");
    /// let silo = ticket_core::Silo::create(&dir.path().join("s"), ctx).unwrap();
    /// silo.new_ticket("one", None, "").unwrap();
    /// let path = dir.path().join("first.bundle");
    /// let mut file = std::fs::File::create(&path).unwrap();
    /// silo.bundle_create(None, &mut file).unwrap();
    /// silo.new_ticket("two", None, "").unwrap();
    /// // what a copy that applied first.bundle lacks: the second ticket's change set
    /// let since = ticket_core::Bundle::summary_of_file(&path).unwrap();
    /// assert_eq!(silo.bundle_create(Some(&since), &mut Vec::new()).unwrap(), (1, 2));
    /// ```
    pub fn summary_of_file(path: &Path) -> Result<Summary> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Ok(Bundle::parse(&text)?.summary())
    }
}

/// The change set part of a record id read from a file or a peer (its first 32 characters);
/// an id that is shorter or not ASCII there is taken whole (the records are checked when they
/// are applied, never sliced in the middle of a character).
fn set_of(record_id: &str) -> &str {
    record_id.get(..32).unwrap_or(record_id)
}

/// A step of a sync, as it starts (see [`Silo::sync_with_progress`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStep {
    /// Reading both sides' summaries.
    Comparing,
    /// Sending what the peer lacks (the counts it will move).
    Sending(Moved),
    /// Receiving what this copy lacks (the counts it will move).
    Receiving(Moved),
}

/// What one direction of an exchange moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Change sets (whole or the missing part of them).
    pub change_sets: u64,
    /// Change records.
    pub records: u64,
    /// Attachment contents.
    pub attachments: u64,
    /// Tickets new to the receiving side (their numbers there).
    pub new_tickets: Vec<String>,
    /// Relations repaired on the receiving side where the records met its own (sync.md 2).
    #[serde(default)]
    pub repairs: Vec<String>,
}

/// A ticket that got another number because two copies created the same number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renumbered {
    /// The ticket's uuid.
    pub uuid: String,
    /// The replica that created it.
    pub replica: String,
    /// The number it was created with.
    pub from: String,
    /// Its number now, on every copy.
    pub to: String,
}

impl std::fmt::Display for Renumbered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ticket {} from {} is now {}",
            self.from, self.replica, self.to
        )
    }
}

/// A single-valued field (title, summary, status) that both copies changed apart: the value
/// written later in replay order stands on every copy, and the history keeps both
/// (sync.md 2, "Conflicts are resolved deterministically and visibly").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The ticket's number (after the exchange).
    pub ticket: String,
    /// `title`, `summary` or `status`.
    pub field: String,
    /// The last value this copy wrote.
    pub mine: String,
    /// The last value the peer wrote.
    pub theirs: String,
    /// The value that stands.
    pub kept: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "conflict: ticket {} {}: this copy wrote {:?}, the peer wrote {:?}; {:?} stands (later in the log's order)",
            self.ticket, self.field, self.mine, self.theirs, self.kept
        )
    }
}

/// The counts: `3 change set(s), 7 record(s), 0 attachment(s)` (the report and the CLI's
/// progress display say it alike).
impl std::fmt::Display for Moved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} change set(s), {} record(s), {} attachment(s)",
            self.change_sets, self.records, self.attachments
        )
    }
}

/// What a sync, a pull or a bundle did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// From the peer to this copy.
    pub pulled: Moved,
    /// From this copy to the peer.
    pub pushed: Moved,
    /// Tickets renumbered by this exchange.
    pub renumbered: Vec<Renumbered>,
    /// Single-valued fields both copies changed apart (both ways and pulls; a push alone
    /// does not read the peer's changes).
    pub conflicts: Vec<Conflict>,
    /// Validation rules the merged state of the pulled tickets breaks: listed, not refused
    /// (a peer's changes are facts; `ticket check` lists them too).
    pub violations: Vec<String>,
    /// Nothing was changed: the report says what would move.
    pub dry_run: bool,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.dry_run { "would move" } else { "moved" };
        for (way, m) in [("pulled", &self.pulled), ("pushed", &self.pushed)] {
            writeln!(
                f,
                "{way}: {verb} {m}{}",
                if m.new_tickets.is_empty() {
                    String::new()
                } else {
                    format!("; new tickets {}", number_runs(&m.new_tickets))
                }
            )?;
        }
        for r in &self.renumbered {
            writeln!(f, "{r}")?;
        }
        for (way, m) in [("pulled", &self.pulled), ("pushed", &self.pushed)] {
            for repair in &m.repairs {
                writeln!(f, "repaired ({way}): {repair}")?;
            }
        }
        for c in &self.conflicts {
            writeln!(f, "{c}")?;
        }
        for v in &self.violations {
            writeln!(f, "breaks a validation rule: {v}")?;
        }
        Ok(())
    }
}

/// At most this many pieces (numbers or runs) of new ticket numbers in a report's text.
const SHOWN_RUNS: usize = 20;

/// New ticket numbers for people: consecutive decimal numbers as one run (`1-300`), at most
/// [`SHOWN_RUNS`] pieces, then how many numbers are left out (the JSON report lists them all).
fn number_runs(numbers: &[String]) -> String {
    let value = |n: &str| {
        (!n.starts_with('0') || n == "0")
            .then(|| n.parse::<u64>().ok())
            .flatten()
    };
    let mut pieces: Vec<(usize, usize)> = Vec::new(); // index ranges into `numbers`
    for (i, n) in numbers.iter().enumerate() {
        let follows = match (pieces.last(), value(n)) {
            (Some(&(_, end)), Some(v)) => {
                value(&numbers[end]).and_then(|p| p.checked_add(1)) == Some(v)
            }
            _ => false,
        };
        match pieces.last_mut() {
            Some(last) if follows => last.1 = i,
            _ => pieces.push((i, i)),
        }
    }
    let mut text: Vec<String> = pieces
        .iter()
        .take(SHOWN_RUNS)
        .map(|&(a, b)| match b - a {
            0 => numbers[a].clone(),
            1 => format!("{}, {}", numbers[a], numbers[b]),
            _ => format!("{}-{}", numbers[a], numbers[b]),
        })
        .collect();
    if pieces.len() > SHOWN_RUNS {
        let left: usize = pieces[SHOWN_RUNS..].iter().map(|&(a, b)| b - a + 1).sum();
        text.push(format!("… and {left} more"));
    }
    text.join(", ")
}

/// Which way a sync moves change sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Both ways.
    Both,
    /// From the peer only.
    Pull,
    /// To the peer only.
    Push,
}

/// The other side of an exchange.
pub trait Peer {
    /// What it holds.
    fn summary(&self) -> Result<Summary>;
    /// The records a copy holding `theirs` lacks.
    fn bundle_for(&self, theirs: &Summary) -> Result<Bundle>;
    /// Adds a bundle's missing records (one transaction); returns what it added.
    fn apply_bundle(&self, bundle: &Bundle) -> Result<(Moved, Vec<Renumbered>)>;
}

impl Peer for Silo {
    fn summary(&self) -> Result<Summary> {
        let conn = self.reader()?;
        let mut sets = BTreeMap::new();
        conn.each(
            "SELECT s.clock, r.uuid, s.records FROM change_sets s JOIN replicas r ON r.id = s.replica WHERE s.records > 0",
            args![],
            |r| {
                let id = SetId {
                    clock: r.get::<i64>(0)?.max(0) as u64,
                    replica: r.get::<String>(1)?.parse()?,
                };
                sets.insert(id.to_string(), r.get(2)?);
                Ok(())
            },
        )?;
        Ok(Summary { sets })
    }

    fn bundle_for(&self, theirs: &Summary) -> Result<Bundle> {
        let (tickets, shas) = self.missing_records(theirs)?;
        let mut attachments = Vec::new();
        for sha in shas {
            // a copy that never had the content cannot pass it on; the record still
            // travels (its metadata is the history)
            if let Some(bytes) = self.content(&sha)? {
                attachments.push(Content {
                    sha256: sha,
                    hex: hex::encode(bytes),
                });
            }
        }
        Ok(Bundle {
            format: BUNDLE_FORMAT.to_string(),
            version: BUNDLE_VERSION,
            from: self.replica_id().to_string(),
            tickets,
            attachments,
        })
    }

    fn apply_bundle(&self, bundle: &Bundle) -> Result<(Moved, Vec<Renumbered>)> {
        if bundle.format != BUNDLE_FORMAT || bundle.version != BUNDLE_VERSION {
            return Err(crate::exchange::source_error(
                "not a bundle of this version",
                format!("format {:?} version {}", bundle.format, bundle.version),
            ));
        }
        bundle
            .from
            .parse::<ReplicaId>()
            .map_err(|e| crate::exchange::source_error("bad bundle", e))?;
        // contents first, each checked against its hash: a content file without its record
        // is harmless (reachable only through the hash), a record without content is not
        let mut stored = 0;
        for c in &bundle.attachments {
            crate::log::check_sha256(&c.sha256)
                .map_err(|e| crate::exchange::source_error("bad bundle", e))?;
            let bytes = hex::decode(&c.hex).map_err(|e| {
                crate::exchange::source_error("bad bundle", format!("attachment {}: {e}", c.sha256))
            })?;
            use sha2::Digest;
            if hex::encode(sha2::Sha256::digest(&bytes)) != c.sha256 {
                return Err(crate::exchange::source_error(
                    "bad bundle",
                    format!("attachment {} does not match its hash", c.sha256),
                ));
            }
            if self.store_content(&c.sha256, &bytes)? {
                stored += 1;
            }
        }
        // only a create can be renumbered: without one, no need to look
        let creates = bundle
            .tickets
            .iter()
            .any(|t| t.history.iter().any(|r| r.op == "create"));
        let renumbered = || {
            if creates {
                self.renumbered()
            } else {
                Ok(Vec::new())
            }
        };
        let before = renumbered()?;
        let (report, added) = self.import_records(&bundle.tickets)?;
        let after = renumbered()?;
        Ok((
            Moved {
                change_sets: added.sets,
                records: added.records,
                attachments: stored,
                new_tickets: report.created,
                repairs: report.repairs,
            },
            after.into_iter().filter(|r| !before.contains(r)).collect(),
        ))
    }
}

impl Silo {
    /// Tickets whose number is not the one they were created with.
    fn renumbered(&self) -> Result<Vec<Renumbered>> {
        let conn = self.reader()?;
        conn.rows(
            // the create is the first record of one of the ticket's runs: a join with the runs
            // (as a correlated `IN`, PostgreSQL ran it once per ticket and create: minutes
            // after a 10,000-ticket pull)
            "SELECT i.uuid, r.uuid, c.value, t.number FROM tickets t JOIN ticket_ids i ON i.id = t.id JOIN ticket_runs u ON u.ticket = t.id \
             JOIN changes c ON c.id = u.first AND c.op = 0 \
             JOIN change_sets s ON s.id = (c.id >> 16) JOIN replicas r ON r.id = s.replica WHERE c.value <> t.number ORDER BY i.uuid",
            args![],
            |r| {
                Ok(Renumbered {
                    uuid: r.get(0)?,
                    replica: r.get(1)?,
                    from: r.get(2)?,
                    to: r.get(3)?,
                })
            },
        )
    }

    /// Exchanges change sets with `peer`: each side gets exactly the records it lacks, in one
    /// transaction per side. Interrupted, it leaves each side as it was or complete; run
    /// again, it finishes; run twice, the second moves nothing.
    pub fn sync(&self, peer: &dyn Peer, direction: Direction, dry_run: bool) -> Result<SyncReport> {
        self.sync_with_progress(peer, direction, dry_run, &mut |_| {})
    }

    /// [`Silo::sync`], telling `progress` each step as it starts (for a progress display:
    /// the CLI shows them on a terminal).
    pub fn sync_with_progress(
        &self,
        peer: &dyn Peer,
        direction: Direction,
        dry_run: bool,
        progress: &mut dyn FnMut(SyncStep),
    ) -> Result<SyncReport> {
        progress(SyncStep::Comparing);
        let mine = self.summary()?;
        let theirs = peer.summary()?;
        let mut report = SyncReport {
            dry_run,
            ..SyncReport::default()
        };
        // what this copy has that the peer lacks: pushed (with attachment contents), and
        // compared with the peer's changes for conflicts (for that the records suffice)
        let ours = if direction == Direction::Pull {
            self.missing_records(&theirs)?.0
        } else {
            let bundle = self.bundle_for(&theirs)?;
            if dry_run {
                report.pushed = would_move(&bundle);
            } else if !bundle.is_empty() {
                progress(SyncStep::Sending(would_move(&bundle)));
                let (moved, renumbered) = peer.apply_bundle(&bundle)?;
                report.pushed = moved;
                report.renumbered.extend(renumbered);
            }
            bundle.tickets
        };
        if direction != Direction::Push {
            let bundle = peer.bundle_for(&mine)?;
            if dry_run {
                report.pulled = would_move(&bundle);
            } else if !bundle.is_empty() {
                progress(SyncStep::Receiving(would_move(&bundle)));
                let (moved, renumbered) = self.apply_bundle(&bundle)?;
                report.pulled = moved;
                for r in renumbered {
                    if !report.renumbered.contains(&r) {
                        report.renumbered.push(r);
                    }
                }
                report.violations = self.violations_of(&bundle)?;
            }
            report.conflicts = self.conflicts(&ours, &bundle.tickets)?;
        }
        Ok(report)
    }

    /// The single-valued fields both sides' records change for the same ticket, with the
    /// value that stands (the later record in replay order).
    fn conflicts(&self, mine: &[FullTicket], theirs: &[FullTicket]) -> Result<Vec<Conflict>> {
        let last =
            |tickets: &[FullTicket]| -> Result<BTreeMap<(String, String), (ChangeId, String)>> {
                let mut out = BTreeMap::new();
                for t in tickets {
                    for r in &t.history {
                        if !matches!(r.op.as_str(), "title" | "summary" | "status") {
                            continue;
                        }
                        let id: ChangeId = r.id.parse()?;
                        let value = r.value.clone().unwrap_or_default();
                        let key = (t.uuid.clone(), r.op.clone());
                        match out.get(&key) {
                            Some((seen, _)) if *seen > id => {}
                            _ => {
                                out.insert(key, (id, value));
                            }
                        }
                    }
                }
                Ok(out)
            };
        let (mine, theirs) = (last(mine)?, last(theirs)?);
        let conn = self.reader()?;
        let mut conflicts = Vec::new();
        for (key, (my_id, my_value)) in &mine {
            let Some((their_id, their_value)) = theirs.get(key) else {
                continue;
            };
            if my_value == their_value {
                continue;
            }
            let ticket = match store::find_ticket_row(&conn, &key.0)? {
                Some(row) => crate::log::number_of(&conn, row)?,
                None => key.0.clone(),
            };
            conflicts.push(Conflict {
                ticket,
                field: key.1.clone(),
                mine: my_value.clone(),
                theirs: their_value.clone(),
                kept: if my_id > their_id {
                    my_value
                } else {
                    their_value
                }
                .clone(),
            });
        }
        Ok(conflicts)
    }

    /// The validation rules the tickets a pulled bundle touched break now.
    fn violations_of(&self, bundle: &Bundle) -> Result<Vec<String>> {
        let conn = self.reader()?;
        let mut ids = Vec::with_capacity(bundle.tickets.len());
        for t in &bundle.tickets {
            if let Some(row) = store::find_ticket_row(&conn, &t.uuid)? {
                ids.push(row);
            }
        }
        Ok(
            crate::validate::violations(self, &conn, &ids, self.context().clock.today())?
                .iter()
                .map(|v| v.to_string())
                .collect(),
        )
    }

    /// The records a copy holding `theirs` lacks, by ticket, each ticket's in replay order,
    /// and the content hashes their attachments name.
    fn missing_records(&self, theirs: &Summary) -> Result<(Vec<FullTicket>, BTreeSet<String>)> {
        let mine = self.summary()?;
        let conn = self.reader()?;
        let wanted: Vec<SetId> = mine
            .sets
            .iter()
            .filter(|(id, n)| theirs.sets.get(*id).is_none_or(|t| t < n))
            .map(|(id, _)| id.parse())
            .collect::<Result<_>>()?;
        let mut rows: Vec<i64> = Vec::with_capacity(wanted.len());
        for id in &wanted {
            if let Some(row) = store::find_set(&conn, id)? {
                rows.push(row);
            }
        }
        let mut by_ticket: BTreeMap<i64, Vec<WireRecord>> = BTreeMap::new();
        let mut shas = BTreeSet::new();
        let mut resolve = LogResolve { conn: &conn };
        store::for_each_record_of_sets(&conn, Some(&rows), |s| {
            let op = Operation::decode(s.row.clone())
                .map_err(|e| crate::rebuild::bad_record(&conn, &s, e))?;
            if let Operation::AttachAdd { sha256, .. } = &op {
                shas.insert(sha256.clone());
            }
            let id = ChangeId {
                set: s.set.clone(),
                index: s.index,
            };
            by_ticket
                .entry(s.ticket)
                .or_default()
                .push(WireRecord::encode(
                    &id,
                    &s.at,
                    &s.author,
                    &op,
                    &mut resolve,
                )?);
            Ok(())
        })?;
        let mut tickets = Vec::with_capacity(by_ticket.len());
        for (id, history) in by_ticket {
            tickets.push(FullTicket {
                number: None,
                uuid: store::ticket_uuid(&conn, id)?,
                history,
            });
        }
        Ok((tickets, shas))
    }

    /// Makes a new copy of the silo in `source` at `dir`: its configuration, log, tickets and
    /// attachment contents, with a replica id of its own.
    ///
    /// The database is copied as one consistent snapshot (SQLite's `VACUUM INTO`, which also
    /// compacts it), then given a new replica id; attachment contents are copied file by file.
    /// `dir` may be a PostgreSQL address (an empty database or schema, as for
    /// [`Silo::create`]): a laptop's silo moves into a team silo that way, by the change sets
    /// a sync would move.
    pub fn clone_silo(source: &Path, dir: &Path, ctx: Context) -> Result<Silo> {
        let from = Silo::open(source, ctx.clone())?;
        if crate::silo::team_address(dir).is_some() {
            return Silo::clone_to_team(dir, &from.config_text()?, ctx, |to| {
                let bundle = from.bundle_for(&to.summary()?)?;
                to.apply_bundle(&bundle).map(|_| ())
            });
        }
        crate::silo::refuse_used_dir(dir)?;
        let made = if from.is_team() {
            Silo::clone_team(&from, dir, ctx)
        } else {
            Silo::clone_directory(&from, source, dir, ctx)
        };
        if made.is_err() {
            // nothing half-made stays behind
            let _ = std::fs::remove_dir_all(dir);
        }
        made
    }

    /// A directory silo's copy: its database as one snapshot, then its files.
    fn clone_directory(from: &Silo, source: &Path, dir: &Path, ctx: Context) -> Result<Silo> {
        let attachments = dir.join(crate::silo::ATTACHMENTS_DIR);
        std::fs::create_dir_all(&attachments).map_err(|e| Error::io(dir, e))?;
        let db = dir.join(crate::silo::DB_FILE);
        let target = db.to_str().ok_or_else(|| {
            Error::invalid("directory", &dir.display().to_string(), "not valid UTF-8")
        })?;
        from.lock().exec("VACUUM INTO ?1", args![target])?;
        copy_tree(&source.join(crate::silo::ATTACHMENTS_DIR), &attachments)?;
        let config = dir.join(crate::silo::CONFIG_FILE);
        std::fs::copy(source.join(crate::silo::CONFIG_FILE), &config)
            .map_err(|e| Error::io(config, e))?;
        let conn = crate::storage::db::Db::lite(crate::storage::open_db(&db, ctx.busy_timeout)?);
        store::set_own_replica(&conn, &ReplicaId::random())?;
        drop(conn);
        Silo::open(dir, ctx)
    }

    /// A new team silo at `address` with the configuration `config`, filled by `fill` (the
    /// source's change sets, in one transaction). A database that holds tables already is
    /// refused before anything is written; a fill that fails leaves the new silo empty, which
    /// the error says (a team silo's schema is not taken back: a sync fills it).
    pub(crate) fn clone_to_team(
        address: &Path,
        config: &str,
        ctx: Context,
        fill: impl FnOnce(&Silo) -> Result<()>,
    ) -> Result<Silo> {
        let text = address.to_str().unwrap_or_default();
        let to = Silo::create_team(text, config, ctx)?;
        match fill(&to) {
            Ok(()) => Ok(to),
            Err(e) => Err(Error::CloneUnfinished {
                address: to.dir().display().to_string(),
                source: Box::new(e),
            }),
        }
    }

    /// A directory copy of a team silo: a new silo with the team's configuration, then every
    /// change set and content pulled as by `sync` (teams.md 4).
    fn clone_team(from: &Silo, dir: &Path, ctx: Context) -> Result<Silo> {
        // the configuration as the copy's `silo.json`, as a directory's clone copies it: not
        // through `set_config`, whose change set (who changed the rules) would be the copy's
        // first, pushed back to the team by the next sync as a change nobody made
        let text = from.config_text()?;
        crate::config::SiloConfig::from_json_str(&text, "the team silo's configuration")?;
        let to = Silo::create(dir, ctx)?;
        let path = dir.join(crate::silo::CONFIG_FILE);
        std::fs::write(&path, &text).map_err(|e| Error::io(&path, e))?;
        to.refresh_config()?;
        let bundle = from.bundle_for(&to.summary()?)?;
        to.apply_bundle(&bundle)?;
        Ok(to)
    }

    /// Writes a bundle of the records a copy holding `since` lacks (everything when `None`).
    pub fn bundle_create(
        &self,
        since: Option<&Summary>,
        out: &mut dyn Write,
    ) -> Result<(u64, u64)> {
        let bundle = self.bundle_for(since.unwrap_or(&Summary::default()))?;
        serde_json::to_writer(&mut *out, &bundle).map_err(|e| Error::io("(output)", e.into()))?;
        out.write_all(b"\n").map_err(|e| Error::io("(output)", e))?;
        Ok(bundle.counts())
    }

    /// [`Silo::bundle_create`] into the file `path`, written whole or not at all: the bundle
    /// goes to a temporary file beside it, renamed over `path` once complete (a failure
    /// leaves `path` as it was and no temporary file). A `path` that is neither a regular file
    /// nor a directory (`/dev/null`, a FIFO) is written through, as `ticket export -o` does:
    /// a rename would replace it (as root, `/dev/null` itself).
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let ctx = ticket_core::Context::new(ticket_core::Clock::system(), "alice");
    /// let silo = ticket_core::Silo::create(&dir.path().join("s"), ctx).unwrap();
    /// silo.new_ticket("one", None, "").unwrap();
    /// let path = dir.path().join("usb.bundle");
    /// assert_eq!(silo.bundle_create_file(&path, None).unwrap(), (1, 2));
    /// assert!(silo.bundle_create_file(&dir.path().join("no/such/dir.bundle"), None).is_err());
    /// ```
    pub fn bundle_create_file(&self, path: &Path, since: Option<&Summary>) -> Result<(u64, u64)> {
        let mut text = Vec::new();
        let counts = self.bundle_create(since, &mut text)?;
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            std::fs::write(path, &text).map_err(|e| Error::io(path, e))?;
            return Ok(counts);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let written = std::fs::write(&tmp, &text)
            .map_err(|e| Error::io(&tmp, e))
            .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map(|()| counts)
    }

    /// Applies a bundle file's text: the records this silo lacks are added.
    pub fn bundle_apply(&self, text: &str) -> Result<SyncReport> {
        let bundle = Bundle::parse(text)?;
        let (moved, renumbered) = self.apply_bundle(&bundle)?;
        Ok(SyncReport {
            pulled: moved,
            renumbered,
            violations: self.violations_of(&bundle)?,
            ..SyncReport::default()
        })
    }
}

/// Copies the files under `from` into `to` (attachment contents: `ab/cdef…`).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| Error::io(&target, e))?;
            copy_tree(&path, &target)?;
        } else if path.is_file() && !entry.file_name().to_string_lossy().starts_with(".tmp-") {
            std::fs::copy(&path, &target).map_err(|e| Error::io(&target, e))?;
        }
    }
    Ok(())
}

fn would_move(b: &Bundle) -> Moved {
    let (change_sets, records) = b.counts();
    Moved {
        change_sets,
        records,
        attachments: b.attachments.len() as u64,
        new_tickets: Vec::new(),
        repairs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn new_ticket_numbers_are_shown_as_runs() {
        let many: Vec<String> = (1..=300).map(|n| n.to_string()).collect();
        assert_eq!(number_runs(&many), "1-300");
        assert_eq!(
            number_runs(&strings(&[
                "3", "4", "7", "9", "10", "11", "A7", "A8", "012", "13"
            ])),
            "3, 4, 7, 9-11, A7, A8, 012, 13"
        );
        assert_eq!(number_runs(&strings(&["5"])), "5");
        assert_eq!(number_runs(&[]), "");
    }

    #[test]
    fn a_report_shows_at_most_twenty_pieces_and_counts_the_rest() {
        // every other number: no runs, 30 pieces
        let scattered: Vec<String> = (0..30).map(|n| (2 * n + 1).to_string()).collect();
        let shown = number_runs(&scattered);
        assert!(shown.starts_with("1, 3, 5"), "{shown}");
        assert!(shown.ends_with("39, … and 10 more"), "{shown}");
        let report = SyncReport {
            pushed: Moved {
                change_sets: 300,
                records: 900,
                new_tickets: (1..=300).map(|n| n.to_string()).collect(),
                ..Moved::default()
            },
            ..SyncReport::default()
        };
        let text = report.to_string();
        assert!(text.contains("; new tickets 1-300\n"), "{text}");
        // the JSON report keeps every number
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["pushed"]["new_tickets"].as_array().unwrap().len(), 300);
    }

    /// A clone into a new team silo whose copying fails says so, without the password, and
    /// leaves the new silo empty with the source's configuration (a sync fills it).
    #[test]
    fn a_clone_into_a_team_silo_that_stops_says_the_silo_is_empty() {
        let Some(url) = crate::storage::postgres::test_server() else {
            return;
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let address = format!("{url}{sep}schema=c_{}", uuid::Uuid::new_v4().simple());
        let address = Path::new(&address);
        let ctx = || Context::new(crate::Clock::system(), "alice");
        let config = r#"{"vrules_pk_required": [{"selector": "g=risk", "key": "Owner"}]}"#;
        let err = Silo::clone_to_team(address, config, ctx(), |_| {
            Err(Error::invalid("bundle", "x", "stopped on purpose"))
        })
        .err()
        .unwrap();
        let text = err.to_string();
        assert!(matches!(err, Error::CloneUnfinished { .. }), "{text}");
        assert!(text.contains(":***@"), "{text}");
        assert!(!text.contains(":ticket@"), "{text}");
        assert!(text.contains("stopped on purpose"), "{text}");
        assert!(text.contains("holds no tickets"), "{text}");
        let made = Silo::open(address, ctx()).unwrap();
        assert_eq!(made.count("").unwrap(), 0);
        assert_eq!(made.config().vrules_pk_required.len(), 1);
        // a configuration that does not parse is refused before the database is touched
        let other = format!("{url}{sep}schema=c_{}", uuid::Uuid::new_v4().simple());
        let err = Silo::clone_to_team(Path::new(&other), "{ broken", ctx(), |_| Ok(()))
            .err()
            .unwrap();
        assert!(matches!(err, Error::Config(_)), "{err}");
        let err = Silo::open(Path::new(&other), ctx()).err().unwrap();
        assert!(matches!(err, Error::Connect { .. }), "{err}");
    }
}
