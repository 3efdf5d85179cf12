"""A counsellor's "mine" read part by part (`work.mine_parts`, Mijn werk's counts and rows):
the parts never share a referral and together are `work.mine`, whoever is named on the
referral and whoever the training names as its contact."""

import itertools

import pytest

from accounts.models import Organisation
from referrals.enums import State
from referrals.models import Referral
from referrals.models.work import mine, mine_parts
from tests.accounts.factories import CounsellorFactory
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db


def test_a_counsellors_parts_are_mine_and_never_overlap(counsellor, ocmw_gent):
    colleague = CounsellorFactory(organisation=counsellor.organisation)
    left = CounsellorFactory(organisation=counsellor.organisation, is_active=False)
    moved = CounsellorFactory(organisation=counsellor.organisation)
    moved.organisation = ocmw_gent  # now at an OCMW
    moved.save()
    assert moved.organisation.kind == Organisation.Kind.OCMW
    unplaced = CounsellorFactory(organisation=counsellor.organisation)
    unplaced.organisation = None  # of no organisation any more
    unplaced.save()
    named = [counsellor, colleague, left, moved, unplaced, None]
    contacts = [counsellor, colleague, None]
    for who, contact in itertools.product(named, contacts):
        Referral.objects.create(
            client=ClientFactory(ocmw=ocmw_gent),
            training=TrainingFactory(contact_counsellor=contact),
            state=State.AGREED,
            counsellor=who,
        )
    referrals = Referral.objects.all()

    parts = [
        set(referrals.filter(part).values_list("pk", flat=True)) for part in mine_parts(counsellor)
    ]

    expected = set(referrals.filter(mine(counsellor)).values_list("pk", flat=True))
    assert set().union(*parts) == expected
    assert sum(len(part) for part in parts) == len(expected)  # none in two parts
    # Named: theirs; nobody, someone gone, moved or unplaced: unless the training names a
    # colleague.
    assert len(expected) == 3 + 4 * 2
