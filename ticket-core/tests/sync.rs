//! Sync (sync.md 2): clone, sync and bundles; convergence of several copies, idempotence,
//! number clashes, attachments travelling with their records.
mod common_support;
use common_support::*;

use proptest::prelude::*;
use ticket_core::{Clock, Direction, ExportFormat, Silo};

fn export(s: &Silo) -> String {
    s.export_string(ExportFormat::Full, "", "").unwrap()
}

/// A silo holding one ticket (`title`), and a directory clone of it (`dir/b`).
fn a_silo_and_its_clone(dir: &std::path::Path, title: &str) -> (Silo, Silo) {
    let a = new_silo(dir);
    a.new_ticket(title, None, "").unwrap();
    let b = Silo::clone_silo(a.address(), &dir.join("b"), ctx_at(NOW)).unwrap();
    (a, b)
}

/// A fixed clock `minute` minutes after 09:00 on [`NOW`]'s day.
fn at_minute(minute: usize) -> ticket_core::Context {
    ctx_at(&format!("2024-03-13T09:{minute:02}:00Z"))
}

#[derive(Debug, Clone)]
enum Action {
    New(String),
    Title(usize, String),
    Status(usize, &'static str, usize),
    AddTag(usize, &'static str),
    RemoveTag(usize, &'static str),
    AddProp(usize, &'static str, &'static str),
    RemoveKey(usize, &'static str),
    Relate(usize, &'static str, usize),
    Entry(usize, String),
    RemoveEntry(usize, u32),
    Attach(usize, u8),
}

fn action() -> impl Strategy<Value = Action> {
    let n = 0usize..6;
    prop_oneof![
        "[a-z]{1,6}".prop_map(Action::New),
        (n.clone(), "[A-Za-z]{1,6}").prop_map(|(t, s)| Action::Title(t, s)),
        (
            n.clone(),
            prop::sample::select(vec!["open", "closed", "merged", "duplicate", "i"]),
            0usize..6
        )
            .prop_map(|(t, s, o)| Action::Status(t, s, o)),
        // merges among the tickets every copy has from the start, more often than the
        // other statuses: copies apart make cycles, chains and second targets of them
        (
            0usize..3,
            0usize..3,
            prop::sample::select(vec!["merged", "duplicate", "open"])
        )
            .prop_map(|(t, o, s)| Action::Status(t, s, o)),
        (n.clone(), prop::sample::select(vec!["bug", "Bug", "risk"]))
            .prop_map(|(t, g)| Action::AddTag(t, g)),
        (n.clone(), prop::sample::select(vec!["bug", "risk"]))
            .prop_map(|(t, g)| Action::RemoveTag(t, g)),
        (
            n.clone(),
            prop::sample::select(vec!["Deadline", "Assigned", "Deadline_Repeats", "Owner"]),
            prop::sample::select(vec!["+1w", "phil", "++1m", "Phil"])
        )
            .prop_map(|(t, k, v)| Action::AddProp(t, k, v)),
        (
            n.clone(),
            prop::sample::select(vec!["Deadline", "Owner", "Child_Of"])
        )
            .prop_map(|(t, k)| Action::RemoveKey(t, k)),
        (
            n.clone(),
            prop::sample::select(vec!["Child_Of", "Blocks", "Related_To"]),
            0usize..6
        )
            .prop_map(|(t, k, o)| Action::Relate(t, k, o)),
        (n.clone(), "[a-z]{1,8}").prop_map(|(t, s)| Action::Entry(t, s)),
        (n.clone(), 1u32..3).prop_map(|(t, e)| Action::RemoveEntry(t, e)),
        (n, any::<u8>()).prop_map(|(t, b)| Action::Attach(t, b)),
    ]
}

fn run(silo: &Silo, a: &Action) {
    let num = |i: &usize| (i + 1).to_string();
    let _ = match a {
        Action::New(t) => silo.new_ticket(t, None, "").map(|_| ()),
        Action::Title(t, s) => silo.set_title(&num(t), s),
        Action::Status(t, s, o) => silo.set_status(
            &num(t),
            s,
            Some(num(o).as_str()).filter(|_| matches!(*s, "merged" | "duplicate")),
        ),
        Action::AddTag(t, g) => silo.add_tag(&num(t), g),
        Action::RemoveTag(t, g) => silo.remove_tag(&num(t), g),
        Action::AddProp(t, k, v) => silo.add_property(&num(t), k, v),
        Action::RemoveKey(t, k) => silo.remove_property_k(&num(t), k),
        Action::Relate(t, k, o) => silo.add_property(&num(t), k, &num(o)),
        Action::Entry(t, s) => silo.add_entry(&num(t), s, 1).map(|_| ()),
        Action::RemoveEntry(t, e) => silo.remove_entry(&num(t), *e),
        Action::Attach(t, b) => silo
            .add_attachment_bytes(&num(t), "f", &[*b], "")
            .map(|_| ()),
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// Three copies change offline (creating clashing numbers, relations, merges, removals,
    /// tag case changes) and sync in a random schedule; after syncing until nothing moves,
    /// every copy has the same full export, equal to its own rebuild, and the merges have
    /// the shape the write path keeps (no chains, no cycles, one target, links both ways).
    #[test]
    fn copies_converge_whatever_the_schedule(
        steps in prop::collection::vec((0usize..3, action(), prop::option::of((0usize..3, 0usize..3))), 1..30)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let a = Silo::create(&dir.path().join("a"), ctx_at(NOW)).unwrap();
        for t in ["shared", "second", "third"] {
            a.new_ticket(t, None, "").unwrap();
        }
        let b = Silo::clone_silo(&dir.path().join("a"), &dir.path().join("b"), ctx_at(NOW)).unwrap();
        let c = Silo::clone_silo(&dir.path().join("a"), &dir.path().join("c"), ctx_at(NOW)).unwrap();
        let copies = [&a, &b, &c];
        for (who, act, sync) in &steps {
            run(copies[*who], act);
            if let Some((x, y)) = sync {
                if x != y {
                    copies[*x].sync(copies[*y], Direction::Both, false).unwrap();
                }
            }
        }
        for _ in 0..2 {
            a.sync(&b, Direction::Both, false).unwrap();
            b.sync(&c, Direction::Both, false).unwrap();
            c.sync(&a, Direction::Both, false).unwrap();
        }
        let first = export(&a);
        prop_assert_eq!(&export(&b), &first);
        prop_assert_eq!(&export(&c), &first);
        assert_merge_links(&a);
        for s in copies {
            let before = dump(s);
            s.rebuild().unwrap();
            prop_assert_eq!(dump(s), before);
            // in sync: nothing moves
            let again = s.sync(&a, Direction::Both, false).unwrap();
            prop_assert_eq!(again.pulled.records + again.pushed.records, 0);
        }
    }
}

/// The shape merges keep (domain.md 4.1), whatever the copies did: a `Merged`/`Duplicate`
/// ticket has one `Closed_Via`, to a ticket that is not merged itself and holds the matching
/// back-link; a ticket of another status has none; every back-link has its `Closed_Via`.
fn assert_merge_links(s: &Silo) {
    use ticket_core::Status;
    for n in s.numbers("", "").unwrap() {
        let t = s.get(n.as_str()).unwrap();
        let via = t.get("Closed_Via");
        if matches!(t.status, Status::Merged | Status::Duplicate) {
            assert_eq!(via.len(), 1, "ticket {n}: {:?}", t.properties);
            let target = s.get(via[0]).unwrap();
            assert!(
                !matches!(target.status, Status::Merged | Status::Duplicate),
                "ticket {n} merged into {}, itself merged",
                target.number
            );
            assert!(
                target.get(t.status.name()).contains(&n.as_str()),
                "ticket {n}: {:?}",
                target.properties
            );
        } else {
            assert!(
                via.is_empty(),
                "ticket {n} ({:?}) has Closed_Via {via:?}",
                t.status
            );
        }
        for key in ["Merged", "Duplicate"] {
            for m in t.get(key) {
                assert_eq!(
                    s.get(m).unwrap().get("Closed_Via"),
                    vec![n.as_str()],
                    "{key} {m} on {n}"
                );
            }
        }
    }
}

#[test]
fn clone_sync_twice_and_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    a.new_ticket("one", None, "").unwrap();
    a.add_attachment_bytes("1", "note.txt", b"hello", "")
        .unwrap();
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    assert_ne!(a.replica_id(), b.replica_id());
    assert_eq!(export(&a), export(&b));
    let sha = &b.get("1").unwrap().attachments[0].sha256;
    assert_eq!(std::fs::read(b.attachment_path(sha)).unwrap(), b"hello");
    assert_eq!(b.config(), a.config());

    b.add_tag("1", "from-b").unwrap();
    b.new_ticket("two", None, "").unwrap();
    let dry = a.sync(&b, Direction::Both, true).unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.pulled.change_sets, 2);
    assert_eq!(a.count("").unwrap(), 1, "a dry run changes nothing");
    let push_only = a.sync(&b, Direction::Push, false).unwrap();
    assert_eq!(push_only.pulled.records, 0);
    assert_eq!(a.count("").unwrap(), 1);
    let report = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(report.pulled.change_sets, 2);
    assert_eq!(report.pulled.new_tickets, vec!["2"]);
    assert_eq!(a.get("1").unwrap().tags, vec!["from-b"]);
    let again = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!((again.pulled.records, again.pushed.records), (0, 0));
    assert_eq!(export(&a), export(&b));
}

#[test]
fn number_clashes_are_renumbered_the_same_on_both_sides_with_relations_following() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = a_silo_and_its_clone(dir.path(), "base");
    // both create ticket 2 offline; b relates its 2 to 1
    assert_eq!(a.new_ticket("a's two", None, "").unwrap().as_str(), "2");
    assert_eq!(b.new_ticket("b's two", None, "").unwrap().as_str(), "2");
    b.add_property("2", "Blocks", "1").unwrap();
    let report = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(report.renumbered.len(), 1, "{report}");
    let r = &report.renumbered[0];
    assert_eq!((r.from.as_str(), r.to.as_str()), ("2", "3"));
    assert!(report.to_string().contains("ticket 2 from"), "{report}");
    assert_eq!(export(&a), export(&b));
    // the renumbered ticket keeps its relation, shown with its new number on the other side
    let moved = a.get("3").unwrap();
    let kept = a.get("2").unwrap();
    assert_ne!(moved.title, kept.title);
    let blocked = a.get("1").unwrap();
    let blocker = if moved.title == "b's two" { "3" } else { "2" };
    assert_eq!(blocked.get("Blocked_By"), vec![blocker]);
    // each side's report names the new ticket by the number it has now
    let a_two = if blocker == "3" { "2" } else { "3" };
    assert_eq!(report.pulled.new_tickets, vec![blocker.to_string()]);
    assert_eq!(report.pushed.new_tickets, vec![a_two.to_string()]);
    // the renumbered ticket's history and the timeline say why its create names 2; the
    // ticket that kept 2 says nothing
    for silo in [&a, &b] {
        let created = silo.history("3").unwrap().remove(0);
        assert_eq!(created.describe(), "created ticket 2");
        assert_eq!(
            created.repair.as_deref(),
            Some("number 2 was taken earlier in the log's order: this one is 3")
        );
        assert_eq!(silo.history("2").unwrap()[0].repair, None);
        let timeline = silo.timeline(Some("n=3"), None, None, 10).unwrap();
        let words: Vec<&str> = timeline
            .iter()
            .flat_map(|set| set.changes.iter().map(|c| c.what.as_str()))
            .collect();
        assert!(
            words.contains(
                &"created ticket 2 (repaired: number 2 was taken earlier in the log's order: this one is 3)"
            ),
            "{words:?}"
        );
    }
    // a new ticket afterwards takes a free number
    assert_eq!(a.new_ticket("next", None, "").unwrap().as_str(), "4");
    // a rebuild meets the clash again and settles it the same way (the second create of 2
    // renumbered by its statement, and the creates after it written the same way)
    let before = export(&a);
    a.rebuild().unwrap();
    assert_eq!(export(&a), before);
}

/// Two copies creating tickets offline at interleaved times (a1 b1 a2 b2 … in replay order,
/// both naming 2, 3, 4, …): one ticket of each clashing pair keeps its number on every copy
/// (sync.md 2). Each renumbered ticket took the next number after the greatest, which the
/// other copy's next create named, so all but the first ticket of both copies were
/// renumbered; now a ticket holding a number by renumbering yields it to the create that
/// names it and moves on, and the relations naming it follow.
#[test]
fn interleaved_offline_creates_keep_one_ticket_of_each_pair_on_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = a_silo_and_its_clone(dir.path(), "base");
    for k in 0..6 {
        let (n, title) = ((k + 2).to_string(), format!("a{k}"));
        let made = Silo::open(a.address(), at_minute(2 * k + 1)).unwrap();
        assert_eq!(made.new_ticket(&title, None, "").unwrap().as_str(), n);
        let made = Silo::open(b.address(), at_minute(2 * k + 2)).unwrap();
        assert_eq!(
            made.new_ticket(&format!("b{k}"), None, "")
                .unwrap()
                .as_str(),
            n
        );
    }
    // b's first ticket blocks the base ticket: the base shows it by whatever number it ends on
    let b_late = Silo::open(b.address(), at_minute(30)).unwrap();
    b_late.add_property("2", "Blocks", "1").unwrap();
    let report = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(export(&a), export(&b));
    for silo in [&a, &b] {
        for k in 0..6 {
            let kept = silo.get(&(k + 2).to_string()).unwrap();
            assert_eq!(
                kept.title,
                format!("a{k}"),
                "a's tickets keep their numbers"
            );
        }
        let mut moved: Vec<(String, String)> = (8..14)
            .map(|n| {
                let t = silo.get(&n.to_string()).unwrap();
                (t.title, n.to_string())
            })
            .collect();
        moved.sort();
        let titles: Vec<&str> = moved.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(titles, ["b0", "b1", "b2", "b3", "b4", "b5"]);
        let b0 = &moved[0].1;
        assert_eq!(silo.get("1").unwrap().get("Blocked_By"), vec![b0.as_str()]);
        // each renumbered create says why, with the number its ticket has now
        let created = silo.history(b0).unwrap().remove(0);
        assert_eq!(
            created.repair.as_deref(),
            Some(
                format!("number 2 was taken earlier in the log's order: this one is {b0}").as_str()
            )
        );
        assert_eq!(silo.history("2").unwrap()[0].repair, None);
    }
    // the report names the six renumbered tickets, each by the number it ends on
    let mut to: Vec<&str> = report.renumbered.iter().map(|r| r.to.as_str()).collect();
    to.sort_by_key(|n| n.parse::<u32>().unwrap());
    assert_eq!(to, ["8", "9", "10", "11", "12", "13"], "{report}");
    // a rebuild on either side meets the clashes again and settles them the same way
    let before = export(&a);
    a.rebuild().unwrap();
    assert_eq!(export(&a), before);
    b.rebuild().unwrap();
    assert_eq!(export(&b), before);
    // and an import of the full export into an empty silo, set by set
    let c = Silo::create(&dir.path().join("c"), ctx_at(NOW)).unwrap();
    c.import_json(&before).unwrap();
    assert_eq!(export(&c), before);
    assert_eq!(a.new_ticket("next", None, "").unwrap().as_str(), "14");
}

/// The yield inside one change set: a copy creates 2 and 3 in one batch while another
/// created 2 before. Its 2 is renumbered to 3 by the replay, then its own 3 claims that
/// number back: the renumbered ticket's create is in the set being applied, whose record
/// runs an import writes only after the set. Pull, push, rebuild and import agree.
#[test]
fn a_ticket_renumbered_within_its_own_change_set_yields_too() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = a_silo_and_its_clone(dir.path(), "base");
    let early = Silo::open(a.address(), at_minute(1)).unwrap();
    assert_eq!(early.new_ticket("a two", None, "").unwrap().as_str(), "2");
    let late = Silo::open(b.address(), at_minute(2)).unwrap();
    let mut batch = late.batch();
    for title in ["b two", "b three"] {
        batch.add(ticket_core::NewTicket {
            title: title.to_string(),
            ..Default::default()
        });
    }
    batch.commit().unwrap();
    a.sync(&b, Direction::Both, false).unwrap();
    let before = export(&a);
    assert_eq!(export(&b), before);
    for silo in [&a, &b] {
        let titles: Vec<String> = ["2", "3", "4"]
            .iter()
            .map(|n| silo.get(n).unwrap().title)
            .collect();
        assert_eq!(titles, ["a two", "b three", "b two"]);
        silo.rebuild().unwrap();
        assert_eq!(export(silo), before);
    }
    let c = Silo::create(&dir.path().join("c"), ctx_at(NOW)).unwrap();
    c.import_json(&before).unwrap();
    assert_eq!(export(&c), before);
}

#[test]
fn a_bundle_file_is_written_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    a.new_ticket("one", None, "").unwrap();
    let path = dir.path().join("usb.bundle");
    std::fs::write(&path, "an older file").unwrap();
    assert_eq!(a.bundle_create_file(&path, None).unwrap(), (1, 2));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(ticket_core::Bundle::parse(&text).is_ok());
    // a target that cannot be replaced (a directory): an error, nothing left beside it
    let blocked = dir.path().join("taken");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), "x").unwrap();
    assert!(a.bundle_create_file(&blocked, None).is_err());
    assert!(blocked.join("keep").exists());
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // something that is not a regular file (a FIFO; `/dev/null` alike) is written through,
    // not replaced by a renamed file
    use std::os::unix::fs::FileTypeExt;
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    assert_eq!(a.bundle_create_file(&fifo, None).unwrap(), (1, 2));
    // checked before waiting for the reader, which would wait for ever on a replaced FIFO
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    assert!(ticket_core::Bundle::parse(&reader.join().unwrap()).is_ok());
}

/// A bundle is a file from elsewhere: a record id with a multi-byte character where the
/// change set's part ends is read, counted and refused without a panic.
#[test]
fn a_bundle_with_a_strange_record_id_is_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    a.new_ticket("one", None, "").unwrap();
    let mut file = Vec::new();
    a.bundle_create(None, &mut file).unwrap();
    let text = String::from_utf8(file).unwrap();
    let at = text.find("\"id\":\"").expect("a record id") + "\"id\":\"".len();
    let strange = format!("{}{}é{}", &text[..at], &text[at..at + 31], &text[at + 32..]);
    let bundle = ticket_core::Bundle::parse(&strange).unwrap();
    assert_eq!(bundle.summary().sets.len(), 2);
    assert_eq!(bundle.counts().0, 2);
    let b = Silo::create(&dir.path().join("b"), ctx_at(NOW)).unwrap();
    assert!(b.bundle_apply(&strange).is_err());
    assert_eq!(b.count("").unwrap(), 0);
}

#[test]
fn bundles_carry_changes_between_copies_that_never_meet() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = a_silo_and_its_clone(dir.path(), "one");
    a.add_entry("1", "written on a", 5).unwrap();
    a.add_attachment_bytes("1", "x.bin", &[1, 2, 3], "")
        .unwrap();
    let mut file = Vec::new();
    use ticket_core::Peer;
    let since = b.summary().unwrap();
    let (sets, records) = a.bundle_create(Some(&since), &mut file).unwrap();
    assert_eq!((sets, records), (2, 2));
    let text = String::from_utf8(file).unwrap();
    let report = b.bundle_apply(&text).unwrap();
    assert_eq!(report.pulled.records, 2);
    assert_eq!(report.pulled.attachments, 1);
    assert_eq!(export(&a), export(&b));
    // applying it again adds nothing; a tampered bundle is refused whole
    assert_eq!(b.bundle_apply(&text).unwrap().pulled.records, 0);
    let tampered = text.replace("010203", "010204");
    assert!(a.bundle_apply(&tampered).is_err());
    assert!(b.bundle_apply("{\"format\": \"ticket-bundle\"}").is_err());
}

/// A sync interrupted after one side applied (the other side's transaction never ran) leaves
/// both consistent, and running it again finishes the job.
#[test]
fn an_interrupted_sync_finishes_when_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = a_silo_and_its_clone(dir.path(), "one");
    a.add_tag("1", "a-side").unwrap();
    b.add_tag("1", "b-side").unwrap();
    // only the push half ran
    a.sync(&b, Direction::Push, false).unwrap();
    for s in [&a, &b] {
        let before = dump(s);
        s.rebuild().unwrap();
        assert_eq!(dump(s), before);
    }
    let report = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(report.pushed.records, 0);
    assert_eq!(report.pulled.records, 1);
    assert_eq!(export(&a), export(&b));
    assert_eq!(a.get("1").unwrap().tags, vec!["a-side", "b-side"]);
}

#[test]
fn undo_takes_back_a_change_set_and_undo_of_undo_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("one", None, "").unwrap();
    silo.new_ticket("two", None, "").unwrap();
    let before = dump(&silo);
    // a change set touching two tickets: a status to Merged writes both sides
    silo.set_status("2", "merged", Some("1")).unwrap();
    let merged = dump(&silo);
    let report = silo.undo(None).unwrap();
    assert_eq!(report.tickets, vec!["1", "2"]);
    assert_eq!(silo.get("2").unwrap().status, ticket_core::Status::Open);
    assert!(silo.get("1").unwrap().get("Merged").is_empty());
    // the undone set stays in the history, marked
    let h = silo.history("2").unwrap();
    assert!(h.iter().any(|c| c.op == ticket_core::ChangeOp::Undo
        && c.new_value.as_deref() == Some(report.undone.as_str())));
    let timeline = silo.timeline(None, None, None, 10).unwrap();
    assert!(timeline.iter().any(|s| s.id == report.undone && s.undone));
    // undo of the undo
    silo.undo(None).unwrap();
    assert_eq!(silo.get("2").unwrap().status, ticket_core::Status::Merged);
    assert_eq!(silo.get("1").unwrap().get("Merged"), vec!["2"]);
    let _ = (before, merged);
    // every record kind round-trips through undo
    let e = silo.add_entry("1", "text", 5).unwrap();
    silo.undo(None).unwrap();
    assert!(silo.get("1").unwrap().entries.is_empty());
    silo.undo(None).unwrap();
    assert_eq!(silo.get("1").unwrap().entries[0].n, e);
    silo.set_title("1", "renamed").unwrap();
    silo.undo(None).unwrap();
    assert_eq!(silo.get("1").unwrap().title, "one");
    let b = dump(&silo);
    silo.rebuild().unwrap();
    assert_eq!(dump(&silo), b);
}

#[test]
fn undo_is_refused_when_later_changes_make_it_inapplicable() {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("one", None, "").unwrap();
    silo.add_tag("1", "bug").unwrap();
    let tagged = silo.timeline(None, None, None, 1).unwrap()[0].id.clone();
    silo.remove_tag("1", "bug").unwrap();
    let records = change_count(&silo);
    let err = silo.undo(Some(&tagged)).unwrap_err();
    assert!(err.to_string().contains("tag bug changed since"), "{err}");
    assert_eq!(change_count(&silo), records);
    // a creation cannot be undone
    let created = silo
        .timeline(None, None, None, 10)
        .unwrap()
        .last()
        .unwrap()
        .id
        .clone();
    let err = silo.undo(Some(&created)).unwrap_err();
    assert!(err.to_string().contains("cannot be undone"), "{err}");
    assert!(silo.undo(Some("nonsense")).is_err());
}

#[test]
fn the_timeline_lists_change_sets_newest_first_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut silo = new_silo(dir.path());
    silo.new_ticket("one", None, "").unwrap();
    silo.new_ticket("two", None, "").unwrap();
    silo.set_clock(Clock::fixed("2024-04-01T10:00:00Z".parse().unwrap()));
    silo.add_tag("2", "later").unwrap();
    let all = silo.timeline(None, None, None, 100).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].changes[0].what, "added tag later");
    assert_eq!(all[0].changes[0].number, "2");
    assert!(all[2].changes.iter().any(|c| c.what == "created ticket 1"));
    let since = chrono::DateTime::parse_from_rfc3339("2024-03-20T00:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        silo.timeline(None, Some(since), None, 100).unwrap().len(),
        1
    );
    assert_eq!(
        silo.timeline(Some("t:one"), None, None, 100).unwrap().len(),
        1
    );
    assert_eq!(
        silo.timeline(None, None, Some("nobody"), 100)
            .unwrap()
            .len(),
        0
    );
    assert_eq!(silo.timeline(None, None, None, 2).unwrap().len(), 2);
}

const SYNC_CHILD_ENV: &str = "TICKET_TEST_SYNC_CHILD";

/// Run by [`a_sync_killed_at_any_moment_leaves_both_sides_whole`] in a child process: syncs the
/// silo named by the environment with its peer, both ways. (Does nothing as a plain test.)
#[test]
fn sync_child() {
    let Ok(dirs) = std::env::var(SYNC_CHILD_ENV) else {
        return;
    };
    let (a, b) = dirs.split_once('\n').unwrap();
    let ctx = || ticket_core::Context::new(Clock::system(), "child".to_string());
    let a = Silo::open(std::path::Path::new(a), ctx()).unwrap();
    let b = Silo::open(std::path::Path::new(b), ctx()).unwrap();
    a.sync(&b, Direction::Both, false).unwrap();
    println!("synced");
}

/// sync.md 2, "interrupted at any point (killed …) it leaves both sides as they were or as they
/// would be after it, and running it again finishes the job": a child process syncing two
/// copies (each with hundreds of offline tickets, all numbers clashing) is killed after a growing delay; after each
/// kill both sides rebuild to what they hold (no half change set), each side has either all or
/// none of what the other sent it, and a sync run to the end makes them equal.
#[test]
fn a_sync_killed_at_any_moment_leaves_both_sides_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = a_silo_and_its_clone(dir.path(), "shared");
    const PER_ROUND: u64 = 300;
    let fill = |s: &Silo, side: &str| {
        let mut batch = s.batch();
        for i in 0..PER_ROUND {
            batch.add(ticket_core::NewTicket {
                title: format!("{side} {i}"),
                tags: vec![side.to_string()],
                properties: vec![("Side".into(), side.into())],
                entries: vec![(format!("written on {side}"), 1)],
                ..Default::default()
            });
        }
        batch.commit().unwrap();
    };
    let (a_dir, b_dir) = (a.address().to_path_buf(), b.address().to_path_buf());
    let count = |s: &Silo, tag: &str| s.count(&format!("g={tag}")).unwrap();
    let mut finished = 0;
    let delays = [0u64, 10, 30, 60, 120];
    for (round, delay_ms) in delays.into_iter().enumerate() {
        fill(&a, &format!("a{round}"));
        fill(&b, &format!("b{round}"));
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["sync_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(
                SYNC_CHILD_ENV,
                format!("{}\n{}", a_dir.display(), b_dir.display()),
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if String::from_utf8_lossy(&out.stdout).contains("synced") {
            finished += 1;
        }
        for (s, other) in [(&a, "b"), (&b, "a")] {
            // all or nothing of what the other side sent, round by round
            for r in 0..=round {
                let got = count(s, &format!("{other}{r}"));
                assert!(
                    got == 0 || got == PER_ROUND,
                    "round {round}: {got} of {other}{r}"
                );
            }
            let before = dump(s);
            s.rebuild().unwrap();
            assert_eq!(dump(s), before, "round {round}: a half-applied change set");
        }
    }
    a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(export(&a), export(&b));
    assert_eq!(
        a.count("").unwrap(),
        1 + 2 * delays.len() as u64 * PER_ROUND
    );
    let again = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(again.pulled.records + again.pushed.records, 0);
    // the kills must have interrupted some syncs for the test to mean anything
    assert!(finished < delays.len(), "no sync was interrupted");
}

/// The timeline learns which sets are undone from the undo records' partial index, not by
/// scanning the log (a full scan of 14M records on a 1M silo for every `ticket log`).
#[test]
fn undone_sets_are_read_from_their_index() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("one", None, "").unwrap();
    silo.add_tag("1", "x").unwrap();
    let report = silo.undo(None).unwrap();
    let timeline = silo.timeline(None, None, None, 10).unwrap();
    assert!(timeline.iter().any(|s| s.id == report.undone && s.undone));
    let conn = rusqlite::Connection::open(silo.dir().join("silo.db")).unwrap();
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT value FROM changes WHERE op = 16",
            [],
            |r| r.get(3),
        )
        .unwrap();
    // a scan of the partial index, which holds only undo records
    assert!(plan.contains("COVERING INDEX changes_undo"), "{plan}");
}

/// A sync tells its steps as they start, with the counts about to move (what the CLI's
/// progress display shows); a sync with nothing to move only compares.
#[test]
fn a_sync_reports_its_steps_as_they_start() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = a_silo_and_its_clone(dir.path(), "one");
    a.add_tag("1", "from-a").unwrap();
    b.add_tag("1", "from-b").unwrap();
    b.add_tag("1", "again-b").unwrap();
    let mut steps = Vec::new();
    let report = a
        .sync_with_progress(&b, Direction::Both, false, &mut |s| steps.push(s))
        .unwrap();
    let moved = |sets, records| ticket_core::Moved {
        change_sets: sets,
        records,
        ..Default::default()
    };
    assert_eq!(
        steps,
        vec![
            ticket_core::SyncStep::Comparing,
            ticket_core::SyncStep::Sending(moved(1, 1)),
            ticket_core::SyncStep::Receiving(moved(2, 2)),
        ]
    );
    assert_eq!(report.pulled.records, 2);
    steps.clear();
    a.sync_with_progress(&b, Direction::Both, false, &mut |s| steps.push(s))
        .unwrap();
    assert_eq!(steps, vec![ticket_core::SyncStep::Comparing]);
}

/// sync.md 2: a second `Child_Of` made on another copy replaces the first (the later in replay
/// order wins), with the old parent's `Parent_Of`; the report lists the repair; both copies
/// agree, a second sync moves nothing, and a rebuild gives the same tables.
#[test]
fn a_second_parent_from_another_copy_is_repaired_the_same_on_both() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    for t in ["child", "parent on a", "parent on b"] {
        a.new_ticket(t, None, "").unwrap();
    }
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    a.add_property("1", "Child_Of", "2").unwrap();
    b.add_property("1", "Child_Of", "3").unwrap();
    let report = a.sync(&b, Direction::Both, false).unwrap();
    let text = report.to_string();
    assert!(text.contains("repaired"), "{text}");
    assert!(text.contains("one parent"), "{text}");
    for s in [&a, &b] {
        let child = s.get("1").unwrap();
        let parents = child.get("Child_Of");
        assert_eq!(parents.len(), 1, "{parents:?}");
        let parent = &parents[0];
        let other = if *parent == "2" { "3" } else { "2" };
        assert_eq!(s.get(parent).unwrap().get("Parent_Of"), vec!["1"]);
        assert!(s.get(other).unwrap().get("Parent_Of").is_empty());
        let before = dump(s);
        s.rebuild().unwrap();
        assert_eq!(dump(s), before);
    }
    assert_eq!(
        a.get("1").unwrap().get("Child_Of"),
        b.get("1").unwrap().get("Child_Of")
    );
    assert_eq!(export(&a), export(&b));
    let again = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!((again.pulled.records, again.pushed.records), (0, 0));
}

/// sync.md 2: a cycle two copies closed from both ends (1 Child_Of 2 here, 2 Child_Of 1
/// there): the relation that closes it in replay order is dropped with its mirror, on both
/// copies alike, and the report says so.
#[test]
fn a_cycle_closed_from_both_ends_is_repaired_the_same_on_both() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    a.new_ticket("one", None, "").unwrap();
    a.new_ticket("two", None, "").unwrap();
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    a.add_property("1", "Blocks", "2").unwrap();
    b.add_property("2", "Blocks", "1").unwrap();
    let report = a.sync(&b, Direction::Both, false).unwrap();
    assert!(report.to_string().contains("cycle"), "{report}");
    for s in [&a, &b] {
        let one = s.get("1").unwrap();
        let two = s.get("2").unwrap();
        let edges = one.get("Blocks").len() + two.get("Blocks").len();
        assert_eq!(edges, 1, "exactly one direction stays");
        // mirrors agree with what stayed
        assert_eq!(one.get("Blocks").len(), two.get("Blocked_By").len());
        assert_eq!(two.get("Blocks").len(), one.get("Blocked_By").len());
        let before = dump(s);
        s.rebuild().unwrap();
        assert_eq!(dump(s), before);
    }
    assert_eq!(
        a.get("1").unwrap().get("Blocks"),
        b.get("1").unwrap().get("Blocks")
    );
    assert_eq!(export(&a), export(&b));
}

/// Two copies of a silo with tickets titled `titles`, the second a clone of the first.
fn two_copies(dir: &std::path::Path, titles: &[&str]) -> (Silo, Silo) {
    let a = new_silo(dir);
    for t in titles {
        a.new_ticket(t, None, "").unwrap();
    }
    let b = Silo::clone_silo(a.address(), &dir.join("b"), ctx_at(NOW)).unwrap();
    (a, b)
}

/// Syncs both ways; then both copies have the same export, each equal to its own rebuild, and
/// a second sync moves nothing. Returns the report's text.
fn sync_and_check(a: &Silo, b: &Silo) -> String {
    let report = a.sync(b, Direction::Both, false).unwrap();
    assert_eq!(export(a), export(b));
    for s in [a, b] {
        let before = dump(s);
        s.rebuild().unwrap();
        assert_eq!(dump(s), before, "rebuild equals the state the sync left");
    }
    let again = a.sync(b, Direction::Both, false).unwrap();
    assert_eq!((again.pulled.records, again.pushed.records), (0, 0));
    assert_merge_links(a);
    report.to_string()
}

/// A change set that replays after everything the copy wrote so far and before nothing
/// another copy writes next: with the fixed clock, a copy that writes one set more than the
/// other has its next set replayed last.
fn write_filler(s: &Silo) {
    s.add_tag("1", "filler").unwrap();
}

/// sync.md 2: two copies merge two tickets into each other (1 into 2 here, 2 into 1 there).
/// The merge that closes the cycle in replay order is dropped with its back-link, and its
/// ticket gets back the status it had before (In progress); the other merge stays. Both copies
/// agree, the report and the dropped merge's history say what was repaired.
#[test]
fn a_cycle_of_merges_made_on_two_copies_is_repaired_the_same_on_both() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    for t in ["one", "two"] {
        let n = a.new_ticket(t, None, "").unwrap();
        a.set_status(n.as_str(), "i", None).unwrap();
    }
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    a.set_status("1", "merged", Some("2")).unwrap();
    b.set_status("2", "merged", Some("1")).unwrap();
    let text = sync_and_check(&a, &b);
    assert!(text.contains("repaired"), "{text}");
    assert!(text.contains("a cycle of merges"), "{text}");
    for s in [&a, &b] {
        let (one, two) = (s.get("1").unwrap(), s.get("2").unwrap());
        let (merged, survivor) = if one.status == ticket_core::Status::Merged {
            (one, two)
        } else {
            (two, one)
        };
        assert_eq!(merged.status, ticket_core::Status::Merged);
        assert_eq!(survivor.status, ticket_core::Status::InProgress);
        assert_eq!(merged.get("Closed_Via"), vec![survivor.number.as_str()]);
        assert_eq!(survivor.get("Merged"), vec![merged.number.as_str()]);
        assert!(survivor.get("Closed_Via").is_empty());
        assert!(merged.get("Merged").is_empty());
        // the history of the ticket whose merge was dropped says so at that record
        let repairs = repairs_in_history(s, survivor.number.as_str());
        assert_eq!(repairs.len(), 1, "{repairs:?}");
        assert!(repairs[0].contains("dropped"), "{repairs:?}");
        let again = format!("is {} again", ticket_core::Status::InProgress.name());
        assert!(repairs[0].contains(&again), "{repairs:?}");
    }
}

/// sync.md 2: a `Merged` chain (1 merged into 2 on one copy, 2 into 3 on the other) is
/// followed to its survivor, whichever merge replays first: both merged tickets point at 3,
/// 3 holds both back-links, 2 none, on both copies; the report and the history say so.
#[test]
fn a_merge_chain_made_on_two_copies_points_at_the_survivor_in_either_order() {
    for chain_last in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = two_copies(dir.path(), &["one", "two", "three"]);
        // the copy that writes a filler first has its merge replayed last
        if chain_last {
            write_filler(&b);
        } else {
            write_filler(&a);
        }
        a.set_status("1", "merged", Some("2")).unwrap();
        b.set_status("2", "duplicate", Some("3")).unwrap();
        let text = sync_and_check(&a, &b);
        assert!(text.contains("repaired"), "{text}");
        for s in [&a, &b] {
            let (one, two, three) = (
                s.get("1").unwrap(),
                s.get("2").unwrap(),
                s.get("3").unwrap(),
            );
            assert_eq!(one.status, ticket_core::Status::Merged);
            assert_eq!(two.status, ticket_core::Status::Duplicate);
            assert_eq!(one.get("Closed_Via"), vec!["3"], "{chain_last}");
            assert_eq!(two.get("Closed_Via"), vec!["3"]);
            assert_eq!(three.get("Merged"), vec!["1"]);
            assert_eq!(three.get("Duplicate"), vec!["2"]);
            assert!(two.get("Merged").is_empty(), "{:?}", two.properties);
            // the repair is in the history of the record that met the chain
            let (at, words) = if chain_last {
                ("2", "1, merged into 2, now points at 3 too")
            } else {
                ("1", "2 is itself merged into 3, so 1 points at 3")
            };
            assert_eq!(
                repairs_in_history(s, at),
                vec![format!(
                    "{at} Closed_Via {}: {words}",
                    if chain_last { "3" } else { "2" }
                )]
            );
            assert!(text.contains(words), "{text}");
        }
        // and the survivor is a normal ticket afterwards: reopening 1 undoes its link
        a.set_status("1", "open", None).unwrap();
        let one = a.get("1").unwrap();
        assert!(one.get("Closed_Via").is_empty());
        assert_eq!(a.get("3").unwrap().get("Merged"), Vec::<String>::new());
        sync_and_check(&a, &b);
    }
}

/// sync.md 2: a merge on one copy and a status change of the same ticket on the other,
/// the status change replayed last: the later status wins, as for any single-valued field,
/// and the merge's links go with it (a ticket that is not merged has no `Closed_Via`).
#[test]
fn a_status_changed_on_another_copy_after_a_merge_removes_the_merge_links() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_copies(dir.path(), &["one", "two"]);
    write_filler(&b);
    a.set_status("1", "merged", Some("2")).unwrap();
    b.set_status("1", "closed", None).unwrap();
    let text = sync_and_check(&a, &b);
    assert!(text.contains("Closed_Via 2 removed"), "{text}");
    for s in [&a, &b] {
        let one = s.get("1").unwrap();
        assert_eq!(one.status, ticket_core::Status::Closed);
        assert!(one.get("Closed_Via").is_empty());
        assert!(s.get("2").unwrap().get("Merged").is_empty());
        assert_eq!(repairs_in_history(s, "1").len(), 1);
    }
}

/// sync.md 2: one ticket merged into two different tickets on two copies: the later in
/// replay order wins (one `Closed_Via`), the first target loses its back-link.
#[test]
fn a_ticket_merged_into_different_tickets_on_two_copies_keeps_the_later_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_copies(dir.path(), &["one", "two", "three"]);
    write_filler(&b);
    a.set_status("1", "merged", Some("2")).unwrap();
    b.set_status("1", "duplicate", Some("3")).unwrap();
    let text = sync_and_check(&a, &b);
    assert!(text.contains("replaces Closed_Via 2"), "{text}");
    for s in [&a, &b] {
        let one = s.get("1").unwrap();
        assert_eq!(one.status, ticket_core::Status::Duplicate);
        assert_eq!(one.get("Closed_Via"), vec!["3"]);
        assert!(s.get("2").unwrap().get("Merged").is_empty());
        assert_eq!(s.get("3").unwrap().get("Duplicate"), vec!["1"]);
    }
}

/// Merging a ticket that others were merged into (the write path allows it) takes them along:
/// no chain is left, and the history says so at the record.
#[test]
fn merging_a_ticket_that_others_were_merged_into_takes_them_along() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    merge_into_a_merged_ticket(&a);
    assert_chain_followed(&a);
}

/// sync.md 2: three copies merge 1 into 2, 2 into 3 and 3 into 1: whatever the replay order,
/// one ticket survives, the other two point at it, and the merge that closed the cycle is
/// dropped and reported, the same on every copy.
#[test]
fn a_cycle_of_merges_made_by_three_copies_leaves_one_survivor() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_copies(dir.path(), &["one", "two", "three"]);
    let c = Silo::clone_silo(a.address(), &dir.path().join("c"), ctx_at(NOW)).unwrap();
    a.set_status("1", "merged", Some("2")).unwrap();
    b.set_status("2", "merged", Some("3")).unwrap();
    c.set_status("3", "merged", Some("1")).unwrap();
    let mut text = sync_and_check(&a, &b);
    text.push_str(&sync_and_check(&b, &c));
    text.push_str(&sync_and_check(&a, &c));
    assert!(text.contains("a cycle of merges"), "{text}");
    for s in [&a, &b, &c] {
        assert_eq!(export(s), export(&a));
        assert_merge_links(s);
        let open: Vec<String> = ["1", "2", "3"]
            .into_iter()
            .filter(|n| s.get(n).unwrap().status == ticket_core::Status::Open)
            .map(String::from)
            .collect();
        assert_eq!(open.len(), 1, "one survivor: {open:?}");
        let dropped: Vec<String> = ["1", "2", "3"]
            .into_iter()
            .flat_map(|n| repairs_in_history(s, n))
            .filter(|r| r.contains("dropped"))
            .collect();
        assert_eq!(dropped.len(), 1, "{dropped:?}");
    }
}

/// sync.md 2 (found by `copies_converge_whatever_the_schedule`): 1 merged into 2 on both
/// copies; then one copy reopens 1 while the other merges it into 3 instead, the re-merge
/// replayed last. The re-merge's set carries its status record even though 1 was merged
/// already there, so it wins whole: 1 is merged into 3 on both copies, not left open with a
/// `Closed_Via`.
#[test]
fn a_re_merge_replayed_after_a_reopen_on_another_copy_wins_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_copies(dir.path(), &["one", "two", "three"]);
    a.set_status("1", "merged", Some("2")).unwrap();
    sync_and_check(&a, &b);
    write_filler(&a);
    b.set_status("1", "open", None).unwrap();
    a.set_status("1", "merged", Some("3")).unwrap();
    sync_and_check(&a, &b);
    for s in [&a, &b] {
        let one = s.get("1").unwrap();
        assert_eq!(one.status, ticket_core::Status::Merged);
        assert_eq!(one.get("Closed_Via"), vec!["3"]);
        assert!(s.get("2").unwrap().get("Merged").is_empty());
        assert_eq!(s.get("3").unwrap().get("Merged"), vec!["1"]);
    }
}

/// A bundle whose merge set has no status record (as an earlier build wrote a re-merge of a
/// ticket merged already), applied where the ticket is open: the status stands, the
/// `Closed_Via` and its back-link are dropped, and the repair is in the history.
#[test]
fn a_merge_link_without_its_status_on_an_open_ticket_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_copies(dir.path(), &["one", "two"]);
    a.set_status("1", "merged", Some("2")).unwrap();
    let mut file = Vec::new();
    use ticket_core::Peer;
    a.bundle_create(Some(&b.summary().unwrap()), &mut file)
        .unwrap();
    let mut bundle: serde_json::Value = serde_json::from_slice(&file).unwrap();
    let history = bundle["tickets"][0]["history"].as_array_mut().unwrap();
    assert_eq!(history[0]["op"], "status", "{history:?}");
    history.remove(0);
    let report = b.bundle_apply(&bundle.to_string()).unwrap();
    assert_eq!(report.pulled.records, 2);
    let one = b.get("1").unwrap();
    assert_eq!(one.status, ticket_core::Status::Open);
    assert!(one.get("Closed_Via").is_empty(), "{:?}", one.properties);
    assert!(b.get("2").unwrap().get("Merged").is_empty());
    assert_merge_links(&b);
    assert_eq!(
        repairs_in_history(&b, "1"),
        vec!["1 Closed_Via 2: dropped, 1 is Open (its status was changed on another copy)"]
    );
    let before = dump(&b);
    b.rebuild().unwrap();
    assert_eq!(dump(&b), before);
}

/// sync.md 2 (found by `copies_converge_whatever_the_schedule`): 1 is a duplicate of 3 on
/// both copies; one copy makes it a merge instead (the back-link on 3 becomes `Merged 1`),
/// the other reopens 1, replayed last. The reopen's removal of the back-link names the kind it
/// saw (`Duplicate`); it removes the back-link to 1 whatever its kind, so 3 is left with none.
#[test]
fn a_reopen_removes_the_back_link_whatever_kind_another_copy_gave_it() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_copies(dir.path(), &["one", "two", "three"]);
    a.set_status("1", "duplicate", Some("3")).unwrap();
    sync_and_check(&a, &b);
    write_filler(&b);
    a.set_status("1", "merged", Some("3")).unwrap();
    b.set_status("1", "open", None).unwrap();
    sync_and_check(&a, &b);
    for s in [&a, &b] {
        let one = s.get("1").unwrap();
        assert_eq!(one.status, ticket_core::Status::Open);
        assert!(one.get("Closed_Via").is_empty());
        let three = s.get("3").unwrap();
        assert!(three.get("Merged").is_empty(), "{:?}", three.properties);
        assert!(three.get("Duplicate").is_empty(), "{:?}", three.properties);
    }
}

/// A bundle of everything, applied to a copy that lacks one change set, reports that one set
/// and its record (it reported every set the bundle carried); applied again, nothing.
#[test]
fn a_bundle_reports_the_change_sets_it_added_not_those_it_carried() {
    let dir = tempfile::tempdir().unwrap();
    let a = Silo::create(&silo_address(dir.path(), "a"), ctx_at(NOW)).unwrap();
    for i in 0..3 {
        a.new_ticket(&format!("t{i}"), None, "").unwrap();
    }
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    a.add_tag("1", "later").unwrap();
    let mut everything = Vec::new();
    a.bundle_create(None, &mut everything).unwrap();
    let text = std::str::from_utf8(&everything).unwrap();
    let report = b.bundle_apply(text).unwrap();
    assert_eq!((report.pulled.change_sets, report.pulled.records), (1, 1));
    assert_eq!(export(&a), export(&b));
    let again = b.bundle_apply(text).unwrap();
    assert_eq!((again.pulled.change_sets, again.pulled.records), (0, 0));
}

/// An undo on a copy that has written nothing itself (a fresh clone) says so and names the
/// way out, instead of "invalid undo ''".
#[test]
fn undo_on_a_copy_that_wrote_nothing_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let a = Silo::create(&silo_address(dir.path(), "a"), ctx_at(NOW)).unwrap();
    a.new_ticket("made on a", None, "").unwrap();
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    let before = export(&b);
    let err = b.undo(None).err().unwrap();
    assert!(
        matches!(err, ticket_core::Error::CannotUndo { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "cannot undo change set of this copy: this copy has written none yet (name another \
         copy's change set: `ticket log` lists them); nothing was changed"
    );
    assert_eq!(export(&b), before);
}
