"""API tokens in Django admin: created for a caseworker or counsellor and shown once, kept
as a digest, revoked by an action, never edited or deleted; each creation and revocation is
in the audit trail."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, digest
from audit.models import Entry, Kind
from tests.accounts.factories import AdministratorFactory, CaseworkerFactory, UserFactory
from tests.api.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

ADD = "admin:api_apitoken_add"
CHANGELIST = "admin:api_apitoken_changelist"


@pytest.fixture
def admin_browser(client, administrator):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(administrator)
    return client


def add(admin_browser, user, **fields):
    # At noon: a time of day taken from now could fall in the hour a clock change skips or
    # repeats, which the form refuses.
    return admin_browser.post(
        reverse(ADD),
        {
            "user": user.pk,
            "name": "Mens (OCMW Gent)",
            "expires_at_0": str(timezone.localdate() + datetime.timedelta(days=30)),
            "expires_at_1": "12:00:00",
            **fields,
        },
    )


def test_a_new_token_is_shown_once_and_kept_as_its_digest(admin_browser, caseworker):
    response = add(admin_browser, caseworker)

    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("okot_")
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.key_digest == digest(secret)
    assert secret not in str(ApiToken.objects.values().get())
    assert token.user == caseworker
    assert token.created_by is not None
    # the token's own page no longer has it
    page = admin_browser.get(reverse("admin:api_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_the_new_token_opens_the_api_as_its_user(admin_browser, caseworker, client):
    secret = add(admin_browser, caseworker).context["secret"]
    client.logout()

    response = client.get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "user",
    [
        lambda: AdministratorFactory(),
        lambda: CaseworkerFactory(is_staff=True),
        lambda: CaseworkerFactory(is_active=False),
        lambda: UserFactory(organisation=None),
    ],
    ids=["administrator", "staff", "inactive", "without organisation"],
)
def test_no_token_for_staff_administrators_or_users_without_organisation(admin_browser, user):
    response = add(admin_browser, user())

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_is_refused(admin_browser, caseworker):
    response = add(admin_browser, caseworker, expires_at_0="2020-01-01", expires_at_1="10:00:00")

    assert response.context["adminform"].form.errors["expires_at"]
    assert not ApiToken.objects.exists()


def test_revoking_closes_the_api_to_the_token(admin_browser, client):
    token = ApiTokenFactory()

    admin_browser.post(
        reverse(CHANGELIST), {"action": "revoke", "_selected_action": [token.pk], "index": 0}
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by is not None
    client.logout()
    response = client.get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    assert response.status_code == 401


def test_a_token_is_never_deleted(admin_browser):
    token = ApiTokenFactory()

    response = admin_browser.post(
        reverse("admin:api_apitoken_delete", args=[token.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_creating_and_revoking_are_in_the_audit_trail(admin_browser, caseworker):
    add(admin_browser, caseworker)
    token = ApiToken.objects.get()
    admin_browser.post(
        reverse(CHANGELIST), {"action": "revoke", "_selected_action": [token.pk], "index": 0}
    )

    details = [e.detail for e in Entry.objects.filter(kind=Kind.USER_CHANGE).order_by("pk")]
    assert [d.get("api_token") for d in details if "api_token" in d] == ["created", "revoked"]
    assert all(d["acts_as"] == caseworker.username for d in details if "api_token" in d)
