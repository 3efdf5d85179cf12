"""The login lockout (django-axes), wrapped in one place: whose address a request comes
from, and unlocking a user."""

from axes.utils import reset
from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind OKOT_PROXY_COUNT proxies that each
    append the address they were called from to X-Forwarded-For, the entry that many places
    from the right (the ones left of it the client could have written itself)."""
    count = settings.OKOT_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def unlock(username: str) -> int:
    """Forget the failed logins for `username` (from any address); how many were forgotten."""
    return reset(username=username)
