"""Real parts for the delivery tests: PostgreSQL, a redis-server of their own, a Celery
worker (and beat where the relay is needed) run as in production, and an SMTP server.

The redis-server is a throwaway one on a free port, not the machine's, so that a test may
stop and restart it. The worker reaches the same test database as this process, so every
test commits (transaction=True) for the worker to see its rows."""

import shutil
import time

import pytest
from django.db import connection

from config.celery import app as celery_app
from notifications.models import Kind, Notification
from referrals.enums import State
from tests.referrals.factories import counsellor_for, referral_in_state

from .processes import (
    CeleryBeat,
    CeleryWorker,
    RedisServer,
    celery_env,
    database_url,
    wait_for,
)
from .smtp_server import SmtpServer, free_port

# Small timings, so that retries, the relay and a lost sender's lease pass within seconds;
# the SMTP timeout outlasts any stall a test holds the worker in.
NOTIFY_ENV = {
    "NOTIFY_RETRY_BACKOFF": "0.5",
    "NOTIFY_RETRY_BACKOFF_MAX": "2",
    "NOTIFY_MAX_ATTEMPTS": "8",
    "NOTIFY_RELAY_AFTER": "2",
    "NOTIFY_QUEUE_PATIENCE": "10",
    "NOTIFY_RELAY_EVERY": "1",
    "NOTIFY_SENDING_LEASE": "2",
    "NOTIFY_SMTP_TIMEOUT": "60",
}
SETTLE_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 30.0
# After the first copy arrives, how long a second copy gets to show up before we say
# there is none: longer than the relay's period and delay together (NOTIFY_ENV).
QUIET = 4.0


@pytest.fixture(scope="session")
def integration_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("integration")


@pytest.fixture(scope="session")
def smtp_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server's recorder, emptied for each test (and the server listening)."""
    if not smtp_server.running:  # a test that stopped it failed before starting it again
        smtp_server.start()
    smtp_server.recorder.reset()
    yield smtp_server.recorder
    smtp_server.recorder.release()


@pytest.fixture(scope="session")
def redis_server(integration_dir):
    if shutil.which("redis-server") is None:
        pytest.fail("the integration tests start a redis-server: apt-get install redis-server")
    server = RedisServer(free_port(), workdir=integration_dir / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def celery_on_redis(redis_server):
    """This process publishes to the test's Redis instead of running tasks in-process.

    Set before anything is published, so the broker connection pool is made for it."""
    before = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    yield redis_server.url
    celery_app.conf.update(before)
    celery_app.close()


@pytest.fixture(scope="session")
def worker_env(django_db_setup, celery_on_redis, smtp_server):
    if connection.vendor != "postgresql":
        pytest.fail(
            "the integration tests need PostgreSQL, shared with the worker: "
            "run `make test-integration` or set DATABASE_URL=postgres://..."
        )
    return celery_env(
        database_url=database_url(connection.settings_dict),  # the test database
        redis_url=celery_on_redis,
        smtp_port=smtp_server.port,
        **NOTIFY_ENV,
    )


@pytest.fixture(scope="module")
def worker(worker_env, integration_dir):
    """A prefork worker with one pool process, as `make worker` runs it."""
    process = CeleryWorker(env=worker_env, log_path=integration_dir / "worker.log").start()
    yield process
    process.stop()


@pytest.fixture
def beat(worker_env, integration_dir, transactional_db):
    """Celery beat with the settings' schedule: the relay every second."""
    process = CeleryBeat(env=worker_env, log_path=integration_dir / "beat.log").start()
    yield process
    process.stop()


def in_flight():
    return Notification.objects.filter(channel=Notification.Channel.EMAIL).exclude(
        status__in=[Notification.Status.SENT, Notification.Status.FAILED]
    )


@pytest.fixture
def settle(worker, smtp, transactional_db):
    """Call to wait until no e-mail is in flight; also waits after the test, so the
    worker is done before the tables are emptied."""

    def wait(timeout: float = SETTLE_TIMEOUT) -> None:
        try:
            wait_for(lambda: not in_flight().exists(), timeout, what="e-mails in flight")
        except TimeoutError as exc:
            rows = list(in_flight().values("pk", "kind", "status", "attempts", "last_error"))
            raise AssertionError(f"{exc}: {rows}\n{worker.log_tail()}") from None

    yield wait
    smtp.release()
    try:
        wait(timeout=10)
    except AssertionError:
        pass  # the test has failed or will say why; don't hide it behind this


@pytest.fixture
def agreed(settle, smtp):
    """An agreed referral, its caseworker and a counsellor who plans the intake; the
    e-mails of the steps so far are delivered and left out of what the server recorded."""
    referral = referral_in_state(State.AGREED)
    counsellor = counsellor_for(referral.training)
    settle()
    smtp.reset()
    return referral, referral.caseworker, counsellor


def intake_email(referral) -> Notification:
    return Notification.objects.get(
        referral=referral, kind=Kind.INTAKE_PLANNED, channel=Notification.Channel.EMAIL
    )


def copies_of(smtp, recipient: str, count: int, worker) -> list:
    """Wait until `count` copies to `recipient` were accepted, then a quiet while for any
    further one; the copies accepted."""
    try:
        wait_for(
            lambda: len(smtp.accepted_for(recipient)) >= count, DELIVERY_TIMEOUT, what=recipient
        )
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{worker.log_tail()}") from None
    time.sleep(QUIET)
    return smtp.accepted_for(recipient)


def delivered_once(smtp, recipient: str, worker) -> list:
    """Wait for the first copy to `recipient`, then a quiet while for any second one."""
    return copies_of(smtp, recipient, 1, worker)
