"""The reports page: who sees it, whose figures, filters, Dutch numbers, constant queries."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Province
from referrals.enums import AtWork, EndResult, Obtained, OkotType, State
from referrals.models import OutcomeCheck, Referral
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    OcmwFactory,
    UserFactory,
)
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 25)
URL = reverse("referrals:reports")


def passed(ocmw, *, okot_type=OkotType.PBA, province=Province.OOST_VLAANDEREN, at_work=()):
    """A trajectory of `ocmw` that started in 2024 and was passed on 15 March 2025, with a
    check-up `yes` for each month in `at_work` and `no` for the other due ones."""
    referral = Referral.objects.create(
        client=ClientFactory(ocmw=ocmw),
        training=TrainingFactory(okot_type=okot_type, province=province),
        state=State.CLOSED,
        agreed_on=datetime.date(2023, 12, 4),
        start_date=datetime.date(2024, 1, 8),
        end_date=datetime.date(2025, 3, 15),
        end_result=EndResult.PASSED,
        obtained=Obtained.DIPLOMA,
        obtained_on=datetime.date(2025, 3, 15),
    )
    for months in (3, 6, 9, 12):
        OutcomeCheck.objects.create(
            referral=referral,
            months=months,
            at_work=AtWork.YES if months in at_work else AtWork.NO,
        )
    return referral


def cells(response, table_id: str) -> list[list[str]]:
    """The body rows of one table as the text of their cells."""
    html = response.content.decode()
    table = html[html.index(f'id="{table_id}"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


@pytest.fixture
def aalst(db):
    return OcmwFactory(municipality="Aalst")


@pytest.fixture
def hasselt(db):
    return OcmwFactory(municipality="Hasselt", province=Province.LIMBURG)


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
def test_outflow_in_dutch_numbers_with_total(client, administrator, ocmw_gent):
    passed(ocmw_gent, at_work=(3, 6))
    passed(ocmw_gent, at_work=(3,))
    passed(ocmw_gent, okot_type=OkotType.HBO, at_work=(3, 6, 9, 12))
    client.force_login(administrator)
    response = client.get(URL, {"year": 2025})
    assert response.status_code == 200
    rows = cells(response, "table-outflow-type")
    assert rows[1] == [
        "professionele bachelor (PBA)",
        "2",
        "2",
        "100,00%",
        "1",
        "50,00%",
        "0",
        "0,00%",
        "0",
        "0,00%",
    ]
    assert rows[-1] == [
        "Eindtotaal",
        "3",
        "3",
        "100,00%",
        "2",
        "66,67%",
        "1",
        "33,33%",
        "1",
        "33,33%",
    ]


@time_machine.travel(datetime.datetime(2025, 7, 1, 12), tick=False)
def test_check_up_not_yet_due_shows_nb(client, administrator, ocmw_gent):
    passed(ocmw_gent, at_work=(3,))
    client.force_login(administrator)
    rows = cells(client.get(URL, {"year": 2025}), "table-outflow-type")
    # Ended 15 March 2025: 3 months due on 15 June, 6 months only on 15 September.
    assert rows[-1] == [
        "Eindtotaal",
        "1",
        "1",
        "100,00%",
        "n.b.",
        "n.b.",
        "n.b.",
        "n.b.",
        "n.b.",
        "n.b.",
    ]


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
def test_english_numbers_when_the_user_reads_english(client, ocmw_gent):
    passed(ocmw_gent, at_work=(3,))
    passed(ocmw_gent, at_work=())
    passed(ocmw_gent, at_work=())
    user = AdministratorFactory(language="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.get(URL, {"year": 2025}, HTTP_ACCEPT_LANGUAGE="en")
    assert cells(response, "table-outflow-type")[-1][:4] == ["Grand total", "3", "1", "33.33%"]


def figures_seen_by(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(URL, {"year": 2025})
    assert response.status_code == 200
    return cells(response, "table-outflow-type")[-1][1:2]


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
@pytest.mark.parametrize(
    ("who", "expected"),
    [  # the cast of tests/conftest.py, and a caseworker of Hasselt
        pytest.param("caseworker", ["2"], id="caseworker_gent"),
        pytest.param("caseworker_hasselt", ["1"], id="caseworker_hasselt"),
        # the Gent trajectories are in Oost-Vlaanderen trainings
        pytest.param("counsellor", ["2"], id="counsellor_oost"),
        pytest.param("counsellor_of_other_region", ["1"], id="counsellor_limburg"),
        pytest.param("network_manager", ["2"], id="network_manager_oost"),
        pytest.param("administrator", ["3"], id="administrator"),
    ],
)
def test_each_role_sees_only_its_own_figures(
    request, client, settings, ocmw_gent, hasselt, who, expected
):
    """Whose figures, exactly: small numbers are test_small_cells.py's."""
    settings.OKOT_SMALL_CELL_THRESHOLD = 0
    passed(ocmw_gent)
    passed(ocmw_gent)
    passed(hasselt, province=Province.LIMBURG)
    if who == "caseworker_hasselt":
        user = CaseworkerFactory(organisation=hasselt)
    else:
        user = request.getfixturevalue(who)
    assert figures_seen_by(client, user) == expected


def test_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    assert client.get(reverse("referrals:report_export", args=["starts", "csv"])).status_code == 403


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
def test_caseworker_cannot_widen_the_scope_with_another_ocmw(client, caseworker, aalst):
    passed(aalst)
    client.force_login(caseworker)
    response = client.get(URL, {"year": 2025, "ocmw": aalst.pk})
    assert "ocmw" not in response.context["form"].fields
    assert cells(response, "table-outflow-type")[-1][1] == "0"


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
def test_filters_narrow_the_figures(client, administrator, ocmw_gent, aalst):
    passed(ocmw_gent, okot_type=OkotType.PBA)
    passed(aalst, okot_type=OkotType.PBA)
    passed(aalst, okot_type=OkotType.HBO, province=Province.ANTWERPEN)
    client.force_login(administrator)

    def total(**filters):
        response = client.get(URL, {"year": 2025, **filters})
        return cells(response, "table-outflow-type")[-1][1]

    assert total() == "3"
    assert total(ocmw=aalst.pk) == "2"
    assert total(region=Province.ANTWERPEN) == "1"
    assert total(okot_type=OkotType.PBA) == "2"
    assert total(year="") == "3"
    assert total(year=2024) == "0"


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abc"},
        {"year": "1999"},
        {"ocmw": "99999999999999999999999"},
        {"ocmw": "9" * 5000},  # more digits than Python makes a number of
        {"ocmw": "²"},  # a digit to isdigit(), none to int()
        {"ocmw": "12345"},
        {"region": "mars"},
        {"okot_type": "<script>"},
    ],
)
def test_bad_filters_get_a_message_not_an_error(client, administrator, query):
    client.force_login(administrator)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "is-invalid" in response.content.decode()


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
@pytest.mark.parametrize("trajectories", [1, 12])
def test_queries_do_not_grow_with_the_rows(
    client, administrator, ocmw_gent, django_assert_max_num_queries, trajectories
):
    for i in range(trajectories):
        passed(ocmw_gent, okot_type=OkotType.values[i % 5], at_work=(3,))
    client.force_login(administrator)
    # The interruptions' table is two of them: by reason, and the unique trainees' total.
    with django_assert_max_num_queries(22):
        assert client.get(URL, {"year": 2025}).status_code == 200


def test_navigation_links_to_the_figures_for_every_role(client, caseworker, network_manager):
    for user in (caseworker, network_manager):
        client.force_login(user)
        assert f'href="{URL}"' in client.get(reverse("referrals:dashboard")).content.decode()


def started(ocmw, day):
    return Referral.objects.create(
        client=ClientFactory(ocmw=ocmw),
        training=TrainingFactory(okot_type=OkotType.PBA),
        state=State.IN_TRAINING,
        start_date=day,
    )


def starts_total(response) -> str:
    return cells(response, "table-starts-type")[-1][1]


def counting(queries) -> list[str]:
    """The SQL of the captured `queries` that count referrals for the figures (not the
    unread messages' badge)."""
    return [
        q["sql"]
        for q in queries
        if '"referrals_referral"' in q["sql"]
        and "COUNT(" in q["sql"].upper()
        and "notifications_notification" not in q["sql"]
    ]


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
def test_downloads_carry_the_filters_the_page_shows(client, administrator, ocmw_gent):
    started(ocmw_gent, datetime.date(2026, 3, 1))
    started(ocmw_gent, datetime.date(2019, 3, 1))
    client.force_login(administrator)
    response = client.get(URL)  # no filters: this year
    assert starts_total(response) == "1"
    html = response.content.decode()
    link = re.search(r'href="(/reports/starts\.csv\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "year=2026" in link
    total = client.get(link).content.decode("utf-8-sig").splitlines()[-1]
    assert total == "total;Totaal (unieke personen);1"


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
def test_parameters_that_are_no_filter_change_nothing(client, administrator, ocmw_gent):
    started(ocmw_gent, datetime.date(2026, 3, 1))
    started(ocmw_gent, datetime.date(2019, 3, 1))
    client.force_login(administrator)
    assert starts_total(client.get(URL, {"utm_source": "mail"})) == "1"
    assert starts_total(client.get(URL, {"okot_type": ""})) == "1"  # year still this year
    assert starts_total(client.get(URL, {"year": ""})) == "2"  # all years


@time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
def test_one_bad_filter_keeps_the_good_ones(client, administrator, ocmw_gent):
    started(ocmw_gent, datetime.date(2024, 3, 1))
    started(ocmw_gent, datetime.date(2026, 3, 1))
    client.force_login(administrator)
    response = client.get(URL, {"year": 2024, "ocmw": "abc"})
    assert "ocmw" in response.context["form"].errors
    assert starts_total(response) == "1"
    assert response.context["year"] == 2024


def test_over_all_years_the_outflow_says_to_choose_a_year(client, administrator):
    client.force_login(administrator)
    assert "kies een jaar" in client.get(URL, {"year": ""}).content.decode()
    assert "kies een jaar" not in client.get(URL, {"year": 2025}).content.decode()
