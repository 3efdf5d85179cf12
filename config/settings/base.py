"""Settings shared by every environment; everything secret or site-specific comes from
the environment."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from config.database import database, replica

# Read here, and by local and production from here.
from .env import env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # django.contrib.admin, asking for the second factor and searching autocomplete fields by
    # POST (accounts/admin_site.py).
    "accounts.admin_app.SecondFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # Bootstrap's dist files, from the django-bootstrap-static package
    "csp",  # django-csp: its checks of CONTENT_SECURITY_POLICY (the middleware is below)
    "django_fsm",
    # Before accounts, whose admin registers their models again with the session search.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # passkeys (see "Passkeys" below)
    "accounts",
    "referrals",
    "notifications",
    "audit",
    # The JSON API for partner systems (issue 13; see "API" below).
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, as static files
    "api",
    "webhooks",  # signed calls to partner systems (see config/settings/background.py)
    "django_prometheus",  # request metrics for /metrics (see config/settings/operations.py)
    "operations",  # /health/, /metrics and the request log
]

MIDDLEWARE = [
    # First and last: the request metrics (django-prometheus) time all that is between.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Response headers (see "Response headers" below): CSP and Permissions-Policy on every
    # response, static files included; no-store after WhiteNoise, which caches static files.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.no_store.NoStoreMiddleware",
    # /health/ and /metrics, answered with the headers above, before the host check, the
    # session and the login (operations.middleware); then a log line for every request.
    "operations.middleware.ProbeMiddleware",
    "operations.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserObjectMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After the messages: an ended session says why on the login page.
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "operations.middleware.RequestMetricsMiddleware",  # django-prometheus's, per view
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
                "referrals.context_processors.permissions",
                "accounts.context_processors.brand",
            ],
        },
    },
]


# Connections persist for a minute between requests; before a new request reuses one, Django
# checks it and replaces one the database dropped meanwhile (a restart, a failover) instead
# of failing that request.
DATABASES = {"default": database(os.environ.get("DATABASE_URL"))}
# A read replica (a streaming standby of DATABASE_URL's PostgreSQL) to count the figures on,
# once it has replayed what they must count (referrals.reports.replica); the tests' is the
# database itself. Every other read and every write goes to the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = replica(os.environ["DATABASE_REPLICA_URL"], DATABASES["default"])
OKOT_FIGURES_DATABASE = "replica" if "replica" in DATABASES else "default"
DATABASE_ROUTERS = ["referrals.reports.replica.FiguresRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "referrals:dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first: it refuses a locked-out username or address before any password is checked.
# Sessions keep the path of the backend that logged the user in (ModelBackend), whose
# get_user() turns a deactivated user into an anonymous one on their next request.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Permissions in one query, into the cache ModelBackend reads next (accounts/backends.py).
    "accounts.backends.PermissionsInOneQuery",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout (django-axes): OKOT_LOGIN_FAILURE_LIMIT failed logins for one username, or from one
# address, block further logins for that username or address for OKOT_LOGIN_LOCKOUT_MINUTES
# (counted again from each attempt during the lockout). An administrator unlocks in admin.
AXES_FAILURE_LIMIT = int(os.environ.get("OKOT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("OKOT_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# Proxies in front of the app that append the client's address to X-Forwarded-For: the
# address `OKOT_PROXY_COUNT` places from the right is the client's. 0: REMOTE_ADDR.
OKOT_PROXY_COUNT = int(os.environ.get("OKOT_PROXY_COUNT", "0"))

# Sessions end after OKOT_SESSION_IDLE_MINUTES without a request, and OKOT_SESSION_MAX_HOURS
# after the login whatever happens (accounts.middleware.SessionLifetimeMiddleware).
OKOT_SESSION_IDLE_MINUTES = int(os.environ.get("OKOT_SESSION_IDLE_MINUTES", "30"))
OKOT_SESSION_MAX_HOURS = int(os.environ.get("OKOT_SESSION_MAX_HOURS", "10"))
SESSION_COOKIE_AGE = OKOT_SESSION_MAX_HOURS * 60 * 60

# Two-factor authentication (django-otp): administrators, superusers and staff must pass a
# second factor; everyone else may enrol from their account page.
OTP_TOTP_ISSUER = "OKOT"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no device secrets or QR codes in admin

LANGUAGE_CODE = "nl-be"
LANGUAGES = [("nl-be", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
# English as written in Flanders and Britain: day first, 24-hour clock (config/formats/en).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.staticfiles.StaticFilesStorage"},
}

# Documents attached to referrals (referrals.storage): private, never under MEDIA_ROOT or
# any URL; the app serves each one only to whoever may see its referral. On local disk in
# OKOT_DOCUMENTS_DIR (readable by the app's own user only: 0600) unless OKOT_DOCUMENTS_S3_BUCKET
# names an S3-compatible bucket (django-storages), reached at OKOT_DOCUMENTS_S3_ENDPOINT
# (empty: AWS) with the keys below (empty: boto3's own lookup, such as an instance role).
OKOT_DOCUMENTS_S3_BUCKET = os.environ.get("OKOT_DOCUMENTS_S3_BUCKET", "")
if OKOT_DOCUMENTS_S3_BUCKET:
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": OKOT_DOCUMENTS_S3_BUCKET,
            "endpoint_url": os.environ.get("OKOT_DOCUMENTS_S3_ENDPOINT") or None,
            "region_name": os.environ.get("OKOT_DOCUMENTS_S3_REGION") or None,
            "access_key": os.environ.get("OKOT_DOCUMENTS_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("OKOT_DOCUMENTS_S3_SECRET_KEY") or None,
            "location": os.environ.get("OKOT_DOCUMENTS_S3_PREFIX", "documents"),
            # Private objects: the canned ACL "private" by default; empty for a bucket with
            # ACLs switched off (AWS's default since 2023), whose objects are private anyway.
            "default_acl": os.environ.get("OKOT_DOCUMENTS_S3_ACL", "private") or None,
            # Never a public URL: should one ever be asked for, it is signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": 60,
            # A name is never reused: a new document never replaces another's file.
            "file_overwrite": False,
        },
    }
else:
    STORAGES["documents"] = {
        "BACKEND": "referrals.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("OKOT_DOCUMENTS_DIR", BASE_DIR / "private" / "documents"),
        },
    }
# Whose site this is, in the header, the footer and the pages' titles: the application's name
# (empty: "OKOT referrals" in the user's language), the organisation behind it, and the
# address of its logo (empty: the mark shipped in static/img/okot-mark.svg).
OKOT_BRAND_NAME = os.environ.get("OKOT_BRAND_NAME", "")
OKOT_BRAND_ORGANISATION = os.environ.get("OKOT_BRAND_ORGANISATION", "OCMW & VDAB")
OKOT_BRAND_LOGO_URL = os.environ.get("OKOT_BRAND_LOGO_URL", "")

# What a document may be: up to this size (PDF, JPEG or PNG: referrals.document_files), and
# how long whoever added one may still remove it (a wrong file); the administrator always.
OKOT_DOCUMENT_MAX_MB = int(os.environ.get("OKOT_DOCUMENT_MAX_MB", "10"))
OKOT_DOCUMENT_REMOVAL_HOURS = int(os.environ.get("OKOT_DOCUMENT_REMOVAL_HOURS", "24"))
# Uploads: a form's fields (not its files) up to 2.5 MB in memory, as Django's default; a file
# above 2.5 MB goes to a temporary file while it is read, never whole into memory. How large
# a request may be at all is the upload view's (referrals.document_views), which refuses one
# past OKOT_DOCUMENT_MAX_MB before reading it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Widgets are rendered by the project's template engine, so that templates/ may override one
# of Django's (templates/admin/widgets/split_datetime.html labels its two fields).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "okot@localhost")

# Celery: without REDIS_URL tasks run in-process (the embedded default of `make demo`).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Embedded mode: an error in a task reaches the caller (tests see it) instead of a result.
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only when it has finished, and requeued when its worker process
# dies; each worker reserves one task at a time, so a lost worker strands no others.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep running tasks when the broker connection drops (their messages come back and are
# skipped, being idempotent) rather than cancel one in the middle of an SMTP conversation.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A worker told to stop (SIGTERM, with REMAP_SIGTERM=SIGQUIT in its environment as compose
# and `make worker` set it) while tasks run waits this many seconds (all of them: Celery
# sleeps), then hands every task that was running back to the queue, for another worker
# to run at once: one that finished meanwhile too, which finds nothing left to do (each is
# idempotent). Long enough for an SMTP conversation to end; well within the orchestrator's
# grace period (compose's stop_grace_period: 60 s), since handing back takes a moment
# more. Killed at the end of that period instead, a worker leaves its tasks unacknowledged,
# given out again only after the broker's visibility_timeout (two hours): an import, the
# retention, the figures ahead.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = float(
    os.environ.get("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", "20")
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True  # no result backend: the outbox row is the result
CELERY_TIMEZONE = TIME_ZONE

# The application's own rules: when work is overdue, the figures, candidacies, imports and
# retention (config/settings/rules.py).
from .rules import *  # noqa: E402, F403

STATICFILES_DIRS = [BASE_DIR / "static"]

# --- API ---------------------------------------------------------------------------------
# /api/v1/ for partner systems: its settings are in config/settings/api.py.
from .api import *  # noqa: E402, F403

# The throttle counts in the cache: Redis when there is one, so that every web worker
# counts the same requests; the process's memory otherwise (the embedded default).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs costs a request two seconds, not a worker's whole timeout.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }

# --- Response headers and operations -----------------------------------------------------
# Content-Security-Policy and Permissions-Policy: config/settings/headers.py; /health/,
# /metrics and the logs (JSON in production): config/settings/operations.py.
from .headers import *  # noqa: E402, F403
from .operations import *  # noqa: E402, F403

# The address of the site, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Passkeys (django-otp-webauthn), a second factor beside the authenticator app; never a login
# without the password. A passkey belongs to a domain, the relying party (RP): SITE_URL's host
# unless OTP_WEBAUTHN_RP_ID says otherwise; changing it later orphans every passkey. WebAuthn
# takes no IP address for it, so a SITE_URL on 127.0.0.1 (make demo) gives "localhost", and
# passkeys work there at http://localhost:PORT/ (a secure context, like every https origin).
_site = urlsplit(SITE_URL)
_site_host = "localhost" if _site.hostname in {"127.0.0.1", "::1"} else _site.hostname
_site_port = f":{_site.port}" if _site.port else ""
OTP_WEBAUTHN_RP_ID = os.environ.get("OTP_WEBAUTHN_RP_ID", _site_host)
OTP_WEBAUTHN_RP_NAME = "OKOT"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS", f"{_site.scheme}://{_site_host}{_site_port}"
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# The delivery of e-mails and webhook calls, the reminders, the daily digest and what beat
# runs when: config/settings/background.py.
from .background import *  # noqa: E402, F403
