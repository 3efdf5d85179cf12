"""A referral stores its client's OCMW (`Referral.ocmw`) and its training's VDAB region
(`Referral.region`), which the lists, counts and scopes read without joining clients or
trainings: set when the referral is made, moved along when the client moves to another
OCMW or the training to another region, and so what a caseworker or counsellor sees
follows them."""

import pytest
from django.db.models import F
from django.urls import reverse

from accounts.models import Province, User
from referrals import services
from referrals.enums import State
from referrals.models import Client, Referral, Training
from tests.accounts.factories import (
    CaseworkerFactory,
    CounsellorFactory,
    OcmwFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import ClientFactory, referral_in_state

pytestmark = pytest.mark.django_db


def test_a_new_referral_takes_its_clients_ocmw(caseworker, training):
    client = ClientFactory(ocmw=caseworker.organisation)

    services.referral_create(user=caseworker, client=client, training=training)

    assert list(Referral.objects.values_list("ocmw", "region")) == [
        (client.ocmw_id, training.province)
    ]


def test_every_referral_of_every_state_carries_its_clients_ocmw(training):
    for state in State.values:
        referral_in_state(state, training=training)

    assert Referral.objects.count() == len(State.values)
    assert not Referral.objects.exclude(ocmw=F("client__ocmw")).exists()
    assert not Referral.objects.exclude(region=F("training__province")).exists()


def test_a_client_moved_to_another_ocmw_takes_its_referrals_along(client, caseworker, training):
    referral = referral_in_state(State.CANDIDATE, training=training, caseworker=caseworker)
    elsewhere = OcmwFactory()
    colleague_there = CaseworkerFactory(organisation=elsewhere)

    moved = Client.objects.get(pk=referral.client_id)  # read back, as an admin form does
    moved.ocmw = elsewhere
    moved.save()

    assert Referral.objects.get(pk=referral.pk).ocmw == elsewhere
    assert not Referral.objects.visible_to(caseworker).filter(pk=referral.pk).exists()
    client.force_login(colleague_there)
    assert client.get(reverse("referrals:referral_detail", args=[referral.pk])).status_code == 200
    client.force_login(caseworker)
    assert client.get(reverse("referrals:referral_detail", args=[referral.pk])).status_code == 404


def test_a_client_saved_from_a_copy_read_before_a_move_keeps_its_referrals_with_it(training):
    """Someone's form read the client at OCMW X; meanwhile it moved to Y, referrals and all.
    Saving that copy puts the client back at X: its referrals follow, never left at Y."""
    referral = referral_in_state(State.CANDIDATE, training=training)
    here = referral.client.ocmw
    stale = Client.objects.get(pk=referral.client_id)
    moved = Client.objects.get(pk=referral.client_id)
    moved.ocmw = OcmwFactory()
    moved.save()
    assert Referral.objects.get(pk=referral.pk).ocmw == moved.ocmw

    stale.first_name = "Lotte"
    stale.save()

    assert Client.objects.get(pk=referral.client_id).ocmw == here
    assert Referral.objects.get(pk=referral.pk).ocmw == here


def test_saving_other_fields_of_a_client_leaves_its_ocmw_and_referrals_alone(training):
    referral = referral_in_state(State.CANDIDATE, training=training)
    client = Client.objects.get(pk=referral.client_id)
    client.ocmw = OcmwFactory()  # changed in memory, not saved

    client.first_name = "Lotte"
    client.save(update_fields=["first_name"])

    assert Client.objects.get(pk=client.pk).ocmw == referral.client.ocmw
    assert Referral.objects.get(pk=referral.pk).ocmw == referral.client.ocmw


def test_a_training_moved_to_another_region_takes_its_referrals_along(client, training):
    referral = referral_in_state(State.IN_TRAINING, training=training)
    there = VdabOrganisationFactory(province=Province.LIMBURG)
    counsellor_there = CounsellorFactory(organisation=there)
    counsellor_here = CounsellorFactory(
        organisation=VdabOrganisationFactory(province=training.province)
    )
    assert training.province != Province.LIMBURG

    moved = Training.objects.get(pk=training.pk)
    moved.province = Province.LIMBURG
    moved.save()

    assert Referral.objects.get(pk=referral.pk).region == Province.LIMBURG
    assert Referral.objects.visible_to(counsellor_there).filter(pk=referral.pk).exists()
    assert not Referral.objects.visible_to(counsellor_here).filter(pk=referral.pk).exists()
    client.force_login(counsellor_there)
    assert client.get(reverse("referrals:referral_detail", args=[referral.pk])).status_code == 200


def test_a_contact_counsellor_sees_their_trainings_referrals_in_any_region(training):
    referral = referral_in_state(State.AGREED, training=training)
    contact = CounsellorFactory(organisation=VdabOrganisationFactory(province=Province.BRUSSEL))
    assert training.province != Province.BRUSSEL
    assert not Referral.objects.visible_to(contact).filter(pk=referral.pk).exists()

    Training.objects.filter(pk=training.pk).update(contact_counsellor=contact)

    # As the next request reads its user (a user object reads its trainings once).
    contact = User.objects.get(pk=contact.pk)
    assert Referral.objects.visible_to(contact).filter(pk=referral.pk).exists()
