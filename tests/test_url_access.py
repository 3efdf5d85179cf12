"""Who reaches which URL, generated from the URLconf.

Every URL pattern of the site is requested by every role and by someone not logged in,
against an object of the user's own organisation and one of another organisation, by GET
and by POST, and must answer as `ACCESS` says. A URL without an entry in `ACCESS` fails
`test_every_url_has_an_entry`, so that a new page cannot be forgotten.

What is out of scope is a 404, never a 403 that would say the object exists; a page that is
not for the role is a 403; someone not logged in is sent to log in. Django admin is for
the administrator alone: every one of its URLs sends everyone else to the admin's login."""

import re
import uuid
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from notifications.models import Kind, Notification
from referrals.enums import EndResult, GuidanceTopic, State
from referrals.models import GuidanceNote
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    OrganisationFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import (
    ClientFactory,
    DocumentFactory,
    TrainingFactory,
    referral_in_state,
)

pytestmark = pytest.mark.usefixtures("db")

ROLES = ["anonymous", "caseworker", "counsellor", "network_manager", "administrator"]
WHOSE = ["own", "other"]
METHODS = ["GET", "POST"]

# What a request gets.
OK = "ok"  # a page (with its form's errors), or a redirect anywhere but to a login
LOGIN = "login"  # sent to log in (with ?next=)
ADMIN_LOGIN = "admin login"
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"

EVERY_ROLE = frozenset(ROLES) - {"anonymous"}
CASEWORKER_SIDE = frozenset({"caseworker", "administrator"})
EITHER_SIDE = frozenset({"caseworker", "counsellor", "administrator"})


@dataclass(frozen=True)
class Access:
    """Who may use a URL: `roles` for what is theirs; the others get `refused`.

    `target` is what the URL's `pk` names ("client", "referral", "document" of a referral,
    "notification"), whose owner decides: another organisation's is a 404 for all but the
    administrator, who sees every organisation's (but reads only their own messages).
    `forbidden` roles see the target but may not use the URL: a 403 on their own, a 404 on
    another's. A `machine`'s URL (Prometheus's) answers only the bearer of its token: a 404
    to every browser, logged in or not."""

    roles: frozenset = EVERY_ROLE
    methods: tuple = ("GET", "POST")
    target: str | None = None
    refused: str = FORBIDDEN
    public: bool = False
    kwargs: tuple = ()
    forbidden: frozenset = frozenset()
    machine: bool = False

    def expected(self, role: str, whose: str, method: str) -> str:
        if self.machine:
            return NOT_FOUND
        if role == "anonymous" and not self.public:
            return LOGIN
        if method not in self.methods:
            return NOT_ALLOWED
        if self.public:
            return OK
        if role in self.forbidden:
            return NOT_FOUND if whose == "other" else FORBIDDEN
        if role not in self.roles:
            return self.refused
        administrator_sees_it = role == "administrator" and self.target != "notification"
        if whose == "other" and self.target and not administrator_sees_it:
            return NOT_FOUND
        return OK


GET = ("GET",)
POST = ("POST",)
ACCESS = {
    # accounts
    "login": Access(public=True),
    "logout": Access(methods=POST),
    "set_language": Access(public=True, methods=POST),
    "password_change": Access(),
    "password_change_done": Access(methods=GET),
    "password_reset": Access(public=True),
    "password_reset_done": Access(public=True, methods=GET),
    "password_reset_confirm": Access(public=True, kwargs=(("uidb64", "MQ"), ("token", "set"))),
    "password_reset_complete": Access(public=True, methods=GET),
    "accounts:account": Access(),
    "accounts:verify": Access(),
    "accounts:enrol": Access(),
    "accounts:new_backup_codes": Access(methods=POST),
    "accounts:remove_second_factor": Access(methods=POST),
    "accounts:name_passkey": Access(methods=POST),
    "accounts:remove_passkey": Access(methods=POST),
    # passkeys: the JSON endpoints of django-otp-webauthn's scripts, for the user logged in
    # (an empty POST gets the library's 400: no ceremony begun)
    "otp_webauthn:credential-registration-begin": Access(methods=POST),
    "otp_webauthn:credential-registration-complete": Access(methods=POST),
    "otp_webauthn:credential-authentication-begin": Access(methods=POST),
    "otp_webauthn:credential-authentication-complete": Access(methods=POST),
    "otp_webauthn:js-i18n-catalog": Access(methods=GET),
    # the work
    "referrals:dashboard": Access(),
    "referrals:client_list": Access(roles=CASEWORKER_SIDE),
    "referrals:client_create": Access(roles=frozenset({"caseworker"})),
    "referrals:client_list_export": Access(roles=CASEWORKER_SIDE, methods=("GET",)),
    "referrals:client_detail": Access(roles=CASEWORKER_SIDE, target="client", refused=NOT_FOUND),
    "referrals:client_edit": Access(roles=CASEWORKER_SIDE, target="client", refused=NOT_FOUND),
    "referrals:consent_give": Access(
        roles=CASEWORKER_SIDE, target="client", refused=NOT_FOUND, methods=POST
    ),
    "referrals:consent_withdraw": Access(
        roles=CASEWORKER_SIDE, target="client", refused=NOT_FOUND, methods=POST
    ),
    "referrals:referral_create": Access(roles=CASEWORKER_SIDE, target="client", refused=NOT_FOUND),
    "referrals:referral_list": Access(roles=EITHER_SIDE),
    "referrals:referral_list_export": Access(roles=EITHER_SIDE, methods=("GET",)),
    "referrals:candidacy_create": Access(roles=frozenset({"counsellor", "administrator"})),
    "referrals:referral_detail": Access(roles=EITHER_SIDE, target="referral", refused=NOT_FOUND),
    "referrals:referral_step": Access(
        roles=EITHER_SIDE,
        target="referral",
        refused=NOT_FOUND,
        methods=POST,
        kwargs=(("name", "close"),),
    ),
    "referrals:referral_note_add": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND, methods=POST
    ),
    # The OCMW's side names its responsible caseworker; VDAB sees the referral, not that.
    "referrals:referral_responsible": Access(
        roles=CASEWORKER_SIDE,
        target="referral",
        refused=NOT_FOUND,
        methods=POST,
        kwargs=(("side", "caseworker"),),
        forbidden=frozenset({"counsellor"}),
    ),
    "referrals:referral_outcome": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND, methods=POST
    ),
    "referrals:interruption_record": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND, methods=POST
    ),
    "referrals:interruption_resume": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND, methods=POST
    ),
    "referrals:interruption_correct": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND, methods=POST
    ),
    # VDAB records the school years; the OCMW reads them on the referral page.
    "referrals:referral_school_year": Access(
        roles=frozenset({"counsellor", "administrator"}), target="referral", methods=POST
    ),
    "referrals:referral_agreement": Access(roles=EITHER_SIDE, target="referral", refused=NOT_FOUND),
    # VDAB's part of the client file: the OCMW sees the referral but may not write it there.
    "referrals:referral_vdab_registration": Access(
        roles=frozenset({"counsellor", "administrator"}),
        target="referral",
        refused=NOT_FOUND,
        methods=POST,
        forbidden=frozenset({"caseworker"}),
    ),
    "referrals:referral_agreement_pdf": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND
    ),
    # The counsellor reaches it too: the service refuses them with a message (a redirect).
    "referrals:referral_handover": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND, methods=POST
    ),
    "referrals:document_add": Access(
        roles=EITHER_SIDE, target="referral", refused=NOT_FOUND, methods=POST
    ),
    # Only its author corrects a note: the caseworker wrote the own referral's.
    "referrals:referral_note_edit": Access(
        roles=frozenset({"caseworker"}), target="note", refused=NOT_FOUND, methods=POST
    ),
    "referrals:document_download": Access(
        roles=EITHER_SIDE, target="document", refused=NOT_FOUND, methods=GET
    ),
    "referrals:document_remove": Access(
        roles=EITHER_SIDE, target="document", refused=NOT_FOUND, methods=POST
    ),
    "referrals:training_list": Access(),
    "referrals:reports": Access(methods=GET),
    "referrals:report_export": Access(methods=GET, kwargs=(("table", "starts"), ("fmt", "csv"))),
    # messages: everyone's own
    "notifications:inbox": Access(methods=GET),
    "notifications:read_all": Access(methods=POST),
    "notifications:preferences": Access(),
    "notifications:open": Access(target="notification"),
    "notifications:read": Access(target="notification", methods=POST),
    # for machines: load balancers and compose (no personal data), Prometheus (its token)
    "operations:health": Access(public=True, methods=GET),
    "operations:metrics": Access(machine=True),
}

# Django admin's own pages that are not behind its login (its logout sends someone who is
# not staff to the admin's index, and so to its login).
ADMIN_PUBLIC = {"admin:login", "admin:logout"}


# --- the URLconf -------------------------------------------------------------------------------


def url_patterns(patterns=None, namespace: str = "", prefix: str = ""):
    """(key, route, pattern) of every URL pattern: the key is the namespaced name, or the
    route where a pattern has no name."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else route, route, entry)


PATTERNS = sorted(url_patterns(), key=lambda item: item[0])
ADMIN_KEYS = sorted({key for key, route, _ in PATTERNS if route.startswith("admin/")})
# The API answers in JSON, 401 rather than a login page: tests/api/test_access.py has its
# own matrix, generated from the same URLconf.
API_KEYS = sorted({key for key, route, _ in PATTERNS if route.startswith("api/")})
APP_KEYS = sorted({key for key, route, _ in PATTERNS if not route.startswith(("admin/", "api/"))})


def test_every_url_has_an_entry():
    assert [key for key in APP_KEYS if key not in ACCESS] == []
    assert [key for key in ACCESS if key not in APP_KEYS] == []  # none left behind


# --- the world: two organisations on each side ------------------------------------------------


def make_world() -> dict:
    """OCMW Gent with a training in Oost-Vlaanderen (the users' own), and OCMW Hasselt with a
    training in Limburg (another organisation's), each with an ended referral."""
    gent = OrganisationFactory()
    hasselt = OcmwFactory(municipality="Hasselt", province="limburg")
    people = {
        "caseworker": CaseworkerFactory(organisation=gent),
        "counsellor": CounsellorFactory(organisation=VdabOrganisationFactory()),
        "network_manager": NetworkManagerFactory(organisation=VdabOrganisationFactory()),
        "administrator": AdministratorFactory(),
    }
    someone_else = CaseworkerFactory(organisation=hasselt)
    own_training = TrainingFactory(province="oost_vlaanderen")
    other_training = TrainingFactory(province="limburg")
    referrals = {
        "own": referral_in_state(
            State.ENDED,
            client=ClientFactory(ocmw=gent),
            training=own_training,
            caseworker=people["caseworker"],
            counsellor=people["counsellor"],
            end__result=EndResult.PASSED,
        ),
        "other": referral_in_state(
            State.ENDED,
            client=ClientFactory(ocmw=hasselt),
            training=other_training,
            caseworker=someone_else,
            end__result=EndResult.PASSED,
        ),
    }
    messages = {(role, "own"): message_to(user) for role, user in people.items()} | {
        (role, "other"): message_to(someone_else) for role in people
    }
    documents = {whose: DocumentFactory(referral=referral) for whose, referral in referrals.items()}
    notes = {
        whose: GuidanceNote.objects.create(
            referral=referral,
            author=people["caseworker"] if whose == "own" else someone_else,
            topic=GuidanceTopic.PROGRESS,
            note="Goed bezig.",
        )
        for whose, referral in referrals.items()
    }
    return {
        "people": people,
        "referrals": referrals,
        "messages": messages,
        "documents": documents,
        "notes": notes,
    }


def message_to(user) -> Notification:
    return Notification.objects.create(
        recipient=user,
        channel=Notification.Channel.IN_APP,
        kind=Kind.REMINDER_NO_INTAKE,
        subject="Herinnering",
        body="Tekst",
        idempotency_key=f"access-test:{uuid.uuid4()}",
    )


@pytest.fixture(autouse=True)
def world_where_asked(request, shared_rows):
    if "world" in request.fixturenames:
        shared_rows.make(make_world)
    else:
        shared_rows.roll_back()


@pytest.fixture
def world(shared_rows) -> dict:
    return shared_rows.rows


def object_pk(world, access: Access, role: str, whose: str) -> int:
    if access.target == "notification":
        return world["messages"][(role if role != "anonymous" else "caseworker", whose)].pk
    if access.target == "document":
        return world["documents"][whose].pk
    if access.target == "note":
        return world["notes"][whose].pk
    referral = world["referrals"][whose]
    return (referral.client if access.target == "client" else referral).pk


def outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if "next=" in location:
            path = location.split("?")[0]
            if path == reverse("login"):
                return LOGIN
            if path == reverse("admin:login"):
                return ADMIN_LOGIN
        return OK
    # A 400 is the page again with its form's errors: the empty POST reached the form.
    if 200 <= response.status_code < 300 or response.status_code == 400:
        return OK
    return str(response.status_code)


def send(http, method: str, url: str):
    return http.get(url) if method == "GET" else http.post(url, {})


def log_in(http, world, role: str) -> None:
    if role != "anonymous":
        http.force_login(world["people"][role])


# --- the app -----------------------------------------------------------------------------------


# A URL without an object is asked once per role and method ("own"); a URL missing from
# ACCESS still gets its cases, which fail.
APP_CASES = [
    (key, role, whose, method)
    for key in APP_KEYS
    for role in ROLES
    for whose in (WHOSE if key in ACCESS and ACCESS[key].target else ["own"])
    for method in METHODS
]


@pytest.mark.parametrize(("key", "role", "whose", "method"), APP_CASES)
def test_the_app_answers_each_role_as_the_matrix_says(client, world, key, role, whose, method):
    access = ACCESS[key]
    kwargs = dict(access.kwargs)
    if access.target:
        kwargs["pk"] = object_pk(world, access, role, whose)
    log_in(client, world, role)

    response = send(client, method, reverse(key, kwargs=kwargs))

    assert outcome(response) == access.expected(role, whose, method)


# --- Django admin ------------------------------------------------------------------------------


def admin_url(route: str, key: str) -> str:
    """A concrete URL for an admin pattern: its named groups filled with plausible values."""
    if not key.startswith("admin:"):  # the catch-all and other unnamed patterns
        return "/" + re.sub(r"\(\?P<\w+>[^)]*\)", "nothing-here/", route).lstrip("^").rstrip("$")
    values = {
        "object_id": "1",
        "id": "1",
        "pk": "1",
        "job_id": "1",
        "content_type_id": "1",
        "app_label": "referrals",
        "name": "close",
        "url": "x/",
    }
    names = re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
    return reverse(key, kwargs={name: values[name] for name in names})


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ADMIN_KEYS)
def test_only_the_administrator_gets_past_the_admins_login(client, world, key, role, method):
    route = next(route for k, route, _ in PATTERNS if k == key)
    log_in(client, world, role)

    response = send(client, method, admin_url(route, key))

    if key in ADMIN_PUBLIC:
        assert response.status_code < 500
    elif role == "administrator":
        assert response.status_code < 500
        assert outcome(response) != ADMIN_LOGIN
    else:
        assert outcome(response) in (LOGIN, ADMIN_LOGIN)
