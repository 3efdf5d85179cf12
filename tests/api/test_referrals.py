"""Referrals through the API: the list's filters and cursor pages (no count, a constant
number of queries), registering a referral, and what each side reads of the client."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Province
from api.serializers import ClientSerializer
from referrals.enums import State
from referrals.models import Referral, ReferralEvent
from referrals.presenters import OCMW_CLIENT_FIELDS, VDAB_CLIENT_FIELDS, WITHOUT_CONSENT_FIELDS
from referrals.services import consent_withdraw
from tests.accounts.factories import (
    CaseworkerFactory,
    CounsellorFactory,
    OcmwFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import ClientFactory, TrainingFactory, referral_in_state

pytestmark = pytest.mark.django_db

LIST = reverse("api:referral-list")


def detail(referral) -> str:
    return reverse("api:referral-detail", args=[referral.pk])


def walk(http, url: str, **params) -> list[dict]:
    """Every page of a list, following `next` from the first."""
    rows, pages = [], 0
    response = http.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        assert set(page) == {"next", "previous", "results"}
        rows += page["results"]
        pages += 1
        assert pages < 50, "the cursor does not move on"
        if page["next"] is None:
            return rows
        response = http.get(page["next"])


# --- the filters ---------------------------------------------------------------------------


@pytest.fixture
def rows(ocmw_gent, training):
    """Four referrals of two OCMWs for two trainings, moved on by two caseworkers and two
    counsellors, each on days of its own."""
    hasselt = OcmwFactory(municipality="Hasselt", province=Province.LIMBURG)
    other_training = TrainingFactory()
    east = VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    people = {
        "gent": CaseworkerFactory(organisation=ocmw_gent),
        "hasselt": CaseworkerFactory(organisation=hasselt),
        "jan": CounsellorFactory(organisation=east),
        "els": CounsellorFactory(organisation=east),
    }
    walked = {
        "a": (State.CANDIDATE, ocmw_gent, training, "gent", "jan"),
        "b": (State.INTAKE_PLANNED, ocmw_gent, other_training, "gent", "jan"),
        "c": (State.IN_TRAINING, hasselt, training, "hasselt", "jan"),
        "d": (State.ENDED, hasselt, other_training, "hasselt", "els"),
    }
    referrals = {}
    for n, (name, (state, ocmw, course, caseworker, counsellor)) in enumerate(walked.items()):
        referral = referral_in_state(
            state,
            client=ClientFactory(ocmw=ocmw),
            training=course,
            caseworker=people[caseworker],
            counsellor=people[counsellor],
        )
        # Days of its own: changed on 1, 2, 3, 4 March; agreed and started n days earlier
        # than the flow's dates (whose order the database's constraints keep).
        changes = {"state_changed_at": datetime.datetime(2025, 3, n + 1, 12, tzinfo=datetime.UTC)}
        if referral.agreed_on:
            changes["agreed_on"] = referral.agreed_on - datetime.timedelta(days=n)
        if referral.start_date:
            changes["start_date"] = referral.start_date - datetime.timedelta(days=n)
        Referral.objects.filter(pk=referral.pk).update(**changes)
        referrals[name] = Referral.objects.get(pk=referral.pk)
    return {
        "referrals": referrals,
        "people": people,
        "ocmws": {"gent": ocmw_gent, "hasselt": hasselt},
        "trainings": {"first": training, "second": other_training},
    }


def pk(kind: str, name: str):
    return lambda rows: rows[kind][name].pk


def day(name: str, field: str, days: int = 0):
    return lambda rows: getattr(rows["referrals"][name], field) + datetime.timedelta(days=days)


FILTERS = {
    "none": ({}, "abcd"),
    "one state": ({"state": lambda rows: State.CANDIDATE}, "a"),
    "two states": ({"state": lambda rows: [State.INTAKE_PLANNED, State.ENDED]}, "bd"),
    "a state none is in": ({"state": lambda rows: State.WITHDRAWN}, ""),
    "training": ({"training": pk("trainings", "first")}, "ac"),
    "ocmw": ({"ocmw": pk("ocmws", "hasselt")}, "cd"),
    "caseworker": ({"caseworker": pk("people", "gent")}, "b"),  # named at the agreement
    "counsellor": ({"counsellor": pk("people", "jan")}, "bc"),  # named at the intake
    "other counsellor": ({"counsellor": pk("people", "els")}, "d"),
    "changed after": ({"changed_after": lambda rows: "2025-03-02T12:00:00Z"}, "bcd"),
    "changed before": ({"changed_before": lambda rows: "2025-03-02T12:00:00Z"}, "a"),
    "changed between": (
        {
            "changed_after": lambda rows: "2025-03-02T00:00:00Z",
            "changed_before": lambda rows: "2025-03-04T00:00:00Z",
        },
        "bc",
    ),
    "agreed from": ({"agreed_from": day("c", "agreed_on")}, "bc"),
    "agreed to": ({"agreed_to": day("c", "agreed_on")}, "cd"),
    "agreed on one day": (
        {"agreed_from": day("c", "agreed_on"), "agreed_to": day("c", "agreed_on")},
        "c",
    ),
    "started from": ({"started_from": day("c", "start_date")}, "c"),
    "started to": ({"started_to": day("c", "start_date", -1)}, "d"),
    "state and ocmw": (
        {"state": lambda rows: [State.CANDIDATE, State.ENDED], "ocmw": pk("ocmws", "gent")},
        "a",
    ),
}


@pytest.mark.parametrize("case", FILTERS)
def test_each_filter_leaves_the_referrals_it_names(api_for, administrator, rows, case):
    filters, expected = FILTERS[case]
    params = {name: value(rows) for name, value in filters.items()}

    shown = walk(api_for(administrator), LIST, **params)

    names = {pk: name for name, referral in rows["referrals"].items() for pk in [referral.pk]}
    assert sorted(names[row["id"]] for row in shown) == sorted(expected)


def test_the_filters_narrow_what_the_caller_sees_never_widen_it(api_for, rows):
    """The Gent caseworker asking for Hasselt's referrals gets none."""
    http = api_for(rows["people"]["gent"])

    shown = walk(http, LIST, ocmw=rows["ocmws"]["hasselt"].pk)

    assert shown == []
    assert {row["id"] for row in walk(http, LIST)} == {
        rows["referrals"]["a"].pk,
        rows["referrals"]["b"].pk,
    }


@pytest.mark.parametrize(
    "params",
    [{"state": "gone"}, {"changed_after": "yesterday"}, {"agreed_from": "2025-13-01"}],
)
def test_a_filter_value_that_means_nothing_is_a_400(api_for, administrator, params):
    response = api_for(administrator).get(LIST, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


# --- the pages -----------------------------------------------------------------------------


def candidates(caseworker, training, count: int) -> list[Referral]:
    return [
        referral_in_state(
            State.CANDIDATE,
            client=ClientFactory(ocmw=caseworker.organisation),
            training=training,
            caseworker=caseworker,
        )
        for _ in range(count)
    ]


def test_the_cursor_pages_walk_every_referral_once_in_the_lists_order(
    api_for, caseworker, training
):
    made = candidates(caseworker, training, 7)
    # Ties on the date that orders the list: the cursor must still keep pages apart.
    same_moment = timezone.now() - datetime.timedelta(days=1)
    Referral.objects.filter(pk__in=[r.pk for r in made[:4]]).update(state_changed_at=same_moment)

    shown = walk(api_for(caseworker), LIST, page_size=3)

    ids = [row["id"] for row in shown]
    assert len(ids) == len(set(ids)) == 7
    expected = Referral.objects.order_by("-state_changed_at", "-id").values_list("pk", flat=True)
    assert ids == list(expected)


def test_a_referral_added_meanwhile_does_not_shift_the_next_page(api_for, caseworker, training):
    made = candidates(caseworker, training, 4)
    http = api_for(caseworker)
    first = http.get(LIST, {"page_size": 2}).json()

    candidates(caseworker, training, 1)  # newest: at the top, before the cursor
    rest = walk(http, first["next"])

    seen = [row["id"] for row in first["results"] + rest]
    assert sorted(seen) == sorted(r.pk for r in made)


def test_the_list_counts_no_rows(api_for, caseworker, training):
    candidates(caseworker, training, 3)
    http = api_for(caseworker)

    with CaptureQueriesContext(connection) as queries:
        response = http.get(LIST, {"page_size": 2})

    assert response.status_code == 200
    assert "count" not in response.json()
    assert [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()] == []


def test_the_list_by_states_sorts_no_duplicates_away(api_for, administrator, rows):
    """A state is the referral's own column: no referral can come twice, and a DISTINCT
    over all its columns sorted every referral of the states before the first page (the
    administrator's ended ones at a million referrals: 400 ms, spilling to disk)."""
    with CaptureQueriesContext(connection) as queries:
        shown = walk(api_for(administrator), LIST, state=[State.INTAKE_PLANNED, State.ENDED])

    assert len(shown) == len({row["id"] for row in shown}) == 2
    read = [q["sql"] for q in queries if 'FROM "referrals_referral"' in q["sql"]]
    assert read
    assert [sql for sql in read if sql.startswith("SELECT DISTINCT")] == []


def list_queries(http, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(LIST, params)
    assert response.status_code == 200
    return len(response.json()["results"]), len(queries)


@pytest.mark.parametrize("side", ["caseworker", "counsellor"])
def test_the_list_costs_as_many_queries_for_thirty_referrals_as_for_one(
    api_for, caseworker, counsellor, training, side
):
    state = State.AGREED if side == "counsellor" else State.CANDIDATE
    user = counsellor if side == "counsellor" else caseworker

    def make(count):
        for _ in range(count):
            referral_in_state(
                state,
                client=ClientFactory(ocmw=caseworker.organisation),
                training=training,
                caseworker=caseworker,
                counsellor=counsellor,
            )

    http = api_for(user)
    make(1)
    list_queries(http)  # the last use of the token written once
    one = list_queries(http)
    make(29)
    thirty = list_queries(http)

    assert one[0] == 1
    assert thirty[0] == 30
    assert thirty[1] == one[1]


def test_a_page_builds_its_clients_fields_once(api_for, caseworker, training, monkeypatch):
    """A client's serializer of its own per row built its fields from the model each time:
    most of a page of fifty's time (76 -> 38 ms in-process at a million referrals)."""
    candidates(caseworker, training, 3)
    built = []
    get_fields = ClientSerializer.get_fields
    monkeypatch.setattr(
        ClientSerializer, "get_fields", lambda self: built.append(1) or get_fields(self)
    )

    shown = api_for(caseworker).get(LIST).json()["results"]

    assert len(shown) == 3
    assert all(row["client"]["last_name"] for row in shown)
    assert len(built) == 1


# --- registering ---------------------------------------------------------------------------


@pytest.fixture
def gent_client(ocmw_gent):
    return ClientFactory(ocmw=ocmw_gent)


def test_a_caseworker_registers_a_referral_and_gets_it_back(
    api_for, caseworker, gent_client, training
):
    response = api_for(caseworker).post(
        LIST,
        {"client": gent_client.pk, "training": training.pk, "external_id": "MENS-77"},
        format="json",
    )

    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    body = response.json()
    assert body["id"] == referral.pk
    assert body["state"] == State.INFORMED
    assert body["client"]["id"] == gent_client.pk
    assert body["training"] == {"id": training.pk, "title": training.title}
    assert body["ocmw"]["id"] == gent_client.ocmw_id
    assert body["external_id"] == "MENS-77"
    assert (referral.client, referral.training, referral.created_by) == (
        gent_client,
        training,
        caseworker,
    )
    assert list(ReferralEvent.objects.values_list("referral", "transition", "actor")) == [
        (referral.pk, "create", caseworker.pk)
    ]


def test_a_referral_registered_with_apply_is_a_candidacy(
    api_for, caseworker, gent_client, training
):
    applied_on = timezone.localdate() - datetime.timedelta(days=3)

    response = api_for(caseworker).post(
        LIST,
        {
            "client": gent_client.pk,
            "training": training.pk,
            "apply": True,
            "applied_on": applied_on.isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["state"] == State.CANDIDATE
    assert response.json()["applied_on"] == applied_on.isoformat()
    referral = Referral.objects.get()
    assert list(referral.events.values_list("transition", "to_state")) == [
        ("create", State.INFORMED),
        ("apply", State.CANDIDATE),
    ]


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01"])
def test_an_implausible_day_of_applying_is_a_field_error_as_on_the_page(
    api_for, caseworker, gent_client, training, day
):
    """The page's date fields take 1900 to 2100; the API stored 0001-01-01."""
    response = api_for(caseworker).post(
        LIST,
        {"client": gent_client.pk, "training": training.pk, "apply": True, "applied_on": day},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {"applied_on": ["Give a date between 1900 and 2100."]}
    assert not Referral.objects.exists()


def test_another_ocmws_client_is_a_field_error(
    api_for, caseworker, caseworker_of_other_ocmw, training
):
    theirs = ClientFactory(ocmw=caseworker_of_other_ocmw.organisation)

    response = api_for(caseworker).post(
        LIST, {"client": theirs.pk, "training": training.pk}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"client"}
    assert not Referral.objects.exists()


def test_a_training_no_longer_offered_is_a_field_error(api_for, caseworker, gent_client):
    gone = TrainingFactory(active=False)

    response = api_for(caseworker).post(
        LIST, {"client": gent_client.pk, "training": gone.pk}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"training"}


def test_a_second_open_referral_for_the_same_training_is_refused(
    api_for, caseworker, gent_client, training
):
    http = api_for(caseworker)
    data = {"client": gent_client.pk, "training": training.pk}
    assert http.post(LIST, data, format="json").status_code == 201

    response = http.post(LIST, data, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This client already has an open referral for this training."]
    }
    assert Referral.objects.count() == 1


def test_the_administrator_registers_a_referral_of_any_ocmw(
    api_for, administrator, gent_client, training
):
    response = api_for(administrator).post(
        LIST, {"client": gent_client.pk, "training": training.pk}, format="json"
    )

    assert response.status_code == 201


@pytest.mark.parametrize("role", ["counsellor", "network_manager"])
def test_only_the_ocmw_registers_a_referral(api_for, request, role, gent_client, training):
    """VDAB registers a candidacy (its own form), never a referral of the OCMW's client:
    403, whatever it sends, rather than a field error about a client it cannot name."""
    user = request.getfixturevalue(role)

    response = api_for(user).post(
        LIST, {"client": gent_client.pk, "training": training.pk}, format="json"
    )

    assert response.status_code == 403
    assert not Referral.objects.exists()


# --- what each side reads of the client ------------------------------------------------------


@pytest.fixture
def agreed(caseworker, counsellor, training):
    client = ClientFactory(
        ocmw=caseworker.organisation,
        vdab_client_number="VD1234567",
        phone="0470 12 34 56",
        street="Kortrijksesteenweg 412",
        notes="Budgetbegeleiding loopt.",
    )
    return referral_in_state(
        State.AGREED, client=client, training=training, caseworker=caseworker, counsellor=counsellor
    )


def client_seen(http, referral) -> dict:
    response = http.get(detail(referral))
    assert response.status_code == 200
    return response.json()["client"]


def test_the_caseworker_reads_the_whole_client_file(api_for, caseworker, agreed):
    seen = client_seen(api_for(caseworker), agreed)

    assert set(seen) == {"id", *OCMW_CLIENT_FIELDS, "created_at", "updated_at"}
    assert seen["notes"] == "Budgetbegeleiding loopt."
    assert seen["insz"] == agreed.client.insz


def test_the_counsellor_reads_what_the_trajectory_needs(api_for, counsellor, agreed):
    seen = client_seen(api_for(counsellor), agreed)

    assert set(seen) == set(VDAB_CLIENT_FIELDS)
    assert seen["vdab_client_number"] == "VD1234567"
    assert "notes" not in seen and "street" not in seen and "id" not in seen


def test_without_consent_the_counsellor_reads_only_the_name(
    api_for, caseworker, counsellor, agreed
):
    consent_withdraw(client=agreed.client, user=caseworker, withdrawn_on=timezone.localdate())

    seen = client_seen(api_for(counsellor), agreed)

    assert seen == {
        "first_name": agreed.client.first_name,
        "last_name": agreed.client.last_name,
    }
    assert set(seen) == set(WITHOUT_CONSENT_FIELDS)


def test_the_counsellors_list_shows_the_client_as_the_detail_does(api_for, counsellor, agreed):
    http = api_for(counsellor)

    [row] = http.get(LIST).json()["results"]

    assert row["client"] == client_seen(http, agreed)
