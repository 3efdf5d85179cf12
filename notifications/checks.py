from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
