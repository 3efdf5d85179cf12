import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, digest
from tests.accounts.factories import CaseworkerFactory


def api_token(*args) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_prints_only_the_secret_of_a_token_acting_as_the_user():
    user = CaseworkerFactory(username="mens-gent")

    printed = api_token("mens-gent", "--name", "Mens (OCMW Gent)")

    secret = printed.strip()
    assert printed == secret + "\n"
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.key_digest) == (user, "Mens (OCMW Gent)", digest(secret))
    assert secret.startswith(token.hint)


@pytest.mark.django_db
def test_the_printed_secret_authenticates_as_the_user():
    CaseworkerFactory(username="mens-gent")
    secret = api_token("mens-gent").strip()

    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert http.get("/api/v1/referrals/").status_code == 200


@pytest.mark.django_db
def test_days_sets_the_expiry():
    CaseworkerFactory(username="mens-gent")

    api_token("mens-gent", "--days", "7")

    expires_in = ApiToken.objects.get().expires_at - timezone.now()
    assert datetime.timedelta(days=6, hours=23) < expires_in <= datetime.timedelta(days=7)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "args", "message"),
    [
        (None, ["nobody"], "No user"),
        ({"is_active": False}, ["mens-gent"], "may not hold a token"),
        ({"is_staff": True}, ["mens-gent"], "may not hold a token"),
        ({"is_superuser": True}, ["mens-gent"], "may not hold a token"),
        ({}, ["mens-gent", "--days", "0"], "at least 1"),
    ],
)
def test_refuses_without_creating_a_token(user, args, message):
    if user is not None:
        CaseworkerFactory(username="mens-gent", **user)

    with pytest.raises(CommandError, match=message):
        api_token(*args)

    assert not ApiToken.objects.exists()
