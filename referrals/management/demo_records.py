"""What the demo's stories (`demo_stories.play`) record beside the steps: the warm
handover, school years, guidance notes, an interruption and the outflow check-ups."""

import datetime

from django.utils import timezone

from referrals import services
from referrals.enums import (
    AtWork,
    ContinuedBy,
    EndResult,
    GuidanceTopic,
    HandoverHow,
    InterruptionReason,
    SchoolYearResult,
)
from referrals.models.followup import school_year_of

from .demo_data import (
    INTERRUPTION_NOTES,
    INTERRUPTIONS,
    PROGRESS_NOTES,
    SCHOOL_YEARS,
    SUPPORT_NOTES,
    WARNING_NOTES,
    WEEK,
    at,
)
from .demo_story import Story, StoryClock

DAY = datetime.timedelta(days=1)


def handover(story: Story, counsellor, when: datetime.datetime) -> dict:
    """How, when and with whom: by phone mostly, now and then a three-way meeting; with the
    counsellor in the app, or a colleague of theirs by name."""
    return {
        "handover_how": HandoverHow.MEETING if story.n % 7 == 3 else HandoverHow.PHONE,
        "handover_at": when,
        "handover_counsellor": counsellor if story.n % 3 else None,
        "handover_counsellor_name": "" if story.n % 3 else "Sofie Peeters",
    }


def handover_at_agreement(story: Story, counsellor, agreed_at: datetime.datetime) -> dict:
    """Most stories call the counsellor before agreeing (the handover comes with the
    agreement); every fifth records it later (`_handover_afterwards`), and every fifth
    after that has none yet, so that the dashboard shows it overdue."""
    if story.n % 5 in (0, 2):
        return {}
    return handover(story, counsellor, min(at(story.agreed, 10), agreed_at))


def handover_afterwards(story: Story, referral, caseworker, counsellor, clock: StoryClock):
    if story.n % 5 != 2:
        return
    recorded_at = min(at(story.agreed + datetime.timedelta(days=1), 16), clock.now)
    when = min(at(story.agreed + datetime.timedelta(days=1), 10), recorded_at)
    services.referral_record_handover(
        referral=referral, user=caseworker, at=recorded_at, **handover(story, counsellor, when)
    )


def school_years(story: Story, referral, counsellor, today: datetime.date, last_one=False):
    """How each school year went, recorded by VDAB when it was over (30 June) during the
    training, and the last one at the end (`last_one`, after the end step): passed, unless
    `SCHOOL_YEARS` says otherwise; the last year of a training that did not pass is
    stopped."""
    if last_one:
        year = school_year_of(story.end)
        result = SchoolYearResult.PASSED
        if story.result != EndResult.PASSED:
            result = SchoolYearResult.STOPPED
        years = [(year, SCHOOL_YEARS.get(story.n, {}).get(year, result), story.end)]
    else:
        until = min(story.end or today, today)
        years = [
            (year, SCHOOL_YEARS.get(story.n, {}).get(year, SchoolYearResult.PASSED), over)
            for year in range(school_year_of(story.start), school_year_of(until) + 1)
            if (over := datetime.date(year + 1, 6, 30)) < until
        ]
    for year, result, recorded_on in years:
        services.school_year_record(
            referral=referral,
            user=counsellor,
            year=year,
            result=result,
            at=min(at(recorded_on, 16), timezone.now()),
        )


def notes(story: Story, referral, caseworker, counsellor, today: datetime.date):
    """Guidance notes from both sides, and a warning before an early stop."""
    last_day = min(story.end or today, today)
    warning = WARNING_NOTES.get(story.stop_reason or story.result)
    notes = [
        (story.start + 5 * WEEK, counsellor, GuidanceTopic.PROGRESS, PROGRESS_NOTES),
        (story.start + 10 * WEEK, caseworker, GuidanceTopic.SUPPORT, SUPPORT_NOTES),
    ]
    if warning and story.end:
        topic = GuidanceTopic.DROPOUT_RISK
        notes.append((story.end - 3 * WEEK, counsellor, topic, [warning]))
    for written_on, author, topic, texts in notes:
        if story.start <= written_on <= last_day:
            services.guidance_note_add(
                referral=referral,
                user=author,
                topic=topic,
                note=texts[story.n % len(texts)],
                written_on=written_on,
            )


def interruption(story: Story, referral, caseworker, counsellor, today: datetime.date):
    """An interruption during the training (`INTERRUPTIONS`): one that still lasts, or one
    the trainee resumed after, its end recorded the day they came back."""
    if story.n not in INTERRUPTIONS:
        return
    reason, first, length, side = INTERRUPTIONS[story.n]
    start = today + datetime.timedelta(days=first) if first < 0 else story.start + first * DAY
    last = start + (length - 1) * DAY if length else None
    if start < story.start or (last or start) >= min(story.end or today, today):
        return  # the demo's dates leave no room for it
    user = caseworker if side == "ocmw" else counsellor
    interruption = services.interruption_record(
        referral=referral,
        user=user,
        reason=InterruptionReason(reason),
        from_date=start,
        note=INTERRUPTION_NOTES[reason],
        at=min(at(start, 10), timezone.now()),
    )
    if last is not None:
        services.interruption_end(
            interruption=interruption,
            user=user,
            to_date=last,
            at=min(at(last + DAY, 10), timezone.now()),
        )


def outcomes(story: Story, referral, caseworker, counsellor, today: datetime.date):
    """The 3/6/9/12-month check-ups after a positive end that are due by now."""
    checker = caseworker if story.continued_by == ContinuedBy.OCMW else counsellor
    for months, at_work in zip((3, 6, 9, 12), story.outcomes, strict=False):
        due = referral.outcome_due_date(months)
        if due > today:
            break
        checked_on = min(due + datetime.timedelta(days=4), today)
        services.outcome_check_record(
            referral=referral,
            user=checker,
            months=months,
            at_work=AtWork.YES if at_work == "y" else AtWork.NO,
            checked_on=checked_on,
            at=min(at(checked_on, 11), timezone.now()),
        )
