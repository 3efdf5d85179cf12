"""A session ends after OKOT_SESSION_IDLE_MINUTES without a request and
OKOT_SESSION_MAX_HOURS after the login, and with the user's deactivation; once expired, it
is deleted from the database within the hour, with the searches it kept."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import tasks

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
DASHBOARD = "referrals:dashboard"


def sent_to_log_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("login") + "?next="
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_defaults():
    assert settings.OKOT_SESSION_IDLE_MINUTES == 30
    assert settings.OKOT_SESSION_MAX_HOURS == 10


def test_a_session_idle_for_longer_than_the_limit_ends(client, caseworker, in_english):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(caseworker)
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse(DASHBOARD)).status_code == 200
        clock.shift(datetime.timedelta(minutes=29))  # 58 minutes in, but active
        assert client.get(reverse(DASHBOARD)).status_code == 200
        clock.shift(datetime.timedelta(minutes=31))

        response = client.get(reverse(DASHBOARD))

    assert sent_to_log_in(response)
    assert messages_of(response) == [
        "U bent afgemeld na 30 minuten zonder activiteit. Meld u opnieuw aan."
    ]
    assert sent_to_log_in(client.get(reverse(DASHBOARD)))  # and stays out


def test_an_active_session_ends_after_the_maximum_lifetime(client, caseworker, in_english):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(caseworker)
        for _ in range(40):  # a request every 15 minutes: 10 hours
            clock.shift(datetime.timedelta(minutes=15))
            last = client.get(reverse(DASHBOARD))
        assert last.status_code == 200
        clock.shift(datetime.timedelta(minutes=15))

        response = client.get(reverse(DASHBOARD))

    assert sent_to_log_in(response)
    assert messages_of(response) == [
        "U bent afgemeld 10 uur nadat u zich aanmeldde. Meld u opnieuw aan."
    ]


def test_deactivating_a_user_ends_their_session_at_their_next_request(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse(DASHBOARD)).status_code == 200

    caseworker.is_active = False
    caseworker.save()

    assert sent_to_log_in(client.get(reverse(DASHBOARD)))


def test_reactivating_a_user_does_not_bring_their_old_session_back(client, caseworker):
    client.force_login(caseworker)
    caseworker.is_active = False
    caseworker.save()
    client.get(reverse(DASHBOARD))  # their next request, while deactivated

    caseworker.is_active = True
    caseworker.save()

    assert sent_to_log_in(client.get(reverse(DASHBOARD)))


def test_an_expired_session_and_the_search_it_kept_are_deleted_within_the_hour(
    client, caseworker, counsellor
):
    """Django leaves an expired session in the database, with the searches it kept (a name,
    a national number), until something deletes it: beat does, every hour. A session's row
    expires OKOT_SESSION_MAX_HOURS after it was last saved."""
    with time_machine.travel(START, tick=False):
        client.force_login(caseworker)
        client.post(reverse("referrals:referral_list"), {"q": "85073003328"})
    (kept,) = Session.objects.all()
    assert "85073003328" in kept.get_decoded().values()
    assert kept.expire_date == START + datetime.timedelta(hours=settings.OKOT_SESSION_MAX_HOURS)
    with time_machine.travel(START + datetime.timedelta(hours=9), tick=False):
        Client().force_login(counsellor)  # a session of its own, current at the purge
    (current,) = Session.objects.exclude(session_key=kept.session_key)

    with time_machine.travel(START + datetime.timedelta(hours=11), tick=False):
        tasks.clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]


def test_beat_clears_the_expired_sessions_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]

    assert entry["task"] == tasks.clear_expired_sessions.name
    assert entry["task"] == "accounts.tasks.clear_expired_sessions"
    assert entry["schedule"].hour == set(range(24))
    assert len(entry["schedule"].minute) == 1


def test_the_message_counts_as_dutch_counts(client, caseworker, settings):
    """The lifetimes are settings: one minute is "1 minuut", not "1 minuten"."""
    settings.OKOT_SESSION_IDLE_MINUTES = 1
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(caseworker)
        clock.shift(datetime.timedelta(minutes=2))

        response = client.get(reverse(DASHBOARD))

    assert messages_of(response) == [
        "U bent afgemeld na 1 minuut zonder activiteit. Meld u opnieuw aan."
    ]
