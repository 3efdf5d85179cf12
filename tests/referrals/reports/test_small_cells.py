"""Small numbers: who does not see the persons behind the figures (the network manager)
reads a count from 1 to 4 as "<5", its share hidden, and what would give it away by
subtraction hidden as "x"; on the page, in its downloads and charts, on the dashboard. Who
sees the persons (caseworker, counsellor, administrator) reads exact figures."""

import csv
import datetime
import html
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Province
from referrals import access
from referrals.enums import OkotType, State
from referrals.models import Referral
from referrals.reports.small import HIDDEN, SmallCount, protect_counts, suppress
from referrals.reports.tables import NOT_DUE, Column, Row, Table
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import TrainingFactory

from .builders import NO, OV, YES, local, referral
from .test_page import cells

pytestmark = pytest.mark.django_db

URL = reverse("referrals:reports")
SMALL = SmallCount(5)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False):
        yield


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "adds_up", "expected"),
    [
        # 1 to 4 are small; 0 points at nobody and shows.
        ([0, 1, 4, 5, 12], False, [0, SMALL, SMALL, 5, 12]),
        # One small count in a column with a total: the next smallest goes too.
        ([3, 10, 0, 7], True, [SMALL, 10, 0, HIDDEN]),
        # Two small counts keep each other unknown.
        ([3, 2, 40], True, [SMALL, SMALL, 40]),
        # A lone count equals the total, which is small and hidden itself.
        ([3, 0, 0], True, [SMALL, 0, 0]),
        ([None, 3, 8], True, [None, SMALL, HIDDEN]),
    ],
)
def test_small_counts_and_what_would_give_them_away(values, adds_up, expected):
    assert protect_counts(values, 5, adds_up=adds_up) == expected


def test_a_threshold_of_0_shows_every_count():
    assert protect_counts([1, 2, 3], 0, adds_up=True) == [1, 2, 3]


def test_a_share_of_a_hidden_count_is_hidden_but_not_due_stays():
    table = Table(
        slug="t",
        title="t",
        group_label="g",
        columns=[
            Column("closed", "closed", adds_up=True),
            Column("work", "work", adds_up=True),
            Column("pct", "pct", kind="percent", of=("work", "closed")),
            Column("later", "later", kind="percent", of=("work",)),
        ],
        rows=[
            Row("A", "A", {"closed": 8, "work": 2, "pct": 25, "later": NOT_DUE}),
            Row("B", "B", {"closed": 12, "work": 9, "pct": 75, "later": None}),
            Row("T", "T", {"closed": 20, "work": 11, "pct": 55, "later": NOT_DUE}, True),
        ],
    )

    shown = suppress(table, 5)

    assert [list(r.values.values()) for r in shown.rows] == [
        [8, SMALL, HIDDEN, NOT_DUE],
        [12, HIDDEN, HIDDEN, None],
        [20, 11, 55, NOT_DUE],
    ]
    assert shown.small_cells == 5
    assert table.rows[0].values["work"] == 2  # the table itself is left as it was
    assert suppress(table, 0) is table


# --- who sees the persons behind their figures ----------------------------------------------------


def test_exact_figures_exactly_for_who_sees_every_person_behind_them():
    """The predicate agrees with the querysets: exact figures for a user whose reportable
    referrals are all among those they see."""
    gent = OcmwFactory(municipality="Gent")
    hasselt = OcmwFactory(municipality="Hasselt", province=Province.LIMBURG)
    vdab_ov = VdabOrganisationFactory(province=OV)
    vdab_limburg = VdabOrganisationFactory(province=Province.LIMBURG)
    contact_from_limburg = CounsellorFactory(organisation=vdab_limburg)
    ov_training = TrainingFactory(province=OV, contact_counsellor=contact_from_limburg)
    limburg_training = TrainingFactory(province=Province.LIMBURG)
    for ocmw in (gent, hasselt):
        for training in (ov_training, limburg_training):
            referral(ocmw=ocmw, training=training, start="2025-01-06")
            referral(ocmw=ocmw, training=training, state=State.CANDIDATE)  # not agreed
    users = [
        CaseworkerFactory(organisation=gent),
        CaseworkerFactory(organisation=hasselt),
        CounsellorFactory(organisation=vdab_ov),
        contact_from_limburg,
        NetworkManagerFactory(organisation=vdab_ov),
        NetworkManagerFactory(organisation=vdab_limburg),
        AdministratorFactory(),
    ]

    for user in users:
        reportable = set(Referral.objects.reportable_to(user))
        visible = set(Referral.objects.visible_to(user))
        assert reportable, user
        assert access.sees_persons_behind_figures(user) is (reportable <= visible), user
    assert [u for u in users if not access.sees_persons_behind_figures(u)] == users[4:6]


# --- the page, its downloads and charts -----------------------------------------------------


def ended(ocmw, okot, at_work_3m: bool):
    return referral(
        okot=okot,
        ocmw=ocmw,
        start="2025-01-06",
        end="2025-06-30",
        result="passed",
        checks={3: YES if at_work_3m else NO, 6: NO, 9: NO, 12: NO},
        created_at=local("2025-01-02 10:00"),
    )


@pytest.fixture
def province(ocmw_gent):
    """In 2025, for OCMW Gent: two PBA ends (one at work after 3 months) and seven HBO
    ends (five at work after 3 months), and one referral informed."""
    for at_work in (True, False):
        ended(ocmw_gent, OkotType.PBA, at_work)
    for n in range(7):
        ended(ocmw_gent, OkotType.HBO, n < 5)
    referral(ocmw=ocmw_gent, created_at=local("2025-02-03 10:00"))


def rows_of(response, table_id: str) -> dict[str, list[str]]:
    """A table's body rows by their label, as the text people read."""
    return {row[0]: [html.unescape(c) for c in row[1:]] for row in cells(response, table_id)}


def outflow_rows(response) -> dict[str, list[str]]:
    return rows_of(response, "table-outflow-type")


EXACT_PBA = ["2", "1", "50,00%", "0", "0,00%", "0", "0,00%", "0", "0,00%"]
EXACT_HBO = ["7", "5", "71,43%", "0", "0,00%", "0", "0,00%", "0", "0,00%"]
EXACT_TOTAL = ["9", "6", "66,67%", "0", "0,00%", "0", "0,00%", "0", "0,00%"]


def test_the_network_manager_reads_small_counts_as_less_than_5_without_share(
    client, network_manager, province
):
    client.force_login(network_manager)

    response = client.get(URL, {"year": 2025})

    outflow = outflow_rows(response)
    # PBA: 2 ends and 1 at work are small; their shares go.
    assert outflow["professionele bachelor (PBA)"] == [
        "<5", "<5", "x", "0", "x", "0", "x", "0", "x"
    ]  # fmt: skip
    # HBO would give PBA away by subtraction from the total: hidden too.
    assert outflow["graduaat of HBO5 verpleegkunde (HBO)"] == [
        "x", "x", "x", "0", "x", "0", "x", "0", "x"
    ]  # fmt: skip
    assert outflow["Eindtotaal"] == EXACT_TOTAL
    starts = rows_of(response, "table-starts-type")
    assert starts["professionele bachelor (PBA)"] == ["<5"]
    assert starts["graduaat of HBO5 verpleegkunde (HBO)"] == ["x"]
    assert starts["7e jaar BSO (7BSO)"] == ["0"]
    assert starts["Totaal (unieke personen)"] == ["9"]
    funnel = rows_of(response, "table-funnel")
    assert funnel["Geïnformeerd"][3] == "<5"  # in this state now: the one informed
    assert funnel["Afgesloten"][3] == "x"  # ... which the total would give away
    assert "Een aantal onder 5 staat als “&lt;5”" in response.content.decode()


@pytest.mark.parametrize("who", ["caseworker", "counsellor", "administrator"])
def test_who_sees_the_persons_reads_exact_figures(request, client, province, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(URL, {"year": 2025})

    outflow = outflow_rows(response)
    assert outflow["professionele bachelor (PBA)"] == EXACT_PBA
    assert outflow["graduaat of HBO5 verpleegkunde (HBO)"] == EXACT_HBO
    assert outflow["Eindtotaal"] == EXACT_TOTAL
    assert "&lt;5" not in response.content.decode()


def test_the_threshold_is_a_setting(client, settings, network_manager, province):
    settings.OKOT_SMALL_CELL_THRESHOLD = 2
    client.force_login(network_manager)

    outflow = outflow_rows(client.get(URL, {"year": 2025}))

    assert outflow["professionele bachelor (PBA)"][:3] == ["2", "<2", "x"]
    assert outflow["graduaat of HBO5 verpleegkunde (HBO)"][:3] == ["7", "x", "x"]


def test_a_threshold_of_0_switches_it_off(client, settings, network_manager, province):
    settings.OKOT_SMALL_CELL_THRESHOLD = 0
    client.force_login(network_manager)

    response = client.get(URL, {"year": 2025})

    outflow = outflow_rows(response)
    assert outflow["professionele bachelor (PBA)"] == EXACT_PBA
    assert "“&lt;" not in response.content.decode()


def test_the_charts_draw_no_hidden_figure(client, network_manager, province):
    client.force_login(network_manager)

    outflow = client.get(URL, {"year": 2025}).context["outflow_chart"]
    funnel = client.get(URL, {"year": 2025, "okot_type": OkotType.PBA}).context["funnel_chart"]

    groups = {group.label: group for group in outflow["groups"]}
    for code in ("PBA", "HBO"):
        assert groups[code].bars == []
        assert len(groups[code].hidden) == 4
    assert len(groups["Eindtotaal"].bars) == 4
    # Two PBA referrals: every stage is small, no bar's length tells how many.
    assert [item.bar for item in funnel["bars"]] == [None] * len(funnel["bars"])
    assert {str(item.reached) for item in funnel["bars"]} == {"<5"}


def test_the_administrators_charts_are_exact(client, administrator, province):
    client.force_login(administrator)

    outflow = client.get(URL, {"year": 2025}).context["outflow_chart"]

    assert all(len(group.bars) == 4 for group in outflow["groups"] if group.label == "PBA")


def download(client, table, fmt, **query):
    return client.get(reverse("referrals:report_export", args=[table, fmt]), query)


def test_downloads_hide_what_the_page_hides(client, network_manager, province):
    client.force_login(network_manager)

    body = download(client, "outflow", "csv", year=2025, by="type").content.decode()
    workbook = load_workbook(io.BytesIO(download(client, "all", "xlsx", year=2025).content))

    rows = {row[0]: row[2:] for row in csv.reader(io.StringIO(body), delimiter=";")}
    assert rows["PBA"] == ["<5", "<5", "x", "0", "x", "0", "x", "0", "x"]
    assert rows["HBO"][:3] == ["x", "x", "x"]
    assert rows["total"][:3] == ["9", "6", "66,67"]
    sheet = workbook["Uitstroom - OKOT-type"]
    values = list(sheet.iter_rows(values_only=True))
    pba = next(row for row in values if row[0] == "professionele bachelor (PBA)")
    assert pba[1:4] == ("<5", "<5", "x")
    assert any(str(row[0]).startswith("Een aantal onder 5") for row in values if row[0])


def test_the_administrators_downloads_are_exact(client, administrator, province):
    client.force_login(administrator)

    body = download(client, "outflow", "csv", year=2025, by="type").content.decode()

    rows = {row[0]: row[2:] for row in csv.reader(io.StringIO(body), delimiter=";")}
    assert rows["PBA"][:3] == ["2", "1", "50,00"]


def test_okot_report_is_exact_unless_asked_for_published_figures(province):
    exact, published = io.StringIO(), io.StringIO()

    call_command("okot_report", "outflow", "--year", "2025", stdout=exact)
    call_command("okot_report", "outflow", "--year", "2025", "--small-cells", stdout=published)

    assert ";2;1;50,00;" in exact.getvalue().splitlines()[2]
    assert published.getvalue().splitlines()[2].endswith(";<5;<5;x;0;x;0;x;0;x")
    assert published.getvalue().splitlines()[-1].startswith("total;Eindtotaal;9;6;66,67;")


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboards_province_figures_hide_small_counts(client, network_manager, province):
    client.force_login(network_manager)

    figures = client.get(reverse("referrals:dashboard")).context["province_figures"]

    # Nine closed, one informed: the one is small, and the nine would give it away.
    assert [(row["state"], str(row["total"])) for row in figures] == [
        (State.INFORMED.label, "<5"),
        (State.CLOSED.label, "x"),
    ]
