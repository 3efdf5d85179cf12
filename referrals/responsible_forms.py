"""Who is responsible for a referral on each side, as its page shows it, and the form with
which a colleague of the same organisation takes over or hands it on."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .enums import RESPONSIBLE_SIDES
from .formfields import BoundedModelChoiceField
from .forms import CrispyMixin
from .models import Referral
from .services.responsible import may_change_responsible


def _colleagues(referral: Referral, side: str):
    """Who may be responsible on `side`: the OCMW's caseworkers, or the counsellors of the
    training's region and its contact (`services.responsible.SIDES` checks each)."""
    if side == "caseworker":
        people = Role.CASEWORKER.holders().filter(organisation_id=referral.client.ocmw_id)
    else:
        people = Role.COUNSELLOR.holders().filter(
            Q(organisation__province=referral.training.province)
            | Q(pk=referral.training.contact_counsellor_id)
        )
    return people.order_by("last_name", "first_name", "pk")


class ResponsibleForm(CrispyMixin, forms.Form):
    person = BoundedModelChoiceField(label=_("Colleague"), queryset=None)

    def __init__(self, *args, referral: Referral, side: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_responsible_{side}_%s")
        super().__init__(*args, **kwargs)
        self.side = side
        self.fields["person"].queryset = _colleagues(referral, side)
        self.fields["person"].label = RESPONSIBLE_SIDES[side]
        self.fields["person"].initial = getattr(referral, f"{side}_id")


def responsible_context(referral: Referral, user, *, form=None) -> dict:
    """Each side's responsible person, and a form for the sides this user may change."""
    bound = {form.side: form} if form else {}
    rows = []
    for side, label in RESPONSIBLE_SIDES.items():
        if side == "counsellor" and referral.agreed_on is None:
            continue  # VDAB has no part before the formal agreement
        may_change = may_change_responsible(referral, user, side)
        rows.append(
            {
                "side": side,
                "label": label,
                "person": getattr(referral, side),
                "form": (
                    bound.get(side) or ResponsibleForm(referral=referral, side=side)
                    if may_change
                    else None
                ),
            }
        )
    return {"responsible": rows}
