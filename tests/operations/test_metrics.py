"""/metrics for Prometheus: a 404 to anyone without METRICS_TOKEN, the request metrics per
view with bounded labels, the outboxes' backlog read at the scrape, and every gunicorn
worker's counts added up."""

import os
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from notifications import backlog
from referrals.reports import replica
from tests.notifications.emails import Status, make_email
from tests.replica import reads_the_replica
from tests.webhooks.deliveries import make_delivery

pytestmark = pytest.mark.django_db

URL = "/metrics"
TOKEN = "a-scrape-token-of-32-characters-x"
BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token: str = TOKEN):
    return client.get(URL, headers={"authorization": f"Bearer {token}"})


def samples(response) -> dict:
    """{(name, sorted labels): value} of every sample of the exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_the_url_is_prometheus_default_path():
    assert reverse("operations:metrics") == URL


@pytest.mark.parametrize(
    ("configured", "sent"),
    [("", None), ("", ""), (TOKEN, None), (TOKEN, "wrong"), (TOKEN, TOKEN[:-1])],
    ids=["unset", "unset-empty-bearer", "no-header", "wrong", "prefix"],
)
def test_without_the_token_there_is_nothing_here(client, settings, configured, sent):
    settings.METRICS_TOKEN = configured
    headers = {} if sent is None else {"authorization": f"Bearer {sent}"}

    response = client.get(URL, headers=headers)

    assert response.status_code == 404
    assert b"okot_" not in response.content


def test_with_the_token_prometheus_reads_its_text_format(client, token):
    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}


def test_the_token_is_a_bearer_token_only(client, token):
    assert client.get(URL, headers={"authorization": f"Basic {TOKEN}"}).status_code == 404
    assert client.get(URL, headers={"authorization": f"bearer {TOKEN}"}).status_code == 200


def test_the_outboxes_backlog_is_read_at_the_scrape(client, token):
    for _ in range(3):
        make_email(status=Status.PENDING)
    make_email(status=Status.FAILED)
    make_delivery(status=Status.SENDING)
    make_delivery(status=Status.FAILED)
    make_delivery(status=Status.FAILED)

    found = samples(scrape(client))

    def rows(outbox, status):
        return found[("okot_outbox_rows", (("outbox", outbox), ("status", status)))]

    assert found[("okot_outbox_up", ())] == 1
    assert (rows("email", "pending"), rows("email", "sending"), rows("email", "failed")) == (
        3,
        0,
        1,
    )
    assert (rows("webhook", "pending"), rows("webhook", "sending")) == (0, 1)
    assert rows("webhook", "failed") == 2
    for outbox in ("email", "webhook"):
        assert found[("okot_outbox_oldest_unsent_age_seconds", (("outbox", outbox),))] >= 0
        for stat in ("p50", "p95", "max"):
            key = ("okot_outbox_delivery_latency_seconds", (("outbox", outbox), ("stat", stat)))
            assert key in found
        assert ("okot_outbox_recently_delivered", (("outbox", outbox),)) in found


def test_an_outbox_that_cannot_be_read_still_answers_saying_so(client, token, monkeypatch):
    def broken(outbox):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(backlog, "counts", broken)

    response = scrape(client)

    assert response.status_code == 200
    found = samples(response)
    assert found[("okot_outbox_up", ())] == 0
    assert not any(name == "okot_outbox_rows" for name, _ in found)


def test_without_a_replica_nothing_is_said_of_one(client, token):
    assert not any(name.startswith("okot_figures_replica") for name, _ in samples(scrape(client)))


@reads_the_replica
def test_the_figures_replica_is_read_at_the_scrape(client, token, settings):
    """How far behind the primary it is; the tests' replica is the database itself."""
    settings.OKOT_FIGURES_DATABASE = "replica"

    found = samples(scrape(client))

    assert found[("okot_figures_replica_up", ())] == 1
    assert found[("okot_figures_replica_behind_bytes", ())] == 0


def test_a_figures_replica_that_does_not_answer_is_said_so(client, token, settings, monkeypatch):
    settings.OKOT_FIGURES_DATABASE = "replica"

    def behind(alias):
        raise DatabaseError('connection to server at "replica" (10.0.0.6) failed')

    monkeypatch.setattr(replica, "behind", behind)

    response = scrape(client)

    assert response.status_code == 200
    found = samples(response)
    assert found[("okot_figures_replica_up", ())] == 0
    assert ("okot_figures_replica_behind_bytes", ()) not in found
    assert found[("okot_outbox_up", ())] == 1


def test_requests_are_timed_per_view_and_method(client, token):
    client.get(reverse("login"))

    found = samples(scrape(client))

    key = (
        "django_http_requests_latency_seconds_by_view_method_count",
        (("method", "GET"), ("view", "login")),
    )
    assert found[key] >= 1


def test_an_invented_method_makes_no_series_of_its_own(client, token):
    client.generic("BREW", reverse("login"))

    found = samples(scrape(client))

    methods = {dict(labels).get("method") for _, labels in found}
    assert "BREW" not in methods
    assert "other" in methods


def test_the_scrape_adds_up_every_gunicorn_worker(client, token, tmp_path, monkeypatch):
    """Two processes count in the multiprocess folder; whichever answers says both."""
    worker = (
        "from prometheus_client import Counter; "
        "Counter('okot_test_requests', 'requests of a worker').inc(3)"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)  # noqa: S603
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    found = samples(scrape(client))

    assert found[("okot_test_requests_total", ())] == 6
    assert found[("okot_outbox_up", ())] == 1  # the outboxes too, read by this process


# os.environ is restored after the test: the hooks set PROMETHEUS_MULTIPROC_DIR directly,
# which monkeypatch would not undo.
@mock.patch.dict(os.environ)
def test_gunicorn_gives_its_workers_a_fresh_multiprocess_folder(tmp_path):
    hooks = runpy.run_path(str(BASE_DIR / "config" / "gunicorn.conf.py"))
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

    hooks["on_starting"](None)
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert folder.is_dir()
    hooks["on_exit"](None)
    assert not folder.exists()

    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_1234.db").write_bytes(b"a previous run")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(given)
    hooks["on_starting"](None)
    hooks["on_exit"](None)
    assert given.is_dir()  # the operator's folder stays, emptied of the last run's counts
    assert list(given.iterdir()) == []
