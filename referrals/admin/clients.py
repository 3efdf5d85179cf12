"""Admin for clients and their temporary work experiences: saved as the app saves them
(`services.client_save`), so that an edit here leaves the same row in the audit trail, takes
the client's row lock, and refuses a form opened before someone else's save."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.admin_delete import ProtectedCountsMixin
from accounts.admin_paging import (
    ActionCheckboxMixin,
    CappedListMixin,
    DateOrYearFilter,
    GrowingListMixin,
)
from accounts.admin_readonly import ReadOnlyAdminMixin
from accounts.admin_search import SessionSearchMixin
from audit.admin_reads import AuditedReadsMixin
from audit.reads import CLIENT, OF_CLIENT
from audit.trail import mask_insz

from .. import services
from ..models import Client, Consent, TemporaryWorkExperience
from ..services.concurrency import seen_version
from ..services.locks import lock_client
from .audited import AuditedAdminMixin
from .catalogue import TEXT_AREAS
from .search import CLIENT_SEARCH_FIELDS, RowSearchMixin
from .subject_access import SubjectAccessMixin
from .words import SHORT_WORDS, WordSearchMixin


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
    (hidden), and its `clean` compares it with the stored one under the client's row lock,
    which the admin's transaction holds until the save (the inlines' checks of a
    trajectory run under it too). Refused, the form comes back with what was typed, the
    message saying who saved and when, and the stored version in the hidden field: sent
    again, it saves over it. A form that asks nothing the stored client does not hold (sent
    twice) is not refused."""

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
        if self.instance.pk is None:
            return cleaned
        stored = Client.objects.select_for_update().get(pk=self.instance.pk)
        seen = seen_version(cleaned.get("seen") or None)
        asks = [name for name in self.changed_data if name != "seen"]
        if seen is not None and stored.updated_at != seen and asks:
            self.data = self.data.copy()  # the POST's QueryDict is immutable
            self.data[self.add_prefix("seen")] = stored.updated_at.isoformat()
            raise services.ClientChanged(stored, user=self.user)
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


class TemporaryWorkExperienceAdminForm(forms.ModelForm):
    """Its client's row locked before the experience's own check (no overlap with an OKOT
    trajectory: `TemporaryWorkExperience.check_trajectories`), and held by the admin's
    transaction until the save: an agreement given meanwhile waits, or is seen."""

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client") or (self.instance.client if self.instance.pk else None)
        if client is not None:
            lock_client(client.pk)
        return cleaned


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
    form = TemporaryWorkExperienceAdminForm
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
        self._save(request, obj.client_id, experiences=[obj])  # `created_by`: the admin

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
        client = Client.objects.select_for_update().get(pk=client_id)
        services.client_save(user=request.user, client=client, request=request, **changes)
