"""The Retry action of an outbox in Django admin (the e-mails, the webhook deliveries): the
selected failed or stuck rows queued again by the outbox's own `redeliver`, and what was left
alone said. Retrying changes a row's delivery state, never what it carries, which stays
read-only: the change permission is what it asks."""

from django.contrib import messages


class RetryActionMixin:
    """Each admin sets `redeliver` (ids → how many were queued), the two messages
    (`ngettext_lazy(..., "count")`) and its `retry` action, which calls `retry_selected`."""

    actions = ["retry"]
    redeliver = None
    retried_message = None
    skipped_message = None

    def has_retry_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def retry_selected(self, request, queryset) -> None:
        count = self.redeliver(queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            self.retried_message % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
        if skipped:
            self.message_user(request, self.skipped_message % {"count": skipped}, messages.WARNING)
