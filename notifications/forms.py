"""Forms validate input; what a message says and who gets it is the outbox's business."""

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import EmailOptOut, Kind


class EmailPreferencesForm(forms.Form):
    """One checkbox per kind of message: checked, the user also gets it by e-mail."""

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

    @transaction.atomic
    def save(self) -> None:
        """Store the unchecked kinds as opt-outs (and forget the ones checked again)."""
        switched_off = set(Kind.values) - set(self.cleaned_data["email_kinds"])
        self.user.email_opt_outs.exclude(kind__in=switched_off).delete()
        EmailOptOut.objects.bulk_create(
            [EmailOptOut(user=self.user, kind=kind) for kind in sorted(switched_off)],
            ignore_conflicts=True,
        )
