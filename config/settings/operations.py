"""Running the site (operations/, docs/operations.md): the health endpoint's thresholds, the
metrics' token and the logs. Read by `base`; production logs JSON by default."""

import os

# /health/ answers `degraded` (still 200) when the oldest e-mail not sent yet is older than
# this many seconds: longer than the retries of one e-mail last (eight attempts, seven waits
# of at most 5 s doubled, with 30 s timeouts: a quarter of an hour at most), so only a worker
# or beat that is not running trips it.
HEALTH_OUTBOX_MAX_AGE = int(os.environ.get("HEALTH_OUTBOX_MAX_AGE", "1800"))
# ... and the oldest webhook delivery: a receiver that is down keeps its events for some six
# hours of retries (WEBHOOK_MAX_ATTEMPTS), which is the receiver's trouble, not ours.
HEALTH_WEBHOOK_MAX_AGE = int(os.environ.get("HEALTH_WEBHOOK_MAX_AGE", "43200"))
# The bearer token Prometheus sends for /metrics; empty: /metrics is a 404 to everyone.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Probes come over plain HTTP from inside the network: SecurityMiddleware does not send them
# to HTTPS (operations.middleware.ProbeMiddleware answers them next).
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]


def logging_config(log_format: str) -> dict:
    """Every line to the console (the container's log), one JSON object a line or text, with
    e-mail addresses and national numbers masked (operations.logs)."""
    formatter = "JsonFormatter" if log_format == "json" else "TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"operations.logs.{formatter}"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        # Django's own handlers print the development server's lines and mail errors to
        # ADMINS; both to the console above instead, in its format.
        "loggers": {
            "django": {"handlers": [], "propagate": True},
            "django.server": {"handlers": [], "propagate": True},
        },
    }


LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = logging_config(LOG_FORMAT)
