"""Pseudonymise the clients whose last referral ended years ago: `manage.py apply_retention`.

Beat runs the same monthly (`referrals.tasks.apply_retention`). Running it twice changes
nothing; `--dry-run` lists who would be pseudonymised (by id and OCMW, never by name) and
writes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referrals.services import retention


class Command(BaseCommand):
    help = (
        "Pseudonymise the clients whose last referral reached a final state more than "
        "OKOT_RETENTION_YEARS years ago (and who have none open): names, national number, "
        "contact details and free texts go, the figures stay. Then delete what is kept for "
        "a term of its own: the audit trail, the login records, the sent webhook deliveries."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would change, write nothing"
        )
        parser.add_argument(
            "--years", type=int, help="years after the last referral (default: the setting)"
        )

    def handle(self, *args, dry_run: bool, years: int | None, **options):
        if years is not None and years < 1:
            raise CommandError(_("--years must be 1 or more."))
        result = retention.apply_retention(years=years, dry_run=dry_run)
        self.stdout.write(
            _(
                "Retention after %(years)d years: clients with no referral open since before "
                "%(cutoff)s."
            )
            % {"years": result.years, "cutoff": _day(result.cutoff)}
        )
        if dry_run or options["verbosity"] > 1:
            for client in result.clients:
                self.stdout.write(_line(client))
        counts = {
            "clients": _clients(len(result.clients)),
            "referrals": result.referrals,
            "candidacies": result.candidacies,
            "jobs": result.import_jobs,
        }
        if dry_run:
            summary = _(
                "Dry run: %(clients)s (%(referrals)d referrals) would be pseudonymised; "
                "%(candidacies)d candidacies without referral and the errors of %(jobs)d "
                "imports would be cleared. Nothing was written."
            )
        else:
            summary = _(
                "%(clients)s (%(referrals)d referrals) pseudonymised; %(candidacies)d "
                "candidacies without referral and the errors of %(jobs)d imports cleared."
            )
        self.stdout.write(summary % counts)
        self.stdout.write(
            (
                _("Past their own retention, would be deleted: %(rows)s.")
                if dry_run
                else _("Past their own retention, deleted: %(rows)s.")
            )
            % {"rows": result.purged_rows}
        )
        if result.stale_open:
            self.stdout.write(
                ngettext(
                    "%(count)d referral is still open but unchanged since before then: its "
                    "client is kept until it is closed or withdrawn.",
                    "%(count)d referrals are still open but unchanged since before then: "
                    "their clients are kept until they are closed or withdrawn.",
                    result.stale_open,
                )
                % {"count": result.stale_open}
            )


def _clients(count: int) -> str:
    return ngettext("%(count)d client", "%(count)d clients", count) % {"count": count}


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat()


def _line(client: retention.DueClient) -> str:
    values = {"id": client.pk, "ocmw": client.ocmw, "count": client.referrals}
    if client.last_closed is None:
        return _("client %(id)d, %(ocmw)s: never referred, file last changed on %(day)s") % {
            **values,
            "day": _day(client.last_changed),
        }
    return ngettext(
        "client %(id)d, %(ocmw)s: %(count)d referral, not open since %(day)s",
        "client %(id)d, %(ocmw)s: %(count)d referrals, none open since %(day)s",
        client.referrals,
    ) % {**values, "day": _day(client.last_closed)}
