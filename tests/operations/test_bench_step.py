"""`manage.py bench_step` with tiny numbers, so that it does not rot: it walks its pairs of
referrals through every step and prints each against its bare transaction (no time is
asserted)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from notifications.models import Notification
from operations.benchmarks.step_subjects import REGION_COUNSELLORS
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


def test_it_prints_a_steps_statements_and_its_time_in_sql_within_its_time():
    out = StringIO()

    call_command(
        "bench_step",
        referrals=0,
        repeat=2,
        warmup=0,
        steps="apply",
        statements=True,
        stdout=out,
        stderr=StringIO(),
    )

    lines = out.getvalue().splitlines()
    [line] = [line for line in lines if line.startswith("apply ")]
    service_ms, _p95, in_sql_ms = (float(n) for n in line.split()[1:4])
    # Each call's wait on the database is part of its time, so their medians are too.
    assert 0 < in_sql_ms <= service_ms
    # Numbered in the order sent (here within the test's transaction: savepoints too).
    after = lines[lines.index(line) + 1 :]
    listed = after[: next(n for n, each in enumerate(after) if not each.startswith("    "))]
    numbers = [int(each.split(".", 1)[0]) for each in listed]
    assert numbers == list(range(1, len(listed) + 1))
    sent = [each.split(". ", 1)[1] for each in listed]
    assert any(sql.startswith('UPDATE "referrals_referral" SET') for sql in sent)
    assert any(sql.startswith('INSERT INTO "referrals_referralevent"') for sql in sent)


def test_the_agreement_that_tells_a_whole_region_is_timed_too():
    """A training without a contact counsellor, on which nobody of VDAB acted yet: the
    region's counsellors (as many as a region of `make bench-data` has) are each told, in
    the app and by e-mail, and the caseworker who agreed is asked to call."""
    out = StringIO()

    call_command(
        "bench_step",
        referrals=0,
        repeat=2,
        warmup=0,
        steps="agree_region",
        stdout=out,
        stderr=StringIO(),
    )

    lines = out.getvalue().splitlines()
    [line] = [line for line in lines if line.startswith("agree_region ")]
    assert f"notifications_notification {2 * REGION_COUNSELLORS + 2}," in line
    assert not [line for line in lines if line.startswith("agree ")]
    assert (
        Referral.objects.filter(
            state=State.AGREED, training__contact_counsellor__isnull=True
        ).count()
        == 2 * 2
    )
