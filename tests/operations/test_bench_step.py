"""`manage.py bench_step` with tiny numbers, so that it does not rot: it walks its pairs of
referrals through every step and prints each against its bare transaction (no time is
asserted)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from notifications.models import Notification
from referrals.enums import State
from referrals.models import Referral
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

STEPS = ["apply", "agree", "plan_intake", "admit", "start", "end", "close"]


def test_the_benchmark_prints_every_step_against_its_bare_transaction():
    out = StringIO()

    call_command("bench_step", referrals=0, repeat=2, warmup=1, stdout=out, stderr=StringIO())

    lines = out.getvalue().splitlines()
    for step in STEPS:
        [line] = [line for line in lines if line.startswith(f"{step} ")]
        assert "referrals_referral 1" in line
        assert "referrals_referralevent 1" in line
    # The service's pairs and the bare twins alike went all the way.
    assert Referral.objects.filter(state=State.CLOSED).count() == 2 * 3
    # Messages and webhook deliveries were written, and copied for the twins.
    assert Notification.objects.filter(idempotency_key__startswith="bench-bare:").exists()
    assert Delivery.objects.count() > 0


def test_it_refuses_an_unknown_step():
    with pytest.raises(CommandError, match="Unknown steps: screen"):
        call_command("bench_step", referrals=0, steps="screen", stdout=StringIO())
