"""The application's own rules, each adjustable through the environment: when a step or
the warm handover counts as overdue, small counts in the figures, the candidacy limit, the
import's limits and how long what is kept is kept. Read by `base`."""

import os

# Workflow timing, in days: when a step counts as overdue on the dashboard.
OKOT_INTAKE_OVERDUE_DAYS = int(os.environ.get("OKOT_INTAKE_OVERDUE_DAYS", "10"))
OKOT_START_OVERDUE_DAYS = int(os.environ.get("OKOT_START_OVERDUE_DAYS", "7"))
OKOT_AGREE_OVERDUE_DAYS = int(os.environ.get("OKOT_AGREE_OVERDUE_DAYS", "10"))
# No warm handover recorded this many working days after the formal agreement: overdue, and
# the caseworker is reminded that day (notifications.reminders).
OKOT_HANDOVER_OVERDUE_WORKING_DAYS = int(os.environ.get("OKOT_HANDOVER_OVERDUE_WORKING_DAYS", "5"))
# A training still running this many days after its expected end (the start plus the
# training's duration, moved on by the days interrupted); not while it is interrupted.
OKOT_END_OVERDUE_DAYS = int(os.environ.get("OKOT_END_OVERDUE_DAYS", "14"))

# Figures: a count below this (but above 0) shows as "<5", and what would give it away is
# hidden, for whoever does not see the persons behind the figures (the network manager; see
# referrals.access.sees_persons_behind_figures). 0 shows every count.
OKOT_SMALL_CELL_THRESHOLD = int(os.environ.get("OKOT_SMALL_CELL_THRESHOLD", "5"))

# Candidacies by VDAB look a national number up at an OCMW: at most this many per user in
# this many hours; every attempt is kept for the administrator (referrals.Candidacy).
OKOT_CANDIDACY_LIMIT = int(os.environ.get("OKOT_CANDIDACY_LIMIT", "30"))
OKOT_CANDIDACY_WINDOW_HOURS = int(os.environ.get("OKOT_CANDIDACY_WINDOW_HOURS", "24"))
# Importing existing trajectories (CSV or XLSX): what one file may hold. Past any of these the
# file is refused with a message saying which, before it can fill the memory or outlast a worker.
OKOT_IMPORT_MAX_FILE_MB = int(os.environ.get("OKOT_IMPORT_MAX_FILE_MB", "10"))
OKOT_IMPORT_MAX_UNPACKED_MB = int(os.environ.get("OKOT_IMPORT_MAX_UNPACKED_MB", "100"))
OKOT_IMPORT_MAX_ROWS = int(os.environ.get("OKOT_IMPORT_MAX_ROWS", "75000"))
OKOT_IMPORT_MAX_COLUMNS = int(os.environ.get("OKOT_IMPORT_MAX_COLUMNS", "100"))
OKOT_IMPORT_MAX_CELL_CHARS = int(os.environ.get("OKOT_IMPORT_MAX_CELL_CHARS", "1000"))
# Retention: a client whose last referral reached a final state (closed, declined, withdrawn)
# this many years ago, with none open, is pseudonymised (`manage.py apply_retention`, monthly
# by beat): name, national number, contact details and free texts go, the figures stay. Five
# years by default: well past the outflow follow-up (12 months after the end) and a trajectory
# of up to three years, long enough for a re-referral of the same person, the reports of the
# last few years and questions or complaints about a trajectory, yet a term and not "forever".
# The OCMW's data-protection officer sets it to what the OCMW's own retention schedule says.
OKOT_RETENTION_YEARS = int(os.environ.get("OKOT_RETENTION_YEARS", "5"))

# Retention of the audit trail (audit.trail.purge_expired, run by `purge_audit_trail` and the
# monthly retention): its rows are deleted this many days after they were written. Ten years
# by default, the time an OCMW keeps a social file and may be asked who looked at it.
OKOT_AUDIT_RETENTION_DAYS = int(os.environ.get("OKOT_AUDIT_RETENTION_DAYS", "3650"))
# django-axes' own records of logins (access logs, attempts, failures: user name, address,
# browser, the form data of a failed login) are kept a shorter time of their own: the audit
# trail already keeps who logged in or failed from where for OKOT_AUDIT_RETENTION_DAYS, and
# axes needs its rows only for the lockout (minutes) and a recent incident's investigation.
OKOT_LOGIN_RECORDS_RETENTION_DAYS = int(os.environ.get("OKOT_LOGIN_RECORDS_RETENTION_DAYS", "180"))
# Minutes a guidance note's author may still correct it.
OKOT_NOTE_EDIT_MINUTES = int(os.environ.get("OKOT_NOTE_EDIT_MINUTES", "30"))

# Figures: kept in the cache by scope and filters for at most this many seconds, and dropped
# as soon as a step, check-up or interruption of that scope (or any client, training or import)
# changes what they count (referrals.reports.cache). 0 counts them on every request: the
# default without Redis, where each web worker would keep a cache of its own that the steps
# taken in another worker do not renew.
OKOT_FIGURES_CACHE_SECONDS = int(
    os.environ.get("OKOT_FIGURES_CACHE_SECONDS", "3600" if os.environ.get("REDIS_URL") else "0")
)
# Figures of all of Flanders (the administrator's, a network manager's), which every step
# anywhere changes and which take seconds to count, and those slow to count (below): after a
# change or on a new day, served as last counted while a Celery worker counts them again (and
# never counted: OKOT_FIGURES_PENDING_SECONDS, below), for
# at most this many seconds after that count was asked (then the request counts them: no
# worker is running); the page says when they were counted. 0: counted again on the first
# request after a step or of a new day. Needs the cache.
OKOT_FIGURES_STALE_SECONDS = int(
    os.environ.get("OKOT_FIGURES_STALE_SECONDS", "300" if os.environ.get("REDIS_URL") else "0")
)
# Figures of all of Flanders never counted (filters nobody asked for yet): counted by a worker
# while the page says so and shows them when done, for at most this many seconds after that
# count was asked (then the request counts them: no worker came); at most
# OKOT_FIGURES_STALE_SECONDS.
OKOT_FIGURES_PENDING_SECONDS = int(os.environ.get("OKOT_FIGURES_PENDING_SECONDS", "30"))
# Figures of any scope (a counsellor's region, a big OCMW, a narrow filter) that took at least
# this many seconds to count (once, while they are kept), or were counted ahead at 05:30, are
# treated as all of Flanders' are: after a change, shown as last counted while a worker counts
# them again (OKOT_FIGURES_STALE_SECONDS), and kept until the next day ends (which sees them as
# counted the day before while they are counted again). Faster counts show the last step at
# once. 0 treats every count as slow.
OKOT_FIGURES_SLOW_SECONDS = float(os.environ.get("OKOT_FIGURES_SLOW_SECONDS", "1"))
# With a read replica (DATABASE_REPLICA_URL), a count of figures waits at most this many
# seconds for it to replay what the primary holds (then it counts on the primary).
OKOT_FIGURES_REPLICA_WAIT = float(os.environ.get("OKOT_FIGURES_REPLICA_WAIT", "2"))
