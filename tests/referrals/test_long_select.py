"""`LongSelect`, the select of the trainings, OCMWs and colleagues, writes what Django's
Select writes: the same options, groups, selection, attributes and escaping, without a
template per option."""

import factory
import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Organisation, User
from referrals.enums import OkotType
from referrals.formfields import BoundedModelChoiceField, LongSelect
from referrals.models import Training
from tests.accounts.factories import UserFactory
from tests.referrals.factories import OrganisationFactory, TrainingFactory

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
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_trainings_choice_lists_every_training_as_djangos_would(language):
    trainings = TrainingFactory.create_batch(3)
    trainings[2].okot_type = "OLD"  # a code no longer offered
    trainings[2].save()
    queryset = Training.objects.order_by("pk")
    field = BoundedModelChoiceField(queryset=queryset)
    assert isinstance(field.widget, LongSelect)

    with translation.override(language):
        ours = field.widget.render("training", trainings[1].pk)
        theirs = forms.ModelChoiceField(queryset=queryset).widget.render(
            "training", trainings[1].pk
        )
        chosen = str(trainings[1])

    assert parse_html(ours) == parse_html(theirs)
    assert f'<option value="{trainings[1].pk}" selected>{chosen}</option>' in ours
    assert f">{trainings[2].title} (OLD, {trainings[2].location})<" in ours


@pytest.mark.django_db
def test_the_ocmws_choice_lists_their_names_as_djangos_would():
    OrganisationFactory.create_batch(3, name=factory.Iterator(["Gent", "Aalst & <Zele>", "Lier"]))
    queryset = Organisation.objects.order_by("name")

    ours = BoundedModelChoiceField(queryset=queryset).widget.render("ocmw", None)
    theirs = forms.ModelChoiceField(queryset=queryset).widget.render("ocmw", None)

    assert parse_html(ours) == parse_html(theirs)
    assert "Aalst &amp; &lt;Zele&gt;" in ours


@pytest.mark.django_db
def test_the_colleagues_choice_lists_them_as_djangos_would():
    UserFactory(first_name="Anna", last_name="Peeters & <Zonen>")
    UserFactory(first_name="", last_name="", username="vdab-3-1")  # no name: the username
    UserFactory(first_name="Bart", last_name="")
    queryset = User.objects.order_by("pk")

    ours = BoundedModelChoiceField(queryset=queryset).widget.render("person", None)
    theirs = forms.ModelChoiceField(queryset=queryset).widget.render("person", None)

    assert parse_html(ours) == parse_html(theirs)
    assert ">Anna Peeters &amp; &lt;Zonen&gt;<" in ours
    assert ">vdab-3-1<" in ours and ">Bart<" in ours
    with CaptureQueriesContext(connection) as read:
        BoundedModelChoiceField(queryset=queryset).widget.render("person", None)
    assert '"accounts_user"."password"' not in read.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_a_choice_of_trainings_reads_the_columns_of_their_labels_not_whole_trainings():
    TrainingFactory.create_batch(2)
    field = BoundedModelChoiceField(queryset=Training.objects.order_by("pk"), required=False)

    with CaptureQueriesContext(connection) as queries:
        choices = list(iter(field.choices))  # list() alone would count them first

    (query,) = queries.captured_queries
    assert "institution" not in query["sql"]
    assert [label for _value, label in choices] == [
        "---------",
        *(str(training) for training in Training.objects.order_by("pk")),
    ]


@pytest.mark.django_db
def test_a_field_that_labels_its_trainings_itself_keeps_its_labels():
    class ByTitle(BoundedModelChoiceField):
        def label_from_instance(self, obj):
            return obj.title.upper()

    training = TrainingFactory(title="Lassen")
    by_title = ByTitle(queryset=Training.objects.all(), empty_label=None)
    on_the_field = BoundedModelChoiceField(queryset=Training.objects.all(), empty_label=None)
    on_the_field.label_from_instance = lambda obj: f"#{obj.pk}"

    assert [label for _value, label in by_title.choices] == ["LASSEN"]
    assert [label for _value, label in on_the_field.choices] == [f"#{training.pk}"]


@pytest.mark.django_db
def test_a_chosen_training_is_read_whole():
    training = TrainingFactory()
    field = BoundedModelChoiceField(queryset=Training.objects.all())

    assert field.clean(str(training.pk)) == training
    with pytest.raises(forms.ValidationError):
        field.clean("0")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("code", OkotType.values)
def test_a_trainings_label_says_its_type_as_django_translates_it(language, code):
    training = TrainingFactory.build(title="Lassen", location="Gent", okot_type=code)
    with translation.override(language):
        assert str(training) == f"Lassen ({training.get_okot_type_display()}, Gent)"


def test_a_trainings_label_says_its_type_in_words_or_a_code_no_longer_offered():
    training = TrainingFactory.build(title="Lassen", location="Gent", okot_type="TKO")
    with translation.override("en"):
        assert str(training) == "Lassen (secondary adult education (TKO), Gent)"
    with translation.override("nl"):
        assert str(training) == f"Lassen ({OkotType.TKO.label}, Gent)"
        assert "(TKO)" in str(training) and "secondary" not in str(training)

    training.okot_type = "OLD"
    assert str(training) == "Lassen (OLD, Gent)"


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Anna", "Peeters", "Anna Peeters"),
        ("Bart", "", "Bart"),
        ("", "Claes", "Claes"),
        ("", "", "vdab-3-1"),
        ("  ", " ", "vdab-3-1"),  # only spaces: no name
    ],
)
def test_a_user_is_labelled_as_django_names_them(first, last, shown):
    user = User(first_name=first, last_name=last, username="vdab-3-1")
    assert str(user) == (user.get_full_name() or user.username) == shown
    assert User.choice_label(first, last, "vdab-3-1") == shown
