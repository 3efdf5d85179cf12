"""The figures page by start cohort: the choice, whose figures, small numbers, downloads, the
trend's chart, constant queries; and `okot_report --cohort` / `status` / `trend`."""

import csv
import datetime
import html
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Province
from referrals.enums import EndResult, Obtained, OkotType, StopReason
from referrals.reports.small import HIDDEN, SmallCount, suppress
from referrals.reports.tables import Column, Row, Table
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    NetworkManagerFactory,
    OcmwFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import TrainingFactory

from .builders import NO, OV, YES, day, referral
from .test_page import cells

pytestmark = pytest.mark.django_db

URL = reverse("referrals:reports")
LIMBURG = Province.LIMBURG
COHORT_2016 = {"year": 2016, "basis": "cohort"}


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False):
        yield


def ended(ocmw, result, *, okot=OkotType.PBA, province=OV, start="2016-09-01", **kwargs):
    obtained = Obtained.DIPLOMA if result == EndResult.PASSED else Obtained.NONE
    end = kwargs.pop("end", "2018-06-30")
    return referral(
        ocmw=ocmw,
        okot=okot,
        province=province,
        start=start,
        end=end,
        result=result,
        obtained=obtained,
        obtained_on=day(end) if obtained == Obtained.DIPLOMA else None,
        **kwargs,
    )


@pytest.fixture
def gent_and_hasselt(ocmw_gent):
    """Of 2016: in Gent (Oost-Vlaanderen) two diplomas, an early stop and one still in
    training; in Hasselt (Limburg) one not passed. And Gent's diploma of a 2015 start."""
    hasselt = OcmwFactory(municipality="Hasselt", province=LIMBURG)
    ended(ocmw_gent, EndResult.PASSED, checks={3: YES, 6: YES, 9: YES, 12: YES})
    ended(ocmw_gent, EndResult.PASSED, okot=OkotType.HBO, checks={3: NO, 6: NO, 9: NO, 12: NO})
    ended(ocmw_gent, EndResult.STOPPED_EARLY, reason=StopReason.ILLNESS, end="2017-01-31")
    referral(ocmw=ocmw_gent, okot=OkotType.TKO, start="2016-09-05")
    ended(hasselt, EndResult.FAILED, okot=OkotType.HBO, province=LIMBURG)
    ended(ocmw_gent, EndResult.PASSED, start="2015-09-01", end="2016-06-30")
    return {"gent": ocmw_gent, "hasselt": hasselt}


# --- the choice -------------------------------------------------------------------------------


def test_the_page_offers_both_ways_to_count_a_year(client, administrator, gent_and_hasselt):
    client.force_login(administrator)
    html = client.get(URL).content.decode()
    assert 'name="basis"' in html
    assert "per startcohorte" in html and "per jaar van de gebeurtenis" in html


def test_by_start_cohort_the_page_follows_the_starters_of_the_year(
    client, administrator, gent_and_hasselt
):
    client.force_login(administrator)
    response = client.get(URL, COHORT_2016)
    assert response.status_code == 200
    assert [s.slug for s in response.context["sections"]] == [
        "starts",
        "status",
        "early-stops",
        "outflow",
        "trend",
    ]
    assert cells(response, "table-status-type") == [
        ["7e jaar BSO (7BSO)", "0", "0", "0", "–", "0", "–", "0"],
        ["professionele bachelor (PBA)", "2", "0", "1", "50,00%", "1", "50,00%", "0"],
        ["Se-n-Se, secundair na secundair", "0", "0", "0", "–", "0", "–", "0"],
        ["secundair volwassenenonderwijs (TKO)", "1", "1", "0", "0,00%", "0", "0,00%", "0"],
        ["graduaat of HBO5 verpleegkunde (HBO)", "2", "0", "1", "50,00%", "0", "0,00%", "1"],
        ["Totaal", "5", "1", "2", "40,00%", "1", "20,00%", "1"],
    ]
    # The diploma of 2016 by the event is the 2015 starter's; not in the 2016 cohort.
    assert cells(response, "table-outflow-type")[-1][:4] == ["Eindtotaal", "2", "1", "50,00%"]
    assert cells(response, "table-trend")[0][:2] == ["2015", "1"]


def test_a_cohort_with_a_member_in_training_says_its_figures_keep_changing(
    client, administrator, gent_and_hasselt
):
    client.force_login(administrator)
    still = "blijven veranderen tot het laatste lid"
    assert still in client.get(URL, COHORT_2016).content.decode()
    assert still not in client.get(URL, {"year": 2015, "basis": "cohort"}).content.decode()


def test_by_year_of_the_event_the_page_is_as_it_was(client, administrator, gent_and_hasselt):
    client.force_login(administrator)
    for query in ({"year": 2016}, {"year": 2016, "basis": "event"}, {"year": 2016, "basis": ""}):
        response = client.get(URL, query)
        assert [s.slug for s in response.context["sections"]][0] == "funnel"
        downloads = re.findall(r'href="(/reports/[^"]+)"', response.content.decode())
        assert downloads and not [link for link in downloads if "basis=" in link]


@pytest.mark.parametrize("basis", ["cohort'", "<script>", "1"])
def test_a_bad_choice_gets_a_message_and_the_year_of_the_event(client, administrator, basis):
    client.force_login(administrator)
    response = client.get(URL, {"year": 2016, "basis": basis})
    assert response.status_code == 200
    assert "basis" in response.context["form"].errors
    assert response.context["sections"][0].slug == "funnel"


# --- whose figures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "started", "all_years"),
    [
        ("caseworker", "4", "5"),  # Gent's
        ("caseworker_hasselt", "1", "1"),
        ("counsellor", "4", "5"),  # trainings in Oost-Vlaanderen
        ("counsellor_of_other_region", "1", "1"),
        ("network_manager", "4", "5"),  # the OCMWs of Oost-Vlaanderen
        ("network_manager_limburg", "1", "1"),
        ("administrator", "5", "6"),
    ],
)
def test_each_role_sees_only_its_own_cohort(
    request, client, settings, gent_and_hasselt, who, started, all_years
):
    settings.OKOT_SMALL_CELL_THRESHOLD = 0
    if who == "caseworker_hasselt":
        user = CaseworkerFactory(organisation=gent_and_hasselt["hasselt"])
    elif who == "network_manager_limburg":
        user = NetworkManagerFactory(organisation=VdabOrganisationFactory(province=LIMBURG))
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(URL, COHORT_2016)
    assert cells(response, "table-status-type")[-1][1] == started
    assert cells(response, "table-trend")[-1][1] == all_years


def test_a_caseworker_cannot_widen_the_cohort_to_another_ocmw(client, caseworker, gent_and_hasselt):
    client.force_login(caseworker)
    query = {**COHORT_2016, "ocmw": gent_and_hasselt["hasselt"].pk}
    assert cells(client.get(URL, query), "table-status-type")[-1][1] == "4"


# --- small numbers ----------------------------------------------------------------------------


def test_the_network_manager_reads_small_counts_hidden(client, network_manager, ocmw_gent):
    for _ in range(6):
        ended(ocmw_gent, EndResult.PASSED, checks={12: YES})
    for _ in range(2):
        referral(ocmw=ocmw_gent, start="2016-09-01")
    client.force_login(network_manager)
    response = client.get(URL, COHORT_2016)
    status_rows = [[html.unescape(c) for c in r] for r in cells(response, "table-status-type")]
    trend_rows = [[html.unescape(c) for c in r] for r in cells(response, "table-trend")]
    # PBA: 8 started, <5 in training, so the diplomas would tell it: x.
    assert status_rows[1] == [
        "professionele bachelor (PBA)", "8", "<5", "x", "x", "0", "0,00%", "0",
    ]  # fmt: skip
    trend_2016 = trend_rows[-2]
    assert trend_2016[:5] == ["2016", "8", "8", "<5", "x"]
    chart = response.context["trend_chart"]
    assert [len(group.bars) for group in chart["groups"]] == [2]  # no bar for the hidden %
    assert chart["groups"][0].hidden


def test_a_hidden_part_of_a_row_is_not_given_away_by_the_rest_of_the_row():
    """started = in training + diplomas: with one of them <5 and started shown, the other
    would tell it; and hiding that one would give itself away in its column's total."""
    table = Table(
        slug="t",
        title="t",
        group_label="g",
        columns=[
            Column("started", "s", adds_up=True),
            Column("a", "a", adds_up=True),
            Column("b", "b", adds_up=True),
        ],
        rows=[
            Row("1", "1", {"started": 12, "a": 3, "b": 9}),
            Row("2", "2", {"started": 20, "a": 10, "b": 10}),
            Row("3", "3", {"started": 30, "a": 12, "b": 18}),
            Row("T", "T", {"started": 62, "a": 25, "b": 37}, is_total=True),
        ],
        row_sums=(("started", ("a", "b")),),
    )
    small = SmallCount(5)

    hidden = suppress(table, 5)

    # a: 3 small, so the column hides 10 too; the rows then hide b of row 1 and row 2,
    # and column b (two unknowns now) is safe.
    assert [row.values for row in hidden.rows] == [
        {"started": 12, "a": small, "b": HIDDEN},
        {"started": 20, "a": HIDDEN, "b": HIDDEN},
        {"started": 30, "a": 12, "b": 18},
        {"started": 62, "a": 25, "b": 37},
    ]
    assert suppress(table, 0) is table


def test_the_cohort_download_hides_what_the_page_hides(client, network_manager, ocmw_gent):
    for _ in range(6):
        ended(ocmw_gent, EndResult.PASSED)
    referral(ocmw=ocmw_gent, start="2016-09-01")
    client.force_login(network_manager)
    body = download(client, "status", "csv", **COHORT_2016).content.decode("utf-8-sig")
    assert "PBA;professionele bachelor (PBA);7;<5;x;x;0;0,00;0" in body.splitlines()


# --- downloads --------------------------------------------------------------------------------


def download(client, table, fmt, **query):
    response = client.get(reverse("referrals:report_export", args=[table, fmt]), query)
    assert response.status_code == 200, response.status_code
    return response


STATUS_2016 = (
    "group;label;started;in_training;diplomas;pct_diplomas;stopped;pct_stopped;otherwise\r\n"
    "7BSO;7e jaar BSO (7BSO);0;0;0;;0;;0\r\n"
    "PBA;professionele bachelor (PBA);2;0;1;50,00;1;50,00;0\r\n"
    "SENSE;Se-n-Se, secundair na secundair;0;0;0;;0;;0\r\n"
    "TKO;secundair volwassenenonderwijs (TKO);1;1;0;0,00;0;0,00;0\r\n"
    "HBO;graduaat of HBO5 verpleegkunde (HBO);2;0;1;50,00;0;0,00;1\r\n"
    "total;Totaal;5;1;2;40,00;1;20,00;1\r\n"
)


def test_the_page_links_its_downloads_by_start_cohort(client, administrator, gent_and_hasselt):
    client.force_login(administrator)
    html = client.get(URL, COHORT_2016).content.decode().replace("&amp;", "&")
    assert "/reports/status.csv?year=2016&basis=cohort&by=type" in html
    assert "/reports/trend.xlsx?year=2016&basis=cohort" in html
    assert "/reports/all.xlsx?year=2016&basis=cohort" in html


def test_csv_download_of_a_cohort_table_is_the_command_output(
    client, administrator, gent_and_hasselt
):
    client.force_login(administrator)
    response = download(client, "status", "csv", by="type", **COHORT_2016)
    assert 'filename="okot-status-cohort-2016-type.csv"' in response["Content-Disposition"]
    assert (
        response.content.decode("utf-8-sig") == STATUS_2016 == command("status", "--year", "2016")
    )


@pytest.mark.parametrize(
    ("table", "query", "filename"),
    [
        ("early-stops", {"by": "reason"}, "okot-early-stops-cohort-2016-reason.csv"),
        ("diplomas", {"by": "age"}, "okot-diplomas-cohort-2016-age.csv"),
        ("outflow", {}, "okot-outflow-cohort-2016-type.csv"),
        ("starts", {"by": "gender"}, "okot-starts-cohort-2016-gender.csv"),
        ("trend", {}, "okot-trend.csv"),
    ],
)
def test_every_cohort_table_downloads(
    client, administrator, gent_and_hasselt, table, query, filename
):
    client.force_login(administrator)
    response = download(client, table, "csv", **query, **COHORT_2016)
    assert f'filename="{filename}"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[-1][0] == "total"


@pytest.mark.parametrize(
    ("table", "query"),
    [
        ("status", {"year": 2016}),  # by year of the event there is no such table
        ("trend", {"year": 2016}),
        ("funnel", COHORT_2016),  # the funnel has no cohort version
        ("status", {**COHORT_2016, "by": "reason"}),
        ("trend", {**COHORT_2016, "by": "type"}),
    ],
)
def test_downloads_that_do_not_exist_are_not_found(client, administrator, table, query):
    client.force_login(administrator)
    url = reverse("referrals:report_export", args=[table, "csv"])
    assert client.get(url, query).status_code == 404


def test_the_cohort_workbook_has_a_sheet_per_table(client, administrator, gent_and_hasselt):
    client.force_login(administrator)
    workbook = load_workbook(io.BytesIO(download(client, "all", "xlsx", **COHORT_2016).content))
    assert workbook.sheetnames == [
        "Starts - OKOT-type",
        "Starts - Geslacht",
        "Starts - Leeftijd bij de start",
        "Waar nu - OKOT-type",
        "Waar nu - Geslacht",
        "Waar nu - Leeftijd bij de start",
        "Stopzettingen - Reden",
        "Uitstroom - OKOT-type",
        "Uitstroom - Leeftijd bij de…",
        "Uitstroom - Geslacht",
        "Trend",
    ]
    assert workbook["Trend"]["A2"].value == "2016 · per startcohorte"
    # The start years are numbers, as Excel sorts and filters them, not text.
    years = [row[:3] for row in workbook["Trend"].iter_rows(min_row=5, max_row=7, values_only=True)]
    assert years == [(2015, 1, 1), (2016, 5, 5), ("Alle startjaren", 6, 6)]


# --- the command ------------------------------------------------------------------------------


def command(*args) -> str:
    out = io.StringIO()
    call_command("okot_report", *args, stdout=out)
    return out.getvalue()


def test_command_cohort_tables(gent_and_hasselt):
    assert command("status", "--year", "2016", "--cohort") == STATUS_2016
    assert command("early-stops", "--year", "2016", "--cohort").splitlines()[-2:] == [
        "stopped_employment;stopgezet wegens tewerkstelling;0",
        "total;Totaal;1",
    ]
    assert command("diplomas", "--year", "2016", "--cohort").splitlines()[-1] == "total;Totaal;2"
    # By the year of the event 2016's one diploma is the 2015 starter's.
    assert command("diplomas", "--year", "2016").splitlines()[-1] == "total;Totaal;1"
    assert command("outflow", "--year", "2016", "--cohort", "--by", "age").splitlines()[-1] == (
        "total;Eindtotaal;2;1;50,00;1;50,00;1;50,00;1;50,00"
    )


def test_command_trend(gent_and_hasselt):
    assert command("trend") == (
        "group;label;started;persons;in_training;diplomas;pct_diplomas;stopped;pct_stopped;"
        "otherwise;due;at_work;pct_at_work\r\n"
        "2015;2015;1;1;0;1;100,00;0;0,00;0;1;0;0,00\r\n"
        "2016;2016;5;5;1;2;40,00;1;20,00;1;2;1;50,00\r\n"
        "total;Alle startjaren;6;6;1;3;50,00;1;16,67;1;3;1;33,33\r\n"
    )
    assert command("trend", "--ocmw", "OCMW Hasselt").splitlines()[1] == (
        "2016;2016;1;1;0;0;0,00;0;0,00;1;0;0;"
    )


def test_command_cohort_with_small_cells(gent_and_hasselt):
    assert command("status", "--year", "2016", "--small-cells").splitlines()[-1] == (
        "total;Totaal;5;<5;<5;x;<5;x;<5"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status"], "--year is verplicht"),
        (["trend", "--year", "2016"], "laat --year en --by weg"),
        (["trend", "--by", "type"], "laat --year en --by weg"),
        (["funnel", "--year", "2016", "--cohort"], "geen versie per startcohorte"),
        (["status", "--year", "2016", "--by", "reason"], "alleen bij early-stops"),
    ],
)
def test_command_refuses_bad_cohort_arguments_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        command(*args)


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("trajectories", [1, 12])
def test_the_cohort_page_is_a_constant_number_of_queries(
    client, administrator, ocmw_gent, django_assert_max_num_queries, trajectories
):
    for i in range(trajectories):
        ended(
            ocmw_gent,
            (EndResult.PASSED, EndResult.FAILED)[i % 2],
            okot=OkotType.values[i % 5],
            training=TrainingFactory(okot_type=OkotType.values[i % 5]),
            start=f"{2016 + i % 3}-09-01",
            end=f"{2018 + i % 3}-06-30",  # after its start (a database constraint)
            checks={3: YES, 12: YES},
        )
    client.force_login(administrator)
    with django_assert_max_num_queries(20):
        assert client.get(URL, COHORT_2016).status_code == 200
    with django_assert_max_num_queries(20):
        download(client, "all", "xlsx", **COHORT_2016)


def test_an_administrator_reads_the_cohort_exactly(client, gent_and_hasselt):
    client.force_login(AdministratorFactory())
    response = client.get(URL, COHORT_2016)
    assert not response.context["small_cells_note"]
    assert cells(response, "table-status-type")[-1] == [
        "Totaal", "5", "1", "2", "40,00%", "1", "20,00%", "1",
    ]  # fmt: skip
