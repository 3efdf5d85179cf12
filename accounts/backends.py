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
    group of theirs: the tables and columns of Django's own models, and the many-to-many
    tables' as their fields name them (after the user model, whatever it is called)."""
    qn = connections[alias].ops.quote_name
    own = get_user_model()._meta.get_field("user_permissions")
    groups = get_user_model()._meta.get_field("groups")
    granted = Group._meta.get_field("permissions")

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    # Names from the models, the user's key as a parameter.
    return (
        f"SELECT ct.{column(ContentType, 'app_label')}, p.{column(Permission, 'codename')}"  # noqa: S608
        f" FROM {qn(Permission._meta.db_table)} p INNER JOIN {qn(ContentType._meta.db_table)} ct"
        f" ON ct.{column(ContentType, 'id')} = p.{column(Permission, 'content_type')}"
        f" WHERE p.{column(Permission, 'id')} IN ("
        f"SELECT {qn(own.m2m_reverse_name())} FROM {qn(own.m2m_db_table())}"
        f" WHERE {qn(own.m2m_column_name())} = %s"
        f" UNION ALL SELECT g.{qn(granted.m2m_reverse_name())} FROM {qn(granted.m2m_db_table())} g"
        f" INNER JOIN {qn(groups.m2m_db_table())} m"
        f" ON m.{qn(groups.m2m_reverse_name())} = g.{qn(granted.m2m_column_name())}"
        f" WHERE m.{qn(groups.m2m_column_name())} = %s)"
    )
