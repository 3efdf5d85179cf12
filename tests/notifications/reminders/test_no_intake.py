"""The reminder that no intake is planned: to the counsellor on the tenth working day after
the agreement and not a day earlier, once though the task runs every day, not when the
intake was planned, never to the caseworker, and saying what to do."""

import datetime

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import State

from .reminded import BRUSSELS, D, both_channels, days, reminders_of


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

    message = Notification.objects.get(kind=Kind.REMINDER_NO_INTAKE, channel="in_app")
    assert message.subject == f"Reminder: no intake planned yet for {referral.client}"
    assert "Verpleegkunde HBO5" in message.body
    assert "2 Mar 2026, 10 working days ago" in message.body
    assert "Plan the intake" in message.body
    assert f"Caseworker: {caseworker}, 09 266 99 00." in message.body
    email = Notification.objects.get(kind=Kind.REMINDER_NO_INTAKE, channel="email")
    assert email.subject == (
        f"OKOT: Reminder: no intake planned yet – referral #{referral.pk} (Verpleegkunde HBO5)"
    )
    assert email.status == Notification.Status.PENDING
    assert email.body_html
