from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.module_loading import import_string


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """Links in e-mails are built from SITE_URL: in production it must be the public
    address, over HTTPS."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or parts.hostname in (None, "localhost", "127.0.0.1", "::1"):
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in e-mails would not reach users.",
                hint="Set SITE_URL to the public https address of the site.",
                id="notifications.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_email_tls(app_configs, **kwargs):
    """E-mails go to the mail server over SMTP; without STARTTLS or implicit TLS anyone on
    the way reads them, and the password of EMAIL_HOST_USER with them."""
    try:
        backend = import_string(settings.EMAIL_BACKEND)
    except ImportError:
        return []  # Django itself says so when mail is sent
    if not (isinstance(backend, type) and issubclass(backend, SmtpBackend)):
        return []
    if settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL:
        return []
    return [
        Warning(
            f"E-mail is sent to {settings.EMAIL_HOST}:{settings.EMAIL_PORT} over SMTP without "
            "TLS: EMAIL_USE_TLS and EMAIL_USE_SSL are both off.",
            hint="Set EMAIL_USE_TLS=true (STARTTLS, usually port 587) or EMAIL_USE_SSL=true "
            "(implicit TLS, usually port 465). Leave both off only for a mail relay on this "
            "host that passes the mail on over TLS.",
            id="notifications.W002",
        )
    ]
