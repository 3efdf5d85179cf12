"""What `bench_step` times: each step's service, as the referral page and the API run it,
against a bare transaction with the same writes.

The service (`referrals.steps.STEPS[name].service`) is called on a referral loaded as the
referral page loads it, by a user read afresh as a request reads one; it runs in its own
transaction, which commits, with the history line, the e-mails' and the webhooks' outbox
rows written in it. Only the hand-off of those rows to the broker after commit is left out
(it publishes to Redis, not to the database; `make bench-notify` measures delivery): the
enqueue functions are replaced by nothing while the benchmark runs.

The bare transaction is measured right after, on the referral's twin (in the same state,
with the same dates): what the service wrote is read back from the database and written
again for the twin by hand, in one transaction that commits: the same UPDATE of the
referral row (the same columns, the same values, the same WHERE on id and state), and for
each table that got rows one multi-row INSERT of the same rows (the unique keys made new).
Any write the mirror cannot copy (a table it does not know, an UPDATE of another table)
stops the benchmark rather than make the comparison lie.

Both commit, rather than roll back after timing: a step's cost includes its COMMIT (the
WAL flushed to disk), and every call acts on a row of its own, as requests do, instead of
hitting one row whose pages stay hot. Queries are the statements sent, as Django's
assertNumQueries counts them (savepoints included; BEGIN and COMMIT are not statements
there and are in neither count)."""

import re
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from unittest import mock

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, models, transaction

from notifications.models import Notification
from referrals.benchmarks import percentile
from referrals.models import Referral
from referrals.steps import STEPS
from webhooks.models import Delivery

from .step_subjects import Cast, arguments

WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Figures:
    """One step's runs: seconds and statements per call, of the service and of the bare
    transaction, and the rows a call wrote, by table."""

    service: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    service_queries: list[int] = field(default_factory=list)
    # Of `service`, the seconds spent waiting on the database (its statements and its
    # COMMIT); the rest is Python.
    service_sql: list[float] = field(default_factory=list)
    bare_queries: list[int] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)
    # What the service's last call sent, in order (`bench_step --statements`).
    statements: list[str] = field(default_factory=list)

    @staticmethod
    def median_ms(runs: list[float]) -> float:
        return statistics.median(runs) * 1000

    @staticmethod
    def p95_ms(runs: list[float]) -> float:
        return percentile(runs, 0.95) * 1000

    @property
    def ratio(self) -> float:
        return statistics.median(self.service) / statistics.median(self.bare)


class Statements:
    """Counts the statements sent through Django's connection, and the tables they write."""

    def __init__(self):
        self.count = 0
        self.writes: list[tuple[str, str]] = []
        self.sql: list[str] = []
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.sql.append(sql)
        if found := WRITE.match(sql):
            self.writes.append((found[1].upper(), found[2]))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def counted():
    statements = Statements()
    return statements, connection.execute_wrapper(statements)


def timed_commit(statements: Statements):
    """The COMMIT's wait added to `statements.seconds` (not a statement: it does not go
    through the execute wrappers)."""
    commit = connection._commit

    def timed():
        started = time.perf_counter()
        try:
            return commit()
        finally:
            statements.seconds += time.perf_counter() - started

    return mock.patch.object(connection, "_commit", timed)


def without_broker():
    """The e-mails' and webhooks' hand-off after commit, replaced by nothing."""
    return [
        mock.patch("notifications.tasks.enqueue", lambda ids: None),
        mock.patch("webhooks.tasks.enqueue", lambda ids: None),
    ]


# --- what a referral's step writes, and the same for its twin -------------------------------


def referral_tables() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to a referral (the many-to-many tables too), and the
    key's column: where a step's rows go."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for each in model._meta.concrete_fields:
            if each.is_relation and each.related_model is Referral and each.many_to_one:
                found.append((model, each.attname))
    return found


# Unique values a copied row cannot keep, and how the bare transaction makes them new.
FRESH = {
    (Notification, "idempotency_key"): lambda value, tag: f"{tag}:{value}"[:200],
    (Delivery, "event_id"): lambda value, tag: uuid.uuid5(uuid.NAMESPACE_URL, f"{tag}:{value}"),
}


class Mirror:
    """The writes of a step on `subject`, read back from the database, as statements that
    make the same writes on `twin`."""

    def __init__(self, subject: int):
        self.subject = subject
        self.tables = referral_tables()
        self.columns = [f.attname for f in Referral._meta.concrete_fields]
        self.before = self._row()
        self.existing = {
            model: set(model._default_manager.filter(**{key: subject}).values_list("pk", flat=True))
            for model, key in self.tables
        }

    def _row(self) -> dict:
        return Referral.objects.filter(pk=self.subject).values(*self.columns).get()

    def check(self, writes: list[tuple[str, str]]) -> None:
        known = {model._meta.db_table for model, _key in self.tables}
        for verb, table in writes:
            update = verb == "UPDATE" and table == Referral._meta.db_table
            if not update and not (verb == "INSERT INTO" and table in known):
                raise CommandError(f"The bare transaction does not mirror {verb} {table}.")

    def statements(self, twin: int, tag: str) -> tuple[list, Counter]:
        """The statements for `twin`, and the rows they write by table."""
        after = self._row()
        changed = [c for c in self.columns if after[c] != self.before[c]]
        qn = connection.ops.quote_name
        fields = {f.attname: f for f in Referral._meta.concrete_fields}
        # Names from the model, values as parameters.
        update = (
            f"UPDATE {qn(Referral._meta.db_table)} SET "  # noqa: S608
            + ", ".join(f"{qn(fields[c].column)} = %s" for c in changed)
            + f" WHERE {qn('id')} = %s AND {qn('state')} = %s",
            [*(fields[c].get_db_prep_save(after[c], connection) for c in changed)]
            + [twin, self.before["state"]],
        )
        statements, rows = [update], Counter({Referral._meta.db_table: 1})
        for model, key in self.tables:
            new = list(
                model._default_manager.filter(**{key: self.subject})
                .exclude(pk__in=self.existing[model])
                .order_by("pk")
                .values()
            )
            if new:
                statements.append(_insert(model, key, new, twin=twin, tag=tag))
                rows[model._meta.db_table] += len(new)
        return statements, rows


def _insert(model, key: str, rows: list[dict], *, twin: int, tag: str):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    _check_unique(model, key)
    qn = connection.ops.quote_name
    params = []
    for row in rows:
        for each in fields:
            value = twin if each.attname == key else row[each.attname]
            if (model, each.attname) in FRESH:
                value = FRESH[model, each.attname](value, tag)
            params.append(each.get_db_prep_save(value, connection))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Names from the model, values as parameters.
    columns = ", ".join(qn(f.column) for f in fields)
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES " + ", ".join(  # noqa: S608
        [one] * len(rows)
    )
    return sql, params


def _check_unique(model, key: str) -> None:
    """Refuse a table whose copied rows would break a unique key the mirror does not renew."""
    uniques = [(f.attname,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    uniques += [
        tuple(model._meta.get_field(name).attname for name in constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields
    ]
    for columns in uniques:
        if key not in columns and not any((model, c) in FRESH for c in columns):
            raise CommandError(f"The bare transaction cannot copy {model.__name__}: {columns}.")


# --- the runs -------------------------------------------------------------------------------


def page_referral(user, pk: int) -> Referral:
    """The referral as its page loads it for a step (`referrals.views._visible_referral`)."""
    return Referral.objects.visible_to(user).with_page_related().get(pk=pk)


def run_step(name: str, cast: Cast, pairs: list[tuple[int, int]], *, warmup: int) -> Figures:
    """Take step `name` on the first referral of each pair through its service, then write
    the same on its twin bare; the first `warmup` pairs untimed."""
    service = STEPS[name].service
    figures = Figures()
    for index, (subject, twin) in enumerate(pairs):
        # A request reads its user afresh; the page's query reads their permissions.
        user = get_user_model().objects.get(pk=cast.actor(name).pk)
        referral = page_referral(user, subject)
        kwargs = arguments(name, cast, referral)
        mirror = Mirror(subject)
        statements, wrapper = counted()
        with wrapper, timed_commit(statements):
            started = time.perf_counter()
            service(referral=referral, user=user, **kwargs)
            took = time.perf_counter() - started
        mirror.check(statements.writes)
        bare, rows = mirror.statements(twin, tag=f"bench-bare:{name}:{twin}")
        bare_statements, wrapper = counted()
        with wrapper:
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                for position, (sql, params) in enumerate(bare):
                    cursor.execute(sql, params)
                    if position == 0 and cursor.rowcount != 1:  # the referral's UPDATE
                        raise CommandError(f"The twin {twin} is not where {name} starts.")
            bare_took = time.perf_counter() - started
        if index < warmup:
            continue
        figures.service.append(took)
        figures.bare.append(bare_took)
        figures.service_queries.append(statements.count)
        figures.service_sql.append(statements.seconds)
        figures.bare_queries.append(bare_statements.count)
        figures.rows = rows
        figures.statements = statements.sql
    return figures
