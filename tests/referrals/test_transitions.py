"""Every transition, allowed and refused: state × step × who acts (own / other organisation).

The expectation comes from the small table below, written from DOMAIN.md, not from the code."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Province
from referrals.enums import State
from referrals.models import Referral, ReferralEvent
from referrals.services import TransitionRefused, referral_create
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    OrganisationFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import (
    TRANSITIONS,
    ClientFactory,
    TrainingFactory,
    referral_in_state,
    take_step,
)

# --- who may take which step (DOMAIN.md: "who acts" and the guards) -----------------------

ACTORS = [
    "caseworker_of_clients_ocmw",
    "caseworker_of_other_ocmw",
    "counsellor_of_trainings_region",
    "counsellor_of_other_region",
    "contact_counsellor_of_other_region",
    "network_manager",
    "administrator",
]
CLIENTS_OCMW = {"caseworker_of_clients_ocmw", "administrator"}
VDAB_IN_SCOPE = {
    "counsellor_of_trainings_region",
    "contact_counsellor_of_other_region",
    "administrator",
}
EITHER_SIDE = CLIENTS_OCMW | VDAB_IN_SCOPE
# DOMAIN.md: VDAB acts on a candidacy only after the formal agreement (and registers one
# only through its candidacy form, tests/referrals/test_candidacy.py).
BEFORE_THE_AGREEMENT = {State.INFORMED, State.CANDIDATE}
VDAB_ONLY = VDAB_IN_SCOPE - CLIENTS_OCMW

MAY_ACT = {
    "apply": CLIENTS_OCMW,
    "agree": CLIENTS_OCMW,
    "decline": CLIENTS_OCMW,
    "plan_intake": VDAB_IN_SCOPE,
    "admit": VDAB_IN_SCOPE,
    "reject": VDAB_IN_SCOPE,
    "start": VDAB_IN_SCOPE,
    "end": VDAB_IN_SCOPE,
    "close": EITHER_SIDE,
    "withdraw": EITHER_SIDE,
}


def is_allowed(state: str, transition: str, actor: str) -> bool:
    sources, _target = TRANSITIONS[transition]
    if actor in VDAB_ONLY and state in BEFORE_THE_AGREEMENT:
        return False
    return state in sources and actor in MAY_ACT[transition]


MATRIX = [
    pytest.param(state, transition, actor, id=f"{state}-{transition}-{actor}")
    for state in State.values
    for transition in TRANSITIONS
    for actor in ACTORS
]


# `db`, not the django_db mark: the walked referrals' transaction opens first (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("db")


def make_people():
    """The client is of OCMW Gent, the training in Oost-Vlaanderen; its contact counsellor
    works for VDAB West-Vlaanderen."""
    gent = OrganisationFactory()
    vdab_oost = VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    users = {
        "caseworker_of_clients_ocmw": CaseworkerFactory(organisation=gent),
        "caseworker_of_other_ocmw": CaseworkerFactory(
            organisation=OcmwFactory(municipality="Antwerpen", province=Province.ANTWERPEN)
        ),
        "counsellor_of_trainings_region": CounsellorFactory(organisation=vdab_oost),
        "counsellor_of_other_region": CounsellorFactory(
            organisation=VdabOrganisationFactory(province=Province.LIMBURG)
        ),
        "contact_counsellor_of_other_region": CounsellorFactory(
            organisation=VdabOrganisationFactory(province=Province.WEST_VLAANDEREN)
        ),
        # Same province as the training: being VDAB in the region is not enough to act.
        "network_manager": NetworkManagerFactory(organisation=vdab_oost),
        "administrator": AdministratorFactory(),
    }
    client = ClientFactory(ocmw=gent)
    training = TrainingFactory(
        province=Province.OOST_VLAANDEREN,
        contact_counsellor=users["contact_counsellor_of_other_region"],
    )
    return client, training, users


@pytest.fixture
def people():
    return make_people()


def walk_to_every_state() -> tuple[dict, dict]:
    """The people, and a referral in each state walked there by the caseworker and the
    counsellor of the training's region: (users, referral by state). Each referral is of a
    client of its own, like the people's: a client has one open referral per training."""
    client, training, users = make_people()
    referrals = {
        state: referral_in_state(
            state,
            client=ClientFactory(ocmw=client.ocmw),
            training=training,
            caseworker=users["caseworker_of_clients_ocmw"],
            counsellor=users["counsellor_of_trainings_region"],
        )
        for state in State.values
    }
    return users, referrals


@pytest.fixture(autouse=True)
def walked_where_asked(request, shared_rows) -> None:
    """The matrix's 770 tests share the walked referrals (walking is most of a test's time);
    a step a test takes is undone after it. The other tests start from an empty database."""
    if "walked" in request.fixturenames:
        shared_rows.make(walk_to_every_state)
    else:
        shared_rows.roll_back()


@pytest.fixture
def walked(shared_rows) -> tuple[dict, dict]:
    return shared_rows.rows


@pytest.mark.parametrize(("state", "transition", "actor"), MATRIX)
def test_step_is_taken_only_from_its_source_state_by_who_may_act(walked, state, transition, actor):
    users, referrals = walked
    referral = Referral.objects.get(pk=referrals[state].pk)
    events_before = list(referral.events.values_list("pk", flat=True))
    user = users[actor]

    if is_allowed(state, transition, actor):
        event = take_step(transition, referral, user)

        target = TRANSITIONS[transition][1]
        assert Referral.objects.get(pk=referral.pk).state == target
        new_events = ReferralEvent.objects.filter(referral=referral).exclude(pk__in=events_before)
        assert list(new_events.values_list("transition", "from_state", "to_state", "actor")) == [
            (transition, state, target, user.pk)
        ]
        assert new_events.get() == event
    else:
        with pytest.raises(TransitionRefused) as refused:
            take_step(transition, referral, user)

        assert refused.value.messages
        assert referral.state == state
        assert Referral.objects.get(pk=referral.pk).state == state
        assert list(referral.events.values_list("pk", flat=True)) == events_before


def test_matrix_covers_every_state_step_and_actor():
    assert len(MATRIX) == 11 * 10 * 7
    allowed = [p for p in MATRIX if is_allowed(*p.values)]
    # 11 (source, step) pairs; per step the number of actors who may take it, less VDAB's
    # withdrawals before the agreement (from informed and candidate).
    assert len(allowed) == sum(
        len(sources) * len(MAY_ACT[name]) for name, (sources, _t) in TRANSITIONS.items()
    ) - 2 * len(VDAB_ONLY)


@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_clients_ocmw_may_create_a_referral(people, actor):
    """DOMAIN.md: `informed` is reached by creating the referral, by the client's OCMW; VDAB
    registers a candidacy instead (and sees the referral only after the agreement)."""
    client, training, users = people

    if actor in CLIENTS_OCMW:
        referral = referral_create(user=users[actor], client=client, training=training)
        assert referral.events.get().actor == users[actor]
    else:
        with pytest.raises((TransitionRefused, PermissionDenied)):
            referral_create(user=users[actor], client=client, training=training)
        assert not Referral.objects.exists()
        assert not ReferralEvent.objects.exists()


@pytest.mark.parametrize(
    ("state", "transition", "actor"),
    [
        ("candidate", "agree", "caseworker_of_clients_ocmw"),
        ("agreed", "plan_intake", "counsellor_of_trainings_region"),
        ("agreed", "plan_intake", "contact_counsellor_of_other_region"),
        ("in_training", "end", "administrator"),
    ],
)
def test_a_deactivated_user_may_take_no_step(people, state, transition, actor):
    client, training, users = people
    referral = referral_in_state(
        state,
        client=client,
        training=training,
        caseworker=users["caseworker_of_clients_ocmw"],
        counsellor=users["counsellor_of_trainings_region"],
    )
    events_before = referral.events.count()
    user = type(users[actor]).objects.get(pk=users[actor].pk)
    user.is_active = False
    user.save()

    with pytest.raises(TransitionRefused):
        take_step(transition, referral, user)

    assert Referral.objects.get(pk=referral.pk).state == state
    assert referral.events.count() == events_before
