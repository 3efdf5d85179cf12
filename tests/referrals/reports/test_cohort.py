"""The figures by start cohort: everyone who started in a year, followed to where they are
now, every cell of a hand-built cohort; and the start years side by side (the trend).

Today is 25 November 2026. The people of 2016 (start date in 2016):

| who | type  | sex | age at start | end                                | obtained | work 3/6/9/12 |
| --- | ----- | --- | ------------ | ---------------------------------- | -------- | ------------- |
| A   | PBA   | V   | 26 (25-40)   | passed 2018-06-30                  | diploma  | y y n y       |
| B   | PBA   | M   | 16 (-25)     | stopped early, illness, 2017-02-01 | none     |               |
| C   | HBO   | V   | 46 (40-55)   | stopped for work 2017-03-15        | none     | y y y n       |
| D   | HBO   | M   | 58 (55+)     | not passed 2019-06-30              | none     |               |
| E   | TKO   | V   | 26 (25-40)   | passed 2018-06-30                  | part     | . . . y       |
| F   | TKO   | V   | 31 (25-40)   | still in training                  |          |               |
| P   | 7BSO  | M   | 19 (-25)     | stopped early, moved, 2016-05-01   | none     |               |
| P   | SENSE | M   | 20 (-25)     | passed 2017-06-30                  | diploma  | n y y y       |

P started twice in 2016: 8 trajectories, 7 persons. Of 2017: G (PBA, V, 27) passed on
2026-06-30 with the diploma, at work after 3 months (6 months not yet due); H (HBO, gender
and age unknown) stopped early without a valid reason in 2017. Of 2015: O (PBA) passed in
2016 with the diploma, at work after 12 months. One more referral never started."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from referrals.enums import EndResult, Gender, Obtained, OkotType, StopReason
from referrals.models import Referral
from referrals.models.followup import add_months
from referrals.reports.cohort import (
    cohort_diplomas,
    cohort_early_stops,
    cohort_outflow,
    last_end_due,
    status,
    trend,
)
from referrals.reports.tables import NOT_DUE, diplomas

from .builders import NO, YES, client, day, referral, rows

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 11, 25)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False):
        yield


def ended(*, start, end, result, obtained=None, **kwargs):
    """A trajectory ended with `result`; what it obtained as the end step records it: the
    diploma when passed unless said, nothing otherwise, dated on the end when something."""
    obtained = obtained or (Obtained.DIPLOMA if result == EndResult.PASSED else Obtained.NONE)
    obtained_on = day(end) if obtained != Obtained.NONE else None
    return referral(
        start=start,
        end=end,
        result=result,
        obtained=obtained,
        obtained_on=obtained_on,
        **kwargs,
    )


@pytest.fixture
def cohorts():
    woman, man = Gender.FEMALE, Gender.MALE
    # 2016
    ended(
        okot=OkotType.PBA, gender=woman, born=D(1990, 1, 1), start="2016-09-01",
        end="2018-06-30", result=EndResult.PASSED, checks={3: YES, 6: YES, 9: NO, 12: YES},
    )  # fmt: skip
    ended(
        okot=OkotType.PBA, gender=man, born=D(2000, 1, 1), start="2016-09-01",
        end="2017-02-01", result=EndResult.STOPPED_EARLY, reason=StopReason.ILLNESS,
    )  # fmt: skip
    ended(
        okot=OkotType.HBO, gender=woman, born=D(1970, 5, 5), start="2016-09-01",
        end="2017-03-15", result=EndResult.STOPPED_EMPLOYMENT,
        checks={3: YES, 6: YES, 9: YES, 12: NO},
    )  # fmt: skip
    ended(
        okot=OkotType.HBO, gender=man, born=D(1958, 1, 1), start="2016-09-01",
        end="2019-06-30", result=EndResult.FAILED,
    )  # fmt: skip
    ended(
        okot=OkotType.TKO, gender=woman, born=D(1990, 1, 1), start="2016-09-01",
        end="2018-06-30", result=EndResult.PASSED, obtained=Obtained.PARTIAL, checks={12: YES},
    )  # fmt: skip
    referral(okot=OkotType.TKO, gender=woman, born=D(1985, 3, 3), start="2016-09-05")
    p = client(born=D(1996, 6, 1), gender=man)
    ended(
        person=p, okot=OkotType.BSO7, start="2016-01-04", end="2016-05-01",
        result=EndResult.STOPPED_EARLY, reason=StopReason.MOVED,
    )  # fmt: skip
    ended(
        person=p, okot=OkotType.SENSE, start="2016-09-01", end="2017-06-30",
        result=EndResult.PASSED, checks={3: NO, 6: YES, 9: YES, 12: YES},
    )  # fmt: skip
    # 2017
    ended(
        okot=OkotType.PBA, gender=woman, born=D(1990, 1, 1), start="2017-09-01",
        end="2026-06-30", result=EndResult.PASSED, checks={3: YES},
    )  # fmt: skip
    ended(
        okot=OkotType.HBO, gender=Gender.X, born=None, start="2017-02-01", end="2017-10-01",
        result=EndResult.STOPPED_EARLY, reason=StopReason.NO_VALID_REASON,
    )  # fmt: skip
    # 2015, and one that never started
    ended(
        okot=OkotType.PBA, start="2015-09-01", end="2016-06-30", result=EndResult.PASSED,
        checks={12: YES},
    )  # fmt: skip
    referral(okot=OkotType.PBA)
    return Referral.objects.all()


def pct(text: str) -> Decimal:
    return Decimal(text)


# --- where they are now -------------------------------------------------------------------
# columns: started, in training, diploma, % diploma, stopped early, % stopped, ended otherwise


def test_where_the_2016_cohort_is_now_by_type(cohorts):
    assert rows(status(cohorts, year=2016, by="type")) == [
        ("7BSO", 1, 0, 0, pct("0.00"), 1, pct("100.00"), 0),
        ("PBA", 2, 0, 1, pct("50.00"), 1, pct("50.00"), 0),
        ("SENSE", 1, 0, 1, pct("100.00"), 0, pct("0.00"), 0),
        ("TKO", 2, 1, 0, pct("0.00"), 0, pct("0.00"), 1),
        ("HBO", 2, 0, 0, pct("0.00"), 1, pct("50.00"), 1),
        ("total", 8, 1, 2, pct("25.00"), 3, pct("37.50"), 2),
    ]


def test_where_the_2016_cohort_is_now_by_gender(cohorts):
    assert rows(status(cohorts, year=2016, by="gender")) == [
        ("M", 4, 0, 1, pct("25.00"), 2, pct("50.00"), 1),
        ("V", 4, 1, 1, pct("25.00"), 1, pct("25.00"), 1),
        ("X", 0, 0, 0, None, 0, None, 0),
        ("total", 8, 1, 2, pct("25.00"), 3, pct("37.50"), 2),
    ]


def test_where_the_2016_cohort_is_now_by_age_at_the_start(cohorts):
    assert rows(status(cohorts, year=2016, by="age")) == [
        ("-25", 3, 0, 1, pct("33.33"), 2, pct("66.67"), 0),
        ("25-40", 3, 1, 1, pct("33.33"), 0, pct("0.00"), 1),
        ("40-55", 1, 0, 0, pct("0.00"), 1, pct("100.00"), 0),
        ("55+", 1, 0, 0, pct("0.00"), 0, pct("0.00"), 1),
        ("total", 8, 1, 2, pct("25.00"), 3, pct("37.50"), 2),
    ]


def test_the_2017_cohort_with_an_unknown_age(cohorts):
    assert rows(status(cohorts, year=2017, by="age")) == [
        ("-25", 0, 0, 0, None, 0, None, 0),
        ("25-40", 1, 0, 1, pct("100.00"), 0, pct("0.00"), 0),
        ("40-55", 0, 0, 0, None, 0, None, 0),
        ("55+", 0, 0, 0, None, 0, None, 0),
        ("?", 1, 0, 0, pct("0.00"), 1, pct("100.00"), 0),
        ("total", 2, 0, 1, pct("50.00"), 1, pct("50.00"), 0),
    ]


def test_all_start_years_together(cohorts):
    assert rows(status(cohorts, year=None))[-1] == (
        "total", 11, 1, 4, pct("36.36"), 4, pct("36.36"), 2,
    )  # fmt: skip


def test_a_cohort_counts_the_starts_of_its_year_and_the_event_tables_the_ends(cohorts):
    """The question the minister could not answer: of 2016's starters two have a diploma;
    in 2016 itself one diploma was obtained, by someone who started in 2015."""
    assert rows(cohort_diplomas(cohorts, year=2016)) == [
        ("7BSO", 0),
        ("PBA", 1),
        ("SENSE", 1),
        ("TKO", 0),
        ("HBO", 0),
        ("total", 2),
    ]
    assert rows(diplomas(cohorts, year=2016))[-1] == ("total", 1)


def test_a_passed_end_with_a_certificate_of_part_is_no_diploma(cohorts):
    (tko,) = [r for r in rows(cohort_diplomas(cohorts, year=2016, by="type")) if r[0] == "TKO"]
    assert tko == ("TKO", 0)


def test_early_stops_of_the_2016_cohort_with_their_reasons(cohorts):
    assert rows(cohort_early_stops(cohorts, year=2016)) == [
        ("lasting_work", 0),
        ("moved", 1),
        ("illness", 1),
        ("maternity", 0),
        ("other_compelling", 0),
        ("no_valid_reason", 0),
        ("insufficient_progress", 0),
        ("other_vdab", 0),
        ("stopped_employment", 1),
        ("total", 3),
    ]
    assert rows(cohort_early_stops(cohorts, year=2016, by="gender")) == [
        ("M", 2),
        ("V", 1),
        ("X", 0),
        ("total", 3),
    ]


# --- outflow ------------------------------------------------------------------------------
# columns: closed, then at work and % after 3, 6, 9 and 12 months


def test_outflow_of_the_positive_ends_of_the_2016_cohort(cohorts):
    hundred, zero, none = pct("100.00"), pct("0.00"), None
    assert rows(cohort_outflow(cohorts, year=2016, by="type", today=TODAY)) == [
        ("7BSO", 0, 0, none, 0, none, 0, none, 0, none),
        ("PBA", 1, 1, hundred, 1, hundred, 0, zero, 1, hundred),
        ("SENSE", 1, 0, zero, 1, hundred, 1, hundred, 1, hundred),
        ("TKO", 1, 0, zero, 0, zero, 0, zero, 1, hundred),
        ("HBO", 1, 1, hundred, 1, hundred, 1, hundred, 0, zero),
        ("total", 4, 2, pct("50.00"), 3, pct("75.00"), 2, pct("50.00"), 3, pct("75.00")),
    ]


def test_outflow_of_the_2017_cohort_is_not_yet_due_after_3_months(cohorts):
    total = rows(cohort_outflow(cohorts, year=2017, by="type", today=TODAY))[-1]
    assert total == ("total", 1, 1, pct("100.00"), *[NOT_DUE] * 6)


# --- the start years side by side ---------------------------------------------------------
# started, persons, in training, diploma, %, stopped, %, otherwise, due, at work 12m, %


def test_trend_puts_the_start_years_side_by_side(cohorts):
    assert rows(trend(cohorts, today=TODAY)) == [
        ("2015", 1, 1, 0, 1, pct("100.00"), 0, pct("0.00"), 0, 1, 1, pct("100.00")),
        ("2016", 8, 7, 1, 2, pct("25.00"), 3, pct("37.50"), 2, 4, 3, pct("75.00")),
        ("2017", 2, 2, 0, 1, pct("50.00"), 1, pct("50.00"), 0, 0, 0, None),
        ("total", 11, 10, 1, 4, pct("36.36"), 4, pct("36.36"), 2, 5, 4, pct("80.00")),
    ]


def test_trend_fills_a_year_without_starts_and_has_no_rows_without_any():
    ended(okot=OkotType.PBA, start="2016-09-01", end="2017-06-30", result=EndResult.FAILED)
    referral(okot=OkotType.PBA, start="2018-09-01")

    assert [r[:2] for r in rows(trend(Referral.objects.all(), today=TODAY))] == [
        ("2016", 1),
        ("2017", 0),
        ("2018", 1),
        ("total", 2),
    ]
    assert rows(trend(Referral.objects.none(), today=TODAY)) == [
        ("total", 0, 0, 0, 0, None, 0, None, 0, 0, 0, None)
    ]


def test_trend_counts_a_person_who_started_in_two_years_once_in_the_total():
    person = client()
    referral(okot=OkotType.PBA, person=person, start="2016-09-01")
    referral(okot=OkotType.HBO, person=person, start="2017-09-01")
    referral(okot=OkotType.PBA, start="2017-10-02")

    assert [r[:3] for r in rows(trend(Referral.objects.all(), today=TODAY))] == [
        ("2016", 1, 1),
        ("2017", 2, 2),
        ("total", 3, 2),
    ]


def test_trend_counts_the_12_month_check_up_from_the_day_it_is_due():
    """Due on the day 12 months after the end (as the reminders count): at work counts
    then, and not a day before, whatever was recorded early."""
    ended(
        okot=OkotType.PBA, start="2024-09-01", end="2025-11-25", result=EndResult.PASSED,
        checks={12: YES},
    )  # fmt: skip
    ended(
        okot=OkotType.PBA, start="2024-09-01", end="2025-11-26", result=EndResult.PASSED,
        checks={12: YES},
    )  # fmt: skip

    assert rows(trend(Referral.objects.all(), today=TODAY))[0][9:] == (1, 1, pct("100.00"))


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [
        (D(2026, 11, 25), 12, D(2025, 11, 25)),
        (D(2025, 2, 28), 12, D(2024, 2, 29)),  # an end on 29 Feb is due on 28 Feb
        (D(2024, 2, 28), 12, D(2023, 2, 28)),
        (D(2024, 2, 29), 12, D(2023, 2, 28)),
        (D(2026, 3, 30), 1, D(2026, 2, 28)),
        (D(2026, 3, 31), 1, D(2026, 2, 28)),
        (D(2026, 1, 15), 3, D(2025, 10, 15)),
    ],
)
def test_last_end_due_agrees_with_the_check_up_dates(today, months, expected):
    assert last_end_due(today, months) == expected
    assert add_months(expected, months) <= today
    assert add_months(expected + datetime.timedelta(days=1), months) > today
