"""The database the benchmarks fill: a throwaway PostgreSQL database, named so, and empty
unless a run measures the data it has."""

from django.core.management.base import CommandError
from django.db import connection

from accounts.models import Organisation
from referrals.models import Client, Consent, OutcomeCheck, Referral, Training

# The tables the fill writes: empty before it starts, vacuumed and analysed after.
FILLED = (Organisation, Training, Client, Consent, Referral, OutcomeCheck)


def check_database(command: str, *, no_fill: bool) -> None:
    """Refuse anything but a throwaway PostgreSQL database (its name says `bench`), and one
    with data already unless the run measures that data (`--no-fill`)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        raise CommandError(
            f"{command} writes a million rows: run it on a throwaway PostgreSQL database "
            f"whose name contains 'bench' (this is {connection.vendor} {name!r}); "
            f"`make {command.replace('_', '-')}` makes one."
        )
    if not no_fill and any(model.objects.exists() for model in FILLED):
        raise CommandError("The database has data already; use an empty one or --no-fill.")
