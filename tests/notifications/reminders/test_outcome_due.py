"""The reminders of the outflow check-ups: at 3, 6, 9 and 12 months after a positive end,
once each, to whoever continues the guidance; none for a check-up already recorded, a
missed one until the next falls due, and saying what to do."""

import datetime

import pytest

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import AtWork, ContinuedBy, EndResult, State

from .reminded import D, both_channels, outcome_months_reminded, reminders_of

ENDED_ON = D(2026, 1, 15)


def ended(walk, *, result=EndResult.PASSED, continued_by=None):
    """A referral that ended on 15 January 2026, closed when `continued_by` is given."""
    overrides = {"end__end_date": ENDED_ON, "end__result": result}
    if continued_by is None:
        return walk(State.ENDED, on=ENDED_ON, **overrides)
    return walk(State.CLOSED, on=ENDED_ON, close__continued_by=continued_by, **overrides)


def around(due_on: datetime.date) -> list[datetime.date]:
    """The days where a check-up's reminder could go wrong: the day before it falls due (the
    previous one's last day before it goes stale), the due day, a second run on that day, and
    the day after."""
    one_day = datetime.timedelta(days=1)
    return [due_on - one_day, due_on, due_on, due_on + one_day]


def test_outcome_reminders_come_at_3_6_9_and_12_months_once_each(walk, run_on, counsellor):
    ended(walk, continued_by=ContinuedBy.VDAB)
    # Each check-up is reminded from its due day until the next one falls due (15 April:
    # 3 months, 15 July: 6, 15 October: 9, 15 January 2027: 12, 15 April 2027: none).
    boundary_days = [
        D(2026, 1, 16),  # the first run after the end
        *around(D(2026, 4, 15)),
        *around(D(2026, 7, 15)),
        *around(D(2026, 10, 15)),
        *around(D(2027, 1, 15)),
        D(2027, 4, 14),  # the 12 months' last day before it goes stale
        D(2027, 4, 15),  # ... and its first stale day
        D(2027, 5, 30),  # the end of the 500 days the task used to be run on, one by one
    ]

    sent_on = {day: result for day in boundary_days if (result := run_on(day))}

    reminder = {Kind.REMINDER_OUTCOME_DUE: 1}
    assert sent_on == {
        D(2026, 4, 15): reminder,
        D(2026, 7, 15): reminder,
        D(2026, 10, 15): reminder,
        D(2027, 1, 15): reminder,
    }
    assert outcome_months_reminded() == [3, 6, 9, 12]
    assert {name for name, _ in reminders_of(Kind.REMINDER_OUTCOME_DUE)} == {counsellor.username}
    assert len(reminders_of(Kind.REMINDER_OUTCOME_DUE)) == 8  # four reminders, two channels


@pytest.mark.parametrize(
    ("continued_by", "sides"),
    [
        (ContinuedBy.VDAB, {"counsellor"}),
        (ContinuedBy.OCMW, {"caseworker"}),
        (None, {"counsellor", "caseworker"}),  # ended, not yet closed: both
    ],
    ids=["vdab", "ocmw", "not-decided"],
)
def test_outcome_reminder_goes_to_whoever_continues_the_guidance(
    walk, run_on, counsellor, caseworker, continued_by, sides
):
    referral = ended(walk, continued_by=continued_by)
    people = {"counsellor": counsellor, "caseworker": caseworker}

    run_on(D(2026, 4, 15))

    expected = both_channels(*(people[side] for side in sorted(sides)))
    assert reminders_of(Kind.REMINDER_OUTCOME_DUE, referral) == expected


@pytest.mark.parametrize(
    ("result", "reminded"),
    [
        (EndResult.PASSED, True),
        (EndResult.STOPPED_EMPLOYMENT, True),
        (EndResult.FAILED, False),
        (EndResult.STOPPED_EARLY, False),
    ],
)
def test_outcome_reminders_only_after_a_positive_end(walk, run_on, result, reminded):
    overrides = {"end__stop_reason": "illness"} if result == EndResult.STOPPED_EARLY else {}
    walk(
        State.CLOSED,
        on=ENDED_ON,
        end__end_date=ENDED_ON,
        end__result=result,
        close__continued_by=ContinuedBy.OCMW,
        **overrides,
    )

    assert bool(run_on(D(2026, 4, 15))) is reminded


def test_no_outcome_reminder_for_a_check_up_already_recorded(walk, clock, run_on, caseworker):
    referral = ended(walk, continued_by=ContinuedBy.OCMW)
    run_on(D(2026, 4, 14))  # the day before it falls due: nothing yet
    clock(D(2026, 4, 15), hour=6)  # recorded on the due day, before the morning run
    services.outcome_check_record(
        referral=referral,
        user=caseworker,
        months=3,
        at_work=AtWork.YES,
        checked_on=D(2026, 4, 15),
    )

    assert run_on(D(2026, 4, 15)) == {}
    assert run_on(D(2026, 7, 15)) == {Kind.REMINDER_OUTCOME_DUE: 1}
    assert outcome_months_reminded(referral) == [6]


def test_a_missed_check_up_is_reminded_until_the_next_one_falls_due(walk, run_on):
    """A worker that was down catches up; an old gap does not flood the inbox."""
    referral = ended(walk, continued_by=ContinuedBy.OCMW)

    assert run_on(D(2026, 7, 14)) == {Kind.REMINDER_OUTCOME_DUE: 1}  # 3 months, late
    assert run_on(D(2026, 10, 20)) == {Kind.REMINDER_OUTCOME_DUE: 1}  # 9 months; 6 is stale

    assert outcome_months_reminded(referral) == [3, 9]


def test_outcome_reminder_tells_what_to_do(walk, run_on, caseworker):
    caseworker.language = "en"
    caseworker.save(update_fields=["language"])
    referral = ended(walk, continued_by=ContinuedBy.OCMW)

    run_on(D(2026, 4, 15))

    message = Notification.objects.get(kind=Kind.REMINDER_OUTCOME_DUE, channel="in_app")
    assert message.subject == f"Reminder: outflow check-up at 3 months for {referral.client}"
    assert "ended on 15 Jan 2026: passed" in message.body
    assert "3 months after this positive end was due on 15 Apr 2026" in message.body
    assert "continued by OCMW" in message.body
