from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Province

from ..enums import OkotType
from ..formfields import BoundedModelChoiceField

FIRST_YEAR = 2016  # the first year of the parliamentary answer


EVENT, COHORT = "event", "cohort"  # the two ways to count a year (DOMAIN.md)


class ReportFilterForm(forms.Form):
    """The page's filters; none of them is personal data, so they travel in the URL."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None, required=False)
    basis = forms.ChoiceField(
        label=_("Count a year"),
        choices=[(EVENT, _("by year of the event")), (COHORT, _("by start cohort"))],
        required=False,
    )
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
        this_year = timezone.localdate().year
        if data is not None:
            # Unbound without any filter, so that other parameters change nothing; a missing
            # year is this year, an empty one all years.
            if not any(name in data for name in self.base_fields):
                data = None
            elif "year" not in data:
                data = data.copy()
                data["year"] = str(this_year)
        super().__init__(data)
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
        """Each valid filter; the default (this year, everything) for an invalid one."""
        values = {
            "year": self.fields["year"].initial,
            "ocmw": None,
            "region": "",
            "okot_type": "",
            "basis": EVENT,
        }
        if self.is_bound:
            self.is_valid()
            for name in self.fields:
                if name not in self.errors and name in self.cleaned_data:
                    values[name] = self.cleaned_data[name]
        values["basis"] = values["basis"] or EVENT
        return values


def as_query(filters: dict) -> str:
    """The filters in effect as a query string, so a download shows what the page shows."""
    query = QueryDict(mutable=True)
    query["year"] = filters["year"] or ""
    if filters.get("ocmw"):
        query["ocmw"] = filters["ocmw"].pk
    for name in ("region", "okot_type"):
        if filters.get(name):
            query[name] = filters[name]
    if filters.get("basis") == COHORT:
        query["basis"] = COHORT
    return query.urlencode()


def describe(filters: dict) -> str:
    """The filters in words, for the heading of a download: "2025 · OCMW Gent · PBA"."""
    parts = [str(filters["year"]) if filters["year"] else str(_("All years"))]
    if filters.get("basis") == COHORT:
        parts.append(str(_("by start cohort")))
    if filters.get("ocmw"):
        parts.append(str(filters["ocmw"]))
    if filters.get("region"):
        parts.append(str(Province(filters["region"]).label))
    if filters.get("okot_type"):
        parts.append(str(OkotType(filters["okot_type"]).label))
    return " · ".join(parts)
