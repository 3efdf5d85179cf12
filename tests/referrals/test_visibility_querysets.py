"""Who sees which referrals and clients: `visible_to(user)` is what every view fetches through."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Province, Role, User
from referrals import access
from referrals.enums import State
from referrals.models import Client, Referral
from referrals.models.visibility import referral_visibility
from referrals.models.work import work_conditions
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    OrganisationFactory,
    UserFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import ClientFactory, ReferralFactory, TrainingFactory

pytestmark = pytest.mark.django_db

PAIRS = ["gent_to_ov", "antwerpen_to_ov", "gent_to_antwerpen", "antwerpen_to_limburg"]


def both(*pairs: str) -> set[str]:
    """Each pair's referral before the formal agreement and its twin after it."""
    return {*pairs, *(f"{pair}_agreed" for pair in pairs)}


def agreed(*pairs: str) -> set[str]:
    """VDAB sees a referral only once the OCMW formally agreed."""
    return {f"{pair}_agreed" for pair in pairs}


ALL_REFERRALS = both(*PAIRS)
ALL_CLIENTS = {"gent", "antwerpen"}

# user -> (referrals they see, clients they see)
VISIBLE = {
    "caseworker_gent": (both("gent_to_ov", "gent_to_antwerpen"), {"gent"}),
    "caseworker_antwerpen": (both("antwerpen_to_ov", "antwerpen_to_limburg"), {"antwerpen"}),
    "counsellor_oost_vlaanderen": (agreed("gent_to_ov", "antwerpen_to_ov"), set()),
    "counsellor_antwerpen": (agreed("gent_to_antwerpen"), set()),
    # West-Vlaanderen has no trainings here; the contact role alone opens Antwerpen's.
    "contact_counsellor_west_vlaanderen": (agreed("gent_to_antwerpen"), set()),
    "counsellor_limburg": (agreed("antwerpen_to_limburg"), set()),
    "network_manager_oost_vlaanderen": (set(), set()),
    "administrator": (ALL_REFERRALS, ALL_CLIENTS),
    "superuser": (ALL_REFERRALS, ALL_CLIENTS),
    "anonymous": (set(), set()),
    "inactive_caseworker_gent": (set(), set()),
    "inactive_counsellor_oost_vlaanderen": (set(), set()),
    "inactive_administrator": (set(), set()),
    "ocmw_user_without_role": (set(), set()),
    "caseworker_role_in_a_vdab_office": (set(), set()),
}


@pytest.fixture
def world():
    gent = OrganisationFactory()
    antwerpen = OcmwFactory(municipality="Antwerpen", province=Province.ANTWERPEN)
    vdab = {
        province: VdabOrganisationFactory(province=province)
        for province in (
            Province.OOST_VLAANDEREN,
            Province.ANTWERPEN,
            Province.LIMBURG,
            Province.WEST_VLAANDEREN,
        )
    }
    users = {
        "caseworker_gent": CaseworkerFactory(organisation=gent),
        "caseworker_antwerpen": CaseworkerFactory(organisation=antwerpen),
        "counsellor_oost_vlaanderen": CounsellorFactory(
            organisation=vdab[Province.OOST_VLAANDEREN]
        ),
        "counsellor_antwerpen": CounsellorFactory(organisation=vdab[Province.ANTWERPEN]),
        "contact_counsellor_west_vlaanderen": CounsellorFactory(
            organisation=vdab[Province.WEST_VLAANDEREN]
        ),
        "counsellor_limburg": CounsellorFactory(organisation=vdab[Province.LIMBURG]),
        "network_manager_oost_vlaanderen": NetworkManagerFactory(
            organisation=vdab[Province.OOST_VLAANDEREN]
        ),
        "administrator": AdministratorFactory(),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "anonymous": AnonymousUser(),
        "inactive_caseworker_gent": CaseworkerFactory(organisation=gent, is_active=False),
        "inactive_counsellor_oost_vlaanderen": CounsellorFactory(
            organisation=vdab[Province.OOST_VLAANDEREN], is_active=False
        ),
        "inactive_administrator": AdministratorFactory(is_active=False),
        "ocmw_user_without_role": UserFactory(organisation=gent),
        "caseworker_role_in_a_vdab_office": UserFactory(
            organisation=vdab[Province.OOST_VLAANDEREN], groups=[Role.CASEWORKER]
        ),
    }
    clients = {"gent": ClientFactory(ocmw=gent), "antwerpen": ClientFactory(ocmw=antwerpen)}
    trainings = {
        "ov": TrainingFactory(province=Province.OOST_VLAANDEREN),
        "antwerpen": TrainingFactory(
            province=Province.ANTWERPEN,
            contact_counsellor=users["contact_counsellor_west_vlaanderen"],
        ),
        "limburg": TrainingFactory(province=Province.LIMBURG),
    }
    referrals = {}
    for pair in PAIRS:
        client, training = pair.split("_to_")
        people = {"client": clients[client], "training": trainings[training]}
        # Withdrawn after the formal agreement, so that it may sit beside the open one.
        referrals[f"{pair}_agreed"] = ReferralFactory(**people, agreed_on=datetime.date(2026, 3, 2))
        Referral.objects.filter(pk=referrals[f"{pair}_agreed"].pk).update(state=State.WITHDRAWN)
        referrals[pair] = ReferralFactory(**people)
    return users, referrals, clients


def names(objects: dict, queryset) -> set[str]:
    by_pk = {obj.pk: name for name, obj in objects.items()}
    pks = list(queryset.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "visible_to() returned duplicates"
    return {by_pk[pk] for pk in pks}


@pytest.mark.parametrize("who", VISIBLE)
def test_referrals_visible_to_each_role(world, who):
    users, referrals, _clients = world

    visible = names(referrals, Referral.objects.visible_to(users[who]))

    assert visible == VISIBLE[who][0]


@pytest.mark.parametrize("who", VISIBLE)
def test_clients_visible_to_each_role(world, who):
    users, _referrals, clients = world

    visible = names(clients, Client.objects.visible_to(users[who]))

    assert visible == VISIBLE[who][1]


def test_visible_to_chains_with_the_other_reads(world):
    users, referrals, _clients = world
    informed = referrals["gent_to_ov"]

    open_for_caseworker = Referral.objects.visible_to(users["caseworker_gent"]).open()
    to_apply = Referral.objects.visible_to(users["caseworker_gent"]).filter(
        work_conditions(users["caseworker_gent"])["apply"]
    )

    assert informed.state == State.INFORMED
    assert set(open_for_caseworker) == {informed, referrals["gent_to_antwerpen"]}
    assert set(to_apply) == {informed, referrals["gent_to_antwerpen"]}


def test_a_counsellor_moving_region_sees_the_new_regions_referrals(world):
    users, referrals, _clients = world
    counsellor = users["counsellor_limburg"]

    counsellor.organisation = VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    counsellor.save()

    assert names(referrals, Referral.objects.visible_to(counsellor)) == agreed(
        "gent_to_ov", "antwerpen_to_ov"
    )


def test_a_contacts_trainings_elsewhere_are_read_once_per_user_object(
    world, django_assert_num_queries
):
    """A page asks for its rows and again for the inbox's count: the trainings are read
    once per user object; the next request's object sees a training named since."""
    users, referrals, _clients = world
    contact = users["contact_counsellor_west_vlaanderen"]
    referral_visibility(contact)
    with django_assert_num_queries(0):
        referral_visibility(contact, prefix="referral__")
    limburg = TrainingFactory(province=Province.LIMBURG, contact_counsellor=contact)
    referrals["named_since"] = ReferralFactory(
        training=limburg, agreed_on=datetime.date(2026, 3, 2)
    )

    fresh = User.objects.get(pk=contact.pk)
    assert names(referrals, Referral.objects.visible_to(fresh)) == {
        *agreed("gent_to_antwerpen"),
        "named_since",
    }


# Pages are only served to logged-in users: the predicates are asked of them.
LOGGED_IN = [who for who in VISIBLE if who != "anonymous"]


@pytest.mark.parametrize("who", LOGGED_IN)
def test_either_side_of_a_referral_is_whom_it_is_visible_to(world, who):
    """`access.is_either_side` (who may act) and `visible_to` (who may read) are one rule."""
    users, referrals, _clients = world

    acting = {name for name, r in referrals.items() if access.is_either_side(r, users[who])}

    assert acting == VISIBLE[who][0]


@pytest.mark.parametrize("who", LOGGED_IN)
def test_who_may_edit_a_client_is_whom_it_is_visible_to(world, who):
    users, _referrals, clients = world

    editing = {name for name, c in clients.items() if access.may_edit_client(c, users[who])}

    assert editing == VISIBLE[who][1]
