"""Sending the outbox's e-mails: each sent once, with text, HTML and a stable Message-ID; a
settled row or an in-app message never sent; one sender per e-mail, however many workers
try, and a worker lost mid-send leaving a claim the relay sends once. The suite runs Celery
eagerly (no REDIS_URL): `deliver.delay()` runs in-process, as in `make demo`."""

import datetime
import re
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from notifications.delivery import message_id
from notifications.models import Notification
from notifications.tasks import deliver, relay_pending
from tests.notifications.emails import EMAIL, IN_APP, NOW, Status, make_email, reload


def parsed(message):
    """What a receiving mail system reads: the message's bytes, parsed by the modern,
    strict parser (the one that reads an invalid Message-ID as garbage)."""
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


# --- the happy path ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_delivery_sends_one_email_with_text_html_and_message_id(mailoutbox):
    email = make_email()

    assert deliver.delay(email.pk).get() == Status.SENT

    (message,) = mailoutbox
    assert message.to == [email.recipient.email]
    assert message.subject == "Intake gepland"
    assert message.body == "De intake is gepland op 12 maart."
    assert message.alternatives == [("<p>De intake is gepland op 12 maart.</p>", "text/html")]
    header = parsed(message)["Message-ID"]
    assert (str(header), header.defects) == (message_id(email), ())
    stored = reload(email)
    assert (stored.status, stored.attempts, stored.last_error) == (Status.SENT, 1, "")
    assert stored.sent_at is not None
    assert stored.next_attempt_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("site_url", "host"),
    [
        pytest.param("https://okot.example.be/app/", "okot.example.be", id="site-host"),
        pytest.param("http://127.0.0.1:8000", "127.0.0.1", id="address-and-port"),
        pytest.param("", "okot.invalid", id="no-site-url"),
        pytest.param("http://[::1]:8000", "okot.invalid", id="ipv6-not-a-dot-atom"),
    ],
)
def test_the_message_id_is_valid_and_stable_per_row(site_url, host, settings, mailoutbox):
    """RFC 5322 allows no colon in a Message-ID's left part, and the idempotency key is full
    of them: a strict parser read `<event:12:...@okot>` as `<event`. A digest of the key is
    valid, and the same for every attempt at one row."""
    settings.SITE_URL = site_url
    email, other = make_email(), make_email()
    assert ":" in email.idempotency_key

    deliver.delay(email.pk)

    (message,) = mailoutbox
    header = parsed(message)["Message-ID"]
    assert header.defects == ()
    assert str(header) == message_id(email) == message_id(reload(email))
    assert re.fullmatch(rf"<[0-9a-f]{{32}}@{re.escape(host)}>", str(header))
    assert message_id(other) != message_id(email)


@pytest.mark.django_db
def test_delivering_twice_sends_once(mailoutbox):
    email = make_email()

    results = [deliver.delay(email.pk).get(), deliver.delay(email.pk).get()]

    assert results == [Status.SENT, "skipped"]
    assert len(mailoutbox) == 1
    assert reload(email).attempts == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "channel"),
    [
        pytest.param(Status.SENT, EMAIL, id="sent"),
        pytest.param(Status.FAILED, EMAIL, id="failed-waits-for-a-person"),
        pytest.param(Status.PENDING, IN_APP, id="in-app-message"),
    ],
)
def test_a_settled_row_or_an_in_app_message_is_never_sent(status, channel, mailoutbox):
    email = make_email(status=status, channel=channel, attempts=2)

    assert deliver.delay(email.pk).get() == "skipped"

    assert mailoutbox == []
    stored = reload(email)
    assert (stored.status, stored.attempts) == (status, 2)


@pytest.mark.django_db
def test_a_missing_row_is_skipped(mailoutbox):
    assert deliver.delay(987654).get() == "skipped"
    assert mailoutbox == []


# --- concurrency: one sender per e-mail -------------------------------------------------------


@contextmanager
def locked_elsewhere(instance):
    """Hold a row lock on `instance` in another connection, as a second worker would.

    On PostgreSQL a thread with its own connection keeps `SELECT ... FOR UPDATE` open. SQLite
    has no row locks (select_for_update does nothing there); what keeps a second worker off
    is the claim that worker commits, so that is what stands in for the lock."""
    if connection.vendor == "sqlite":
        if isinstance(instance, Notification):
            Notification.objects.filter(pk=instance.pk).update(
                status=Status.SENDING, attempts=instance.attempts + 1, claimed_at=timezone.now()
            )
        yield
        return
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                type(instance).objects.select_for_update().get(pk=instance.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=10), "the other connection did not get the lock"
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_email_locked_by_another_worker_is_skipped_and_sent_later(mailoutbox, settings):
    email = make_email()

    with locked_elsewhere(email):
        assert deliver.delay(email.pk).get() == "skipped"
        assert mailoutbox == []

    # Once the other worker is gone (lock released; on SQLite its claim expired) it goes.
    later = timezone.now() + datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE + 1)
    with time_machine.travel(later, tick=False):
        assert deliver.delay(email.pk).get() == Status.SENT
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lock_on_the_recipient_does_not_hold_up_their_email(mailoutbox):
    """Only the notification row is locked: another e-mail to the same person, being sent
    at the same moment, must not make this one wait for the relay."""
    email = make_email()

    with locked_elsewhere(email.recipient):
        assert deliver.delay(email.pk).get() == Status.SENT

    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_fresh_claim_is_left_to_its_worker_and_an_expired_one_is_taken_over(mailoutbox, settings):
    email = make_email(status=Status.SENDING, attempts=1, claimed_at=NOW)

    with time_machine.travel(NOW + datetime.timedelta(seconds=5), tick=False):
        assert deliver.delay(email.pk).get() == "skipped"
    lease_over = NOW + datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE + 1)
    with time_machine.travel(lease_over, tick=False):
        assert deliver.delay(email.pk).get() == Status.SENT

    assert len(mailoutbox) == 1
    assert reload(email).attempts == 2


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the task gets to handle it."""


@pytest.mark.django_db
def test_a_worker_lost_mid_send_leaves_a_claim_the_relay_sends_once(
    smtp_fails, settings, mailoutbox
):
    email = make_email(created_at=NOW)
    smtp_fails(WorkerKilled())
    with time_machine.travel(NOW, tick=False), pytest.raises(WorkerKilled):
        deliver.delay(email.pk)

    claimed = reload(email)
    assert (claimed.status, claimed.attempts, claimed.claimed_at) == (Status.SENDING, 1, NOW)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lease_over = NOW + datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE + 1)
    with time_machine.travel(lease_over, tick=False):
        assert relay_pending.delay().get() == 1
        assert relay_pending.delay().get() == 0

    (message,) = mailoutbox
    assert str(parsed(message)["Message-ID"]) == message_id(email)
    assert (reload(email).status, reload(email).attempts) == (Status.SENT, 2)


@pytest.mark.django_db
def test_a_second_task_for_an_email_waiting_for_its_retry_keeps_the_backoff(mailoutbox):
    """A copy of the task (the relay's, or one the broker hands back late) finds the e-mail
    waiting for its next attempt: it leaves it to the retry that was planned, and starts
    no second chain of retries. Once due, one task sends it."""
    due = NOW + datetime.timedelta(seconds=40)
    email = make_email(attempts=2, next_attempt_at=due, last_error="SMTPServerDisconnected")

    with time_machine.travel(due - datetime.timedelta(seconds=10), tick=False):
        assert deliver.delay(email.pk).get() == "skipped"
    assert mailoutbox == []
    assert (reload(email).status, reload(email).attempts) == (Status.PENDING, 2)

    with time_machine.travel(due, tick=False):
        assert deliver.delay(email.pk).get() == Status.SENT
        assert deliver.delay(email.pk).get() == "skipped"
    assert len(mailoutbox) == 1
    stored = reload(email)
    assert (stored.status, stored.attempts, stored.queued_at) == (Status.SENT, 3, None)


@pytest.mark.django_db
def test_a_worker_lost_during_the_last_attempt_ends_failed(mailoutbox, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    email = make_email(status=Status.SENDING, attempts=3, claimed_at=NOW)

    lease_over = NOW + datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE + 1)
    with time_machine.travel(lease_over, tick=False):
        assert deliver.delay(email.pk).get() == "skipped"

    assert mailoutbox == []
    stored = reload(email)
    assert stored.status == Status.FAILED
    assert "worker lost" in stored.last_error
