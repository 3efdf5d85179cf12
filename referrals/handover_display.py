"""What the pages say of the warm handover: the referral page (with the form to record it)
and the printed formal agreement, from the same rows."""

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from . import access
from .enums import HANDOVER_STATES
from .step_forms import HandoverForm


def handover_rows(referral) -> list[tuple[str, str]]:
    """How, when and with whom, as (label, value); empty while none is recorded."""
    if not referral.handover_recorded:
        return []
    return [
        (_("How"), referral.get_handover_how_display()),
        (_("When"), _moment(referral.handover_at)),
        (_("With"), referral.handover_with or "—"),
    ]


def handover_context(referral, user, *, form=None) -> dict:
    """The referral page's handover: its rows, who recorded it when, and the form for who
    may record it while it can be (a bound form, with its errors, whatever)."""
    may_record = access.may_record_handover(referral, user) and referral.state in HANDOVER_STATES
    if may_record and form is None:
        form = HandoverForm(referral=referral, initial=_initial(referral))
    recorded_by = referral.handover_recorded_by if referral.handover_recorded else None
    return {
        "handover_rows": handover_rows(referral),
        "handover_recorded_by": recorded_by,
        "handover_recorded_at": referral.handover_recorded_at,
        "handover_form": form if may_record else None,
        "handover_applies": referral.agreed_on is not None,
    }


def _initial(referral) -> dict:
    """A correction starts from what was recorded."""
    if not referral.handover_recorded:
        return {}
    return {
        "handover_how": referral.handover_how,
        "handover_at": referral.handover_at,
        "handover_counsellor": referral.handover_counsellor_id,
        "handover_counsellor_name": referral.handover_counsellor_name,
    }


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
