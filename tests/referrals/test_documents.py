"""Documents on a referral: what may be added (size, type by name and by content, the name
it is kept under), who opens them (both sides of the referral, nobody else), how a download
answers, what it leaves in the history, the audit trail and the other side's inbox, and who
may remove one when."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit import reads
from audit.models import Entry, Kind
from notifications.models import Kind as MessageKind
from notifications.models import Notification
from referrals import services
from referrals.document_files import clean_name
from referrals.enums import DOCUMENT_ADDED, DOCUMENT_REMOVED, DocumentKind, State
from referrals.models import Document, ReferralEvent
from referrals.storage import PrivateFileSystemStorage
from tests.referrals.factories import (
    PDF,
    ClientFactory,
    DocumentFactory,
    referral_in_state,
)

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
STORED_NAME = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}$")


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    """The documents' storage in this test's own directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "referrals.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.fixture
def referral(ocmw_gent, training, caseworker, counsellor):
    return referral_in_state(
        State.IN_TRAINING,
        client=ClientFactory(ocmw=ocmw_gent),
        training=training,
        caseworker=caseworker,
        counsellor=counsellor,
    )


def upload(http, referral, name: str, content: bytes, kind=DocumentKind.ATTENDANCE, **data):
    return http.post(
        reverse("referrals:document_add", args=[referral.pk]),
        {"kind": kind, "description": "", "file": SimpleUploadedFile(name, content), **data},
    )


def file_errors(response) -> list[str]:
    return [error.code for error in response.context["document_form"].errors.as_data()["file"]]


# --- what may be added ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("attest.pdf", PDF, "application/pdf"),
        ("ATTEST.PDF", PDF, "application/pdf"),
        ("scan.jpg", JPEG, "image/jpeg"),
        ("scan.jpeg", JPEG, "image/jpeg"),
        ("scan.png", PNG, "image/png"),
    ],
)
def test_a_pdf_jpeg_or_png_is_added_with_the_type_its_bytes_prove(
    client, referral, caseworker, storage, name, content, content_type
):
    client.force_login(caseworker)

    response = upload(client, referral, name, content, content_type="text/html")

    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.original_name, document.content_type) == (name, content_type)
    assert document.size == len(content)
    assert (storage / document.file.name).read_bytes() == content
    assert (document.added_by, document.referral) == (caseworker, referral)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("attest.pdf", b"", "empty"),
        ("attest.pdf", JPEG, "content"),  # a scan renamed
        ("scan.png", PDF, "content"),
        ("attest.pdf", b"<html><script>alert(1)</script>", "content"),
        ("attest.exe", PDF, "type"),
        ("attest.pdf.exe", PDF, "type"),
        ("attest.docx", b"PK\x03\x04" + b"\x00" * 40, "type"),
        ("attest.svg", b"<svg/>", "type"),
        ("attest", PDF, "type"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_on_its_field(
    client, referral, caseworker, name, content, code
):
    client.force_login(caseworker)

    response = upload(client, referral, name, content)

    assert response.status_code == 400
    assert file_errors(response) == [code]
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused(client, referral, caseworker, settings):
    settings.OKOT_DOCUMENT_MAX_MB = 1
    client.force_login(caseworker)

    response = upload(client, referral, "attest.pdf", PDF + b"\x00" * (1024 * 1024))

    assert response.status_code == 400
    assert file_errors(response) == ["too_large"]
    assert not Document.objects.exists()


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(
    client, referral, caseworker, settings
):
    settings.OKOT_DOCUMENT_MAX_MB = 1
    client.force_login(caseworker)

    response = upload(client, referral, "attest.pdf", PDF + b"\x00" * (2 * 1024 * 1024))

    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert len(messages) == 1 and "1 MB" in messages[0]
    assert not Document.objects.exists()


def test_the_upload_still_checks_the_csrf_token(referral, caseworker):
    http = DjangoClient(enforce_csrf_checks=True)
    http.force_login(caseworker)

    response = upload(http, referral, "attest.pdf", PDF)

    assert response.status_code == 403
    assert not Document.objects.exists()


def test_the_service_checks_the_file_whoever_calls_it(referral, caseworker):
    with pytest.raises(ValidationError) as refused:
        services.document_add(
            referral=referral,
            user=caseworker,
            kind=DocumentKind.DIPLOMA,
            file=SimpleUploadedFile("diploma.pdf", b"MZ\x90\x00"),
        )
    assert "file" in refused.value.message_dict
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\attest.pdf", "attest.pdf"),
        ("C:\\Users\\sofie\\Documents\\attest.pdf", "attest.pdf"),
        ("at<test>; Set-Cookie: x=1.pdf", "at_test__ Set-Cookie_ x=1.pdf"),
        ("\u202eattest\u0000.pdf", "attest.pdf"),
        ("<>.pdf", "__.pdf"),
        ("a" * 300 + ".pdf", "a" * 146 + ".pdf"),
    ],
)
def test_the_name_is_cleaned_and_the_file_stored_under_a_random_name(
    client, referral, caseworker, storage, sent, kept
):
    client.force_login(caseworker)

    upload(client, referral, sent, PDF)

    document = Document.objects.get()
    assert document.original_name == kept
    assert STORED_NAME.match(document.file.name)
    stored = storage / document.file.name
    assert stored.resolve().is_relative_to(storage.resolve())
    assert stored.stat().st_mode & 0o077 == 0  # the app's user only
    assert [p for p in storage.rglob("*") if p.is_file()] == [stored]


def test_a_name_with_the_clients_name_stays_out_of_storage_history_trail_and_e_mails(
    client, referral, counsellor
):
    client_name = f"{referral.client.first_name} {referral.client.last_name}"
    client.force_login(counsellor)

    upload(client, referral, f"attest {client_name}.pdf", PDF)

    document = Document.objects.get()
    assert document.original_name == f"attest {client_name}.pdf"
    assert referral.client.last_name not in document.file.name
    assert referral.client.last_name not in str(list(Entry.objects.values("detail", "path")))
    event = ReferralEvent.objects.get(transition=DOCUMENT_ADDED)
    assert event.data == {"document": document.pk, "kind": DocumentKind.ATTENDANCE}
    for email in Notification.objects.filter(channel=Notification.Channel.EMAIL):
        assert referral.client.last_name not in email.subject + email.body + email.body_html


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("attest\r\nSet-Cookie: x.pdf", "attest Set-Cookie_ x.pdf"),
        ("attest\x00\x1b[31m.pdf", "attest[31m.pdf"),
        ("  attest .pdf  ", "attest.pdf"),
        ('at"test".pdf', "at_test_.pdf"),
        ("", "document"),
    ],
)
def test_a_name_loses_line_breaks_and_control_characters(sent, kept):
    assert clean_name(sent) == kept


def test_a_pseudonymised_clients_referral_takes_no_documents(referral, caseworker):
    services.client_pseudonymise(client=referral.client)
    referral.client.refresh_from_db()

    with pytest.raises(services.TransitionRefused):
        services.document_add(
            referral=referral,
            user=caseworker,
            kind=DocumentKind.DIPLOMA,
            file=SimpleUploadedFile("diploma.pdf", PDF),
        )


def test_a_pseudonymised_clients_documents_are_listed_by_kind_without_a_link(
    client, referral, caseworker
):
    document = DocumentFactory(referral=referral, kind=DocumentKind.DIPLOMA)
    services.client_pseudonymise(client=referral.client)
    client.force_login(caseworker)

    page = client.get(referral.get_absolute_url()).content.decode()

    assert "Verwijderd na de bewaartermijn" in page
    assert reverse("referrals:document_download", args=[document.pk]) not in page


# --- who opens them -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("caseworker", 200),
        ("counsellor", 200),
        ("administrator", 200),
        ("caseworker_of_other_ocmw", 404),
        ("counsellor_of_other_region", 404),
        ("network_manager", 404),
    ],
)
def test_both_sides_of_the_referral_open_a_document_and_nobody_else(
    client, request, referral, who, status
):
    document = DocumentFactory(referral=referral)
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("referrals:document_download", args=[document.pk]))

    assert response.status_code == status
    reads = Entry.objects.filter(kind=Kind.EXPORT)
    assert reads.count() == (1 if status == 200 else 0)


def test_vdab_does_not_open_a_document_before_the_formal_agreement(
    client, ocmw_gent, training, caseworker, counsellor
):
    referral = referral_in_state(
        State.CANDIDATE,
        client=ClientFactory(ocmw=ocmw_gent),
        training=training,
        caseworker=caseworker,
    )
    document = DocumentFactory(referral=referral, added_by=caseworker)
    client.force_login(counsellor)

    assert client.get(reverse("referrals:document_download", args=[document.pk])).status_code == 404
    assert client.get(referral.get_absolute_url()).status_code == 404


def test_after_the_consent_is_withdrawn_vdab_no_longer_sees_or_adds_documents(
    client, referral, caseworker, counsellor
):
    """VDAB keeps only the name after a withdrawal (docs/privacy.md): not the documents."""
    document = DocumentFactory(referral=referral, added_by=counsellor)
    services.consent_withdraw(
        client=referral.client, user=caseworker, withdrawn_on=timezone.localdate()
    )
    referral.client.refresh_from_db()
    url = reverse("referrals:document_download", args=[document.pk])

    client.force_login(counsellor)
    assert client.get(url).status_code == 404
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "VDAB ziet de documenten van deze toeleiding niet meer." in page
    assert url not in page and 'enctype="multipart/form-data"' not in page
    with pytest.raises(services.TransitionRefused):
        services.document_add(
            referral=referral,
            user=counsellor,
            kind=DocumentKind.DIPLOMA,
            file=SimpleUploadedFile("diploma.pdf", PDF),
        )

    client.force_login(caseworker)
    assert client.get(url).status_code == 200


def test_a_download_is_an_attachment_of_the_proven_type_never_cached(client, referral, caseworker):
    document = DocumentFactory(
        referral=referral, original_name="aanwezigheid oktober.pdf", content_type="application/pdf"
    )
    client.force_login(caseworker)

    response = client.get(reverse("referrals:document_download", args=[document.pk]))

    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="aanwezigheid oktober.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    (read,) = Entry.objects.filter(kind=Kind.EXPORT)
    assert (read.client_id, read.referral_id, read.actor) == (
        referral.client_id,
        referral.pk,
        caseworker,
    )
    assert read.detail == {"document": document.pk, "kind": document.kind}


def test_a_name_beyond_ascii_is_sent_encoded(client, referral, caseworker):
    document = DocumentFactory(referral=referral, original_name="getuigschrift Çağlar.pdf")
    client.force_login(caseworker)

    response = client.get(reverse("referrals:document_download", args=[document.pk]))

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''getuigschrift%20%C3%87a%C4%9Flar.pdf"
    )


def test_a_download_whose_read_cannot_be_recorded_fails_with_its_file_closed(
    client, referral, caseworker, monkeypatch
):
    """The read is recorded once the file is open (a missing file is a 404, not a read):
    when recording fails, nothing is served and the file is closed at once, not left to
    the garbage collector."""
    document = DocumentFactory(referral=referral)
    opened = []
    real_open = PrivateFileSystemStorage._open

    def spied_open(storage, name, mode="rb"):
        opened.append(real_open(storage, name, mode))
        return opened[-1]

    def fails(*args, **kwargs):
        raise DatabaseError("the audit trail cannot be written")

    monkeypatch.setattr(PrivateFileSystemStorage, "_open", spied_open)
    monkeypatch.setattr(reads, "shown", fails)
    client.force_login(caseworker)

    with pytest.raises(DatabaseError):
        client.get(reverse("referrals:document_download", args=[document.pk]))

    (handle,) = opened
    assert handle.closed


def test_a_download_a_test_does_not_read_is_left_open_for_the_test_to_close(
    client, referral, caseworker, close_streamed_responses
):
    """Django's test client closes a streamed response only once it is read to its end;
    tests/conftest.py closes the others as the test ends, through the test client's handler
    (not Django's public API, pinned here)."""
    document = DocumentFactory(referral=referral)
    client.force_login(caseworker)

    response = client.get(reverse("referrals:document_download", args=[document.pk]))

    assert not response.closed
    assert close_streamed_responses == [response]


def test_a_document_without_its_file_is_a_404(client, referral, caseworker):
    document = DocumentFactory(referral=referral)
    Document.objects.filter(pk=document.pk).update(file="")
    client.force_login(caseworker)

    assert client.get(reverse("referrals:document_download", args=[document.pk])).status_code == 404


def test_the_storage_gives_no_url():
    document = DocumentFactory()

    with pytest.raises(ValueError, match="no URL"):
        document.file.url  # noqa: B018


# --- what an addition leaves ----------------------------------------------------------------


def test_an_addition_leaves_a_history_line_a_change_in_the_trail_and_tells_the_other_side(
    client, referral, caseworker, counsellor, django_capture_on_commit_callbacks
):
    client.force_login(counsellor)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, referral, "contract.pdf", PDF, kind=DocumentKind.TRAINING_CONTRACT)

    document = Document.objects.get()
    event = ReferralEvent.objects.get(transition=DOCUMENT_ADDED)
    assert (event.actor, event.to_state, event.from_state) == (counsellor, referral.state, "")
    (change,) = Entry.objects.filter(kind=Kind.CHANGE)
    assert change.detail["model"] == "referrals.document"
    assert change.detail["action"] == "added"
    assert change.detail["fields"]["kind"] == [None, DocumentKind.TRAINING_CONTRACT]
    assert "original_name" in change.detail["withheld"]
    assert (change.referral_id, change.actor) == (referral.pk, counsellor)
    told = Notification.objects.filter(kind=MessageKind.DOCUMENT_ADDED)
    assert {n.recipient for n in told} == {caseworker}
    in_app = told.get(channel=Notification.Channel.IN_APP)
    assert str(DocumentKind.TRAINING_CONTRACT.label) in in_app.body
    assert document.original_name not in in_app.subject + in_app.body


def test_the_referral_page_lists_the_documents_and_the_timeline_their_kind(
    client, referral, caseworker
):
    services.document_add(
        referral=referral,
        user=caseworker,
        kind=DocumentKind.SIGNED_AGREEMENT,
        file=SimpleUploadedFile("akkoord.pdf", PDF),
        description="Getekend op het OCMW",
    )
    client.force_login(caseworker)

    response = client.get(referral.get_absolute_url())

    html = response.content.decode()
    document = Document.objects.get()
    assert reverse("referrals:document_download", args=[document.pk]) in html
    assert "akkoord.pdf" in html and "Getekend op het OCMW" in html
    assert 'enctype="multipart/form-data"' in html
    timeline = response.context["timeline"]
    assert (str(DocumentKind.SIGNED_AGREEMENT.label),) in {
        tuple(str(v) for _l, v in item["details"]) for item in timeline
    }


def test_the_referral_page_costs_the_same_with_1_and_with_12_documents(
    client, referral, caseworker
):
    client.force_login(caseworker)
    url = referral.get_absolute_url()
    DocumentFactory(referral=referral, added_by=caseworker)
    client.get(url)  # warm up

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(11):
        DocumentFactory(referral=referral, added_by=caseworker)
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(url)

    assert len(response.context["documents"]) == 12
    assert len(one) == len(twelve)


# --- removing one -------------------------------------------------------------------------


def added_by(user, referral) -> Document:
    return services.document_add(
        referral=referral,
        user=user,
        kind=DocumentKind.ATTENDANCE,
        file=SimpleUploadedFile("attest.pdf", PDF),
    )


def remove(http, document):
    return http.post(reverse("referrals:document_remove", args=[document.pk]), {"confirmed": "on"})


def test_whoever_added_one_removes_it_the_same_day_and_its_file_goes(
    client, referral, caseworker, storage, django_capture_on_commit_callbacks
):
    document = added_by(caseworker, referral)
    stored = storage / document.file.name
    client.force_login(caseworker)

    with django_capture_on_commit_callbacks(execute=True):
        response = remove(client, document)

    assert response.status_code == 302
    assert not Document.objects.exists()
    assert not stored.exists()
    event = ReferralEvent.objects.get(transition=DOCUMENT_REMOVED)
    assert event.data == {"document": document.pk, "kind": DocumentKind.ATTENDANCE}
    changes = [entry.detail for entry in Entry.objects.filter(kind=Kind.CHANGE)]
    assert [(c["action"], c["model"], c["id"]) for c in changes if c["action"] == "deleted"] == [
        ("deleted", "referrals.document", document.pk)
    ]


def test_after_the_window_it_is_kept_as_proof(client, referral, caseworker, settings):
    settings.OKOT_DOCUMENT_REMOVAL_HOURS = 24
    document = added_by(caseworker, referral)
    client.force_login(caseworker)

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        response = remove(client, document)

    assert response.status_code == 302
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_removal_without_the_ticked_box_is_refused_and_the_document_stays(
    client, referral, caseworker, in_english
):
    """The file goes for good: the box beside the button confirms it, without JavaScript."""
    document = added_by(caseworker, referral)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:document_remove", args=[document.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Tick the box to confirm: removing a document cannot be undone."
    ]
    assert Document.objects.filter(pk=document.pk).exists()
    assert 'name="confirmed"' in client.get(referral.get_absolute_url()).content.decode()


def test_the_other_side_does_not_remove_what_it_did_not_add(
    client, referral, caseworker, counsellor
):
    document = added_by(caseworker, referral)
    client.force_login(counsellor)

    remove(client, document)

    assert Document.objects.filter(pk=document.pk).exists()


def test_the_administrator_removes_one_at_any_time(client, referral, caseworker, administrator):
    document = added_by(caseworker, referral)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=400)):
        client.force_login(administrator)
        remove(client, document)

    assert not Document.objects.exists()


def test_a_removal_sent_twice_says_the_document_is_gone(client, referral, caseworker, in_english):
    """A double click, or a second tab: the referral's page, not a 404 page."""
    document = added_by(caseworker, referral)
    client.force_login(caseworker)
    data = {"confirmed": "on", "referral": referral.pk}
    url = reverse("referrals:document_remove", args=[document.pk])
    assert client.post(url, data).status_code == 302

    again = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")

    assert again.status_code == 302
    assert again.url == referral.get_absolute_url()
    said = [str(m) for m in again.wsgi_request._messages]
    assert said[-1] == "This document was removed already."
    assert not Document.objects.exists()


@pytest.mark.parametrize("named", ["", "x", "²", "other", "never removed here"])
def test_a_removal_of_a_document_gone_elsewhere_or_never_there_is_a_404(
    client, referral, caseworker, named
):
    """Only the referral whose history says the document was removed says so: another
    referral of the user's, or a key that is none, answers as a document never seen."""
    other = referral_in_state(
        State.AGREED, client=ClientFactory(ocmw=referral.ocmw), caseworker=caseworker
    )
    document = added_by(caseworker, referral)
    client.force_login(caseworker)
    url = reverse("referrals:document_remove", args=[document.pk])
    assert client.post(url, {"confirmed": "on"}).status_code == 302
    value = {"other": other.pk, "never removed here": referral.pk + 10**6}.get(named, named)

    assert client.post(url, {"confirmed": "on", "referral": value}).status_code == 404


def test_a_removal_outside_ones_referrals_is_a_404(client, referral, caseworker_of_other_ocmw):
    document = DocumentFactory(referral=referral)
    client.force_login(caseworker_of_other_ocmw)

    assert remove(client, document).status_code == 404
    assert Document.objects.exists()


def test_only_the_removable_show_a_remove_button(client, referral, caseworker, counsellor):
    added_by(caseworker, referral)
    added_by(counsellor, referral)
    client.force_login(caseworker)

    response = client.get(referral.get_absolute_url())

    rows = response.context["documents"]
    assert [(row["document"].added_by, row["removable"]) for row in rows] == [
        (counsellor, False),
        (caseworker, True),
    ]
