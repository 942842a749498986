#!/usr/bin/env python3
"""Replications across threads, and peak memory against the horizon.

- Scaling: `factory5g run sany18 -R R --threads T` for T = 1 and 2, each
  `--repeat` times, interleaved; prints the median wall time (`run.wall_s`
  of `--json`: the link profiles, computed once, and the replications) and
  the speedup. Replications are independent and results do not depend on T.
- Memory: the peak resident set of `factory5g run` (the whole process) at a
  1 h and a 100 h horizon, for sany18 (nr, no warm-up) and the M/M/3 of
  mmc.toml; memory must not grow with the horizon.

    python3 benches/reference/scale.py                 # R = 60, 3 repeats
    python3 benches/reference/scale.py -R 20 --repeat 5

Needs only Python 3 (no packages) on Linux or macOS; builds factory5g first.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, "target", "release", "factory5g")


def run(args):
    """Runs factory5g; returns its JSON report and its peak RSS in MiB."""
    p = subprocess.Popen(
        [BIN, "run", *args, "--quiet", "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"factory5g run {' '.join(args)} failed ({p.returncode})")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return json.loads(out), rss


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-R", "--replications", type=int, default=60)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-build", action="store_true")
    a = p.parse_args()
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "factory5g"], cwd=ROOT, check=True)

    walls = {1: [], 2: []}
    events = 0
    for _ in range(a.repeat):
        for t in (1, 2):
            r, _ = run(["sany18", "-R", str(a.replications), "--threads", str(t)])
            walls[t].append(r["run"]["wall_s"])
            events = r["run"]["events"]
    w1, w2 = statistics.median(walls[1]), statistics.median(walls[2])
    print(f"scaling: sany18 (nr), {a.replications} replications of 48 h warm-up + 8 h shift, "
          f"{events:,} events; median of {a.repeat}")
    print(f"  1 thread : {w1:.3f} s ({w1 / a.replications * 1e3:.1f} ms per replication, "
          f"{events / w1 / 1e6:.2f} M events/s)")
    print(f"  2 threads: {w2:.3f} s, speedup {w1 / w2:.2f}x (efficiency {w1 / w2 / 2:.0%})")

    print("peak memory (max RSS of the process):")
    cases = [
        ("sany18 (nr)", ["sany18", "--warmup", "0s"]),
        ("M/M/3", [os.path.join(HERE, "mmc.toml")]),
    ]
    for name, args in cases:
        rss = {}
        for h in ("1h", "100h"):
            _, rss[h] = run([*args, "--horizon", h, "-R", "1", "--threads", "1"])
        change = rss["100h"] / rss["1h"] - 1
        print(f"  {name:<12} 1 h: {rss['1h']:.1f} MiB, 100 h: {rss['100h']:.1f} MiB ({change:+.1%})")


if __name__ == "__main__":
    main()
