"""A VDAB counsellor cannot use a candidacy to learn who is a client of an OCMW (pen test
finding 1): one answer whatever the OCMW knows, no client data before the formal agreement
but what the counsellor typed, a name that differs goes to the caseworker, a limit per
user, and a trace of every attempt for the administrator."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone, translation

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import CandidacyOutcome, State
from referrals.models import Candidacy, Client, Referral
from tests.referrals.conftest import OTHER_INSZ, TYPED, messages_of
from tests.referrals.factories import ClientFactory, referral_in_state

URL = reverse("referrals:candidacy_create")


# What the OCMW knows of the number the counsellor types, each set up on the Gent client.
def _unknown(gent_client, **_):
    Client.objects.filter(pk=gent_client.pk).update(insz=OTHER_INSZ)


def _same_name(gent_client, **_):
    Client.objects.filter(pk=gent_client.pk).update(**TYPED)


def _other_name(gent_client, **_):
    pass  # Fatima Elouardi, not Yasmine Bakkali


def _open_referral(gent_client, training, caseworker, counsellor):
    referral_in_state(
        State.CANDIDATE,
        client=gent_client,
        training=training,
        caseworker=caseworker,
        counsellor=counsellor,
    )


SITUATIONS = {
    "unknown number": (_unknown, CandidacyOutcome.NEW_CLIENT),
    "known, same name": (_same_name, CandidacyOutcome.KNOWN_CLIENT),
    "known, other name": (_other_name, CandidacyOutcome.NAME_DIFFERS),
    "known, referral open already": (_open_referral, CandidacyOutcome.ALREADY_OPEN),
}


def answer(response) -> tuple:
    return (
        response.status_code,
        response.get("Location"),
        [str(m) for m in messages_of(response)],
    )


@pytest.mark.parametrize("situation", SITUATIONS)
def test_the_answer_is_the_same_whatever_the_ocmw_knows(
    client, probe, gent_client, training, caseworker, counsellor, situation
):
    set_up, outcome = SITUATIONS[situation]
    set_up(gent_client=gent_client, training=training, caseworker=caseworker, counsellor=counsellor)

    response = client.post(URL, probe)
    listing = client.get(response["Location"]).content.decode()

    assert answer(response) == (
        302,
        URL,
        [
            "De kandidaatstelling van Yasmine Bakkali voor Verpleegkunde HBO5 is "
            "geregistreerd; het OCMW wordt gevraagd ze na te kijken en formeel akkoord te geven."
        ],
    )
    for filed in ("Elouardi", "Fatima", "Kortrijksesteenweg", "VD7788123"):
        assert filed not in listing
    assert Candidacy.objects.get().outcome == outcome


@pytest.mark.parametrize("situation", ["known, same name", "known, other name"])
def test_before_the_agreement_the_counsellor_reads_only_what_they_typed(
    client, probe, gent_client, caseworker, situation
):
    SITUATIONS[situation][0](gent_client=gent_client)
    gent_client.refresh_from_db()
    client.post(URL, probe)
    referral = Referral.objects.get()
    with translation.override("nl-be"):
        born = formats.date_format(gent_client.birth_date, "SHORT_DATE_FORMAT")

    page = client.get(URL).content.decode()
    services.referral_withdraw(referral=referral, user=caseworker, reason="Verhuisd")
    after_withdrawal = client.get(URL).content.decode()

    assert client.get(referral.get_absolute_url()).status_code == 404
    for html in (page, after_withdrawal):
        assert "Yasmine" in html and "Bakkali" in html
        for filed in ("Elouardi", "Kortrijksesteenweg", "VD7788123", born, gent_client.insz):
            assert filed not in html


def test_a_referral_the_ocmw_registered_is_not_vdabs_until_agreed(
    client, counsellor, walk, gent_client
):
    referral = walk(State.CANDIDATE)
    client.force_login(counsellor)

    page = client.get(referral.get_absolute_url())
    listing = client.get(reverse("referrals:referral_list"))
    # The list's table: its filter offers every OCMW, a public body, by name.
    table = listing.content.decode().split("<table", 1)[1]

    assert page.status_code == 404
    assert list(listing.context["page"]) == []
    assert "OCMW Gent" not in table and "Elouardi" not in table


def test_after_the_agreement_vdab_reads_what_it_needs(client, counsellor, walk, gent_client):
    referral = walk(State.AGREED)
    client.force_login(counsellor)

    html = client.get(referral.get_absolute_url()).content.decode()

    assert "Fatima Elouardi" in html and "VD7788123" in html
    assert "Kortrijksesteenweg" not in html  # the OCMW's own file stays the OCMW's


def test_the_caseworker_resolves_a_name_that_differs(client, probe, caseworker):
    client.post(URL, probe)
    referral = Referral.objects.get()
    client.force_login(caseworker)

    html = client.get(referral.get_absolute_url()).content.decode()
    messages = Notification.objects.filter(recipient=caseworker, kind=Kind.CANDIDACY_REGISTERED)

    warning = (
        "onder de naam “Yasmine Bakkali”, die verschilt van het cliëntdossier (“Fatima Elouardi”)"
    )
    assert warning in html
    assert len(messages) == 2  # in the app and by e-mail, which names nobody
    in_app, email = messages.get(channel="in_app"), messages.get(channel="email")
    assert "“Yasmine Bakkali”, die verschilt van het cliëntdossier (“Fatima Elouardi”)" in (
        in_app.body
    )
    assert "Bakkali" not in email.body
    assert "Elouardi" not in email.body


# --- the limit per user and the trace ---------------------------------------------------------


def test_attempts_are_limited_per_user(client, probe, counsellor, settings, training):
    settings.OKOT_CANDIDACY_LIMIT = 2
    settings.OKOT_CANDIDACY_WINDOW_HOURS = 24
    others = [ClientFactory(ocmw_id=probe["ocmw"]) for _ in range(3)]
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        answers = [
            client.post(URL, {**probe, "insz": other.insz, "first_name": "X"}) for other in others
        ]
    with time_machine.travel(start + datetime.timedelta(hours=24, minutes=1), tick=False):
        client.force_login(counsellor)  # the next working day's session
        later = client.post(URL, {**probe, "insz": others[2].insz, "first_name": "X"})

    assert [a.status_code for a in answers] == [302, 302, 200]
    assert answers[2].context["form"].non_field_errors() == [
        "U registreerde veel kandidaatstellingen in korte tijd; probeer het later opnieuw. "
        "Een beheerder kan helpen als het dringend is."
    ]
    assert later.status_code == 302
    assert list(
        Candidacy.objects.order_by("registered_at", "pk").values_list("insz", "outcome")
    ) == [
        (others[0].insz, CandidacyOutcome.NAME_DIFFERS),
        (others[1].insz, CandidacyOutcome.NAME_DIFFERS),
        (others[2].insz, CandidacyOutcome.LIMITED),
        (others[2].insz, CandidacyOutcome.NAME_DIFFERS),
    ]
    assert Referral.objects.filter(client=others[2]).count() == 1


def test_another_counsellor_has_their_own_limit(
    client, probe, settings, counsellor_of_other_region
):
    settings.OKOT_CANDIDACY_LIMIT = 1
    client.post(URL, probe)

    assert services.candidacy_limit_reached(Candidacy.objects.get().registered_by)
    assert not services.candidacy_limit_reached(counsellor_of_other_region)


def test_every_attempt_is_traced_for_the_administrator(
    client, probe, counsellor, administrator, caseworker
):
    client.post(URL, probe)
    client.post(URL, {**probe, "insz": OTHER_INSZ})
    changelist = reverse("admin:referrals_candidacy_changelist")

    client.force_login(administrator)
    page = client.get(changelist)
    detail = client.get(
        reverse("admin:referrals_candidacy_change", args=[Candidacy.objects.first().pk])
    )
    client.force_login(caseworker)
    refused = client.get(changelist)

    assert page.status_code == 200
    assert [(c.registered_by, c.outcome) for c in page.context["cl"].result_list] == [
        (counsellor, CandidacyOutcome.NEW_CLIENT),
        (counsellor, CandidacyOutcome.NAME_DIFFERS),
    ]
    assert detail.status_code == 200 and not detail.context["has_change_permission"]
    assert client.get(reverse("admin:referrals_candidacy_add")).status_code != 200
    assert refused.status_code == 302  # not staff: to the admin's login
