"""Fixed statements for the small reads and writes every step makes: for a table of a few
rows the ORM took longer building and compiling the query, and making its objects, than the
database took answering it. At every formal agreement, the client's temporary work
experiences, the entry conditions and the conditions checked (`link`);
`services.interruption_history` reads the interruptions around a training's end so too,
with a condition of its own (`objects_from`)."""

import functools

from django.db import connections, models, router
from django.db.models.signals import m2m_changed


@functools.cache
def rows_where(
    model: type[models.Model], alias: str, where: tuple[str, ...], order_by: tuple[str, ...]
) -> str:
    """A raw query's text: every column of `model` whose fields `where` (names, each equal
    to a parameter, in their order) match, in the order of the fields `order_by` (names,
    "pk" for the key; "-" before a name is descending). Built once per process. A field
    is compared with `=`: a parameter None matches no row (the ORM would write `IS NULL`)."""
    qn = connections[alias].ops.quote_name
    meta = model._meta

    def column(name: str) -> str:
        return qn((meta.pk if name == "pk" else meta.get_field(name)).column)

    columns = ", ".join(qn(field.column) for field in meta.concrete_fields)
    conditions = " AND ".join(f"{column(name)} = %s" for name in where)
    order = ", ".join(
        f"{column(name[1:])} DESC" if name.startswith("-") else column(name) for name in order_by
    )
    # Names from the model, values as parameters.
    return (
        f"SELECT {columns} FROM {qn(meta.db_table)}"  # noqa: S608
        + (f" WHERE {conditions}" if where else "")
        + (f" ORDER BY {order}" if order_by else "")
    )


def objects_where(
    model: type[models.Model],
    alias: str,
    where: tuple[str, ...],
    order_by: tuple[str, ...],
    params: list,
) -> list:
    """The objects of `model` that `rows_where`'s statement reads with `params`."""
    return objects_from(model, alias, rows_where(model, alias, where, order_by), params)


def objects_from(model: type[models.Model], alias: str, statement: str, params: list) -> list:
    """The objects of `model` read by `statement`, which selects every column of its table
    in the order of its fields (as `rows_where` does), made as Django's raw query makes
    them (its parameters adapted, then the database's and the fields' converters, then
    `Model.from_db`) in half its time for a few rows."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(statement, [connection.ops.adapt_unknown_value(p) for p in params])
        rows = cursor.fetchall()
    fields = model._meta.concrete_fields
    converters = [
        (index, column, functions)
        for index, column in enumerate(_columns(model))
        # `SQLCompiler.get_converters`: SQLite's dates and times come as text.
        if (
            functions := [
                *connection.ops.get_db_converters(column),
                *column.get_db_converters(connection),
            ]
        )
    ]
    names = [field.attname for field in fields]
    objects = []
    for row in rows:
        if converters:
            row = list(row)
            for index, column, functions in converters:
                for function in functions:
                    row[index] = function(row[index], column, connection)
        objects.append(model.from_db(alias, names, row))
    return objects


@functools.cache
def _columns(model: type[models.Model]) -> list:
    return [field.get_col(model._meta.db_table) for field in model._meta.concrete_fields]


def link(field: models.ManyToManyField, row: models.Model, others: list) -> None:
    """Link `row` (saved) to each of `others` (saved, of the field's model) through the
    many-to-many `field` (a field of `row`'s model), leaving out links that are there
    already: one fixed statement per number of links, rather than the related manager's
    bulk insert. As `add` does, a list of the links prefetched on `row` is dropped; where
    something listens to `m2m_changed`, the related manager adds them, to tell it."""
    if not others:
        return
    through = field.remote_field.through
    if m2m_changed.has_listeners(through):
        getattr(row, field.name).add(*others)
        return
    getattr(row, "_prefetched_objects_cache", {}).pop(field.name, None)
    alias = router.db_for_write(through, instance=row)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            _link_statement(field, alias, len(others)),
            [value for other in others for value in (row.pk, other.pk)],
        )


@functools.cache
def _link_statement(field: models.ManyToManyField, alias: str, count: int) -> str:
    qn = connections[alias].ops.quote_name
    table = qn(field.m2m_db_table())
    columns = f"{qn(field.m2m_column_name())}, {qn(field.m2m_reverse_name())}"
    # Names from the model, values as parameters.
    return (
        f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
        + ", ".join(["(%s, %s)"] * count)
        + " ON CONFLICT DO NOTHING"
    )
