"""Benchmark a referral's steps against bare transactions with the same writes
(`make bench-step`, issue 14: "a step within 3× a bare transaction with the same writes").

Fills the database with --referrals referrals (`report_fill`, as bench-report and
bench-data; none with --no-fill or --referrals 0), makes --repeat pairs of referrals (and
--warmup more, untimed) and walks them through the flow, step by step: for each step the
service on one of each pair, then a bare transaction with the same writes on its twin
(what is timed: `referrals.benchmarks.step_cases`); then the formal agreement that tells a
whole region's counsellors (`agree_region`, `step_subjects.REGION_STEP`). Prints per step
the median and p95 of each, the statements of each and the ratio of the medians. Figures
only: nothing here passes or fails on a time.

Runs on a throwaway database: its name says `bench` or `test`, or SQLite in memory (the
fill itself needs PostgreSQL). Writes what it measures, and leaves it there."""

import contextlib
import os
import statistics
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from operations.benchmarks import step_cases, step_subjects
from referrals.benchmarks.report_fill import fill
from referrals.benchmarks.throwaway import check_database
from referrals.models import Referral


class Command(BaseCommand):
    help = (
        "Time each step's service against a bare transaction with the same writes, on a "
        "throwaway database filled with N referrals (`make bench-step`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=100_000, help="referrals to fill")
        parser.add_argument("--repeat", type=int, default=200, help="timed calls per step")
        parser.add_argument("--warmup", type=int, default=10, help="untimed calls per step")
        parser.add_argument(
            "--no-fill", action="store_true", help="measure on the data already in the database"
        )
        parser.add_argument(
            "--steps",
            default=",".join([*step_subjects.STEP_NAMES, step_subjects.REGION_STEP]),
            help="the steps to print, comma-separated (the flow's steps before them run too)",
        )
        parser.add_argument(
            "--statements",
            action="store_true",
            help="print the statements of each printed step's last call, in order",
        )

    def handle(self, *args, referrals, repeat, warmup, no_fill, steps, statements, **options):
        if repeat < 1 or warmup < 0 or referrals < 0:
            raise CommandError("--repeat must be at least 1, the others at least 0.")
        shown = [name.strip() for name in steps.split(",") if name.strip()]
        if unknown := set(shown) - {*step_subjects.STEP_NAMES, step_subjects.REGION_STEP}:
            raise CommandError(f"Unknown steps: {', '.join(sorted(unknown))}.")
        self.check_environment(fill_it=referrals > 0 and not no_fill)
        if referrals > 0 and not no_fill:
            started = time.monotonic()
            fill(referrals, today=timezone.localdate(), progress=self.progress)
            self.stdout.write(
                f"fill: {referrals:,} referrals in {time.monotonic() - started:.0f} s"
            )
        with contextlib.ExitStack() as stack:
            for patch in step_cases.without_broker():
                stack.enter_context(patch)
            self.run(shown, repeat=repeat, warmup=warmup, statements=statements)
        self.stdout.write(f"load after: {self.load()}")

    def run(self, shown: list[str], *, repeat: int, warmup: int, statements: bool) -> None:
        cast = step_subjects.cast()
        started = time.monotonic()
        pairs = step_subjects.pairs(cast, repeat + warmup)
        self.stdout.write(
            f"{len(pairs)} pairs of referrals made in {time.monotonic() - started:.0f} s"
        )
        self.stdout.write(
            f"\nbench-step: {connection.vendor}, {Referral.objects.count():,} referrals; "
            f"{repeat} calls per step after {warmup}; load {self.load()}"
        )
        self.stdout.write(
            f"{'step':<12} {'service ms':>10} {'p95':>7} {'in SQL':>6} {'queries':>7}   "
            f"{'bare ms':>7} {'p95':>7} {'queries':>7}   {'ratio':>5}  rows written"
        )
        flow = step_subjects.STEP_NAMES
        last = max((flow.index(name) for name in shown if name in flow), default=-1)
        for name in flow[: last + 1]:
            figures = step_cases.run_step(name, cast, pairs, warmup=warmup)
            if name in shown:
                self.show(name, figures, statements=statements)
        if step_subjects.REGION_STEP in shown:
            region = step_subjects.pairs(cast, repeat + warmup, cast.region_training)
            step_cases.run_step("apply", cast, region, warmup=warmup)
            figures = step_cases.run_step("agree", cast, region, warmup=warmup)
            self.show(step_subjects.REGION_STEP, figures, statements=statements)

    def show(self, name: str, figures: step_cases.Figures, *, statements: bool) -> None:
        self.line(name, figures)
        if statements:
            self.statements(figures)

    def check_environment(self, *, fill_it: bool) -> None:
        if fill_it:
            check_database("bench_step", no_fill=False)
            return
        name = str(connection.settings_dict["NAME"])
        throwaway = "bench" in name or "test" in name
        if connection.vendor == "sqlite":
            throwaway = throwaway or connection.creation.is_in_memory_db(name)
        if not throwaway:
            raise CommandError(
                "bench_step writes referrals: run it on a throwaway database whose name "
                f"contains 'bench' (this is {name!r}); `make bench-step` makes one."
            )

    def load(self) -> str:
        with contextlib.suppress(OSError):
            return " ".join(f"{n:.2f}" for n in os.getloadavg())
        return "unknown"

    def progress(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    def statements(self, figures: step_cases.Figures) -> None:
        for number, sql in enumerate(figures.statements, start=1):
            self.stdout.write(f"    {number:>2}. {' '.join(sql.split())[:150]}")

    def line(self, name: str, figures: step_cases.Figures) -> None:
        median, p95 = figures.median_ms, figures.p95_ms
        rows = ", ".join(f"{table} {n}" for table, n in figures.rows.items())
        self.stdout.write(
            f"{name:<12} {median(figures.service):>10.2f} {p95(figures.service):>7.2f} "
            f"{median(figures.service_sql):>6.2f} "
            f"{statistics.median(figures.service_queries):>7.0f}   "
            f"{median(figures.bare):>7.2f} {p95(figures.bare):>7.2f} "
            f"{statistics.median(figures.bare_queries):>7.0f}   "
            f"{figures.ratio:>5.1f}  {rows}"
        )
        sys.stdout.flush()
