"""A client's consent to share data with VDAB is a history: each consent given and withdrawn
is kept, the client's current consent follows it, the database refuses what cannot be, the
dates are checked with a clear message, only the client's side records it, and a withdrawal
blocks a new formal agreement with a message that says since when."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from referrals import access, services
from referrals.enums import ConsentScope, State
from referrals.models import Client, Consent
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import ClientFactory, make_insz, referral_in_state, take_step
from tests.referrals.refusals import assert_nothing_changed, history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TODAY = datetime.date(2026, 3, 12)
BORN = datetime.date(1990, 5, 17)
today_in_brussels = time_machine.travel(
    datetime.datetime(2026, 3, 12, 9, tzinfo=datetime.UTC), tick=False
)


@pytest.fixture
def person(ocmw_gent) -> Client:
    """A client of OCMW Gent, born on 17 May 1990, who has not consented yet."""
    return ClientFactory(ocmw=ocmw_gent, insz=make_insz(BORN, 41), consent_vdab=False)


def rows(client: Client) -> list[tuple]:
    return list(
        client.consents.values_list(
            "scope", "given_on", "document_reference", "recorded_by", "withdrawn_on", "withdrawn_by"
        )
    )


def current(client: Client) -> tuple:
    client = Client.objects.get(pk=client.pk)
    return client.consent_vdab, client.consent_date, client.has_consent


# --- the history ----------------------------------------------------------------------------


@today_in_brussels
def test_giving_withdrawing_and_giving_again_keeps_every_consent(person, caseworker):
    first, withdrawn, again = (
        datetime.date(2024, 1, 10),
        datetime.date(2024, 6, 1),
        datetime.date(2025, 2, 3),
    )

    services.consent_give(
        client=person, user=caseworker, given_on=first, document_reference=" OCMW/2024/17 "
    )
    assert current(person) == (True, first, True)

    services.consent_withdraw(client=person, user=caseworker, withdrawn_on=withdrawn)
    assert current(person) == (False, None, False)
    assert Client.objects.get(pk=person.pk).consent_withdrawn_on() == withdrawn

    services.consent_give(client=person, user=caseworker, given_on=again)
    assert current(person) == (True, again, True)
    assert Client.objects.get(pk=person.pk).consent_withdrawn_on() is None

    okot = ConsentScope.OKOT
    assert rows(person) == [  # newest first
        (okot, again, "", caseworker.pk, None, None),
        (okot, first, "OCMW/2024/17", caseworker.pk, withdrawn, caseworker.pk),
    ]
    withdrawal = person.consents.get(given_on=first)
    assert withdrawal.withdrawal_recorded_at == timezone.now()
    assert withdrawal.recorded_at == timezone.now()


@today_in_brussels
def test_a_consent_may_be_withdrawn_on_the_day_it_was_given(person, caseworker):
    services.consent_give(client=person, user=caseworker, given_on=TODAY)
    services.consent_withdraw(client=person, user=caseworker, withdrawn_on=TODAY)

    consent = person.consents.get()
    assert (consent.given_on, consent.withdrawn_on) == (TODAY, TODAY)


# --- what the database refuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("withdrawn_on", "by", "at"),
    [
        pytest.param(datetime.date(2023, 12, 31), True, True, id="before-given"),
        pytest.param(datetime.date(2024, 6, 1), False, True, id="without-by-whom"),
        pytest.param(None, True, True, id="by-whom-without-date"),
        pytest.param(datetime.date(2024, 6, 1), True, False, id="without-when-recorded"),
    ],
)
def test_the_database_refuses_a_withdrawal_that_cannot_be(person, caseworker, withdrawn_on, by, at):
    consent = Consent.objects.create(client=person, given_on=datetime.date(2024, 1, 1))
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_by = caseworker if by else None
    consent.withdrawal_recorded_at = timezone.now() if at else None

    with pytest.raises(IntegrityError), transaction.atomic():
        consent.save()


def test_the_database_refuses_a_second_open_consent_of_a_scope(person, caseworker):
    Consent.objects.create(client=person, given_on=datetime.date(2024, 1, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(client=person, given_on=datetime.date(2025, 1, 1))


def test_the_database_keeps_any_number_of_withdrawn_consents(person, caseworker):
    for year in (2022, 2023):
        Consent.objects.create(
            client=person,
            given_on=datetime.date(year, 1, 1),
            withdrawn_on=datetime.date(year, 6, 1),
            withdrawn_by=caseworker,
            withdrawal_recorded_at=timezone.now(),
        )
    Consent.objects.create(client=person, given_on=datetime.date(2024, 1, 1))

    assert person.consents.count() == 3
    assert person.consents.open().count() == 1


# --- the dates, each refused with its message ---------------------------------------------------


@today_in_brussels
@pytest.mark.parametrize(
    ("given_on", "message"),
    [
        pytest.param(
            TODAY + datetime.timedelta(days=1), "This date lies in the future.", id="future"
        ),
        pytest.param(
            BORN - datetime.timedelta(days=1),
            "This date lies before the client's birth date (17/05/1990).",
            id="before-birth",
        ),
    ],
)
def test_a_consent_date_that_cannot_be_is_refused(person, caseworker, given_on, message):
    with pytest.raises(ValidationError) as refused:
        services.consent_give(client=person, user=caseworker, given_on=given_on)

    assert refused.value.message_dict == {"given_on": [message]}
    assert rows(person) == []
    assert current(person) == (False, None, False)


@today_in_brussels
@pytest.mark.parametrize(
    ("withdrawn_on", "message"),
    [
        pytest.param(
            TODAY + datetime.timedelta(days=1), "This date lies in the future.", id="future"
        ),
        pytest.param(
            datetime.date(2024, 1, 9),
            "The consent was given on 10/01/2024: it cannot be withdrawn before that.",
            id="before-given",
        ),
    ],
)
def test_a_withdrawal_date_that_cannot_be_is_refused(person, caseworker, withdrawn_on, message):
    services.consent_give(client=person, user=caseworker, given_on=datetime.date(2024, 1, 10))

    with pytest.raises(ValidationError) as refused:
        services.consent_withdraw(client=person, user=caseworker, withdrawn_on=withdrawn_on)

    assert refused.value.message_dict == {"withdrawn_on": [message]}
    assert person.consents.get().withdrawn_on is None
    assert current(person) == (True, datetime.date(2024, 1, 10), True)


@today_in_brussels
def test_a_second_consent_while_one_holds_is_refused(person, caseworker):
    services.consent_give(client=person, user=caseworker, given_on=datetime.date(2024, 1, 10))

    with pytest.raises(ValidationError) as refused:
        services.consent_give(client=person, user=caseworker, given_on=datetime.date(2025, 1, 1))

    assert refused.value.messages == [
        "The client's consent of 10/01/2024 still holds; withdraw it before recording a new one."
    ]
    assert person.consents.count() == 1


def test_withdrawing_without_a_consent_is_refused(person, caseworker):
    with pytest.raises(ValidationError) as refused:
        services.consent_withdraw(
            client=person, user=caseworker, withdrawn_on=datetime.date(2024, 1, 1)
        )

    assert refused.value.messages == ["The client has no consent that could be withdrawn."]


def test_a_reference_longer_than_its_field_is_refused(person, caseworker):
    with pytest.raises(ValidationError) as refused:
        services.consent_give(
            client=person,
            user=caseworker,
            given_on=datetime.date(2024, 1, 1),
            document_reference="x" * 101,
        )

    assert list(refused.value.message_dict) == ["document_reference"]


# --- who may ------------------------------------------------------------------------------------

WHO = {
    "caseworker of the client's OCMW": (
        lambda client: CaseworkerFactory(organisation=client.ocmw),
        True,
    ),
    "caseworker of another OCMW": (
        lambda client: CaseworkerFactory(organisation=OcmwFactory()),
        False,
    ),
    "counsellor": (lambda client: CounsellorFactory(organisation=VdabOrganisationFactory()), False),
    "network manager": (
        lambda client: NetworkManagerFactory(organisation=VdabOrganisationFactory()),
        False,
    ),
    "administrator": (lambda client: AdministratorFactory(), True),
}


@today_in_brussels
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", ["give", "withdraw"])
def test_only_the_clients_side_records_consent(person, caseworker, who, action):
    make, may = WHO[who]
    user = make(person)
    if action == "withdraw":
        services.consent_give(client=person, user=caseworker, given_on=datetime.date(2024, 1, 1))
    before = rows(person)

    assert access.may_record_consent(person, user) is may
    record = {
        "give": lambda: services.consent_give(client=person, user=user, given_on=TODAY),
        "withdraw": lambda: services.consent_withdraw(client=person, user=user, withdrawn_on=TODAY),
    }[action]
    if may:
        record()
        assert rows(person) != before
    else:
        with pytest.raises(services.TransitionRefused) as refused:
            record()
        assert refused.value.messages == ["You may not record consent for this client."]
        assert rows(person) == before


# --- a withdrawal blocks the formal agreement -------------------------------------------------


@today_in_brussels
def test_a_withdrawn_consent_blocks_the_agreement_and_says_since_when(person, caseworker):
    services.consent_give(client=person, user=caseworker, given_on=datetime.date(2025, 1, 6))
    referral = referral_in_state(State.CANDIDATE, client=person, caseworker=caseworker)
    services.consent_withdraw(
        client=person, user=caseworker, withdrawn_on=datetime.date(2026, 3, 2)
    )
    referral.client.refresh_from_db()
    events = history(referral)

    with pytest.raises(services.TransitionRefused) as refused:
        take_step("agree", referral, caseworker, agreed_on=TODAY)

    withdrawn = (
        "The client withdrew the consent to share data with VDAB on 02/03/2026; record a new "
        "consent before the formal agreement."
    )
    assert refused.value.messages == [withdrawn]
    assert referral.blocked_steps(caseworker) == {"agree": [withdrawn]}
    assert_nothing_changed(referral, State.CANDIDATE, events)

    services.consent_give(client=person, user=caseworker, given_on=TODAY)
    referral.client.refresh_from_db()
    take_step("agree", referral, caseworker, agreed_on=TODAY)
    assert referral.state == State.AGREED


def test_a_client_who_never_consented_is_told_so(person, caseworker):
    referral = referral_in_state(State.CANDIDATE, client=person, caseworker=caseworker)

    assert referral.blocked_steps(caseworker) == {
        "agree": ["The client has not consented to share data with VDAB."]
    }
