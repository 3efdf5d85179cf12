"""What the API shows of a referral's records: its history (in words and as data), guidance
notes, outcome check-ups, documents (metadata; the file through its own URL) and the
caller's messages."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Notification
from referrals.history_presenters import EVENT_LABELS, event_details
from referrals.models import Document, GuidanceNote, OutcomeCheck, ReferralEvent

from .serializers import PersonRef


class DetailSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class HistoryLineSerializer(serializers.ModelSerializer):
    """One line of the history: `transition` is the step's name (or another event's),
    `label` and `details` say it in the caller's language, `data` as stored."""

    actor = PersonRef(read_only=True, allow_null=True)
    label = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField()

    class Meta:
        model = ReferralEvent
        fields = ["id", "at", "transition", "label", "from_state", "to_state", "actor"]
        fields += ["reason", "details", "data"]

    def get_label(self, event) -> str:
        return str(EVENT_LABELS.get(event.transition, event.transition))

    @extend_schema_field(DetailSerializer(many=True))
    def get_details(self, event):
        return [{"label": str(label), "value": str(value)} for label, value in event_details(event)]


class GuidanceNoteSerializer(serializers.ModelSerializer):
    author = PersonRef(read_only=True)

    class Meta:
        model = GuidanceNote
        fields = ["id", "written_on", "topic", "note", "visibility", "author"]
        fields += ["organisation", "created_at", "edited_at"]
        read_only_fields = ["id", "author", "organisation", "created_at", "edited_at"]
        extra_kwargs = {"visibility": {"required": False}}


class OutcomeCheckSerializer(serializers.ModelSerializer):
    checked_by = PersonRef(read_only=True, allow_null=True)

    class Meta:
        model = OutcomeCheck
        fields = ["id", "months", "at_work", "checked_on", "checked_by"]


class DocumentSerializer(serializers.ModelSerializer):
    added_by = PersonRef(read_only=True, allow_null=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "description", "original_name", "size", "content_type"]
        fields += ["sha256", "added_by", "added_at", "download"]

    def get_download(self, document) -> str:
        """The file's URL here (never a storage URL); the same access rules apply."""
        return reverse("api:document-download", args=[document.pk])


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "referral", "subject", "body", "created_at", "read_at"]
