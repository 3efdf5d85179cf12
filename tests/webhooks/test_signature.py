"""The signature, checked the way docs/webhooks.md tells receivers to: the documented recipe
itself, run against a real signed call received over HTTP."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from referrals.enums import State
from tests.referrals.factories import take_step
from webhooks.kinds import EventKind
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

DOCS = Path(settings.BASE_DIR) / "docs" / "webhooks.md"


def documented_recipe():
    """The one Python block of docs/webhooks.md, run: its `verify` and `TOLERANCE`."""
    (code,) = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"], namespace["TOLERANCE"]


@pytest.fixture
def signed_call(
    organisations, subscribe, walk, counsellor, receiver, django_capture_on_commit_callbacks
):
    """A real call of a `plan_intake` event, as the receiver got it, and its subscription."""
    subscription = subscribe(organisations["client's OCMW"], kinds=[EventKind.PLAN_INTAKE])
    referral = walk(State.AGREED)
    with django_capture_on_commit_callbacks(execute=True):
        take_step("plan_intake", referral, counsellor)
    (call,) = receiver.calls
    assert Delivery.objects.get(referral=referral).status == Delivery.Status.SENT
    return call, subscription


def test_the_documented_recipe_verifies_a_real_call(signed_call):
    verify, _tolerance = documented_recipe()
    call, subscription = signed_call

    assert verify(subscription.secret, call.headers, call.body)
    assert call.header("Content-Type") == "application/json"
    assert call.header("User-Agent").startswith("OKOT-Webhooks/")


def test_the_recipe_refuses_another_secret_a_changed_body_and_an_old_call(signed_call):
    verify, tolerance = documented_recipe()
    call, subscription = signed_call
    sent_at = int(call.header("X-OKOT-Timestamp"))

    assert not verify("another secret", call.headers, call.body)
    assert not verify(subscription.secret, call.headers, call.body.replace(b"plan", b"PLAN"))
    assert not verify(subscription.secret, call.headers, call.body, now=sent_at + tolerance + 1)
    assert verify(subscription.secret, call.headers, call.body, now=sent_at + tolerance - 1)
    unsigned = {k: v for k, v in call.headers.items() if k != "x-okot-signature"}
    assert not verify(subscription.secret, unsigned, call.body)


def test_a_rotated_secret_signs_the_next_call(
    signed_call, counsellor, receiver, django_capture_on_commit_callbacks
):
    verify, _tolerance = documented_recipe()
    call, subscription = signed_call
    old_secret = subscription.secret
    subscription.rotate_secret()
    receiver.reset()
    subscription.kinds = [EventKind.ADMIT]
    subscription.save()

    with django_capture_on_commit_callbacks(execute=True):
        take_step("admit", Delivery.objects.get().referral, counsellor)

    (call,) = receiver.calls
    assert verify(subscription.secret, call.headers, call.body)
    assert not verify(old_secret, call.headers, call.body)
