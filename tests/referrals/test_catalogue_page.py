"""The catalogue page: what each training offered shows, its filters, what it costs in
queries, and its "refer a client" that opens the referral (or candidacy) form for it."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Province
from referrals.enums import OkotType, TrainingMode
from tests.referrals.factories import InfoSessionFactory, StartMomentFactory, TrainingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english", "english_pages")]

URL = reverse("referrals:training_list")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def titles(response) -> list[str]:
    return [entry.training.title for entry in response.context["entries"]]


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.fixture
def nursing():
    """A mixed-mode HBO5 with a past and two coming start moments, a past and a coming
    info session."""
    today = timezone.localdate()
    training = TrainingFactory(
        title="HBO5 Verpleegkunde",
        okot_type=OkotType.HBO,
        mode=TrainingMode.MIXED,
        shortage_occupation="Verpleegkundige",
        shortage_list_year=2026,
        field_of_study="Gezondheidszorg",
        hours_per_week=38,
        duration_months=36,
    )
    StartMomentFactory(training=training, starts_on=today - 90 * DAY, places_available=99)
    StartMomentFactory(training=training, starts_on=today + 20 * DAY, places_available=12)
    StartMomentFactory(training=training, starts_on=today + 200 * DAY, location="Campus Melle")
    InfoSessionFactory(training=training, starts_at=timezone.now() - DAY, location="Verleden 1")
    InfoSessionFactory(
        training=training,
        starts_at=timezone.now() + 5 * DAY,
        online=True,
        location="",
        registration_url="https://www.vdab.example/infosessie/1",
    )
    return training


def test_an_entry_shows_what_the_guide_says(client, caseworker, nursing):
    client.force_login(caseworker)

    response = client.get(URL)
    page = text(response)

    assert response.status_code == 200
    for shown in [
        "Mixed: VDAB, school and a partner",
        "Verpleegkundige (shortage list 2026)",
        "Gezondheidszorg",
        "38",
        "36 months",
        "12 places available",
        "Campus Melle: places available unknown",
        "online",
        'href="https://www.vdab.example/infosessie/1"',
    ]:
        assert shown in page
    assert "99 places" not in page  # the past start moment
    assert "Verleden 1" not in page  # the past info session
    entry = response.context["entries"][0]
    assert [m.places_available for m in entry.training.next_start_moments] == [12, None]


def test_a_training_past_its_last_start_moment_is_not_in_the_catalogue(client, caseworker):
    client.force_login(caseworker)
    past = TrainingFactory(title="Kinderzorg")
    StartMomentFactory(training=past, starts_on=timezone.localdate() - DAY)
    TrainingFactory(title="Zonder startmomenten")
    TrainingFactory(title="Niet actief", active=False)

    assert titles(client.get(URL)) == ["Zonder startmomenten"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["A", "B", "C"]),
        ({"type": OkotType.HBO}, ["A"]),
        ({"mode": TrainingMode.MIXED}, ["B"]),
        ({"region": Province.LIMBURG}, ["C"]),
        ({"field": "Gezondheidszorg"}, ["A", "C"]),
        ({"field": "Gezondheidszorg", "region": Province.LIMBURG}, ["C"]),
        ({"type": OkotType.PBA, "mode": TrainingMode.MIXED}, []),
    ],
)
def test_the_filters(client, caseworker, query, expected):
    client.force_login(caseworker)
    TrainingFactory(title="A", okot_type=OkotType.HBO, field_of_study="Gezondheidszorg")
    TrainingFactory(title="B", okot_type=OkotType.TKO, mode=TrainingMode.MIXED)
    TrainingFactory(
        title="C",
        okot_type=OkotType.PBA,
        province=Province.LIMBURG,
        field_of_study="Gezondheidszorg",
    )

    response = client.get(URL, query)

    assert titles(response) == expected
    if not expected:
        assert "No training offered matches these filters." in text(response)


def test_a_filter_value_that_is_no_choice_is_refused_on_its_field(client, caseworker):
    client.force_login(caseworker)
    TrainingFactory(title="A", okot_type=OkotType.HBO)
    TrainingFactory(title="B", okot_type=OkotType.TKO)

    response = client.get(URL, {"field": "<script>", "type": OkotType.HBO})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["field"]
    assert titles(response) == ["A"]  # the valid filter still applies


def test_the_field_of_study_choices_are_those_offered(client, caseworker):
    client.force_login(caseworker)
    TrainingFactory(field_of_study="Gezondheidszorg")
    TrainingFactory(field_of_study="Gezondheidszorg")
    TrainingFactory(field_of_study="Elektriciteit")
    TrainingFactory(field_of_study="Niet meer", active=False)
    TrainingFactory(field_of_study="")

    choices = client.get(URL).context["form"].fields["field"].choices

    assert [value for value, _label in choices] == ["", "Elektriciteit", "Gezondheidszorg"]


def test_the_empty_catalogue_says_so(client, caseworker):
    client.force_login(caseworker)

    assert "No trainings are offered at the moment." in text(client.get(URL))


def test_the_filters_stay_on_the_next_page(client, caseworker):
    client.force_login(caseworker)
    TrainingFactory.create_batch(51, okot_type=OkotType.HBO)

    response = client.get(URL, {"type": OkotType.HBO})

    assert f'href="?type={OkotType.HBO}&amp;page=2"' in response.content.decode()


def test_the_catalogue_costs_the_same_queries_at_1_and_at_12_trainings(
    client, caseworker, django_assert_num_queries
):
    client.force_login(caseworker)

    def add_training():
        training = TrainingFactory(field_of_study="Gezondheidszorg")
        StartMomentFactory.create_batch(3, training=training)
        InfoSessionFactory.create_batch(2, training=training)

    add_training()
    client.get(URL)  # the session, once
    # the session, the user and their permissions (3), the fields of study, the count, the
    # trainings with their counsellors, their start moments, their info sessions, the
    # user's organisation, the unread messages
    with django_assert_num_queries(10) as one:
        client.get(URL)
    for _n in range(11):
        add_training()
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(URL)


# --- refer a client -----------------------------------------------------------------------


def refer_urls(response) -> dict[str, str]:
    return {entry.training.title: entry.refer_url for entry in response.context["entries"]}


def test_a_caseworker_refers_by_choosing_the_client(client, caseworker, gent_client, nursing):
    client.force_login(caseworker)

    refer = refer_urls(client.get(URL))["HBO5 Verpleegkunde"]
    assert refer == f"{reverse('referrals:client_list')}?training={nursing.pk}"
    clients = client.get(refer)
    create = reverse("referrals:referral_create", args=[gent_client.pk])
    assert f'href="{create}?training={nursing.pk}"' in clients.content.decode()
    assert "Choose the client to refer to HBO5 Verpleegkunde" in text(clients)
    form = client.get(f"{create}?training={nursing.pk}").context["form"]

    assert form["training"].value() == nursing.pk


@pytest.mark.parametrize("value", ["x", "²", "-1", "9" * 30, "9" * 5000])
def test_a_training_to_refer_to_that_is_no_key_is_ignored(client, caseworker, gent_client, value):
    """A "²" is a digit to `isdigit()`, and none to `int()`: it was a 500."""
    client.force_login(caseworker)

    response = client.get(reverse("referrals:client_list"), {"training": value})

    assert response.status_code == 200
    assert response.context["refer_to"] is None
    assert gent_client.last_name in response.content.decode()


def test_the_client_list_offers_no_referral_for_a_training_not_offered(
    client, caseworker, gent_client
):
    client.force_login(caseworker)
    past = TrainingFactory()
    StartMomentFactory(training=past, starts_on=timezone.localdate() - DAY)

    response = client.get(reverse("referrals:client_list"), {"training": past.pk})

    assert response.context["refer_to"] is None
    assert "/referrals/new/?training=" not in response.content.decode()


@pytest.mark.parametrize("value", ["", "x", "99999", "9" * 30])
def test_a_preselection_that_is_no_training_offered_is_ignored(
    client, caseworker, gent_client, training, value
):
    client.force_login(caseworker)
    url = reverse("referrals:referral_create", args=[gent_client.pk])

    response = client.get(url, {"training": value})

    assert response.status_code == 200
    assert response.context["form"]["training"].value() is None


def test_a_counsellor_registers_a_candidacy_for_their_regions_trainings(
    client, counsellor, nursing
):
    client.force_login(counsellor)
    TrainingFactory(title="In Limburg", province=Province.LIMBURG)

    refer = refer_urls(client.get(URL))

    assert refer == {
        "HBO5 Verpleegkunde": f"{reverse('referrals:candidacy_create')}?training={nursing.pk}",
        "In Limburg": "",
    }
    form = client.get(refer["HBO5 Verpleegkunde"]).context["form"]
    assert form["training"].value() == nursing.pk


@pytest.mark.parametrize(
    ("actor", "refers"),
    [("caseworker", True), ("counsellor", True), ("administrator", True)]
    + [("network_manager", False), ("counsellor_of_other_region", False)],
)
def test_who_sees_refer_a_client(client, request, training, actor, refers):
    client.force_login(request.getfixturevalue(actor))

    response = client.get(URL)

    assert bool(refer_urls(response)[training.title]) is refers
    assert ("Refer a client" in text(response)) is refers
