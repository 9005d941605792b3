"""The GIL is released while the core searches, imports, exports and rebuilds.

Deterministic, not timed: Python's own thread switching is turned off (a switch interval of
1000 s), so a background thread can only run while the main thread is inside a call that
released the GIL. The background thread counts, sleeping between counts (sleeping releases
the GIL, so the main thread gets it back when the call returns). A call that holds the GIL
cannot let the count move at all; one that releases it lets it move.
"""
import sys
import threading
import time

import pytest

import ticket
from conftest import NOW


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    silo = ticket.Silo.create(tmp_path_factory.mktemp("gil") / "silo", now=NOW, user="alice")
    silo.create_many(
        {
            "title": f"ticket {i} about restic and disks",
            "tags": [f"tag{i % 20}"],
            "properties": {"Assigned": f"user{i % 7}"},
            "entries": ["a longer entry about backups, prune runs and full disks " * 4],
        }
        for i in range(3000)
    )
    return silo


def others_ran_during(call):
    """Whether another Python thread ran while `call()` was in progress (tried up to 50 times,
    so a slow thread start or wake-up on a busy machine cannot make a short releasing call
    look like a holding one; a holding call never lets the count move, however often tried)."""
    count = [0]
    stop = threading.Event()
    started = threading.Event()

    def spin():
        started.set()
        while not stop.is_set():
            count[0] += 1
            time.sleep(0.0001)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    thread = threading.Thread(target=spin)
    thread.start()
    started.wait()
    try:
        for _ in range(50):
            before = count[0]
            call()
            if count[0] != before:
                return True
        return False
    finally:
        stop.set()
        sys.setswitchinterval(old)
        thread.join()


def test_the_method_can_tell_holding_from_releasing():
    # a pure-Python busy loop holds the GIL throughout: nothing else runs
    assert not others_ran_during(lambda: sum(range(200_000)))
    # time.sleep releases it
    assert others_ran_during(lambda: time.sleep(0.01))


def test_search_releases_the_gil(big):
    assert others_ran_during(lambda: list(big.search("x:restic", "t")))


def test_count_releases_the_gil(big):
    assert others_ran_during(lambda: big.count("t:disks"))


def test_export_releases_the_gil(big):
    assert others_ran_during(lambda: big.export("full"))


def test_import_releases_the_gil(big, tmp_path):
    text = big.export("full", "g=tag3")
    target = ticket.Silo.create(tmp_path / "target", now=NOW, user="bob")
    assert others_ran_during(lambda: target.import_json_text(text))
    assert target.count() == 150


def test_rebuild_releases_the_gil(big):
    assert others_ran_during(big.rebuild)


def test_create_many_releases_the_gil(big):
    assert others_ran_during(lambda: big.create_many([{"title": f"more {i}"} for i in range(500)]))
