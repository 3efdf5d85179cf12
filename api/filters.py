"""The referral list's filters. Nothing that names a person goes in a URL: a client is
found by POSTing a search (`clients/search/`), never by a name in the query string."""

import django_filters
from django.utils.translation import gettext_lazy as _

from referrals.enums import State
from referrals.formfields import LocalTimeMixin
from referrals.models import Referral


class LocalDateTimeField(LocalTimeMixin, django_filters.fields.IsoDateTimeField):
    pass


class LocalDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = LocalDateTimeField


class ReferralFilter(django_filters.FilterSet):
    # A column of the referral itself: no row can come twice, so no DISTINCT (django-filter's
    # default for a multiple choice), which sorted every referral of the states on all its
    # columns before the first page (the administrator's ended ones: 400 ms, on disk).
    state = django_filters.MultipleChoiceFilter(
        choices=State.choices,
        distinct=False,
        help_text=_("One or more states (repeat the parameter)."),
    )
    training = django_filters.NumberFilter(field_name="training_id")
    ocmw = django_filters.NumberFilter(
        field_name="ocmw_id", help_text=_("The id of the client's OCMW.")
    )
    caseworker = django_filters.NumberFilter(
        field_name="caseworker_id", help_text=_("The id of the responsible caseworker.")
    )
    counsellor = django_filters.NumberFilter(
        field_name="counsellor_id", help_text=_("The id of the responsible counsellor.")
    )
    changed_after = LocalDateTimeFilter(field_name="state_changed_at", lookup_expr="gte")
    changed_before = LocalDateTimeFilter(field_name="state_changed_at", lookup_expr="lt")
    agreed_from = django_filters.DateFilter(field_name="agreed_on", lookup_expr="gte")
    agreed_to = django_filters.DateFilter(field_name="agreed_on", lookup_expr="lte")
    started_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    started_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Referral
        fields = []
