from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _


def brand(request) -> dict:
    """`brand`: whose site this is (name, organisation, logo), as the settings say."""
    return {
        "brand": {
            "name": settings.OKOT_BRAND_NAME or _("OKOT referrals"),
            "organisation": settings.OKOT_BRAND_ORGANISATION,
            "logo_url": settings.OKOT_BRAND_LOGO_URL or static("img/okot-mark.svg"),
        }
    }
