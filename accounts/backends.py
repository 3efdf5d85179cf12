"""The users' permissions read in one query instead of Django's two.

Every request asks the permissions of the user behind it, and a step those of each person it
tells (`Role.held_by`); Django's ModelBackend reads a user's own permissions and those of
their groups in two queries. `PermissionsInOneQuery` reads both in one, into the very cache
ModelBackend keeps on the user object (`_perm_cache`), so that ModelBackend, listed after it,
finds them there. It authenticates nobody and has no `get_user`: ModelBackend logs people in,
and stays the backend the sessions (and the tests' `force_login`) name."""

from django.contrib.auth.models import Permission
from django.db.models import Q


class PermissionsInOneQuery:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return user_obj.is_active and perm in self.get_all_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        """ModelBackend's answer: none for an inactive or anonymous user or an object; every
        permission for a superuser; else their own and their groups'."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            names = permissions.values_list("content_type__app_label", "codename").distinct()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in names}
        return user_obj._perm_cache
