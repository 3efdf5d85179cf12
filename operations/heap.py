"""A web worker's objects that live as long as it does, kept out of the garbage collector's
full passes.

Python's collector now and then walks every object a process holds (a full pass, set off by
how many objects requests made and kept). A gunicorn worker holds some 180,000 from the
start: Django, the application, its URLs and views, the catalogues of each language. Walking
them took 100-130 ms, on whichever request set the pass off: at a million referrals one
request in fifteen to twenty, and in `make bench` the caseworker's figures served from the
cache took 153 ms instead of 37 (docs/performance.md, "What was slow"). Frozen once loaded
(`gc.freeze`), they are never walked again: a full pass walks what requests made, 20-45 ms
while a big request is in flight. What is frozen is never freed: it is what the worker keeps
to its end anyway."""

import gc

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def freeze_loaded_app() -> None:
    """Load what a worker's first requests would, then freeze every object it holds: the
    URLconf with every view, and in each language its catalogues and the lookup that
    reverses a URL's name (Django keeps one per language)."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            get_resolver().reverse_dict  # noqa: B018 (imports the views, fills the lookup)
    gc.collect()
    gc.freeze()
