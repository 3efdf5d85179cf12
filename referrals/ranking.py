"""Mijn werk's groups in SQL: each group's count and the keys of its first rows, ranked
overdue first, then the longest waiting, over the referrals alone (`dashboard` reads those
rows with what they show): in one pass over the rows of an OCMW or of a person
(`rank_groups`), or part by part through indexes that hold the rows of all of Flanders or
of a VDAB region (`rank_parts`)."""

import operator
import re

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)

from .enums import State
from .models import Referral
from .models.work import WORK_STATES, overdue_in

ROWS_PER_GROUP = 10


def rank_parts(referrals, parts: list, conditions: dict, flags: dict) -> tuple[dict, dict]:
    """`rank_groups` of a scope too big to read its rows from the table (all of Flanders, a
    VDAB region: tens of thousands of referrals in the states work takes), part by part of
    its window (`work.work_window_parts`), each through an index that holds the part's rows
    with every column its groups read (migrations 0032, 0035 and 0038), so that the table is not
    read at all: the open states' groups counted apart and each one's first from the start
    of the index (`_count_and_first`); the closed ends, whose index is in the order of their
    end and few of which are due, counted and ranked in one pass over them (`rank_groups`).
    Each flag is of the reasons that can hold in its states (`work.overdue_in`): it reads
    only what the index holds."""
    by_part = [
        {code: q for code, q in conditions.items() if set(WORK_STATES[code]) <= part.states}
        for part in parts
    ]
    placed = [code for in_part in by_part for code in in_part]
    if sorted(placed) != sorted(conditions):  # each group in one part, or a count is lost
        raise ValueError(f"Groups not each in one part of the window: {placed}")
    counts, first = {}, {}
    for part, in_part in zip(parts, by_part, strict=True):
        if State.CLOSED in part.states:
            overdue = overdue_in(flags, part.states)
            part_counts, part_first = rank_groups(
                referrals.filter(part.condition), in_part, overdue
            )
        else:
            part_counts, part_first = _count_and_first(referrals, in_part, flags)
        counts.update(part_counts)
        first.update(part_first)
    return counts, first


def rank_groups(referrals, conditions: dict, overdue: Q | None) -> tuple[dict, dict]:
    """The count of each group of `referrals` (a queryset, or a counsellor's "mine" as the
    union of its parts' rows: `_mine`), and the keys of its first rows by the group's code,
    overdue (`overdue`; None: none is) first, then the longest waiting.

    One query over the referrals alone picks every group's first ROWS_PER_GROUP keys (their
    rank in their group, `_ranked`) and counts each group beside them (a count over the same
    partition: the rows are read once, for both). Those rows are read with what they show
    by `_read` (the joins for sixty rows, not for the thousands of the groups)."""
    counts = dict.fromkeys(conditions, 0)
    if not conditions:
        return counts, {}
    # A role's groups never share a referral (they differ in state): one group per
    # referral, numbered (sorting on a number is half the sort it is on a code, which is
    # text compared by the database's collation).
    codes = list(conditions)
    in_group = Case(
        *(When(conditions[code], then=Value(n)) for n, code in enumerate(codes)),
        output_field=IntegerField(),
    )
    flag = (
        Value(False) if overdue is None else ExpressionWrapper(overdue, output_field=BooleanField())
    )
    try:
        rows = _rows_of(referrals, **_ranked_columns(in_group, flag))
    except EmptyResultSet:  # a condition that no row can meet (`none()`): no query
        return counts, {}
    ranked = _ranked(rows, counted=True)
    for _key, number, _position, count in ranked:
        counts[codes[number]] = count
    return counts, _first_by_group(ranked, codes)


def _count_and_first(referrals, conditions: dict, flags: dict) -> tuple[dict, dict]:
    """`rank_groups` of the groups of `referrals` in a part of Mijn werk's window that an
    index holds in the order of state and since when, in two queries that read the index
    alone: each group's count over its own range (`_counts`), and the first of each group
    from the start of its range (`_first_of_each`)."""
    counts = _counts(referrals, conditions)
    if not any(counts.values()):
        return counts, {}
    try:
        rows = _first_of_each(referrals, conditions, flags)
    except EmptyResultSet:
        return counts, {}
    return counts, _first_by_group(_ranked(rows, counted=False), list(conditions))


def _counts(referrals, conditions: dict) -> dict:
    """The count of each group of `referrals`, of each of its states over the range of the
    index that holds them (`_count_each`). Counted in one pass over the part's window, each
    of its rows (a region's team: 33,000) was asked every group's condition (`COUNT …
    FILTER`): 9.8 ms against 8.9 for the team, 6.5 against 4.8 for the administrator (their
    SQL built, sent and answered)."""
    try:
        sql, params, database = _count_each(referrals, conditions)
    except EmptyResultSet:
        return dict.fromkeys(conditions, 0)
    with connections[database].cursor() as cursor:
        cursor.execute(sql, params)
        return dict(zip(conditions, cursor.fetchone(), strict=True))


def _count_each(referrals, conditions: dict) -> tuple[str, tuple, str]:
    """The SQL, its parameters and its database of `_counts`, in one statement: of each
    group the sum of a count of its keys in each of its states (`work.WORK_STATES`), each
    a range of the index as `_first_of_each`'s arms; a count no row can meet (`none()`) is
    0 without SQL, and `EmptyResultSet` when no group can have a row."""
    database = referrals.db
    groups, params = [], []
    all_keys = referrals.order_by().values("pk")  # given once, as `_first_of_each`'s columns
    for number, (code, condition) in enumerate(conditions.items()):
        counts = []
        for state in WORK_STATES[code]:
            keys = all_keys.filter(condition, state=state)
            try:
                sql, keys_params = keys.query.get_compiler(using=database).as_sql()
            except EmptyResultSet:
                continue
            # The ORM's own SQL; every value is a parameter.
            counts.append(f'(SELECT COUNT(*) FROM ({sql}) AS "{state}{number}")')  # noqa: S608
            params.extend(keys_params)
        groups.append(counts)
    if not any(groups):
        raise EmptyResultSet
    summed = ", ".join(" + ".join(counts) or "0" for counts in groups)
    return f"SELECT {summed}", tuple(params), database


def _first_by_group(ranked: list[tuple], codes: list) -> dict:
    """The keys of `ranked`'s rows by their group's code, each group's in its order."""
    first = {}
    for key, number, _position, _count in sorted(ranked, key=operator.itemgetter(2)):
        first.setdefault(codes[number], []).append(key)
    return first


def _first_of_each(referrals, conditions: dict, flags: dict) -> tuple[str, tuple, str]:
    """The SQL, its parameters and its database of the rows `_ranked` ranks, as `_rows_of`
    gives them, but of each group only those that can be among its first: of each of its
    states (`work.WORK_STATES`), its overdue rows (`flags`, of the reasons that can hold in
    that state: `work.overdue_in`) and its others, each the longest waiting ROWS_PER_GROUP
    (`ORDER BY … LIMIT`), in one `UNION ALL`. Each arm is the start of a range of an index
    in its order (`(state, state_changed_at, id)` of all of Flanders, migration 0032, or
    `(region, state, …)` of a region, 0035), where ranking every row sorts them all: all of
    Flanders' 51,000 candidates and agreed referrals for the administrator, 57–67 ms,
    against 12–13 for the four arms. The arm of those not overdue walks the index past the
    overdue ones (PostgreSQL cannot make a range of a negated OR): 30,000 candidates, 5 ms;
    so it is read only while the group's overdue rows are fewer than it shows (`_union`).
    A group of two states is two ranges: as one, its rows in order were those of another
    index, walked past every other state's (the region's list order, 170,000 rows).

    Each arm is the group's condition, which implies the window, and its state: a window's
    `state IN (…)` said again beside the group's is taken by the planner for a condition
    that narrows, and the group's thousands for a dozen, read from a bitmap and sorted.

    Not overdue is the flag not true: as `_ranked`, an empty flag is not overdue (Django
    negates a comparison on an empty column as true). A referral of two groups would be
    ranked in both: a role's groups never share one (`models.work`). Each arm a subquery of
    the union, as Django does not write one with a LIMIT on SQLite; an arm no row can meet
    (`none()`) left out."""
    database = referrals.db
    # Each arm's columns and order, given once: given to each arm, they were a third of
    # Django's building them (a region's team: 5.7 -> 4.1-4.3 ms for twelve arms). Its group's
    # number and overdue flag are the union's to add (`_union`).
    in_order = referrals.values(key=F("pk"), since=F("state_changed_at")).order_by("since", "key")
    # (group, SQL, parameters) of the arms of overdue rows; of the rows not overdue in a
    # state where a row can be (`gated`); and of states where none can be.
    overdue, gated, other = [], [], []
    for number, (code, condition) in enumerate(conditions.items()):
        for state in WORK_STATES[code]:
            flag = overdue_in(flags, {state})
            ways = ((True, flag), (False, ~flag)) if flag is not None else ((False, Q()),)
            for is_overdue, flagged in ways:
                arm = in_order.filter(condition, flagged, state=state)[:ROWS_PER_GROUP]
                try:
                    sql, arm_params = arm.query.get_compiler(using=database).as_sql()
                except EmptyResultSet:
                    continue
                if is_overdue:
                    overdue.append((number, sql, arm_params))
                elif flag is not None:
                    gated.append((number, sql, arm_params))
                else:
                    other.append((number, sql, arm_params))
    if not (overdue or gated or other):
        raise EmptyResultSet
    return (*_union(overdue, gated, other), database)


def _union(overdue: list, gated: list, other: list) -> tuple[str, tuple]:
    """`_first_of_each`'s arms (each: its group's number, SQL, parameters) in one statement,
    each with the columns `_ranked` reads (its rows' key and since when, its group's number
    and whether they are overdue): the overdue arms as a `WITH` of their own, so that the
    rows not overdue of a group (`gated`) are read only while its overdue rows are fewer
    than it shows (a one-time condition: at ROWS_PER_GROUP overdue, a group shows no other
    row, and its arm would walk the index past every overdue row for nothing: a region's
    team 3,400 rows a state, 0.7 ms each). Each arm a subquery, as Django does not write one
    with a LIMIT on SQLite."""
    arms, params, with_clause = [], [], ""

    def arm(name: str, number: int, is_overdue: bool, sql: str, arm_params) -> str:
        """The arm's SELECT; its parameters added to `params`, as the statement reads them."""
        params.extend((number, is_overdue, *arm_params))
        # The ORM's own SQL; every value is a parameter.
        return (
            'SELECT "key", %s AS "work_group", %s AS "is_overdue", "since"'  # noqa: S608
            f' FROM ({sql}) AS "{name}"'
        )

    if overdue:
        overdue_arms = [
            arm(f"overdue{n}", number, True, sql, arm_params)
            for n, (number, sql, arm_params) in enumerate(overdue)
        ]
        with_clause = f'WITH "overdue_rows" AS ({" UNION ALL ".join(overdue_arms)}) '
        arms.append('SELECT * FROM "overdue_rows"')
    for n, (number, sql, arm_params) in enumerate(gated):
        statement = arm(f"other{n}", number, False, sql, arm_params)
        if overdue:
            statement += ' WHERE (SELECT COUNT(*) FROM "overdue_rows" WHERE "work_group" = %s) < %s'
            params.extend((number, ROWS_PER_GROUP))
        arms.append(statement)
    for n, (number, sql, arm_params) in enumerate(other):
        arms.append(arm(f"arm{n}", number, False, sql, arm_params))
    return with_clause + " UNION ALL ".join(arms), tuple(params)


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
