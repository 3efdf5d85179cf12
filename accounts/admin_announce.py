"""What administrators change in accounts through Django admin, announced (`events`) in the
transaction of the change: users and roles created, changed and deleted, second-factor
devices reset, lockouts lifted. Django's admin saves and deletes inside a transaction; a
bulk deletion from the list is wrapped in one here."""

from django.db import transaction

from . import changes, lockout, two_factor


class AnnouncedChangesMixin:
    """For a ModelAdmin: a snapshot before the form is saved, compared once its
    many-to-many fields (roles, permissions) are saved too; deletions announced first."""

    def snapshot(self, obj) -> dict:
        raise NotImplementedError

    def announce_change(self, request, obj, before: dict) -> None:
        raise NotImplementedError

    def announce_deletion(self, request, obj) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        form.snapshot_before = self.snapshot(obj) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.announce_change(request, form.instance, getattr(form, "snapshot_before", {}))

    def delete_model(self, request, obj):
        self.announce_deletion(request, obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.announce_deletion(request, obj)
        super().delete_queryset(request, queryset)


class AnnouncedUserChangesMixin(AnnouncedChangesMixin):
    def snapshot(self, obj) -> dict:
        return changes.user_snapshot(obj)

    def announce_change(self, request, obj, before: dict) -> None:
        changes.announce_user_change(request, obj, before)

    def announce_deletion(self, request, obj) -> None:
        changes.announce_user_event(request, obj, "deleted")


class AnnouncedRoleChangesMixin(AnnouncedChangesMixin):
    def snapshot(self, obj) -> dict:
        return changes.role_snapshot(obj)

    def announce_change(self, request, obj, before: dict) -> None:
        changes.announce_role_change(request, obj, before)

    def announce_deletion(self, request, obj) -> None:
        changes.announce_role_event(request, obj, "deleted")


class AnnouncedDeviceChangesMixin:
    """For the admin of a second-factor device: an administrator adding, changing (which
    fields, never their values: keys are secrets) or deleting one changes its user's
    account."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return
        details = {"fields": sorted(form.changed_data)} if change else {}
        event = "second_factor_changed" if change else "second_factor_added"
        self.announce(request, obj, event, **details)

    def delete_model(self, request, obj):
        self.announce(request, obj, "second_factor_removed")
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user"):
            self.announce(request, obj, "second_factor_removed")
        super().delete_queryset(request, queryset)

    def announce(self, request, device, event: str, **details) -> None:
        changes.announce_user_event(
            request,
            device.user,
            event,
            method=two_factor.method_of(device),
            device=device.name,
            **details,
        )


class AnnouncedUnlockMixin:
    """For the admin of axes' access attempts: deleting one lifts its lockout."""

    def delete_model(self, request, obj):
        lockout.announce_unlocked(request, obj, via="admin")
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for attempt in queryset:
            lockout.announce_unlocked(request, attempt, via="admin")
        super().delete_queryset(request, queryset)
