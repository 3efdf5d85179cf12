"""Log lines without personal data: one JSON object a line in production, plain text in
development, both with e-mail addresses and national numbers masked.

The standard library's `logging.Formatter`, not a JSON logging library: what a line holds is
an explicit list (`FIELDS`), so that nothing a caller passes in `extra` (a client, a form's
data) reaches the logs unasked, and gunicorn's master, which has no Django, uses the same
class (`config/gunicorn.conf.py`). Imports nothing of Django."""

import contextvars
import datetime
import json
import logging
import re

# The request being answered, for every line logged while it is (operations.middleware).
request_id = contextvars.ContextVar("request_id", default="")

# What a request's line adds (operations.middleware.RequestLogMiddleware): the route's
# pattern, never the path itself, and no query string, body, user or address.
FIELDS = ("method", "route", "view", "status", "duration_ms")

# What an error message may carry of a person despite the rules (an SMTP server repeating
# the recipient, a database error quoting a value): addresses, and national numbers with or
# without their dots and dash.
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NATIONAL_NUMBER = re.compile(r"(?<!\d)\d{2}\.?\d{2}\.?\d{2}[-.]?\d{3}\.?\d{2}(?!\d)")


def redact(text: str) -> str:
    return NATIONAL_NUMBER.sub("[national number]", EMAIL_ADDRESS.sub("[e-mail]", text))


class TextFormatter(logging.Formatter):
    """The developer's console: time, level, logger and message, masked as in production."""

    def __init__(self, fmt=None, datefmt=None, style="%", **kwargs):
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt, style)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the request's id while one
    is answered, a request's own fields, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        current = (
            getattr(record, "request_id", "")
            or request_id.get()
            # django.request's line about a 4xx or 5xx, logged once the middleware is done
            or getattr(getattr(record, "request", None), "request_id", "")
        )
        if current:
            line["request_id"] = current
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)
