"""`get_FOO_display()` of the models that show many rows' labels (`models.choices`): the
label Django's own gives, in each language, translating only that label."""

from unittest import mock

import pytest
from django.db import models
from django.utils import translation

from notifications.models import Kind, Notification
from referrals.models import Referral, ReferralEvent
from webhooks.models import Delivery

# Delivery: its name (`__str__`, each row's checkbox label in the admin's list) says its kind,
# one of 22 labels that Django's own translated each time: 100 rows, 2,200 translations.
MODELS = [Referral, ReferralEvent, Notification, Delivery]
CHOICE_FIELDS = [
    (model, field) for model in MODELS for field in model._meta.concrete_fields if field.choices
]


def djangos_own(instance, field):
    return models.Model._get_FIELD_display(instance, field)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("model", "field"), CHOICE_FIELDS, ids=[f"{m.__name__}.{f.name}" for m, f in CHOICE_FIELDS]
)
def test_every_value_shows_the_label_djangos_own_shows(model, field, language):
    values = [value for value, _label in field.flatchoices]
    with translation.override(language):
        for value in [*values, "no such value", "", None]:
            instance = model(**{field.attname: value})
            shown = getattr(instance, f"get_{field.name}_display")()
            assert shown == djangos_own(instance, field)
            assert type(shown) is type(djangos_own(instance, field))


def test_a_label_is_shown_in_the_language_active_then():
    message = Notification(kind=Kind.WARM_HANDOVER)
    with translation.override("nl"):
        dutch = message.get_kind_display()
    with translation.override("en"):
        english = message.get_kind_display()
    assert (dutch, english) == (
        "Warme overdracht na het formeel akkoord",
        "Warm handover after the formal agreement",
    )


def test_only_the_label_shown_is_translated():
    message = Notification(kind=Kind.WARM_HANDOVER)
    field = Notification._meta.get_field("kind")
    assert len(field.flatchoices) > 20
    translate = translation._trans.gettext
    with (
        translation.override("nl"),
        mock.patch.object(translation._trans, "gettext", wraps=translate) as translated,
    ):
        message.get_kind_display()
        assert translated.call_count == 1
        djangos_own(message, field)
        assert translated.call_count > len(field.flatchoices)  # what it saves


@pytest.mark.parametrize(
    ("model", "field"), CHOICE_FIELDS, ids=[f"{m.__name__}.{f.name}" for m, f in CHOICE_FIELDS]
)
def test_every_choice_field_of_these_models_translates_one_label(model, field):
    value = field.flatchoices[-1][0]
    instance = model(**{field.attname: value})
    translate = translation._trans.gettext
    with (
        translation.override("nl"),
        mock.patch.object(translation._trans, "gettext", wraps=translate) as translated,
    ):
        getattr(instance, f"get_{field.name}_display")()
    assert translated.call_count <= 1


def test_a_value_that_cannot_be_a_key_is_left_to_django():
    event = ReferralEvent(to_state=["agreed"])
    shown = event.get_to_state_display()
    assert shown == djangos_own(event, ReferralEvent._meta.get_field("to_state"))
    assert shown == "['agreed']"
