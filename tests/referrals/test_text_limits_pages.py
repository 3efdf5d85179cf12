"""The limits on the pages and in Django admin: a text box says its limit (`maxlength`, so
the browser stops there too); a text one character over it comes back as a field error in
the user's language, "at most N characters (it has M)", and nothing changes; a text at the
limit is taken."""

import pytest
from django.contrib import admin
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

from referrals.enums import State
from referrals.models import Client, GuidanceNote, Referral, Training
from referrals.textlimits import NOTE, REASON, SCREENING
from tests.referrals.conftest import (
    bound_step_form,
    client_post_data,
    current_state,
    in_ui_language,
    step_post_data,
)

pytestmark = pytest.mark.django_db


def max_length_message(limit: int) -> str:
    """Django's own message, as the page shows it (nl-be)."""
    return in_ui_language(
        lambda: MaxLengthValidator.message % {"limit_value": limit, "show_value": limit + 1}
    )


def test_the_message_says_the_limit_and_the_length():
    assert "2000" in max_length_message(2000)
    assert "2001" in max_length_message(2000)


# --- the steps -------------------------------------------------------------------------------

SCREENING_FIELDS = ("motivation", "preconditions", "path_fit", "learning_ability")

# step: (state it starts from, who takes it, {form field: limit})
STEP_TEXTS = {
    "agree": (State.CANDIDATE, "caseworker", {"handover_notes": NOTE}),
    "decline": (State.CANDIDATE, "caseworker", {"reason": REASON}),
    "withdraw": (State.AGREED, "caseworker", {"reason": REASON}),
    "admit": (
        State.INTAKE_PLANNED,
        "counsellor",
        dict.fromkeys(SCREENING_FIELDS, SCREENING),
    ),
    "reject": (
        State.INTAKE_PLANNED,
        "counsellor",
        {"reason": REASON, **dict.fromkeys(SCREENING_FIELDS, SCREENING)},
    ),
}
STEP_CASES = {
    f"{step}-{field}": (step, state, actor, field, limit)
    for step, (state, actor, fields) in STEP_TEXTS.items()
    for field, limit in fields.items()
}
step_cases = pytest.mark.parametrize(
    ("step", "state", "actor", "field", "limit"), STEP_CASES.values(), ids=STEP_CASES.keys()
)


def post_step(http, referral, step, field, text):
    url = reverse("referrals:referral_step", args=[referral.pk, step])
    return http.post(url, step_post_data(step, referral, **{field: text}))


@step_cases
def test_a_step_refuses_a_text_one_character_over_its_limit(
    client, request, walk, step, state, actor, field, limit
):
    referral = walk(state)
    client.force_login(request.getfixturevalue(actor))

    response = post_step(client, referral, step, field, "x" * (limit + 1))

    assert response.status_code == 400
    assert bound_step_form(response, step).errors[field] == [max_length_message(limit)]
    assert max_length_message(limit) in response.content.decode()
    assert current_state(referral) == state


@step_cases
def test_a_step_takes_a_text_at_its_limit(client, request, walk, step, state, actor, field, limit):
    referral = walk(state)
    client.force_login(request.getfixturevalue(actor))

    response = post_step(client, referral, step, field, "x" * limit)

    assert response.status_code == 302
    assert current_state(referral) != state


@pytest.mark.parametrize("step", ["decline", "withdraw"])
def test_line_breaks_count_as_the_browser_counts_them(client, caseworker, walk, step):
    """A browser counts a line break as one character against `maxlength` and sends two."""
    state, _actor, _fields = STEP_TEXTS[step]
    referral = walk(state)
    client.force_login(caseworker)
    lines = ["x" * 9] * (REASON // 10)  # as typed: REASON characters with the line breaks

    response = post_step(client, referral, step, "reason", "\r\n".join(lines))

    assert response.status_code == 302
    stored = Referral.objects.get(pk=referral.pk)
    assert getattr(stored, f"{step}_reason") == "\n".join(lines)


@step_cases
def test_a_steps_text_box_says_its_limit(client, request, walk, step, state, actor, field, limit):
    referral = walk(state)
    client.force_login(request.getfixturevalue(actor))

    response = client.get(referral.get_absolute_url())

    form = dict((s.name, f) for s, f in response.context["steps"])[step]
    assert f'maxlength="{limit}"' in str(form[field])


# --- guidance notes and clients --------------------------------------------------------------


@pytest.mark.parametrize(("extra", "status", "notes"), [(1, 400, 0), (0, 302, 1)])
def test_a_guidance_note_is_refused_over_its_limit_and_taken_at_it(
    client, counsellor, walk, extra, status, notes
):
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)
    text = "x" * (NOTE + extra)

    response = client.post(
        reverse("referrals:referral_note_add", args=[referral.pk]),
        {"written_on": referral.start_date.isoformat(), "topic": "progress", "note": text},
    )

    assert response.status_code == status
    if extra:
        assert response.context["note_form"].errors["note"] == [max_length_message(NOTE)]
    assert GuidanceNote.objects.count() == notes


@pytest.mark.parametrize(("extra", "status", "saved"), [(1, 200, False), (0, 302, True)])
def test_a_clients_notes_are_refused_over_their_limit_and_taken_at_it(
    client, caseworker, extra, status, saved
):
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:client_create"), client_post_data(notes="x" * (NOTE + extra))
    )

    assert response.status_code == status
    if extra:
        assert response.context["form"].errors["notes"] == [max_length_message(NOTE)]
    assert Client.objects.exists() is saved


def test_a_clients_notes_box_says_its_limit(client, caseworker):
    client.force_login(caseworker)

    response = client.get(reverse("referrals:client_create"))

    assert f'maxlength="{NOTE}"' in str(response.context["form"]["notes"])


# --- Django admin ----------------------------------------------------------------------------


def admin_form(rf, administrator, model, data):
    request = rf.post("/")
    request.user = administrator
    return admin.site.get_model_admin(model).get_form(request)(data)


def training_data(**overrides):
    return {
        "title": "Lasser",
        "okot_type": "TKO",
        "mode": "school",
        "institution": "CVO",
        "location": "Gent",
        "province": "oost_vlaanderen",
        "duration_months": "12",
        "active": "on",
        **overrides,
    }


@pytest.mark.parametrize(
    ("model", "field", "data"),
    [
        pytest.param(Training, "description", training_data, id="training-description"),
        pytest.param(Client, "notes", client_post_data, id="client-notes"),
    ],
)
def test_the_admin_refuses_a_text_one_character_over_its_limit(
    rf, administrator, ocmw_gent, model, field, data
):
    over = admin_form(
        rf, administrator, model, data(**{field: "x" * (NOTE + 1), "ocmw": ocmw_gent.pk})
    )
    at = admin_form(rf, administrator, model, data(**{field: "x" * NOTE, "ocmw": ocmw_gent.pk}))

    as_typed = admin_form(
        rf, administrator, model, data(**{field: "x\r\n" * (NOTE // 2), "ocmw": ocmw_gent.pk})
    )

    assert over.errors[field] == [max_length_message(NOTE)]
    assert f'maxlength="{NOTE}"' in str(over[field])
    assert at.is_valid(), at.errors
    assert as_typed.is_valid(), as_typed.errors  # line breaks count as the browser counts them


def test_the_admin_has_no_form_for_the_referrals_texts():
    """The referral's texts are read-only in admin: they change only through the steps,
    whose forms the tests above cover."""
    model_admin = admin.site.get_model_admin(Referral)
    readonly = set(model_admin.get_readonly_fields(None))
    texts = {f.name for f in Referral._meta.get_fields() if isinstance(f, models.TextField)}
    assert texts <= readonly
