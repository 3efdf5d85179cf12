"""`Idempotency-Key` on POSTs: a retried request with the same key gets the first answer,
and changes nothing.

The key's row is inserted in the same transaction as the action it answers: a second
request with the key waits on the unique index until the first commits (then replays its
answer) or rolls back (then runs itself). Only a success is kept, as a reference to what it
answered with: the replay reads that record again through the view (`view.replay`), with
the caller's access checked and the read recorded as a GET's would be, so no copy of
anyone's data is kept here. A refused or invalid request keeps no key, so its retry simply
runs again; what the refusal itself records (a candidacy over the limit) is kept all the
same. A key is the caller's own (per user), kept API_IDEMPOTENCY_HOURS, and bound to the
request it first came with: the same key with another path or body is refused (422), never
answered with the wrong response."""

import datetime
import functools
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = IdempotentRequest._meta.get_field("key").max_length


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was used for another request; use a new key for each request."
    )
    default_code = "idempotency_key_reused"


def fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def expired() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def idempotent(method):
    """Make a view method's POST answer once per `Idempotency-Key` (when one is sent). The
    view answers a replay with `replay(request, resource_id, status)`."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [_("Send a key of 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH}]}
            )
        mine = IdempotentRequest.objects.filter(user=request.user)
        mine.filter(created_at__lt=expired()).delete()
        print_ = fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = mine.create(user=request.user, key=key, fingerprint=print_)
            except IntegrityError:
                first = mine.get(key=key)
                if first.fingerprint != print_:
                    raise KeyReused from None
                response = view.replay(request, first.resource_id, first.status_code)
                response[REPLAYED] = "true"
                return response
            try:
                response = method(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - DRF answers it, or raises it again
                # Answered here, inside the transaction, so that what a refusal records
                # commits; an unexpected error is raised again and rolls everything back.
                response = view.handle_exception(exc)
            if status.is_success(response.status_code):
                row.status_code, row.resource_id = response.status_code, response.data["id"]
                row.save(update_fields=["status_code", "resource_id"])
            else:
                row.delete()  # the key is free for the retry
            return response

    return wrapper
