"""`make bench-data`'s fill on a few hundred referrals: the people, the responsible ones, the
history and the messages hang together as the application would have written them, so
that what `make bench` measures is a real working day. PostgreSQL only (the fill is
PostgreSQL's SQL); CI's PostgreSQL run runs it."""

import datetime
import hashlib
import uuid

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import F, Min
from django.utils import timezone
from stdnum.be import ssn as stdnum_ssn

from accounts.models import Organisation, Role, User
from notifications.models import Notification
from operations.benchmarks.flanders_fill import SUBSCRIBED_DAYS, fill_flanders
from referrals import access
from referrals.enums import CANDIDACY_REGISTERS, CandidacyOutcome, Gender
from referrals.models import Candidacy, Client, OutcomeCheck, Referral, ReferralEvent
from referrals.models.clients import insz_birth_date_and_gender
from referrals.models.followup import checkup_bit
from webhooks.models import Delivery, Subscription

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="bench-data's fill is PostgreSQL's SQL"
    ),
]


@pytest.fixture
def flanders():
    """The fill in the test's transaction (rolled back after it), without the VACUUM that
    cannot run in one."""
    fill_flanders(600, today=timezone.localdate(), progress=lambda text: None, analyse=False)


def members(role: Role):
    return User.objects.filter(groups=Group.objects.get(name=role))


def test_every_organisation_has_its_people(flanders):
    ocmws = Organisation.objects.filter(kind=Organisation.Kind.OCMW, clients__isnull=False)
    assert set(ocmws.values_list("pk", flat=True)) <= set(
        members(Role.CASEWORKER).values_list("organisation", flat=True)
    )
    assert not members(Role.CASEWORKER).exclude(organisation__kind=Organisation.Kind.OCMW)
    regions = set(Referral.objects.values_list("region", flat=True))
    for role in (Role.COUNSELLOR, Role.NETWORK_MANAGER):
        assert set(members(role).values_list("organisation__province", flat=True)) == regions
    assert members(Role.NETWORK_MANAGER).count() == len(regions)
    assert members(Role.ADMINISTRATOR).exists()
    assert User.objects.filter(groups__isnull=True, password="!").count() == 0  # noqa: S106


def test_the_responsible_people_are_of_the_referrals_organisations(flanders):
    agreed = Referral.objects.filter(agreed_on__isnull=False)
    assert agreed.exists()
    assert not agreed.filter(caseworker__isnull=True)
    assert not agreed.exclude(caseworker__organisation=F("ocmw"))
    assert not Referral.objects.filter(agreed_on__isnull=True, caseworker__isnull=False)
    planned = Referral.objects.filter(intake_at__isnull=False)
    assert planned.exists()
    assert not planned.exclude(counsellor__organisation__province=F("region"))
    assert not Referral.objects.filter(intake_at__isnull=True, counsellor__isnull=False)


def test_each_history_goes_step_by_step_to_the_referrals_state(flanders):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.state, e.transition, e.from_state, e.to_state, "
            "  lag(e.to_state) OVER w AS before, row_number() OVER w AS n, "
            "  row_number() OVER (PARTITION BY e.referral_id ORDER BY e.at DESC, e.id DESC) "
            "FROM referrals_referralevent e JOIN referrals_referral r ON r.id = e.referral_id "
            "WINDOW w AS (PARTITION BY e.referral_id ORDER BY e.at, e.id)"
        )
        lines = cursor.fetchall()
    assert {row[0] for row in lines} == set(Referral.objects.values_list("pk", flat=True))
    for referral, state, transition, from_state, to_state, before, n, from_end in lines:
        if n == 1:
            assert (transition, from_state, to_state) == ("create", "", "informed"), referral
        else:
            assert from_state == before, referral  # each line starts where the last ended
        if from_end == 1:
            assert to_state == state, referral  # the last one ends where the referral is
    kinds = {row[1] for row in lines}
    assert {"informed", "closed", "declined", "withdrawn", "in_training"} <= kinds


def test_the_step_that_leaves_the_way_gives_the_referrals_reason(flanders):
    """As the application's decline, withdraw and reject write their reason on the line."""
    reasons = {
        "decline": F("referral__decline_reason"),
        "withdraw": F("referral__withdraw_reason"),
        "reject": F("referral__reject_reason"),
    }

    left = ReferralEvent.objects.filter(transition__in=list(reasons))

    assert left.exists()
    for transition, reason in reasons.items():
        lines = left.filter(transition=transition)
        assert not lines.exclude(reason=reason) and not lines.filter(reason=""), transition
    assert not ReferralEvent.objects.exclude(transition__in=list(reasons)).exclude(reason="")


def test_messages_go_to_the_responsible_people_of_their_referral(flanders):
    messages = Notification.objects.select_related("referral")
    assert messages.filter(channel=Notification.Channel.IN_APP).exists()
    assert messages.filter(channel=Notification.Channel.EMAIL).exists()
    for message in messages:
        assert message.recipient_id in (
            message.referral.caseworker_id,
            message.referral.counsellor_id,
        )
    assert messages.filter(read_at__isnull=True).exists()
    assert messages.filter(read_at__isnull=False).exists()


def test_each_referral_marks_the_check_ups_recorded_as_the_app_would(flanders):
    """`Referral.checkups_recorded` holds a bit of each of its check-ups and no other, as
    recording them in the app leaves it (Mijn werk tells the due ones from it)."""
    expected = {}
    for referral, months in OutcomeCheck.objects.values_list("referral", "months"):
        expected[referral] = expected.get(referral, 0) | checkup_bit(months)
    assert expected  # the fill recorded check-ups
    marked = dict(
        Referral.objects.exclude(checkups_recorded=0).values_list("pk", "checkups_recorded")
    )
    assert marked == expected


def test_each_client_has_a_national_number_that_gives_their_birth_date_and_gender(flanders):
    """The fill's national numbers are as the national register gives them, so that a
    search by one (`make bench`) finds as many as a real one would: the client's birth date
    and gender read back from it as the application reads them (`derive_from_insz`), none
    shared; a client without a birth date has a number that gives none."""
    clients = list(Client.objects.all())
    assert len(clients) > 100
    assert len({client.insz for client in clients}) == len(clients)
    genders = set()
    for client in clients:
        born, gender = insz_birth_date_and_gender(client.insz)
        assert born == client.birth_date, client.insz
        if client.birth_date is None:
            assert not stdnum_ssn.is_valid(client.insz), client.insz
            continue
        assert stdnum_ssn.is_valid(client.insz), client.insz
        # Gender X or unknown: a BIS number that gives none.
        known = client.gender in (Gender.MALE, Gender.FEMALE)
        assert gender == (client.gender if known else ""), client.insz
        genders.add(client.gender)
    assert {Gender.MALE, Gender.FEMALE} <= genders
    assert any(client.birth_date and client.birth_date.year >= 2000 for client in clients)


def test_the_candidacies_are_typed_by_a_counsellor_of_the_region_for_the_client(flanders):
    """One referral in five registered through VDAB's candidacy form, when it was, with
    the client's national number and name; a client new then with the name typed, some
    known ones with a name that differs, as `referral_register_candidacy` records them."""
    candidacies = Candidacy.objects.select_related("referral__client", "registered_by")
    referrals = Referral.objects.values_list("pk", flat=True)
    assert {c.referral_id for c in candidacies} == {pk for pk in referrals if pk % 5 == 0}
    firsts = set(
        Referral.objects.values("client").annotate(first=Min("pk")).values_list("first", flat=True)
    )
    counsellors = set(members(Role.COUNSELLOR).values_list("pk", flat=True))
    outcomes = set()
    for candidacy in candidacies:
        referral, client = candidacy.referral, candidacy.referral.client
        assert candidacy.registered_by_id in counsellors
        assert candidacy.registered_by.organisation.province == referral.region
        assert (candidacy.ocmw_id, candidacy.training_id) == (
            referral.ocmw_id,
            referral.training_id,
        )
        assert candidacy.registered_at == referral.created_at
        assert (candidacy.insz, candidacy.first_name) == (client.insz, client.first_name)
        assert candidacy.name_differs == (candidacy.last_name != client.last_name)
        new = candidacy.outcome == CandidacyOutcome.NEW_CLIENT
        assert new == (referral.pk in firsts), candidacy.referral_id
        outcomes.add(candidacy.outcome)
    assert outcomes == set(CANDIDACY_REGISTERS)


def test_the_webhook_deliveries_go_to_the_organisations_that_see_their_referral(flanders):
    """Each history line since the subscriptions, once to each subscription of an
    organisation that sees its referral (`access.organisation_sees`): a region from the
    line of the formal agreement on; with one event id for all of them (the line's: the
    app's is keyed with its secret)."""
    subscriptions = list(Subscription.objects.select_related("organisation"))
    assert {s.organisation.kind for s in subscriptions} == {"ocmw", "vdab"}
    since = timezone.now() - datetime.timedelta(days=SUBSCRIBED_DAYS)
    lines = ReferralEvent.objects.filter(at__gte=since).select_related("referral")
    agreed_at = dict(ReferralEvent.objects.filter(transition="agree").values_list("referral", "at"))
    delivered = {(d.subscription_id, d.event_id): d for d in Delivery.objects.all()}
    expected = set()
    for line in lines:
        agreed = line.referral_id in agreed_at and line.at >= agreed_at[line.referral_id]
        for subscription in subscriptions:
            if access.organisation_sees(line.referral, subscription.organisation) and (
                agreed or not subscription.organisation.is_vdab
            ):
                expected.add((subscription.pk, line))
    assert expected
    assert set(delivered) == {(pk, uuid_of(line)) for pk, line in expected}
    for pk, line in expected:
        delivery = delivered[pk, uuid_of(line)]
        assert (delivery.kind, delivery.referral_id) == (line.transition, line.referral_id)
        assert delivery.created_at == line.at
        assert delivery.payload["referral"]["state"] == line.to_state
    assert {d.status for d in delivered.values()} <= {Delivery.Status.SENT, Delivery.Status.FAILED}


def uuid_of(line: ReferralEvent) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"event:{line.pk}".encode()).hexdigest())  # noqa: S324
