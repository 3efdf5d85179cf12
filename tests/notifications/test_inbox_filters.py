"""Filtering the inbox (issue 12, item 5): unread only, one kind of message (among the kinds
the reader's side receives, in words), and grouped by referral, newest group first under the
referral's label; the filters kept by the pagination and by marking read, "mark all as read"
marking only what the filter shows; a form with a fieldset and labels, the current view
marked for screen readers; and a query cost that does not grow with the messages."""

import datetime
import html
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import Entry
from notifications.models import Kind, Notification
from notifications.recipients import CASEWORKER_KINDS, COUNSELLOR_KINDS, kinds_for
from tests.notifications.messages import INBOX, in_ui_language, is_unread, notify, shown
from tests.notifications.test_inbox import INBOX_MAX_QUERIES
from tests.notifications.who_hears import WHO_HEARS_WHAT
from tests.referrals.factories import ClientFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def inbox(client, **filters):
    return client.get(INBOX, filters)


def referral_of(me, **fields):
    """A referral `me` sees: a client of my OCMW."""
    return ReferralFactory(client=ClientFactory(ocmw=me.organisation), **fields)


def at(notifications, minutes_ago: int):
    """Date these messages `minutes_ago` minutes back."""
    moment = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(created_at=moment)
    return notifications


# --- unread and kind ----------------------------------------------------------------------


def test_unread_only_leaves_the_read_messages_out(logged_in, me):
    unread = notify(me, 2)
    notify(me, 3, read=True)

    assert shown(inbox(logged_in, unread="1")) == unread


def test_one_kind_shows_only_the_messages_of_that_kind(logged_in, me):
    notify(me, 2, kind=Kind.STARTED)
    planned = notify(me, 2, kind=Kind.INTAKE_PLANNED)

    assert shown(inbox(logged_in, kind=Kind.INTAKE_PLANNED)) == planned


def test_the_filters_combine(logged_in, me):
    (wanted,) = notify(me, kind=Kind.ADMITTED)
    notify(me, kind=Kind.ADMITTED, read=True)
    notify(me, kind=Kind.STARTED)

    assert shown(inbox(logged_in, unread="1", kind=Kind.ADMITTED)) == [wanted]


def test_a_kind_that_is_not_offered_filters_nothing(logged_in, me):
    messages = notify(me, 2)

    response = inbox(logged_in, kind="spam")

    assert response.status_code == 200
    assert shown(response) == messages


def test_the_kinds_offered_are_my_sides_in_words(logged_in, me):
    notify(me)

    page = inbox(logged_in).content.decode()

    for kind in CASEWORKER_KINDS:
        assert f'<option value="{kind}">{html.escape(in_ui_language(kind.label))}</option>' in page
    for kind in set(COUNSELLOR_KINDS) - set(CASEWORKER_KINDS):
        assert f'value="{kind}"' not in page


def test_each_side_is_offered_every_kind_the_table_sends_it(people):
    """The kinds of each side agree with who hears what (tests/notifications/who_hears.py)."""
    for _step, _state, _actor, expected in WHO_HEARS_WHAT:
        for who, kind in expected:
            assert kind in kinds_for(people[who]), (who, kind)
    assert set(CASEWORKER_KINDS) | set(COUNSELLOR_KINDS) == set(Kind)
    # An administrator may act for either side, and is prompted as the one who acted.
    assert kinds_for(people["administrator"]) == list(Kind)


def test_the_filter_form_has_a_fieldset_a_legend_and_labels(logged_in, me):
    notify(me)

    page = inbox(logged_in).content.decode()

    assert '<form method="get"' in page
    assert "<fieldset" in page
    assert f'<legend class="h6">{in_ui_language("Show")}</legend>' in page
    for field in ("unread", "kind"):
        assert f'for="id_{field}"' in page
        assert f'id="id_{field}"' in page


def test_the_form_shows_the_filters_in_use(logged_in, me):
    notify(me)

    page = inbox(logged_in, unread="1", kind=Kind.STARTED).content.decode()

    assert 'name="unread" class="form-check-input" id="id_unread" checked' in page
    assert f'<option value="{Kind.STARTED}" selected>' in page


def test_an_empty_filtered_inbox_says_so_and_how_to_see_all(logged_in, me):
    notify(me, read=True)

    page = inbox(logged_in, unread="1").content.decode()

    assert in_ui_language("No messages match these filters.") in page
    assert f'href="{INBOX}">{in_ui_language("Show all messages")}</a>' in page


# --- the pagination and marking read keep the filters --------------------------------------------


def test_the_pages_keep_the_filters(logged_in, me):
    messages = notify(me, 60, kind=Kind.ENDED)
    notify(me, 5, kind=Kind.STARTED)

    first = inbox(logged_in, unread="1", kind=Kind.ENDED)
    second = inbox(logged_in, unread="1", kind=Kind.ENDED, page="2")

    query = html.escape(urlencode({"unread": "1", "kind": Kind.ENDED}))
    assert f'href="?{query}&amp;page=2"' in first.content.decode()
    assert shown(first) + shown(second) == messages


def test_mark_as_read_returns_to_the_same_filtered_page(logged_in, me):
    first, second = notify(me, 2, kind=Kind.ENDED)

    response = logged_in.post(
        reverse("notifications:read", args=[second.pk]),
        {"page": "2", "unread": "1", "kind": Kind.ENDED},
    )

    query = urlencode({"unread": "1", "kind": Kind.ENDED, "page": "2"})
    assert response["Location"] == f"{INBOX}?{query}"
    assert not is_unread(second)
    assert is_unread(first)


def test_the_inbox_posts_the_filters_with_each_form(logged_in, me):
    notify(me, kind=Kind.ENDED)

    page = inbox(logged_in, unread="1", kind=Kind.ENDED).content.decode()

    assert page.count('<input type="hidden" name="unread" value="1">') == 2  # read, read all
    assert page.count(f'<input type="hidden" name="kind" value="{Kind.ENDED}">') == 2


def test_mark_all_as_read_marks_only_the_kind_shown(logged_in, me):
    ended = notify(me, 3, kind=Kind.ENDED)
    started = notify(me, 2, kind=Kind.STARTED)

    response = logged_in.post(reverse("notifications:read_all"), {"kind": Kind.ENDED})

    assert response["Location"] == f"{INBOX}?{urlencode({'kind': Kind.ENDED})}"
    assert not any(is_unread(n) for n in ended)
    assert all(is_unread(n) for n in started)


def test_mark_all_as_read_names_the_kind_it_marks(logged_in, me):
    notify(me, kind=Kind.ENDED)

    page = inbox(logged_in, kind=Kind.ENDED).content.decode()

    with translation.override("nl-be"):
        label = str(Kind.ENDED.label)
    assert f"{in_ui_language('Mark all as read')}: {html.escape(label)}</button>" in page


# --- grouped by referral ----------------------------------------------------------------------


def groups(response) -> list[tuple[object, list[Notification]]]:
    return [(group.referral, group.messages) for group in response.context["page"]]


def test_grouped_by_referral_puts_its_messages_together_newest_group_first(logged_in, me):
    older, newer = referral_of(me), referral_of(me)
    newer_first = at(notify(me, referral=newer), 10) + at(notify(me, referral=newer), 20)
    about_none = at(notify(me), 15)
    older_only = at(notify(me, referral=older), 12)
    newest = at(notify(me, referral=older), 1)

    response = inbox(logged_in, grouped="1")

    assert groups(response) == [
        (older, newest + older_only),
        (newer, newer_first),
        (None, about_none),
    ]


def test_each_group_shows_the_referral_as_the_app_names_it(logged_in, me):
    referral = referral_of(me)
    notify(me, referral=referral)
    notify(me)

    page = inbox(logged_in, grouped="1").content.decode()

    with translation.override("nl-be"):  # the arrow, read aloud as a word
        to = translation.pgettext("from one to the other", "to")
    arrow = (
        f'<span class="text-body-secondary" aria-hidden="true">→</span>'
        f'<span class="visually-hidden">{to}</span>'
    )
    label = f"{referral.client} {arrow} "
    assert f"{label}{html.escape(referral.training.title)}" in page
    assert f'href="{referral.get_absolute_url()}"' in page
    assert in_ui_language("Not about a referral") in page


def test_grouping_keeps_the_filters(logged_in, me):
    referral = referral_of(me)
    (wanted,) = notify(me, referral=referral, kind=Kind.ENDED)
    notify(me, referral=referral, kind=Kind.STARTED)
    notify(me, referral=referral_of(me), kind=Kind.STARTED)

    response = inbox(logged_in, grouped="1", kind=Kind.ENDED)

    assert groups(response) == [(referral, [wanted])]


def test_the_current_view_is_marked_for_screen_readers(logged_in, me):
    notify(me)

    listed = inbox(logged_in, kind=Kind.STARTED).content.decode()
    grouped = inbox(logged_in, kind=Kind.STARTED, grouped="1").content.decode()

    one_list = f'href="?{html.escape(urlencode({"kind": Kind.STARTED}))}"'
    by_referral = f'href="?{html.escape(urlencode({"kind": Kind.STARTED, "grouped": "1"}))}"'
    assert f'{one_list} aria-current="page"' in listed
    assert f'{by_referral} aria-current="page"' not in listed
    assert f'{by_referral} aria-current="page"' in grouped
    assert f'{one_list} aria-current="page"' not in grouped
    assert "<h1" in grouped and grouped.count("<h1") == 1


def test_the_grouped_inbox_records_the_referrals_it_shows(logged_in, me):
    referral = referral_of(me)
    notify(me, 2, referral=referral)

    inbox(logged_in, grouped="1")

    read = Entry.objects.filter(actor=me, referral_id=referral.pk)
    assert read.exists()


# --- query counts -----------------------------------------------------------------------------

# The list's (tests/notifications/test_inbox.py) and the audit trail's insert, since these
# messages are about referrals; for the groups one query more: the page's groups, then their
# messages.
LISTED_MAX_QUERIES = INBOX_MAX_QUERIES + 1
GROUPED_MAX_QUERIES = LISTED_MAX_QUERIES + 1


@pytest.mark.parametrize(
    ("filters", "most"),
    [
        ({"unread": "1", "kind": Kind.STARTED}, LISTED_MAX_QUERIES),
        ({"grouped": "1"}, GROUPED_MAX_QUERIES),
        ({"grouped": "1", "unread": "1", "kind": Kind.STARTED}, GROUPED_MAX_QUERIES),
    ],
)
def test_a_filtered_inbox_costs_the_same_queries_with_5_and_with_60_messages(
    logged_in, me, filters, most, django_assert_max_num_queries
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert inbox(logged_in, **filters).status_code == 200
        return len(captured)

    for _ in range(5):
        notify(me, referral=referral_of(me))
    queries()  # warm up: per-process caches, not per page
    at_5 = queries()
    for _ in range(55):
        notify(me, referral=referral_of(me))
    at_60 = queries()

    assert at_5 == at_60
    with django_assert_max_num_queries(most):
        inbox(logged_in, **filters)
