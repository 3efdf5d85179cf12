"""Every API answer with a client's or a referral's data leaves its rows in the audit trail,
as the pages do (tests/audit/test_reads_trail.py), generated from the URLconf.

`READS` classifies each API URL's methods: what a successful answer records, about whom,
or that it shows no one's personal data and why. A URL or method without an entry fails
`test_every_api_url_and_method_has_an_entry`. Each role the matrix of test_access.py lets
through asks, in its world, and must leave one row naming each client (and referral) shown,
saying who, the kind, the path and the address; a refused request (401, 403, 404, 405, 400)
leaves none."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Entry, Kind
from audit.reads import masked_query
from referrals.enums import ContinuedBy, EndResult, State
from referrals.steps import STEPS
from tests.api.test_access import (
    ACCESS,
    METHODS,
    ROLES,
    WHOSE,
    caller,
    make_world,
    object_pk,
    source,
)
from tests.audit.subjects import assert_read_rows
from tests.referrals.factories import SCREENING, applicable_conditions

pytestmark = pytest.mark.usefixtures("db")

READ_KINDS = [Kind.VIEW, Kind.SEARCH, Kind.PRINT, Kind.EXPORT]
ADDRESS = "127.0.0.1"


def read_rows():
    return Entry.objects.filter(kind__in=READ_KINDS)


# --- what each answer shows ---------------------------------------------------------------


def the_referral(world, key, response) -> set:
    referral = world["referrals"][("own", target_state(key))]
    return {(referral.client_id, referral.pk)}


def the_client(world, key, response) -> set:
    return {(world["referrals"][("own", State.ENDED)].client_id, None)}


def referrals_listed(world, key, response) -> set:
    clients = {referral.pk: referral.client_id for referral in world["referrals"].values()}
    return {(clients[row["id"]], row["id"]) for row in response.json()["results"]}


def clients_listed(world, key, response) -> set:
    return {(row["id"], None) for row in response.json()["results"]}


def clients_found(world, key, response) -> set:
    return {(row["id"], None) for row in response.json()}


def referrals_named(world, key, response) -> set:
    """The referrals the rows of a page name (messages, candidacies), with their clients."""
    clients = {referral.pk: referral.client_id for referral in world["referrals"].values()}
    return {
        (clients[row["referral"]], row["referral"])
        for row in response.json()["results"]
        if row["referral"]
    }


def the_new_referral(world, key, response) -> set:
    return {(response.json()["client"]["id"], response.json()["id"])}


def target_state(key: str) -> str:
    name = key.removeprefix("api:referral-transition-")
    return source(name) if name in STEPS else State.ENDED


def step_body(name: str, world) -> dict:
    """A body the step takes, on the world's referral in the state the step leaves."""
    today = timezone.localdate()
    soon = timezone.localtime() + datetime.timedelta(days=3)
    return {
        "apply": {},
        "agree": {
            "checked_conditions": [
                c.pk for c in applicable_conditions(world["sides"]["own"]["training"])
            ],
            "agreed_on": today.isoformat(),
            "caseworker_phone": "09 266 55 44",
        },
        "decline": {"reason": "Verhuisd."},
        "plan_intake": {"intake_at": soon.isoformat(), "place": "VDAB Gent"},
        "admit": {
            **SCREENING,
            "probable_start_date": (today + datetime.timedelta(days=30)).isoformat(),
            "probable_location": "Campus Gent",
        },
        "reject": {**SCREENING, "reason": "Leervermogen onvoldoende."},
        "start": {"start_date": today.isoformat()},
        "end": {"end_date": today.isoformat(), "result": EndResult.PASSED},
        "close": {"continued_by": ContinuedBy.VDAB},
        "withdraw": {"reason": "Werk gevonden."},
    }[name]


def new_referral(world) -> dict:
    """A referral of the own client for the other region's training (none open yet)."""
    return {
        "client": world["referrals"][("own", State.ENDED)].client_id,
        "training": world["sides"]["other"]["training"].pk,
    }


@dataclass(frozen=True)
class Reads:
    """An answer of personal data: a row of `kind` for each pair `shows` returns, when
    asked with `body` (a function of the world) and answered with `status`."""

    kind: str
    shows: Callable
    body: Callable | None = None
    status: int = 200


@dataclass(frozen=True)
class NoPersonalData:
    why: str


THE_CATALOGUE = NoPersonalData("the catalogue: trainings and their start moments")
THE_REFERENCE = NoPersonalData("the API's description")

READS = {
    "api:schema": {"GET": THE_REFERENCE},
    "api:docs": {"GET": THE_REFERENCE},
    "api:training-list": {"GET": THE_CATALOGUE},
    "api:training-detail": {"GET": THE_CATALOGUE},
    "api:referral-list": {
        "GET": Reads(Kind.VIEW, referrals_listed),
        # The answer is the new referral, with its client.
        "POST": Reads(Kind.VIEW, the_new_referral, body=new_referral, status=201),
    },
    "api:referral-detail": {"GET": Reads(Kind.VIEW, the_referral)},
    "api:referral-transitions": {
        "GET": NoPersonalData("the state and the steps' names and reasons")
    },
    **{
        f"api:referral-transition-{name}": {
            # The answer is the referral in its new state, with its client.
            "POST": Reads(
                Kind.VIEW, the_referral, body=lambda world, name=name: step_body(name, world)
            )
        }
        for name in STEPS
    },
    "api:client-list": {"GET": Reads(Kind.VIEW, clients_listed)},
    "api:client-detail": {"GET": Reads(Kind.VIEW, the_client)},
    "api:referral-history": {"GET": Reads(Kind.VIEW, the_referral)},
    "api:referral-notes": {
        "GET": Reads(Kind.VIEW, the_referral),
        "POST": NoPersonalData("the note its author just wrote"),
    },
    "api:referral-outcome-checks": {"GET": Reads(Kind.VIEW, the_referral)},
    "api:referral-documents": {"GET": Reads(Kind.VIEW, the_referral)},
    "api:document-download": {"GET": Reads(Kind.EXPORT, the_referral)},
    "api:notifications": {"GET": Reads(Kind.VIEW, referrals_named)},
    "api:candidacies": {
        "GET": Reads(Kind.VIEW, referrals_named),
        "POST": NoPersonalData("what the registrant typed, waiting for the OCMW"),
    },
    "api:client-search": {
        "POST": Reads(
            Kind.SEARCH,
            clients_found,
            body=lambda world: {"q": world["referrals"][("own", State.ENDED)].client.insz[:6]},
        )
    },
}


def test_every_api_url_and_method_has_an_entry():
    taken = {(key, method) for key, access in ACCESS.items() for method in access.answers}
    classified = {(key, method) for key, methods in READS.items() for method in methods}
    assert sorted(taken - classified) == []
    assert sorted(classified - taken) == []  # none left behind


# --- the world of test_access.py --------------------------------------------------------------


@pytest.fixture(autouse=True)
def world_where_asked(request, shared_rows):
    if "world" in request.fixturenames:
        shared_rows.make(make_world)
    else:
        shared_rows.roll_back()


@pytest.fixture
def world(shared_rows) -> dict:
    return shared_rows.rows


def url_of(world, key: str, whose: str = "own") -> str:
    target = ACCESS[key].target
    return reverse(key, kwargs={"pk": object_pk(world, target, whose)} if target else {})


def ask(world, key: str, method: str, role: str, whose: str = "own", body: dict | None = None):
    http = caller(world, role)
    if method == "POST":
        return http.post(url_of(world, key, whose), body or {}, format="json")
    return http.generic(method, url_of(world, key, whose))


# Who gets each answer of personal data: the roles the access matrix lets through.
SUCCESSES = [
    (key, method, role)
    for key, methods in READS.items()
    for method, entry in methods.items()
    if isinstance(entry, Reads)
    for role in sorted(ACCESS[key].answers[method].roles)
]
NONE_SHOWN = [
    (key, method, role)
    for key, methods in READS.items()
    for method, entry in methods.items()
    if isinstance(entry, NoPersonalData)
    for role in ROLES
]


@pytest.mark.parametrize(("key", "method", "role"), SUCCESSES)
def test_an_answer_of_personal_data_records_whom_it_showed_to_whom(world, key, method, role):
    reads = READS[key][method]
    url = url_of(world, key)
    user = world["people"][role]

    response = ask(world, key, method, role, body=reads.body(world) if reads.body else None)

    assert response.status_code == reads.status, response.content[:500]
    shown = reads.shows(world, key, response)
    rows = assert_read_rows(read_rows(), shown)
    for row in rows:
        assert (row.kind, row.actor_id, row.actor_name) == (reads.kind, user.pk, user.username)
        assert row.organisation_id == user.organisation_id
        assert (row.path, row.ip_address) == (url, ADDRESS)


def test_the_lists_show_someone_to_each_side(world):
    """Else the rows above could agree on nobody shown."""
    for role in ("caseworker", "counsellor", "administrator"):
        response = ask(world, "api:referral-list", "GET", role)
        assert referrals_listed(world, "api:referral-list", response), role
    response = ask(world, "api:client-list", "GET", "caseworker")
    assert clients_listed(world, "api:client-list", response)
    for role in ("caseworker", "counsellor"):
        response = ask(world, "api:notifications", "GET", role)
        assert referrals_named(world, "api:notifications", response), role


@pytest.mark.parametrize(("key", "method", "role"), NONE_SHOWN)
def test_an_answer_without_personal_data_records_nothing(world, key, method, role):
    response = ask(world, key, method, role)

    assert response.status_code == ACCESS[key].expected(role, "own", method)
    assert not read_rows().exists()


REFUSED = [
    (key, role, whose, method)
    for key, access in ACCESS.items()
    for role in ROLES
    for whose in (WHOSE if access.target else ["own"])
    for method in METHODS
    if access.expected(role, whose, method) >= 400
]


@pytest.mark.parametrize(("key", "role", "whose", "method"), REFUSED)
def test_a_refused_request_records_no_read(world, key, role, whose, method):
    response = ask(world, key, method, role, whose)

    assert response.status_code == ACCESS[key].expected(role, whose, method)
    assert not read_rows().exists()


# --- the search --------------------------------------------------------------------------------


def search(world, text: str):
    return caller(world, "caseworker").post(
        reverse("api:client-search"), {"q": text}, format="json"
    )


def test_a_search_keeps_what_was_typed_with_the_number_masked(world):
    insz = world["referrals"][("own", State.ENDED)].client.insz
    typed = f"{insz[:2]}.{insz[2:4]}.{insz[4:6]}-{insz[6:9]}.{insz[9:]}"

    response = search(world, typed)

    [found] = response.json()
    [row] = read_rows()
    assert row.kind == Kind.SEARCH
    assert row.client_id == found["id"]
    assert row.detail == {"query": masked_query(typed), "hits": 1}
    assert insz not in str(row.detail) and insz[-3:] in row.detail["query"]


def test_a_search_that_finds_no_one_still_leaves_its_row(world):
    response = search(world, "Nimmergevonden")

    assert response.json() == []
    [row] = read_rows()
    assert (row.kind, row.client_id, row.referral_id) == (Kind.SEARCH, None, None)
    assert row.detail == {"query": "Nimmergevonden", "hits": 0}


def test_a_search_by_name_records_each_hit(world):
    clients = [r.client for (whose, _), r in world["referrals"].items() if whose == "own"]
    surname = clients[0].last_name

    response = search(world, surname)

    hits = {row["id"] for row in response.json()}
    assert clients[0].pk in hits
    (row,) = assert_read_rows(read_rows(), {(pk, None) for pk in hits})
    assert row.detail["hits"] == len(hits)
