"""The figures counted on a read replica (`referrals.reports.replica`): every count of them
reads the replica, nothing else does, and a count waits for the replica to hold what the
primary held when its versions were read, or counts on the primary. The tests' replica is
the database itself (Django's test mirror, `config/settings/test.py`), so the rows a test
writes must be committed for it to see them."""

import datetime
import logging

import pytest
import time_machine
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.models import Referral
from referrals.reports import cache as cache_module
from referrals.reports import replica
from tests.replica import reads_the_replica

from .test_page import URL, counting, started, starts_total

pytestmark = [reads_the_replica, pytest.mark.usefixtures("counted_on_the_replica")]
MARCH = datetime.date(2025, 3, 1)
YEAR = {"year": 2025}
POSITION = "E/F6000060"


@pytest.fixture
def counted_on_the_replica(settings, monkeypatch):
    settings.OKOT_FIGURES_DATABASE = "replica"
    settings.OKOT_FIGURES_REPLICA_WAIT = 2
    monkeypatch.setattr(replica, "_passed_over_until", 0.0)  # no earlier test's trouble
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False):
        yield


class Clock:
    """A `time` that moves on only when told to, or slept on."""

    now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """The replica's clock, which its waits move on instead of sleeping."""
    monkeypatch.setattr(replica, "time", Clock())
    return replica.time


def asked(client, path: str, data=None):
    """The response, and the queries each database ran for it."""
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections["replica"]) as read_replica,
    ):
        response = client.get(path, data)
    assert response.status_code == 200
    return response, primary.captured_queries, read_replica.captured_queries


def figures(response) -> bytes:
    """The figures a page or a download shows: its tables, or the file."""
    if response["Content-Type"].startswith("text/html"):
        html = response.content
        return html[html.index(b"<table") : html.rindex(b"</table>")]
    return response.content


@pytest.mark.parametrize("path", [URL, reverse("referrals:report_export", args=["starts", "csv"])])
def test_the_figures_are_counted_on_the_replica(client, caseworker, ocmw_gent, settings, path):
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    settings.OKOT_FIGURES_DATABASE = DEFAULT_DB_ALIAS
    on_primary, primary_alone, _nothing = asked(client, path, YEAR)
    settings.OKOT_FIGURES_DATABASE = "replica"

    response, primary, read_replica = asked(client, path, YEAR)

    assert counting(read_replica) and len(counting(read_replica)) == len(counting(primary_alone))
    assert counting(primary) == []
    assert all(q["sql"].startswith("SELECT") for q in read_replica)
    assert figures(response) == figures(on_primary)


def test_nothing_but_the_figures_reads_the_replica(client, caseworker, ocmw_gent):
    referral = started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    assert counting(asked(client, URL, YEAR)[2])  # and then, nothing else
    paths = [
        reverse("referrals:dashboard"),
        reverse("referrals:referral_list"),
        reverse("referrals:client_list"),
        reverse("referrals:referral_detail", args=[referral.pk]),
    ]
    for path in paths:
        _response, primary, read_replica = asked(client, path)
        assert primary and read_replica == [], path


def test_a_row_read_in_a_count_is_written_to_the_primary(ocmw_gent):
    referral = started(ocmw_gent, MARCH)
    read = replica.count(lambda: Referral.objects.get(pk=referral.pk))
    assert read._state.db == "replica"

    assert router.db_for_write(Referral, instance=read) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Referral, instance=read) == DEFAULT_DB_ALIAS  # outside a count
    assert router.allow_relation(read, ocmw_gent)


def test_a_count_waits_for_the_replica_to_replay_where_the_primary_stands(
    client, caseworker, ocmw_gent, monkeypatch, clock
):
    """Counted on a replica that had not replayed the last step yet, figures without it
    would be kept under the versions that step gave its scopes."""
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    asked_for = []

    def replayed(alias, position):
        asked_for.append((alias, position, clock.now))
        return len(asked_for) == 3  # behind twice, then there

    monkeypatch.setattr(replica, "primary_position", lambda: POSITION)
    monkeypatch.setattr(replica, "replayed", replayed)

    response, primary, read_replica = asked(client, URL, YEAR)

    assert asked_for == [("replica", POSITION, pytest.approx(n * replica.POLL)) for n in range(3)]
    assert counting(read_replica) and counting(primary) == []
    assert starts_total(response) == "1"


def test_each_count_reads_where_the_primary_stands_after_reading_its_versions(
    client, caseworker, ocmw_gent, settings, monkeypatch
):
    """A step that commits between the two gives its scopes versions the count does not
    know, and figures counted before the replica replayed it are kept under the old ones.
    A count within a count (the start years of a page by start cohort) reads versions of
    its own, and waits again."""
    settings.OKOT_FIGURES_CACHE_SECONDS = 3600
    cache.clear()
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    order = []
    versions, position = cache_module._versions, replica.primary_position

    def read_versions(scopes):
        order.append("versions")
        return versions(scopes)

    def read_position():
        order.append("position")
        return position()

    monkeypatch.setattr(cache_module, "_versions", read_versions)
    monkeypatch.setattr(replica, "primary_position", read_position)

    try:
        asked(client, URL, {"year": 2025, "basis": "cohort"})
    finally:
        cache.clear()

    assert order == ["versions", "position", "versions", "position"]


@pytest.mark.parametrize("trouble", ["behind", "down"])
def test_a_replica_behind_or_down_and_the_figures_are_counted_on_the_primary(
    client, caseworker, ocmw_gent, monkeypatch, caplog, clock, trouble
):
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)

    def replayed(alias, position):
        if trouble == "down":
            raise OperationalError("connection refused")
        return False

    monkeypatch.setattr(replica, "primary_position", lambda: POSITION)
    monkeypatch.setattr(replica, "replayed", replayed)

    with caplog.at_level(logging.WARNING, logger=replica.__name__):
        response, primary, read_replica = asked(client, URL, YEAR)

    assert counting(primary) and read_replica == []
    assert starts_total(response) == "1"
    assert clock.now >= 2 if trouble == "behind" else clock.now == 0
    (warning,) = [record for record in caplog.records if record.name == replica.__name__]
    assert "counting on the primary" in warning.getMessage()


def test_a_replica_in_trouble_is_passed_over_for_a_minute(
    client, caseworker, ocmw_gent, monkeypatch, clock
):
    """The next counts read the primary without waiting for it again; a minute later, it
    is asked again."""
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    asked_for, behind = [], [True]

    def replayed(alias, position):
        asked_for.append(clock.now)
        return not behind[0]

    monkeypatch.setattr(replica, "primary_position", lambda: POSITION)
    monkeypatch.setattr(replica, "replayed", replayed)
    asked(client, URL, YEAR)  # waits its two seconds, then reads the primary
    waited, gave_up_at = len(asked_for), clock.now
    assert gave_up_at >= 2

    clock.now = gave_up_at + replica.PASS_OVER - 1
    _response, primary, read_replica = asked(client, URL, YEAR)
    assert len(asked_for) == waited and counting(primary) and read_replica == []

    clock.now = gave_up_at + replica.PASS_OVER
    behind[0] = False
    _response, primary, read_replica = asked(client, URL, YEAR)
    assert len(asked_for) == waited + 1 and counting(read_replica) and counting(primary) == []


def test_a_replica_that_fails_during_a_count_and_it_is_counted_on_the_primary(
    client, caseworker, ocmw_gent, caplog
):
    """A standby cancels a query that conflicts with what it replays, or restarts."""
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    failed = []

    def conflict(execute, sql, params, many, context):
        if '"referrals_referral"' in sql and not failed:
            failed.append(sql)
            raise OperationalError("canceling statement due to conflict with recovery")
        return execute(sql, params, many, context)

    with (
        caplog.at_level(logging.WARNING, logger=replica.__name__),
        connections["replica"].execute_wrapper(conflict),
    ):
        response, primary, read_replica = asked(client, URL, YEAR)

    assert failed
    assert len(counting(primary)) >= 10
    assert starts_total(response) == "1"
    (warning,) = [record for record in caplog.records if record.name == replica.__name__]
    assert "failed on the replica" in warning.getMessage()


def test_without_a_replica_nothing_waits_for_one(
    client, caseworker, ocmw_gent, settings, monkeypatch
):
    settings.OKOT_FIGURES_DATABASE = DEFAULT_DB_ALIAS
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    monkeypatch.setattr(replica, "primary_position", lambda: pytest.fail("asked the primary"))

    _response, primary, read_replica = asked(client, URL, YEAR)

    assert counting(primary) and read_replica == []


def test_the_primary_and_its_mirror_tell_where_the_log_stands():
    """On PostgreSQL the primary's position, which the mirror (not in recovery: the
    database itself) holds; SQLite has none, and its mirror is caught up at once."""
    position = replica.primary_position()
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        assert "/" in position
        assert replica.replayed("replica", position) is True
    else:
        assert position is None
    assert replica.caught_up("replica") is True
    assert replica.behind("replica") == 0


@pytest.mark.parametrize(
    ("inserting_at", "record_end"),
    [
        ("E/FA000028", "E/FA000000"),  # past a segment's header: the segment's start
        ("0/3002018", "0/3002000"),  # past a page's header: the page's start
        ("0/3002020", "0/3002020"),  # within a page
        ("0/3001FF8", "0/3001FF8"),
    ],
)
def test_the_primary_stands_where_its_last_record_ends(inserting_at, record_end):
    """Where a standby's replay ends once it has replayed it: an idle primary's next record
    goes past the header of a new segment, and a standby that had replayed everything
    would be waited for in vain."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        assert replica.primary_position() is None
        return
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(replica.RECORD_END.format(lsn="%s::pg_lsn"), [inserting_at])
        assert cursor.fetchone()[0] == record_end


def test_a_count_within_a_count_on_the_primary_does_not_wait_again(
    client, caseworker, ocmw_gent, monkeypatch, clock
):
    """A page by start cohort counts its start years within its own count: with the
    replica behind, the page waits once, and both are counted on the primary."""
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    monkeypatch.setattr(replica, "primary_position", lambda: POSITION)
    monkeypatch.setattr(replica, "replayed", lambda alias, position: False)

    _response, primary, read_replica = asked(client, URL, {"year": 2025, "basis": "cohort"})

    assert clock.now == pytest.approx(2)
    assert counting(primary) and read_replica == []


def test_the_wait_for_the_replica_does_not_make_figures_slow_to_count(
    client, caseworker, ocmw_gent, settings, monkeypatch
):
    """Figures slow to count are kept through the next day and, after a step, shown as
    counted while counted again; an OCMW's, however long the replica was waited for, show
    the last step at once."""
    settings.OKOT_FIGURES_CACHE_SECONDS = 3600
    settings.OKOT_FIGURES_SLOW_SECONDS = 1
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)

    clock, kept = Clock(), []  # the cache's, which only the wait for the replica moves on

    def caught_up_after_a_while(alias):
        clock.now += 1.5
        return True

    def keep(key, value, *args, **kwargs):
        kept.append(value)

    monkeypatch.setattr(cache_module, "time", clock)
    monkeypatch.setattr(replica, "caught_up", caught_up_after_a_while)
    monkeypatch.setattr(cache_module.cache, "set", keep)

    asked(client, URL, YEAR)

    (figures_kept,) = kept
    assert clock.now == 1.5
    assert figures_kept.slow is False


def test_the_replica_is_never_migrated_nor_checked_for_migrations():
    assert router.allow_migrate("replica", "referrals") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "referrals") is True
