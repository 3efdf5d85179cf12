"""Outflow to work 3, 6, 9 and 12 months after a positive end (passed or employment)."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from referrals.enums import Gender, OkotType
from referrals.models import Referral
from referrals.reports.tables import NOT_DUE, outflow, percentage

from .builders import NO, UNKNOWN, YES, local, referral, rows

pytestmark = pytest.mark.django_db

D = datetime.date
N = NOT_DUE
EMPTY = (0, 0, None, 0, None, 0, None, 0, None)  # a row without trajectories
ALL_DUE = D(2026, 1, 15)  # every check-up of a 2024 end has come


def ended(okot, end, result="passed", checks=None, **kwargs):
    return referral(
        okot=okot, start="2023-09-01", end=end, result=result, checks=checks or {}, **kwargs
    )


@pytest.fixture
def ends_around_2024():
    # PBA: two passed, one stopped because of employment (a positive end).
    ended(
        OkotType.PBA,
        "2024-03-10",
        checks={3: YES, 6: YES, 9: NO, 12: YES},
        born=D(1999, 6, 1),  # 24 at the start
        gender=Gender.MALE,
    )
    ended(
        OkotType.PBA,
        "2024-06-30",
        result="stopped_employment",
        checks={3: YES, 6: UNKNOWN, 9: YES},  # unknown is not at work, 12 months missing
        born=D(1990, 1, 1),
        gender=Gender.FEMALE,
    )
    ended(
        OkotType.PBA,
        "2024-12-31",
        checks={3: NO, 6: YES, 9: YES, 12: NO},
        born=D(1983, 9, 1),  # 40 on the day it started
        gender=Gender.FEMALE,
    )
    # HBO: one passed without any check-up; a failure and an early stop are no positive end.
    ended(OkotType.HBO, "2024-05-05", born=D(1960, 1, 1), gender=Gender.MALE)
    ended(OkotType.HBO, "2024-05-05", result="failed", checks={3: YES})
    ended(OkotType.HBO, "2024-05-05", result="stopped_early", reason="illness", checks={3: YES})
    # TKO: ended the year after and the year before.
    ended(OkotType.TKO, "2025-01-01", checks={3: YES})
    ended(OkotType.TKO, "2023-12-31", checks={3: YES})
    # 7BSO: stopped because of employment on 31 August, at work every time.
    ended(
        OkotType.BSO7,
        "2024-08-31",
        result="stopped_employment",
        checks={3: YES, 6: YES, 9: YES, 12: YES},
        born=D(1990, 1, 1),
        gender=Gender.X,
    )
    referral(okot=OkotType.SENSE, start="2024-01-01")  # still in training


def test_outflow_by_type(ends_around_2024):
    table = outflow(Referral.objects.all(), year=2024, by="type", today=ALL_DUE)

    assert [c.key for c in table.columns] == [
        "closed",
        "work_3m",
        "pct_3m",
        "work_6m",
        "pct_6m",
        "work_9m",
        "pct_9m",
        "work_12m",
        "pct_12m",
    ]
    p = Decimal
    assert rows(table) == [
        ("7BSO", 1, 1, p("100.00"), 1, p("100.00"), 1, p("100.00"), 1, p("100.00")),
        ("PBA", 3, 2, p("66.67"), 2, p("66.67"), 2, p("66.67"), 1, p("33.33")),
        ("SENSE", *EMPTY),
        ("TKO", *EMPTY),
        ("HBO", 1, 0, p("0.00"), 0, p("0.00"), 0, p("0.00"), 0, p("0.00")),
        ("total", 5, 3, p("60.00"), 3, p("60.00"), 3, p("60.00"), 2, p("40.00")),
    ]
    assert table.rows[-1].is_total
    assert not any(r.is_total for r in table.rows[:-1])


def test_outflow_by_gender(ends_around_2024):
    p = Decimal
    assert rows(outflow(Referral.objects.all(), year=2024, by="gender", today=ALL_DUE)) == [
        ("M", 2, 1, p("50.00"), 1, p("50.00"), 0, p("0.00"), 1, p("50.00")),
        ("V", 2, 1, p("50.00"), 1, p("50.00"), 2, p("100.00"), 0, p("0.00")),
        ("X", 1, 1, p("100.00"), 1, p("100.00"), 1, p("100.00"), 1, p("100.00")),
        ("total", 5, 3, p("60.00"), 3, p("60.00"), 3, p("60.00"), 2, p("40.00")),
    ]


def test_outflow_by_age_band_at_the_start(ends_around_2024):
    p = Decimal
    assert rows(outflow(Referral.objects.all(), year=2024, by="age", today=ALL_DUE)) == [
        ("-25", 1, 1, p("100.00"), 1, p("100.00"), 0, p("0.00"), 1, p("100.00")),
        ("25-40", 2, 2, p("100.00"), 1, p("50.00"), 2, p("100.00"), 1, p("50.00")),
        ("40-55", 1, 0, p("0.00"), 1, p("100.00"), 1, p("100.00"), 0, p("0.00")),
        ("55+", 1, 0, p("0.00"), 0, p("0.00"), 0, p("0.00"), 0, p("0.00")),
        ("total", 5, 3, p("60.00"), 3, p("60.00"), 3, p("60.00"), 2, p("40.00")),
    ]


def test_the_year_is_the_end_dates(ends_around_2024):
    table = outflow(Referral.objects.all(), year=2025, today=D(2025, 12, 31))
    p = Decimal
    # Ended 1 January 2025: 3, 6 and 9 months have come on 31 December, 12 only the next day.
    assert rows(table)[3] == ("TKO", 1, 1, p("100.00"), 0, p("0.00"), 0, p("0.00"), N, N)
    assert rows(table)[-1] == ("total", 1, 1, p("100.00"), 0, p("0.00"), 0, p("0.00"), N, N)
    assert rows(outflow(Referral.objects.all(), year=2023, today=ALL_DUE))[-1][:4] == (
        "total",
        1,
        1,
        p("100.00"),
    )


def test_without_a_year_every_positive_end_counts(ends_around_2024):
    table = outflow(Referral.objects.all(), year=None, today=ALL_DUE)
    # 5 of 2024 and the two TKO ends, both at work after 3 months: 5 of 7.
    assert rows(table)[-1][:4] == ("total", 7, 5, Decimal("71.43"))


# --- check-ups not yet due ------------------------------------------------------------------


def due_only(months_due, at_work=1, pct=Decimal("100.00")):
    """The eight check-up cells of a row whose check-ups in `months_due` have come."""
    cells = []
    for m in (3, 6, 9, 12):
        cells += [at_work, pct] if m in months_due else [N, N]
    return tuple(cells)


@pytest.mark.parametrize(
    ("end", "today", "months_due"),
    [
        ("2024-05-31", "2024-08-30", ()),
        ("2024-05-31", "2024-08-31", (3,)),  # due on the day itself
        # 31 August + 6 months is the last day of February.
        ("2024-08-31", "2025-02-27", (3,)),
        ("2024-08-31", "2025-02-28", (3, 6)),
        # 30 November + 3 months, in a common and in a leap year.
        ("2024-11-30", "2025-02-27", ()),
        ("2024-11-30", "2025-02-28", (3,)),
        ("2023-11-30", "2024-02-28", ()),
        ("2023-11-30", "2024-02-29", (3,)),
        # Ended on 29 February: 12 months later is 28 February.
        ("2024-02-29", "2025-02-27", (3, 6, 9)),
        ("2024-02-29", "2025-02-28", (3, 6, 9, 12)),
    ],
)
def test_a_check_up_shows_not_due_until_its_date(end, today, months_due):
    ended(OkotType.PBA, end, checks={3: YES, 6: YES, 9: YES, 12: YES})

    with time_machine.travel(local(f"{today} 12:00"), tick=False):
        table = outflow(Referral.objects.all(), year=int(end[:4]), by="type")

    assert rows(table)[1] == ("PBA", 1, *due_only(months_due))
    assert rows(table)[-1] == ("total", 1, *due_only(months_due))
    assert rows(table)[0] == ("7BSO", *EMPTY)


@time_machine.travel(local("2025-02-27 12:00"), tick=False)
def test_a_check_up_counts_for_a_row_only_once_due_for_every_trajectory_in_it():
    ended(OkotType.PBA, "2024-01-10", checks={3: YES, 6: YES})  # 6 months due in July
    ended(OkotType.PBA, "2024-08-31", checks={3: NO})  # 6 months due on 28 February
    ended(OkotType.HBO, "2024-01-10", checks={3: YES, 6: NO, 9: YES, 12: YES})

    table = outflow(Referral.objects.all(), year=2024)

    p = Decimal
    assert rows(table) == [
        ("7BSO", *EMPTY),
        ("PBA", 2, 1, p("50.00"), N, N, N, N, N, N),
        ("SENSE", *EMPTY),
        ("TKO", *EMPTY),
        ("HBO", 1, 1, p("100.00"), 0, p("0.00"), 1, p("100.00"), 1, p("100.00")),
        ("total", 3, 2, p("66.67"), N, N, N, N, N, N),
    ]
    assert repr(N) == "NOT_DUE"


def test_no_positive_end_gives_an_empty_table_with_a_zero_total():
    ended(OkotType.PBA, "2024-03-01", result="failed")

    table = outflow(Referral.objects.all(), year=2024, today=ALL_DUE)

    assert rows(table) == [
        ("7BSO", *EMPTY),
        ("PBA", *EMPTY),
        ("SENSE", *EMPTY),
        ("TKO", *EMPTY),
        ("HBO", *EMPTY),
        ("total", *EMPTY),
    ]


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (2, 3, Decimal("66.67")),
        (1, 3, Decimal("33.33")),
        (1, 8, Decimal("12.50")),
        (1, 32, Decimal("3.13")),  # 3.125: half up, not to even
        (5, 7, Decimal("71.43")),
        (1448, 2007, Decimal("72.15")),  # the ministry's 2016 total
        (1328, 1749, Decimal("75.93")),  # and 2017's
        (0, 4, Decimal("0.00")),
        (4, 4, Decimal("100.00")),
        (0, 0, None),
    ],
)
def test_percentage_has_two_decimals_rounded_half_up(part, whole, expected):
    result = percentage(part, whole)
    assert result == expected
    assert str(result) == str(expected)
