"""Started unique trainees per OKOT type, gender and age band; age-band edges."""

import datetime

import pytest
from django.db.models import F

from referrals.enums import Gender, OkotType, State
from referrals.models import Referral
from referrals.reports.expressions import AgeAt
from referrals.reports.tables import starts
from tests.accounts.factories import OcmwFactory, OrganisationFactory

from .builders import client, insz, referral, rows

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def year_2024():
    """Nine people around 2024; five of them (P1, P2, P7, P8, P9) started in 2024."""
    gent, aalst = OrganisationFactory(), OcmwFactory(municipality="Aalst")
    p1 = insz(D(1990, 1, 1), Gender.MALE)
    # P1 is a client of two OCMWs (same INSZ) and starts two types.
    referral(person=client(p1, ocmw=gent), okot=OkotType.PBA, start="2024-02-01")
    referral(person=client(p1, ocmw=aalst), okot=OkotType.HBO, start="2024-09-01")
    # P2 starts two PBA trainings, the last one on New Year's Eve.
    p2 = client(born=D(1985, 6, 1), gender=Gender.FEMALE)
    referral(person=p2, okot=OkotType.PBA, start="2024-10-01")
    referral(person=p2, okot=OkotType.PBA, start="2024-12-31")
    referral(okot=OkotType.PBA, start="2025-01-01", born=D(1970, 1, 1))  # P3: next year
    referral(okot=OkotType.TKO, start="2023-12-31", gender=Gender.MALE)  # P4: the year before
    # P5 and P6 never started.
    referral(okot=OkotType.HBO, state=State.ADMITTED, probable_start_date=D(2024, 3, 1))
    referral(okot=OkotType.BSO7, state=State.WITHDRAWN, withdraw_reason="Werk gevonden")
    # P7 stopped early, but started: a start.
    referral(
        okot=OkotType.SENSE,
        start="2024-01-01",
        end="2024-05-01",
        result="stopped_early",
        reason="illness",
        born=D(2000, 1, 1),
        gender=Gender.X,
    )
    referral(okot=OkotType.HBO, start="2024-04-04", born=D(1960, 3, 3), gender="")  # P8
    referral(okot=OkotType.BSO7, start="2024-07-07", born=None)  # P9: birth date unknown


def test_unique_trainees_per_type_with_a_total_of_unique_persons(year_2024):
    table = starts(Referral.objects.all(), year=2024, by="type")

    assert rows(table) == [
        ("7BSO", 1),
        ("PBA", 2),
        ("SENSE", 1),
        ("TKO", 0),
        ("HBO", 2),
        ("total", 5),
    ]
    assert table.rows[-1].is_total


def test_the_year_is_the_start_dates(year_2024):
    assert rows(starts(Referral.objects.all(), year=2023)) == [
        ("7BSO", 0),
        ("PBA", 0),
        ("SENSE", 0),
        ("TKO", 1),
        ("HBO", 0),
        ("total", 1),
    ]
    assert rows(starts(Referral.objects.all(), year=2025))[1] == ("PBA", 1)
    assert rows(starts(Referral.objects.all(), year=2025))[-1] == ("total", 1)


def test_without_a_year_every_start_counts_and_never_started_ones_do_not(year_2024):
    assert rows(starts(Referral.objects.all(), year=None)) == [
        ("7BSO", 1),
        ("PBA", 3),
        ("SENSE", 1),
        ("TKO", 1),
        ("HBO", 2),
        ("total", 7),
    ]


def test_by_gender_with_unknown_last(year_2024):
    assert rows(starts(Referral.objects.all(), year=2024, by="gender")) == [
        ("M", 1),
        ("V", 2),
        ("X", 1),
        ("?", 1),
        ("total", 5),
    ]


def test_by_age_band_at_the_start_with_unknown_birth_date_last(year_2024):
    assert rows(starts(Referral.objects.all(), year=2024, by="age")) == [
        ("-25", 1),
        ("25-40", 2),
        ("40-55", 0),
        ("55+", 1),
        ("?", 1),
        ("total", 5),
    ]


def test_same_type_in_two_ocmws_is_one_trainee():
    person = insz(D(1988, 8, 8), Gender.FEMALE)
    referral(person=client(person, ocmw=OrganisationFactory()), start="2024-02-01")
    referral(person=client(person, ocmw=OcmwFactory(municipality="Aalst")), start="2024-09-01")

    assert rows(starts(Referral.objects.all(), year=2024))[1] == ("PBA", 1)
    assert rows(starts(Referral.objects.all(), year=2024))[-1] == ("total", 1)


def test_a_person_who_changes_band_during_the_year_counts_in_both_bands_once_in_total():
    person = client(born=D(1999, 6, 15))
    referral(person=person, okot=OkotType.PBA, start="2024-03-01")  # 24
    referral(person=person, okot=OkotType.HBO, start="2024-09-01")  # 25

    assert rows(starts(Referral.objects.all(), year=2024, by="age")) == [
        ("-25", 1),
        ("25-40", 1),
        ("40-55", 0),
        ("55+", 0),
        ("total", 1),
    ]


def test_no_starts_gives_zero_rows_and_a_zero_total():
    referral(start="2023-05-05")

    assert rows(starts(Referral.objects.all(), year=2024, by="gender")) == [
        ("M", 0),
        ("V", 0),
        ("X", 0),
        ("total", 0),
    ]


# --- age-band edges, on SQLite and PostgreSQL alike ---------------------------------------

AGE_EDGES = [
    # (birth date, start date, age, band)
    (D(1999, 5, 15), D(2024, 5, 15), 25, "25-40"),  # 25th birthday that very day
    (D(1999, 5, 16), D(2024, 5, 15), 24, "-25"),  # one day before it
    (D(1984, 5, 15), D(2024, 5, 15), 40, "40-55"),
    (D(1984, 5, 16), D(2024, 5, 15), 39, "25-40"),
    (D(1969, 5, 15), D(2024, 5, 15), 55, "55+"),
    (D(1969, 5, 16), D(2024, 5, 15), 54, "40-55"),
    (D(1999, 12, 31), D(2024, 1, 1), 24, "-25"),  # across New Year
    (D(1999, 1, 1), D(2024, 12, 31), 25, "25-40"),
    # Born on 29 February: in a common year the birthday is passed on 1 March.
    (D(1996, 2, 29), D(2021, 2, 28), 24, "-25"),
    (D(1996, 2, 29), D(2021, 3, 1), 25, "25-40"),
    # ... and in a leap year on the 29th itself.
    (D(1980, 2, 29), D(2020, 2, 28), 39, "25-40"),
    (D(1980, 2, 29), D(2020, 2, 29), 40, "40-55"),
    (D(1964, 2, 29), D(2019, 2, 28), 54, "40-55"),
    (D(1964, 2, 29), D(2019, 3, 1), 55, "55+"),
]
BANDS = ["-25", "25-40", "40-55", "55+"]


@pytest.mark.parametrize(("born", "start", "age", "band"), AGE_EDGES)
def test_age_band_edges(born, start, age, band):
    made = referral(born=born, start=start.isoformat())
    assert made.client.birth_date == born

    annotated = Referral.objects.annotate(age=AgeAt(F("start_date"), F("client__birth_date")))
    assert annotated.get().age == age
    table = starts(Referral.objects.all(), year=start.year, by="age")
    assert rows(table) == [*((b, int(b == band)) for b in BANDS), ("total", 1)]


def test_age_is_taken_at_the_start_not_today():
    referral(born=D(1999, 12, 1), start="2024-11-30")  # 24 then, older now

    assert rows(starts(Referral.objects.all(), year=2024, by="age"))[0] == ("-25", 1)


def test_a_known_total_of_persons_is_used_as_is():
    referral(okot=OkotType.PBA, start="2024-03-01")
    table = starts(Referral.objects.all(), year=2024, by="gender", persons=7)
    assert rows(table)[-1] == ("total", 7)
