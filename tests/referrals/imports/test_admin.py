"""Importing existing trajectories by uploading a file in the admin: administrators only,
the upload kept in memory, then imported by a job (Celery runs it in-process in the tests)
whose page lists every error with its line or says how many were imported."""

import hashlib
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referrals.enums import ImportJobStatus
from referrals.imports import RowError
from referrals.models import ImportJob, Referral
from tests.accounts.factories import CaseworkerFactory, UserFactory
from tests.accounts.two_factor import Client as BrowserClient
from tests.referrals.conftest import error_messages

from .rows import row, truncated_sheet, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ocmw_gent", "training")]


@pytest.fixture
def administrator_client(client, administrator):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(administrator)
    return client


@pytest.fixture
def staff_without_permission(client):
    """Staff who may read referrals in the admin, but is no administrator."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_referral"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    return client


def import_url() -> str:
    return reverse("admin:referrals_referral_import")


def changelist_url() -> str:
    return reverse("admin:referrals_referral_changelist")


def csv_bytes(tmp_path, rows) -> bytes:
    return write_csv(tmp_path / "upload.csv", rows).read_bytes()


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    columns = list(rows[0])
    workbook.active.append(columns)
    for values in rows:
        workbook.active.append([values[name] for name in columns])
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def job_url(job: ImportJob) -> str:
    return reverse("admin:referrals_referral_import_job", args=[job.pk])


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Post a file; the job's task runs once the request's transaction commits."""

    def upload(client, content: bytes, name: str = "referrals.csv", **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(import_url(), {"file": SimpleUploadedFile(name, content), **data})

    return upload


def summary(response) -> str:
    return response.context["result"].summary()


GOOD_ROWS = [row("imp-1"), row("imp-2", "declined", serial=2)]


def test_the_referral_list_links_to_the_import(administrator_client):
    response = administrator_client.get(changelist_url())

    assert f'<a href="{import_url()}" class="referral-import">Import</a>' in response.text


def test_the_import_page_is_an_accessible_admin_form(administrator_client):
    response = administrator_client.get(import_url())

    assert response.status_code == 200
    assert "<h1>Import referrals</h1>" in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert '<label class="required" for="id_file">File:</label>' in response.text
    assert 'type="file" name="file"' in response.text
    assert 'aria-describedby="id_file_helptext"' in response.text
    assert '<label class="vCheckboxLabel" for="id_dry_run">' in response.text
    assert "external_id,ocmw,insz," in response.text


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_administrator_imports_a_file(
    tmp_path, administrator_client, administrator, upload, kind
):
    content = csv_bytes(tmp_path, GOOD_ROWS) if kind == "csv" else xlsx_bytes(GOOD_ROWS)

    response = upload(administrator_client, content, f"referrals.{kind}")

    job = ImportJob.objects.get()
    assert (response.status_code, response.url) == (302, job_url(job))
    assert (job.status, job.started_by, job.file_name) == (
        ImportJobStatus.DONE,
        administrator,
        f"referrals.{kind}",
    )
    assert job.checksum == hashlib.sha256(content).hexdigest()
    assert (job.rows_done, job.rows_total, job.finished_at is not None) == (2, 2, True)
    assert bytes(job.content) == b""  # the file's national numbers are not kept
    assert job.result == {
        "imported": 2,
        "already_imported": 0,
        "clients_created": 2,
        "errors": [],
        "dry_run": False,
    }
    page = administrator_client.get(job_url(job))
    assert '<li class="success" role="status">2 imported, 0 already imported.</li>' in page.text
    assert "http-equiv" not in page.text  # an ended job's page stays put
    assert Referral.objects.count() == 2
    for referral in Referral.objects.all():
        assert referral.created_by == administrator
        assert [(e.transition, e.actor) for e in referral.events.all()] == [
            ("import", administrator)
        ]


def test_uploading_the_same_file_again_imports_nothing_more(tmp_path, administrator_client, upload):
    upload(administrator_client, csv_bytes(tmp_path, GOOD_ROWS))

    response = upload(administrator_client, csv_bytes(tmp_path, GOOD_ROWS))

    page = administrator_client.get(response.url)
    assert summary(page) == "0 imported, 2 already imported."
    assert Referral.objects.count() == 2


def test_a_file_with_errors_lists_them_and_imports_nothing(tmp_path, administrator_client, upload):
    rows = [*GOOD_ROWS, row("imp-3", serial=3, ocmw="OCMW Mars", first_name="")]

    response = administrator_client.get(upload(administrator_client, csv_bytes(tmp_path, rows)).url)

    assert response.status_code == 200
    assert response.text.count("<tr><td>4</td><td>") == 2
    assert "<td>first_name: This field is required.</td>" in response.text
    assert "<td>ocmw: unknown OCMW “OCMW Mars”.</td>" in response.text
    assert "The file has 2 errors and nothing was imported." in response.text
    assert 'role="alert"' in response.text
    assert "<title>Error:" in response.text
    assert not Referral.objects.exists()


def test_a_dry_run_says_what_would_happen_and_writes_nothing(
    tmp_path, administrator_client, upload
):
    response = upload(administrator_client, csv_bytes(tmp_path, GOOD_ROWS), dry_run="on")

    page = administrator_client.get(response.url)
    assert ImportJob.objects.get().dry_run
    assert summary(page) == "Dry run: 2 would be imported, 0 already imported. Nothing was written."
    assert "Dry run: the file is checked, nothing is imported." in page.text
    assert not Referral.objects.exists()


def test_a_file_of_another_kind_is_refused(administrator_client, upload):
    response = upload(administrator_client, b"external_id\n", "referrals.ods")

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Give a .csv or .xlsx file."]}
    assert error_messages(response) == []
    assert not ImportJob.objects.exists()


def test_an_xlsx_file_with_a_damaged_sheet_is_refused(administrator_client, upload):
    response = upload(administrator_client, truncated_sheet(xlsx_bytes(GOOD_ROWS)), "r.xlsx")

    page = administrator_client.get(response.url)
    assert page.context["import_errors"] == [
        RowError(None, "The file is not a readable XLSX file.")
    ]
    assert "<tr><td></td><td>The file is not a readable XLSX file.</td></tr>" in page.text
    assert ImportJob.objects.get().status == ImportJobStatus.DONE
    assert not Referral.objects.exists()


def test_a_file_over_the_size_cap_is_refused(administrator_client, settings, upload):
    settings.OKOT_IMPORT_MAX_FILE_MB = 2

    response = upload(administrator_client, b"x" * (2 * 1024 * 1024 + 1))

    assert response.context["form"].errors == {"file": ["The file is larger than 2 MB; split it."]}
    assert not ImportJob.objects.exists()


def test_the_upload_is_never_written_to_a_temporary_file(
    tmp_path, administrator_client, settings, monkeypatch, upload
):
    def no_temporary_file(*args, **kwargs):
        raise AssertionError("the upload went to a temporary file")

    # Django itself keeps only uploads up to this size in memory.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    monkeypatch.setattr("django.core.files.uploadhandler.TemporaryUploadedFile", no_temporary_file)

    response = upload(administrator_client, csv_bytes(tmp_path, GOOD_ROWS))

    assert response.status_code == 302
    assert Referral.objects.count() == 2


def test_the_upload_needs_the_csrf_token(tmp_path, administrator, upload):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(administrator)

    response = upload(browser, csv_bytes(tmp_path, GOOD_ROWS))

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_caseworker_is_sent_to_the_admin_login(tmp_path, client, ocmw_gent, upload, job):
    client.force_login(CaseworkerFactory(organisation=ocmw_gent))

    response = upload(client, csv_bytes(tmp_path, GOOD_ROWS))
    page = client.get(job_url(job))

    for answer in (response, page):
        assert answer.status_code == 302
        assert answer.url.startswith(reverse("admin:login"))
    assert ImportJob.objects.get() == job


def test_staff_who_is_no_administrator_may_not_import(
    tmp_path, staff_without_permission, upload, job
):
    listing = staff_without_permission.get(changelist_url())
    page = staff_without_permission.get(import_url())
    posted = upload(staff_without_permission, csv_bytes(tmp_path, GOOD_ROWS))
    job_page = staff_without_permission.get(job_url(job))

    assert listing.status_code == 200
    assert import_url() not in listing.text
    assert (page.status_code, posted.status_code, job_page.status_code) == (403, 403, 403)
    assert ImportJob.objects.get() == job
