"""The form of a school year's result, on the referral page: the years offered are those of
the training (`services.school_years_open`), so that another one is refused on its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import SchoolYearResult
from .forms import CrispyMixin
from .models import Referral
from .models.followup import school_year_label
from .services import school_years_open


class SchoolYearForm(CrispyMixin, forms.Form):
    year = forms.TypedChoiceField(label=_("School year"), coerce=int)
    result = forms.ChoiceField(
        label=_("Result of the year"), choices=SchoolYearResult.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        kwargs.setdefault("auto_id", "id_school_year_%s")
        super().__init__(*args, **kwargs)
        years = list(school_years_open(referral))
        self.fields["year"].choices = [(year, school_year_label(year)) for year in years]
        if years:
            self.fields["year"].initial = years[-1]
