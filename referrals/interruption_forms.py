"""The forms of a training's interruptions, on the referral's page: they take the input;
whether the dates fit the training and the other interruptions is the service's rule
(`services.interruptions`), whose refusal shows on the form's field."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .formfields import PlausibleDateField, TextAreaField
from .forms import CrispyMixin
from .models import Interruption


def _model_field(name: str, **kwargs):
    return Interruption._meta.get_field(name).formfield(**kwargs)


class InterruptionForm(CrispyMixin, forms.Form):
    """Record an interruption (its last day empty while it lasts), or correct `interruption`
    (its values are the form's initial ones). Not a ModelForm: the service compares the
    interruption as it was with what the form asks, and checks the dates itself."""

    reason = _model_field("reason")
    from_date = _model_field("from_date", form_class=PlausibleDateField)
    to_date = _model_field(
        "to_date",
        form_class=PlausibleDateField,
        help_text=_(
            "Leave empty while the interruption lasts; record the last day when the trainee "
            "resumes."
        ),
    )
    note = _model_field("note", form_class=TextAreaField, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, interruption: Interruption | None = None, **kwargs):
        # Several of these share the page: the new one and one per interruption to correct.
        if interruption is not None:
            kwargs.setdefault("prefix", f"interruption{interruption.pk}")
            kwargs.setdefault("auto_id", f"id_interruption{interruption.pk}_%s")
            kwargs.setdefault(
                "initial",
                {
                    "reason": interruption.reason,
                    "from_date": interruption.from_date,
                    "to_date": interruption.to_date,
                    "note": interruption.note,
                },
            )
        else:
            kwargs.setdefault("auto_id", "id_interruption_%s")
            kwargs.setdefault("initial", {"from_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.interruption = interruption
        if interruption is not None:  # what the correction was opened on
            self.fields["seen"] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=interruption.version
            )

    def service_kwargs(self) -> dict:
        kwargs = {**self.cleaned_data, "note": self.cleaned_data.get("note") or ""}
        if "seen" in kwargs:
            kwargs["seen"] = kwargs["seen"] or None  # a page opened before it had one
        return kwargs

    def saw(self, version: str) -> None:
        """Sent again, the correction saves over `version`, the one stored now (after
        `services.InterruptionChanged`)."""
        self.data = self.data.copy()
        self.data[self.add_prefix("seen")] = version


class ResumeForm(CrispyMixin, forms.Form):
    """The trainee resumed the training: the interruption's last day."""

    to_date = PlausibleDateField(
        label=_("Last day of the interruption"),
        help_text=_("The trainee is back in training the day after."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_resume_%s")
        super().__init__(*args, **kwargs)
        self.fields["to_date"].initial = timezone.localdate()
