#!/usr/bin/env python3
"""异步非阻塞 (async-nonblocking), the way a student would write it in Python.

The lecture's customer who asks the lobby manager (大堂经理) to tell them when and
goes out to smoke: every customer is an asyncio task, all on one thread. A task
awaiting the bank's CALL is parked; when the line arrives, epoll tells the event
loop, which resumes exactly that task. Meanwhile the customer's errand (the
cigarette, an asyncio.sleep) runs as a task of its own; with `--errand-work
cpu` it computes instead, for that long in this thread's CPU time, and hands
the loop back every `yield_every_ms` (never, with 0). The peer of
`cargo run -p async-nonblocking`: same protocol, same bank, same scenario.

By hand (Python 3.11, standard library only; s.json is a serialised
`timeline::Scenario`, times already sped up, as `compare` writes it):

    cargo run -p bank -- --listen 127.0.0.1:7878 --tellers 8
    python3 peers/python/asyncio_customers.py --bank 127.0.0.1:7878 --scenario s.json

It prints one JSON object, a `timeline::trace::Metrics`, times in ms from the
opening of the doors. It sees the bank only from outside: response = the
first CALL read − walked in, wait = that and every PAUSE read to the next CALL
read (round robin and MLFQ pause between turns), reaction = HERE sent − CALL
read for every call; none counts the time a line sat unread before the loop got
to it (the tellers pay for that: it is in the makespan, the last DONE read).
ideal_makespan_ms and efficiency (the tellers') are left 0 for `compare`;
teller_loss is left out: it needs the bank's own times. Exit status: 0 when all
were served, 1 if not, 2 for bad arguments.
"""

import argparse
import asyncio
import json
import resource
import socket
import sys
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Visit:
    """One customer's moments, in seconds from the opening of the doors."""

    arrive: float = 0.0  # walked in
    ticket: float = 0.0  # got the slip (TICKET n) and went out on the errand
    calls: list = field(default_factory=list)  # each turn: (read CALL, sent HERE)
    pauses: list = field(default_factory=list)  # each PAUSE read: back in line
    done: float = 0.0  # read DONE
    errand_end: float = 0.0
    leave: float = 0.0  # served and errand finished, or gone
    failure: str | None = None  # why they were not served


@dataclass
class Scene:
    """The scenario as run: its customers, and how their errands are done."""

    customers: list  # name, arrive_ms, service_ms, errand_ms of each
    computed: bool  # errand_work "cpu": real computing, not a sleep
    yield_every: float  # computed errands: CPU seconds between two yields (0: never)


class Refused(Exception):
    """The bank said ERR, hung up, or said something out of turn."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", required=True, type=host_port, metavar="HOST:PORT")
    parser.add_argument("--scenario", required=True, type=scenario, metavar="FILE")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a socket per customer
    visits, usage = asyncio.run(run(args.scenario, args.bank))
    print(json.dumps(metrics(visits, *usage)))
    failed = [v.failure for v in visits if v.failure is not None]
    if failed:
        print(f"{len(failed)} of {len(visits)} customers were not served; "
              f"first reason: {failed[0]}", file=sys.stderr)
        return 1
    return 0


async def run(scene: Scene, bank):
    """Lets every customer in, one task each; returns their visits and what it cost."""
    customers = scene.customers
    loop = asyncio.get_running_loop()
    before = resource.getrusage(resource.RUSAGE_SELF)
    doors_open = loop.time()

    def clock():
        return loop.time() - doors_open

    visits = [Visit() for _ in customers]
    await asyncio.gather(*(customer(c, v, bank, clock, scene)
                           for c, v in zip(customers, visits)))
    after = resource.getrusage(resource.RUSAGE_SELF)
    # asyncio's only threads are its executor's, kept until the loop closes: a peak.
    return visits, (before, after, threading.active_count())


async def customer(c, v: Visit, bank, clock, scene: Scene):
    await asyncio.sleep(c["arrive_ms"] / 1000 - clock())  # walks in on time
    v.arrive = clock()
    errand = None
    try:
        reader, writer = await asyncio.open_connection(*bank)
        try:
            writer.write(f"TICKET {c['name']} {c['service_ms']}\n".encode())
            await writer.drain()
            [n] = expect(await reader.readline(), "TICKET")
            v.ticket = clock()
            errand = asyncio.create_task(run_errand(c["errand_ms"], v, clock, scene))
            while True:
                # The lesson: this await parks the task; epoll wakes it on CALL.
                expect(await reader.readline(), "CALL", n)
                noticed = clock()
                writer.write(f"HERE {n}\n".encode())
                await writer.drain()
                v.calls.append((noticed, clock()))
                # DONE, or PAUSE (round robin, MLFQ): then await the next CALL.
                if expect_end(await reader.readline(), n) == "DONE":
                    v.done = clock()
                    break
                v.pauses.append(clock())
        finally:
            writer.close()
        await errand
    except (OSError, ValueError, Refused) as err:
        v.failure = f"{c['name']}: {type(err).__name__}: {err}"
        if errand is not None:
            errand.cancel()
    v.leave = clock()


async def run_errand(ms, v: Visit, clock, scene: Scene):
    if not scene.computed:
        await asyncio.sleep(ms / 1000)
    else:
        # Computing holds the loop's one thread: nobody else's task runs, and
        # no CALL is read, until it hands the loop back.
        left = ms / 1000
        while left > 0:
            left -= compute(min(left, scene.yield_every) if scene.yield_every > 0 else left)
            if left > 0:
                await asyncio.sleep(0)
    v.errand_end = clock()


def compute(seconds: float) -> float:
    """Arithmetic until this thread has used `seconds` more CPU time; returns
    the CPU time it used (time.thread_time, read every ~1000 steps)."""
    start, x = time.thread_time(), 1
    while time.thread_time() - start < seconds:
        for _ in range(1000):
            x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
    return time.thread_time() - start


def expect(line: bytes, word: str, n: str | None = None) -> list[str]:
    """The words after `word` in the bank's line; Refused if it is another line."""
    text = line.decode().strip()
    words = text.split()
    if words[:1] == ["ERR"]:
        raise Refused(text)
    if words[:1] != [word] or (n is not None and words[1:2] != [n]):
        raise Refused(f"expected {word} {n or '<n>'}, got {(text or 'a hang-up')!r}")
    return words[1:]


def expect_end(line: bytes, n: str) -> str:
    """How a turn at the counter ended: DONE or PAUSE for ticket n."""
    try:
        expect(line, "DONE", n)
        return "DONE"
    except Refused:
        expect(line, "PAUSE", n)
        return "PAUSE"


def in_line(v: Visit) -> list:
    """The stretches in line: from the ticket to the first CALL read, and
    from each PAUSE read to the next CALL read."""
    backs = [v.ticket, *v.pauses]
    return [(back, noticed) for back, (noticed, _) in zip(backs, v.calls)]


def peak_rss_kib(usage) -> int:
    """This process's own peak resident memory (VmHWM), as the Rust side
    measures it. getrusage's ru_maxrss is not this process's own: exec keeps
    the high-water mark of the memory it replaced, so a child of a large
    process (compare holding traces) would report its parent's size."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return usage.ru_maxrss


def metrics(visits, before, after, threads_peak) -> dict:
    served = [v for v in visits if v.failure is None]
    reactions = [here - noticed for v in served for noticed, here in v.calls]

    def mean_ms(values):
        values = list(values)
        return 1000 * sum(values) / len(values) if values else 0.0

    return {
        "makespan_ms": 1000 * max((v.done for v in served), default=0.0),
        "ideal_makespan_ms": 0.0,
        "efficiency": 0.0,
        "mean_wait_ms": mean_ms(v.ticket - v.arrive + sum(b - a for a, b in in_line(v))
                                for v in served),
        "mean_response_ms": mean_ms(v.calls[0][0] - v.arrive for v in served),
        "mean_reaction_ms": mean_ms(reactions),
        "max_reaction_ms": 1000 * max(reactions, default=0.0),
        # The errand runs from the ticket on; what of it came while in line.
        "errand_while_waiting_ms": mean_ms(sum(max(0.0, min(v.errand_end, b) - a)
                                               for a, b in in_line(v))
                                           for v in served),
        "mean_turnaround_ms": mean_ms(v.leave - v.arrive for v in served),
        "mean_lost_ms": mean_ms(lost(v) for v in served),
        "polls": 0,
        "served": len(served),
        "abandoned": len(visits) - len(served),
        "threads_peak": threads_peak,
        "cpu_user_ms": 1000 * (after.ru_utime - before.ru_utime),
        "cpu_sys_ms": 1000 * (after.ru_stime - before.ru_stime),
        "max_rss_kib": peak_rss_kib(after),
        "ctx_switches_voluntary": after.ru_nvcsw - before.ru_nvcsw,
        "ctx_switches_involuntary": after.ru_nivcsw - before.ru_nivcsw,
    }


def lost(v: Visit) -> float:
    """The time from walking in to DONE spent neither on the errand (from the
    ticket to its end) nor at the counter (each turn, from HERE to its PAUSE
    or DONE); where they overlap (the errand runs on at the counter) it
    counts once."""
    ends = v.pauses + [v.done]
    busy = [(v.ticket, v.errand_end)] + [(here, end) for (_, here), end in zip(v.calls, ends)]
    covered, reach = 0.0, v.arrive
    for start, end in sorted(busy):
        start, end = max(start, reach), min(end, v.done)
        if end > start:
            covered += end - start
            reach = end
    return (v.done - v.arrive) - covered


def host_port(text: str):
    """HOST:PORT, looked up once here, so that no connect needs a resolver thread."""
    host, _, port = text.rpartition(":")
    try:
        return socket.getaddrinfo(host.strip("[]"), int(port), type=socket.SOCK_STREAM)[0][4][:2]
    except (ValueError, OSError) as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT ({err})")


def scenario(path: str) -> Scene:
    """The scenario's customers, with the fields this script uses, and how
    their errands are done (a scenario without the fields: slept)."""
    try:
        with open(path, encoding="utf-8") as file:
            whole = json.load(file)
        times = ("arrive_ms", "service_ms", "errand_ms")
        customers = [{"name": str(c["name"]), **{t: float(c[t]) for t in times}}
                     for c in whole["customers"]]
        return Scene(customers, whole.get("errand_work", "sleep") == "cpu",
                     float(whole.get("yield_every_ms", 5.0)) / 1000)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise argparse.ArgumentTypeError(f"cannot use {path}: {err!r}")


if __name__ == "__main__":
    sys.exit(main())
