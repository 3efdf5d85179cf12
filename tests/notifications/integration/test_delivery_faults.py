"""The delivery engine under the faults a fault-injection run found (Redis, worker, beat and
SMTP server real): retries go on past Celery's default of three, a task merely waiting in
the queue is not dispatched again, a killed worker's retry is back within the queue
patience, and the one window in which an e-mail goes out twice (`notifications.delivery`)
is pinned as stated: a worker lost after the final "." of DATA, and a server slower than
NOTIFY_SMTP_TIMEOUT to answer it.

`make test-integration` runs these (PostgreSQL, redis-server and aiosmtpd on localhost)."""

import os
import signal
import time

import pytest

from notifications.delivery import message_id
from notifications.models import Kind, Notification
from referrals.enums import State
from tests.referrals.factories import counsellor_for, referral_in_state, take_step

from .conftest import (
    DELIVERY_TIMEOUT,
    NOTIFY_ENV,
    QUIET,
    copies_of,
    delivered_once,
    intake_email,
)
from .processes import CeleryWorker, deliver_lines, settled_deliver_runs, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SMTP_TIMEOUT = 2.0  # this module's worker waits this long for any answer of the server
PATIENCE = float(NOTIFY_ENV["NOTIFY_QUEUE_PATIENCE"])
SENT = Notification.Status.SENT


@pytest.fixture(scope="module")
def worker(worker_env, integration_dir):
    """The conftest's worker, with a short SMTP timeout for the slow server below."""
    env = {**worker_env, "NOTIFY_SMTP_TIMEOUT": str(SMTP_TIMEOUT)}
    process = CeleryWorker(env=env, log_path=integration_dir / "worker-faults.log").start()
    yield process
    process.stop()


def test_retries_go_on_past_celerys_default_of_three_without_beat(agreed, worker, smtp, settle):
    """Six refusals: the seventh attempt is delivered by the worker's own retries (no beat
    runs here, so no relay); `retry(max_retries=None)` stopped after the fourth."""
    referral, caseworker, counsellor = agreed
    smtp.refuse(caseworker.email, times=6)

    take_step("plan_intake", referral, counsellor)

    received = delivered_once(smtp, caseworker.email, worker)
    email = intake_email(referral)
    assert [m.message_id for m in received] == [message_id(email)]
    assert len(smtp.refused_for(caseworker.email)) == 6
    settle()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (SENT, 7)
    assert "MaxRetriesExceeded" not in worker.log()


def test_emails_waiting_in_the_queue_behind_a_backlog_are_not_dispatched_again(
    worker, beat, smtp, settle
):
    """A busy mail server takes half a second for each message and steps commit twice as
    fast as that: tasks wait in Redis longer than the relay's delay while the relay runs
    every second in between. Each e-mail takes exactly one task: the relay dispatched
    none of them again (it did, over and over, before it knew what was queued)."""
    referrals = [referral_in_state(State.AGREED) for _ in range(12)]
    counsellor = counsellor_for(referrals[0].training)
    settle()
    smtp.reset()
    runs_before = settled_deliver_runs(worker)
    smtp.slow_down(0.5)

    for referral in referrals:
        take_step("plan_intake", referral, counsellor)
        time.sleep(0.25)
    settle()

    emails = Notification.objects.filter(
        referral__in=referrals, kind=Kind.INTAKE_PLANNED, channel=Notification.Channel.EMAIL
    )
    assert set(emails.values_list("status", "attempts")) == {(SENT, 1)}
    waited = max(m.at for m in smtp.snapshot()) - min(e.created_at for e in emails).timestamp()
    assert waited > 2 * float(NOTIFY_ENV["NOTIFY_RELAY_AFTER"])  # the backlog outlasted it
    assert len(smtp.snapshot()) == len(referrals)
    runs = settled_deliver_runs(worker, at_least=runs_before.total() + len(referrals))
    assert runs - runs_before == {"sent": len(referrals)}, deliver_lines(worker)


def test_a_retry_held_by_a_killed_worker_is_sent_within_the_queue_patience(
    agreed, worker, beat, smtp_server, smtp, settle
):
    """The mail server is down, so the e-mail waits for a retry, whose task the worker
    holds until its countdown ends; the whole worker is killed. Redis would hand that task
    back only after its visibility timeout (an hour and more); the relay sends another
    once it has waited NOTIFY_QUEUE_PATIENCE past its due time."""
    referral, caseworker, counsellor = agreed
    smtp_server.stop()
    try:
        take_step("plan_intake", referral, counsellor)
        email = intake_email(referral)
        retry_queued = Notification.objects.filter(
            pk=email.pk, attempts__gte=1, queued_at__isnull=False
        )
        wait_for(retry_queued.exists, DELIVERY_TIMEOUT, what="a retry planned")
        worker.kill()
    finally:
        smtp_server.start()
    worker.start()
    killed_at = time.monotonic()

    received = copies_of(smtp, caseworker.email, 1, worker)

    assert [m.message_id for m in received] == [message_id(email)]
    assert time.monotonic() - QUIET - killed_at < PATIENCE + 2 * DELIVERY_TIMEOUT / 3
    settle()
    email.refresh_from_db()
    assert email.status == SENT


def test_a_worker_lost_after_the_end_of_data_sends_a_second_copy(
    agreed, worker, beat, smtp, settle
):
    """The server has queued the message on its final "." but its 250 has not reached the
    worker when the worker dies: the attempt is retaken after the lease and the e-mail
    goes again, with the same Message-ID (the window `delivery` states)."""
    referral, caseworker, counsellor = agreed
    smtp.stall(caseworker.email, queued=True)

    take_step("plan_intake", referral, counsellor)
    assert smtp.wait_until_stalling(DELIVERY_TIMEOUT), worker.log_tail()
    (pool_process,) = worker.pool_processes()
    os.kill(pool_process, signal.SIGKILL)

    received = copies_of(smtp, caseworker.email, 2, worker)
    email = intake_email(referral)
    assert [m.message_id for m in received] == [message_id(email)] * 2
    settle()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (SENT, 2)


def test_a_server_slower_than_the_smtp_timeout_to_accept_gets_a_second_copy(
    agreed, worker, smtp, settle
):
    """The server queues the message on its final "." and answers only after
    NOTIFY_SMTP_TIMEOUT: the worker has counted a temporary failure by then, and its retry
    delivers a second copy with the same Message-ID (the window `delivery` states)."""
    referral, caseworker, counsellor = agreed
    smtp.stall(caseworker.email, queued=True, seconds=SMTP_TIMEOUT + 2)

    take_step("plan_intake", referral, counsellor)

    received = copies_of(smtp, caseworker.email, 2, worker)
    email = intake_email(referral)
    assert [m.message_id for m in received] == [message_id(email)] * 2
    settle()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (SENT, 2, "")
