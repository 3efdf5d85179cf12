"""Writing the checked rows of a file of existing trajectories: all rows or none."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Client, OutcomeCheck, Referral, ReferralEvent
from .checks import CheckedRow, RowError, check_rows
from .files import DATE_COLUMNS, WORK_COLUMNS, ImportRow


@dataclass
class ImportResult:
    imported: int = 0
    already_imported: int = 0
    clients_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        counts = {"imported": self.imported, "skipped": self.already_imported}
        if self.dry_run:
            return (
                _("Dry run: %(imported)d would be imported, %(skipped)d already imported.") % counts
                + " "
                + _("Nothing was written.")
            )
        return _("%(imported)d imported, %(skipped)d already imported.") % counts


@transaction.atomic
def referral_import(*, rows: list[ImportRow], user=None, dry_run: bool = False) -> ImportResult:
    """Import existing trajectories from a file's rows, all or none.

    Every row is checked first (`check_rows`, the database looked up in bulk); rows
    whose external id is already in the database are skipped. Each other row finds or adds
    its client and gets a referral in its state, one "import" history line and its outflow
    check-ups. Nobody is notified: the import replays history, it is no news. A dry run
    checks everything and writes nothing."""
    plan = check_rows(rows)
    result = ImportResult(
        already_imported=plan.already_imported, errors=plan.errors, dry_run=dry_run
    )
    if plan.errors:
        return result
    result.imported = len(plan.rows)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            result.clients_created = _write_import(plan.rows, user=user)
    except IntegrityError:
        # Someone added one of these referrals (or an open one) since the check.
        message = _("The referrals changed during the import; nothing was imported. Try again.")
        return ImportResult(errors=[RowError(None, message)], dry_run=dry_run)
    return result


def _write_import(rows: list[CheckedRow], *, user) -> int:
    """Write the checked rows; return the number of clients added."""
    now = timezone.now()
    new_clients: dict[tuple[int, str], Client] = {}
    referrals = []
    for row in rows:
        client = row.client or new_clients.get(row.client_key)
        if client is None:
            client = Client(
                ocmw=row.ocmw,
                insz=row.data["insz"],
                first_name=row.data["first_name"],
                last_name=row.data["last_name"],
                gender=row.data["gender"],
            )
            client.save()  # derives birth date and gender from the INSZ
            new_clients[row.client_key] = client
        referrals.append(_imported_referral(row, client, user=user, now=now))
    Referral.objects.bulk_create(referrals, batch_size=500)
    ReferralEvent.objects.bulk_create(
        [
            ReferralEvent(
                referral=referral,
                actor=user,
                at=now,
                transition="import",
                from_state="",
                to_state=referral.state,
                data=row.history,
            )
            for row, referral in zip(rows, referrals, strict=True)
        ],
        batch_size=500,
    )
    OutcomeCheck.objects.bulk_create(
        [
            OutcomeCheck(
                referral=referral,
                months=months,
                at_work=row.data[name],
                checked_on=referral.outcome_due_date(months),
                checked_by=user,
            )
            for row, referral in zip(rows, referrals, strict=True)
            for name, months in WORK_COLUMNS.items()
            if row.data[name]
        ],
        batch_size=500,
    )
    return len(new_clients)


def _imported_referral(
    row: CheckedRow, client: Client, *, user, now: datetime.datetime
) -> Referral:
    """The referral of a row, in its state: created on its first date, last changed on its
    last date (never later than now)."""
    data = row.data
    local = timezone.get_default_timezone()

    def at(day: datetime.date, time: datetime.time = datetime.time()) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, time), local)

    days = [data[name] for name in DATE_COLUMNS if data[name]]
    return Referral(
        client=client,
        training=row.training,
        state=data["state"],
        external_id=data["external_id"],
        created_by=user,
        created_at=min(at(min(days)), now) if days else now,
        state_changed_at=min(at(max(days)), now) if days else now,
        agreed_on=data["agreed_on"],
        intake_at=at(data["intake_on"], datetime.time(9)) if data["intake_on"] else None,
        start_date=data["start_date"],
        end_date=data["end_date"],
        end_result=data["end_result"],
        stop_reason=data["stop_reason"],
    )
