from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import (
    access,
    admin_security,  # noqa: F401 - takes over the lockouts' and devices' admin
)
from .admin_announce import AnnouncedRoleChangesMixin, AnnouncedUserChangesMixin
from .admin_delete import ProtectedCountsMixin
from .admin_paging import ActionCheckboxMixin
from .admin_search import SessionSearchMixin
from .changes import announce_user_change, user_snapshot
from .lockout import unlock
from .models import Organisation, User

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(
    ActionCheckboxMixin, AnnouncedRoleChangesMixin, SessionSearchMixin, BaseGroupAdmin
):
    """The roles, searched like every other list of the admin; what changes in them is
    announced (accounts/admin_announce.py)."""


@admin.register(Organisation)
class OrganisationAdmin(
    ActionCheckboxMixin, ProtectedCountsMixin, SessionSearchMixin, admin.ModelAdmin
):
    list_display = ["name", "kind", "municipality", "province", "email", "phone"]
    list_filter = ["kind", "province"]
    search_fields = ["name", "municipality"]


@admin.register(User)
class UserAdmin(
    ActionCheckboxMixin,
    AnnouncedUserChangesMixin,
    ProtectedCountsMixin,
    SessionSearchMixin,
    BaseUserAdmin,
):
    """Users; every account created, changed (roles and password included) or deleted here
    is announced (accounts/admin_announce.py), in the transaction of the change."""

    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ["organisation", "work_phone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Organisation"), {"fields": ["organisation", "work_phone", "groups"]}),
    ]
    # Facts, not settings. Editable, a time in the hour the clocks go back was refused as
    # ambiguous, and that user's page could not be saved.
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["username", "full_name", "organisation", "roles", "is_active", "is_staff"]
    list_filter = ["organisation", "groups", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    actions = ["unlock_login"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def has_change_permission(self, request, obj=None) -> bool:
        """Nobody changes (nor sets the password of) a user more powerful than themselves;
        such a user's page is shown read-only."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or access.may_administer_user(obj, request.user))

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or access.may_administer_user(obj, request.user))

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form refuses roles that carry a permission the editor lacks."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if "groups" not in form.base_fields:
            return form
        editor = request.user

        class GrantOnlyHeldRoles(form):
            def clean_groups(self):
                groups = self.cleaned_data["groups"]
                refused = [g for g in groups if not access.may_grant_group(g, editor)]
                if refused:
                    raise ValidationError(
                        gettext(
                            "You cannot give a role with permissions that you do not "
                            "have yourself: %(roles)s."
                        )
                        % {"roles": ", ".join(gettext(g.name) for g in refused)},
                        code="grant_refused",
                    )
                return groups

        return GrantOnlyHeldRoles

    def get_readonly_fields(self, request, obj=None):
        """Only a superuser hands out superuser status or loose permissions; the functional
        administrator gives roles (groups)."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    @admin.display(description=_("roles"))
    def roles(self, user: User) -> str:
        # Sorted in Python: an order_by() here would bypass the prefetch.
        return ", ".join(sorted(gettext(group.name) for group in user.groups.all()))

    @admin.action(description=_("Unlock login (forget failed attempts)"), permissions=["unlock"])
    def unlock_login(self, request, queryset):
        usernames = queryset.values_list("username", flat=True)
        forgotten = sum(unlock(username, request=request, via="admin") for username in usernames)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed login attempt forgotten.",
                "%(count)d failed login attempts forgotten.",
                forgotten,
            )
            % {"count": forgotten},
        )

    def user_change_password(self, request, id, form_url=""):
        """Django's password form for a user, its change announced in its transaction."""
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = user_snapshot(user)
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and user is not None and response.status_code == 302:
                announce_user_change(request, user, before)
        return response

    def has_unlock_permission(self, request) -> bool:
        """Unlocking deletes the lockout's records, as the admin of lockouts does."""
        return request.user.has_perm("axes.delete_accessattempt")
