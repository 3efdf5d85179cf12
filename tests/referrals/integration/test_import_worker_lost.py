"""An import whose worker is lost mid-file runs again from its file on the next worker, which
finds the job running and its lock let go of (`imports.jobs.worker_lock`). Before, the job
stayed "running" for ever, its file (national numbers) with it.

- Its pool process killed (as the kernel kills one for its memory): Celery hands the task to
  the next pool process at once (`task_reject_on_worker_lost`).
- The worker told to stop by a deploy, then killed at the end of the grace period: as
  compose runs it (REMAP_SIGTERM), it hands the task back to the queue before the kill
  (`CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT`). Before, the kill left the task unacknowledged,
  given out again only after the broker's visibility timeout (two hours).
- Its task lost with the broker's data (a Redis restarted without it): beat's relay queues
  the job again once its task has waited NOTIFY_QUEUE_PATIENCE (here 10 s).

A real Celery worker on the test's PostgreSQL and Redis (tests/integration.py), as in
production; the rows commit (transaction=True) for the worker to see them."""

import contextlib
import os
import signal
import subprocess

import pytest
import redis
import yaml

from config.celery import app as celery_app
from referrals import tasks
from referrals.benchmarks import import_files
from referrals.enums import ImportJobStatus
from referrals.models import ImportJob, Referral
from tests.notifications.integration.processes import (
    BASE_DIR,
    CeleryBeat,
    CeleryWorker,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Enough rows that the worker is still at them when it is killed, or at the end of the
# grace period (some 2,000 a second; progress is written every 1,000), few enough to import
# again in seconds.
ROWS = 20_000


# The worker's environment as compose gives it (REMAP_SIGTERM), and a soft shutdown and a
# grace period of seconds rather than compose's 45 and 60.
COMPOSE_WORKER = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]["worker"]
SOFT_SHUTDOWN = 1.0
GRACE_PERIOD = 6.0


@pytest.fixture
def started(integration_dir):
    """`started(env, name)`: a prefork worker with one pool process, as `make worker` runs
    it, stopped (if still running) after the test."""
    workers = []

    def start(env: dict[str, str], name: str) -> CeleryWorker:
        worker = CeleryWorker(env=env, log_path=integration_dir / f"imports-{name}.log")
        workers.append(worker.start())
        return worker

    yield start
    for worker in workers:
        worker.stop()


def start_import(administrator) -> ImportJob:
    """An import of ROWS rows, queued once this returns, and being checked by a worker."""
    import_files.catalogue()
    content = import_files.csv_file(import_files.rows(ROWS))
    job = tasks.start_import(
        user=administrator, file_name="trajecten.csv", content=content, dry_run=False
    )
    wait_for(
        lambda: ImportJob.objects.filter(
            pk=job.pk, status=ImportJobStatus.RUNNING, rows_done__gt=0
        ).exists(),
        60,
        what="a worker to be checking the file's rows",
    )
    return job


def assert_imported_once(job: ImportJob, worker: CeleryWorker) -> None:
    """The job ended (within two minutes), every row imported once, by `worker` after the
    first was lost."""
    wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk).exclude(status=ImportJobStatus.RUNNING),
        120,
        what=f"the job to end after its worker was lost:\n{worker.log_tail()}",
    )
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, (job.status, job.failure, worker.log_tail())
    assert (job.result["imported"], job.result["errors"], job.rows_done) == (ROWS, [], ROWS)
    assert bytes(job.content) == b""
    assert Referral.objects.count() == ROWS
    assert f"Import job {job.pk} was left running by a lost worker: run again" in worker.log()


def test_an_import_whose_pool_process_was_killed_runs_again_and_ends(
    started, worker_env, administrator
):
    worker = started(worker_env, "worker")
    job = start_import(administrator)
    [pool_process] = worker.pool_processes()

    os.kill(pool_process, signal.SIGKILL)

    assert_imported_once(job, worker)
    assert worker.pool_processes() != [pool_process]


def test_an_import_on_a_worker_stopped_by_a_deploy_goes_to_the_next_worker_before_the_kill(
    started, worker_env, administrator
):
    env = {
        **worker_env,
        "REMAP_SIGTERM": COMPOSE_WORKER["environment"]["REMAP_SIGTERM"],
        "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": str(SOFT_SHUTDOWN),
    }
    workers = [started(env, "first"), started(env, "second")]
    job = start_import(administrator)
    [stopping] = [w for w in workers if "Task referrals.tasks.run_import[" in w.log()]
    [successor] = [worker for worker in workers if worker is not stopping]

    os.kill(stopping.pid, signal.SIGTERM)  # as compose stops a container: its first process
    with contextlib.suppress(subprocess.TimeoutExpired):
        stopping.popen.wait(timeout=GRACE_PERIOD)
    stopping.kill()  # what is left at the end of the grace period

    assert_imported_once(job, successor)


def test_an_import_whose_task_was_lost_with_the_brokers_data_is_queued_again(
    started, worker_env, integration_dir, redis_server, administrator
):
    import_files.catalogue()
    content = import_files.csv_file(import_files.rows(100))
    job = tasks.start_import(
        user=administrator, file_name="trajecten.csv", content=content, dry_run=False
    )
    broker, queue = redis.Redis.from_url(redis_server.url), celery_app.conf.task_default_queue
    waiting = broker.lrange(queue, 0, -1)  # no worker has taken its task yet
    assert any(b"referrals.tasks.run_import" in message for message in waiting)
    broker.delete(queue)  # lost, as with a Redis restarted without its data

    worker = started(worker_env, "relayed")
    beat = CeleryBeat(env=worker_env, log_path=integration_dir / "imports-beat.log").start()
    try:
        wait_for(
            lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.DONE).exists(),
            60,
            what=f"the relay to queue the job again:\n{worker.log_tail()}",
        )
    finally:
        beat.stop()
    job.refresh_from_db()
    assert (job.result["imported"], Referral.objects.count()) == (100, 100)
    assert f"Import job {job.pk}: its task is presumed lost, queued again" in worker.log()
