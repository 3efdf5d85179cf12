"""A web worker's objects frozen once it loaded the app (operations.heap; gunicorn's
`post_worker_init` calls it: tests/test_project.py)."""

import os
import subprocess
import sys

from django.conf import settings

FRESH_WORKER = """
import gc, sys
import django
django.setup()
from operations.heap import freeze_loaded_app
views_before = "referrals.views" in sys.modules
frozen = freeze_loaded_app()
from django.utils.translation import trans_real
print(views_before, "referrals.views" in sys.modules, frozen == gc.get_freeze_count(),
      len(gc.get_objects()) < frozen / 100, sorted(trans_real._translations))
"""


def test_a_fresh_worker_loads_its_views_and_languages_then_freezes_them():
    """In a process as gunicorn's worker has it (the app loaded, no request yet): the
    views imported, each language's catalogues loaded, and then all of it out of the
    collector's reach, which walks little else until requests make more."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", FRESH_WORKER],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    languages = sorted(code for code, _name in settings.LANGUAGES)
    assert result.stdout.strip() == (f"False True True True {languages}")
