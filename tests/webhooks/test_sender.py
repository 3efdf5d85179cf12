"""One webhook call over a real socket to a receiver on localhost: what each answer (or
none) means, a call that must not go any more, the last attempt, and the task's retries."""

from unittest import mock

import pytest
from celery.exceptions import Retry

from webhooks import sender
from webhooks.tasks import deliver

from .deliveries import Status, make_delivery, make_subscription, reload
from .receiver import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(receiver):
    return make_delivery(make_subscription(url=receiver.url))


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        *[(code, Status.SENT) for code in (200, 201, 202, 204)],
        *[(code, Status.PENDING) for code in (408, 425, 429, 500, 502, 503, 504)],
        *[(code, Status.FAILED) for code in (301, 302, 400, 401, 403, 404, 410, 413, 422)],
    ],
)
def test_what_an_answer_means(delivery, receiver, answer, status):
    """2xx delivered; 408, 425, 429 and 5xx tried again; any other answer is permanent (a
    redirect is not followed)."""
    receiver.answer(answer)

    assert sender.send_one(delivery.pk)[0] == status

    stored = reload(delivery)
    assert (stored.status, stored.response_status, stored.attempts) == (status, answer, 1)
    assert len(receiver.calls) == 1  # the redirect's target was never asked
    if status == Status.PENDING:
        assert stored.last_error == f"HTTP {answer}" and stored.next_attempt_at is not None
    if status == Status.SENT:
        assert (stored.last_error, stored.sent_at is not None) == ("", True)


def test_a_receiver_slower_than_the_timeout_is_tried_again(delivery, receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.5
    receiver.answer(200, delay=2)

    assert sender.send_one(delivery.pk)[0] == Status.PENDING

    stored = reload(delivery)
    assert "timed out" in stored.last_error.lower()
    assert stored.response_status is None


def test_a_receiver_that_is_down_is_tried_again(settings):
    delivery = make_delivery(make_subscription(url=f"http://127.0.0.1:{free_port()}/hook"))

    assert sender.send_one(delivery.pk)[0] == Status.PENDING

    assert "refused" in reload(delivery).last_error.lower()


def test_the_last_attempt_ends_failed(delivery, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    delivery.attempts = 2
    delivery.save()
    receiver.answer(503)

    assert sender.send_one(delivery.pk)[0] == Status.FAILED

    assert (reload(delivery).attempts, reload(delivery).last_error) == (3, "HTTP 503")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"active": False}, "subscription is inactive", id="deactivated"),
        pytest.param({"kinds": ["start"]}, "no longer asks for this kind", id="kind-dropped"),
        pytest.param({"url": "http://receiver.example/"}, "https://", id="http-not-allowed"),
    ],
)
def test_a_call_that_must_not_go_any_more_ends_failed_unsent(
    delivery, receiver, settings, change, reason
):
    settings.WEBHOOKS_ALLOW_HTTP = False
    if "url" not in change:
        change["url"] = delivery.subscription.url.replace("http://", "https://")
    type(delivery.subscription).objects.filter(pk=delivery.subscription_id).update(**change)

    assert sender.send_one(delivery.pk)[0] == Status.FAILED

    assert reason in reload(delivery).last_error
    assert receiver.calls == []


def test_an_organisation_that_no_longer_sees_the_referral_gets_nothing(receiver):
    """The referral is of another OCMW's client now (the client moved)."""
    delivery = make_delivery(make_subscription(url=receiver.url))
    other = make_subscription().organisation
    client = delivery.referral.client
    client.ocmw = other
    client.save()

    assert sender.send_one(delivery.pk)[0] == Status.FAILED

    assert "may no longer see this referral" in reload(delivery).last_error
    assert receiver.calls == []


def test_a_delivered_row_is_never_posted_again(delivery, receiver):
    assert sender.send_one(delivery.pk)[0] == Status.SENT

    assert sender.send_one(delivery.pk)[0] == "skipped"
    assert len(receiver.calls) == 1


def test_the_worker_retries_a_temporary_failure_with_backoff(delivery, receiver):
    """Run as by a worker (not eagerly): the task publishes its own retry, the row is
    recorded as queued, so the relay does not send another."""
    receiver.answer(503)

    with (
        mock.patch.object(deliver, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        deliver.run(delivery.pk)  # `run` sees no eager request: the worker's path

    (call,) = retry.call_args_list
    assert call.kwargs["countdown"] >= 0
    stored = reload(delivery)
    assert (stored.status, stored.queued_at is not None) == (Status.PENDING, True)
