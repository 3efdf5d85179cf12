"""`pytest --clock MOMENT`: the suite with the clock moved (`time_machine`, ticking), to find
what holds only at some hours. A moment is one of `MOMENTS`, the next of its kind from
today (where Brussels' date is not UTC's, where the clocks skip or repeat an hour, a day
not every year has), or a time in ISO 8601 with its offset. `make test-clock` runs each.

Only this process's clock moves: a browser, a worker or a server another process runs
keeps the real time, so those tests are deselected. The time zone stays Brussels (travelling
to a timestamp, not to a datetime, which would set the process's `TZ` to its own)."""

import calendar
import datetime

import pytest
import time_machine

UTC = datetime.UTC
MOVED = pytest.StashKey[datetime.datetime]()
OTHER_PROCESSES = ("browser", "integration")


def _last_sunday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month, calendar.monthrange(year, month)[1])
    return day - datetime.timedelta(days=(day.weekday() - 6) % 7)


def _leap_day(year: int) -> datetime.datetime | None:
    return datetime.datetime(year, 2, 29, 10, tzinfo=UTC) if calendar.isleap(year) else None


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
    if name in MOMENTS:
        kind = (MOMENTS[name](year) for year in range(today.year, today.year + 9))
        return next(at for at in kind if at is not None and at.date() >= today)
    try:
        at = datetime.datetime.fromisoformat(name)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise pytest.UsageError(
            f"--clock {name}: give one of {', '.join(MOMENTS)} or an ISO 8601 time with its "
            "offset (2027-06-01T10:00+02:00)."
        )
    return at


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="MOMENT",
        help=f"Run with the clock moved to MOMENT: {', '.join(MOMENTS)}, or an ISO 8601 time "
        "with its offset.",
    )


def pytest_configure(config):
    name = config.getoption("--clock")
    if name:
        at = moment(name, datetime.date.today())
        travel = time_machine.travel(at.timestamp(), tick=True)
        travel.start()
        config.add_cleanup(travel.stop)
        config.stash[MOVED] = at


@pytest.hookimpl(trylast=True)  # after `-m` has deselected them
def pytest_collection_modifyitems(config, items):
    """Deselects the tests whose browser, worker or server keeps the real time."""
    if MOVED not in config.stash:
        return
    elsewhere = [item for item in items if any(map(item.get_closest_marker, OTHER_PROCESSES))]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in elsewhere]


def pytest_report_header(config):
    if MOVED in config.stash:
        return f"clock moved to {config.stash[MOVED].isoformat()}"
    return None
