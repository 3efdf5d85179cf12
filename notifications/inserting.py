"""Writing outbox rows that may be there already, in one statement: the e-mails' and the
webhooks' outboxes write each row once however often its event is announced (a unique
key), and need the keys of the rows they did write, to hand them to the worker after
commit.

`INSERT ... ON CONFLICT DO NOTHING RETURNING` does both at once: a row whose unique key
exists already is left out, without an error or a savepoint, and only the rows inserted
come back. Django's `bulk_create(ignore_conflicts=True)` writes the same INSERT but returns
no keys (Django 5.2 asks for them only without a conflict clause, as the rows returned no
longer line up with the rows given), so the statement is written here, in this one place,
from the model's fields as `bulk_create` prepares them. Where the database returns no rows
from an insert (SQLite before 3.35), the rows are looked up before and after instead.

On PostgreSQL, many rows go in as one array a column (`INSERT ... SELECT * FROM
unnest(...)`), a statement whose text is the same for any number of rows, as Django's own
bulk inserts do since 5.2: written as `VALUES`, a reminder to a region's 94 counsellors
(186 rows) was a statement of some 3,500 placeholders, which psycopg parses anew on every
call (12 of the reminder's 56 ms, on the bench fill). Django does so from two rows; here a
few rows, as most steps write, go in as `VALUES`, which PostgreSQL takes sooner
(`ARRAYS_FROM`)."""

from collections.abc import Iterator, Sequence

from django.db import connections, router
from django.db.models import Model, Q

# Rows from which PostgreSQL is given arrays rather than VALUES. Measured on the bench fill,
# the median of 60 inserts of messages each: 2 rows 0.9 ms as VALUES, 1.4 as arrays; 16
# rows 2.4 and 2.3; 94 rows 11.1 and 8.5; 190 rows 20.8 and 14.9.
ARRAYS_FROM = 16


def insert_new(model: type[Model], rows: Sequence[Model], *, unique: Sequence[str]) -> list:
    """Insert `rows` (new instances of `model`) but those whose `unique` fields (attnames
    of a unique constraint) match a row stored already; the rows inserted, in their order,
    with their primary keys."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_rows_from_bulk_insert:
        return _looked_up(model, rows, unique, connection)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    keys = [model._meta.get_field(name) for name in unique]
    by_key = {tuple(getattr(row, f.attname) for f in keys): row for row in rows}
    pk = model._meta.pk
    qn = connection.ops.quote_name
    returning = ", ".join(qn(f.column) for f in [pk, *keys])
    inserted = set()
    with connection.cursor() as cursor:
        for sql, params in _statements(model, fields, rows, connection):
            cursor.execute(f"{sql} ON CONFLICT DO NOTHING RETURNING {returning}", params)
            for pk_value, *key in cursor.fetchall():
                row = by_key[tuple(f.to_python(v) for f, v in zip(keys, key, strict=True))]
                row.pk = pk.to_python(pk_value)
                inserted.add(id(row))
    return [_stored(row, connection.alias) for row in rows if id(row) in inserted]


def _statements(model, fields, rows, connection) -> Iterator[tuple[str, list]]:
    """The INSERTs of `rows` (without their conflict clause), with their parameters: of
    many rows on PostgreSQL one, of an array of values a column; else `VALUES`, as many
    rows a statement as the database takes."""
    qn = connection.ops.quote_name
    # Names from the model, values as parameters.
    head = (
        f"INSERT INTO {qn(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(qn(f.column) for f in fields)})"
    )

    def value(field, row):
        return field.get_db_prep_save(field.pre_save(row, add=True), connection)

    if len(rows) >= ARRAYS_FROM and _as_arrays(fields, connection):
        arrays = ", ".join(f"%s::{_base_type(f, connection)}[]" for f in fields)
        columns = [[value(f, row) for row in rows] for f in fields]
        yield f"{head} SELECT * FROM unnest({arrays})", columns  # noqa: S608
        return
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        yield (
            f"{head} VALUES {', '.join([one_row] * len(batch))}",
            [value(f, row) for row in batch for f in fields],
        )


def _as_arrays(fields, connection) -> bool:
    """Whether PostgreSQL may be given these fields' values as arrays: each field of a type
    the backend knows, with one placeholder for every value. The test Django's PostgreSQL
    backend makes for its own bulk inserts (`SQLInsertCompiler.assemble_as_sql`), which it
    writes as arrays from two rows, the few rows of a step too: that is why the statement
    is not Django's here."""
    return connection.vendor == "postgresql" and all(
        not hasattr(field, "get_placeholder")
        and (field.target_field if field.is_relation else field).get_internal_type()
        in connection.data_types
        for field in fields
    )


def _base_type(field, connection) -> str:
    """The column's type without its modifier ("varchar(200)" is "varchar"), as Django's
    bulk inserts cast theirs: the arrays are cast to it, and the row's value then assigned
    to the column, so that a value too long is refused as the VALUES refused it (a cast to
    "varchar(200)" would cut it short)."""
    return field.db_type(connection).split("(")[0]


def _looked_up(model, rows, unique, connection) -> list:
    """The same without rows returned by the insert: the rows not stored yet, inserted
    (conflicts still ignored), then their keys read back."""

    def stored(candidates) -> dict:
        wanted = Q()
        for row in candidates:
            wanted |= Q(**{name: getattr(row, _attname(model, name)) for name in unique})
        found = model._default_manager.using(connection.alias).filter(wanted)
        return {tuple(values[1:]): values[0] for values in found.values_list("pk", *unique)}

    before = stored(rows)
    new = [row for row in rows if _key(model, row, unique) not in before]
    if not new:
        return []
    model._default_manager.using(connection.alias).bulk_create(new, ignore_conflicts=True)
    after = stored(new)
    for row in new:
        row.pk = after[_key(model, row, unique)]
    return [_stored(row, connection.alias) for row in new]


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


def _key(model, row, unique) -> tuple:
    return tuple(getattr(row, _attname(model, name)) for name in unique)


def _stored(row, alias: str):
    row._state.adding = False
    row._state.db = alias
    return row
