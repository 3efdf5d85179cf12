"""Admin for clients and the training catalogue (with its entry conditions).

A client and its temporary work experiences are saved as the app saves them
(`services.client_save`), so that an edit here leaves the same row in the audit trail."""

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from accounts.admin_delete import ProtectedCountsMixin
from accounts.admin_names import LabelledListEditableMixin, NamedEmptyTextMixin
from accounts.admin_paging import (
    ActionCheckboxMixin,
    CappedListMixin,
    DateOrYearFilter,
    DirectInputsMixin,
    GrowingListMixin,
)
from accounts.admin_readonly import ReadOnlyAdminMixin
from accounts.admin_search import SessionSearchMixin
from audit.admin_reads import AuditedReadsMixin
from audit.reads import CLIENT, OF_CLIENT
from audit.trail import mask_insz

from .. import services
from ..formfields import TextAreaField
from ..models import (
    Client,
    Consent,
    EntryCondition,
    InfoSession,
    StartMoment,
    TemporaryWorkExperience,
    Training,
)
from ..services.concurrency import seen_version
from .audited import AuditedAdminMixin
from .search import CLIENT_SEARCH_FIELDS, RowSearchMixin
from .subject_access import SubjectAccessMixin
from .words import SHORT_WORDS, WordSearchMixin

# Free text counts its line breaks as the browser does (see TextAreaField).
TEXT_AREAS = {models.TextField: {"form_class": TextAreaField}}

# Who wrote a row, filled in with the admin user when the row is added here.
AUTHOR_FIELDS = {TemporaryWorkExperience: "created_by"}


def _stamp_author(obj, user) -> None:
    field = AUTHOR_FIELDS.get(type(obj))
    if field and obj.pk is None and getattr(obj, f"{field}_id") is None:
        setattr(obj, field, user)


class StampsAuthorMixin:
    """Fill in who wrote new rows (of this model and of its inlines) with the admin user."""

    def save_model(self, request, obj, form, change):
        _stamp_author(obj, request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            _stamp_author(obj, request.user)
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


# --- clients and the training catalogue -----------------------------------------------------


class TemporaryWorkExperienceInline(admin.TabularInline):
    model = TemporaryWorkExperience
    fields = ["start_date", "end_date", "employer", "created_by"]
    readonly_fields = ["created_by"]
    extra = 0


class ConsentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The client's consents, read only: they change through the consent services, which
    keep the client's current consent (`consent_vdab`, `consent_date`) with them."""

    model = Consent
    fields = [
        "scope",
        "given_on",
        "document_reference",
        "recorded_by",
        "recorded_at",
        "withdrawn_on",
        "withdrawn_by",
        "withdrawal_recorded_at",
    ]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by", "withdrawn_by")


class ClientAdminForm(forms.ModelForm):
    """A client's change form that refuses to save over a save made since it was opened, as
    the app's client form does: it carries the client's `updated_at` as it was then
    (hidden), and its `clean` compares it with the stored one under the client's row lock
    (`services.client_as_seen`), which the admin's transaction holds until the save.
    Refused, the form comes back with what was typed, the message saying who saved and
    when, and the stored version in the hidden field: sent again, it saves over it."""

    seen = forms.CharField(
        label=_("Client's details as saved when this form was opened"),
        widget=forms.HiddenInput,
        required=False,
    )
    user = None  # who asks: ClientAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["seen"] = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and cleaned.get("seen"):
            try:
                services.client_as_seen(
                    self.instance.pk, seen=seen_version(cleaned["seen"]), user=self.user
                )
            except services.ClientChanged as changed:
                self.data = self.data.copy()  # the POST's QueryDict is immutable
                self.data[self.add_prefix("seen")] = changed.updated_at.isoformat()
                raise
        return cleaned


@admin.register(Client)
class ClientAdmin(
    ActionCheckboxMixin,
    ProtectedCountsMixin,
    AuditedReadsMixin,
    SubjectAccessMixin,
    SessionSearchMixin,
    WordSearchMixin,  # a short word where a part starts: "x" anywhere took 2 s
    AuditedAdminMixin,
    StampsAuthorMixin,
    CappedListMixin,  # 800,000 clients: a count that stops at 10,000
    admin.ModelAdmin,
):
    audit_subject = CLIENT
    formfield_overrides = TEXT_AREAS
    list_display = [
        "last_name",
        "first_name",
        "masked_insz",
        "ocmw",
        "gender",
        "registered_job_seeker",
        "consent_vdab",
        "gpmi",
    ]
    list_display_links = ["last_name", "first_name"]
    list_filter = ["ocmw", "gender", "consent_vdab", "registered_job_seeker", "gpmi"]
    list_select_related = ["ocmw"]
    search_fields = [*CLIENT_SEARCH_FIELDS, "=vdab_client_number"]
    search_help_text = SHORT_WORDS
    autocomplete_fields = ["ocmw"]
    readonly_fields = [
        "birth_date",
        "consent_vdab",
        "consent_date",
        "created_at",
        "updated_at",
        "pseudonymised_at",
    ]
    form = ClientAdminForm
    fieldsets = [
        (
            None,
            {"fields": ["ocmw", "first_name", "last_name", "insz", "birth_date", "gender", "seen"]},
        ),
        (_("Contact"), {"fields": ["phone", "email", "street", "postal_code", "municipality"]}),
        (
            _("VDAB"),
            {
                "fields": [
                    "registered_job_seeker",
                    "vdab_client_number",
                    "consent_vdab",
                    "consent_date",
                ]
            },
        ),
        (_("GPMI"), {"fields": ["gpmi", "gpmi_date"]}),
        (_("OCMW notes"), {"fields": ["notes"]}),
        (
            _("Record"),
            {"fields": ["created_at", "updated_at", "pseudonymised_at"], "classes": ["collapse"]},
        ),
    ]
    inlines = [ConsentInline, TemporaryWorkExperienceInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a class of its own, each request
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Nothing yet: `save_related` saves the client with its temporary work
        experiences, as one change."""

    def save_related(self, request, form, formsets, change):
        experiences = [fs for fs in formsets if fs.model is TemporaryWorkExperience]
        services.client_save(
            user=request.user,
            client=form.instance,
            experiences=[obj for formset in experiences for obj in formset.save(commit=False)],
            deleted_experiences=[obj for formset in experiences for obj in formset.deleted_objects],
            request=request,
        )
        form.save_m2m()
        for formset in formsets:
            if formset.model is not TemporaryWorkExperience:
                self.save_formset(request, form, formset, change=change)

    def has_change_permission(self, request, obj=None) -> bool:
        """A pseudonymised client is read-only: what is left of them are the figures."""
        if obj is not None and obj.is_pseudonymised:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("INSZ (national register or BIS number)"))
    def masked_insz(self, client: Client) -> str | None:
        """The list shows the last digits only, as every list does; the search still finds
        a client by the whole number, and the change page shows it."""
        return mask_insz(client.insz) or None  # None: the admin's dash


@admin.register(TemporaryWorkExperience)
class TemporaryWorkExperienceAdmin(
    ActionCheckboxMixin,
    AuditedReadsMixin,
    SessionSearchMixin,
    RowSearchMixin,
    GrowingListMixin,
    admin.ModelAdmin,
):
    """A client's temporary work experiences on their own pages, saved and deleted as the
    client's forms save them (`services.client_save`): under the client's row lock, checked
    again there against a trajectory agreed meanwhile, the client's `updated_at` moved (a
    client's form opened before is refused), one change row of the client in the trail."""

    audit_subject = OF_CLIENT
    list_display = ["client", "start_date", "end_date", "employer", "created_by"]
    list_filter = ["client__ocmw", ("start_date", DateOrYearFilter)]
    list_select_related = ["client", "created_by"]
    search_through = "client"
    search_texts = ["employer"]
    autocomplete_fields = ["client"]

    def get_readonly_fields(self, request, obj=None):
        """An experience stays with its client: one typed on the wrong client is deleted
        there and added to the right one, each client's trail saying so."""
        return ["client", "created_by"] if obj is not None else ["created_by"]

    def save_model(self, request, obj, form, change):
        _stamp_author(obj, request.user)
        self._save(request, obj.client_id, experiences=[obj])

    def delete_model(self, request, obj):
        self._save(request, obj.client_id, deleted_experiences=[obj])

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """The changelist's "delete selected": each client's rows as one save of theirs,
        all or none, the clients locked in the order of their keys."""
        by_client = {}
        for obj in queryset.order_by("client_id", "pk"):
            by_client.setdefault(obj.client_id, []).append(obj)
        for client_id, experiences in by_client.items():
            self._save(request, client_id, deleted_experiences=experiences)

    def _save(self, request, client_id: int, **changes) -> None:
        # The client as stored, read under its lock: `client_save` saves it whole.
        client = services.client_as_seen(client_id, seen=None, user=request.user)
        services.client_save(user=request.user, client=client, request=request, **changes)


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
