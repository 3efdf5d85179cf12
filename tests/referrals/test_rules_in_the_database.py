"""The rules of the steps that the database holds too (`referrals.models.rules`): a row that
breaks one is refused whatever writes it, the steps refuse it first with a message on the
field, and model validation (admin) says it in the user's language."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint
from django.urls import reverse
from django.utils import timezone, translation

from referrals import services
from referrals.enums import EndResult, State, StopReason
from referrals.models import Client, Referral, TemporaryWorkExperience

from .factories import (
    ClientFactory,
    ReferralFactory,
    TemporaryWorkExperienceFactory,
    TrainingFactory,
    applicable_conditions,
    flow_dates,
    referral_in_state,
    step_arguments,
)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = ZoneInfo("UTC")
DAY = datetime.timedelta(days=1)


def ended(**fields) -> Referral:
    """A referral that went the whole way, written straight to the table."""
    dates = flow_dates()
    whole_way = {
        "state": State.ENDED,
        "applied_on": dates.agreed_on - 7 * DAY,
        "agreed_on": dates.agreed_on,
        "intake_at": dates.intake_at,
        "probable_start_date": dates.start,
        "start_date": dates.start,
        "end_date": dates.end,
        "end_result": EndResult.PASSED,
    }
    return ReferralFactory(**{**whole_way, **fields})


def refused(model, pk: int, constraint: str, **values) -> None:
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        model.objects.filter(pk=pk).update(**values)
    # SQLite and PostgreSQL both name the constraint that refused the row.
    assert constraint in str(raised.value)


def broken(d) -> dict[str, dict]:
    """Per rule of a referral, what a row written around the steps would hold."""
    before_agreement = d.intake_at - 20 * DAY
    return {
        "referral_agreed_not_before_applied": {"applied_on": d.agreed_on + DAY},
        "referral_intake_not_before_agreed": {"intake_at": before_agreement},
        "referral_start_not_before_agreed": {"intake_at": None, "start_date": d.agreed_on - DAY},
        "referral_probable_start_not_before_intake": {"probable_start_date": d.intake_day - DAY},
        "referral_start_not_before_intake": {"start_date": d.intake_day - DAY},
        "referral_end_not_before_start": {"end_date": d.start - DAY},
        "referral_handover_not_before_agreed": {
            "handover_at": before_agreement,
            "handover_recorded_at": before_agreement,
        },
        "referral_end_date_with_result": {"end_date": None},
        "referral_stop_reason_only_with_early_stop": {"stop_reason": StopReason.ILLNESS},
    }


@pytest.mark.parametrize("constraint", list(broken(flow_dates())))
def test_the_database_refuses_a_referral_that_breaks_a_rule(constraint):
    referral = ended()
    refused(Referral, referral.pk, constraint, **broken(flow_dates())[constraint])
    referral.refresh_from_db()
    referral.validate_constraints()  # the row as it was, whole


def test_an_early_stop_of_the_past_without_a_reason_is_kept():
    """Imported or older rows may not know why; the figures count them as unknown."""
    referral = ended()
    Referral.objects.filter(pk=referral.pk).update(
        end_result=EndResult.STOPPED_EARLY, obtained="none", obtained_on=None
    )
    referral.refresh_from_db()
    assert (referral.end_result, referral.stop_reason) == (EndResult.STOPPED_EARLY, "")


def test_the_intake_is_compared_by_its_day_in_brussels():
    """23:30 UTC on 9 March is 00:30 on 10 March in Brussels: an intake on the day of an
    agreement of 10 March; 22:30 UTC is 23:30 on 9 March, the day before."""
    referral = ended(applied_on=None, agreed_on=datetime.date(2026, 3, 10))
    next_day = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    Referral.objects.filter(pk=referral.pk).update(intake_at=next_day)
    refused(
        Referral,
        referral.pk,
        "referral_intake_not_before_agreed",
        intake_at=next_day - datetime.timedelta(hours=1),
    )


def test_the_messages_are_in_the_users_language():
    referral = ended()
    referral.start_date = flow_dates().agreed_on - DAY
    referral.intake_at = None
    with translation.override("nl"), pytest.raises(ValidationError) as raised:
        referral.validate_constraints()
    assert "De start kan niet vóór het formeel akkoord vallen." in raised.value.messages


def test_the_agreement_step_refuses_a_day_before_the_candidacy():
    referral = referral_in_state(State.CANDIDATE)
    arguments = step_arguments("agree", referral)  # the candidacy a week before the flow's
    with translation.override("nl"), pytest.raises(ValidationError) as raised:
        services.referral_agree(
            referral=referral,
            user=referral.created_by,
            **{**arguments, "agreed_on": referral.applied_on - DAY},
        )
    assert "agreed_on" in raised.value.message_dict
    (message,) = raised.value.message_dict["agreed_on"]
    assert message.startswith("Het formeel akkoord kan niet vóór de kandidaatstelling")
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE


def test_the_steps_meet_the_rules_the_whole_way():
    referral = referral_in_state(State.CLOSED)
    referral.validate_constraints()
    assert referral.applied_on <= referral.agreed_on <= timezone.localdate(referral.intake_at)
    assert timezone.localdate(referral.intake_at) <= referral.start_date <= referral.end_date


def test_the_database_refuses_a_consent_before_birth():
    client = ClientFactory()
    refused(
        Client,
        client.pk,
        "client_consent_not_before_birth",
        consent_vdab=True,
        consent_date=client.birth_date - DAY,
    )


def test_the_database_refuses_a_gpmi_date_after_the_day_it_was_written():
    client = ClientFactory()
    today = timezone.localdate()
    Client.objects.filter(pk=client.pk).update(
        gpmi=True, gpmi_date=today, updated_at=timezone.now()
    )
    refused(
        Client,
        client.pk,
        "client_gpmi_not_in_future",
        gpmi_date=today + DAY,
        updated_at=timezone.now(),
    )


def test_a_gpmi_date_in_the_future_gets_a_message_before_the_database():
    client = ClientFactory()
    client.gpmi, client.gpmi_date = True, timezone.localdate() + DAY
    with translation.override("nl"), pytest.raises(ValidationError) as raised:
        client.full_clean()
    assert raised.value.message_dict["gpmi_date"] == ["De GPMI-datum ligt in de toekomst."]


def test_the_database_refuses_a_temporary_work_experience_ending_before_it_starts():
    experience = TemporaryWorkExperienceFactory()
    refused(
        TemporaryWorkExperience,
        experience.pk,
        "temporaryworkexperience_end_not_before_start",
        end_date=experience.start_date - DAY,
    )


def test_every_rule_says_what_it_refuses_in_words():
    """A form that validates the model shows the rule's message: never 'Constraint “…” is
    violated.' (the text limits say theirs through the field's max_length)."""
    wordless = [
        constraint.name
        for model in apps.get_app_config("referrals").get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, CheckConstraint)
        and not constraint.name.endswith("_max_length")
        and constraint.violation_error_message == constraint.default_violation_error_message
    ]
    assert wordless == []


def test_a_candidacy_of_an_earlier_day_lets_the_agreement_follow_it():
    """A caseworker catching up on paper records the day the client applied, so that the
    formal agreement of a later day fits before today."""
    referral = referral_in_state(State.INFORMED)
    last_week = timezone.localdate() - 7 * DAY

    services.referral_apply(referral=referral, user=referral.created_by, applied_on=last_week)
    services.referral_agree(
        referral=referral,
        user=referral.created_by,
        agreed_on=last_week + 2 * DAY,
        checked_conditions=applicable_conditions(referral.training),
        caseworker_phone="09 266 99 00",
    )

    referral.refresh_from_db()
    assert (referral.applied_on, referral.agreed_on) == (last_week, last_week + 2 * DAY)


def test_a_candidacy_in_the_future_is_refused_on_its_field():
    referral = referral_in_state(State.INFORMED)
    with pytest.raises(ValidationError) as raised:
        services.referral_apply(
            referral=referral,
            user=referral.created_by,
            applied_on=timezone.localdate() + DAY,
        )
    assert "applied_on" in raised.value.message_dict


def test_the_new_referral_form_takes_the_day_the_client_applied(client, caseworker, gent_client):
    training = TrainingFactory(province=gent_client.ocmw.province)
    last_week = timezone.localdate() - 7 * DAY
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:referral_create", args=[gent_client.pk]),
        {"training": training.pk, "apply": "on", "applied_on": last_week.isoformat()},
    )

    assert response.status_code == 302
    assert Referral.objects.get(client=gent_client).applied_on == last_week
