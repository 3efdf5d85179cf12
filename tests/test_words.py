"""The right words (Flemish, 2026): a Dutch user reads MA/ATB for the OCMW's caseworker and
VDAB-bemiddelaar for VDAB's counsellor (never "trajectbegeleider", which MA/ATB stands for), INSZ
(rijksregister- of bisnummer) for the number that identifies a client, leervermogen in the
screening, "stopgezet wegens tewerkstelling" for that end, today's names of the OKOT types
(with the report codes unchanged), and "Trajecten met positief einde" for what the outflow
table counts, so that it does not read as the state Afgesloten. In the admin, the import, the
demo data, the figures and both languages; the old words are in no Dutch translation."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from stdnum.be import ssn

from accounts.models import Role
from referrals.enums import EndResult, OkotType
from referrals.forms import CandidacyForm
from referrals.imports.rowform import CodeField
from referrals.models import Candidacy, Client, Referral
from referrals.models.clients import validate_insz
from referrals.reports.export import to_csv
from referrals.reports.tables import outflow
from referrals.step_forms import ScreeningForm
from tests.referrals.factories import ClientFactory, TrainingFactory, make_insz
from tests.test_i18n import nl_messages

MA_ATB = "MA/ATB (maatschappelijk werker / trajectbegeleider)"
INSZ_NL = "INSZ (rijksregister- of bisnummer)"
INSZ_EN = "INSZ (national register or BIS number)"
POSITIVE_ENDS_NL = "Trajecten met positief einde"


def _outflow_columns():
    return outflow(Referral.objects.none(), year=None, today=datetime.date(2026, 1, 1)).columns


# (what, how the app names it, in Dutch, in English)
WORDS = [
    ("role", lambda: gettext(Role.CASEWORKER), MA_ATB, "OCMW caseworker"),
    (
        "referral caseworker",
        lambda: Referral._meta.get_field("caseworker").verbose_name,
        "verantwoordelijke MA/ATB",
        "responsible caseworker",
    ),
    (
        "caseworker phone",
        lambda: Referral._meta.get_field("caseworker_phone").verbose_name,
        "telefoon MA/ATB",
        "caseworker phone",
    ),
    (
        "referral counsellor",
        lambda: Referral._meta.get_field("counsellor").verbose_name,
        "verantwoordelijke VDAB-bemiddelaar",
        "responsible counsellor",
    ),
    (
        "caseworker e-mail",
        lambda: Referral._meta.get_field("caseworker_email").verbose_name,
        "e-mail MA/ATB",
        "caseworker e-mail",
    ),
    (
        "agreement signature",
        lambda: gettext("The OCMW caseworker"),
        "De MA/ATB van het OCMW",
        "The OCMW caseworker",
    ),
    (
        "reminders",
        lambda: (
            gettext("Caseworker: %(caseworker)s, %(phone)s.") % {"caseworker": "X", "phone": "1"}
        ),
        "MA/ATB: X, 1.",
        "Caseworker: X, 1.",
    ),
    ("client INSZ", lambda: Client._meta.get_field("insz").verbose_name, INSZ_NL, INSZ_EN),
    ("candidacy INSZ", lambda: Candidacy._meta.get_field("insz").verbose_name, INSZ_NL, INSZ_EN),
    ("candidacy form INSZ", lambda: CandidacyForm.base_fields["insz"].label, INSZ_NL, INSZ_EN),
    (
        "INSZ length",
        lambda: gettext("A national number has 11 digits."),
        "Een INSZ telt 11 cijfers.",
        "A national number has 11 digits.",
    ),
    (
        "screening field",
        lambda: Referral._meta.get_field("screening_learning_ability").verbose_name,
        "leervermogen",
        "learning ability",
    ),
    (
        "screening form",
        lambda: ScreeningForm.base_fields["learning_ability"].label,
        "Leervermogen",
        "Learning ability",
    ),
    (
        "end result",
        lambda: EndResult.STOPPED_EMPLOYMENT.label,
        "stopgezet wegens tewerkstelling",
        "stopped because of employment",
    ),
    (
        "TKO",
        lambda: OkotType.TKO.label,
        "secundair volwassenenonderwijs (TKO)",
        "secondary adult education (TKO)",
    ),
    (
        "HBO",
        lambda: OkotType.HBO.label,
        "graduaat of HBO5 verpleegkunde (HBO)",
        "graduaat (associate degree) or HBO5 nursing (HBO)",
    ),
    (
        "outflow column",
        lambda: _outflow_columns()[0].label,
        POSITIVE_ENDS_NL,
        "Trajectories with a positive end",
    ),
]


@pytest.mark.parametrize(("what", "named", "dutch", "english"), WORDS, ids=[w[0] for w in WORDS])
def test_the_words_in_both_languages(what, named, dutch, english):
    with translation.override("nl-be"):
        assert str(named()) == dutch
    with translation.override("en"):
        assert str(named()) == english


def test_the_type_codes_are_unchanged_and_named_in_the_labels():
    assert OkotType.values == ["7BSO", "PBA", "SENSE", "TKO", "HBO"]
    for language in ("nl-be", "en"):
        with translation.override(language):
            for code in ("7BSO", "PBA", "TKO", "HBO"):
                assert str(OkotType(code).label).endswith(f"({code})")


@pytest.mark.parametrize("code", OkotType.values)
def test_the_import_still_takes_the_type_codes(code):
    field = CodeField(choices=OkotType.choices)

    assert field.clean(code) == field.clean(f" {code.lower()} ") == code


# --- the INSZ: a national register number or a BIS number --------------------------------------


@pytest.mark.parametrize("month_offset", [20, 40], ids=["bis-gender-unknown", "bis-gender-known"])
def test_a_bis_number_is_a_valid_insz(month_offset):
    bis = make_insz(datetime.date(1990, 5, 17), 21, month_offset=month_offset)
    typed = f"{bis[:2]}.{bis[2:4]}.{bis[4:6]}-{bis[6:9]}.{bis[9:]}"
    assert ssn.guess_type(bis) == "bis"

    validate_insz(bis)
    assert Client._meta.get_field("insz").clean(typed, None) == bis
    assert CandidacyForm.base_fields["insz"].clean(typed) == typed


def test_a_bis_number_with_wrong_check_digits_is_refused_as_an_insz():
    bis = make_insz(datetime.date(1990, 5, 17), 21, month_offset=20)
    wrong = bis[:9] + f"{(int(bis[9:]) + 1) % 100:02d}"

    with translation.override("nl-be"), pytest.raises(ValidationError) as refused:
        validate_insz(wrong)

    assert refused.value.messages[0].startswith(f"Dit is geen geldig {INSZ_NL}: ")


# --- the pages, the downloads and the admin -----------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False):
        yield


@pytest.mark.django_db
def test_the_outflow_table_counts_positive_ends_under_that_name(client, caseworker, frozen):
    client.force_login(caseworker)  # who reads Dutch (the users' default)

    html = client.get(reverse("referrals:reports"), {"year": 2025}).content.decode()

    table = html[html.index('id="table-outflow-type"') :]
    header = table[: table.index("</thead>")]
    assert POSITIVE_ENDS_NL in re.sub(r"\s+", " ", header)
    assert "Afgesloten trajecten" not in html
    for label in ("secundair volwassenenonderwijs (TKO)", "graduaat of HBO5 verpleegkunde (HBO)"):
        assert label in table[: table.index("</tbody>")]


@pytest.mark.django_db
def test_the_outflow_downloads_keep_the_csv_codes_and_give_xlsx_the_label(
    client, caseworker, frozen
):
    client.force_login(caseworker)
    url = "referrals:report_export"

    got = client.get(reverse(url, args=["outflow", "csv"]), {"year": 2025})
    xlsx = client.get(reverse(url, args=["outflow", "xlsx"]), {"year": 2025})

    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["group", "label", "closed", "work_3m"]
    assert [row[0] for row in rows[1:-1]] == OkotType.values
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert POSITIVE_ENDS_NL in [cell.value for row in sheet.iter_rows() for cell in row]


def test_the_csv_header_is_the_stable_code_in_any_language():
    for language in ("nl-be", "en"):
        with translation.override(language):
            csv_text = to_csv(
                outflow(Referral.objects.none(), year=None, today=datetime.date(2026, 1, 1))
            )
        assert csv_text.splitlines()[0].startswith("group;label;closed;work_3m;pct_3m")


@pytest.mark.django_db
def test_the_admin_names_the_insz_and_the_types(client, administrator):
    ClientFactory()
    TrainingFactory(okot_type=OkotType.TKO)
    client.force_login(administrator)

    clients = client.get(reverse("admin:referrals_client_changelist")).content.decode()
    trainings = client.get(reverse("admin:referrals_training_changelist")).content.decode()

    assert INSZ_NL in clients
    assert "secundair volwassenenonderwijs (TKO)" in trainings
    assert "graduaat of HBO5 verpleegkunde (HBO)" in trainings  # the type filter


# --- no old word left ----------------------------------------------------------------------------

OLD_WORDS = [
    "tweedekansonderwijs",
    "hoger beroepsonderwijs (HBO5)",
    "rijksregisternummer",
    "Afgesloten trajecten",
    "gestopt wegens tewerkstelling",
    "stopzetting wegens tewerkstelling",
    "leerbaarheid",
    "OCMW-maatschappelijk werker",
    # VDAB's counsellor is the VDAB-bemiddelaar: "trajectbegeleider" is the OCMW's MA/ATB.
    "verantwoordelijke trajectbegeleider",
    "trajectbegeleider van VDAB",
    "de trajectbegeleider die",
    "contactbemiddelaar",
]


def _translations() -> list[tuple[str, str]]:
    """(msgid, msgstr) of the Dutch entries people read (not the obsolete #~ ones)."""
    return [(entry["msgid"], text) for entry in nl_messages() for text in entry["msgstr"].values()]


@pytest.mark.parametrize("old", OLD_WORDS)
def test_an_old_word_is_in_no_dutch_translation(old):
    assert [msgid for msgid, text in _translations() if old.casefold() in text.casefold()] == []


@pytest.mark.parametrize(
    ("english", "dutch"),
    [
        ("caseworker", "MA/ATB"),
        ("learning ability", "leervermogen"),
        ("because of employment", "stopgezet wegens tewerkstelling"),
        ("national register", "rijksregister- of bisnummer"),
    ],
)
def test_every_translation_of_a_term_uses_the_word(english, dutch):
    """Generated from the catalogue, so that a new message cannot slip back to an old word."""
    mentions = [
        (msgid, text)
        for msgid, text in _translations()
        if english in re.sub(r"%\(\w+\)s", "", msgid).casefold()
    ]

    assert mentions
    assert [msgid for msgid, text in mentions if dutch.casefold() not in text.casefold()] == []


def test_the_demo_data_uses_the_words():
    management = Path(__file__).resolve().parent.parent / "referrals" / "management"
    demo = " ".join(path.read_text() for path in management.glob("demo_*.py")).casefold()

    assert "secundair volwassenenonderwijs" in demo
    assert "leervermogen" in demo
    for old in ("tweedekans", "leerbaarheid", "maatschappelijk assistent"):
        assert old not in demo
