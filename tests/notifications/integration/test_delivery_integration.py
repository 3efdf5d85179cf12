"""E-mail delivery through the real parts: a committed step reaches the SMTP server exactly
once, even when Redis, the mail server or the worker fails at the worst moment.

`make test-integration` runs these (PostgreSQL, redis-server and aiosmtpd on localhost)."""

import os
import signal
import time

import pytest
from django.conf import settings
from django.db import transaction

from notifications.delivery import message_id
from notifications.models import Kind, Notification
from referrals.models import Referral
from tests.locks import in_thread
from tests.referrals.factories import take_step

from .conftest import DELIVERY_TIMEOUT, NOTIFY_ENV, delivered_once, intake_email
from .processes import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class RolledBack(Exception):
    pass


def test_a_committed_step_is_mailed_once(agreed, worker, smtp, settle):
    referral, caseworker, counsellor = agreed

    take_step("plan_intake", referral, counsellor)

    received = delivered_once(smtp, caseworker.email, worker)
    email = intake_email(referral)
    assert [m.message_id for m in received] == [message_id(email)]
    assert received[0].defects == ()  # a valid Message-ID, read as sent by a strict parser
    # What happened and where to read it, nothing of the client nor of the intake.
    assert received[0].subject.strip() == email.subject  # folded, as Django encodes it
    assert f"#{referral.pk} ({referral.training.title})" in received[0].subject
    assert f"/referrals/{referral.pk}/" in received[0].text
    for value in (referral.client.first_name, referral.client.last_name, referral.client.insz):
        assert value not in received[0].subject + received[0].text
    assert "Kongostraat" not in received[0].text
    settle()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Notification.Status.SENT, 1)
    assert email.sent_at is not None


def test_a_rolled_back_step_leaves_no_notification_and_no_mail(agreed, worker, smtp):
    referral, caseworker, counsellor = agreed

    with pytest.raises(RolledBack), transaction.atomic():
        take_step("plan_intake", referral, counsellor)
        assert intake_email(referral).status == Notification.Status.PENDING
        raise RolledBack
    assert not Notification.objects.filter(referral=referral, kind=Kind.INTAKE_PLANNED).exists()

    # The same step committed afterwards is queued behind anything the rolled-back one
    # might have sent: once its e-mail arrives, any e-mail of the first would have too.
    referral = Referral.objects.get(pk=referral.pk)
    take_step("plan_intake", referral, counsellor)
    received = delivered_once(smtp, caseworker.email, worker)
    assert [m.message_id for m in received] == [message_id(intake_email(referral))]


def test_redis_down_at_commit_is_delivered_by_the_relay_after_restart(
    agreed, worker, beat, redis_server, smtp, settle
):
    referral, caseworker, counsellor = agreed

    redis_server.stop()
    started = time.monotonic()
    take_step("plan_intake", referral, counsellor)  # commits; the enqueue fails
    assert time.monotonic() - started < 2  # one connection attempt, no publish retries

    email = intake_email(referral)
    assert (email.status, email.attempts) == (Notification.Status.PENDING, 0)
    time.sleep(1)  # the relay's delay (2 s) has not passed, nor could a task get through
    assert smtp.accepted_for(caseworker.email) == []

    redis_server.start()  # empty: the lost task is not in it
    received = delivered_once(smtp, caseworker.email, worker)
    assert [m.message_id for m in received] == [message_id(email)]
    settle()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Notification.Status.SENT, 1)


def test_redis_hung_at_commit_costs_the_step_seconds_and_the_relay_delivers(
    agreed, worker, beat, redis_server, smtp, settle
):
    """Redis holds its connections without answering (stopped, as a host swapping or a
    failover leaves it): the step's hand-off after commit gives up after the broker's
    socket timeout, where kombu would wait for ever (the request until gunicorn's
    timeout); the e-mail stays pending, and is delivered once Redis answers. (The command
    that timed out may still reach Redis then, beside the relay's: one copy all the same.)"""
    referral, caseworker, counsellor = agreed
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("socket_timeout", 5)
    failed: list[Exception] = []

    def step() -> None:
        try:
            take_step("plan_intake", Referral.objects.get(pk=referral.pk), counsellor)
        except Exception as error:
            failed.append(error)

    redis_server.signal_group(signal.SIGSTOP)
    stepping = None
    try:
        started = time.monotonic()
        stepping = in_thread(step)
        stepping.join(timeout=timeout + 10)
        waited = time.monotonic() - started
        assert not stepping.is_alive(), f"the step still waits on Redis after {waited:.0f} s"
        if failed:
            raise failed[0]
        assert timeout <= waited < timeout + 3
        # Before Redis answers again: nothing can have taken the row yet.
        email = intake_email(referral)
        assert (email.status, email.attempts, email.queued_at) == (
            Notification.Status.PENDING,
            0,
            None,
        )
    finally:
        redis_server.signal_group(signal.SIGCONT)
        if stepping is not None:
            stepping.join(timeout=30)

    received = delivered_once(smtp, caseworker.email, worker)
    assert [m.message_id for m in received] == [message_id(email)]
    settle()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Notification.Status.SENT, 1)


def test_a_refusing_mail_server_is_retried_and_delivered_once(agreed, worker, smtp, settle):
    referral, caseworker, counsellor = agreed
    smtp.refuse(caseworker.email, times=2)

    take_step("plan_intake", referral, counsellor)

    received = delivered_once(smtp, caseworker.email, worker)
    email = intake_email(referral)
    assert [m.message_id for m in received] == [message_id(email)]
    assert [m.message_id for m in smtp.refused_for(caseworker.email)] == [message_id(email)] * 2
    settle()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Notification.Status.SENT, 3)


def test_a_mail_server_not_listening_at_first_is_retried_and_delivered_once(
    agreed, worker, smtp_server, smtp, settle
):
    """Nothing listens on the SMTP port (connection refused) when the step commits; the
    worker retries with backoff, and once the server is up the e-mail arrives once."""
    referral, caseworker, counsellor = agreed

    smtp_server.stop()
    try:
        take_step("plan_intake", referral, counsellor)
        email = intake_email(referral)
        refused_twice = Notification.objects.filter(
            pk=email.pk,
            status=Notification.Status.PENDING,
            attempts__gte=2,
            last_error__contains="Connection refused",
        )
        try:
            wait_for(refused_twice.exists, DELIVERY_TIMEOUT, what="two refused connections")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{worker.log_tail()}") from None
    finally:
        smtp_server.start()

    received = delivered_once(smtp, caseworker.email, worker)
    assert [m.message_id for m in received] == [message_id(email)]
    settle()
    email.refresh_from_db()
    assert email.status == Notification.Status.SENT
    assert 3 <= email.attempts < int(NOTIFY_ENV["NOTIFY_MAX_ATTEMPTS"])
    assert email.last_error == ""


@pytest.mark.parametrize(
    "victim",
    [
        pytest.param("pool process", id="pool-process-killed"),
        pytest.param("whole worker", id="whole-worker-killed"),
    ],
)
def test_a_worker_killed_mid_delivery_delivers_exactly_once(
    victim, agreed, worker, beat, smtp, settle
):
    """The mail server holds the first copy in DATA and never accepts it; the worker dies
    there. A killed pool process is replaced and its task requeued (acks_late,
    reject_on_worker_lost); a killed worker is restarted and the relay retakes the row."""
    referral, caseworker, counsellor = agreed
    smtp.stall(caseworker.email)

    take_step("plan_intake", referral, counsellor)
    assert smtp.wait_until_stalling(DELIVERY_TIMEOUT), worker.log_tail()
    if victim == "pool process":
        (pool_process,) = worker.pool_processes()
        os.kill(pool_process, signal.SIGKILL)
    else:
        worker.kill()
        worker.start()

    received = delivered_once(smtp, caseworker.email, worker)
    email = intake_email(referral)
    assert [m.message_id for m in received] == [message_id(email)]
    assert [m.message_id for m in smtp.stalled] == [message_id(email)]
    settle()
    email.refresh_from_db()
    # The interrupted attempt counts: a message that kills every worker still ends failed.
    assert (email.status, email.attempts) == (Notification.Status.SENT, 2)
