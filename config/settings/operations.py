"""Running the site (operations/, docs/operations.md): the health endpoint's thresholds and the
metrics' token. Read by `base`."""

import os

# /health/ answers `degraded` (still 200) when the oldest e-mail not sent yet is older than
# this many seconds: longer than the retries of one e-mail last (some 20 minutes at most
# with the default backoff), so only a worker or beat that is not running trips it.
HEALTH_OUTBOX_MAX_AGE = int(os.environ.get("HEALTH_OUTBOX_MAX_AGE", "1800"))
# ... and the oldest webhook delivery: a receiver that is down keeps its events for some six
# hours of retries (WEBHOOK_MAX_ATTEMPTS), which is the receiver's trouble, not ours.
HEALTH_WEBHOOK_MAX_AGE = int(os.environ.get("HEALTH_WEBHOOK_MAX_AGE", "43200"))
# The bearer token Prometheus sends for /metrics; empty: /metrics is a 404 to everyone.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Probes come over plain HTTP from inside the network: SecurityMiddleware does not send them
# to HTTPS (operations.middleware.ProbeMiddleware answers them next).
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
