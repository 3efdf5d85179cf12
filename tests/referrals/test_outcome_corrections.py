"""An outflow check-up recorded leaves a line in the referral's history and a row in the
audit trail; a second answer for the same check-up corrects the first and keeps it in both,
and the referral page shows the answer before and after, in Dutch and in English."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit import trail
from audit.models import Entry, Kind
from referrals import services
from referrals.enums import CHECKUP_CORRECTED, CHECKUP_RECORDED, AtWork, State
from referrals.models import OutcomeCheck
from referrals.reports import cache as figures_cache
from referrals.services import followup

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(walk):
    """A referral that passed long enough ago for its 3-month check-up to be due."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=200), tick=False):
        return walk(State.ENDED)


def due(referral, months: int = 3) -> datetime.date:
    return referral.outcome_due_date(months)


def record(referral, user, at_work, *, months=3, checked_on=None):
    return services.outcome_check_record(
        referral=referral,
        user=user,
        months=months,
        at_work=at_work,
        checked_on=checked_on or due(referral, months),
    )


def checkup_lines(referral):
    return list(
        referral.events.filter(transition__in=[CHECKUP_RECORDED, CHECKUP_CORRECTED]).values_list(
            "transition", "actor", "data"
        )
    )


def changes_of(referral):
    return list(
        Entry.objects.filter(kind=Kind.CHANGE, referral_id=referral.pk)
        .order_by("pk")
        .values_list("actor", "detail")
    )


def test_a_check_up_recorded_leaves_a_history_line_and_a_row(ended, caseworker):
    check = record(ended, caseworker, AtWork.YES)

    assert checkup_lines(ended) == [
        (
            CHECKUP_RECORDED,
            caseworker.pk,
            {"months": 3, "after": {"at_work": "yes", "checked_on": due(ended).isoformat()}},
        )
    ]
    [(actor, detail)] = changes_of(ended)
    assert (actor, detail["action"], detail["id"]) == (caseworker.pk, "added", check.pk)
    assert detail["fields"]["at_work"] == [None, "yes"]


def test_a_correction_keeps_the_answer_it_replaces(ended, caseworker, counsellor):
    check = record(ended, caseworker, AtWork.YES)
    later = due(ended) + datetime.timedelta(days=2)

    record(ended, counsellor, AtWork.NO, checked_on=later)

    check.refresh_from_db()
    assert (check.at_work, check.checked_on, check.checked_by) == ("no", later, counsellor)
    assert checkup_lines(ended)[1] == (
        CHECKUP_CORRECTED,
        counsellor.pk,
        {
            "months": 3,
            "before": {"at_work": "yes", "checked_on": due(ended).isoformat()},
            "after": {"at_work": "no", "checked_on": later.isoformat()},
        },
    )
    actor, detail = changes_of(ended)[1]
    assert (actor, detail["action"]) == (counsellor.pk, "changed")
    assert detail["fields"] == {
        "at_work": ["yes", "no"],
        "checked_on": [due(ended).isoformat(), later.isoformat()],
        "checked_by": [caseworker.pk, counsellor.pk],
    }


def test_the_same_answer_again_changes_nothing(ended, caseworker, counsellor):
    record(ended, caseworker, AtWork.YES)

    record(ended, counsellor, AtWork.YES)

    assert OutcomeCheck.objects.get().checked_by == caseworker
    assert len(checkup_lines(ended)) == 1
    assert len(changes_of(ended)) == 1


def test_an_answer_recorded_meanwhile_by_someone_else_is_corrected(
    ended, caseworker, counsellor, monkeypatch
):
    """Both saw no answer yet; the second to save corrects the first, it does not fail."""
    record(ended, caseworker, AtWork.YES)
    looked_up = followup._locked_check
    answers = iter([None])  # the first look finds nothing, as it did for both
    monkeypatch.setattr(
        followup, "_locked_check", lambda *args: next(answers, None) or looked_up(*args)
    )

    record(ended, counsellor, AtWork.NO)

    assert OutcomeCheck.objects.get().at_work == "no"
    assert [line[0] for line in checkup_lines(ended)] == [CHECKUP_RECORDED, CHECKUP_CORRECTED]


def test_no_correction_without_its_history_and_row(ended, caseworker, counsellor, monkeypatch):
    record(ended, caseworker, AtWork.YES)

    def refused(*args, **kwargs):
        raise RuntimeError("the trail is down")

    monkeypatch.setattr(trail, "record", refused)
    with pytest.raises(RuntimeError):
        record(ended, counsellor, AtWork.NO)

    assert OutcomeCheck.objects.get().at_work == "yes"
    assert len(checkup_lines(ended)) == 1


@pytest.mark.parametrize(
    ("language", "label", "answers"),
    [
        ("nl-be", "Opvolgmoment uitstroom gecorrigeerd", "ja → nee"),
        ("en", "Outflow check-up corrected", "yes → no"),
    ],
)
def test_the_referral_page_shows_the_correction(
    client, ended, caseworker, language, label, answers
):
    client.force_login(caseworker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    url = reverse("referrals:referral_outcome", args=[ended.pk])
    checked_on = due(ended).isoformat()
    for at_work in ("yes", "no"):
        response = client.post(url, {"months": "3", "at_work": at_work, "checked_on": checked_on})
        assert response.status_code == 302

    page = client.get(ended.get_absolute_url())

    html = page.content.decode()
    timeline = html[html.index('id="timeline-heading"') :]
    assert f"<strong>{escape(label)}</strong>" in timeline
    assert escape(answers) in timeline
    entry = Entry.objects.filter(kind=Kind.CHANGE, referral_id=ended.pk).last()
    assert entry.path == url


def test_a_correction_renews_only_the_referrals_figures(ended, caseworker, monkeypatch):
    """The check-up is saved with its referral at hand: the figures of the referral's
    OCMW and region are renewed, not every scope's (`reports.receivers`)."""
    record(ended, caseworker, AtWork.YES)
    renewed = []
    monkeypatch.setattr(figures_cache, "referral_changed", lambda r: renewed.append(r.pk))
    monkeypatch.setattr(figures_cache, "everything_changed", lambda: renewed.append("all"))

    record(ended, caseworker, AtWork.NO)

    assert renewed and set(renewed) == {ended.pk}, renewed
