"""The catalogue in Django admin: a training's start moments and info sessions are kept on
its own page, the list filters on what the app offers, and the functional administrator
may do all of it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import InfoSession, StartMoment, Training
from tests.referrals.factories import StartMomentFactory, TrainingFactory

pytestmark = pytest.mark.django_db


def change_url(training: Training) -> str:
    return reverse("admin:referrals_training_change", args=[training.pk])


def form_data(response) -> dict:
    """The change page's form as a browser would post it back, unchanged."""
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value not in (None, "")
    }
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): v for n, v in management.initial.items()})
    return data


def test_the_training_page_has_start_moments_and_info_sessions_inline(admin_user_client):
    training = TrainingFactory()
    StartMomentFactory(training=training)

    response = admin_user_client.get(change_url(training))

    inlines = {f.opts.model: f for f in response.context["inline_admin_formsets"]}
    assert set(inlines) == {StartMoment, InfoSession}
    assert all(f.has_add_permission and f.has_change_permission for f in inlines.values())
    assert len(inlines[StartMoment].formset.forms) == 1


def test_the_administrator_adds_a_start_moment_and_an_info_session(admin_user_client):
    training = TrainingFactory(hours_per_week=38)
    data = form_data(admin_user_client.get(change_url(training)))
    data.update(
        {
            "start_moments-TOTAL_FORMS": "1",
            "start_moments-0-starts_on": "2027-02-08",
            "start_moments-0-places_available": "14",
            "info_sessions-TOTAL_FORMS": "1",
            "info_sessions-0-starts_at_0": "2027-01-12",
            "info_sessions-0-starts_at_1": "18:30",
            "info_sessions-0-online": "on",
        }
    )

    response = admin_user_client.post(change_url(training), data)

    assert response.status_code == 302, response.context["errors"]
    moment = training.start_moments.get()
    assert (moment.starts_on, moment.places_available) == (datetime.date(2027, 2, 8), 14)
    assert training.info_sessions.get().online


def test_an_info_session_neither_online_nor_somewhere_is_refused(admin_user_client):
    training = TrainingFactory(hours_per_week=38)
    data = form_data(admin_user_client.get(change_url(training)))
    data.update(
        {
            "info_sessions-TOTAL_FORMS": "1",
            "info_sessions-0-starts_at_0": "2027-01-12",
            "info_sessions-0-starts_at_1": "18:30",
        }
    )

    response = admin_user_client.post(change_url(training), data)

    assert response.status_code == 200
    assert "Give the place of the info session, or tick online." in str(
        response.context["inline_admin_formsets"][1].formset.errors
    )
    assert not InfoSession.objects.exists()


def test_more_than_40_hours_a_week_is_refused_in_the_form(admin_user_client):
    training = TrainingFactory(hours_per_week=38)
    data = form_data(admin_user_client.get(change_url(training)))

    response = admin_user_client.post(change_url(training), {**data, "hours_per_week": "41"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "__all__": ["Give between 1 and 40 hours a week."]
    }


@pytest.mark.parametrize(("value", "expected"), [("yes", ["Open"]), ("no", ["Gesloten", "Uit"])])
def test_the_list_filters_on_what_is_offered(admin_user_client, value, expected):
    TrainingFactory(title="Open")
    closed = TrainingFactory(title="Gesloten")
    StartMomentFactory(training=closed, starts_on=timezone.localdate() - datetime.timedelta(1))
    TrainingFactory(title="Uit", active=False)

    response = admin_user_client.get(
        reverse("admin:referrals_training_changelist"), {"offered": value}
    )

    assert sorted(t.title for t in response.context["cl"].result_list) == sorted(expected)
