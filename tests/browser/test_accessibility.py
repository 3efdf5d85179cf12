"""axe-core's WCAG 2.0/2.1 A and AA rules, the page skeleton, and nothing blocked by the
Content Security Policy, on every kind of page.

Pages are rendered in the default UI language (nl-BE) with Bootstrap's CSS loaded, so that
contrast is judged on what users see. A failure lists each violation with the offending HTML."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from notifications.models import Notification
from referrals import services
from referrals.enums import OkotType, SchoolYearResult, State
from referrals.models.followup import school_year_of
from tests.referrals.factories import (
    ClientFactory,
    DocumentFactory,
    InfoSessionFactory,
    StartMomentFactory,
    TrainingFactory,
    make_insz,
    referral_in_state,
)

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


@pytest.fixture(scope="module")
def axe():
    return Axe()


class Cast:
    """The caseworker, the counsellor and the training of tests/conftest.py's cast, a
    client, and referrals at the steps where each of them has forms to fill in.
    `cast["ended"]` walks a referral to `ended` only when a page asks for it; the candidate
    is the named client's, the others are of new clients."""

    def __init__(self, caseworker, counsellor, training):
        self.people = {"caseworker": caseworker, "counsellor": counsellor}
        self.training = training
        TrainingFactory(
            title="Elektrotechniek",
            okot_type=OkotType.SENSE,
            contact_counsellor=self.people["counsellor"],
        )
        self.client = ClientFactory(
            ocmw=self.people["caseworker"].organisation, first_name="Fatima", last_name="Elouardi"
        )
        self.referrals = {}

    def __getitem__(self, name: str):
        if name in self.people:
            return self.people[name]
        if name == "client":
            return self.client
        if name not in self.referrals:
            self.referrals[name] = referral_in_state(
                State(name),
                client=self.client if name == State.CANDIDATE else None,
                training=self.training,
                **self.people,
            )
        return self.referrals[name]


@pytest.fixture
def cast(transactional_db, caseworker, counsellor, training) -> Cast:
    return Cast(caseworker, counsellor, training)


def open_all_details(page: Page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def fail_to_log_in(page: Page) -> None:
    page.locator('[name="username"]').fill("nobody")
    page.locator('[name="password"]').fill("wrong-password")
    page.locator('main button[type="submit"]').click()
    expect(page.locator("main .alert-danger")).to_be_visible()


def get_locked_out(page: Page) -> None:
    """Fail to log in until the lockout page shows."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail_to_log_in_quietly(page)
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("main .alert-warning")).to_be_visible()


def fail_to_log_in_quietly(page: Page) -> None:
    page.locator('[name="username"]').fill("nobody")
    page.locator('[name="password"]').fill("wrong-password")
    page.locator('main button[type="submit"]').click()


def show_messages(page: Page) -> None:
    """The inbox with its messages' texts open; there must be unread messages to judge."""
    expect(page.locator("main ol .badge").first).to_be_visible()
    open_all_details(page)


def submit_empty_form(page: Page) -> None:
    page.locator('main form button[type="submit"]').click()
    expect(page.locator("main .invalid-feedback").first).to_be_visible()


@dataclass(frozen=True)
class Screen:
    """A page as one user sees it: who (None: nobody logged in), where, what they did."""

    user: str | None
    url: Callable[[Cast], str]
    then: Callable[[Page], None] | None = None
    status: int = 200
    needs: tuple[str, ...] = ()  # referrals the page should list


def detail(name: str) -> Callable[[Cast], str]:
    return lambda cast: cast[name].get_absolute_url()


def candidacies(cast: Cast) -> str:
    """The counsellor's candidacy page with two rows: one waiting, one the OCMW declined."""
    for n, answer in enumerate(["", "Niet gekend onder deze naam"]):
        candidacy = services.referral_register_candidacy(
            user=cast["counsellor"],
            ocmw=cast["caseworker"].organisation,
            insz=make_insz(datetime.date(1990, 1, n + 1), 51 + n),
            first_name="Yasmine",
            last_name="Bakkali",
            training=cast.training,
        )
        if answer:
            services.referral_decline(
                referral=candidacy.referral, user=cast["caseworker"], reason=answer
            )
    return reverse("referrals:candidacy_create")


def with_documents(cast: Cast) -> str:
    """A referral in training with a document from each side, the file refused on the form."""
    referral = cast["in_training"]
    for user, kind in ((cast["caseworker"], "signed_agreement"), (cast["counsellor"], "other")):
        DocumentFactory(referral=referral, added_by=user, kind=kind)
    return referral.get_absolute_url()


def submit_a_wrong_file(page: Page) -> None:
    """Send a text file as a PDF: the page comes back with the file's error."""
    form = page.locator("form[enctype='multipart/form-data']")
    form.get_by_label("Soort document").select_option("attendance")
    form.locator("input[type=file]").set_input_files(
        {"name": "attest.pdf", "mimeType": "application/pdf", "buffer": b"geen pdf"}
    )
    form.get_by_role("button", name="Document toevoegen").click()
    page.wait_for_load_state("load")


def consent_withdrawn(page: str) -> Callable[[Cast], str]:
    """The page of an agreed referral's client (or the referral) after the client withdrew
    the consent: its banner, and on the client's page the form to record consent again."""

    def url(cast: Cast) -> str:
        referral = cast["agreed"]
        services.consent_withdraw(
            client=referral.client, user=cast["caseworker"], withdrawn_on=timezone.localdate()
        )
        return (referral.client if page == "client" else referral).get_absolute_url()

    return url


def dated_catalogue(cast: Cast) -> str:
    """The catalogue with start moments (one full, one with places unknown) and info
    sessions (one online with a registration link)."""
    today, now = timezone.localdate(), timezone.now()
    StartMomentFactory(training=cast.training, starts_on=today + datetime.timedelta(30))
    StartMomentFactory(training=cast.training, places_available=0)
    InfoSessionFactory(training=cast.training, starts_at=now + datetime.timedelta(3))
    InfoSessionFactory(
        training=cast.training,
        online=True,
        location="",
        registration_url="https://www.vdab.example/infosessie/1",
    )
    return reverse("referrals:training_list")


def interrupted(cast: Cast) -> str:
    """The training in progress, interrupted before and again now: the banner, the table,
    the form to resume and one to correct each interruption."""
    referral = cast["in_training"]
    start = referral.start_date
    for first, last in ((start, start + datetime.timedelta(days=2)), (timezone.localdate(), None)):
        services.interruption_record(
            referral=referral,
            user=cast["caseworker"],
            reason="illness",
            from_date=first,
            to_date=last,
            note="Griep.",
        )
    return referral.get_absolute_url()


def school_years(cast) -> str:
    """The page of a referral in training with a school year recorded, as the OCMW reads
    it (the table; VDAB's form is on the counsellor's in-training screen)."""
    referral = cast["in_training"]
    services.school_year_record(
        referral=referral,
        user=cast["counsellor"],
        year=school_year_of(referral.start_date),
        result=SchoolYearResult.REPEATS,
    )
    return referral.get_absolute_url()


SCREENS = {
    "login": Screen(None, lambda cast: reverse("login")),
    "login-failed": Screen(None, lambda cast: reverse("login"), then=fail_to_log_in),
    "locked-out": Screen(None, lambda cast: reverse("login"), then=get_locked_out),
    "password-reset": Screen(None, lambda cast: reverse("password_reset")),
    "account": Screen("caseworker", lambda cast: reverse("accounts:account")),
    "two-factor-enrol": Screen("caseworker", lambda cast: reverse("accounts:enrol")),
    "password-change": Screen("caseworker", lambda cast: reverse("password_change")),
    "dashboard-caseworker": Screen(
        "caseworker", lambda cast: reverse("referrals:dashboard"), needs=("candidate", "ended")
    ),
    "dashboard-counsellor": Screen(
        "counsellor",
        lambda cast: reverse("referrals:dashboard"),
        needs=("intake_planned", "in_training"),
    ),
    "client-list": Screen("caseworker", lambda cast: reverse("referrals:client_list")),
    "client-form": Screen("caseworker", lambda cast: reverse("referrals:client_create")),
    "client-form-errors": Screen(
        "caseworker", lambda cast: reverse("referrals:client_create"), then=submit_empty_form
    ),
    "client-detail": Screen(
        "caseworker", lambda cast: cast["client"].get_absolute_url(), needs=("candidate",)
    ),
    "client-detail-consent-withdrawn": Screen("caseworker", consent_withdrawn("client")),
    "referral-create": Screen(
        "caseworker", lambda cast: reverse("referrals:referral_create", args=[cast["client"].pk])
    ),
    "referral-list": Screen(
        "counsellor", lambda cast: reverse("referrals:referral_list"), needs=("candidate", "ended")
    ),
    "candidacy-create": Screen("counsellor", lambda cast: reverse("referrals:candidacy_create")),
    "candidacies-listed": Screen("counsellor", candidacies),
    "referral-caseworker-to-agree": Screen(
        "caseworker", detail("candidate"), then=open_all_details
    ),
    "referral-counsellor-to-screen": Screen(
        "counsellor", detail("intake_planned"), then=open_all_details
    ),
    "referral-counsellor-in-training": Screen(
        "counsellor", detail("in_training"), then=open_all_details
    ),
    "referral-caseworker-interrupted": Screen("caseworker", interrupted, then=open_all_details),
    "referral-counsellor-ended": Screen("counsellor", detail("ended"), then=open_all_details),
    # The warm handover's form (a correction: the cast's handover came with the agreement).
    "referral-caseworker-handover": Screen(
        "caseworker", detail("intake_planned"), then=open_all_details
    ),
    "referral-caseworker-school-years": Screen("caseworker", school_years),
    "referral-counsellor-consent-withdrawn": Screen("counsellor", consent_withdrawn("referral")),
    "referral-documents": Screen("caseworker", with_documents),
    "referral-document-refused": Screen("caseworker", with_documents, then=submit_a_wrong_file),
    "agreement": Screen(
        "caseworker", lambda cast: reverse("referrals:referral_agreement", args=[cast["ended"].pk])
    ),
    "training-catalogue": Screen("caseworker", lambda cast: reverse("referrals:training_list")),
    "training-catalogue-dated": Screen("counsellor", dated_catalogue),
    "training-catalogue-filtered-empty": Screen(
        "caseworker", lambda cast: reverse("referrals:training_list") + "?mode=mixed&field=x"
    ),
    "client-list-refer": Screen(
        "caseworker",
        lambda cast: f"{reverse('referrals:client_list')}?training={cast.training.pk}",
        needs=("candidate",),
    ),
    "reports-caseworker": Screen(
        "caseworker", lambda cast: reverse("referrals:reports"), needs=("ended", "in_training")
    ),
    "reports-cohort": Screen(
        "caseworker",
        lambda cast: reverse("referrals:reports") + "?year=&basis=cohort",
        needs=("ended", "in_training"),
    ),
    "reports-counsellor-bad-filter": Screen(
        "counsellor",
        lambda cast: reverse("referrals:reports") + "?year=1900&region=mars",
        needs=("ended",),
    ),
    "inbox": Screen(
        "caseworker",
        lambda cast: reverse("notifications:inbox"),
        then=show_messages,
        needs=("ended",),
    ),
    "preferences": Screen("caseworker", lambda cast: reverse("notifications:preferences")),
    "not-found": Screen("caseworker", lambda cast: "/does-not-exist/", status=404),
}


@pytest.fixture(params=SCREENS)
def screen(request, page: Page, cast, log_in) -> Page:
    """The page of `SCREENS[name]`, loaded and acted on, for the axe and skeleton checks."""
    screen = SCREENS[request.param]
    for name in screen.needs:
        cast[name]  # noqa: B018 - builds the referral
    if screen.user:
        log_in(page, cast[screen.user])
    response = page.goto(screen.url(cast))
    assert response.status == screen.status, f"{response.status} on {page.url}"
    if screen.then:
        screen.then(page)
    page.wait_for_load_state("load")
    assert page.broken_resources == [], "stylesheets or scripts failed to load"
    return page


def describe(violations: list[dict]) -> str:
    """axe's violations as a readable report: rule, impact, help, and each offending node."""
    lines = []
    for v in violations:
        lines.append(f"\n[{v['impact']}] {v['id']}: {v['help']} ({', '.join(v['tags'])})")
        lines.append(f"  {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"  - at {' '.join(map(str, node['target']))}")
            lines.append(f"    {node['html']}")
            for summary_line in node.get("failureSummary", "").splitlines():
                lines.append(f"      {summary_line}")
    return "\n".join(lines)


def test_page_has_no_wcag_a_or_aa_violations(screen: Page, axe):
    results = axe.run(screen, options=AXE_OPTIONS)
    violations = [
        v for v in results.response["violations"] if set(v["tags"]).intersection(WCAG_TAGS)
    ]

    assert violations == [], f"axe on {screen.url}:{describe(violations)}"


def test_page_has_language_one_h1_a_main_landmark_and_a_skip_link_first(screen: Page):
    assert screen.locator("html").get_attribute("lang") == "nl"  # the browser asks nl-BE
    expect(screen.locator("h1")).to_have_count(1)
    expect(screen.locator("main")).to_have_count(1)

    # Tab from the top of the document, not from a field that has autofocus (the login
    # form's username): Chromium's starting point is the focused element, and blur() keeps it.
    screen.evaluate(
        "() => { const body = document.body; body.tabIndex = -1; body.focus();"
        " body.removeAttribute('tabindex'); }"
    )
    screen.keyboard.press("Tab")

    assert screen.evaluate("document.activeElement.getAttribute('href')") == "#content"


def test_page_has_no_content_security_policy_violations(screen: Page):
    """No inline style, script or event handler (the policy has no 'unsafe-inline')."""
    assert screen.csp_violations == [], screen.url


def test_a_message_opens_from_the_keyboard_and_is_then_read(page: Page, cast, log_in):
    caseworker = cast["caseworker"]
    cast["ended"]  # noqa: B018 - the steps that write the caseworker's messages
    newest = Notification.objects.inbox_of(caseworker).first()
    assert newest.referral_id, "the message should lead away from the inbox"
    log_in(page, caseworker)
    page.goto(reverse("notifications:inbox"))

    subject = page.locator("main ol h2").first.get_by_role("button", name=newest.subject)
    subject.focus()
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{newest.get_absolute_url()}")
    assert Notification.objects.get(pk=newest.pk).read_at is not None


def test_the_agreement_prints_from_its_button(page: Page, cast, log_in):
    """The button's script is a static file now (an inline onclick is blocked)."""
    page.add_init_script("window.print = () => { window.printed = true; };")
    log_in(page, cast["caseworker"])
    page.goto(reverse("referrals:referral_agreement", args=[cast["ended"].pk]))

    page.locator("main button[data-print]").click()

    assert page.evaluate("window.printed === true")
    assert page.csp_violations == []
