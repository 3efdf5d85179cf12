"""Apply the audit trail's retention now: delete its rows older than
OKOT_AUDIT_RETENTION_DAYS (recording the purge) and django-axes' login records older than
OKOT_LOGIN_RECORDS_RETENTION_DAYS. The monthly retention (`apply_retention`) does the same
through `audit.trail.purge_expired`; this runs it alone, or shows what it would delete."""

from django.conf import settings
from django.core.management.base import BaseCommand

from audit import trail


class Command(BaseCommand):
    help = (
        "Delete audit trail rows older than OKOT_AUDIT_RETENTION_DAYS and django-axes' login "
        "records older than OKOT_LOGIN_RECORDS_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args, dry_run, **options):
        cutoff = trail.retention_cutoff()
        self.stdout.write(
            f"audit trail: rows before {cutoff:%Y-%m-%d %H:%M} "
            f"({settings.OKOT_AUDIT_RETENTION_DAYS} days); login records older than "
            f"{settings.OKOT_LOGIN_RECORDS_RETENTION_DAYS} days"
        )
        counts = trail.purge_expired(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for label, count in counts.items():
            self.stdout.write(f"{label}: {verb} {count:,}")
