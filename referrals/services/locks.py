"""Holding a referral's or a client's row until the end of the transaction, so that the
steps and the services that change what they check take turns: one fixed statement per
lock, and the client's temporary work experiences read once under theirs."""

import contextlib
import functools
from collections.abc import Iterator

from django.db import connections, models, router
from django.db.transaction import TransactionManagementError

from ..models import Client, Referral, TemporaryWorkExperience
from ..models.statements import objects_where


def lock_row(model: type[models.Model], pk: int) -> None:
    """Hold the row of `model` keyed `pk` until the end of the transaction (PostgreSQL;
    SQLite writes one at a time anyway). One fixed statement (`_lock_statement`): Django
    took longer building the ORM's query than the database took answering it."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.features.has_select_for_update and connection.get_autocommit():
        # As the ORM's select_for_update: outside a transaction it would lock nothing.
        raise TransactionManagementError("lock_row cannot be used outside of a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(_lock_statement(alias, model), [pk])


@functools.cache
def _lock_statement(alias: str, model: type[models.Model]) -> str:
    """`lock_row`'s statement, from the model's table: only its own row is locked."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    key, table = qn(model._meta.pk.column), qn(model._meta.db_table)
    lock = connection.features.has_select_for_update
    # Names from the model, the key as a parameter.
    return f"SELECT {key} FROM {table} WHERE {key} = %s" + (  # noqa: S608
        f" {connection.ops.for_update_sql()}" if lock else ""
    )


def lock_referral(referral_id: int) -> None:
    """Hold the referral's row (only its own: a training is many referrals') until the end
    of the transaction, before the rows that hang from it, as the interruption services do
    (`interruptions._locked`)."""
    lock_row(Referral, referral_id)


def lock_client(client_id: int) -> None:
    """Hold the client's row until the end of the transaction: the steps that check the
    client's temporary work experiences (agree, start: `client_locked`) and the client's
    save that records them (`client_save`) take turns, and so do the changes of a
    client's consent (`consents`)."""
    lock_row(Client, client_id)


@contextlib.contextmanager
def client_locked(referral: Referral) -> Iterator[None]:
    """Hold the client's row (`lock_client`), then read the client and their temporary
    work experiences once for every check inside the block
    (`Client.temporary_work_experiences_read`).

    In two statements: read in the lock's own, they would be as they were before the lock
    was granted (PostgreSQL reads a statement's rows as they were when it began), without
    the one the client's save held the lock to record. The second is a fixed statement
    (`models.statements`)."""
    lock_client(referral.client_id)
    client = referral.client
    alias = router.db_for_write(TemporaryWorkExperience, instance=client)
    read = objects_where(
        TemporaryWorkExperience, alias, ("client",), ("start_date", "pk"), [client.pk]
    )
    for experience in read:
        experience.client = client  # as the related manager would
    with client.temporary_work_experiences_read(read):
        yield
