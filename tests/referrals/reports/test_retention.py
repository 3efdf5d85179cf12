"""Every report table is the same before and after the retention pseudonymised the clients
of a past year: generated over the tables, their breakdowns, the years and the scopes, so
that a new table or breakdown is compared too, and the reports page as a whole.

The year's people vary in what the figures read: every end result and stop reason, every
gender (unknown too), ages on either side of each band's edge on the day they started (a
birthday on the start day, a day later, the 29th of February), an unknown birth date,
outflow check-ups at work, not at work and unknown, and a person who is a client of two
OCMWs. Beside them, clients the retention keeps (an open referral, one closed recently, the
same person still followed at another OCMW), whose figures must not move either."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from referrals.enums import AtWork, EndResult, Gender, OkotType, State, StopReason
from referrals.models import Client, Referral
from referrals.reports.page import report_table, sections
from referrals.reports.tables import TABLE_BREAKDOWNS, TABLES, filtered
from referrals.services import apply_retention
from tests.accounts.factories import AdministratorFactory, OcmwFactory, OrganisationFactory
from tests.accounts.two_factor import Client as BrowserClient

from .builders import client, insz, local, referral

pytestmark = pytest.mark.usefixtures("db")

D = datetime.date
NOW = local("2031-06-02 09:00")  # the retention's cutoff: 2 June 2026
LONG_AGO = local("2025-09-30 12:00")  # when the year's referrals were closed
RECENTLY = local("2027-01-15 12:00")  # after the cutoff
YEARS = (2023, 2024, 2025, None)
TODAY = NOW.date()
CASES = [(name, by) for name in TABLES for by in TABLE_BREAKDOWNS[name]] + [("funnel", "")]


def _past(start: str, *, born, gender, ocmw, okot=OkotType.PBA, person=None, **kwargs):
    """A referral of the past year, closed long ago (due for the retention)."""
    kwargs.setdefault("state_changed_at", LONG_AGO)
    kwargs.setdefault("created_at", local(f"{start[:4]}-01-10 10:00"))
    # A week before the agreement (`referral` puts it 30 days before the start).
    kwargs.setdefault("applied_on", D.fromisoformat(start) - datetime.timedelta(days=37))
    return referral(
        start=start, born=born, gender=gender, ocmw=ocmw, okot=okot, person=person, **kwargs
    )


def make_year():
    gent, aalst = OrganisationFactory(), OcmwFactory(municipality="Aalst")
    ocmws = [gent, aalst]
    checks = [
        {3: AtWork.YES, 6: AtWork.YES, 9: AtWork.NO, 12: AtWork.YES},
        {3: AtWork.UNKNOWN, 6: AtWork.NO},
        {},
        {3: AtWork.NO, 6: AtWork.YES, 9: AtWork.YES, 12: AtWork.UNKNOWN},
    ]
    genders = [Gender.MALE, Gender.FEMALE, Gender.X, ""]
    # Born on either side of each band's edge, relative to a start on 1 March 2024.
    births = [
        D(1999, 3, 1),  # 25 on the start day
        D(1999, 3, 2),  # 24
        D(1984, 3, 1),  # 40
        D(1984, 3, 2),  # 39
        D(1969, 3, 1),  # 55
        D(1969, 3, 2),  # 54
        D(1984, 1, 1),
        None,  # unknown
    ]
    types = list(OkotType.values)
    endings = [
        (EndResult.PASSED, ""),
        (EndResult.FAILED, ""),
        (EndResult.STOPPED_EMPLOYMENT, ""),
        *((EndResult.STOPPED_EARLY, reason) for reason in StopReason.values),
    ]
    for n, (result, reason) in enumerate(endings * 2):
        born = births[n % len(births)]
        end = ["2024-06-30", "2024-12-31", "2025-01-01", "2025-03-15"][n % 4]
        _past(
            "2024-03-01",
            born=born,
            gender=genders[n % len(genders)],
            ocmw=ocmws[n % 2],
            okot=types[n % len(types)],
            end=end,
            result=result,
            reason=reason,
            checks=checks[n % len(checks)] if result in ("passed", "stopped_employment") else {},
            intake_at=local("2024-02-01 10:00"),
        )
    # Born on the 29th of February: 24 on 28 February 2025, 25 on 1 March 2025.
    for start in ("2025-02-28", "2025-03-01"):
        _past(
            start,
            born=D(2000, 2, 29),
            gender=Gender.MALE,
            ocmw=gent,
            okot=OkotType.HBO,
            end="2025-06-30",
            result=EndResult.PASSED,
        )
    # One person, a client of both OCMWs, started two types in 2024: one person in the total.
    number = insz(D(1990, 5, 5), Gender.FEMALE)
    for ocmw, okot in ((gent, OkotType.PBA), (aalst, OkotType.TKO)):
        person = client(number, ocmw=ocmw)
        _past(
            "2024-04-01",
            born=None,
            gender="",
            ocmw=ocmw,
            okot=okot,
            person=person,
            end="2024-12-01",
            result=EndResult.STOPPED_EMPLOYMENT,
        )
    # Referrals that never started: the funnel's other states.
    for state in (State.DECLINED, State.WITHDRAWN, State.CLOSED):
        referral(
            ocmw=gent,
            state=state,
            born=D(1980, 1, 1),
            created_at=local("2024-05-05 10:00"),
            applied_on=D(2024, 5, 6),
            state_changed_at=LONG_AGO,
        )
    # Kept: an open referral of 2024, one closed recently, a person still followed at
    # another OCMW (and so not pseudonymised at Gent either).
    _past(
        "2024-03-01",
        born=D(1999, 3, 1),
        gender=Gender.MALE,
        ocmw=gent,
        state=State.ENDED,
        end="2024-12-31",
        result=EndResult.PASSED,
    )
    _past(
        "2024-03-01",
        born=D(1984, 3, 1),
        gender=Gender.FEMALE,
        ocmw=aalst,
        end="2024-12-31",
        result=EndResult.FAILED,
        state_changed_at=RECENTLY,
    )
    number = insz(D(1970, 7, 7), Gender.MALE)
    _past(
        "2024-09-01",
        born=None,
        gender="",
        ocmw=gent,
        person=client(number, ocmw=gent),
        end="2025-02-01",
        result=EndResult.PASSED,
    )
    _past(
        "2024-02-01",
        born=None,
        gender="",
        ocmw=aalst,
        person=client(number, ocmw=aalst),
        state=State.IN_TRAINING,
        okot=OkotType.HBO,
    )
    return ocmws


def figures(ocmws) -> dict:
    """Every table by every breakdown, year and scope, as plain values."""
    scopes = {"all": None, "gent": ocmws[0], "aalst": ocmws[1]}
    found = {}
    for scope, ocmw in scopes.items():
        queryset = filtered(Referral.objects.all(), ocmw=ocmw)
        for year in YEARS:
            for name, by in CASES:
                table = report_table(name, queryset, year=year, by=by)
                found[(name, by, year, scope)] = [(r.group, r.values) for r in table.rows]
            found[("page", "", year, scope)] = [
                (s.slug, t.slug, t.by, [(r.group, r.values) for r in t.rows])
                for s in sections(queryset, year=year, today=TODAY)
                for t in s.tables
            ]
    return found


def page(browser, year: int) -> str:
    """The reports page for the year, without the CSRF token that changes per request."""
    html = browser.get(reverse("referrals:reports"), {"year": year}).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def retention_run() -> dict:
    with time_machine.travel(NOW, tick=False):
        ocmws = make_year()
        browser = BrowserClient()
        browser.force_login(AdministratorFactory())
        before = figures(ocmws)
        pages_before = {year: page(browser, year) for year in (2024, 2025)}
        result = apply_retention()
        return {
            "before": before,
            "after": figures(ocmws),
            "pages": (pages_before, {year: page(browser, year) for year in (2024, 2025)}),
            "result": result,
        }


@pytest.fixture(autouse=True)
def run_where_asked(request, shared_rows):
    if "run" in request.fixturenames:
        shared_rows.make(retention_run)
    else:
        shared_rows.roll_back()


@pytest.fixture
def run(shared_rows) -> dict:
    return shared_rows.rows


def test_the_retention_pseudonymised_the_year_and_kept_the_others(run):
    kept = Client.objects.filter(pseudonymised_at__isnull=True)
    assert len(run["result"].clients) == Client.objects.count() - kept.count() > 25
    # The open referral, the one closed recently, and both clients of the person still
    # followed at Aalst.
    assert kept.count() == 4
    assert Referral.objects.filter(age_at_start__isnull=False).count() > 20


@pytest.mark.parametrize("scope", ["all", "gent", "aalst"])
@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(("name", "by"), CASES)
def test_every_table_is_the_same_after_the_retention(run, name, by, year, scope):
    key = (name, by, year, scope)
    assert run["after"][key] == run["before"][key]


@pytest.mark.parametrize("scope", ["all", "gent", "aalst"])
@pytest.mark.parametrize("year", YEARS)
def test_the_report_sections_are_the_same_after_the_retention(run, year, scope):
    key = ("page", "", year, scope)
    assert run["after"][key] == run["before"][key]


def test_the_figures_are_not_empty(run):
    """A comparison of empty tables would prove nothing."""
    starts = run["before"][("starts", "age", 2024, "all")]
    assert {group for group, values in starts if values["started"]} == {
        "-25",
        "25-40",
        "40-55",
        "55+",
        "?",
        "total",
    }
    outflow = dict(run["before"][("outflow", "type", 2024, "all")])
    assert outflow["total"]["closed"] > 0


@pytest.mark.parametrize("year", [2024, 2025])
def test_the_reports_page_is_the_same_after_the_retention(run, year):
    before, after = run["pages"]
    assert "<table" in before[year]
    assert after[year] == before[year]
