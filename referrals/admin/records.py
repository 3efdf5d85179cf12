"""Admin for rows the app writes with its own rules: history, candidacies by VDAB, consents,
notes, school years, check-ups, documents.

They are read here, never added or changed; notes, school years and check-ups may be
deleted, which the audit trail records."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.admin_paging import ActionCheckboxMixin, DateOrYearFilter, GrowingListMixin
from accounts.admin_readonly import ReadOnlyAdminMixin
from accounts.admin_search import SessionSearchMixin
from accounts.models import Organisation, User
from audit.admin_reads import AuditedReadsMixin
from audit.reads import OF_CLIENT, OF_REFERRAL

from ..history_presenters import EVENT_LABELS
from ..models import (
    Candidacy,
    Consent,
    Document,
    GuidanceNote,
    OutcomeCheck,
    ReferralEvent,
    SchoolYear,
)
from ..models.querysets import word_in
from .audited import AuditedAdminMixin
from .clients import ConsentInline
from .inlines import DocumentInline, EventInWords, document_link
from .search import RowSearchMixin, in_rows
from .words import SHORT_WORDS, USER_PARTS, WordSearchMixin, holds


class StepFilter(admin.SimpleListFilter):
    """The history by step, of the steps the app names (`EVENT_LABELS`), in their names:
    Django's filter of a field's values asked the table for them (`SELECT DISTINCT` over
    6.5 million lines at a million referrals: 0.5 s a page)."""

    title = _("step")
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        return list(EVENT_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


class ReadHereAdmin(
    ActionCheckboxMixin,
    AuditedReadsMixin,
    ReadOnlyAdminMixin,
    SessionSearchMixin,
    RowSearchMixin,
    GrowingListMixin,
    admin.ModelAdmin,
):
    """Rows the app writes, read here: never added, changed or deleted by hand, searched by
    their referral or client and their own texts."""


@admin.register(ReferralEvent)
class ReferralEventAdmin(EventInWords, ReadHereAdmin):
    """The history is append-only: viewable, never added, changed or deleted by hand."""

    audit_subject = OF_REFERRAL

    list_display = ["at", "referral", "step", "from_state", "to_state", "actor"]
    list_filter = [StepFilter, "to_state", "from_state", ("at", DateOrYearFilter)]
    list_select_related = ["referral__client", "referral__training", "actor"]
    search_texts = ["reason"]
    fields = ["referral", "at", "step", "from_state", "to_state", "actor", "reason", "details"]
    readonly_fields = fields


class RegistrantRegionFilter(admin.RelatedFieldListFilter):
    """The registrant's organisation, of those that register candidacies: VDAB's regions.
    Django's filter offered every organisation, the 300 OCMWs too (a fifth of the list's
    time, to make and show them)."""

    def field_choices(self, field, request, model_admin):
        regions = Organisation.objects.filter(kind=Organisation.Kind.VDAB).order_by("name")
        return [(region.pk, str(region)) for region in regions]


@admin.register(Candidacy)
class CandidacyAdmin(
    ActionCheckboxMixin,
    AuditedReadsMixin,
    ReadOnlyAdminMixin,
    SessionSearchMixin,
    WordSearchMixin,
    GrowingListMixin,
    admin.ModelAdmin,
):
    """The trace of every candidacy VDAB registered: who looked up which national number at
    which OCMW, and what came of it (the registrant was told the same every time)."""

    # About the client it found, if any; one that found none is a VIEW of the candidacy's
    # page (its path) without client.
    audit_subject = OF_REFERRAL

    list_display = [
        "registered_at",
        "registered_by",
        "ocmw",
        "training",
        "outcome",
        "referral_client",
    ]
    list_filter = [
        "outcome",
        "ocmw__province",
        ("registered_by__organisation", RegistrantRegionFilter),
        ("registered_at", DateOrYearFilter),
    ]
    # The referral shows as its client: its training is the candidacy's, shown beside it
    # (its own join took PostgreSQL 2 of the list's 4 ms to plan).
    list_select_related = ["registered_by", "ocmw", "training", "referral__client"]
    # The national number by its first digits, as the clients' (`CLIENT_SEARCH_FIELDS`).
    search_fields = [
        "registered_by__username",
        "registered_by__last_name",
        "insz__startswith",
        "last_name",
        "ocmw__name",
    ]
    search_help_text = SHORT_WORDS
    fields = [
        "registered_at",
        "registered_by",
        "ocmw",
        "training",
        "insz",
        "first_name",
        "last_name",
        "outcome",
        "referral",
    ]
    readonly_fields = fields

    @admin.display(description=_("referral"))
    def referral_client(self, candidacy):
        """The referral registered or found open, of the candidacy's training: its client."""
        return candidacy.referral.client if candidacy.referral else None

    def word_found(self, word: str) -> Q:
        """Django's search (a word of one or two letters where a part starts:
        `words.field_has`), each table asked apart: the registrants and OCMWs that hold the
        word read first (a few thousand users, 300 OCMWs), then the candidacies by the
        indexes of their keys, national number and name (migration 0043). Django joined
        the three tables into one `OR`, which no index answers."""
        registrants = User.objects.filter(holds(["username", "last_name"], word, parts=USER_PARTS))
        return (
            in_rows("registered_by", registrants)
            | in_rows("ocmw", Organisation.objects.filter(word_in("name", word)))
            | holds(["insz__startswith", "last_name"], word)
        )


@admin.register(Consent)
class ConsentAdmin(ReadHereAdmin):
    """Each client's consents to share data with VDAB, given and withdrawn: recorded on the
    client's page (`services.consent_give`, `consent_withdraw`), which also keep the
    client's current consent; read here."""

    audit_subject = OF_CLIENT

    list_display = ["client", "scope", "given_on", "recorded_by", "withdrawn_on", "withdrawn_by"]
    list_filter = [
        "scope",
        ("withdrawn_on", admin.EmptyFieldListFilter),
        "client__ocmw",
        ("given_on", DateOrYearFilter),
    ]
    list_select_related = ["client", "recorded_by", "withdrawn_by"]
    search_through = "client"
    search_texts = ["document_reference"]
    fields = ["client", *ConsentInline.fields]
    readonly_fields = fields


class WrittenInTheAppAdmin(
    ActionCheckboxMixin,
    AuditedReadsMixin,
    ReadOnlyAdminMixin,
    SessionSearchMixin,
    RowSearchMixin,
    AuditedAdminMixin,
    GrowingListMixin,
    admin.ModelAdmin,
):
    """Rows the app's services write (with their rules): read here, and deleted by whoever
    may delete them, never added or changed."""

    can_delete = True
    audit_subject = OF_REFERRAL


@admin.register(GuidanceNote)
class GuidanceNoteAdmin(WrittenInTheAppAdmin):
    list_display = ["written_on", "referral", "topic", "visibility", "author", "edited_at"]
    list_filter = [
        "topic",
        "visibility",
        "referral__client__ocmw",
        "referral__training__province",
        ("written_on", DateOrYearFilter),
    ]
    list_select_related = ["referral__client", "referral__training", "author"]
    search_texts = ["note"]


@admin.register(OutcomeCheck)
class OutcomeCheckAdmin(WrittenInTheAppAdmin):
    list_display = ["referral", "months", "at_work", "checked_on", "checked_by"]
    list_filter = [
        "months",
        "at_work",
        "referral__training__okot_type",
        ("checked_on", DateOrYearFilter),
    ]
    list_select_related = ["referral__client", "referral__training", "checked_by"]


@admin.register(Document)
class DocumentAdmin(ReadHereAdmin):
    """The documents attached to referrals: read here, opened through the app's download
    view (`document_link`), added and removed in the app (`services.document_add`,
    `document_remove`), where the administrator may remove any."""

    audit_subject = OF_REFERRAL

    list_display = ["added_at", "referral", "kind", "download", "size", "added_by"]
    list_filter = ["kind", "content_type", "referral__client__ocmw", ("added_at", DateOrYearFilter)]
    list_select_related = ["referral__client", "referral__training", "added_by"]
    search_texts = ["original_name"]
    fields = ["referral", *DocumentInline.fields, "original_name", "sha256"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, document: Document) -> str:
        return document_link(document)


@admin.register(SchoolYear)
class SchoolYearAdmin(WrittenInTheAppAdmin):
    list_display = ["referral", "year", "result", "recorded_by", "recorded_at"]
    list_filter = [
        "result",
        "year",
        "referral__training__okot_type",
        ("recorded_at", DateOrYearFilter),
    ]
    list_select_related = ["referral__client", "referral__training", "recorded_by"]
