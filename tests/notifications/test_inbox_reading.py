"""Reading the inbox: opening a message (a POST: a GET only redirects) marks it read and
goes to its referral; marking one read returns to the same page; marking all read marks
only the user's own."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from tests.notifications.messages import EMAIL, INBOX, in_ui_language, is_unread, notify, opener
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def test_opening_a_message_marks_it_read_and_goes_to_its_referral(logged_in, me):
    referral = ReferralFactory()
    (notification,) = notify(me, referral=referral)

    response = logged_in.post(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 303
    assert response["Location"] == referral.get_absolute_url()
    first_read = Notification.objects.get(pk=notification.pk).read_at
    assert first_read is not None

    logged_in.post(reverse("notifications:open", args=[notification.pk]))
    assert Notification.objects.get(pk=notification.pk).read_at == first_read


def test_a_message_without_a_referral_leads_back_to_the_inbox(logged_in, me):
    (notification,) = notify(me)

    response = logged_in.post(reverse("notifications:open", args=[notification.pk]))

    assert response["Location"] == INBOX
    assert not is_unread(notification)


@pytest.mark.parametrize("about_a_referral", [True, False])
@pytest.mark.parametrize("method", ["get", "head"])
def test_following_the_open_url_goes_there_but_leaves_the_message_unread(
    logged_in, me, method, about_a_referral
):
    """Link scanners and prefetching browsers follow links: only the user's POST reads."""
    referral = ReferralFactory() if about_a_referral else None
    (notification,) = notify(me, referral=referral)

    response = getattr(logged_in, method)(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == (referral.get_absolute_url() if referral else INBOX)
    assert is_unread(notification)


def test_opening_takes_the_csrf_token_the_inbox_gives(me):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(me)
    (notification,) = notify(me)
    url = reverse("notifications:open", args=[notification.pk])

    refused = browser.post(url)

    assert refused.status_code == 403
    assert is_unread(notification)

    form = opener(browser.get(INBOX).content.decode(), notification)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    accepted = browser.post(url, {"csrfmiddlewaretoken": token})

    assert accepted.status_code == 303
    assert not is_unread(notification)


def test_read_messages_open_with_a_button_too_not_in_bold(logged_in, me):
    (unread,) = notify(me)
    (read,) = notify(me, read=True)

    html = logged_in.get(INBOX).content.decode()

    assert "fw-bold" in opener(html, unread)
    assert "fw-bold" not in opener(html, read)
    assert f">{read.subject}</button>" in opener(html, read)
    assert in_ui_language("Opening a message marks it as read.") in html


def test_mark_as_read_marks_that_one_and_returns_to_the_same_page(logged_in, me):
    first, second = notify(me, 2)

    response = logged_in.post(reverse("notifications:read", args=[second.pk]), {"page": "2"})

    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?page=2"
    assert not is_unread(second)
    assert is_unread(first)


@pytest.mark.parametrize("page", ["", "1", "x", "-1"])
def test_mark_as_read_returns_to_the_first_page_unless_told_a_page(logged_in, me, page):
    (notification,) = notify(me)

    response = logged_in.post(reverse("notifications:read", args=[notification.pk]), {"page": page})

    assert response["Location"] == INBOX


def test_mark_all_as_read_marks_only_mine(logged_in, me, someone_else):
    mine = notify(me, 3)
    (already,) = notify(me, read=True)
    (email,) = notify(me, channel=EMAIL)
    theirs = notify(someone_else, 2)

    response = logged_in.post(reverse("notifications:read_all"))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert not any(is_unread(n) for n in mine)
    assert Notification.objects.get(pk=already.pk).read_at == already.read_at
    assert is_unread(email)
    assert all(is_unread(n) for n in theirs)
