"""Real parts for the delivery tests: PostgreSQL, a redis-server of their own, a Celery
worker (and beat where the relay is needed) run as in production, and an SMTP server.

The redis-server, the SMTP server and the workers' environment are shared with the
webhooks' integration tests (tests/integration.py). The worker reaches the same test
database as this process, so every test commits (transaction=True) for the worker to see
its rows."""

import time

import pytest

from notifications.models import Kind, Notification
from referrals.enums import State
from tests.integration import NOTIFY_ENV  # noqa: F401 - the modules here read it
from tests.referrals.factories import counsellor_for, referral_in_state

from .processes import CeleryBeat, CeleryWorker, wait_for

SETTLE_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 30.0
# After the first copy arrives, how long a second copy gets to show up before we say
# there is none: longer than the relay's period and delay together (NOTIFY_ENV).
QUIET = 4.0


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server's recorder, emptied for each test (and the server listening)."""
    if not smtp_server.running:  # a test that stopped it failed before starting it again
        smtp_server.start()
    smtp_server.recorder.reset()
    yield smtp_server.recorder
    smtp_server.recorder.release()


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
