"""The consent on the pages: every page about a client says so, on either side, once the
client withdrew the consent to share data with VDAB; the client's page keeps the history and
records a consent or its withdrawal, refusing a wrong date with its message; a new client
may come with the consent; and VDAB sees no more than it may without consent."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from referrals import services
from referrals.enums import State
from referrals.models import Client, Consent
from tests.referrals.conftest import client_post_data, in_ui_language, success_messages

pytestmark = pytest.mark.django_db

BANNER = re.compile(
    r'<div class="alert alert-danger consent-withdrawn" role="alert">(.*?)</div>', re.S
)


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def banner_text(day: datetime.date) -> str:
    """The banner's sentence as the page shows it (in the site language)."""
    with translation.override("nl-be"):
        return escape(
            gettext("The client withdrew the consent to share data with VDAB on %(date)s.")
            % {"date": formats.date_format(day, "DATE_FORMAT")}
        )


def banners(response) -> list[str]:
    assert response.status_code == 200
    return BANNER.findall(response.content.decode())


# Every page about one client: (URL name, what its pk names, who reads it).
PAGES = [
    ("client_detail", "client", ["caseworker", "administrator"]),
    ("client_edit", "client", ["caseworker", "administrator"]),
    ("referral_create", "client", ["caseworker", "administrator"]),
    ("referral_detail", "referral", ["caseworker", "counsellor", "administrator"]),
    ("referral_agreement", "referral", ["caseworker", "counsellor", "administrator"]),
]
PAGE_CASES = [
    pytest.param(name, target, role, id=f"{name}-{role}")
    for name, target, roles in PAGES
    for role in roles
]


@pytest.fixture
def agreed(walk):
    return walk(State.AGREED)


@pytest.fixture
def as_role(client, caseworker, counsellor, administrator):
    people = {"caseworker": caseworker, "counsellor": counsellor, "administrator": administrator}

    def log_in(role: str):
        client.force_login(people[role])
        return client

    return log_in


def page_url(name: str, target: str, referral) -> str:
    return reverse(
        f"referrals:{name}", args=[(referral.client if target == "client" else referral).pk]
    )


@pytest.mark.parametrize(("name", "target", "role"), PAGE_CASES)
def test_every_page_about_the_client_says_the_consent_was_withdrawn(
    as_role, caseworker, agreed, name, target, role
):
    withdrawn_on = days_ago(2)
    services.consent_withdraw(client=agreed.client, user=caseworker, withdrawn_on=withdrawn_on)

    [banner] = banners(as_role(role).get(page_url(name, target, agreed)))

    assert banner_text(withdrawn_on) in banner


@pytest.mark.parametrize(("name", "target", "role"), PAGE_CASES)
def test_no_banner_while_consent_holds_or_once_given_again(
    as_role, caseworker, agreed, name, target, role
):
    http = as_role(role)
    assert banners(http.get(page_url(name, target, agreed))) == []

    services.consent_withdraw(client=agreed.client, user=caseworker, withdrawn_on=days_ago(2))
    services.consent_give(client=agreed.client, user=caseworker, given_on=days_ago(1))

    assert banners(http.get(page_url(name, target, agreed))) == []


def test_vdab_sees_only_what_it_may_without_consent_after_the_withdrawal(
    as_role, caseworker, agreed
):
    url = reverse("referrals:referral_detail", args=[agreed.pk])
    assert agreed.client.insz in as_role("counsellor").get(url).content.decode()

    services.consent_withdraw(client=agreed.client, user=caseworker, withdrawn_on=days_ago(0))

    html = as_role("counsellor").get(url).content.decode()
    assert agreed.client.insz not in html
    assert agreed.client.vdab_client_number not in html
    assert agreed.client.last_name in html


def test_the_referral_page_shows_why_agree_waits(as_role, caseworker, walk):
    referral = walk(State.CANDIDATE)
    services.consent_withdraw(client=referral.client, user=caseworker, withdrawn_on=days_ago(3))

    response = as_role("caseworker").get(reverse("referrals:referral_detail", args=[referral.pk]))

    with translation.override("nl-be"):
        date = formats.date_format(days_ago(3), "SHORT_DATE_FORMAT")
    reason = in_ui_language(
        lambda: (
            gettext(
                "The client withdrew the consent to share data with VDAB on %(date)s; record a new "
                "consent before the formal agreement."
            )
            % {"date": date}
        )
    )
    assert escape(reason) in response.content.decode()


# --- the client's page: the history and its forms ---------------------------------------------


def consent_section(response) -> str:
    html = response.content.decode()
    return html[html.index('aria-labelledby="consent-heading"') :]


def test_the_client_page_lists_every_consent_and_offers_what_fits(client, caseworker, gent_client):
    client.force_login(caseworker)
    url = reverse("referrals:client_detail", args=[gent_client.pk])
    first = gent_client.consents.get()  # the factory's, recorded before the history
    services.consent_withdraw(client=gent_client, user=caseworker, withdrawn_on=days_ago(10))

    give = f'action="{reverse("referrals:consent_give", args=[gent_client.pk])}"'
    withdraw = f'action="{reverse("referrals:consent_withdraw", args=[gent_client.pk])}"'

    section = consent_section(client.get(url))
    assert give in section
    assert withdraw not in section

    services.consent_give(
        client=gent_client, user=caseworker, given_on=days_ago(5), document_reference="DOC-77"
    )
    section = consent_section(client.get(url))

    assert give not in section
    assert withdraw in section
    with translation.override("nl-be"):
        for day in (first.given_on, days_ago(10), days_ago(5)):
            assert formats.date_format(day, "SHORT_DATE_FORMAT") in section
    assert "DOC-77" in section
    assert escape(str(caseworker)) in section


def test_recording_a_consent_from_the_client_page(client, caseworker, gent_client):
    services.consent_withdraw(client=gent_client, user=caseworker, withdrawn_on=days_ago(10))
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:consent_give", args=[gent_client.pk]),
        {"given_on": days_ago(1).isoformat(), "document_reference": "OCMW/2026/0042"},
    )

    assert response.status_code == 302
    assert response["Location"] == gent_client.get_absolute_url()
    assert success_messages(response) == [
        in_ui_language(lambda: gettext("The client's consent was recorded."))
    ]
    consent = gent_client.consents.open().get()
    assert (consent.given_on, consent.document_reference, consent.recorded_by) == (
        days_ago(1),
        "OCMW/2026/0042",
        caseworker,
    )
    assert Client.objects.get(pk=gent_client.pk).has_consent


def test_recording_a_withdrawal_from_the_client_page(client, caseworker, gent_client):
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:consent_withdraw", args=[gent_client.pk]),
        {"withdrawn_on": days_ago(0).isoformat()},
    )

    assert response.status_code == 302
    consent = gent_client.consents.get()
    assert (consent.withdrawn_on, consent.withdrawn_by) == (days_ago(0), caseworker)
    assert not Client.objects.get(pk=gent_client.pk).has_consent


def short_date(day: datetime.date) -> str:
    with translation.override("nl-be"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


@pytest.mark.parametrize(
    ("url_name", "data", "field", "message"),
    [
        pytest.param(
            "consent_give",
            {"given_on": lambda: (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
            "given_on",
            lambda: gettext("This date lies in the future."),
            id="give-in-the-future",
        ),
        pytest.param(
            "consent_give",
            {"given_on": lambda: "1988-02-13"},
            "given_on",
            lambda: (
                gettext("This date lies before the client's birth date (%(date)s).")
                % {"date": short_date(datetime.date(1988, 2, 14))}
            ),
            id="give-before-birth",
        ),
        pytest.param(
            "consent_give",
            {"given_on": lambda: "31-02-2025"},
            "given_on",
            lambda: gettext("Enter a valid date."),
            id="give-no-date",
        ),
        pytest.param(
            "consent_withdraw",
            {"withdrawn_on": lambda: days_ago(400).isoformat()},
            "withdrawn_on",
            lambda: (
                gettext("The consent was given on %(date)s: it cannot be withdrawn before that.")
                % {"date": short_date(days_ago(365))}
            ),
            id="withdraw-before-given",
        ),
        pytest.param(
            "consent_withdraw",
            {"withdrawn_on": lambda: ""},
            "withdrawn_on",
            lambda: gettext("This field is required."),
            id="withdraw-without-date",
        ),
    ],
)
def test_a_wrong_date_comes_back_on_its_field(
    client, caseworker, gent_client, url_name, data, field, message
):
    """The factory's consent was given 365 days ago; the client was born on 14 Feb 1988."""
    if url_name == "consent_give":
        services.consent_withdraw(client=gent_client, user=caseworker, withdrawn_on=days_ago(1))
    before = list(Consent.objects.values_list("pk", "given_on", "withdrawn_on"))
    client.force_login(caseworker)

    response = client.post(
        reverse(f"referrals:{url_name}", args=[gent_client.pk]),
        {name: value() for name, value in data.items()},
    )

    assert response.status_code == 400
    form_name = "consent_give_form" if url_name == "consent_give" else "consent_withdraw_form"
    expected = in_ui_language(message)
    errors = response.context[form_name].errors[field]
    with translation.override("nl-be"):
        assert list(errors) == [expected]
    assert escape(expected) in response.content.decode()
    assert list(Consent.objects.values_list("pk", "given_on", "withdrawn_on")) == before


def test_a_consent_recorded_twice_is_refused_with_a_message(client, caseworker, gent_client):
    """The page was open before someone else recorded the consent that now holds."""
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:consent_give", args=[gent_client.pk]),
        {"given_on": days_ago(1).isoformat()},
    )

    assert response.status_code == 400
    assert response.context["consent_give_form"].non_field_errors()
    assert gent_client.consents.count() == 1


def test_the_client_page_costs_the_same_queries_with_a_long_history(
    client, caseworker, gent_client
):
    client.force_login(caseworker)
    url = reverse("referrals:client_detail", args=[gent_client.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    services.consent_withdraw(client=gent_client, user=caseworker, withdrawn_on=days_ago(300))
    short = queries()
    for start in (200, 100):
        services.consent_give(client=gent_client, user=caseworker, given_on=days_ago(start))
        services.consent_withdraw(
            client=gent_client, user=caseworker, withdrawn_on=days_ago(start - 50)
        )

    assert queries() == short


# --- a new client, with or without the consent ----------------------------------------------


def test_a_new_client_may_come_with_the_consent(client, caseworker):
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:client_create"),
        client_post_data(consent_given_on=days_ago(3).isoformat(), consent_reference="DOC-1"),
    )

    assert response.status_code == 302
    person = Client.objects.get()
    consent = person.consents.get()
    assert (consent.given_on, consent.document_reference, consent.recorded_by) == (
        days_ago(3),
        "DOC-1",
        caseworker,
    )
    assert (person.consent_vdab, person.consent_date) == (True, days_ago(3))


def test_a_new_client_without_consent_has_none(client, caseworker):
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:client_create"), client_post_data(consent_given_on="")
    )

    assert response.status_code == 302
    person = Client.objects.get()
    assert not person.consents.exists()
    assert not person.has_consent


def test_the_edit_form_leaves_the_consent_to_the_client_page(client, caseworker, gent_client):
    client.force_login(caseworker)
    url = reverse("referrals:client_edit", args=[gent_client.pk])

    form = client.get(url).context["form"]
    response = client.post(
        url,
        client_post_data(gent_client, consent_given_on=days_ago(1).isoformat()),
    )

    assert not {"consent_given_on", "consent_reference", "consent_vdab", "consent_date"} & set(
        form.fields
    )
    assert response.status_code == 302
    assert list(gent_client.consents.values_list("given_on", flat=True)) == [days_ago(365)]
