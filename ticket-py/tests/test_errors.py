import pytest

import ticket


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
