"""Settings for the test suite: SQLite in memory unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "nl-be"
WHITENOISE_AUTOREFRESH = True  # no collected static files in tests
# Passkeys: pytest-django's live server runs on http://localhost:<a free port> (a secure
# context; WebAuthn takes no IP address as the relying party); the browser tests allow
# that origin.
OTP_WEBAUTHN_RP_ID = "localhost"
