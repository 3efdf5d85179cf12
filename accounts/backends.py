"""The users' permissions read in one query instead of Django's two.

Every request asks the permissions of the user behind it, and a step those of each person it
tells (`Role.held_by`); Django's ModelBackend reads a user's own permissions and those of
their groups in two queries. `PermissionsInOneQuery` reads both in one, into the very cache
ModelBackend keeps on the user object (`_perm_cache`), so that ModelBackend, listed after it,
finds them there. It authenticates nobody and has no `get_user`: ModelBackend logs people in,
and stays the backend the sessions (and the tests' `force_login`) name.

The query is one fixed statement, written once from the models' tables (`_statement`): Django
takes about a millisecond to build it as a queryset, three times what the database takes to
answer it, on every request and for every person a step tells."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router


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
            if user_obj.is_superuser:
                names = Permission.objects.values_list("content_type__app_label", "codename")
            else:
                alias = router.db_for_read(Permission)
                with connections[alias].cursor() as cursor:
                    cursor.execute(_statement(alias), [user_obj.pk, user_obj.pk])
                    names = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in names}
        return user_obj._perm_cache


@functools.cache
def _statement(alias: str) -> str:
    """The permissions (app label, codename) granted to user %s directly or through a
    group of theirs: the tables and columns of Django's own models and many-to-manys."""
    qn = connections[alias].ops.quote_name

    def table(model) -> str:
        return qn(model._meta.db_table)

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    user = get_user_model()
    own, groups = user.user_permissions.through, user.groups.through
    granted = Group.permissions.through
    # Names from the models, the user's key as a parameter.
    return (
        f"SELECT ct.{column(ContentType, 'app_label')}, p.{column(Permission, 'codename')}"  # noqa: S608
        f" FROM {table(Permission)} p INNER JOIN {table(ContentType)} ct"
        f" ON ct.{column(ContentType, 'id')} = p.{column(Permission, 'content_type')}"
        f" WHERE p.{column(Permission, 'id')} IN ("
        f"SELECT {column(own, 'permission')} FROM {table(own)} WHERE {column(own, 'user')} = %s"
        f" UNION ALL SELECT g.{column(granted, 'permission')} FROM {table(granted)} g"
        f" INNER JOIN {table(groups)} m"
        f" ON m.{column(groups, 'group')} = g.{column(granted, 'group')}"
        f" WHERE m.{column(groups, 'user')} = %s)"
    )
