"""The inbox: a user's own in-app messages, newest first, 50 a page, unread ones marked in
words, and only for them (anyone else gets the login page or a 404); the unread count in
the navigation; and a query cost that does not grow with the messages."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from notifications.context_processors import unread_notifications
from notifications.models import Kind, Notification
from tests.notifications.messages import (
    EMAIL,
    INBOX,
    PREFERENCES,
    in_ui_language,
    is_unread,
    notify,
    opener,
    shown,
)
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


# --- who may look ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "with_pk"),
    [
        ("get", "inbox", False),
        ("get", "preferences", False),
        ("get", "open", True),
        ("post", "open", True),
        ("post", "read", True),
        ("post", "read_all", False),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, me, method, name, with_pk):
    (notification,) = notify(me)
    url = reverse(f"notifications:{name}", args=[notification.pk] if with_pk else [])

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert is_unread(notification)


@pytest.mark.parametrize(("method", "name"), [("get", "open"), ("post", "open"), ("post", "read")])
def test_someone_elses_message_is_a_404_and_stays_unread(logged_in, someone_else, method, name):
    (theirs,) = notify(someone_else)

    response = getattr(logged_in, method)(reverse(f"notifications:{name}", args=[theirs.pk]))

    assert response.status_code == 404
    assert is_unread(theirs)


@pytest.mark.parametrize(("method", "name"), [("get", "open"), ("post", "open"), ("post", "read")])
def test_the_e_mail_copy_of_a_message_is_not_in_the_inbox(logged_in, me, method, name):
    (email,) = notify(me, channel=EMAIL)

    response = getattr(logged_in, method)(reverse(f"notifications:{name}", args=[email.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["read", "read_all"])
def test_marking_read_takes_a_post(logged_in, me, name):
    (notification,) = notify(me)

    response = logged_in.get(
        reverse(f"notifications:{name}", args=[notification.pk] if name == "read" else [])
    )

    assert response.status_code == 405
    assert is_unread(notification)


# --- the list -------------------------------------------------------------------------------


def test_the_inbox_lists_my_in_app_messages_newest_first(logged_in, me, someone_else):
    mine = notify(me, 3)
    notify(me, channel=EMAIL)
    notify(someone_else, 2)

    response = logged_in.get(INBOX)

    assert response.status_code == 200
    assert shown(response) == mine
    html = response.content.decode()
    positions = [html.index(f">{n.subject}</button>") for n in mine]
    assert positions == sorted(positions)


def test_each_message_shows_its_kind_date_text_and_link(logged_in, me):
    referral = ReferralFactory()
    (notification,) = notify(me, referral=referral, kind=Kind.INTAKE_PLANNED)

    html = logged_in.get(INBOX).content.decode()

    form = opener(html, notification)
    assert 'name="csrfmiddlewaretoken"' in form
    button = rf'<button type="submit" class="btn btn-link [^"]* fw-bold">{notification.subject}<'
    assert re.search(button, form)
    with translation.override("nl-be"):
        assert str(Kind.INTAKE_PLANNED.label) in html
    created = timezone.localtime(notification.created_at).isoformat(timespec="seconds")
    assert f'datetime="{created}"' in html
    assert notification.body in html


def test_unread_messages_are_marked_in_words_not_only_in_style(logged_in, me):
    unread = notify(me, 2)
    read = notify(me, 3, read=True)

    html = logged_in.get(INBOX).content.decode()

    badge = f'<span class="badge text-bg-primary me-1">{in_ui_language("unread")}</span>'
    assert html.count(badge) == len(unread)
    for notification in unread:
        assert reverse("notifications:read", args=[notification.pk]) in html
    for notification in read:
        assert reverse("notifications:read", args=[notification.pk]) not in html
    # The "mark as read" button and the disclosure name their message for screen readers.
    assert html.count(f'<span class="visually-hidden">: {unread[0].subject}</span>') == 2
    assert html.count(f'<span class="visually-hidden">: {read[0].subject}</span>') == 1


def test_the_inbox_shows_50_messages_a_page(logged_in, me):
    messages = notify(me, 60)

    first = logged_in.get(INBOX)
    second = logged_in.get(INBOX, {"page": 2})

    assert shown(first) == messages[:50]
    assert shown(second) == messages[50:]
    assert 'href="?page=2"' in first.content.decode()


def test_an_empty_inbox_says_so(logged_in):
    response = logged_in.get(INBOX)

    assert shown(response) == []
    assert in_ui_language("No messages yet.") in response.content.decode()


def test_the_inbox_pages_have_one_h1_and_the_main_landmark(logged_in, me):
    notify(me, 2)
    for url in (INBOX, PREFERENCES):
        html = logged_in.get(url).content.decode()
        assert html.count("<h1") == 1, url
        assert '<main id="content"' in html
        assert "<nav" in html


# --- the unread count in the navigation -------------------------------------------------------


def nav_link(html: str) -> str:
    """The inbox link in the main navigation, as HTML."""
    return re.search(rf'<a class="nav-link" href="{INBOX}"[^>]*>(.*?)</a>', html, re.S).group(1)


def test_the_navigation_shows_how_many_messages_are_unread(logged_in, me, someone_else):
    notify(me, 3)
    notify(me, 2, read=True)
    notify(someone_else, 4)

    link = nav_link(logged_in.get(reverse("referrals:dashboard")).content.decode())

    assert link.startswith(in_ui_language("Messages"))
    assert (
        f'<span class="badge rounded-pill text-bg-warning">3<span class="visually-hidden"> '
        f"{in_ui_language('unread')}</span></span>"
    ) in link


def test_the_navigation_shows_no_badge_without_unread_messages(logged_in, me):
    notify(me, 2, read=True)

    link = nav_link(logged_in.get(reverse("referrals:dashboard")).content.decode())

    assert "badge" not in link


def test_the_inbox_link_is_the_current_page_in_the_inbox(logged_in):
    html = logged_in.get(INBOX).content.decode()

    assert f'href="{INBOX}" aria-current="page"' in html


def test_the_unread_count_costs_one_query_and_none_for_anonymous_users(
    rf, me, django_assert_num_queries
):
    notify(me, 2)
    notify(me, read=True)
    request = rf.get("/")

    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request)["unread_notifications"]() == 0

    request.user = me
    assert me.is_caseworker  # the navigation has read the user's role (and organisation)
    with django_assert_num_queries(0):  # nothing is counted until a page asks
        count = unread_notifications(request)["unread_notifications"]
    with django_assert_num_queries(1):
        assert count() == 2
        assert count() == 2  # counted once per request


# --- query counts ---------------------------------------------------------------------------

# Session, user, organisation and permissions (2) for the navigation, the page's count and
# rows, the unread count; messages about no referral name no one, so no audit trail rows.
INBOX_MAX_QUERIES = 8


def test_the_inbox_costs_the_same_queries_with_5_and_with_60_messages(
    logged_in, me, django_assert_max_num_queries
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(INBOX).status_code == 200
        return len(captured)

    notify(me, 5)
    queries()  # warm up: per-process caches, not per page
    at_5 = queries()
    notify(me, 55)
    at_60 = queries()

    assert at_5 == at_60
    with django_assert_max_num_queries(INBOX_MAX_QUERIES):
        logged_in.get(INBOX)


def test_mark_all_as_read_costs_the_same_for_1_and_for_60_messages(
    logged_in, me, django_assert_max_num_queries
):
    notify(me, 60)

    # Session, user, the user's role (permissions (2) and organisation), the update.
    with django_assert_max_num_queries(6):
        logged_in.post(reverse("notifications:read_all"))

    assert not Notification.objects.inbox_of(me).unread().exists()
