"""Admin for the outbox: messages are read here, never written; failed e-mails can be sent
again with the Retry action."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.admin_paging import ActionCheckboxMixin, DateOrYearFilter, GrowingListMixin
from accounts.admin_readonly import ReadOnlyAdminMixin
from accounts.admin_search import SessionSearchMixin
from audit.admin_reads import AuditedReadsMixin
from audit.reads import OF_REFERRAL
from referrals.admin.search import RowSearchMixin

from .admin_retry import RetryActionMixin
from .models import EmailOptOut, EmailPreference, Notification
from .tasks import redeliver


@admin.register(Notification)
class NotificationAdmin(
    ActionCheckboxMixin,
    AuditedReadsMixin,
    RetryActionMixin,
    ReadOnlyAdminMixin,
    SessionSearchMixin,
    RowSearchMixin,
    GrowingListMixin,
    admin.ModelAdmin,
):
    """A message is what was said to someone: viewable, never added, changed or deleted by
    hand."""

    # A message names its client in its subject and text (the change page); the list shows
    # recipients and kinds, so only its searches (by subject) are recorded.
    audit_subject = OF_REFERRAL
    audit_lists = False

    list_display = ["created_at", "recipient", "channel", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind", ("created_at", DateOrYearFilter)]
    list_select_related = ["recipient"]
    # A recipient by user name or e-mail address; a message by its subject, or its key whole.
    search_through = "recipient"
    search_texts = ["subject", "idempotency_key__exact"]
    fields = [
        "recipient",
        "channel",
        "kind",
        "referral",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "next_attempt_at",
        "queued_at",
        "sent_at",
        "read_at",
        "in_digest",
        "digest",
        "idempotency_key",
    ]
    readonly_fields = fields
    redeliver = staticmethod(redeliver)
    retried_message = ngettext_lazy(
        "%(count)d e-mail is queued again.",
        "%(count)d e-mails are queued again.",
        "count",
    )
    skipped_message = ngettext_lazy(
        "%(count)d message was left alone: it is in the app, sent, or being sent.",
        "%(count)d messages were left alone: they are in the app, sent, or being sent.",
        "count",
    )

    @admin.action(
        description=_("Retry the selected failed or pending e-mails"), permissions=["retry"]
    )
    def retry(self, request, queryset):
        self.retry_selected(request, queryset)


@admin.register(EmailOptOut)
class EmailOptOutAdmin(ActionCheckboxMixin, SessionSearchMixin, admin.ModelAdmin):
    """Users switch e-mails off themselves; the administrator may look, and undo on request."""

    list_display = ["user", "kind"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(EmailPreference)
class EmailPreferenceAdmin(ActionCheckboxMixin, SessionSearchMixin, admin.ModelAdmin):
    """Users choose how often e-mail comes themselves; the administrator may look, and
    change it on request."""

    list_display = ["user", "frequency"]
    list_filter = ["frequency"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user"]
