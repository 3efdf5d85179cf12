"""The forms of a client's consent to share data with VDAB, on the client's page: the
dates are checked as the services check them (`check_consent_day`), so that a wrong one gets
its message on its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .formfields import PlausibleDateField
from .forms import CrispyMixin, check_day_on, document_reference_field
from .models import Client, Consent


class ConsentGiveForm(CrispyMixin, forms.Form):
    """The client consents to share data with VDAB (for the one scope there is)."""

    given_on = PlausibleDateField(label=_("Consent given on"))
    document_reference = document_reference_field()

    def __init__(self, *args, client: Client, **kwargs):
        kwargs.setdefault("auto_id", "id_consent_%s")  # beside the withdrawal's form
        super().__init__(*args, **kwargs)
        self.client = client

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("given_on"):
            check_day_on(
                self, cleaned_data["given_on"], birth_date=self.client.birth_date, field="given_on"
            )
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
            check_day_on(
                self,
                cleaned_data["withdrawn_on"],
                birth_date=self.client.birth_date,
                field="withdrawn_on",
                given_on=self.consent.given_on,
            )
        return cleaned_data
