from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from .models.followup import OutcomeCheck, check_deleted, check_saved
        from .reports import receivers
        from .reports.expressions import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="sqlite_median")
        receivers.connect()  # the cached figures renewed when what they count changes
        # Each referral's check-ups recorded, as Mijn werk reads them (`checkups_recorded`).
        post_save.connect(check_saved, sender=OutcomeCheck, dispatch_uid="checkup-recorded")
        post_delete.connect(check_deleted, sender=OutcomeCheck, dispatch_uid="checkup-deleted")
