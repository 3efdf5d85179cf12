"""One demo story (a referral, how far it gets and the dates of its steps) and the clock
that times its steps: read by `demo_stories` and `demo_records`."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from referrals.enums import State

from .demo_data import REASONS, REGISTERED_BY_VDAB, WEEK, WITHDRAWN_FROM, at


@dataclass(frozen=True)
class Story:
    """One demo referral: how far it gets and the dates of its steps."""

    n: int
    client: str
    training: str
    until: str
    agreed: datetime.date | None = None
    intake: datetime.date | None = None
    probable_start: datetime.date | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    result: str = ""
    stop_reason: str = ""
    continued_by: str = ""
    outcomes: str = ""

    @property
    def reason(self) -> str:
        return REASONS.get(self.n, "")

    @property
    def by_vdab(self) -> bool:
        return self.n in REGISTERED_BY_VDAB

    def path(self) -> list[str]:
        """The states the referral passes through after `informed`."""
        line = [State.CANDIDATE, State.AGREED, State.INTAKE_PLANNED, State.ADMITTED]
        line += [State.IN_TRAINING, State.ENDED]

        def upto(state: str) -> list[str]:
            return line[: line.index(state) + 1] if state != State.INFORMED else []

        screened = [*upto(State.INTAKE_PLANNED), State.NOT_ADMITTED]
        if self.until == State.DECLINED:
            return [State.CANDIDATE, State.DECLINED]
        if self.until == State.WITHDRAWN:
            return [*upto(WITHDRAWN_FROM[self.n]), State.WITHDRAWN]
        if self.until == State.NOT_ADMITTED:
            return screened
        if self.until == State.CLOSED:
            return [*(upto(State.ENDED) if self.start else screened), State.CLOSED]
        return upto(self.until)


class StoryClock:
    """When each step of a demo story happened: on its business date where it has one,
    never before the previous step and never in the future."""

    def __init__(self, story, today: datetime.date):
        self.story = story
        self.now = timezone.now()
        first = story.agreed or today - datetime.timedelta(days=3 + story.n % 10)
        self.last = at(first - 2 * WEEK, 9)

    def step(self, state: str) -> datetime.datetime:
        story = self.story
        planned = {
            State.INFORMED: self.last,
            State.CANDIDATE: self.last + datetime.timedelta(days=1),
            State.AGREED: story.agreed and at(story.agreed, 11),
            State.INTAKE_PLANNED: story.intake and at(story.intake - WEEK, 14),
            State.ADMITTED: story.intake and at(story.intake, 16),
            State.NOT_ADMITTED: story.intake and at(story.intake, 16),
            State.IN_TRAINING: story.start and at(story.start, 9),
            State.ENDED: story.end and at(story.end, 15),
        }.get(state) or self.last + datetime.timedelta(days=7)
        self.last = min(max(planned, self.last), self.now)
        return self.last

    def later(self, **delta) -> datetime.datetime:
        """A moment after the last step (a document added after it), never in the future."""
        return min(self.last + datetime.timedelta(**delta), self.now)
