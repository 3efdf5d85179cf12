"""The daily reminders: Belgian working days, sent on the day they fall due and not a day
earlier, once per referral and milestone, to whoever has to act, at a query cost that does
not grow with the referrals that are not due."""

import datetime
import zoneinfo

import pytest
from django.conf import settings

from notifications import reminders, tasks
from notifications.models import EmailOptOut, Kind, Notification
from notifications.reminders import (
    add_working_days,
    is_working_day,
    working_days_ago,
    working_days_between,
)
from notifications.tasks import send_reminders
from referrals import services
from referrals.enums import AtWork, ContinuedBy, EndResult, State
from referrals.models import OutcomeCheck, Referral
from tests.accounts.factories import CounsellorFactory
from tests.referrals.factories import ReferralFactory, TrainingFactory, referral_in_state

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
D = datetime.date


# --- working days -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 3, 6), True),  # a Friday
        (D(2026, 3, 7), False),  # Saturday
        (D(2026, 3, 8), False),  # Sunday
        (D(2026, 1, 1), False),  # New Year's Day
        (D(2026, 4, 3), True),  # Good Friday is no public holiday in Belgium
        (D(2026, 4, 6), False),  # Easter Monday
        (D(2026, 5, 1), False),  # Labour Day
        (D(2026, 5, 14), False),  # Ascension Day
        (D(2026, 5, 25), False),  # Whit Monday
        (D(2025, 7, 11), True),  # Flemish community holiday, not a national one (a Friday)
        (D(2025, 7, 21), False),  # National Day (a Monday)
        (D(2025, 8, 15), False),  # Assumption (a Friday)
        (D(2027, 11, 1), False),  # All Saints' Day (a Monday)
        (D(2026, 11, 11), False),  # Armistice Day (a Wednesday)
        (D(2026, 12, 25), False),  # Christmas (a Friday)
        (D(2026, 12, 28), True),  # the Monday after: Boxing Day is no public holiday here
    ],
    ids=str,
)
def test_weekends_and_belgian_public_holidays_are_not_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
        (D(2026, 3, 5), 1, D(2026, 3, 6)),  # Thursday to Friday
        (D(2026, 3, 6), 1, D(2026, 3, 9)),  # Friday over the weekend to Monday
        (D(2026, 3, 7), 1, D(2026, 3, 9)),  # from a Saturday
        (D(2026, 3, 2), 10, D(2026, 3, 16)),  # two full weeks
        (D(2026, 4, 2), 2, D(2026, 4, 7)),  # over Easter: Good Friday counts, Monday not
        (D(2025, 7, 10), 1, D(2025, 7, 11)),  # 11 July is a working day
        (D(2025, 7, 18), 1, D(2025, 7, 22)),  # 21 July is not
        (D(2027, 10, 29), 1, D(2027, 11, 2)),  # All Saints' on a Monday
        (D(2026, 11, 10), 1, D(2026, 11, 12)),  # Armistice Day on a Wednesday
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Christmas on a Friday
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # New Year's Day, into the next year
        (D(2026, 3, 30), 10, D(2026, 4, 14)),  # ten working days over Easter
    ],
    ids=str,
)
def test_add_working_days_skips_weekends_and_public_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 3, 6), D(2026, 3, 9), 1),  # Friday to Monday
        (D(2026, 3, 7), D(2026, 3, 8), 0),  # a weekend
        (D(2026, 3, 9), D(2026, 3, 9), 0),
        (D(2026, 3, 30), D(2026, 4, 14), 10),  # over Easter Monday
        (D(2026, 12, 21), D(2027, 1, 4), 8),  # Christmas and New Year's Day
        (D(2026, 3, 9), D(2026, 3, 6), -1),  # backwards
    ],
    ids=str,
)
def test_working_days_between_counts_after_the_start_up_to_the_end(start, end, expected):
    assert working_days_between(start, end) == expected


def test_working_days_between_undoes_add_working_days_all_year():
    for offset in range(0, 400, 3):
        day = D(2026, 1, 1) + datetime.timedelta(days=offset)
        for days in (1, 5, 10, 15):
            assert working_days_between(day, add_working_days(day, days)) == days


def test_working_days_ago_is_the_latest_day_whose_reminder_is_due():
    # Tuesday 14 April 2026 is ten working days after Monday 30 March (Easter Monday between).
    assert working_days_ago(D(2026, 4, 14), 10) == D(2026, 3, 30)
    assert working_days_ago(D(2026, 4, 13), 10) == D(2026, 3, 29)  # a Sunday: due Monday 13
    assert add_working_days(D(2026, 3, 29), 10) == D(2026, 4, 13)


def test_working_days_are_counted_forward_only():
    with pytest.raises(ValueError, match="forward"):
        add_working_days(D(2026, 3, 2), -1)


# --- the people and the clock -------------------------------------------------------------


# The caseworker, the counsellor and the training are the cast of tests/conftest.py.


@pytest.fixture
def training(training, counsellor):
    """The cast's training with the counsellor as its contact: reminders to VDAB go to them."""
    training.contact_counsellor = counsellor
    training.save(update_fields=["contact_counsellor"])
    return training


@pytest.fixture
def clock(time_machine):
    """`clock(day)`: the clock at 07:00 in Brussels on `day`, when beat runs the task."""

    def set_day(day: datetime.date, hour: int = 7):
        moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=BRUSSELS)
        time_machine.move_to(moment, tick=False)

    return set_day


@pytest.fixture
def walk(clock, training, caseworker, counsellor):
    """`walk(state, on=day, ...)`: a new client's referral walked to `state` on `day`."""

    def walk_to(state, *, on: datetime.date, **overrides):
        clock(on)
        return referral_in_state(
            state, training=training, caseworker=caseworker, counsellor=counsellor, **overrides
        )

    return walk_to


@pytest.fixture
def run_on(clock):
    """`run_on(day)`: the daily task as beat runs it on `day`."""

    def run(day: datetime.date):
        clock(day)
        return send_reminders()

    return run


def reminders_of(kind, referral=None) -> list[tuple[str, str]]:
    """(recipient username, channel) of the reminders of `kind` written so far."""
    rows = Notification.objects.filter(kind=kind).select_related("recipient")
    if referral is not None:
        rows = rows.filter(referral=referral)
    return sorted((n.recipient.username, n.channel) for n in rows)


def outcome_months_reminded(referral=None) -> list[int]:
    """The check-ups reminded, read from the in-app rows' keys
    ("reminder:outcome:<referral>:<months>:<kind>:<recipient>:<channel>")."""
    rows = Notification.objects.filter(kind=Kind.REMINDER_OUTCOME_DUE, channel="in_app")
    if referral is not None:
        rows = rows.filter(referral=referral)
    return sorted({int(n.idempotency_key.split(":")[3]) for n in rows})


def both_channels(*people) -> list[tuple[str, str]]:
    return sorted((p.username, channel) for p in people for channel in ("email", "in_app"))


def days(start: datetime.date, count: int) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range(count)]


# --- no intake planned ----------------------------------------------------------------------


def test_no_intake_reminder_goes_to_the_counsellor_on_the_tenth_working_day(
    walk, run_on, counsellor
):
    # Agreed on Monday 30 March 2026; Easter Monday (6 April) does not count.
    referral = walk(State.AGREED, on=D(2026, 3, 30), agree__agreed_on=D(2026, 3, 30))

    for day in days(D(2026, 3, 31), 14):  # up to Monday 13 April
        assert run_on(day) == {}
    assert reminders_of(Kind.REMINDER_NO_INTAKE) == []

    assert run_on(D(2026, 4, 14)) == {Kind.REMINDER_NO_INTAKE: 1}
    assert reminders_of(Kind.REMINDER_NO_INTAKE, referral) == both_channels(counsellor)


def test_no_intake_reminder_is_sent_once_though_the_task_runs_every_day(walk, run_on):
    walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))

    results = [run_on(day) for day in days(D(2026, 3, 16), 7)]

    assert results == [{Kind.REMINDER_NO_INTAKE: 1}] + [{}] * 6
    assert len(reminders_of(Kind.REMINDER_NO_INTAKE)) == 2  # e-mail and in-app, once


def test_no_intake_reminder_is_not_sent_when_the_intake_was_planned(
    walk, clock, run_on, counsellor
):
    referral = walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    clock(D(2026, 3, 13), hour=15)
    intake_at = datetime.datetime(2026, 3, 20, 10, tzinfo=BRUSSELS)
    services.referral_plan_intake(
        referral=referral, user=counsellor, intake_at=intake_at, place="VDAB Gent"
    )

    for day in days(D(2026, 3, 16), 7):
        run_on(day)

    assert reminders_of(Kind.REMINDER_NO_INTAKE) == []


def test_no_intake_working_days_come_from_the_settings(walk, run_on, settings):
    settings.NOTIFY_REMINDER_NO_INTAKE_WORKING_DAYS = 1
    walk(State.AGREED, on=D(2026, 3, 6), agree__agreed_on=D(2026, 3, 6))  # a Friday

    assert run_on(D(2026, 3, 7)) == {}
    assert run_on(D(2026, 3, 8)) == {}
    assert run_on(D(2026, 3, 9)) == {Kind.REMINDER_NO_INTAKE: 1}


def test_the_caseworker_gets_no_copy_of_the_no_intake_reminder(walk, run_on, caseworker):
    walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))

    run_on(D(2026, 3, 16))

    assert caseworker.username not in {name for name, _ in reminders_of(Kind.REMINDER_NO_INTAKE)}


def test_no_intake_reminder_tells_what_to_do(walk, run_on, counsellor, caseworker):
    counsellor.language = "en"
    counsellor.save(update_fields=["language"])
    referral = walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))

    run_on(D(2026, 3, 16))

    message = Notification.objects.get(kind=Kind.REMINDER_NO_INTAKE, channel="email")
    assert message.subject == f"Reminder: no intake planned yet for {referral.client}"
    assert "Verpleegkunde HBO5" in message.body
    assert "March 2, 2026, 10 working days ago" in message.body
    assert "Plan the intake" in message.body
    assert f"Caseworker: {caseworker}, 09 266 99 00." in message.body
    assert message.status == Notification.Status.PENDING
    assert message.body_html


# --- not started ------------------------------------------------------------------------


def test_no_start_reminder_goes_to_the_counsellor_seven_days_after_the_probable_start(
    walk, run_on, counsellor
):
    referral = walk(State.ADMITTED, on=D(2026, 3, 2), admit__probable_start_date=D(2026, 3, 9))

    for day in days(D(2026, 3, 3), 13):  # up to 15 March
        assert run_on(day) == {}

    assert run_on(D(2026, 3, 16)) == {Kind.REMINDER_NO_START: 1}
    assert reminders_of(Kind.REMINDER_NO_START, referral) == both_channels(counsellor)
    assert [run_on(day) for day in days(D(2026, 3, 17), 7)] == [{}] * 7


def test_no_start_days_come_from_the_settings(walk, run_on, settings):
    settings.NOTIFY_REMINDER_NO_START_DAYS = 2
    walk(State.ADMITTED, on=D(2026, 3, 2), admit__probable_start_date=D(2026, 3, 9))

    assert run_on(D(2026, 3, 10)) == {}
    assert run_on(D(2026, 3, 11)) == {Kind.REMINDER_NO_START: 1}


def test_no_start_reminder_is_not_sent_when_the_client_started(walk, clock, run_on, counsellor):
    referral = walk(State.ADMITTED, on=D(2026, 3, 2), admit__probable_start_date=D(2026, 3, 9))
    clock(D(2026, 3, 12), hour=15)
    services.referral_start(referral=referral, user=counsellor, start_date=D(2026, 3, 9))

    for day in days(D(2026, 3, 16), 7):
        run_on(day)

    assert reminders_of(Kind.REMINDER_NO_START) == []


def test_a_new_probable_start_date_gets_its_own_reminder(walk, run_on):
    referral = walk(State.ADMITTED, on=D(2026, 3, 2), admit__probable_start_date=D(2026, 3, 9))
    run_on(D(2026, 3, 16))
    Referral.objects.filter(pk=referral.pk).update(probable_start_date=D(2026, 4, 20))

    assert run_on(D(2026, 4, 26)) == {}
    assert run_on(D(2026, 4, 27)) == {Kind.REMINDER_NO_START: 1}
    assert run_on(D(2026, 4, 28)) == {}
    assert len(reminders_of(Kind.REMINDER_NO_START)) == 4  # two reminders, two channels


def test_no_start_reminder_tells_what_to_do(walk, run_on, counsellor):
    counsellor.language = "en"
    counsellor.save(update_fields=["language"])
    referral = walk(
        State.ADMITTED,
        on=D(2026, 3, 2),
        admit__probable_start_date=D(2026, 3, 9),
        admit__probable_location="Campus Vesalius",
    )

    run_on(D(2026, 3, 16))

    message = Notification.objects.get(kind=Kind.REMINDER_NO_START, channel="email")
    assert message.subject == f"Reminder: the start of {referral.client} is not recorded yet"
    assert "probable start on March 9, 2026 at Campus Vesalius, 7 days ago" in message.body
    assert "Record the actual start date" in message.body


# --- outflow check-ups ------------------------------------------------------------------------

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

    message = Notification.objects.get(kind=Kind.REMINDER_OUTCOME_DUE, channel="email")
    assert message.subject == f"Reminder: outflow check-up at 3 months for {referral.client}"
    assert "ended on Jan. 15, 2026: passed" in message.body
    assert "3 months after this positive end was due on April 15, 2026" in message.body
    assert "continued by OCMW" in message.body


# --- delivery choices, failures, nobody to tell ----------------------------------------------


def test_a_switched_off_email_still_leaves_the_message_in_the_inbox(walk, run_on, counsellor):
    EmailOptOut.objects.create(user=counsellor, kind=Kind.REMINDER_NO_INTAKE)
    walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))

    run_on(D(2026, 3, 16))

    assert reminders_of(Kind.REMINDER_NO_INTAKE) == [(counsellor.username, "in_app")]


def test_a_reminder_that_fails_does_not_hold_back_the_others(walk, run_on, monkeypatch, caplog):
    broken = walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    fine = walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    counsellors_for = reminders.counsellors_for

    def fails_for_broken(referral):
        if referral.pk == broken.pk:
            raise RuntimeError("boom")
        return counsellors_for(referral)

    monkeypatch.setattr(reminders, "counsellors_for", fails_for_broken)

    assert run_on(D(2026, 3, 16)) == {Kind.REMINDER_NO_INTAKE: 1}
    assert reminders_of(Kind.REMINDER_NO_INTAKE, fine)
    assert not reminders_of(Kind.REMINDER_NO_INTAKE, broken)
    assert f"reminder:no_intake:{broken.pk}" in caplog.text

    monkeypatch.setattr(reminders, "counsellors_for", counsellors_for)
    assert run_on(D(2026, 3, 17)) == {Kind.REMINDER_NO_INTAKE: 1}  # tried again the next day
    assert reminders_of(Kind.REMINDER_NO_INTAKE, broken)


def test_a_reminder_with_nobody_to_tell_is_tried_again_the_next_day(clock, run_on, caseworker):
    """A training without contact counsellor in a region without counsellors (yet)."""
    training = TrainingFactory(contact_counsellor=None)
    regional = CounsellorFactory()
    clock(D(2026, 3, 2))
    referral_in_state(
        State.AGREED,
        training=training,
        caseworker=caseworker,
        counsellor=regional,
        agree__agreed_on=D(2026, 3, 2),
    )
    regional.is_active = False
    regional.save(update_fields=["is_active"])

    assert run_on(D(2026, 3, 16)) == {}

    newcomer = CounsellorFactory()
    assert run_on(D(2026, 3, 17)) == {Kind.REMINDER_NO_INTAKE: 1}
    assert reminders_of(Kind.REMINDER_NO_INTAKE) == both_channels(newcomer)


# --- the schedule -------------------------------------------------------------------------


def test_beat_runs_the_reminders_daily_at_seven():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]

    assert entry["task"] == tasks.send_reminders.name == "notifications.tasks.send_reminders"
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {0}
    assert entry["schedule"].day_of_week == set(range(7))


def test_the_task_takes_the_day_as_text_too(walk, clock):
    walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    clock(D(2026, 3, 2))

    assert tasks.send_reminders("2026-03-16") == {Kind.REMINDER_NO_INTAKE: 1}


# --- query counts -------------------------------------------------------------------------

# The selection: three candidate queries, each with the reminders already written, and the
# check-ups recorded for the outcome candidates.
SELECTION_QUERIES = 7
# Writing a reminder: its savepoint (and release), the e-mail opt-outs, and the referral's
# last VDAB actor (when counsellors are addressed: at most one query); then, per
# recipient, their permissions (what they may see of the client: two queries) and the
# in-app and e-mail rows (the outbox's get_or_create: a select, and an insert between a
# savepoint and its release, each).
QUERIES_PER_REMINDER = 4
QUERIES_PER_RECIPIENT = 10
TODAY = D(2026, 7, 15)


def world(count: int, training, caseworker) -> None:
    """`count` referrals per kind of reminder that are not due today, and `count` that were
    reminded already; written straight to the table (state is protected on the model only)."""

    def referral(state, **fields):
        return ReferralFactory(
            training=training, created_by=caseworker, caseworker=caseworker, state=state, **fields
        )

    for _ in range(count):
        referral(State.AGREED, agreed_on=TODAY - datetime.timedelta(days=3))  # not due
        referral(State.AGREED, agreed_on=TODAY - datetime.timedelta(days=60))  # reminded
        referral(State.ADMITTED, probable_start_date=TODAY)  # not due
        referral(State.ADMITTED, probable_start_date=TODAY - datetime.timedelta(days=30))
        referral(  # not due: ended a month ago
            State.ENDED, end_date=TODAY - datetime.timedelta(days=30), end_result=EndResult.PASSED
        )
        referral(  # not due: failed
            State.CLOSED, end_date=D(2026, 1, 15), end_result=EndResult.FAILED, continued_by="ocmw"
        )
        recorded = referral(  # 3 months reminded already, 6 months recorded
            State.CLOSED, end_date=D(2026, 1, 15), end_result=EndResult.PASSED, continued_by="vdab"
        )
        OutcomeCheck.objects.create(referral=recorded, months=6, at_work=AtWork.YES)
    send_reminders(today=D(2026, 4, 15))  # the 3-month reminders
    send_reminders(today=TODAY)  # the rest of the already reminded


@pytest.mark.parametrize("count", [5, 40])
def test_referrals_not_due_or_reminded_already_cost_no_query(
    count, training, caseworker, django_assert_max_num_queries
):
    world(count, training, caseworker)
    assert Notification.objects.filter(kind__startswith="reminder_").exists()

    with django_assert_max_num_queries(SELECTION_QUERIES):
        assert send_reminders(today=TODAY) == {}


@pytest.mark.parametrize("count", [5, 40])
def test_only_the_reminders_sent_add_queries(
    count, training, caseworker, django_assert_max_num_queries
):
    world(count, training, caseworker)
    for state, fields in [
        (State.AGREED, {"agreed_on": TODAY - datetime.timedelta(days=14)}),
        (State.ADMITTED, {"probable_start_date": TODAY - datetime.timedelta(days=7)}),
        (State.ENDED, {"end_date": D(2026, 4, 15), "end_result": EndResult.PASSED}),
    ]:
        ReferralFactory(
            training=training, created_by=caseworker, caseworker=caseworker, state=state, **fields
        )
    # Three reminders; one recipient each, except the check-up (not closed yet: both sides).
    ceiling = SELECTION_QUERIES + 3 * QUERIES_PER_REMINDER + 4 * QUERIES_PER_RECIPIENT

    with django_assert_max_num_queries(ceiling):
        result = send_reminders(today=TODAY)

    assert result == {
        Kind.REMINDER_NO_INTAKE: 1,
        Kind.REMINDER_NO_START: 1,
        Kind.REMINDER_OUTCOME_DUE: 1,
    }
