"""The audit trail as a CSV file, as Excel opens it in a Belgian office: semicolons, UTF-8
with a byte order mark, local times. Streamed row by row: an export may hold millions.

A user name tried at a failed login is whatever someone typed: a cell that Excel would run
as a formula (=, +, -, @) gets a leading apostrophe. A national number is never written in
clear, should a row's detail hold one. A read of several names its clients and referrals
comma-separated in one cell, all of them, though a cell of Excel holds at most 32,767
characters (some 4,000 numbers, of an export's up to 10,000)."""

import csv
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from .models import Kind
from .trail import mask_insz

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def masked(value, key: str = ""):
    """`value` (a row's detail) with every value under a key naming an INSZ masked."""
    if isinstance(value, dict):
        return {name: masked(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [masked(item, key) for item in value]
    if "insz" in key.lower() and isinstance(value, str):
        return mask_insz(value)
    return value


def detail_text(detail) -> str:
    """A row's detail as one line of JSON, masked."""
    if not detail:
        return ""
    return json.dumps(masked(detail), ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)


def cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class Echo:
    """csv.writer writes into this and gets the line back, to stream it."""

    def write(self, value: str) -> str:
        return value


def csv_response(entries, file_name: str) -> StreamingHttpResponse:
    """`entries` (a queryset of Entry, in its order) as a CSV download."""
    # Labels now, in the request's language: the rows are written after the view returned.
    header = [
        gettext("when"),
        gettext("kind"),
        gettext("user name"),
        gettext("user number"),
        gettext("organisation"),
        gettext("client number"),
        gettext("referral number"),
        gettext("page"),
        gettext("address"),
        gettext("detail"),
    ]
    kinds = {value: str(label) for value, label in Kind.choices}
    writer = csv.writer(Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for entry in entries.select_related("organisation").iterator(chunk_size=CHUNK):
            row = [
                timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                kinds.get(entry.kind, entry.kind),
                entry.actor_name,
                entry.actor_id,
                entry.organisation,
                ", ".join(map(str, entry.clients)),
                ", ".join(map(str, entry.referrals)),
                entry.path,
                entry.ip_address,
                detail_text(entry.detail),
            ]
            yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
