"""`pytest --clock MOMENT` (tests/clock.py): each named moment is the next of its kind, and is
what its name says in Brussels."""

import datetime
import zoneinfo

import pytest

from tests.clock import moment

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
TODAY = datetime.date(2026, 12, 6)


def in_brussels(at: datetime.datetime) -> datetime.datetime:
    return at.astimezone(BRUSSELS)


def test_new_years_night_is_a_new_year_in_brussels_and_not_in_utc():
    at = moment("new-year", TODAY)
    assert at.date() == datetime.date(2026, 12, 31)
    assert in_brussels(at).date() == datetime.date(2027, 1, 1)


def test_the_spring_change_is_minutes_before_the_hour_the_clocks_skip():
    at = moment("spring", TODAY)
    assert in_brussels(at).replace(tzinfo=None) == datetime.datetime(2027, 3, 28, 1, 57)
    assert in_brussels(at + datetime.timedelta(minutes=5)).hour == 3


def test_the_autumn_change_is_in_the_hour_that_comes_twice():
    at = moment("autumn", TODAY)
    assert in_brussels(at).replace(tzinfo=None) == datetime.datetime(2027, 10, 31, 2, 57)
    assert in_brussels(at + datetime.timedelta(hours=1)).replace(tzinfo=None) == (
        datetime.datetime(2027, 10, 31, 2, 57)
    )


@pytest.mark.parametrize(
    ("today", "leap_day"),
    [(TODAY, datetime.date(2028, 2, 29)), (datetime.date(2028, 3, 1), datetime.date(2032, 2, 29))],
)
def test_the_leap_day_is_the_next_one(today, leap_day):
    assert moment("leap-day", today).date() == leap_day


def test_a_moment_written_out_is_taken_as_written():
    assert moment("2027-06-01T10:00:00+00:00", TODAY) == datetime.datetime(
        2027, 6, 1, 10, tzinfo=datetime.UTC
    )
