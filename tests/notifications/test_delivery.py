"""Delivery of the outbox's e-mails: each sent once, with text, HTML and a stable Message-ID;
temporary failures retried with capped, jittered backoff, never inside a web request;
permanent ones and exhausted ones ending `failed`; the relay picking up what was lost.

The suite runs Celery eagerly (no REDIS_URL): `deliver.delay()` runs in-process, as in
`make demo`. The worker's own path (a retry published with a countdown) is run through
`deliver.run()`, which sees no eager request."""

import datetime
import itertools
import re
import smtplib
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.delivery import backoff, message_id
from notifications.models import EmailOptOut, Kind, Notification
from notifications.tasks import deliver, enqueue, redeliver, relay_pending
from tests.accounts.factories import UserFactory

EMAIL, IN_APP = Notification.Channel.EMAIL, Notification.Channel.IN_APP
Status = Notification.Status
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
_keys = itertools.count()


def make_email(recipient=None, **fields) -> Notification:
    """An e-mail in the outbox, as `outbox.write` leaves it (pending, nothing tried)."""
    recipient = recipient or UserFactory()
    return Notification.objects.create(
        recipient=recipient,
        channel=fields.pop("channel", EMAIL),
        kind=Kind.INTAKE_PLANNED,
        subject=fields.pop("subject", "Intake gepland"),
        body="De intake is gepland op 12 maart.",
        body_html="<p>De intake is gepland op 12 maart.</p>",
        idempotency_key=f"test:{next(_keys)}:{Kind.INTAKE_PLANNED}:{recipient.pk}:email",
        **fields,
    )


def reload(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def published(publish: mock.Mock) -> list[int]:
    """The ids handed to the broker through a patched `deliver.apply_async`."""
    return [call.args[0][0] for call in publish.call_args_list]


def parsed(message):
    """What a receiving mail system reads: the message's bytes, parsed by the modern,
    strict parser (the one that reads an invalid Message-ID as garbage)."""
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


class FailingBackend(BaseEmailBackend):
    """A mail server that answers every message with `error`."""

    error: BaseException = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, email_messages):
        raise self.error


@pytest.fixture
def smtp_fails(settings, monkeypatch):
    """Make the mail server fail with the given error: `smtp_fails(TimeoutError())`."""
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    def fail_with(error: BaseException) -> None:
        monkeypatch.setattr(FailingBackend, "error", error)

    return fail_with


@pytest.fixture
def no_celery_retry():
    """The worker's retry, replaced: a test sees its arguments instead of a new message."""
    with mock.patch.object(deliver, "retry", side_effect=Retry()) as retry:
        yield retry


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


# --- failures -------------------------------------------------------------------------------

TEMPORARY = [
    pytest.param(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), id="dropped"),
    pytest.param(ConnectionRefusedError(111, "Connection refused"), id="refused"),
    pytest.param(TimeoutError("timed out"), id="timeout"),
    pytest.param(OSError(101, "Network is unreachable"), id="unreachable"),
    pytest.param(
        smtplib.SMTPRecipientsRefused({"x@example.org": (450, b"Mailbox busy")}), id="rcpt-450"
    ),
    pytest.param(smtplib.SMTPDataError(451, b"Try again later"), id="data-451"),
    # A 5xx about our own side: the configuration gets fixed, the messages should still go.
    pytest.param(smtplib.SMTPAuthenticationError(535, b"Bad credentials"), id="auth-535"),
    pytest.param(smtplib.SMTPSenderRefused(550, b"Not our sender", "okot@x"), id="sender-550"),
]
PERMANENT = [
    pytest.param(
        smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"No such user")}), id="rcpt-550"
    ),
    pytest.param(smtplib.SMTPDataError(554, b"Message rejected"), id="data-554"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("error", TEMPORARY)
def test_a_temporary_failure_is_recorded_and_left_for_later_in_a_web_request(
    error, smtp_fails, no_celery_retry, settings
):
    email = make_email()
    smtp_fails(error)

    with time_machine.travel(NOW, tick=False):
        assert deliver.delay(email.pk).get() == Status.PENDING

    no_celery_retry.assert_not_called()  # eager: the request is not held up by retries
    stored = reload(email)
    assert (stored.status, stored.attempts) == (Status.PENDING, 1)
    assert stored.last_error.startswith(type(error).__name__)
    assert (
        NOW
        <= stored.next_attempt_at
        <= NOW + datetime.timedelta(seconds=settings.NOTIFY_RETRY_BACKOFF)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("attempts_before", [0, 3])
def test_the_worker_retries_a_temporary_failure_within_the_backoff_bounds(
    attempts_before, smtp_fails, no_celery_retry, settings
):
    email = make_email(attempts=attempts_before)
    smtp_fails(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    with time_machine.travel(NOW, tick=False), pytest.raises(Retry):
        deliver.run(email.pk)

    (call,) = no_celery_retry.call_args_list
    countdown = call.kwargs["countdown"]
    attempt = attempts_before + 1
    assert 0 <= countdown <= settings.NOTIFY_RETRY_BACKOFF * 2 ** (attempt - 1)
    stored = reload(email)
    assert (stored.status, stored.attempts) == (Status.PENDING, attempt)
    assert stored.next_attempt_at == NOW + datetime.timedelta(seconds=countdown)


@pytest.mark.django_db
@pytest.mark.parametrize("error", PERMANENT)
def test_a_permanent_refusal_fails_at_once(error, smtp_fails, no_celery_retry):
    email = make_email()
    smtp_fails(error)

    assert deliver.run(email.pk) == Status.FAILED

    no_celery_retry.assert_not_called()
    stored = reload(email)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == (Status.FAILED, 1, None)
    assert stored.last_error.startswith(type(error).__name__)


@pytest.mark.django_db
def test_a_recipient_without_an_address_fails_at_once(mailoutbox):
    email = make_email(recipient=UserFactory(email=""))

    assert deliver.delay(email.pk).get() == Status.FAILED

    assert mailoutbox == []
    assert "no e-mail address" in reload(email).last_error


@pytest.mark.django_db
def test_a_recipient_made_inactive_after_the_email_was_written_gets_nothing(mailoutbox):
    email = make_email()
    email.recipient.is_active = False
    email.recipient.save(update_fields=["is_active"])

    assert deliver.delay(email.pk).get() == Status.FAILED

    assert mailoutbox == []
    stored = reload(email)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == (Status.FAILED, 1, None)
    assert "recipient inactive" in stored.last_error


@pytest.mark.django_db
def test_a_recipient_who_switched_the_kind_off_since_gets_nothing(mailoutbox):
    email = make_email()
    EmailOptOut.objects.create(user=email.recipient, kind=email.kind)

    assert deliver.delay(email.pk).get() == Status.FAILED

    assert mailoutbox == []
    stored = reload(email)
    assert stored.status == Status.FAILED
    assert "e-mail switched off by the recipient" in stored.last_error


@pytest.mark.django_db
def test_switching_another_kind_off_does_not_stop_this_one(mailoutbox):
    email = make_email()
    EmailOptOut.objects.create(user=email.recipient, kind=Kind.GUIDANCE_NOTE)

    assert deliver.delay(email.pk).get() == Status.SENT

    assert len(mailoutbox) == 1


# --- unexpected errors ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unexpected_error_is_recorded_and_the_row_put_back_not_left_sending(
    smtp_fails, no_celery_retry, settings
):
    """A bug, not the mail server: the row must not wait, silently `sending`, for the lease
    to run out. The error is recorded, the row planned again, the error raised for the log."""
    email = make_email()
    smtp_fails(RuntimeError("template bug"))

    with time_machine.travel(NOW, tick=False), pytest.raises(RuntimeError, match="template bug"):
        deliver.run(email.pk)

    no_celery_retry.assert_not_called()  # the relay retries it, not a tight loop of retries
    stored = reload(email)
    assert (stored.status, stored.attempts) == (Status.PENDING, 1)
    assert stored.last_error == "RuntimeError: template bug"
    assert (
        NOW
        <= stored.next_attempt_at
        <= NOW + datetime.timedelta(seconds=settings.NOTIFY_RETRY_BACKOFF)
    )


@pytest.mark.django_db
def test_an_unexpected_error_on_the_last_attempt_ends_failed(smtp_fails, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    email = make_email(attempts=2)
    smtp_fails(RuntimeError("template bug"))

    with pytest.raises(RuntimeError):
        deliver.delay(email.pk)

    stored = reload(email)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == (Status.FAILED, 3, None)
    assert stored.last_error == "RuntimeError: template bug"


@pytest.mark.django_db
def test_a_message_that_cannot_be_built_is_recorded_and_relayed_later(mailoutbox, settings):
    """A real one: a line break in the subject (Django refuses the header)."""
    email = make_email(subject="Intake\ngepland", created_at=NOW)

    with time_machine.travel(NOW, tick=False), pytest.raises(ValueError):
        deliver.delay(email.pk)

    stored = reload(email)
    assert (stored.status, stored.attempts) == (Status.PENDING, 1)
    assert stored.last_error.startswith("BadHeaderError")
    assert mailoutbox == []

    # Fixed, the relay picks it up once it is overdue.
    Notification.objects.filter(pk=email.pk).update(subject="Intake gepland")
    overdue = stored.next_attempt_at + datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER + 1)
    with time_machine.travel(overdue, tick=False):
        assert relay_pending.delay().get() == 1

    assert len(mailoutbox) == 1
    assert (reload(email).status, reload(email).attempts) == (Status.SENT, 2)


@pytest.mark.django_db
def test_an_email_that_keeps_failing_ends_failed_after_the_last_attempt(
    smtp_fails, no_celery_retry, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    email = make_email()
    smtp_fails(ConnectionRefusedError(111, "Connection refused"))

    results = [deliver.delay(email.pk).get() for _ in range(4)]

    assert results == [Status.PENDING, Status.PENDING, Status.FAILED, "skipped"]
    stored = reload(email)
    assert (stored.status, stored.attempts) == (Status.FAILED, 3)
    assert stored.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 8, 12, 20, 10_000])
def test_backoff_is_exponential_with_full_jitter_and_capped(attempt, settings):
    settings.NOTIFY_RETRY_BACKOFF = 5.0
    settings.NOTIFY_RETRY_BACKOFF_MAX = 3600.0
    ceiling = min(3600.0, 5.0 * 2 ** min(attempt - 1, 32))

    samples = [backoff(attempt) for _ in range(3000)]

    assert all(0 <= sample <= ceiling for sample in samples)
    # Full jitter: the whole range is used, not a band near the ceiling.
    assert min(samples) < 0.05 * ceiling
    assert max(samples) > 0.95 * ceiling


# --- the relay --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_relay_dispatches_only_emails_overdue_or_abandoned(settings):
    settings.NOTIFY_RELAY_AFTER = 60
    settings.NOTIFY_SENDING_LEASE = 120
    minutes_ago = lambda minutes: NOW - datetime.timedelta(minutes=minutes)  # noqa: E731
    relayed = {
        "pending for 2 minutes": make_email(created_at=minutes_ago(2)),
        "retry overdue": make_email(
            created_at=minutes_ago(60), attempts=2, next_attempt_at=minutes_ago(2)
        ),
        "sender lost": make_email(
            created_at=minutes_ago(10), status=Status.SENDING, claimed_at=minutes_ago(3)
        ),
    }
    left_alone = {
        "just written": make_email(created_at=NOW - datetime.timedelta(seconds=30)),
        "retry planned": make_email(
            created_at=minutes_ago(60), attempts=2, next_attempt_at=NOW + datetime.timedelta(1)
        ),
        "being sent": make_email(
            created_at=minutes_ago(10), status=Status.SENDING, claimed_at=minutes_ago(1)
        ),
        "sent": make_email(created_at=minutes_ago(10), status=Status.SENT),
        "failed": make_email(created_at=minutes_ago(10), status=Status.FAILED),
        "in the app": make_email(created_at=minutes_ago(10), channel=IN_APP),
        "relayed 30 s ago": make_email(
            created_at=minutes_ago(10), next_attempt_at=NOW - datetime.timedelta(seconds=30)
        ),
        "sender lost, relayed 30 s ago": make_email(
            created_at=minutes_ago(10),
            status=Status.SENDING,
            claimed_at=minutes_ago(3),
            next_attempt_at=NOW - datetime.timedelta(seconds=30),
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
def test_the_relay_dispatches_a_row_once_per_relay_delay_not_on_every_run(fields, settings):
    settings.NOTIFY_RELAY_AFTER = 60
    settings.NOTIFY_SENDING_LEASE = 120
    ten_minutes_ago = NOW - datetime.timedelta(minutes=10)
    email = make_email(created_at=ten_minutes_ago, claimed_at=ten_minutes_ago, **fields)

    with mock.patch.object(deliver, "apply_async") as publish:
        for run in range(5):  # beat runs it every 30 s; the task is still queued
            with time_machine.travel(NOW + datetime.timedelta(seconds=run), tick=False):
                relay_pending()
        assert published(publish) == [email.pk]

        # Still not sent a relay delay later (that task was lost too): dispatched again.
        later = NOW + datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER + 1)
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
    emails = [make_email() for _ in range(5)]
    broker_down = OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    with mock.patch.object(deliver, "apply_async", side_effect=broker_down) as publish:
        enqueue([email.pk for email in emails])

    assert published(publish) == [emails[0].pk]
    assert caplog.text.count("Could not enqueue") == 1
    assert "4 more" in caplog.text
    assert {(e.status, e.attempts) for e in map(reload, emails)} == {(Status.PENDING, 0)}


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
