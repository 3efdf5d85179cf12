"""The users' permissions read in one query instead of Django's two.

Every request asks the permissions of the user behind it, and a step those of each person it
tells (`Role.held_by`); Django's ModelBackend reads a user's own permissions and those of
their groups in two queries. `PermissionsInOneQuery` reads both in one, into the very cache
ModelBackend keeps on the user object (`_perm_cache`), so that ModelBackend, listed after it,
finds them there. It authenticates nobody and has no `get_user`: ModelBackend logs people in,
and stays the backend the sessions (and the tests' `force_login`) name. `read_permissions`
fills that cache for many users in the same one query: everyone a step tells, whom writing
their messages asks what they may see (a region's hundred counsellors, when nobody of VDAB
acted yet), rather than a query per person.

The query is one fixed statement per number of users, written once from the models' tables
(`_statement`): Django takes about a millisecond to build it as a queryset, three times what
the database takes to answer it, and it is asked on every request and by every step."""

import functools
from collections.abc import Iterable

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
            read_permissions([user_obj])
        return user_obj._perm_cache


def read_permissions(users: Iterable) -> None:
    """Read the permissions of each of `users` not read yet, in one query for them all (two
    when some are superusers, who hold every permission), into the cache that
    `PermissionsInOneQuery` and ModelBackend answer from: those of everyone a message goes
    to, whom writing it asks what they may see (a region's counsellors, an OCMW's
    caseworkers), as much as those of the user behind a request. Inactive and anonymous
    users hold none, and are not asked; nor is a user not saved yet, who holds none."""
    unread = [
        user
        for user in users
        if user.is_active and not user.is_anonymous and not hasattr(user, "_perm_cache")
    ]
    every: set[str] = set()
    if any(user.is_superuser for user in unread):
        names = Permission.objects.values_list("content_type__app_label", "codename")
        every = {f"{app_label}.{codename}" for app_label, codename in names}
    granted: dict[int, set[str]] = {}
    keys = sorted({user.pk for user in unread if not user.is_superuser and user.pk is not None})
    if keys:
        alias = router.db_for_read(Permission)
        with connections[alias].cursor() as cursor:
            cursor.execute(_statement(alias, len(keys)), [*keys, *keys])
            for pk, app_label, codename in cursor.fetchall():
                granted.setdefault(pk, set()).add(f"{app_label}.{codename}")
    for user in unread:
        # A set of its own for each object, as each reads it as it is (a superuser, or not).
        user._perm_cache = set(every if user.is_superuser else granted.get(user.pk, ()))


@functools.lru_cache(maxsize=128)
def _statement(alias: str, users: int) -> str:
    """The permissions (user key, app label, codename) granted to `users` users directly or
    through a group of theirs, their keys given twice as parameters: the tables and columns
    of Django's own models, and the many-to-many tables' as their fields name them (after
    the user model, whatever it is called)."""
    qn = connections[alias].ops.quote_name
    own = get_user_model()._meta.get_field("user_permissions")
    groups = get_user_model()._meta.get_field("groups")
    granted = Group._meta.get_field("permissions")
    keys = ", ".join(["%s"] * users)

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    # Names from the models, the users' keys as parameters.
    return (
        f"SELECT x.u, ct.{column(ContentType, 'app_label')}, p.{column(Permission, 'codename')}"  # noqa: S608
        f" FROM (SELECT {qn(own.m2m_column_name())} AS u, {qn(own.m2m_reverse_name())} AS perm"
        f" FROM {qn(own.m2m_db_table())} WHERE {qn(own.m2m_column_name())} IN ({keys})"
        f" UNION SELECT m.{qn(groups.m2m_column_name())}, g.{qn(granted.m2m_reverse_name())}"
        f" FROM {qn(granted.m2m_db_table())} g INNER JOIN {qn(groups.m2m_db_table())} m"
        f" ON m.{qn(groups.m2m_reverse_name())} = g.{qn(granted.m2m_column_name())}"
        f" WHERE m.{qn(groups.m2m_column_name())} IN ({keys})) x"
        f" INNER JOIN {qn(Permission._meta.db_table)} p ON p.{column(Permission, 'id')} = x.perm"
        f" INNER JOIN {qn(ContentType._meta.db_table)} ct"
        f" ON ct.{column(ContentType, 'id')} = p.{column(Permission, 'content_type')}"
    )
