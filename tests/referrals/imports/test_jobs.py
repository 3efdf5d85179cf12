"""An import runs as a job (`referrals.tasks.run_import`): it reports its progress, keeps
its result, forgets its file when it ends, fails saying so, never runs twice, and runs
again when its worker was lost, or queued again when its task was."""

import datetime
import logging
import threading
import time
from contextlib import nullcontext

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from referrals import imports, tasks
from referrals.enums import ImportJobStatus
from referrals.imports.jobs import LOCK_SPACE
from referrals.models import ImportJob, Referral
from tests.locks import advisory_lock_free, advisory_lock_held, postgres_only

from .rows import row

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator_client(client, administrator):
    client.force_login(administrator)
    return client


def job_url(job: ImportJob) -> str:
    return reverse("admin:referrals_referral_import_job", args=[job.pk])


def test_a_job_imports_its_file_and_forgets_it(job):
    assert tasks.run_import(job.pk) == ImportJobStatus.DONE

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == (ImportJobStatus.DONE, 2, 2)
    assert (job.result["imported"], job.result["errors"]) == (2, [])
    assert bytes(job.content) == b""
    assert Referral.objects.count() == 2


def test_a_job_that_ran_is_not_run_again(job):
    tasks.run_import(job.pk)
    job.refresh_from_db()
    first = (job.result, job.finished_at)

    assert tasks.run_import(job.pk) == ImportJobStatus.DONE

    job.refresh_from_db()
    assert (job.result, job.finished_at) == first  # run again, it would say "2 already imported"
    assert job.result["imported"] == 2


def test_a_job_running_elsewhere_is_left_to_its_worker(job, monkeypatch):
    """On PostgreSQL its worker holds the job's lock, which the task waits for a while;
    elsewhere a running job is always left alone."""
    monkeypatch.setattr(imports.jobs, "LOCK_WAIT", "200ms")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, rows_done=1000)
    postgres = connection.vendor == "postgresql"

    with advisory_lock_held(LOCK_SPACE, job.pk) if postgres else nullcontext():
        assert tasks.run_import(job.pk) == ImportJobStatus.RUNNING

    job.refresh_from_db()
    assert (job.rows_done, job.result, job.finished_at) == (1000, None, None)
    assert not Referral.objects.exists()


@postgres_only
def test_a_job_left_running_by_a_lost_worker_runs_again(job, caplog):
    """Its worker's connection is gone, and the job's lock with it (Celery hands the task to
    another worker: `task_reject_on_worker_lost`, or the broker's visibility timeout)."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, rows_done=1000)

    with caplog.at_level(logging.WARNING, logger="referrals.imports.jobs"):
        assert tasks.run_import(job.pk) == ImportJobStatus.DONE

    job.refresh_from_db()
    assert (job.rows_done, job.result["imported"], bytes(job.content)) == (2, 2, b"")
    assert Referral.objects.count() == 2
    assert f"Import job {job.pk} was left running by a lost worker: run again" in caplog.text


@postgres_only
def test_a_job_whose_worker_was_lost_again_and_again_fails_saying_so(job, caplog):
    """A file whose import kills its worker each time (for its memory) does not take one
    worker after another for ever: after MAX_ATTEMPTS runs the job fails, saying why."""
    assert imports.jobs.MAX_ATTEMPTS == 3
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, attempts=2)
    assert tasks.run_import(job.pk) == ImportJobStatus.DONE  # the third run
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, content=b"x")

    with caplog.at_level(logging.ERROR, logger="referrals.imports.jobs"):
        assert tasks.run_import(job.pk) == ImportJobStatus.FAILED

    job.refresh_from_db()
    assert (job.status, job.attempts, bytes(job.content)) == (ImportJobStatus.FAILED, 3, b"")
    assert job.failure == (
        "The import did not finish: the worker running it was lost. Upload the file again; "
        "rows already imported are skipped."
    )
    assert f"Import job {job.pk}: its worker was lost 3 times" in caplog.text


def test_each_run_of_a_job_is_counted(job):
    tasks.run_import(job.pk)

    job.refresh_from_db()
    assert job.attempts == 1


@postgres_only
def test_a_lost_workers_lock_still_let_go_of_is_waited_for(job):
    """A worker killed mid-statement: PostgreSQL ends its session within seconds
    (`client_connection_check_interval`), and the task handed on waits for that."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)

    with advisory_lock_held(LOCK_SPACE, job.pk) as release:
        threading.Timer(0.5, release.set).start()
        started = time.monotonic()
        assert tasks.run_import(job.pk) == ImportJobStatus.DONE

    assert time.monotonic() - started >= 0.4
    assert Referral.objects.count() == 2


@postgres_only
@pytest.mark.parametrize("outcome", [ImportJobStatus.DONE, ImportJobStatus.FAILED])
def test_the_worker_lets_go_of_the_jobs_lock_when_it_ends(job, outcome, monkeypatch):
    if outcome == ImportJobStatus.FAILED:
        monkeypatch.setattr(imports.jobs, "referral_import", lambda **kwargs: 1 / 0)

    assert tasks.run_import(job.pk) == outcome

    assert advisory_lock_free(LOCK_SPACE, job.pk)


@postgres_only
def test_the_job_is_locked_while_it_runs(job, monkeypatch):
    seen = []
    referral_import = imports.jobs.referral_import

    def watched(**kwargs):
        seen.append(advisory_lock_free(LOCK_SPACE, job.pk))
        return referral_import(**kwargs)

    monkeypatch.setattr(imports.jobs, "referral_import", watched)

    assert tasks.run_import(job.pk) == ImportJobStatus.DONE
    assert seen == [False]


def test_a_failing_import_marks_the_job_failed_and_logs_why(job, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.jobs, "referral_import", broken)

    with caplog.at_level(logging.ERROR, logger="referrals.imports.jobs"):
        assert tasks.run_import(job.pk) == ImportJobStatus.FAILED

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.failure == (
        "The import stopped on an unexpected error and nothing was imported. The server's "
        f"log says why (import {job.pk})."
    )
    assert bytes(job.content) == b""
    assert job.finished_at is not None
    assert "disk full" in caplog.text
    assert not Referral.objects.exists()


def test_the_failed_jobs_page_says_why(administrator_client, job):
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.FAILED, failure="It broke.", content=b""
    )

    page = administrator_client.get(job_url(job), HTTP_ACCEPT_LANGUAGE="en")

    assert '<p class="errornote" role="alert">It broke.</p>' in page.text
    assert "<title>Error:" in page.text
    assert "http-equiv" not in page.text


def test_a_job_the_broker_cannot_take_fails_at_once(job, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_import, "apply_async", broker_down)

    tasks.enqueue(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.failure == "The import could not be queued. Try again in a few minutes."
    assert bytes(job.content) == b""


def test_the_rows_checked_are_reported_every_so_often(monkeypatch, catalogue):
    monkeypatch.setattr(imports.checks, "PROGRESS_EVERY", 2)
    rows = [imports.ImportRow(n + 2, tuple(row(f"imp-{n}", serial=n).values())) for n in range(5)]
    seen = []

    plan = imports.check_rows(rows, progress=seen.append)

    assert (seen, len(plan.rows), plan.errors) == ([2, 4], 5, [])


@pytest.mark.parametrize(
    ("status", "heading"),
    [(ImportJobStatus.QUEUED, "Waiting for its turn"), (ImportJobStatus.RUNNING, "Checking")],
)
def test_the_page_of_a_running_job_shows_its_progress_and_follows_it(
    administrator_client, job, status, heading
):
    ImportJob.objects.filter(pk=job.pk).update(status=status, rows_done=12000, rows_total=60000)

    page = administrator_client.get(job_url(job), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert "/static/js/import-progress.js" in page.text
    assert "http-equiv" not in page.text  # no meta refresh: it reloads under the reader
    assert f'<h2 id="import-progress-heading">{heading}' in page.text
    assert '<p id="import-progress-label" role="status">' in page.text
    assert "12000 of 60000 rows checked." in page.text
    assert (
        '<progress max="60000" value="12000" aria-labelledby="import-progress-label">' in page.text
    )


def test_the_page_of_a_job_reading_its_file_shows_a_progress_without_a_value(
    administrator_client, job
):
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)

    page = administrator_client.get(job_url(job), HTTP_ACCEPT_LANGUAGE="en")

    assert "The file is being read." in page.text
    assert '<progress aria-labelledby="import-progress-label"></progress>' in page.text


def test_a_job_that_does_not_exist_is_a_404(administrator_client, job):
    page = administrator_client.get(reverse("admin:referrals_referral_import_job", args=[999]))

    assert page.status_code == 404


def test_the_imports_list_shows_who_imported_which_file(administrator_client, job):
    tasks.run_import(job.pk)

    page = administrator_client.get(
        reverse("admin:referrals_importjob_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert page.status_code == 200
    assert job.checksum in page.text
    assert "referrals.csv" in page.text
    change = administrator_client.get(reverse("admin:referrals_importjob_change", args=[job.pk]))
    assert f'<a href="{job_url(job)}">' in change.text


# --- the relay of jobs whose task is lost ------------------------------------------------------

PATIENCE = datetime.timedelta(seconds=settings.NOTIFY_QUEUE_PATIENCE)


def queued(job: ImportJob, ago: datetime.timedelta, status=ImportJobStatus.QUEUED) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, queued_at=timezone.now() - ago)


def test_beat_runs_the_imports_relay_as_often_as_the_emails(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["relay-imports"]

    assert entry["task"] == tasks.relay_imports.name == "referrals.tasks.relay_imports"
    assert entry["schedule"] == settings.NOTIFY_RELAY_EVERY


def test_a_job_whose_task_waited_past_the_patience_is_queued_again_and_runs(job, caplog):
    """Its task lost with a broker restarted without its data (here, run in-process)."""
    queued(job, PATIENCE + datetime.timedelta(seconds=1))

    with caplog.at_level(logging.WARNING, logger="referrals.tasks"):
        assert tasks.relay_imports() == 1

    job.refresh_from_db()
    assert (job.status, job.result["imported"]) == (ImportJobStatus.DONE, 2)
    assert f"Import job {job.pk}: its task is presumed lost, queued again" in caplog.text


def test_a_job_whose_task_waits_within_the_patience_is_left_to_it(job):
    queued(job, PATIENCE - datetime.timedelta(seconds=1))

    assert tasks.relay_imports() == 0

    job.refresh_from_db()
    assert job.status == ImportJobStatus.QUEUED


@pytest.fixture
def published(monkeypatch):
    """The ids of the jobs whose task is handed to the broker, which runs none of them."""
    ids = []
    monkeypatch.setattr(tasks.run_import, "apply_async", lambda args, **options: ids.append(args))
    return ids


def test_a_job_queued_again_waits_the_patience_anew(job, published):
    queued(job, PATIENCE * 3)

    assert (tasks.relay_imports(), tasks.relay_imports()) == (1, 0)

    job.refresh_from_db()
    assert (published, job.queued_at) == ([(job.pk,)], timezone.now())


def test_with_the_broker_down_the_relay_leaves_the_job_queued(job, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_import, "apply_async", broker_down)
    queued(job, PATIENCE * 3)

    assert tasks.relay_imports() == 1

    job.refresh_from_db()
    assert (job.status, bytes(job.content) != b"") == (ImportJobStatus.QUEUED, True)


def test_a_running_job_without_its_worker_is_queued_again_on_postgresql(job, published):
    """PostgreSQL tells a lost worker by the job's lock; elsewhere no lock tells, and a running
    job is its worker's."""
    queued(job, PATIENCE * 3, status=ImportJobStatus.RUNNING)
    postgres = connection.vendor == "postgresql"

    assert tasks.relay_imports() == (1 if postgres else 0)

    assert published == ([(job.pk,)] if postgres else [])
    if postgres:
        assert advisory_lock_free(LOCK_SPACE, job.pk)  # the relay let go of it


@postgres_only
@pytest.mark.parametrize("status", [ImportJobStatus.QUEUED, ImportJobStatus.RUNNING])
def test_a_job_its_worker_holds_is_left_to_it(job, published, status):
    queued(job, PATIENCE * 3, status=status)

    with advisory_lock_held(LOCK_SPACE, job.pk):
        assert tasks.relay_imports() == 0

    assert published == []


@pytest.mark.parametrize("status", [ImportJobStatus.DONE, ImportJobStatus.FAILED])
def test_an_ended_job_is_never_queued_again(job, published, status):
    queued(job, PATIENCE * 3, status=status)

    assert tasks.relay_imports() == 0
