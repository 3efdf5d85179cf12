"""Fixtures of the webhook tests: a real receiver on localhost, subscriptions to it, and
the organisations around a referral of a Gent client for the cast's training (in
Oost-Vlaanderen): the client's OCMW, another OCMW, the training's VDAB region and another
region."""

import pytest

from accounts.models import Province
from tests.accounts.factories import OcmwFactory, VdabOrganisationFactory
from tests.referrals.factories import ClientFactory, referral_in_state
from webhooks.kinds import EventKind
from webhooks.models import Delivery, Subscription

from .receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def subscribe(receiver):
    """`subscribe(organisation, kinds=[...])`: an active subscription to the receiver."""

    def make(organisation, kinds=None, **fields) -> Subscription:
        fields.setdefault("url", receiver.url)
        return Subscription.objects.create(
            organisation=organisation, kinds=list(kinds or EventKind.values), **fields
        )

    return make


@pytest.fixture
def organisations(caseworker, counsellor) -> dict:
    return {
        "client's OCMW": caseworker.organisation,
        "other OCMW": OcmwFactory(municipality="Aalst"),
        "VDAB region": counsellor.organisation,
        "other VDAB region": VdabOrganisationFactory(province=Province.LIMBURG),
    }


@pytest.fixture
def walk(caseworker, counsellor, training):
    """`walk(state)`: a Gent client's referral walked to `state` by the cast."""

    def walk_to(state, **kwargs):
        kwargs.setdefault("client", ClientFactory(ocmw=caseworker.organisation))
        return referral_in_state(
            state, training=training, caseworker=caseworker, counsellor=counsellor, **kwargs
        )

    return walk_to


def deliveries_of(referral, kind) -> list[Delivery]:
    return list(Delivery.objects.filter(referral=referral, kind=kind).order_by("pk"))


def receivers_of(referral, kind) -> set[str]:
    return {d.subscription.organisation.name for d in deliveries_of(referral, kind)}
