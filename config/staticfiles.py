"""The static files' storage: WhiteNoise's (hashed names from the manifest, compressed copies),
answering each URL from memory after the first time it is asked.

Every `{% static %}` and every yes/no icon of Django admin asks the storage for a URL, and
the manifest's storage works it out each time (the name cleaned, split, looked up, joined
to STATIC_URL and unquoted): 10 µs. The admin's client changelist asks it 300 times a page
(three yes/no columns of 100 rows): in-process at a million referrals 51.0/50.6 ->
46.6/45.4 ms, with the referral changelist unchanged (45.0/44.9 -> 44.7/44.7). The answer
cannot change while the process runs: the manifest is read once, when the storage is made,
and a name missing from it is refused (`manifest_strict`, WhiteNoise's default, which this
relies on: without it such a name would be hashed from the file on disk, and that answer
remembered); a change of STORAGES, STATIC_ROOT or STATIC_URL makes a new storage (Django's
`setting_changed`)."""

import functools

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

# WhiteNoise's middleware asks the URL of every hashed file once when it starts (about 230
# today), the templates a few more; a bound that names with a query string or a fragment,
# which are accepted and each remembered, cannot grow past.
REMEMBERED_URLS = 1024


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A cycle (the storage holds its method): a storage replaced in tests goes with the
        # garbage collector, not at once.
        self._urls = functools.lru_cache(maxsize=REMEMBERED_URLS)(self._worked_out)

    def url(self, name, force=False):
        # With DEBUG on it is the name as it is (`ManifestFilesMixin._url`): tests switch it.
        return self._urls(name, force, settings.DEBUG)

    def _worked_out(self, name, force, debug):
        return super().url(name, force)

    def post_process(self, *args, **kwargs):
        """collectstatic hashes the files again: what was remembered is forgotten."""
        self._urls.cache_clear()
        try:
            yield from super().post_process(*args, **kwargs)
        finally:
            self._urls.cache_clear()
