"""Django admin: every page loads, the state is read-only, and steps go through the services."""

import datetime

import pytest
from django.apps import apps
from django.contrib.admin import site
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from notifications.models import EmailOptOut, Kind
from referrals.enums import State
from referrals.models import (
    GuidanceNote,
    OutcomeCheck,
    Referral,
    ReferralEvent,
    TemporaryWorkExperience,
)
from referrals.models.guards import client_consented, no_active_temporary_work_experience
from referrals.services import ConcurrentChange
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.factories import (
    ClientFactory,
    TemporaryWorkExperienceFactory,
    TrainingFactory,
    applicable_conditions,
    make_insz,
    referral_in_state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user_client(client, administrator):
    # Messages are compared with the code's own (English) strings.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(administrator)
    return client


def english(message) -> str:
    with translation.override("en"):
        return str(message)


@pytest.fixture
def ended_referral():
    """A referral walked to `ended` with one of each related row."""
    referral = referral_in_state(State.ENDED)
    GuidanceNote.objects.create(
        referral=referral, author=referral.created_by, topic="progress", note="Goed bezig."
    )
    OutcomeCheck.objects.create(
        referral=referral, months=3, at_work="yes", checked_by=referral.created_by
    )
    TemporaryWorkExperienceFactory(client=referral.client)
    return referral


def step_url(referral: Referral, name: str) -> str:
    return reverse("admin:referrals_referral_step", args=[referral.pk, name])


def change_url(referral: Referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Every model with a ModelAdmin, so that a new admin cannot skip the matrix below.
ADMIN_MODELS = sorted(
    model._meta.label_lower for model in apps.get_models() if site.is_registered(model)
)
# Rows only the app's services write: history, guidance notes, outcome check-ups.
WRITTEN_IN_THE_APP = ["referrals.referralevent", "referrals.guidancenote", "referrals.outcomecheck"]
# ... and the messages it sent: all of them listed and shown in admin, never added or changed.
READ_ONLY_MODELS = {*WRITTEN_IN_THE_APP, "notifications.notification"}
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
    "referrals.client": {"birth_date", "created_at", "updated_at"},
    "referrals.temporaryworkexperience": {"created_by"},
    "accounts.user": {"is_superuser", "user_permissions"},
}


# The roles' groups are a superuser's to open in admin: the Administrator role has no
# permission on them.
SUPERUSER_ONLY = {"auth.group"}


@pytest.fixture
def admin_of(request, admin_user_client):
    """`admin_of(label)`: a client logged in as who works on `label` in admin."""

    def client_for(label: str):
        if label in SUPERUSER_ONLY:
            return request.getfixturevalue("admin_client")
        return admin_user_client

    return client_for


@pytest.fixture
def admin_rows(ended_referral):
    """A row of every registered model: the ended referral's, its messages and an opt-out."""
    EmailOptOut.objects.create(user=ended_referral.created_by, kind=Kind.INTAKE_PLANNED)


def first_object(label: str):
    return apps.get_model(label).objects.order_by("pk").first()


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
    assert can_add is (label not in READ_ONLY_MODELS)

    obj = first_object(label)
    change = admin_of(label).get(admin_url(label, "change", obj.pk))

    assert change.status_code == 200
    html = change.content.decode()
    assert escape(str(obj)) in html
    if label in READ_ONLY_MODELS:
        assert not has_save_button(html)
        assert inputs_named(html, [field.name for field in model._meta.fields]) == set()
    else:
        assert has_save_button(html)
        read_only = READ_ONLY_FIELDS.get(label, set())
        assert {name for name in read_only if f"field-{name}" in html} == read_only  # shown
        assert inputs_named(html, read_only) == set()  # ... but not editable


@pytest.mark.parametrize("label", [m for m in ADMIN_MODELS if m not in READ_ONLY_MODELS])
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
def test_rows_written_by_the_app_are_only_read_in_admin(admin_user_client, ended_referral, label):
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


def test_change_page_offers_the_steps_the_admin_may_take(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.get(change_url(referral))
    urls = [step["url"] for step in response.context["referral_steps"]]
    assert urls == [step_url(referral, name) for name in ("agree", "decline", "withdraw")]
    assert step_url(referral, "agree") in response.content.decode()


def test_change_page_explains_a_blocked_step(admin_user_client):
    referral = referral_in_state(State.CANDIDATE, client=ClientFactory(consent_vdab=False))
    response = admin_user_client.get(change_url(referral))
    assert step_url(referral, "agree") not in [s["url"] for s in response.context["referral_steps"]]
    assert english(client_consented.message) in response.content.decode()


def test_apply_then_withdraw_through_the_admin_writes_history(admin_user_client, administrator):
    referral = referral_in_state(State.INFORMED)

    response = admin_user_client.get(step_url(referral, "apply"))
    assert response.status_code == 200
    response = admin_user_client.post(step_url(referral, "apply"), {"state": State.INFORMED})
    assert response.status_code == 302
    assert response.url == change_url(referral)

    response = admin_user_client.post(
        step_url(referral, "withdraw"),
        {"state": State.CANDIDATE, "reason": "De cliënt heeft werk gevonden."},
    )
    assert response.status_code == 302

    referral = Referral.objects.get(pk=referral.pk)
    assert referral.state == State.WITHDRAWN
    assert referral.withdraw_reason == "De cliënt heeft werk gevonden."
    events = list(referral.events.filter(actor=administrator).order_by("at", "pk"))
    assert [(e.transition, e.from_state, e.to_state) for e in events] == [
        ("apply", State.INFORMED, State.CANDIDATE),
        ("withdraw", State.CANDIDATE, State.WITHDRAWN),
    ]
    assert events[1].reason == "De cliënt heeft werk gevonden."


def test_invalid_step_form_is_redisplayed(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(step_url(referral, "withdraw"), {"state": State.CANDIDATE})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE


def test_service_validation_error_lands_on_the_form_field(admin_user_client):
    """The agreement date in the future is refused by the model's transition."""
    referral = referral_in_state(State.CANDIDATE)
    conditions = [c.pk for c in applicable_conditions(referral.training)]
    response = admin_user_client.post(
        step_url(referral, "agree"),
        {
            "state": State.CANDIDATE,
            "checked_conditions": conditions,
            "agreed_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "caseworker_phone": "09 266 99 00",
        },
    )
    assert response.status_code == 200
    assert "agreed_on" in response.context["form"].errors
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE


@pytest.mark.parametrize(
    "client_kwargs, with_twe, guard",
    [
        ({"consent_vdab": False}, False, client_consented),
        ({}, True, no_active_temporary_work_experience),
    ],
)
def test_refused_agree_shows_a_message_and_writes_nothing(
    admin_user_client, client_kwargs, with_twe, guard
):
    client = ClientFactory(**client_kwargs)
    if with_twe:
        TemporaryWorkExperienceFactory(client=client)
    referral = referral_in_state(State.CANDIDATE, client=client)
    events_before = referral.events.count()
    conditions = [c.pk for c in applicable_conditions(referral.training)]
    response = admin_user_client.post(
        step_url(referral, "agree"),
        {
            "state": State.CANDIDATE,
            "checked_conditions": conditions,
            "agreed_on": "2024-01-15",
            "caseworker_phone": "09 266 99 00",
        },
    )
    assert response.status_code == 200
    assert english(guard.message) in messages_of(response)
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE
    assert referral.events.count() == events_before


def test_refused_step_on_get_redirects_with_the_reason(admin_user_client):
    referral = referral_in_state(State.CANDIDATE, client=ClientFactory(consent_vdab=False))
    response = admin_user_client.get(step_url(referral, "agree"))
    assert response.status_code == 302
    assert response.url == change_url(referral)
    assert english(client_consented.message) in messages_of(response)


def test_step_impossible_in_this_state_is_refused(admin_user_client):
    referral = referral_in_state(State.INFORMED)
    response = admin_user_client.post(
        step_url(referral, "close"), {"state": State.INFORMED, "continued_by": "vdab"}
    )
    assert response.status_code == 200
    assert len(messages_of(response)) == 1
    assert Referral.objects.get(pk=referral.pk).state == State.INFORMED


def test_stale_form_is_refused_as_a_concurrent_change(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(
        step_url(referral, "withdraw"), {"state": State.INFORMED, "reason": "Te laat."}
    )
    assert response.status_code == 302
    assert response.url == change_url(referral)
    with translation.override("en"):
        assert messages_of(response) == ConcurrentChange().messages
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE


@pytest.mark.parametrize("name", ["unknown", "create", "save"])
def test_unknown_step_is_404(admin_user_client, name):
    referral = referral_in_state(State.INFORMED)
    assert admin_user_client.get(step_url(referral, name)).status_code == 404
    assert (
        admin_user_client.post(step_url(referral, name), {"state": "informed"}).status_code == 404
    )


def test_step_on_missing_referral_is_404(admin_user_client):
    url = reverse("admin:referrals_referral_step", args=[999999, "apply"])
    assert admin_user_client.get(url).status_code == 404


def test_step_needs_change_permission_on_referrals(client):
    referral = referral_in_state(State.INFORMED)
    user = CaseworkerFactory(organisation=referral.client.ocmw, is_staff=True)
    client.force_login(user)
    response = client.post(step_url(referral, "apply"), {"state": State.INFORMED})
    assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).state == State.INFORMED


def test_step_needs_staff(client):
    referral = referral_in_state(State.INFORMED)
    client.force_login(CaseworkerFactory(organisation=referral.client.ocmw))
    response = client.post(step_url(referral, "apply"), {"state": State.INFORMED})
    assert response.status_code == 302  # to the admin login
    assert Referral.objects.get(pk=referral.pk).state == State.INFORMED


def test_apply_action_goes_through_the_service(admin_user_client, administrator):
    informed = referral_in_state(State.INFORMED)
    candidate = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(
        reverse("admin:referrals_referral_changelist"),
        {"action": "apply_selected", "_selected_action": [informed.pk, candidate.pk]},
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=informed.pk).state == State.CANDIDATE
    assert Referral.objects.get(pk=candidate.pk).state == State.CANDIDATE
    assert informed.events.filter(transition="apply", actor=administrator).exists()
    assert not candidate.events.filter(actor=administrator).exists()
    assert len(messages_of(response)) == 2  # one applied, one skipped


def test_add_referral_goes_through_the_service(admin_user_client, administrator):
    client = ClientFactory()
    training = TrainingFactory()
    response = admin_user_client.post(
        reverse("admin:referrals_referral_add"),
        {"client": client.pk, "training": training.pk, "apply": "on", "_continue": "1"},
    )
    assert response.status_code == 302
    referral = Referral.objects.get(client=client, training=training)
    assert response.url == change_url(referral)
    assert referral.state == State.CANDIDATE
    assert referral.created_by == administrator
    assert [e.transition for e in referral.events.order_by("at", "pk")] == ["create", "apply"]


def test_add_duplicate_open_referral_is_a_form_error(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(
        reverse("admin:referrals_referral_add"),
        {"client": referral.client.pk, "training": referral.training.pk, "_continue": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Referral.objects.filter(client=referral.client).count() == 1


def test_history_is_read_only(admin_user_client, ended_referral):
    event = ended_referral.events.first()
    assert admin_user_client.get(reverse("admin:referrals_referralevent_add")).status_code == 403
    delete = reverse("admin:referrals_referralevent_delete", args=[event.pk])
    assert admin_user_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:referrals_referralevent_change", args=[event.pk])
    response = admin_user_client.get(change)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert ReferralEvent.objects.filter(pk=event.pk).exists()


def test_history_admin_denies_add_change_delete(rf, administrator):
    model_admin = site._registry[ReferralEvent]
    request = rf.get("/")
    request.user = administrator
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_history_inline_on_the_referral_is_read_only(admin_user_client, ended_referral):
    response = admin_user_client.get(change_url(ended_referral))
    history = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.model is ReferralEvent
    )
    assert not history.has_add_permission
    assert not history.has_change_permission
    assert not history.has_delete_permission


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


def test_new_inline_rows_are_stamped_with_the_admin(admin_user_client, administrator):
    client = ClientFactory()
    response = admin_user_client.get(reverse("admin:referrals_client_change", args=[client.pk]))
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value not in (None, "")
    }
    data.update(
        {
            "temporary_work_experiences-TOTAL_FORMS": "1",
            "temporary_work_experiences-INITIAL_FORMS": "0",
            "temporary_work_experiences-0-start_date": "2024-01-01",
            "temporary_work_experiences-0-employer": "OCMW-kringloop",
        }
    )
    response = admin_user_client.post(
        reverse("admin:referrals_client_change", args=[client.pk]), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    twe = TemporaryWorkExperience.objects.get(client=client)
    assert twe.created_by == administrator


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
