"""Bearer tokens: what is kept of them, who they authenticate, what is refused, when the
last use is written; and the browser's session beside them."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import TOKEN_PREFIX, ApiToken, digest
from tests.accounts.two_factor import pass_second_factor
from tests.api.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC)
REFERRALS = reverse("api:referral-list")
UNAUTHENTICATED = 'Bearer realm="api"'


def bearer(secret: str) -> APIClient:
    http = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return http


def token_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "api_apitoken"')]


# --- what is kept ------------------------------------------------------------------------


def test_only_the_digest_of_a_token_is_stored(caseworker):
    token = ApiTokenFactory(user=caseworker)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken WHERE id = %s", [token.pk])
        row = cursor.fetchone()

    assert token.secret.startswith(TOKEN_PREFIX)
    assert len(token.secret) == len(TOKEN_PREFIX) + 43  # 32 random bytes
    assert not [value for value in row if token.secret in str(value)]
    assert digest(token.secret) in row
    # The hint recognises a token in a list; it is not enough to use one.
    assert token.secret.startswith(token.hint)
    assert len(token.hint) == len(TOKEN_PREFIX) + 6


def test_each_token_gets_a_secret_of_its_own(caseworker):
    first, second = ApiTokenFactory(user=caseworker), ApiTokenFactory(user=caseworker)

    assert first.secret != second.secret
    assert first.key_digest != second.key_digest


# --- who a token authenticates -----------------------------------------------------------


def test_a_valid_token_authenticates_as_its_user(caseworker):
    token = ApiTokenFactory(user=caseworker)

    response = bearer(token.secret).get(REFERRALS)

    assert response.status_code == 200
    assert response.wsgi_request.user == caseworker


def test_a_token_acts_as_its_own_user_not_as_another_tokens(caseworker, counsellor):
    ApiTokenFactory(user=caseworker)
    token = ApiTokenFactory(user=counsellor)

    response = bearer(token.secret).get(reverse("api:client-list"))

    assert response.wsgi_request.user == counsellor
    assert response.status_code == 403  # clients are the OCMW's


def expire(token):
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())


def revoke(token):
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())


def deactivate_user(token):
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])


REFUSED_TOKENS = {
    "expired": (expire, lambda secret: f"Bearer {secret}"),
    "revoked": (revoke, lambda secret: f"Bearer {secret}"),
    "inactive user": (deactivate_user, lambda secret: f"Bearer {secret}"),
    "never issued": (None, lambda secret: f"Bearer {TOKEN_PREFIX}{'A' * 43}"),
    "one character off": (None, lambda secret: f"Bearer {secret[:-1]}{chr(ord(secret[-1]) ^ 1)}"),
    "no token": (None, lambda secret: "Bearer"),
    "two tokens": (None, lambda secret: f"Bearer {secret} {secret}"),
    "not ascii": (None, lambda secret: f"Bearer {secret}é"),
    "another scheme": (None, lambda secret: f"Token {secret}"),
    "nothing": (None, lambda secret: ""),
}


@pytest.mark.parametrize("case", REFUSED_TOKENS)
def test_a_token_that_is_not_usable_gets_401_saying_how_to_authenticate(caseworker, case):
    token = ApiTokenFactory(user=caseworker)
    spoil, header = REFUSED_TOKENS[case]
    if spoil:
        spoil(token)
    http = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if header(token.secret):
        http.credentials(HTTP_AUTHORIZATION=header(token.secret))

    response = http.get(REFERRALS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == UNAUTHENTICATED
    assert set(response.json()) == {"detail"}


def test_expired_revoked_and_unknown_tokens_are_refused_in_the_same_words(caseworker):
    """A caller learns nothing about which it was."""
    expired, revoked = ApiTokenFactory(user=caseworker), ApiTokenFactory(user=caseworker)
    expire(expired)
    revoke(revoked)

    answers = {
        bearer(secret).get(REFERRALS).content
        for secret in (expired.secret, revoked.secret, f"{TOKEN_PREFIX}{'A' * 43}")
    }

    assert answers == {b'{"detail":"This token is not valid."}'}


def test_a_token_is_refused_once_it_expires(caseworker):
    with time_machine.travel(NOW, tick=False) as traveller:
        token = ApiTokenFactory(user=caseworker, expires_at=NOW + datetime.timedelta(hours=1))
        http = bearer(token.secret)
        assert http.get(REFERRALS).status_code == 200

        traveller.move_to(NOW + datetime.timedelta(hours=1))

        assert http.get(REFERRALS).status_code == 401


def test_the_refusal_is_in_the_callers_language(caseworker):
    response = APIClient().get(REFERRALS, HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authenticatiegegevens zijn niet opgegeven."}


# --- the last use ------------------------------------------------------------------------


def test_the_last_use_is_written_at_most_once_a_minute(caseworker):
    with time_machine.travel(NOW, tick=False) as traveller:
        token = ApiTokenFactory(user=caseworker)
        http = bearer(token.secret)
        assert token.last_used_at is None

        with CaptureQueriesContext(connection) as first:
            assert http.get(REFERRALS).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == NOW
        assert len(token_updates(first)) == 1

        traveller.move_to(NOW + datetime.timedelta(seconds=59))
        with CaptureQueriesContext(connection) as within_the_minute:
            assert http.get(REFERRALS).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == NOW
        assert token_updates(within_the_minute) == []
        assert len(within_the_minute) == len(first) - 1  # that write, and nothing else

        traveller.move_to(NOW + datetime.timedelta(seconds=61))
        with CaptureQueriesContext(connection) as after_the_minute:
            assert http.get(REFERRALS).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == NOW + datetime.timedelta(seconds=61)
        assert len(token_updates(after_the_minute)) == 1


def test_a_refused_token_does_not_count_as_used(caseworker):
    token = ApiTokenFactory(user=caseworker)
    revoke(token)

    bearer(token.secret).get(REFERRALS)

    token.refresh_from_db()
    assert token.last_used_at is None


def test_authenticating_a_token_costs_one_query(caseworker, django_assert_num_queries):
    """The token, its user and their organisation in one SELECT (the last use written
    already: no UPDATE)."""
    token = ApiTokenFactory(user=caseworker, last_used_at=timezone.now())
    http = bearer(token.secret)

    with CaptureQueriesContext(connection) as queries:
        http.get(reverse("api:training-list"))

    token_reads = [q for q in queries if 'FROM "api_apitoken"' in q["sql"]]
    assert len(token_reads) == 1
    assert '"accounts_organisation"' in token_reads[0]["sql"]
    user_reads = [
        q for q in queries if q["sql"].startswith("SELECT") and 'FROM "accounts_user"' in q["sql"]
    ]
    assert user_reads == []


# --- the browser's session ---------------------------------------------------------------


@pytest.fixture
def browser():
    return APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


def test_the_session_still_authenticates_the_browser(browser, caseworker):
    browser.force_login(caseworker)

    response = browser.get(REFERRALS)

    assert response.status_code == 200
    assert response.wsgi_request.user == caseworker


def test_a_session_post_without_the_csrf_token_is_refused(browser, caseworker):
    browser.force_login(caseworker)

    response = browser.post(REFERRALS, {}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_session_post_with_the_csrf_token_reaches_the_view(browser, caseworker):
    browser.force_login(caseworker)
    browser.get(reverse("referrals:dashboard"))  # the page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value

    response = browser.post(REFERRALS, {}, format="json", HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 400
    assert set(response.json()) == {"client", "training"}


def test_a_token_post_needs_no_csrf_token(caseworker):
    """A partner system has no cookie to forge a request with: CSRF is the session's."""
    token = ApiTokenFactory(user=caseworker)
    http = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")

    response = http.post(REFERRALS, {}, format="json")

    assert response.status_code == 400


def test_a_session_that_owes_the_second_factor_does_not_reach_the_api(browser, administrator):
    """The pages send an administrator who has not passed the second factor to enter it;
    the API must not answer that session either."""
    browser.force_login(administrator)

    response = browser.get(reverse("api:client-list"))

    assert response.status_code == 401


def test_a_session_that_passed_the_second_factor_reaches_the_api(browser, administrator):
    browser.force_login(administrator)
    pass_second_factor(browser, administrator)

    response = browser.get(reverse("api:client-list"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "promote",
    [
        lambda user: setattr(user, "is_staff", True),
        lambda user: setattr(user, "is_superuser", True),
        lambda user: user.groups.add(Group.objects.get(name="Administrator")),
    ],
    ids=["staff", "superuser", "administrator"],
)
def test_a_token_stops_working_when_its_user_must_pass_a_second_factor(db, promote):
    """Made for a caseworker, who is later made staff or administrator: a token cannot give
    the second factor they now owe, so it opens nothing, like a revoked one."""
    token = ApiTokenFactory()
    user = token.user
    promote(user)
    user.save()

    http = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    response = http.get("/api/v1/referrals/")

    assert response.status_code == 401
