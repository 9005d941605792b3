import pytest

import ticket
from conftest import NOW


@pytest.mark.no_core
def test_hierarchy():
    for exc in (ticket.SearchSyntaxError, ticket.ValidationError, ticket.NotFound,
                ticket.SiloBusy, ticket.ConfigError, ticket.ImportFailed, ticket.InvalidInput):
        assert issubclass(exc, ticket.TicketError)
    assert not issubclass(ticket.TicketError, RuntimeError)


def test_not_found(silo):
    with pytest.raises(ticket.NotFound, match="no ticket 999"):
        silo.get("999")


def test_bad_inputs_change_nothing(silo):
    t = silo.new_ticket("A")
    before = len(silo.history(t.number))
    with pytest.raises(ticket.TicketError):
        silo.new_ticket("   ")
    with pytest.raises(ticket.TicketError):
        silo.set_status(t.number, "nonsense")
    with pytest.raises(ticket.TicketError):
        silo.add_property(t.number, "Deadline", "someday")
    with pytest.raises(ticket.TicketError):
        silo.add_property(t.number, "Closed_Via", "1")
    with pytest.raises(ticket.TicketError):
        silo.add_property(t.number, "Child_Of", "999")
    assert len(silo.history(t.number)) == before
    assert silo.count() == 1


def test_not_a_silo(tmp_path):
    with pytest.raises(ticket.TicketError):
        ticket.Silo.open(tmp_path)


def test_numbers_as_int_or_str_and_no_builtin_exceptions(silo, tmp_path):
    from datetime import datetime

    t = silo.new_ticket("Numbered")
    n = int(t.number)
    silo.add_tag(n, "by-int")
    silo.add_entry(n, "work", minutes=5)
    assert silo.get(n).tags == ["by-int"] == silo.get(str(n)).tags
    with silo.edit(n) as e:
        e.add_tag("edited")
    assert "edited" in silo.get(t.number).tags
    for call in (
        lambda: silo.add_entry(n, "bad", minutes=-1),
        lambda: silo.remove_entry(n, -1),
        lambda: silo.remove_file(n, -3),
        lambda: silo.search("", limit=-1),
        lambda: silo.search("", offset=-1),
        lambda: silo.get(-1),
        lambda: silo.get(True),
        lambda: silo.edit(n).add_entry("x", minutes=-5),
        lambda: ticket.Silo.create(tmp_path / "naive", now=datetime(2024, 3, 13, 9, 0)),
    ):
        with pytest.raises(ticket.InvalidInput):
            call()
    assert silo.get(n).total_minutes == 5


def test_the_merge_target_is_a_number_as_int_or_str(silo):
    a, b, c = (silo.new_ticket(t).number for t in ("A", "B", "C"))
    silo.set_status(int(a), "merged", int(b))
    silo.edit(int(c)).set_status("duplicate", int(b)).commit()
    assert silo.get(a).status == "Merged" and silo.get(c).status == "Duplicate"
    with pytest.raises(ticket.InvalidInput):
        silo.set_status(b, "merged", -1)
    with pytest.raises(ticket.InvalidInput):
        silo.edit(b).set_status("merged", 1.5)
    assert silo.get(b).status == "Open"


def test_huge_or_wrong_typed_ints_are_invalid_input_not_builtin_errors(silo):
    t = silo.new_ticket("Ints")
    n = t.number
    huge = 2**70
    for call in (
        lambda: silo.add_entry(n, "bad", minutes=huge),
        lambda: silo.add_entry(n, "bad", minutes="5"),
        lambda: silo.add_entry(n, "bad", minutes=True),
        lambda: silo.add_entry(n, "bad", minutes=1.5),
        lambda: silo.remove_entry(n, huge),
        lambda: silo.remove_file(n, "1"),
        lambda: silo.search("", limit=huge),
        lambda: silo.search("", offset=-huge),
        lambda: silo.log(limit=huge),
        lambda: silo.edit(n).add_entry("x", minutes=huge),
        lambda: silo.edit(n).remove_entry(None),
    ):
        with pytest.raises(ticket.InvalidInput) as caught:
            call()
        assert type(caught.value) is ticket.InvalidInput
    assert silo.get(n).entries == []
    # the defaults and ordinary ints still work
    silo.add_entry(n, "fine")
    silo.add_entry(n, "timed", minutes=7)
    assert [e.minutes for e in silo.get(n).entries] == [0, 7]
    assert len(silo.search("", limit=1, offset=0)) == 1
    assert len(silo.log(limit=1)) == 1


def test_silo_is_a_context_manager_and_closes(tmp_path):
    path = tmp_path / "s"
    with ticket.Silo.create(path, now=NOW, user="alice") as silo:
        assert silo.new_ticket("inside").number == "1"
        assert repr(silo).startswith("<Silo ")
    # closed when the block ended: every call says so with the project's own exception
    with pytest.raises(ticket.SiloError, match="closed"):
        silo.get("1")
    with pytest.raises(ticket.SiloError):
        _ = silo.path
    assert repr(silo) == "<Silo (closed)>"
    silo.close()  # twice is harmless
    # an exception inside the block propagates, and the silo is closed all the same
    with pytest.raises(ticket.NotFound):
        with ticket.Silo.open(path, now=NOW) as again:
            again.get("99")
    with pytest.raises(ticket.SiloError):
        again.count("")
    # the data is still there for the next opener
    reopened = ticket.Silo.open(path, now=NOW)
    assert reopened.get("1").title == "inside"
    reopened.close()


def test_a_ticket_object_where_a_number_goes_says_to_pass_its_number(silo):
    t = silo.new_ticket("Printer jams")
    with pytest.raises(ticket.InvalidInput, match=r"\(pass its \.number\)"):
        silo.add_tag(t, "hardware")
    with pytest.raises(ticket.InvalidInput) as err:
        silo.add_tag(1.5, "hardware")
    assert "pass its" not in str(err.value)
    assert silo.get(t.number).tags == []


def test_calling_the_class_says_how_to_open_or_create(tmp_path):
    # what a newcomer writes first: pyo3's refusal named neither way
    ticket.Silo.create(tmp_path / "s").close()
    for args in [(tmp_path / "s",), (), (str(tmp_path / "s"), "extra")]:
        with pytest.raises(TypeError, match=r"ticket\.Silo\.open\(path\).*ticket\.Silo\.create\(path\)"):
            ticket.Silo(*args)
    with pytest.raises(TypeError, match="Silo.open"):
        ticket.Silo(path=tmp_path / "s")
