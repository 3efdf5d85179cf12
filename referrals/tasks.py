"""The Celery tasks of the referrals: importing a file of existing trajectories (and
queuing again an import whose task is lost), the monthly retention (beat,
CELERY_BEAT_SCHEDULE), and counting the figures that take seconds (all of Flanders', a
province's, a region's) ahead of the day and again after a change (`reports.cache`).

Tasks take ids, never objects, and are idempotent. Without REDIS_URL (`make demo`, the
tests) Celery runs them in-process, eagerly: the job has ended when its page first shows."""

import hashlib
import logging

from celery import shared_task
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from .enums import ImportJobStatus
from .imports import jobs
from .models import ImportJob
from .reports import figures
from .services import retention

logger = logging.getLogger(__name__)


@shared_task
def run_import(job_id: int) -> str:
    """Read, check and import the file of one ImportJob; run again, it does nothing."""
    return jobs.run_job(job_id)


@shared_task
def relay_imports() -> int:
    """Queue again the import jobs whose task is presumed lost (`imports.jobs.stranded`;
    beat, every NOTIFY_RELAY_EVERY seconds); how many. With the broker down they are tried
    again after NOTIFY_QUEUE_PATIENCE, as if their task had been lost again."""
    ids = jobs.stranded()
    for job_id in ids:
        logger.warning("Import job %s: its task is presumed lost, queued again", job_id)
        try:
            _publish(job_id)
        except OperationalError as exc:
            logger.warning("Could not queue import job %s again (%s)", job_id, exc)
    return len(ids)


@shared_task
def apply_retention() -> int:
    """Pseudonymise the clients due (`services.retention`); run again, it does nothing.
    How many clients it pseudonymised."""
    result = retention.apply_retention()
    logger.info(
        "Retention: %d clients (%d referrals) pseudonymised, %d candidacies and %d import "
        "jobs cleared, before %s; past their own retention, deleted: %s",
        len(result.clients),
        result.referrals,
        result.candidacies,
        result.import_jobs,
        result.cutoff.isoformat(),
        result.purged_rows,
    )
    return len(result.clients)


@shared_task
def recount_figures(user_id: int, query: str, language: str) -> None:
    """Count the figures page `query` of user `user_id` into the cache, in `language`; while
    it runs, that page shows the figures as last counted. Run again, it counts only what
    changed since."""
    figures.count_again(user_id, query, language)


@shared_task
def count_figures_ahead() -> int:
    """Count the figures that take seconds into the cache before anyone asks (beat, early
    each morning: `reports.figures.count_ahead`). How many pages it counted."""
    return figures.count_ahead()


def start_import(*, user, file_name: str, content: bytes, dry_run: bool) -> ImportJob:
    """Queue the import of a file for `user`, run by a worker once the transaction commits;
    its messages will be in the language active now."""
    job = ImportJob.objects.create(
        started_by=user,
        file_name=file_name,
        checksum=hashlib.sha256(content).hexdigest(),
        content=content,
        language=translation.get_language() or "",
        dry_run=dry_run,
    )
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Hand a job to the worker; with the broker down the job fails at once, saying so,
    rather than waiting for a worker that will never hear of it."""
    try:
        _publish(job_id)
    except OperationalError as exc:
        logger.warning("Could not enqueue import job %s (%s)", job_id, exc)
        job = ImportJob.objects.get(pk=job_id)
        with translation.override(job.language or None):
            failure = _("The import could not be queued. Try again in a few minutes.")
        ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).end(
            ImportJobStatus.FAILED, failure=failure
        )


def _publish(job_id: int) -> None:
    """Hand the job's task to the broker, trying once, not with kombu's retries (as
    `notifications.engine.Outbox.enqueue` does, which says why)."""
    run_import.apply_async((job_id,), retry_policy={"max_retries": 0})
