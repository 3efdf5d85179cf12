"""One set-based INSERT ... SELECT of a fill (`report_fill`, `operations.benchmarks`), with
every column the SQL does not name given its empty value."""

from django.core.management.base import CommandError
from django.db import models


def insert_select(cursor, model, values: dict[str, str], source: str, params: dict) -> None:
    """INSERT INTO the model's table SELECT `values` (column: SQL) `source`; every other
    column gets its empty value (NULL, '' or the field's default)."""
    values = dict(values)
    columns = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in values:
            columns[field.column] = values.pop(field.column)
        elif field.null:
            columns[field.column] = "NULL"
        elif isinstance(field, models.BooleanField) and field.has_default():
            columns[field.column] = "TRUE" if field.get_default() else "FALSE"
        elif isinstance(field, models.CharField | models.TextField):
            columns[field.column] = "''"
        else:
            raise CommandError(f"The fill has no value for {model.__name__}.{field.name}")
    if values:
        raise CommandError(f"Not columns of {model.__name__}: {', '.join(values)}")
    with_, _sep, source = source.rpartition("--SELECT--")
    cursor.execute(
        f"{with_} INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns.values())} {source}",
        params,
    )
