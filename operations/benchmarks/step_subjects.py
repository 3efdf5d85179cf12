"""The people and referrals `bench_step` acts on, and each step's arguments as its form
gives them.

A caseworker of the OCMW with the most clients, two counsellors of the VDAB region of a
training of theirs (one its contact counsellor), a webhook subscription for each side (so
that every step writes its deliveries too), and pairs of referrals of new clients of that
OCMW, registered through the service: one of each pair for the step's service, its twin
for the bare transaction with the same writes. Made anew on every run (the users and
subscriptions are found again with --no-fill).

And a second training of that region that names no contact counsellor, whose formal
agreement (`REGION_STEP`) tells every counsellor of the region, at least as many as a region
of `make bench-data` has (`REGION_COUNSELLORS`): the agreement as it goes for most trainings
there, before anyone of VDAB acted on the referral."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import Organisation, Province, Role
from referrals import services
from referrals.enums import ConsentScope, ContinuedBy, EndResult, HandoverHow, OkotType
from referrals.management.demo_data import insz
from referrals.models import Client, Consent, EntryCondition, Referral, Training
from referrals.models.handover import counsellors_of
from webhooks.kinds import EventKind
from webhooks.models import Subscription

BENCH = "bench-step"
# The steps timed, in the order of the flow: each takes the referrals where the one before
# left them.
STEP_NAMES = ["apply", "agree", "plan_intake", "admit", "start", "end", "close"]
# The formal agreement on the region's training, timed after the flow.
REGION_STEP = "agree_region"
# The fewest counsellors the region has here: a region's in `make bench-data` (its 560
# spread over five regions by their trainings: 94 to 130).
REGION_COUNSELLORS = 96


@dataclass
class Cast:
    caseworker: object
    counsellor: object
    training: Training
    conditions: list[EntryCondition]
    # Of the same region and type, with no contact counsellor (`REGION_STEP`).
    region_training: Training

    def actor(self, step: str):
        return self.caseworker if step in {"apply", "agree", "close"} else self.counsellor


def cast() -> Cast:
    """The people, the training and the subscriptions, found again or made."""
    ocmw = (
        Organisation.objects.filter(kind=Organisation.Kind.OCMW)
        .annotate(n=Count("clients"))
        .order_by("-n", "pk")
        .first()
    ) or Organisation.objects.create(
        name="OCMW Bench", kind=Organisation.Kind.OCMW, province=Province.OOST_VLAANDEREN
    )
    vdab = Organisation.objects.filter(
        kind=Organisation.Kind.VDAB, province=ocmw.province
    ).first() or Organisation.objects.create(
        name=f"VDAB Bench {ocmw.province}", kind=Organisation.Kind.VDAB, province=ocmw.province
    )
    caseworker = _user(f"{BENCH}-caseworker", ocmw, Role.CASEWORKER)
    counsellor = _user(f"{BENCH}-counsellor", vdab, Role.COUNSELLOR)
    _user(f"{BENCH}-colleague", vdab, Role.COUNSELLOR)
    training, _made = Training.objects.get_or_create(
        title="Bench Verpleegkunde",
        defaults={
            "okot_type": OkotType.HBO,
            "institution": "HBO5 Verpleegkunde",
            "location": "Campus Bench",
            "province": vdab.province,
            "contact_counsellor": counsellor,
            "duration_months": 24,
            "hours_per_week": 38,
        },
    )
    region_training, _made = Training.objects.get_or_create(
        title="Bench Verpleegkunde, zonder contactpersoon",
        defaults={
            "okot_type": training.okot_type,
            "institution": training.institution,
            "location": training.location,
            "province": vdab.province,
            "duration_months": 24,
            "hours_per_week": 38,
        },
    )
    region = Role.COUNSELLOR.holders().filter(organisation__province=vdab.province).count()
    for n in range(REGION_COUNSELLORS - region):
        _user(f"{BENCH}-region-{region + n}", vdab, Role.COUNSELLOR)
    for organisation in (ocmw, vdab):
        Subscription.objects.get_or_create(
            organisation=organisation,
            url=f"https://hooks.invalid/{BENCH}/{organisation.pk}",  # never resolves
            defaults={"kinds": list(EventKind.values)},
        )
    return Cast(
        caseworker=caseworker,
        counsellor=counsellor,
        training=training,
        conditions=EntryCondition.applicable_to(training.okot_type),
        region_training=region_training,
    )


def _user(username: str, organisation, role: Role):
    user, made = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "organisation": organisation,
            "first_name": "Bench",
            "last_name": username.rsplit("-", 1)[-1].capitalize(),
            "email": f"{username}@example.org",
            "work_phone": "09 123 45 67",
        },
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
    return user


def pairs(cast: Cast, count: int, training: Training | None = None) -> list[tuple[int, int]]:
    """`count` pairs of new referrals (state `informed`) for `training` (the cast's first),
    each of a client of its own."""
    ids = new_referrals(cast.caseworker, training or cast.training, 2 * count)
    return list(zip(ids[::2], ids[1::2], strict=True))


def new_referrals(caseworker, training: Training, count: int) -> list[int]:
    """`count` new referrals (state `informed`) of `caseworker`'s OCMW for `training`, each
    of a new client of its own, registered through the service."""
    today = timezone.localdate()
    # Past every client's key: a number no client had (a count would fall back onto those
    # of clients made before once one is deleted).
    start = (Client.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    clients = [
        Client(
            ocmw_id=caseworker.organisation_id,
            first_name="Bench",
            last_name=f"Stap {start + n:07d}",
            insz=_insz(start + n),
            registered_job_seeker=True,
            consent_vdab=True,
            consent_date=today,
        )
        for n in range(count)
    ]
    for client in clients:
        client.derive_from_insz()  # as `save` would
    Client.objects.bulk_create(clients)
    Consent.objects.bulk_create(
        Consent(client=client, scope=ConsentScope.OKOT, given_on=today) for client in clients
    )
    return [
        services.referral_create(user=caseworker, client=client, training=training).pk
        for client in clients
    ]


def _insz(number: int) -> str:
    """A valid national number, a new one for each `number` (born 1970 to 1999), with a
    serial counted down from the day's last (997, to 598), where the fill's count up from
    the first (`report_fill.INSZ`: under 200 at a million referrals), so that none is a
    fill's client's number in the same OCMW."""
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=number % 10950)
    return insz(born, 997 - (number // 10950) % 400)


def arguments(step: str, cast: Cast, referral: Referral) -> dict:
    """What the step's form gives its service, with today's dates (in the flow's order)."""
    now = timezone.now()
    today = timezone.localdate(now)
    # Earlier today, never before midnight: the intake's day is the agreement's.
    earlier = max(now - datetime.timedelta(minutes=5), _midnight(today))
    return {
        "apply": lambda: {"applied_on": today},
        "agree": lambda: {
            "agreed_on": today,
            "checked_conditions": cast.conditions,
            "caseworker_phone": "09 266 99 00",
            "handover_notes": "Gemotiveerd; zoekt nog kinderopvang voor de woensdag.",
            "handover_how": HandoverHow.PHONE,
            "handover_at": earlier,
            # As the form's choice gives it: read afresh, with the organisation.
            "handover_counsellor": counsellors_of(referral.training).get(pk=cast.counsellor.pk),
        },
        "plan_intake": lambda: {"intake_at": earlier, "place": "VDAB, Kongostraat 7"},
        "admit": lambda: {
            "screening": {
                "motivation": "Sterk gemotiveerd.",
                "preconditions": "Kinderopvang geregeld.",
                "path_fit": "Past in het traject naar werk.",
                "learning_ability": "Voldoende.",
            },
            "probable_start_date": today,
            "probable_location": "Campus Bench",
        },
        "start": lambda: {"start_date": today},
        "end": lambda: {"end_date": today, "result": EndResult.PASSED},
        "close": lambda: {"continued_by": ContinuedBy.VDAB},
    }[step]()


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
