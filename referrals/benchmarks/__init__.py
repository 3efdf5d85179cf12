"""What the benchmark commands run: runtime code, never imported from tests.

`report_fill` fills a throwaway database with set-based SQL; `report_cases` times each
report table against the bare SQL that gives the same figures. `bench_report` drives both.
`import_files` makes a legitimate file of existing trajectories and hostile ones;
`import_cases` reads and imports each in a child process and measures it. `bench_import`
drives both. `serve` runs gunicorn for the benchmarks over HTTP (`bench_api`, and `bench`
of `operations.benchmarks`, where the benchmarks that read every app live)."""

import math

from django.conf import settings

# Static files as the plain storage serves them: a benchmark in this process renders pages
# without `collectstatic`'s manifest.
PLAIN_STATIC = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def purge_queue() -> None:
    """The steps' e-mails wait in the benchmark's broker for a worker that never comes."""
    from celery import current_app

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.control.purge()
