"""The interruptions' table: per reason the interruptions that fall in the year, the
trainees (unique persons in the total) and the days within the year; a running one up to
today; small numbers hidden as in the other tables; and its download."""

import datetime

import pytest
import time_machine

from referrals.enums import InterruptionReason
from referrals.models import Interruption, Referral
from referrals.reports.export import to_csv
from referrals.reports.interruptions import interruptions
from referrals.reports.page import report_table
from referrals.reports.small import HIDDEN, SmallCount

from .builders import client, day, referral, row, rows

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 12)


def interrupted(trainee, reason: str, first: str, last: str | None = None) -> Interruption:
    return Interruption.objects.create(
        referral=trainee, reason=reason, from_date=day(first), to_date=day(last) if last else None
    )


@pytest.fixture
def year_2025():
    """Three trainees: one interrupted across new year and again (illness, then personal),
    one for maternity inside 2025, one still interrupted since December 2025."""
    person = client()
    first = referral(person=person, start="2024-09-02")
    interrupted(first, InterruptionReason.ILLNESS, "2024-12-20", "2025-01-10")  # 10 in 2025
    interrupted(first, InterruptionReason.PERSONAL, "2025-03-03", "2025-03-07")  # 5
    second = referral(start="2025-02-03")
    interrupted(second, InterruptionReason.MATERNITY, "2025-05-01", "2025-07-29")  # 90
    third = referral(start="2025-09-01")
    interrupted(third, InterruptionReason.ILLNESS, "2025-12-22")  # 10 in 2025, still going on
    interrupted(referral(start="2023-09-04"), InterruptionReason.OTHER, "2023-10-02", "2023-10-06")
    return Referral.objects.all()


def test_interruptions_of_the_year_by_reason_with_their_days_in_the_year(year_2025):
    table = interruptions(year_2025, year=2025, today=TODAY)

    assert rows(table) == [
        ("illness", 2, 2, 20),
        ("maternity", 1, 1, 90),
        ("personal", 1, 1, 5),
        ("other", 0, 0, 0),
        ("total", 4, 3, 115),
    ]


def test_a_running_interruption_counts_up_to_today(year_2025):
    table = interruptions(year_2025, year=2026, today=TODAY)

    # 1 January to 12 March 2026; the illness that ended in January 2025 is not in 2026.
    assert row(table, "illness") == ("illness", 1, 1, 71)
    assert row(table, "total") == ("total", 1, 1, 71)


def test_over_all_years_every_interruption_and_all_its_days(year_2025):
    table = interruptions(year_2025, year=None, today=TODAY)

    assert row(table, "illness") == ("illness", 2, 2, 22 + 81)
    assert row(table, "other") == ("other", 1, 1, 5)
    assert row(table, "total") == ("total", 5, 4, 22 + 81 + 5 + 90 + 5)


def test_small_numbers_are_hidden_and_so_are_their_days(year_2025):
    table = report_table("interruptions", year_2025, year=2025, small_cells=5)

    assert row(table, "maternity")[1:] == (SmallCount(5), SmallCount(5), HIDDEN)
    assert row(table, "other")[1:] == (0, 0, 0)


@time_machine.travel(datetime.datetime(2026, 3, 12, 9, tzinfo=datetime.UTC), tick=False)
def test_the_download_is_the_table_by_its_codes(year_2025):
    csv = to_csv(report_table("interruptions", year_2025, year=2025))

    assert csv.splitlines() == [
        "group;label;interruptions;trainees;days",
        "illness;ziekte of ongeval;2;2;20",
        "maternity;moederschapsrust;1;1;90",
        "personal;een persoonlijke reden;1;1;5",
        "other;een andere reden;0;0;0",
        "total;Totaal;4;3;115",
    ]


def test_no_other_breakdown(year_2025):
    with pytest.raises(KeyError):
        report_table("interruptions", year_2025, year=2025, by="gender")
