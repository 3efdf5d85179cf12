"""The databases' settings (config/database.py): PostgreSQL planned as the application's
queries need, and DATABASE_REPLICA_URL's read replica for the figures."""

import socket

import pytest

from tests.fresh_process import printed_after_setup


@pytest.mark.django_db
def test_postgresql_runs_with_the_planner_settings():
    """Without JIT (it compiled Mijn werk's counts for longer than it took to read them) and
    random reads costed as for SSDs (the counsellor's search read the index of all of
    Flanders, not the region's), before any options DATABASE_URL gives, which may set
    either otherwise (PostgreSQL takes the last); SQLite has no such option."""
    from django.db import connection

    from config.database import KEEPALIVES, database

    ours = "-c jit=off -c random_page_cost=1.1"
    assert database("postgres://okot@db:5432/okot")["OPTIONS"] == {"options": ours, **KEEPALIVES}
    given = database("postgres://okot@db/okot?sslmode=require&options=-c%20lock_timeout%3D5s")
    assert given["OPTIONS"] == {
        "sslmode": "require",
        "options": f"{ours} -c lock_timeout=5s",
        **KEEPALIVES,
    }
    own = database("postgres://okot@db/okot?options=-c%20Random-Page-Cost%3D4")
    assert own["OPTIONS"] == {"options": f"{ours} -c Random-Page-Cost=4", **KEEPALIVES}
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


@pytest.mark.django_db
def test_a_server_gone_silent_is_found_out_within_a_minute():
    """TCP keepalives and a user timeout on every connection to PostgreSQL (a host that
    died, or an address a failover moved), unless DATABASE_URL sets its own; the suite's
    own connection on its PostgreSQL run has them on its socket."""
    from django.db import connection

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


def test_a_read_replica_is_a_postgresql_standby_that_the_tests_mirror():
    """DATABASE_REPLICA_URL's database (referrals.reports.replica): planned as the primary,
    given up on in two seconds unless the URL says otherwise, the primary itself in the
    tests, and PostgreSQL of a PostgreSQL primary or nothing (a standby replays its log)."""
    from django.core.exceptions import ImproperlyConfigured

    from config.database import KEEPALIVES, database, replica

    primary = database("postgres://okot@db:5432/okot")
    config = replica("postgres://okot@replica:5432/okot", primary)
    assert config["OPTIONS"] == {
        "options": "-c jit=off -c random_page_cost=1.1",
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
