"""Who is addressed on the VDAB side, and what they may read: the people who work on the
referral, never someone whose role does not allow it."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Province, Role
from audit.trail import mask_insz
from notifications.models import Kind, Notification
from notifications.recipients import counsellors_for
from referrals import services
from referrals.enums import VDAB_REGISTRATION, State
from referrals.models import ReferralEvent
from tests.accounts.factories import (
    CounsellorFactory,
    NetworkManagerFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import ClientFactory, TrainingFactory, referral_in_state, take_step

pytestmark = pytest.mark.django_db


# The caseworker is the cast's (tests/conftest.py).


@pytest.fixture
def region_counsellor(counsellor):
    """The cast's counsellor of Oost-Vlaanderen, the trainings' region."""
    return counsellor


def agreed_with(caseworker, training):
    referral = referral_in_state(
        State.CANDIDATE,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=training,
        caseworker=caseworker,
    )
    Notification.objects.all().delete()
    take_step("agree", referral, caseworker)
    return referral


def test_a_contact_who_is_no_counsellor_gets_no_handover(caseworker, region_counsellor):
    manager = NetworkManagerFactory(organisation=region_counsellor.organisation)
    training = TrainingFactory(province=Province.OOST_VLAANDEREN, contact_counsellor=manager)

    agreed_with(caseworker, training)

    handovers = Notification.objects.filter(kind=Kind.WARM_HANDOVER)
    assert {n.recipient for n in handovers} == {region_counsellor}


def test_a_counsellor_who_is_also_administrator_reads_only_what_vdab_may(caseworker):
    counsellor = CounsellorFactory(
        organisation=VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    )
    counsellor.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    training = TrainingFactory(province=Province.OOST_VLAANDEREN, contact_counsellor=counsellor)
    client = ClientFactory(
        ocmw=caseworker.organisation, street="Kortrijksesteenweg 412", notes="Schuldbemiddeling"
    )
    referral = referral_in_state(
        State.CANDIDATE, client=client, training=training, caseworker=caseworker
    )

    take_step("agree", referral, caseworker)

    messages = list(Notification.objects.filter(recipient=counsellor))
    assert messages, "the contact counsellor hears of the agreement"
    for message in messages:
        assert "Kortrijksesteenweg" not in message.body
        assert "Schuldbemiddeling" not in message.body
    # What VDAB may see is in the app, the national number masked as in every list; the
    # e-mail carries nothing of the client.
    assert {m.channel: mask_insz(client.insz) in m.body for m in messages} == {
        "in_app": True,
        "email": False,
    }
    assert [m for m in messages if client.insz in m.body] == []


def test_vdab_hears_nothing_of_a_decline_before_the_agreement(caseworker, region_counsellor):
    """The registrant reads it on their candidacy page (test_candidacy_oracle.py)."""
    contact = CounsellorFactory(organisation=region_counsellor.organisation)
    training = TrainingFactory(province=Province.OOST_VLAANDEREN, contact_counsellor=contact)
    person = ClientFactory(ocmw=caseworker.organisation)
    referral = services.referral_register_candidacy(
        user=region_counsellor,
        ocmw=person.ocmw,
        insz=person.insz,
        first_name=person.first_name,
        last_name=person.last_name,
        training=training,
    ).referral
    Notification.objects.all().delete()

    take_step("decline", referral, caseworker)

    assert not Notification.objects.filter(kind=Kind.DECLINED).exists()


def test_the_plain_text_e_mail_links_to_the_referral_and_the_preferences(
    caseworker, region_counsellor, settings
):
    settings.SITE_URL = "https://okot.example.org"
    referral = agreed_with(caseworker, TrainingFactory(province=Province.OOST_VLAANDEREN))

    e_mail = Notification.objects.get(kind=Kind.WARM_HANDOVER, channel="email")

    assert f"https://okot.example.org{referral.get_absolute_url()}" in e_mail.body
    assert "https://okot.example.org/notifications/preferences/" in e_mail.body


def vdab_line(referral, actor, *, minutes_ago: int) -> None:
    """A line of the referral's history taken by `actor` (as VDAB's registration of the
    candidacy or a note would be), `minutes_ago`."""
    ReferralEvent.objects.create(
        referral=referral,
        actor=actor,
        at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        transition=VDAB_REGISTRATION,
        from_state=referral.state,
        to_state=referral.state,
    )


def test_before_a_responsible_counsellor_the_contact_and_who_last_acted_for_vdab_hear(
    caseworker, region_counsellor
):
    contact = CounsellorFactory(organisation=region_counsellor.organisation)
    later = CounsellorFactory(organisation=region_counsellor.organisation)
    training = TrainingFactory(province=Province.OOST_VLAANDEREN, contact_counsellor=contact)
    referral = agreed_with(caseworker, training)
    vdab_line(referral, later, minutes_ago=5)
    vdab_line(referral, region_counsellor, minutes_ago=10)
    vdab_line(referral, caseworker, minutes_ago=1)  # the OCMW's lines do not count

    assert counsellors_for(referral) == [contact, later]
    vdab_line(referral, contact, minutes_ago=0)
    assert counsellors_for(referral) == [contact]


def test_who_last_acted_for_vdab_without_a_contact(caseworker, region_counsellor):
    referral = agreed_with(caseworker, TrainingFactory(province=Province.OOST_VLAANDEREN))
    others = CounsellorFactory(organisation=region_counsellor.organisation)
    vdab_line(referral, region_counsellor, minutes_ago=5)

    assert counsellors_for(referral) == [region_counsellor]
    # No longer a counsellor: the region's counsellors (now only the other), as when
    # nobody of VDAB acted.
    region_counsellor.groups.clear()
    assert counsellors_for(referral) == [others]
