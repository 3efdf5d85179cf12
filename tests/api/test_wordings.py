"""Installing Django REST framework changes none of the pages' Dutch: where DRF and Django
translate a message differently, the project's catalogue says it as Django does."""

import gettext
from pathlib import Path

import django
import pytest
import rest_framework
from django.utils import translation


def catalogue(locale: Path) -> dict[str, str]:
    with (locale / "nl" / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        messages = gettext.GNUTranslations(mo)._catalog
    return {msgid: dutch for msgid, dutch in messages.items() if isinstance(msgid, str) and msgid}


DJANGO = catalogue(Path(django.__file__).parent / "conf" / "locale")
DISAGREEING = sorted(
    msgid
    for msgid, dutch in catalogue(Path(rest_framework.__file__).parent / "locale").items()
    if msgid in DJANGO and DJANGO[msgid] != dutch
)


def test_drf_disagrees_with_django_somewhere():
    """Else the test below would check nothing."""
    assert "This field is required." in DISAGREEING


@pytest.mark.parametrize("msgid", DISAGREEING)
def test_the_pages_keep_djangos_dutch(msgid):
    with translation.override("nl-be"):
        assert translation.gettext(msgid) == DJANGO[msgid]
