"""Account events into the audit trail: logins, failed logins and logouts (Django's own
signals), lockouts (django-axes' `user_locked_out`), and what `accounts.events` announces:
unlocks, second-factor verifications and devices, users and roles changed.

A receiver runs in the sender's transaction, so the row commits or rolls back with the
change it records. Connected by AuditConfig.ready."""

import re

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import events

from . import trail
from .models import Kind

# A user name made of digits and separators only, 11 digits long: someone typed their
# national number into the login form. The trail keeps its last digits only.
INSZ_LIKE = re.compile(r"[\d\s./-]+")


def tried_name(name) -> str:
    """The user name a failed login tried, as the trail may keep it."""
    name = str(name or "")
    digits = "".join(ch for ch in name if ch.isdigit())
    if INSZ_LIKE.fullmatch(name) and len(digits) == 11:
        return trail.mask_insz(name)
    return name


def announced(details: dict) -> dict:
    """What a signal of `accounts.events` says, without the signal itself."""
    return {name: value for name, value in details.items() if name != "signal"}


def acting(request, default=None):
    """Whoever acts: the request's user when logged in, else `default` (a user resetting
    their own password, a management command's subject)."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else default


@receiver(user_logged_in, dispatch_uid="audit.logged_in")
def logged_in(sender, request, user, **kwargs):
    trail.record(Kind.LOGIN, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def login_failed(sender, credentials, request=None, **kwargs):
    """No account acts: the row keeps the name tried and the address it came from."""
    name = credentials.get(get_user_model().USERNAME_FIELD, credentials.get("username"))
    trail.record(Kind.LOGIN_FAILED, request=request, actor_name=tried_name(name))


@receiver(user_logged_out, dispatch_uid="audit.logged_out")
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        trail.record(Kind.LOGOUT, request=request, user=user)


@receiver(user_locked_out, dispatch_uid="audit.locked_out")
def locked_out(sender, request=None, username=None, **kwargs):
    """django-axes refused a login: the name tried (or its address) is locked out."""
    trail.record(Kind.LOCKOUT, request=request, actor_name=tried_name(username))


@receiver(events.login_unlocked, dispatch_uid="audit.unlocked")
def unlocked(sender, request, username, failures, via="", address=None, **kwargs):
    user = acting(request)
    if user is None and request is not None:
        # A password reset by e-mail: the user lifts their own lockout, not logged in.
        user = get_user_model().objects.filter(username=username).first()
    detail = {"username": tried_name(username), "failures": failures, "via": via}
    if address:
        detail["address"] = address
    trail.record(Kind.UNLOCK, request=request, user=user, detail=detail)


@receiver(events.second_factor, dispatch_uid="audit.second_factor")
def second_factor(sender, request, user, event, method, **details):
    detail = {"event": event, "method": method, **announced(details)}
    trail.record(Kind.SECOND_FACTOR, request=request, user=user, detail=detail)


@receiver(events.user_changed, dispatch_uid="audit.user_changed")
def user_changed(sender, request, user, event, **details):
    detail = {"event": event, "user_id": user.pk, "username": user.get_username()}
    detail |= announced(details)
    trail.record(Kind.USER_CHANGE, request=request, user=acting(request, user), detail=detail)


@receiver(events.role_changed, dispatch_uid="audit.role_changed")
def role_changed(sender, request, group, event, **details):
    detail = {"event": f"role_{event}", "role_id": group.pk, "role": group.name}
    detail |= announced(details)
    trail.record(Kind.USER_CHANGE, request=request, user=acting(request), detail=detail)
