"""M/M/c in SimPy: the reference for factory5g's engine speed.

The same model as benches/reference/mmc.toml: one station of c = 3 servers,
exponential interarrival times with mean 1 min, exponential service times
with mean 2.7 min (utilization 0.9), FIFO queue, empty at time 0, no warm-up.
Written the way the SimPy documentation writes it: a process per job that
requests a `Resource`, holds it for its service time and releases it.

Prints one JSON line: the jobs that finished, the wall time of `env.run`
(setup and Python start-up excluded, as factory5g's `wall_s` excludes its
own), and the mean wait in queue as a check that both simulate the same
queue (Erlang C gives 6.97 min for these parameters).

    python mmc.py --horizon-min 100000 --seed 1
"""

import argparse
import json
import random
import time

import simpy


def simulate(horizon_min, seed, servers=3, mean_interarrival=1.0, mean_service=2.7):
    rng = random.Random(seed)
    env = simpy.Environment()
    station = simpy.Resource(env, capacity=servers)
    done = 0
    waited = 0.0

    def job(env):
        nonlocal done, waited
        arrived = env.now
        with station.request() as req:
            yield req
            waited += env.now - arrived
            yield env.timeout(rng.expovariate(1.0 / mean_service))
        done += 1

    def source(env):
        while True:
            yield env.timeout(rng.expovariate(1.0 / mean_interarrival))
            env.process(job(env))

    env.process(source(env))
    started = time.perf_counter()
    env.run(until=horizon_min)
    wall = time.perf_counter() - started
    return {
        "model": "mmc",
        "jobs": done,
        "wall_s": wall,
        "mean_wait_min": waited / max(done, 1),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--horizon-min", type=float, default=100_000.0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    print(json.dumps(simulate(a.horizon_min, a.seed)))


if __name__ == "__main__":
    main()
