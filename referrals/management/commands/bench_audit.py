"""Benchmark what writing the audit trail costs a page view (`make bench-audit`).

Fills the database (the demo, --clients more clients, --trail rows of trail already
written), then requests the client list and a referral's page as a caseworker, --requests
times with the trail written and as many with its INSERTs replaced by nothing, alternating
in the same run; prints median and p95 per page and mode, their ratio, the bare INSERTs
timed alone, and on PostgreSQL what a row of the trail takes on disk, and what a view of
each page adds (docs/performance.md projects the trail's growth from it). Figures only: nothing here
passes or fails on a time. What is timed is described in `referrals.benchmarks.audit_cases`.

Runs on the database it is given, which must be empty of clients and throwaway: its name
says `bench` (`make bench-audit` makes and drops okot_bench_audit on PostgreSQL) or `test`,
or it is SQLite in memory. The pages render with plain static file storage and the test
client's host allowed: the pages' Python and SQL are measured, not the static files."""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from audit.models import Entry
from referrals.benchmarks import PLAIN_STATIC
from referrals.benchmarks import audit_cases as benchmark
from referrals.models import Client

# Rows like a view's own written to measure what one takes on disk (a list's: some 10 MB).
VIEW_COPIES = 10_000


class Command(BaseCommand):
    help = (
        "Time the client list and a referral's page with the audit trail written and "
        "without, in a throwaway database (`make bench-audit`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200, help="timed requests per mode")
        parser.add_argument("--warmup", type=int, default=10, help="untimed requests per mode")
        parser.add_argument("--clients", type=int, default=5000, help="clients to add")
        parser.add_argument("--trail", type=int, default=200_000, help="trail rows to add")

    def handle(self, *args, requests, warmup, clients, trail, **options):
        if requests < 1 or warmup < 0 or clients < 0 or trail < 0:
            raise CommandError("--requests must be at least 1, the others at least 0.")
        self.check_environment()
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        started = time.monotonic()
        caseworker, referral = benchmark.fill(
            clients=clients, trail_rows=trail, progress=self.progress
        )
        self.stdout.write(f"filled in {time.monotonic() - started:.0f} s")
        allowed_hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(STORAGES=PLAIN_STATIC, ALLOWED_HOSTS=allowed_hosts):
            self.run(caseworker, referral, requests=requests, warmup=warmup)

    def check_environment(self) -> None:
        name = str(connection.settings_dict["NAME"])
        throwaway = "bench" in name or "test" in name
        if connection.vendor == "sqlite":
            throwaway = throwaway or connection.creation.is_in_memory_db(name)
        if not throwaway:
            raise CommandError(
                "bench_audit fills the database with demo data: run it on a throwaway "
                f"database whose name contains 'bench' (this is {name!r}); "
                "`make bench-audit` makes one."
            )
        if Client.objects.exists():
            raise CommandError("The database has clients already; use an empty one.")

    def progress(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    def run(self, caseworker, referral, *, requests: int, warmup: int) -> None:
        self.stdout.write(
            f"\nbench-audit: {requests} requests per page and mode, alternating, after "
            f"{warmup} of each; as {caseworker.username}; the trail holds "
            f"{Entry.objects.count():,} rows"
        )
        self.stdout.write(
            f"{'page':<20} {'trail':<5} {'rows/view':>9} {'median ms':>10} {'p95 ms':>8}"
            "  recorded by"
        )
        http = benchmark.browser(caseworker)
        rows_per_view, views = {}, {}
        for page in benchmark.pages(caseworker, referral):
            timing = benchmark.measure(http, page, requests=requests, warmup=warmup)
            rows_per_view[page.name] = timing.rows_per_request
            views[page.name] = benchmark.last_row(page.url)
            on, off = timing.median_ms(timing.on), timing.median_ms(timing.off)
            self.line(page.name, "on", timing.rows_per_request, timing.on, timing.recorded_by)
            self.line(page.name, "off", 0, timing.off, "")
            self.stdout.write(
                f"{'':<20} ratio on/off {on / off:.3f} (median), "
                f"{on - off:+.2f} ms a view ({(on - off) / off:+.1%})"
            )
            sys.stdout.flush()
        self.stdout.write("\nbare writes, alone:")
        for name, runs in benchmark.measure_inserts(
            caseworker, referral, requests=requests
        ).items():
            self.stdout.write(
                f"  {name:<24} median {benchmark.Timing.median_ms(runs):.2f} ms, "
                f"p95 {benchmark.Timing.p95_ms(runs):.2f} ms"
            )
        self.on_disk(rows_per_view, views)

    def on_disk(self, rows_per_view: dict[str, float], views: dict[str, Entry]) -> None:
        """What a row of the trail takes on disk, its table's share and its indexes', and
        what a view of each page adds to it, measured from VIEW_COPIES rows like the view's
        (PostgreSQL only: another database does not say)."""
        size = benchmark.trail_size()
        if size is None:
            return
        table, indexes, rows = size
        self.stdout.write(
            f"\nthe trail on disk: {(table + indexes) / rows:.0f} bytes a row "
            f"({table / rows:.0f} its table, {indexes / rows:.0f} its indexes), "
            f"over its {rows:,} rows; a view, from {VIEW_COPIES:,} rows like its own:"
        )
        for page, example in views.items():
            per_row = benchmark.view_on_disk(example, copies=VIEW_COPIES)
            kilobytes = rows_per_view[page] * per_row / 1024
            self.stdout.write(
                f"  {page:<20} {rows_per_view[page]:.1f} rows, {per_row:.0f} bytes a row, "
                f"{kilobytes:.2f} kB a view"
            )

    def line(self, page: str, mode: str, rows: float, runs: list[float], by: str) -> None:
        self.stdout.write(
            f"{page:<20} {mode:<5} {rows:>9.1f} {benchmark.Timing.median_ms(runs):>10.2f} "
            f"{benchmark.Timing.p95_ms(runs):>8.2f}  {by}"
        )
