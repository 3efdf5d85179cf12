"""The reminder that no start is recorded: to the counsellor seven days after the probable
start date and not a day earlier, not when the client started, again for a new probable
start date, and saying what to do."""

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import State
from referrals.models import Referral

from .reminded import D, both_channels, days, reminders_of


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

    message = Notification.objects.get(kind=Kind.REMINDER_NO_START, channel="in_app")
    assert message.subject == f"Reminder: the start of {referral.client} is not recorded yet"
    assert "probable start on 9 Mar 2026 at Campus Vesalius, 7 days ago" in message.body
    assert "Record the actual start date" in message.body
