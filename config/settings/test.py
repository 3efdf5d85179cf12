"""Settings for the test suite: SQLite in memory unless DATABASE_URL says otherwise."""

import atexit
import shutil
import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Documents in a directory of this process's own, removed when it ends (each pytest-xdist
# worker has its own); tests that look at the files use a tmp_path of their own.
_documents = tempfile.mkdtemp(prefix="okot-test-documents-")
atexit.register(shutil.rmtree, _documents, ignore_errors=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": {
        "BACKEND": "referrals.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": _documents},
    },
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "nl-be"
WHITENOISE_AUTOREFRESH = True  # no collected static files in tests
# Passkeys: pytest-django's live server runs on http://localhost:<a free port> (a secure
# context; WebAuthn takes no IP address as the relying party); the browser tests allow
# that origin.
OTP_WEBAUTHN_RP_ID = "localhost"
# Webhooks: the tests' receivers are HTTP servers on localhost.
WEBHOOKS_ALLOW_HTTP = True
# The figures counted on every request (tests/referrals/reports/test_figures_cache.py turns
# their cache on).
OKOT_FIGURES_CACHE_SECONDS = 0
OKOT_FIGURES_STALE_SECONDS = 0
# A replica that is the database itself (Django's test mirror): the figures are counted on it
# only where a test says so (tests/referrals/reports/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
OKOT_FIGURES_DATABASE = "default"
