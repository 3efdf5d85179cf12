"""The daily digest (issue 12, item 5): a choice per user between an e-mail per message (the
default) and one e-mail a day with everything of that day. A digest reader's messages wait
for the digest, except those that must reach them at once (the warm handover and the call
it asks for); beat sends each digest reader one e-mail a day, through the outbox, in their
language, listing each waiting message once, with links to the app; a rerun sends nothing
twice, and what came after that day's digest waits for the next one."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.utils import formats, translation

from notifications import tasks
from notifications.models import (
    AT_ONCE,
    DAILY_DIGEST,
    EmailFrequency,
    EmailOptOut,
    EmailPreference,
    Kind,
    Notification,
)
from referrals.enums import State
from tests.notifications.messages import EMAIL, IN_APP, INBOX, PREFERENCES, in_ui_language
from tests.referrals.factories import take_step

pytestmark = pytest.mark.django_db

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def clock(time_machine):
    """`clock(day, hour)`: the clock at `hour` in Brussels on `day`."""

    def set_clock(day: datetime.date, hour: int = 10):
        moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=BRUSSELS)
        time_machine.move_to(moment, tick=False)

    return set_clock


@pytest.fixture
def digest_at(clock, django_capture_on_commit_callbacks):
    """`digest_at(day)`: the digest task as beat runs it on `day`, its e-mails delivered."""

    def run(day: datetime.date = DAY):
        clock(day, settings.NOTIFY_DIGEST_HOUR)
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.send_digests()

    return run


def daily(*users) -> None:
    for user in users:
        EmailPreference.objects.update_or_create(
            user=user, defaults={"frequency": EmailFrequency.DAILY}
        )


def digests(user=None) -> list[Notification]:
    rows = Notification.objects.filter(channel=EMAIL, kind=DAILY_DIGEST).order_by("pk")
    return list(rows.filter(recipient=user) if user else rows)


def emails_of(user) -> list[str]:
    return list(
        Notification.objects.filter(channel=EMAIL, recipient=user).values_list("kind", flat=True)
    )


# --- the choice --------------------------------------------------------------------------------


def test_an_e_mail_per_message_is_the_default(logged_in):
    response = logged_in.get(PREFERENCES)

    assert response.context["form"]["frequency"].initial == EmailFrequency.EACH
    html = response.content.decode()
    assert html.count('type="radio"') == len(EmailFrequency)
    assert f'<legend class="h5">{in_ui_language("How often")}</legend>' in html
    for index, frequency in enumerate(EmailFrequency):
        assert f'for="id_frequency_{index}"' in html
        assert in_ui_language(frequency.label) in html


def test_the_daily_digest_is_a_choice_stored_per_user(logged_in, me, someone_else):
    everything = {"email_kinds": list(Kind.values)}

    logged_in.post(PREFERENCES, {**everything, "frequency": EmailFrequency.DAILY})

    assert EmailPreference.objects.get(user=me).frequency == EmailFrequency.DAILY
    assert not EmailPreference.objects.filter(user=someone_else).exists()
    form = logged_in.get(PREFERENCES).context["form"]
    assert form["frequency"].initial == EmailFrequency.DAILY

    logged_in.post(PREFERENCES, {**everything, "frequency": EmailFrequency.EACH})

    assert EmailPreference.objects.get(user=me).frequency == EmailFrequency.EACH


def test_an_unknown_frequency_is_refused(logged_in, me):
    response = logged_in.post(PREFERENCES, {"frequency": "hourly"})

    assert response.status_code == 200
    assert response.context["form"].errors["frequency"]
    assert not EmailPreference.objects.filter(user=me).exists()


def test_the_choice_says_what_still_comes_at_once_and_when_the_digest_comes(logged_in, settings):
    settings.NOTIFY_DIGEST_HOUR = 17

    html = logged_in.get(PREFERENCES).content.decode()

    with translation.override("nl-be"):
        for kind in AT_ONCE:
            assert str(kind.label) in html
    assert "17:00" in html
    assert 'aria-describedby="id_frequency_helptext"' in html


# --- what a digest reader is sent per message ---------------------------------------------------


def test_a_digest_reader_gets_no_e_mail_per_message(walk, people):
    daily(people["caseworker"])
    referral = walk(State.IN_TRAINING)

    take_step("end", referral, people["counsellor"])

    assert emails_of(people["caseworker"]) == []
    message = Notification.objects.get(recipient=people["caseworker"], channel=IN_APP)
    assert message.in_digest and message.digest is None
    # The other side still gets its e-mail per message.
    assert emails_of(people["counsellor"]) == [Kind.CONTINUED_GUIDANCE]


def test_the_warm_handover_and_its_call_still_come_at_once(walk, people):
    daily(*people.values())
    referral = walk(State.CANDIDATE)

    take_step("agree", referral, people["caseworker"])

    assert emails_of(people["caseworker"]) == [Kind.CALL_COUNSELLOR]
    assert emails_of(people["counsellor"]) == [Kind.WARM_HANDOVER]
    assert not Notification.objects.filter(in_digest=True).exists()
    assert AT_ONCE == {Kind.WARM_HANDOVER, Kind.CALL_COUNSELLOR}


def test_a_kind_switched_off_waits_for_no_digest(walk, people):
    daily(people["caseworker"])
    EmailOptOut.objects.create(user=people["caseworker"], kind=Kind.STARTED)
    referral = walk(State.ADMITTED)

    take_step("start", referral, people["counsellor"])

    message = Notification.objects.get(recipient=people["caseworker"], channel=IN_APP)
    assert not message.in_digest


# --- the digest ----------------------------------------------------------------------------------


def test_the_digest_lists_the_days_messages_in_one_e_mail(
    walk, people, clock, digest_at, mailoutbox, settings
):
    settings.SITE_URL = "https://okot.example.org"
    caseworker = people["caseworker"]
    daily(caseworker)
    clock(DAY)
    referral = walk(State.INTAKE_PLANNED)
    take_step("admit", referral, people["counsellor"])
    take_step("start", referral, people["counsellor"])

    assert digest_at(DAY) == 1

    (digest,) = digests(caseworker)
    assert digest.idempotency_key == f"digest:{DAY.isoformat()}:{caseworker.pk}:email"
    assert digest.status == Notification.Status.SENT
    assert digest.referral is None
    with translation.override("nl-be"):
        for kind in (Kind.ADMITTED, Kind.STARTED):
            assert str(kind.label) in digest.body
            assert f">{kind.label}<" in digest.body_html
    assert f"https://okot.example.org{INBOX}" in digest.body
    assert f"https://okot.example.org{referral.get_absolute_url()}" in digest.body
    assert f'href="https://okot.example.org{INBOX}"' in digest.body_html
    assert f"#{referral.pk}" in digest.body
    waiting = Notification.objects.filter(recipient=caseworker, channel=IN_APP)
    assert {message.digest_id for message in waiting} == {digest.pk}
    assert [message.to for message in mailoutbox] == [[caseworker.email]]
    assert mailoutbox[0].subject == digest.subject


def test_a_rerun_of_the_day_sends_nothing_twice(walk, people, clock, digest_at, mailoutbox):
    daily(people["caseworker"])
    clock(DAY)
    take_step("start", walk(State.ADMITTED), people["counsellor"])
    digest_at(DAY)

    assert digest_at(DAY) == 0

    assert len(digests()) == 1
    assert len(mailoutbox) == 1


def test_each_message_is_in_one_digest_only(walk, people, clock, digest_at):
    caseworker = people["caseworker"]
    daily(caseworker)
    clock(DAY)
    referral = walk(State.INTAKE_PLANNED)
    take_step("admit", referral, people["counsellor"])
    digest_at(DAY)
    later = DAY + datetime.timedelta(days=1)
    clock(later)
    take_step("start", referral, people["counsellor"])

    digest_at(later)

    first, second = digests(caseworker)
    assert second.idempotency_key == f"digest:{later.isoformat()}:{caseworker.pk}:email"
    with translation.override("nl-be"):
        assert str(Kind.STARTED.label) in second.body
        assert str(Kind.ADMITTED.label) not in second.body


def test_what_comes_after_the_days_digest_waits_for_the_next_one(walk, people, clock, digest_at):
    caseworker = people["caseworker"]
    daily(caseworker)
    clock(DAY)
    referral = walk(State.INTAKE_PLANNED)
    take_step("admit", referral, people["counsellor"])
    digest_at(DAY)
    clock(DAY, 20)
    take_step("start", referral, people["counsellor"])

    assert digest_at(DAY) == 0
    assert digest_at(DAY + datetime.timedelta(days=1)) == 1

    assert len(digests(caseworker)) == 2
    assert not Notification.objects.filter(in_digest=True, digest__isnull=True).exists()


def test_no_digest_without_waiting_messages(walk, people, clock, digest_at):
    daily(*people.values())
    clock(DAY)
    referral = walk(State.CANDIDATE)
    take_step("agree", referral, people["caseworker"])  # all at once

    assert digest_at(DAY) == 0
    assert digests() == []


def test_a_reader_of_an_e_mail_per_message_has_nothing_in_a_digest(walk, people, digest_at):
    take_step("start", walk(State.ADMITTED), people["counsellor"])

    assert digest_at(DAY) == 0
    assert emails_of(people["caseworker"]) == [Kind.STARTED]


def test_what_waited_is_still_sent_after_switching_back(walk, people, clock, digest_at):
    caseworker = people["caseworker"]
    daily(caseworker)
    clock(DAY)
    take_step("start", walk(State.ADMITTED), people["counsellor"])
    EmailPreference.objects.filter(user=caseworker).update(frequency=EmailFrequency.EACH)

    assert digest_at(DAY) == 1


def test_the_digest_leaves_out_a_kind_switched_off_since(walk, people, clock, digest_at):
    caseworker = people["caseworker"]
    daily(caseworker)
    clock(DAY)
    take_step("start", walk(State.ADMITTED), people["counsellor"])
    EmailOptOut.objects.create(user=caseworker, kind=Kind.STARTED)

    assert digest_at(DAY) == 0
    assert not Notification.objects.filter(in_digest=True, digest__isnull=True).exists()


def test_the_digest_is_in_the_readers_language(walk, people, clock, digest_at):
    caseworker = people["caseworker"]
    caseworker.language = "en"
    caseworker.save(update_fields=["language"])
    daily(caseworker)
    clock(DAY)
    take_step("start", walk(State.ADMITTED), people["counsellor"])

    digest_at(DAY)

    (digest,) = digests(caseworker)
    with translation.override("en"):
        day = formats.date_format(DAY, "DATE_FORMAT")  # the month in words: never ambiguous
    assert digest.subject == f"OKOT: 1 message of {day}"
    assert "Training started – referral #" in digest.body
    assert '<html lang="en">' in digest.body_html


def test_one_readers_failure_does_not_hold_back_the_others(
    walk, people, clock, digest_at, monkeypatch, caplog
):
    daily(people["caseworker"], people["counsellor"], people["colleague"])
    clock(DAY)
    referral = walk(State.IN_TRAINING)
    take_step("end", referral, people["counsellor"])  # to the caseworker and the counsellors
    write = tasks.digest.write_digest

    def fails_for_caseworker(recipient, day):
        if recipient.pk == people["caseworker"].pk:
            raise RuntimeError("boom")
        return write(recipient, day)

    monkeypatch.setattr(tasks.digest, "write_digest", fails_for_caseworker)

    assert digest_at(DAY) == 1
    assert f"user {people['caseworker'].pk}" in caplog.text
    monkeypatch.setattr(tasks.digest, "write_digest", write)
    assert digest_at(DAY + datetime.timedelta(days=1)) == 1


def test_beat_sends_the_digests_daily_at_the_configured_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["send-digests"]

    assert entry["task"] == tasks.send_digests.name == "notifications.tasks.send_digests"
    assert settings.NOTIFY_DIGEST_HOUR == 17
    assert entry["schedule"].hour == {17}
    assert entry["schedule"].minute == {0}
    assert entry["schedule"].day_of_week == set(range(7))
    assert settings.CELERY_TIMEZONE == "Europe/Brussels"
