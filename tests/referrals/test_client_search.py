"""The client search: which clients each kind of word finds, in the app's lists and in the
referral admin, the same on SQLite and on PostgreSQL; and, on PostgreSQL, that its indexes
(migration 0028) exist and can answer it."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from referrals.admin import search as admin_search
from referrals.admin.referral import ReferralAdmin
from referrals.models import Client, Referral
from referrals.referral_lists import searched
from tests.accounts.factories import AdministratorFactory, CounsellorFactory, OcmwFactory
from tests.migrating import latest, migrate
from tests.referrals.admin_searched import admin_finds
from tests.referrals.factories import ClientFactory, ReferralFactory, TrainingFactory, make_insz

pytestmark = pytest.mark.django_db

ANNA_INSZ = make_insz(datetime.date(1985, 7, 30), 33)
ANNA_INSZ_SHOWN = f"{ANNA_INSZ[:2]}.{ANNA_INSZ[2:4]}.{ANNA_INSZ[4:6]}-{ANNA_INSZ[6:9]}"
PEOPLE = {
    "anna": ("Anna", "Peeters", ANNA_INSZ, "123456789"),
    "mohamed": ("Mohamed", "El Amrani", make_insz(datetime.date(1990, 1, 1), 123), ""),
    "jan": ("Jan", "Janssens", make_insz(datetime.date(1978, 3, 14), 5), "987654"),
    "sofie": ("Sofie", "Van de Velde", make_insz(datetime.date(1985, 7, 31), 7), ""),
    "lien": ("Lien", "Vandenberghe-De Smet", make_insz(datetime.date(1999, 12, 1), 9), ""),
    "li": ("Wei", "Li", make_insz(datetime.date(1980, 2, 2), 11), ""),
}
# A word and the clients it finds: three letters or more anywhere in the first or last name,
# in any case; fewer at the start of a name or of a part of it; digits at the start of the
# national number (dots and dashes left out), or the whole VDAB client number.
MATCHES = {
    "anna": {"anna"},
    "ANNA": {"anna"},
    "eeter": {"anna"},
    "ssen": {"jan"},
    "van": {"sofie", "lien"},
    "velde": {"sofie"},
    "anna peeters": {"anna"},
    "peeters anna": {"anna"},
    "anna janssens": set(),
    "amrani": {"mohamed"},
    "nobody": set(),
    # One or two letters: where a name or a part of it starts.
    "an": {"anna"},
    "ja": {"jan"},
    "de": {"sofie", "lien"},
    "sm": {"lien"},
    "li": {"li", "lien"},
    "el": {"mohamed"},
    "w": {"li"},
    "e": {"mohamed"},
    "li wei": {"li"},
    # Numbers.
    ANNA_INSZ: {"anna"},
    ANNA_INSZ[:6]: {"anna"},
    ANNA_INSZ_SHOWN: {"anna"},
    ANNA_INSZ_SHOWN[:8]: {"anna"},
    "85073": {"anna", "sofie"},
    ANNA_INSZ[2:8]: set(),  # not the start of the number
    "123456789": {"anna"},
    "12345678": set(),  # a VDAB client number is found whole
    "987654": {"jan"},
}


@pytest.fixture
def people():
    ocmw = OcmwFactory()
    return {
        key: ClientFactory(
            ocmw=ocmw, first_name=first, last_name=last, insz=insz, vdab_client_number=vdab
        )
        for key, (first, last, insz, vdab) in PEOPLE.items()
    }


def keys(people, found) -> set[str]:
    by_pk = {client.pk: key for key, client in people.items()}
    return {by_pk[pk] for pk in found}


@pytest.mark.parametrize("term, expected", MATCHES.items())
def test_client_search_finds(people, term, expected):
    assert keys(people, Client.objects.search(term).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("term, expected", MATCHES.items())
def test_referral_list_search_finds_the_referrals_of_the_same_clients(people, term, expected):
    referrals = {ReferralFactory(client=client).pk: key for key, client in people.items()}
    administrator = AdministratorFactory()

    found = searched(Referral.objects.all(), term, administrator).values_list("pk", flat=True)

    assert {referrals[pk] for pk in found} == expected


def test_vdab_searches_a_clients_numbers_only_while_the_client_consents(people):
    for client in people.values():
        ReferralFactory(client=client, agreed_on=datetime.date(2026, 1, 5))
    Client.objects.filter(pk=people["jan"].pk).update(consent_vdab=False)
    counsellor = CounsellorFactory()

    def found(term):
        referrals = searched(Referral.objects.all(), term, counsellor)
        return keys(people, referrals.values_list("client_id", flat=True))

    assert found(ANNA_INSZ[:6]) == {"anna"}
    assert found("987654") == set()
    assert found("janssens") == {"jan"}


# --- the referral admin: Django's search, narrowed by the tables' own indexes ---------------

# As Django splits a term: none, only quotes, a quote left open (then a quoted part and a
# word, below).
ODD_TERMS = ["", "   ", '"', '""', "'", '"anna']
ADMIN_TERMS = [
    "anna",
    "Peeters",
    "anna peeters",
    "an",
    "de",
    '"van de"',
    "velde verpleeg",
    "verpleeg",
    "peeters logistiek",
    "EXT-7",
    "ext-7 anna",
    ANNA_INSZ[:6],
    "85073",
    "nobody",
    *ODD_TERMS,
    '"van de" verpleeg',
    "ext",  # an external id is matched whole
]


@pytest.fixture
def referrals(people):
    nursing = TrainingFactory(title="Verpleegkunde")
    logistics = TrainingFactory(title="Logistiek medewerker")
    return [
        ReferralFactory(client=people["anna"], training=nursing, external_id="ext-7"),
        ReferralFactory(client=people["anna"], training=logistics),
        ReferralFactory(client=people["sofie"], training=nursing),
        ReferralFactory(client=people["jan"], training=logistics, external_id="EXT-8"),
        ReferralFactory(client=people["li"], training=logistics),
        ReferralFactory(client=people["lien"], training=nursing),
    ]


def admin_search_finds(term: str) -> set[int]:
    """What Django's own admin search finds with the referral admin's search fields, a word
    of one or two letters where a part starts (`admin_searched`)."""
    return admin_finds(ReferralAdmin(Referral, admin.site), term)


def referral_admin_search(term: str) -> set[int]:
    request = RequestFactory().get("/")
    found, _ = ReferralAdmin(Referral, admin.site).get_search_results(
        request, Referral.objects.all(), term
    )
    return set(found.values_list("pk", flat=True))


# The candidates read first as ids, or (one at most) left as a subquery, or (none at most)
# not asked for, as for words many clients hold: the list walked, each referral asked.
EACH_WAY = pytest.mark.parametrize(
    ("read_first", "common"),
    [(admin_search.CANDIDATES_READ, admin_search.COMMON), (1, admin_search.COMMON), (1, 1)],
    ids=["read", "subquery", "walked"],
)


@EACH_WAY
@pytest.mark.parametrize("term", ADMIN_TERMS)
def test_referral_admin_finds_what_djangos_search_finds(
    referrals, monkeypatch, term, read_first, common
):
    """With the candidates read first as ids, or (one at most) left as a subquery, or (none
    at most) not asked for, as for words many clients hold."""
    monkeypatch.setattr(admin_search, "CANDIDATES_READ", read_first)
    monkeypatch.setattr(admin_search, "COMMON", common)

    assert referral_admin_search(term) == admin_search_finds(term)


def referral_admin_paginator(term: str, cap: int):
    referral_admin = ReferralAdmin(Referral, admin.site)
    request = RequestFactory().get("/")
    found, _ = referral_admin.get_search_results(request, Referral.objects.all(), term)
    paginator = referral_admin.get_paginator(request, found, 100)
    paginator.cap = cap
    return paginator


@EACH_WAY
def test_referral_admin_counts_what_djangos_search_finds_up_to_its_cap(
    referrals, monkeypatch, read_first, common
):
    """Walked, the referrals of the clients who hold the words are counted first: what the
    list counts never goes past what Django's search finds."""
    monkeypatch.setattr(admin_search, "CANDIDATES_READ", read_first)
    monkeypatch.setattr(admin_search, "COMMON", common)

    for cap in (1, 2, 5):
        for term in ADMIN_TERMS:
            counted = referral_admin_paginator(term, cap).count
            assert counted == min(len(admin_search_finds(term)), cap + 1), (cap, term)


def test_referral_admin_walked_counts_the_clients_referrals_first(referrals, monkeypatch):
    """Past the cap with Anna's two referrals, the list is not counted referral by referral;
    under it (the three of Anna and Sofie, born in July 1985), it is. Read as keys, nothing
    is counted first: they are no more than the cap."""
    monkeypatch.setattr(admin_search, "CANDIDATES_READ", 1)
    monkeypatch.setattr(admin_search, "COMMON", 1)

    def counted(term, cap):
        paginator = referral_admin_paginator(term, cap)
        with CaptureQueriesContext(connection) as queries:
            count = paginator.count
        return count, [q["sql"] for q in queries if "COUNT(" in q["sql"]]

    anna, (from_clients,) = counted("anna", 1)
    july, (first, each) = counted("8507", 10)
    monkeypatch.undo()
    peeters, (keyed,) = counted("peeters", 10)

    assert (anna, july, peeters) == (2, 3, 2)
    assert 'JOIN "referrals_client"' in from_clients and 'JOIN "referrals_client"' in first
    assert 'JOIN "referrals_client"' not in each + keyed and " OFFSET 0" in each


@pytest.mark.parametrize("term", ADMIN_TERMS)
def test_client_admin_finds_what_djangos_search_finds(people, term):
    """A word of one or two letters where a part starts (`admin_searched`)."""
    client_admin = admin.site._registry[Client]
    found, _ = client_admin.get_search_results(
        RequestFactory().get("/"), Client.objects.all(), term
    )

    assert set(found.values_list("pk", flat=True)) == admin_finds(client_admin, term)


@pytest.mark.parametrize("word", ["an", "de", "li", "w", "anna", "eeter", "Van de"])
def test_the_admins_find_a_names_words_as_the_apps_search_does(people, referrals, word):
    """Three letters or more anywhere, fewer where a part of the name starts: the client
    admin and the referral admin find the same clients as the lists of the app."""
    client_admin = admin.site._registry[Client]
    request = RequestFactory().get("/")
    clients, _ = client_admin.get_search_results(request, Client.objects.all(), word)
    referrals_found = referral_admin_search(word)

    assert set(clients) == set(Client.objects.search(word)) != set()
    assert referrals_found == set(
        Referral.objects.filter(client__in=Client.objects.search(word)).values_list("pk", flat=True)
    )


def test_referral_admin_search_is_not_vacuous(referrals):
    assert referral_admin_search("anna peeters") == {referrals[0].pk, referrals[1].pk}
    assert referral_admin_search("peeters logistiek") == {referrals[1].pk}
    assert referral_admin_search("ext-7") == {referrals[0].pk}


def test_referral_admin_search_asks_the_client_and_the_training_apart(referrals):
    """Django's condition joins the three tables and asks one OR of them all, which took
    PostgreSQL 10 ms to plan for a word and 21-35 ms for two (for the count and again for the
    page); the admin's asks the client and the training each by key, and joins nothing."""
    request = RequestFactory().get("/")
    found, may_have_duplicates = ReferralAdmin(Referral, admin.site).get_search_results(
        request, Referral.objects.all(), "anna verpleeg"
    )

    assert "JOIN" not in str(found.query) and not may_have_duplicates
    assert set(found) == {referrals[0]}


def test_a_word_many_clients_hold_is_looked_for_in_the_lists_order(referrals, monkeypatch):
    """No candidates read or asked for: the list walked in its order finds a page sooner."""
    monkeypatch.setattr(admin_search, "CANDIDATES_READ", 1)
    monkeypatch.setattr(admin_search, "COMMON", 2)
    request = RequestFactory().get("/")

    def searched(term):
        found, _ = ReferralAdmin(Referral, admin.site).get_search_results(
            request, Referral.objects.all(), term
        )
        return found

    # Anna's and Sofie's referrals (born in July 1985); Anna's.
    common, rare = searched("8507"), searched("peeters")

    assert " IN (" not in str(common.query) and " IN (" in str(rare.query)
    assert set(common) == {r for r in referrals if r.client.first_name in ("Anna", "Sofie")}
    assert set(rare) == {r for r in referrals if r.client.first_name == "Anna"}


# --- PostgreSQL: the indexes exist, and can answer the search --------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's"
)
SEARCH_INDEXES = {
    "client_first_name_trgm",
    "client_last_name_trgm",
    "client_insz_prefix",
    "client_vdab_number_upper",
}


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def plan_of(queryset) -> str:
    """The plan PostgreSQL would choose if reading a table whole, or a whole index in its
    order, were out of the question: a few test rows are read fastest whole, so only that
    shows that an index *can* serve the conditions (a bitmap scan needs a condition)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        try:
            return queryset.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")


def test_the_search_indexes_exist():
    """SQLite has those it can make; PostgreSQL has the trigram ones too."""
    expected = SEARCH_INDEXES
    if connection.vendor != "postgresql":
        expected -= {"client_first_name_trgm", "client_last_name_trgm"}
    assert expected <= index_names("referrals_client")
    assert "referral_external_id_upper" in index_names("referrals_referral")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_search_indexes_migration_runs_back_and_forth(back_to_latest):
    """On SQLite, where the trigram indexes and their extension are left out, too."""
    migrate([("referrals", "0027_referral_state_order")])
    assert not SEARCH_INDEXES & index_names("referrals_client")

    migrate(latest())

    test_the_search_indexes_exist()


@postgres_only
@pytest.mark.parametrize("term", ["peeters", "an", ANNA_INSZ_SHOWN[:8]])
def test_postgres_can_answer_the_client_search_from_its_indexes(people, term):
    plan = plan_of(Client.objects.search(term).order_by())

    assert "Seq Scan" not in plan
    assert all(name in plan for name in SEARCH_INDEXES), plan


@postgres_only
def test_postgres_can_answer_the_caseworkers_search_from_its_indexes(people):
    clients = Client.objects.filter(ocmw=people["anna"].ocmw).search("peeters").order_by()

    assert "Seq Scan" not in plan_of(clients)


@postgres_only
def test_postgres_can_find_the_referral_admins_candidates_from_indexes(referrals):
    words = ["peeters", "verpleeg"]
    plan = plan_of(admin_search.candidates(words, admin_search.client_ids(words)))

    assert "Seq Scan on referrals_client" not in plan
    assert "Seq Scan on referrals_referral" not in plan
    assert "client_last_name_trgm" in plan
    assert "referral_external_id_upper" in plan
