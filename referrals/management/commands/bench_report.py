"""Benchmark the report tables at scale against the bare SQL they need.

Fills a throwaway PostgreSQL database with set-based SQL (organisations, trainings, clients,
referrals in every state, check-ups), then times each table of `referrals.reports` on an
administrator's scope, and the hand-written GROUP BY that gives the same figures, in the same
run: one line per case with its query count, both medians and their ratio. Fails (exit 1)
when a table is more than 3 times slower than its bare SQL or when the figures differ.
Runtime code only (no tests folder); `make bench-report` makes and drops the database.
The fill and the cases with their bare SQL live in `referrals.benchmarks`; this module
holds the arguments, the order of the run and what it prints."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from referrals.benchmarks.report_cases import Case, measure, report_cases
from referrals.benchmarks.report_fill import fill
from referrals.benchmarks.throwaway import FILLED, check_database
from referrals.enums import State
from referrals.models import Referral

TARGET = 3.0


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with N referrals and time every report table against the bare "
        "SQL GROUP BY it needs (throwaway database only; `make bench-report`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=1_000_000, help="referrals to make")
        parser.add_argument("--repeat", type=int, default=5, help="timed runs per case")
        parser.add_argument("--year", type=int, default=2024, help="the report year")
        parser.add_argument(
            "--no-fill", action="store_true", help="measure the data already in the database"
        )
        parser.add_argument(
            "--explain", action="store_true", help="print EXPLAIN ANALYZE of every ORM query"
        )

    def handle(self, *args, referrals, repeat, year, no_fill, explain, **options):
        check_database("bench_report", no_fill=no_fill)
        if repeat < 1 or referrals < 1:
            raise CommandError("--referrals and --repeat must be at least 1.")
        self.today = timezone.localdate()
        if not no_fill:
            started = time.monotonic()
            fill(referrals, today=self.today, progress=self.progress)
            self.stdout.write(
                f"fill: {referrals:,} referrals in {time.monotonic() - started:.0f} s"
            )
        self.summary()
        ocmw = (
            Organisation.objects.filter(kind=Organisation.Kind.OCMW)
            .annotate(n=models.Count("clients"))
            .order_by("-n", "pk")
            .first()
        )
        cases = [
            *report_cases(year, None, today=self.today),
            *report_cases(year, ocmw, today=self.today),
        ]
        self.stdout.write(f"\nbench-report: median of {repeat} runs; the OCMW filter is {ocmw}")
        header = f"{'table':<12} {'by':<7} {'filter':<12} {'queries':>7} "
        self.stdout.write(header + f"{'ms':>9} {'bare SQL ms':>12} {'ratio':>6}")
        ratios, mismatches = [], []
        for case in cases:
            ratio, mismatch = self.run_case(case, repeat, explain)
            ratios.append((ratio, case))
            if mismatch:
                mismatches.append(f"{case.table} by {case.by} ({case.where}): {mismatch}")
        worst, worst_case = max(ratios, key=lambda item: item[0])
        where = f"{worst_case.table} by {worst_case.by}, {worst_case.where}"
        if worst <= TARGET:
            verdict = f"every table within {TARGET:.1f}x its bare SQL (worst {worst:.2f}x: {where})"
            self.stdout.write(f"\nverdict: OK, {verdict}")
        else:
            slow = sum(1 for ratio, _case in ratios if ratio > TARGET)
            self.stdout.write(
                f"\nverdict: FAILED, {slow} case(s) slower than {TARGET:.1f}x their bare SQL "
                f"(worst {worst:.2f}x: {where})"
            )
        for mismatch in mismatches:
            self.stdout.write(f"MISMATCH ORM vs bare SQL: {mismatch}")
        sys.stdout.flush()
        if mismatches:
            raise CommandError("The ORM and the bare SQL gave different figures.")
        if worst > TARGET:
            raise CommandError(f"A table is more than {TARGET:.1f}x slower than its bare SQL.")

    def progress(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    def summary(self) -> None:
        counts = ", ".join(
            f"{model._meta.model_name} {model.objects.count():,}" for model in FILLED
        )
        self.stdout.write(f"data: {counts}")
        states = Referral.objects.count_by_state()
        self.stdout.write("states: " + ", ".join(f"{s} {states.get(s, 0):,}" for s in State))

    def run_case(self, case: Case, repeat: int, explain: bool) -> tuple[float, str]:
        measured = measure(case, repeat, explain)
        ratio = measured.ratio
        flag = "" if ratio <= TARGET else "  SLOW"
        flag += "  MISMATCH" if measured.mismatch else ""
        self.stdout.write(
            f"{case.table:<12} {case.by:<7} {case.where:<12} {measured.queries:>7} "
            f"{measured.orm_ms:>9.1f} {measured.bare_ms:>12.1f} {ratio:>6.2f}{flag}"
        )
        sys.stdout.flush()
        for sql, lines in measured.plans:
            plan = "\n".join(f"    {line}" for line in lines)
            self.stdout.write(f"  {sql}\n{plan}")
        return ratio, measured.mismatch
