"""Real parts shared by the integration tests of the e-mails and the webhooks (registered in
tests/conftest.py): a throwaway redis-server on a free port, not the machine's, so that a
test may stop and restart it; an SMTP server; this process publishing to that Redis; and
the environment in which a Celery worker or beat runs as in production against the test's
PostgreSQL database. The processes themselves: tests/notifications/integration/processes.py."""

import shutil

import pytest
from django.db import connection

from config.celery import app as celery_app
from tests.notifications.integration.processes import RedisServer, celery_env, database_url
from tests.notifications.integration.smtp_server import SmtpServer, free_port

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


@pytest.fixture(scope="session")
def integration_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("integration")


@pytest.fixture(scope="session")
def smtp_server():
    with SmtpServer() as server:
        yield server


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
