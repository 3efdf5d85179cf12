"""The API's JSON bodies."""

import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's, but a body whose text holds half of a UTF-16 pair (`"\\ud800"`: JSON allows it,
    no UTF-8 text holds it) is refused with a 400. A form field takes such a string as it
    comes; PostgreSQL then refused it, and the `Idempotency-Key`'s fingerprint could not
    encode it: both a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ParseError(
                _(
                    "The body holds text that is not Unicode: half of a UTF-16 surrogate "
                    "pair (such as \\ud800) without its other half."
                )
            ) from None
        return data
