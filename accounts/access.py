"""Who may administer whom: the access rules about accounts themselves.

The rules about clients and referrals live in `referrals.access`; these live here because
`accounts` knows nothing of referrals. Both are asked, never repeated, by the admin.

A user can be no more powerful than whoever edits them: nobody changes (or deletes, or
resets the password of) a user who holds a permission or the superuser flag that they lack
themselves; only a superuser administers those who must pass a second factor (administrators
and staff: otherwise one administrator could take over another); and nobody grants a role
whose permissions they lack. The roles' own permissions (`Role.permission`: acting as
caseworker, counsellor, ...) are the exception for an administrator, whose job is to hand
them out."""

from .models import Role
from .two_factor import second_factor_required


def lacks_any(permissions, user) -> bool:
    """Whether `user` lacks any of `permissions` ("app_label.codename") that give power."""
    if user.is_superuser:
        return False
    powers = set(permissions)
    if user.is_administrator:
        powers -= {role.permission for role in Role}
    return not powers <= user.get_all_permissions()


def may_administer_user(target, user) -> bool:
    """Change, delete or set the password of `target`: only someone more powerful. A user
    who must pass a second factor (an administrator, staff, a superuser) only a superuser:
    otherwise one administrator could set a peer's password, enrol their second factor and
    log in as them."""
    if user.is_superuser:
        return True
    if second_factor_required(target):
        return False
    return not lacks_any(target.get_all_permissions(), user)


def group_permissions(group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def may_grant_group(group, user) -> bool:
    """Give this role (group) to someone: only with every permission it carries."""
    return user.is_superuser or not lacks_any(group_permissions(group), user)
