"""What the catalogue offers (`TrainingQuerySet.offered`): an active training until its last
start moment has passed, or one without start moments; the forms choose among these only,
and the database keeps the catalogue's numbers plausible."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from referrals.models import Candidacy, Referral, Training
from tests.referrals.factories import InfoSessionFactory, StartMomentFactory, TrainingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TODAY = datetime.date(2026, 9, 14)
# Just after midnight in Brussels (UTC+2): the day there, not in UTC, decides.
in_brussels_on_today = time_machine.travel(
    datetime.datetime(2026, 9, 13, 22, 30, tzinfo=datetime.UTC), tick=False
)
DAY = datetime.timedelta(days=1)


def offered() -> set[str]:
    return set(Training.objects.offered().values_list("title", flat=True))


@in_brussels_on_today
@pytest.mark.parametrize(
    ("start_moments", "is_offered"),
    [
        ([], True),  # entered before start moments were kept
        ([TODAY + DAY], True),
        ([TODAY], True),  # starts today: still offered all day
        ([TODAY - DAY], False),  # past its last start moment
        ([TODAY - 300 * DAY, TODAY - DAY], False),
        ([TODAY - 300 * DAY, TODAY + 30 * DAY], True),
    ],
)
def test_offered_until_the_last_start_moment(start_moments, is_offered):
    training = TrainingFactory(title="Zorgkundige")
    for day in start_moments:
        StartMomentFactory(training=training, starts_on=day)

    assert offered() == ({"Zorgkundige"} if is_offered else set())


@in_brussels_on_today
def test_an_inactive_training_is_never_offered():
    training = TrainingFactory(active=False)
    StartMomentFactory(training=training, starts_on=TODAY + DAY)

    assert offered() == set()


def test_offered_lists_a_training_once_whatever_its_start_moments():
    training = TrainingFactory()
    for weeks in (1, 2, 3):
        StartMomentFactory(training=training, starts_on=TODAY + weeks * 7 * DAY)

    assert list(Training.objects.offered(TODAY)) == [training]


# --- the forms refuse what is not offered ---------------------------------------------------


@pytest.fixture
def past_training():
    training = TrainingFactory(title="Kinderzorg")
    StartMomentFactory(training=training, starts_on=datetime.date(2020, 9, 1))
    return training


NOT_OFFERED = "This training is not offered (any more): choose one from the list."


@pytest.fixture(autouse=True)
def english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_a_referral_for_a_training_no_longer_offered_is_refused(
    client, caseworker, gent_client, past_training
):
    client.force_login(caseworker)
    url = reverse("referrals:referral_create", args=[gent_client.pk])

    response = client.post(url, {"training": past_training.pk})

    assert response.status_code == 200
    assert response.context["form"].errors == {"training": [NOT_OFFERED]}
    assert NOT_OFFERED in response.content.decode()
    assert not Referral.objects.exists()


def test_a_candidacy_for_a_training_no_longer_offered_is_refused(
    client, counsellor, probe, past_training
):
    past_training.province = counsellor.organisation.province
    past_training.save()

    response = client.post(
        reverse("referrals:candidacy_create"), {**probe, "training": past_training.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"training": [NOT_OFFERED]}
    assert not Candidacy.objects.exists()


def test_the_forms_offer_only_what_is_offered(client, caseworker, gent_client, past_training):
    client.force_login(caseworker)
    current = TrainingFactory(title="Verpleegkunde")

    response = client.get(reverse("referrals:referral_create", args=[gent_client.pk]))

    assert list(response.context["form"].fields["training"].queryset) == [current]


# --- the database keeps the numbers plausible -------------------------------------------------


@pytest.mark.parametrize(
    ("make", "constraint"),
    [
        (lambda: TrainingFactory(hours_per_week=41), "training_hours_per_week_at_most_40"),
        (lambda: TrainingFactory(hours_per_week=0), "training_hours_per_week_at_most_40"),
        (
            lambda: TrainingFactory(shortage_occupation="Lasser", shortage_list_year=1999),
            "training_shortage_list_year_plausible",
        ),
        (
            lambda: TrainingFactory(shortage_occupation="Lasser", shortage_list_year=2101),
            "training_shortage_list_year_plausible",
        ),
        (
            lambda: TrainingFactory(shortage_occupation="", shortage_list_year=2026),
            "training_shortage_list_year_with_occupation",
        ),
        (
            lambda: InfoSessionFactory(online=False, location=""),
            "infosession_online_or_at_a_place",
        ),
        (
            lambda: StartMomentFactory(
                training=StartMomentFactory(starts_on=TODAY, location="Gent").training,
                starts_on=TODAY,
                location="Gent",
            ),
            # SQLite names the columns of a unique constraint, PostgreSQL the constraint
            "startmoment_one_per_training_day_and_place|UNIQUE.*referrals_startmoment",
        ),
    ],
)
def test_the_database_refuses_implausible_catalogue_rows(make, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: TrainingFactory(hours_per_week=40),
        lambda: TrainingFactory(hours_per_week=None),
        lambda: TrainingFactory(shortage_occupation="Lasser", shortage_list_year=2026),
        lambda: InfoSessionFactory(online=True, location=""),
        lambda: StartMomentFactory(places_available=0),
    ],
)
def test_the_database_accepts_what_the_guide_says(make):
    make()
