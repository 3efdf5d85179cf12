"""Reads of personal data in Django admin leave their rows in the audit trail, generated
from the admin's registry and its URLconf.

`MODELS` classifies every model registered in the admin: personal data (its pages record
whom they show: `audit.admin_reads.AuditedReadsMixin`), or not, and why. `ADMIN_PAGES`
classifies the admin's URLs that are not a model's own list, change, history or delete
page. A registered model or an admin URL without an entry fails, so that a new one cannot
skip the trail."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.be import ssn

from audit.admin_reads import AuditedReadsMixin
from audit.models import Entry, Kind
from audit.trail import mask_insz
from notifications.models import Notification
from referrals.enums import AtWork, CandidacyOutcome, CheckupMonths, GuidanceTopic, State
from referrals.models import Candidacy, GuidanceNote, OutcomeCheck, ReferralEvent
from tests.notifications.messages import notify
from tests.referrals.factories import ReferralFactory, TemporaryWorkExperienceFactory
from tests.test_url_access import ADMIN_KEYS, PATTERNS, admin_url

pytestmark = pytest.mark.django_db

READ_KINDS = [Kind.VIEW, Kind.SEARCH, Kind.PRINT, Kind.EXPORT]
ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR


# --- a row of each model of personal data, about a referral and its client -----------------


def candidacy(referral):
    client = referral.client
    return Candidacy.objects.create(
        registered_by=referral.created_by,
        ocmw=client.ocmw,
        training=referral.training,
        insz=client.insz,
        first_name=client.first_name,
        last_name=client.last_name,
        outcome=CandidacyOutcome.KNOWN_CLIENT,
        referral=referral,
    )


def event(referral):
    return ReferralEvent.objects.create(
        referral=referral, actor=referral.created_by, transition="create", to_state=State.INFORMED
    )


def note(referral):
    return GuidanceNote.objects.create(
        referral=referral, author=referral.created_by, topic=GuidanceTopic.PROGRESS, note="Goed."
    )


def check_up(referral):
    return OutcomeCheck.objects.create(
        referral=referral, months=CheckupMonths.M3, at_work=AtWork.YES
    )


def message(referral):
    # A subject that names the client, as messages did before they were made minimal.
    (notification,) = notify(referral.created_by, referral=referral)
    Notification.objects.filter(pk=notification.pk).update(
        subject=f"Opleiding gestart: {referral.client}"
    )
    return notification


@dataclass(frozen=True)
class Personal:
    """A model of personal data: `make(referral)` adds a row about the referral (`about`
    "referral") or only its client ("client"). `lists`: its list shows whom its rows are
    about; `deletable`: the administrator may delete it (else the page is refused)."""

    make: Callable
    about: str = "referral"
    lists: bool = True
    deletable: bool = False


@dataclass(frozen=True)
class NoPersonalData:
    why: str


STAFF = "staff's accounts and logins: no client's data (the login events are the trail's own)"
MODELS = {
    "referrals.client": Personal(lambda r: r.client, about="client", deletable=True),
    "referrals.temporaryworkexperience": Personal(
        lambda r: TemporaryWorkExperienceFactory(client=r.client), about="client", deletable=True
    ),
    "referrals.referral": Personal(lambda r: r),
    "referrals.candidacy": Personal(candidacy),
    "referrals.referralevent": Personal(event),
    "referrals.guidancenote": Personal(note, deletable=True),
    "referrals.outcomecheck": Personal(check_up, deletable=True),
    # The outbox's list shows recipients and kinds; a message names its client.
    "notifications.notification": Personal(message, lists=False),
    "referrals.training": NoPersonalData("the catalogue; its contacts are VDAB staff"),
    "referrals.entrycondition": NoPersonalData("the catalogue's entry conditions"),
    "referrals.importjob": NoPersonalData(
        "a file's name, checksum, counts and errors by line; the file itself is never shown "
        "and goes when the job ends (the import itself is a change, recorded with it)"
    ),
    "notifications.emailoptout": NoPersonalData("users' e-mail preferences"),
    "accounts.organisation": NoPersonalData("OCMWs and VDAB regions"),
    "accounts.user": NoPersonalData(STAFF),
    "auth.group": NoPersonalData("the roles"),
    "axes.accessattempt": NoPersonalData(STAFF),
    "axes.accesslog": NoPersonalData(STAFF),
    "axes.accessfailurelog": NoPersonalData(STAFF),
    "otp_totp.totpdevice": NoPersonalData(STAFF),
    "otp_static.staticdevice": NoPersonalData(STAFF),
    "django_otp_webauthn.webauthncredential": NoPersonalData(STAFF),
    # The trail's own admin (audit/admin.py): it names clients by number only.
    "audit.entry": NoPersonalData("the trail itself: clients by number, never their data"),
    "audit.purge": NoPersonalData("when the trail's retention deleted how many rows"),
}
PERSONAL = sorted(label for label, entry in MODELS.items() if isinstance(entry, Personal))
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


# --- the pages of a row of personal data -----------------------------------------------------


def read_rows():
    return Entry.objects.filter(kind__in=READ_KINDS)


def about(label: str, referral) -> tuple:
    if MODELS[label].about == "client":
        return (referral.client_id, None)
    return (referral.client_id, referral.pk)


def subjects_of(label: str, rows) -> set:
    """The (client, referral) each row of a list is about, from the row itself."""
    model_admin = admin.site.get_model_admin(apps.get_model(label))
    return {model_admin.audit_subject.of(row) for row in rows}


def page_url(label: str, page: str, *args) -> str:
    return reverse(f"admin:{label.replace('.', '_')}_{page}", args=args)


def assert_rows(rows, kind: str, subjects: set, user, url: str) -> None:
    rows = list(rows)
    assert {(row.client_id, row.referral_id) for row in rows} == subjects
    assert len(rows) == len(subjects)
    for row in rows:
        assert (row.kind, row.actor_id, row.organisation_id) == (kind, user.pk, None)
        assert (row.path, row.ip_address) == (url, ADDRESS)


@pytest.fixture
def referral(db):
    return ReferralFactory()


@pytest.mark.parametrize("page", ["change", "history"])
@pytest.mark.parametrize("label", PERSONAL)
def test_a_rows_page_records_a_view_of_its_client(client, administrator, referral, label, page):
    row = MODELS[label].make(referral)
    client.force_login(administrator)
    url = page_url(label, page, row.pk)

    response = client.get(url)

    assert response.status_code == 200
    assert_rows(read_rows(), Kind.VIEW, {about(label, referral)}, administrator, url)


@pytest.mark.parametrize("label", PERSONAL)
def test_a_deletions_confirmation_records_a_view_and_a_refusal_none(
    client, administrator, referral, label
):
    row = MODELS[label].make(referral)
    client.force_login(administrator)
    url = page_url(label, "delete", row.pk)

    response = client.get(url)

    if MODELS[label].deletable:
        assert response.status_code == 200
        assert_rows(read_rows(), Kind.VIEW, {about(label, referral)}, administrator, url)
    else:
        assert response.status_code == 403
        assert not read_rows().exists()


def test_a_change_page_saved_records_no_read(client, administrator, referral):
    """Saved, a change page redirects (the change is recorded as one); refused, it shows
    the row again, with the errors: a view."""
    experience = TemporaryWorkExperienceFactory(client=referral.client)
    client.force_login(administrator)
    url = page_url("referrals.temporaryworkexperience", "change", experience.pk)
    data = {"client": referral.client_id, "start_date": experience.start_date, "employer": "X"}

    assert client.post(url, data).status_code == 302
    assert not read_rows().exists()

    assert client.post(url, {**data, "start_date": "no date"}).status_code == 200
    assert_rows(read_rows(), Kind.VIEW, {(referral.client_id, None)}, administrator, url)


@pytest.mark.parametrize("label", PERSONAL)
def test_a_list_records_each_row_shown(client, administrator, label):
    for _ in range(3):
        MODELS[label].make(ReferralFactory())
    client.force_login(administrator)
    url = page_url(label, "changelist")

    response = client.get(url)

    shown = subjects_of(label, response.context["cl"].result_list)
    assert len(shown) == 3
    assert_rows(read_rows(), Kind.VIEW, shown if MODELS[label].lists else set(), administrator, url)


@pytest.mark.parametrize("label", PERSONAL)
def test_a_search_records_the_term_its_hits_and_each_hit_shown(
    client, administrator, referral, label
):
    MODELS[label].make(referral)
    MODELS[label].make(ReferralFactory())  # someone else, not found
    client.force_login(administrator)
    url = page_url(label, "changelist")
    term = referral.client.last_name

    response = client.post(url, {"q": term}, follow=True)  # the term goes to the session

    changelist = response.context["cl"]
    assert changelist.query == term
    assert about(label, referral) in subjects_of(label, changelist.result_list)
    rows = read_rows()
    assert_rows(rows, Kind.SEARCH, subjects_of(label, changelist.result_list), administrator, url)
    for row in rows:
        assert row.detail == {"query": term, "hits": changelist.result_count}


def test_a_search_by_national_number_keeps_it_masked(client, administrator, referral):
    client.force_login(administrator)
    number = referral.client.insz

    client.post(page_url("referrals.client", "changelist"), {"q": number}, follow=True)

    (row,) = read_rows()
    assert (row.kind, row.client_id) == (Kind.SEARCH, referral.client_id)
    assert row.detail == {"query": mask_insz(number), "hits": 1}


@pytest.mark.parametrize("label", [label for label in PERSONAL if MODELS[label].lists])
def test_a_list_costs_the_same_queries_with_1_and_with_6_rows(client, administrator, label):
    """Each row's client and referral come with the row (select_related), and the trail's
    rows in one INSERT."""
    client.force_login(administrator)
    url = page_url(label, "changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    MODELS[label].make(ReferralFactory())
    queries()  # warm up: session, permissions
    with_1 = queries()
    for _ in range(5):
        MODELS[label].make(ReferralFactory())

    assert queries() == with_1


def test_a_search_of_the_outbox_costs_the_same_queries_with_1_and_with_6_hits(
    client, administrator
):
    """The outbox's list records only searches: its messages' referrals come with them."""
    client.force_login(administrator)
    url = page_url("notifications.notification", "changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    message(ReferralFactory())
    client.post(url, {"q": "Opleiding gestart"})
    queries()
    with_1 = queries()
    for _ in range(5):
        message(ReferralFactory())

    assert queries() == with_1
    assert read_rows().filter(kind=Kind.SEARCH).values("client_id").distinct().count() == 6


def test_deleting_selected_rows_asks_first_and_records_whom_it_lists(client, administrator):
    clients = [ReferralFactory().client for _ in range(2)]
    client.force_login(administrator)
    url = page_url("referrals.client", "changelist")

    response = client.post(
        url, {"action": "delete_selected", "_selected_action": [c.pk for c in clients]}
    )

    assert response.status_code == 200  # the confirmation (they have referrals: refused)
    assert_rows(read_rows(), Kind.VIEW, {(c.pk, None) for c in clients}, administrator, url)


# --- the admin's own pages of personal data --------------------------------------------------


def autocomplete(http, term: str):
    url = reverse("admin:autocomplete")
    query = "?app_label=referrals&model_name=temporaryworkexperience&field_name=client"
    return url, http.post(url + query, {"term": term})


def test_an_autocomplete_field_records_its_choices(client, administrator, referral):
    ReferralFactory()  # someone else
    client.force_login(administrator)
    term = referral.client.last_name

    url, response = autocomplete(client, term)

    found = {int(result["id"]) for result in response.json()["results"]}
    assert referral.client_id in found
    rows = read_rows()
    assert_rows(rows, Kind.SEARCH, {(pk, None) for pk in found}, administrator, url)
    assert {row.detail["query"] for row in rows} == {term}

    # Nothing typed: the field offers the first clients, a view of each.
    url, response = autocomplete(client, "")
    offered = {(int(result["id"]), None) for result in response.json()["results"]}
    assert len(offered) == 2
    assert_rows(read_rows().filter(kind=Kind.VIEW), Kind.VIEW, offered, administrator, url)


def test_a_steps_page_records_its_referral(client, administrator, referral):
    client.force_login(administrator)
    url = reverse("admin:referrals_referral_step", args=[referral.pk, "withdraw"])

    response = client.get(url)

    assert response.status_code == 200
    assert_rows(read_rows(), Kind.VIEW, {(referral.client_id, referral.pk)}, administrator, url)


def test_the_admins_trail_never_holds_a_national_number(client, administrator, referral):
    client.force_login(administrator)
    for label in PERSONAL:
        row = MODELS[label].make(referral)
        client.get(page_url(label, "change", row.pk))
        client.get(page_url(label, "changelist"))
    for number in (referral.client.insz, ssn.format(referral.client.insz)):
        client.post(page_url("referrals.client", "changelist"), {"q": number}, follow=True)
        autocomplete(client, number)

    rows = str(list(Entry.objects.values()))
    # The admin finds a number as stored (compact): the formatted one finds no one.
    assert Entry.objects.filter(kind=Kind.SEARCH, client_id=referral.client_id).count() == 2
    assert Entry.objects.filter(kind=Kind.SEARCH, client_id=None).count() == 2
    insz = referral.client.insz
    for number in (insz, ssn.format(insz), insz[:9]):
        assert number not in rows
