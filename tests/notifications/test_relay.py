"""The relay and the enqueue: the relay dispatching only e-mails whose task is lost (never
queued, or queued too long ago) or whose sender is gone, a batch at a time, oldest first,
and again only once that task is presumed lost too; an enqueue lost to a broker error
delivered by the relay, and given up at the first error; in-process delivery going on after
one e-mail fails; the admin's Retry taking only a sending e-mail whose sender is gone."""

import datetime
from unittest import mock

import pytest
import time_machine
from kombu.exceptions import OperationalError

from notifications.tasks import deliver, enqueue, redeliver, relay_pending
from tests.notifications.emails import IN_APP, NOW, Status, make_email, reload


def published(publish: mock.Mock) -> list[int]:
    """The ids handed to the broker through a patched `deliver.apply_async`."""
    return [call.args[0][0] for call in publish.call_args_list]


# --- the relay --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_relay_dispatches_only_emails_whose_task_is_lost(settings):
    """No task in the queue: a relay delay after it was due. A task in the queue: only once
    it has waited NOTIFY_QUEUE_PATIENCE past the due time (a task waiting its turn behind
    a backlog, or a retry waiting for its countdown, is not duplicated)."""
    settings.NOTIFY_RELAY_AFTER = 60
    settings.NOTIFY_QUEUE_PATIENCE = 600
    settings.NOTIFY_SENDING_LEASE = 120
    minutes_ago = lambda minutes: NOW - datetime.timedelta(minutes=minutes)  # noqa: E731
    relayed = {
        "never queued, 2 minutes past due": make_email(created_at=minutes_ago(2)),
        "retry not queued, 2 minutes past due": make_email(
            created_at=minutes_ago(60), attempts=2, next_attempt_at=minutes_ago(2)
        ),
        "queued, 11 minutes past due": make_email(
            created_at=minutes_ago(11), queued_at=minutes_ago(11)
        ),
        "retry queued, 11 minutes past due": make_email(
            created_at=minutes_ago(60),
            attempts=2,
            next_attempt_at=minutes_ago(11),
            queued_at=minutes_ago(12),
        ),
        "sender lost": make_email(
            created_at=minutes_ago(10), status=Status.SENDING, claimed_at=minutes_ago(3)
        ),
        "sender lost, relayed 11 minutes ago": make_email(
            created_at=minutes_ago(30),
            status=Status.SENDING,
            claimed_at=minutes_ago(15),
            queued_at=minutes_ago(11),
        ),
    }
    left_alone = {
        "just written, not queued": make_email(created_at=NOW - datetime.timedelta(seconds=30)),
        "queued behind a backlog for 5 minutes": make_email(
            created_at=minutes_ago(5), queued_at=minutes_ago(5)
        ),
        "retry planned": make_email(
            created_at=minutes_ago(60),
            attempts=2,
            next_attempt_at=NOW + datetime.timedelta(1),
            queued_at=minutes_ago(1),
        ),
        "retry queued long ago, due 5 minutes ago": make_email(
            created_at=minutes_ago(90),
            attempts=5,
            next_attempt_at=minutes_ago(5),
            queued_at=minutes_ago(60),
        ),
        "being sent": make_email(
            created_at=minutes_ago(10), status=Status.SENDING, claimed_at=minutes_ago(1)
        ),
        "sent": make_email(created_at=minutes_ago(10), status=Status.SENT),
        "failed": make_email(created_at=minutes_ago(10), status=Status.FAILED),
        "in the app": make_email(created_at=minutes_ago(10), channel=IN_APP),
        "relayed 30 s ago": make_email(
            created_at=minutes_ago(10), queued_at=NOW - datetime.timedelta(seconds=30)
        ),
        "sender lost, relayed 30 s ago": make_email(
            created_at=minutes_ago(10),
            status=Status.SENDING,
            claimed_at=minutes_ago(3),
            queued_at=NOW - datetime.timedelta(seconds=30),
        ),
    }

    with (
        time_machine.travel(NOW, tick=False),
        mock.patch.object(deliver, "apply_async") as publish,
    ):
        assert relay_pending() == len(relayed)

    dispatched = set(published(publish))
    assert dispatched == {email.pk for email in relayed.values()}
    assert not dispatched & {email.pk for email in left_alone.values()}
    assert {reload(email).queued_at for email in relayed.values()} == {NOW}


@pytest.mark.django_db
def test_the_relay_takes_at_most_a_batch_oldest_first(settings):
    settings.NOTIFY_RELAY_BATCH = 2
    emails = [make_email(created_at=NOW - datetime.timedelta(hours=h)) for h in (1, 3, 2)]

    with time_machine.travel(NOW, tick=False), mock.patch.object(deliver, "apply_async") as publish:
        assert relay_pending() == 2

    assert published(publish) == [emails[1].pk, emails[2].pk]


@pytest.mark.django_db
def test_an_enqueue_lost_to_a_broker_error_is_delivered_by_the_relay(mailoutbox, settings, caplog):
    email = make_email(created_at=NOW)
    broker_down = OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    with time_machine.travel(NOW, tick=False):
        with mock.patch.object(deliver, "apply_async", side_effect=broker_down):
            enqueue([email.pk])  # what the on-commit callback does: it must not raise
        assert relay_pending.delay().get() == 0  # not overdue yet

    assert reload(email).status == Status.PENDING
    assert f"Could not enqueue notification {email.pk}" in caplog.text
    assert mailoutbox == []

    overdue = NOW + datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER + 1)
    with time_machine.travel(overdue, tick=False):
        assert relay_pending.delay().get() == 1

    assert len(mailoutbox) == 1
    assert reload(email).status == Status.SENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="pending-overdue"),
        pytest.param({"status": Status.SENDING, "attempts": 1}, id="sender-lost"),
    ],
)
def test_the_relay_dispatches_a_row_again_only_once_its_task_is_presumed_lost(fields, settings):
    settings.NOTIFY_RELAY_AFTER = 60
    settings.NOTIFY_QUEUE_PATIENCE = 600
    settings.NOTIFY_SENDING_LEASE = 120
    ten_minutes_ago = NOW - datetime.timedelta(minutes=10)
    email = make_email(created_at=ten_minutes_ago, claimed_at=ten_minutes_ago, **fields)

    with mock.patch.object(deliver, "apply_async") as publish:
        # beat runs it every 30 s for nine minutes; the task it published is still queued
        for run in range(18):
            with time_machine.travel(NOW + datetime.timedelta(seconds=30 * run), tick=False):
                relay_pending()
        assert published(publish) == [email.pk]

        # Still not taken NOTIFY_QUEUE_PATIENCE later: presumed lost, dispatched again.
        later = NOW + datetime.timedelta(seconds=settings.NOTIFY_QUEUE_PATIENCE + 1)
        with time_machine.travel(later, tick=False):
            relay_pending()
        assert published(publish) == [email.pk, email.pk]

    # Only dispatched: the row is still what deliver() expects to claim.
    stored = reload(email)
    assert (stored.status, stored.claimed_at) == (
        fields.get("status", Status.PENDING),
        ten_minutes_ago,
    )


# --- enqueue ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_publishes_each_email_without_publish_retries():
    emails = [make_email() for _ in range(3)]

    with mock.patch.object(deliver, "apply_async") as publish:
        enqueue([email.pk for email in emails])

    assert published(publish) == [email.pk for email in emails]
    for call in publish.call_args_list:  # one try each: no publish retries
        assert call.kwargs["retry_policy"]["max_retries"] == 0


@pytest.mark.django_db
def test_with_the_broker_down_enqueue_gives_up_at_the_first_error(caplog):
    """Each publish would otherwise wait out Celery's retries, one id after the other,
    while the user's request waits: one failure says the broker is down for all of them."""
    emails = [make_email(queued_at=NOW) for _ in range(5)]
    broker_down = OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    with mock.patch.object(deliver, "apply_async", side_effect=broker_down) as publish:
        enqueue([email.pk for email in emails])

    assert published(publish) == [emails[0].pk]
    assert caplog.text.count("Could not enqueue") == 1
    assert "4 more" in caplog.text
    # No task waits in the queue for any of them: the relay takes them after its delay.
    assert {(e.status, e.attempts, e.queued_at) for e in map(reload, emails)} == {
        (Status.PENDING, 0, None)
    }


@pytest.mark.django_db
def test_in_process_delivery_goes_on_after_one_email_fails_unexpectedly(smtp_fails, caplog):
    """Without a broker `enqueue` runs the deliveries itself: an error in one (recorded on
    its row) is logged and does not keep the next from being tried."""
    emails = [make_email() for _ in range(2)]
    smtp_fails(RuntimeError("template bug"))

    enqueue([email.pk for email in emails])  # must not raise: it runs after commit

    assert [(e.status, e.attempts) for e in map(reload, emails)] == [(Status.PENDING, 1)] * 2
    assert "template bug" in caplog.text


# --- Retry in admin ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_retry_takes_a_sending_email_whose_sender_is_gone_and_leaves_a_live_one(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NOTIFY_SENDING_LEASE = 120
    abandoned = make_email(
        status=Status.SENDING, attempts=8, claimed_at=NOW - datetime.timedelta(minutes=5)
    )
    live = make_email(
        status=Status.SENDING, attempts=1, claimed_at=NOW - datetime.timedelta(seconds=10)
    )

    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert redeliver([abandoned.pk, live.pk]) == 1

    assert [m.to for m in mailoutbox] == [[abandoned.recipient.email]]
    assert (reload(abandoned).status, reload(abandoned).attempts) == (Status.SENT, 1)
    assert (reload(live).status, reload(live).attempts) == (Status.SENDING, 1)
