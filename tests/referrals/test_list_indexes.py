"""The referral list sorted by state or by key date walks an index in that order on
PostgreSQL, for all of Flanders, an OCMW and a region: the list's expression is the indexed
one (`STATE_ORDER`, `KEY_DATE`: migrations 0027 and 0029). So do Mijn werk's agenda and the
first rows of each group of the administrator and of a region's team; its closed
referrals of an OCMW or a counsellor are a range of their index (migration 0034).
The planner prefers a sort on a table this small, so sorting is switched off to ask whether
the index can serve the query at all. PostgreSQL only: CI's PostgreSQL run runs it."""

import datetime
import random
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals import ranking
from referrals.dashboard import agenda_week
from referrals.enums import EndResult, State
from referrals.models import OutcomeCheck, Referral
from referrals.models.work import (
    WORK_STATES,
    overdue_flags,
    overdue_in,
    work_conditions,
    work_window_parts,
)
from referrals.referral_lists import DATE_FIELDS
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import (
    ClientFactory,
    ReferralFactory,
    passed_and_closed,
    referral_in_state,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]


def list_query(request, client, who: str, query: dict) -> str:
    """The SQL of the page of the referral list that `who` (a fixture's name) is shown for
    `query`."""
    user = request.getfixturevalue(who)
    client.force_login(user)
    if who == "administrator":
        pass_second_factor(client, user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/referrals/", query).status_code == 200
    (listed,) = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "referrals_referral"."id"')
    ]
    return listed


@pytest.mark.parametrize(
    ("who", "scope"), [("administrator", ""), ("caseworker", "ocmw_"), ("counsellor", "region_")]
)
@pytest.mark.parametrize(
    ("sort", "order"),
    [("state", "state_order"), ("-state", "state_order"), ("key_date", "key_date")]
    + [("-key_date", "key_date")],
)
def test_the_list_sorted_reads_its_index(request, client, who, scope, sort, order):
    index = f"referral_{scope}{order}"
    listed = list_query(request, client, who, {"sort": sort})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {listed}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


@pytest.mark.parametrize(
    ("who", "scope"), [("administrator", ""), ("caseworker", "ocmw_"), ("counsellor", "region_")]
)
def test_the_list_of_a_period_of_last_changes_is_a_range_of_its_index(request, client, who, scope):
    """The days of the last change, from the midnight that begins the first to the one that
    ends the last, are a range of the list's own index in its order, rather than a day
    converted from each row that the index walks past (the administrator's list by a month,
    at a million referrals: 308,000 rows, half a second)."""
    period = {"dates": "since", "date_from": "2024-03-01", "date_to": "2024-03-31"}
    listed = list_query(request, client, who, period)
    with connection.cursor() as cursor:
        for way in ("sort", "seqscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{way} = off")
        cursor.execute(f"EXPLAIN {listed}")
        plan = [row[0].strip() for row in cursor.fetchall()]
    (scan,) = [n for n, line in enumerate(plan) if f"referral_{scope}list_order " in line]
    assert "state_changed_at >=" in plan[scan + 1], "\n".join(plan)
    assert plan[scan + 1].startswith("Index Cond:"), "\n".join(plan)


@pytest.mark.parametrize(
    ("who", "state", "first"),
    [
        ("administrator", "", ""),
        ("administrator", State.AGREED, "state"),
        ("caseworker", "", "ocmw"),
        ("counsellor", "", "region"),
    ],
)
@pytest.mark.parametrize(
    ("dates", "field"),
    [(code, "intake_at" if code == "intake" else code) for code in DATE_FIELDS if code != "since"],
)
def test_the_list_of_a_period_of_a_date_reads_its_index_in_order(
    request, client, who, state, first, dates, field
):
    """Narrowed to a period of a date, the list is sorted by it: the period is a range of the
    date's index (after the state's, the OCMW's, the region's), read in its order, so that a
    month two years ago is found at once rather than behind every later change (495 ms at a
    million referrals), a state that never holds the date (agreed, by its end) is an empty
    range rather than every end walked (1.3 s), and an OCMW's "mine" reads the OCMW's
    dates rather than Flanders' (450 ms)."""
    fields = [first, field] if first else [field]
    (index,) = [i.name for i in Referral._meta.indexes if i.fields == fields and not i.condition]
    period = {"dates": dates, "date_from": "2024-03-01", "date_to": "2024-03-31", "state": state}
    listed = list_query(request, client, who, period)
    plan = plan_with_index_alone(listed, None, index, off=("sort", "seqscan", "bitmapscan"))
    (scan,) = [n for n, line in enumerate(plan) if f"Index Scan Backward using {index} " in line]
    leading = {"ocmw": "ocmw_id", "": field}.get(first, first)
    assert re.match(rf"Index Cond: \(+{leading}\b", plan[scan + 1]), "\n".join(plan)
    assert f"{field} >=" in plan[scan + 1], "\n".join(plan)


@pytest.mark.parametrize("who", ["administrator", "caseworker", "counsellor"])
@pytest.mark.parametrize("field", ["start_date", "end_date"])
def test_the_overdue_of_a_period_of_starts_or_ends_read_their_states_dates(
    request, client, who, field
):
    """The overdue referrals narrowed to a period of starts or ends are a range of those
    dates of the states a referral can be overdue in, rather than every start or end of
    Flanders walked looking for an overdue one (0.8-1 s at a million referrals, where none
    has an end): the list's condition names those states, as the index's does."""
    index = f"referral_overdue_{field}"
    period = {"overdue": "on", "dates": field, "date_from": "2000-01-01"}
    listed = list_query(request, client, who, period)
    plan = plan_with_index_alone(listed, None, index, off=("sort", "seqscan", "bitmapscan"))
    (scan,) = [n for n, line in enumerate(plan) if f"Index Scan Backward using {index} " in line]
    assert plan[scan + 1].startswith(f"Index Cond: ({field} >="), "\n".join(plan)


def test_mijn_werks_agenda_week_is_the_range_of_the_indexes_of_intakes_and_starts():
    """The coming week's intakes and starts (migration 0031): each is its index's range (an
    intake by its time, not by its day), so that PostgreSQL can read both indexes for the
    week (their bitmaps, at a million referrals) whatever the scope. Asked of each in the
    index's order, the only index that holds it."""
    indexes = {"referral_intakes": "intake_at", "referral_starts": "probable_start_date"}
    arms = agenda_week(timezone.localdate())
    for arm, (index, column) in zip(arms, indexes.items(), strict=True):
        week = Referral.objects.filter(arm).order_by(column).values("pk")
        sql, params = week.query.sql_with_params()
        with connection.cursor() as cursor:
            for way in ("seqscan", "bitmapscan", "sort"):
                cursor.execute(f"SET LOCAL enable_{way} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = [row[0].strip() for row in cursor.fetchall()]
        # The week is the index's range, not a filter on each row the index walks.
        (scan,) = [n for n, line in enumerate(plan) if f"Index Scan using {index} " in line]
        assert plan[scan + 1].startswith(f"Index Cond: (({column} >="), "\n".join(plan)


@pytest.mark.parametrize("who", ["administrator", "caseworker", "counsellor"])
def test_mijn_werks_agenda_asks_for_the_week_as_those_ranges(request, client, who):
    """The page's agenda query carries each arm of `agenda_week` as it is, the ranges the
    test above finds in the indexes (not a rewriting of them the indexes cannot serve)."""
    user = request.getfixturevalue(who)
    client.force_login(user)
    if who == "administrator":
        pass_second_factor(client, user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    (agenda,) = [q["sql"] for q in queries if '"probable_start_date" >=' in q["sql"]]
    for arm in agenda_week(timezone.localdate()):
        query = Referral.objects.filter(arm).query
        where, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
        # Read as the table itself, or under an alias (U0) where Django nests the window.
        assert unqualified(connection.ops.compose_sql(where, params)) in unqualified(agenda)


def unqualified(sql: str) -> str:
    return re.sub(r'(\bU\d+|"referrals_referral")\.', "", sql)


def only_index(cursor, index: str) -> None:
    """Until the test's transaction ends, the referrals' table with `index` as its only index
    besides its primary key (the unique index of the open referrals can serve Mijn werk's
    counts too, and did once other tests' ANALYZE had left the planner their counts)."""
    cursor.execute(
        "SELECT indexrelid::regclass::text FROM pg_index"
        " WHERE indrelid = 'referrals_referral'::regclass AND NOT indisprimary"
        " AND indexrelid::regclass::text <> %s",
        [index],
    )
    for (other,) in cursor.fetchall():
        cursor.execute(f"DROP INDEX {other}")


def plan_with_index_alone(sql: str, params, index: str, *, off: tuple[str, ...]) -> list[str]:
    """The lines of PostgreSQL's plan of `sql` on the referrals' table with `index` as its
    only index besides the primary key (`only_index`) and the ways in `off` switched off."""
    with connection.cursor() as cursor:
        only_index(cursor, index)
        for way in off:
            cursor.execute(f"SET LOCAL enable_{way} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return [row[0].strip() for row in cursor.fetchall()]


def open_part_groups(user, today) -> dict:
    """The conditions of `user`'s Mijn werk groups in the open states' part of its window
    (`work.work_window_parts`), those `_first_of_each` reads."""
    (open_states, *_closed) = work_window_parts(user, today)
    return {
        code: condition
        for code, condition in work_conditions(user, today).items()
        if set(WORK_STATES[code]) <= open_states.states
    }


@pytest.mark.parametrize(
    ("who", "index"),
    [("administrator", "referral_work_window"), ("counsellor", "referral_region_work")],
)
def test_the_first_of_each_group_are_the_starts_of_an_index(request, who, index):
    """Mijn werk of all of Flanders and of a region's team (`ranking._first_of_each`): each
    state's overdue and other rows of a group are read in the order of `since` from the
    index that holds them (migrations 0032 and 0035), and stop at the first ROWS_PER_GROUP,
    where a sort would read all of Flanders' or a region's rows of the group first. A state
    in which no row can be overdue (the counsellor's ended and not admitted) has one arm.

    Asked of the table with that index alone (`only_index`): on a table of a few rows
    another index that starts with the state serves as well, filtered, and which one the
    planner takes depends on the statistics and index sizes that earlier tests leave
    behind (ANALYZE's and rolled-back rows outlive their tests), not on the arms."""
    user = request.getfixturevalue(who)
    today = timezone.localdate()
    in_part = open_part_groups(user, today)
    flags = overdue_flags(today)
    visible = Referral.objects.visible_to(user)
    sql, params, _database = ranking._first_of_each(visible, in_part, flags)
    plan = "\n".join(
        plan_with_index_alone(sql, params, index, off=("seqscan", "bitmapscan", "sort"))
    )
    arms = sum(
        1 if overdue_in(flags, {state}) is None else 2
        for code in in_part
        for state in WORK_STATES[code]
    )
    assert "Sort" not in plan, plan
    assert plan.count("Limit") == plan.count(f"Index Only Scan using {index} ") == arms, plan


@pytest.mark.parametrize(
    ("who", "index"),
    [("administrator", "referral_work_window"), ("counsellor", "referral_region_work")],
)
def test_each_groups_count_is_a_range_of_an_index(request, who, index):
    """Mijn werk of all of Flanders and of a region's team counts each group, state by state,
    over the range of the index that holds it (`ranking._counts`), read alone, rather than
    every row of the window asked every group's condition. Asked of the table with that
    index alone (`only_index`: see above)."""
    user = request.getfixturevalue(who)
    in_part = open_part_groups(user, timezone.localdate())
    sql, params, _database = ranking._count_each(Referral.objects.visible_to(user), in_part)
    plan = plan_with_index_alone(sql, params, index, off=("seqscan", "bitmapscan"))
    scans = [n for n, line in enumerate(plan) if f"Index Only Scan using {index} " in line]
    states = [state for code in in_part for state in WORK_STATES[code]]
    assert len(scans) == len(states), "\n".join(plan)
    # Each scan the range of one state.
    for n, state in zip(scans, states, strict=True):
        assert plan[n + 1].startswith("Index Cond:"), "\n".join(plan)
        assert f"state = '{state}'::text" in plan[n + 1], "\n".join(plan)


def test_a_regions_team_counts_what_its_counsellors_see_from_the_index_of_it(counsellor):
    """A region's team counts its groups state by state (`ranking._counts`) from the index
    of what its counsellors see, by state (`agreed_on` known: the visibility's condition
    is the index's, migration 0041), alone: PostgreSQL reads no `agreed_on` of a row, where
    the region's work index had it read for each of the biggest region's 33,000 rows
    (14.5-15.7 ms against 5.8-8.0). The screening's count, which asks when the intake was,
    reads the table too. Asked of the table with that index alone (`only_index`: see
    above)."""
    index = "referral_region_agreed_state"
    in_part = open_part_groups(counsellor, timezone.localdate())
    sql, params, _database = ranking._count_each(Referral.objects.visible_to(counsellor), in_part)
    plan = plan_with_index_alone(sql, params, index, off=("seqscan", "bitmapscan"))
    states = [state for code in in_part for state in WORK_STATES[code]]
    only = [n for n, line in enumerate(plan) if f"Index Only Scan using {index} " in line]
    assert len(only) == len(states) - 1, "\n".join(plan)
    # Each the range of one state, all that the count asks.
    for n, state in zip(only, [s for s in states if s != State.INTAKE_PLANNED], strict=True):
        assert plan[n + 1].startswith("Index Cond:"), "\n".join(plan)
        assert f"state = '{state}'::text" in plan[n + 1], "\n".join(plan)
        assert not any(line.startswith("Filter:") for line in plan[n + 2 : n + 3]), "\n".join(plan)
    (screening,) = [n for n, line in enumerate(plan) if f"Index Scan using {index} " in line]
    assert f"'{State.INTAKE_PLANNED}'::text" in plan[screening + 1], "\n".join(plan)


def test_a_groups_other_rows_are_not_read_once_its_overdue_rows_fill_it(
    administrator, caseworker, monkeypatch
):
    """`ranking._first_of_each` reads the rows not overdue of a group only while its overdue
    rows are fewer than it shows (`_union`): with one row a group, the one overdue candidate
    fills the candidates' group, whose other arm PostgreSQL never runs (it would walk all
    of Flanders' candidates not overdue: 5 ms), while the other groups' arms run."""
    monkeypatch.setattr(ranking, "ROWS_PER_GROUP", 1)
    overdue = referral_in_state(State.CANDIDATE, client=ClientFactory(ocmw=caseworker.organisation))
    long_ago = timezone.now() - datetime.timedelta(days=40)
    Referral.objects.filter(pk=overdue.pk).update(state_changed_at=long_ago)
    referral_in_state(State.CANDIDATE, client=ClientFactory(ocmw=caseworker.organisation))
    today = timezone.localdate()
    in_part = open_part_groups(administrator, today)
    flags = overdue_flags(today)
    sql, params, _database = ranking._first_of_each(
        Referral.objects.visible_to(administrator), in_part, flags
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
        plan = [row[0].strip() for row in cursor.fetchall()]
    # One arm of rows not overdue, behind its condition, per state in which a row can be
    # overdue; of those, the candidates' alone never read.
    gated = sum(
        overdue_in(flags, {state}) is not None for code in in_part for state in WORK_STATES[code]
    )
    assert gated > 1
    assert sum(line.startswith("One-Time Filter:") for line in plan) == gated, "\n".join(plan)
    assert sum(line.startswith("->  Limit (never executed)") for line in plan) == 1, "\n".join(plan)


@pytest.mark.parametrize(
    ("who", "index", "scope"),
    [
        ("caseworker", "referral_ocmw_state_end", "ocmw"),
        ("counsellor", "referral_counsellor_state_end", "counsellor"),
    ],
)
def test_mijn_werks_closed_referrals_are_a_range_of_an_index(
    request, training, caseworker_of_other_ocmw, counsellor_of_other_region, who, index, scope
):
    """The closed referrals in Mijn werk's window (those whose check-ups can still be due:
    ended after a day) of an OCMW, and of a counsellor's own, are a range of the index by
    OCMW or counsellor, state and end (migration 0034), not all their closed referrals
    ANDed with every recent end of Flanders (at a million referrals a 5.7 ms bitmap of the
    caseworker's ranking; the counsellor's own referrals 9.4 ms, 2.0 without it).

    Made so that only that index narrows the question down tenfold (counted by ANALYZE,
    each column on its own): a seventh of the table is the scope's, closed and not, and
    the closed ones mostly ended long ago, as the rest's. Otherwise another index costs
    about the same (one that starts with the OCMW, or the end's) and the planner picks one
    by their order or by how the rows lie in the table.
    ANALYZE's count of the table's rows outlives the test's rollback: the other plans here
    switch off what reads no index, so that they do not depend on it."""
    user = request.getfixturevalue(who)
    today = timezone.localdate()
    other_ocmw = caseworker_of_other_ocmw.organisation
    # (the client's OCMW, the counsellor)
    ours = (user.organisation, None) if scope == "ocmw" else (other_ocmw, user)
    theirs = (other_ocmw, None) if scope == "ocmw" else (other_ocmw, counsellor_of_other_region)
    rows = []
    for (ocmw, counsellor), count, ended_days_ago in [
        (ours, 200, None),  # not closed
        (ours, 200, 800),  # closed long ago
        (ours, 3, 10),  # closed lately: in the window
        # Someone else's: most of the table, alike.
        (theirs, 1000, None),
        (theirs, 1000, 800),
        (theirs, 500, 10),
    ]:
        client = ClientFactory(ocmw=ocmw)
        rows += [
            ReferralFactory.build(
                client=client,
                ocmw=ocmw,
                training=training,
                region=training.province,
                state=State.CLOSED if ended_days_ago else State.WITHDRAWN,
                counsellor=counsellor,
                created_by=None,
                end_date=ended_days_ago
                and today - datetime.timedelta(days=ended_days_ago + n % 30),
                end_result=EndResult.PASSED if ended_days_ago else "",
            )
            for n in range(count)
        ]
    # In no order: an index whose order is the table's (the ends', written in turn) reads
    # its rows for less.
    random.Random(14).shuffle(rows)  # noqa: S311 (an order, not a secret)
    Referral.objects.bulk_create(rows)
    (_open, closed) = work_window_parts(user, today)
    key = user.organisation_id if scope == "ocmw" else user.pk
    query = Referral.objects.filter(closed.condition, **{scope: key}).order_by().values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        # The ends after the state and after the OCMW (the list's periods, migration 0039)
        # hold the window too: on a table this small they cost about what the index under
        # test does, where at a million referrals the state's reads 77,000 ends for the
        # scope's few and the OCMW's every end of the OCMW.
        for first in ("state", "ocmw"):
            cursor.execute(f"DROP INDEX referral_{first}_end_date")
        cursor.execute("ANALYZE referrals_referral")
        for way in ("seqscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{way} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [row[0].strip() for row in cursor.fetchall()]
    scans = [n for n, line in enumerate(plan) if f"using {index} " in line]
    assert len(scans) == 1, "\n".join(plan)
    (scan,) = scans
    condition = plan[scan + 1]
    assert condition.startswith(f"Index Cond: (({scope}_id = "), "\n".join(plan)
    assert "'closed'::text) AND (end_date > " in condition, "\n".join(plan)


@pytest.mark.parametrize("page", ["/", "/referrals/?mine=on"])
def test_a_caseworkers_mine_gives_the_planner_their_ocmw_once(client, caseworker, training, page):
    """`visible_to` names the caseworker's OCMW and so does their "mine": the same
    `ocmw_id = …` twice at the top of a query PostgreSQL takes for one condition, but one
    inside an OR for another that narrows as much again. At a million referrals it then
    estimated the biggest OCMW's 22,184 referrals at 496 and read them all from the table
    (16,000 pages: Mijn werk's ranking 55 ms, 22 with the OCMW said once)."""
    referral_in_state(State.CANDIDATE, client=ClientFactory(ocmw=caseworker.organisation))
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    read = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith("SELECT") and '"caseworker_id" IS NULL' in q["sql"]
    ]
    assert read  # Mijn werk's ranking; the list's page (and its count of one more row)
    ocmw = f"ocmw_id = {caseworker.organisation_id})"
    for sql in read:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = [row[0] for row in cursor.fetchall()]
        assert not [line for line in plan if line.count(ocmw) > 1], "\n".join(plan)


def test_a_check_up_marked_recorded_is_not_looked_for(client, caseworker, training):
    """Mijn werk tells a check-up recorded from its referral's mark (`checkups_recorded`,
    which the region's index of positive ends holds: migration 0038) and asks the check-ups
    only of a referral not marked: a region's 6,500 ends of the year were each asked."""
    referral = passed_and_closed(caseworker, training)
    OutcomeCheck.objects.create(referral=referral, months=3, at_work="yes")
    # Three and a half months after the end (a month ago: `flow_dates`), the three-month
    # check-up is due: recorded, and marked.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=75)):
        client.force_login(caseworker)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
    (ranking,) = [
        q["sql"] for q in queries.captured_queries if "referrals_outcomecheck" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {ranking}")
        plan = [row[0] for row in cursor.fetchall()]
    asked = [line for line in plan if "on referrals_outcomecheck" in line]
    assert asked, "\n".join(plan)
    assert all("never executed" in line for line in asked), "\n".join(plan)


def test_a_network_managers_counts_by_state_read_what_an_index_holds(client, network_manager):
    """Mijn werk of a network manager counts their province's referrals by state reading
    only their OCMW and state, which the OCMWs' index of their states holds
    (`referral_ocmw_state_end`; `count_by_state`: COUNT(*)). Counted by the key, which no
    such index holds, PostgreSQL read every referral of Flanders from the table (177 ms,
    against 41-49 for a province's 168,000 from the index)."""
    referral_in_state(State.CANDIDATE, client=ClientFactory())
    client.force_login(network_manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    (counted,) = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (VERBOSE) {counted}")
        plan = [row[0] for row in cursor.fetchall()]
    scan = next(i for i, line in enumerate(plan) if "on public.referrals_referral" in line)
    output = plan[scan + 1].strip()
    assert output.startswith("Output:"), "\n".join(plan)
    read = {column.strip() for column in output.removeprefix("Output:").split(",")}
    assert read <= {"referrals_referral.state", "referrals_referral.ocmw_id"}, "\n".join(plan)
