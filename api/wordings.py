"""Django's own Dutch for the few messages Django REST framework translates differently.

An app's catalogue wins over Django's, so installing DRF would turn the pages' "Dit veld is
verplicht." into DRF's "Dit veld is vereist.". Named here, the project's own catalogue
(`locale/`, which wins over both) keeps Django's wording, on the pages and in the API alike;
tests/api/test_wordings.py finds every such message. Never imported: makemessages reads it."""

from django.utils.translation import gettext_noop

KEPT_AS_DJANGO_SAYS = [
    gettext_noop("This field is required."),
    gettext_noop("No file was submitted."),
    gettext_noop("Value must be valid JSON."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
]
