"""The dashboard and the lists cost the same number of queries at 10 and at 200 referrals;
the referral page the same with 1 and with 20 history lines and notes."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Province
from referrals.enums import State
from referrals.models import GuidanceNote, Referral, ReferralEvent, SchoolYear
from tests.accounts.factories import CaseworkerFactory, CounsellorFactory, VdabOrganisationFactory
from tests.referrals.factories import ClientFactory, ReferralFactory, TrainingFactory

pytestmark = pytest.mark.django_db

# The ceilings observed when these tests were written; a rise means a new query per page,
# a growth with the data means an N+1 (the equality assertions catch that first).
# Each page includes one COUNT for the unread messages in the navigation, and each that
# shows someone's data one INSERT into the audit trail (none for the network manager's
# figures).
MAX_QUERIES = {
    # Every kind of work's count and first rows' keys in one query, those rows, the coming
    # week's intakes and starts (one query for both).
    ("caseworker", "dashboard"): 9,
    # The filters' trainings (and for VDAB the OCMWs) to choose from, and the session
    # that remembers the list as it was left.
    ("caseworker", "referral_list"): 12,
    ("caseworker", "client_list"): 8,  # one row more than the page, no COUNT
    # The search kept in the session: written there once per search; and counted, for the
    # trail's hits.
    ("caseworker", "client_search"): 12,
    # The intakes still to come apart from those to screen: one section, one query more;
    # and VDAB's scope reads the counsellor's contact trainings first (ids: the indexes then
    # answer the scope), once per scoped queryset: the list has two, its rows and its OCMWs.
    # Six kinds of work; and the people named who left, read first (`work.mine_parts`).
    ("counsellor", "dashboard"): 12,
    # The region counted part by part (`ranking.rank_parts`): the open states' counts and
    # first rows, the closed ends' ranking.
    ("counsellor", "dashboard_team"): 13,
    ("counsellor", "referral_list"): 15,
    ("network_manager", "dashboard"): 7,
    # Four of them the training's interruptions, the referral's documents, its school
    # years and the colleagues who may take it over (one query each, however many).
    ("caseworker", "referral_detail"): 16,
    ("counsellor", "referral_detail"): 17,  # and the contact trainings, for VDAB's scope
}
# The trail's rows of a page are one INSERT (audit.trail.record_many); SQLite splits it
# every 99 rows (Django 5.2 keeps a statement there under 999 parameters), which is counted
# here as the one statement it is on PostgreSQL.
TRAIL_INSERT = 'INSERT INTO "audit_entry"'

# Every state, so that every dashboard section and the overdue list have rows.
STATES = list(State.values)
BEFORE_THE_AGREEMENT = {State.INFORMED, State.CANDIDATE, State.DECLINED}


class World:
    """Referrals of OCMW Gent clients for trainings in Oost-Vlaanderen, spread over states,
    added in bulk-ish: ReferralFactory rows, then one UPDATE per state (state is protected
    on the model, not in the database)."""

    def __init__(self, caseworker):
        self.caseworker = caseworker
        self.ocmw = caseworker.organisation
        contact = CounsellorFactory(organisation=VdabOrganisationFactory(province=Province.LIMBURG))
        self.trainings = [
            TrainingFactory(province=Province.OOST_VLAANDEREN, contact_counsellor=contact),
            TrainingFactory(province=Province.OOST_VLAANDEREN),
            TrainingFactory(province=Province.OOST_VLAANDEREN),
        ]
        self.count = 0

    def grow_to(self, total: int) -> None:
        new = []
        for n in range(self.count, total):
            person = ClientFactory(ocmw=self.ocmw, last_name=f"Peeters{n:03d}")
            new.append(
                ReferralFactory(
                    client=person,
                    training=self.trainings[n % len(self.trainings)],
                    created_by=self.caseworker,
                ).pk
            )
        old = timezone.now() - datetime.timedelta(days=60)
        old_day = timezone.localdate(old)  # its day in Brussels, as the rules compare it
        for index, state in enumerate(STATES):
            pks = new[index :: len(STATES)]
            Referral.objects.filter(pk__in=pks).update(
                state=state,
                # VDAB sees a referral once agreed (withdrawn: after the agreement here).
                agreed_on=None if state in BEFORE_THE_AGREEMENT else old_day,
                state_changed_at=old,  # overdue where the state can be
                probable_start_date=old_day,
                intake_at=old,
            )
        self.count = total
        assert Referral.objects.count() == total


def count_queries(http, request) -> tuple[int, object]:
    method, url, data = request
    with CaptureQueriesContext(connection) as queries:
        response = getattr(http, method)(url, data)
    assert response.status_code == 200
    trail = sum(query["sql"].startswith(TRAIL_INSERT) for query in queries)
    return len(queries) - trail + min(trail, 1), response


def request_for(page: str):
    return {
        "dashboard": ("get", reverse("referrals:dashboard"), {}),
        "dashboard_team": ("get", reverse("referrals:dashboard"), {"scope": "team"}),
        "referral_list": ("get", reverse("referrals:referral_list"), {}),
        "client_list": ("get", reverse("referrals:client_list"), {}),
        "client_search": ("post", reverse("referrals:client_list"), {"q": "Peeters"}),
    }[page]


@pytest.mark.parametrize(
    ("actor", "page"),
    [
        ("caseworker", "dashboard"),
        ("caseworker", "referral_list"),
        ("caseworker", "client_list"),
        ("caseworker", "client_search"),
        ("counsellor", "dashboard"),
        ("counsellor", "dashboard_team"),
        ("counsellor", "referral_list"),
        ("network_manager", "dashboard"),
    ],
)
def test_page_costs_the_same_queries_at_10_and_at_200_referrals(
    client, request, caseworker, actor, page
):
    world = World(caseworker)
    client.force_login(request.getfixturevalue(actor))
    http_request = request_for(page)
    counts = {}
    sizes = {}

    for total in (10, 200):
        world.grow_to(total)
        count_queries(client, http_request)  # warm up: per-process caches, not per page
        counts[total], response = count_queries(client, http_request)
        sizes[total] = rows_shown(response, page)

    assert counts[10] == counts[200]
    # The page did show more at 200: the count is not flat because the page was empty.
    if actor != "network_manager":
        assert sizes[200] > sizes[10] > 0
    assert counts[200] <= MAX_QUERIES[actor, page]


def rows_shown(response, page: str) -> int:
    if page.startswith("dashboard"):
        context = response.context
        return sum(len(section.rows) for section in [*context["groups"], *context["agenda"]])
    return len(response.context["page"].object_list)


@pytest.fixture
def detail_world(caseworker, counsellor, training, gent_client):
    """A referral in training whose history lines and notes come from many people."""
    referral = ReferralFactory(client=gent_client, training=training, created_by=caseworker)
    Referral.objects.filter(pk=referral.pk).update(
        state=State.IN_TRAINING,
        agreed_on=timezone.localdate() - datetime.timedelta(days=90),
        caseworker=caseworker,
        caseworker_phone="09 266 12 34",
        start_date=timezone.localdate() - datetime.timedelta(days=30),
    )
    authors = itertools.cycle(
        [
            lambda: CaseworkerFactory(organisation=gent_client.ocmw),
            lambda: CounsellorFactory(organisation=counsellor.organisation),
        ]
    )
    transitions = itertools.cycle(["create", "apply", "agree", "plan_intake", "admit", "start"])
    years = itertools.count(2000)  # rows as many as the notes (years beyond the training's)

    def add(n: int) -> None:
        for _ in range(n):
            author = next(authors)()
            ReferralEvent.objects.create(
                referral=referral,
                actor=author,
                transition=next(transitions),
                from_state=State.CANDIDATE,
                to_state=State.AGREED,
                data={"caseworker_phone": "09 266 12 34", "agreed_on": "2025-01-06"},
            )
            GuidanceNote.objects.create(
                referral=referral, author=author, topic="progress", note="Loopt goed."
            )
            SchoolYear.objects.create(
                referral=referral, year=next(years), result="passed", recorded_by=author
            )

    return referral, add


@pytest.mark.parametrize("actor", ["caseworker", "counsellor"])
def test_referral_page_costs_the_same_with_1_and_with_20_events_and_notes(
    client, request, detail_world, django_assert_max_num_queries, actor
):
    referral, add = detail_world
    client.force_login(request.getfixturevalue(actor))
    http_request = ("get", reverse("referrals:referral_detail", args=[referral.pk]), {})
    counts = {}

    add(1)
    count_queries(client, http_request)
    counts[1], response = count_queries(client, http_request)
    assert len(response.context["timeline"]) == 1
    add(19)
    counts[20], response = count_queries(client, http_request)
    assert len(response.context["timeline"]) == 20
    assert len(list(response.context["notes"])) == 20

    assert counts[1] == counts[20]
    with django_assert_max_num_queries(MAX_QUERIES[actor, "referral_detail"]):
        count_queries(client, http_request)
