from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.urls import auth_urlpatterns
from accounts.views import set_language

admin.site.site_header = _("OKOT referrals: administration")
admin.site.site_title = _("OKOT referrals")
admin.site.index_title = _("Organisations, users, catalogue and referrals")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include(auth_urlpatterns)),  # login, logout, passwords: Django's names
    path("accounts/passkeys/", include("accounts.passkeys")),  # the passkeys' JSON endpoints
    path("accounts/", include("accounts.urls", namespace="accounts")),
    path("notifications/", include("notifications.urls", namespace="notifications")),
    path("api/", include("api.urls", namespace="api")),
    path("", include("operations.urls")),  # /health/ and /metrics, for machines
    path("", include("referrals.urls")),
]
