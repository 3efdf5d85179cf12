"""Who hears what (DOMAIN.md), for the outbox tests: the table of each step, the state it
starts from, who takes it and who hears which kind; and the outbox read back in the table's
names."""

from notifications.models import Kind, Notification
from referrals.enums import State

IN_APP, EMAIL = Notification.Channel.IN_APP, Notification.Channel.EMAIL


def heard(people, channel=IN_APP) -> set[tuple[str, str]]:
    """(who, kind) of every notification on `channel`, with who as a key of `people`."""
    names = {person.pk: name for name, person in people.items()}
    return {
        (names.get(recipient_id, f"user {recipient_id}"), kind)
        for recipient_id, kind in Notification.objects.filter(channel=channel).values_list(
            "recipient_id", "kind"
        )
    }


COUNSELLORS = ("counsellor", "colleague")  # the training's region; it has no contact

# (step, from state, who acts, who hears which kind)
WHO_HEARS_WHAT = [
    # VDAB applies through its candidacy form only: tests/referrals/test_candidacy*.py.
    ("apply", State.INFORMED, "caseworker", set()),
    (
        "agree",
        State.CANDIDATE,
        "caseworker",
        {(c, Kind.WARM_HANDOVER) for c in COUNSELLORS} | {("caseworker", Kind.CALL_COUNSELLOR)},
    ),
    # VDAB hears of a referral only after the formal agreement (before it, the registrant of
    # a candidacy reads its status on the candidacy page).
    ("decline", State.CANDIDATE, "caseworker", set()),
    ("withdraw", State.CANDIDATE, "caseworker", set()),
    ("withdraw", State.INTAKE_PLANNED, "counsellor", {("caseworker", Kind.WITHDRAWN)}),
    (
        "withdraw",
        State.AGREED,
        "administrator",
        {("caseworker", Kind.WITHDRAWN)} | {(c, Kind.WITHDRAWN) for c in COUNSELLORS},
    ),
    ("plan_intake", State.AGREED, "counsellor", {("caseworker", Kind.INTAKE_PLANNED)}),
    ("admit", State.INTAKE_PLANNED, "counsellor", {("caseworker", Kind.ADMITTED)}),
    ("reject", State.INTAKE_PLANNED, "counsellor", {("caseworker", Kind.NOT_ADMITTED)}),
    ("start", State.ADMITTED, "counsellor", {("caseworker", Kind.STARTED)}),
    # The counsellor who has acted on the referral is its VDAB side from then on.
    (
        "end",
        State.IN_TRAINING,
        "counsellor",
        {("caseworker", Kind.ENDED), ("counsellor", Kind.CONTINUED_GUIDANCE)},
    ),
    ("close", State.ENDED, "caseworker", set()),
]
STEP_IDS = [f"{step}-from-{state}-by-{actor}" for step, state, actor, _ in WHO_HEARS_WHAT]
