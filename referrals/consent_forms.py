"""The forms of a client's consent to share data with VDAB, on the client's page: the
dates are checked as the services check them (`check_consent_day`), so that a wrong one gets
its message on its field."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .formfields import PlausibleDateField
from .forms import CrispyMixin
from .models import Client, Consent
from .models.consents import check_consent_day
from .textlimits import max_length_of


class ConsentGiveForm(CrispyMixin, forms.Form):
    """The client consents to share data with VDAB (for the one scope there is)."""

    given_on = PlausibleDateField(label=_("Consent given on"))
    document_reference = forms.CharField(
        label=_("Reference to the signed document"),
        max_length=max_length_of(Consent, "document_reference"),
        required=False,
        help_text=_("For instance its number in the OCMW's document system."),
    )

    def __init__(self, *args, client: Client, **kwargs):
        kwargs.setdefault("auto_id", "id_consent_%s")  # beside the withdrawal's form
        super().__init__(*args, **kwargs)
        self.client = client

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("given_on"):
            try:
                check_consent_day(
                    cleaned_data["given_on"], birth_date=self.client.birth_date, field="given_on"
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned_data


class ConsentWithdrawForm(CrispyMixin, forms.Form):
    """The client withdraws the consent that holds (`consent`)."""

    withdrawn_on = PlausibleDateField(label=_("Consent withdrawn on"))

    def __init__(self, *args, client: Client, consent: Consent | None, **kwargs):
        kwargs.setdefault("auto_id", "id_withdrawal_%s")
        super().__init__(*args, **kwargs)
        self.client = client
        self.consent = consent

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("withdrawn_on") and self.consent is not None:
            try:
                check_consent_day(
                    cleaned_data["withdrawn_on"],
                    birth_date=self.client.birth_date,
                    field="withdrawn_on",
                    given_on=self.consent.given_on,
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned_data
