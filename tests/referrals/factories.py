"""Clients, trainings and referrals; `referral_in_state` walks the real services."""

import datetime
import hashlib
from types import SimpleNamespace

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Province
from referrals import services
from referrals.enums import ContinuedBy, DocumentKind, EndResult, HandoverHow, OkotType, State
from referrals.management.demo_documents import minimal_pdf
from referrals.models import (
    Client,
    Consent,
    Document,
    EntryCondition,
    InfoSession,
    Referral,
    StartMoment,
    TemporaryWorkExperience,
    Training,
)
from referrals.models.obtained import default_obtained
from referrals.steps import STEPS
from tests.accounts.factories import (
    CaseworkerFactory,
    CounsellorFactory,
    OrganisationFactory,
    VdabOrganisationFactory,
)
from tests.names import client_first_name, client_last_name


def make_insz(birth_date: datetime.date, serial: int, month_offset: int = 0) -> str:
    """A valid Belgian national number: yymmdd, a 3-digit serial (odd: man) and the check.

    `month_offset` 20 or 40 makes a BIS number (gender unknown or known)."""
    month = birth_date.month + month_offset
    first9 = f"{birth_date:%y}{month:02d}{birth_date:%d}{serial:03d}"
    base = int(("2" if birth_date.year >= 2000 else "") + first9)
    return f"{first9}{97 - base % 97:02d}"


class ClientFactory(DjangoModelFactory):
    """A client of OCMW Gent with a valid INSZ and consent to share data with VDAB (with
    its history row, as `services.consent_give` writes them; `consent_vdab=False` for a
    client who never consented)."""

    class Meta:
        model = Client
        skip_postgeneration_save = True

    class Params:
        # Births 1960-1999 only: python-stdnum accepts a 20xx number only up to the current
        # year, which would make the factory depend on the (possibly frozen) clock.
        born = factory.Sequence(
            lambda n: datetime.date(1960, 1, 1) + datetime.timedelta(days=(n * 7) % 14600)
        )
        serial = factory.Sequence(lambda n: n % 997 + 1)

    ocmw = factory.SubFactory(OrganisationFactory)
    first_name = factory.Sequence(client_first_name)
    last_name = factory.Sequence(client_last_name)
    insz = factory.LazyAttribute(lambda o: make_insz(o.born, o.serial))
    registered_job_seeker = True
    consent_vdab = True
    consent_date = factory.Maybe(
        "consent_vdab",
        factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365)),
        None,
    )

    @factory.post_generation
    def consent_history(obj, create, extracted, **kwargs):
        """The history row of the consent that holds, recorded by nobody known (as those
        recorded before the history was kept): a user here would be one more caseworker
        of the OCMW, who hears of its candidacies."""
        if create and obj.has_consent:
            Consent.objects.create(client=obj, given_on=obj.consent_date)


class TemporaryWorkExperienceFactory(DjangoModelFactory):
    """An open-ended temporary work experience (article 60) that started half a year ago."""

    class Meta:
        model = TemporaryWorkExperience

    client = factory.SubFactory(ClientFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=180))
    end_date = None
    employer = "Sociale kruidenier Gent"


class TrainingFactory(DjangoModelFactory):
    """An OKOT training in Oost-Vlaanderen, without a contact counsellor."""

    class Meta:
        model = Training

    title = factory.Sequence(lambda n: f"Verpleegkunde {n}")
    okot_type = factory.Iterator(OkotType.values)
    institution = "HBO5 Verpleegkunde Gent"
    location = "Gent"
    province = Province.OOST_VLAANDEREN
    contact_counsellor = None
    duration_months = 24
    hours_per_week = 38


class StartMomentFactory(DjangoModelFactory):
    """A start moment of a training, some four weeks from today (a day later each), places
    unknown."""

    class Meta:
        model = StartMoment

    training = factory.SubFactory(TrainingFactory)
    starts_on = factory.Sequence(
        lambda n: timezone.localdate() + datetime.timedelta(weeks=4, days=n)
    )
    location = ""
    places_available = None


class InfoSessionFactory(DjangoModelFactory):
    """An info session of a training at its school, a week from now."""

    class Meta:
        model = InfoSession

    training = factory.SubFactory(TrainingFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(weeks=1))
    online = False
    location = "Kerkstraat 1, Gent"


class ReferralFactory(DjangoModelFactory):
    """A referral in `informed`, written straight to the table (no history line).

    Use `referral_in_state` when the history or the steps matter."""

    class Meta:
        model = Referral

    client = factory.SubFactory(ClientFactory)
    training = factory.SubFactory(TrainingFactory)
    created_by = factory.SubFactory(
        CaseworkerFactory, organisation=factory.SelfAttribute("..client.ocmw")
    )
    agreed_on = None
    # Once agreed, the warm handover took place that morning (a missing one is overdue:
    # pass `handover_how="", handover_at=None, handover_recorded_at=None`).
    handover_how = factory.LazyAttribute(lambda o: HandoverHow.PHONE if o.agreed_on else "")
    handover_at = factory.LazyAttribute(
        lambda o: (
            o.agreed_on
            and timezone.make_aware(datetime.datetime.combine(o.agreed_on, datetime.time(9)))
        )
    )
    handover_recorded_at = factory.SelfAttribute("handover_at")
    # What an end obtained goes with every end result (a database constraint): unless
    # given, what the `end` step records when nobody says.
    end_result = ""
    end_date = None
    obtained = factory.LazyAttribute(
        lambda o: default_obtained(o.end_result, o.end_date)[0] if o.end_result else ""
    )
    obtained_on = factory.LazyAttribute(
        lambda o: default_obtained(o.end_result, o.end_date)[1] if o.end_result else None
    )


# A small valid PDF (referrals.management.demo_documents makes it, as the demo's documents).
PDF = minimal_pdf("Attest")


class DocumentFactory(DjangoModelFactory):
    """A PDF attached to a referral, written straight to the table and the documents'
    storage (no history line, no check: `services.document_add` when those matter)."""

    class Meta:
        model = Document

    referral = factory.SubFactory(ReferralFactory)
    kind = DocumentKind.ATTENDANCE
    original_name = "aanwezigheidsattest.pdf"
    file = factory.LazyAttribute(lambda d: ContentFile(PDF, name=d.original_name))
    size = len(PDF)
    content_type = "application/pdf"
    sha256 = factory.LazyFunction(lambda: hashlib.sha256(PDF).hexdigest())
    added_by = factory.SelfAttribute("referral.created_by")
    added_at = factory.LazyFunction(timezone.now)


# --- walking the flow through the services -------------------------------------------------

SCREENING = {
    "motivation": "Wil al jaren in de zorg werken.",
    "preconditions": "Kinderopvang geregeld, heeft een fiets en een abonnement.",
    "path_fit": "Knelpuntberoep, past in het GPMI.",
    "learning_ability": "Voldoende, geslaagd voor de instaptoets.",
}


WEEK = datetime.timedelta(days=7)


def flow_dates(today: datetime.date | None = None) -> SimpleNamespace:
    """Dates in the order of the flow, all in the past: agreement, intake, start, end."""
    today = today or timezone.localdate()
    agreed_on = today - datetime.timedelta(days=120)
    intake_day = agreed_on + datetime.timedelta(days=10)
    start = agreed_on + datetime.timedelta(days=30)
    return SimpleNamespace(
        agreed_on=agreed_on,
        intake_day=intake_day,
        intake_at=timezone.make_aware(datetime.datetime.combine(intake_day, datetime.time(10))),
        start=start,
        end=start + datetime.timedelta(days=60),
    )


def applicable_conditions(training: Training) -> list[EntryCondition]:
    """The active entry conditions the caseworker must check for this training's type."""
    return EntryCondition.applicable_to(training.okot_type)


STEP_SERVICES = {name: step.service for name, step in STEPS.items()}


# name: (source states, target), as in DOMAIN.md
TRANSITIONS = {
    "apply": ([State.INFORMED], State.CANDIDATE),
    "agree": ([State.CANDIDATE], State.AGREED),
    "decline": ([State.CANDIDATE], State.DECLINED),
    "plan_intake": ([State.AGREED], State.INTAKE_PLANNED),
    "admit": ([State.INTAKE_PLANNED], State.ADMITTED),
    "reject": ([State.INTAKE_PLANNED], State.NOT_ADMITTED),
    "start": ([State.ADMITTED], State.IN_TRAINING),
    "end": ([State.IN_TRAINING], State.ENDED),
    "close": ([State.ENDED, State.NOT_ADMITTED], State.CLOSED),
    "withdraw": (
        [State.INFORMED, State.CANDIDATE, State.AGREED, State.INTAKE_PLANNED, State.ADMITTED],
        State.WITHDRAWN,
    ),
}

CASEWORKER_STEPS = {"apply", "agree", "decline", "close", "withdraw"}


def step_arguments(name: str, referral: Referral) -> dict:
    """Valid arguments for step `name` on a referral walked with `flow_dates()`."""
    dates = flow_dates()
    if name == "agree":
        candidacy_before(referral, dates.agreed_on)
    return {
        "apply": {},
        "agree": {
            "agreed_on": dates.agreed_on,
            "checked_conditions": applicable_conditions(referral.training),
            "caseworker_phone": "09 266 99 00",
            "handover_notes": "Gemotiveerd; zoekt nog kinderopvang voor de woensdag.",
            # The warm handover took place before the agreement was recorded (a referral
            # without one is overdue: `agree__handover_at=None` leaves it out).
            "handover_how": HandoverHow.PHONE,
            "handover_at": timezone.make_aware(
                datetime.datetime.combine(dates.agreed_on, datetime.time(9))
            ),
            "handover_counsellor_name": "Els Claes",
        },
        "decline": {"reason": "De cliënt verhuist naar een andere gemeente."},
        "plan_intake": {"intake_at": dates.intake_at, "place": "VDAB Gent, Kongostraat 7"},
        "admit": {
            "screening": SCREENING,
            "probable_start_date": dates.start,
            "probable_location": "Campus Gent",
        },
        "reject": {"screening": SCREENING, "reason": "Leervermogen onvoldoende voor HBO5."},
        "start": {"start_date": dates.start},
        "end": {"end_date": dates.end, "result": EndResult.PASSED},
        "close": {"continued_by": ContinuedBy.VDAB},
        "withdraw": {"reason": "De cliënt heeft werk gevonden."},
    }[name]


def take_step(name: str, referral: Referral, user, **overrides):
    """Run the service of step `name` with valid arguments (overridable); return its event."""
    kwargs = {**step_arguments(name, referral), **overrides}
    if name == "agree":
        candidacy_before(referral, kwargs["agreed_on"])
    if name == "agree" and kwargs.get("handover_at") and "handover_at" not in overrides:
        # The handover on the agreement's day, at nine or earlier, never in the future.
        nine = datetime.datetime.combine(kwargs["agreed_on"], datetime.time(9))
        kwargs["handover_at"] = min(timezone.make_aware(nine), timezone.now())
    return STEP_SERVICES[name](referral=referral, user=user, **kwargs)


def candidacy_before(referral: Referral, agreed_on: datetime.date) -> None:
    """A candidacy of today agreed on an earlier day (the flow's: 120 days ago) would break
    a rule (candidacy ≤ agreement): the test's candidacy came a week before the agreement.
    To see the agreement refused, call the service itself."""
    if referral.applied_on and referral.applied_on > agreed_on:
        referral.applied_on = agreed_on - WEEK
        Referral.objects.filter(pk=referral.pk).update(applied_on=referral.applied_on)


# The way to each state from `informed`, one step per state reached.
_REACHED_BY = {
    State.CANDIDATE: (State.INFORMED, "apply"),
    State.AGREED: (State.CANDIDATE, "agree"),
    State.DECLINED: (State.CANDIDATE, "decline"),
    State.INTAKE_PLANNED: (State.AGREED, "plan_intake"),
    State.ADMITTED: (State.INTAKE_PLANNED, "admit"),
    State.NOT_ADMITTED: (State.INTAKE_PLANNED, "reject"),
    State.IN_TRAINING: (State.ADMITTED, "start"),
    State.ENDED: (State.IN_TRAINING, "end"),
    State.CLOSED: (State.ENDED, "close"),
    State.WITHDRAWN: (State.CANDIDATE, "withdraw"),
}


def path_to(state: str, via: str | None = None) -> list[str]:
    """The steps from `informed` to `state`; `via` picks the source of close or withdraw."""
    if via is not None:
        name = "close" if state == State.CLOSED else "withdraw"
        return [*path_to(via), name]
    steps = []
    while state != State.INFORMED:
        state, name = _REACHED_BY[state]
        steps.insert(0, name)
    return steps


def counsellor_for(training: Training):
    """The training's contact counsellor, or a new counsellor of the training's region."""
    return training.contact_counsellor or CounsellorFactory(
        organisation=VdabOrganisationFactory(province=training.province)
    )


def referral_in_state(
    state: str,
    *,
    client: Client | None = None,
    training: Training | None = None,
    caseworker=None,
    counsellor=None,
    via: str | None = None,
    **overrides,
) -> Referral:
    """A referral created and walked to `state` through the services, as the people who act.

    The caseworker is of the client's OCMW, the counsellor the training's contact or one of
    its region (each made when not given); dates follow `flow_dates()`. `overrides` are
    `<step>__<argument>` pairs, e.g. `end__result=EndResult.STOPPED_EMPLOYMENT`."""
    client = client or ClientFactory()
    training = training or TrainingFactory()
    people = {"caseworker": caseworker, "counsellor": counsellor}

    def actor(name):
        role = "caseworker" if name in CASEWORKER_STEPS else "counsellor"
        if people[role] is None:
            people[role] = (
                CaseworkerFactory(organisation=client.ocmw)
                if role == "caseworker"
                else counsellor_for(training)
            )
        return people[role]

    referral = services.referral_create(user=actor("apply"), client=client, training=training)
    for name in path_to(state, via):
        step_overrides = {
            key.split("__", 1)[1]: value
            for key, value in overrides.items()
            if key.startswith(f"{name}__")
        }
        take_step(name, referral, actor(name), **step_overrides)
    assert referral.state == state
    return referral


def passed_and_closed(caseworker, training, **people):
    """A referral of `caseworker`'s OCMW that they are responsible for, closed after a
    passed end (a month ago: `flow_dates`)."""
    return referral_in_state(
        State.CLOSED,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=training,
        caseworker=caseworker,
        end__result=EndResult.PASSED,
        **people,
    )
