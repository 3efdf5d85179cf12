"""The figures kept in the cache, by scope and filters, shared by the page and its downloads.

A million referrals take seconds to count (15 grouped counts); the same figures asked again,
by the same person moving between the page and its downloads or by a colleague of the same
OCMW or region, come from the cache. A figure is kept under its scope (a caseworker's OCMW, a
counsellor's region, a network manager's province, all of Flanders for the administrator),
its filters and the versions of what it counts. A change to a referral, its check-ups or its
interruptions gives its OCMW, its region and all of Flanders (which the provinces follow) a
new version once it commits; a change to a client, a training or an organisation, an import
or the retention gives every scope one (`everything`). A changed scope misses and is counted
again (on the read replica, if there is one, once it holds what those versions say:
`replica`); what no signal announces (a correction in SQL) is at most
`OKOT_FIGURES_CACHE_SECONDS` old (the start years side by side, kept apart for every year of
a page by start cohort, up to twice that: `figures.start_years`), and the figures of all of
Flanders and the provinces, and those slow to count, at most until the day ends (the day
after, they are shown only as counted then, saying so, while they are counted again).

A version is a new random value, never a counter: a version the cache evicted comes back as
another value, not as 0, so it cannot bring back figures computed before the change. The
shape of the cached tables is part of the key, so a deploy that changes it reads none of the
old ones. The cache is an aid: when it fails (Redis down) the figures are counted, and a step
that committed is never reported as failed because its figures could not be renewed.

All of Flanders changes with every step anywhere, and takes seconds to count. Figures that
follow its version (the administrator's, a network manager's) are therefore kept until the
next day ends (a worker counts them before a day begins: `figures.count_ahead`), and after a
change, or the first time a day asks for them, served as they were last counted while a
worker counts them again (`recount`, asked once however many ask); the page says when they
were counted. So are the figures of any scope slow to count: a count of them took
OKOT_FIGURES_SLOW_SECONDS (a second) or more (once, while they are kept), or they were
counted ahead of the day (a counsellor's region, a sixth of Flanders that the steps of some
fifty OCMWs change all day, takes one to five seconds). Figures of all of Flanders never
counted (filters nobody asked for yet) are not counted on the request either, which would
hold a web worker for seconds (a few such requests at once, and every page waits): the page
says they are being counted and shows them when the worker is done (`Counted.pending`). A
count asked of a worker longer than `OKOT_FIGURES_STALE_SECONDS` ago and not done
(`OKOT_FIGURES_PENDING_SECONDS` for figures never counted: no worker running), or that
could not be asked (the broker down), is made on the request (each open page of them its
own). Figures that count faster (an OCMW's, nearly always) are always those of the last
step and of the day."""

import dataclasses
import datetime
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from ..models.querysets import midnight
from . import replica
from .page import Section
from .tables import Column, Row, Table

logger = logging.getLogger(__name__)

EVERYTHING = "everything"
ALL = "all"
# What the cached objects are made of: another shape after a deploy is another key.
SHAPE = repr(
    [(c.__name__, [f.name for f in dataclasses.fields(c)]) for c in (Section, Table, Row, Column)]
)


def scopes_of(user) -> list[str]:
    """The scope of `user`'s figures (`Referral.objects.reportable_to`) first, then those
    whose versions it follows."""
    if user.is_administrator:
        return [ALL]
    if user.is_network_manager:  # the OCMWs of a province, which no referral names
        return [f"province:{user.organisation.province}", ALL]
    if user.is_counsellor:
        return [f"region:{user.organisation.province}"]
    return [f"ocmw:{user.organisation_id}"]


class Counted(NamedTuple):
    figures: Any  # None: never counted yet; a worker is counting them (`pending`)
    at: datetime.datetime  # when what they count was as they show it
    stale: bool = False  # a step changed what they count since; a new count is under way

    @property
    def pending(self) -> bool:
        return self.figures is None


class _Kept(NamedTuple):
    versions: list[str]  # of the scopes when the count began
    figures: Any
    at: datetime.datetime
    # Slow to count (`remembered`): after a change, shown as counted while a worker counts
    # it again, as all of Flanders' are, and kept until the day ends (a page's: the next).
    slow: bool = False


def remembered(
    user,
    what: tuple,
    compute: Callable | None,
    *,
    recount: Callable | None = None,
    slow: bool = False,
    page: bool = False,
) -> Counted | None:
    """`compute()` for `user`'s scope and `what` (the filters, the table), from the cache
    unless their scope changed or a day began since they were put there; without
    `compute`, what the cache has or None. With `recount` (which has them counted again
    elsewhere), changed figures of all of Flanders, and of any scope slow to count, come as
    they were (`stale`) while that count is under way, and so do those of the day before.
    Slow to count: a count of them took OKOT_FIGURES_SLOW_SECONDS or more (then they stay
    so while they are kept: a faster count later, with its start years side by side found
    in the cache or on a quiet night, does not make them fast again), or `slow` says so
    (counted ahead of the day). Figures of all of Flanders never counted yet, with
    `recount`, are left to it too: `pending` (no figures) while it counts, unless it
    counted them at once (tasks run in this process). A `page`'s figures of all of Flanders
    or slow to count (what a recount is for) are kept through the next day, for its first
    request to show."""
    seconds = settings.OKOT_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return _counted_now(compute)
    scopes = scopes_of(user)
    try:
        versions = _versions([*scopes, EVERYTHING])
        key = _key(scopes[0], what)
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 (whatever the backend raises: the figures are counted)
        logger.warning("The figures' cache could not be read; counting them.", exc_info=True)
        return _counted_now(compute)
    # A new day's figures are counted anew (what is open is open a day longer); those of
    # the day before, of all of Flanders or slow to count, are shown while they are.
    counted_today = kept is not None and timezone.localdate(kept.at) == timezone.localdate()
    if counted_today and kept.versions == versions:
        return Counted(kept.figures, kept.at)
    may_show_stale = kept is not None and (ALL in scopes or kept.slow)
    if may_show_stale and recount is not None and _counting(key, recount):
        return Counted(kept.figures, kept.at, stale=True)
    if kept is None and ALL in scopes and recount is not None:
        # Never counted: not on the request either, which would hold a web worker for
        # seconds, while a worker counts them (`_pending`).
        pending = _pending(key, versions, recount)
        if pending is not None:
            return pending
    if compute is None:
        return None
    took = []  # the count's own time (the last, if a replica failed it): not the waits

    def timed():
        began = time.monotonic()
        figures = compute()
        took.append(time.monotonic() - began)
        return figures

    counted = _counted_now(timed)
    # As the cache gives them back: the same figures whether counted now or kept.
    counted = counted._replace(figures=_as_text(counted.figures))
    slow = slow or (kept is not None and kept.slow)
    slow = slow or took[-1] >= settings.OKOT_FIGURES_SLOW_SECONDS
    try:
        days = (2 if page else 1) if ALL in scopes or slow else 0
        lifetime = _lifetime(seconds, counted.at, days=days)
        cache.set(key, _Kept(versions, counted.figures, counted.at, slow), lifetime)
        cache.delete(_recounting(key))
    except Exception:  # noqa: BLE001
        logger.warning("The figures could not be kept in the cache.", exc_info=True)
    return counted


def _pending(key: str, versions: list[str], recount: Callable) -> Counted | None:
    """Figures never counted, of all of Flanders, while a worker counts them: asked now or
    less than OKOT_FIGURES_PENDING_SECONDS ago (a page without figures waits less long for
    the worker than one that shows the last ones), `pending`; or as the worker counted them
    at once (tasks run in this process). None: the request counts them (no worker came in
    time, or none could be asked)."""
    if not _counting(key, recount, within=settings.OKOT_FIGURES_PENDING_SECONDS):
        return None
    try:
        done = cache.get(key)
    except Exception:  # noqa: BLE001 (then asked again, and counted, by a later request)
        done = None
    if done is not None and done.versions == versions:
        return Counted(done.figures, done.at)
    return Counted(None, timezone.now())


def _counted_now(compute: Callable | None) -> Counted | None:
    """`compute()`, counted now: on the read replica, if there is one (`replica.count`),
    once it holds what the versions read before say."""
    if compute is None:
        return None
    at = timezone.now()
    return Counted(replica.count(compute), at)


def _key(scope: str, what: tuple) -> str:
    """Where the figures of `scope` and `what` are kept, with the versions they counted and
    when (a day's figures are counted again the next day)."""
    described = repr((scope, what, SHAPE, translation.get_language()))
    return "figures:" + hashlib.sha256(described.encode()).hexdigest()


def _as_text(figures):
    """`figures` (sections, tables, their rows and columns) with each lazy translation in
    them made the text it is now: they are kept per language (`_key`), and a lazy text
    comes out of the cache (a pickle) through a class Django makes anew for each (`lazy`),
    40 µs apiece: 4 ms for a page's hundred labels, a sixth of the page from the cache."""
    if isinstance(figures, Promise):
        return str(figures)
    if dataclasses.is_dataclass(figures) and not isinstance(figures, type):
        return dataclasses.replace(
            figures,
            **{
                f.name: _as_text(getattr(figures, f.name))
                for f in dataclasses.fields(figures)
                if f.init  # replace() takes no other
            },
        )
    if type(figures) in (list, tuple):
        return type(figures)(_as_text(item) for item in figures)
    return figures


def _lifetime(seconds: int, at: datetime.datetime, *, days: int) -> int:
    """How long figures counted `at` are kept: OKOT_FIGURES_CACHE_SECONDS, or, with `days`,
    until that many days have ended from the day they count (1: until it ends; 2: through
    the next day too), when that is longer."""
    if not days:
        return seconds
    end = midnight(timezone.localdate(at) + datetime.timedelta(days=days))
    # In seconds since the epoch: aware datetimes of one time zone subtract as wall clocks,
    # an hour off on the days the clocks change.
    return max(seconds, int(end.timestamp() - timezone.now().timestamp()) + 1)


def _recounting(key: str) -> str:
    return f"{key}:recounting"


def _counting(key: str, recount: Callable, *, within: int | None = None) -> bool:
    """Whether a worker is counting these figures again: asked by `recount()` now, or less
    than OKOT_FIGURES_STALE_SECONDS ago (or `within`, when a caller waits less long; once
    however many ask). Not when it was asked longer ago (no worker is running), nor when it
    cannot be asked (the broker or the cache down): then the request counts them, which ends
    what was asked. (One asked just before midnight, counting that day's, is taken for the
    new day's until it is done; the request after that asks again.)"""
    allowed = settings.OKOT_FIGURES_STALE_SECONDS
    waited = allowed if within is None else min(within, allowed)
    if waited <= 0:
        return False
    now = time.time()
    try:
        if cache.add(_recounting(key), now, 2 * allowed):
            recount()
            return True
        asked = cache.get(_recounting(key))
    except Exception:  # noqa: BLE001 (whatever the broker or the cache raise)
        logger.warning("The figures could not be asked to be counted again.", exc_info=True)
        return False
    return asked is not None and now - asked < waited


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
    # Also where this process keeps no figures itself (a worker, an import from the command
    # line): the web's figures are in the same shared cache.
    if settings.OKOT_FIGURES_CACHE_SECONDS > 0 or not isinstance(
        caches["default"], LocMemCache | DummyCache
    ):
        transaction.on_commit(lambda: _renew(scopes), robust=True)


def _renew(scopes: list[str]) -> None:
    version = _new_version()
    try:
        cache.set_many({f"figures:version:{scope}": version for scope in scopes}, None)
    except Exception:  # noqa: BLE001 (the step committed; its figures live out their time)
        logger.warning("The figures' versions could not be renewed.", exc_info=True)


def _new_version() -> str:
    return uuid.uuid4().hex
