"""`LongSelect`, the select of the trainings and OCMWs, writes what Django's Select writes:
the same options, groups, selection, attributes and escaping, without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html
from django.utils import translation

from referrals.formfields import BoundedModelChoiceField, LongSelect
from referrals.models import Training
from tests.referrals.factories import TrainingFactory

CHOICES = [
    ("", "---------"),
    ("a", "Aalst & <Gent>"),
    ("Provincie", [("b", 'Brugge "centrum"'), ("c", "Kortrijk")]),
]


@pytest.mark.parametrize("value", [None, "", "a", "c", ["a", "zz"]])
def test_it_writes_what_djangos_select_writes(value):
    attrs = {"class": "form-select", "aria-describedby": "help", "required": True}

    ours = LongSelect(attrs=attrs, choices=CHOICES).render("where", value, {"id": "id_where"})
    theirs = forms.Select(attrs=attrs, choices=CHOICES).render("where", value, {"id": "id_where"})

    assert parse_html(ours) == parse_html(theirs)
    assert "&lt;Gent&gt;" in ours and "&quot;centrum&quot;" in ours


@pytest.mark.django_db
def test_the_trainings_choice_lists_every_training_as_djangos_would():
    trainings = TrainingFactory.create_batch(3)
    field = BoundedModelChoiceField(queryset=Training.objects.order_by("pk"))
    assert isinstance(field.widget, LongSelect)

    ours = field.widget.render("training", trainings[1].pk)
    field.widget = forms.Select(choices=field.choices)
    theirs = field.widget.render("training", trainings[1].pk)

    assert parse_html(ours) == parse_html(theirs)
    assert f'<option value="{trainings[1].pk}" selected>{trainings[1]}</option>' in ours
    assert str(trainings[0]) == (
        f"{trainings[0].title} ({trainings[0].get_okot_type_display()}, {trainings[0].location})"
    )


def test_a_trainings_label_says_its_type_in_words_or_a_code_no_longer_offered():
    training = TrainingFactory.build(title="Lassen", location="Gent", okot_type="TKO")
    with translation.override("en"):
        assert str(training) == "Lassen (secondary adult education (TKO), Gent)"

    training.okot_type = "OLD"
    assert str(training) == "Lassen (OLD, Gent)"
