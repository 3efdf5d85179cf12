"""Every model registered in Django admin, and every admin URL, is classified for the
audit trail's reads, so that a new one cannot skip the trail.

`MODELS` (tests/audit/admin_models.py) classifies the models: personal data, whose admin
records its reads (`audit.admin_reads.AuditedReadsMixin`), or not, and why. `ADMIN_PAGES`
classifies the admin's URLs that are not a model's own list, change, history or delete
page. A registered model or an admin URL without an entry fails."""

import pytest
from django.apps import apps
from django.contrib import admin

from audit.admin_reads import AuditedReadsMixin
from audit.models import Kind
from tests.audit.admin_models import MODELS, PERSONAL, STAFF, NoPersonalData, read_rows
from tests.test_url_access import ADMIN_KEYS, PATTERNS, admin_url

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    model._meta.label_lower for model in apps.get_models() if admin.site.is_registered(model)
)


def test_every_registered_model_is_classified():
    assert [label for label in REGISTERED if label not in MODELS] == []
    for label in MODELS:  # none that names no model
        apps.get_model(label)


@pytest.mark.parametrize("label", REGISTERED)
def test_the_admin_of_personal_data_and_only_it_records_reads(label):
    model_admin = admin.site.get_model_admin(apps.get_model(label))

    assert isinstance(model_admin, AuditedReadsMixin) is (label in PERSONAL)


# --- the admin's other pages -----------------------------------------------------------------

MODEL_PAGES = ("add", "change", "changelist", "delete", "history")
# The pages of a model: a new row's form shows no one's data (the referral's add form finds
# the client by autocomplete, which records); the others as the model is classified.
ADMIN_PAGES = {
    "admin:index": NoPersonalData("the models, and the user's own recent changes"),
    "admin:app_list": NoPersonalData("the models of an app"),
    "admin:login": NoPersonalData("the login, through the app's"),
    "admin:logout": NoPersonalData("the logout"),
    "admin:password_change": NoPersonalData("the user's own password"),
    "admin:password_change_done": NoPersonalData("the user's own password"),
    "admin:jsi18n": NoPersonalData("the scripts' translations"),
    "admin:view_on_site": NoPersonalData("a redirect to the app's page, which records"),
    "admin:auth_user_password_change": NoPersonalData(STAFF),
    "admin:otp_totp_totpdevice_config": NoPersonalData(STAFF),
    "admin:otp_totp_totpdevice_qrcode": NoPersonalData(STAFF),
    "admin:referrals_referral_import": NoPersonalData("an upload form"),
    "admin:referrals_referral_import_job": NoPersonalData("an import's progress and errors"),
    "admin:autocomplete": Kind.SEARCH,  # test_an_autocomplete_field_records_its_choices
    "admin:referrals_referral_step": Kind.VIEW,  # test_a_steps_page_records_its_referral
    # A client's subject access request: everything held on them, printed or downloaded
    # (tests/referrals/test_subject_access.py).
    "admin:referrals_client_subject_access": Kind.PRINT,
    "admin:referrals_client_subject_access_json": Kind.EXPORT,
}
UNNAMED = NoPersonalData("a redirect to a change page, or a 404")


def admin_page(key: str):
    """What an admin URL is: its entry in ADMIN_PAGES, or its model's classification."""
    if key in ADMIN_PAGES:
        return ADMIN_PAGES[key]
    if not key.startswith("admin:"):
        return UNNAMED
    for label, entry in MODELS.items():
        for page in MODEL_PAGES:
            if key == f"admin:{label.replace('.', '_')}_{page}":
                return NoPersonalData("a new row's form") if page == "add" else entry
    return None


def test_every_admin_url_is_classified():
    assert [key for key in ADMIN_KEYS if admin_page(key) is None] == []
    assert [key for key in ADMIN_PAGES if key not in ADMIN_KEYS] == []


ROUTES = {key: route for key, route, _pattern in PATTERNS}
IMPERSONAL_PAGES = [key for key in ADMIN_KEYS if isinstance(admin_page(key), NoPersonalData)]


@pytest.mark.parametrize("key", IMPERSONAL_PAGES)
def test_an_admin_page_without_personal_data_records_no_read(client, administrator, key):
    client.force_login(administrator)

    response = client.get(admin_url(ROUTES[key], key))

    assert response.status_code < 500
    assert not read_rows().exists()
