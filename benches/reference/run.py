#!/usr/bin/env python3
"""factory5g against SimPy on the same work: wall time per simulated job.

Runs the M/M/3 queue (mmc.toml / mmc.py) and the simplified plant
(plant.toml / plant.py) in both simulators, with the same horizon, one
replication on one core each, and prints the wall time per simulated job of
each and their ratio. Both times are of the simulation alone: factory5g's
`run.wall_s` of `--json` (after the scenario is read), SimPy's `env.run`.
The runs go in rounds (by default three), each of five factory5g runs and
one SimPy run, so that both sample the same spells of a shared machine; the
median is taken of each.

Works on a fresh clone: it creates a virtual environment under
target/reference-venv with the pinned requirements.txt (simpy), builds
factory5g in release mode, and runs both. Nothing is installed system-wide.

    python3 benches/reference/run.py                  # the default sizes
    python3 benches/reference/run.py --scale 0.1      # a tenth of the jobs
    python3 benches/reference/run.py --json           # one JSON object
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.path.join(ROOT, "target", "reference-venv")
BIN = os.path.join(ROOT, "target", "release", "factory5g")

# model -> (TOML, SimPy script, default horizon in minutes)
MODELS = {
    "mmc": ("mmc.toml", "mmc.py", 1_000_000),  # about 1,000,000 jobs
    "plant": ("plant.toml", "plant.py", 600_000),  # about 100,000 jobs
}


def venv_python():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        py = os.path.join(VENV, "Scripts", "python.exe")
    return py


def ensure_venv():
    py = venv_python()
    if not os.path.exists(py):
        print(f"creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        py = venv_python()
    if subprocess.run([py, "-c", "import simpy"], capture_output=True).returncode != 0:
        req = os.path.join(HERE, "requirements.txt")
        subprocess.run([py, "-m", "pip", "install", "--quiet", "-r", req], check=True)
    return py


def build():
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "factory5g"], cwd=ROOT, check=True
    )


def factory5g(toml, horizon_min, seed):
    out = subprocess.run(
        [BIN, "run", os.path.join(HERE, toml), "--horizon", f"{horizon_min}min", "--seed", str(seed),
         "-R", "1", "--threads", "1", "--quiet", "--json"],
        capture_output=True, text=True, check=True,
    ).stdout
    r = json.loads(out)
    hours = (r["horizon_s"] - r["warmup_s"]) / 3600
    jobs = round(r["throughput_per_h"]["mean"] * hours)
    return {"jobs": jobs, "wall_s": r["run"]["wall_s"], "events": r["run"]["events"]}


def simpy_run(py, script, horizon_min, seed):
    out = subprocess.run(
        [py, os.path.join(HERE, script), "--horizon-min", str(horizon_min), "--seed", str(seed)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0, help="multiply the default horizons")
    p.add_argument("--repeat", type=int, default=5, help="factory5g runs per round (median of all)")
    p.add_argument("--simpy-repeat", type=int, default=3, help="rounds, one SimPy run each (median)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", choices=sorted(MODELS), help="one model only")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-build", action="store_true", help="use target/release/factory5g as it is")
    a = p.parse_args()

    py = ensure_venv()
    if not a.no_build:
        build()
    results = {}
    for name, (toml, script, horizon) in MODELS.items():
        if a.only and name != a.only:
            continue
        horizon_min = max(1, int(horizon * a.scale))
        # Interleaved rounds, each `--repeat` factory5g runs then one SimPy
        # run, so that both sample the same spells of a shared machine.
        f, s = [], []
        for r in range(a.simpy_repeat):
            f += [factory5g(toml, horizon_min, a.seed + i) for i in range(a.repeat)]
            s.append(simpy_run(py, script, horizon_min, a.seed + r))
        f_us = statistics.median(r["wall_s"] / r["jobs"] for r in f) * 1e6
        s_us = statistics.median(r["wall_s"] / r["jobs"] for r in s) * 1e6
        results[name] = {
            "horizon_min": horizon_min,
            "factory5g": {"jobs": f[0]["jobs"], "events": f[0]["events"], "us_per_job": f_us},
            "simpy": {"jobs": s[0]["jobs"], "us_per_job": s_us},
            "ratio": s_us / f_us,
        }
    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'model':<8} {'jobs (factory5g / SimPy)':>26} {'factory5g µs/job':>17} {'SimPy µs/job':>13} {'ratio':>7}")
    for name, r in results.items():
        jobs = f"{r['factory5g']['jobs']:,} / {r['simpy']['jobs']:,}"
        print(
            f"{name:<8} {jobs:>26} {r['factory5g']['us_per_job']:>17.3f} "
            f"{r['simpy']['us_per_job']:>13.2f} {r['ratio']:>6.0f}x"
        )
    print(f"SimPy {simpy_version(py)}, Python {python_version(py)}; one core each, medians.")


def simpy_version(py):
    return subprocess.run(
        [py, "-c", "import simpy; print(simpy.__version__)"], capture_output=True, text=True
    ).stdout.strip()


def python_version(py):
    return subprocess.run(
        [py, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True
    ).stdout.strip()


if __name__ == "__main__":
    main()
