"""Benchmark the import of existing trajectories: legitimate files and hostile ones.

Makes a throwaway database of its own (a temporary SQLite file, or, with a PostgreSQL
DATABASE_URL, the database `<name>_bench_import` on that server), migrates it, adds the
catalogue the rows name, and drops it again at the end. Then it reads and imports a
legitimate file of --rows rows as CSV and as XLSX, and the hostile files of the penetration
test and their kin, each run in a child process of its own (`referrals.benchmarks`): one line
per file with what became of it, wall and CPU seconds, rows per second, and the memory it
took (growth of the resident set; for hostile files also tracemalloc's peak). Fails (exit 1)
when a legitimate file does not import whole or a hostile one takes more than
HOSTILE_PEAK_MB. Runtime code only (no tests folder); `make bench-import` runs it."""

import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import translation

from referrals.benchmarks import import_files
from referrals.benchmarks.import_cases import HOSTILE_PEAK_MB, Case, import_cases, measure
from referrals.imports import ImportLimits


class Command(BaseCommand):
    help = (
        "Time and measure the import of a legitimate file (CSV and XLSX) and of hostile "
        "files, in a throwaway database it makes and drops (`make bench-import`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=60_000, help="rows of the legit file")
        parser.add_argument("--repeat", type=int, default=1, help="runs per file (median)")

    def handle(self, *args, rows, repeat, **options):
        if repeat < 1 or rows < 1:
            raise CommandError("--rows and --repeat must be at least 1.")
        limits = ImportLimits.from_settings()
        if rows > limits.rows:
            raise CommandError(f"--rows is past OKOT_IMPORT_MAX_ROWS ({limits.rows:,}).")
        with tempfile.TemporaryDirectory() as folder, translation.override("en"):
            old_name = self.make_database(Path(folder))
            try:
                self.run(rows, repeat, limits)
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)

    def make_database(self, folder: Path) -> str:
        test = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            test["NAME"] = str(folder / "bench_import.sqlite3")
        else:
            test["NAME"] = f"{connection.settings_dict['NAME']}_bench_import"
        started = time.monotonic()
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        import_files.catalogue()
        self.stdout.write(
            f"database: {connection.vendor} {test['NAME']} (made and migrated in "
            f"{time.monotonic() - started:.0f} s; dropped at the end)"
        )
        return old_name

    def run(self, rows: int, repeat: int, limits: ImportLimits) -> None:
        self.stdout.write(
            f"caps: {limits.file_bytes // 2**20} MB a file, {limits.unpacked_bytes // 2**20} MB"
            f" unpacked, {limits.rows:,} rows, {limits.columns} columns, "
            f"{limits.cell_chars:,} characters a cell"
        )
        started = time.monotonic()
        cases = import_cases(rows, limits)
        self.stdout.write(f"files made in {time.monotonic() - started:.0f} s")
        self.stdout.write(f"\nbench-import: median of {repeat} run(s) per file")
        self.stdout.write(
            f"{'file':<38} {'size':>9} {'wall s':>7} {'CPU s':>7} {'rows/s':>8} "
            f"{'RSS +MB':>8} {'peak MB':>8}  outcome"
        )
        failures = []
        for case in cases:
            failure = self.run_case(case, repeat)
            if failure:
                failures.append(failure)
        sys.stdout.flush()
        if failures:
            for failure in failures:
                self.stdout.write(f"FAILED: {failure}")
            raise CommandError(f"{len(failures)} file(s) failed.")
        self.stdout.write(
            f"\nverdict: OK, both legitimate files imported whole and every hostile file "
            f"read within {HOSTILE_PEAK_MB} MB"
        )

    def run_case(self, case: Case, repeat: int) -> str:
        runs = measure(case, repeat)
        label = f"{case.file_name} {case.name}"
        per_second = f"{case.rows / runs.wall_median:,.0f}" if case.rows else "-"
        peak = f"{runs.traced_peak_mb:.1f}" if runs.traced_peak_mb is not None else "-"
        self.stdout.write(
            f"{label:<38} {_size(len(case.content)):>9} {runs.wall_median:>7.2f} "
            f"{runs.cpu_median:>7.2f} {per_second:>8} {runs.rss_growth_mb:>8.1f} "
            f"{peak:>8}  {runs.outcome}"
        )
        sys.stdout.flush()
        if not case.hostile and runs.imported != case.rows:
            return f"{label}: {runs.outcome}"
        if case.hostile and runs.traced_peak_mb > HOSTILE_PEAK_MB:
            return f"{label}: took {runs.traced_peak_mb:.0f} MB"
        return ""


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"
