"""Running an ImportJob: read its file, check and import its rows, keep the result.

The Celery task `referrals.tasks.run_import` calls `run_job`, so that a file of tens of
thousands of rows is never checked inside a web request. Progress is written as the rows
are checked, each write committed at once, for the job's page to show.

A worker lost mid-import (killed for its memory, its host gone) leaves its job running, and
Celery hands the task to another worker (`task_reject_on_worker_lost`, or the broker's
visibility timeout). On PostgreSQL the worker running a job holds a lock of the job's
(`worker_lock`), which the database lets go of when the worker's connection ends: the
next worker that finds the job running and its lock free runs it again from its file (the
import writes all or nothing). Elsewhere (SQLite: tasks run in the process that asked) a
running job is left to its worker. A job whose task is lost altogether (with the broker's
data, or a worker's host) beat's relay queues again (`stranded`)."""

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg.errors import LockNotAvailable

from ..enums import ImportJobStatus
from ..models import ImportJob
from .checks import RowError
from .files import read_rows
from .limits import ImportFileError
from .source import FAILED, REFUSED, ImportSource, record_import
from .write import ImportResult, referral_import

logger = logging.getLogger(__name__)


# The first key of the PostgreSQL advisory lock a worker holds while it runs an import job
# (the job's id is the second): a number of this application's own, for no other lock.
LOCK_SPACE = 1401
# How long a worker waits for the lock of a job found running. A lost worker's connection
# may still run its last statement for a moment (PostgreSQL looks every ten seconds whether
# the client is there: `config.database.GONE_CLIENT_CHECK`).
LOCK_WAIT = "30s"
# How many times a job is run before it is given up: a file whose import kills its worker
# each time (for its memory) must not take one worker after another for ever.
MAX_ATTEMPTS = 3


def run_job(job_id: int) -> str:
    """Run a queued job once; the status it ends in. A job that is not queued is left
    alone, so that a task delivered twice imports once: one that ended, or one running
    elsewhere; but one left running by a worker that is gone runs again (`worker_lock`),
    MAX_ATTEMPTS times in all, then fails saying so."""
    jobs = ImportJob.objects.filter(pk=job_id)
    with worker_lock(job_id) as lock:
        attempt = {"attempts": F("attempts") + 1}
        claimed = jobs.filter(status=ImportJobStatus.QUEUED).update(
            status=ImportJobStatus.RUNNING, **attempt
        )
        if not claimed and lock:
            left = jobs.filter(status=ImportJobStatus.RUNNING)
            claimed = left.filter(attempts__lt=MAX_ATTEMPTS).update(rows_done=0, **attempt)
            if claimed:
                logger.warning("Import job %s was left running by a lost worker: run again", job_id)
            elif left.exists():
                logger.error("Import job %s: its worker was lost %d times", job_id, MAX_ATTEMPTS)
                return _fail(ImportJob.objects.get(pk=job_id), lost_message)
        if not claimed:
            status = jobs.values_list("status", flat=True).first()
            logger.info("Import job %s is %s, not queued: not run again", job_id, status)
            return status or ""
        return _run(job_id)


@contextmanager
def worker_lock(job_id: int) -> Iterator[bool]:
    """Whether this worker holds the job's lock for the block: on PostgreSQL an advisory
    lock of this connection's session, waited for `LOCK_WAIT` at most and let go of when
    the block ends or the connection does; False where another worker holds it (it runs
    the job), or on another database. Called outside a transaction (the task is queued on
    commit), as a transaction would keep `LOCK_WAIT` for its own locks."""
    held = connection.vendor == "postgresql" and _lock(job_id)
    try:
        yield held
    finally:
        if held:
            _unlock(job_id)


def _lock(job_id: int) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_WAIT])
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_SPACE, job_id])
    except OperationalError as error:
        if not isinstance(error.__cause__, LockNotAvailable):  # past lock_timeout
            raise
        logger.info("Import job %s: another worker holds it", job_id)
        return False
    return True


def _unlock(job_id: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_SPACE, job_id])
            let_go = cursor.fetchone()[0]
    except DatabaseError:  # the connection is gone, and the lock with it
        let_go = False
    if not let_go:
        logger.warning("Import job %s: its lock was no longer this connection's", job_id)


def stranded() -> list[int]:
    """The jobs whose task is presumed lost, their `queued_at` now: the caller hands them
    to the broker again (`tasks.relay_imports`). A job not ended whose task was handed over
    more than NOTIFY_QUEUE_PATIENCE seconds ago and that no worker holds: on PostgreSQL a
    queued or running one whose lock is free, elsewhere (no lock tells) a queued one. Its
    task went with a broker restarted without its data, or with a worker's host, whose
    tasks the broker gives out again only after its visibility timeout (two hours). A
    task merely waiting its turn that long runs twice, and imports once."""
    patience = timezone.now() - datetime.timedelta(seconds=settings.NOTIFY_QUEUE_PATIENCE)
    postgres = connection.vendor == "postgresql"
    waiting = [ImportJobStatus.QUEUED, *([ImportJobStatus.RUNNING] if postgres else [])]
    jobs = ImportJob.objects.filter(queued_at__lt=patience, status__in=waiting)
    lost = [pk for pk in jobs.values_list("pk", flat=True) if not postgres or _unheld(pk)]
    ImportJob.objects.filter(pk__in=lost, status__in=waiting).update(queued_at=timezone.now())
    return lost


def _unheld(job_id: int) -> bool:
    """Whether no worker holds the job's lock (taken and let go of at once if so)."""
    with connection.cursor() as cursor:
        cursor.execute(  # CASE, as AND may run the unlock first
            "SELECT CASE WHEN pg_try_advisory_lock(%s, %s) THEN pg_advisory_unlock(%s, %s)"
            " ELSE false END",
            [LOCK_SPACE, job_id, LOCK_SPACE, job_id],
        )
        return cursor.fetchone()[0]


def _run(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    jobs = ImportJob.objects.filter(pk=job_id)
    try:
        with translation.override(job.language or None):
            result, rows = _import(job, jobs)
    except Exception:
        logger.exception("Import job %s failed", job_id)
        return _fail(job, _failure_message)
    jobs.end(ImportJobStatus.DONE, result=result.as_json(), rows_done=rows)
    return ImportJobStatus.DONE


def _fail(job: ImportJob, message) -> str:
    """End the job failed with `message(job)` (in its language), and say so in the audit
    trail."""
    jobs = ImportJob.objects.filter(pk=job.pk)
    with translation.override(job.language or None):
        failure = message(job)
    jobs.end(ImportJobStatus.FAILED, failure=failure)
    rows = jobs.values_list("rows_total", flat=True).get() or 0
    record_import(
        ImportSource.of_job(job), user=job.started_by, outcome=FAILED, rows=rows, reason=failure
    )
    return ImportJobStatus.FAILED


def _import(job: ImportJob, jobs) -> tuple[ImportResult, int]:
    """The job's result and the number of rows its file has."""
    source = ImportSource.of_job(job)
    try:
        rows = read_rows(job.file_name, bytes(job.content))
    except ImportFileError as exc:
        result = ImportResult(errors=[RowError(None, str(exc))], dry_run=job.dry_run)
        record_import(
            source, user=job.started_by, outcome=REFUSED, rows=0, result=result, reason=str(exc)
        )
        return result, 0
    jobs.update(rows_total=len(rows))
    result = referral_import(
        rows=rows,
        user=job.started_by,
        dry_run=job.dry_run,
        progress=lambda done: jobs.update(rows_done=done),
        source=source,
    )
    return result, len(rows)


def _failure_message(job: ImportJob) -> str:
    return _(
        "The import stopped on an unexpected error and nothing was imported. The "
        "server's log says why (import %(id)d)."
    ) % {"id": job.pk}


def lost_message(job: ImportJob | None = None) -> str:
    """Why a job whose worker was lost, more than once or long ago, ended failed."""
    return _(
        "The import did not finish: the worker running it was lost. Upload the file again; "
        "rows already imported are skipped."
    )
