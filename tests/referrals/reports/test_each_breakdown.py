"""A table by several breakdowns counted in one query (`tables._grouped_each`) is, by each
breakdown, the table counted alone: counts, distinct trajectories, the last end (and so
"n.b."), unknown ages and genders included."""

import datetime

import pytest
from django.db.models import Count

from referrals.enums import EndResult, OkotType
from referrals.models import Referral
from referrals.reports.cohort import (
    cohort_outflow,
    cohort_outflow_each,
    status,
    status_each,
)
from referrals.reports.tables import (
    _grouped_each,
    diplomas,
    diplomas_each,
    outflow,
    outflow_each,
)
from tests.accounts.factories import OrganisationFactory

from .builders import YES, referral, rows
from .test_queries import fill

pytestmark = pytest.mark.django_db
BYS = ("type", "gender", "age")
TODAY = datetime.date(2024, 12, 1)  # the 3-month check-ups of June's ends are due, not later


@pytest.fixture
def referrals():
    gent = OrganisationFactory()
    fill(gent, 40)
    # An unknown age and gender, a late end whose check-ups are not due: "?" rows, "n.b.".
    referral(ocmw=gent, born=None, start="2024-02-01", end="2024-11-15", result="passed")
    referral(ocmw=gent, gender="", start="2024-02-01", end="2024-06-30", result="passed")
    referral(
        ocmw=gent,
        okot=OkotType.HBO,
        start="2024-03-01",
        end="2024-04-30",
        result=EndResult.STOPPED_EMPLOYMENT,
        checks={3: YES, 6: YES},
    )
    return Referral.objects.all()


@pytest.mark.parametrize(
    ("each", "alone"),
    [
        (
            lambda qs: outflow_each(qs, year=2024, bys=BYS, today=TODAY),
            lambda qs, by: outflow(qs, year=2024, by=by, today=TODAY),
        ),
        (
            lambda qs: cohort_outflow_each(qs, year=2024, bys=BYS, today=TODAY),
            lambda qs, by: cohort_outflow(qs, year=2024, by=by, today=TODAY),
        ),
        (
            lambda qs: diplomas_each(qs, year=2024, bys=BYS),
            lambda qs, by: diplomas(qs, year=2024, by=by),
        ),
        (
            lambda qs: status_each(qs, year=2024, bys=BYS),
            lambda qs, by: status(qs, year=2024, by=by),
        ),
    ],
    ids=["outflow", "cohort outflow", "diplomas", "status"],
)
def test_each_breakdown_from_one_query_is_the_table_counted_alone(
    referrals, django_assert_num_queries, each, alone
):
    with django_assert_num_queries(1):
        tables = each(referrals)

    assert [table.by for table in tables] == list(BYS)
    for table in tables:
        # Alone, a table is one query grouped by its one breakdown (`tables._grouped`).
        assert rows(table) == rows(alone(referrals, table.by))
    assert any(row[0] == "?" for row in rows(tables[2]))  # the unknown age has its row


def test_what_does_not_add_up_over_groups_is_refused(referrals):
    persons = Count("client__insz", distinct=True)

    with pytest.raises(TypeError, match="persons"):
        _grouped_each(referrals, BYS, persons=persons)
