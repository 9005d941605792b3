import sqlite3

import pytest

import ticket


def make_tkts(path):
    c = sqlite3.connect(path)
    c.executescript(
        """
        CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL DEFAULT 'Open',
          title TEXT NOT NULL, desc TEXT, client TEXT, project TEXT, owner TEXT, time INTEGER, created_on TEXT);
        CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, tkt_num INTEGER, log TEXT, user TEXT,
          time INTEGER, created_on TEXT);
        INSERT INTO tickets (status, title, desc, client, project, owner, time, created_on)
          VALUES ('Open', 'Email outage', 'mail is down', 'ACME', 'Infra', 'durrendal', 45, '2023-05-01 10:00:00');
        INSERT INTO records (tkt_num, log, user, time, created_on)
          VALUES (1, 'restarted postfix', 'durrendal', 30, '2023-05-01 11:00:00');
        """
    )
    c.commit()
    c.close()


def test_tkts_import_time_report_and_lists(silo, tmp_path):
    db = tmp_path / "tkts.db"
    make_tkts(db)
    created = silo.import_tkts(db)
    assert len(created) == 1
    assert silo.import_tkts(db) == []  # idempotent
    t = silo.get(created[0])
    assert t.get("Client") == ["ACME"]
    assert t.entries[0].author == "durrendal" and t.entries[0].minutes == 30
    report = silo.time_report("Client")
    assert report["rows"] == [("ACME", 30, None)]
    assert report["total_minutes"] == 30
    assert silo.list_tags() == []
    assert ("Client", 1) in silo.list_property_keys()
    assert silo.list_property_values("client") == [("ACME", 1)]
    with pytest.raises(ticket.InvalidInput):
        silo.time_report("Client", date_from="someday")
    # the core's rules, the same as the command line's
    for bad in (dict(date_from="9999-12-31+1d"), dict(date_from="2024-02-30"),
                dict(date_from="2024-03-10", date_to="2024-03-01")):
        with pytest.raises(ticket.InvalidInput):
            silo.time_report("Client", **bad)
    with pytest.raises(ticket.InvalidInput):
        silo.time_report("")


def test_bad_sources_raise_import_failed(silo, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite")
    with pytest.raises(ticket.ImportFailed):
        silo.import_tkts(junk)
    with pytest.raises(ticket.ImportFailed):
        silo.import_fossil(junk)
    assert silo.count() == 0


def test_time_report_money_is_decimal(tmp_path):
    from decimal import Decimal

    from conftest import NOW

    path = tmp_path / "billed"
    ticket.Silo.create(path, now=NOW, user="alice")
    (path / "silo.json").write_text('{"time": {"rate_per_hour": 75.5, "currency": "EUR"}}')
    silo = ticket.Silo.open(path, now=NOW, user="alice")
    t = silo.new_ticket("Billable")
    silo.add_property(t.number, "Client", "ACME")
    silo.add_entry(t.number, "work", minutes=7153)
    report = silo.time_report("Client")
    assert report["rows"] == [("ACME", 7153, Decimal("9000.86"))]
    assert report["total_cost"] == Decimal("9000.86")
    assert str(report["total_cost"]) == "9000.86"
    assert report["currency"] == "EUR"
