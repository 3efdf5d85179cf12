"""Where documents are kept: the settings' `documents` storage (a private directory, or an
S3-compatible bucket with private objects, configured from the environment; checked in a
process of its own, without network), and that the retention deletes the files of a
pseudonymised client's referrals while their rows keep what the figures need."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from referrals import services
from referrals.enums import DocumentKind, State
from referrals.models import Document
from tests.fresh_process import run_fresh
from tests.referrals.factories import PDF, ClientFactory, referral_in_state

# Asked in a fresh process with the settings `make demo` and production build on (local
# imports base, as production does), so that the environment decides.
PROBE = """
import json, django
django.setup()
from django.core.files.storage import storages
storage = storages["documents"]
names = ["bucket_name", "endpoint_url", "default_acl", "querystring_auth", "file_overwrite",
         "location", "access_key", "region_name"]
print(json.dumps({
    "class": f"{type(storage).__module__}.{type(storage).__name__}",
    **{name: str(getattr(storage, name, "")) for name in names},
}))
"""


def probe(**environment) -> dict:
    result = run_fresh(
        ["-c", PROBE],
        "config.settings.local",
        without=("OKOT_DOCUMENTS", "AWS_"),
        timeout=120,
        check=True,
        **environment,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_documents_are_on_private_local_disk_by_default(tmp_path):
    found = probe(OKOT_DOCUMENTS_DIR=str(tmp_path))

    assert found["class"] == "referrals.storage.PrivateFileSystemStorage"
    assert found["location"] == str(tmp_path)


def test_a_bucket_in_the_environment_puts_them_on_s3_private_and_never_overwritten():
    found = probe(
        OKOT_DOCUMENTS_S3_BUCKET="okot-documenten",
        OKOT_DOCUMENTS_S3_ENDPOINT="https://s3.example.test",
        OKOT_DOCUMENTS_S3_REGION="eu-west-3",
        OKOT_DOCUMENTS_S3_ACCESS_KEY="AKIAEXAMPLE",
        OKOT_DOCUMENTS_S3_SECRET_KEY="not-a-secret",
    )

    assert found["class"] == "storages.backends.s3.S3Storage"
    assert found["bucket_name"] == "okot-documenten"
    assert found["endpoint_url"] == "https://s3.example.test"
    assert found["region_name"] == "eu-west-3"
    assert found["access_key"] == "AKIAEXAMPLE"
    assert found["default_acl"] == "private"
    assert found["querystring_auth"] == "True"
    assert found["file_overwrite"] == "False"
    assert found["location"] == "documents"


def test_a_bucket_without_acls_gets_none_sent():
    found = probe(OKOT_DOCUMENTS_S3_BUCKET="okot-documenten", OKOT_DOCUMENTS_S3_ACL="")

    assert found["default_acl"] == "None"


# --- the retention ----------------------------------------------------------------------------


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "referrals.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.mark.django_db
def test_the_retention_deletes_the_files_and_keeps_kind_size_and_dates(
    storage, ocmw_gent, training, caseworker, django_capture_on_commit_callbacks
):
    person = ClientFactory(ocmw=ocmw_gent, last_name="Quetzalvelde")
    referral = referral_in_state(
        State.IN_TRAINING, client=person, training=training, caseworker=caseworker
    )
    document = services.document_add(
        referral=referral,
        user=caseworker,
        kind=DocumentKind.ATTENDANCE,
        file=SimpleUploadedFile("attest Quetzalvelde.pdf", PDF),
        description="Oktober, Quetzalvelde",
    )
    kept = referral_in_state(State.IN_TRAINING, training=training, caseworker=caseworker)
    other = services.document_add(
        referral=kept,
        user=caseworker,
        kind=DocumentKind.DIPLOMA,
        file=SimpleUploadedFile("diploma.pdf", PDF),
    )
    stored, other_stored = storage / document.file.name, storage / other.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.client_pseudonymise(client=person)

    assert not stored.exists()
    assert other_stored.exists()
    document.refresh_from_db()
    assert (document.file.name, document.original_name, document.description) == ("", "", "")
    assert document.sha256 == ""
    assert (document.kind, document.size, document.added_by) == (
        DocumentKind.ATTENDANCE,
        len(PDF),
        caseworker,
    )
    assert Document.objects.get(pk=other.pk).original_name == "diploma.pdf"


@pytest.mark.django_db
def test_a_retention_that_rolls_back_keeps_the_files(storage, ocmw_gent, training, caseworker):
    person = ClientFactory(ocmw=ocmw_gent)
    referral = referral_in_state(
        State.IN_TRAINING, client=person, training=training, caseworker=caseworker
    )
    document = services.document_add(
        referral=referral,
        user=caseworker,
        kind=DocumentKind.ATTENDANCE,
        file=SimpleUploadedFile("attest.pdf", PDF),
    )

    services.client_pseudonymise(client=person)  # the test's transaction never commits

    assert (storage / document.file.name).exists()
