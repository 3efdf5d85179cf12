"""The demo referrals as stories: how far each gets and when (from the tables of
`demo_data`), played step by step through `referrals.services`, each step by the user who
would take it, on the day it would have happened, so that every demo referral has a real
history, and the timeline and 'overdue' look real."""

import datetime

from referrals import services
from referrals.enums import (
    ContinuedBy,
    DocumentKind,
    EndResult,
    State,
)
from referrals.models import EntryCondition

from . import demo_records as records
from .demo_data import (
    BEFORE_TRAINING,
    HANDOVER_NOTES,
    OBTAINED,
    ON_THEIR_WAY,
    SCREENINGS,
    STARTED,
    STOP_REASONS,
    WEEK,
    WITHDRAWN_FROM,
    at,
    day,
)
from .demo_documents import attach
from .demo_story import Story, StoryClock


def stories(today: datetime.date) -> list[Story]:
    """The demo referrals in order of `n`, built from the three tables above."""
    result = []
    # The tables give codes; the enumerations refuse one that no longer exists.
    for n, client, training, start, end, end_result, continued_by, outcomes in STARTED:
        start, end = day(start), day(end)
        end_result = EndResult(end_result) if end_result else ""
        continued_by = ContinuedBy(continued_by) if continued_by else ""
        until = State.CLOSED if continued_by else State.ENDED if end else State.IN_TRAINING
        agreed = start - 12 * WEEK
        result.append(
            Story(
                n,
                client,
                training,
                until,
                agreed=agreed,
                intake=agreed + 2 * WEEK,
                probable_start=start,
                start=start,
                end=end,
                result=end_result,
                stop_reason=STOP_REASONS.get(n, ""),
                continued_by=continued_by,
                outcomes=outcomes,
            )
        )
    for n, client, training, until, *days_ago in ON_THEIR_WAY:
        agreed, intake, start = (
            today - datetime.timedelta(days=ago) if ago != "" else None for ago in days_ago
        )
        result.append(Story(n, client, training, State(until), agreed, intake, start))
    for n, client, training, until, agreed in BEFORE_TRAINING:
        agreed = day(agreed)
        intake = agreed + 2 * WEEK if agreed else None
        probable_start = intake + 10 * WEEK if intake else None
        result.append(Story(n, client, training, State(until), agreed, intake, probable_start))
    return sorted(result, key=lambda story: story.n)


def play(story: Story, *, client, training, caseworker, counsellor, today: datetime.date):
    """Walk one referral along its path, each step by the user who would take it, on
    the day it would have happened (so the timeline and 'overdue' look real)."""
    path = story.path()
    clock = StoryClock(story, today)
    if story.by_vdab and path[:1] == [State.CANDIDATE]:
        # The client applied through the training guide: VDAB registers the candidacy.
        candidacy = services.referral_register_candidacy(
            user=counsellor,
            ocmw=client.ocmw,
            insz=client.insz,
            first_name=client.first_name,
            last_name=client.last_name,
            training=training,
            at=clock.step(State.INFORMED),
            external_id=f"demo-{story.n}",
        )
        referral = candidacy.referral
        path = path[1:]
    else:
        # VDAB registers candidacies only (above): the OCMW registers the rest.
        referral = services.referral_create(
            user=caseworker,
            client=client,
            training=training,
            at=clock.step(State.INFORMED),
            external_id=f"demo-{story.n}",
        )
    screening = SCREENINGS[story.n % len(SCREENINGS)]
    for state in path:
        if state == State.CANDIDATE:
            services.referral_apply(at=clock.step(state), referral=referral, user=caseworker)
        elif state == State.DECLINED:
            services.referral_decline(
                at=clock.step(state), referral=referral, user=caseworker, reason=story.reason
            )
        elif state == State.AGREED:
            agreed_at = clock.step(state)
            services.referral_agree(
                at=agreed_at,
                referral=referral,
                user=caseworker,
                agreed_on=story.agreed,
                checked_conditions=EntryCondition.applicable_to(training.okot_type),
                caseworker_phone=caseworker.work_phone,
                handover_notes=HANDOVER_NOTES[story.n % len(HANDOVER_NOTES)],
                **records.handover_at_agreement(story, counsellor, agreed_at),
            )
            records.handover_afterwards(story, referral, caseworker, counsellor, clock)
            signed = DocumentKind.SIGNED_AGREEMENT
            attach(referral, user=caseworker, kind=signed, at=clock.later(hours=1))
        elif state == State.INTAKE_PLANNED:
            services.referral_plan_intake(
                at=clock.step(state),
                referral=referral,
                user=counsellor,
                intake_at=at(story.intake, 9 + story.n % 6),
                place=f"VDAB-werkwinkel {training.location}",
            )
        elif state == State.ADMITTED:
            services.referral_admit(
                at=clock.step(state),
                referral=referral,
                user=counsellor,
                screening=screening,
                probable_start_date=story.probable_start,
                probable_location=f"{training.institution}, {training.location}",
            )
        elif state == State.NOT_ADMITTED:
            services.referral_reject(
                at=clock.step(state),
                referral=referral,
                user=counsellor,
                screening=screening,
                reason=story.reason,
            )
        elif state == State.IN_TRAINING:
            services.referral_start(
                at=clock.step(state), referral=referral, user=counsellor, start_date=story.start
            )
            contract = DocumentKind.TRAINING_CONTRACT
            attach(referral, user=counsellor, kind=contract, at=clock.later(hours=2))
            records.notes(story, referral, caseworker, counsellor, today)
            records.interruption(story, referral, caseworker, counsellor, today)
            records.school_years(story, referral, counsellor, today)
        elif state == State.ENDED:
            obtained, obtained_on = OBTAINED.get(story.n, ("", None))
            services.referral_end(
                at=clock.step(state),
                referral=referral,
                user=counsellor,
                end_date=story.end,
                result=story.result,
                stop_reason=story.stop_reason,
                obtained=obtained,
                obtained_on=day(obtained_on) if obtained_on else None,
            )
            if story.result == EndResult.PASSED:
                diploma = DocumentKind.DIPLOMA
                attach(referral, user=counsellor, kind=diploma, at=clock.later(hours=1))
            records.school_years(story, referral, counsellor, today, last_one=True)
        elif state == State.CLOSED:
            services.referral_close(
                at=clock.step(state),
                referral=referral,
                user=caseworker if story.continued_by == ContinuedBy.OCMW else counsellor,
                continued_by=story.continued_by,
            )
        elif state == State.WITHDRAWN:
            by_ocmw = WITHDRAWN_FROM[story.n] in (State.CANDIDATE, State.AGREED)
            services.referral_withdraw(
                at=clock.step(state),
                referral=referral,
                user=caseworker if by_ocmw else counsellor,
                reason=story.reason,
            )
    if State.ENDED in path:
        # Months after the end, so after the closing: last in the timeline.
        records.outcomes(story, referral, caseworker, counsellor, today)
