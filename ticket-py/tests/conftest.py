from datetime import datetime, timezone

import pytest

import ticket

NOW = datetime(2024, 3, 13, 9, 0, tzinfo=timezone.utc)  # a Wednesday


@pytest.fixture
def silo(tmp_path):
    return ticket.Silo.create(tmp_path / "silo", now=NOW, user="alice")
