"""Belgian working days, which the reminders count: weekends and the national public
holidays are not, Good Friday, 11 July and Boxing Day are; counting forward over them, back
again, and the latest day whose reminder is due."""

import datetime

import pytest

from notifications.reminders import (
    add_working_days,
    is_working_day,
    working_days_ago,
    working_days_between,
)

from .reminded import D


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 3, 6), True),  # a Friday
        (D(2026, 3, 7), False),  # Saturday
        (D(2026, 3, 8), False),  # Sunday
        (D(2026, 1, 1), False),  # New Year's Day
        (D(2026, 4, 3), True),  # Good Friday is no public holiday in Belgium
        (D(2026, 4, 6), False),  # Easter Monday
        (D(2026, 5, 1), False),  # Labour Day
        (D(2026, 5, 14), False),  # Ascension Day
        (D(2026, 5, 25), False),  # Whit Monday
        (D(2025, 7, 11), True),  # Flemish community holiday, not a national one (a Friday)
        (D(2025, 7, 21), False),  # National Day (a Monday)
        (D(2025, 8, 15), False),  # Assumption (a Friday)
        (D(2027, 11, 1), False),  # All Saints' Day (a Monday)
        (D(2026, 11, 11), False),  # Armistice Day (a Wednesday)
        (D(2026, 12, 25), False),  # Christmas (a Friday)
        (D(2026, 12, 28), True),  # the Monday after: Boxing Day is no public holiday here
    ],
    ids=str,
)
def test_weekends_and_belgian_public_holidays_are_not_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
        (D(2026, 3, 5), 1, D(2026, 3, 6)),  # Thursday to Friday
        (D(2026, 3, 6), 1, D(2026, 3, 9)),  # Friday over the weekend to Monday
        (D(2026, 3, 7), 1, D(2026, 3, 9)),  # from a Saturday
        (D(2026, 3, 2), 10, D(2026, 3, 16)),  # two full weeks
        (D(2026, 4, 2), 2, D(2026, 4, 7)),  # over Easter: Good Friday counts, Monday not
        (D(2025, 7, 10), 1, D(2025, 7, 11)),  # 11 July is a working day
        (D(2025, 7, 18), 1, D(2025, 7, 22)),  # 21 July is not
        (D(2027, 10, 29), 1, D(2027, 11, 2)),  # All Saints' on a Monday
        (D(2026, 11, 10), 1, D(2026, 11, 12)),  # Armistice Day on a Wednesday
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Christmas on a Friday
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # New Year's Day, into the next year
        (D(2026, 3, 30), 10, D(2026, 4, 14)),  # ten working days over Easter
    ],
    ids=str,
)
def test_add_working_days_skips_weekends_and_public_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 3, 6), D(2026, 3, 9), 1),  # Friday to Monday
        (D(2026, 3, 7), D(2026, 3, 8), 0),  # a weekend
        (D(2026, 3, 9), D(2026, 3, 9), 0),
        (D(2026, 3, 30), D(2026, 4, 14), 10),  # over Easter Monday
        (D(2026, 12, 21), D(2027, 1, 4), 8),  # Christmas and New Year's Day
        (D(2026, 3, 9), D(2026, 3, 6), -1),  # backwards
    ],
    ids=str,
)
def test_working_days_between_counts_after_the_start_up_to_the_end(start, end, expected):
    assert working_days_between(start, end) == expected


def test_working_days_between_undoes_add_working_days_all_year():
    for offset in range(0, 400, 3):
        day = D(2026, 1, 1) + datetime.timedelta(days=offset)
        for days in (1, 5, 10, 15):
            assert working_days_between(day, add_working_days(day, days)) == days


def test_working_days_ago_is_the_latest_day_whose_reminder_is_due():
    # Tuesday 14 April 2026 is ten working days after Monday 30 March (Easter Monday between).
    assert working_days_ago(D(2026, 4, 14), 10) == D(2026, 3, 30)
    assert working_days_ago(D(2026, 4, 13), 10) == D(2026, 3, 29)  # a Sunday: due Monday 13
    assert add_working_days(D(2026, 3, 29), 10) == D(2026, 4, 13)


def test_working_days_are_counted_forward_only():
    with pytest.raises(ValueError, match="forward"):
        add_working_days(D(2026, 3, 2), -1)


def test_working_days_between_counts_what_walking_day_by_day_counts_over_years():
    """It is counted, not walked (the reminders ask it of referrals agreed years ago):
    every end up to three years after a start in each month of 2019 to 2028, and back."""
    for month in range(12 * 10):
        start = D(2019 + month // 12, 1 + month % 12, 1 + month % 28)
        walked = 0
        for offset in range(1, 3 * 366):
            end = start + datetime.timedelta(days=offset)
            walked += is_working_day(end)
            assert working_days_between(start, end) == walked, (start, end)
            assert working_days_between(end, start) == -walked, (end, start)
