"""Create an API token for a user and print its secret: for an administrator who prefers a
shell to Django admin, and for scripts (`make test-api-fuzz`) that need one.

Only the secret goes to stdout, on a line of its own, so that `$(manage.py api_token ...)`
captures exactly it; it is shown this once, like in admin, and only its digest is kept."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import ApiToken, may_hold_a_token


class Command(BaseCommand):
    help = "Create an API token acting as USERNAME and print its secret (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user the token acts as")
        parser.add_argument(
            "--name", default="", help="which system uses it (default: 'Token for USERNAME')"
        )
        parser.add_argument(
            "--days", type=int, help="days until it expires (default: API_TOKEN_LIFETIME_DAYS)"
        )

    def handle(self, *args, username: str, name: str, days: int | None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not may_hold_a_token(user):
            raise CommandError(
                f"{username!r} may not hold a token: it acts as an active caseworker or "
                "counsellor of an organisation, never as staff or an administrator."
            )
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        token = ApiToken(user=user, name=name or f"Token for {username}")
        if days is not None:
            token.expires_at = timezone.now() + datetime.timedelta(days=days)
        secret = token.issue()
        token.save()
        self.stderr.write(f"{token} acts as {username} until {token.expires_at:%Y-%m-%d}.")
        self.stdout.write(secret)
