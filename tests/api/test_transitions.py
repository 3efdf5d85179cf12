"""A referral's steps through the API: which are open and why others are blocked, each
answer a step can get, and the whole flow, recorded as the web's steps record it."""

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from referrals.enums import ContinuedBy, EndResult, HandoverHow, State
from referrals.models import Referral, ReferralEvent
from referrals.services import consent_withdraw
from tests.referrals.factories import (
    SCREENING,
    WEEK,
    ClientFactory,
    applicable_conditions,
    flow_dates,
    referral_in_state,
)

pytestmark = pytest.mark.django_db


def transitions(referral) -> str:
    return reverse("api:referral-transitions", args=[referral.pk])


def step_url(referral, name: str) -> str:
    return reverse(f"api:referral-transition-{name}", args=[referral.pk])


@pytest.fixture
def walk(ocmw_gent, training, caseworker, counsellor):
    """`walk(state)`: a referral of a new Gent client, walked to `state` through the
    services by the Gent caseworker and the Oost-Vlaanderen counsellor; its candidacy a
    week before the flow's agreement, so that the flow's dates fit it."""

    def walk_to(state, **kwargs):
        kwargs.setdefault("client", ClientFactory(ocmw=ocmw_gent))
        return referral_in_state(
            state,
            training=training,
            caseworker=caseworker,
            counsellor=counsellor,
            apply__applied_on=flow_dates().agreed_on - WEEK,
            **kwargs,
        )

    return walk_to


# --- what may be taken now --------------------------------------------------------------------


def test_the_steps_list_says_what_is_open_and_why_a_step_is_blocked(api_for, caseworker, walk):
    referral = walk(State.CANDIDATE)
    consent_withdraw(client=referral.client, user=caseworker, withdrawn_on=timezone.localdate())

    response = api_for(caseworker).get(transitions(referral))

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == State.CANDIDATE
    assert body["available"] == [
        {"name": "decline", "label": "Decline"},
        {"name": "withdraw", "label": "Withdraw"},
    ]
    [blocked] = body["blocked"]
    assert blocked["name"] == "agree"
    assert blocked["label"] == "Formally agree"
    assert len(blocked["reasons"]) == 1
    assert "consent" in blocked["reasons"][0]


def test_the_steps_list_is_each_sides_own(api_for, caseworker, counsellor, walk):
    """Before the intake day VDAB's screening steps are blocked, the OCMW has none of them."""
    referral = walk(
        State.INTAKE_PLANNED,
        plan_intake__intake_at=timezone.now() + datetime.timedelta(days=3),
    )

    theirs = api_for(counsellor).get(transitions(referral)).json()
    ours = api_for(caseworker).get(transitions(referral)).json()

    assert [step["name"] for step in theirs["available"]] == ["withdraw"]
    assert [step["name"] for step in theirs["blocked"]] == ["admit", "reject"]
    assert all(step["reasons"] for step in theirs["blocked"])
    assert [step["name"] for step in ours["available"]] == ["withdraw"]
    assert ours["blocked"] == []


def test_the_steps_list_is_in_the_callers_language(api_for, caseworker, walk):
    referral = walk(State.CANDIDATE)

    response = api_for(caseworker).get(transitions(referral), HTTP_ACCEPT_LANGUAGE="nl")

    labels = [step["label"] for step in response.json()["available"]]
    assert "Formally agree" not in labels
    assert len(labels) == 3


# --- each answer of a step ---------------------------------------------------------------------


def intake(days: int = 3) -> dict:
    at = timezone.localtime() + datetime.timedelta(days=days)
    return {"intake_at": at.replace(second=0, microsecond=0).isoformat(), "place": "VDAB Gent"}


def test_a_step_taken_answers_the_referral_in_its_new_state(api_for, counsellor, walk):
    referral = walk(State.AGREED)
    events = ReferralEvent.objects.filter(referral=referral)
    before = events.count()

    response = api_for(counsellor).post(
        step_url(referral, "plan_intake"), {"state": State.AGREED, **intake()}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == referral.pk
    assert body["state"] == State.INTAKE_PLANNED
    assert body["intake_place"] == "VDAB Gent"
    assert body["counsellor"]["id"] == counsellor.pk
    assert events.count() == before + 1
    line = events.last()
    assert (line.transition, line.from_state, line.to_state, line.actor) == (
        "plan_intake",
        State.AGREED,
        State.INTAKE_PLANNED,
        counsellor,
    )


def test_a_step_without_a_state_is_taken_from_the_state_it_is_in(api_for, counsellor, walk):
    referral = walk(State.AGREED)

    response = api_for(counsellor).post(step_url(referral, "plan_intake"), intake(), format="json")

    assert response.status_code == 200
    assert response.json()["state"] == State.INTAKE_PLANNED


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_step_with_wrong_fields_is_a_400_in_the_callers_language(
    api_for, counsellor, walk, language
):
    referral = walk(State.AGREED)
    with translation.override(language):
        required = str(forms.Field.default_error_messages["required"])  # as the page says

    response = api_for(counsellor).post(
        step_url(referral, "plan_intake"),
        {"place": ""},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.json() == {"intake_at": [required], "place": [required]}
    assert (required == "This field is required.") == (language == "en")
    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


def test_a_step_checks_its_dates_as_the_page_does(api_for, counsellor, walk):
    referral = walk(State.AGREED)
    before_agreement = datetime.datetime.combine(
        referral.agreed_on - datetime.timedelta(days=1), datetime.time(10)
    )

    response = api_for(counsellor).post(
        step_url(referral, "plan_intake"),
        {"intake_at": before_agreement.isoformat(), "place": "VDAB Gent"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"intake_at": ["The intake cannot be before the formal agreement."]}


def test_a_body_that_is_not_an_object_is_a_400(api_for, counsellor, walk):
    referral = walk(State.AGREED)

    response = api_for(counsellor).post(step_url(referral, "plan_intake"), [1, 2], format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"non_field_errors"}


def test_another_sides_step_is_a_403(api_for, caseworker, walk):
    referral = walk(State.AGREED)

    response = api_for(caseworker).post(step_url(referral, "plan_intake"), intake(), format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "You may not take this step for this referral."}
    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


def test_another_sides_step_with_an_old_state_is_a_403_telling_nothing_more(
    api_for, caseworker, walk
):
    """Not a 409 naming who moved the referral on: the step is not the caller's anyway."""
    referral = walk(State.INTAKE_PLANNED)

    response = api_for(caseworker).post(
        step_url(referral, "admit"), {"state": State.AGREED}, format="json"
    )

    assert response.status_code == 403


def test_a_state_that_is_no_state_is_a_400(api_for, counsellor, walk):
    referral = walk(State.AGREED)

    response = api_for(counsellor).post(
        step_url(referral, "plan_intake"), {"state": "xyz", **intake()}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"state"}
    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


def test_another_organisations_referral_is_a_404(api_for, caseworker_of_other_ocmw, walk):
    referral = walk(State.CANDIDATE)

    response = api_for(caseworker_of_other_ocmw).post(
        step_url(referral, "decline"), {"reason": "Verhuisd."}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_404_is_in_the_callers_language(api_for, caseworker_of_other_ocmw, walk):
    referral = walk(State.CANDIDATE)

    response = api_for(caseworker_of_other_ocmw).get(
        transitions(referral), HTTP_ACCEPT_LANGUAGE="nl"
    )

    assert response.json() == {"detail": "Niet gevonden."}


def test_a_step_on_a_referral_that_moved_on_is_a_409_changed(api_for, counsellor, walk):
    referral = walk(State.INTAKE_PLANNED)

    response = api_for(counsellor).post(
        step_url(referral, "plan_intake"), {"state": State.AGREED, **intake()}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "changed"
    assert body["reasons"] and body["detail"] == " ".join(body["reasons"])
    assert ReferralEvent.objects.filter(referral=referral, transition="plan_intake").count() == 1


def test_a_step_the_state_does_not_lead_to_is_a_409_not_possible(api_for, counsellor, walk):
    referral = walk(State.AGREED)

    response = api_for(counsellor).post(
        step_url(referral, "start"), {"start_date": timezone.localdate().isoformat()}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_possible"
    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


def test_a_step_whose_condition_is_not_met_is_a_409_blocked(api_for, counsellor, walk):
    referral = walk(
        State.INTAKE_PLANNED,
        plan_intake__intake_at=timezone.now() + datetime.timedelta(days=3),
    )
    admit = {
        **SCREENING,
        "probable_start_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "probable_location": "Campus Gent",
    }

    response = api_for(counsellor).post(step_url(referral, "admit"), admit, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "blocked"
    assert len(body["reasons"]) == 1
    assert Referral.objects.get(pk=referral.pk).state == State.INTAKE_PLANNED


def test_a_blocked_step_says_why_in_the_callers_language(api_for, caseworker, walk):
    referral = walk(State.CANDIDATE)
    consent_withdraw(client=referral.client, user=caseworker, withdrawn_on=timezone.localdate())
    english = api_for(caseworker).get(transitions(referral)).json()["blocked"][0]["reasons"]

    response = api_for(caseworker).post(
        step_url(referral, "agree"), {}, format="json", HTTP_ACCEPT_LANGUAGE="nl"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "blocked"
    assert response.json()["reasons"] != english


# --- the whole flow, as the web records it --------------------------------------------------


def flow(training) -> list[tuple[str, str, dict]]:
    """(who, step, fields) from the candidacy to the closure, with the flow's dates."""
    dates = flow_dates()
    return [
        (
            "caseworker",
            "agree",
            {
                "checked_conditions": [c.pk for c in applicable_conditions(training)],
                "agreed_on": dates.agreed_on.isoformat(),
                "caseworker_phone": "09 266 55 44",
                "handover_notes": "Wil in de zorg werken; opvang is geregeld.",
                "handover_how": HandoverHow.PHONE,
                "handover_at": f"{dates.agreed_on.isoformat()}T09:00",
                "handover_counsellor_name": "Els Claes",
            },
        ),
        (
            "counsellor",
            "plan_intake",
            {"intake_at": f"{dates.intake_day.isoformat()}T10:00", "place": "VDAB Gent"},
        ),
        (
            "counsellor",
            "admit",
            {
                **SCREENING,
                "probable_start_date": dates.start.isoformat(),
                "probable_location": "Campus Gent",
            },
        ),
        ("counsellor", "start", {"start_date": dates.start.isoformat()}),
        ("counsellor", "end", {"end_date": dates.end.isoformat(), "result": EndResult.PASSED}),
        ("counsellor", "close", {"continued_by": ContinuedBy.VDAB}),
    ]


def recorded(referral) -> dict:
    """What a walk left: its history lines and its outbox rows, without ids and times."""
    return {
        "state": Referral.objects.get(pk=referral.pk).state,
        "history": list(
            referral.events.order_by("at", "pk").values_list(
                "transition", "from_state", "to_state", "actor", "reason", "data"
            )
        ),
        "outbox": sorted(
            Notification.objects.filter(referral=referral).values_list(
                "kind", "recipient", "channel", "status"
            )
        ),
    }


def test_the_whole_flow_through_the_api_records_what_the_pages_record(
    api_for, client, caseworker, counsellor, training, walk
):
    by_api, by_pages = walk(State.CANDIDATE), walk(State.CANDIDATE)
    people = {"caseworker": caseworker, "counsellor": counsellor}
    systems = {name: api_for(user) for name, user in people.items()}

    for who, name, fields in flow(training):
        state = Referral.objects.get(pk=by_api.pk).state
        response = systems[who].post(
            step_url(by_api, name), {"state": state, **fields}, format="json"
        )
        assert response.status_code == 200, (name, response.content)
        assert response.json()["state"] == Referral.objects.get(pk=by_api.pk).state != state

        client.force_login(people[who])
        response = client.post(
            reverse("referrals:referral_step", args=[by_pages.pk, name]),
            {"state": state, "confirmed": "on", **fields},
        )
        assert response.status_code == 302, (name, response.content[:2000])

    api, pages = recorded(by_api), recorded(by_pages)
    assert api["state"] == State.CLOSED
    assert [line[0] for line in api["history"]] == [
        "create",
        "apply",
        "agree",
        "plan_intake",
        "admit",
        "start",
        "end",
        "close",
    ]
    assert api["outbox"], "the steps tell the other side"
    assert api == pages
