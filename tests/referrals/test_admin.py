"""Django admin: every registered model's changelist, change and add pages load, listing
their rows and guarding what is read-only; the referral's state cannot be set on its change
form; the changelists' searches and filters work; and the pages' queries do not grow with
the rows or the history."""

import datetime

import pytest
from django.apps import apps
from django.contrib.admin import site
from django.contrib.admin.views.main import ERROR_FLAG
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Role
from referrals.enums import State
from referrals.models import Referral
from tests.referrals.admin_rows import one_of_each_beside
from tests.referrals.admin_urls import change_url
from tests.referrals.factories import (
    ClientFactory,
    make_insz,
    referral_in_state,
)

pytestmark = pytest.mark.django_db


# Every model with a ModelAdmin, so that a new admin cannot skip the matrix below.
ADMIN_MODELS = sorted(
    model._meta.label_lower for model in apps.get_models() if site.is_registered(model)
)
# Rows only the app's services write: history, candidacies by VDAB, consents, guidance notes,
# school years, outcome check-ups, documents, imports.
WRITTEN_IN_THE_APP = [
    "referrals.referralevent",
    "referrals.candidacy",
    "referrals.consent",
    "referrals.guidancenote",
    "referrals.outcomecheck",
    "referrals.document",
    "referrals.schoolyear",
    "referrals.importjob",
]
# ... and the messages and webhook calls it sent, and what the lockout of logins recorded:
# all of them listed and shown in admin, never added or changed.
LOGIN_RECORDS = ["axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"]
# The audit trail and its purges: read by everyone, changed by nobody.
AUDIT_TRAIL = ["audit.entry", "audit.purge"]
READ_ONLY_MODELS = {
    *WRITTEN_IN_THE_APP,
    "notifications.notification",
    "webhooks.delivery",
    *LOGIN_RECORDS,
    *AUDIT_TRAIL,
}
# What an administrator may not edit on the pages of the other rows: what the steps recorded
# (history must stay complete), what is derived or stamped, powers only a superuser gives.
READ_ONLY_FIELDS = {
    "referrals.referral": {
        "state",
        "state_changed_at",
        "agreed_on",
        "end_date",
        "end_result",
        "created_by",
    },
    "referrals.client": {"birth_date", "consent_vdab", "consent_date", "created_at", "updated_at"},
    "referrals.temporaryworkexperience": {"created_by"},
    "accounts.user": {"is_superuser", "user_permissions"},
    "django_otp_webauthn.webauthncredential": {
        "credential_id_sha256",
        "aaguid",
        "sign_count",
        "created_at",
    },
}


# The roles' groups, the logs of logins and the second factors' devices are a superuser's to
# open in admin: the Administrator role has no permission on them.
SUPERUSER_ONLY = {
    "auth.group",
    "axes.accesslog",
    "axes.accessfailurelog",
    "otp_static.staticdevice",
    "otp_totp.totpdevice",
    "django_otp_webauthn.webauthncredential",
}
# Passkeys are registered by their owner's browser: admin lists, renames, switches off and
# deletes them, but never adds one.
NEVER_ADDED = {"django_otp_webauthn.webauthncredential"}
# Added in admin, then never changed there (an API token: revoked by an action).
NEVER_CHANGED = {"api.apitoken"}


@pytest.fixture
def admin_of(request, admin_user_client):
    """`admin_of(label)`: a client logged in as who works on `label` in admin (both log in
    now, so that their logins' records and devices are there before a test lists rows)."""
    superuser_client = request.getfixturevalue("admin_client")

    def client_for(label: str):
        if label in SUPERUSER_ONLY:
            return superuser_client
        return admin_user_client

    return client_for


@pytest.fixture
def admin_rows(ended_referral):
    """A row of every registered model: the ended referral's, its messages and the rest."""
    one_of_each_beside(ended_referral)


def first_object(label: str):
    """The first row, of users the first one the functional administrator administers (not
    an administrator: only a superuser changes those)."""
    rows = apps.get_model(label).objects.order_by("pk")
    if label == "accounts.user":
        rows = rows.exclude(pk__in=Role.ADMINISTRATOR.holders().values("pk"))
    return rows.first()


def admin_url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def object_tools(html: str) -> str:
    """The buttons above a changelist (add, import), not the add links of the sidebar."""
    tools = html[html.index('<ul class="object-tools">') :]
    return tools[: tools.index("</ul>")]


def inputs_named(html: str, names) -> set[str]:
    return {name for name in names if f'name="{name}"' in html}


def has_save_button(html: str) -> bool:
    return 'name="_save"' in html or 'name="_continue"' in html


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_changelist_and_change_page_load(admin_of, admin_rows, label):
    model = apps.get_model(label)
    rows = list(model.objects.all())
    assert rows

    changelist = admin_of(label).get(admin_url(label, "changelist"))

    assert changelist.status_code == 200
    assert set(changelist.context["cl"].result_list) == set(rows)
    html = changelist.content.decode()
    assert [row for row in rows if admin_url(label, "change", row.pk) not in html] == []
    can_add = admin_url(label, "add") in object_tools(html)
    assert can_add is (label not in READ_ONLY_MODELS | NEVER_ADDED)

    obj = first_object(label)
    change = admin_of(label).get(admin_url(label, "change", obj.pk))

    assert change.status_code == 200
    html = change.content.decode()
    assert escape(str(obj)) in html
    if label in READ_ONLY_MODELS | NEVER_CHANGED:
        assert not has_save_button(html)
        assert inputs_named(html, [field.name for field in model._meta.fields]) == set()
    else:
        assert has_save_button(html)
        read_only = READ_ONLY_FIELDS.get(label, set())
        assert {name for name in read_only if f"field-{name}" in html} == read_only  # shown
        assert inputs_named(html, read_only) == set()  # ... but not editable


@pytest.mark.parametrize("label", sorted(NEVER_ADDED))
def test_no_add_page_for_what_is_never_added(admin_of, label):
    assert admin_of(label).get(admin_url(label, "add")).status_code == 403


@pytest.mark.parametrize(
    "label", [m for m in ADMIN_MODELS if m not in READ_ONLY_MODELS | NEVER_ADDED]
)
def test_add_page_loads(admin_of, label):
    response = admin_of(label).get(admin_url(label, "add"))

    assert response.status_code == 200
    html = response.content.decode()
    assert has_save_button(html)
    fields = response.context["adminform"].form.fields
    assert fields
    # Every field of the form has its input (a split one, date and time, starts with the name).
    assert [name for name in fields if f'name="{name}' not in html] == []
    assert inputs_named(html, READ_ONLY_FIELDS.get(label, set())) == set()


@pytest.mark.parametrize("label", WRITTEN_IN_THE_APP)
def test_rows_written_by_the_app_are_only_read_in_admin(admin_user_client, admin_rows, label):
    app_label, model_name = label.split(".")
    obj = first_object(label)
    add = reverse(f"admin:{app_label}_{model_name}_add")
    change = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])

    assert admin_user_client.get(add).status_code == 403
    page = admin_user_client.get(change)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]


def test_step_data_of_a_referral_cannot_be_edited_in_admin(admin_user_client, ended_referral):
    """Corrections go through the steps, so the history stays complete."""
    events_before = ended_referral.events.count()
    end_date = ended_referral.end_date

    page = admin_user_client.get(change_url(ended_referral))
    data = {"end_result": "failed", "end_date": "1999-01-01", "external_id": "x-1"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): v for n, v in management.initial.items()})

    response = admin_user_client.post(change_url(ended_referral), data)

    assert response.status_code == 302  # the form was valid: only external_id was taken
    ended_referral.refresh_from_db()
    assert ended_referral.external_id == "x-1"
    assert ended_referral.end_date == end_date
    assert ended_referral.end_result != "failed"
    assert ended_referral.events.count() == events_before


def test_superuser_sees_the_admin_too(admin_client, ended_referral):
    assert admin_client.get(change_url(ended_referral)).status_code == 200


def test_referral_change_form_has_no_state_input(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.get(change_url(referral))
    assert response.status_code == 200
    assert "state" not in response.context["adminform"].form.fields
    assert 'name="state"' not in response.content.decode()


def test_posting_a_state_to_the_change_form_does_not_change_it(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.get(change_url(referral))
    data = {
        key: value
        for key, value in response.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update(
            {management.add_prefix(name): value for name, value in management.initial.items()}
        )
    data["state"] = State.CLOSED
    data["external_id"] = "VDAB-123"
    response = admin_user_client.post(change_url(referral), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.state == State.CANDIDATE
    assert referral.external_id == "VDAB-123"


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Verpleegkunde"},
        {"q": "8"},
        {"state": "ended"},
        {"state__exact": "ended"},
        {"training__okot_type__exact": "HBO"},
        {"training__province__exact": "oost_vlaanderen"},
        {"client__ocmw__id__exact": "1"},
        {"state_changed_at__year": "2024"},
    ],
)
def test_referral_changelist_search_and_filters(admin_user_client, ended_referral, query):
    # A search in the query string is moved to the session first (accounts/admin_search.py).
    response = admin_user_client.get(
        reverse("admin:referrals_referral_changelist"), query, follow=True
    )
    assert response.status_code == 200
    assert ERROR_FLAG not in response.wsgi_request.GET


INSZ = make_insz(datetime.date(1985, 7, 30), 33)


@pytest.mark.parametrize("term", ["Zwartkruis", "zwart", INSZ, INSZ[:6], "VDAB-42"])
def test_referral_changelist_search_finds_by_client_name_insz_or_external_id(
    admin_user_client, term
):
    wanted = referral_in_state(
        State.INFORMED, client=ClientFactory(last_name="Zwartkruis", insz=INSZ)
    )
    Referral.objects.filter(pk=wanted.pk).update(external_id="VDAB-42")
    other = referral_in_state(State.INFORMED, client=ClientFactory(last_name="Peeters"))
    response = admin_user_client.post(reverse("admin:referrals_referral_changelist"), {"q": term})
    response = admin_user_client.get(response["Location"])
    found = list(response.context["cl"].result_list)
    assert wanted in found
    assert other not in found


@pytest.mark.parametrize(
    "label, query",
    [
        ("accounts.user", {"q": "user", "is_active__exact": "1"}),
        ("accounts.organisation", {"q": "Gent", "kind__exact": "ocmw"}),
        ("referrals.client", {"q": "8", "consent_vdab__exact": "1", "gender__exact": "M"}),
        ("referrals.training", {"q": "Verpleeg", "okot_type__exact": "HBO", "active__exact": "1"}),
        ("referrals.consent", {"q": "a", "scope__exact": "okot", "withdrawn_on__isempty": "1"}),
        ("referrals.entrycondition", {"q": "VDAB", "active__exact": "1"}),
        ("referrals.referralevent", {"q": "a", "transition": "apply", "to_state__exact": "ended"}),
        ("referrals.guidancenote", {"q": "Goed", "topic__exact": "progress"}),
        ("referrals.outcomecheck", {"months__exact": "3", "at_work__exact": "yes"}),
    ],
)
def test_other_changelists_search_and_filter(admin_user_client, ended_referral, label, query):
    app_label, model_name = label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = admin_user_client.get(url, query, follow=True)  # the search goes to the session
    assert response.status_code == 200
    assert ERROR_FLAG not in response.wsgi_request.GET  # an unknown lookup redirects to ?e=1


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "url_name", ["admin:referrals_referral_changelist", "admin:referrals_referralevent_changelist"]
)
def test_changelist_queries_do_not_grow_with_rows(admin_user_client, url_name):
    url = reverse(url_name)
    referral_in_state(State.INFORMED)
    few = queries_for(admin_user_client, url)
    for _ in range(4):
        referral_in_state(State.CANDIDATE)
    assert queries_for(admin_user_client, url) == few


def test_referral_change_page_queries_do_not_grow_with_history(admin_user_client):
    short = referral_in_state(State.CANDIDATE)
    long = referral_in_state(State.ENDED, training=short.training)
    assert (
        queries_for(admin_user_client, change_url(long))
        <= queries_for(admin_user_client, change_url(short)) + 2
    )
