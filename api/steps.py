"""The referral's steps through the API: the same table (`referrals.steps.STEPS`), forms
and services as the referral page, so a step is checked and recorded exactly alike.

A step's body is its form's fields as JSON; each step gets a serializer built from its
form for the OpenAPI schema only: the form itself validates, so the two cannot disagree on
what is accepted. The web page's "I understand this cannot be undone" box is the page's
own: a system that posts a step means it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from referrals.enums import State
from referrals.steps import STEPS, Step

# The page's fields the API fills in itself.
PAGE_ONLY = {"confirmed"}

STATE_HELP = _(
    "The state you last read the referral in. When given and the referral moved on since, "
    "the step is refused with 409 (code “changed”) instead of taken."
)


def json_object(data, form_class: type[forms.BaseForm]) -> dict:
    """A JSON body as `form_class` reads a posted form: an object whose values are single
    values (a list only for a field of several choices), each as the text a browser would
    post; nulls left out, as a form's empty fields. Anything else is a 400 saying where."""
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": [_("Send the fields as a JSON object.")]}
        )
    values, errors = {}, {}
    for name, value in data.items():
        field = form_class.base_fields.get(name)
        if value is None or field is None:  # unknown fields are ignored, as a form does
            continue
        several = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
        if several and isinstance(value, list) and all(map(_is_single, value)):
            values[name] = [_as_posted(item) for item in value]
        elif not several and _is_single(value):
            values[name] = _as_posted(value)
        else:
            errors[name] = [_("Send a list of values.") if several else _("Send a single value.")]
    if errors:
        raise serializers.ValidationError(errors)
    return values


def _is_single(value) -> bool:
    return isinstance(value, str | int | float | bool)


def _as_posted(value) -> str:
    """What a browser would post: JSON's true and false as a checkbox's "true"/"false"."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def form_data(step: Step, referral, data) -> dict:
    """What the step's form reads: the JSON body as given, with the page-only fields."""
    values = json_object(data, step.form)
    values.setdefault("state", referral.state)
    return {**values, **{name: True for name in PAGE_ONLY if name in step.form.base_fields}}


def field_errors(form: forms.Form) -> dict:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(error) for error in errors]
        for name, errors in form.errors.items()
    }


def _schema_field(field: forms.Field) -> serializers.Field:
    common = {
        "required": field.required,
        "help_text": " ".join(str(text) for text in (field.label, field.help_text) if text),
    }
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=True, **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=not field.required, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not field.required, **common)
    if isinstance(field, forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=not field.required, **common)
    return serializers.CharField(
        max_length=getattr(field, "max_length", None),
        allow_blank=not field.required,
        **common,
    )


def body_serializer(step: Step) -> type[serializers.Serializer]:
    """The step's JSON body, for the schema (`StepAgreeBody`, ...)."""
    fields = {
        name: _schema_field(field)
        for name, field in step.form.base_fields.items()
        if name not in PAGE_ONLY
    }
    fields["state"] = serializers.ChoiceField(
        choices=State.choices, required=False, help_text=STATE_HELP
    )
    name = "Step" + "".join(part.title() for part in step.name.split("_")) + "Body"
    return type(name, (serializers.Serializer,), fields)


BODIES = {name: body_serializer(step) for name, step in STEPS.items()}
