"""A team silo (PostgreSQL) from Python, unchanged API (teams.md 1): `Silo.create/open` take a
`postgres://` address as a string; the configuration and attachments live in the database;
the silo's shown path hides the password. Needs TICKET_TEST_POSTGRES (scripts/postgres.sh);
without it the tests are skipped with a reason, except in CI, where they fail."""
import os
import uuid

import pytest

import ticket

from conftest import NOW

URL = os.environ.get("TICKET_TEST_POSTGRES")


@pytest.fixture
def team_address():
    if URL is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: TICKET_TEST_POSTGRES is not set")
        pytest.skip("TICKET_TEST_POSTGRES is not set (scripts/postgres.sh start)")
    sep = "&" if "?" in URL else "?"
    return f"{URL}{sep}schema=py_{uuid.uuid4().hex}"


def test_a_team_silo_works_like_a_directory_silo(team_address):
    silo = ticket.Silo.create(team_address, now=NOW, user="alice")
    t = silo.new_ticket("Shared from Python", summary="the team's")
    silo.add_tag(t.number, "py")
    silo.add_entry(t.number, "looked into it", minutes=15)
    silo.add_attachment(t.number, "notes.txt", b"team notes")
    other = ticket.Silo.open(team_address, now=NOW, user="bob")
    found = other.search("g=py x:looked")
    assert [r.title for r in found] == ["Shared from Python"]
    got = other.get(t.number)
    assert got.total_minutes == 15
    assert [a.name for a in got.attachments] == ["notes.txt"]
    assert "***" in repr(other)
    assert ":ticket@" not in repr(other)


def test_a_missing_team_silo_is_a_clear_error_without_the_password(team_address):
    with pytest.raises(ticket.SiloError) as e:
        ticket.Silo.open(team_address, now=NOW)
    assert "holds no ticket silo" in str(e.value)
    assert ":ticket@" not in str(e.value)
