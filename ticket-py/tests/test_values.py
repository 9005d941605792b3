"""Snapshots as values: pickling, and the package's own namespace."""
import copy
import pickle
import subprocess
import sys

import pytest

import ticket


@pytest.mark.no_core
def test_no_stray_submodule_attribute():
    # the compiled extension is an implementation detail of the package
    assert not hasattr(ticket, "ticket")
    assert not hasattr(ticket, "_ticket")
    assert ticket.Silo.__module__ == "ticket" and ticket.Ticket.__module__ == "ticket"
    assert ticket.__doc__ and "A tour" in ticket.__doc__


@pytest.mark.no_core
def test_no_stray_attribute_in_a_fresh_interpreter():
    code = "import ticket, sys; sys.exit(hasattr(ticket, 'ticket') or not ticket.__version__)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def _whole_ticket(silo, tmp_path):
    t = silo.new_ticket("Backups fail", summary="since Tuesday")
    (silo.edit(t.number).add_tag("bug").add_tag("risk")
        .add_property("Deadline", "2024-03-14").add_property("Deadline_Warning", "3")
        .add_property("Assigned", "phil").commit())
    silo.add_entry(t.number, "restic exits 3", minutes=15)
    silo.add_attachment(t.number, "log.txt", b"hello", comment="the log")
    return silo.get(t.number)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_whole_ticket_pickles_to_an_equal_ticket(silo, tmp_path, protocol):
    t = _whole_ticket(silo, tmp_path)
    assert t.deadline_state == "due_soon" and t.entries and t.attachments
    back = pickle.loads(pickle.dumps(t, protocol=protocol))
    assert type(back) is ticket.Ticket
    assert back == t
    assert back.to_dict() == t.to_dict()
    assert repr(back) == repr(t)
    assert back.entries == t.entries and back.attachments == t.attachments
    assert back.opened == t.opened and back.opened.tzinfo is not None


def test_search_rows_entries_attachments_and_history_pickle(silo, tmp_path):
    t = _whole_ticket(silo, tmp_path)
    row = silo.search("")[0]
    back = pickle.loads(pickle.dumps(row))
    assert back == row and back != t  # a search row is not the whole ticket
    assert "entries" not in back.to_dict()
    for value in [t.entries[0], t.attachments[0], *silo.history(t.number)]:
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value
    history = silo.history(t.number)
    assert pickle.loads(pickle.dumps(history)) == history
    assert pickle.loads(pickle.dumps(history))[0].to_dict() == history[0].to_dict()


def test_changes_compare_equal_when_equal(silo):
    t = silo.new_ticket("Same")
    assert silo.history(t.number) == silo.history(t.number)
    assert silo.history(t.number)[0] != silo.history(silo.new_ticket("Other").number)[0]


def test_a_tampered_pickle_is_refused(silo):
    t = silo.new_ticket("Tampered")
    restore, state = t.__reduce__()
    with pytest.raises(ticket.InvalidInput, match="unknown status"):
        restore(*state[:4], "Nonsense", *state[5:])
    with pytest.raises(ticket.InvalidInput, match="unknown deadline state"):
        restore(*state[:11], "soonish", *state[12:])
    assert restore(*state) == t


def test_search_keys_pickle_to_equal_keys():
    key = ticket.parse_search("  s:*   g=bug ")
    back = pickle.loads(pickle.dumps(key))
    assert back == key and str(back) == str(key) and back.span == key.span
    assert hash(back) == hash(key)
    restore, state = key.__reduce__()
    with pytest.raises(ticket.SearchSyntaxError):
        restore("s:ox:", (0, 5))
    with pytest.raises(ticket.InvalidInput, match="canonical"):
        restore("  s:*", (0, 5))
