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
