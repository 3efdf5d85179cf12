"""VDAB's part of the client file, as the counsellor records it on the referral page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import CrispyMixin
from .models import Client
from .models.clients import compact_vdab_client_number, validate_vdab_client_number


class VdabRegistrationForm(CrispyMixin, forms.Form):
    registered_job_seeker = forms.BooleanField(
        label=Client._meta.get_field("registered_job_seeker").verbose_name, required=False
    )
    vdab_client_number = forms.CharField(
        label=Client._meta.get_field("vdab_client_number").verbose_name,
        required=False,
        max_length=30,  # typed with spaces or dots; stored compact (at most 12 digits)
        help_text=_("Digits only, as in VDAB's client file; spaces and dots are left out."),
    )

    def __init__(self, *args, client: Client, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "registered_job_seeker": client.registered_job_seeker,
                "vdab_client_number": client.vdab_client_number,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_vdab_client_number(self) -> str:
        number = compact_vdab_client_number(self.cleaned_data["vdab_client_number"])
        if number:
            validate_vdab_client_number(number)
        return number

    def clean(self):
        cleaned_data = super().clean()
        if (
            cleaned_data.get("registered_job_seeker")
            and cleaned_data.get("vdab_client_number") == ""
        ):
            self.add_error(
                "vdab_client_number",
                _("Give the VDAB client number under which the client is registered."),
            )
        return cleaned_data
