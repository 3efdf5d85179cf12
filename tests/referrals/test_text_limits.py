"""Every text people write has a limit (referrals.textlimits): the model field's max_length,
kept by the services with Django's message and by the database, which refuses a longer text
saved around every form and service (a CheckConstraint on each TextField's length, on SQLite
and PostgreSQL alike).

The fields are found by walking the models, so a new text field without a limit, or a
TextField whose limit the database does not check, fails here."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from referrals import services
from referrals.enums import GuidanceTopic, State
from referrals.models import Client, GuidanceNote, Interruption, Referral, ReferralEvent, Training
from referrals.textlimits import NOTE, REASON, SCREENING
from tests.accounts.factories import UserFactory
from tests.referrals import factories
from tests.referrals.factories import (
    ClientFactory,
    ReferralFactory,
    TrainingFactory,
    make_insz,
    take_step,
)
from tests.referrals.refusals import assert_nothing_changed, history

APPS = ("accounts", "referrals", "notifications")

# Text the app writes itself, never a person: rendered from bounded fields and templates, or
# cut to length where it is written (notifications.delivery keeps 2,000 characters of an error).
WRITTEN_BY_THE_APP = {
    "notifications.Notification.body",
    "notifications.Notification.body_html",
    "notifications.Notification.last_error",
}


def text_fields():
    """Every CharField and TextField of the project's models, with its model and label."""
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.CharField | models.TextField):
                    yield model, field, f"{model._meta.label}.{field.name}"


def checks_its_length(model, field) -> bool:
    expected = LessThanOrEqual(Length(field.name), field.max_length)
    return any(
        isinstance(constraint, models.CheckConstraint) and constraint.condition == expected
        for constraint in model._meta.constraints
    )


BOUNDED_TEXT_FIELDS = {
    label: (model, field)
    for model, field, label in text_fields()
    if isinstance(field, models.TextField) and label not in WRITTEN_BY_THE_APP
}


# --- the guard -------------------------------------------------------------------------------


def test_every_text_field_has_a_limit():
    unbounded = [
        label
        for _model, field, label in text_fields()
        if field.max_length is None and label not in WRITTEN_BY_THE_APP
    ]
    assert unbounded == []


def test_the_database_checks_every_textfields_limit():
    """A CharField is a varchar(n), which PostgreSQL keeps; a TextField has no length in SQL."""
    unchecked = [
        label
        for label, (model, field) in BOUNDED_TEXT_FIELDS.items()
        if not checks_its_length(model, field)
    ]
    assert unchecked == []


def test_the_walk_finds_the_long_texts():
    """The walk sees the fields of the finding (or the tests above prove nothing)."""
    assert {
        "referrals.Referral.decline_reason": REASON,
        "referrals.Referral.withdraw_reason": REASON,
        "referrals.Referral.reject_reason": REASON,
        "referrals.Referral.screening_motivation": SCREENING,
        "referrals.Referral.handover_notes": NOTE,
        "referrals.GuidanceNote.note": NOTE,
        "referrals.Client.notes": NOTE,
        "referrals.Training.description": NOTE,
        "referrals.ReferralEvent.reason": REASON,
    }.items() <= {
        label: field.max_length for label, (_m, field) in BOUNDED_TEXT_FIELDS.items()
    }.items()


# --- the database ----------------------------------------------------------------------------

# A row of each model with a bounded TextField, saved straight to the table with `text` in
# `field`: no form, no service.
SAVE_STRAIGHT = {
    Client: lambda field, text: ClientFactory(**{field: text}),
    Training: lambda field, text: TrainingFactory(**{field: text}),
    Referral: lambda field, text: ReferralFactory(**{field: text}),
    GuidanceNote: lambda field, text: GuidanceNote.objects.create(
        referral=ReferralFactory(), author=UserFactory(), topic=GuidanceTopic.OTHER, note=text
    ),
    Interruption: lambda field, text: Interruption.objects.create(
        referral=ReferralFactory(), reason="illness", from_date="2026-01-05", note=text
    ),
    ReferralEvent: lambda field, text: ReferralEvent.objects.create(
        referral=ReferralFactory(), transition="import", to_state=State.INFORMED, reason=text
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("label", BOUNDED_TEXT_FIELDS)
def test_the_database_refuses_one_character_over_the_limit(label):
    model, field = BOUNDED_TEXT_FIELDS[label]
    with pytest.raises(IntegrityError), transaction.atomic():
        SAVE_STRAIGHT[model](field.name, "x" * (field.max_length + 1))


@pytest.mark.django_db
@pytest.mark.parametrize("label", BOUNDED_TEXT_FIELDS)
def test_the_database_takes_a_text_at_the_limit(label):
    model, field = BOUNDED_TEXT_FIELDS[label]
    row = SAVE_STRAIGHT[model](field.name, "é" * field.max_length)  # characters, not bytes
    assert len(getattr(model.objects.get(pk=row.pk), field.name)) == field.max_length


# --- the services ----------------------------------------------------------------------------


def too_long(limit: int) -> str:
    return "x" * (limit + 1)


def max_length_message(limit: int) -> str:
    return f"Ensure this value has at most {limit} characters (it has {limit + 1})."


SCREENING_KEYS = ("motivation", "preconditions", "path_fit", "learning_ability")

# step: (state it starts from, who takes it, {argument: (value, the error's key, limit)})
STEP_TEXTS = {
    "agree": (
        State.CANDIDATE,
        "caseworker",
        {
            "handover_notes": (too_long(NOTE), "handover_notes", NOTE),
            "caseworker_phone": (too_long(30), "caseworker_phone", 30),
        },
    ),
    "decline": (State.CANDIDATE, "caseworker", {"reason": (too_long(REASON), "reason", REASON)}),
    "withdraw": (State.AGREED, "caseworker", {"reason": (too_long(REASON), "reason", REASON)}),
    "plan_intake": (State.AGREED, "counsellor", {"place": (too_long(200), "place", 200)}),
    "admit": (
        State.INTAKE_PLANNED,
        "counsellor",
        {
            "probable_location": (too_long(200), "probable_location", 200),
            **{f"screening.{key}": (too_long(SCREENING), key, SCREENING) for key in SCREENING_KEYS},
        },
    ),
    "reject": (
        State.INTAKE_PLANNED,
        "counsellor",
        {
            "reason": (too_long(REASON), "reason", REASON),
            **{f"screening.{key}": (too_long(SCREENING), key, SCREENING) for key in SCREENING_KEYS},
        },
    ),
}
STEP_CASES = {
    f"{step}-{argument}": (step, state, actor, argument, *case)
    for step, (state, actor, arguments) in STEP_TEXTS.items()
    for argument, case in arguments.items()
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "state", "actor", "argument", "text", "key", "limit"),
    STEP_CASES.values(),
    ids=STEP_CASES.keys(),
)
def test_a_step_refuses_a_text_over_its_limit_with_djangos_message(
    request, walk, in_english, step, state, actor, argument, text, key, limit
):
    referral = walk(state)
    events = history(referral)
    if argument.startswith("screening."):
        overrides = {"screening": {**factories.SCREENING, key: text}}
    else:
        overrides = {argument: text}

    with pytest.raises(ValidationError) as refused:
        take_step(step, referral, request.getfixturevalue(actor), **overrides)

    assert refused.value.message_dict == {key: [max_length_message(limit)]}
    assert_nothing_changed(referral, state, events)


@pytest.mark.django_db
def test_a_guidance_note_over_its_limit_is_refused(walk, counsellor, in_english):
    referral = walk(State.IN_TRAINING)

    with pytest.raises(ValidationError) as refused:
        services.guidance_note_add(
            referral=referral,
            user=counsellor,
            topic=GuidanceTopic.PROGRESS,
            note=too_long(NOTE),
            written_on=referral.start_date,
        )

    assert refused.value.message_dict == {"note": [max_length_message(NOTE)]}
    assert not GuidanceNote.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["first_name", "last_name"])
def test_a_candidacy_with_a_name_over_its_limit_is_refused(
    counsellor, ocmw_gent, training, in_english, name
):
    names = {"first_name": "Jonas", "last_name": "De Smet", name: too_long(100)}

    with pytest.raises(ValidationError) as refused:
        services.referral_register_candidacy(
            user=counsellor,
            ocmw=ocmw_gent,
            insz=make_insz(datetime.date(1985, 7, 30), 33),
            training=training,
            **names,
        )

    assert refused.value.message_dict == {name: [max_length_message(100)]}
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_the_history_keeps_the_reason_as_the_step_kept_it(walk, caseworker):
    """Stripped, as on the referral: the history's copy fits wherever the referral's does."""
    referral = walk(State.CANDIDATE)
    reason = "x" * REASON

    event = take_step("decline", referral, caseworker, reason=f"  {reason}\n\n")

    assert event.reason == reason == Referral.objects.get(pk=referral.pk).decline_reason
