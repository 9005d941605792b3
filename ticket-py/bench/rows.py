"""Benchmark (issue 16): the generator's tickets read into `ticket.Ticket` objects.

Usage: python bench/rows.py DIR [DIR ...] [--runs N]
Each DIR is a silo of the project's generator (`cargo run --release -p ticket-benches --
bulk 10000 DIR`, or `gen`). Times `list(silo.search(''))` (every ticket, sorted by
number) after one warm-up and prints the median and range, in wall and CPU milliseconds, and
the cost per row; then, for the breakdown, the same rows fetched as one slice (`results[:]`),
the last row alone (what paging by offset costs), and reading five attributes of every row.
Targets: 10k <= 30 ms, 100k <= 300 ms.
"""
from __future__ import annotations

import argparse
import statistics
import time

import ticket


def timed(fn, runs: int) -> tuple[float, float, float, float]:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), min(wall), max(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for path in args.dirs:
        silo = ticket.Silo.open(path)
        n = silo.count("")
        rows = list(silo.search(""))
        cases = [
            ("list(silo.search(''))", lambda: list(silo.search(""))),
            ("silo.search('')[:]", lambda: silo.search("")[:]),
            ("last row alone", lambda: silo.search("", limit=1, offset=n - 1)[0]),
            ("5 attributes of every row",
             lambda: [(r.number, r.title, r.tags, r.properties, r.opened) for r in rows]),
        ]
        print(f"{path}: {n} tickets, median of {args.runs} runs after a warm-up")
        for label, fn in cases:
            med, lo, hi, cpu = timed(fn, args.runs)
            print(f"  {label:28s} {med:9.1f} ms wall ({lo:.1f}-{hi:.1f}), {cpu:9.1f} ms CPU,"
                  f" {med * 1000 / n:6.2f} us/row")


if __name__ == "__main__":
    main()
