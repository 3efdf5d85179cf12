"""`Idempotency-Key` on POSTs: a retry gets the first answer and changes nothing; a key
is bound to its request, kept only for a success, per user, for API_IDEMPOTENCY_HOURS."""

import datetime

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api.idempotency import MAX_KEY_LENGTH
from api.models import IdempotentRequest
from audit.models import Entry, Kind
from notifications.models import Notification
from referrals.enums import CandidacyOutcome, State
from referrals.models import Candidacy, Referral, ReferralEvent
from tests.accounts.factories import OcmwFactory
from tests.referrals.factories import ClientFactory, referral_in_state

pytestmark = pytest.mark.django_db

LIST = reverse("api:referral-list")
KEY = "2f0c6a51-6b1e-4a4e-9d1e-6f5c2b8f0a11"
NOW = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC)
INTAKE_AT = (timezone.localtime() + datetime.timedelta(days=3)).replace(
    hour=10, minute=0, second=0, microsecond=0
)


def keyed(key: str = KEY) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": key}


def footprint() -> dict:
    """What a POST may have changed."""
    return {
        "referrals": Referral.objects.count(),
        "history": ReferralEvent.objects.count(),
        "outbox": Notification.objects.count(),
        "states": sorted(Referral.objects.values_list("pk", "state")),
    }


@pytest.fixture
def gent_clients(ocmw_gent):
    return ClientFactory(ocmw=ocmw_gent), ClientFactory(ocmw=ocmw_gent)


@pytest.fixture
def agreed(caseworker, counsellor, training, gent_clients):
    return referral_in_state(
        State.AGREED,
        client=gent_clients[0],
        training=training,
        caseworker=caseworker,
        counsellor=counsellor,
    )


def plan_intake(referral) -> tuple[str, dict]:
    return (
        reverse("api:referral-transition-plan_intake", args=[referral.pk]),
        {"state": State.AGREED, "intake_at": INTAKE_AT.isoformat(), "place": "VDAB Gent"},
    )


# --- a retry ---------------------------------------------------------------------------------


def test_a_retried_registration_gets_the_first_answer_and_registers_nothing(
    api_for, caseworker, gent_clients, training
):
    http = api_for(caseworker)
    data = {"client": gent_clients[0].pk, "training": training.pk, "apply": True}
    first = http.post(LIST, data, format="json", **keyed())
    after_first = footprint()

    retry = http.post(LIST, data, format="json", **keyed())

    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert footprint() == after_first
    assert after_first["referrals"] == 1
    assert after_first["history"] == 2  # registered, applied


def test_a_retried_step_gets_the_first_answer_and_takes_nothing(api_for, counsellor, agreed):
    http = api_for(counsellor)
    url, data = plan_intake(agreed)
    first = http.post(url, data, format="json", **keyed())
    after_first = footprint()

    retry = http.post(url, data, format="json", **keyed())

    assert first.status_code == 200, first.content
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert footprint() == after_first
    assert ReferralEvent.objects.filter(referral=agreed, transition="plan_intake").count() == 1
    assert Notification.objects.filter(referral=agreed).exists()


def test_without_a_key_a_retry_is_a_new_request(api_for, counsellor, agreed):
    """What the key is for: the retry of a step without it meets the state it left."""
    http = api_for(counsellor)
    url, data = plan_intake(agreed)
    assert http.post(url, data, format="json").status_code == 200

    retry = http.post(url, data, format="json")

    assert retry.status_code == 409
    assert retry.json()["code"] == "changed"


# --- the key bound to its request --------------------------------------------------------------


def test_the_same_key_with_another_body_is_refused(api_for, caseworker, gent_clients, training):
    http = api_for(caseworker)
    first = {"client": gent_clients[0].pk, "training": training.pk}
    assert http.post(LIST, first, format="json", **keyed()).status_code == 201
    before = footprint()

    response = http.post(
        LIST, {"client": gent_clients[1].pk, "training": training.pk}, format="json", **keyed()
    )

    assert response.status_code == 422
    assert "Idempotent-Replayed" not in response
    assert footprint() == before


def test_the_same_key_for_another_url_is_refused(api_for, administrator, agreed, training):
    http = api_for(administrator)
    url, data = plan_intake(agreed)
    assert http.post(url, data, format="json", **keyed()).status_code == 200

    response = http.post(
        LIST, {"client": agreed.client_id, "training": training.pk}, format="json", **keyed()
    )

    assert response.status_code == 422
    assert Referral.objects.count() == 1


# --- only a success is kept --------------------------------------------------------------------


def test_a_refused_registration_keeps_no_key_so_its_corrected_retry_runs(
    api_for, caseworker, gent_clients, training
):
    http = api_for(caseworker)
    wrong = http.post(LIST, {"client": gent_clients[0].pk}, format="json", **keyed())
    assert wrong.status_code == 400
    assert not IdempotentRequest.objects.exists()

    corrected = http.post(
        LIST, {"client": gent_clients[0].pk, "training": training.pk}, format="json", **keyed()
    )

    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert Referral.objects.count() == 1


def test_a_conflicting_step_keeps_no_key_so_its_corrected_retry_runs(api_for, counsellor, agreed):
    http = api_for(counsellor)
    url, data = plan_intake(agreed)
    stale = http.post(url, {**data, "state": State.CANDIDATE}, format="json", **keyed())
    assert stale.status_code == 409

    corrected = http.post(url, data, format="json", **keyed())

    assert corrected.status_code == 200
    assert corrected.json()["state"] == State.INTAKE_PLANNED


def test_a_success_keeps_a_reference_to_its_answer_under_the_users_key(
    api_for, caseworker, agreed, training
):
    http = api_for(caseworker)

    http.post(
        reverse("api:referral-transition-withdraw", args=[agreed.pk]),
        {"reason": "Werk gevonden."},
        format="json",
        **keyed(),
    )

    row = IdempotentRequest.objects.get()
    assert (row.user, row.key, row.status_code, row.resource_id) == (
        caseworker,
        KEY,
        200,
        agreed.pk,
    )


# --- whose key, and for how long ---------------------------------------------------------------


def test_two_users_keys_are_their_own(api_for, caseworker, administrator, gent_clients, training):
    mine = api_for(caseworker).post(
        LIST, {"client": gent_clients[0].pk, "training": training.pk}, format="json", **keyed()
    )

    theirs = api_for(administrator).post(
        LIST, {"client": gent_clients[1].pk, "training": training.pk}, format="json", **keyed()
    )

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["client"]["id"] == gent_clients[1].pk
    assert Referral.objects.count() == 2


def test_a_users_two_tokens_share_their_keys(api_for, caseworker, gent_clients, training):
    """A key is the user's: the same system retrying with its new token gets the answer."""
    data = {"client": gent_clients[0].pk, "training": training.pk}
    first = api_for(caseworker).post(LIST, data, format="json", **keyed())

    retry = api_for(caseworker).post(LIST, data, format="json", **keyed())

    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()


@pytest.mark.parametrize(("hours", "status"), [(23, 422), (24, 201), (25, 201)])
def test_a_key_is_kept_for_api_idempotency_hours(
    api_for, settings, caseworker, gent_clients, training, hours, status
):
    """Within the hours the key is still bound to its first request; after them it is
    free for another."""
    settings.API_IDEMPOTENCY_HOURS = 24
    with time_machine.travel(NOW, tick=False) as traveller:
        http = api_for(caseworker)
        data = {"client": gent_clients[0].pk, "training": training.pk}
        assert http.post(LIST, data, format="json", **keyed()).status_code == 201

        traveller.move_to(NOW + datetime.timedelta(hours=hours, seconds=1))
        response = http.post(LIST, {**data, "client": gent_clients[1].pk}, format="json", **keyed())

    assert response.status_code == status
    assert Referral.objects.count() == (2 if status == 201 else 1)


def test_an_expired_key_runs_its_request_again(api_for, settings, counsellor, caseworker, agreed):
    settings.API_IDEMPOTENCY_HOURS = 1
    with time_machine.travel(NOW, tick=False) as traveller:
        http = api_for(caseworker)
        url = reverse("api:referral-transition-withdraw", args=[agreed.pk])
        data = {"reason": "Werk gevonden."}
        assert http.post(url, data, format="json", **keyed()).status_code == 200

        traveller.move_to(NOW + datetime.timedelta(hours=2))
        response = http.post(url, data, format="json", **keyed())

    assert response.status_code == 409  # ran: a withdrawn referral withdraws no more
    assert response.json()["code"] == "not_possible"


# --- the key itself --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "   ", "k" * (MAX_KEY_LENGTH + 1)])
def test_an_empty_or_overlong_key_is_a_400(api_for, caseworker, gent_clients, training, key):
    response = api_for(caseworker).post(
        LIST, {"client": gent_clients[0].pk, "training": training.pk}, format="json", **keyed(key)
    )

    assert response.status_code == 400
    assert set(response.json()) == {"Idempotency-Key"}
    assert not Referral.objects.exists()


def test_a_key_of_the_longest_length_is_taken(api_for, caseworker, gent_clients, training):
    response = api_for(caseworker).post(
        LIST,
        {"client": gent_clients[0].pk, "training": training.pk},
        format="json",
        **keyed("k" * MAX_KEY_LENGTH),
    )

    assert response.status_code == 201


def test_a_replay_shows_the_record_again_as_a_read(api_for, caseworker, gent_clients, training):
    """Only a reference is kept: the replay reads the referral again through the caller's
    access, and records that read as a page would."""
    http = api_for(caseworker)
    data = {"client": gent_clients[0].pk, "training": training.pk}
    first = http.post(LIST, data, format="json", **keyed())
    reads = Entry.objects.filter(kind=Kind.VIEW, referral_id=first.json()["id"]).count()

    again = http.post(LIST, data, format="json", **keyed())

    assert again.json()["id"] == first.json()["id"]
    assert Entry.objects.filter(kind=Kind.VIEW, referral_id=first.json()["id"]).count() == reads + 1
    assert "client" not in str(IdempotentRequest.objects.values().get())


def test_a_replay_to_someone_who_may_no_longer_see_it_is_a_404(
    api_for, caseworker, gent_clients, training
):
    http = api_for(caseworker)
    data = {"client": gent_clients[0].pk, "training": training.pk}
    http.post(LIST, data, format="json", **keyed())
    caseworker.organisation = OcmwFactory(municipality="Hasselt")
    caseworker.save()

    again = http.post(LIST, data, format="json", **keyed())

    assert again.status_code == 404


@override_settings(OKOT_CANDIDACY_LIMIT=0)
def test_a_refusal_keeps_what_it_records_under_a_key_too(api_for, counsellor, training):
    """A candidacy over the limit is refused (429) and kept as the trace of the attempt,
    with or without a key; the key is free for the retry."""
    client = ClientFactory()
    body = {
        "ocmw": client.ocmw_id,
        "insz": client.insz,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "training": training.pk,
    }

    response = api_for(counsellor).post(reverse("api:candidacies"), body, format="json", **keyed())

    assert response.status_code == 429
    assert Candidacy.objects.filter(outcome=CandidacyOutcome.LIMITED).count() == 1
    assert not IdempotentRequest.objects.exists()
