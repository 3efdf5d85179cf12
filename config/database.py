"""`settings.DATABASES` from DATABASE_URL, and DATABASE_REPLICA_URL's read replica."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

LOCAL_SQLITE = Path(__file__).resolve().parent.parent / "db.sqlite3"

# PostgreSQL's planner settings for every connection of the application, before any
# `options` DATABASE_URL gives, which may set them otherwise (the last of a setting wins:
# `?options=-c%20random_page_cost%3D4`). Sent by the client, they outrank postgresql.conf
# and ALTER DATABASE; psql plans the application's queries alike after `SET jit = off;
# SET random_page_cost = 1.1;`.
# - without JIT: a query the planner thinks costly (Mijn werk's counts at a million
#   referrals) spent a few hundred milliseconds compiling before reading a few thousand rows;
# - a random read of a page costed as about one read in order (`random_page_cost` 1.1, as
#   for SSDs, where PostgreSQL's default 4 is that of a spinning disk). At 4, the rows of
#   an index whose order follows the table's are costed as read in order, and those of any
#   other index as read at random: a counsellor's list, searched, walked the index of all of
#   Flanders in its order and dropped the other regions' rows (60,000 rows read for 51
#   shown), not the region's own index in the same order. `make bench` with 1.1, beside a
#   run with 4: that search 89 -> 32 ms for its query, the counsellor's figures 196 -> 72 ms,
#   no page slower (docs/performance.md).
PLANNER = {"jit": "off", "random_page_cost": "1.1"}
# And, sent the same way, that PostgreSQL look every ten seconds whether the client of a query
# still running is there: a process that died mid-query (a web worker gunicorn killed at its
# timeout, a Celery task past its time limit) closed its connection, but PostgreSQL notices
# only when it sends the result, and went on reading a million rows for nobody, as often as
# the user asked again. Measured: a query whose client was killed still ran 5 s later;
# with the check, it was gone. PostgreSQL 14 or newer on Linux, 15 on macOS or a BSD (a server
# on Windows refuses it: DATABASE_URL's `options` may set it to 0).
# And the server's TCP keepalives and user timeout (KEEPALIVES' below, on the server's end):
# a client whose host died without closing its socket, its session idle between two queries
# or in a transaction, is found out within about a minute rather than the server's operating
# system's two hours, and what the session held is let go of (its row locks, the advisory
# lock of the import it was running: `referrals.imports.jobs`).
GONE_CLIENT_CHECK = {
    "client_connection_check_interval": "10s",
    "tcp_keepalives_idle": "30",
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "60000",
}

# libpq's TCP settings for every connection to PostgreSQL, unless DATABASE_URL gives its own: a
# server that is gone without closing its sockets (a host that died, an address a failover
# moved elsewhere) is found out within about a minute, where the operating system's defaults
# take two hours for a connection waiting on an answer (keepalives) and some fifteen minutes
# for one whose query was never acknowledged (retransmissions: `tcp_user_timeout`, ms).
# Meanwhile a web request hung until gunicorn's timeout, and a Celery task without a time
# limit of its own (an e-mail, the reminders, a count of figures) for as long. A query that
# runs for long is not cut off: the server's kernel answers the probes however long the query
# takes. Ignored over a Unix socket.
KEEPALIVES = {
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}


def database(url: str | None) -> dict:
    """The database of DATABASE_URL (SQLite's file by default), on PostgreSQL with PLANNER's
    and GONE_CLIENT_CHECK's settings, then any `options` the URL gives, and KEEPALIVES unless
    it gives them."""
    config = dj_database_url.parse(
        url or f"sqlite:///{LOCAL_SQLITE}", conn_max_age=60, conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        ours = [f"-c {name}={value}" for name, value in {**PLANNER, **GONE_CLIENT_CHECK}.items()]
        options["options"] = " ".join([*ours, options.get("options", "")]).strip()
        for name, value in KEEPALIVES.items():
            options.setdefault(name, value)
    return config


def replica(url: str, primary: dict) -> dict:
    """The read replica of DATABASE_REPLICA_URL, a streaming standby of the `primary`'s
    PostgreSQL (referrals.reports.replica): as `database`, a mirror of the primary in the
    tests, and given up on in two seconds (libpq's least) when it cannot be reached, not
    after TCP's minutes."""
    config = database(url)
    postgresql = "django.db.backends.postgresql"
    if config["ENGINE"] != postgresql or primary["ENGINE"] != postgresql:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must name a PostgreSQL standby of DATABASE_URL's PostgreSQL."
        )
    config["OPTIONS"].setdefault("connect_timeout", 2)
    return {**config, "TEST": {"MIRROR": "default"}}
