"""Belgian working days: no weekends, no national public holidays (11 July, the Flemish
community's holiday, is not one of them). The overdue work (`models.querysets`) and the
reminders (`notifications.reminders`) count with them."""

import datetime
import functools

import holidays


@functools.cache
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.Belgium(years=year))


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday, and not a Belgian public holiday."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `day` (which itself does not count)."""
    if days < 0:
        raise ValueError("Count working days forward only.")
    while days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """The working days after `start` up to and including `end` (negative if `end` is
    earlier), so that `working_days_between(d, add_working_days(d, n)) == n`.

    Counted, not walked: the reminders ask it of referrals agreed years ago, tens of
    thousands a morning at the scale of Flanders."""
    if end < start:
        return -working_days_between(end, start)
    holidays_between = sum(
        start < day <= end and day.weekday() < 5
        for year in range(start.year, end.year + 1)
        for day in _public_holidays(year)
    )
    return _weekdays_through(end) - _weekdays_through(start) - holidays_between


def _weekdays_through(day: datetime.date) -> int:
    """The Mondays to Fridays from 1 January of the year 1 (a Monday) up to `day`."""
    weeks, days = divmod(day.toordinal(), 7)
    return 5 * weeks + min(days, 5)


def working_days_ago(today: datetime.date, days: int) -> datetime.date:
    """The latest date from which `days` working days have passed by `today`."""
    day = today
    while add_working_days(day, days) > today:
        day -= datetime.timedelta(days=1)
    return day
