"""What the Celery workers do outside the requests: deliver e-mails and webhook calls
(notifications/, webhooks/), write the daily reminders and digest; and what beat runs when
(CELERY_BEAT_SCHEDULE: those, the retention, the figures ahead, the expired sessions). Read
by `base`."""

import os

from celery.schedules import crontab

from .env import env_bool

# Notifications: delivery retries and the relay of pending e-mails.
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "8"))
NOTIFY_RETRY_BACKOFF = float(os.environ.get("NOTIFY_RETRY_BACKOFF", "5"))  # seconds, doubled
NOTIFY_RETRY_BACKOFF_MAX = float(os.environ.get("NOTIFY_RETRY_BACKOFF_MAX", "3600"))
# Seconds an e-mail with no task in the queue (publishing failed) stays pending past its
# due time before the relay dispatches it.
NOTIFY_RELAY_AFTER = int(os.environ.get("NOTIFY_RELAY_AFTER", "60"))
# Seconds a task may wait in the queue past its e-mail's due time before the relay presumes
# it lost and sends another: longer than a backlog may last, shorter than the broker's
# visibility timeout (after which Redis would hand back a killed worker's tasks itself).
NOTIFY_QUEUE_PATIENCE = int(os.environ.get("NOTIFY_QUEUE_PATIENCE", "600"))
NOTIFY_RELAY_BATCH = int(os.environ.get("NOTIFY_RELAY_BATCH", "500"))
# Seconds between two runs of the relays (beat): the e-mails', the webhook calls', the imports'.
NOTIFY_RELAY_EVERY = float(os.environ.get("NOTIFY_RELAY_EVERY", "30"))
# A worker lost mid-send leaves its e-mail "sending"; the relay retakes it after this many
# seconds. On PostgreSQL this is only a floor (the row lock tells a live sender from a lost
# one); without row locks (SQLite) it must outlast the longest SMTP conversation.
NOTIFY_SENDING_LEASE = int(os.environ.get("NOTIFY_SENDING_LEASE", "120"))
NOTIFY_SMTP_TIMEOUT = float(os.environ.get("NOTIFY_SMTP_TIMEOUT", "30"))  # per socket operation
# Redis hands an unacknowledged task to another worker after visibility_timeout; a retry
# waits in its worker unacknowledged until its countdown ends, so this must outlast the
# longest countdown. A lost worker's tasks come back sooner through the relay.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(NOTIFY_RETRY_BACKOFF_MAX) + 3600,
    "socket_connect_timeout": 5,  # an unreachable Redis must not hold a request for long
    # Nor one that holds its connections without answering (stopped, swapping, a failover
    # that left the address): kombu waits for ever by default, so a step's hand-off after
    # commit held its request until gunicorn's timeout, and every worker in turn. After this
    # many seconds the rows stay for the relay (`engine.Outbox.enqueue`). The worker's own
    # waiting for tasks is not affected (kombu's event loop checks it by itself). Measured:
    # one wait of 5.0 s a hand-off (a step's e-mails, its webhook calls).
    "socket_timeout": 5,
}
# Reminders: no intake planned N working days (Belgian) after the formal agreement; not
# started N calendar days after the probable start date.
NOTIFY_REMINDER_NO_INTAKE_WORKING_DAYS = int(
    os.environ.get("NOTIFY_REMINDER_NO_INTAKE_WORKING_DAYS", "10")
)
NOTIFY_REMINDER_NO_START_DAYS = int(os.environ.get("NOTIFY_REMINDER_NO_START_DAYS", "7"))
# The counsellor is reminded to record the end this many days after the expected end
# (moved on by interruptions; none while the training is interrupted).
NOTIFY_REMINDER_END_EXPECTED_DAYS = int(os.environ.get("NOTIFY_REMINDER_END_EXPECTED_DAYS", "14"))
# Seconds a run of the daily reminders writes before it queues another to go on with the
# rest, behind the e-mails it handed over: a first morning of many (after an import) is
# short tasks, and the broker holds a run's worth of e-mails, not a morning's
# (`notifications.tasks.send_reminders`).
NOTIFY_REMINDERS_RUN_SECONDS = float(os.environ.get("NOTIFY_REMINDERS_RUN_SECONDS", "60"))
# The hour (in TIME_ZONE) at which beat sends the daily digest to those who chose it.
NOTIFY_DIGEST_HOUR = int(os.environ.get("NOTIFY_DIGEST_HOUR", "17"))
CELERY_BEAT_SCHEDULE = {
    "relay-pending-notifications": {
        "task": "notifications.tasks.relay_pending",
        "schedule": NOTIFY_RELAY_EVERY,
    },
    # Import jobs whose task is lost (referrals.imports.jobs.stranded), after the e-mails'
    # NOTIFY_QUEUE_PATIENCE.
    "relay-imports": {
        "task": "referrals.tasks.relay_imports",
        "schedule": NOTIFY_RELAY_EVERY,
    },
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),  # daily, in CELERY_TIMEZONE
    },
    "send-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=NOTIFY_DIGEST_HOUR, minute=0),  # daily, in CELERY_TIMEZONE
    },
    "apply-retention": {
        "task": "referrals.tasks.apply_retention",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),  # monthly, at night
    },
    "count-figures-ahead": {
        "task": "referrals.tasks.count_figures_ahead",
        "schedule": crontab(hour=5, minute=30),  # daily, before the working day
    },
    # Expired sessions, with the searches they kept, deleted within the hour (accounts.tasks).
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17),  # hourly
    },
}

# --- Webhooks (webhooks/, docs/webhooks.md) -------------------------------------------------
# An organisation's system hears of the referral events it may see, through the e-mails'
# delivery engine (the NOTIFY_* lease, relay timings and backoff above apply to webhook calls
# too).
# Seconds per socket operation of a webhook call (connecting, waiting for the answer): a
# receiver slower than that counts as a temporary failure and gets the event again.
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
# With the backoff above (5 s doubled, at most an hour, full jitter), 20 attempts keep trying
# a receiver that is down for some six hours on average, at most about half a day.
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "20"))
# Days a sent delivery is kept, counted from when its event happened; then the monthly
# retention deletes it (`webhooks.retention`): the receiver has what was sent. A failed one
# stays until a person's Retry delivers it; a pending one until it is delivered.
WEBHOOK_DELIVERY_RETENTION_DAYS = int(os.environ.get("WEBHOOK_DELIVERY_RETENTION_DAYS", "90"))
# Events leave over https only; http is for a receiver on this machine (local, tests).
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP")
# Private networks (CIDR, comma-separated) a webhook may be sent into, e.g. an OCMW's system
# behind a VPN; none by default: a public address only, never this machine or link-local.
WEBHOOKS_PRIVATE_NETWORKS = [
    net for net in os.environ.get("WEBHOOKS_PRIVATE_NETWORKS", "").split(",") if net.strip()
]
CELERY_BEAT_SCHEDULE["relay-pending-webhooks"] = {
    "task": "webhooks.tasks.relay_pending",
    "schedule": NOTIFY_RELAY_EVERY,
}
