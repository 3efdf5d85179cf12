"""Import existing trajectories from a spreadsheet: `manage.py import_referrals FILE`.

All or nothing: a file with any bad row imports nothing and every bad row is listed. Rows
already imported (same external_id) are skipped, so running it twice changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referrals import imports


class Command(BaseCommand):
    help = (
        "Import existing referrals from a CSV or XLSX file with the columns "
        + ",".join(imports.COLUMNS)
        + " (and optionally "
        + ",".join(imports.OPTIONAL_COLUMNS)
        + "); all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8, ',' or ';') or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the whole file, write nothing"
        )

    def handle(self, *args, file: str, dry_run: bool, **options):
        path = Path(file)
        limits = imports.ImportLimits.from_settings()
        try:
            with path.open("rb") as opened:  # one byte past the cap says it is too large
                content = opened.read(limits.file_bytes + 1)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}
            ) from exc
        source = imports.ImportSource.of_command(path.name, content)
        try:
            rows = imports.read_rows(path.name, content, limits)
        except imports.ImportFileError as exc:
            imports.record_import(
                source, user=None, outcome=imports.REFUSED, rows=0, reason=str(exc)
            )
            raise CommandError(f"{file}: {exc}") from exc
        result = imports.referral_import(rows=rows, dry_run=dry_run, source=source)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                ngettext(
                    "%(count)d error in the file; nothing was imported.",
                    "%(count)d errors in the file; nothing was imported.",
                    len(result.errors),
                )
                % {"count": len(result.errors)}
            )
        self.stdout.write(result.summary())
