"""Fixed statements for the small reads every step makes, read as model objects by Django's
raw query (`Model.objects.raw`): for a table of a few rows the ORM took longer building and
compiling the query than the database took answering it. At every formal agreement, the
client's temporary work experiences (0.60 ms through the ORM, 0.31 this way) and the entry
conditions (0.53 against 0.33); `services.interruption_history` reads the interruptions
around a training's end so too, with a condition of its own."""

import functools

from django.db import connections, models


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
