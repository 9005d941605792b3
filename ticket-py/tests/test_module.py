"""What the module offers even before ticket-core's Silo is compiled in."""
import builtins

import pytest

import ticket

pytestmark = pytest.mark.no_core


def test_import_error_does_not_shadow_the_builtin():
    assert ticket.ImportFailed is not builtins.ImportError
    assert not issubclass(ticket.ImportFailed, builtins.ImportError)
    assert issubclass(ticket.ImportFailed, ticket.TicketError)


def test_every_exception_is_a_ticket_error_and_no_runtime_error():
    names = ["SearchSyntaxError", "ValidationError", "NotFound", "SiloBusy", "ConfigError",
             "ImportFailed", "InvalidInput", "SiloError", "StorageError"]
    for name in names:
        exc = getattr(ticket, name)
        assert issubclass(exc, ticket.TicketError), name
        assert not issubclass(exc, RuntimeError), name
        assert exc.__module__ == "ticket", name
    assert issubclass(ticket.TicketError, Exception)


def test_snapshots_cannot_be_made_or_changed_from_python():
    for cls in (ticket.Ticket, ticket.Entry, ticket.Attachment, ticket.Change):
        assert cls.__module__ == "ticket"
        with pytest.raises(TypeError):
            cls()


def test_version_and_features():
    assert isinstance(ticket.__version__, str) and ticket.__version__
    assert isinstance(ticket.__features__, list)

