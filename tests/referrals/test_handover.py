"""The warm handover as its own fact: recorded at the agreement or afterwards by the client's
OCMW, while agreed up to in training; refused when it cannot be true; kept whole by the
database; a history line and a message to VDAB; overdue (and saying why) when missing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import HANDOVER_RECORDED, HANDOVER_STATES, HandoverHow, OverdueReason, State
from referrals.models import Referral
from tests.referrals.conftest import error_messages
from tests.referrals.factories import ClientFactory, flow_dates

pytestmark = pytest.mark.django_db


def moment(day: datetime.date, hour: int = 11) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def record(referral, user, **overrides):
    kwargs = {"handover_how": HandoverHow.PHONE, "handover_counsellor_name": "Els Claes"}
    if "handover_at" not in overrides:
        kwargs["handover_at"] = moment(referral.agreed_on)
    kwargs |= overrides
    return services.referral_record_handover(referral=referral, user=user, **kwargs)


@pytest.mark.parametrize("state", sorted(HANDOVER_STATES))
def test_the_caseworker_records_it_afterwards_in_every_state_up_to_the_training(
    walk, caseworker, counsellor, state
):
    referral = walk(state, agree__handover_at=None)

    event = record(
        referral, caseworker, handover_how=HandoverHow.MEETING, handover_counsellor=counsellor
    )

    referral.refresh_from_db()
    assert (
        referral.handover_how,
        referral.handover_counsellor,
        referral.handover_counsellor_name,
    ) == (
        HandoverHow.MEETING,
        counsellor,
        "",
    )
    assert referral.handover_recorded_by == caseworker
    assert referral.handover_at == moment(flow_dates().agreed_on)
    assert (event.transition, event.actor, event.from_state, event.to_state) == (
        HANDOVER_RECORDED,
        caseworker,
        "",
        state,
    )
    assert event.data["handover_with"] == str(counsellor)
    told = Notification.objects.filter(kind=Kind.HANDOVER_RECORDED, channel="in_app")
    assert {n.recipient for n in told} == {counsellor}


@pytest.mark.parametrize("state", [State.CANDIDATE, State.ENDED, State.DECLINED, State.WITHDRAWN])
def test_outside_agreed_to_in_training_it_is_refused(walk, caseworker, state):
    referral = walk(state)

    with pytest.raises(services.TransitionRefused):
        record(referral, caseworker, handover_at=timezone.now())


def test_the_counsellor_may_not_record_it(walk, counsellor):
    referral = walk(State.AGREED, agree__handover_at=None)

    with pytest.raises(services.TransitionRefused):
        record(referral, counsellor)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"handover_at": "before"}, "handover_at", id="before-the-agreement-day"),
        pytest.param({"handover_at": "future"}, "handover_at", id="in-the-future"),
        pytest.param({"handover_counsellor_name": " "}, "handover_counsellor", id="with-nobody"),
        pytest.param({"handover_how": "fax"}, "handover_how", id="unknown-how"),
        pytest.param({"handover_counsellor": "other"}, "handover_counsellor", id="other-region"),
    ],
)
def test_what_cannot_be_true_is_refused_with_a_message(
    walk, caseworker, counsellor_of_other_region, overrides, field
):
    referral = walk(State.AGREED, agree__handover_at=None)
    values = {
        "before": moment(referral.agreed_on - datetime.timedelta(days=1), 23),
        "future": timezone.now() + datetime.timedelta(hours=1),
        "other": counsellor_of_other_region,
    }
    overrides = {key: values.get(value, value) for key, value in overrides.items()}

    with pytest.raises(ValidationError) as refused:
        record(referral, caseworker, **overrides)

    assert field in refused.value.error_dict
    assert Referral.objects.get(pk=referral.pk).handover_at is None


def test_a_second_record_corrects_the_first_and_the_same_again_changes_nothing(walk, caseworker):
    referral = walk(State.AGREED, agree__handover_at=None)
    record(referral, caseworker)

    corrected = record(referral, caseworker, handover_counsellor_name="Sofie Peeters")
    again = record(referral, caseworker, handover_counsellor_name="Sofie Peeters")

    assert corrected is not None and again is None
    assert referral.events.filter(transition=HANDOVER_RECORDED).count() == 2
    assert Referral.objects.get(pk=referral.pk).handover_counsellor_name == "Sofie Peeters"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"handover_how": ""}, id="not-whole"),
        pytest.param({"handover_recorded_at": "earlier"}, id="after-it-was-recorded"),
        pytest.param({"agreed_on": None}, id="without-agreement"),
    ],
)
def test_the_database_keeps_the_handover_true(walk, caseworker, fields):
    referral = walk(State.AGREED)
    earlier = referral.handover_at - datetime.timedelta(hours=1)
    fields = {key: earlier if value == "earlier" else value for key, value in fields.items()}

    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(**fields)


# --- the referral's page ---------------------------------------------------------------


def handover_url(referral) -> str:
    return reverse("referrals:referral_handover", args=[referral.pk])


def test_the_page_records_it_with_the_form(client, walk, caseworker, counsellor):
    referral = walk(State.INTAKE_PLANNED, agree__handover_at=None)
    client.force_login(caseworker)
    page = client.get(referral.get_absolute_url())
    assert page.context["handover_form"] is not None
    when = timezone.localtime(moment(referral.agreed_on, 15)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        handover_url(referral),
        {"handover_how": "meeting", "handover_at": when, "handover_counsellor": counsellor.pk},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.handover_how, referral.handover_counsellor) == ("meeting", counsellor)
    shown = client.get(referral.get_absolute_url()).content.decode()
    assert str(counsellor) in shown


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"handover_how": "phone", "handover_counsellor_name": "Els"}, "handover_at"),
        pytest.param(
            {"handover_how": "phone", "handover_at": "2020-01-01T10:00"}, "handover_counsellor"
        ),
        pytest.param(
            {
                "handover_how": "phone",
                "handover_at": "2020-01-01T10:00",
                "handover_counsellor_name": "Els",
            },
            "handover_at",
            id="before-the-agreement",
        ),
    ],
)
def test_bad_input_comes_back_with_a_message_not_a_500(client, walk, caseworker, data, field):
    referral = walk(State.AGREED, agree__handover_at=None)
    client.force_login(caseworker)

    response = client.post(handover_url(referral), data)

    assert response.status_code == 400
    assert field in response.context["handover_form"].errors


def test_the_counsellor_sees_it_but_gets_no_form_and_is_refused(client, walk, counsellor):
    referral = walk(State.AGREED, agree__handover_at=None)
    client.force_login(counsellor)

    assert client.get(referral.get_absolute_url()).context["handover_form"] is None
    response = client.post(
        handover_url(referral),
        {
            "handover_how": "phone",
            "handover_at": "2025-01-01T10:00",
            "handover_counsellor_name": "X",
        },
        follow=True,
    )

    assert error_messages(response)
    assert Referral.objects.get(pk=referral.pk).handover_at is None


# --- overdue ------------------------------------------------------------------------------


def test_the_dashboard_says_a_missing_handover_is_why_it_is_overdue(
    client, walk, caseworker, settings
):
    settings.OKOT_INTAKE_OVERDUE_DAYS = 1000  # only the handover is late here
    missing = walk(State.INTAKE_PLANNED, agree__handover_at=None)
    # With a handover: not overdue for it.
    walk(State.INTAKE_PLANNED, client=ClientFactory(ocmw=caseworker.organisation))
    # Both intakes still to come: the screening is not late.
    Referral.objects.update(intake_at=timezone.now() + datetime.timedelta(days=3))
    client.force_login(caseworker)

    response = client.get(reverse("referrals:dashboard"))

    rows = {g.work.code: g.rows for g in response.context["groups"]}["handover_call"]
    assert [(r.pk, r.is_overdue) for r in rows] == [(missing.pk, True)]
    assert rows[0].overdue_why == [OverdueReason.NO_HANDOVER.label]
    assert "geen warme overdracht geregistreerd" in response.content.decode().lower() or (
        "no handover recorded" in response.content.decode().lower()
    )


def test_a_missing_handover_is_overdue_from_the_working_days_in_the_settings(
    walk, settings, time_machine
):
    settings.OKOT_HANDOVER_OVERDUE_WORKING_DAYS = 5
    time_machine.move_to(moment(datetime.date(2026, 3, 30), 8), tick=False)  # a Monday
    referral = walk(
        State.AGREED, agree__agreed_on=datetime.date(2026, 3, 30), agree__handover_at=None
    )

    def overdue_on(day):
        return (
            Referral.objects.overdue(day).filter(pk=referral.pk, overdue_no_handover=True).exists()
        )

    assert not overdue_on(datetime.date(2026, 4, 6))  # Easter Monday does not count
    assert overdue_on(datetime.date(2026, 4, 7))
