"""A referral's records through the API: history in words, guidance notes (internal ones
only for their organisation; added through the same service as the page), outcome
check-ups, documents (metadata and the file, under the page's rules) and the caller's own
messages."""

import pytest

from audit.models import Entry, Kind
from notifications.models import Notification
from referrals.enums import EndResult, GuidanceTopic, NoteVisibility, State
from referrals.models import GuidanceNote
from tests.accounts.factories import CaseworkerFactory, OcmwFactory
from tests.referrals.factories import DocumentFactory, referral_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(caseworker, counsellor, training):
    return referral_in_state(
        State.IN_TRAINING, training=training, caseworker=caseworker, counsellor=counsellor
    )


def url(referral, record: str) -> str:
    return f"/api/v1/referrals/{referral.pk}/{record}/"


def test_the_history_reads_in_words_and_as_data(api_for, caseworker, referral):
    lines = api_for(caseworker).get(url(referral, "history")).json()

    assert [line["transition"] for line in lines][:3] == ["create", "apply", "agree"]
    agree = lines[2]
    assert agree["label"] == "Formally agree"
    assert agree["from_state"] == State.CANDIDATE
    assert agree["to_state"] == State.AGREED
    assert agree["details"] and all({"label", "value"} == set(d) for d in agree["details"])
    assert lines[-1]["to_state"] == State.IN_TRAINING


def test_an_internal_note_is_read_only_by_its_organisation(
    api_for, caseworker, counsellor, referral
):
    own = api_for(caseworker)
    for visibility in NoteVisibility.values:
        response = own.post(
            url(referral, "notes"),
            {
                "written_on": "2026-11-02",
                "topic": GuidanceTopic.PROGRESS,
                "note": f"Nota ({visibility})",
                "visibility": visibility,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()

    ocmw_reads = {n["visibility"] for n in own.get(url(referral, "notes")).json()}
    vdab_reads = {n["visibility"] for n in api_for(counsellor).get(url(referral, "notes")).json()}

    assert ocmw_reads == {NoteVisibility.SHARED, NoteVisibility.INTERNAL}
    assert vdab_reads == {NoteVisibility.SHARED}
    assert GuidanceNote.objects.filter(referral=referral).count() == 2


def test_a_note_with_bad_fields_gets_field_errors(api_for, caseworker, referral):
    response = api_for(caseworker).post(
        url(referral, "notes"), {"written_on": "2999-01-01", "topic": "nonsense"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"written_on", "topic", "note"}
    assert not GuidanceNote.objects.exists()


def test_no_note_before_the_agreement(api_for, caseworker, training):
    candidate = referral_in_state(State.CANDIDATE, training=training, caseworker=caseworker)

    response = api_for(caseworker).post(
        url(candidate, "notes"),
        {"written_on": "2026-11-02", "topic": GuidanceTopic.PROGRESS, "note": "Te vroeg"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "refused"


def test_outcome_checks_are_listed(api_for, caseworker, counsellor, training):
    ended = referral_in_state(
        State.ENDED,
        training=training,
        caseworker=caseworker,
        counsellor=counsellor,
        end__result=EndResult.PASSED,
    )
    ended.outcomes.create(months=3, at_work="yes", checked_by=caseworker)

    checks = api_for(caseworker).get(url(ended, "outcome-checks")).json()

    assert [(c["months"], c["at_work"]) for c in checks] == [(3, "yes")]
    assert checks[0]["checked_by"]["id"] == caseworker.pk


def test_a_document_is_listed_and_downloaded_under_the_pages_rules(
    api_for, caseworker, counsellor, referral
):
    document = DocumentFactory(referral=referral)
    http = api_for(counsellor)

    [listed] = http.get(url(referral, "documents")).json()
    download = http.get(listed["download"])

    assert listed["id"] == document.pk
    assert listed["sha256"] == document.sha256
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert Entry.objects.filter(kind=Kind.EXPORT, referral_id=referral.pk).exists()


def test_another_organisations_document_is_not_found(api_for, referral):
    document = DocumentFactory(referral=referral)
    elsewhere = CaseworkerFactory(organisation=OcmwFactory(municipality="Hasselt"))

    response = api_for(elsewhere).get(f"/api/v1/documents/{document.pk}/download/")

    assert response.status_code == 404


def test_the_caller_reads_only_their_own_messages(api_for, caseworker, counsellor, referral):
    own = set(Notification.objects.inbox_of(caseworker).values_list("pk", flat=True))

    page = api_for(caseworker).get("/api/v1/notifications/").json()

    assert own
    assert {m["id"] for m in page["results"]} == own


@pytest.mark.parametrize("idempotency", [{}, {"HTTP_IDEMPOTENCY_KEY": "k1"}])
@pytest.mark.parametrize("body", ['{"note": "\\ud800"}', '{"unknown": ["a\\udfffb"]}'])
def test_a_body_with_half_a_surrogate_pair_is_a_400_in_words(
    api_for, caseworker, referral, body, idempotency
):
    """JSON's "\\ud800" is half of a UTF-16 pair, which no UTF-8 text holds: the note was
    refused by PostgreSQL, and any field, with an Idempotency-Key, by its fingerprint (each
    a 500). Found reading the code; schemathesis sends valid Unicode."""
    http = api_for(caseworker)

    response = http.generic(
        "POST",
        url(referral, "notes"),
        body.encode(),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="nl",
        **idempotency,
    )

    assert response.status_code == 400
    assert "UTF-16" in response.json()["detail"]
    assert not GuidanceNote.objects.filter(referral=referral).exists()
