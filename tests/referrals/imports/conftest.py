"""Every import test runs on a fixed day and compares messages with the code's English."""

import hashlib

import pytest
import time_machine
from django.utils import translation

from referrals.models import ImportJob

from .rows import NOW, row, write_csv


@pytest.fixture(autouse=True)
def frozen_time_in_english():
    """A fixed day, and messages compared with the code's own (English) strings."""
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def catalogue(ocmw_gent, training):
    """OCMW Gent and its training "Verpleegkunde HBO5" (HBO), as the rows name them."""
    return training


@pytest.fixture
def job(tmp_path, administrator, catalogue):
    """A queued import of a good two-row CSV file, uploaded by the administrator in English."""
    content = write_csv(tmp_path / "job.csv", [row("imp-1"), row("imp-2", serial=2)]).read_bytes()
    return ImportJob.objects.create(
        started_by=administrator,
        file_name="referrals.csv",
        checksum=hashlib.sha256(content).hexdigest(),
        content=content,
        language="en",
    )
