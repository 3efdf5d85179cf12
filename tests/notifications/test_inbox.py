"""The inbox: a user's own in-app messages, newest first, marked read one by one, all at
once or by opening them (a POST: a GET only redirects); the unread count in the navigation;
the e-mail preferences."""

import datetime
import itertools
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Province
from notifications.context_processors import unread_notifications
from notifications.models import EmailOptOut, Kind, Notification
from referrals.enums import State
from tests.accounts.factories import CaseworkerFactory, CounsellorFactory, VdabOrganisationFactory
from tests.referrals.factories import (
    ClientFactory,
    ReferralFactory,
    TrainingFactory,
    referral_in_state,
    take_step,
)

pytestmark = pytest.mark.django_db

IN_APP, EMAIL = Notification.Channel.IN_APP, Notification.Channel.EMAIL
INBOX = reverse("notifications:inbox")
PREFERENCES = reverse("notifications:preferences")
KEYS = itertools.count()


@pytest.fixture
def me(db):
    return CaseworkerFactory()


@pytest.fixture
def someone_else(db):
    return CaseworkerFactory(organisation=None)


@pytest.fixture
def logged_in(client, me):
    client.force_login(me)
    return client


def notify(user, count=1, *, referral=None, read=False, channel=IN_APP, kind=Kind.STARTED):
    """`count` messages to `user`, the first the newest, one minute apart."""
    now = timezone.now()
    notifications = []
    for n in range(count):
        key = next(KEYS)
        notifications.append(
            Notification.objects.create(
                recipient=user,
                channel=channel,
                kind=kind,
                referral=referral,
                subject=f"Bericht {key}",
                body=f"Tekst van bericht {key}.",
                status=Notification.Status.SENT,
                created_at=now - datetime.timedelta(minutes=n),
                read_at=now if read else None,
                idempotency_key=f"test:{key}",
            )
        )
    return notifications


def shown(response) -> list[Notification]:
    return list(response.context["page"].object_list)


def in_ui_language(text: str) -> str:
    with translation.override("nl-be"):
        return translation.gettext(text)


def is_unread(notification) -> bool:
    return Notification.objects.get(pk=notification.pk).read_at is None


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


def opener(html: str, notification) -> str:
    """The form that opens `notification` in the inbox's HTML, from its tag to its end."""
    action = reverse("notifications:open", args=[notification.pk])
    match = re.search(rf'<form method="post" action="{action}"[^>]*>.*?</form>', html, re.S)
    assert match, f"no form opens {notification.subject}"
    return match.group(0)


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
    assert f'datetime="{timezone.localtime(notification.created_at).isoformat()}"' in html
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


# --- reading ----------------------------------------------------------------------------------


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
    with django_assert_num_queries(0):  # nothing is counted until a page asks
        count = unread_notifications(request)["unread_notifications"]
    with django_assert_num_queries(1):
        assert count() == 2
        assert count() == 2  # counted once per request


# --- query counts ---------------------------------------------------------------------------

# Session, user, organisation and permissions (2) for the navigation, the page's count and
# rows, the unread count.
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

    with django_assert_max_num_queries(4):
        logged_in.post(reverse("notifications:read_all"))

    assert not Notification.objects.inbox_of(me).unread().exists()


# --- e-mail preferences -----------------------------------------------------------------------


def test_every_kind_is_e_mailed_until_switched_off(logged_in):
    response = logged_in.get(PREFERENCES)

    form = response.context["form"]
    assert form["email_kinds"].initial == list(Kind.values)
    html = response.content.decode()
    assert html.count('type="checkbox"') == len(Kind.values)
    assert html.count(" checked") == len(Kind.values)
    for index, _kind in enumerate(Kind.values):
        assert f'for="id_email_kinds_{index}"' in html
        assert f'id="id_email_kinds_{index}"' in html
    assert "<fieldset" in html
    assert "<legend" in html


def test_unchecked_kinds_are_stored_as_opt_outs(logged_in, me):
    wanted = [Kind.WARM_HANDOVER, Kind.GUIDANCE_NOTE]

    response = logged_in.post(PREFERENCES, {"email_kinds": wanted})

    assert response.status_code == 302
    assert response["Location"] == PREFERENCES
    assert set(me.email_opt_outs.values_list("kind", flat=True)) == set(Kind.values) - set(wanted)
    form = logged_in.get(PREFERENCES).context["form"]
    assert form["email_kinds"].initial == wanted


def test_checking_a_kind_again_switches_its_e_mail_back_on(logged_in, me):
    EmailOptOut.objects.create(user=me, kind=Kind.STARTED)
    EmailOptOut.objects.create(user=me, kind=Kind.ENDED)

    logged_in.post(PREFERENCES, {"email_kinds": [k for k in Kind.values if k != Kind.ENDED]})

    assert list(me.email_opt_outs.values_list("kind", flat=True)) == [Kind.ENDED]


def test_unchecking_everything_switches_all_e_mail_off(logged_in, me):
    logged_in.post(PREFERENCES, {})

    assert me.email_opt_outs.count() == len(Kind.values)


def test_someone_elses_preferences_are_left_alone(logged_in, someone_else):
    EmailOptOut.objects.create(user=someone_else, kind=Kind.STARTED)

    logged_in.post(PREFERENCES, {"email_kinds": list(Kind.values)})

    assert list(someone_else.email_opt_outs.values_list("kind", flat=True)) == [Kind.STARTED]


def test_an_unknown_kind_is_refused_and_nothing_is_stored(logged_in, me):
    response = logged_in.post(PREFERENCES, {"email_kinds": ["spam"]})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert not me.email_opt_outs.exists()


def test_the_preferences_say_the_in_app_message_stays_and_where_e_mail_goes(logged_in, me):
    html = logged_in.get(PREFERENCES).content.decode()

    assert me.email in html
    assert (
        in_ui_language(
            "Every message reaches your inbox in the app, and stays there whatever you choose "
            "here. Choose which messages you also get by e-mail."
        )
        in html
    )


def test_preferences_saved_in_the_app_are_honoured_by_the_outbox(client, db):
    counsellor = CounsellorFactory(
        organisation=VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    )
    caseworker = CaseworkerFactory()
    client.force_login(counsellor)
    client.post(PREFERENCES, {"email_kinds": [k for k in Kind.values if k != Kind.WARM_HANDOVER]})
    referral = referral_in_state(
        State.CANDIDATE,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=TrainingFactory(province=Province.OOST_VLAANDEREN),
        caseworker=caseworker,
        counsellor=counsellor,
    )

    take_step("agree", referral, caseworker)

    received = Notification.objects.filter(recipient=counsellor, kind=Kind.WARM_HANDOVER)
    assert list(received.values_list("channel", flat=True)) == [IN_APP]
    assert Notification.objects.filter(
        recipient=caseworker, kind=Kind.CALL_COUNSELLOR, channel=EMAIL
    ).exists()

    response = client.get(INBOX)
    assert [n.kind for n in shown(response)] == [Kind.WARM_HANDOVER]
