"""Benchmark: `silo.search()` of 10k tickets into Python objects, and the same with taskchampion-py.

Usage: python bench/search_10k.py [--runs N] [--dir DIR]
Builds (once, deterministically, through the module) a silo of 10 000 tickets with fixed
`now=`, then times `list(silo.search("s:*"))` several times and prints the median.
If `taskchampion-py` is installed (`pip install taskchampion-py`), builds 10 000 tasks with the
same titles and tags in an on-disk replica and times `replica.all_tasks()` plus reading each
task's description/tags/status into Python, the same work.
Target for ticket: median <= 50 ms.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import ticket

N = 10_000
NOW = datetime(2024, 3, 13, 9, 0, tzinfo=timezone.utc)
TAGS = ["backup", "risk", "ui", "db", "docs"]


def title(i: int) -> str:
    return f"Ticket {i:05d} about {TAGS[i % 5]}"


def build_silo(path: Path) -> ticket.Silo:
    if (path / "silo.json").exists():
        return ticket.Silo.open(path, now=NOW, user="bench")
    silo = ticket.Silo.create(path, now=NOW, user="bench")
    silo.create_many(
        {
            "title": title(i),
            "summary": f"summary {i}",
            "tags": [TAGS[i % 5]] + ([TAGS[(i + 2) % 5]] if i % 3 == 0 else []),
        }
        for i in range(N)
    )
    return silo


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_ticket(base: Path, runs: int) -> float:
    silo = build_silo(base / "silo")
    assert silo.count("s:*") == N

    def run() -> None:
        rows = list(silo.search("s:*", "n"))
        assert len(rows) == N

    return median_ms(run, runs)


def bench_taskchampion(base: Path, runs: int) -> float | None:
    try:
        import taskchampion as tc  # type: ignore[import-not-found]
    except ImportError:
        print("taskchampion-py: not installed (pip install taskchampion-py)")
        return None
    path = base / "tc"
    path.mkdir(exist_ok=True)
    replica = tc.Replica.new_on_disk(str(path), True)
    if not replica.all_task_uuids():
        ops = tc.Operations()
        for i in range(N):
            task = replica.create_task(str(uuid.UUID(int=i + 1)), ops)
            task.set_description(title(i), ops)
            task.set_status(tc.Status.Pending, ops)
            task.add_tag(tc.Tag(TAGS[i % 5]), ops)
            if i % 3 == 0:
                task.add_tag(tc.Tag(TAGS[(i + 2) % 5]), ops)
        replica.commit_operations(ops)

    def run() -> None:
        tasks = replica.all_tasks()
        rows = [(t.get_description(), t.get_status(), t.get_tags()) for t in tasks.values()]
        assert len(rows) == N

    return median_ms(run, runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None, help="reuse built data here")
    args = ap.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="ticket-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    ms = bench_ticket(base, args.runs)
    print(f"ticket: search of {N} tickets into objects: median {ms:.1f} ms over {args.runs} runs (target <= 50 ms)")
    tc_ms = bench_taskchampion(base, args.runs)
    if tc_ms is not None:
        print(f"taskchampion-py: all_tasks of {N} tasks into objects: median {tc_ms:.1f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
