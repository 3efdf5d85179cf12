"""The referral's records as admin shows them with it: read-only inlines of what the app's
services wrote, its history in words, and its documents opened through the app."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.admin_readonly import ReadOnlyAdminMixin

from ..history_presenters import EVENT_LABELS, event_details
from ..models import (
    Document,
    GuidanceNote,
    Interruption,
    OutcomeCheck,
    ReferralEvent,
    SchoolYear,
)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Shown with the referral, never edited here: the app's services write these rows."""

    extra = 0
    related = ()

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


class EventInWords:
    """A history line as the referral's page reads it: the step's name and its data in the
    reader's language, never the raw JSON."""

    @admin.display(description=_("step"))
    def step(self, event) -> str:
        return EVENT_LABELS.get(event.transition, event.transition)

    @admin.display(description=_("details"))
    def details(self, event) -> str:
        pairs = event_details(event)
        if not pairs:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{}: {}", ((capfirst(label), value) for label, value in pairs)
        )


class ReferralEventInline(EventInWords, ReadOnlyInline):
    model = ReferralEvent
    fields = ["at", "step", "from_state", "to_state", "actor", "reason", "details"]
    related = ("actor",)


class GuidanceNoteInline(ReadOnlyInline):
    model = GuidanceNote
    fields = ["written_on", "topic", "note", "visibility", "author", "edited_at"]
    related = ("author",)


class OutcomeCheckInline(ReadOnlyInline):
    model = OutcomeCheck
    fields = ["months", "at_work", "checked_on", "checked_by"]
    related = ("checked_by",)


class InterruptionInline(ReadOnlyInline):
    model = Interruption
    fields = ["reason", "from_date", "to_date", "note", "recorded_by", "recorded_at"]
    related = ("recorded_by",)


class DocumentInline(ReadOnlyInline):
    """The referral's documents, opened through the app's own download view (which checks
    who may, and records the read), never through the storage."""

    model = Document
    fields = ["added_at", "kind", "download", "description", "size", "content_type", "added_by"]
    related = ("added_by",)

    @admin.display(description=_("file"))
    def download(self, document: Document) -> str:
        return document_link(document)


def document_link(document: Document) -> str:
    if not document.file:
        return "—"
    url = reverse("referrals:document_download", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, document.original_name or document.pk)


class SchoolYearInline(ReadOnlyInline):
    model = SchoolYear
    fields = ["year", "result", "recorded_by", "recorded_at"]
    related = ("recorded_by",)
