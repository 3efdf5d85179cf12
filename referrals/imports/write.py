"""Writing the checked rows of a file of existing trajectories: all rows or none."""

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Client, OutcomeCheck, Referral, ReferralEvent
from ..models.followup import checkup_bit
from ..models.interruptions import expected_end
from ..reports import cache as figures
from .checks import CheckedRow, RowError, check_rows
from .files import DATE_COLUMNS, WORK_COLUMNS, ImportRow
from .rowform import history
from .source import DRY_RUN, IMPORTED, REFUSED, ImportSource, record_import

CHUNK = 2_000  # rows written together: their model instances are all in memory at once
BATCH = 500  # rows an INSERT statement holds (SQLite's limit on parameters makes fewer)


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

    def as_json(self) -> dict:
        """The result as an ImportJob keeps it: its counts and its errors."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ImportResult":
        return cls(**{**data, "errors": [RowError(**error) for error in data["errors"]]})


def referral_import(
    *,
    rows: list[ImportRow],
    user=None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    source: ImportSource | None = None,
) -> ImportResult:
    """Import existing trajectories from a file's rows, all or none.

    Every row is checked first (`check_rows`, the database looked up in bulk); rows
    whose external id is already in the database are skipped. Each other row finds or adds
    its client and gets a referral in its state, one "import" history line and its outflow
    check-ups. Nobody is notified: the import replays history, it is no news. A dry run
    checks everything and writes nothing. `progress` is told the number of rows checked
    every so often (`checks.PROGRESS_EVERY`).

    The check is outside the write's transaction: it only reads, and what changes
    meanwhile makes the write fail as a whole (below); `progress` can so write where others
    see it before the import ends.

    Whatever comes of it, the import leaves its row in the audit trail (`source`, the
    file it read: `record_import`), in the transaction that writes."""
    plan = check_rows(rows, progress=progress)
    result = ImportResult(
        already_imported=plan.already_imported, errors=plan.errors, dry_run=dry_run
    )

    def recorded(outcome: str, result: ImportResult, reason: str = "") -> ImportResult:
        record_import(
            source, user=user, outcome=outcome, rows=len(rows), result=result, reason=reason
        )
        return result

    if plan.errors:
        return recorded(REFUSED, result)
    result.imported = len(plan.rows)
    if dry_run:
        return recorded(DRY_RUN, result)
    try:
        with transaction.atomic():
            result.clients_created = _write_import(plan.rows, user=user)
            figures.everything_changed()  # rows written in bulk, which no signal announces
            return recorded(IMPORTED, result)
    except IntegrityError:
        # Someone added one of these referrals (or an open one) since the check.
        message = _("The referrals changed during the import; nothing was imported. Try again.")
        return recorded(
            REFUSED, ImportResult(errors=[RowError(None, message)], dry_run=dry_run), message
        )


def _write_import(rows: list[CheckedRow], *, user) -> int:
    """Write the checked rows; return the number of clients added.

    In bulk, and a chunk of rows at a time, so that a file of any size holds no more than
    a chunk of model instances in memory."""
    now = timezone.now()
    new_clients = _add_clients(rows)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        referrals = Referral.objects.bulk_create(
            [_imported_referral(row, new_clients, user=user, now=now) for row in chunk],
            batch_size=BATCH,
        )
        ReferralEvent.objects.bulk_create(
            [
                ReferralEvent(
                    referral_id=referral.pk,
                    actor=user,
                    at=now,
                    transition="import",
                    from_state="",
                    to_state=referral.state,
                    data=history(row.data),
                )
                for row, referral in zip(chunk, referrals, strict=True)
            ],
            batch_size=BATCH,
        )
        OutcomeCheck.objects.bulk_create(
            [
                OutcomeCheck(
                    referral_id=referral.pk,
                    months=months,
                    at_work=row.data[name],
                    checked_on=referral.outcome_due_date(months),
                    checked_by=user,
                )
                for row, referral in zip(chunk, referrals, strict=True)
                for name, months in WORK_COLUMNS.items()
                if row.data[name]
            ],
            batch_size=BATCH,
        )
    return len(new_clients)


def _add_clients(rows: list[CheckedRow]) -> dict[tuple[int, str], int]:
    """Add the clients the rows name that are not in the database yet, each once (from its
    first row); return their ids by OCMW and national number."""
    new: dict[tuple[int, str], Client] = {}
    for row in rows:
        if row.client is None and row.client_key not in new:
            client = Client(
                ocmw_id=row.ocmw.pk,
                insz=row.data["insz"],
                first_name=row.data["first_name"],
                last_name=row.data["last_name"],
                gender=row.data["gender"],
            )
            client.derive_from_insz()  # what save() does, which bulk_create skips
            new[row.client_key] = client
    ids = {}
    keys = list(new)
    for start in range(0, len(keys), CHUNK):
        chunk = [new.pop(key) for key in keys[start : start + CHUNK]]
        Client.objects.bulk_create(chunk, batch_size=BATCH)
        ids.update(((client.ocmw_id, client.insz), client.pk) for client in chunk)
    return ids


def _imported_referral(
    row: CheckedRow, new_clients: dict[tuple[int, str], int], *, user, now: datetime.datetime
) -> Referral:
    """The referral of a row, in its state: created on its first date, last changed on its
    last date (never later than now); for its client in the database or just added."""
    data = row.data
    local = timezone.get_default_timezone()

    def at(day: datetime.date, time: datetime.time = datetime.time()) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, time), local)

    days = [data[name] for name in DATE_COLUMNS if data[name]]
    return Referral(
        client_id=row.client.pk if row.client else new_clients[row.client_key],
        ocmw_id=row.client.ocmw_id if row.client else row.ocmw.pk,
        training_id=row.training.pk,
        region=row.training.province,
        state=data["state"],
        external_id=data["external_id"],
        created_by=user,
        created_at=min(at(min(days)), now) if days else now,
        state_changed_at=min(at(max(days)), now) if days else now,
        agreed_on=data["agreed_on"],
        intake_at=at(data["intake_on"], datetime.time(9)) if data["intake_on"] else None,
        start_date=data["start_date"],
        expected_end_date=(
            expected_end(data["start_date"], row.training.duration_months)
            if data["start_date"]
            else None
        ),
        end_date=data["end_date"],
        end_result=data["end_result"],
        stop_reason=data["stop_reason"],
        obtained=data["obtained"],
        obtained_on=data["obtained_on"],
        # Its check-ups, written in bulk beside it (no signal marks them).
        checkups_recorded=sum(
            checkup_bit(months) for name, months in WORK_COLUMNS.items() if data[name]
        ),
    )
