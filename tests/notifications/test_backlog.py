"""How far behind the outboxes are (`notifications.backlog`): what counts as not delivered
yet, the oldest of it, the counts, and the latency of what was delivered lately; the same
for the e-mails and the webhook deliveries, and never the in-app messages."""

import datetime

import pytest
import time_machine

from notifications import backlog
from notifications.delivery import EMAILS
from tests.notifications.emails import IN_APP, NOW, Status, make_email
from tests.webhooks.deliveries import make_delivery
from webhooks.sender import WEBHOOKS

pytestmark = pytest.mark.django_db


def ago(**delta) -> datetime.datetime:
    return NOW - datetime.timedelta(**delta)


@pytest.fixture(params=["email", "webhook"])
def outbox(request):
    """(the outbox, a function writing one of its rows)."""
    return (EMAILS, make_email) if request.param == "email" else (WEBHOOKS, make_delivery)


@time_machine.travel(NOW, tick=False)
def test_the_oldest_unsent_row_is_the_oldest_pending_or_sending_one(outbox):
    box, make = outbox
    make(status=Status.SENT, created_at=ago(days=30), sent_at=ago(days=30))
    make(status=Status.FAILED, created_at=ago(days=20))
    make(status=Status.PENDING, created_at=ago(minutes=5))
    make(status=Status.SENDING, created_at=ago(minutes=40), claimed_at=ago(minutes=39))

    assert backlog.oldest_unsent(box) == ago(minutes=40)
    assert backlog.age_seconds(backlog.oldest_unsent(box)) == 40 * 60


@time_machine.travel(NOW, tick=False)
def test_nothing_waiting_is_no_age(outbox):
    box, make = outbox
    make(status=Status.SENT, created_at=ago(days=1), sent_at=ago(days=1))

    assert backlog.oldest_unsent(box) is None
    assert backlog.age_seconds(None) == 0


@time_machine.travel(NOW, tick=False)
def test_in_app_messages_are_not_in_the_e_mails_backlog():
    make_email(channel=IN_APP, created_at=ago(days=3))  # in the inbox: never "sent"

    assert backlog.oldest_unsent(EMAILS) is None
    assert backlog.counts(EMAILS) == {Status.PENDING: 0, Status.SENDING: 0, Status.FAILED: 0}


def test_counts_are_per_status_with_zeros(outbox):
    box, make = outbox
    for status in [Status.PENDING, Status.PENDING, Status.FAILED, Status.SENT]:
        make(status=status)

    assert backlog.counts(box) == {Status.PENDING: 2, Status.SENDING: 0, Status.FAILED: 1}


@time_machine.travel(NOW, tick=False)
def test_latency_is_from_written_to_sent_of_the_rows_written_in_the_window(outbox):
    box, make = outbox
    for seconds in [2, 4, 6, 8, 100]:
        make(
            status=Status.SENT,
            created_at=ago(minutes=5),
            sent_at=ago(minutes=5) + datetime.timedelta(seconds=seconds),
        )
    make(status=Status.SENT, created_at=ago(hours=2), sent_at=ago(minutes=1))  # before the window
    make(status=Status.PENDING, created_at=ago(minutes=1))  # not delivered: in the age instead

    latencies = backlog.recent_latencies(box, datetime.timedelta(minutes=15))

    assert sorted(latencies) == [2, 4, 6, 8, 100]
    summary = backlog.summary(latencies)
    assert summary["p50"] == 6
    assert summary["max"] == 100
    assert 8 < summary["p95"] <= 100


def test_the_summary_of_no_deliveries_is_zero():
    assert backlog.summary([]) == {"p50": 0.0, "p95": 0.0, "max": 0.0}
    assert backlog.summary([3.0]) == {"p50": 3.0, "p95": 3.0, "max": 3.0}
