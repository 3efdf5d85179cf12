"""The warm handover's fields (how, when, with whom): at the formal agreement
(`step_forms.AgreeForm`) and on their own afterwards (`step_forms.HandoverForm`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import HandoverHow
from .formfields import BoundedModelChoiceField, PlausibleDateTimeField
from .models import Referral
from .models.handover import counsellors_of
from .textlimits import max_length_of


class HandoverFieldsForm(forms.Form):
    """Input only: whether the handover can be true (after the agreement, not in the
    future, with a counsellor of the training) is the model's to say."""

    handover_how = forms.ChoiceField(
        label=_("How did the warm handover take place?"),
        choices=HandoverHow.choices,
        initial=HandoverHow.PHONE,
        widget=forms.RadioSelect,
        required=False,
    )
    handover_at = PlausibleDateTimeField(label=_("When"), required=False)
    handover_counsellor = BoundedModelChoiceField(
        label=_("With VDAB counsellor"),
        queryset=Referral.objects.none(),
        required=False,
        empty_label=_("— not in this list —"),
    )
    handover_counsellor_name = forms.CharField(
        label=_("Or the counsellor's name"),
        max_length=max_length_of(Referral, "handover_counsellor_name"),
        required=False,
        help_text=_("When the counsellor is not in the list above."),
    )

    def setup_handover(self, referral) -> None:
        self.fields["handover_counsellor"].queryset = counsellors_of(referral.training)

    def clean(self):
        data = super().clean()
        who = data.get("handover_counsellor") or (data.get("handover_counsellor_name") or "")
        if data.get("handover_at"):
            if not data.get("handover_how"):
                self.add_error("handover_how", _("Say how the handover took place."))
            if not who:
                self.add_error(
                    "handover_counsellor", _("Say with whom: choose the counsellor or type a name.")
                )
        elif who and "handover_at" not in self.errors:
            self.add_error("handover_at", _("Say when the handover took place."))
        return data
