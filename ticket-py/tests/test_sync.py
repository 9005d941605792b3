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
    assert a.get("1").get("Closed_Via") == ["3"]
    repaired = [c for c in a.history("2") if c.repair is not None]
    assert [c.repair for c in repaired] == [
        "2 Closed_Via 3: 1, merged into 2, now points at 3 too"
    ]
    assert repaired[0].to_dict()["repair"] == repaired[0].repair
    assert all(c.repair is None for c in a.history("1"))
    assert a.export("full") == b.export("full")
