"""Writing the audit trail: one function for every kind of row, called by whoever reads or
changes personal data (views, admin, services, imports, the login signals).

Call it inside the transaction of the change it records, where there is one: the row then
commits or rolls back with it. A read writes its row at once (autocommit). A page that
shows several clients writes one row that names them all (`record_many`)."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from accounts.lockout import client_ip, forget_old_records

from .models import Entry, Kind, Purge

__all__ = [
    "Kind",
    "record",
    "record_many",
    "mask_insz",
    "purge_before",
    "purge_expired",
    "retention_cutoff",
]


def _who(request=None, user=None) -> dict:
    user = user if user is not None else getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "actor": user if authenticated else None,
        "actor_name": user.get_username() if authenticated else "",
        "organisation_id": user.organisation_id if authenticated else None,
        "path": request.path[:300] if request is not None else "",
        "ip_address": client_ip(request) if request is not None else None,
    }


def record(
    kind: str,
    *,
    request=None,
    user=None,
    client=None,
    referral=None,
    detail: dict | None = None,
    actor_name: str | None = None,
) -> Entry:
    """One row: `kind` done by `user` (else the request's user) about `client` and/or
    `referral` (objects or ids), from the request's page and address. `actor_name` names
    whoever no account stands for (the user name a failed login tried)."""
    if referral is not None and client is None and not isinstance(referral, int):
        client = referral.client_id
    who = _who(request, user)
    if actor_name is not None:
        who["actor_name"] = actor_name[:150]
    return Entry.objects.create(
        kind=kind,
        client_id=_id(client),
        referral_id=_id(referral),
        detail=detail or {},
        **who,
    )


def record_many(
    kind: str,
    *,
    request=None,
    user=None,
    subjects: Iterable[tuple[object, object]] = (),
    detail: dict | None = None,
) -> Entry:
    """One row for a read of the (client, referral) pairs in `subjects`: a single pair in
    `client_id` and `referral_id`, as `record` writes it; several in `client_ids` and
    `referral_ids` (each id once, in the order shown); none (pairs that name no one left
    out), a row without subject (a search without hits).

    One row whatever the page shows: a row per client shown made the trail outgrow all
    other data (docs/performance.md, "Growing past one machine")."""
    pairs = [(_id(client), _id(referral)) for client, referral in subjects]
    pairs = list(dict.fromkeys(pair for pair in pairs if pair != (None, None)))
    if len(pairs) <= 1:
        client, referral = pairs[0] if pairs else (None, None)
        return record(
            kind, request=request, user=user, client=client, referral=referral, detail=detail
        )
    return Entry.objects.create(
        kind=kind,
        client_ids=_distinct(client for client, _referral in pairs),
        referral_ids=_distinct(referral for _client, referral in pairs),
        detail=detail or {},
        **_who(request, user),
    )


def _distinct(ids) -> list[int] | None:
    """The ids but None, each once in the order given; None for none."""
    return list(dict.fromkeys(pk for pk in ids if pk is not None)) or None


def mask_insz(insz: str) -> str:
    """A national number as lists and the trail show it: the last three digits only.
    Empty for what is no national number, such as a pseudonymised client's marker (its
    digits are the client's id)."""
    text = insz or ""
    if any(not (ch.isdigit() or ch in " .-") for ch in text):
        return ""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return ""
    return "•" * max(len(digits) - 3, 0) + digits[-3:]


# Rows of the trail deleted in one transaction by its retention.
PURGE_BATCH = 10_000


def purge_before(cutoff, *, batch_size: int = PURGE_BATCH) -> int:
    """Delete the trail's rows older than `cutoff`, after recording the purge: the only
    deletion the database allows. How many rows went.

    The purge is recorded first, in a transaction of its own; then the rows go oldest
    first, `batch_size` in each transaction. A month of the trail of all of Flanders is some
    66 million rows (docs/performance.md, "Growing past one machine"): in one transaction,
    hours during which VACUUM could remove no row changed since it began, in any table.
    Stopped half-way, the next purge finds the rows left and records them again."""
    old = Entry.objects.filter(at__lt=cutoff)
    count = old.count()
    if not count:
        return 0
    Purge.objects.create(cutoff=cutoff, deleted=count)
    while True:
        with transaction.atomic():
            batch = Entry.objects.filter(pk__in=old.order_by("at").values("pk")[:batch_size])
            # Django's own QuerySet.delete: EntryQuerySet refuses it everywhere else.
            deleted, _by_model = models.QuerySet.delete(batch)
        if deleted < batch_size:
            return count


def retention_cutoff(now=None) -> datetime.datetime:
    """The moment before which rows of the trail are past OKOT_AUDIT_RETENTION_DAYS."""
    now = now or timezone.now()
    return now - datetime.timedelta(days=settings.OKOT_AUDIT_RETENTION_DAYS)


def purge_expired(now=None, *, dry_run: bool = False) -> dict[str, int]:
    """Apply the trail's retention (OKOT_AUDIT_RETENTION_DAYS), and that of django-axes'
    login records (OKOT_LOGIN_RECORDS_RETENTION_DAYS, `accounts.lockout`): how many rows
    went, or with `dry_run` would go, by model label."""
    cutoff = retention_cutoff(now)
    if dry_run:
        counts = {Entry._meta.label: Entry.objects.filter(at__lt=cutoff).count()}
    else:
        counts = {Entry._meta.label: purge_before(cutoff)}
    return counts | forget_old_records(now, dry_run=dry_run)


def _id(value):
    if value is None or isinstance(value, int):
        return value
    return value.pk
