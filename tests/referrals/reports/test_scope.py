"""Whose figures a user sees: `reportable_to(user)` then the tables; and the page filters.

Five trajectories of 2024 across two provinces: the clients of OCMW Gent and Aalst
(Oost-Vlaanderen) and Hasselt (Limburg), in trainings of both VDAB regions."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Organisation, Province
from referrals.enums import OkotType, State
from referrals.models import Referral
from referrals.reports.funnel import funnel
from referrals.reports.tables import diplomas, early_stops, filtered, outflow, starts
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
from tests.referrals.factories import TrainingFactory

from .builders import OV, YES, local, referral, rows

pytestmark = pytest.mark.django_db

LIMBURG = Province.LIMBURG


@pytest.fixture
def world():
    gent = OrganisationFactory()
    aalst = OcmwFactory(municipality="Aalst")
    hasselt = OcmwFactory(municipality="Hasselt", province=LIMBURG)
    vdab_ov = VdabOrganisationFactory(province=OV)
    vdab_limburg = VdabOrganisationFactory(province=LIMBURG)
    contact_in_limburg = CounsellorFactory(organisation=vdab_limburg)
    pba_ov = TrainingFactory(
        okot_type=OkotType.PBA, province=OV, contact_counsellor=contact_in_limburg
    )
    hbo_limburg = TrainingFactory(okot_type=OkotType.HBO, province=LIMBURG)
    tko_ov = TrainingFactory(okot_type=OkotType.TKO, province=OV)

    def trajectory(ocmw, training, result, reason=""):
        return referral(
            ocmw=ocmw,
            training=training,
            start="2024-01-15",
            end="2024-06-30",
            result=result,
            reason=reason,
            checks={3: YES},
            created_at=local("2024-01-05 10:00"),
        )

    made = {
        "g1": trajectory(gent, pba_ov, "passed"),
        "g2": trajectory(gent, hbo_limburg, "stopped_early", "illness"),
        "a1": trajectory(aalst, pba_ov, "passed"),
        "h1": trajectory(hasselt, hbo_limburg, "stopped_employment"),
        "h2": trajectory(hasselt, tko_ov, "passed"),
    }
    users = {
        "caseworker Gent": CaseworkerFactory(organisation=gent),
        "caseworker Aalst": CaseworkerFactory(organisation=aalst),
        "caseworker Hasselt": CaseworkerFactory(organisation=hasselt),
        "counsellor Oost-Vlaanderen": CounsellorFactory(organisation=vdab_ov),
        "counsellor Limburg": CounsellorFactory(organisation=vdab_limburg),
        # Contact counsellor of a training in Oost-Vlaanderen: sees it, reports Limburg.
        "contact counsellor from Limburg": contact_in_limburg,
        "network manager Oost-Vlaanderen": NetworkManagerFactory(organisation=vdab_ov),
        "network manager Limburg": NetworkManagerFactory(organisation=vdab_limburg),
        "administrator": AdministratorFactory(),
        "superuser": UserFactory(is_superuser=True),
        "OCMW user without a role": UserFactory(organisation=gent),
        "VDAB user without a role": UserFactory(organisation=vdab_ov),
        "inactive caseworker Gent": CaseworkerFactory(organisation=gent, is_active=False),
        "inactive administrator": AdministratorFactory(is_active=False),
        "inactive network manager": NetworkManagerFactory(organisation=vdab_ov, is_active=False),
        "anonymous": AnonymousUser(),
    }
    return made, users


NOTHING = (set(), (0, 0, 0, 0, 0))
# user: (referrals whose figures they see,
#        (starts total, diplomas, early stops incl. employment, outflow closed, registered))
SCOPE = {
    "caseworker Gent": ({"g1", "g2"}, (2, 1, 1, 1, 2)),
    "caseworker Aalst": ({"a1"}, (1, 1, 0, 1, 1)),
    "caseworker Hasselt": ({"h1", "h2"}, (2, 1, 1, 2, 2)),
    "counsellor Oost-Vlaanderen": ({"g1", "a1", "h2"}, (3, 3, 0, 3, 3)),
    "counsellor Limburg": ({"g2", "h1"}, (2, 0, 2, 1, 2)),
    "contact counsellor from Limburg": ({"g2", "h1"}, (2, 0, 2, 1, 2)),
    "network manager Oost-Vlaanderen": ({"g1", "g2", "a1"}, (3, 2, 1, 2, 3)),
    "network manager Limburg": ({"h1", "h2"}, (2, 1, 1, 2, 2)),
    "administrator": ({"g1", "g2", "a1", "h1", "h2"}, (5, 3, 2, 4, 5)),
    "superuser": ({"g1", "g2", "a1", "h1", "h2"}, (5, 3, 2, 4, 5)),
    "OCMW user without a role": NOTHING,
    "VDAB user without a role": NOTHING,
    "inactive caseworker Gent": NOTHING,
    "inactive administrator": NOTHING,
    "inactive network manager": NOTHING,
    "anonymous": NOTHING,
}


@pytest.mark.parametrize(("who", "expected"), [(k, v[0]) for k, v in SCOPE.items()])
def test_reportable_referrals_per_role(world, who, expected):
    made, users = world
    names = {r.pk: name for name, r in made.items()}

    reportable = Referral.objects.reportable_to(users[who])

    assert {names[pk] for pk in reportable.values_list("pk", flat=True)} == expected


@pytest.mark.parametrize(("who", "expected"), [(k, v[1]) for k, v in SCOPE.items()])
def test_every_table_holds_only_the_figures_the_user_may_see(world, who, expected):
    _made, users = world
    scoped = Referral.objects.reportable_to(users[who])
    today = local("2026-01-01 12:00").date()

    totals = (
        rows(starts(scoped, year=2024))[-1][1],
        rows(diplomas(scoped, year=2024))[-1][1],
        rows(early_stops(scoped, year=2024))[-1][1],
        rows(outflow(scoped, year=2024, today=today))[-1][1],
        rows(funnel(scoped, year=2024, today=today))[0][1],
    )

    assert totals == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("caseworker Gent", [("7BSO", 0), ("PBA", 1), ("SENSE", 0), ("TKO", 0), ("HBO", 1)]),
        (
            "counsellor Oost-Vlaanderen",
            [("7BSO", 0), ("PBA", 2), ("SENSE", 0), ("TKO", 1), ("HBO", 0)],
        ),
        (
            "network manager Limburg",
            [("7BSO", 0), ("PBA", 0), ("SENSE", 0), ("TKO", 1), ("HBO", 1)],
        ),
    ],
)
def test_starts_per_type_within_the_users_scope(world, who, expected):
    _made, users = world

    table = starts(Referral.objects.reportable_to(users[who]), year=2024)

    assert rows(table)[:-1] == expected


# --- the page's filters -------------------------------------------------------------------


def organisation(name):
    return Organisation.objects.get(name=name)


@pytest.mark.parametrize(
    ("who", "filters", "expected"),
    [
        ("administrator", {}, [1, 2, 0, 1, 2, 6]),  # 7BSO, PBA, SENSE, TKO, HBO, total
        ("administrator", {"ocmw": "OCMW Aalst"}, [0, 1, 0, 0, 0, 1]),
        ("administrator", {"ocmw": "OCMW Hasselt"}, [0, 0, 0, 1, 1, 2]),
        ("administrator", {"region": LIMBURG}, [0, 0, 0, 0, 2, 2]),
        ("administrator", {"region": OV}, [1, 2, 0, 1, 0, 4]),
        ("administrator", {"okot_type": OkotType.PBA}, [0, 2, 0, 0, 0, 2]),
        ("administrator", {"okot_type": OkotType.SENSE}, [0, 0, 0, 0, 0, 0]),
        ("administrator", {"ocmw": "OCMW Gent", "region": OV}, [1, 1, 0, 0, 0, 2]),
        (
            "administrator",
            {"ocmw": "OCMW Gent", "region": OV, "okot_type": OkotType.BSO7},
            [1, 0, 0, 0, 0, 1],
        ),
        # A filter narrows the user's figures, never widens them.
        ("caseworker Gent", {"ocmw": "OCMW Aalst"}, [0, 0, 0, 0, 0, 0]),
        ("counsellor Limburg", {"region": OV}, [0, 0, 0, 0, 0, 0]),
        ("network manager Oost-Vlaanderen", {"region": LIMBURG}, [0, 0, 0, 0, 1, 1]),
        ("network manager Oost-Vlaanderen", {"ocmw": "OCMW Hasselt"}, [0, 0, 0, 0, 0, 0]),
    ],
)
def test_filters_by_ocmw_region_and_type(world, who, filters, expected):
    _made, users = world
    # One more start in Gent, a 7BSO training in Oost-Vlaanderen.
    referral(ocmw=organisation("OCMW Gent"), okot=OkotType.BSO7, start="2024-03-03")
    if "ocmw" in filters:
        filters = {**filters, "ocmw": organisation(filters["ocmw"])}

    scoped = filtered(Referral.objects.reportable_to(users[who]), **filters)

    assert [count for _group, count in rows(starts(scoped, year=2024))] == expected


def test_empty_filters_change_nothing(world):
    _made, users = world
    everything = Referral.objects.reportable_to(users["administrator"])

    assert filtered(everything, ocmw=None, region="", okot_type="").count() == 5


def test_a_counsellors_figures_leave_out_referrals_before_the_formal_agreement(
    counsellor, training
):
    """Otherwise a candidacy would show in VDAB's figures, or not, as the OCMW knew the
    number or not (pen test finding 1, by way of the funnel)."""
    referral(training=training, state=State.CANDIDATE)
    agreed = referral(training=training, start="2024-01-15")

    assert list(Referral.objects.reportable_to(counsellor)) == [agreed]
