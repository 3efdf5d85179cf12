"""The reminder that the end is not recorded: to the counsellor some days after the expected
end (the start plus the training's duration), not while the training is interrupted, and
later by the days interrupted once the trainee resumed."""

import datetime

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import InterruptionReason, State

from .reminded import D, both_channels, reminders_of


def test_the_end_reminder_goes_to_the_counsellor_after_the_expected_end(
    walk, run_on, training, counsellor, settings
):
    settings.NOTIFY_REMINDER_END_EXPECTED_DAYS = 14
    counsellor.language = "en"
    counsellor.save(update_fields=["language"])
    training.duration_months = 6
    training.save(update_fields=["duration_months"])
    referral = walk(State.IN_TRAINING, on=D(2026, 3, 2), start__start_date=D(2026, 3, 2))
    assert referral.expected_end_date == D(2026, 9, 2)

    assert run_on(D(2026, 9, 15)) == {}
    assert run_on(D(2026, 9, 16)) == {Kind.REMINDER_END_EXPECTED: 1}
    assert reminders_of(Kind.REMINDER_END_EXPECTED, referral) == both_channels(counsellor)
    assert run_on(D(2026, 9, 17)) == {}
    message = Notification.objects.get(kind=Kind.REMINDER_END_EXPECTED, channel="in_app")
    assert "was expected to end on 2 Sep 2026, 14 days ago" in message.body
    assert "Record the end and its result" in message.body


def test_an_interruption_pauses_the_end_reminder_and_moves_it_on(
    walk, clock, run_on, training, caseworker, settings
):
    settings.NOTIFY_REMINDER_END_EXPECTED_DAYS = 14
    training.duration_months = 6
    training.save(update_fields=["duration_months"])
    referral = walk(State.IN_TRAINING, on=D(2026, 3, 2), start__start_date=D(2026, 3, 2))
    clock(D(2026, 8, 20), hour=15)
    interruption = services.interruption_record(
        referral=referral,
        user=caseworker,
        reason=InterruptionReason.ILLNESS,
        from_date=D(2026, 8, 20),
    )

    # Interrupted past the (first) reminder's day: no reminder while it lasts.
    for day in (D(2026, 9, 16), D(2026, 9, 30)):
        assert run_on(day) == {}

    clock(D(2026, 10, 1), hour=15)
    services.interruption_end(interruption=interruption, user=caseworker, to_date=D(2026, 9, 30))
    referral.refresh_from_db()
    assert referral.expected_end_date == D(2026, 9, 2) + datetime.timedelta(days=42)

    assert run_on(D(2026, 10, 27)) == {}
    assert run_on(D(2026, 10, 28)) == {Kind.REMINDER_END_EXPECTED: 1}
    assert (
        ":2026-10-14:"
        in Notification.objects.get(
            kind=Kind.REMINDER_END_EXPECTED, channel="in_app"
        ).idempotency_key
    )


def test_no_end_reminder_once_the_training_ended(walk, clock, run_on, training, counsellor):
    training.duration_months = 1
    training.save(update_fields=["duration_months"])
    referral = walk(State.IN_TRAINING, on=D(2026, 3, 2), start__start_date=D(2026, 3, 2))
    clock(D(2026, 4, 1), hour=15)
    services.referral_end(
        referral=referral, user=counsellor, end_date=D(2026, 4, 1), result="passed"
    )

    assert run_on(D(2026, 5, 1)).get(Kind.REMINDER_END_EXPECTED) is None
