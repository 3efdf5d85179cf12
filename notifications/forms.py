"""Forms validate input; what a message says and who gets it is the outbox's business."""

from django import forms
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import AT_ONCE, EmailFrequency, EmailOptOut, EmailPreference, Kind


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
