"""The relay of the webhooks (the e-mails' engine, `notifications.engine`): it dispatches
again only the deliveries whose task is lost or whose sender is gone, and an enqueue lost to
a broker error is delivered by it."""

import datetime
from unittest import mock

import pytest
import time_machine
from kombu.exceptions import OperationalError

from webhooks.tasks import deliver, enqueue, relay_pending

from .deliveries import NOW, Status, make_delivery, make_subscription, reload

pytestmark = pytest.mark.django_db


def minutes_ago(minutes: float) -> datetime.datetime:
    return NOW - datetime.timedelta(minutes=minutes)


def test_the_relay_dispatches_only_deliveries_without_a_live_task(settings):
    settings.NOTIFY_RELAY_AFTER = 60
    settings.NOTIFY_QUEUE_PATIENCE = 600
    settings.NOTIFY_SENDING_LEASE = 120
    subscription = make_subscription()
    make = lambda **fields: make_delivery(subscription, **fields)  # noqa: E731
    relayed = {
        "never queued, 2 minutes past due": make(created_at=minutes_ago(2)),
        "retry not queued, 2 minutes past due": make(
            created_at=minutes_ago(60), attempts=2, next_attempt_at=minutes_ago(2)
        ),
        "queued, 11 minutes past due": make(created_at=minutes_ago(11), queued_at=minutes_ago(11)),
        "sender lost": make(
            created_at=minutes_ago(10), status=Status.SENDING, claimed_at=minutes_ago(3)
        ),
    }
    left_alone = {
        "just written, not queued": make(created_at=NOW - datetime.timedelta(seconds=30)),
        "queued behind a backlog": make(created_at=minutes_ago(5), queued_at=minutes_ago(5)),
        "retry planned": make(
            created_at=minutes_ago(60),
            attempts=2,
            next_attempt_at=NOW + datetime.timedelta(minutes=5),
            queued_at=minutes_ago(1),
        ),
        "being sent": make(
            created_at=minutes_ago(10), status=Status.SENDING, claimed_at=minutes_ago(1)
        ),
        "sent": make(created_at=minutes_ago(10), status=Status.SENT),
        "failed": make(created_at=minutes_ago(10), status=Status.FAILED),
    }

    with time_machine.travel(NOW, tick=False), mock.patch.object(deliver, "apply_async") as publish:
        assert relay_pending() == len(relayed)

    dispatched = {call.args[0][0] for call in publish.call_args_list}
    assert dispatched == {delivery.pk for delivery in relayed.values()}
    assert {reload(delivery).queued_at for delivery in relayed.values()} == {NOW}
    assert not dispatched & {delivery.pk for delivery in left_alone.values()}


def test_an_enqueue_lost_to_a_broker_error_is_delivered_by_the_relay(receiver, settings, caplog):
    delivery = make_delivery(make_subscription(url=receiver.url), created_at=NOW)
    broker_down = OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    with time_machine.travel(NOW, tick=False):
        with mock.patch.object(deliver, "apply_async", side_effect=broker_down):
            enqueue([delivery.pk])  # what the on-commit callback does: it must not raise
        assert relay_pending() == 0  # not overdue yet
    assert f"Could not enqueue webhook delivery {delivery.pk}" in caplog.text
    assert receiver.calls == []

    later = NOW + datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER + 1)
    with time_machine.travel(later, tick=False):
        assert relay_pending() == 1  # eager here: relayed and delivered at once

    assert reload(delivery).status == Status.SENT
    assert receiver.event_ids() == [str(delivery.event_id)]
