"""An import whose worker is lost mid-file (its pool process killed, as the kernel kills one
for its memory): Celery hands the task to the next pool process (`task_reject_on_worker_lost`),
which finds the job running and its lock let go of, and runs it again from its file. Before,
the job stayed "running" for ever, its file (national numbers) with it.

A real Celery worker on the test's PostgreSQL and Redis (tests/integration.py), as in
production; the rows commit (transaction=True) for the worker to see them."""

import os
import signal

import pytest

from referrals import tasks
from referrals.benchmarks import import_files
from referrals.enums import ImportJobStatus
from referrals.models import ImportJob, Referral
from tests.notifications.integration.processes import CeleryWorker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Enough rows that the worker is still checking them when it is killed (some 2,000 a second;
# progress is written every 1,000), few enough to import again in seconds.
ROWS = 10_000


@pytest.fixture
def worker(worker_env, integration_dir):
    """A prefork worker with one pool process, as `make worker` runs it."""
    process = CeleryWorker(env=worker_env, log_path=integration_dir / "imports-worker.log")
    process.start()
    yield process
    process.stop()


def test_an_import_whose_worker_was_killed_runs_again_and_ends(worker, administrator):
    import_files.catalogue()
    content = import_files.csv_file(import_files.rows(ROWS))
    job = tasks.start_import(
        user=administrator, file_name="trajecten.csv", content=content, dry_run=False
    )
    jobs = ImportJob.objects.filter(pk=job.pk)
    wait_for(
        lambda: jobs.filter(status=ImportJobStatus.RUNNING, rows_done__gt=0).exists(),
        60,
        what="the worker to be checking the file's rows",
    )
    [pool_process] = worker.pool_processes()
    os.kill(pool_process, signal.SIGKILL)

    wait_for(
        lambda: jobs.exclude(status=ImportJobStatus.RUNNING).exists(),
        120,
        what=f"the job to end after its worker was killed:\n{worker.log_tail()}",
    )
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, (job.status, job.failure, worker.log_tail())
    assert (job.result["imported"], job.result["errors"], job.rows_done) == (ROWS, [], ROWS)
    assert bytes(job.content) == b""
    assert Referral.objects.count() == ROWS
    assert f"Import job {job.pk} was left running by a lost worker: run again" in worker.log()
    assert worker.pool_processes() != [pool_process]
