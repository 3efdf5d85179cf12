"""Which file an import read, and the row every import leaves in the audit trail.

Every attempt leaves one: an import writes personal data in bulk, and even a dry run or a
refused file looks up clients by national number (the checks). The row names the file by
its name and SHA-256 checksum, so that the file kept elsewhere can be recognised; its
contents are not kept. An import that writes has its row written in the same transaction
as the rows it wrote."""

import getpass
import hashlib
from dataclasses import dataclass

from audit import trail
from audit.models import Kind

# What came of an import, as its row in the trail says.
IMPORTED, DRY_RUN, REFUSED, FAILED = "imported", "dry_run", "refused", "failed"


@dataclass(frozen=True)
class ImportSource:
    file_name: str = ""
    sha256: str = ""
    job_id: int | None = None  # the admin's ImportJob, when the import ran as one
    via: str = ""  # "admin" or "command"
    system_user: str = ""  # who ran the command, where no user of the app does

    @classmethod
    def of_command(cls, file_name: str, content: bytes) -> "ImportSource":
        return cls(
            file_name,
            hashlib.sha256(content).hexdigest(),
            via="command",
            system_user=_system_user(),
        )

    @classmethod
    def of_job(cls, job) -> "ImportSource":
        return cls(job.file_name, job.checksum, job_id=job.pk, via="admin")


def record_import(
    source: ImportSource | None,
    *,
    user,
    outcome: str,
    rows: int,
    result=None,
    reason: str = "",
):
    """The trail's row of one import of `rows` rows: `outcome`, the counts of its
    `result` (an ImportResult) and, for a file refused or failed as a whole, `reason`
    (our own message: it names no person)."""
    source = source or ImportSource()
    detail = {
        "file_name": source.file_name,
        "sha256": source.sha256,
        "rows": rows,
        "outcome": outcome,
        "created": result.imported if result is not None and outcome == IMPORTED else 0,
        "clients_created": result.clients_created if result is not None else 0,
        "already_imported": result.already_imported if result is not None else 0,
        "errors": len(result.errors) if result is not None else 0,
        "dry_run": result is not None and result.dry_run,
        "job": source.job_id,
        "via": source.via,
    }
    if source.system_user:
        detail["system_user"] = source.system_user
    if reason:
        detail["reason"] = str(reason)
    return trail.record(Kind.IMPORT, user=user, detail=detail)


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this process's user (a container's)
        return ""
