from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Province

from ..forms import BoundedModelChoiceField
from ..models import OkotType

FIRST_YEAR = 2016  # the first year of the parliamentary answer


class ReportFilterForm(forms.Form):
    """The page's filters; none of them is personal data, so they travel in the URL."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None, required=False)
    ocmw = BoundedModelChoiceField(
        label=_("OCMW"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All OCMWs"),
    )
    region = forms.ChoiceField(
        label=_("VDAB region"),
        choices=[("", _("All regions")), *Province.choices],
        required=False,
    )
    okot_type = forms.ChoiceField(
        label=_("OKOT type"),
        choices=[("", _("All types")), *OkotType.choices],
        required=False,
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [
            ("", _("All years")),
            *((year, str(year)) for year in range(this_year, FIRST_YEAR - 1, -1)),
        ]
        self.fields["year"].initial = this_year
        if user.is_caseworker and not user.is_administrator:
            del self.fields["ocmw"]  # their own OCMW is all they report on
        else:
            ocmws = Organisation.objects.filter(kind=Organisation.Kind.OCMW)
            if user.is_network_manager and not user.is_administrator:
                ocmws = ocmws.filter(province=user.organisation.province)
            self.fields["ocmw"].queryset = ocmws

    def filters(self) -> dict:
        """The valid filters, or the defaults (this year, everything) for what is not."""
        values = {"year": self.fields["year"].initial, "ocmw": None, "region": "", "okot_type": ""}
        if self.is_bound and self.is_valid():
            values.update(self.cleaned_data)
        return values


def describe(filters: dict) -> str:
    """The filters in words, for the heading of a download: "2025 · OCMW Gent · PBA"."""
    parts = [str(filters["year"]) if filters["year"] else str(_("All years"))]
    if filters.get("ocmw"):
        parts.append(str(filters["ocmw"]))
    if filters.get("region"):
        parts.append(str(Province(filters["region"]).label))
    if filters.get("okot_type"):
        parts.append(str(OkotType(filters["okot_type"]).label))
    return " · ".join(parts)
