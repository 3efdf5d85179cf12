"""`manage.py screenshots` (make screenshots) photographs a role's pages in Chromium: run
as make runs it, for one role, language and width, into a temporary folder."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from referrals.management.screenshots import PAGES, VIEWPORTS
from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_width(data: bytes) -> int:
    """The width in the PNG's header (IHDR, right after the signature)."""
    return int.from_bytes(data[16:20], "big")


def test_caseworker_pages_in_dutch_at_phone_width(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SCREENSHOTS_CHROMIUM": str(CHROMIUM),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py, no shell
        [
            sys.executable,
            "manage.py",
            "screenshots",
            "--role=caseworker",
            "--language=nl-be",
            "--viewport=phone",
            f"--out={tmp_path}",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    written = sorted(tmp_path.rglob("*.png"))
    expected = sorted(
        tmp_path / "nl-be" / "phone" / f"caseworker-{page.slug}.png" for page in PAGES["caseworker"]
    )
    assert written == expected
    for path in written:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE), path
        # Wider only where the page itself scrolls sideways (which the output says).
        assert png_width(data) >= VIEWPORTS["phone"].width, path
    assert f"{len(expected)} screenshots" in result.stdout
