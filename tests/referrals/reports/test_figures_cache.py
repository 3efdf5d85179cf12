"""The figures kept in the cache (`referrals.reports.cache`): asked again, they are not
counted again; a change to what they count (a step, a check-up, a client) gives its scopes
new figures once it commits, and leaves other scopes' cached; the page and its downloads
share them; each language and filter has its own."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.models import Province
from referrals import services
from referrals.enums import EndResult, Obtained, OkotType, State
from referrals.models import OutcomeCheck, Referral
from referrals.reports import cache as cache_module
from referrals.reports import figures, page
from referrals.reports.export import CSV_ENCODING
from referrals.reports.small import HIDDEN, SmallCount, is_suppressed
from referrals.reports.tables import NOT_DUE, Column, Row, Table
from tests.accounts.factories import CaseworkerFactory, NetworkManagerFactory, OcmwFactory
from tests.referrals.factories import ClientFactory, TrainingFactory

from .test_page import URL, cells, counting, passed, started, starts_total

pytestmark = pytest.mark.django_db
YEAR = {"year": 2025}
MARCH = datetime.date(2025, 3, 1)


@pytest.fixture(autouse=True)
def figures_cached(settings):
    traveller = time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False)
    traveller.start()
    settings.OKOT_FIGURES_CACHE_SECONDS = 3600
    settings.OKOT_SMALL_CELL_THRESHOLD = 0
    cache.clear()
    yield
    cache.clear()
    traveller.stop()


def counted(client, path=URL, data=YEAR):
    """The response, and how many of its queries counted referrals for the figures."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, data)
    assert response.status_code == 200
    return response, len(counting(queries.captured_queries))


def test_figures_asked_again_are_not_counted_again(client, caseworker, ocmw_gent):
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)

    first, counts = counted(client)
    again, counts_again = counted(client)

    assert counts >= 10 and counts_again == 0
    assert starts_total(first) == starts_total(again) == "1"


def test_a_step_in_the_scope_gives_new_figures_once_it_commits(
    client, counsellor, ocmw_gent, django_capture_on_commit_callbacks
):
    admitted = started(ocmw_gent, datetime.date(2025, 4, 1))
    Referral.objects.filter(pk=admitted.pk).update(
        state=State.ADMITTED, start_date=None, agreed_on=datetime.date(2025, 2, 3)
    )
    admitted.refresh_from_db()
    client.force_login(counsellor)
    assert starts_total(counted(client)[0]) == "0"

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_start(
            referral=admitted, user=counsellor, start_date=datetime.date(2025, 4, 1)
        )
    response, counts = counted(client)

    assert counts > 0 and starts_total(response) == "1"


def test_a_change_elsewhere_leaves_the_scope_cached_and_renews_all_of_flanders(
    client, caseworker, administrator, ocmw_gent, django_capture_on_commit_callbacks
):
    aalst = OcmwFactory(municipality="Aalst", province=Province.LIMBURG)
    passed(ocmw_gent)
    client.force_login(caseworker)
    counted(client)
    client.force_login(administrator)
    counted(client)

    someone, training = ClientFactory(ocmw=aalst), TrainingFactory(province=Province.LIMBURG)
    with django_capture_on_commit_callbacks(execute=True):  # a start in another OCMW
        Referral.objects.create(
            client=someone, training=training, state=State.IN_TRAINING, start_date=MARCH
        )

    client.force_login(caseworker)
    assert counted(client)[1] == 0
    client.force_login(administrator)
    response, counts = counted(client)
    assert counts > 0 and starts_total(response) == "1"  # Gent's started in 2024


@pytest.mark.parametrize("change", ["check-up", "client"])
def test_a_check_up_or_a_client_renews_the_figures(
    client, caseworker, ocmw_gent, django_capture_on_commit_callbacks, change
):
    referral = passed(ocmw_gent)
    client.force_login(caseworker)
    counted(client)

    with django_capture_on_commit_callbacks(execute=True):
        if change == "check-up":
            OutcomeCheck.objects.filter(referral=referral, months=12).delete()
            OutcomeCheck.objects.create(referral=referral, months=12, at_work="yes")
        else:
            ClientFactory(ocmw=OcmwFactory())  # anywhere: a client renews every scope

    assert counted(client)[1] > 0


def test_nothing_is_renewed_by_a_change_that_rolls_back(
    client, caseworker, ocmw_gent, django_capture_on_commit_callbacks
):
    passed(ocmw_gent)
    client.force_login(caseworker)
    counted(client)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        passed(ocmw_gent)

    assert callbacks  # they would renew it, had the transaction committed
    assert counted(client)[1] == 0


def test_a_download_of_a_table_on_the_page_is_the_pages(client, caseworker, ocmw_gent):
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    counted(client)

    download, counts = counted(client, reverse("referrals:report_export", args=["starts", "csv"]))

    assert counts == 0
    rows = list(csv.reader(io.StringIO(download.content.decode(CSV_ENCODING)), delimiter=";"))
    assert rows[-1] == ["total", "Totaal (unieke personen)", "1"]
    # A breakdown the page does not show is counted once, then cached too.
    other = reverse("referrals:report_export", args=["early-stops", "csv"])
    assert counted(client, other, {**YEAR, "by": "type"})[1] > 0
    assert counted(client, other, {**YEAR, "by": "type"})[1] == 0


def test_each_filter_and_language_has_its_own_figures(client, caseworker, ocmw_gent):
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    counted(client)

    assert counted(client, URL, {"year": 2024})[1] > 0
    english = client.get(URL, YEAR, HTTP_ACCEPT_LANGUAGE="en")
    assert "Started trainees" in english.content.decode()


def test_another_ocmws_caseworker_gets_their_own_figures(client, caseworker, ocmw_gent):
    started(ocmw_gent, MARCH)
    client.force_login(caseworker)
    counted(client)

    client.force_login(CaseworkerFactory(organisation=OcmwFactory()))
    response, counts = counted(client)
    assert counts > 0 and starts_total(response) == "0"


def test_figures_not_due_yet_come_out_of_the_cache_as_not_due(client, caseworker, ocmw_gent):
    Referral.objects.create(
        client=ClientFactory(ocmw=ocmw_gent),
        training=TrainingFactory(),
        state=State.ENDED,
        agreed_on=datetime.date(2025, 1, 6),
        start_date=datetime.date(2025, 2, 3),
        end_date=datetime.date(2026, 10, 1),  # its first check-up is due in January
        end_result=EndResult.PASSED,
        obtained=Obtained.DIPLOMA,
        obtained_on=datetime.date(2026, 10, 1),
    )
    client.force_login(caseworker)

    first, counts = counted(client, URL, {"year": 2026})
    again, counts_again = counted(client, URL, {"year": 2026})

    assert counts > 0 and counts_again == 0
    assert cells(again, "table-outflow-type")[-1] == cells(first, "table-outflow-type")[-1]
    assert "n.b." in cells(again, "table-outflow-type")[-1]


@pytest.mark.parametrize("marker", [NOT_DUE, HIDDEN, SmallCount(5)])
def test_the_figures_markers_come_out_of_the_cache_as_they_went_in(marker):
    cache.set("marker", [marker])

    (out,) = cache.get("marker")

    assert out is marker if marker in (NOT_DUE, HIDDEN) else out == marker
    assert is_suppressed(out) == is_suppressed(marker)


def test_the_figures_are_kept_as_the_text_of_their_language(caseworker):
    """Kept per language, the figures' labels go into the cache as text: a lazy text comes
    out of it through a class made anew for each (40 µs apiece)."""

    def compute():
        column = Column("started", gettext_lazy("Started"))
        row = Row("V", gettext_lazy("Women"), {"started": 1})
        return Table("starts", gettext_lazy("Started trainees"), "", [column], [row])

    what = ("table", "year=2025", 0, "starts", "gender")
    for language, title in [("en", "Started trainees"), ("nl-be", "Gestarte cursisten")]:
        with translation.override(language):
            cache_module.remembered(caseworker, what, compute)
            kept = cache_module.remembered(caseworker, what, None).figures

        labels = [kept.title, kept.columns[0].label, kept.rows[0].label]
        assert [type(label) for label in labels] == [str, str, str]
        assert kept.title == title
        assert kept.rows[0].values == {"started": 1}


def test_network_managers_of_two_provinces_get_their_own_figures(client, ocmw_gent):
    hasselt = OcmwFactory(municipality="Hasselt", province=Province.LIMBURG)
    started(ocmw_gent, MARCH)
    started(hasselt, MARCH)
    started(hasselt, MARCH)
    totals = {}
    for province in (Province.OOST_VLAANDEREN, Province.LIMBURG, Province.OOST_VLAANDEREN):
        client.force_login(NetworkManagerFactory(organisation__province=province))
        totals.setdefault(province, []).append(starts_total(counted(client)[0]))

    assert totals == {Province.OOST_VLAANDEREN: ["1", "1"], Province.LIMBURG: ["2"]}


def test_a_network_manager_never_gets_the_administrators_figures(
    client, settings, administrator, network_manager, ocmw_gent
):
    settings.OKOT_SMALL_CELL_THRESHOLD = 0  # no threshold to tell their keys apart
    started(ocmw_gent, MARCH)
    started(OcmwFactory(province=Province.LIMBURG), MARCH)
    client.force_login(administrator)
    assert starts_total(counted(client)[0]) == "2"

    client.force_login(network_manager)
    assert starts_total(counted(client)[0]) == "1"


def test_without_its_cache_a_step_commits_and_the_figures_are_counted(
    client, counsellor, ocmw_gent, django_capture_on_commit_callbacks
):
    admitted = started(ocmw_gent, MARCH)
    Referral.objects.filter(pk=admitted.pk).update(
        state=State.ADMITTED, start_date=None, agreed_on=datetime.date(2025, 2, 3)
    )
    admitted.refresh_from_db()
    client.force_login(counsellor)
    redis_down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }

    with override_settings(CACHES=redis_down):
        with django_capture_on_commit_callbacks(execute=True):
            services.referral_start(referral=admitted, user=counsellor, start_date=MARCH)
        response, counts = counted(client)

    assert counts > 0 and starts_total(response) == "1"
    assert Referral.objects.get(pk=admitted.pk).state == State.IN_TRAINING


def test_the_start_years_side_by_side_are_counted_once_for_every_year_shown(
    client, caseworker, counsellor, ocmw_gent, monkeypatch, django_capture_on_commit_callbacks
):
    """The trend of a page by start cohort is of every start year, whichever year the page
    shows: counted once for them all, and again after a change to what it counts."""
    started(ocmw_gent, MARCH)
    admitted = started(ocmw_gent, datetime.date(2024, 4, 1))
    Referral.objects.filter(pk=admitted.pk).update(
        state=State.ADMITTED, start_date=None, agreed_on=datetime.date(2024, 2, 3)
    )
    admitted.refresh_from_db()
    counts = []
    real = figures.trend
    for where in (figures, page):  # the page's sections, and a download counted alone
        monkeypatch.setattr(where, "trend", lambda *a, **kw: counts.append(1) or real(*a, **kw))
    client.force_login(caseworker)

    def trend_rows(year, **filters):
        response = client.get(URL, {"year": year, "basis": "cohort", **filters})
        assert response.status_code == 200
        return cells(response, "table-trend")

    shown = trend_rows(2025)
    assert shown[0][:2] == ["2025", "1"]
    assert trend_rows(2024) == shown and trend_rows("") == shown
    assert len(counts) == 1
    # Its download, of a year whose page was not counted: the same, not counted again.
    download = client.get(
        reverse("referrals:report_export", args=["trend", "csv"]),
        {"year": 2019, "basis": "cohort"},
    )
    rows = list(csv.reader(io.StringIO(download.content.decode(CSV_ENCODING)), delimiter=";"))
    assert [row[2] for row in rows if row[0] == "2025"] == ["1"]  # started
    assert len(counts) == 1
    # Other filters, other referrals: counted for them.
    trend_rows(2025, okot_type=OkotType.PBA)
    assert len(counts) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_start(
            referral=admitted, user=counsellor, start_date=datetime.date(2024, 4, 1)
        )
    again = trend_rows(2023)
    assert len(counts) == 3
    assert again[0][:2] == ["2024", "1"] and again != shown
