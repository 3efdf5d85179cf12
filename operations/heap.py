"""A web worker's objects that live as long as it does, kept out of the garbage collector's
full passes.

Python's collector now and then walks every object a process holds (a full pass, set off by
how many objects requests made and kept). A gunicorn worker holds some 200,000 from the
start: Django, the application, its URLs and views, the catalogues of each language. Walking
them took 120-130 ms, on whichever request set the pass off: at a million referrals, one
request in twenty, and the caseworker's figures served from the cache took 150 ms instead of
35 (`make bench`, docs/performance.md). Frozen once loaded (`gc.freeze`), they are never
walked again, and a full pass walks what requests made: 35-50 ms while a big request is in
flight, nothing between requests."""

import gc

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def freeze_loaded_app() -> int:
    """Load what a worker's first requests would (the URLconf with every view, the reverse
    lookup of each name, the catalogues of each language), then move every object the
    process holds out of the collector's reach; how many that is."""
    get_resolver().reverse_dict  # noqa: B018 (imports the views and fills the lookup)
    for code, _name in settings.LANGUAGES:
        translation.activate(code)  # loads the language's catalogues
    translation.deactivate()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
