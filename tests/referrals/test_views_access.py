"""What is not yours is a 404: every page and every POST, for everyone who is not on either
side of the referral; and what is yours shows only what your side may read."""

import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, SlugConverter, StringConverter
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import capfirst

from referrals import urls as referral_urls
from referrals.enums import State
from referrals.models import Client, GuidanceNote, OutcomeCheck, Referral
from referrals.models.guards import client_consented, no_active_temporary_work_experience
from referrals.steps import STEPS
from tests.accounts.factories import CounsellorFactory, VdabOrganisationFactory
from tests.referrals.conftest import (
    client_post_data,
    in_ui_language,
    step_actions,
    step_post_data,
)
from tests.referrals.factories import ClientFactory, TemporaryWorkExperienceFactory, TrainingFactory

pytestmark = pytest.mark.django_db


# --- the requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    url_name: str
    method: str = "get"
    step: str | None = None

    @property
    def id(self) -> str:
        return "-".join(filter(None, [self.method, self.url_name, self.step]))

    def send(self, http, scene):
        referral, client = scene["referral"], scene["client"]
        if self.url_name in CLIENT_URLS:
            url = reverse(f"referrals:{self.url_name}", args=[client.pk])
        elif self.step:
            url = reverse("referrals:referral_step", args=[referral.pk, self.step])
        else:
            url = reverse(f"referrals:{self.url_name}", args=[referral.pk])
        if self.method == "get":
            return http.get(url)
        return http.post(url, self.data(scene))

    def data(self, scene) -> dict:
        """Valid input: a refusal must come from whose record it is, not from the form."""
        today = timezone.localdate().isoformat()
        referral, client = scene["referral"], scene["client"]
        if self.step:
            return step_post_data(self.step, referral)
        return {
            "client_edit": lambda: client_post_data(client, first_name="Gewijzigd"),
            "referral_create": lambda: {"training": scene["other_training"].pk, "apply": "on"},
            "referral_note_add": lambda: {
                "written_on": today,
                "topic": "attendance",
                "note": "Twee dagen afwezig zonder verwittiging.",
            },
            "referral_outcome": lambda: {"months": "3", "at_work": "yes", "checked_on": today},
        }[self.url_name]()


CLIENT_URLS = {"client_detail", "client_edit", "referral_create"}
CLIENT_CALLS = [
    Call("client_detail"),
    Call("client_edit"),
    Call("client_edit", "post"),
    Call("referral_create"),
    Call("referral_create", "post"),
]
REFERRAL_CALLS = [
    Call("referral_detail"),
    Call("referral_agreement"),
    *[Call("referral_step", "post", name) for name in STEPS],
    Call("referral_note_add", "post"),
    Call("referral_outcome", "post"),
]
ALL_CALLS = CLIENT_CALLS + REFERRAL_CALLS

# Who gets a 404 on what (DOMAIN.md: clients are the OCMW's; a referral is its OCMW's and
# its training region's; the network manager reads figures, not files).
NOT_YOURS = {
    "caseworker_of_other_ocmw": ALL_CALLS,
    "counsellor_of_other_region": ALL_CALLS,
    "counsellor": CLIENT_CALLS,
    "network_manager": ALL_CALLS,
}


@pytest.fixture
def scene(gent_client, walk):
    """The Gent client in training (so notes, steps and the agreement all exist)."""
    referral = walk(State.IN_TRAINING)
    return {
        "client": gent_client,
        "referral": referral,
        "other_training": TrainingFactory(title="Boekhouder"),
    }


def fingerprint(scene) -> tuple:
    """Everything a POST in this file could change."""
    referral, client = scene["referral"], scene["client"]
    return (
        Referral.objects.get(pk=referral.pk).state,
        referral.events.count(),
        Referral.objects.count(),
        GuidanceNote.objects.count(),
        OutcomeCheck.objects.count(),
        Client.objects.get(pk=client.pk).first_name,
    )


@pytest.mark.parametrize(
    ("actor", "call"),
    [
        pytest.param(actor, call, id=f"{actor}-{call.id}")
        for actor, calls in NOT_YOURS.items()
        for call in calls
    ],
)
def test_what_is_not_yours_is_a_404(client, request, scene, actor, call):
    client.force_login(request.getfixturevalue(actor))
    before = fingerprint(scene)

    response = call.send(client, scene)

    assert response.status_code == 404
    assert fingerprint(scene) == before


@pytest.mark.parametrize("call", ALL_CALLS, ids=lambda c: c.id)
def test_anonymous_user_is_sent_to_the_login_page(client, scene, call):
    before = fingerprint(scene)

    response = call.send(client, scene)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert fingerprint(scene) == before


@pytest.mark.parametrize(
    ("actor", "call"),
    [
        *[("caseworker", c) for c in CLIENT_CALLS if c.method == "get"],
        *[("caseworker", c) for c in REFERRAL_CALLS if c.method == "get"],
        *[("counsellor", c) for c in REFERRAL_CALLS if c.method == "get"],
        *[("contact_counsellor_of_other_region", c) for c in REFERRAL_CALLS if c.method == "get"],
    ],
    ids=lambda v: v if isinstance(v, str) else v.id,
)
def test_own_side_sees_its_pages(client, request, scene, actor, call):
    if actor == "contact_counsellor_of_other_region":
        user = CounsellorFactory(organisation=VdabOrganisationFactory(province="limburg"))
        scene["referral"].training.contact_counsellor = user
        scene["referral"].training.save()
    else:
        user = request.getfixturevalue(actor)
    client.force_login(user)

    assert call.send(client, scene).status_code == 200


@pytest.mark.parametrize("actor", ["counsellor", "network_manager"])
def test_only_a_caseworker_may_open_the_new_client_form(client, request, actor):
    client.force_login(request.getfixturevalue(actor))

    assert client.get(reverse("referrals:client_create")).status_code == 403
    assert client.post(reverse("referrals:client_create"), client_post_data()).status_code == 403
    assert not Client.objects.filter(last_name="De Smet").exists()


@pytest.mark.parametrize(
    ("actor", "listed"),
    [
        ("caseworker", True),
        ("counsellor", True),
        ("caseworker_of_other_ocmw", False),
        ("counsellor_of_other_region", False),
        ("network_manager", False),
    ],
)
def test_lists_show_only_what_is_yours(client, request, scene, actor, listed):
    client.force_login(request.getfixturevalue(actor))
    name = escape(str(scene["client"]))

    pages = [reverse("referrals:referral_list"), reverse("referrals:dashboard")]
    referral_list = client.get(pages[0])

    assert referral_list.status_code == 200
    assert (name in referral_list.content.decode()) is listed
    for url in pages[1:]:
        response = client.get(url)
        assert response.status_code == 200
        if not listed:
            assert name not in response.content.decode()


def test_client_list_shows_only_your_ocmws_clients(client, caseworker_of_other_ocmw, scene):
    client.force_login(caseworker_of_other_ocmw)

    for response in [
        client.get(reverse("referrals:client_list")),
        client.post(reverse("referrals:client_list"), {"q": scene["client"].last_name}),
    ]:
        assert response.status_code == 200
        assert list(response.context["page"]) == []
        assert scene["client"].get_absolute_url() not in response.content.decode()


# --- what a page shows of the client to each side ------------------------------------------

OCMW_ONLY_FIELDS = [
    "street",
    "postal_code",
    "consent_vdab",
    "consent_date",
    "gpmi",
    "gpmi_date",
    "notes",
]


def ocmw_only_labels() -> list[str]:
    return [
        escape(in_ui_language(lambda n=name: capfirst(Client._meta.get_field(n).verbose_name)))
        for name in OCMW_ONLY_FIELDS
    ]


@pytest.mark.parametrize("url_name", ["referral_detail", "referral_agreement"])
def test_counsellor_does_not_see_ocmw_only_client_data(client, counsellor, scene, url_name):
    client.force_login(counsellor)
    gent_client = scene["client"]

    response = client.get(reverse(f"referrals:{url_name}", args=[scene["referral"].pk]))
    assert response.status_code == 200
    html = response.content.decode()

    assert gent_client.notes not in html
    assert gent_client.street not in html
    for label in ocmw_only_labels():
        assert f">{label}<" not in html
    assert reverse("referrals:client_detail", args=[gent_client.pk]) not in html
    # What VDAB does need is there.
    assert gent_client.insz in html
    assert gent_client.last_name in html


def test_caseworker_sees_the_whole_client_file_on_the_referral(client, caseworker, scene):
    client.force_login(caseworker)
    gent_client = scene["client"]

    response = client.get(reverse("referrals:referral_detail", args=[scene["referral"].pk]))
    assert response.status_code == 200
    html = response.content.decode()

    assert gent_client.notes in html
    assert gent_client.street in html
    for label in ocmw_only_labels():
        assert f">{label}<" in html


def test_printed_agreement_holds_only_what_vdab_may_see_even_for_the_caseworker(
    client, caseworker, scene
):
    """The caseworker prints the agreement to hand it to VDAB: no OCMW-only data on it."""
    client.force_login(caseworker)
    gent_client = scene["client"]

    response = client.get(reverse("referrals:referral_agreement", args=[scene["referral"].pk]))

    html = response.content.decode()
    assert gent_client.notes not in html
    assert gent_client.street not in html
    for label in ocmw_only_labels():
        assert f">{label}<" not in html
    assert gent_client.insz in html


@pytest.mark.parametrize("url_name", ["referral_detail", "referral_agreement"])
def test_counsellor_sees_only_name_and_municipality_without_consent(
    client, counsellor, scene, url_name
):
    gent_client = scene["client"]
    Client.objects.filter(pk=gent_client.pk).update(consent_vdab=False, consent_date=None)
    client.force_login(counsellor)

    response = client.get(reverse(f"referrals:{url_name}", args=[scene["referral"].pk]))

    html = response.content.decode()
    assert gent_client.last_name in html
    assert gent_client.insz not in html
    assert gent_client.vdab_client_number not in html


# 61110309707 is a valid INSZ (born 3 November 1961) that Python also reads as an ISO
# datetime (6111-03-09 07:00); about 3 in 100 national numbers are like that.
DATE_LIKE_INSZ = "61110309707"


@pytest.mark.parametrize(
    ("actor", "url_name"),
    [
        ("caseworker", "client_detail"),
        ("caseworker", "referral_detail"),
        ("caseworker", "referral_agreement"),
        ("counsellor", "referral_detail"),
        ("counsellor", "referral_agreement"),
    ],
)
def test_pages_show_the_national_number_as_it_is(
    client, request, gent_client, walk, actor, url_name
):
    Client.objects.filter(pk=gent_client.pk).update(insz=DATE_LIKE_INSZ)
    referral = walk(State.AGREED)
    client.force_login(request.getfixturevalue(actor))
    pk = gent_client.pk if url_name == "client_detail" else referral.pk

    response = client.get(reverse(f"referrals:{url_name}", args=[pk]))

    assert response.status_code == 200
    html = response.content.decode()
    shown = re.search(r"\(INSZ\)</dt>\s*<dd[^>]*>([^<]*)</dd>", html)
    assert shown is not None
    assert shown.group(1) == DATE_LIKE_INSZ


# --- no personal data in URLs -------------------------------------------------------------


def test_client_search_is_a_post_and_a_search_in_the_url_is_ignored(
    client, caseworker, gent_client, ocmw_gent
):
    other = ClientFactory(ocmw=ocmw_gent, first_name="Jonas", last_name="Vermeulen")
    client.force_login(caseworker)
    url = reverse("referrals:client_list")

    by_get = client.get(url, {"q": gent_client.last_name})
    by_post = client.post(url, {"q": gent_client.last_name})

    assert by_get.status_code == 200
    assert set(by_get.context["page"]) == {gent_client, other}
    assert by_post.status_code == 200
    assert list(by_post.context["page"]) == [gent_client]
    # The search form itself posts.
    assert 'method="post" class="row g-2 align-items-end mb-3" role="search"' in (
        by_get.content.decode()
    )


def test_client_search_finds_by_national_number_and_vdab_number(client, caseworker, gent_client):
    client.force_login(caseworker)
    url = reverse("referrals:client_list")
    formatted = f"{gent_client.insz[:2]}.{gent_client.insz[2:4]}.{gent_client.insz[4:6]}"

    for q in [gent_client.insz, formatted, gent_client.vdab_client_number]:
        assert list(client.post(url, {"q": q}).context["page"]) == [gent_client], q


def test_the_apps_urls_take_only_integer_pks():
    patterns = [p for p in referral_urls.urlpatterns if isinstance(p, URLPattern)]
    assert patterns

    for pattern in patterns:
        converters = pattern.pattern.converters
        for name, converter in converters.items():
            if pattern.name == "referral_step" and name == "name":
                # The step's name (a fixed word from STEPS), never a value.
                assert isinstance(converter, SlugConverter)
            elif pattern.name == "report_export":
                # A table's name and a file format: fixed words, never a value.
                assert (name, type(converter)) in {
                    ("table", SlugConverter),
                    ("fmt", StringConverter),
                }
            else:
                assert (name, type(converter)) == ("pk", IntConverter), pattern.name


def test_links_and_form_actions_carry_no_personal_data(client, caseworker, counsellor, scene):
    gent_client = scene["client"]
    referral = scene["referral"]
    personal = [
        gent_client.insz,
        gent_client.first_name.lower(),
        gent_client.last_name.lower(),
        gent_client.vdab_client_number.lower(),
    ]
    pages = {
        caseworker: [
            reverse("referrals:dashboard"),
            reverse("referrals:client_list"),
            reverse("referrals:client_detail", args=[gent_client.pk]),
            reverse("referrals:referral_list"),
            reverse("referrals:referral_detail", args=[referral.pk]),
        ],
        counsellor: [
            reverse("referrals:dashboard"),
            reverse("referrals:referral_list"),
            reverse("referrals:referral_detail", args=[referral.pk]),
        ],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            html = client.get(url).content.decode()
            targets = re.findall(r'(?:href|action)="([^"]*)"', html)
            assert targets, url
            for target in targets:
                assert not any(value in target.lower() for value in personal), (url, target)


# --- the steps a page offers ----------------------------------------------------------------

# DOMAIN.md's "who acts", per state: the step forms each side finds on the referral page.
OFFERED = {
    State.INFORMED: ({"apply", "withdraw"}, {"apply", "withdraw"}),
    State.CANDIDATE: ({"agree", "decline", "withdraw"}, {"withdraw"}),
    State.AGREED: ({"withdraw"}, {"plan_intake", "withdraw"}),
    State.DECLINED: (set(), set()),
    State.INTAKE_PLANNED: ({"withdraw"}, {"admit", "reject", "withdraw"}),
    State.ADMITTED: ({"withdraw"}, {"start", "withdraw"}),
    State.NOT_ADMITTED: ({"close"}, {"close"}),
    State.IN_TRAINING: (set(), {"end"}),
    State.ENDED: ({"close"}, {"close"}),
    State.CLOSED: (set(), set()),
    State.WITHDRAWN: (set(), set()),
}


@pytest.mark.parametrize(
    ("state", "actor", "expected"),
    [
        pytest.param(state, actor, offered[side], id=f"{state}-{actor}")
        for state, offered in OFFERED.items()
        for side, actor in enumerate(["caseworker", "counsellor"])
    ],
)
def test_referral_page_offers_only_the_steps_this_user_may_take_now(
    client, request, walk, state, actor, expected
):
    referral = walk(state)
    client.force_login(request.getfixturevalue(actor))

    response = client.get(reverse("referrals:referral_detail", args=[referral.pk]))

    assert response.status_code == 200
    assert step_actions(response) == expected


@pytest.mark.parametrize(
    ("setup", "guard"),
    [
        pytest.param(
            lambda c: Client.objects.filter(pk=c.pk).update(consent_vdab=False, consent_date=None),
            client_consented,
            id="no-consent",
        ),
        pytest.param(
            lambda c: TemporaryWorkExperienceFactory(client=c),
            no_active_temporary_work_experience,
            id="active-temporary-work-experience",
        ),
    ],
)
def test_blocked_agree_shows_the_guards_reason_and_no_form(
    client, caseworker, gent_client, walk, setup, guard
):
    referral = walk(State.CANDIDATE)
    setup(gent_client)
    client.force_login(caseworker)

    response = client.get(reverse("referrals:referral_detail", args=[referral.pk]))

    assert response.status_code == 200
    assert "agree" not in step_actions(response)
    assert {"decline", "withdraw"} <= step_actions(response)
    assert escape(in_ui_language(lambda: guard.message)) in response.content.decode()
    agree_label = escape(in_ui_language(lambda: STEPS["agree"].label))
    assert f"“{agree_label}”" in response.content.decode()
