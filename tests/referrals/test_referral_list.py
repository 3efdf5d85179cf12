"""The referral list at work: a search kept out of the URL, filters, sorting on every
column, pages without a count, the way back from a referral, the key date. Its download is
in test_list_downloads, the client list in test_client_list; the referrals they list are
tests/referrals/conftest.py's `referrals`."""

import datetime

import pytest
import time_machine
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from referrals.enums import State
from referrals.models import Referral
from referrals.referral_lists import COLUMNS, DATE_FIELDS
from tests.referrals.factories import (
    ClientFactory,
    passed_and_closed,
    referral_in_state,
)

pytestmark = pytest.mark.django_db
LIST = reverse("referrals:referral_list")
EXPORT = reverse("referrals:referral_list_export")


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
