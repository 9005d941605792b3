"""Copies that travel: clone, sync, bundles, undo and the timeline from Python."""
from datetime import datetime, timezone

import pytest

import ticket

from conftest import NOW


def test_clone_sync_and_number_clash(tmp_path):
    a = ticket.Silo.create(tmp_path / "a", now=NOW, user="alice")
    a.new_ticket("shared")
    b = ticket.Silo.clone(tmp_path / "a", tmp_path / "b", now=NOW, user="bob")
    assert b.replica_id != a.replica_id
    assert a.new_ticket("a's two").number == "2"
    assert b.new_ticket("b's two").number == "2"
    b.add_tag("1", "from-b")
    dry = a.sync(tmp_path / "b", dry_run=True)
    assert dry.dry_run and dry.pulled_change_sets == 2
    assert a.count() == 2
    report = a.sync(tmp_path / "b")
    assert report.pulled_records > 0 and report.pushed_records > 0
    assert len(report.renumbered) == 1
    uuid, replica, was, now = report.renumbered[0]
    assert (was, now) == ("2", "3")
    assert "is now 3" in str(report)
    again = a.sync(tmp_path / "b")
    assert (again.pulled_records, again.pushed_records) == (0, 0)
    assert a.export("full") == b.export("full")
    assert (again.repairs, again.conflicts, again.violations) == ([], [], [])
    with pytest.raises(ticket.InvalidInput):
        a.sync(tmp_path / "b", pull=True, push=True)


def test_bundles(tmp_path):
    a = ticket.Silo.create(tmp_path / "a", now=NOW, user="alice")
    a.new_ticket("one")
    b = ticket.Silo.clone(tmp_path / "a", tmp_path / "b", now=NOW)
    a.add_entry("1", "on a", minutes=5)
    sets, records = a.bundle_create(tmp_path / "x.bundle", since=tmp_path / "b")
    assert (sets, records) == (1, 1)
    report = b.bundle_apply(tmp_path / "x.bundle")
    assert report.pulled_records == 1
    assert [e.text for e in b.get("1").entries] == ["on a"]
    with pytest.raises(ticket.TicketError):
        b.bundle_apply(tmp_path / "missing.bundle")
    # since a bundle file: what is not in it (everything b lacked before x.bundle, and what
    # came after); b adds only the new tag
    everything = a.bundle_create(tmp_path / "all.bundle")
    a.add_tag("1", "later")
    assert a.bundle_create(tmp_path / "y.bundle", since=tmp_path / "all.bundle") == (1, 1)
    assert b.bundle_apply(tmp_path / "y.bundle").pulled_records == 1
    assert b.get("1").tags == ["later"]
    assert everything[0] >= 2


def test_undo_and_log(silo):
    silo.new_ticket("one")
    silo.add_tag("1", "oops")
    undo = silo.undo()
    assert undo.tickets == ["1"] and undo.records == 1
    assert silo.get("1").tags == []
    log = silo.log()
    assert log[0]["changes"][0] == ("1", "undid change set " + undo.undone)
    assert any(s["id"] == undo.undone and s["undone"] for s in log)
    assert isinstance(log[0]["at"], datetime)
    silo.undo()  # undo of the undo
    assert silo.get("1").tags == ["oops"]
    assert len(silo.log("t:one", limit=2)) == 2
    assert silo.log(author="nobody") == []
    later = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert silo.log(since=later) == []
    with pytest.raises(ticket.TicketError, match="cannot be undone"):
        silo.undo(silo.log()[-1]["id"])
    with pytest.raises(ticket.InvalidInput):
        silo.log(limit=-1)


def _ticket_bin():
    """The `ticket` binary run-tests.sh builds (TICKET_BIN), for a real `ticket serve`."""
    import os
    import shutil

    path = os.environ.get("TICKET_BIN") or shutil.which("ticket")
    if not path:
        pytest.fail("TICKET_BIN is not set: run the suite through ticket-py/run-tests.sh")
    return path


def test_sync_and_clone_with_a_ticket_serve(tmp_path):
    import os
    import subprocess
    import threading

    desk = ticket.Silo.create(tmp_path / "desk", now=NOW, user="alice")
    desk.new_ticket("Backups fail")
    token_file = tmp_path / "token"
    # its own (empty) silo list: the user's listed silos are not served
    env = dict(os.environ, TICKET_CONFIG=str(tmp_path / "config.json"))
    server = subprocess.Popen(
        [_ticket_bin(), "--silo", str(tmp_path / "desk"), "serve", "--port", "0",
         "--token-file", str(token_file)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        first = server.stdout.readline().strip()
        assert first.startswith("ticket serve: listening on "), first
        url = first[len("ticket serve: listening on "):]
        threading.Thread(target=server.stdout.read, daemon=True).start()
        token = token_file.read_text().strip()

        # without a token: a clear error, nothing made
        with pytest.raises(ticket.InvalidInput, match="needs the server's token"):
            ticket.Silo.clone(url, tmp_path / "laptop", token=None)
        assert not (tmp_path / "laptop").exists()
        with pytest.raises(ticket.InvalidInput, match="give the server's address"):
            desk.sync("http://", token=token)

        laptop = ticket.Silo.clone(url, tmp_path / "laptop", token=token, now=NOW, user="bob")
        assert [t.title for t in laptop.search("")] == ["Backups fail"]
        laptop.new_ticket("From the laptop")
        laptop.add_tag("1", "urgent")
        report = laptop.sync(url, token=token)
        assert report.pushed_change_sets == 2 and report.pulled_change_sets == 0
        again = laptop.sync(url, token=token)
        assert (again.pulled_records, again.pushed_records) == (0, 0)
        desk_now = ticket.Silo.open(tmp_path / "desk")
        assert desk_now.export("full") == laptop.export("full")
        assert desk_now.get("1").tags == ["urgent"]
    finally:
        server.kill()
        server.wait()


def test_a_conflict_is_reported(tmp_path):
    a = ticket.Silo.create(tmp_path / "a", now=NOW, user="alice")
    a.new_ticket("Backups fail")
    b = ticket.Silo.clone(tmp_path / "a", tmp_path / "b", now=NOW, user="bob")
    a.set_title("1", "Backups fail nightly")
    b.set_title("1", "Backups fail on Mondays")
    report = a.sync(tmp_path / "b")
    assert len(report.conflicts) == 1
    number, field, mine, theirs, kept = report.conflicts[0]
    assert (number, field, mine, theirs) == ("1", "title", "Backups fail nightly", "Backups fail on Mondays")
    assert a.get("1").title == kept == b.get("1").title
    assert "conflict: ticket 1 title" in str(report)


def test_a_merge_chain_is_repaired_and_the_repair_is_in_the_history(tmp_path):
    a = ticket.Silo.create(tmp_path / "a", now=NOW, user="alice")
    for title in ("one", "two", "three"):
        a.new_ticket(title)
    b = ticket.Silo.clone(tmp_path / "a", tmp_path / "b", now=NOW, user="bob")
    a.set_status("1", "merged", "2")
    # one change set more on b: its merge replays last
    b.add_tag("3", "filler")
    b.set_status("2", "merged", "3")
    report = a.sync(tmp_path / "b")
    assert "1, merged into 2, now points at 3 too" in str(report)
    assert any("now points at 3 too" in r for r in report.repairs)
    assert a.get("1").get("Closed_Via") == ["3"]
    repaired = [c for c in a.history("2") if c.repair is not None]
    assert [c.repair for c in repaired] == [
        "2 Closed_Via 3: 1, merged into 2, now points at 3 too"
    ]
    assert repaired[0].to_dict()["repair"] == repaired[0].repair
    assert all(c.repair is None for c in a.history("1"))
    assert a.export("full") == b.export("full")
