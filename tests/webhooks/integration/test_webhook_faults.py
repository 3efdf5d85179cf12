"""The webhook outbox under the faults the e-mails are tested under (Redis, worker, beat and
receiver real): nothing is lost, a receiver that answers 2xx gets each event once, one that
is down, slow or failing gets it later, and a worker killed mid-call loses nothing; the
copies sent twice are exactly those docs/webhooks.md allows, with the same event id.

`make test-integration` runs these (PostgreSQL and redis-server on localhost)."""

import os
import signal
import time

import pytest

from referrals.enums import State
from tests.notifications.integration.processes import wait_for
from tests.referrals.factories import ClientFactory, counsellor_for, referral_in_state, take_step
from tests.webhooks.deliveries import make_subscription
from webhooks.kinds import EventKind
from webhooks.models import Delivery

from .conftest import SETTLE_TIMEOUT, WEBHOOK_TIMEOUT

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SENT = Delivery.Status.SENT


@pytest.fixture
def agreed(receiver, settle):
    """An agreed referral whose OCMW subscribes to the receiver for `plan_intake` only, and
    a counsellor who plans the intake."""
    client = ClientFactory()
    make_subscription(url=receiver.url, organisation=client.ocmw, kinds=[EventKind.PLAN_INTAKE])
    referral = referral_in_state(State.AGREED, client=client)
    return referral, counsellor_for(referral.training)


def intake_delivery(referral) -> Delivery:
    return Delivery.objects.get(referral=referral, kind=EventKind.PLAN_INTAKE)


def test_a_2xx_receiver_gets_each_event_exactly_once(receiver, worker, beat, settle):
    client = ClientFactory()
    make_subscription(url=receiver.url, organisation=client.ocmw)

    referral = referral_in_state(State.IN_TRAINING, client=client)
    settle()

    deliveries = Delivery.objects.filter(referral=referral)
    assert set(deliveries.values_list("kind", flat=True)) == {
        "create", "apply", "agree", "plan_intake", "admit", "start"
    }  # fmt: skip
    assert set(deliveries.values_list("status", "attempts")) == {(SENT, 1)}
    assert sorted(receiver.event_ids()) == sorted(str(d.event_id) for d in deliveries)
    assert len(receiver.calls) == deliveries.count()


def test_a_receiver_that_is_down_gets_the_event_once_it_is_back(
    agreed, receiver, worker, beat, settle
):
    referral, counsellor = agreed
    receiver.stop()
    take_step("plan_intake", referral, counsellor)
    # Two attempts at the intake's event made and failed (`attempts` counts an attempt when
    # it starts: back to pending, none is in flight that the receiver could still answer).
    retried = Delivery.objects.filter(
        referral=referral,
        kind=EventKind.PLAN_INTAKE,
        attempts__gte=2,
        status=Delivery.Status.PENDING,
    )
    wait_for(retried.exists, SETTLE_TIMEOUT, what="two attempts at a receiver that is down")
    receiver.start()

    settle()

    delivery = intake_delivery(referral)
    assert (delivery.status, delivery.response_status) == (SENT, 200)
    assert delivery.attempts >= 3
    assert receiver.event_ids() == [str(delivery.event_id)]


def test_a_receiver_answering_500_gets_the_event_once_after_the_retries(
    agreed, receiver, worker, settle
):
    """No beat here: the worker's own retries carry it."""
    referral, counsellor = agreed
    receiver.answer(500, 500, 500)

    take_step("plan_intake", referral, counsellor)
    settle()

    delivery = intake_delivery(referral)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (SENT, 4, "")
    assert [call.answered for call in receiver.calls] == [500, 500, 500, 200]
    assert receiver.event_ids() == [str(delivery.event_id)]


def test_a_receiver_slower_than_the_timeout_gets_it_again_with_the_same_event_id(
    agreed, receiver, worker, settle
):
    """It answers 2xx only after WEBHOOK_TIMEOUT: the worker counted a temporary failure by
    then, and its retry posts the event again (the window docs/webhooks.md states)."""
    referral, counsellor = agreed
    receiver.answer(200, delay=WEBHOOK_TIMEOUT + 1.5)

    take_step("plan_intake", referral, counsellor)
    settle()

    delivery = intake_delivery(referral)
    assert (delivery.status, delivery.attempts) == (SENT, 2)
    assert [call.event_id for call in receiver.calls] == [str(delivery.event_id)] * 2


def test_a_worker_killed_mid_call_loses_nothing(agreed, receiver, worker, beat, settle):
    """The pool process dies while the receiver holds the call: the attempt is retaken
    after the lease and the event posted again, with the same event id."""
    referral, counsellor = agreed
    receiver.answer(200, delay=WEBHOOK_TIMEOUT - 0.5)

    take_step("plan_intake", referral, counsellor)
    wait_for(lambda: receiver.calls, SETTLE_TIMEOUT, what="the call under way")
    (pool_process,) = worker.pool_processes()
    os.kill(pool_process, signal.SIGKILL)
    killed_at = time.monotonic()

    settle()

    delivery = intake_delivery(referral)
    assert delivery.status == SENT
    assert [call.event_id for call in receiver.calls] == [str(delivery.event_id)] * 2
    assert time.monotonic() - killed_at < SETTLE_TIMEOUT
