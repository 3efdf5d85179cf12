"""The figures kept in the cache, by scope and filters, shared by the page and its downloads.

A million referrals take seconds to count (15 grouped counts); the same figures asked again,
by the same person moving between the page and its downloads or by a colleague of the same
OCMW or region, come from the cache. Each scope has a version in the cache: a caseworker's
figures are their OCMW's (`ocmw:<id>`), a counsellor's their region's (`region:<province>`),
the network manager's and the administrator's all of Flanders (`all`). A change to a
referral, its check-ups or its interruptions gives its OCMW, its region and `all` a new
version once it commits; a change to a client or a training, an import or the retention
gives every scope one (`everything`). A figure is looked up under the versions it was
computed with, so a changed scope misses and is counted again; what no signal announces is
at most `OKOT_FIGURES_CACHE_SECONDS` old.

A version is a new random value, never a counter: a version the cache evicted comes back as
another value, not as 0, so it cannot bring back figures computed before the change."""

import hashlib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

EVERYTHING = "everything"
ALL = "all"


def scope_of(user) -> str:
    """The scope of `user`'s figures (`Referral.objects.reportable_to`)."""
    if user.is_administrator or user.is_network_manager:
        return ALL
    if user.is_counsellor:
        return f"region:{user.organisation.province}"
    return f"ocmw:{user.organisation_id}"


def remembered(user, what: tuple, compute: Callable | None):
    """`compute()` for `user`'s scope and `what` (the filters, the table), from the cache
    unless their scope changed since it was put there; without `compute`, what the cache
    has or None."""
    seconds = settings.OKOT_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return compute() if compute else None
    scope = scope_of(user)
    versions = _versions([scope, EVERYTHING])
    key = (
        "figures:"
        + hashlib.sha256(
            repr(
                (
                    scope,
                    what,
                    versions,
                    translation.get_language(),
                    timezone.localdate().isoformat(),
                )
            ).encode()
        ).hexdigest()
    )
    figures = cache.get(key)
    if figures is None and compute is not None:
        figures = compute()
        cache.set(key, figures, seconds)
    return figures


def referral_changed(referral) -> None:
    """After this transaction commits: new versions for the scopes that count `referral`."""
    _renew_on_commit([f"ocmw:{referral.ocmw_id}", f"region:{referral.region}", ALL])


def everything_changed() -> None:
    """After this transaction commits: a new version for every scope."""
    _renew_on_commit([EVERYTHING])


def _versions(scopes: list[str]) -> list[str]:
    names = [f"figures:version:{scope}" for scope in scopes]
    found = cache.get_many(names)
    for name in names:
        if name not in found:
            cache.add(name, _new_version(), None)
            found[name] = cache.get(name)
    return [found[name] for name in names]


def _renew_on_commit(scopes: list[str]) -> None:
    if settings.OKOT_FIGURES_CACHE_SECONDS > 0:
        transaction.on_commit(lambda: _renew(scopes))


def _renew(scopes: list[str]) -> None:
    version = _new_version()
    cache.set_many({f"figures:version:{scope}": version for scope in scopes}, None)


def _new_version() -> str:
    return uuid.uuid4().hex
