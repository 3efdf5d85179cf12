from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import Organisation
from referrals.models import Referral
from referrals.reports.cohort import COHORT_TABLES
from referrals.reports.export import to_csv
from referrals.reports.page import report_table
from referrals.reports.tables import BREAKDOWNS, TABLES, filtered

COHORT_ONLY = ("status", "trend")  # by start cohort by nature: --cohort goes without saying


class Command(BaseCommand):
    """Run on the server by who administers it, who has the database and so sees every
    person behind the figures (`access.sees_persons_behind_figures`): exact counts. Figures
    meant to leave the organisation (a parliamentary answer) take `--small-cells`."""

    help = (
        "Print an OKOT table as CSV: starts, early-stops, diplomas or outflow (or the funnel), "
        "for one year, by OKOT type, gender or age band, for all OCMWs or one. With --cohort "
        "the year is the start year: who started then, followed to where they are now "
        "(status: where they are now); trend: every start year side by side."
    )

    def add_arguments(self, parser):
        parser.add_argument("table", choices=[*TABLES, "funnel", *COHORT_ONLY])
        parser.add_argument(
            "--year", type=int, help="Calendar year, e.g. 2025 (every table but trend)."
        )
        parser.add_argument(
            "--cohort",
            action="store_true",
            help="Count by start cohort: the trajectories that started in the year, wherever "
            "they are now, instead of the events of the year.",
        )
        parser.add_argument(
            "--by",
            choices=list(BREAKDOWNS),
            help="type, gender or age (early-stops also reason); default type, reason for "
            "early-stops.",
        )
        parser.add_argument("--ocmw", help="Only this OCMW (its name).")
        parser.add_argument(
            "--small-cells",
            action="store_true",
            help="Hide counts below OKOT_SMALL_CELL_THRESHOLD as the network manager's figures "
            "do (<5, and x for what would give one away), for figures that are published.",
        )

    def handle(self, *args, table, year, by, ocmw, small_cells, cohort, **options):
        cohort = cohort or table in COHORT_ONLY
        if table == "trend" and (year is not None or by):
            raise CommandError(_("trend shows every start year: leave out --year and --by."))
        if table != "trend" and year is None:
            raise CommandError(_("--year is required for %(table)s.") % {"table": table})
        if cohort and table not in (*COHORT_TABLES, "trend"):
            raise CommandError(_("%(table)s has no start-cohort version.") % {"table": table})
        if year is not None and not 1900 <= year <= 2999:
            raise CommandError(_("--year %(year)s is not a calendar year.") % {"year": year})
        queryset = filtered(Referral.objects.all(), ocmw=self._ocmw(ocmw) if ocmw else None)
        try:
            result = report_table(
                table,
                queryset,
                year=year,
                by=by or "",
                small_cells=max(settings.OKOT_SMALL_CELL_THRESHOLD, 0) if small_cells else 0,
                cohort=cohort,
            )
        except KeyError:  # the one breakdown argparse lets through that a table lacks
            raise CommandError(_("--by reason is only for early-stops.")) from None
        self.stdout.write(to_csv(result), ending="")

    def _ocmw(self, name: str) -> Organisation:
        """The OCMW of that name: exactly, or else the only one whatever the case."""
        ocmws = Organisation.objects.filter(kind=Organisation.Kind.OCMW)
        matches = list(ocmws.filter(name__iexact=name.strip()))
        exact = [ocmw for ocmw in matches if ocmw.name == name.strip()]
        if len(exact) == 1 or len(matches) == 1:
            return (exact or matches)[0]
        known = ", ".join(ocmws.values_list("name", flat=True)) or "-"
        raise CommandError(
            _("No OCMW named %(name)s. Known: %(known)s.") % {"name": name, "known": known}
        )
