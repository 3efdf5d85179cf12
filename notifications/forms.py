"""Forms validate input; what a message says and who gets it is the outbox's business."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import AT_ONCE, EmailFrequency, EmailOptOut, EmailPreference, Kind
from .recipients import kinds_for


class InboxFilterForm(forms.Form):
    """The inbox's filters, read from the query string (or posted along by its buttons):
    kind codes and flags only, never personal data. A value not offered filters nothing."""

    unread = forms.BooleanField(
        label=_("Unread only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind of message"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    grouped = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, user):
        super().__init__(data)
        kinds = [(kind.value, kind.label) for kind in kinds_for(user)]
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]
        self.is_valid()  # what is valid filters; what is not is left out

    def value(self, name: str):
        return self.cleaned_data.get(name) or None

    def apply(self, notifications):
        """`notifications` as the filters (not the grouping) narrow them."""
        if self.value("unread"):
            notifications = notifications.unread()
        if self.value("kind"):
            notifications = notifications.filter(kind=self.value("kind"))
        return notifications

    def params(self, **changes) -> dict[str, str]:
        """The filters in use as query parameters, in a fixed order, with `changes`."""
        values = {name: self.value(name) for name in ("unread", "kind", "grouped")} | changes
        return {name: "1" if value is True else value for name, value in values.items() if value}

    def query(self, **changes) -> str:
        return urlencode(self.params(**changes))

    @property
    def kind_label(self) -> str:
        kind = self.value("kind")
        return Kind(kind).label if kind else ""


class EmailPreferencesForm(forms.Form):
    """How often e-mail comes, and one checkbox per kind of message: checked, the user also
    gets it by e-mail."""

    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=EmailFrequency.choices,
        # Not posted (a form of before the choice): the user's choice stays.
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    email_kinds = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        switched_off = set(user.email_opt_outs.values_list("kind", flat=True))
        self.fields["email_kinds"].initial = [k for k in Kind.values if k not in switched_off]
        chosen = EmailPreference.objects.filter(user=user).values_list("frequency", flat=True)
        self.fields["frequency"].initial = chosen.first() or EmailFrequency.EACH
        self.fields["frequency"].help_text = _(
            "One e-mail a day comes at %(hour)02d:00 with the messages of that day. These "
            "always come at once, because someone waits for that call: %(kinds)s."
        ) % {
            "hour": settings.NOTIFY_DIGEST_HOUR,
            "kinds": ", ".join(f"“{kind.label}”" for kind in Kind if kind in AT_ONCE),
        }

    def clean_frequency(self) -> str:
        return self.cleaned_data["frequency"] or self.fields["frequency"].initial

    @transaction.atomic
    def save(self) -> None:
        """Store how often, and the unchecked kinds as opt-outs (and forget the ones
        checked again)."""
        EmailPreference.objects.update_or_create(
            user=self.user, defaults={"frequency": self.cleaned_data["frequency"]}
        )
        switched_off = set(Kind.values) - set(self.cleaned_data["email_kinds"])
        self.user.email_opt_outs.exclude(kind__in=switched_off).delete()
        EmailOptOut.objects.bulk_create(
            [EmailOptOut(user=self.user, kind=kind) for kind in sorted(switched_off)],
            ignore_conflicts=True,
        )
