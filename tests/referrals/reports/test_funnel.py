"""The funnel: how far the referrals registered in a year came, how long each step took,
and how many wait in each state now (overdue included)."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from referrals.enums import State
from referrals.models import Referral
from referrals.reports.funnel import funnel

from .builders import day, local, referral, rows

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = local("2024-06-15 12:00")


def registered(created, state, **dates):
    """A referral created at `created` (Brussels time) in `state`, with the step dates
    given as text: applied, agreed, intake (a moment), probable, start, end."""
    fields = {"created_at": local(created), "state_changed_at": local(created)}
    for name, field in (("applied", "applied_on"), ("agreed", "agreed_on")):
        if name in dates:
            fields[field] = day(dates.pop(name))
    if "agreed_on" in fields:  # with the warm handover on the day (none is overdue too)
        moment = local(f"{fields['agreed_on'].isoformat()} 09:00")
        fields |= {"handover_how": "phone", "handover_at": moment, "handover_recorded_at": moment}
    if "intake" in dates:
        fields["intake_at"] = local(dates.pop("intake"))
    if "probable" in dates:
        fields["probable_start_date"] = day(dates.pop("probable"))
    if "changed" in dates:
        fields["state_changed_at"] = local(dates.pop("changed"))
    return referral(state=state, **fields, **dates)


@pytest.fixture
def registered_in_2024():
    """Fourteen referrals registered in 2024 (one more in 2023), seen on 15 June 2024."""
    started = {"applied": "2024-01-06", "agreed": "2024-01-08", "intake": "2024-01-10 10:00"}
    with time_machine.travel(NOW, tick=False):
        # 00:30 on New Year's Day in Brussels is still 2023 in UTC: a 2024 referral.
        registered("2024-01-01 00:30", State.INFORMED)
        registered(
            "2024-05-01 10:00", State.CANDIDATE, applied="2024-05-03", changed="2024-05-03 09:00"
        )  # waits for agreement for 43 days: overdue
        registered(
            "2024-06-10 10:00", State.CANDIDATE, applied="2024-06-12", changed="2024-06-12 09:00"
        )
        registered("2024-02-01 10:00", State.DECLINED, applied="2024-02-05")
        registered(
            "2024-03-01 10:00",
            State.AGREED,
            applied="2024-03-02",
            agreed="2024-03-05",
            changed="2024-03-05 12:00",
        )  # no intake after 3 months: overdue
        registered(
            "2024-03-01 10:00",
            State.INTAKE_PLANNED,
            applied="2024-03-03",
            agreed="2024-03-10",
            intake="2024-06-14 09:00",
        )  # intake was yesterday, no screening yet: overdue
        registered(
            "2024-02-01 10:00",
            State.ADMITTED,
            applied="2024-02-02",
            agreed="2024-02-05",
            intake="2024-02-15 10:00",
            probable="2024-06-01",
        )  # should have started two weeks ago: overdue
        registered(
            "2024-02-01 10:00",
            State.ADMITTED,
            applied="2024-02-02",
            agreed="2024-02-05",
            intake="2024-02-15 10:00",
            probable="2024-06-10",
        )
        registered(
            "2024-02-01 10:00",
            State.NOT_ADMITTED,
            applied="2024-02-02",
            agreed="2024-02-05",
            intake="2024-02-15 10:00",
        )
        registered(
            "2024-01-10 10:00",
            State.IN_TRAINING,
            applied="2024-01-11",
            agreed="2024-01-15",
            intake="2024-01-20 10:00",
            probable="2024-02-01",
            start="2024-02-01",
        )
        registered(
            "2024-01-05 10:00",
            State.CLOSED,
            **started,
            start="2024-01-15",
            end="2024-05-15",
            result="passed",
        )
        registered(
            "2024-01-05 10:00",
            State.ENDED,
            **started,
            start="2024-01-15",
            end="2024-04-01",
            result="stopped_employment",
        )
        registered(
            "2024-01-05 10:00",
            State.CLOSED,
            **started,
            start="2024-01-15",
            end="2024-03-01",
            result="failed",
        )
        registered("2024-04-01 10:00", State.WITHDRAWN, withdraw_reason="Verhuisd")
        # Registered at 22:00 on New Year's Eve 2023: not in 2024's cohort.
        registered(
            "2023-12-31 22:00",
            State.CLOSED,
            **started,
            start="2024-01-15",
            end="2024-05-15",
            result="passed",
        )


def columns(table, *keys):
    return [(r.group, *(r.values[k] for k in keys)) for r in table.rows]


def test_reached_per_stage_and_conversion(registered_in_2024):
    with time_machine.travel(NOW, tick=False):
        table = funnel(Referral.objects.all(), year=2024)

    p = Decimal
    assert columns(table, "reached", "conversion") == [
        ("informed", 14, None),
        ("candidate", 12, p("85.71")),
        ("agreed", 9, p("75.00")),
        ("intake_planned", 8, p("88.89")),
        ("admitted", 6, p("75.00")),
        ("in_training", 4, p("66.67")),
        ("ended", 3, p("75.00")),
        ("positive_end", 2, p("66.67")),
        ("declined", None, None),
        ("not_admitted", None, None),
        ("withdrawn", None, None),
        ("closed", None, None),
    ]


def test_in_each_state_now_and_overdue(registered_in_2024, settings):
    settings.OKOT_AGREE_OVERDUE_DAYS = 10
    settings.OKOT_INTAKE_OVERDUE_DAYS = 10
    settings.OKOT_START_OVERDUE_DAYS = 7
    with time_machine.travel(NOW, tick=False):
        table = funnel(Referral.objects.all(), year=2024)

    assert columns(table, "now", "overdue") == [
        ("informed", 1, 0),
        ("candidate", 2, 1),
        ("agreed", 1, 1),
        ("intake_planned", 1, 1),
        ("admitted", 2, 1),
        ("in_training", 1, 0),
        ("ended", 1, 0),
        ("positive_end", None, None),
        ("declined", 1, None),
        ("not_admitted", 1, None),
        ("withdrawn", 1, None),
        ("closed", 2, None),
    ]


@pytest.mark.parametrize(
    ("moment", "state", "overdue"),
    [
        # Agreed on 5 March at noon (state changed then): intake overdue after 10 days.
        ("2024-03-15 12:00", "agreed", 0),
        ("2024-03-15 12:01", "agreed", 1),
        # Candidate since 3 May 09:00: agreement overdue after 10 days.
        ("2024-05-13 09:00", "candidate", 0),
        ("2024-05-13 09:01", "candidate", 1),
        # Intake on 14 June 09:00: the screening is overdue a day later.
        ("2024-06-15 09:00", "intake_planned", 0),
        ("2024-06-15 09:01", "intake_planned", 1),
        # Probable start 1 June: the start is overdue when more than 7 days late.
        ("2024-06-08 12:00", "admitted", 0),
        ("2024-06-09 12:00", "admitted", 1),
        ("2024-06-19 12:00", "admitted", 2),  # and the one of 10 June too
    ],
)
def test_overdue_counts_what_waited_longer_than_agreed(
    registered_in_2024, settings, moment, state, overdue
):
    settings.OKOT_AGREE_OVERDUE_DAYS = 10
    settings.OKOT_INTAKE_OVERDUE_DAYS = 10
    settings.OKOT_START_OVERDUE_DAYS = 7
    with time_machine.travel(local(moment), tick=False):
        table = funnel(Referral.objects.all(), year=2024)

    assert dict(columns(table, "overdue"))[state] == overdue


def test_without_a_year_every_referral_counts(registered_in_2024):
    with time_machine.travel(NOW, tick=False):
        table = funnel(Referral.objects.all(), year=None)

    assert columns(table, "reached")[0] == ("informed", 15)
    assert columns(table, "reached")[7] == ("positive_end", 3)
    assert columns(table, "now")[11] == ("closed", 3)


@pytest.fixture
def timed_steps():
    """Three referrals whose step durations are known to the day (Brussels dates)."""
    # Created at 00:30 on 2 March in Brussels (1 March in UTC): 3 days to the candidacy.
    registered(
        "2024-03-02 00:30",
        State.CLOSED,
        applied="2024-03-05",
        agreed="2024-03-07",  # 2 days
        intake="2024-03-17 00:30",  # 10 days (in Brussels; 9 in UTC)
        probable="2024-04-01",
        start="2024-04-01",  # 15 days after the intake day
        end="2024-04-11",  # 10 days
        result="passed",
    )
    registered(
        "2024-03-01 10:00",
        State.INTAKE_PLANNED,
        applied="2024-03-02",  # 1 day
        agreed="2024-03-05",  # 3 days
        intake="2024-03-09 10:00",  # 4 days
    )
    registered("2024-03-01 10:00", State.CANDIDATE, applied="2024-03-11")  # 10 days


def test_median_days_per_step_odd_and_even_counts(timed_steps):
    table = funnel(Referral.objects.all(), year=2024)

    assert columns(table, "reached", "median_days") == [
        ("informed", 3, None),
        ("candidate", 3, 3),  # 1, 3, 10: the middle one
        ("agreed", 2, 3),  # 2 and 3: 2.5, rounded half up
        ("intake_planned", 2, 7),  # 10 and 4: 7
        ("admitted", 1, None),  # no duration of its own
        ("in_training", 1, 15),
        ("ended", 1, 10),
        ("positive_end", 1, None),
        ("declined", None, None),
        ("not_admitted", None, None),
        ("withdrawn", None, None),
        ("closed", None, None),
    ]


def test_median_of_a_step_nobody_reached_is_empty():
    registered("2024-03-01 10:00", State.INFORMED)

    table = funnel(Referral.objects.all(), year=2024)

    assert columns(table, "reached", "conversion", "median_days")[:3] == [
        ("informed", 1, None, None),
        ("candidate", 0, Decimal("0.00"), None),
        ("agreed", 0, None, None),  # 0 of 0: no percentage
    ]


def test_an_empty_year_gives_zeros_not_errors():
    table = funnel(Referral.objects.all(), year=2024)

    assert rows(table)[0] == ("informed", 0, None, None, 0, 0)
    assert rows(table)[-1] == ("closed", None, None, None, 0, None)


def test_an_imported_start_without_intake_date_still_reached_every_stage_before():
    # Imports may carry an agreement and a start but no intake date: no stage may then
    # count more referrals than the stage before it.
    for _ in range(3):
        registered("2024-02-01 09:00", State.IN_TRAINING, agreed="2024-02-02", start="2024-03-01")

    table = funnel(Referral.objects.all(), year=2024, today=D(2024, 6, 15))

    assert columns(table, "reached", "conversion")[:6] == [
        ("informed", 3, None),
        ("candidate", 3, Decimal("100.00")),
        ("agreed", 3, Decimal("100.00")),
        ("intake_planned", 3, Decimal("100.00")),
        ("admitted", 3, Decimal("100.00")),
        ("in_training", 3, Decimal("100.00")),
    ]
