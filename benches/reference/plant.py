"""A simplified plant in SimPy: the reference for factory5g on a plant.

The same model as benches/reference/plant.toml (read that file for the
numbers): five stations in a line, each with parallel servers and a FIFO
queue without limit; failures of two stations on the calendar, repaired by a
crew of one, the interrupted job resuming where it stopped; two products
released at random with their routes; three AGVs that carry every job from
the store to its first station and between stations, the one idle the
longest taking the next task, driving empty to the pickup, loading, driving
loaded, unloading. A job leaves the plant at the end of its last step.

Written as SimPy's documentation writes such models: a process per server
that takes jobs from a `Store`, a process per server for its failures that
interrupts it, a `Resource` for the crew, and a process per AGV.

Prints one JSON line: the jobs that left the plant, the wall time of
`env.run` (setup and Python start-up excluded, as factory5g's `wall_s`
excludes its own), and a few KPIs to check that both simulate the same plant.

    python plant.py --horizon-min 600000 --seed 1
"""

import argparse
import collections
import json
import random
import time

import simpy

MIN = 1.0  # time unit: minutes
SPEED = 60.0  # 1 m/s in metres per minute
LOAD = UNLOAD = 0.5
POINT_X = {"store": 0, "cut": 20, "weld": 40, "machine": 60, "paint": 80, "test": 100}


def stations_spec(rng):
    """name -> (servers, process sampler, failures (mtbf, mttr) or None)."""
    return {
        "cut": (2, lambda: rng.triangular(3, 6, 4), None),
        "weld": (3, lambda: rng.expovariate(1 / 10), (6 * 60, 20)),
        "machine": (2, lambda: rng.uniform(5, 9), (30 * 60, 45)),
        "paint": (1, lambda: rng.triangular(2, 5, 3), None),
        "test": (1, lambda: rng.expovariate(1 / 4), None),
    }


PRODUCTS = {
    "bracket": (10.0, ["cut", "weld", "machine", "paint", "test"]),
    "housing": (15.0, ["cut", "weld", "paint", "test"]),
}


class Job:
    __slots__ = ("product", "route", "step", "released")

    def __init__(self, product, route, released):
        self.product = product
        self.route = route
        self.step = 0
        self.released = released


class Station:
    def __init__(self, plant, name, servers, process, failures):
        self.plant = plant
        self.env = plant.env
        self.name = name
        self.process = process
        self.queue = simpy.Store(self.env)
        self.completed = 0
        self.failed = [False] * servers
        self.repaired = [None] * servers
        self.procs = [self.env.process(self.server(k)) for k in range(servers)]
        if failures:
            mtbf, mttr = failures
            for k in range(servers):
                self.env.process(self.breakdowns(k, mtbf, mttr))

    def server(self, k):
        env = self.env
        while True:
            get = self.queue.get()
            try:
                job = yield get
            except simpy.Interrupt:
                # Failed while idle: take no job until repaired.
                if get.triggered:
                    job = get.value
                else:
                    get.cancel()
                    job = None
                yield self.repaired[k]
                if job is None:
                    continue
            left = self.process()
            while left > 0:
                started = env.now
                try:
                    yield env.timeout(left)
                    left = 0
                except simpy.Interrupt:
                    left -= env.now - started
                    yield self.repaired[k]
            self.completed += 1
            self.plant.step_done(job, self.name)

    def breakdowns(self, k, mtbf, mttr):
        env, rng = self.env, self.plant.rng
        while True:
            yield env.timeout(rng.expovariate(1 / mtbf))
            self.failed[k] = True
            self.repaired[k] = env.event()
            self.procs[k].interrupt()
            with self.plant.crew.request() as req:
                yield req
                yield env.timeout(rng.expovariate(1 / mttr))
            self.failed[k] = False
            self.repaired[k].succeed()


class Fleet:
    def __init__(self, plant, agvs):
        self.plant = plant
        self.env = plant.env
        self.pending = collections.deque()
        self.at = ["store"] * agvs
        # Idle AGVs by (idle since, index): the one idle the longest goes.
        self.idle = {a: 0.0 for a in range(agvs)}
        self.wake = [self.env.event() for _ in range(agvs)]
        for a in range(agvs):
            self.env.process(self.agv(a))

    def request(self, job, src, dst):
        task = (job, src, dst)
        if self.idle:
            a = min(self.idle, key=lambda i: (self.idle[i], i))
            del self.idle[a]
            self.wake[a].succeed(task)
        else:
            self.pending.append(task)

    def agv(self, a):
        env = self.env
        while True:
            task = yield self.wake[a]
            while task is not None:
                job, src, dst = task
                yield env.timeout(abs(POINT_X[self.at[a]] - POINT_X[src]) / SPEED)
                yield env.timeout(LOAD)
                yield env.timeout(abs(POINT_X[src] - POINT_X[dst]) / SPEED)
                yield env.timeout(UNLOAD)
                self.at[a] = dst
                self.plant.arrive(job, dst)
                task = self.pending.popleft() if self.pending else None
            self.wake[a] = env.event()
            self.idle[a] = env.now


class Plant:
    def __init__(self, seed):
        self.env = simpy.Environment()
        self.rng = random.Random(seed)
        self.crew = simpy.Resource(self.env, capacity=1)
        self.stations = {
            name: Station(self, name, *spec) for name, spec in stations_spec(self.rng).items()
        }
        self.fleet = Fleet(self, 3)
        self.done = 0
        self.lead = 0.0
        for product, (mean, route) in PRODUCTS.items():
            self.env.process(self.release(product, mean, route))

    def release(self, product, mean, route):
        while True:
            yield self.env.timeout(self.rng.expovariate(1 / mean))
            job = Job(product, route, self.env.now)
            self.fleet.request(job, "store", route[0])

    def arrive(self, job, station):
        self.stations[station].queue.put(job)

    def step_done(self, job, station):
        job.step += 1
        if job.step == len(job.route):
            self.done += 1
            self.lead += self.env.now - job.released
        else:
            self.fleet.request(job, station, job.route[job.step])


def simulate(horizon_min, seed):
    plant = Plant(seed)
    started = time.perf_counter()
    plant.env.run(until=horizon_min)
    wall = time.perf_counter() - started
    return {
        "model": "plant",
        "jobs": plant.done,
        "wall_s": wall,
        "throughput_per_h": plant.done / (horizon_min / 60),
        "lead_time_min": plant.lead / max(plant.done, 1),
        "completed": {n: s.completed for n, s in plant.stations.items()},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--horizon-min", type=float, default=600_000.0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    print(json.dumps(simulate(a.horizon_min, a.seed)))


if __name__ == "__main__":
    main()
