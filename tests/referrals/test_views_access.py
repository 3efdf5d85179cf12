"""What is not yours is a 404: every page and every POST, for everyone who is not on either
side of the referral; an anonymous user is sent to log in, lists show only what is yours,
and a referral page offers each side only the steps it may take now."""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from referrals.enums import State
from referrals.models import Client, GuidanceNote, OutcomeCheck, Referral
from referrals.models.guards import client_consented, no_active_temporary_work_experience
from referrals.steps import STEPS
from tests.accounts.factories import CounsellorFactory, VdabOrganisationFactory
from tests.referrals.conftest import client_post_data, in_ui_language, step_actions, step_post_data
from tests.referrals.factories import TemporaryWorkExperienceFactory

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


def test_the_network_manager_has_no_referral_list_and_a_dashboard_without_names(
    client, network_manager, scene
):
    client.force_login(network_manager)

    assert client.get(reverse("referrals:referral_list")).status_code == 403
    dashboard = client.get(reverse("referrals:dashboard"))
    assert dashboard.status_code == 200
    assert escape(str(scene["client"])) not in dashboard.content.decode()


def test_client_list_shows_only_your_ocmws_clients(client, caseworker_of_other_ocmw, scene):
    client.force_login(caseworker_of_other_ocmw)

    for response in [
        client.get(reverse("referrals:client_list")),
        client.post(reverse("referrals:client_list"), {"q": scene["client"].last_name}),
    ]:
        assert response.status_code == 200
        assert list(response.context["page"]) == []
        assert scene["client"].get_absolute_url() not in response.content.decode()


# --- the steps a page offers ----------------------------------------------------------------

# DOMAIN.md's "who acts", per state: the step forms each side finds on the referral page;
# None: VDAB has no page before the formal agreement (walked to withdrawn from candidate).
OFFERED = {
    State.INFORMED: ({"apply", "withdraw"}, None),
    State.CANDIDATE: ({"agree", "decline", "withdraw"}, None),
    State.AGREED: ({"withdraw"}, {"plan_intake", "withdraw"}),
    State.DECLINED: (set(), None),
    State.INTAKE_PLANNED: ({"withdraw"}, {"admit", "reject", "withdraw"}),
    State.ADMITTED: ({"withdraw"}, {"start", "withdraw"}),
    State.NOT_ADMITTED: ({"close"}, {"close"}),
    State.IN_TRAINING: (set(), {"end"}),
    State.ENDED: ({"close"}, {"close"}),
    State.CLOSED: (set(), set()),
    State.WITHDRAWN: (set(), None),
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

    if expected is None:
        assert response.status_code == 404
        return
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
    # The guard's message, worded for the referral (the work experience it meets).
    assert escape(in_ui_language(lambda: guard.explain(referral))) in response.content.decode()
    agree_label = escape(in_ui_language(lambda: STEPS["agree"].label))
    assert f"“{agree_label}”" in response.content.decode()
