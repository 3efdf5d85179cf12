"""The whole flow through the web pages, as the caseworker and the counsellor click it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from referrals.enums import EndResult, State
from referrals.history_presenters import EVENT_LABELS
from referrals.models import Client, OutcomeCheck, Referral
from tests.referrals.conftest import (
    client_post_data,
    error_messages,
    formset_management,
    in_ui_language,
    step_actions,
    success_messages,
)
from tests.referrals.factories import applicable_conditions, make_insz

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=BRUSSELS)


# The days of the flow: agreement on a Monday, intake ten days later, start in February,
# end (passed) in December, the 3-month check-up in March of the next year.
AGREE_DAY = datetime.date(2025, 1, 6)
PLAN_DAY = datetime.date(2025, 1, 8)
INTAKE_AT = "2025-01-16T10:00"
ADMIT_DAY = datetime.date(2025, 1, 16)
START_DAY = datetime.date(2025, 2, 3)
NOTE_DAY = datetime.date(2025, 3, 10)
END_DAY = datetime.date(2025, 12, 19)
CHECKUP_DUE = datetime.date(2026, 3, 19)


class Browser:
    """The test client acting as one person at a time; logs in again after time travel,
    since a session does not outlive its expiry date."""

    def __init__(self, client):
        self.client = client

    def as_(self, user):
        self.client.logout()
        self.client.force_login(user)
        return self.client


def post_step(http, referral, name, data):
    referral.refresh_from_db()
    return http.post(
        reverse("referrals:referral_step", args=[referral.pk, name]),
        {"state": referral.state, **data},
    )


def assert_step_done(response, referral, state):
    assert response.status_code == 302, getattr(response, "context", None) and [
        (step.name, form.errors) for step, form in response.context["steps"]
    ]
    assert response["Location"] == reverse("referrals:referral_detail", args=[referral.pk])
    assert not error_messages(response)
    assert success_messages(response)
    assert Referral.objects.get(pk=referral.pk).state == state


def test_done_when_scenario(client, caseworker, counsellor, training):
    browser = Browser(client)
    with time_machine.travel(at(AGREE_DAY), tick=False) as traveller:
        # The caseworker registers the client, with a past temporary work experience.
        http = browser.as_(caseworker)
        insz = make_insz(datetime.date(1990, 5, 17), 123)
        response = http.post(
            reverse("referrals:client_create"),
            client_post_data(
                first_name="Sara",
                last_name="Van Damme",
                insz=insz,
                notes="Alleenstaande moeder van twee kinderen.",
                **formset_management(total=1),
                **{
                    "temporary_work_experiences-0-start_date": "2023-01-02",
                    "temporary_work_experiences-0-end_date": "2024-06-30",
                    "temporary_work_experiences-0-employer": "Kringwinkel Gent",
                },
            ),
        )
        person = Client.objects.get(insz=insz)
        assert response.status_code == 302
        assert response["Location"] == reverse("referrals:client_detail", args=[person.pk])
        assert person.ocmw == caseworker.organisation
        assert person.birth_date == datetime.date(1990, 5, 17)
        assert list(person.temporary_work_experiences.values_list("employer", "created_by")) == [
            ("Kringwinkel Gent", caseworker.pk)
        ]

        # ... registers the candidacy straight away ...
        response = http.post(
            reverse("referrals:referral_create", args=[person.pk]),
            {"training": training.pk, "apply": "on"},
        )
        referral = Referral.objects.get(client=person, training=training)
        assert response.status_code == 302
        assert response["Location"] == referral.get_absolute_url()
        assert referral.state == State.CANDIDATE

        # ... and formally agrees, with the warm-handover details.
        page = http.get(referral.get_absolute_url())
        assert step_actions(page) == {"agree", "decline", "withdraw"}
        response = post_step(
            http,
            referral,
            "agree",
            {
                "checked_conditions": [c.pk for c in applicable_conditions(training)],
                "agreed_on": AGREE_DAY.isoformat(),
                "caseworker_phone": "09 266 55 44",
                "handover_notes": "Wil in de zorg werken; opvang voor de kinderen is geregeld.",
                "handover_how": "phone",
                "handover_at": "2025-01-06T09:00",
                "handover_counsellor_name": "Els Claes",
            },
        )
        assert_step_done(response, referral, State.AGREED)
        referral.refresh_from_db()
        assert referral.caseworker == caseworker
        assert referral.agreed_on == AGREE_DAY
        assert referral.handover_at == at(AGREE_DAY, 9)
        assert referral.handover_with == "Els Claes"
        assert set(referral.checked_conditions.all()) == set(applicable_conditions(training))

        # The printable agreement.
        response = http.get(reverse("referrals:referral_agreement", args=[referral.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "09 266 55 44" in html
        assert escape(training.title) in html
        assert escape(str(caseworker)) in html

        # The counsellor of the region plans the intake ...
        traveller.move_to(at(PLAN_DAY))
        http = browser.as_(counsellor)
        page = http.get(referral.get_absolute_url())
        assert page.status_code == 200
        assert step_actions(page) == {"plan_intake", "withdraw"}
        response = post_step(
            http, referral, "plan_intake", {"intake_at": INTAKE_AT, "place": "VDAB Gent"}
        )
        assert_step_done(response, referral, State.INTAKE_PLANNED)

        # ... admits after the intake ...
        traveller.move_to(at(ADMIT_DAY, 14))
        http = browser.as_(counsellor)
        response = post_step(
            http,
            referral,
            "admit",
            {
                "motivation": "Sterk gemotiveerd.",
                "preconditions": "Opvang en vervoer geregeld.",
                "path_fit": "Knelpuntberoep.",
                "learning_ability": "Goed.",
                "probable_start_date": START_DAY.isoformat(),
                "probable_location": "Campus Gent",
            },
        )
        assert_step_done(response, referral, State.ADMITTED)

        # ... and reports the start.
        traveller.move_to(at(START_DAY))
        http = browser.as_(counsellor)
        response = post_step(http, referral, "start", {"start_date": START_DAY.isoformat()})
        assert_step_done(response, referral, State.IN_TRAINING)

        # During the training the caseworker writes a guidance note; the counsellor reads it.
        traveller.move_to(at(NOTE_DAY))
        http = browser.as_(caseworker)
        note = "Twee dagen afwezig: kind ziek. Opvang voor zieke kinderen zoeken."
        response = http.post(
            reverse("referrals:referral_note_add", args=[referral.pk]),
            {"written_on": NOTE_DAY.isoformat(), "topic": "attendance", "note": note},
        )
        assert response.status_code == 302
        assert success_messages(response)
        http = browser.as_(counsellor)
        assert escape(note) in http.get(referral.get_absolute_url()).content.decode()

        # The counsellor reports the end: passed.
        traveller.move_to(at(END_DAY))
        http = browser.as_(counsellor)
        response = post_step(
            http,
            referral,
            "end",
            {"end_date": END_DAY.isoformat(), "result": EndResult.PASSED, "stop_reason": ""},
        )
        assert_step_done(response, referral, State.ENDED)

        # The referral page shows the whole timeline, in the order of the flow.
        page = http.get(referral.get_absolute_url())
        html = page.content.decode()
        timeline = html[html.index('id="timeline-heading"') :]
        labels = [
            in_ui_language(lambda n=name: EVENT_LABELS[n])
            for name in ["create", "apply", "agree", "plan_intake", "admit", "start", "end"]
        ]
        positions = [timeline.find(f"<strong>{escape(label)}</strong>") for label in labels]
        assert -1 not in positions, dict(zip(labels, positions, strict=True))
        assert positions == sorted(positions)
        assert timeline.count("<li>") == len(labels)

        # A check-up is refused before it is due ...
        outcome_url = reverse("referrals:referral_outcome", args=[referral.pk])
        response = http.post(
            outcome_url,
            {"months": "3", "at_work": "yes", "checked_on": END_DAY.isoformat()},
        )
        assert response.status_code == 400
        assert "checked_on" in response.context["outcome_form"].errors
        assert not OutcomeCheck.objects.exists()

        # ... and recorded once due, three months after the end.
        traveller.move_to(at(CHECKUP_DUE))
        http = browser.as_(caseworker)
        response = http.post(
            outcome_url,
            {"months": "3", "at_work": "yes", "checked_on": CHECKUP_DUE.isoformat()},
        )
        assert response.status_code == 302
        assert success_messages(response)
        check = OutcomeCheck.objects.get(referral=referral)
        assert (check.months, check.at_work, check.checked_by) == (3, "yes", caseworker)
        page = http.get(referral.get_absolute_url())
        assert [row["check"] for row in page.context["outcomes"]] == [check, None, None, None]


def test_referral_registered_without_candidacy_stays_informed(
    client, caseworker, gent_client, training
):
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:referral_create", args=[gent_client.pk]), {"training": training.pk}
    )

    referral = Referral.objects.get(client=gent_client)
    assert response.status_code == 302
    assert referral.state == State.INFORMED
    assert list(referral.events.values_list("transition", flat=True)) == ["create"]


def test_counsellor_note_reaches_the_caseworker(client, caseworker, counsellor, walk):
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)
    note = "Risico op uitval: mist de lessen anatomie."

    response = client.post(
        reverse("referrals:referral_note_add", args=[referral.pk]),
        {"written_on": referral.start_date.isoformat(), "topic": "dropout_risk", "note": note},
    )

    assert response.status_code == 302
    client.force_login(caseworker)
    page = client.get(referral.get_absolute_url())
    assert escape(note) in page.content.decode()
    assert [row["note"].note for row in page.context["notes"]] == [note]


def test_caseworker_can_close_after_the_end(client, caseworker, walk):
    referral = walk(State.ENDED)
    client.force_login(caseworker)

    response = post_step(client, referral, "close", {"continued_by": "ocmw", "confirmed": "on"})

    assert_step_done(response, referral, State.CLOSED)
    assert Referral.objects.get(pk=referral.pk).continued_by == "ocmw"
