"""The referral's indexes: each in the order or the filter of what reads it (the lists, Mijn
werk, the scopes of an OCMW and a VDAB region, the reports' years)."""

from django.db import models
from django.db.models import Case, DateField, F, IntegerField, Q, Value, When
from django.db.models.functions import TruncDate, Upper

from ..enums import State
from .querysets import OVERDUE_STATES_ALL

# The states in the order of the flow, not of their codes: the lists' "State" column sorts
# by it, and indexes below hold it, so that the expression must be this very one.
STATE_ORDER = Case(
    *(When(state=state, then=Value(n)) for n, state in enumerate(State.values)),
    output_field=IntegerField(),
)


# The date a referral's state turns on (`Referral.milestone`), that the lists' "Key date"
# column sorts by; an intake by its day in the current time zone (Brussels). PostgreSQL holds
# it in indexes of its own (migration 0029: SQLite would need Django's functions for its
# day), so that it must be this very expression.
KEY_DATE = Case(
    When(state=State.CANDIDATE, then=F("applied_on")),
    When(state=State.AGREED, then=F("agreed_on")),
    When(state=State.INTAKE_PLANNED, then=TruncDate("intake_at")),
    When(state=State.ADMITTED, then=F("probable_start_date")),
    When(state=State.IN_TRAINING, then=F("start_date")),
    When(state=State.ENDED, then=F("end_date")),
    output_field=DateField(),
)


# The fields of the dates a list is narrowed to a period of, besides the last change; the
# start and end have an index of their own for the reports' years too.
DATES = ("applied_on", "agreed_on", "intake_at", "start_date", "end_date")
LIST_ONLY_DATES = ("applied_on", "agreed_on", "intake_at")

# The dates that the states a referral can be overdue in hold few of (a start) or none (an
# end), each indexed over those states alone. PostgreSQL expects the overdue, an OR of
# states, to hold them as often as any referral does, and walked every start or end of
# Flanders looking for one (docs/performance.md); the overdue list narrowed to a period of
# one names those states, as these indexes do (`ReferralFilterForm.filter`).
OVERDUE_PERIOD_FIELDS = ("start_date", "end_date")


def referral_indexes() -> list[models.Index]:
    return [
        models.Index(fields=["state", "state_changed_at"]),
        # The list narrowed to a period of a date is sorted by it (`ReferralFilterForm.
        # columns`): the period a range of the date's index read in its order, for all of
        # Flanders, an OCMW and a region, and of one state a range of the state's (a state
        # that never holds the date, an empty one), as the lists' other orders have theirs.
        *(models.Index(fields=[field], name=f"referral_{field}") for field in LIST_ONLY_DATES),
        models.Index(fields=["start_date"]),
        models.Index(fields=["end_date"]),
        *(
            models.Index(fields=[first, field], name=f"referral_{first}_{field}")
            for first in ("state", "ocmw", "region")
            for field in DATES
        ),
        # The overdue list narrowed to a period of starts or ends (`OVERDUE_PERIOD_FIELDS`).
        *(
            models.Index(
                fields=[field],
                condition=Q(state__in=OVERDUE_STATES_ALL),
                name=f"referral_overdue_{field}",
            )
            for field in OVERDUE_PERIOD_FIELDS
        ),
        models.Index(fields=["obtained_on"]),  # the diplomas of a year
        models.Index(fields=["created_at"]),  # the funnel's year of registration
        # The lists' default order (newest change first), page by page.
        models.Index(fields=["-state_changed_at", "-id"], name="referral_list_order"),
        # "Mine": the responsible people's referrals. A counsellor's closed ones by their end
        # too: Mijn werk's window reads those whose check-ups can still be due as a range
        # of this index, rather than ANDing the counsellor's closed referrals with every
        # end of Flanders in that time (77,000 at a million referrals).
        models.Index(fields=["caseworker", "state"], name="referral_caseworker_state"),
        models.Index(
            fields=["counsellor", "state", "end_date"], name="referral_counsellor_state_end"
        ),
        # A region's referrals that no counsellor is named for yet (Mijn werk's "nobody's").
        models.Index(
            fields=["region", "state"],
            condition=Q(counsellor__isnull=True),
            name="referral_region_nobody_state",
        ),
        # Mijn werk's agenda: the coming week's intakes and starts, of any scope (few rows
        # are in either state at once).
        models.Index(
            fields=["intake_at"], condition=Q(state=State.INTAKE_PLANNED), name="referral_intakes"
        ),
        models.Index(
            fields=["probable_start_date"],
            condition=Q(state=State.ADMITTED),
            name="referral_starts",
        ),
        # An OCMW's list in its default order, and its counts by state; its closed
        # referrals by their end, as the counsellor's above (a caseworker's Mijn werk).
        models.Index(fields=["ocmw", "-state_changed_at", "-id"], name="referral_ocmw_list_order"),
        models.Index(fields=["ocmw", "state", "end_date"], name="referral_ocmw_state_end"),
        # A VDAB region's list and its counts by state.
        models.Index(
            fields=["region", "-state_changed_at", "-id"], name="referral_region_list_order"
        ),
        models.Index(fields=["region", "state"], name="referral_region_state"),
        # What a region's counsellors see of it (agreed: `visibility.referral_visibility`),
        # by state: their team's Mijn werk counts each group from it (`ranking._counts`). The
        # index above holds every referral of the region, and the region's work index
        # (migration 0035) its open states with the columns their groups read; a count of
        # what counsellors see read either one's `agreed_on` on each row (from the table,
        # or from the work index's wider entries: 15 ms for the biggest region's 33,000).
        # This one's condition is the visibility's agreed condition, so that PostgreSQL reads
        # neither, and its entries, equal by the thousand, keep their key once per page with
        # a list of rows (B-tree deduplication, 6 MB at a million referrals): 5.8-8.0 ms.
        models.Index(
            fields=["region", "state"],
            condition=Q(agreed_on__isnull=False),
            name="referral_region_agreed_state",
        ),
        # The lists sorted by state (in the flow's order, then newest first), for all of
        # Flanders, an OCMW and a region.
        models.Index(STATE_ORDER, "id", name="referral_state_order"),
        models.Index("ocmw", STATE_ORDER, "id", name="referral_ocmw_state_order"),
        models.Index("region", STATE_ORDER, "id", name="referral_region_state_order"),
        # The admin's search by external id (`iexact`); only the imported referrals have one.
        models.Index(
            Upper("external_id"), condition=~Q(external_id=""), name="referral_external_id_upper"
        ),
    ]
