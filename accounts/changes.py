"""What changed in a user account or a role, announced (`events.user_changed`,
`events.role_changed`) by every place that changes one: Django admin, the language switch,
the password pages.

A snapshot is taken before the change and compared after it, in the same transaction; only
what differs is announced. The password is compared, never announced: its hash stays here."""

from django.contrib.auth.models import Group

from . import events
from .models import User

# The account's own fields whose before and after are announced.
USER_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "work_phone",
    "language",
    "is_active",
    "is_staff",
    "is_superuser",
]


def permission_names(permissions) -> list[str]:
    return sorted(
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list("content_type__app_label", "codename")
    )


def user_snapshot(user: User | None) -> dict:
    """The announced state of `user` (and its password hash, to compare); {} for none."""
    if user is None or user.pk is None:
        return {}
    user = User.objects.select_related("organisation").get(pk=user.pk)  # as stored
    return {
        **{name: getattr(user, name) for name in USER_FIELDS},
        "organisation": str(user.organisation) if user.organisation else None,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": permission_names(user.user_permissions),
        "password": user.password,
    }


def user_differences(before: dict, after: dict) -> dict:
    """What `announce_user_change` sends: the fields that differ, as [before, after] (a new
    user's filled-in fields only), the roles and permissions added and removed, and whether
    the password changed."""
    created = not before
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if name not in ("roles", "permissions", "password")
        and before.get(name) != value
        and not (created and value in ("", None, False))
    }
    differences = {
        "changes": changes,
        **added_and_removed("roles", before, after),
        **added_and_removed("permissions", before, after),
        "password_changed": bool(after) and before.get("password") != after.get("password"),
    }
    return {name: value for name, value in differences.items() if value}


def added_and_removed(name: str, before: dict, after: dict) -> dict[str, list]:
    """`<name>_added` and `<name>_removed`: what the list `name` gained and lost."""
    old, new = set(before.get(name, [])), set(after.get(name, []))
    return {f"{name}_added": sorted(new - old), f"{name}_removed": sorted(old - new)}


def announce_user_change(request, user: User, before: dict) -> bool:
    """Announce what changed in `user` since `before` (`user_snapshot`); whether anything
    did. `before` {} announces a new user."""
    differences = user_differences(before, user_snapshot(user))
    if not differences:
        return False
    event = "created" if not before else "changed"
    events.user_changed.send(sender=User, request=request, user=user, event=event, **differences)
    return True


def announce_user_event(request, user: User, event: str, **details) -> None:
    """Announce something done to `user`'s account that is no field of it (deleted, a
    second factor removed by an administrator)."""
    events.user_changed.send(sender=User, request=request, user=user, event=event, **details)


def role_snapshot(group: Group | None) -> dict:
    if group is None or group.pk is None:
        return {}
    group = Group.objects.get(pk=group.pk)  # as stored
    return {"name": group.name, "permissions": permission_names(group.permissions)}


def announce_role_event(request, group: Group, event: str) -> None:
    """Announce a role deleted."""
    events.role_changed.send(sender=Group, request=request, group=group, event=event)


def announce_role_change(request, group: Group, before: dict) -> bool:
    """Announce a role created or whose name or permissions changed since `before`."""
    after = role_snapshot(group)
    details = added_and_removed("permissions", before, after)
    renamed = before and before["name"] != after["name"]
    if before and not (details["permissions_added"] or details["permissions_removed"] or renamed):
        return False
    if renamed:
        details["changes"] = {"name": [before["name"], after["name"]]}
    events.role_changed.send(
        sender=Group,
        request=request,
        group=group,
        event="changed" if before else "created",
        **{name: value for name, value in details.items() if value},
    )
    return True
