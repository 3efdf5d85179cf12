"""Real parts for the webhooks' delivery tests: the e-mails' Redis and worker environment
(tests/integration.py), a Celery worker and beat run as in production, and the receiver, a
real HTTP server in a thread of this process that the worker posts to over localhost.

The worker reaches the same test database as this process, so every test commits
(transaction=True) for the worker to see its rows."""

import time

import pytest

from tests.notifications.integration.processes import CeleryBeat, CeleryWorker, wait_for
from webhooks.models import Delivery

from ..receiver import Receiver

# The worker's webhook settings: a short timeout for the slow receiver, and attempts enough
# to outlast the receiver being down for a while at the integration backoff (at most 2 s).
WEBHOOK_TIMEOUT = 2.0
WEBHOOK_ENV = {
    "WEBHOOKS_ALLOW_HTTP": "true",
    "WEBHOOK_TIMEOUT": str(WEBHOOK_TIMEOUT),
    "WEBHOOK_MAX_ATTEMPTS": "30",
}
SETTLE_TIMEOUT = 40.0
# After a receiver got an event, how long a second copy gets to show up before we say there
# is none: longer than the relay's period, delay and the lease together (NOTIFY_ENV).
QUIET = 5.0


@pytest.fixture(scope="module")
def webhook_env(worker_env):
    return {**worker_env, **WEBHOOK_ENV}


@pytest.fixture(scope="module")
def worker(webhook_env, integration_dir):
    """A prefork worker with one pool process, as `make worker` runs it."""
    process = CeleryWorker(env=webhook_env, log_path=integration_dir / "webhooks-worker.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def beat(webhook_env, integration_dir, transactional_db):
    """Celery beat with the settings' schedule: both relays every second."""
    process = CeleryBeat(env=webhook_env, log_path=integration_dir / "webhooks-beat.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def in_flight():
    return Delivery.objects.exclude(status__in=[Delivery.Status.SENT, Delivery.Status.FAILED])


@pytest.fixture
def settle(worker, receiver, transactional_db):
    """Call to wait until no delivery is in flight (and a quiet while for any second copy);
    also waits after the test, so the worker is done before the tables are emptied."""

    def wait(timeout: float = SETTLE_TIMEOUT, quiet: float = QUIET) -> None:
        try:
            wait_for(lambda: not in_flight().exists(), timeout, what="deliveries in flight")
        except TimeoutError as exc:
            rows = list(in_flight().values("pk", "kind", "status", "attempts", "last_error"))
            raise AssertionError(f"{exc}: {rows}\n{worker.log_tail()}") from None
        time.sleep(quiet)

    yield wait
    if not receiver.running:
        receiver.start()
    try:
        wait(timeout=10, quiet=0)
    except AssertionError:
        pass  # the test has failed or will say why; don't hide it behind this
