"""The databases' settings (config/database.py): PostgreSQL planned as the application's
queries need, and DATABASE_REPLICA_URL's read replica for the figures."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.fresh_process import printed_after_setup
from tests.notifications.integration.processes import wait_for

# The options every PostgreSQL connection is given before DATABASE_URL's own.
OURS = (
    "-c jit=off -c random_page_cost=1.1 -c client_connection_check_interval=10s"
    " -c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"
    " -c tcp_user_timeout=60000"
)


@pytest.mark.django_db
def test_postgresql_runs_with_the_planner_settings():
    """Without JIT (it compiled Mijn werk's counts for longer than it took to read them) and
    random reads costed as for SSDs (the counsellor's search read the index of all of
    Flanders, not the region's), before any options DATABASE_URL gives, which may set
    either otherwise (PostgreSQL takes the last); SQLite has no such option."""
    from django.db import connection

    from config.database import KEEPALIVES, database

    assert database("postgres://okot@db:5432/okot")["OPTIONS"] == {"options": OURS, **KEEPALIVES}
    given = database("postgres://okot@db/okot?sslmode=require&options=-c%20lock_timeout%3D5s")
    assert given["OPTIONS"] == {
        "sslmode": "require",
        "options": f"{OURS} -c lock_timeout=5s",
        **KEEPALIVES,
    }
    own = database("postgres://okot@db/okot?options=-c%20Random-Page-Cost%3D4")
    assert own["OPTIONS"] == {"options": f"{OURS} -c Random-Page-Cost=4", **KEEPALIVES}
    assert "options" not in database("sqlite:///okot.sqlite3").get("OPTIONS", {})
    if connection.vendor == "postgresql":  # the suite's own connection, on its PostgreSQL run
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",)
            cursor.execute("SHOW random_page_cost")
            assert cursor.fetchone() == ("1.1",)
        # The URL's own setting is the one PostgreSQL keeps, however it is spelled.
        params = {**connection.get_connection_params(), "options": own["OPTIONS"]["options"]}
        with connection.get_new_connection(params) as other:
            assert other.execute("SHOW random_page_cost").fetchone() == ("4",)
            assert other.execute("SHOW jit").fetchone() == ("off",)


QUERY_OF_A_CLIENT_THAT_DIES = """
import json, os, psycopg
params = json.loads(os.environ["PARAMS"])
with psycopg.connect(**params, application_name=os.environ["NAME"]) as connection:
    connection.execute("SELECT pg_sleep(60)")
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own check")
@pytest.mark.django_db
def test_the_query_of_a_client_that_died_is_cancelled_within_seconds():
    """A process that dies mid-query (a web worker gunicorn killed at its timeout) closes
    its connection, but PostgreSQL notices only when it sends the result: with the
    application's `client_connection_check_interval` it looks every ten seconds, and ends
    the query (on the suite's own connection settings)."""
    name = f"okot-gone-client-{os.getpid()}"
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if isinstance(value, str | int) and key != "prepare_threshold"
    }
    assert "-c client_connection_check_interval=10s" in params["options"]
    client = subprocess.Popen(  # noqa: S603 - our own interpreter and script, no shell
        [sys.executable, "-c", QUERY_OF_A_CLIENT_THAT_DIES],
        env={**os.environ, "PARAMS": json.dumps(params), "NAME": name},
    )

    def running() -> bool:
        with connection.cursor() as cursor:
            # The activity as it is now, not as this transaction (the test's) first read it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                " AND state = 'active'",
                [name],
            )
            return bool(cursor.fetchone()[0])

    try:
        wait_for(running, 20, what="the client's query")
    finally:
        client.kill()
        client.wait(timeout=10)
    killed = time.monotonic()
    try:
        wait_for(lambda: not running(), 20, what="the query of the client killed to end")
        assert time.monotonic() - killed < 12
    finally:  # nothing left on the test database, whatever the outcome
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s",
                [name],
            )


@pytest.mark.django_db
def test_a_server_gone_silent_is_found_out_within_a_minute():
    """TCP keepalives and a user timeout on every connection to PostgreSQL (a host that
    died, or an address a failover moved), unless DATABASE_URL sets its own; the suite's
    own connection on its PostgreSQL run has them on its socket."""
    from config.database import database

    options = database("postgres://okot@db/okot")["OPTIONS"]
    assert (options["keepalives_idle"], options["keepalives_interval"]) == (30, 10)
    assert (options["keepalives_count"], options["tcp_user_timeout"]) == (3, 60_000)
    own = database("postgres://okot@db/okot?keepalives_idle=300&tcp_user_timeout=0")["OPTIONS"]
    assert (own["keepalives_idle"], own["tcp_user_timeout"]) == (300, 0)
    assert "keepalives_idle" not in database("sqlite:///okot.sqlite3").get("OPTIONS", {})
    host = connection.settings_dict["HOST"]
    if connection.vendor != "postgresql" or not host or host.startswith("/"):
        return  # SQLite, or a Unix socket, where TCP's settings do not apply
    connection.ensure_connection()
    fd = connection.connection.pgconn.socket
    with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as ours:  # a duplicate
        assert ours.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert ours.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
        assert ours.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 10
        assert ours.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
        assert ours.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 60_000


@pytest.mark.django_db
def test_a_client_gone_silent_is_found_out_by_the_server_within_a_minute():
    """The server's end of the same, sent as settings of each session: a client host that
    died while its session was idle (an import's worker between two statements) lets go of
    what the session held (the import's lock) within about a minute."""
    host = connection.settings_dict["HOST"]
    if connection.vendor != "postgresql" or not host or host.startswith("/"):
        return  # SQLite, or a Unix socket, where the server has no TCP settings
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('tcp_keepalives_idle'),"
            " current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count'),"
            " current_setting('tcp_user_timeout')"
        )
        assert cursor.fetchone() == ("30", "10", "3", "60000")


def test_a_read_replica_is_a_postgresql_standby_that_the_tests_mirror():
    """DATABASE_REPLICA_URL's database (referrals.reports.replica): planned as the primary,
    given up on in two seconds unless the URL says otherwise, the primary itself in the
    tests, and PostgreSQL of a PostgreSQL primary or nothing (a standby replays its log)."""
    from django.core.exceptions import ImproperlyConfigured

    from config.database import KEEPALIVES, database, replica

    primary = database("postgres://okot@db:5432/okot")
    config = replica("postgres://okot@replica:5432/okot", primary)
    assert config["OPTIONS"] == {
        "options": OURS,
        **KEEPALIVES,
        "connect_timeout": 2,
    }
    assert config["TEST"] == {"MIRROR": "default"}
    given = replica("postgres://okot@replica/okot?connect_timeout=9", primary)
    assert given["OPTIONS"]["connect_timeout"] == 9
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        replica("sqlite:///okot.sqlite3", primary)
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        replica("postgres://okot@replica/okot", database("sqlite:///okot.sqlite3"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "default ['default']"),
        ("postgres://okot@replica/okot", "replica ['default', 'replica']"),
    ],
)
def test_the_figures_are_counted_on_the_replica_when_there_is_one(url, expected):
    code = (
        "from django.conf import settings as s; print(s.OKOT_FIGURES_DATABASE, sorted(s.DATABASES))"
    )

    printed = printed_after_setup(
        "config.settings.production",
        code,
        DATABASE_URL="postgres://okot@db/okot",
        DATABASE_REPLICA_URL=url,
    )

    assert printed == expected
