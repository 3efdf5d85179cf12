"""Each table is a fixed number of queries, however many referrals it counts."""

import datetime
import itertools

import pytest

from referrals.enums import EndResult, Gender, OkotType, State, StopReason
from referrals.models import Referral
from referrals.reports.funnel import funnel
from referrals.reports.tables import (
    diplomas,
    diplomas_each,
    early_stops,
    filtered,
    outflow,
    outflow_each,
    starts,
)
from tests.accounts.factories import CaseworkerFactory, OrganisationFactory

from .builders import NO, YES, local, referral

pytestmark = pytest.mark.django_db

RESULTS = [
    (EndResult.PASSED, ""),
    (EndResult.STOPPED_EMPLOYMENT, ""),
    (EndResult.STOPPED_EARLY, StopReason.ILLNESS),
    (EndResult.FAILED, ""),
    (EndResult.STOPPED_EARLY, StopReason.MOVED),
]
GENDERS = [Gender.MALE, Gender.FEMALE, Gender.X]


def fill(gent, n):
    """`n` trajectories of 2024 across types, genders, ages, results and check-ups."""
    kinds = zip(
        itertools.cycle(OkotType.values),
        itertools.cycle(GENDERS),
        itertools.cycle(RESULTS),
        strict=False,
    )
    for i, (okot, gender, (result, reason)) in zip(range(n), kinds, strict=False):
        referral(
            ocmw=gent,
            okot=okot,
            gender=gender,
            born=datetime.date(1960 + i, 1, 1),
            start="2024-01-15",
            end="2024-06-30" if i % 4 else None,
            result=result if i % 4 else "",
            reason=reason if i % 4 else "",
            checks={3: YES, 6: NO, 12: YES} if i % 2 else {},
            created_at=local("2024-01-05 10:00"),
            state=State.CLOSED if i % 4 else State.IN_TRAINING,
        )


TABLES = [
    # (name, call, queries)
    ("starts by type", lambda qs: starts(qs, year=2024, by="type"), 2),
    ("starts by gender", lambda qs: starts(qs, year=2024, by="gender"), 2),
    ("starts by age", lambda qs: starts(qs, year=2024, by="age"), 2),
    ("starts by age, persons known", lambda qs: starts(qs, year=2024, by="age", persons=3), 1),
    ("early stops by reason", lambda qs: early_stops(qs, year=2024, by="reason"), 1),
    ("early stops by type", lambda qs: early_stops(qs, year=2024, by="type"), 1),
    ("diplomas by type", lambda qs: diplomas(qs, year=2024, by="type"), 1),
    ("diplomas by age", lambda qs: diplomas(qs, year=2024, by="age"), 1),
    ("outflow by type", lambda qs: outflow(qs, year=2024, by="type"), 1),
    ("outflow by gender", lambda qs: outflow(qs, year=2024, by="gender"), 1),
    ("outflow by age", lambda qs: outflow(qs, year=2024, by="age"), 1),
    # Several breakdowns in one query (the page's); the last table stands for them.
    ("diplomas by each", lambda qs: diplomas_each(qs, year=2024, bys=("type", "age"))[-1], 1),
    (
        "outflow by each",
        lambda qs: outflow_each(qs, year=2024, bys=("type", "gender", "age"))[-1],
        1,
    ),
    ("funnel", lambda qs: funnel(qs, year=2024), 2),
]


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize(("name", "call", "queries"), TABLES, ids=[t[0] for t in TABLES])
def test_a_table_is_a_constant_number_of_queries(django_assert_num_queries, n, name, call, queries):
    gent = OrganisationFactory()
    fill(gent, n)
    caseworker = CaseworkerFactory(organisation=gent)
    # The scope reads the user's role when it is built; the table is what is counted.
    scoped = filtered(Referral.objects.reportable_to(caseworker), okot_type="", region="")

    with django_assert_num_queries(queries):
        table = call(scoped)
        table.cell_rows()

    assert Referral.objects.count() == n
    assert table.rows
