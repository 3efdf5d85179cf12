"""The UI is Dutch (nl-BE) first, English second: the Dutch catalogue is complete, the
committed .mo files match the .po files, and the site speaks the user's language."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from referrals.enums import EndResult, State
from referrals.models import Client
from referrals.steps import STEPS
from tests.accounts.factories import UserFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
NL_PO = LOCALE / "nl" / "LC_MESSAGES" / "django.po"

# The labels of DOMAIN.md: the contract with the people who read them.
DUTCH_STATE_LABELS = {
    State.INFORMED: "Geïnformeerd",
    State.CANDIDATE: "Kandidaat",
    State.AGREED: "Formeel akkoord",
    State.DECLINED: "Geen akkoord",
    State.INTAKE_PLANNED: "Intake gepland",
    State.ADMITTED: "Toegelaten",
    State.NOT_ADMITTED: "Niet toegelaten",
    State.IN_TRAINING: "In opleiding",
    State.ENDED: "Opleiding beëindigd",
    State.CLOSED: "Afgesloten",
    State.WITHDRAWN: "Ingetrokken",
}
DUTCH_END_RESULTS = {
    EndResult.PASSED: "geslaagd",
    EndResult.FAILED: "niet geslaagd",
    EndResult.STOPPED_EARLY: "vroegtijdig stopgezet",
    EndResult.STOPPED_EMPLOYMENT: "stopgezet wegens tewerkstelling",
}
DUTCH_ROLES = {
    Role.CASEWORKER: "MA/ATB (maatschappelijk werker / trajectbegeleider)",
    Role.COUNSELLOR: "VDAB-bemiddelaar",
    Role.NETWORK_MANAGER: "Netwerkmanager",
    Role.ADMINISTRATOR: "Beheerder",
}


# --- a tiny .po reader (no polib in the requirements) ---------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a .po string is a valid Python string literal


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"msgctxt", "msgid", "msgid_plural", "msgstr": {index: text},
    "flags", "obsolete"}, header included (msgid "")."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {
            "msgctxt": None,
            "msgid": None,
            "msgid_plural": None,
            "msgstr": {},
            "flags": set(),
        }
        entry["obsolete"] = all(
            line.startswith("#~") for line in block.splitlines() if line.strip()
        )
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                text = _unquote(line)
                if isinstance(key, int):
                    entry["msgstr"][key] += text
                else:
                    entry[key] += text
            else:
                keyword, _, rest = line.partition(" ")
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if match:
                    key = int(match.group(1))
                    entry["msgstr"][key] = _unquote(rest)
                elif keyword == "msgstr":
                    key = 0
                    entry["msgstr"][0] = _unquote(rest)
                elif keyword in ("msgctxt", "msgid", "msgid_plural"):
                    key = keyword
                    entry[keyword] = _unquote(rest)
                else:
                    raise AssertionError(f"Unexpected line in {path}: {line!r}")
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def nl_messages() -> list[dict]:
    return [e for e in read_po(NL_PO) if e["msgid"] and not e["obsolete"]]


def nl_header() -> dict:
    (header,) = [e for e in read_po(NL_PO) if e["msgid"] == ""]
    return header


def test_the_po_reader_reads_the_catalogue():
    messages = {e["msgid"]: e for e in nl_messages()}

    assert len(messages) > 100
    assert messages["Log in"]["msgstr"] == {0: "Aanmelden"}


# --- (a) the Dutch catalogue is complete and well formed -------------------------------------


def test_the_dutch_catalogue_has_no_fuzzy_entries():
    fuzzy = [e["msgid"] for e in nl_messages() if "fuzzy" in e["flags"]]

    assert fuzzy == []
    assert "fuzzy" not in nl_header()["flags"]


def test_every_dutch_entry_is_translated():
    untranslated = [
        e["msgid"]
        for e in nl_messages()
        if not e["msgstr"]
        or not all(text.strip() for text in e["msgstr"].values())
        or (e["msgid_plural"] and sorted(e["msgstr"]) != [0, 1])
    ]

    assert untranslated == []


def test_no_dutch_entry_is_an_empty_msgstr_followed_by_a_blank_line():
    """The literal check: a translated entry never ends in `msgstr ""` (only the header,
    whose msgstr continues on the next lines, starts with it)."""
    text = NL_PO.read_text(encoding="utf-8")
    header_end = text.index("\n\n")

    assert not re.search(r'^msgstr(\[\d+\])? ""\n(\n|\Z)', text[header_end:], re.MULTILINE)
    assert "#, fuzzy" not in text


def test_the_dutch_header_declares_utf8_and_two_plural_forms():
    header = nl_header()["msgstr"][0]

    assert "Language: nl\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def test_translations_keep_every_placeholder():
    broken = []
    for e in nl_messages():
        sources = [e["msgid"], e["msgid_plural"] or e["msgid"]]
        for index, text in e["msgstr"].items():
            expected = sorted(PLACEHOLDER.findall(sources[min(index, 1)]))
            if sorted(PLACEHOLDER.findall(text)) != expected:
                broken.append((e["msgid"], text))

    assert broken == []


def compiled(entry: dict, catalogue: gettext.GNUTranslations) -> list[str]:
    """What the compiled catalogue says for a .po entry, one text per plural form."""
    if entry["msgid_plural"]:
        # Both catalogues have two forms, n != 1 (see the header test above).
        return [catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
    if entry["msgctxt"]:
        return [catalogue.pgettext(entry["msgctxt"], entry["msgid"])]
    return [catalogue.gettext(entry["msgid"])]


def expected(entry: dict) -> list[str]:
    """What the .po says: its translation, or the source text where there is none (English,
    the source language, leaves msgstr empty) or it is fuzzy, as msgfmt compiles it."""
    translations = [entry["msgstr"][index] for index in sorted(entry["msgstr"])]
    if "fuzzy" in entry["flags"] or not all(translations):
        return (
            [entry["msgid"], entry["msgid_plural"]] if entry["msgid_plural"] else [entry["msgid"]]
        )
    return translations


# Named, not globbed: a catalogue that went missing must fail here, not leave nothing to test.
@pytest.mark.parametrize(
    "po", [LOCALE / lang / "LC_MESSAGES" / "django.po" for lang in ("en", "nl")], ids=["en", "nl"]
)
def test_the_committed_mo_files_are_compiled_from_the_po_files(po):
    """The image and `make demo` use the committed .mo files, never compiling them: each must
    say what its .po says now."""
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run `make messages` and commit it"
    with mo.open("rb") as file:
        catalogue = gettext.GNUTranslations(file)
    entries = [e for e in read_po(po) if e["msgid"]]

    stale = [e["msgid"] for e in entries if compiled(e, catalogue) != expected(e)]

    assert len(entries) > 100
    assert stale == [], f"{mo} is older than {po}: run `make messages` and commit it"


def test_the_english_catalogue_exists_and_keeps_english():
    en_po = LOCALE / "en" / "LC_MESSAGES" / "django.po"

    assert {e["msgid"] for e in read_po(en_po)} >= {e["msgid"] for e in nl_messages()}
    with translation.override("en"):
        assert str(State.AGREED.label) == "Formal agreement"
        assert translation.gettext("Log in") == "Log in"


# --- (a) the words of the domain --------------------------------------------------------------


@pytest.mark.parametrize("state", list(State), ids=[s.value for s in State])
def test_state_labels_are_the_official_dutch_labels(state):
    with translation.override("nl-be"):
        assert str(state.label) == DUTCH_STATE_LABELS[state]


@pytest.mark.parametrize("result", list(EndResult), ids=[r.value for r in EndResult])
def test_end_results_are_the_official_dutch_labels(result):
    with translation.override("nl-be"):
        assert str(result.label) == DUTCH_END_RESULTS[result]


@pytest.mark.parametrize("role", list(DUTCH_ROLES))
def test_role_names_are_translated(role):
    with translation.override("nl-be"):
        assert translation.gettext(role) == DUTCH_ROLES[role]


def test_the_national_number_is_called_insz_rijksregister_or_bis_number():
    with translation.override("nl-be"):
        label = str(Client._meta.get_field("insz").verbose_name)

    assert label == "INSZ (rijksregister- of bisnummer)"


def test_step_labels_are_dutch():
    with translation.override("nl-be"):
        assert str(STEPS["agree"].label) == "Formeel akkoord geven"
        assert str(STEPS["end"].label) == str(State.ENDED.label) == "Opleiding beëindigd"


# --- (b) the site speaks the user's language -----------------------------------------------


def login_page(client, **headers):
    response = client.get(reverse("login"), **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="by-default"),
        pytest.param({"HTTP_ACCEPT_LANGUAGE": "nl"}, id="dutch-browser"),
        pytest.param({"HTTP_ACCEPT_LANGUAGE": "nl-BE,nl;q=0.9,en;q=0.8"}, id="flemish-browser"),
    ],
)
def test_the_login_page_is_dutch(client, headers):
    page = login_page(client, **headers)

    assert '<html lang="nl"' in page
    assert "Aanmelden" in page
    assert "OKOT-toeleidingen" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_choosing_english_switches_the_site_to_english(client):
    assert "Aanmelden" in login_page(client, HTTP_ACCEPT_LANGUAGE="nl")

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    assert response.status_code == 302
    page = login_page(client, HTTP_ACCEPT_LANGUAGE="nl")
    assert '<html lang="en"' in page
    assert "Log in" in page
    assert "Aanmelden" not in page


@pytest.mark.django_db
def test_choosing_dutch_again_switches_back(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    client.post(reverse("set_language"), {"language": "nl-be", "next": reverse("login")})

    page = login_page(client)
    assert '<html lang="nl"' in page
    assert "Aanmelden" in page


@pytest.mark.django_db
@pytest.mark.parametrize("posted", ["nl", "nl-be"])
def test_switching_to_english_and_back_stores_dutch_for_messages(client, posted):
    """The user's stored language (messages, e-mails) takes only the configured codes: a
    posted "nl" is "nl-be", so that messages do not stay in English."""
    user = UserFactory(language="nl-be")
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    client.post(reverse("set_language"), {"language": posted, "next": "/"})

    user.refresh_from_db()
    assert user.language == "nl-be"


@pytest.mark.django_db
def test_the_language_switch_offers_the_configured_codes(client):
    page = login_page(client)
    assert re.findall(r'<option value="([^"]+)"', page) == ["nl-be", "en"]
    assert re.search(r'<option value="nl-be"[^>]*selected', page)
