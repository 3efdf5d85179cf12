"""Every read of a client's or a referral's data leaves its row in the audit trail,
generated from the URLconf.

`READS` classifies every URL pattern of the app (Django admin: test_admin_reads.py): what it
records, about whom, or that it shows no one's personal data and why. A URL without an
entry fails `test_every_url_has_an_entry`, so that a new page cannot skip the trail.

A page of personal data is requested by each role that may see it, in the world of
tests/test_url_access.py, and must write one row naming each client (and referral) it
shows, saying who (user and organisation), the kind, the page and the address; a request that is
refused (not logged in, not for the role, another organisation's record) writes none."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.be import ssn

from accounts import admin_paging
from audit.models import Entry, Kind
from audit.trail import mask_insz
from referrals.enums import CandidacyOutcome, State
from referrals.models import Candidacy, Client, Referral
from tests.accounts.factories import OrganisationFactory
from tests.audit.subjects import assert_read_rows
from tests.referrals.factories import ClientFactory, TrainingFactory, referral_in_state
from tests.test_url_access import (
    ACCESS,
    APP_KEYS,
    OK,
    ROLES,
    WHOSE,
    log_in,
    make_world,
    object_pk,
    outcome,
    send,
)
from tests.test_url_access import message_to as reminder_to

pytestmark = pytest.mark.usefixtures("db")

READ_KINDS = [Kind.VIEW, Kind.SEARCH, Kind.PRINT, Kind.EXPORT]
ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR


# --- what each page shows: the (client, referral) pairs it must record --------------------


def the_client(world, response) -> set:
    return {(world["referrals"]["own"].client_id, None)}


def the_referral(world, response) -> set:
    referral = world["referrals"]["own"]
    return {(referral.client_id, referral.pk)}


def clients_listed(world, response) -> set:
    return {(client.pk, None) for client in response.context["page"]}


def referrals_listed(world, response) -> set:
    return {(referral.client_id, referral.pk) for referral in response.context["page"]}


def referrals_exported(world, response) -> set:
    """A download of the list holds every referral the user sees (none filtered here)."""
    user = response.wsgi_request.user
    return set(Referral.objects.visible_to(user).values_list("client_id", "pk"))


def clients_exported(world, response) -> set:
    """A download of the client list holds every client the user sees."""
    user = response.wsgi_request.user
    return {(pk, None) for pk in Client.objects.visible_to(user).values_list("pk", flat=True)}


def referrals_waiting(world, response) -> set:
    context = response.context
    sections = [*context["groups"], *context["agenda"]]
    return {(r.client_id, r.pk) for section in sections for r in section.rows}


def candidacies_found(world, response) -> set:
    """The candidacies that found a client; one that found none is about no one here."""
    return {
        (candidacy.referral.client_id, candidacy.referral_id)
        for candidacy in response.context["page"]
        if candidacy.referral_id
    }


def messages_about_referrals(world, response) -> set:
    return {
        (message.referral.client_id, message.referral_id)
        for message in response.context["page"]
        if message.referral_id
    }


@dataclass(frozen=True)
class Reads:
    """A page of personal data: a row of `kind` for each pair `shows` returns, when asked
    by `method` (a POST with `data`, answered with `status`)."""

    kind: str
    shows: Callable[[dict, object], set]
    method: str = "GET"
    data: tuple = ()
    status: int = 200


@dataclass(frozen=True)
class NoPersonalData:
    why: str


# A POST the form refuses: the page comes back (400) with the referral's data.
REFUSED_FORM = {"method": "POST", "status": 400}
ACCOUNT = NoPersonalData("the user's own account, login and second factor")
PASSKEYS = NoPersonalData("the passkey ceremony's JSON, about the user's own keys")

READS = {
    # accounts
    "login": ACCOUNT,
    "logout": ACCOUNT,
    "set_language": NoPersonalData("a preference of the user's, then a redirect"),
    "password_change": ACCOUNT,
    "password_change_done": ACCOUNT,
    "password_reset": ACCOUNT,
    "password_reset_done": ACCOUNT,
    "password_reset_confirm": ACCOUNT,
    "password_reset_complete": ACCOUNT,
    "accounts:account": ACCOUNT,
    "accounts:verify": ACCOUNT,
    "accounts:enrol": ACCOUNT,
    "accounts:new_backup_codes": ACCOUNT,
    "accounts:remove_second_factor": ACCOUNT,
    "accounts:name_passkey": ACCOUNT,
    "accounts:remove_passkey": ACCOUNT,
    "otp_webauthn:credential-registration-begin": PASSKEYS,
    "otp_webauthn:credential-registration-complete": PASSKEYS,
    "otp_webauthn:credential-authentication-begin": PASSKEYS,
    "otp_webauthn:credential-authentication-complete": PASSKEYS,
    "otp_webauthn:js-i18n-catalog": NoPersonalData("the scripts' translations"),
    # the work
    "referrals:dashboard": Reads(Kind.VIEW, referrals_waiting),
    "referrals:client_list": Reads(Kind.VIEW, clients_listed),
    "referrals:client_create": NoPersonalData(
        "an empty form; refused, it shows back what was typed (the save is a change)"
    ),
    "referrals:client_detail": Reads(Kind.VIEW, the_client),
    "referrals:client_edit": Reads(Kind.VIEW, the_client),
    "referrals:referral_create": Reads(Kind.VIEW, the_client),
    # A consent the form refuses: the client's page comes back (400) with its data.
    "referrals:consent_give": Reads(Kind.VIEW, the_client, **REFUSED_FORM),
    "referrals:consent_withdraw": Reads(Kind.VIEW, the_client, **REFUSED_FORM),
    "referrals:referral_list": Reads(Kind.VIEW, referrals_listed),
    "referrals:referral_list_export": Reads(Kind.EXPORT, referrals_exported),
    "referrals:client_list_export": Reads(Kind.EXPORT, clients_exported),
    "referrals:candidacy_create": Reads(Kind.VIEW, candidacies_found),
    "referrals:referral_detail": Reads(Kind.VIEW, the_referral),
    "referrals:referral_step": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:referral_note_add": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:referral_responsible": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:referral_outcome": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    # An interruption the form refuses: the referral's page comes back (400) with its data.
    "referrals:interruption_record": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:interruption_resume": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:interruption_correct": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:referral_school_year": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:referral_agreement": Reads(Kind.PRINT, the_referral),
    # A VDAB client number the form refuses: the referral's page comes back (400).
    "referrals:referral_vdab_registration": Reads(
        Kind.VIEW, the_referral, data=(("vdab_client_number", "VD12"),), **REFUSED_FORM
    ),
    "referrals:referral_agreement_pdf": Reads(Kind.EXPORT, the_referral),
    "referrals:referral_handover": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    # A document the form refuses: the referral's page comes back (400) with its data.
    "referrals:document_add": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:referral_note_edit": Reads(Kind.VIEW, the_referral, **REFUSED_FORM),
    "referrals:document_download": Reads(Kind.EXPORT, the_referral),
    "referrals:document_remove": NoPersonalData(
        "removes a document (a change), then the referral's page, which records"
    ),
    "referrals:training_list": NoPersonalData("the catalogue; its contacts are VDAB staff"),
    "referrals:reports": NoPersonalData("figures: counts, no one's data"),
    "referrals:report_export": NoPersonalData("figures: counts, no one's data"),
    # messages
    "notifications:inbox": Reads(Kind.VIEW, messages_about_referrals),
    "notifications:read_all": NoPersonalData("marks messages read, then a redirect"),
    "notifications:preferences": NoPersonalData("the user's own e-mail preferences"),
    "notifications:open": NoPersonalData("a redirect to the referral's page, which records"),
    "notifications:read": NoPersonalData("marks one message read, then the inbox, which records"),
    # for machines
    "operations:health": NoPersonalData("whether the database, Redis and the outboxes keep up"),
    "operations:metrics": NoPersonalData("counts and timings, for Prometheus's token only"),
}

PERSONAL = sorted(key for key, entry in READS.items() if isinstance(entry, Reads))
IMPERSONAL = sorted(key for key, entry in READS.items() if isinstance(entry, NoPersonalData))
# Pages that, in this world, show a role no one: the network manager's dashboard has
# figures only, and their inbox leaves out messages about referrals they do not see.
SHOWS_NO_ONE = {
    ("referrals:dashboard", "network_manager"),
    ("notifications:inbox", "network_manager"),
}


def test_every_url_has_an_entry():
    assert [key for key in APP_KEYS if key not in READS] == []
    assert [key for key in READS if key not in APP_KEYS] == []  # none left behind


# --- the world: test_url_access's, with candidacies and messages about the referrals -------


def make_reads_world() -> dict:
    world = make_world()
    people, own = world["people"], world["referrals"]["own"]
    # A candidacy waiting for the OCMW's formal agreement: on the caseworker's and the
    # administrator's dashboard, not yet the counsellor's to see.
    referral_in_state(
        State.CANDIDATE,
        client=own.client,
        training=TrainingFactory(province=own.training.province),
        caseworker=people["caseworker"],
    )
    for role in ("counsellor", "administrator"):
        # One that found the client (and its referral), and one linked to no referral (as
        # a candidacy may be): about no one the app holds.
        for person, referral in ((own.client, own), (ClientFactory.build(), None)):
            Candidacy.objects.create(
                registered_by=people[role],
                ocmw=own.client.ocmw,
                training=own.training,
                insz=person.insz,
                first_name=person.first_name,
                last_name=person.last_name,
                outcome=CandidacyOutcome.KNOWN_CLIENT,
                referral=referral,
            )
    for user in people.values():
        about_own = reminder_to(user)
        about_own.referral = own
        about_own.save(update_fields=["referral"])
    return world


@pytest.fixture(autouse=True)
def world_where_asked(request, shared_rows):
    if "world" in request.fixturenames:
        shared_rows.make(make_reads_world)
    else:
        shared_rows.roll_back()


@pytest.fixture
def world(shared_rows) -> dict:
    return shared_rows.rows


def url_of(world, key: str, role: str, whose: str = "own") -> str:
    access = ACCESS[key]
    kwargs = dict(access.kwargs)
    if access.target:
        kwargs["pk"] = object_pk(world, access, role, whose)
    return reverse(key, kwargs=kwargs)


def ask(http, world, key: str, role: str, whose: str = "own"):
    reads = READS[key]
    log_in(http, world, role)
    url = url_of(world, key, role, whose)
    data = dict(reads.data)
    response = http.get(url) if reads.method == "GET" else http.post(url, data)
    return url, response


def read_rows():
    return Entry.objects.filter(kind__in=READ_KINDS)


# --- pages of personal data ---------------------------------------------------------------


SEEING = [
    (key, role)
    for key in PERSONAL
    for role in ROLES
    if ACCESS[key].expected(role, "own", READS[key].method) == OK
]


@pytest.mark.parametrize(("key", "role"), SEEING)
def test_a_page_of_personal_data_records_whom_it_showed_to_whom(client, world, key, role):
    reads = READS[key]
    user = world["people"][role]

    url, response = ask(client, world, key, role)

    assert response.status_code == reads.status
    shown = reads.shows(world, response)
    assert bool(shown) is ((key, role) not in SHOWS_NO_ONE)
    rows = assert_read_rows(read_rows(), shown)
    for row in rows:
        assert (row.kind, row.actor_id, row.actor_name) == (reads.kind, user.pk, user.username)
        assert row.organisation_id == user.organisation_id
        assert (row.path, row.ip_address) == (url, ADDRESS)


REFUSED = [
    (key, role, whose)
    for key in PERSONAL
    for role in ROLES
    for whose in (WHOSE if ACCESS[key].target else ["own"])
    if ACCESS[key].expected(role, whose, READS[key].method) != OK
]


@pytest.mark.parametrize(("key", "role", "whose"), REFUSED)
def test_a_refused_request_records_no_read(client, world, key, role, whose):
    _url, response = ask(client, world, key, role, whose)

    assert outcome(response) != OK
    assert not read_rows().exists()


# --- searches -------------------------------------------------------------------------------


def search_clients(http, world, query: str):
    log_in(http, world, "caseworker")
    return http.post(reverse("referrals:client_list"), {"q": query})


@pytest.mark.parametrize(
    "query", [lambda c: c.insz, lambda c: ssn.format(c.insz), lambda c: c.last_name]
)
def test_a_search_records_what_was_asked_masked_and_its_hits(client, world, query):
    person = world["referrals"]["own"].client
    asked = query(person)

    response = search_clients(client, world, asked)

    assert list(response.context["page"]) == [person]
    (row,) = read_rows()
    assert (row.kind, row.client_id, row.referral_id) == (Kind.SEARCH, person.pk, None)
    assert row.detail == {"query": masked(asked), "hits": 1}
    assert row.actor == world["people"]["caseworker"]


def masked(query: str) -> str:
    return mask_insz(query) if any(ch.isdigit() for ch in query) else query


def test_a_search_that_finds_no_one_still_leaves_its_row(client, world):
    search_clients(client, world, "Niemand 850730")

    (row,) = read_rows()
    assert (row.kind, row.client_id, row.referral_id) == (Kind.SEARCH, None, None)
    assert row.detail == {"query": "Niemand •••730", "hits": 0}


def test_a_search_records_only_the_hits_its_page_shows(client, world):
    """A search lists its first 50 hits: its row names those, and counts all."""
    ocmw = OrganisationFactory()
    # A name no generated client has (Faker's Flemish names include Janssens).
    for n in range(51):
        ClientFactory(ocmw=ocmw, last_name=f"Zoekvoorbeeld{n:02d}")

    response = search_clients(client, world, "Zoekvoorbeeld")

    shown = {c.pk for c in response.context["page"]}
    assert len(shown) == 50
    (row,) = read_rows()
    assert set(row.client_ids) == shown
    assert row.detail["hits"] == 51


def test_a_search_counts_its_hits_up_to_the_admins_cap(client, world, monkeypatch):
    """Past the cap a search's hits are counted up to one more ("more than the cap"), as the
    admin's changelists count theirs, and in no order: in the list's, the database would
    walk every client by name to find the first that match."""
    monkeypatch.setattr(admin_paging, "COUNT_CAP", 2)
    ocmw = OrganisationFactory()
    for n in range(4):
        ClientFactory(ocmw=ocmw, last_name=f"Zoekvoorbeeld{n:02d}")

    with CaptureQueriesContext(connection) as queries:
        response = search_clients(client, world, "Zoekvoorbeeld")

    assert len(response.context["page"]) == 4
    rows = read_rows()
    assert {row.detail["hits"] for row in rows} == {3}
    (counted,) = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT COUNT(*)") and "referrals_client" in q["sql"]
    ]
    assert "ORDER BY" not in counted
    assert "LIMIT 3" in counted


# --- never the national number ------------------------------------------------------------


def test_the_trail_never_holds_a_national_number(client, world):
    """Every page of personal data, and a search by number, as each role that may see it:
    no row holds the client's national number, in any field or in its detail."""
    person = world["referrals"]["own"].client
    for key, role in SEEING:
        ask(client, world, key, role)
    search_clients(client, world, person.insz)
    search_clients(client, world, ssn.format(person.insz))

    rows = str(list(Entry.objects.values()))
    assert Entry.objects.filter(client_id=person.pk, kind=Kind.SEARCH).count() == 2
    for number in (person.insz, ssn.format(person.insz), person.insz[:9]):
        assert number not in rows


# --- pages without personal data ------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ["caseworker", "counsellor", "administrator"])
@pytest.mark.parametrize("key", IMPERSONAL)
def test_a_page_without_personal_data_records_no_read(client, world, key, role, method):
    log_in(client, world, role)

    send(client, method, url_of(world, key, role))

    assert not read_rows().exists()


# --- the cost -------------------------------------------------------------------------------


def test_a_full_page_is_one_row_of_the_trail(client, world):
    """50 clients shown, one row naming them, written by one statement."""
    ocmw = world["people"]["caseworker"].organisation
    for n in range(60):
        ClientFactory(ocmw=ocmw, last_name=f"Maes{n:02d}")
    log_in(client, world, "caseworker")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("referrals:client_list"))

    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "audit_entry"')]
    assert len(inserts) == 1
    (row,) = read_rows()
    assert len(row.client_ids) == len(response.context["page"]) == 50
