"""Row locks watched from other connections (PostgreSQL: SQLite locks no rows), for the tests
of who holds what while a step runs. Each helper's thread has its own connection, closed when
it is done; the rows it reads must be committed (`django_db(transaction=True)`)."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks no rows")


def locked_elsewhere(model, pk: int) -> bool:
    """Whether another connection finds the row of `model` keyed `pk` locked."""
    found: list[bool] = []

    def probe() -> None:
        try:
            with transaction.atomic():
                list(model.objects.select_for_update(nowait=True).filter(pk=pk))
            found.append(False)
        except DatabaseError:
            found.append(True)

    in_thread(probe).join(timeout=30)
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

    def hold() -> None:
        with transaction.atomic():
            list(model.objects.select_for_update().filter(pk=pk))
            then()
            locked.set()
            release.wait(timeout=30)

    holder = in_thread(hold)
    try:
        assert locked.wait(timeout=30), "The row was never locked."
        yield
    finally:
        release.set()
        holder.join(timeout=30)


def wait_until_one_waits() -> None:
    """Until another connection to this database waits for a lock; ten seconds at most."""
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
