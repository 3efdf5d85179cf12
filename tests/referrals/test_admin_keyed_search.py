"""The admin's searches of the candidacies VDAB registered and of the webhook deliveries: what
Django's own search finds with the same fields, each table asked apart by key, the same on
SQLite and on PostgreSQL; the indexes that answer them (migrations referrals 0043 and
webhooks 0003), and, on PostgreSQL, that the search can be answered from them."""

import datetime
import uuid

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organisation
from referrals.admin import search as admin_search
from referrals.enums import CandidacyOutcome
from referrals.models import Candidacy
from tests.accounts.factories import CounsellorFactory, OcmwFactory
from tests.migrating import latest, migrate
from tests.referrals.admin_searched import admin_finds, django_search
from tests.referrals.factories import ClientFactory, ReferralFactory, TrainingFactory, make_insz
from tests.referrals.test_admin_row_search import row_search
from tests.referrals.test_client_search import ODD_TERMS, index_names, plan_of, postgres_only
from tests.webhooks.deliveries import make_delivery, make_subscription
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

CANDIDACIES = admin.site._registry[Candidacy]
DELIVERIES = admin.site._registry[Delivery]
EVENT = uuid.UUID("0b9e6a52-3f6c-4d7e-9a41-5c2d8e7f1a30")
INSZ = make_insz(datetime.date(1985, 7, 30), 33)


@pytest.fixture
def candidacies():
    """Three candidacies typed by two counsellors for two OCMWs, one of them for a client
    whose name is a word of an OCMW's and a counsellor's."""
    gent, brugge = OcmwFactory(name="OCMW Gent"), OcmwFactory(name="OCMW Brugge")
    sarah = CounsellorFactory(username="sarah.vdab", last_name="Claes")
    tom = CounsellorFactory(username="tom.vdab", last_name="Gentens")
    training = TrainingFactory()
    typed = [
        (sarah, gent, INSZ, "Anna", "Peeters", CandidacyOutcome.NEW_CLIENT),
        (sarah, brugge, make_insz(datetime.date(1985, 7, 31), 7), "Jan", "Claessens", "limited"),
        (tom, gent, make_insz(datetime.date(1978, 3, 14), 5), "Sofie", "Brugger", "known_client"),
    ]
    return [
        Candidacy.objects.create(
            registered_by=registrant,
            ocmw=ocmw,
            training=training,
            insz=insz,
            first_name=first_name,
            last_name=last_name,
            outcome=outcome,
        )
        for registrant, ocmw, insz, first_name, last_name, outcome in typed
    ]


CANDIDACY_TERMS = [
    "peeters",
    "claes",  # a counsellor's name and a candidate's
    "gent",  # an OCMW's name and a counsellor's
    "brugge",  # an OCMW's name and a candidate's
    "sarah.vdab",
    "vdab",
    "gent claes",
    "tom brugger",
    "sarah gent peeters",
    INSZ[:6],
    INSZ,
    "8507",
    "85.07",
    "nobody",
    "ocmw",
    "%",
    "_",
    "\\",
    "0",
    "-1",
    # A word of one or two letters, where a part starts: of an OCMW's name, a counsellor's
    # (Gentens) and a candidate's; of user names (sarah.vdab, tom.vdab); "ge" anywhere
    # was in Brugge too.
    "ge",
    "cl",
    "br",
    "vd",
    "to",
    "s",
    "ge cl",
    *ODD_TERMS,
]


@pytest.mark.parametrize("read_first", [admin_search.CANDIDATES_READ, 0], ids=["read", "query"])
def test_the_candidacies_found_are_djangos(candidacies, monkeypatch, read_first):
    """With the registrants and OCMWs that hold a word read first as ids, or (none read)
    asked for by a query."""
    monkeypatch.setattr(admin_search, "CANDIDATES_READ", read_first)

    for term in CANDIDACY_TERMS:
        found = set(row_search(CANDIDACIES, term).values_list("pk", flat=True))
        assert found == admin_finds(CANDIDACIES, term), term
    assert set(row_search(CANDIDACIES, "brugge")) == {candidacies[1], candidacies[2]}
    assert set(row_search(CANDIDACIES, "gent claes")) == {candidacies[0]}


def test_a_national_number_is_found_by_its_first_digits_as_djangos_istartswith_found_it(
    candidacies,
):
    """Its search field was `^insz`: a national number is stored as its digits only, so
    `startswith` finds the same, from an index (`candidacy_insz_prefix`)."""
    as_before = [field.replace("insz__startswith", "^insz") for field in CANDIDACIES.search_fields]
    assert as_before != CANDIDACIES.search_fields

    for term in CANDIDACY_TERMS:
        found = set(row_search(CANDIDACIES, term).values_list("pk", flat=True))
        assert found == admin_finds(CANDIDACIES, term, as_before), term


def test_a_candidacys_search_joins_no_table(candidacies):
    """The registrants and OCMWs are read first; the candidacies are asked by their keys."""
    with CaptureQueriesContext(connection) as queries:
        list(row_search(CANDIDACIES, "gent claes"))

    *read_first, searched = [q["sql"] for q in queries]
    assert len(read_first) == 4  # the users and the OCMWs of each word
    assert "JOIN" not in searched
    assert "registered_by_id" in searched and "ocmw_id" in searched


def test_the_candidacies_list_shows_the_referrals_client_and_offers_vdabs_regions(
    client, administrator, candidacies
):
    """The referral by its client (its training is the candidacy's, in the column beside);
    the registrant's organisation among VDAB's regions, not among the OCMWs too."""
    anna = ClientFactory(first_name="Anna", last_name="Peeters-Goossens")
    referral = ReferralFactory(client=anna, training=candidacies[0].training)
    Candidacy.objects.filter(pk=candidacies[0].pk).update(referral=referral)
    client.force_login(administrator)

    page = client.get(reverse("admin:referrals_candidacy_changelist"))

    assert page.status_code == 200
    assert "Anna Peeters-Goossens" in page.content.decode()
    (registrants,) = [
        spec
        for spec in page.context["cl"].filter_specs
        if getattr(spec, "field_path", "") == "registered_by__organisation"
    ]
    regions = {candidacy.registered_by.organisation for candidacy in candidacies}
    assert {pk for pk, _ in registrants.lookup_choices} == {region.pk for region in regions}
    assert all(region.kind == Organisation.Kind.VDAB for region in regions)


@pytest.fixture
def deliveries():
    """Deliveries to two subscriptions, one with an event id known, about two referrals."""
    ocmw = OcmwFactory()
    partner = make_subscription("https://partner.example/okot", organisation=ocmw)
    archive = make_subscription("https://archief.example/hooks/1234")
    first, second = (ReferralFactory(client=ClientFactory(ocmw=ocmw)) for _ in range(2))
    made = [
        make_delivery(partner, referral=first),
        make_delivery(partner, referral=second),
        make_delivery(archive, referral=first),
    ]
    Delivery.objects.filter(pk=made[0].pk).update(event_id=EVENT)
    return made


def delivery_terms(deliveries) -> list[str]:
    first = deliveries[0].referral_id
    return [
        str(EVENT),
        str(EVENT).upper(),
        str(first),
        f"{first} partner",
        f"{first} {EVENT}",
        "partner",
        "example",
        "okot",
        "1234",  # in an address, and no referral's number
        f"0{first}",
        f"+{first}",
        f"{first}.0",
        "١٢",  # digits, not ASCII ones
        str(2**70),  # no number of the database's
        str(uuid.uuid4()),
        "nobody",
        "5" * 5000,  # more digits than Python makes a number of
        "%",
        "_",
        "\\",
        "0",
        "-1",
        f"+{EVENT}",  # what Python's UUID() takes, and is no UUID written
        str(EVENT).replace("-", "_"),
        f"{{{{{EVENT}}}}}",
        *ODD_TERMS,
    ]


@pytest.mark.parametrize("read_first", [admin_search.CANDIDATES_READ, 0], ids=["read", "query"])
def test_the_deliveries_found_are_djangos(deliveries, monkeypatch, read_first):
    monkeypatch.setattr(admin_search, "CANDIDATES_READ", read_first)

    for term in delivery_terms(deliveries):
        found = set(row_search(DELIVERIES, term).values_list("pk", flat=True))
        assert found == django_search(DELIVERIES, term), term
    referral = deliveries[0].referral_id
    assert set(row_search(DELIVERIES, f"{referral} partner")) == {deliveries[0]}


def test_an_event_id_is_found_however_it_is_written(deliveries):
    """Without its dashes or in braces too (Django's search, comparing text, found those on
    SQLite only)."""
    for written in [EVENT.hex, EVENT.hex.upper(), f"{{{EVENT}}}", f"urn:uuid:{EVENT}"]:
        assert list(row_search(DELIVERIES, written)) == [deliveries[0]], written


def test_a_deliverys_search_joins_no_table(deliveries):
    with CaptureQueriesContext(connection) as queries:
        list(row_search(DELIVERIES, f"{deliveries[0].referral_id} partner"))

    *read_first, searched = [q["sql"] for q in queries]
    assert len(read_first) == 2  # the subscriptions of each word
    assert "JOIN" not in searched


@postgres_only
def test_postgres_can_answer_the_candidacies_search_from_indexes(candidacies):
    for term in ["peeters", INSZ[:6], "sarah.vdab", "brugge"]:
        plan = plan_of(row_search(CANDIDACIES, term).order_by())

        assert "Seq Scan on referrals_candidacy" not in plan, term
    assert "candidacy_last_name_trgm" in plan_of(row_search(CANDIDACIES, "peeters").order_by())
    assert "candidacy_insz_prefix" in plan_of(row_search(CANDIDACIES, INSZ[:6]).order_by())


@postgres_only
def test_postgres_can_answer_the_deliveries_search_from_indexes(deliveries):
    for term in [str(EVENT), str(deliveries[0].referral_id), "partner"]:
        plan = plan_of(row_search(DELIVERIES, term).order_by())

        assert "Seq Scan on webhooks_delivery" not in plan, term
    assert "webhook_delivery_event" in plan_of(row_search(DELIVERIES, str(EVENT)).order_by())


INDEXES = {
    "referrals_candidacy": {"candidacy_insz_prefix", "candidacy_last_name_trgm"},
    "webhooks_delivery": {"webhook_delivery_event"},
}


def search_indexes() -> set[str]:
    return {name for table, names in INDEXES.items() for name in names & index_names(table)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_search_indexes_migrations_run_back_and_forth(back_to_latest):
    """The trigram index of the names on PostgreSQL only; the others everywhere."""
    migrate(
        [("referrals", "0042_row_texts_trigrams"), ("webhooks", "0002_administrator_permissions")]
    )
    assert search_indexes() == set()

    migrate(latest())

    expected = {"candidacy_insz_prefix", "webhook_delivery_event"}
    if connection.vendor == "postgresql":
        expected.add("candidacy_last_name_trgm")
    assert search_indexes() == expected
