"""Every import leaves one row in the audit trail naming its file by name and SHA-256
checksum, with its number of rows and what came of it: written with the rows it imported,
or on its own when the file was refused, only checked, or the import failed."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import Entry, Kind
from referrals import imports, tasks
from referrals.enums import ImportJobStatus
from referrals.imports import source
from referrals.models import ImportJob, Referral
from tests.locks import postgres_only

from .rows import row, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

GOOD_ROWS = [row("imp-1"), row("imp-2", "declined", serial=2), row("imp-3", serial=3)]
BAD_ROWS = [row("imp-1"), row("imp-2", serial=2, ocmw="OCMW Mars")]


@pytest.fixture
def upload(client, administrator, django_capture_on_commit_callbacks):
    """Upload a file in the admin; its job runs once the request commits."""
    client.force_login(administrator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def upload(content: bytes, name: str = "referrals.csv", **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("admin:referrals_referral_import"),
                {"file": SimpleUploadedFile(name, content), **data},
            )

    return upload


def csv_bytes(tmp_path, rows) -> bytes:
    return write_csv(tmp_path / "upload.csv", rows).read_bytes()


def the_import() -> Entry:
    return Entry.objects.get(kind=Kind.IMPORT)


def test_an_import_in_the_admin_names_its_file_and_counts(tmp_path, upload, administrator):
    content = csv_bytes(tmp_path, GOOD_ROWS)

    upload(content, "trajecten-2024.csv")

    entry, job = the_import(), ImportJob.objects.get()
    assert entry.actor == administrator
    assert entry.detail == {
        "file_name": "trajecten-2024.csv",
        "sha256": hashlib.sha256(content).hexdigest(),
        "rows": 3,
        "outcome": "imported",
        "created": 3,
        "clients_created": 3,
        "already_imported": 0,
        "errors": 0,
        "dry_run": False,
        "job": job.pk,
        "via": "admin",
    }
    assert entry.detail["sha256"] == job.checksum


@pytest.mark.parametrize(
    ("rows", "data", "outcome", "created", "errors"),
    [
        pytest.param(BAD_ROWS, {}, "refused", 0, 1, id="rows-with-errors"),
        pytest.param(GOOD_ROWS, {"dry_run": "on"}, "dry_run", 0, 0, id="dry-run"),
    ],
)
def test_an_import_that_writes_nothing_is_recorded_too(
    tmp_path, upload, rows, data, outcome, created, errors
):
    content = csv_bytes(tmp_path, rows)

    upload(content, **data)

    detail = the_import().detail
    assert (detail["outcome"], detail["created"], detail["errors"]) == (outcome, created, errors)
    assert (detail["rows"], detail["sha256"]) == (len(rows), hashlib.sha256(content).hexdigest())
    assert not Referral.objects.exists()


def test_a_file_that_cannot_be_read_is_recorded_with_the_reason(upload):
    content = b"external_id,ocmw\nimp-1,OCMW Gent\n"

    upload(content)

    detail = the_import().detail
    assert (detail["outcome"], detail["rows"]) == ("refused", 0)
    assert detail["reason"].startswith("Missing columns: insz")
    assert detail["sha256"] == hashlib.sha256(content).hexdigest()


def test_a_failed_import_is_recorded_with_the_reason(job, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.jobs, "referral_import", broken)

    assert tasks.run_import(job.pk) == ImportJobStatus.FAILED

    detail = the_import().detail
    assert (detail["outcome"], detail["job"], detail["rows"]) == ("failed", job.pk, 2)
    assert detail["sha256"] == job.checksum
    assert "disk full" not in detail["reason"]  # our own message, not the exception's
    assert detail["reason"] == ImportJob.objects.get().failure


def test_rows_are_never_written_without_their_row_in_the_trail(tmp_path, monkeypatch):
    """The trail's row is written in the import's own transaction."""

    def refused(*args, **kwargs):
        raise RuntimeError("the trail is down")

    monkeypatch.setattr(source.trail, "record", refused)
    parsed = imports.read_rows("r.csv", csv_bytes(tmp_path, GOOD_ROWS))

    with pytest.raises(RuntimeError):
        imports.referral_import(rows=parsed)

    assert not Referral.objects.exists()


def test_the_command_names_its_file_and_who_ran_it(tmp_path, monkeypatch):
    monkeypatch.setattr(source.getpass, "getuser", lambda: "beheerder")
    path = write_csv(tmp_path / "trajecten.csv", GOOD_ROWS)

    call_command("import_referrals", str(path))

    entry = the_import()
    assert entry.actor is None
    assert entry.detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (entry.detail["file_name"], entry.detail["rows"], entry.detail["created"]) == (
        "trajecten.csv",
        3,
        3,
    )
    assert (entry.detail["via"], entry.detail["system_user"]) == ("command", "beheerder")


def test_the_command_records_a_file_it_cannot_read(tmp_path):
    path = tmp_path / "leeg.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError):
        call_command("import_referrals", str(path))

    detail = the_import().detail
    assert (detail["outcome"], detail["reason"]) == ("refused", "The file is empty.")
    assert detail["sha256"] == hashlib.sha256(b"").hexdigest()


@postgres_only
def test_an_import_given_up_after_its_workers_were_lost_is_recorded_so(job):
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, attempts=imports.jobs.MAX_ATTEMPTS, rows_total=2
    )

    assert tasks.run_import(job.pk) == ImportJobStatus.FAILED

    detail = the_import().detail
    assert (detail["outcome"], detail["job"], detail["rows"]) == ("failed", job.pk, 2)
    assert detail["reason"] == ImportJob.objects.get().failure == imports.jobs.lost_message()
