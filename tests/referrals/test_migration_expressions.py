"""The PostgreSQL-only indexes of migration 0029 hold the very expression the lists sort by
(`models.indexes.KEY_DATE`): the planner uses an index for an expression only when it is
the same one; migration 0032's holds every column the administrator's Mijn werk reads, 0035's
every column of a region's team's, and 0033's every column the figures' start cohorts side
by side read.
Checked here on any database; tests/referrals/test_list_indexes.py shows the plans on
PostgreSQL."""

import importlib
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.enums import State
from referrals.models import Referral
from referrals.models.indexes import KEY_DATE
from referrals.models.work import WORK_STATES, work_of, work_window_parts
from referrals.reports.cohort import trend
from referrals.reports.figures import report_scope
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory, referral_in_state


def test_the_key_date_indexes_hold_the_lists_expression():
    migration = importlib.import_module("referrals.migrations.0029_referral_key_date_indexes")

    assert migration.KEY_DATE == KEY_DATE


@pytest.mark.django_db
def test_the_work_window_index_holds_every_column_of_an_administrators_mijn_werk(
    client, administrator, caseworker, training
):
    """Migration 0032's index answers the administrator's Mijn werk (all of Flanders) alone,
    without the table, only while it holds every column its counts and ranking read."""
    migration = importlib.import_module("referrals.migrations.0032_referral_work_window")
    held = {*migration.WORK_WINDOW.fields, *migration.WORK_WINDOW.include}
    # Its rows: the states the administrator's work takes.
    taken = {state for work in work_of(administrator) for state in WORK_STATES[work.code]}
    assert taken <= set(migration.WORK_WINDOW_STATES)
    for state in (State.CANDIDATE, State.AGREED):  # a row in each of the administrator's groups
        referral_in_state(
            state,
            client=ClientFactory(ocmw=caseworker.organisation),
            training=training,
            caseworker=caseworker,
        )
    client.force_login(administrator)
    pass_second_factor(client, administrator)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("referrals:dashboard")).status_code == 200

    work = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT (SELECT COUNT(*) FROM (")
        or 'PARTITION BY "work_group"' in q["sql"]
    ]
    assert len(work) == 2  # the counts, and each group's first rows
    for sql in work:
        read = set(re.findall(r'"referrals_referral"\."(\w+)"', sql))
        assert read <= held, read - held


@pytest.mark.django_db
def test_the_region_work_indexes_hold_every_column_of_a_regions_team(
    client, counsellor, caseworker, training
):
    """Migration 0035's and 0038's indexes answer a counsellor's team (their region) alone,
    without the table, only while they hold every column its counts and rankings read: of
    the open states, REGION_WORK; of the closed ends whose check-ups can be due,
    REGION_DUE_CHECKUPS (with each referral's check-ups recorded).
    The counsellor is the contact of a training of their region, whose referrals are the
    region's (`referral_visibility` names only trainings of other regions)."""
    training.contact_counsellor = counsellor
    training.save()
    migration = importlib.import_module("referrals.migrations.0035_referral_region_work")
    checkups = importlib.import_module("referrals.migrations.0038_referral_region_due_checkups")
    held = {
        index.name: {*index.fields, *index.include}
        for index in (migration.REGION_WORK, checkups.REGION_DUE_CHECKUPS)
    }
    (open_states, closed) = work_window_parts(counsellor)
    assert open_states.states <= set(migration.REGION_WORK_STATES)
    ends = {name: day for name, day in closed.condition.children if name.startswith("end_date")}
    assert closed.condition == Q(
        state=State.CLOSED, end_result__in=checkups.POSITIVE_END_RESULTS, **ends
    )
    for state in (*open_states.states, State.CLOSED):  # a row in each of the team's groups
        referral_in_state(
            state,
            client=ClientFactory(ocmw=caseworker.organisation),
            training=training,
            caseworker=caseworker,
            counsellor=counsellor,
        )
    client.force_login(counsellor)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("referrals:dashboard"), {"scope": "team"}).status_code == 200

    work = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT (SELECT COUNT(*) FROM (")
        or 'PARTITION BY "work_group"' in q["sql"]
    ]
    # The open states' counts and each group's first rows; the closed ends' ranking.
    assert len(work) == 3
    for sql in work:
        index = "referral_region_due_checkups" if "'closed'" in sql else "referral_region_work"
        read = set(re.findall(r'"referrals_referral"\."(\w+)"', sql))
        assert read <= held[index], (index, read - held[index])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "filters"),
    [
        ("administrator", "okot_type={type}"),
        ("administrator", "region={region}"),
        ("administrator", "region={region}&okot_type={type}"),
        ("network_manager", "okot_type={type}"),
    ],
)
def test_the_started_by_training_index_holds_every_column_of_the_start_cohorts(
    request, who, filters, caseworker, training
):
    """Migration 0033's index answers the start cohorts side by side of a type or a region
    (the filters that go through the training), of all of Flanders or of a province, alone,
    without the table, only while it holds every column they read and they ask only for the
    started referrals it holds."""
    migration = importlib.import_module("referrals.migrations.0033_referral_started_by_training")
    index = migration.STARTED_BY_TRAINING
    held = {Referral._meta.get_field(name).column for name in [*index.fields, *index.include]}
    referral_in_state(
        State.IN_TRAINING,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=training,
        caseworker=caseworker,
    )
    query = "basis=cohort&" + filters.format(type=training.okot_type, region=training.province)
    _form, queryset, _filters, _small = report_scope(request.getfixturevalue(who), QueryDict(query))

    with CaptureQueriesContext(connection) as queries:
        table = trend(queryset)

    assert table.rows[-1].values["started"] == 1
    assert len(queries.captured_queries) == 2  # by start year, and their persons together
    for sql in (q["sql"] for q in queries.captured_queries):
        assert '"referrals_referral"."start_date" IS NOT NULL' in sql
        read = set(re.findall(r'"referrals_referral"\."(\w+)"', sql))
        assert read <= held, read - held
