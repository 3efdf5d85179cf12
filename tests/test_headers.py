"""Every response carries the security headers of issue 9: a Content Security Policy without
'unsafe-inline', a Permissions-Policy that denies what the app does not use (passkeys
allowed for the site itself), and Cache-Control no-store on pages and downloads, so that
personal data stays out of browser and proxy caches. Static files keep their own caching.

Checked for every named URL of the URLconf, the app's and the admin's (so that a new page
cannot skip them), with real 200 pages for the pages and downloads that matter most."""

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import URLResolver, get_resolver, reverse

from notifications.models import Notification
from referrals.enums import State
from referrals.models import Referral
from referrals.steps import STEPS
from tests.referrals.factories import referral_in_state

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# E-mails are not served to browsers: mail programs want their styles inline.
NOT_SERVED = {
    TEMPLATES / "notifications" / "email.html",
    TEMPLATES / "notifications" / "digest.html",
}
# What the policy blocks: style attributes and elements, scripts without src, event handler
# attributes, javascript: URLs.
INLINE_CODE = re.compile(
    r"""\sstyle\s*=|<style[\s>]|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=\s*["']|javascript:""",
    re.IGNORECASE,
)
# Both spellings of "allow inline code", and eval: none of them may appear in the policy.
UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'")
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")
PASSKEY_FEATURES = ("publickey-credentials-get", "publickey-credentials-create")


def named_urls(patterns=None, namespace: str = "") -> dict:
    """Every named URL pattern of the project, by its namespaced name."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(named_urls(pattern.url_patterns, inner))
        elif pattern.name:
            found[f"{namespace}{pattern.name}"] = pattern
    return found


URL_NAMES = sorted(named_urls())
CLIENT_URLS = {"referrals:client_detail", "referrals:client_edit", "referrals:referral_create"}


@pytest.fixture
def scene(caseworker, counsellor, training):
    """An ended referral (so with its printed agreement) and a message in the caseworker's
    inbox about it."""
    referral = referral_in_state(State.ENDED, training=training, caseworker=caseworker)
    return {
        "referral": referral,
        "notification": Notification.objects.inbox_of(caseworker).first(),
    }


def admin_object(app_model: str):
    """The first row of the admin's model `app_label_modelname`, or None."""
    for model in admin.site._registry:
        if f"{model._meta.app_label}_{model._meta.model_name}" == app_model:
            return model.objects.first()
    return None


def kwargs_for(name: str, pattern, scene) -> dict:
    """Values for the URL's parameters: rows that exist, or a pk that does not (its 404
    must carry the headers as well)."""
    referral = scene["referral"]
    names = list(pattern.pattern.regex.groupindex)
    values = {}
    for kwarg in names:
        if kwarg == "pk":
            if name in CLIENT_URLS:
                values[kwarg] = referral.client.pk
            elif name.startswith("notifications:"):
                values[kwarg] = scene["notification"].pk
            else:
                values[kwarg] = referral.pk
        elif name == "admin:view_on_site":
            values["content_type_id"] = ContentType.objects.get_for_model(Referral).pk
            values["object_id"] = referral.pk
        elif kwarg == "id":  # the user's password form
            values[kwarg] = referral.created_by_id
        elif kwarg == "object_id":
            row = admin_object(name.removeprefix("admin:").rsplit("_", 1)[0])
            values[kwarg] = row.pk if row else 0
        else:
            values[kwarg] = {
                "name": next(iter(STEPS)),
                "table": "funnel",
                "fmt": "csv",
                "app_label": "referrals",
                "uidb64": "MQ",  # a password reset link that is no longer valid
                "token": "set-password",
                "job_id": 0,  # an import that does not exist
                "side": "caseworker",
            }[kwarg]
    return values


def user_for(name: str, caseworker, superuser):
    return superuser if name.startswith("admin:") else caseworker


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert not any(source in csp for source in UNSAFE_SOURCES), csp
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    for feature in DENIED_FEATURES:
        assert features[feature] == "()", feature
    for feature in PASSKEY_FEATURES:
        assert features[feature] == "(self)", feature


def assert_not_stored(response) -> None:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "no-store" in directives, response["Cache-Control"]
    assert "private" in directives
    assert not {"public", "immutable"} & directives


@pytest.mark.parametrize("name", URL_NAMES)
def test_every_url_answers_with_the_security_headers_and_no_store(
    client, scene, caseworker, admin_user, name
):
    pattern = named_urls()[name]
    client.force_login(user_for(name, caseworker, admin_user))
    url = reverse(name, kwargs=kwargs_for(name, pattern, scene))

    response = client.get(url)

    assert response.status_code < 500, url
    assert_security_headers(response)
    assert_not_stored(response)


@pytest.fixture
def pages(scene, training):
    """The pages and downloads with the most personal data, each answering 200."""
    referral, client_pk = scene["referral"], scene["referral"].client.pk
    app = [
        reverse("referrals:dashboard"),
        reverse("referrals:client_list"),
        reverse("referrals:client_detail", args=[client_pk]),
        reverse("referrals:referral_list"),
        reverse("referrals:referral_detail", args=[referral.pk]),
        reverse("referrals:referral_agreement", args=[referral.pk]),
        reverse("referrals:reports"),
        reverse("referrals:report_export", args=["funnel", "csv"]),
        reverse("referrals:report_export", args=["starts", "xlsx"]),
        reverse("referrals:report_export", args=["all", "xlsx"]),
        reverse("notifications:inbox"),
        reverse("notifications:preferences"),
    ]
    admin_pages = [
        reverse("admin:index"),
        reverse("admin:referrals_client_changelist"),
        reverse("admin:referrals_client_change", args=[client_pk]),
        reverse("admin:referrals_referral_changelist"),
        reverse("admin:referrals_referral_change", args=[referral.pk]),
        reverse("admin:referrals_referral_add"),
        reverse("admin:referrals_referral_import"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:referrals_client_delete", args=[client_pk]),
    ]
    return {"app": app, "admin": admin_pages}


@pytest.mark.parametrize("side", ["app", "admin"])
def test_pages_and_downloads_with_personal_data_are_not_stored(
    client, pages, caseworker, admin_user, side
):
    client.force_login(caseworker if side == "app" else admin_user)

    for url in pages[side]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert_not_stored(response)


def test_a_download_is_an_attachment_that_is_not_stored(client, scene, caseworker):
    client.force_login(caseworker)

    response = client.get(reverse("referrals:report_export", args=["funnel", "csv"]))

    assert response["Content-Disposition"].startswith("attachment;")
    assert_not_stored(response)


def test_the_login_page_and_its_failure_carry_the_headers(client, db):
    for response in [
        client.get(reverse("login")),
        client.post(reverse("login"), {"username": "nobody", "password": "wrong"}),
        client.get(reverse("referrals:dashboard")),  # the redirect to the login page
    ]:
        assert_security_headers(response)
        assert_not_stored(response)


@pytest.mark.parametrize(
    "template",
    sorted(set(TEMPLATES.rglob("*.html")) - NOT_SERVED),
    ids=lambda path: str(path.relative_to(TEMPLATES)),
)
def test_templates_served_to_browsers_have_no_inline_script_or_style(template):
    assert INLINE_CODE.findall(template.read_text()) == []


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_static_files_keep_their_own_caching_and_get_the_policies(client):
    response = client.get("/static/css/okot.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert_security_headers(response)
