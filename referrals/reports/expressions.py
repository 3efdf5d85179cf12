"""SQL expressions the report tables group and aggregate by, for PostgreSQL and SQLite."""

import statistics

from django.db import models
from django.db.models import Aggregate, Case, F, Func, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull, LessThan

# Ministry age bands, by age at the start of the training: under 25, 25 to 39, 40 to 54, 55+.
AGE_BANDS = (("-25", 25), ("25-40", 40), ("40-55", 55), ("55+", None))
UNKNOWN = "?"


class AgeAt(Func):
    """Whole years between a birth date and a day (NULL when either is unknown)."""

    output_field = models.IntegerField()
    arity = 2  # (day, birth date)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(date_part('year', age(%(expressions)s)) AS integer)",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # yyyymmdd(day) - yyyymmdd(birth), integer-divided by 10000, is the age in years.
        (day, day_params), (birth, birth_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = (
            f"((CAST(strftime(%s, {day}) AS integer) "
            f"- CAST(strftime(%s, {birth}) AS integer)) / 10000)"
        )
        return sql, ("%Y%m%d", *day_params, "%Y%m%d", *birth_params)


def age_band() -> Case:
    """The age band at the start of the training: by the age the retention pinned on the
    referral when it removed the client's birth date (`Referral.age_at_start`), else by
    the birth date, so that a pseudonymised client stays in the same band."""
    age = Coalesce(
        F("age_at_start"),
        AgeAt(F("start_date"), F("client__birth_date")),
        output_field=models.IntegerField(),
    )
    # Either date unknown makes the age unknown: "?", not the default band.
    whens = [When(IsNull(age, True), then=Value(UNKNOWN))]
    whens += [When(LessThan(age, upper), then=Value(code)) for code, upper in AGE_BANDS if upper]
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=models.CharField())


class DaysBetween(Func):
    """Calendar days from `start` to `end` (two dates), as an integer."""

    output_field = models.IntegerField()
    arity = 2  # (end, start)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS integer)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Median(Aggregate):
    """The median of the non-NULL values: percentile_cont on PostgreSQL, and on SQLite
    the MEDIAN aggregate that `register_sqlite_median` adds to each connection."""

    function = "MEDIAN"
    name = "Median"
    output_field = models.FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )


class _SqliteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender, connection, **kwargs) -> None:
    """Give SQLite the MEDIAN aggregate PostgreSQL has as percentile_cont."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)
