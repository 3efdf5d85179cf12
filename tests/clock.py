"""`pytest --clock MOMENT`: the whole suite with the clock moved (`time_machine`, ticking), to
find the tests and the code that hold only at some hours. A moment is a time in ISO 8601 or
one of `MOMENTS`, the next of its kind from today: where Brussels' date is not UTC's, where
the clocks skip or repeat an hour, a day that is not every year's. Run through each with
`make test-clock`.

Found so far: a form refusing a time of the hour the clocks go back (the user admin, 02:xx on
the last Sunday of October), a time taken from now falling in the hour they skip, a year read
in UTC, and a test dated in December 2026."""

import calendar
import datetime

import pytest
import time_machine

UTC = datetime.UTC
MOVED = pytest.StashKey[datetime.datetime]()


def _last_sunday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
    return day - datetime.timedelta(days=(day.weekday() - 6) % 7)


def _leap_day(year: int) -> datetime.datetime | None:
    if calendar.isleap(year):
        return datetime.datetime(year, 2, 29, 10, tzinfo=UTC)
    return None


MOMENTS = {
    # 00:30 on 1 January in Brussels, a holiday, while UTC is still in the old year.
    "new-year": lambda year: datetime.datetime(year, 12, 31, 23, 30, tzinfo=UTC),
    # 01:57 in Brussels, three minutes before the clocks skip from 02:00 to 03:00.
    "spring": lambda year: datetime.datetime.combine(
        _last_sunday(year, 3), datetime.time(0, 57), tzinfo=UTC
    ),
    # 02:57 in Brussels, in the hour that comes twice.
    "autumn": lambda year: datetime.datetime.combine(
        _last_sunday(year, 10), datetime.time(0, 57), tzinfo=UTC
    ),
    "leap-day": _leap_day,
}


def moment(name: str, today: datetime.date) -> datetime.datetime:
    """The moment named, the first of its kind from `today` on, or the time `name` gives."""
    if name not in MOMENTS:
        return datetime.datetime.fromisoformat(name)
    kind = (MOMENTS[name](year) for year in range(today.year, today.year + 9))
    return next(at for at in kind if at is not None and at.date() >= today)


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="MOMENT",
        help=f"Run with the clock moved to MOMENT (ISO 8601, or one of {', '.join(MOMENTS)}).",
    )


def pytest_configure(config):
    name = config.getoption("--clock")
    if name:
        at = moment(name, datetime.date.today())
        time_machine.travel(at, tick=True).start()
        config.stash[MOVED] = at


def pytest_report_header(config):
    if MOVED in config.stash:
        return f"clock moved to {config.stash[MOVED].isoformat()}"
    return None
