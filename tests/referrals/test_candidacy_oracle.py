"""Nothing a VDAB counsellor sees after registering a candidacy tells whether the number is a
client of the OCMW (pen test finding 1, the oracle left open by the first fix): VDAB sees no
referral before the formal agreement, only its own candidacies, and those read 'waiting'
whatever the OCMW knew, until the OCMW's caseworker answers them."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import CandidacyOutcome, State
from referrals.models import Candidacy, Client, Referral
from tests.referrals.conftest import OTHER_INSZ, TYPED, messages_of
from tests.referrals.factories import make_insz, referral_in_state

URL = reverse("referrals:candidacy_create")
LIST = reverse("referrals:referral_list")


def _walk(state):
    def set_up(gent_client, training, caseworker, counsellor):
        referral_in_state(
            state,
            client=gent_client,
            training=training,
            caseworker=caseworker,
            counsellor=counsellor,
        )

    return set_up


SITUATIONS = {
    "unknown number": lambda gent_client, **_: Client.objects.filter(pk=gent_client.pk).update(
        insz=OTHER_INSZ
    ),
    "known, same name": lambda gent_client, **_: Client.objects.filter(pk=gent_client.pk).update(
        **TYPED
    ),
    "known, other name": lambda **_: None,  # Fatima Elouardi, not Yasmine Bakkali
    "known, candidate already": _walk(State.CANDIDATE),
    "known, registered by the OCMW, not applied yet": _walk(State.INFORMED),
}


def rows(html: str, table_caption: str) -> list[str]:
    """The text of each body row of the table with this caption, or [] without one."""
    match = re.search(
        rf"<caption[^>]*>{re.escape(table_caption)}</caption>(.*?)</table>", html, re.S
    )
    if not match:
        return []
    body = match.group(1).split("<tbody>", 1)[1]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def registrants_view(client, response) -> tuple:
    """All the registrant sees after the POST: the answer, their candidacies and referrals."""
    return (
        response.status_code,
        response.get("Location"),
        [str(m) for m in messages_of(response)],
        rows(client.get(URL).content.decode(), "Uw kandidaatstellingen"),
        rows(client.get(LIST).content.decode(), "Toeleidingen"),
    )


MESSAGE = (
    "De kandidaatstelling van Yasmine Bakkali voor Verpleegkunde HBO5 is geregistreerd; "
    "het OCMW wordt gevraagd ze na te kijken en formeel akkoord te geven."
)


def expected_view(probe, ocmw) -> tuple:
    """Back to the candidacy page; one row, waiting, with what was typed; no referral."""
    with translation.override("nl-be"):
        today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    masked = "•" * 8 + probe["insz"][-3:]  # the last three digits, as every list shows it
    row = (
        f"{today} Yasmine Bakkali eindigend op {masked} {ocmw} Verpleegkunde HBO5 "
        "Wacht op het formeel akkoord van het OCMW"
    )
    return (302, URL, [MESSAGE], [row], [])


@pytest.mark.parametrize("situation", SITUATIONS)
def test_the_registrant_sees_the_same_whatever_the_ocmw_knows(
    client, probe, gent_client, training, caseworker, counsellor, situation
):
    SITUATIONS[situation](
        gent_client=gent_client, training=training, caseworker=caseworker, counsellor=counsellor
    )

    view = registrants_view(client, client.post(URL, probe))

    assert view == expected_view(probe, gent_client.ocmw)


def test_an_agreed_referral_open_already_shows_as_agreed(
    client, probe, gent_client, training, caseworker, counsellor
):
    """The one difference: the counsellor already sees the agreed referrals of their own
    trainings, by name, in their list before registering anything; the candidacy says no
    more than that list did."""
    referral = referral_in_state(
        State.AGREED, client=gent_client, training=training, caseworker=caseworker
    )
    listed_before = rows(client.get(LIST).content.decode(), "Toeleidingen")

    status, location, messages, candidacies, referrals = registrants_view(
        client, client.post(URL, probe)
    )

    assert (status, location, len(messages)) == (302, URL, 1)
    assert referrals == listed_before and "Fatima Elouardi" in referrals[0]
    assert "Formeel akkoord gegeven" in candidacies[0] and "Open de toeleiding" in candidacies[0]
    assert Candidacy.objects.get().referral == referral
    assert Referral.objects.count() == 1


def test_a_candidacy_for_an_open_referral_is_linked_to_it(client, probe, walk):
    referral = walk(State.CANDIDATE)

    client.post(URL, probe)

    candidacy = Candidacy.objects.get()
    assert candidacy.outcome == CandidacyOutcome.ALREADY_OPEN
    assert candidacy.referral == referral
    assert list(referral.candidacies.all()) == [candidacy]
    assert Referral.objects.count() == 1


# --- no referral for VDAB before the formal agreement ----------------------------------------

PRE_AGREEMENT_URLS = {
    "page": lambda r: ("get", reverse("referrals:referral_detail", args=[r.pk]), {}),
    "agreement": lambda r: ("get", reverse("referrals:referral_agreement", args=[r.pk]), {}),
    "withdraw": lambda r: (
        "post",
        reverse("referrals:referral_step", args=[r.pk, "withdraw"]),
        {"reason": "Geen interesse meer"},
    ),
    "note": lambda r: (
        "post",
        reverse("referrals:referral_note_add", args=[r.pk]),
        {"topic": "other", "note": "?"},
    ),
}


@pytest.mark.parametrize("url", PRE_AGREEMENT_URLS)
@pytest.mark.parametrize("state", [State.INFORMED, State.CANDIDATE, State.DECLINED, "theirs"])
def test_a_counsellor_gets_404_on_every_referral_before_the_agreement(
    client, probe, walk, counsellor, state, url
):
    if state == "theirs":  # right after registering it themselves
        client.post(URL, probe)
        referral = Referral.objects.get()
    else:
        referral = walk(state)
    client.force_login(counsellor)
    method, path, data = PRE_AGREEMENT_URLS[url](referral)
    events = referral.events.count()

    response = getattr(client, method)(path, data)

    assert response.status_code == 404
    assert referral.events.count() == events and not referral.notes.exists()
    assert Referral.objects.get(pk=referral.pk).state == referral.state
    assert referral not in Referral.objects.visible_to(counsellor)


# --- the OCMW's answer, on the candidacy page and nowhere else ----------------------------------


@pytest.mark.parametrize(
    ("step", "status", "reason"),
    [
        ("decline", "Geen akkoord van het OCMW", "Niet dezelfde persoon"),
        ("withdraw", "Ingetrokken vóór het formeel akkoord", "Verhuisd naar Antwerpen"),
    ],
)
def test_a_decline_or_withdrawal_shows_on_the_candidacy_and_tells_vdab_nothing(
    client, probe, caseworker, counsellor, step, status, reason
):
    client.post(URL, probe)
    referral = Referral.objects.get()

    getattr(services, f"referral_{step}")(referral=referral, user=caseworker, reason=reason)

    [row] = rows(client.get(URL).content.decode(), "Uw kandidaatstellingen")
    assert status in row and reason in row
    assert "Open de toeleiding" not in row and "Elouardi" not in row
    assert not Notification.objects.filter(recipient=counsellor).exists()


def test_after_the_agreement_the_candidacy_leads_to_the_referral(client, probe, walk):
    client.post(URL, {**probe, **{"first_name": "Fatima", "last_name": "Elouardi"}})
    referral = Referral.objects.get()
    Referral.objects.filter(pk=referral.pk).update(
        applied_on=datetime.date(2026, 2, 23), agreed_on=datetime.date(2026, 3, 2)
    )

    html = client.get(URL).content.decode()

    assert referral.get_absolute_url() in html
    assert client.get(referral.get_absolute_url()).status_code == 200


def test_an_administrators_candidacy_asks_the_caseworker_to_agree(
    client, administrator, caseworker, gent_client, training
):
    client.force_login(administrator)

    client.post(
        URL,
        {"ocmw": gent_client.ocmw_id, "insz": gent_client.insz, "training": training.pk, **TYPED},
    )

    told = Notification.objects.filter(recipient=caseworker, kind=Kind.CANDIDACY_REGISTERED)
    assert told.count() == 2  # in the app and by e-mail (which says only what happened)
    in_app = told.get(channel=Notification.Channel.IN_APP)
    assert "Yasmine Bakkali" in in_app.body  # the name typed, which differs
    assert f"{administrator} (OKOT) registreerde" in in_app.body  # not "(VDAB)"


def test_an_ocmw_applying_for_a_referral_a_candidacy_was_linked_to_tells_nobody(
    client, probe, walk, caseworker
):
    referral = walk(State.INFORMED)
    client.post(URL, probe)  # linked to the open referral

    services.referral_apply(referral=referral, user=caseworker)

    assert not Notification.objects.filter(kind=Kind.CANDIDACY_REGISTERED).exists()


def test_the_candidacy_page_takes_as_many_queries_for_many_candidacies(
    client, probe, training, ocmw_gent
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    client.post(URL, probe)
    one = queries()
    for n in range(5):
        client.post(URL, {**probe, "insz": make_insz(datetime.date(1990, 1, n + 1), 40 + n)})
    six = queries()

    assert len(rows(client.get(URL).content.decode(), "Uw kandidaatstellingen")) == 6
    assert six == one
