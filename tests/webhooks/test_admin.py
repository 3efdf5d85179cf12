"""The webhooks in admin, for the functional administrator: subscriptions registered with the
kinds as check boxes, https only, the secret shown and rotated; deliveries read-only, failed
ones sent again with Retry."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import OcmwFactory, UserFactory
from webhooks.kinds import EventKind
from webhooks.models import Subscription

from .deliveries import Status, make_delivery, make_subscription, reload

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "admin:webhooks_subscription_changelist"
DELIVERIES = "admin:webhooks_delivery_changelist"


@pytest.fixture
def administrator(administrator, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages below are the English ones
    client.force_login(administrator)
    return administrator


def offered_actions(response) -> set[str]:
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices} if form else set()


def add(client, **data):
    return client.post(reverse("admin:webhooks_subscription_add"), data, follow=True)


def test_the_administrator_registers_a_subscription_with_kinds_as_check_boxes(
    administrator, client
):
    organisation = OcmwFactory()
    page = client.get(reverse("admin:webhooks_subscription_add")).content.decode()
    assert 'type="checkbox" name="kinds" value="agree"' in page

    response = add(
        client,
        organisation=organisation.pk,
        url="https://crm.ocmw.example/okot",
        kinds=[EventKind.AGREE, EventKind.START],
        active="on",
    )

    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert (subscription.organisation, subscription.kinds) == (organisation, ["agree", "start"])
    assert len(subscription.secret) == 64
    change = client.get(reverse("admin:webhooks_subscription_change", args=[subscription.pk]))
    assert subscription.secret in change.content.decode()  # to hand to the receiver


def test_an_address_without_https_is_refused(administrator, client, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False

    response = add(client, organisation=OcmwFactory().pk, url="http://crm.example/", kinds=[])

    assert "https://" in response.content.decode()
    assert not Subscription.objects.exists()


def test_rotating_gives_a_new_secret(administrator, client):
    subscription = make_subscription()
    before = subscription.secret

    client.post(
        reverse(SUBSCRIPTIONS),
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
        follow=True,
    )

    assert Subscription.objects.get().secret not in {before, ""}


def retry(client, deliveries):
    return client.post(
        reverse(DELIVERIES),
        {"action": "retry", "_selected_action": [d.pk for d in deliveries]},
        follow=True,
    )


def test_retry_sends_a_failed_delivery_again_once(
    administrator, client, receiver, django_capture_on_commit_callbacks
):
    subscription = make_subscription(url=receiver.url)
    failed = make_delivery(subscription, status=Status.FAILED, attempts=20, last_error="HTTP 404")
    sent = make_delivery(subscription, status=Status.SENT, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = retry(client, [failed, sent])
        retry(client, [failed])

    assert "1 webhook delivery is queued again." in response.content.decode()
    assert (reload(failed).status, reload(failed).attempts) == (Status.SENT, 1)
    assert receiver.event_ids() == [str(failed.event_id)]


def test_deliveries_are_read_only_and_filtered(administrator, client):
    failed = make_delivery(status=Status.FAILED)
    make_delivery(status=Status.SENT)

    listed = client.get(reverse(DELIVERIES), {"status": "failed"})
    change = client.get(reverse("admin:webhooks_delivery_change", args=[failed.pk]))

    assert list(listed.context["cl"].result_list) == [failed]
    assert "retry" in offered_actions(listed)
    assert "delete_selected" not in offered_actions(listed)
    assert client.get(reverse("admin:webhooks_delivery_add")).status_code == 403
    assert b'name="_save"' not in change.content


def test_staff_who_may_only_view_get_no_retry(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(viewer)
    failed = make_delivery(status=Status.FAILED)

    listed = client.get(reverse(DELIVERIES))
    retry(client, [failed])

    assert "retry" not in offered_actions(listed)
    assert reload(failed).status == Status.FAILED


def test_the_administrator_role_manages_subscriptions_and_retries_deliveries():
    codenames = set(
        Group.objects.get(name=Role.ADMINISTRATOR).permissions.values_list("codename", flat=True)
    )

    assert {
        "view_subscription",
        "add_subscription",
        "change_subscription",
        "delete_subscription",
        "view_delivery",
        "change_delivery",
    } <= codenames
    assert not {"add_delivery", "delete_delivery"} & codenames
