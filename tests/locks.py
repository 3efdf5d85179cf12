"""Row locks watched from other connections (PostgreSQL: SQLite locks no rows), for the tests
of who holds what while a step runs. Each helper's thread has its own connection, closed when
it is done; the rows it reads must be committed (`django_db(transaction=True)`)."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, transaction
from psycopg.errors import LockNotAvailable

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks no rows")


def locked_elsewhere(model, pk: int) -> bool:
    """Whether another connection finds the row of `model` keyed `pk` locked (any other
    error is raised, not taken for a lock)."""
    found: list[bool | Exception] = []

    def probe() -> None:
        try:
            with transaction.atomic():
                list(model.objects.select_for_update(nowait=True).filter(pk=pk))
            found.append(False)
        except OperationalError as error:
            locked = isinstance(error.__cause__, LockNotAvailable)  # NOWAIT on a locked row
            found.append(True if locked else error)

    in_thread(probe).join(timeout=30)
    if isinstance(found[0], Exception):
        raise found[0]
    return found[0]


def in_thread(work: Callable[[], None]) -> threading.Thread:
    """`work` started in a thread of its own, on a connection of its own."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@contextmanager
def held(model, pk: int, then: Callable[[], None] = lambda: None) -> Iterator[None]:
    """The row locked by another connection, which does `then` in the same transaction
    (records something, as whoever holds the lock would) and commits as the block ends."""
    locked, release = threading.Event(), threading.Event()
    failed: list[Exception] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                list(model.objects.select_for_update().filter(pk=pk))
                then()
                locked.set()
                release.wait(timeout=30)
        except Exception as error:
            failed.append(error)
            raise
        finally:
            locked.set()

    holder = in_thread(hold)
    try:
        assert locked.wait(timeout=30), "The row was never locked."
        if failed:
            raise failed[0]
        yield
    finally:
        release.set()
        holder.join(timeout=30)


def wait_until_one_waits() -> None:
    """Until another connection to this database waits for a lock; about ten seconds at
    most."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("Nothing waited for a lock.")


@contextmanager
def advisory_lock_held(*keys: int) -> Iterator[threading.Event]:
    """PostgreSQL's advisory lock of `keys` held by another connection's session until the
    block ends, or until the event it gives is set."""
    locked, release = threading.Event(), threading.Event()

    placeholders = ", ".join(["%s"] * len(keys))

    def hold() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_lock({placeholders})", keys)
            locked.set()
            release.wait(timeout=60)
            cursor.execute(f"SELECT pg_advisory_unlock({placeholders})", keys)

    holder = in_thread(hold)
    try:
        assert locked.wait(timeout=30), "The lock was never taken."
        yield release
    finally:
        release.set()
        holder.join(timeout=30)


def advisory_lock_free(*keys: int) -> bool:
    """Whether another connection can take PostgreSQL's advisory lock of `keys` at once
    (it lets go of it again)."""
    found: list[bool] = []
    placeholders = ", ".join(["%s"] * len(keys))

    def probe() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_try_advisory_lock({placeholders})", keys)
            found.append(cursor.fetchone()[0])
            if found[0]:
                cursor.execute(f"SELECT pg_advisory_unlock({placeholders})", keys)

    in_thread(probe).join(timeout=30)
    return found[0]
