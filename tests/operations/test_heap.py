"""A web worker's objects frozen once it loaded the app (operations.heap; gunicorn's
`post_worker_init` calls it: tests/test_project.py)."""

import os
import subprocess
import sys

from django.conf import settings

# As gunicorn's worker has it: the app loaded, no request yet. Then what its first requests
# in each language do (reverse a URL, translate), counting what the collector is left with.
FRESH_WORKER = """
import gc, sys
import django
django.setup()
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from operations.heap import freeze_loaded_app
views_before = "referrals.views" in sys.modules
freeze_loaded_app()
frozen, left = gc.get_freeze_count(), len(gc.get_objects())
for code, _name in settings.LANGUAGES:
    with translation.override(code):
        reverse("referrals:referral_detail", args=[1]), translation.gettext("My work")
print(views_before, "referrals.views" in sys.modules, frozen > 100_000, left < 100,
      len(gc.get_objects()) - left < 200)
"""


def test_a_fresh_worker_freezes_its_views_and_each_languages_lookups():
    """The views imported and, in each language, the URL lookup and the catalogues loaded
    before the freeze: the first requests in either language leave the collector little
    more to walk (reversing a URL in a language not loaded builds a lookup of thousands
    of objects, loading a catalogue tens of thousands)."""
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
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]
