"""Recording reads of personal data: which clients and referrals a page, a printout, a
download or a search showed to whom (the trail's VIEW, PRINT, EXPORT and SEARCH rows).

The views and the admin (`audit.admin_reads`) call these once per response that shows
personal data, before it is rendered; a response that refuses, redirects or shows only
figures records nothing. A page that shows several clients writes one row naming them all
(and their referrals), so that recording costs a page one query, whatever it shows.

A search keeps what was typed with every number masked as lists show a national number
(`mask_insz`: the last three digits), how many it found, and the hits shown; a search that
found nobody still leaves its row."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import Kind
from .trail import mask_insz, record, record_many

__all__ = ["Kind", "Subject", "shown", "listed", "searched", "masked_query"]

# A number in a search: digits, possibly grouped by dots, dashes, slashes or spaces
# (85.07.30-033.28), masked as one.
NUMBER = re.compile(r"\d(?:[\d./ -]*\d)?")


def masked_query(text: str) -> str:
    """What was searched, every number in it reduced to its last three digits."""
    return NUMBER.sub(lambda match: mask_insz(match.group()), (text or "").strip())


@dataclass(frozen=True)
class Subject:
    """Where an object keeps the client and the referral it is about: attribute paths,
    dotted (`"referral.client_id"`), or None when it names none. The same paths with `__`
    are the lookups that read them from a queryset in one query."""

    client: str | None = None
    referral: str | None = None

    def of(self, obj) -> tuple[int | None, int | None]:
        return _walk(obj, self.client), _walk(obj, self.referral)

    def of_all(self, objects: Iterable) -> list[tuple[int | None, int | None]]:
        """The subjects of `objects`; a path through a relation they were read without
        (no `select_related`) is read for them all in one query: a list need not join a
        row it does not show (the admin's messages searched joined 2,174 referrals, to
        sort them for a page of 100: 10 of the query's 19 ms)."""
        objects = list(objects)
        client, referral = (_reader(objects, path) for path in (self.client, self.referral))
        return [(client(obj), referral(obj)) for obj in objects]

    def of_queryset(self, queryset) -> list[tuple[int | None, int | None]]:
        """The subjects of a queryset's rows in one query, without loading the rows."""
        lookups = [_lookup(self.client), _lookup(self.referral)]
        named = [lookup for lookup in lookups if lookup]
        rows = queryset.values_list(*named) if named else []
        return [_aligned(lookups, row) for row in rows]


# The subjects of the app's own rows.
CLIENT = Subject(client="pk")
REFERRAL = Subject(client="client_id", referral="pk")
OF_CLIENT = Subject(client="client_id")
OF_REFERRAL = Subject(client="referral.client_id", referral="referral_id")


def shown(request, *, client=None, referral=None, kind: str = Kind.VIEW, detail=None) -> None:
    """One page (a printout, a download) about one client and/or referral: one row."""
    record(kind, request=request, client=client, referral=referral, detail=detail)


def listed(request, subjects: Iterable, *, kind: str = Kind.VIEW, detail=None) -> None:
    """A page showing these (client, referral) pairs: one row naming them, none if it shows
    nobody (pairs that name no one are left out)."""
    subjects = _named(subjects)
    if subjects:
        record_many(kind, request=request, subjects=subjects, detail=detail)


def searched(request, query: str, subjects: Iterable, *, hits: int) -> None:
    """A search for `query` that found `hits`, of which the page shows `subjects`: one row
    naming the subjects shown, or naming no one when it shows nobody. `hits` is what the
    caller counted: the client list and the admin count up to COUNT_CAP + 1 ("more than";
    `accounts.admin_paging`), the referral list and the API give the rows they return."""
    record_many(
        Kind.SEARCH,
        request=request,
        subjects=subjects,
        detail={"query": masked_query(query), "hits": hits},
    )


def _named(subjects: Iterable) -> list:
    """The pairs that name someone (a candidacy that found no client names nobody)."""
    return [pair for pair in subjects if pair != (None, None)]


def _walk(obj, path: str | None):
    if path is None:
        return None
    for name in path.split("."):
        obj = getattr(obj, name)
        if obj is None:
            return None
    return obj


def _reader(objects: list, path: str | None) -> Callable[[object], int | None]:
    """What `path` (a field, or one relation's: a subject's) leads to from each of
    `objects` (of one model): walked where it is the object's own field or its relation is
    loaded; else its relation's rows read in one query."""
    relation, _, field = (path or "").rpartition(".")
    if not relation or not objects:
        return lambda obj: _walk(obj, path)
    key = objects[0]._meta.get_field(relation)
    if all(key.is_cached(obj) for obj in objects):
        return lambda obj: _walk(obj, path)
    keys = {getattr(obj, key.attname) for obj in objects} - {None}
    rows = key.related_model._base_manager.filter(pk__in=keys).values_list("pk", field)
    found = dict(rows)
    return lambda obj: found.get(getattr(obj, key.attname))


def _lookup(path: str | None) -> str | None:
    return path.replace(".", "__") if path else None


def _aligned(lookups: list, row: tuple) -> tuple:
    values = iter(row)
    return tuple(next(values) if lookup else None for lookup in lookups)
