"""The referral list at work: a search kept out of the URL, filters, sorting on every
column, pages without a count, the way back from a referral, and the download."""

import datetime
import io

import pytest
import time_machine
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from openpyxl import load_workbook

from audit.models import Entry, Kind
from referrals import list_export
from referrals.enums import State
from referrals.models import Referral
from referrals.referral_lists import COLUMNS, DATE_FIELDS
from tests.accounts.factories import CaseworkerFactory, OcmwFactory
from tests.referrals.factories import (
    ClientFactory,
    TrainingFactory,
    passed_and_closed,
    referral_in_state,
)

pytestmark = pytest.mark.django_db
LIST = reverse("referrals:referral_list")
EXPORT = reverse("referrals:referral_list_export")


@pytest.fixture
def referrals(caseworker, training):
    """Three of the caseworker's OCMW (two theirs), one of another OCMW."""
    ocmw = caseworker.organisation
    colleague = CaseworkerFactory(organisation=ocmw)
    return {
        "an": referral_in_state(
            State.AGREED,
            client=ClientFactory(ocmw=ocmw, first_name="An", last_name="Aerts"),
            training=training,
            caseworker=caseworker,
        ),
        "bart": referral_in_state(
            State.IN_TRAINING,
            client=ClientFactory(ocmw=ocmw, first_name="Bart", last_name="Bosmans"),
            training=TrainingFactory(title="Boekhouder", province=training.province),
            caseworker=caseworker,
        ),
        "cas": referral_in_state(
            State.CANDIDATE,
            client=ClientFactory(ocmw=ocmw, first_name="Cas", last_name="Claeys"),
            training=training,
            caseworker=colleague,
        ),
        "elsewhere": referral_in_state(
            State.AGREED,
            client=ClientFactory(ocmw=OcmwFactory(municipality="Aalst"), last_name="Aerts"),
            training=training,
        ),
    }


def shown(response) -> list[Referral]:
    return list(response.context["page"].object_list)


def test_a_search_is_kept_in_the_session_never_in_the_url(client, caseworker, referrals):
    client.force_login(caseworker)
    response = client.post(f"{LIST}?state=agreed", {"q": "aerts"})
    assert response.status_code == 302
    assert response.url == f"{LIST}?state=agreed"  # the filters stay, the term does not
    response = client.get(response.url)
    assert shown(response) == [referrals["an"]]  # not Aalst's Aerts: scoped to the OCMW
    # Kept while moving around the list, until cleared.
    assert shown(client.get(f"{LIST}?sort=client")) == [referrals["an"]]
    client.post(LIST, {"clear": "1"})
    assert len(shown(client.get(LIST))) == 3


def test_a_search_finds_by_national_number_and_vdab_number(client, caseworker, referrals):
    bart = referrals["bart"].client
    bart.vdab_client_number = "12345678"
    bart.save()
    client.force_login(caseworker)
    client.post(LIST, {"q": bart.insz[:6]})
    assert referrals["bart"] in shown(client.get(LIST))
    client.post(LIST, {"q": "12345678"})
    assert shown(client.get(LIST)) == [referrals["bart"]]


def test_a_search_too_long_says_so_and_keeps_the_list(client, caseworker, referrals):
    client.force_login(caseworker)
    response = client.post(LIST, {"q": "x" * 101}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()
    assert len(shown(response)) == 3


def test_a_counsellor_finds_no_referral_before_the_agreement(client, counsellor, referrals):
    client.force_login(counsellor)
    client.post(LIST, {"q": "claeys"})
    assert shown(client.get(LIST)) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=agreed", {"an"}),
        ("overdue=on", set()),
        ("mine=on", {"an", "bart", "cas"}),  # cas: nobody's yet
        ("dates=agreed_on&date_from=2000-01-01", {"an", "bart"}),
        ("dates=applied_on&date_to=2000-01-01", set()),
        # The first and last days a date can hold: every moment, none without one.
        ("dates=since&date_from=0001-01-01&date_to=9999-12-31", {"an", "bart", "cas"}),
        ("dates=intake&date_from=0001-01-02&date_to=9999-12-31", {"bart"}),
        ("dates=intake&date_from=0001-01-01&date_to=9999-12-30", {"bart"}),
    ],
)
def test_filters_narrow_the_list(client, caseworker, referrals, query, expected):
    client.force_login(caseworker)
    names = {
        key
        for key, referral in referrals.items()
        if referral in shown(client.get(f"{LIST}?{query}"))
    }
    assert names == expected


@pytest.mark.parametrize(
    ("dates", "column"), [("since", "state_changed_at"), ("intake", "intake_at")]
)
def test_a_moment_is_in_the_period_of_its_day_in_brussels(client, caseworker, dates, column):
    """From the midnight that begins the first day to the one that ends the last, around the
    day the clocks went forward (29 March 2026)."""
    brussels = timezone.get_current_timezone()
    moments = [
        datetime.datetime(2026, 3, 28, 23, 59, 59, 999999, tzinfo=brussels),
        datetime.datetime(2026, 3, 29, 0, 0, tzinfo=brussels),
        datetime.datetime(2026, 3, 30, 23, 59, 59, 999999, tzinfo=brussels),
        datetime.datetime(2026, 3, 31, 0, 0, tzinfo=brussels),
    ]
    keys = []
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=brussels)):
        for moment in moments:  # agreed before the intakes
            referral = referral_in_state(
                State.INTAKE_PLANNED, client=ClientFactory(ocmw=caseworker.organisation)
            )
            Referral.objects.filter(pk=referral.pk).update(**{column: moment})
            keys.append(referral.pk)
    client.force_login(caseworker)

    response = client.get(f"{LIST}?dates={dates}&date_from=2026-03-29&date_to=2026-03-30")

    assert {referral.pk for referral in shown(response)} == set(keys[1:3])


def test_mine_leaves_out_what_a_colleague_is_responsible_for(client, caseworker, referrals):
    colleague = referrals["cas"].created_by
    Referral.objects.filter(pk=referrals["cas"].pk).update(caseworker=colleague)
    client.force_login(caseworker)
    assert set(shown(client.get(f"{LIST}?mine=on"))) == {referrals["an"], referrals["bart"]}
    client.force_login(colleague)
    assert set(shown(client.get(f"{LIST}?mine=on"))) == {referrals["cas"]}


def test_overdue_narrows_to_what_waits_too_long(client, caseworker, referrals, settings):
    long_ago = timezone.now() - datetime.timedelta(days=settings.OKOT_INTAKE_OVERDUE_DAYS + 1)
    Referral.objects.filter(pk=referrals["an"].pk).update(state_changed_at=long_ago)
    client.force_login(caseworker)
    assert shown(client.get(f"{LIST}?overdue=on")) == [referrals["an"]]


def test_overdue_by_a_period_of_starts_lists_a_training_past_its_expected_end(
    client, caseworker, referrals, ended, settings
):
    """The overdue list narrowed to a period of starts or ends (which names the states a
    referral can be overdue in: `OVERDUE_PERIOD_FIELDS`): Bart, in training, is listed by
    the day of his start once his expected end has passed, not by a period after it; by a
    period of ends nobody is, though three referrals ended in it."""
    bart = referrals["bart"]
    start = bart.start_date.isoformat()
    client.force_login(caseworker)
    by_start = f"{LIST}?overdue=on&dates=start_date&date_from={start}&date_to={start}"
    assert shown(client.get(by_start)) == []
    late = timezone.localdate() - datetime.timedelta(days=settings.OKOT_END_OVERDUE_DAYS + 1)
    Referral.objects.filter(pk=bart.pk).update(expected_end_date=late)
    assert shown(client.get(by_start)) == [bart]
    after = (bart.start_date + datetime.timedelta(days=1)).isoformat()
    assert shown(client.get(f"{LIST}?overdue=on&dates=start_date&date_from={after}")) == []
    assert shown(client.get(f"{LIST}?overdue=on&dates=end_date&date_from=2000-01-01")) == []
    assert len(shown(client.get(f"{LIST}?dates=end_date&date_from=2000-01-01"))) == len(ended)


def test_a_counsellor_searches_numbers_only_while_the_client_consents(
    client, counsellor, referrals
):
    bart = referrals["bart"].client
    client.force_login(counsellor)
    client.post(LIST, {"q": bart.insz[:8]})
    assert shown(client.get(LIST)) == [referrals["bart"]]
    bart.consent_vdab = False
    bart.save(update_fields=["consent_vdab"])
    assert shown(client.get(LIST)) == []  # no longer found by number, digit by digit
    client.post(LIST, {"q": "bosmans"})
    assert shown(client.get(LIST)) == [referrals["bart"]]  # the name VDAB still reads


def test_a_training_filter(client, caseworker, referrals):
    client.force_login(caseworker)
    response = client.get(f"{LIST}?training={referrals['bart'].training_id}")
    assert shown(response) == [referrals["bart"]]


def test_vdab_filters_by_ocmw(client, counsellor, referrals, ocmw_gent):
    client.force_login(counsellor)
    everyone = shown(client.get(LIST))
    assert referrals["elsewhere"] in everyone
    assert referrals["an"] in everyone
    response = client.get(f"{LIST}?ocmw={ocmw_gent.pk}")
    assert referrals["elsewhere"] not in shown(response)
    assert referrals["an"] in shown(response)


@pytest.mark.parametrize(
    "query",
    [
        "state=nonsense",
        "training=99999999999999999999999",
        "date_from=31-02-2024",
        "dates=agreed_on&date_from=2024-05-01&date_to=2024-04-01",
        "sort=password",
        "page=-3",
        "page=abc",
    ],
)
def test_bad_filters_say_so_and_never_break(client, caseworker, referrals, query):
    client.force_login(caseworker)
    response = client.get(f"{LIST}?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    if "sort" not in query and "page" not in query:
        assert "A filter could not be used" in response.content.decode()
    assert len(shown(response)) == 3


def test_the_end_of_a_period_before_its_start_is_named(client, caseworker, referrals):
    client.force_login(caseworker)
    response = client.get(
        f"{LIST}?date_from=2024-05-01&date_to=2024-04-01", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "The end of the period cannot fall before its start." in response.content.decode()


@pytest.mark.parametrize("column", [column.code for column in COLUMNS])
def test_every_column_sorts_both_ways(client, caseworker, referrals, column):
    client.force_login(caseworker)
    ascending = shown(client.get(f"{LIST}?sort={column}"))
    descending = shown(client.get(f"{LIST}?sort=-{column}"))
    assert len(ascending) == 3
    assert descending == ascending[::-1]  # ties broken by the key, reversed too
    headings = client.get(f"{LIST}?sort={column}").context["headings"]
    current = [h for h in headings if h.aria_sort != "none"]
    assert [h.aria_sort for h in current] == ["ascending"]
    assert f"sort=-{column}" in current[0].url


PERIOD_DATES = [code for code in DATE_FIELDS if code != "since"]


@pytest.fixture
def ended(caseworker, training) -> list[Referral]:
    """Three referrals of the caseworker's OCMW walked to their end and closed, each date of
    the first five days after the second's and the second's five after the third's; their
    last changes in the other order."""
    rows = [passed_and_closed(caseworker, training) for _ in range(3)]
    dates = [
        field.name
        for field in Referral._meta.concrete_fields
        if isinstance(field, models.DateField)
        and field.name not in ("created_at", "updated_at", "state_changed_at")
    ]
    for n, referral in enumerate(rows):
        shifted = {
            name: getattr(referral, name) - datetime.timedelta(days=5 * n)
            for name in dates
            if getattr(referral, name) is not None
        }
        shifted["state_changed_at"] = timezone.now() - datetime.timedelta(days=3 - n)
        Referral.objects.filter(pk=referral.pk).update(**shifted)
        referral.refresh_from_db()
    return rows


@pytest.mark.parametrize("code", PERIOD_DATES)
def test_a_list_narrowed_to_a_period_shows_that_date_and_is_sorted_by_it(
    client, caseworker, ended, code
):
    """The period's date as a column, the list sorted by it latest first unless another sort
    is asked for, and both ways from its heading."""
    values = [getattr(referral, "intake_at" if code == "intake" else code) for referral in ended]
    days = [timezone.localtime(v).date() if code == "intake" else v for v in values]
    client.force_login(caseworker)
    period = f"dates={code}&date_from={days[-1]}&date_to={days[0]}"

    response = client.get(f"{LIST}?{period}", HTTP_ACCEPT_LANGUAGE="en")

    assert shown(response) == ended
    heading = response.context["headings"][-1]
    assert (heading.label, heading.aria_sort) == (DATE_FIELDS[code], "descending")
    assert f"sort={code}" in heading.url
    html = response.content.decode()
    assert f'<time datetime="{days[0]:%Y-%m-%d}' in html
    assert html.count("<td>") == len(response.context["headings"]) * len(ended)  # a cell each
    assert shown(client.get(f"{LIST}?{period}&sort={code}")) == ended[::-1]
    assert shown(client.get(f"{LIST}?{period}&sort=-since")) == ended[::-1]


@pytest.mark.parametrize(
    "query",
    [
        "dates=end_date",
        "sort=-end_date",
        "dates=since&date_from=2000-01-01&sort=end_date",
        "dates=end_date&date_from=2024-05-01&date_to=2024-04-01",  # no period: said so
    ],
)
def test_a_date_is_no_column_without_its_period(client, caseworker, ended, query):
    """Chosen without a period (or with one that cannot be), or asked for as a sort of another
    one, a date is no column and the list keeps its order of last changes."""
    client.force_login(caseworker)
    response = client.get(f"{LIST}?{query}")
    assert [h.label for h in response.context["headings"]] == [c.label for c in COLUMNS]
    assert shown(response) == ended[::-1]


def test_sorting_by_client_and_by_state_follows_names_and_the_flow(client, caseworker, referrals):
    client.force_login(caseworker)
    by_name = shown(client.get(f"{LIST}?sort=client"))
    assert by_name == [referrals["an"], referrals["bart"], referrals["cas"]]
    by_state = shown(client.get(f"{LIST}?sort=state"))
    assert by_state == [referrals["cas"], referrals["an"], referrals["bart"]]
    assert shown(client.get(f"{LIST}?sort=-state")) == by_state[::-1]


def test_pages_follow_without_counting_all_rows(client, caseworker, referrals, monkeypatch):
    monkeypatch.setattr("referrals.list_views.PAGE_SIZE", 2)
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"{LIST}?sort=client")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [
        sql
        for sql in counts
        if sql.startswith('SELECT COUNT(*) AS "__count" FROM "referrals_referral"')
    ]
    page = first.context["page"]
    assert page.has_next and not page.has_previous
    assert page.next_url == "?page=2&sort=client"
    second = client.get(f"{LIST}{page.next_url}")
    assert shown(second) == [referrals["cas"]]
    assert not second.context["page"].has_next


def test_the_referral_page_leads_back_to_the_list_as_it_was(client, caseworker, referrals):
    client.force_login(caseworker)
    client.get(f"{LIST}?state=agreed&sort=-client")
    response = client.get(referrals["an"].get_absolute_url())
    assert f'href="{LIST}?state=agreed&amp;sort=-client"' in response.content.decode()


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


# --- the client list ---------------------------------------------------------------------

CLIENTS = reverse("referrals:client_list")


def test_the_client_search_is_kept_for_the_lists_pages_and_sorts(client, caseworker, referrals):
    client.force_login(caseworker)
    assert len(client.post(CLIENTS, {"q": "aerts"}).context["page"]) == 1
    # Another sort (a link, so a GET) keeps the search; the term is in no URL.
    response = client.get(f"{CLIENTS}?sort=-birth_date")
    assert [c.last_name for c in response.context["page"]] == ["Aerts"]
    assert "aerts" not in "".join(h.url for h in response.context["headings"]).lower()
    client.post(CLIENTS, {"clear": "1"})
    assert len(client.get(CLIENTS).context["page"]) == 3


def test_client_pages_follow_without_counting_all_clients(
    client, caseworker, referrals, monkeypatch
):
    monkeypatch.setattr("referrals.client_views.PAGE_SIZE", 2)
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"{CLIENTS}?sort=name")
    counted = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT")]
    assert not [sql for sql in counted if '"referrals_client"' in sql]
    page = first.context["page"]
    assert [c.last_name for c in page] == ["Aerts", "Bosmans"]
    assert page.has_next and not page.has_previous
    assert page.next_url == "?page=2&sort=name"
    second = client.get(f"{CLIENTS}{page.next_url}")
    assert [c.last_name for c in second.context["page"]] == ["Claeys"]
    assert not second.context["page"].has_next and second.context["page"].has_previous


@pytest.mark.parametrize("column", ["name", "birth_date", "municipality", "consent", "referrals"])
def test_every_client_column_sorts(client, caseworker, referrals, column):
    client.force_login(caseworker)
    ascending = list(client.get(f"{CLIENTS}?sort={column}").context["page"])
    descending = list(client.get(f"{CLIENTS}?sort=-{column}").context["page"])
    assert len(ascending) == 3 and descending == ascending[::-1]
    if column == "name":
        assert [c.last_name for c in ascending] == ["Aerts", "Bosmans", "Claeys"]


def test_vdab_finds_its_trainees_from_the_navigation(client, counsellor, referrals):
    client.force_login(counsellor)
    html = client.get(LIST).content.decode()
    assert f'href="{LIST}?state=in_training"' in html
    response = client.get(f"{LIST}?state=in_training", HTTP_ACCEPT_LANGUAGE="en")
    assert shown(response) == [referrals["bart"]]
    assert "<h1" in response.content.decode() and "Trainees</h1>" in response.content.decode()


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


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("consent=no", {"Claeys"}),
        ("consent=yes", {"Aerts", "Bosmans"}),
        ("open_referral=yes", {"Aerts", "Bosmans", "Claeys"}),
        ("open_referral=no", set()),
        ("consent=maybe", {"Aerts", "Bosmans", "Claeys"}),  # a bad value filters nothing
    ],
)
def test_the_client_list_filters(client, caseworker, referrals, query, expected):
    cas = referrals["cas"].client
    cas.consent_vdab = False
    cas.save(update_fields=["consent_vdab"])
    client.force_login(caseworker)
    response = client.get(f"{CLIENTS}?{query}")
    assert response.status_code == 200
    assert {c.last_name for c in response.context["page"]} == expected
    download = client.get(f"{reverse('referrals:client_list_export')}?{query}")
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == expected


def test_the_key_date_is_the_states_date_with_its_label(client, caseworker, referrals):
    """In the list and in Mijn werk (the colleague's candidacy waits for the team)."""
    an, cas = referrals["an"], referrals["cas"]
    with translation.override("en"):
        labels = [(str(r.milestone.label), r.milestone.date) for r in (an, cas)]
        long_day = formats.date_format(an.agreed_on)
        short_day = formats.date_format(cas.applied_on, "SHORT_DATE_FORMAT")
    client.force_login(caseworker)

    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    team = client.get(f"{reverse('referrals:dashboard')}?scope=team", HTTP_ACCEPT_LANGUAGE="en")

    assert labels == [
        ("formal agreement date", an.agreed_on),
        ("candidacy date", cas.applied_on),
    ]
    assert f"Formal agreement date:</span> {long_day}</td>" in page
    assert f"Candidacy date: {short_day}</span>" in team.content.decode()
