"""The lists as workbooks: the referral list and the client list as the user sees them
(filters, search, sort), dates Excel computes with, text never a formula, laid out to work
from, a list too big refused before its rows are read, and an EXPORT row in the trail."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import Entry, Kind
from referrals import list_export

from .test_referral_list import (
    EXPORT,
    LIST,
)

pytestmark = pytest.mark.django_db
CLIENTS = reverse("referrals:client_list")


def test_the_download_holds_the_list_as_filtered(client, caseworker, referrals):
    referrals["an"].client.first_name = "=HYPERLINK(1)"
    referrals["an"].client.save()
    client.force_login(caseworker)
    response = client.get(f"{EXPORT}?state=agreed")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the headings and An
    assert rows[1][0] == "=HYPERLINK(1) Aerts"  # text, not a formula
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert isinstance(rows[1][7], datetime.datetime)  # the agreement: a date to compute with
    assert sheet.cell(row=2, column=8).number_format == "DD/MM/YYYY"
    exported = Entry.objects.filter(kind=Kind.EXPORT, actor=caseworker)
    assert list(exported.values_list("referral_id", flat=True)) == [referrals["an"].pk]


def test_the_download_is_laid_out_to_work_from(client, caseworker, referrals):
    """Bold headings that stay in view, a filter on every column over every row, each
    column wide enough for its heading."""
    client.force_login(caseworker)
    response = client.get(f"{EXPORT}?sort=client", HTTP_ACCEPT_LANGUAGE="en")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Referrals"
    assert [cell.font.b for cell in sheet[1]] == [True] * 15
    assert [cell.font.b for cell in sheet[2]] == [False] * 15
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O4"  # the headings and three referrals
    assert sheet.column_dimensions["O"].width == len("Last change of state") + 2
    assert isinstance(sheet["O2"].value, datetime.datetime)
    assert sheet["O2"].number_format == "DD/MM/YYYY HH:MM"
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "An Aerts",
        "Bart Bosmans",
        "Cas Claeys",
    ]


@pytest.mark.parametrize(
    ("export", "back"),
    [(EXPORT, LIST), (reverse("referrals:client_list_export"), reverse("referrals:client_list"))],
)
def test_a_download_too_big_asks_for_filters(
    client, caseworker, referrals, monkeypatch, export, back
):
    """Refused from a count of the keys, before a row is read with what it shows."""
    monkeypatch.setattr(list_export, "EXPORT_MAX_ROWS", 2)
    monkeypatch.setattr("referrals.list_views.EXPORT_MAX_ROWS", 2)
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{export}?sort=-name")
    assert response.status_code == 302
    assert response.url == f"{back}?sort=-name"
    assert not Entry.objects.filter(kind=Kind.EXPORT).exists()
    read = [
        q["sql"] for q in queries.captured_queries if '"referrals_client"."last_name"' in q["sql"]
    ]
    assert read == []


def test_the_client_list_downloads_as_it_is_searched(client, caseworker, referrals):
    client.force_login(caseworker)
    client.post(CLIENTS, {"q": "aerts"})
    response = client.get(reverse("referrals:client_list_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[:2] for row in rows[1:]] == [("Aerts", "An")]  # not Aalst's Aerts
    assert isinstance(rows[1][2], datetime.datetime)  # the birth date, a date to compute with
    exported = Entry.objects.filter(kind=Kind.EXPORT, actor=caseworker)
    assert list(exported.values_list("client_id", flat=True)) == [referrals["an"].client_id]


@pytest.mark.parametrize("export", [EXPORT, reverse("referrals:client_list_export")])
def test_a_name_with_a_control_character_downloads_without_it(
    client, caseworker, referrals, export
):
    """A name imported or sent through the API with a character XML refuses made the
    download of every list that held it a 500 (openpyxl's IllegalCharacterError)."""
    an = referrals["an"].client
    an.first_name, an.last_name = "A\x01n", "Aerts\x1f"
    an.save()
    client.force_login(caseworker)

    response = client.get(export)

    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    names = [row[0] for row in rows[1:]] if export == EXPORT else [row[:2] for row in rows[1:]]
    assert ("An Aerts" if export == EXPORT else ("Aerts", "An")) in names
