"""Who reaches which API URL, generated from the URLconf (the API's part of
tests/test_url_access.py, which leaves the `api/` routes to this module).

Every API URL is asked by every role and without a token, about an object of the user's
own organisation and one of another's, by GET, POST and DELETE, and must answer with the
status `ACCESS` says. An API URL without an entry fails `test_every_api_url_has_an_entry`.

Without a token: 401. A resource that is not for the role at all (the clients): 403. A
method the URL does not take: 405. Another organisation's object: 404, never a 403 that
would say it exists. A step the user sees the referral of but may not take: 403. A POST
with an empty body reaches the form: 400 with its field errors (or 200 where the form
needs nothing)."""

from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Province
from referrals.enums import EndResult, State
from referrals.steps import STEPS
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    OrganisationFactory,
    VdabOrganisationFactory,
)
from tests.api.conftest import client_for
from tests.referrals.factories import (
    TRANSITIONS,
    ClientFactory,
    DocumentFactory,
    TrainingFactory,
    referral_in_state,
)
from tests.test_url_access import API_KEYS, PATTERNS

pytestmark = pytest.mark.usefixtures("db")

ROLES = ["anonymous", "caseworker", "counsellor", "network_manager", "administrator"]
WHOSE = ["own", "other"]
METHODS = ["GET", "POST", "DELETE"]

EVERY_ROLE = frozenset(ROLES) - {"anonymous"}
CASEWORKER_SIDE = frozenset({"caseworker", "administrator"})
COUNSELLOR_SIDE = frozenset({"counsellor", "administrator"})
EITHER_SIDE = frozenset({"caseworker", "counsellor", "administrator"})


@dataclass(frozen=True)
class Answer:
    """What one method of a URL answers: `status` to `roles`; 403 to the `forbidden` roles,
    who reach the object but may not act on it; `refused` to everyone else."""

    roles: frozenset
    status: int = 200
    forbidden: frozenset = frozenset()
    refused: int = 404


@dataclass(frozen=True)
class Access:
    """A URL's answers by method (any other method: 405).

    `target` is what its `pk` names: "referral", "client", "training", or a step's name
    (a referral in a state the step leaves). Another organisation's is a 404 for all but
    the administrator; a training is no one's. `only` are the roles the whole resource is
    for: anyone else gets 403 whatever the method."""

    answers: dict = field(hash=False)
    target: str | None = None
    public: bool = False
    only: frozenset | None = None

    def expected(self, role: str, whose: str, method: str) -> int:
        if self.public:
            return self.answers[method].status if method in self.answers else 405
        if role == "anonymous":
            return 401
        if self.only is not None and role not in self.only:
            return 403
        if method not in self.answers:
            return 405
        answer = self.answers[method]
        someone_elses = whose == "other" and self.target not in (None, "training")
        if role in answer.forbidden:
            return 404 if someone_elses else 403
        if role not in answer.roles:
            return answer.refused
        if someone_elses and role != "administrator":
            return 404
        return answer.status


def source(name: str) -> str:
    """The state a step is asked in: the first it leaves; a withdrawal once VDAB sees it."""
    return State.AGREED if name == "withdraw" else TRANSITIONS[name][0][0]


def step_access(name: str) -> Access:
    """A step's URL: an empty POST is the form's 400 for who may take it (200 where the
    form needs nothing); the other side, who sees the referral, gets 403. VDAB sees nothing
    of a referral before the formal agreement: a 404 there."""
    before_agreement = source(name) in (State.INFORMED, State.CANDIDATE)
    sees = CASEWORKER_SIDE if before_agreement else EITHER_SIDE
    takers = {
        "apply": CASEWORKER_SIDE,
        "agree": CASEWORKER_SIDE,
        "decline": CASEWORKER_SIDE,
        "close": EITHER_SIDE,
        "withdraw": EITHER_SIDE,
    }.get(name, COUNSELLOR_SIDE)
    status = 200 if name == "apply" else 400  # the candidacy's date defaults to today
    return Access(
        {"POST": Answer(takers & sees, status, forbidden=sees - takers)},
        target=name,
    )


ACCESS = {
    "api:schema": Access({"GET": Answer(EVERY_ROLE)}, public=True),
    "api:docs": Access({"GET": Answer(EVERY_ROLE)}, public=True),
    # The catalogue is everyone's.
    "api:training-list": Access({"GET": Answer(EVERY_ROLE)}),
    "api:training-detail": Access({"GET": Answer(EVERY_ROLE)}, target="training"),
    # Referrals: the network manager's list is empty; only the OCMW registers one.
    "api:referral-list": Access(
        {
            "GET": Answer(EVERY_ROLE),
            "POST": Answer(CASEWORKER_SIDE, 400, refused=403),
        }
    ),
    "api:referral-detail": Access({"GET": Answer(EITHER_SIDE)}, target="referral"),
    "api:referral-transitions": Access({"GET": Answer(EITHER_SIDE)}, target="referral"),
    **{f"api:referral-transition-{name}": step_access(name) for name in STEPS},
    # Clients are the OCMW's.
    "api:client-list": Access({"GET": Answer(CASEWORKER_SIDE)}, only=CASEWORKER_SIDE),
    "api:client-detail": Access(
        {"GET": Answer(CASEWORKER_SIDE)}, target="client", only=CASEWORKER_SIDE
    ),
    "api:client-search": Access({"POST": Answer(CASEWORKER_SIDE, 400)}, only=CASEWORKER_SIDE),
    # A referral's records: either side's, as on its page (an empty note is the form's 400).
    "api:referral-history": Access({"GET": Answer(EITHER_SIDE)}, target="referral"),
    "api:referral-notes": Access(
        {"GET": Answer(EITHER_SIDE), "POST": Answer(EITHER_SIDE, 400)}, target="referral"
    ),
    "api:referral-outcome-checks": Access({"GET": Answer(EITHER_SIDE)}, target="referral"),
    "api:referral-documents": Access({"GET": Answer(EITHER_SIDE)}, target="referral"),
    "api:document-download": Access({"GET": Answer(EITHER_SIDE)}, target="document"),
    # Everyone's own messages.
    "api:notifications": Access({"GET": Answer(EVERY_ROLE)}),
    # Candidacies are VDAB's (an empty one is the form's 400).
    "api:candidacies": Access(
        {"GET": Answer(COUNSELLOR_SIDE), "POST": Answer(COUNSELLOR_SIDE, 400)},
        only=COUNSELLOR_SIDE,
    ),
}


def test_every_api_url_has_an_entry():
    assert [key for key in API_KEYS if key not in ACCESS] == []
    assert [key for key in ACCESS if key not in API_KEYS] == []  # none left behind


def test_the_matrix_sees_the_api_urls():
    """The generated list is the API's: were it empty, the matrix would pass on nothing."""
    routes = {key: route for key, route, _ in PATTERNS if key in API_KEYS}
    assert len(routes) == len(STEPS) + 17
    assert all(route.startswith("api/") for route in routes.values())


# --- the world: OCMW Gent's referrals in every state a step leaves, and Hasselt's ---------


def make_world() -> dict:
    """OCMW Gent with trainings in Oost-Vlaanderen (the users' own) and OCMW Hasselt with
    trainings in Limburg (another organisation's): for each, a referral in every state a
    step leaves, each of a client of its own."""
    gent = OrganisationFactory()
    hasselt = OcmwFactory(municipality="Hasselt", province=Province.LIMBURG)
    people = {
        "caseworker": CaseworkerFactory(organisation=gent),
        "counsellor": CounsellorFactory(
            organisation=VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
        ),
        "network_manager": NetworkManagerFactory(
            organisation=VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
        ),
        "administrator": AdministratorFactory(),
    }
    sides = {
        "own": {
            "ocmw": gent,
            "training": TrainingFactory(province=Province.OOST_VLAANDEREN),
            "caseworker": people["caseworker"],
            "counsellor": people["counsellor"],
        },
        "other": {
            "ocmw": hasselt,
            "training": TrainingFactory(province=Province.LIMBURG),
            "caseworker": CaseworkerFactory(organisation=hasselt),
            "counsellor": None,
        },
    }
    sources = {source(name) for name in STEPS} | {State.ENDED}
    referrals = {
        (whose, state): referral_in_state(
            state,
            client=ClientFactory(ocmw=side["ocmw"]),
            training=side["training"],
            caseworker=side["caseworker"],
            counsellor=side["counsellor"],
            end__result=EndResult.PASSED,
        )
        for whose, side in sides.items()
        for state in sources
    }
    documents = {
        whose: DocumentFactory(referral=referrals[(whose, State.ENDED)]) for whose in sides
    }
    return {"people": people, "sides": sides, "referrals": referrals, "documents": documents}


@pytest.fixture(autouse=True)
def world_where_asked(request, shared_rows):
    if "world" in request.fixturenames:
        shared_rows.make(make_world)
    else:
        shared_rows.roll_back()


@pytest.fixture
def world(shared_rows) -> dict:
    return shared_rows.rows


def object_pk(world, target: str, whose: str) -> int:
    if target == "training":
        return world["sides"][whose]["training"].pk
    if target == "document":
        return world["documents"][whose].pk
    if target in STEPS:
        return world["referrals"][(whose, source(target))].pk
    referral = world["referrals"][(whose, State.ENDED)]
    return (referral.client if target == "client" else referral).pk


def caller(world, role: str) -> APIClient:
    if role == "anonymous":
        return APIClient(HTTP_ACCEPT_LANGUAGE="en")
    return client_for(world["people"][role])


def send(http: APIClient, method: str, url: str):
    if method == "POST":
        return http.post(url, {}, format="json")
    return http.generic(method, url)


# A URL without an object is asked once per role and method ("own"); a URL missing from
# ACCESS still gets its cases, which fail.
CASES = [
    (key, role, whose, method)
    for key in API_KEYS
    for role in ROLES
    for whose in (WHOSE if key in ACCESS and ACCESS[key].target else ["own"])
    for method in METHODS
]


@pytest.mark.parametrize(("key", "role", "whose", "method"), CASES)
def test_the_api_answers_each_role_as_the_matrix_says(world, key, role, whose, method):
    access = ACCESS[key]
    kwargs = {"pk": object_pk(world, access.target, whose)} if access.target else {}

    response = send(caller(world, role), method, reverse(key, kwargs=kwargs))

    assert response.status_code == access.expected(role, whose, method), response.content[:300]


@pytest.mark.parametrize("key", [key for key in API_KEYS if not ACCESS[key].public])
def test_without_a_token_the_answer_says_how_to_authenticate(world, key):
    access = ACCESS[key]
    kwargs = {"pk": object_pk(world, access.target, "own")} if access.target else {}

    response = send(caller(world, "anonymous"), "GET", reverse(key, kwargs=kwargs))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/json"
