"""Form fields shared by the pages, the admin, the figures and the import: dates a person can
mean, ids a database can hold, and free text counted as the browser counts it, each refused
with a clear message instead of a crash."""

import datetime
from html import escape

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.keys import is_pk


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LongSelect(forms.Select):
    """A select with the HTML of Django's own, its options written here: Django renders a
    template per option, about 0.2 ms each, 100 ms of a list page for the 500 trainings
    alone (and the 300 OCMWs of Flanders, a region's hundred counsellors); the list's
    filters of a few options each took 1 ms of every list page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group, options, _index in widget["optgroups"]:
            html = "".join(
                f'<option value="{escape(str(option["value"]))}"'
                f"{_attrs(option['attrs']) if option['attrs'] else ''}>"
                f"{_escaped(option['label'])}</option>"
                for option in options
            )
            groups.append(
                f'<optgroup label="{escape(str(group))}">{html}</optgroup>' if group else html
            )
        return mark_safe(  # noqa: S308 (every value and label escaped above)
            f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>'
            f"{''.join(groups)}</select>"
        )


def _escaped(text) -> str:
    """As conditional_escape, without its wrapper's look for lazy arguments on every call
    (the labels of 500 options: 1.8 ms against 0.4)."""
    return text.__html__() if hasattr(text, "__html__") else escape(str(text))


def _attrs(attrs: dict) -> str:
    """As django.forms.utils.flatatt: True is the name alone, False and None nothing."""
    return "".join(
        f" {key}" if value is True else f' {key}="{escape(str(value))}"'
        for key, value in attrs.items()
        if value is not False and value is not None
    )


# Dates a person can mean; outside these the database or the time zone maths would fail.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def plausible_day(day: datetime.date) -> None:
    """Refuses a day outside `EARLIEST` and `LATEST`: the forms' date fields, and the API's
    that are not read through a form."""
    if not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST.year, "latest": LATEST.year},
            code="implausible_date",
        )


class PlausibleDateMixin:
    def clean(self, value):
        value = super().clean(value)
        day = value.date() if isinstance(value, datetime.datetime) else value
        if day is not None:
            plausible_day(day)
        return value


class LocalTimeMixin:
    """A moment in the current time zone, whatever offset it came with: Python takes
    offsets up to ±23:59, PostgreSQL only up to ±15:59, so `…T10:00-22:32` would reach the
    database as it came and fail there."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return timezone.localtime(value)
        except OverflowError:  # the offset takes it past year 1 or 9999
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class PlausibleDateField(PlausibleDateMixin, forms.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)


class PlausibleDateTimeField(PlausibleDateMixin, LocalTimeMixin, forms.DateTimeField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateTimeInput())
        super().__init__(**kwargs)


class TextAreaField(forms.CharField):
    """Free text from a <textarea>. Browsers count a line break as one character against its
    `maxlength` but send it as two (CRLF): kept as one (LF), a text the browser let through
    is never refused as too long."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value


class RowChoices(ModelChoiceIterator):
    """The choices of a model that says which columns its label is made of
    (`choice_columns`, `choice_label`: the trainings, the organisations and the users): read
    as those columns rather than as model instances, which take ten times as long to make
    (the 500 trainings of Flanders: 10 ms against 1). Any other model, or a field that
    labels its instances itself, is read as Django reads it. A subclass or proxy that labels
    itself otherwise (its own `__str__`) says so in its own `choice_label`."""

    def __iter__(self):
        model = self.queryset.model
        columns = getattr(model, "choice_columns", None)
        labels_itself = (
            getattr(self.field.label_from_instance, "__func__", None)
            is not forms.ModelChoiceField.label_from_instance
        )
        if columns is None or labels_itself:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        for value, *row in self.queryset.values_list(key, *columns):
            yield (value, model.choice_label(*row))


class BoundedModelChoiceField(forms.ModelChoiceField):
    """Refuses ids no database can hold before looking them up, as an invalid choice."""

    widget = LongSelect
    iterator = RowChoices

    def to_python(self, value):
        if value not in self.empty_values and not is_pk(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not is_pk(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)
