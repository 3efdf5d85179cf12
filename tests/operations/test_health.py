"""/health/ for load balancers and docker compose: 200 while the database and Redis answer,
503 naming the check that failed, `degraded` (still 200) when an outbox falls behind; for
anyone, whatever the Host, over plain HTTP, without writing anything or being cached."""

import datetime
import socket

import pytest
import redis
import time_machine
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.notifications.emails import NOW, Status, make_email
from tests.webhooks.deliveries import make_delivery

pytestmark = pytest.mark.django_db

URL = "/health/"


def test_the_url_is_the_one_load_balancers_and_compose_are_given():
    assert reverse("operations:health") == URL


def test_the_embedded_defaults_are_healthy(client, settings):
    settings.REDIS_URL = ""

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "redis": {"status": "ok", "configured": False},
            "email_outbox": {
                "status": "ok",
                "oldest_pending_age_seconds": 0,
                "max_age_seconds": settings.HEALTH_OUTBOX_MAX_AGE,
            },
            "webhook_outbox": {
                "status": "ok",
                "oldest_pending_age_seconds": 0,
                "max_age_seconds": settings.HEALTH_WEBHOOK_MAX_AGE,
            },
        },
    }


class BrokenCursor:
    def __enter__(self):
        raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed')

    def __exit__(self, *exc):
        return False


def test_a_database_that_does_not_answer_is_a_503(client, monkeypatch):
    monkeypatch.setattr(connection, "cursor", BrokenCursor)

    response = client.get(URL)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"] == {"status": "unhealthy", "error": "OperationalError"}
    assert "email_outbox" not in body["checks"]  # not asked of a database that is gone
    assert "10.0.0.5" not in response.content.decode()  # the network's layout stays inside


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_redis_that_does_not_answer_is_a_503(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/12"  # nothing listens there

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {
        "status": "unhealthy",
        "error": "ConnectionError",
    }
    assert response.json()["checks"]["database"] == {"status": "ok"}


def test_a_redis_that_answers_is_healthy(client, settings):
    url = "redis://127.0.0.1:6379/12"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on localhost:6379 (make test-integration starts its own)")
    settings.REDIS_URL = url

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"status": "ok"}


def minutes_ago(minutes: int) -> datetime.datetime:
    return NOW - datetime.timedelta(minutes=minutes)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("waiting", "expected"), [(29, "ok"), (31, "degraded")], ids=["within", "past"]
)
def test_an_e_mail_waiting_past_the_threshold_degrades_but_keeps_the_instance_in(
    client, settings, waiting, expected
):
    settings.HEALTH_OUTBOX_MAX_AGE = 30 * 60
    make_email(status=Status.SENT, created_at=minutes_ago(600), sent_at=minutes_ago(599))
    make_email(status=Status.PENDING, created_at=minutes_ago(waiting))

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["status"] == expected
    assert response.json()["checks"]["email_outbox"] == {
        "status": expected,
        "oldest_pending_age_seconds": waiting * 60,
        "max_age_seconds": 30 * 60,
    }


@time_machine.travel(NOW, tick=False)
def test_webhook_deliveries_have_their_own_longer_threshold(client, settings):
    settings.HEALTH_OUTBOX_MAX_AGE = 30 * 60
    settings.HEALTH_WEBHOOK_MAX_AGE = 12 * 60 * 60
    make_delivery(status=Status.PENDING, created_at=minutes_ago(6 * 60))  # a receiver down

    assert client.get(URL).json()["status"] == "ok"

    make_delivery(status=Status.SENDING, created_at=minutes_ago(13 * 60))

    body = client.get(URL).json()
    assert body["status"] == "degraded"
    assert body["checks"]["webhook_outbox"]["status"] == "degraded"
    assert body["checks"]["email_outbox"]["status"] == "ok"


def test_it_reads_only_and_sets_no_cookie(client, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(5):
        response = client.get(URL)

    assert response.status_code == 200
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)
    assert response.cookies == {}
    assert "no-store" in response["Cache-Control"]


def test_a_probe_by_address_over_plain_http_is_answered(client, settings):
    """A load balancer asks by the instance's address and over HTTP, which pages refuse."""
    settings.ALLOWED_HOSTS = ["okot.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    probe = client.get(URL, headers={"host": "10.0.3.7:8000"})
    page = client.get(reverse("login"), headers={"host": "10.0.3.7:8000"})
    page_by_name = client.get(reverse("login"), headers={"host": "okot.example.org"})

    assert probe.status_code == 200
    assert page.status_code == 400  # the host check still holds for everything else
    assert page_by_name.status_code == 301  # and so does the HTTPS redirect
    assert page_by_name["Location"].startswith("https://")


def test_it_answers_get_and_head_only(client):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405
