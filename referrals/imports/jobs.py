"""Running an ImportJob: read its file, check and import its rows, keep the result.

The Celery task `referrals.tasks.run_import` calls `run_job`, so that a file of tens of
thousands of rows is never checked inside a web request. Progress is written as the rows
are checked, each write committed at once, for the job's page to show."""

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from ..enums import ImportJobStatus
from ..models import ImportJob
from .checks import RowError
from .files import read_rows
from .limits import ImportFileError
from .source import FAILED, REFUSED, ImportSource, record_import
from .write import ImportResult, referral_import

logger = logging.getLogger(__name__)


def run_job(job_id: int) -> str:
    """Run a queued job once; the status it ends in. A job that is not queued (running
    elsewhere, or ended) is left alone, so that a task delivered twice imports once."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING
    )
    if not claimed:
        status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        logger.info("Import job %s is %s, not queued: not run again", job_id, status)
        return status or ""
    job = ImportJob.objects.get(pk=job_id)
    jobs = ImportJob.objects.filter(pk=job_id)
    try:
        with translation.override(job.language or None):
            result, rows = _import(job, jobs)
    except Exception:
        logger.exception("Import job %s failed", job_id)
        failure = _failure_message(job)
        jobs.end(ImportJobStatus.FAILED, failure=failure)
        rows = jobs.values_list("rows_total", flat=True).get() or 0
        record_import(
            ImportSource.of_job(job), user=job.started_by, outcome=FAILED, rows=rows, reason=failure
        )
        return ImportJobStatus.FAILED
    jobs.end(ImportJobStatus.DONE, result=result.as_json(), rows_done=rows)
    return ImportJobStatus.DONE


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
    with translation.override(job.language or None):
        return _(
            "The import stopped on an unexpected error and nothing was imported. The "
            "server's log says why (import %(id)d)."
        ) % {"id": job.pk}
