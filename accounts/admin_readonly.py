"""Admin for rows the app writes with its own rules: shown, never added or changed by hand.

One mixin for ModelAdmins and inlines alike. `can_delete` (an inline's own attribute, read
the same way here on a ModelAdmin) is False unless a class allows it; then deleting is left
to the user's permission, as Django does."""


class ReadOnlyAdminMixin:
    """No add, no change, and no delete unless `can_delete`; viewing is Django's usual check."""

    can_delete = False

    # `obj` is the inline's argument; a ModelAdmin is asked with the request alone.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.can_delete and super().has_delete_permission(request, obj)
