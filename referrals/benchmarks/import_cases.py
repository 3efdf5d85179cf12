"""The cases of `bench_import` and how one is measured.

Each run reads and imports its file as the admin's upload does (`read_rows`, then
`referral_import`) in a child process of its own, so that the growth of its resident memory
(ru_maxrss) is its own and no earlier run's; the run's writes are rolled back, so every run
starts from the same database. A run of a hostile file also traces Python's allocations
(tracemalloc, which slows it down: the legitimate files are timed without it)."""

import json
import os
import resource
import statistics
import time
import traceback
import tracemalloc
from dataclasses import dataclass, field

from django.db import connections, transaction

from referrals.imports import ImportFileError, ImportLimits, read_rows, referral_import

from . import import_files

HOSTILE_PEAK_MB = 50  # what reading any hostile file may take, at most


@dataclass
class Case:
    name: str
    file_name: str
    content: bytes
    rows: int = 0  # the rows a legitimate file imports; 0 for a hostile file

    @property
    def hostile(self) -> bool:
        return not self.rows


@dataclass
class Runs:
    outcome: str  # "imported 60000" or the message that refused the file
    imported: int
    wall: list[float] = field(default_factory=list)  # seconds
    cpu: list[float] = field(default_factory=list)
    rss_growth_mb: float = 0.0  # the largest of the runs
    traced_peak_mb: float | None = None

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def import_cases(rows: int, limits: ImportLimits) -> list[Case]:
    """A legitimate file of `rows` rows as CSV and XLSX, then the hostile files."""
    table = import_files.rows(rows)
    return [
        Case(f"{rows:,} rows", "referrals.csv", import_files.csv_file(table), rows),
        Case(f"{rows:,} rows", "referrals.xlsx", import_files.xlsx_file(table), rows),
        Case("a cell in column XFD per row", "xfd.xlsx", import_files.xfd_xlsx(20_000)),
        Case("zip bomb: 1 GB unpacked", "bomb.xlsx", import_files.zip_bomb_xlsx(1024)),
        Case("zip bomb: 90 MB in one cell", "cell.xlsx", import_files.zip_bomb_xlsx(90)),
        Case("a row of 1,000,000 cells", "wide.xlsx", import_files.wide_row_xlsx(1_000_000)),
        Case("1,000,000 shared strings", "strings.xlsx", import_files.many_strings_xlsx(10**6)),
        Case(
            "one line without a newline",
            "line.csv",
            import_files.giant_line_csv(limits.file_bytes - 1024),
        ),
        Case(
            f"{limits.rows + 1:,} rows, past the cap",
            "rows.csv",
            import_files.too_many_rows_csv(limits.rows + 1),
        ),
    ]


def measure(case: Case, repeat: int) -> Runs:
    runs = None
    for _run in range(repeat):
        result = _in_child(lambda: _import(case))
        if runs is None:
            runs = Runs(result["outcome"], result["imported"])
        runs.wall.append(result["wall"])
        runs.cpu.append(result["cpu"])
        runs.rss_growth_mb = max(runs.rss_growth_mb, result["rss_growth_mb"])
        if result["traced_peak_mb"] is not None:
            runs.traced_peak_mb = max(runs.traced_peak_mb or 0, result["traced_peak_mb"])
    return runs


def _import(case: Case) -> dict:
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB, from the parent
    if case.hostile:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    imported = 0
    try:
        with transaction.atomic():
            result = referral_import(rows=read_rows(case.file_name, case.content))
            transaction.set_rollback(True)
        imported = result.imported
        outcome = f"imported {imported:,}" if not result.errors else str(result.errors[0])
    except ImportFileError as exc:
        outcome = f"refused: {exc}"
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if case.hostile else None
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_start
    return {
        "outcome": outcome,
        "imported": imported,
        "wall": wall,
        "cpu": cpu,
        "rss_growth_mb": rss_growth / 1024,
        "traced_peak_mb": traced,
    }


def _in_child(work) -> dict:
    """`work()` in a forked child process; its JSON-able result, or its exception raised."""
    connections.close_all()  # the child opens its own
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reading)
        try:
            answer = {"result": work()}
        except BaseException:  # noqa: BLE001 - reported by the parent
            answer = {"error": traceback.format_exc()}
        with os.fdopen(writing, "w") as pipe:
            json.dump(answer, pipe)
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading) as pipe:
        answer = json.loads(pipe.read() or '{"error": "the child died"}')
    os.waitpid(pid, 0)
    if "error" in answer:
        raise RuntimeError(f"The benchmark run failed:\n{answer['error']}")
    return answer["result"]
