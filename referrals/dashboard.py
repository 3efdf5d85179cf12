""" "Mijn werk": what waits for the user today, grouped by what to do, each referral once,
overdue first and with what keeps a step waiting; the coming week's intakes and starts; for the
network manager the province's referrals per state.

Every count is the number of rows the referral list shows behind its link (`?work=…`, the
same condition: `models.work`)."""

import datetime
import operator
import re
from itertools import chain
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from audit import reads

from .enums import OverdueReason, State
from .listing import CLEAR_SEARCH
from .models import Referral
from .models.work import (
    Work,
    mine,
    mine_parts,
    overdue_flags,
    waiting_flags,
    work_conditions,
    work_of,
    work_window,
)
from .reports.small import protect_counts, small_cells_note, threshold_for

ROWS_PER_GROUP = 10
# The kinds of work whose step a row can tell is waiting (`work.waiting_flags`).
WAITING_WORK = {"agree", "start"}


class Group(NamedTuple):
    work: Work
    rows: list
    count: int
    list_url: str


class Agenda(NamedTuple):
    code: str
    heading: str
    rows: list


def dashboard(request):
    user = request.user
    today = timezone.localdate()
    team = request.GET.get("scope") == "team"
    visible = Referral.objects.visible_to(user)
    conditions = work_conditions(user, today)
    # Counted within the states that work takes (`work_window`), which the indexes find,
    # rather than over all the years of closed referrals of the scope.
    window = _mine(visible.filter(work_window(user, today)), user, team)
    # All of Flanders' 51,000 are counted faster from the index that holds them (migration
    # 0032) than beside the ranking, in a second pass over them; an OCMW's or a region's
    # thousands come from the table, read once for both (a superuser counsellor's "mine"
    # too: `_groups`).
    # One moment's flags for the ranking and the rows it shows.
    flags = overdue_flags(today)
    counts, first = _groups(window, conditions, flags, count_apart=user.is_administrator)
    scoped = visible if team else visible.filter(mine(user))
    week = _week(scoped, today) if conditions else {}
    # The groups' first rows and the week's, read in one query with what they show.
    read = _read(list(chain(*first.values(), *week.values())), flags, today)
    groups = [
        Group(
            work,
            _group_rows(read, first.get(work.code, []), work, user),
            counts[work.code],
            _list_url(work.code, team),
        )
        for work in work_of(user)
    ]
    agenda = [
        Agenda(code, heading, _of(read, week[state]))
        for code, heading, state in (
            ("intakes", _("Intakes"), State.INTAKE_PLANNED),
            ("starts", _("Starts"), State.ADMITTED),
        )
        if week
    ]
    shown = [r for group in groups for r in group.rows] + [r for a in agenda for r in a.rows]
    reads.listed(request, reads.REFERRAL.of_all(shown))
    context = {
        "groups": groups,
        "agenda": agenda,
        "team": team,
        "has_scope": user.is_caseworker or user.is_counsellor,
        "to_do": sum(counts.values()),
        "province_figures": None,
    }
    if user.is_network_manager:
        small_cells = threshold_for(user)
        context["province_figures"] = _province_figures(user, small_cells)
        context["small_cells_note"] = small_cells_note(small_cells) if small_cells else ""
    return TemplateResponse(request, "referrals/dashboard.html", context)


def _mine(referrals, user, team: bool):
    """`referrals` (the team's), or `referrals.filter(mine(user))`: as it is when one
    condition says it, or as the `UNION ALL` of its parts, each read through its index
    (`work.mine_parts`); which of their columns the union carries is `_rows_of`'s to say
    (those its expressions read)."""
    if team:
        return referrals
    parts = mine_parts(user)
    if len(parts) == 1:
        return referrals.filter(parts[0])
    first, *others = [referrals.filter(part).order_by() for part in parts]
    return first.union(*others, all=True)


def _groups(
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


def _read(keys: list, flags: dict, today: datetime.date) -> dict:
    """The referrals of `keys` (none: no query) by key, with what Mijn werk shows of them:
    their client, training, interruption, overdue reasons (of `flags`, the ranking's) and
    what keeps their step waiting."""
    if not keys:
        return {}
    # Overdue is any of its reasons (`overdue_condition`): told from them here, rather than
    # their OR annotated beside them (2.4 of 10.9 ms building the query).
    reasons = {name: flag for name, flag in flags.items() if name != "is_overdue"}
    read = {}
    for referral in (
        Referral.objects.filter(pk__in=keys)
        .with_related()
        .with_interrupted()
        .annotate(**reasons, **waiting_flags(today))
    ):
        referral.overdue_why = [
            reason.label
            for reason in OverdueReason
            if getattr(referral, f"overdue_{reason}", False)
        ]
        referral.is_overdue = bool(referral.overdue_why)
        read[referral.pk] = referral
    return read


def _of(read: dict, keys: list) -> list:
    """The rows of `keys` in their order: every key ranked is read, as a referral is never
    deleted (its history lines are append-only and protect it)."""
    return [read[key] for key in keys]


def _group_rows(read: dict, keys: list, work: Work, user) -> list:
    """A group's rows in their order (`_groups`), each with what keeps its step waiting."""
    rows = _of(read, keys)
    for referral in rows:
        referral.waits = _waits(referral, work, user)
    return rows


def _waits(referral, work: Work, user) -> list[str]:
    """What keeps the row's step waiting, in words for the side that reads it."""
    waits = []
    if work.code == "agree" and referral.waits_consent:
        waits.append(_("The client has not consented to share data with VDAB."))
    if work.code in WAITING_WORK and referral.waits_experience:
        if user.is_counsellor:
            waits.append(
                _(
                    "The OCMW recorded a temporary work experience of the client; the start "
                    "waits until it has ended. Ask the OCMW caseworker."
                )
            )
        else:
            waits.append(
                _(
                    "The client has a temporary work experience; the formal agreement waits "
                    "until it has ended."
                )
            )
    return waits


def _list_url(code: str, team: bool) -> str:
    """The list of a group's referrals: the same condition, and no search kept from before
    (the count is of them all)."""
    query = (
        {"work": code, CLEAR_SEARCH: "1"}
        if team
        else {"work": code, "mine": "on", CLEAR_SEARCH: "1"}
    )
    return f"{reverse('referrals:referral_list')}?{urlencode(query)}"


def _week(referrals, today: datetime.date) -> dict:
    """The keys of the coming week's intakes and probable starts (today and the seven days
    after), the first ROWS_PER_GROUP of each state in its own order (an intake by its time,
    a start by its day), in one query: the week's rows of each state numbered over
    `referrals` alone, which must hold each referral once (no union, no `distinct()`). Read
    with what they show by `_read`, beside the groups' first rows: the week's read with all
    its joins took PostgreSQL longer to plan than to run (4.6 ms against 2.6 for a
    counsellor)."""
    # An admitted referral keeps its past intake: each state's own date orders it.
    order = [
        Case(When(state=State.INTAKE_PLANNED, then=F("intake_at"))).asc(),
        Case(When(state=State.ADMITTED, then=F("probable_start_date"))).asc(),
        F("pk").asc(),
    ]
    first = (
        referrals.filter(operator.or_(*agenda_week(today)))
        .annotate(position=Window(RowNumber(), partition_by=F("state"), order_by=order))
        .filter(position__lte=ROWS_PER_GROUP)
        .values_list("state", "position", "pk")
    )
    week = {State.INTAKE_PLANNED: [], State.ADMITTED: []}
    for state, _position, key in sorted(first):
        week[state].append(key)
    return week


def agenda_week(today: datetime.date) -> tuple[Q, Q]:
    """The intakes planned and the probable starts of today and the seven days after, each
    as the range its index holds (`referral_intakes`, `referral_starts`): an intake from
    today's midnight to the one after the last day, here, rather than by its day."""
    last = today + datetime.timedelta(days=7)
    zone = timezone.get_current_timezone()
    since, until = (
        datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        for day in (today, last + datetime.timedelta(days=1))
    )
    return (
        Q(state=State.INTAKE_PLANNED, intake_at__gte=since, intake_at__lt=until),
        Q(state=State.ADMITTED, probable_start_date__gte=today, probable_start_date__lte=last),
    )


def _province_figures(user, small_cells: int) -> list[dict]:
    """The referrals of the network manager's province per state, small numbers hidden as
    in the figures (they add up to the funnel's total there)."""
    counts = Referral.objects.reportable_to(user).count_by_state()
    states = [(state, label) for state, label in State.choices if state in counts]
    totals = protect_counts([counts[state] for state, _l in states], small_cells, adds_up=True)
    return [
        {"state": label, "total": total}
        for (_state, label), total in zip(states, totals, strict=True)
    ]
