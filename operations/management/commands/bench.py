"""Benchmark the application at the scale of Flanders (`make bench`, on `make bench-data`).

Serves the app with gunicorn (config/gunicorn.conf.py) and requests each page of
`flanders_cases` over HTTP from this process, one request at a time, as a caseworker of the
biggest OCMW, a counsellor and the network manager of the busiest region and an
administrator, every page once per round, rounds interleaved. For each page it prints the
median and p95 of the whole request; measured in this process with Django's test client and
the same session, the queries per request, the page's main (slowest) query run alone, and
the page's median against that query and against the admin's referral changelist; then
gunicorn's workers' memory and what the requests added to the audit trail. Figures only:
nothing passes or fails on a time. A development tool (it passes the second factor as the
tests do)."""

import statistics
import sys
import time
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from operations.benchmarks.flanders_cases import (
    STEP,
    Case,
    browser_headers,
    cases,
    client_settings,
    on_bench_data,
    people,
    sessions,
)
from referrals.benchmarks import percentile, purge_queue
from referrals.benchmarks.audit_cases import TrailSize, trail_size
from referrals.benchmarks.serve import Gunicorn, send
from referrals.models import Client, Referral

REFERENCE = ("administrator", "admin referrals")  # what every page is compared with


class Command(BaseCommand):
    help = "Time each role's pages over HTTP with gunicorn on `make bench-data`'s database."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="timed rounds")
        parser.add_argument("--warmup", type=int, default=2, help="untimed rounds")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn's workers")
        parser.add_argument("--only", default="", help="only the pages whose label has this")

    def handle(self, *args, repeat, warmup, workers, only, **options):
        if repeat < 1 or warmup < 0 or workers < 1:
            raise CommandError("--repeat and --workers must be at least 1.")
        pass_second_factor = on_bench_data("bench")
        with client_settings():
            users = people()
            browsers = sessions(users, pass_second_factor)
            # Referrals registered for the step only when it is asked for.
            steps = warmup + repeat + 1 if only in STEP else 0
            selected = [
                case
                for case in cases(users, steps=steps)
                if only in case.label or case.label == REFERENCE[1]
            ]
            alone = {(case.role, case.label): self.in_process(case, browsers) for case in selected}
        self.stdout.write(
            f"bench: {Referral.objects.count():,} referrals, {Client.objects.count():,} "
            f"clients; as {', '.join(f'{role} {user.username}' for role, user in users.items())}"
        )
        self.stdout.write(server_memory())
        timings = defaultdict(list)
        memory = []
        server = Gunicorn(workers, self.stderr)
        with server as port:
            headers = {key: browser_headers(port, browser) for key, browser in browsers.items()}
            trail_before = trail_size()
            for round_ in range(warmup + repeat):
                for case in selected:
                    took = self.request(port, case, headers[case.key], round_)
                    if round_ >= warmup:
                        timings[(case.role, case.label)].append(took)
                memory.append(server.worker_memory())
        self.report(selected, timings, alone, memory, repeat=repeat, workers=workers)
        requests = (warmup + repeat) * len(selected)
        self.stdout.write(trail_growth(trail_before, trail_size(), requests))
        purge_queue()

    def request(self, port: int, case: Case, headers: dict, round_: int) -> float:
        path, body = case.posts[round_] if case.posts else (case.path, None)
        status, took = send(port, case.method, path, body, headers)
        if status != case.ok:
            raise CommandError(
                f"{case.role}: {case.label} ({case.method} {path}) answered {status}"
            )
        return took

    def in_process(self, case: Case, browsers) -> tuple[int, float]:
        """The page's queries, and its slowest SELECT run alone again (median of 5, ms)."""
        browser = browsers[case.key]
        path, body = case.posts[-1] if case.posts else (case.path, None)
        with CaptureQueriesContext(connection) as queries:
            if body is None:
                response = browser.get(path, secure=True)
            else:
                response = browser.generic(
                    "POST", path, body, "application/x-www-form-urlencoded", secure=True
                )
        if response.status_code != case.ok:
            raise CommandError(f"{case.role}: {case.label} answered {response.status_code}")
        slowest = slowest_read(queries.captured_queries)
        again = []
        with connection.cursor() as cursor:
            for _ in range(5):
                started = time.perf_counter()
                cursor.execute(slowest["sql"])
                cursor.fetchall()
                again.append((time.perf_counter() - started) * 1000)
        return len(queries), statistics.median(again)

    def report(self, selected, timings, alone, memory, *, repeat: int, workers: int) -> None:
        reference = statistics.median(timings[REFERENCE])
        self.stdout.write(
            f"\nover HTTP to gunicorn ({workers} workers), one request at a time, {repeat} "
            f"timed rounds of every page; main query: the page's slowest, alone"
        )
        self.stdout.write(
            f"{'role':<16} {'page':<28} {'median ms':>9} {'p95 ms':>8} {'queries':>7} "
            f"{'main q. ms':>10} {'÷ main q.':>9} {'÷ admin':>8}"
        )
        for case in selected:
            took = timings[(case.role, case.label)]
            count, main = alone[(case.role, case.label)]
            median = statistics.median(took)
            self.stdout.write(
                f"{case.role:<16} {case.label:<28} {median:>9.1f} {percentile(took, 0.95):>8.1f} "
                f"{count:>7} {main:>10.1f} {median / max(main, 0.01):>9.1f} "
                f"{median / reference:>8.2f}"
            )
        peak = [max(sizes) for sizes in zip(*memory, strict=False)] if memory else []
        self.stdout.write(
            "worker memory (RSS), MiB: start "
            + ", ".join(f"{size / 2**20:.0f}" for size in memory[0])
            + "; peak "
            + ", ".join(f"{size / 2**20:.0f}" for size in peak)
        )
        sys.stdout.flush()


def slowest_read(captured: list[dict]) -> dict:
    """The slowest of the page's reads, written by Django or by hand (a statement may start
    with a line break, or with a `WITH`); not a write, a savepoint or a transaction's end."""
    reads = [
        query for query in captured if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    return max(reads, key=lambda query: float(query["time"]))


def trail_growth(before: TrailSize, after: TrailSize, requests: int) -> str:
    """What the pages' requests added to the audit trail (docs/performance.md, "Growing past
    one machine"): rows, and bytes on disk per request (the table's and the indexes')."""
    table, indexes = after.table - before.table, after.indexes - before.indexes
    return (
        f"audit trail: {after.rows - before.rows:,} rows for {requests:,} requests, "
        f"{(table + indexes) / requests:,.0f} bytes a request on disk "
        f"({table / requests:,.0f} its table, {indexes / requests:,.0f} its indexes)"
    )


def server_memory() -> str:
    """PostgreSQL's version and the memory it keeps pages in (docs/operations.md)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (buffers,) = cursor.fetchone()
    return f"PostgreSQL {version.split()[0]}, shared_buffers {buffers}"
