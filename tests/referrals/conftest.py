"""A client, the walk of a referral and the scene around it for the view tests, the
referrals the lists' tests list, helpers to read responses, and an administrator's client
and an ended referral for the admin tests.

The people and the training are the cast of tests/conftest.py; here the client of OCMW Gent
with OCMW-only data filled in, on whom the Gent caseworker and the Oost-Vlaanderen
counsellor act."""

import datetime
import re

import pytest
from django.contrib.messages import constants, get_messages
from django.utils import timezone, translation

from referrals.enums import State
from referrals.models import GuidanceNote, OutcomeCheck, Referral, SchoolYear
from tests.accounts.factories import CaseworkerFactory, OcmwFactory
from tests.referrals.factories import (
    SCREENING,
    ClientFactory,
    TemporaryWorkExperienceFactory,
    TrainingFactory,
    applicable_conditions,
    candidacy_before,
    flow_dates,
    make_insz,
    referral_in_state,
)

# --- what they work on --------------------------------------------------------------------


@pytest.fixture
def referrals(caseworker, training):
    """Three of the caseworker's OCMW (two theirs), one of another OCMW: what the lists'
    tests (test_referral_list, test_client_list, test_list_downloads) list."""
    ocmw = caseworker.organisation
    colleague = CaseworkerFactory(organisation=ocmw)
    return {
        "an": referral_in_state(
            State.AGREED,
            client=ClientFactory(ocmw=ocmw, first_name="An", last_name="Aerts"),
            training=training,
            caseworker=caseworker,
        ),
        "bart": referral_in_state(
            State.IN_TRAINING,
            client=ClientFactory(ocmw=ocmw, first_name="Bart", last_name="Bosmans"),
            training=TrainingFactory(title="Boekhouder", province=training.province),
            caseworker=caseworker,
        ),
        "cas": referral_in_state(
            State.CANDIDATE,
            client=ClientFactory(ocmw=ocmw, first_name="Cas", last_name="Claeys"),
            training=training,
            caseworker=colleague,
        ),
        "elsewhere": referral_in_state(
            State.AGREED,
            client=ClientFactory(ocmw=OcmwFactory(municipality="Aalst"), last_name="Aerts"),
            training=training,
        ),
    }


@pytest.fixture
def gent_client(ocmw_gent):
    """A client of OCMW Gent with data only the OCMW may read (notes, street, GPMI)."""
    return ClientFactory(
        ocmw=ocmw_gent,
        first_name="Fatima",
        last_name="Elouardi",
        insz=make_insz(datetime.date(1988, 2, 14), 62),
        vdab_client_number="VD7788123",
        street="Kortrijksesteenweg 412",
        postal_code="9000",
        municipality="Gent",
        notes="Budgetbegeleiding loopt sinds maart wegens schulden bij de energieleverancier",
        gpmi=True,
        gpmi_date=timezone.localdate() - datetime.timedelta(days=200),
    )


# A candidacy by VDAB: the name the counsellor types, and a number no OCMW knows.
TYPED = {"first_name": "Yasmine", "last_name": "Bakkali"}
OTHER_INSZ = make_insz(datetime.date(1991, 4, 12), 35)


@pytest.fixture
def probe(client, counsellor, gent_client, training):
    """What the counsellor types: the Gent client's number with a name of their own."""
    client.force_login(counsellor)
    return {"ocmw": gent_client.ocmw_id, "insz": gent_client.insz, "training": training.pk, **TYPED}


@pytest.fixture
def walk(gent_client, training, caseworker, counsellor):
    """`walk(state)`: a referral of the Gent client for the training, walked to `state`
    through the services by the Gent caseworker and the Oost-Vlaanderen counsellor."""

    def walk_to(state, **kwargs):
        kwargs.setdefault("client", gent_client)
        kwargs.setdefault("training", training)
        return referral_in_state(state, caseworker=caseworker, counsellor=counsellor, **kwargs)

    return walk_to


@pytest.fixture
def scene(gent_client, walk):
    """The Gent client in training (so notes, steps and the agreement all exist)."""
    referral = walk(State.IN_TRAINING)
    return {
        "client": gent_client,
        "referral": referral,
        "other_training": TrainingFactory(title="Boekhouder"),
    }


# --- the admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_user_client(client, administrator):
    # Messages are compared with the code's own (English) strings.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(administrator)
    return client


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
    SchoolYear.objects.create(
        referral=referral, year=referral.start_date.year, result="passed", recorded_by=None
    )
    TemporaryWorkExperienceFactory(client=referral.client)
    return referral


# --- reading responses --------------------------------------------------------------------


def messages_of(response) -> list:
    """The messages queued for the user by the request that gave `response`."""
    return list(get_messages(response.wsgi_request))


def error_messages(response) -> list[str]:
    return [str(m) for m in messages_of(response) if m.level == constants.ERROR]


def success_messages(response) -> list[str]:
    return [str(m) for m in messages_of(response) if m.level == constants.SUCCESS]


STEP_ACTION = re.compile(r'action="/referrals/(\d+)/step/([\w-]+)/"')


def step_actions(response) -> set[str]:
    """The step names of the forms on a referral page (read from their action URLs)."""
    return {name for _pk, name in STEP_ACTION.findall(response.content.decode())}


def in_ui_language(text_factory):
    """A message as the page shows it: rendered in the site language (nl-be)."""
    with translation.override("nl-be"):
        return str(text_factory())


def bound_step_form(response, name: str):
    """The form of step `name` as re-rendered on a 400 referral page."""
    return dict((step.name, form) for step, form in response.context["steps"])[name]


def current_state(referral) -> str:
    return Referral.objects.get(pk=referral.pk).state


def local_minutes(value: datetime.datetime) -> str:
    """A datetime as a datetime-local input sends it."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


# The steps that cannot be undone: their forms ask for a ticked box (ConfirmationMixin).
CONFIRMED_STEPS = {"decline", "reject", "close", "withdraw"}


def step_post_data(name: str, referral, **overrides) -> dict:
    """A valid POST for step `name` on a referral walked with `flow_dates()`."""
    dates = flow_dates()
    if name == "agree":
        candidacy_before(referral, dates.agreed_on)
    data = {
        "apply": {},
        "agree": {
            "checked_conditions": [c.pk for c in applicable_conditions(referral.training)],
            "agreed_on": dates.agreed_on.isoformat(),
            "caseworker_phone": "09 266 12 34",
            "handover_notes": "Gemotiveerd; kinderopvang op woensdag nog te regelen.",
            "handover_how": "phone",
            "handover_at": "",
            "handover_counsellor": "",
            "handover_counsellor_name": "",
        },
        "decline": {"reason": "De cliënt verhuist naar Antwerpen."},
        "plan_intake": {"intake_at": local_minutes(dates.intake_at), "place": "VDAB Gent"},
        "admit": {
            **SCREENING,
            "probable_start_date": dates.start.isoformat(),
            "probable_location": "Campus Gent",
        },
        "reject": {**SCREENING, "reason": "Leervermogen onvoldoende voor HBO5."},
        "start": {"start_date": dates.start.isoformat()},
        "end": {"end_date": dates.end.isoformat(), "result": "passed", "stop_reason": ""},
        "close": {"continued_by": "vdab"},
        "withdraw": {"reason": "De cliënt heeft werk gevonden."},
    }[name]
    if name in CONFIRMED_STEPS:  # the box that says the step cannot be undone
        data = {**data, "confirmed": "on"}
    return {"state": referral.state, **data, **overrides}


def client_post_data(client=None, **overrides) -> dict:
    """A valid POST for the client form, with an empty temporary-work-experience formset."""
    data = {
        "first_name": "Jonas",
        "last_name": "De Smet",
        "insz": make_insz(datetime.date(1985, 7, 30), 33),
        "gender": "",
        "phone": "0470 12 34 56",
        "email": "jonas.desmet@example.org",
        "street": "Sint-Pietersnieuwstraat 1",
        "postal_code": "9000",
        "municipality": "Gent",
        "registered_job_seeker": "on",
        "vdab_client_number": "",
        # A new client's consent (the edit form has no such fields, and ignores them).
        "consent_given_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "consent_reference": "",
        "gpmi": "",
        "gpmi_date": "",
        "notes": "",
        **formset_management(),
    }
    if client is not None:
        data.update(
            first_name=client.first_name,
            last_name=client.last_name,
            insz=client.insz,
        )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def formset_management(total: int = 1, initial: int = 0) -> dict:
    prefix = "temporary_work_experiences"
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def counsellors_referral(caseworker, counsellor, training):
    """Makes a referral of the caseworker's OCMW in `state`, the counsellor's, with `fields`
    set (since when it waits, its dates); gives its key."""

    def made(state, **fields):
        referral = referral_in_state(
            state,
            client=ClientFactory(ocmw=caseworker.organisation),
            training=training,
            counsellor=counsellor,
        )
        Referral.objects.filter(pk=referral.pk).update(**fields)
        return referral.pk

    return made


@pytest.fixture
def one_of_each(caseworker, counsellor, training):
    """A referral of the caseworker's OCMW in every state, walked by the two of them."""
    return {
        state: referral_in_state(
            state,
            client=ClientFactory(ocmw=caseworker.organisation),
            training=training,
            caseworker=caseworker,
            counsellor=counsellor,
        )
        for state in State.values
    }
