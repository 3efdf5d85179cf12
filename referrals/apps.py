from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from .reports import receivers
        from .reports.expressions import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="sqlite_median")
        receivers.connect()  # the cached figures renewed when what they count changes
