"""What a change did to a row, as the audit trail keeps it, and the row that records it.

A change is described as `{"model", "id", "action", "fields", "withheld"}`: `action` is
"added", "changed" or "deleted"; `fields` holds `{name: [before, after]}` for the fields
that changed (None where there was no row), in JSON (dates and times ISO, foreign keys as
ids); `withheld` names the fields that changed but whose values the trail does not keep.

The trail keeps what was changed, not a copy of the person's file. It is append-only and
may outlive the data it speaks of (its own retention is a setting; a client is
pseudonymised years after their last referral, and nothing can then be removed from the
trail), so:
- a national number is masked (`trail.mask_insz`), as everywhere in the trail;
- a birth date is withheld: it is taken from the national number, and with the masked
  number's last digits it would give the whole number back;
- free texts (notes, reasons, handover notes, screening) are withheld: they say the most
  about a person, and they are the first thing retention removes.
Of a row changed, names, contact details, dates and codes are kept before and after: they are
what a rectification is about. Of a row added or deleted, only codes, dates, numbers and
references are kept; its texts (names, contact details, the masked number) are named, so that
adding or deleting a client does not copy their file into the trail."""

import datetime
import decimal
import uuid

from django.db import models

from audit import trail
from audit.models import Kind

from .models import Client, Referral
from .models.clients import InszField

# Derived from the national number: withheld, so that the masked number stays masked.
DERIVED_FROM_INSZ = {"birth_date"}

ADDED, CHANGED, DELETED = "added", "changed", "deleted"


def _kept_fields(model) -> list[models.Field]:
    """The fields a change is described by: not the key, not bookkeeping timestamps.
    Many-to-many relations are left out: none is edited by hand (a referral's checked
    entry conditions are the agree step's, in its history line)."""
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
        and not isinstance(field, models.BinaryField)
    ]


def snapshot(instance) -> dict[str, object]:
    """The row's values as they are on `instance`, by field name (foreign keys as ids)."""
    return {field.name: getattr(instance, field.attname) for field in _kept_fields(type(instance))}


def _withheld(field: models.Field, action: str) -> bool:
    if isinstance(field, models.TextField) or field.name in DERIVED_FROM_INSZ:
        return True
    # A whole row's texts (names, contact details) are not copied; a correction's are.
    return action != CHANGED and isinstance(field, models.CharField) and not field.choices


def _json(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, InszField):
        return trail.mask_insz(value)
    if isinstance(field, models.FileField):  # where the file is kept (a random name)
        return value.name or None
    if isinstance(value, datetime.date | datetime.time):  # datetimes too
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def describe(instance, before: dict | None, after: dict | None, *, pk=None) -> dict | None:
    """The change from `before` to `after` (`snapshot`s; None: no row) of `instance`'s
    row, or None when nothing changed. `pk` names a row that is already deleted."""
    action = ADDED if before is None else DELETED if after is None else CHANGED
    fields, withheld = {}, []
    for field in _kept_fields(type(instance)):
        old = before.get(field.name) if before is not None else None
        new = after.get(field.name) if after is not None else None
        present = new if before is None else old if after is None else None
        if old == new or present in ("",):  # an empty field of a row added or deleted
            continue
        if _withheld(field, action):
            withheld.append(field.name)
        else:
            fields[field.name] = [_json(field, old), _json(field, new)]
    if before is not None and after is not None and not (fields or withheld):
        return None
    return {**_header(instance, action, pk), "fields": fields, "withheld": withheld}


def _header(instance, action: str, pk) -> dict:
    return {
        "model": instance._meta.label_lower,
        "id": pk if pk is not None else instance.pk,
        "action": action,
    }


def subjects(instance, pk=None) -> dict:
    """The client and referral a row belongs to, as the trail names them (ids); `pk`
    names a row that is already deleted."""
    pk = pk if pk is not None else instance.pk
    if isinstance(instance, Client):
        return {"client": pk}
    if isinstance(instance, Referral):
        return {"client": instance.client_id, "referral": pk}
    if getattr(instance, "referral_id", None) is not None:
        return {"client": instance.referral.client_id, "referral": instance.referral_id}
    return {"client": getattr(instance, "client_id", None)}


def record_change(instance, before, after, *, user=None, request=None, pk=None, related=()):
    """Write the CHANGE row of `instance` (see `describe`), with the changes of the rows
    that belong to it (`related`, `describe`d), if anything changed; the row, or None.
    `pk` names a row that is already deleted.

    Call it inside the change's transaction: the row commits or rolls back with it."""
    related = [change for change in related if change]
    change = describe(instance, before, after, pk=pk)
    if change is None and not related:
        return None
    if change is None:  # only the rows that belong to it changed
        change = {**_header(instance, CHANGED, pk), "fields": {}, "withheld": []}
    if related:
        change["related"] = related
    return trail.record(
        Kind.CHANGE, request=request, user=user, detail=change, **subjects(instance, pk)
    )
