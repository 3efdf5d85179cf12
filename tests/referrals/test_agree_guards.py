"""The guards of agree (DOMAIN.md): the client's consent, no active temporary work
experience, every applicable entry condition checked, a date not in the future in Brussels;
each refusal is a clear message and changes nothing."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from referrals.enums import OkotType, State
from referrals.models import EntryCondition, Referral
from referrals.services import TransitionRefused
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.factories import (
    ClientFactory,
    TemporaryWorkExperienceFactory,
    TrainingFactory,
    applicable_conditions,
    referral_in_state,
    take_step,
)
from tests.referrals.refusals import assert_nothing_changed, history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TODAY = datetime.date(2025, 3, 12)


def caseworker_of(referral):
    return CaseworkerFactory(organisation=referral.client.ocmw)


@pytest.mark.parametrize(
    ("consent_vdab", "consent_date"),
    [
        pytest.param(False, None, id="never-consented"),
        pytest.param(False, datetime.date(2024, 1, 1), id="consent-withdrawn"),
        pytest.param(True, None, id="consent-without-date"),
    ],
)
def test_agree_is_refused_without_the_clients_consent(consent_vdab, consent_date):
    client = ClientFactory(consent_vdab=consent_vdab, consent_date=consent_date)
    referral = referral_in_state(State.CANDIDATE, client=client)
    events = history(referral)

    with pytest.raises(TransitionRefused) as refused:
        take_step("agree", referral, caseworker_of(referral))

    assert any("consent" in str(message) for message in refused.value.messages)
    assert_nothing_changed(referral, State.CANDIDATE, events)


# --- agree: temporary work experience -------------------------------------------------------


@pytest.mark.parametrize(
    "end_date",
    [
        pytest.param(None, id="open-ended"),
        pytest.param(TODAY + datetime.timedelta(days=30), id="ends-next-month"),
    ],
)
@time_machine.travel(datetime.datetime(2025, 3, 12, 9, tzinfo=datetime.UTC), tick=False)
def test_agree_is_refused_during_an_active_temporary_work_experience(end_date):
    referral = referral_in_state(State.CANDIDATE)
    TemporaryWorkExperienceFactory(
        client=referral.client, start_date=TODAY - datetime.timedelta(days=100), end_date=end_date
    )
    events = history(referral)

    with pytest.raises(TransitionRefused) as refused:
        take_step("agree", referral, caseworker_of(referral))

    assert any("temporary work experience" in str(m) for m in refused.value.messages)
    assert_nothing_changed(referral, State.CANDIDATE, events)


@time_machine.travel(datetime.datetime(2025, 3, 12, 9, tzinfo=datetime.UTC), tick=False)
def test_agree_is_allowed_after_the_temporary_work_experience_ended():
    referral = referral_in_state(State.CANDIDATE)
    TemporaryWorkExperienceFactory(
        client=referral.client,
        start_date=TODAY - datetime.timedelta(days=400),
        end_date=TODAY - datetime.timedelta(days=1),
    )

    take_step("agree", referral, caseworker_of(referral), agreed_on=TODAY)

    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


def test_another_clients_temporary_work_experience_does_not_block():
    referral = referral_in_state(State.CANDIDATE)
    TemporaryWorkExperienceFactory(client=ClientFactory(ocmw=referral.client.ocmw))

    take_step("agree", referral, caseworker_of(referral))

    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


# --- agree: entry conditions ---------------------------------------------------------------


@pytest.mark.parametrize("okot_type", OkotType.values)
def test_agree_is_refused_while_an_applicable_entry_condition_is_unchecked(okot_type):
    referral = referral_in_state(State.CANDIDATE, training=TrainingFactory(okot_type=okot_type))
    *checked, unchecked = applicable_conditions(referral.training)
    events = history(referral)

    with pytest.raises(ValidationError) as refused:
        take_step("agree", referral, caseworker_of(referral), checked_conditions=checked)

    assert "checked_conditions" in refused.value.message_dict
    assert unchecked.text in refused.value.message_dict["checked_conditions"][0]
    assert_nothing_changed(referral, State.CANDIDATE, events)
    assert not referral.checked_conditions.exists()


def test_agree_without_any_checked_condition_is_refused():
    referral = referral_in_state(State.CANDIDATE)
    events = history(referral)

    with pytest.raises(ValidationError) as refused:
        take_step("agree", referral, caseworker_of(referral), checked_conditions=[])

    assert "checked_conditions" in refused.value.message_dict
    assert_nothing_changed(referral, State.CANDIDATE, events)


def test_entry_conditions_of_other_okot_types_are_not_required():
    referral = referral_in_state(State.CANDIDATE, training=TrainingFactory(okot_type=OkotType.HBO))
    required = applicable_conditions(referral.training)
    other_types_only = EntryCondition.objects.exclude(pk__in=[c.pk for c in required])
    # The seeded checklist has conditions for secondary and Se-n-Se programmes only.
    assert {c.text for c in other_types_only} >= {"Minstens 1 jaar uit het onderwijs"}

    take_step("agree", referral, caseworker_of(referral), checked_conditions=required)

    assert Referral.objects.get(pk=referral.pk).state == State.AGREED
    assert set(referral.checked_conditions.all()) == set(required)


def test_an_inactive_entry_condition_is_not_required():
    EntryCondition.objects.create(text="Oude voorwaarde", okot_types="", active=False)
    referral = referral_in_state(State.CANDIDATE)

    take_step("agree", referral, caseworker_of(referral))

    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


def test_a_condition_added_as_data_is_required_at_once():
    added = EntryCondition.objects.create(text="Rijbewijs B", okot_types="HBO, PBA")
    referral = referral_in_state(State.CANDIDATE, training=TrainingFactory(okot_type=OkotType.PBA))

    with pytest.raises(ValidationError) as refused:
        take_step(
            "agree",
            referral,
            caseworker_of(referral),
            checked_conditions=[c for c in applicable_conditions(referral.training) if c != added],
        )

    assert "Rijbewijs B" in refused.value.message_dict["checked_conditions"][0]


# --- agree: date ----------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2025, 3, 12, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_agree_dated_in_the_future_is_refused():
    """23:30 UTC is already 13 March in Brussels (CET): tomorrow there is the 14th."""
    referral = referral_in_state(State.CANDIDATE)
    events = history(referral)

    with pytest.raises(ValidationError) as refused:
        take_step("agree", referral, caseworker_of(referral), agreed_on=datetime.date(2025, 3, 14))

    assert "agreed_on" in refused.value.message_dict
    assert_nothing_changed(referral, State.CANDIDATE, events)


@time_machine.travel(datetime.datetime(2025, 3, 12, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_agree_dated_today_in_brussels_is_allowed():
    referral = referral_in_state(State.CANDIDATE)

    take_step("agree", referral, caseworker_of(referral), agreed_on=datetime.date(2025, 3, 13))

    assert Referral.objects.get(pk=referral.pk).agreed_on == datetime.date(2025, 3, 13)
