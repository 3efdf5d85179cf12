from django.core.management.base import BaseCommand, CommandError

from referrals.domain_doc import DOCUMENT, rewritten


class Command(BaseCommand):
    help = (
        "Write the generated parts of docs/DOMAIN.md (states, steps, codes) from the code; "
        "--check only tells whether they are current."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Fail when the document is not current."
        )

    def handle(self, *args, check=False, **options):
        text = DOCUMENT.read_text(encoding="utf-8")
        current = rewritten(text)
        if current == text:
            self.stdout.write("docs/DOMAIN.md is current.")
        elif check:
            raise CommandError("docs/DOMAIN.md differs from the code: run manage.py domain_doc.")
        else:
            DOCUMENT.write_text(current, encoding="utf-8")
            self.stdout.write("docs/DOMAIN.md written.")
