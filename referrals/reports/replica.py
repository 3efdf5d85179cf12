"""The figures counted on a read replica of PostgreSQL, when there is one.

Counting the figures of all of Flanders, a province or a region takes one to three seconds of
the database's CPU, again after every change: at the scale of Flanders the heaviest load of
the primary. With DATABASE_REPLICA_URL (a streaming standby of DATABASE_URL's PostgreSQL) the
settings name a second database, and every count of the figures page and its downloads
(`cache.remembered`, on a request or by a worker) reads it (`count`, `FiguresRouter`); every
other read and every write stays on the primary.

A standby replays the primary's changes a moment later. Figures are kept under the versions
their scopes had when the count began (`cache`), and a step gives its scopes new versions
once it has committed: counted on a standby that has not replayed that step yet, figures
without it would be kept as if they counted it, until the next change. So each count (a
count within a count too, which read versions of its own) first reads where the primary's
log stands, after its versions were read, and waits until the standby has replayed that
far: some milliseconds. A standby that lags more than OKOT_FIGURES_REPLICA_WAIT seconds, or
does not answer, or fails during the count (a restart; a query cancelled by a conflict with
what it replays), and the figures are counted on the primary, as without one (logged), by
that process for a minute (`PASS_OVER`) before it asks the standby again."""

import contextvars
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

# The database the reads of a count go to; None outside a count.
_reading_from = contextvars.ContextVar("figures_read_from", default=None)
# Seconds between two questions to a standby that has not replayed far enough yet.
POLL = 0.02
# Once a count found the replica behind, out of reach or failing, this process counts on
# the primary for so many seconds without asking it: a standby in trouble costs one count
# its wait (or its two seconds to connect), not every count.
PASS_OVER = 60.0
_passed_over_until = 0.0  # time.monotonic()


class FiguresRouter:
    """Reads within a count (`count`) go to the database it chose, and every other read and
    every write to the primary, also those of a row read on the replica. The replica is the
    primary's copy: migrated (and checked for migrations) only through the primary."""

    def db_for_read(self, model, **hints):
        return _reading_from.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica's rows are the primary's

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None if db == DEFAULT_DB_ALIAS else False


def count(compute: Callable):
    """`compute()`, its reads on the replica (OKOT_FIGURES_DATABASE) once it has replayed
    what the primary holds now (`caught_up`); on the primary without one, or when it lags,
    does not answer or fails during the count, and while it is passed over (`_pass_over`)."""
    alias = settings.OKOT_FIGURES_DATABASE
    # Within a count that reads the primary, so does this one, without waiting again.
    on_primary = alias == DEFAULT_DB_ALIAS or _reading_from.get() == DEFAULT_DB_ALIAS
    if on_primary or time.monotonic() < _passed_over_until or not caught_up(alias):
        return _reading(DEFAULT_DB_ALIAS, compute)
    try:
        return _reading(alias, compute)
    except DatabaseError:
        # Should it have been the primary's, counting again there raises it again.
        _pass_over(alias, "A count of figures failed on the replica", exc_info=True)
        return _reading(DEFAULT_DB_ALIAS, compute)


def _reading(alias: str, compute: Callable):
    token = _reading_from.set(alias)
    try:
        return compute()
    finally:
        _reading_from.reset(token)


def caught_up(alias: str) -> bool:
    """Whether the replica `alias` holds what the primary holds now: it has replayed the
    primary's log up to where it stands now, within OKOT_FIGURES_REPLICA_WAIT seconds. If
    not (or it does not answer), it is passed over for a while (`_pass_over`)."""
    position = primary_position()
    if position is None:
        return True
    wait = settings.OKOT_FIGURES_REPLICA_WAIT
    deadline = time.monotonic() + wait
    try:
        while not replayed(alias, position):
            if time.monotonic() >= deadline:
                _pass_over(alias, f"The figures' replica had not replayed {position} in {wait} s")
                return False
            time.sleep(POLL)
    except DatabaseError:
        _pass_over(alias, "The figures' replica does not answer", exc_info=True)
        return False
    return True


def _pass_over(alias: str, why: str, *, exc_info: bool = False) -> None:
    """Count on the primary, in this process, for the next PASS_OVER seconds."""
    global _passed_over_until  # this process's memory of it, on purpose
    _passed_over_until = time.monotonic() + PASS_OVER
    logger.warning("%s: counting on the primary for %d s.", why, PASS_OVER, exc_info=exc_info)
    connections[alias].close()


# Where the last record of the primary's log ends, from `pg_current_wal_insert_lsn()` (every
# commit is before it, also one `synchronous_commit = off` has not written yet). That is
# where the next record goes, which is past the header of a page (24 bytes) or of a segment
# (40) when the last one ended where it starts; a standby's replay ends at the record's end:
# an idle primary would stay 40 bytes ahead of its standby after each switch of segments.
RECORD_END = """
SELECT (CASE
    WHEN mod(lsn - '0/0', pg_size_bytes(current_setting('wal_segment_size'))) = 40 THEN lsn - 40
    WHEN mod(lsn - '0/0', current_setting('wal_block_size')::numeric) = 24 THEN lsn - 24
    ELSE lsn
END)::text
FROM (SELECT {lsn} AS lsn) AS here
"""


def primary_position() -> str | None:
    """Where the primary's log stands now: where its last record ends (`RECORD_END`); None
    on SQLite, which has no log (nor a replica but a test's mirror of the database
    itself)."""
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        return None
    with primary.cursor() as cursor:
        cursor.execute(RECORD_END.format(lsn="pg_current_wal_insert_lsn()"))
        return cursor.fetchone()[0]


def replayed(alias: str, position: str) -> bool:
    """Whether the database `alias` holds the primary's log up to `position`: a standby
    that has replayed it, or a server not in recovery (the primary itself, or a standby
    promoted to be it)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn",
            [position],
        )
        return bool(cursor.fetchone()[0])


def behind(alias: str) -> int | None:
    """How many bytes of the primary's log, as it stands now, the replica `alias` has not
    replayed yet: 0 for a server not in recovery (or SQLite's mirror); None for a standby
    that has replayed nothing since it started."""
    position = primary_position()
    if position is None:
        return 0
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_is_in_recovery() "
            "THEN pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) ELSE 0 END",
            [position],
        )
        (lag,) = cursor.fetchone()
    return None if lag is None else max(0, int(lag))
