"""Changes made in the admin leave their row in the audit trail, as the app's do."""

from django.db import transaction

from ..changes import record_change, snapshot


class AuditedAdminMixin:
    """Every row of personal data added, changed or deleted here leaves a CHANGE row in
    the audit trail with its fields before and after (`referrals.changes`), in the admin's
    own transaction.

    Django's LogEntry is not that: an administrator with its permissions may change or
    delete it, it names the changed fields without their values, and only the admin
    writes it. It stays, for the object's history page."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        record_change(obj, before, snapshot(obj), request=request)

    def delete_model(self, request, obj):
        before, pk = snapshot(obj), obj.pk
        super().delete_model(request, obj)
        record_change(obj, before, None, request=request, pk=pk)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """The changelist's "delete selected": a row for each, all or none."""
        deleted = [(obj, snapshot(obj), obj.pk) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, before, pk in deleted:
            record_change(obj, before, None, request=request, pk=pk)
