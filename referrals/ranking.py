"""Mijn werk's groups in SQL: each group's count and the keys of its first rows, ranked
overdue first, then the longest waiting, over the referrals alone (`dashboard` reads those
rows with what they show)."""

import operator
import re

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Q, Value, When

from .models import Referral

ROWS_PER_GROUP = 10


def rank_groups(
    referrals, conditions: dict, flags: dict, *, count_apart: bool = False
) -> tuple[dict, dict]:
    """The count of each group of `referrals` (a queryset, or a counsellor's "mine" as the
    union of its parts' rows: `_mine`), and the keys of its first rows by the group's code,
    overdue first, then the longest waiting.

    One query over the referrals alone picks every group's first ROWS_PER_GROUP keys (their
    rank in their group, `_ranked`) and counts each group beside them (a count over the same
    partition: the rows are read once, for both), or in a query of its own (`count_apart`:
    then the first are ranked from the start of each group's overdue and other rows alone,
    `_first_of_each`). Those rows are read with what they show by `_read` (the joins for
    sixty rows, not for the thousands of the groups)."""
    counts = dict.fromkeys(conditions, 0)
    if not conditions:
        return counts, {}
    overdue = flags["is_overdue"]
    # A role's groups never share a referral (they differ in state): one group per
    # referral, numbered (sorting on a number is half the sort it is on a code, which is
    # text compared by the database's collation).
    codes = list(conditions)
    # A counsellor's parts (`_mine`), a superuser counsellor's too, are counted beside
    # the ranking: a union takes no aggregate.
    count_apart = count_apart and not referrals.query.combinator
    if count_apart:
        counts = referrals.aggregate(
            **{code: Count("pk", filter=q) for code, q in conditions.items()}
        )
        if not any(counts.values()):
            return counts, {}
    try:
        if count_apart:
            # The flag the rows are shown with (`flags`, also `_read`'s).
            rows = _first_of_each(referrals, conditions, overdue.expression)
        else:
            in_group = Case(
                *(When(conditions[code], then=Value(n)) for n, code in enumerate(codes)),
                output_field=IntegerField(),
            )
            rows = _rows_of(referrals, **_ranked_columns(in_group, overdue))
    except EmptyResultSet:  # a condition that no row can meet (`none()`): no query
        return counts, {}
    first = {}
    for key, number, _position, count in sorted(
        _ranked(rows, counted=not count_apart), key=operator.itemgetter(2)
    ):
        first.setdefault(codes[number], []).append(key)
        if not count_apart:
            counts[codes[number]] = count
    return counts, first


def _first_of_each(referrals, conditions: dict, overdue: Q) -> tuple[str, tuple, str]:
    """The SQL, its parameters and its database of the rows `_ranked` ranks, as `_rows_of`
    gives them, but of each group only those that can be among its first: its overdue and
    its other rows, each the longest waiting ROWS_PER_GROUP (`ORDER BY … LIMIT`), in one
    `UNION ALL`. Each arm is the start of an index in its order (migration 0032's `(state,
    state_changed_at, id)`), where ranking every row sorts them all: all of Flanders'
    51,000 candidates and agreed referrals for the administrator, 57–67 ms, against 12–13
    for the four arms. The arm of those not overdue walks the index past the overdue ones
    (PostgreSQL cannot make a range of a negated OR): 30,000 candidates, 5 ms.

    Not overdue is the flag not true: as `_ranked`, an empty flag is not overdue (Django
    negates a comparison on an empty column as true). A referral of two groups would be
    ranked in both: a role's groups never share one (`models.work`). Each arm a subquery of
    the union, as Django does not write one with a LIMIT on SQLite; an arm no row can meet
    (`none()`) left out."""
    database = referrals.db
    arms, params = [], []
    for number, condition in enumerate(conditions.values()):
        for is_overdue, flagged in ((True, overdue), (False, ~overdue)):
            arm = (
                referrals.filter(condition & flagged)
                .values(**_ranked_columns(Value(number), Value(is_overdue)))
                .order_by("since", "key")[:ROWS_PER_GROUP]
            )
            try:
                sql, arm_params = arm.query.get_compiler(using=database).as_sql()
            except EmptyResultSet:
                continue
            # The ORM's own SQL; every value is a parameter.
            arms.append(f'SELECT * FROM ({sql}) AS "arm{len(arms)}"')  # noqa: S608
            params.extend(arm_params)
    if not arms:
        raise EmptyResultSet
    return " UNION ALL ".join(arms), tuple(params), database


def _ranked_columns(work_group, is_overdue) -> dict:
    """The columns `_ranked` reads, under its names: the referral's key, its group's number,
    its overdue flag and since when it waits."""
    return {
        "key": F("pk"),
        "work_group": work_group,
        "is_overdue": is_overdue,
        "since": F("state_changed_at"),
    }


def _rows_of(referrals, **expressions) -> tuple[str, tuple, str]:
    """The SQL, its parameters and its database of `expressions` of each of `referrals`: a
    queryset, or a union of referrals (`_mine`). A union's rows are read as they come,
    under the table's name (what the expressions say of its columns they say of those
    rows), rather than their keys joined back to the table one by one (a counsellor's
    3,850: 44 -> 25 ms). So the expressions must read the referral's own columns, and
    subqueries about it, and join nothing (the union is not the table): the `ValueError`
    below says so. The union carries only the columns the expressions name (11 of 45:
    Django builds a counsellor's in 4.4 ms less, 22 instead of 26)."""
    database = referrals.db
    if not referrals.query.combinator:
        rows = referrals.order_by().values(**expressions)
        return (*rows.query.get_compiler(using=database).as_sql(), database)
    rows = Referral.objects.order_by().values(**expressions)
    sql, params = rows.query.get_compiler(using=database).as_sql()
    table = connections[database].ops.quote_name(Referral._meta.db_table)
    whole = f" FROM {table}"
    if not sql.endswith(whole):  # a join, or a condition that would not apply to the union
        raise ValueError(f"Not a read of the referrals table alone: {sql[-200:]}")
    named = set(re.findall(re.escape(f"{table}.") + r'"([^"]+)"', sql))
    columns = [f.attname for f in Referral._meta.concrete_fields if f.column in named]
    union, union_params = referrals.values(*columns).query.get_compiler(using=database).as_sql()
    return f"{sql[: -len(whole)]} FROM ({union}) AS {table}", (*params, *union_params), database


def _ranked(rows: tuple[str, tuple, str], *, counted: bool) -> list[tuple]:
    """(key, group, position, count) of the first ROWS_PER_GROUP of each group of `rows`
    (`_rows_of` their `key`, `work_group`, `is_overdue` and `since`): overdue first (a
    flag on an empty column is NULL: not overdue), then the longest waiting; the group's
    count if `counted` (otherwise None).

    Ranked over `rows` as a subquery, so that the group's CASE and the overdue flag are
    written once each. A window over the annotations themselves (Django's) writes the CASE
    again in each PARTITION BY and the flag in the ORDER BY: four CASEs and eighteen
    EXISTS, 10 kB of SQL that Django took as long to build as PostgreSQL to run."""
    sql, params, database = rows
    count = 'COUNT(*) OVER (PARTITION BY "work_group")' if counted else "NULL"
    # Only the ORM's own SQL and fixed text are put in; every value is a parameter.
    statement = f"""
        SELECT * FROM (
            SELECT "key", "work_group", ROW_NUMBER() OVER (
                PARTITION BY "work_group"
                ORDER BY CASE WHEN "is_overdue" THEN 0 ELSE 1 END, "since", "key"
            ) AS "position", {count} AS "group_count"
            FROM ({sql}) AS "annotated"
            WHERE "work_group" IS NOT NULL
        ) AS "ranked"
        WHERE "position" <= %s"""  # noqa: S608
    with connections[database].cursor() as cursor:
        cursor.execute(statement, (*params, ROWS_PER_GROUP))
        return cursor.fetchall()
