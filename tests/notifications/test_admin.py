"""The outbox in admin: found by filter and search, read but never written, and failed
e-mails sent again, once, with the Retry action."""

import datetime
import itertools

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import Role
from notifications.models import EmailOptOut, Kind, Notification
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL, IN_APP = Notification.Channel.EMAIL, Notification.Channel.IN_APP
Status = Notification.Status
CHANGELIST = "admin:notifications_notification_changelist"
_keys = itertools.count()


def make_notification(recipient=None, **fields) -> Notification:
    recipient = recipient or UserFactory()
    kind = fields.pop("kind", Kind.INTAKE_PLANNED)
    channel = fields.pop("channel", EMAIL)
    return Notification.objects.create(
        recipient=recipient,
        channel=channel,
        kind=kind,
        subject=fields.pop("subject", "Intake gepland"),
        body="De intake is gepland.",
        body_html="<p>De intake is gepland.</p>",
        idempotency_key=f"admin-test:{next(_keys)}:{kind}:{recipient.pk}:{channel}",
        **fields,
    )


@pytest.fixture
def administrator(administrator, client):
    """The cast's functional administrator (staff through the role, not a superuser), logged
    in."""
    client.force_login(administrator)
    return administrator


def offered_actions(response) -> set[str]:
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices} if form else set()


def retry(client, notifications):
    return client.post(
        reverse(CHANGELIST),
        {"action": "retry", "_selected_action": [n.pk for n in notifications]},
        follow=True,
    )


# --- finding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        pytest.param({"status": "failed"}, {"failed"}, id="status"),
        pytest.param({"channel": "in_app"}, {"in-app"}, id="channel"),
        pytest.param({"kind": Kind.WARM_HANDOVER}, {"in-app"}, id="kind"),
        pytest.param({"created_at__year": "2026"}, {"failed", "in-app", "sent"}, id="year"),
        pytest.param({"q": "Warme overdracht"}, {"in-app"}, id="search-subject"),
        pytest.param({"q": "lies.peeters"}, {"failed"}, id="search-username"),
        pytest.param({"q": "lies@ocmw.example"}, {"failed"}, id="search-email"),
        pytest.param({"q": "event:7:warm_handover:1:in_app"}, {"in-app"}, id="search-key"),
    ],
)
def test_the_changelist_filters_and_searches(administrator, client, query, found):
    at = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
    lies = UserFactory(username="lies.peeters", email="lies@ocmw.example")
    rows = {
        "failed": make_notification(lies, status=Status.FAILED, created_at=at),
        "in-app": make_notification(
            kind=Kind.WARM_HANDOVER,
            channel=IN_APP,
            subject="Warme overdracht",
            status=Status.SENT,
            created_at=at,
        ),
        "sent": make_notification(status=Status.SENT, created_at=at),
    }
    Notification.objects.filter(pk=rows["in-app"].pk).update(
        idempotency_key="event:7:warm_handover:1:in_app"
    )

    response = client.get(reverse(CHANGELIST), query, follow=True)  # a search goes to the session

    assert response.status_code == 200
    listed = {row.pk for row in response.context["cl"].result_list}
    assert listed == {rows[name].pk for name in found}


def test_the_changelist_takes_a_fixed_number_of_queries(
    administrator, client, django_assert_max_num_queries
):
    make_notification()
    client.get(reverse(CHANGELIST))  # warm up: session, permissions
    for _ in range(20):
        make_notification()

    # One of them reads the device that verified the session's second factor.
    with django_assert_max_num_queries(10):
        response = client.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == 21


def test_the_opt_outs_are_listed(administrator, client):
    EmailOptOut.objects.create(user=UserFactory(username="jan.claes"), kind=Kind.GUIDANCE_NOTE)

    response = client.get(
        reverse("admin:notifications_emailoptout_changelist"), {"q": "jan"}, follow=True
    )

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


# --- reading, never writing ------------------------------------------------------------------


def test_a_message_can_be_read_but_not_changed(administrator, client):
    notification = make_notification(status=Status.FAILED, last_error="SMTPServerDisconnected")
    url = reverse("admin:notifications_notification_change", args=[notification.pk])

    page = client.get(url)
    posted = client.post(url, {"subject": "Iets anders", "status": Status.SENT})

    assert page.status_code == 200
    assert b"SMTPServerDisconnected" in page.content
    assert b'name="subject"' not in page.content
    assert posted.status_code == 403
    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.subject, stored.status) == ("Intake gepland", Status.FAILED)


@pytest.mark.parametrize("view", ["add", "delete"])
def test_messages_are_neither_added_nor_deleted(administrator, client, view):
    notification = make_notification()
    args = [notification.pk] if view == "delete" else []

    response = client.get(reverse(f"admin:notifications_notification_{view}", args=args))

    assert response.status_code == 403


# --- retry ----------------------------------------------------------------------------------


def test_retry_sends_failed_and_stuck_emails_exactly_once(
    administrator, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages checked in English
    failed = make_notification(status=Status.FAILED, attempts=8, last_error="SMTPDataError")
    stuck = make_notification(status=Status.PENDING, attempts=2, last_error="TimeoutError")

    with django_capture_on_commit_callbacks(execute=True):
        response = retry(client, [failed, stuck])

    assert "2 e-mails are queued again." in response.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [failed.recipient.email, stuck.recipient.email]
    )
    for notification in (failed, stuck):
        stored = Notification.objects.get(pk=notification.pk)
        assert (stored.status, stored.attempts, stored.last_error) == (Status.SENT, 1, "")


def test_retry_leaves_sent_in_app_and_in_flight_messages_alone(
    administrator, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages checked in English
    untouched = [
        make_notification(status=Status.SENT, attempts=1),
        make_notification(channel=IN_APP, status=Status.SENT),
        make_notification(status=Status.SENDING, attempts=1),
    ]
    failed = make_notification(status=Status.FAILED, attempts=8)

    with django_capture_on_commit_callbacks(execute=True):
        response = retry(client, [*untouched, failed])

    content = response.content.decode()
    assert "1 e-mail is queued again." in content
    assert "3 messages were left alone" in content
    assert [m.to for m in mailoutbox] == [[failed.recipient.email]]
    assert [Notification.objects.get(pk=n.pk).status for n in untouched] == [
        Status.SENT,
        Status.SENT,
        Status.SENDING,
    ]


def test_a_second_retry_of_a_sent_email_sends_nothing(
    administrator, client, mailoutbox, django_capture_on_commit_callbacks
):
    failed = make_notification(status=Status.FAILED, attempts=8)
    with django_capture_on_commit_callbacks(execute=True):
        retry(client, [failed])
        retry(client, [failed])

    assert len(mailoutbox) == 1


def test_the_administrator_is_offered_retry(administrator, client):
    response = client.get(reverse(CHANGELIST))

    assert "retry" in offered_actions(response)
    assert "delete_selected" not in offered_actions(response)


def test_staff_who_may_only_view_get_no_retry(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    failed = make_notification(status=Status.FAILED, attempts=8)

    listed = client.get(reverse(CHANGELIST))
    with django_capture_on_commit_callbacks(execute=True):
        retry(client, [failed])

    assert listed.status_code == 200
    assert "retry" not in offered_actions(listed)
    assert Notification.objects.get(pk=failed.pk).status == Status.FAILED
    assert mailoutbox == []


def test_the_administrator_role_may_read_and_retry_but_not_write_messages():
    codenames = set(
        Group.objects.get(name=Role.ADMINISTRATOR).permissions.values_list("codename", flat=True)
    )

    assert {"view_notification", "change_notification", "view_emailoptout"} <= codenames
    assert not {"add_notification", "delete_notification"} & codenames
