"""Admin lists whose every control has a name for a screen reader (WCAG 4.1.2), where Django
leaves one without: the fields of a list's editable columns, and a filter's choice of the
empty text."""

import re

from django.contrib import admin
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import capfirst
from django.utils.translation import gettext

# The empty text's choice with facets shown: " (3)".
EMPTY_WITH_COUNT = re.compile(r" \(\d+\)")


class LabelledListEditableMixin:
    """For a ModelAdmin with `list_editable`: each field of a row is named by its column and
    its row ("Active of Nursing"), where Django's list puts it in a cell without a label."""

    def get_changelist_form(self, request, **kwargs):
        form = super().get_changelist_form(request, **kwargs)

        class LabelledRowForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for field in self.fields.values():
                    if not field.widget.is_hidden:
                        field.widget.attrs["aria-label"] = gettext("%(column)s of %(row)s") % {
                            "column": capfirst(field.label),
                            "row": self.instance,
                        }

        return LabelledRowForm


class EmptyTextFilter(admin.AllValuesFieldListFilter):
    """Django's filter on the values a text holds, whose choice of the empty text is a link
    without words: here it reads "Empty"."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            display = str(choice["display"])
            if display == "" or EMPTY_WITH_COUNT.fullmatch(display):
                choice = {**choice, "display": gettext("Empty") + display}
            yield choice


class NamedEmptyTextMixin:
    """For a ModelAdmin: its list's filters on a text of the model (without choices: Django
    lists the values it holds) name the empty text (EmptyTextFilter)."""

    def get_list_filter(self, request):
        return [self._name_empty_text(entry) for entry in super().get_list_filter(request)]

    def _name_empty_text(self, entry):
        if not isinstance(entry, str) or LOOKUP_SEP in entry:
            return entry
        field = self.opts.get_field(entry)
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            return (entry, EmptyTextFilter)
        return entry
