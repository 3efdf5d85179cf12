"""What `make bench` asks of the application on `make bench-data`'s Flanders: the pages of each
role's working day, each a `Case` requested over HTTP with the role's session.

The people are those of the fill: a caseworker of the OCMW with the most clients, a
counsellor of the region with the most referrals, that region's network manager, and an
administrator (past the second factor). A search is kept in the session, so each searched
list has a session of its own, made by posting the search once. How the benchmarks over
HTTP (`make bench`, `make bench-load`) check their database and let their test clients'
sessions ask gunicorn is here too (`on_bench_data`, `client_settings`, `browser_headers`)."""

import calendar
import datetime
import http.client
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client as TestClient
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role, User
from referrals.benchmarks import PLAIN_STATIC
from referrals.enums import Gender, State
from referrals.models import Candidacy, Referral, Training
from webhooks.models import Delivery

from .step_subjects import new_referrals

ROLES = ("caseworker", "counsellor", "network manager", "administrator")
STEP = "step: apply"  # the caseworker's step, on a referral registered for it each time


@dataclass
class Case:
    role: str
    label: str
    path: str
    session: str = ""  # "" the role's own; otherwise a session holding a search
    ok: int = 200
    # A step: (path, form) of each request, each on a referral of its own; GET when empty.
    posts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def method(self) -> str:
        return "POST" if self.posts else "GET"

    @property
    def key(self) -> tuple[str, str]:
        return (self.role, self.session)


def people() -> dict[str, User]:
    """The fill's users that the benchmark acts as."""
    ocmw = (
        Organisation.objects.filter(kind=Organisation.Kind.OCMW)
        .annotate(n=Count("clients"))
        .order_by("-n", "pk")
        .first()
    )
    region = (
        Referral.objects.order_by()
        .values("region")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("region", flat=True)
        .first()
    )
    in_groups = User.objects.order_by("pk").filter
    return {
        "caseworker": in_groups(groups__name=Role.CASEWORKER, organisation=ocmw).first(),
        "counsellor": in_groups(
            groups__name=Role.COUNSELLOR, organisation__province=region
        ).first(),
        "network manager": in_groups(
            groups__name=Role.NETWORK_MANAGER, organisation__province=region
        ).first(),
        "administrator": in_groups(groups__name=Role.ADMINISTRATOR).first(),
    }


def searches(users: dict[str, User]) -> dict[tuple[str, str], tuple[str, str]]:
    """The searched lists: (role, session) → (where the search is posted, the term)."""
    # The same client of the fill on every run: the first by key, never a client the
    # benchmarks registered for their steps (`step_subjects.new_referrals`), nor whoever a
    # run's step last moved.
    someone = (
        Referral.objects.filter(
            ocmw=users["caseworker"].organisation_id,
            client__birth_date__isnull=False,
            client__gender__in=[Gender.MALE, Gender.FEMALE],
        )
        .order_by("pk")
        .first()
        .client
    )
    # The start of a national number: its birth date, which about forty clients of Flanders
    # share (`report_fill.INSZ`; a BIS number's, of a gender unknown or X, hardly one).
    insz_start = someone.insz[:6]
    candidacy = (
        Candidacy.objects.filter(ocmw=users["caseworker"].organisation_id).order_by("pk").first()
    )
    delivered = Delivery.objects.order_by("pk").first()
    return {
        ("caseworker", "client search"): (reverse("referrals:client_list"), someone.last_name),
        ("caseworker", "referral search"): (reverse("referrals:referral_list"), "Sofie"),
        ("caseworker", "INSZ search"): (reverse("referrals:client_list"), insz_start),
        ("counsellor", "referral search"): (reverse("referrals:referral_list"), "Client 12"),
        # A first name every twelfth client has, and the start of a national number.
        ("administrator", "client search"): (reverse("referrals:client_list"), "Anna"),
        ("administrator", "INSZ search"): (reverse("referrals:client_list"), insz_start),
        ("administrator", "admin referral search"): (
            reverse("admin:referrals_referral_changelist"),
            someone.last_name,
        ),
        ("administrator", "admin client search"): (
            reverse("admin:referrals_client_changelist"),
            someone.last_name,
        ),
        # The history of a client's referrals, and the messages a user was sent.
        ("administrator", "admin history search"): (
            reverse("admin:referrals_referralevent_changelist"),
            someone.last_name,
        ),
        # A first name every twelfth client has: more than the search reads as keys, so
        # that the list is walked, and its lines counted from those clients first.
        ("administrator", "admin history first name search"): (
            reverse("admin:referrals_referralevent_changelist"),
            "Anna",
        ),
        # A letter, which the history looks for where a name or a reason, or a part of
        # it, starts (anywhere, no index answers it: 6 s, to find no line).
        ("administrator", "admin history letter search"): (
            reverse("admin:referrals_referralevent_changelist"),
            "x",
        ),
        ("administrator", "admin messages search"): (
            reverse("admin:notifications_notification_changelist"),
            users["counsellor"].username,
        ),
        # A candidacy for the caseworker's OCMW by the name typed, and what was posted to
        # the partners' systems about that client's referral.
        ("administrator", "admin candidacies search"): (
            reverse("admin:referrals_candidacy_changelist"),
            candidacy.last_name,
        ),
        ("administrator", "admin deliveries search"): (
            reverse("admin:webhooks_delivery_changelist"),
            str(delivered.referral_id),
        ),
    }


def cases(users: dict[str, User], *, steps: int) -> list[Case]:
    """Every page of the benchmark; `steps` requests of the step, each on a referral of its
    own that applies: registered for it, of a new client of the caseworker's OCMW, for a
    training of the counsellor's region (so that each round's step changes the counsellor's
    figures as well as the OCMW's and all of Flanders'). Until session 33 the fill's own
    registered referrals, a few hundred, which runs used up."""
    caseworker, counsellor = users["caseworker"], users["counsellor"]
    own = Referral.objects.filter(ocmw=caseworker.organisation_id).order_by("-pk")
    referral = own.filter(state=State.IN_TRAINING).first()
    trainee = Referral.objects.visible_to(counsellor).filter(state=State.IN_TRAINING).first()
    region = counsellor.organisation.province
    training = Training.objects.filter(province=region).order_by("pk").first()
    fresh = new_referrals(caseworker, training, steps) if steps else []
    referrals, clients = reverse("referrals:referral_list"), reverse("referrals:client_list")
    admin_referrals = reverse("admin:referrals_referral_changelist")
    admin_clients = reverse("admin:referrals_client_changelist")
    admin_history = reverse("admin:referrals_referralevent_changelist")
    admin_messages = reverse("admin:notifications_notification_changelist")
    admin_candidacies = reverse("admin:referrals_candidacy_changelist")
    admin_deliveries = reverse("admin:webhooks_delivery_changelist")
    reports = reverse("referrals:reports")
    api_referrals = reverse("api:referral-list")
    year = f"?{urlencode({'year': timezone.localdate().year - 1})}"  # not the default
    changes, ends = (f"{referrals}?{period(dates)}" for dates in ("since", "end_date"))
    return [
        Case("caseworker", "Mijn werk", reverse("referrals:dashboard")),
        Case("caseworker", "Mijn werk, team", f"{reverse('referrals:dashboard')}?scope=team"),
        Case("caseworker", "referrals, page 1", referrals),
        Case("caseworker", "referrals, page 40", f"{referrals}?page=40"),
        Case("caseworker", "referrals, candidates", f"{referrals}?state=candidate"),
        Case("caseworker", "referrals, overdue", f"{referrals}?overdue=on"),
        Case("caseworker", "referrals, by client", f"{referrals}?sort=client"),
        Case("caseworker", "referrals, by key date", f"{referrals}?sort=key_date"),
        Case("caseworker", "referrals, searched", referrals, session="referral search"),
        # The list as a workbook: the OCMW's ended referrals (1,144 in the fill).
        Case(
            "caseworker",
            "referrals, download",
            f"{reverse('referrals:referral_list_export')}?state=ended",
        ),
        Case("caseworker", "clients, page 1", clients),
        Case("caseworker", "clients, page 40", f"{clients}?page=40"),
        Case("caseworker", "clients, by name", clients, session="client search"),
        Case("caseworker", "clients, by INSZ", clients, session="INSZ search"),
        Case(
            "caseworker", "referral page", reverse("referrals:referral_detail", args=[referral.pk])
        ),
        Case("caseworker", "inbox", reverse("notifications:inbox")),
        Case(
            "caseworker",
            STEP,
            "",
            ok=302,
            posts=[apply_post(pk) for pk in fresh],
        ),
        # Each round's step has just renewed the figures of its OCMW, region (the
        # counsellor's) and Flanders: the first request of a figures page counts them, the
        # second finds them cached.
        Case("caseworker", "figures", reports),
        Case("caseworker", "figures, again", reports),
        Case("counsellor", "Mijn werk", reverse("referrals:dashboard")),
        Case("counsellor", "Mijn werk, team", f"{reverse('referrals:dashboard')}?scope=team"),
        Case("counsellor", "referrals, page 1", referrals),
        Case("counsellor", "trainees", f"{referrals}?state=in_training"),
        Case("counsellor", "referrals, page 40", f"{referrals}?page=40"),
        Case("counsellor", "referrals, searched", referrals, session="referral search"),
        Case("counsellor", "referrals, a month's ends", ends),
        Case(
            "counsellor", "referral page", reverse("referrals:referral_detail", args=[trainee.pk])
        ),
        Case("counsellor", "inbox", reverse("notifications:inbox")),
        # The API's list as a partner system pages it, by the browser's session here.
        Case("counsellor", "API: trainees", f"{api_referrals}?state=in_training"),
        Case("counsellor", "figures", reports),
        Case("counsellor", "figures, again", reports),
        Case("network manager", "Mijn werk", reverse("referrals:dashboard")),
        # Before the page: the table counted alone (after it, the page's cached table).
        Case(
            "network manager",
            "download, starts",
            reverse("referrals:report_export", args=["starts", "xlsx"]),
        ),
        Case("network manager", "figures", reports),
        Case("network manager", "figures, again", reports),
        Case("network manager", "figures, a year", f"{reports}{year}"),
        Case("administrator", "Mijn werk", reverse("referrals:dashboard")),
        Case("administrator", "referrals, page 1", referrals),
        Case("administrator", "referrals, page 400", f"{referrals}?page=400"),
        Case("administrator", "referrals, by state", f"{referrals}?sort=-state"),
        Case("administrator", "referrals, a month's changes", changes),
        Case("administrator", "referrals, a month's ends", ends),
        Case("administrator", "clients, page 1", clients),
        Case("administrator", "clients, by first name", clients, session="client search"),
        Case("administrator", "clients, by INSZ", clients, session="INSZ search"),
        Case("administrator", "API: ended", f"{api_referrals}?state=ended"),
        Case("administrator", "figures", reports),
        Case("administrator", "figures, again", reports),
        Case("administrator", "figures, by cohort", f"{reports}?basis=cohort"),
        # Another year by start cohort: its start years side by side are those just counted.
        Case("administrator", "figures, by cohort, a year", f"{reports}{year}&basis=cohort"),
        Case("administrator", "admin referrals", admin_referrals),
        Case("administrator", "admin referrals, p. 100", f"{admin_referrals}?p=100"),
        Case(
            "administrator",
            "admin referrals, search",
            admin_referrals,
            session="admin referral search",
        ),
        Case("administrator", "admin clients", admin_clients),
        Case(
            "administrator", "admin clients, search", admin_clients, session="admin client search"
        ),
        # The admin's lists of the rows that grow with the referrals (`GrowingListMixin`):
        # the largest, the history (six or so lines a referral), the messages, the
        # candidacies and the webhook deliveries.
        Case("administrator", "admin history", admin_history),
        Case(
            "administrator", "admin history, search", admin_history, session="admin history search"
        ),
        Case(
            "administrator",
            "admin history, a first name",
            admin_history,
            session="admin history first name search",
        ),
        Case(
            "administrator",
            "admin history, a letter",
            admin_history,
            session="admin history letter search",
        ),
        Case("administrator", "admin messages", admin_messages),
        Case(
            "administrator",
            "admin messages, search",
            admin_messages,
            session="admin messages search",
        ),
        Case("administrator", "admin candidacies", admin_candidacies),
        Case(
            "administrator",
            "admin candidacies, search",
            admin_candidacies,
            session="admin candidacies search",
        ),
        Case("administrator", "admin deliveries", admin_deliveries),
        Case(
            "administrator",
            "admin deliveries, search",
            admin_deliveries,
            session="admin deliveries search",
        ),
    ]


def apply_post(pk: int) -> tuple[str, str]:
    """The caseworker's "apply" on registered referral `pk`, as its form posts it: (path,
    form)."""
    return (
        reverse("referrals:referral_step", args=[pk, "apply"]),
        urlencode({"state": State.INFORMED, "applied_on": ""}),
    )


def period(dates: str) -> str:
    """The list's filter on `dates` (a date's field, or "since": the last change) in the
    month two years ago: a period far down the list's order of last changes."""
    first = (timezone.localdate() - datetime.timedelta(days=730)).replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return urlencode({"dates": dates, "date_from": first, "date_to": last})


def sessions(users: dict[str, User], pass_second_factor) -> dict[tuple[str, str], TestClient]:
    """A logged-in test client (a session in the database) per role and per searched list."""
    made = {}
    for (role, session), (where, term) in [
        *(((role, ""), ("", "")) for role in ROLES),
        *searches(users).items(),
    ]:
        browser = TestClient()
        browser.force_login(users[role])
        if role == "administrator":
            pass_second_factor(browser, users[role])
        if term:
            if where.startswith(reverse("admin:index")):
                answer = browser.get(where, {"q": term}, secure=True)
            else:
                answer = browser.post(where, {"q": term}, secure=True)
            if answer.status_code not in (200, 302, 303):
                raise RuntimeError(f"The search {session} answered {answer.status_code}.")
        made[(role, session)] = browser
    return made


def on_bench_data(target: str):
    """Refuses to run but on `make bench-data`'s database, filled; the tests' way past the
    second factor, which the benchmarks log in with."""
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        raise CommandError(f"Run `make {target}` on `make bench-data`'s database, not {name!r}.")
    if not Referral.objects.exists():
        raise CommandError("The database is empty: `make bench-data` fills it.")
    try:
        from tests.accounts.two_factor import pass_second_factor
    except ImportError as exc:
        raise CommandError(f"{target} needs the tests folder: {exc}") from exc
    return pass_second_factor


def client_settings():
    """The settings under which the benchmark's own test client asks for pages."""
    return override_settings(
        STORAGES=PLAIN_STATIC, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    )


def browser_headers(port: int, browser) -> dict[str, str]:
    """The test client's session as a browser's cookie, with the CSRF token a page set."""
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}", "Accept-Language": "nl"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", reverse("referrals:dashboard"), headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    for cookie in response.headers.get_all("Set-Cookie") or []:
        if cookie.startswith(f"{settings.CSRF_COOKIE_NAME}="):
            token = cookie.split(";")[0].split("=", 1)[1]
            headers["Cookie"] += f"; {settings.CSRF_COOKIE_NAME}={token}"
            headers["X-CSRFToken"] = token
    return headers
