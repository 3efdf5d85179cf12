"""The referral page as a whole: unique ids for its many forms, and steps that stay
possible when reference data changes."""

import re
from collections import Counter

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from referrals.enums import State
from referrals.models import EntryCondition, Referral
from referrals.presenters import state_label
from tests.referrals.conftest import current_state, step_post_data


@pytest.mark.parametrize(
    ("state", "actor"),
    [
        (State.CANDIDATE, "caseworker"),
        (State.INTAKE_PLANNED, "counsellor"),
        (State.IN_TRAINING, "counsellor"),
        (State.ENDED, "caseworker"),
    ],
)
def test_every_element_id_on_the_referral_page_is_unique(client, request, walk, state, actor):
    """Labels and error descriptions point at the field of their own form (WCAG 4.1.1)."""
    referral = walk(state)
    client.force_login(request.getfixturevalue(actor))

    html = client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()

    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    assert len(re.findall(r"<form ", html)) >= 2  # several forms share the page


def test_the_caseworker_can_agree_when_no_entry_condition_applies(client, caseworker, walk):
    """Conditions are data: with none active, the checklist is empty, not a dead end."""
    referral = walk(State.CANDIDATE)
    EntryCondition.objects.update(active=False)
    client.force_login(caseworker)
    data = step_post_data("agree", referral, checked_conditions=[])

    response = client.post(reverse("referrals:referral_step", args=[referral.pk, "agree"]), data)

    assert response.status_code == 302
    assert current_state(referral) == State.AGREED


# Blue while the referral moves on, green in training, dark once the training ended, grey
# when it stopped before.
BADGE_COLOURS = {
    State.IN_TRAINING: "success",
    State.ENDED: "dark",
    State.CLOSED: "dark",
    State.DECLINED: "secondary",
    State.NOT_ADMITTED: "secondary",
    State.WITHDRAWN: "secondary",
}


@pytest.mark.parametrize("state", State)
def test_every_state_has_its_badge(state):
    """A state without a colour fails here rather than renders wrong."""
    with translation.override("en"):
        html = Template("{% load states %}{% state_badge referral %}").render(
            Context({"referral": Referral(state=state)})
        )

        assert html == (
            f'<span class="badge text-bg-{BADGE_COLOURS.get(state, "primary")} state-badge">'
            f"{escape(state.label)}</span>"
        )


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("state", State)
def test_a_states_label_is_the_fields_display_in_the_language_shown(state, language):
    """`presenters.state_label` (the badges and the list's download) names each state as
    `get_state_display` does, in the language of the moment, not of when it was read."""
    with translation.override(language):
        assert state_label(state) == Referral(state=state).get_state_display()


def test_a_state_without_a_label_is_shown_as_stored():
    assert state_label("no-such-state") == Referral(state="no-such-state").get_state_display()
