"""The inbox follows access, not the past: a message about a referral its reader may no longer
see (moved to another OCMW or VDAB region, or without their role) is not listed, not counted,
not opened (a 404, like every record that is not theirs) and not marked read; its e-mail, if
still waiting, ends `failed` with the reason instead of reaching them. Whoever keeps access
keeps their messages, and messages about no referral stay with their reader."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Province, Role
from notifications.models import Notification
from notifications.tasks import deliver
from tests.accounts.factories import CounsellorFactory, OcmwFactory, VdabOrganisationFactory
from tests.notifications.emails import Status, make_email, reload
from tests.notifications.messages import INBOX, is_unread, notify, shown
from tests.notifications.test_inbox import INBOX_MAX_QUERIES
from tests.referrals.factories import ClientFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(ocmw_gent, training):
    """A referral of a Gent client for the cast's training in Oost-Vlaanderen, formally
    agreed (VDAB sees it, and hears of it, from then on)."""
    return ReferralFactory(
        client=ClientFactory(ocmw=ocmw_gent), training=training, agreed_on=datetime.date(2026, 3, 2)
    )


def move_to_aalst(user) -> None:
    user.organisation = OcmwFactory(municipality="Aalst")
    user.save(update_fields=["organisation"])


def move_to_limburg(user) -> None:
    user.organisation = VdabOrganisationFactory(province=Province.LIMBURG)
    user.save(update_fields=["organisation"])


def take_role(user) -> None:
    user.groups.remove(*Group.objects.filter(name__in=list(Role)))


# Who loses sight of the referral, and how: (the cast's fixture, what happens to them).
OUT_OF_REACH = [
    pytest.param(("caseworker", move_to_aalst), id="caseworker-moved-to-another-ocmw"),
    pytest.param(("counsellor", move_to_limburg), id="counsellor-moved-to-another-region"),
    pytest.param(("caseworker", take_role), id="caseworker-without-the-role"),
    pytest.param(("counsellor", take_role), id="counsellor-without-the-role"),
]


@pytest.fixture(params=OUT_OF_REACH)
def left(request, client, referral):
    """Someone told about `referral` (one unread message about it, one about nothing) who
    then lost sight of it; logged in. `left.about_it`, `left.about_nothing`."""
    person = request.getfixturevalue(request.param[0])
    (person.about_it,) = notify(person, referral=referral)
    (person.about_nothing,) = notify(person)
    request.param[1](person)
    client.force_login(person)
    person.browser = client
    return person


def unread_badge(html: str) -> str:
    nav = html[html.index(f'href="{INBOX}"') :]
    return nav[: nav.index("</a>")]


# --- who lost sight of the referral ------------------------------------------------------------


def test_their_message_about_it_is_no_longer_listed_or_counted(left):
    response = left.browser.get(INBOX)

    assert shown(response) == [left.about_nothing]
    badge = unread_badge(response.content.decode())
    assert 'text-bg-warning">1<' in badge


@pytest.mark.parametrize(("method", "name"), [("post", "open"), ("get", "open"), ("post", "read")])
def test_their_message_about_it_is_a_404_and_stays_unread(left, method, name):
    url = reverse(f"notifications:{name}", args=[left.about_it.pk])

    response = getattr(left.browser, method)(url)

    assert response.status_code == 404
    assert is_unread(left.about_it)


def test_marking_all_read_leaves_their_message_about_it_alone(left):
    left.browser.post(reverse("notifications:read_all"))

    assert is_unread(left.about_it)
    assert not is_unread(left.about_nothing)


def test_their_waiting_e_mail_about_it_ends_failed_with_the_reason(left, referral, mailoutbox):
    email = make_email(left, referral=referral)

    assert deliver.delay(email.pk).get() == Status.FAILED

    assert mailoutbox == []
    stored = reload(email)
    assert stored.status == Status.FAILED
    assert stored.last_error == "Not sent: the recipient may no longer see this referral."
    assert stored.next_attempt_at is None


# --- who keeps sight of it ---------------------------------------------------------------------


@pytest.fixture(
    params=[
        "caseworker",
        "counsellor",
        "administrator",
        "contact counsellor moved to another region",
    ]
)
def kept(request, client, referral):
    """Someone who still sees `referral`: the two sides, the administrator, and the
    training's contact counsellor, who acts for it from any region. Logged in."""
    if request.param.startswith("contact"):
        person = CounsellorFactory(organisation=VdabOrganisationFactory())
        referral.training.contact_counsellor = person
        referral.training.save(update_fields=["contact_counsellor"])
        move_to_limburg(person)
    else:
        person = request.getfixturevalue(request.param)
    client.force_login(person)
    person.browser = client
    return person


def test_whoever_keeps_access_reads_counts_and_opens_their_message(kept, referral):
    (message,) = notify(kept, referral=referral)

    response = kept.browser.get(INBOX)
    assert shown(response) == [message]
    assert 'text-bg-warning">1<' in unread_badge(response.content.decode())

    opened = kept.browser.post(reverse("notifications:open", args=[message.pk]))
    assert opened.status_code == 303
    assert opened["Location"] == referral.get_absolute_url()
    assert not is_unread(message)


def test_whoever_keeps_access_gets_the_e_mail(kept, referral, mailoutbox):
    email = make_email(kept, referral=referral)

    assert deliver.delay(email.pk).get() == Status.SENT

    assert [message.to for message in mailoutbox] == [[kept.email]]


def test_the_inbox_of_a_counsellor_costs_the_same_queries_with_5_and_with_60_messages(
    counsellor, client, referral, django_assert_max_num_queries
):
    """The counsellor's visibility reads their region: per request, not per message."""
    client.force_login(counsellor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured)

    notify(counsellor, 5, referral=referral)
    queries()  # warm up: per-process caches, not per page
    at_5 = queries()
    notify(
        counsellor,
        55,
        referral=ReferralFactory(training=referral.training, agreed_on=referral.agreed_on),
    )
    at_60 = queries()

    assert at_5 == at_60
    assert Notification.objects.inbox_of(counsellor).count() == 60
    # ... and the audit trail's INSERT: these messages name the clients of referrals; and
    # VDAB's scope reads the counsellor's contact trainings, for the rows and the count.
    with django_assert_max_num_queries(INBOX_MAX_QUERIES + 3):
        client.get(INBOX)
