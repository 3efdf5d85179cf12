"""The catalogue's filters: each one optional; a value that is not among the choices is
refused on its field, and the other filters still apply."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Province

from .enums import OkotType, TrainingMode

# Each filter, and the training's field it filters.
LOOKUPS = {"type": "okot_type", "mode": "mode", "region": "province", "field": "field_of_study"}


def _optional(choices, everything) -> list:
    return [("", everything), *choices]


class CatalogueFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("OKOT type"), choices=_optional(OkotType.choices, _("All types")), required=False
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=_optional(TrainingMode.choices, _("All modes")), required=False
    )
    region = forms.ChoiceField(
        label=_("VDAB region"),
        choices=_optional(Province.choices, _("All regions")),
        required=False,
    )
    field = forms.ChoiceField(label=_("Field of study"), required=False)

    def __init__(self, *args, fields_of_study: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = _optional(
            [(name, name) for name in fields_of_study], _("All fields of study")
        )

    def filter(self, trainings: QuerySet) -> QuerySet:
        """The trainings that match the valid filters."""
        self.is_valid()  # an invalid field is left out of cleaned_data, with its error
        chosen = {LOOKUPS[name]: value for name, value in self.cleaned_data.items() if value}
        return trainings.filter(**chosen)

    @property
    def filtering(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)
