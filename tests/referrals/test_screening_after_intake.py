"""The screening (admit or reject) waits for the intake's day, in Brussels: before it the
referral page says from when instead of offering the form, the step is refused with that
reason, and 'Mijn werk' lists the intake as planned, not as to screen."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape
from django.utils.translation import gettext

from referrals import services
from referrals.enums import State
from referrals.models import Referral
from tests.referrals.conftest import current_state, error_messages, step_actions, step_post_data
from tests.referrals.factories import ClientFactory, take_step

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
# Late in the evening in Brussels: the UTC day is still the same, the next Brussels day
# starts in half an hour.
NOW = datetime.datetime(2025, 6, 10, 23, 30, tzinfo=BRUSSELS)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def english(client):
    # Messages are compared with the code's own (English) strings.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def brussels(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BRUSSELS)


@pytest.fixture
def intake_on(walk, counsellor):
    """`intake_on(moment)`: a referral of a new Gent client with its intake planned then."""

    def planned(moment: datetime.datetime, **kwargs) -> Referral:
        referral = walk(State.AGREED, **kwargs)
        take_step("plan_intake", referral, counsellor, intake_at=moment)
        return referral

    return planned


def waiting_line(intake_day: datetime.date) -> str:
    with translation.override("en"):
        return gettext("Screening becomes possible from the intake on %(date)s.") % {
            "date": formats.date_format(intake_day, "SHORT_DATE_FORMAT")
        }


def page(client, referral):
    return client.get(reverse("referrals:referral_detail", args=[referral.pk]))


def test_before_the_intake_day_the_page_says_from_when_and_offers_no_screening(
    client, counsellor, intake_on, frozen
):
    tomorrow = TODAY + datetime.timedelta(days=1)
    referral = intake_on(brussels(tomorrow, 0, 30))
    client.force_login(counsellor)

    response = page(client, referral)

    assert response.status_code == 200
    assert not {"admit", "reject"} & step_actions(response)
    assert "withdraw" in step_actions(response)
    # Once, for both steps of the screening.
    assert response.content.decode().count(escape(waiting_line(tomorrow))) == 1


@pytest.mark.parametrize("hour", [0, 23])
def test_on_the_intake_day_the_screening_is_offered_whatever_the_hour(
    client, counsellor, intake_on, frozen, hour
):
    referral = intake_on(brussels(TODAY, hour, 45 if hour == 23 else 0))
    client.force_login(counsellor)

    response = page(client, referral)

    assert {"admit", "reject"} <= step_actions(response)
    assert escape(waiting_line(TODAY)) not in response.content.decode()


@pytest.mark.parametrize("name", ["admit", "reject"])
def test_the_screening_before_the_intake_day_is_refused_with_the_reason(
    client, counsellor, intake_on, frozen, name
):
    tomorrow = TODAY + datetime.timedelta(days=1)
    referral = intake_on(brussels(tomorrow, 9))
    client.force_login(counsellor)
    data = step_post_data(name, referral, probable_start_date=(tomorrow).isoformat())

    response = client.post(reverse("referrals:referral_step", args=[referral.pk, name]), data)

    assert response.status_code == 302
    assert error_messages(response) == [waiting_line(tomorrow)]
    assert current_state(referral) == State.INTAKE_PLANNED


def test_the_service_refuses_the_screening_before_the_intake_day(counsellor, intake_on, frozen):
    tomorrow = TODAY + datetime.timedelta(days=1)
    referral = intake_on(brussels(tomorrow, 9))

    with translation.override("en"), pytest.raises(services.TransitionRefused) as refused:
        take_step("reject", referral, counsellor)

    assert [str(m) for m in refused.value.messages] == [waiting_line(tomorrow)]
    assert current_state(referral) == State.INTAKE_PLANNED


def test_mijn_werk_lists_future_intakes_as_planned_by_date_and_the_others_to_screen(
    client, counsellor, gent_client, intake_on, frozen
):
    def other_client():
        return ClientFactory(ocmw=gent_client.ocmw)

    in_a_week = intake_on(brussels(TODAY + datetime.timedelta(days=7)), client=other_client())
    # Tomorrow in Brussels, still today in UTC.
    tomorrow = intake_on(brussels(TODAY + datetime.timedelta(days=1), 0, 30))
    today = intake_on(brussels(TODAY, 23, 0), client=other_client())
    yesterday = intake_on(brussels(TODAY - datetime.timedelta(days=1)), client=other_client())
    client.force_login(counsellor)

    response = client.get(reverse("referrals:dashboard"))

    groups = {g.work.code: g.rows for g in response.context["groups"]}
    agenda = {a.code: a.rows for a in response.context["agenda"]}
    assert {r.pk for r in groups["screen"]} == {today.pk, yesterday.pk}
    # The coming week's intakes by their moment, today's (to screen already) included.
    assert [r.pk for r in agenda["intakes"]] == [today.pk, tomorrow.pk, in_a_week.pk]


def test_a_planned_intake_without_a_moment_waits_for_its_screening(
    client, counsellor, intake_on, frozen
):
    """An imported referral may have no intake moment: nothing to wait for."""
    referral = intake_on(brussels(TODAY + datetime.timedelta(days=3)))
    Referral.objects.filter(pk=referral.pk).update(intake_at=None)
    client.force_login(counsellor)

    context = client.get(reverse("referrals:dashboard")).context
    groups = {g.work.code: g.rows for g in context["groups"]}
    agenda = {a.code: a.rows for a in context["agenda"]}

    assert [r.pk for r in groups["screen"]] == [referral.pk]
    assert agenda["intakes"] == []
    assert {"admit", "reject"} <= step_actions(page(client, referral))
