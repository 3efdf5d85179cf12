"""Failed deliveries: temporary failures retried with capped, jittered backoff, never
inside a web request; permanent refusals, recipients gone or switched off and exhausted
retries ending `failed`; an unexpected error recorded and the row put back for the relay,
not left `sending`. The worker's own path (a retry published with a countdown) is run
through `deliver.run()`, which sees no eager request."""

import datetime
import smtplib
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Reject, Retry

from notifications.models import EmailOptOut, Kind, Notification
from notifications.outcomes import backoff
from notifications.tasks import deliver, relay_pending
from tests.accounts.factories import UserFactory
from tests.notifications.emails import NOW, Status, make_email, reload


@pytest.fixture
def no_celery_retry():
    """The worker's retry, replaced: a test sees its arguments instead of a new message."""
    with mock.patch.object(deliver, "retry", side_effect=Retry()) as retry:
        yield retry


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
    assert stored.queued_at is None  # no task waits: the relay takes it once overdue
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
    assert stored.queued_at == NOW  # the retry's task: the relay leaves the row to it


def test_the_worker_retries_without_a_limit_of_its_own():
    """`retry(max_retries=None)` would mean the task's default, 3: after the fourth attempt
    Celery would raise MaxRetriesExceededError and leave the row to the relay.
    NOTIFY_MAX_ATTEMPTS is the only limit (the integration tests refuse six times)."""
    assert deliver.max_retries is None


@pytest.mark.django_db
def test_a_retry_that_cannot_be_published_leaves_the_row_to_the_relay(smtp_fails):
    email = make_email()
    smtp_fails(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    broker_down = Reject(OSError("Connection refused"), requeue=False)  # what retry() raises

    with (
        time_machine.travel(NOW, tick=False),
        mock.patch.object(deliver, "retry", side_effect=broker_down),
        pytest.raises(Reject),
    ):
        deliver.run(email.pk)

    stored = reload(email)
    assert (stored.status, stored.attempts, stored.queued_at) == (Status.PENDING, 1, None)
    assert stored.next_attempt_at > NOW


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

    results = []
    for attempt in range(4):  # each one once the one before is due
        with time_machine.travel(NOW + datetime.timedelta(hours=attempt), tick=False):
            results.append(deliver.delay(email.pk).get())

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
