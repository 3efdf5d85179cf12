"""An import's page follows the import in place (static/js/import-progress.js): the rows
checked, then what came of it, without the page being reloaded under its reader."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from referrals.enums import ImportJobStatus
from referrals.models import ImportJob

pytestmark = pytest.mark.browser


@pytest.fixture
def job(transactional_db, admin_user):
    return ImportJob.objects.create(
        started_by=admin_user, file_name="referrals.csv", checksum="0" * 64, language="nl"
    )


def test_the_page_of_an_import_shows_its_progress_then_its_outcome_in_place(
    page: Page, log_in, admin_user, job
):
    log_in(page, admin_user)
    page.goto(reverse("admin:referrals_referral_import_job", args=[job.pk]))
    page.evaluate("window.notReloaded = true")

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, rows_done=12, rows_total=60
    )
    expect(page.locator("#import-progress-label")).to_have_text("12 van 60 rijen nagekeken.")
    expect(page.locator("progress")).to_have_attribute("value", "12")

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.DONE,
        finished_at=timezone.now(),
        result={
            "imported": 60,
            "already_imported": 0,
            "clients_created": 60,
            "errors": [],
            "dry_run": False,
        },
    )
    expect(page.locator("li.success")).to_have_text("60 geïmporteerd, 0 waren al geïmporteerd.")
    expect(page.locator(".import-progress")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert page.csp_violations == []
