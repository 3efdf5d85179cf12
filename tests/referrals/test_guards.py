"""The guards of DOMAIN.md beyond agree: one open referral per client and training, in the
service and in the database; dates in order from the agreement to the end; a reason for an
early stop, a decline, a withdrawal and a rejection. Each refusal is a clear message and
changes nothing."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from referrals import services
from referrals.enums import EndResult, State, StopReason
from referrals.models import Referral, guards, querysets
from referrals.services import referral_create
from tests.referrals.factories import (
    TrainingFactory,
    counsellor_for,
    flow_dates,
    referral_in_state,
    take_step,
)
from tests.referrals.refusals import assert_nothing_changed, history

pytestmark = pytest.mark.django_db


def counsellor_of(referral):
    return referral.events.get(transition="plan_intake").actor


# --- one open referral per client and training ----------------------------------------------


@pytest.mark.parametrize("state", State.values)
def test_a_second_referral_for_the_same_client_and_training_needs_the_first_to_be_final(state):
    first = referral_in_state(state)
    user = first.created_by
    final = state in (State.DECLINED, State.CLOSED, State.WITHDRAWN)

    if final:
        second = referral_create(user=user, client=first.client, training=first.training)
        assert second.pk != first.pk
        assert second.state == State.INFORMED
    else:
        with pytest.raises(ValidationError) as refused:
            referral_create(user=user, client=first.client, training=first.training)
        assert refused.value.code == "duplicate_open_referral"
        assert list(Referral.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_new_referral_is_allowed_after_withdrawing_the_open_one():
    first = referral_in_state(State.INFORMED)
    user = first.created_by
    with pytest.raises(ValidationError):
        referral_create(user=user, client=first.client, training=first.training)

    take_step("withdraw", first, user)
    second = referral_create(user=user, client=first.client, training=first.training)

    assert Referral.objects.filter(client=first.client, training=first.training).count() == 2
    assert second.events.get().transition == "create"


def test_the_same_client_may_have_open_referrals_for_other_trainings():
    first = referral_in_state(State.AGREED)

    second = referral_create(user=first.created_by, client=first.client, training=TrainingFactory())

    assert second.is_open and first.is_open


def test_the_database_refuses_a_second_open_referral_written_around_the_service():
    first = referral_in_state(State.CANDIDATE)

    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(client=first.client, training=first.training)


# --- dates in order -----------------------------------------------------------------------


def test_intake_before_the_formal_agreement_is_refused():
    referral = referral_in_state(State.AGREED)
    events = history(referral)
    day_before = referral.agreed_on - datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        take_step(
            "plan_intake",
            referral,
            counsellor_for(referral.training),
            intake_at=timezone.make_aware(datetime.datetime.combine(day_before, datetime.time(14))),
        )

    assert "intake_at" in refused.value.message_dict
    assert_nothing_changed(referral, State.AGREED, events)


def test_intake_just_after_midnight_in_brussels_on_the_agreement_day_is_allowed():
    """00:30 in Brussels is still the previous day in UTC; the local date counts."""
    referral = referral_in_state(State.AGREED)
    intake_at = timezone.make_aware(
        datetime.datetime.combine(referral.agreed_on, datetime.time(0, 30))
    )

    take_step("plan_intake", referral, counsellor_for(referral.training), intake_at=intake_at)

    assert Referral.objects.get(pk=referral.pk).state == State.INTAKE_PLANNED


# The day the clocks went forward in Brussels, and an ordinary one.
@pytest.mark.parametrize("today", [datetime.date(2026, 3, 29), datetime.date(2026, 12, 5)])
def test_a_list_finds_the_intakes_whose_day_has_come_as_the_guard_does(today):
    """Mijn werk's "to screen" and the list's `?work=screen` (`querysets.intake_day_has_come`)
    take the referrals the screening's guard lets through, to the last moment of the day."""
    brussels = timezone.get_current_timezone()
    moments = [
        None,
        *(
            datetime.datetime.combine(today + datetime.timedelta(days=days), at, tzinfo=brussels)
            for days, at in [
                (-1, datetime.time(23, 59, 59)),
                (0, datetime.time(0)),
                (0, datetime.time(23, 59, 59, 999999)),
                (1, datetime.time(0)),
                (1, datetime.time(0, 0, 1)),
            ]
        ),
    ]
    noon = datetime.datetime.combine(today, datetime.time(12), tzinfo=brussels)
    with time_machine.travel(noon):  # the referrals' own dates before that day
        planned = []
        for at in moments:
            referral = referral_in_state(State.INTAKE_PLANNED)
            Referral.objects.filter(pk=referral.pk).update(intake_at=at)
            planned.append(Referral.objects.get(pk=referral.pk))

        let_through = {r.pk for r in planned if guards.intake_day_has_come(r)}
        listed = Referral.objects.filter(pk__in=[r.pk for r in planned]).filter(
            querysets.intake_day_has_come()
        )
        assert set(listed.values_list("pk", flat=True)) == let_through
    assert let_through == {r.pk for r in planned[:4]}


@pytest.mark.parametrize(
    ("state", "step", "field"),
    [
        pytest.param(State.INTAKE_PLANNED, "admit", "probable_start_date", id="admit"),
        pytest.param(State.ADMITTED, "start", "start_date", id="start"),
    ],
)
def test_a_start_before_the_intake_is_refused(state, step, field):
    referral = referral_in_state(state)
    events = history(referral)
    before_intake = flow_dates().intake_day - datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        take_step(step, referral, counsellor_of(referral), **{field: before_intake})

    assert field in refused.value.message_dict
    assert_nothing_changed(referral, state, events)


@pytest.mark.parametrize(
    ("state", "step", "field"),
    [
        pytest.param(State.INTAKE_PLANNED, "admit", "probable_start_date", id="admit"),
        pytest.param(State.ADMITTED, "start", "start_date", id="start"),
    ],
)
def test_a_start_on_the_intake_day_is_allowed(state, step, field):
    referral = referral_in_state(state)

    take_step(step, referral, counsellor_of(referral), **{field: flow_dates().intake_day})

    assert getattr(Referral.objects.get(pk=referral.pk), field) == flow_dates().intake_day


@pytest.mark.parametrize("step", ["admit", "reject"])
def test_the_screening_waits_until_the_intake_day(step):
    """A step not possible yet (a guard, so the page offers no form), not a wrong field."""
    referral = referral_in_state(State.AGREED)
    intake_at = timezone.now() + datetime.timedelta(days=3)
    take_step("plan_intake", referral, counsellor_for(referral.training), intake_at=intake_at)
    events = history(referral)
    in_a_week = timezone.localdate() + datetime.timedelta(days=7)
    arguments = {"probable_start_date": in_a_week} if step == "admit" else {}

    with pytest.raises(services.TransitionRefused):
        take_step(step, referral, counsellor_of(referral), **arguments)

    assert_nothing_changed(referral, State.INTAKE_PLANNED, events)


def test_an_end_before_the_start_is_refused():
    referral = referral_in_state(State.IN_TRAINING)
    events = history(referral)

    with pytest.raises(ValidationError) as refused:
        take_step(
            "end",
            referral,
            counsellor_of(referral),
            end_date=referral.start_date - datetime.timedelta(days=1),
        )

    assert "end_date" in refused.value.message_dict
    assert_nothing_changed(referral, State.IN_TRAINING, events)


def test_an_early_stop_without_a_reason_is_refused():
    referral = referral_in_state(State.IN_TRAINING)
    events = history(referral)

    with pytest.raises(ValidationError) as refused:
        take_step("end", referral, counsellor_of(referral), result=EndResult.STOPPED_EARLY)

    assert "stop_reason" in refused.value.message_dict
    assert_nothing_changed(referral, State.IN_TRAINING, events)


def test_the_stop_reason_is_kept_for_an_early_stop():
    referral = referral_in_state(State.IN_TRAINING)

    take_step(
        "end",
        referral,
        counsellor_of(referral),
        result=EndResult.STOPPED_EARLY,
        stop_reason=StopReason.ILLNESS,
    )

    ended = Referral.objects.get(pk=referral.pk)
    assert (ended.state, ended.stop_reason) == (State.ENDED, StopReason.ILLNESS)


@pytest.mark.parametrize("result", [EndResult.PASSED, EndResult.STOPPED_EMPLOYMENT])
def test_a_stop_reason_with_another_result_is_refused_not_dropped(result):
    referral = referral_in_state(State.IN_TRAINING)

    with pytest.raises(ValidationError) as refused:
        take_step(
            "end", referral, counsellor_of(referral), result=result, stop_reason=StopReason.ILLNESS
        )

    assert "stop_reason" in refused.value.message_dict
    assert Referral.objects.get(pk=referral.pk).state == State.IN_TRAINING


# --- reasons (DOMAIN.md: decline and withdraw "reason required", reject "screening + reason")


@pytest.mark.parametrize(
    ("state", "step"),
    [
        pytest.param(State.CANDIDATE, "decline", id="decline"),
        pytest.param(State.AGREED, "withdraw", id="withdraw"),
        pytest.param(State.INTAKE_PLANNED, "reject", id="reject"),
    ],
)
@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_a_step_that_needs_a_reason_is_refused_without_one(state, step, reason):
    referral = referral_in_state(state)
    user = referral.events.get(transition="create").actor
    if step == "reject":
        user = counsellor_of(referral)
    events = history(referral)

    with pytest.raises(ValidationError) as refused:
        take_step(step, referral, user, reason=reason)

    assert "reason" in refused.value.message_dict
    assert_nothing_changed(referral, state, events)
