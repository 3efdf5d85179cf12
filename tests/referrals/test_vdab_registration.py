"""VDAB's part of the client file: after the formal agreement the counsellor records that the
client is registered as a job seeker and their VDAB client number, from the referral page.
It lands in the OCMW's client file with an audit CHANGE row and a history line, the
caseworker is told in the app, and the caseworker sees it on the client and referral pages.
Only VDAB's side of the referral records it, only while the referral is open past the
agreement and the client's consent holds; a bad number is a clear message, never a 500."""

import pytest
from django.urls import reverse

from audit.models import Entry
from audit.models import Kind as AuditKind
from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import VDAB_REGISTRATION, State
from referrals.models import Client
from referrals.services import TransitionRefused
from referrals.vdab_forms import VdabRegistrationForm
from tests.referrals.conftest import error_messages, success_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

NUMBER = "00412345678"


def url(referral) -> str:
    return reverse("referrals:referral_vdab_registration", args=[referral.pk])


def record(referral, user, *, registered=True, number=NUMBER):
    return services.referral_record_vdab_registration(
        referral=referral, user=user, registered_job_seeker=registered, vdab_client_number=number
    )


def stored(referral) -> tuple[bool, str]:
    client = Client.objects.get(pk=referral.client_id)
    return client.registered_job_seeker, client.vdab_client_number


# --- the service ------------------------------------------------------------------------------


def test_recording_writes_the_client_file_the_trail_the_history_and_tells_the_caseworker(
    walk, counsellor, caseworker
):
    referral = walk(State.AGREED)
    Client.objects.filter(pk=referral.client_id).update(
        registered_job_seeker=False, vdab_client_number=""
    )
    referral.client.refresh_from_db()
    Notification.objects.all().delete()

    event = record(referral, counsellor)

    assert stored(referral) == (True, NUMBER)
    assert (event.transition, event.actor, event.to_state) == (
        VDAB_REGISTRATION,
        counsellor,
        State.AGREED,
    )
    # The history keeps whether the number changed, not the number.
    assert event.data == {"registered_job_seeker": True, "vdab_client_number": "added"}
    change = Entry.objects.filter(kind=AuditKind.CHANGE, client_id=referral.client_id).last()
    assert change.detail["fields"] == {
        "registered_job_seeker": [False, True],
        "vdab_client_number": ["", NUMBER],
    }
    told = Notification.objects.filter(kind=Kind.VDAB_REGISTERED)
    assert {(n.recipient, n.channel) for n in told} == {
        (caseworker, Notification.Channel.IN_APP),
        (caseworker, Notification.Channel.EMAIL),
    }
    in_app = told.get(channel=Notification.Channel.IN_APP)
    assert str(referral.client) in in_app.subject
    assert NUMBER not in in_app.body + in_app.subject  # the client file has it


def test_the_same_again_changes_nothing(walk, counsellor):
    referral = walk(State.IN_TRAINING)
    record(referral, counsellor)
    events, changes = referral.events.count(), Entry.objects.filter(kind=AuditKind.CHANGE).count()

    assert record(referral, counsellor) is None

    assert referral.events.count() == events
    assert Entry.objects.filter(kind=AuditKind.CHANGE).count() == changes


OPEN_PAST_AGREEMENT = [
    State.AGREED,
    State.INTAKE_PLANNED,
    State.ADMITTED,
    State.NOT_ADMITTED,
    State.IN_TRAINING,
    State.ENDED,
]


@pytest.mark.parametrize("state", OPEN_PAST_AGREEMENT)
@pytest.mark.parametrize("who", ["counsellor", "administrator"])
def test_vdab_records_on_an_open_referral_past_the_agreement(walk, request, state, who):
    referral = walk(state)

    record(referral, request.getfixturevalue(who))

    assert stored(referral) == (True, NUMBER)


@pytest.mark.parametrize(
    ("state", "via"),
    [
        (State.CANDIDATE, None),
        (State.DECLINED, None),
        (State.WITHDRAWN, State.AGREED),
        (State.CLOSED, None),
    ],
)
def test_not_before_the_agreement_nor_once_the_referral_is_over(walk, administrator, state, via):
    """As the administrator, who may act for VDAB whatever the state (a counsellor does not
    even see a referral before the agreement)."""
    referral = walk(state, via=via)
    before = stored(referral)

    with pytest.raises(TransitionRefused) as refused:
        record(referral, administrator)

    assert "after the formal agreement" in refused.value.messages[0]
    assert stored(referral) == before


@pytest.mark.parametrize(
    "who", ["caseworker", "counsellor_of_other_region", "caseworker_of_other_ocmw"]
)
def test_only_vdabs_side_of_the_referral_records_it(walk, request, who):
    referral = walk(State.AGREED)
    before = stored(referral)

    with pytest.raises(TransitionRefused):
        record(referral, request.getfixturevalue(who))

    assert stored(referral) == before


def test_not_without_the_clients_consent(walk, counsellor):
    referral = walk(State.IN_TRAINING)
    Client.objects.filter(pk=referral.client_id).update(consent_vdab=False, consent_date=None)
    referral.client.refresh_from_db()
    before = stored(referral)

    with pytest.raises(TransitionRefused) as refused:
        record(referral, counsellor)

    assert "consent" in refused.value.messages[0]
    assert stored(referral) == before


# --- the number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("00412345678", "00412345678"),
        ("004 123 456 78", "00412345678"),
        ("0041.234.5678", "00412345678"),
        ("123456", "123456"),
        ("", ""),
    ],
)
def test_the_number_is_kept_compact(gent_client, typed, kept):
    form = VdabRegistrationForm(
        {"registered_job_seeker": "", "vdab_client_number": typed}, client=gent_client
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["vdab_client_number"] == kept


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"vdab_client_number": "VD7788123"}, "only digits"),
        ({"vdab_client_number": "１２３４５６７"}, "only digits"),  # fullwidth digits
        ({"vdab_client_number": "12345"}, "6 to 12 digits"),
        ({"vdab_client_number": "1234567890123"}, "6 to 12 digits"),
        ({"registered_job_seeker": "on", "vdab_client_number": ""}, "Give the VDAB client"),
    ],
)
def test_a_bad_number_is_a_clear_message(gent_client, data, message):
    form = VdabRegistrationForm(data, client=gent_client)

    assert not form.is_valid()
    assert message in str(form.errors["vdab_client_number"])


# --- the pages --------------------------------------------------------------------------------


def test_the_counsellor_records_it_from_the_referral_page(client, walk, counsellor):
    referral = walk(State.INTAKE_PLANNED)
    client.force_login(counsellor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(referral.get_absolute_url())
    assert url(referral) in page.content.decode()
    response = client.post(
        url(referral), {"registered_job_seeker": "on", "vdab_client_number": "004 1234 5678"}
    )

    assert response.status_code == 302
    assert stored(referral) == (True, NUMBER)
    assert "caseworker is told" in success_messages(response)[0]


def test_a_refused_number_shows_on_the_referral_page(client, walk, counsellor):
    referral = walk(State.AGREED)
    before = stored(referral)
    client.force_login(counsellor)

    response = client.post(url(referral), {"vdab_client_number": "abc"})

    assert response.status_code == 400
    assert response.context["vdab_form"].errors["vdab_client_number"]
    assert "alleen cijfers" in response.content.decode()  # in Dutch
    assert stored(referral) == before


def test_a_closed_referral_is_refused_with_a_message(client, walk, counsellor):
    referral = walk(State.CLOSED)
    client.force_login(counsellor)

    page = client.get(referral.get_absolute_url())
    response = client.post(url(referral), {"vdab_client_number": "123456"})

    assert url(referral) not in page.content.decode()  # no form offered
    assert response.status_code == 302
    assert error_messages(response)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("caseworker", 403),  # the OCMW side sees the referral, but this is VDAB's to write
        ("counsellor_of_other_region", 404),
        ("caseworker_of_other_ocmw", 404),
        ("network_manager", 404),
    ],
)
def test_others_are_refused(client, walk, request, who, status):
    referral = walk(State.AGREED)
    before = stored(referral)
    client.force_login(request.getfixturevalue(who))

    response = client.post(url(referral), {"vdab_client_number": "123456"})

    assert response.status_code == status
    assert stored(referral) == before


def test_the_caseworker_sees_it_on_the_client_and_referral_pages(
    client, walk, counsellor, caseworker
):
    referral = walk(State.ADMITTED)
    record(referral, counsellor)
    client.force_login(caseworker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    client_page = client.get(referral.client.get_absolute_url()).content.decode()
    referral_page = client.get(referral.get_absolute_url()).content.decode()

    assert NUMBER in client_page
    assert "VDAB last recorded the registration as job seeker" in client_page
    assert str(counsellor) in client_page
    assert NUMBER in referral_page
    assert "Registration with VDAB recorded" in referral_page  # the timeline
    assert url(referral) not in referral_page  # no form for the OCMW
