from datetime import datetime, timezone

import pytest

import ticket

NOW = datetime(2024, 3, 13, 9, 0, tzinfo=timezone.utc)  # a Wednesday


@pytest.fixture
def silo(tmp_path):
    return ticket.Silo.create(tmp_path / "silo", now=NOW, user="alice")


HAS_CORE = "core-api" in getattr(ticket, "__features__", ())


def pytest_configure(config):
    config.addinivalue_line("markers", "no_core: runs without ticket-core's Silo (feature core-api)")


def pytest_collection_modifyitems(config, items):
    """Until ticket-core has its Silo, the module is built without the `core-api` feature:
    every test that needs a silo is skipped with a visible reason (run-tests.sh shows `-rs`),
    never silently; once the feature is on, nothing is skipped."""
    if HAS_CORE:
        return
    skip = pytest.mark.skip(reason="module built without feature core-api (ticket-core has no Silo yet)")
    for item in items:
        if item.get_closest_marker("no_core") is None:
            item.add_marker(skip)
