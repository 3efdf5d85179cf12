"""A referral's records through the API: its history, guidance notes (read and add),
outcome check-ups, documents (metadata, and the file through the same rules as the page),
and the caller's own messages. Each finds the referral through `visible_to` (a 404
outside) and records the read in the audit trail, as the referral's page does."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from audit import reads
from notifications.models import Notification
from referrals import services
from referrals.document_views import document_file_response
from referrals.forms import GuidanceNoteForm
from referrals.models import Document, GuidanceNote

from ..idempotency import idempotent
from ..pagination import Cursor
from ..record_serializers import (
    DocumentSerializer,
    GuidanceNoteSerializer,
    HistoryLineSerializer,
    NotificationSerializer,
    OutcomeCheckSerializer,
)
from ..steps import field_errors, json_object
from .base import ApiMixin, ApiView
from .referrals import visible_referral


class ReferralHistoryView(ApiView):
    @extend_schema(responses=HistoryLineSerializer(many=True), operation_id="referral_history")
    def get(self, request, pk: int):
        """The referral's history, oldest first."""
        referral = visible_referral(request, pk)
        events = referral.events.select_related("actor").order_by("at", "pk")
        reads.shown(request, referral=referral)
        return Response(HistoryLineSerializer(events, many=True).data)


class GuidanceNotesView(ApiView):
    def notes(self, request, referral):
        return (
            GuidanceNote.objects.filter(referral=referral)
            .visible_to(request.user)
            .select_related("author")
            .order_by("-written_on", "-pk")
        )

    @extend_schema(responses=GuidanceNoteSerializer(many=True), operation_id="referral_notes")
    def get(self, request, pk: int):
        """The shared notes, and your organisation's internal ones, newest first."""
        referral = visible_referral(request, pk)
        reads.shown(request, referral=referral)
        notes = self.notes(request, referral)
        return Response(GuidanceNoteSerializer(notes, many=True).data)

    @extend_schema(
        request=GuidanceNoteSerializer,
        responses={201: GuidanceNoteSerializer},
        operation_id="referral_note_add",
    )
    @idempotent
    def post(self, request, pk: int):
        """Add a guidance note (from the formal agreement until the end of the training);
        `visibility` shared (default) or internal to your organisation."""
        referral = visible_referral(request, pk)
        form = GuidanceNoteForm(json_object(request.data, GuidanceNoteForm))
        if not form.is_valid():
            raise exceptions.ValidationError(field_errors(form))
        note = services.guidance_note_add(referral=referral, user=request.user, **form.cleaned_data)
        return Response(GuidanceNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    def replay(self, request, pk: int, status_code: int) -> Response:
        notes = GuidanceNote.objects.visible_to(request.user).select_related("author")
        note = get_object_or_404(notes, pk=pk)
        return Response(GuidanceNoteSerializer(note).data, status=status_code)


class OutcomeChecksView(ApiView):
    @extend_schema(responses=OutcomeCheckSerializer(many=True), operation_id="referral_checkups")
    def get(self, request, pk: int):
        """Whether the former trainee was at work 3, 6 and 12 months after the end."""
        referral = visible_referral(request, pk)
        reads.shown(request, referral=referral)
        checks = referral.outcomes.select_related("checked_by").order_by("months")
        return Response(OutcomeCheckSerializer(checks, many=True).data)


class DocumentsView(ApiView):
    @extend_schema(responses=DocumentSerializer(many=True), operation_id="referral_documents")
    def get(self, request, pk: int):
        """The documents' metadata; each file through its `download` URL."""
        referral = visible_referral(request, pk)
        documents = (
            Document.objects.visible_to(request.user)
            .filter(referral=referral)
            .select_related("added_by")
            .order_by("-added_at", "-pk")
        )
        reads.shown(request, referral=referral)
        return Response(DocumentSerializer(documents, many=True).data)


class DocumentDownloadView(ApiView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        operation_id="document_download",
    )
    def get(self, request, pk: int):
        """The file, as an attachment (the type proved when it was added)."""
        document = get_object_or_404(
            Document.objects.visible_to(request.user).select_related("referral"), pk=pk
        )
        return document_file_response(request, document)


class NotificationPages(Cursor):
    ordering = ("-created_at", "-pk")


class NotificationsView(ApiMixin, generics.ListAPIView):
    """Your messages in the app, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationPages

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema asks with nobody
            return Notification.objects.none()
        return Notification.objects.inbox_of(self.request.user).select_related("referral")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        reads.listed(self.request, reads.OF_REFERRAL.of_all(page))
        return page
