"""Silo.create_many: many tickets in one change set, all or nothing."""
import pytest

import ticket


def test_create_many_creates_every_field_in_one_change_set(silo):
    numbers = silo.create_many(
        [
            {
                "title": "Disk full",
                "summary": "on the backup host",
                "tags": ["risk", "backup"],
                "properties": {"Assigned": "phil", "Deadline": "2024-03-20"},
                "entries": ["df says 100%", ("cleaned /tmp", 15)],
            },
            {"title": "Printer jam", "status": "In_Progress", "properties": [("Client", "acme"), ("Client", "globex")]},
            {"title": "Bare"},
        ]
    )
    assert numbers == ["1", "2", "3"]
    a = silo.get("1")
    assert (a.title, a.summary, sorted(a.tags)) == ("Disk full", "on the backup host", ["backup", "risk"])
    assert a.get("assigned") == ["phil"] and a.get("deadline") == ["2024-03-20"]
    assert [(e.text, e.minutes) for e in a.entries] == [("df says 100%", 0), ("cleaned /tmp", 15)]
    b = silo.get("2")
    assert b.status == "In_Progress" and sorted(b.get("Client")) == ["acme", "globex"]
    # one change set for the whole batch
    sets = {c.set_id for n in numbers for c in silo.history(n)}
    assert len(sets) == 1
    assert silo.count("g=risk") == 1


def test_create_many_accepts_any_iterable(silo):
    numbers = silo.create_many({"title": f"t{i}", "tags": ["gen"]} for i in range(50))
    assert len(numbers) == 50
    assert silo.count("g=gen") == 50


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"title": ""}, "title"),
        ({"title": "x", "status": "nonsense"}, "status"),
        ({"title": "x", "properties": {"Deadline": "someday"}}, "someday"),
        ({"title": "x", "tags": "risk"}, "list of strings"),
        ({"title": "x", "colour": "red"}, "unknown key 'colour'"),
        ({"summary": "no title"}, "'title' is required"),
        ({"title": "x", "entries": [("text", "ten")]}, "entries"),
        ("just a title", "dict"),
    ],
)
def test_one_bad_ticket_writes_none(silo, bad, words):
    silo.new_ticket("already here")
    with pytest.raises(ticket.InvalidInput) as err:
        silo.create_many([{"title": "good one"}, bad, {"title": "another good one"}])
    assert words in str(err.value)
    assert silo.count() == 1
    assert [t.title for t in silo.search()] == ["already here"]
