"""The editable columns of the admin's lists write their inputs, and a field's errors where
it has none, without rendering Django's templates for each (`admin_paging.InputsRenderer`):
the same HTML as the project's own renderer."""

import datetime

import pytest
from django import forms
from django.forms import widgets
from django.forms.renderers import get_default_renderer
from django.forms.utils import ErrorList
from django.urls import reverse

from accounts.admin_paging import INPUT_TEMPLATES, DirectInputsMixin, InputsRenderer
from referrals.models import Training
from tests.accounts.test_admin_names import EDITABLE_LISTS
from tests.referrals.factories import TrainingFactory

ODD = 'Lasser "A&B" <Gent>'

WIDGETS = [
    (forms.CheckboxInput(attrs={"aria-label": f"Active of {ODD}"}), True),
    (forms.CheckboxInput(attrs={"aria-label": f"Active of {ODD}"}), False),
    (forms.CheckboxInput(attrs={"disabled": True, "data-x": False}), "on"),
    (forms.HiddenInput(), 7),
    (forms.HiddenInput(), ODD),
    (forms.HiddenInput(), None),
    (forms.TextInput(attrs={"required": True, "maxlength": 200, "class": "vTextField"}), ODD),
    (forms.TextInput(), ""),
    (forms.NumberInput(attrs={"min": 0, "step": "any"}), 3.5),
    (forms.EmailInput(), "an@example.be"),
    (widgets.Input(attrs={"type": "search"}), ODD),
    (forms.URLInput(), "https://example.be/?a=1&b=<2>"),
    (forms.DateInput(), datetime.date(2026, 12, 7)),
]


@pytest.mark.parametrize(
    ("widget", "value"), WIDGETS, ids=[f"{type(w).__name__}-{v!r}" for w, v in WIDGETS]
)
def test_an_input_is_the_html_the_templates_render(widget, value):
    direct = widget.render("form-0-active", value, renderer=InputsRenderer())
    rendered = widget.render("form-0-active", value, renderer=get_default_renderer())
    assert direct == rendered


def test_every_template_it_writes_is_held_to_the_templates_above():
    """A template among them overridden in the project's `templates/` breaks that test;
    the date's, which it leaves to the templates, is there too."""
    assert {widget.template_name for widget, _value in WIDGETS} == {
        *INPUT_TEMPLATES,
        "django/forms/widgets/date.html",
    }


@pytest.mark.parametrize("errors", [[], ["Vereist <veld>", "Te lang"]], ids=len)
def test_a_fields_errors_are_those_the_templates_render(errors):
    direct = ErrorList(errors, renderer=InputsRenderer())
    rendered = ErrorList(errors, renderer=get_default_renderer())
    assert str(direct) == str(rendered)
    assert (str(direct) == "") == (not errors)


@pytest.mark.parametrize("model_admin", EDITABLE_LISTS, ids=str)
def test_each_list_with_editable_columns_writes_their_inputs(model_admin):
    assert isinstance(model_admin, DirectInputsMixin)


@pytest.mark.django_db
def test_the_trainings_list_shows_each_rows_checkbox_and_key_and_saves_them(admin_client):
    lasser = TrainingFactory(title="Lasser", active=True)
    url = reverse("admin:referrals_training_changelist")

    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert type(page.context["cl"].formset.forms[0].renderer) is InputsRenderer

    assert (
        f'<input type="checkbox" name="form-0-active" aria-label="Active of {lasser}" '
        'aria-describedby="id_form-0-active_helptext" id="id_form-0-active" checked>' in page.text
    )
    assert f'<input type="hidden" name="form-0-id" value="{lasser.pk}" id="id_form-0-id">' in (
        page.text
    )
    saved = admin_client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(lasser.pk),
            "_save": "Save",
        },
    )
    assert saved.status_code == 302
    assert Training.objects.get(pk=lasser.pk).active is False
