"""Admin for the training catalogue (with its start moments, info sessions and entry
conditions)."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.admin_delete import ProtectedCountsMixin
from accounts.admin_names import LabelledListEditableMixin, NamedEmptyTextMixin
from accounts.admin_paging import ActionCheckboxMixin, DirectInputsMixin
from accounts.admin_search import SessionSearchMixin

from ..formfields import TextAreaField
from ..models import EntryCondition, InfoSession, StartMoment, Training

# Free text counts its line breaks as the browser does (see TextAreaField).
TEXT_AREAS = {models.TextField: {"form_class": TextAreaField}}


class StartMomentInline(admin.TabularInline):
    model = StartMoment
    fields = ["starts_on", "location", "places_available", "note"]
    extra = 0


class InfoSessionInline(admin.TabularInline):
    model = InfoSession
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["starts_at", "online", "location", "registration_url"]
    extra = 0


class OfferedFilter(admin.SimpleListFilter):
    """Offered as the app offers it (`TrainingQuerySet.offered`): active, and not past its
    last start moment."""

    title = _("offered")
    parameter_name = "offered"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        offered = Training.objects.offered().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=offered)
        if self.value() == "no":
            return queryset.exclude(pk__in=offered)
        return queryset


@admin.register(Training)
class TrainingAdmin(
    ActionCheckboxMixin,
    ProtectedCountsMixin,
    DirectInputsMixin,
    LabelledListEditableMixin,
    NamedEmptyTextMixin,
    SessionSearchMixin,
    admin.ModelAdmin,
):
    formfield_overrides = TEXT_AREAS
    list_display = [
        "title",
        "okot_type",
        "mode",
        "institution",
        "location",
        "province",
        "field_of_study",
        "shortage_occupation",
        "contact_counsellor",
        "active",
    ]
    list_editable = ["active"]
    list_filter = [OfferedFilter, "okot_type", "mode", "province", "field_of_study", "active"]
    list_select_related = ["contact_counsellor"]
    search_fields = ["title", "institution", "location", "shortage_occupation", "field_of_study"]
    autocomplete_fields = ["contact_counsellor"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "okot_type",
                    "mode",
                    "institution",
                    "location",
                    "province",
                    "contact_counsellor",
                    "active",
                ]
            },
        ),
        (
            _("As the training guide has it"),
            {
                "fields": [
                    "shortage_occupation",
                    "shortage_list_year",
                    "field_of_study",
                    "duration_months",
                    "hours_per_week",
                    "description",
                ]
            },
        ),
    ]
    inlines = [StartMomentInline, InfoSessionInline]


@admin.register(EntryCondition)
class EntryConditionAdmin(
    ActionCheckboxMixin,
    DirectInputsMixin,
    LabelledListEditableMixin,
    SessionSearchMixin,
    admin.ModelAdmin,
):
    list_display = ["text", "okot_types", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["text"]
