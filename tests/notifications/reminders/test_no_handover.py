"""The reminder that no warm handover is recorded: to the caseworker on the fifth working day
after the agreement and not a day earlier, once, not when it was recorded (at the agreement
or afterwards), not once the training started, and saying what to do."""

import datetime

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import HandoverHow, State

from .reminded import BRUSSELS, D, both_channels, days, reminders_of


def no_handover(walk, on):
    return walk(State.AGREED, on=on, agree__agreed_on=on, agree__handover_at=None)


def test_no_handover_reminder_goes_to_the_caseworker_on_the_fifth_working_day(
    walk, run_on, caseworker
):
    # Agreed on Monday 30 March 2026; Easter Monday (6 April) does not count.
    referral = no_handover(walk, D(2026, 3, 30))

    for day in days(D(2026, 3, 31), 7):  # up to Monday 6 April
        assert run_on(day) == {}

    assert run_on(D(2026, 4, 7)) == {Kind.REMINDER_NO_HANDOVER: 1}
    assert reminders_of(Kind.REMINDER_NO_HANDOVER, referral) == both_channels(caseworker)
    message = Notification.objects.get(kind=Kind.REMINDER_NO_HANDOVER, channel="in_app")
    assert "hoe, wanneer en met wie" in message.body  # the caseworker reads Dutch


def test_no_handover_reminder_is_sent_once_though_the_task_runs_every_day(walk, run_on):
    no_handover(walk, D(2026, 3, 2))

    results = [run_on(day) for day in days(D(2026, 3, 9), 4)]

    assert results == [{Kind.REMINDER_NO_HANDOVER: 1}, {}, {}, {}]


def test_a_handover_given_with_the_agreement_is_not_reminded(walk, run_on):
    walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))

    for day in days(D(2026, 3, 9), 4):
        run_on(day)

    assert reminders_of(Kind.REMINDER_NO_HANDOVER) == []


def test_a_handover_recorded_afterwards_is_not_reminded(walk, clock, run_on, caseworker):
    referral = no_handover(walk, D(2026, 3, 2))
    clock(D(2026, 3, 5), hour=15)
    services.referral_record_handover(
        referral=referral,
        user=caseworker,
        handover_how=HandoverHow.PHONE,
        handover_at=datetime.datetime(2026, 3, 5, 11, tzinfo=BRUSSELS),
        handover_counsellor_name="Els Claes",
    )

    for day in days(D(2026, 3, 9), 4):
        run_on(day)

    assert reminders_of(Kind.REMINDER_NO_HANDOVER) == []


def test_in_training_a_missing_handover_is_not_reminded(walk, run_on):
    walk(State.IN_TRAINING, on=D(2026, 3, 2), agree__handover_at=None)

    assert run_on(D(2026, 3, 16)).get(Kind.REMINDER_NO_HANDOVER) is None


def test_no_handover_working_days_come_from_the_settings(walk, run_on, settings):
    settings.OKOT_HANDOVER_OVERDUE_WORKING_DAYS = 1
    no_handover(walk, D(2026, 3, 6))  # a Friday

    assert run_on(D(2026, 3, 8)) == {}
    assert run_on(D(2026, 3, 9)) == {Kind.REMINDER_NO_HANDOVER: 1}
