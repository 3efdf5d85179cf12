"""A web worker's objects frozen once it loaded the app (operations.heap; gunicorn's
`post_worker_init` calls it: tests/test_project.py)."""

from tests.fresh_process import printed_after_setup

# As gunicorn's worker has it: the app loaded, no request yet. Then what its first requests
# in each language do (reverse a URL, translate), counting what the collector is left with.
FRESH_WORKER = """
import gc, sys
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
    printed = printed_after_setup("config.settings.production", FRESH_WORKER)
    assert printed.split() == ["False", "True", "True", "True", "True"]
