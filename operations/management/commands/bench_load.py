"""Benchmark the load one machine carries at the scale of Flanders (`make bench-load`, on
`make bench-data`): how many page views a second it serves, and how long each takes, when
several people ask at once.

Serves the app with gunicorn as `make bench` does (config/gunicorn.conf.py, --workers), and
lets 1, 2, 4 and 8 people (--clients) each go through the working day of a caseworker and a
counsellor for --seconds: their pages in `flanders_cases` (Mijn werk, the lists and their
searches, the referral pages, the inbox) and the caseworker's step, each person from another
page on and with sessions of their own. The step is taken on referrals registered for it
(`step_referrals`), outside the counsellor's region. Not the figures, which a Celery worker
counts after each step in production, nor the downloads. For each number of people it
prints the page views a second, the median, p95 and p99 of a request, the CPU a view took
(gunicorn's workers; the rest of the machine but this process: PostgreSQL, Redis, whatever
else runs), how many of the application's queries ran at once and how often one waited for
another's lock, the steps taken and the errors (another status, or no answer). Figures
only: nothing passes or fails on them. A development tool (it passes the second factor as
the tests do)."""

import http.client
import os
import queue
import statistics
import threading
import time
from pathlib import Path
from typing import NamedTuple

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from operations.benchmarks.flanders_cases import (
    STEP,
    Case,
    apply_post,
    browser_headers,
    cases,
    client_settings,
    on_bench_data,
    people,
    sessions,
)
from operations.benchmarks.step_subjects import new_referrals
from referrals.benchmarks import percentile, purge_queue
from referrals.benchmarks.serve import Gunicorn, send
from referrals.models import Referral, Training

ROLES = ("caseworker", "counsellor")
LEFT_OUT = ("figures", "download")  # counted by a worker, or on each request
# Steps made ready: as many as a level of this many views a second would take.
VIEWS_A_SECOND = 100


class Run(NamedTuple):
    """What people asking at once got: the time of each request that answered as it
    should (ms), how many did not (another status, or no answer), and the steps taken."""

    took: list[float]
    errors: int
    steps: int


class Level(NamedTuple):
    """What one number of people asking at once measured."""

    clients: int
    seconds: float
    took: list[float]  # ms, each request that answered as it should
    errors: int
    steps: int
    web_cpu: float  # seconds, gunicorn's workers
    other_cpu: float  # seconds, the rest of the machine but this process
    running: float  # the application's queries running at once, on average
    waiting: float  # the share of them waiting for a lock

    @property
    def views(self) -> int:
        return len(self.took) + self.errors

    def line(self) -> str:
        views = max(self.views, 1)
        times = (
            f"{statistics.median(self.took):>9.1f} {percentile(self.took, 0.95):>8.1f} "
            f"{percentile(self.took, 0.99):>8.1f}"
            if self.took
            else f"{'—':>9} {'—':>8} {'—':>8}"  # every request failed
        )
        return (
            f"{self.clients:>7} {self.views / self.seconds:>9.1f} {times} "
            f"{self.web_cpu / views * 1000:>8.1f} {self.other_cpu / views * 1000:>9.1f} "
            f"{self.running:>8.2f} {self.waiting:>8.1%} {self.steps:>6} {self.errors:>6}"
        )


HEADING = (
    f"{'people':>7} {'views/s':>9} {'median ms':>9} {'p95 ms':>8} {'p99 ms':>8} "
    f"{'web CPU':>8} {'other CPU':>9} {'queries':>8} {'on lock':>8} {'steps':>6} {'errors':>6}"
)


class Command(BaseCommand):
    help = "Page views a second and their latency with 1 to 8 people asking at once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--clients", default="1,2,4,8", help="people asking at once, comma-separated"
        )
        parser.add_argument("--seconds", type=float, default=30, help="timed seconds each")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn's workers")

    def handle(self, *args, clients, seconds, workers, **options):
        try:
            levels = [int(n) for n in clients.split(",")]
        except ValueError:
            raise CommandError("--clients takes whole numbers, comma-separated.") from None
        if not levels or min(levels) < 1 or seconds <= 0 or workers < 1:
            raise CommandError("--clients, --seconds and --workers must be at least 1.")
        pass_second_factor = on_bench_data("bench-load")
        with client_settings():
            users = people()
            pages = working_day(cases(users, steps=0))
            # Each person their own sessions, as people at work have.
            browsers = [sessions(users, pass_second_factor) for _ in range(max(levels))]
        steps = queue.SimpleQueue()
        ready = int(VIEWS_A_SECOND * (seconds * len(levels) + 2) / len(pages)) + 1
        for pk in step_referrals(users, ready):
            steps.put(apply_post(pk))
        self.stdout.write(
            f"bench-load: {Referral.objects.count():,} referrals; gunicorn with {workers} "
            f"workers; {len(pages)} pages of a caseworker's and a counsellor's working day, "
            f"{seconds:.0f} s for each number of people ({ready} steps ready); the CPU a "
            "view took, in ms"
        )
        self.stdout.write(HEADING)
        server = Gunicorn(workers, self.stderr)
        with server as port, PostgresSampler() as sampler:
            headers = [
                {key: browser_headers(port, browser) for key, browser in own.items()}
                for own in browsers
            ]
            # Each worker's connection made, its caches filled, before the first level.
            run(port, pages, headers, steps, clients=max(levels), seconds=2.0)
            for number in levels:
                level = measure(port, pages, headers, steps, number, seconds, server, sampler)
                self.stdout.write(level.line())
                if steps.empty():
                    self.stdout.write("  (no step left: the last views were only read)")
        purge_queue()


def working_day(every: list[Case]) -> list[Case]:
    """The pages of the caseworker and the counsellor that people ask all day, the step
    among them; not the figures nor the downloads (`LEFT_OUT`)."""
    return [case for case in every if case.role in ROLES and not case.label.startswith(LEFT_OUT)]


def step_referrals(users: dict, count: int) -> list[int]:
    """`count` new registered referrals of the caseworker's OCMW for the step, for a
    training outside the counsellor's region, whose pages stay as `make bench` finds them
    (its own steps are in that region, to renew the counsellor's figures)."""
    training = (
        Training.objects.exclude(province=users["counsellor"].organisation.province)
        .order_by("pk")
        .first()
    )
    return new_referrals(users["caseworker"], training, count)


def run(port, pages, headers, steps, *, clients: int, seconds: float) -> Run:
    """`clients` people going through `pages` until `seconds` have passed, each from
    another page on, the step on a referral of `steps` while there are any."""
    until = time.monotonic() + seconds
    took, errors, taken = [], [], []

    def person(number: int) -> None:
        position = number * len(pages) // clients
        while time.monotonic() < until:
            case = pages[position % len(pages)]
            position += 1
            method, path, body = "GET", case.path, None
            if case.label == STEP:  # on a referral of `steps`, not of the case's
                try:
                    method, (path, body) = "POST", steps.get_nowait()
                except queue.Empty:
                    continue
                taken.append(path)
            try:
                status, ms = send(port, method, path, body, headers[number][case.key])
            except (OSError, http.client.HTTPException):  # no answer: refused, cut, too late
                errors.append(path)
                continue
            (took if status == case.ok else errors).append(ms)

    people = [threading.Thread(target=person, args=(n,)) for n in range(clients)]
    for one in people:
        one.start()
    for one in people:
        one.join()
    return Run(took, len(errors), len(taken))


def measure(port, pages, headers, steps, clients, seconds, server, sampler) -> Level:
    """One level: `run`, with the machine's CPU and PostgreSQL's queries around it. The CPU
    of this process (the people, the sampler) is not counted in the rest of the machine's."""
    web, busy, started = server.worker_cpu(), machine_busy(), time.monotonic()
    own = time.process_time()
    sampler.start()
    done = run(port, pages, headers, steps, clients=clients, seconds=seconds)
    running, waiting = sampler.stop()
    elapsed = time.monotonic() - started
    web, own = server.worker_cpu() - web, time.process_time() - own
    return Level(
        clients=clients,
        seconds=elapsed,
        took=done.took,
        errors=done.errors,
        steps=done.steps,
        web_cpu=web,
        other_cpu=machine_busy() - busy - web - own,
        running=running,
        waiting=waiting,
    )


def machine_busy() -> float:
    """The CPU time every core of the machine has spent busy so far, in seconds (Linux's
    /proc/stat: all but idle, waiting for the disk, and the time a hypervisor gave other
    machines, `steal`)."""
    user, nice, system, _idle, _iowait, irq, softirq, *_ = (
        int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    )
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


class PostgresSampler:
    """Samples, from a thread with a connection of its own, how many of the application's
    queries PostgreSQL is running and how many of them wait for a lock another holds."""

    QUERY = """
        SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock')
        FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend'
          AND state = 'active' AND pid <> pg_backend_pid()
    """

    def __enter__(self):
        self.thread = None
        return self

    def start(self) -> None:
        self.samples: list[tuple[int, int]] = []
        self.failed: Exception | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.sample)
        self.thread.start()

    def sample(self) -> None:
        try:
            with connections["default"].cursor() as cursor:
                while not self.stopping.wait(0.05):
                    cursor.execute(self.QUERY)
                    self.samples.append(cursor.fetchone())
        except Exception as exc:  # noqa: BLE001 (said by `stop`, in the benchmark's thread)
            self.failed = exc
        finally:
            connections.close_all()

    def stop(self) -> tuple[float, float]:
        """The queries running at once on average, and the share of them waiting."""
        self.stopping.set()
        self.thread.join()
        self.thread = None
        if self.failed is not None:
            raise CommandError(f"Sampling PostgreSQL's activity failed: {self.failed}")
        running = sum(n for n, _ in self.samples)
        waiting = sum(n for _, n in self.samples)
        return running / max(len(self.samples), 1), waiting / max(running, 1)

    def __exit__(self, *exc) -> None:
        if self.thread is not None:
            self.stop()
