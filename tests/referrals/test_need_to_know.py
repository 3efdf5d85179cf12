"""Need to know: which of the client's fields each reader gets, on the referral page, the
printed agreement and the warm-handover message, before and after the formal agreement,
with and without the client's consent; and before the agreement VDAB knows only its own
candidacy.

The fields VDAB sees are written out here, not read from the code: changing them is a
decision about the trajectory, and this test is where it shows."""

import itertools
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import capfirst

from audit.trail import mask_insz
from notifications.models import Kind, Notification
from notifications.rendering import render_message
from referrals import services
from referrals.models import Client
from referrals.presenters import OCMW_CLIENT_FIELDS
from tests.referrals.conftest import in_ui_language
from tests.referrals.factories import take_step

pytestmark = pytest.mark.django_db

# What VDAB needs for the trajectory (the reasons are in referrals/presenters.py).
VDAB = [
    "first_name",
    "last_name",
    "insz",
    "vdab_client_number",
    "registered_job_seeker",
    "phone",
    "email",
    "municipality",
]
# Without consent, only whom the referral is about.
NAME = ["first_name", "last_name"]
# The OCMW's own file, whatever it holds.
FILE = "file"
NOT_FOUND = "404"
NOTHING: list[str] = []

ROLES = [
    "caseworker",
    "administrator",
    "counsellor",
    "caseworker_of_other_ocmw",
    "counsellor_of_other_region",
    "network_manager",
]
CLIENT_SIDE = {"caseworker", "administrator"}
STAGES = ["before", "after"]  # the formal agreement
CONSENT = ["consent", "no consent"]


def expected(surface: str, role: str, stage: str, consent: str):
    vdab = VDAB if consent == "consent" else NAME
    either_side = role in CLIENT_SIDE or (role == "counsellor" and stage == "after")
    if surface == "page":
        if not either_side:
            return NOT_FOUND
        return FILE if role in CLIENT_SIDE else vdab
    if surface == "agreement":
        # Printed to hand to VDAB, so what VDAB may see, whoever prints it.
        return vdab if either_side and stage == "after" else NOT_FOUND
    # A message carries at most what VDAB may see, to whoever reads it.
    return vdab if either_side else NOTHING


def withdraw_consent(client: Client) -> None:
    Client.objects.filter(pk=client.pk).update(consent_vdab=False, consent_date=None)
    client.refresh_from_db()


@pytest.fixture
def candidacy_referral(gent_client, training, counsellor):
    """The Gent client's referral as VDAB registered it: a candidacy the OCMW answers."""
    gent_client.phone = "0470 12 34 56"
    gent_client.email = "fatima.elouardi@example.org"
    gent_client.save()
    return services.referral_register_candidacy(
        user=counsellor,
        ocmw=gent_client.ocmw,
        insz=gent_client.insz,
        first_name=gent_client.first_name,
        last_name=gent_client.last_name,
        training=training,
    ).referral


def at_stage(referral, stage: str, consent: str, caseworker):
    if stage == "after":
        take_step("agree", referral, caseworker)
    if consent == "no consent":
        withdraw_consent(referral.client)
    referral.refresh_from_db()
    return referral


def labels(names: list[str]) -> list[str]:
    return [
        in_ui_language(lambda n=name: capfirst(Client._meta.get_field(n).verbose_name))
        for name in names
    ]


def labels_between(html: str, start: str, end: str) -> list[str]:
    part = html[html.index(start) :]
    part = part[: part.index(end, len(start))]
    return re.findall(r'<dt class="col-sm-5">([^<]*)</dt>', part)


def message_labels(body: str) -> list[str]:
    """The labels of the "- label: value" lines under the message's "Cliënt:"."""
    lines = body.split("Cliënt:\n", 1)[1].splitlines()
    facts = [line for line in itertools.takewhile(lambda line: line.startswith("- "), lines)]
    return [line[2:].split(": ", 1)[0] for line in facts]


def shown_on(http, surface: str, referral, user):
    """(the labels of the client's fields, the text) as `user` gets them on `surface`."""
    if surface == "message":
        _subject, body = render_message(Kind.WARM_HANDOVER, user, referral, {})
        return message_labels(body), body
    http.force_login(user)
    name = "referral_detail" if surface == "page" else "referral_agreement"
    response = http.get(reverse(f"referrals:{name}", args=[referral.pk]))
    if response.status_code == 404:
        return NOT_FOUND, ""
    assert response.status_code == 200
    html = response.content.decode()
    if surface == "page":
        found = labels_between(html, 'aria-labelledby="client-heading"', "</section>")
    else:
        found = labels_between(html, '<h2 class="h4 mt-4">Cliënt</h2>', "<h2")
    return found, html


@pytest.mark.parametrize("consent", CONSENT)
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("surface", ["page", "agreement", "message"])
def test_each_reader_gets_exactly_the_fields_they_need(
    request, client, candidacy_referral, caseworker, surface, role, stage, consent
):
    referral = at_stage(candidacy_referral, stage, consent, caseworker)
    person = referral.client
    want = expected(surface, role, stage, consent)

    found, text = shown_on(client, surface, referral, request.getfixturevalue(role))

    if want == NOT_FOUND:
        assert found == NOT_FOUND
        return
    names = OCMW_CLIENT_FIELDS if want == FILE else want
    assert found == [escape(label) for label in labels(names)]
    # The national number: whole on the pages of who may see it, masked in a message, which
    # the inbox lists; nowhere without consent to VDAB.
    if "insz" in names and surface != "message":
        assert person.insz in text
    elif "insz" in names:
        assert mask_insz(person.insz) in text
        assert person.insz not in text
    else:
        assert person.insz not in text
        assert mask_insz(person.insz) not in text
    if "phone" not in names:
        assert person.phone not in text


def test_the_counsellor_hears_the_warm_handover_with_what_vdab_needs(
    candidacy_referral, caseworker, counsellor
):
    """The message the agreement sends is the one the matrix above renders."""
    take_step("agree", candidacy_referral, caseworker)

    message = Notification.objects.get(
        recipient=counsellor, kind=Kind.WARM_HANDOVER, channel=Notification.Channel.IN_APP
    )

    assert message_labels(message.body) == labels(VDAB)
    assert candidacy_referral.client.insz not in message.body


# --- before the formal agreement: only the candidacy ------------------------------------------


def test_before_the_agreement_vdab_knows_only_what_it_typed(
    client, gent_client, training, counsellor
):
    """The counsellor typed another first name: their page shows what they typed, masked,
    and nothing of the OCMW's file; no message tells them anything of it."""
    gent_client.phone = "0470 12 34 56"
    gent_client.email = "fatima.elouardi@example.org"
    gent_client.save()
    client.force_login(counsellor)

    response = client.post(
        reverse("referrals:candidacy_create"),
        {
            "ocmw": gent_client.ocmw_id,
            "insz": gent_client.insz,
            "training": training.pk,
            "first_name": "Fatma",
            "last_name": gent_client.last_name,
        },
        follow=True,
    )

    html = response.content.decode()
    assert "Fatma" in html
    assert mask_insz(gent_client.insz) in html
    for value in [
        gent_client.first_name,
        gent_client.insz,
        gent_client.phone,
        gent_client.email,
        gent_client.vdab_client_number,
        gent_client.street,
    ]:
        assert value not in html
    assert not Notification.objects.filter(recipient=counsellor).exists()
    for url_name in ("referrals:referral_list", "referrals:dashboard"):
        assert gent_client.last_name not in client.get(reverse(url_name)).content.decode()
