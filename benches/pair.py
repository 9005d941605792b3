#!/usr/bin/env python3
"""Whole-process timings of one command, or of two side by side (A B A B ...).

    benches/pair.py [-n RUNS] [--warmup W] [--prepare SH] [--vs SH_B] -- COMMAND [ARG ...]

Each run starts COMMAND (A) and, with --vs, the shell command B right after it; --prepare is
a shell command run before every timed run (of A and of B) and not timed (for example
`rm -rf C && cp -r B C && sync`, so that a copy's dirty pages are not flushed by the
command under test). For each command the wall seconds (a monotonic clock around start and
reap), the CPU seconds (user + system of the reaped child and its children) and the peak RSS
of the largest process are printed as min / median / max; with --vs also the ratio A/B taken
pair by pair (pairing keeps the ratio meaningful when the machine's speed drifts). Quote the
median; a wide min-max says the machine was noisy.

Only the Python standard library: it runs wherever the benchmarks run.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def run_once(argv, shell):
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        shell=shell,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024.0, proc.returncode


def spread(values, unit):
    return "{:.3f} / {:.3f} / {:.3f} {}".format(
        min(values), statistics.median(values), max(values), unit
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=5, help="timed runs of each command")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    p.add_argument("--prepare", help="shell command before every run, not timed")
    p.add_argument("--vs", help="the second command (a shell command line)")
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        p.error("no command given")
    runs = {"A": [], "B": []}
    for i in range(a.warmup + a.n):
        for name, argv, shell in (("A", cmd, False), ("B", a.vs, True)):
            if argv is None:
                continue
            if a.prepare:
                subprocess.run(a.prepare, shell=True, check=True)
            wall, cpu, peak, code = run_once(argv, shell)
            if code != 0:
                print(f"{name} exited with {code}", file=sys.stderr)
            if i >= a.warmup:
                runs[name].append((wall, cpu, peak))
    for name in ("A", "B"):
        r = runs[name]
        if not r:
            continue
        label = " ".join(cmd) if name == "A" else a.vs
        print(f"{name}: {label}")
        print("   wall " + spread([x[0] for x in r], "s"))
        print("   cpu  " + spread([x[1] for x in r], "s"))
        print("   peak " + spread([x[2] for x in r], "MB"))
    if runs["B"]:
        for i, what in ((0, "wall"), (1, "cpu")):
            ratios = [x[i] / y[i] for x, y in zip(runs["A"], runs["B"]) if y[i] > 0]
            if ratios:
                print(f"A/B {what} " + spread(ratios, "").strip())


if __name__ == "__main__":
    main()
