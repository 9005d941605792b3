from datetime import timezone

import json
import pytest

import ticket

from conftest import NOW


def test_new_ticket_snapshot(silo):
    t = silo.new_ticket("Implement restic", summary="workstation backups")
    assert t.title == "Implement restic"
    assert t.summary == "workstation backups"
    assert t.status == "Open"
    assert len(t.uuid) == 32
    assert t.opened.tzinfo is not None
    assert t.opened.astimezone(timezone.utc).replace(microsecond=0) == NOW
    assert "Implement restic" in repr(t)


def test_tags_properties_and_dates(silo):
    t = silo.new_ticket("Backups")
    silo.add_tag(t.number, "backup")
    silo.add_tag(t.number, "BACKUP")  # same tag, case-insensitive
    silo.add_property(t.number, "Deadline", "+2w")
    silo.add_property(t.number, "Assigned", "phil")
    got = silo.get(t.number)
    assert got.tags == ["backup"]
    assert got.get("deadline") == ["2024-03-27"]
    assert got.get("ASSIGNED") == ["phil"]
    silo.change_property(t.number, "Assigned", "phil", "anna")
    assert silo.get(t.number).get("Assigned") == ["anna"]
    silo.remove_property(t.number, "Assigned")
    assert silo.get(t.number).get("Assigned") == []
    silo.remove_tag(t.number, "Backup")
    assert silo.get(t.number).tags == []


def test_entries_and_minutes(silo):
    t = silo.new_ticket("Backups")
    n1 = silo.add_entry(t.number, "installed restic", minutes=3)
    n2 = silo.add_entry(t.number, "first snapshot", minutes=20)
    assert (n1, n2) == (1, 2)
    got = silo.get(t.number)
    assert [e.text for e in got.entries] == ["installed restic", "first snapshot"]
    assert got.entries[0].author == "alice"
    assert got.entries[0].at.tzinfo is not None
    assert got.total_minutes == 23
    silo.remove_entry(t.number, 1)
    got = silo.get(t.number)
    assert [e.n for e in got.entries] == [2]
    # the history keeps the removed entry
    ops = [c.op for c in silo.history(t.number)]
    assert "entry_remove" in ops


def test_attachments(silo, tmp_path):
    t = silo.new_ticket("Logs")
    f = tmp_path / "log.txt"
    f.write_bytes(b"hello")
    a = silo.copy_file(t.number, f, comment="the log")
    with pytest.raises(ticket.InvalidInput, match="control characters"):
        silo.add_attachment(t.number, "bad\0.txt", b"data")
    b = silo.add_attachment(t.number, "../../escape.txt", b"data")
    got = silo.get(t.number)
    assert [x.n for x in got.attachments] == [a, b]
    assert got.attachments[0].size == 5
    assert got.attachments[0].comment == "the log"
    assert len(got.attachments[0].sha256) == 64
    silo.remove_file(t.number, a)
    assert [x.n for x in silo.get(t.number).attachments] == [b]


def test_status_and_merge(silo):
    a = silo.new_ticket("A")
    b = silo.new_ticket("B")
    silo.set_status(a.number, "in progress")
    assert silo.get(a.number).status == "In_Progress"
    silo.set_status(a.number, "m", b.number)
    assert silo.get(a.number).status == "Merged"
    assert silo.get(a.number).get("Closed_Via") == [b.number]
    assert silo.get(b.number).get("Merged") == [a.number]


def test_history_describes_changes(silo):
    t = silo.new_ticket("A")
    silo.set_title(t.number, "B")
    history = silo.history(t.number)
    assert history[0].op == "create"
    assert all(c.author == "alice" for c in history)
    assert any(c.op == "set" and c.old_value == "A" and c.new_value == "B" for c in history)
    assert "B" in repr(history[-1]) or history[-1].description


def test_edit_is_one_change_set(silo):
    t = silo.new_ticket("A")
    with silo.edit(t.number) as e:
        e.add_tag("risk")
        e.add_property("Initial_Risk", "low")
        e.add_entry("assessed", minutes=5)
    got = silo.get(t.number)
    assert got.tags == ["risk"]
    assert got.get("Initial_Risk") == ["low"]
    sets = {c.set_id for c in silo.history(t.number) if c.op != "create" and c.key != "title"}
    assert len(sets) == 1


def test_edit_discarded_when_block_raises(silo):
    t = silo.new_ticket("A")
    with pytest.raises(KeyError):
        with silo.edit(t.number) as e:
            e.add_tag("risk")
            raise KeyError("boom")
    assert silo.get(t.number).tags == []


def test_edit_with_bad_change_writes_nothing(silo):
    t = silo.new_ticket("A")
    with pytest.raises(ticket.TicketError):
        with silo.edit(t.number) as e:
            e.add_tag("fine")
            e.add_property("Deadline", "not a date")
    assert silo.get(t.number).tags == []


def test_open_existing_and_user(tmp_path):
    path = tmp_path / "s"
    ticket.Silo.create(path, now=NOW, user="alice").new_ticket("first")
    s = ticket.Silo.open(path, now=NOW, user="bob")
    n = s.numbers()[0]
    s.add_entry(n, "hi")
    assert s.get(n).entries[0].author == "bob"


def test_export_and_import_round_trip(silo, tmp_path):
    t = silo.new_ticket("Exported", summary="travels")
    silo.add_tag(t.number, "moving")
    import json
    data = json.loads(silo.export("json", search="s:*"))
    assert [d["title"] for d in data] == ["Exported"]
    full = silo.export("full", search="s:*")
    other = ticket.Silo.create(tmp_path / "other", now=NOW, user="bob")
    created = other.import_json_text(full)
    assert len(created) == 1
    # import_json takes a path, like the other imports
    path = tmp_path / "full.json"
    path.write_text(full)
    third = ticket.Silo.create(tmp_path / "third", now=NOW, user="bob")
    assert len(third.import_json(path)) == 1
    assert third.import_json(str(path)) == []
    assert other.get(created[0]).tags == ["moving"]
    with pytest.raises(ticket.TicketError):
        silo.export("yaml")


def test_edit_methods_chain_into_one_change_set(silo):
    t = silo.new_ticket("Chained")
    e = silo.edit(t.number)
    assert e.add_tag("risk").add_property("Owner", "ann").add_entry("noted", minutes=5) is e
    e.commit()
    got = silo.get(t.number)
    assert got.tags == ["risk"] and got.get("Owner") == ["ann"]
    assert len({c.set_id for c in silo.history(t.number)}) == 2  # the creation and the edit


def test_to_dict_is_the_export_shape(silo):
    t = silo.new_ticket("Shape", summary="s")
    silo.add_tag(t.number, "a; b")
    silo.add_property(t.number, "K", "x=y")
    silo.add_entry(t.number, "work", minutes=15)
    d = silo.get(t.number).to_dict()
    exported = json.loads(silo.export("json"))
    assert d["properties"] == [{"key": "K", "value": "x=y"}]
    assert d["tags"] == ["a; b"]
    assert d["opened"] == "2024-03-13T09:00:00.000000Z"
    assert d["entries"][0]["text"] == "work" and d["entries"][0]["at"].endswith("Z")
    assert d["deadline_state"] is None and d["total_minutes"] == 15
    json.dumps(d)  # plain JSON data
    row = next(iter(silo.search("")))
    assert "entries" not in row.to_dict()
    assert exported[0] == {k: v for k, v in d.items() if k not in ("entries", "attachments")}


def test_snapshots_compare_equal_when_equal(silo):
    t = silo.new_ticket("Same")
    assert silo.get(t.number) == silo.get(int(t.number))
    first = silo.get(t.number)
    silo.add_tag(t.number, "changed")
    assert silo.get(t.number) != first


def test_the_module_docstring_tour_runs(tmp_path, monkeypatch, capsys):
    doc = ticket.__doc__
    assert doc is not None and "A tour" in doc
    start = doc.index("::\n") + 3
    lines = []
    for line in doc[start:].splitlines():
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line[4:])
    code = "\n".join(lines)
    assert "Silo.create" in code
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "ticket.__doc__", "exec"), {})
    out = capsys.readouterr().out
    assert "1 Backups fail ['bug']" in out
    assert "['create'" in out


def test_without_a_user_the_author_is_the_os_user_as_in_the_cli(tmp_path, monkeypatch):
    pwd = pytest.importorskip("pwd")
    import os

    for var in ("TICKET_USER", "USER", "USERNAME"):
        monkeypatch.delenv(var, raising=False)
    s = ticket.Silo.create(tmp_path / "s", now=NOW)
    t = s.new_ticket("by whoever runs this")
    assert s.history(t.number)[0].author == pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("USER", "someone")
    s2 = ticket.Silo.open(tmp_path / "s", now=NOW)
    s2.add_tag(t.number, "x")
    assert s2.history(t.number)[-1].author == "someone"


def test_get_file_gives_an_attachments_content_back(silo):
    n = silo.new_ticket("Logs").number
    item = silo.add_attachment(n, "smart.log", b"\x00reallocated: 8\n", comment="SMART")
    assert silo.get_file(n, item) == b"\x00reallocated: 8\n"
    assert silo.get_file(int(n), item) == b"\x00reallocated: 8\n"
    silo.remove_file(n, item)
    with pytest.raises(ticket.InvalidInput, match="has no attachment"):
        silo.get_file(n, item)
    with pytest.raises(ticket.InvalidInput):
        silo.get_file(n, -1)
    with pytest.raises(ticket.NotFound):
        silo.get_file("999", 1)


def test_set_config_validates_replaces_and_is_logged(silo, tmp_path):
    before = silo.config_text()
    rules = '{"vrules_pk_required": [{"selector": "g=risk", "key": "Owner"}]}'
    silo.set_config(rules)
    assert json.loads(silo.config_text()) == json.loads(rules)
    n = silo.new_ticket("A risk").number
    with pytest.raises(ticket.ValidationError):
        silo.add_tag(n, "risk")
    # another handle on the same silo sees it
    other = ticket.Silo.open(silo.path, now=NOW)
    assert json.loads(other.config_text()) == json.loads(rules)
    # a configuration that does not validate changes nothing
    with pytest.raises(ticket.ConfigError):
        silo.set_config("{ not json")
    assert json.loads(silo.config_text()) == json.loads(rules)
    assert before != silo.config_text()
    # the change set that replaced it is in the timeline, without records
    assert any(s["changes"] == [] for s in silo.log(limit=5))
