"""The forms of the referral's steps (`referrals.steps`), one per transition, and the warm
handover's own form (recorded after the agreement)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import ContinuedBy, EndResult, Obtained, StopReason
from .formfields import (
    BoundedModelMultipleChoiceField,
    PlausibleDateField,
    PlausibleDateTimeField,
    TextAreaField,
)
from .forms import CrispyMixin, add_validation_error
from .handover_forms import HandoverFieldsForm
from .models import (
    EntryCondition,
    Referral,
)
from .models.step_checks import step_data_errors
from .textlimits import NOTE, REASON, SCREENING, max_length_of


class StepForm(CrispyMixin, forms.Form):
    """A transition's form; `state` carries the state the user saw, to catch changes
    made by someone else in the meantime. `step` is the transition's name."""

    step = ""
    state = forms.CharField(widget=forms.HiddenInput, required=False)
    # Fields of the form only: neither the step's checks nor its service take them.
    form_only = ("state",)

    def __init__(self, *args, referral: Referral, user, **kwargs):
        kwargs.setdefault("initial", {})["state"] = referral.state
        # Several step forms share a page: each gets its own element ids.
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.removesuffix('Form').lower()}_%s")
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.user = user

    def clean(self):
        cleaned_data = super().clean()
        if self.errors and cleaned_data.get("state") == self.referral.state:
            self.add_step_errors()
        return cleaned_data

    def add_step_errors(self) -> None:
        """With fields to correct, say at once what the step itself would refuse: why it
        cannot be taken now, else what is wrong with the fields it could read. (A valid
        form goes to the step, which checks the same; a stale one is refused as such.)"""
        refusals = self.referral.step_refusals(self.user, self.step)
        for refusal in refusals:
            self.add_error(None, refusal)
        if refusals:  # who may not take the step learns nothing of its data
            return
        readable = {k: v for k, v in self.cleaned_data.items() if k not in self.form_only}
        errors = step_data_errors(self.referral, self.step, readable)
        if errors is not None:
            add_validation_error(self, errors)

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.form_only}


class ConfirmationMixin(forms.Form):
    """A step that cannot be undone asks the user to say so, without JavaScript: a box
    to tick, last before the button. The service never sees it."""

    confirmed = forms.BooleanField(
        label=_("I understand that this step cannot be undone."),
        error_messages={"required": _("Tick the box to confirm: this step cannot be undone.")},
    )
    form_only = (*StepForm.form_only, "confirmed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmed"] = self.fields.pop("confirmed")


class ApplyForm(StepForm):
    step = "apply"

    applied_on = PlausibleDateField(
        label=_("Date of the candidacy"),
        required=False,
        help_text=_("The day the client applied; empty: today."),
    )


class AgreeForm(HandoverFieldsForm, StepForm):
    step = "agree"

    # The handover's fields last: it may also be recorded later, on the referral page.
    field_order = ["state", "checked_conditions", "agreed_on", "caseworker_phone", "handover_notes"]

    checked_conditions = BoundedModelMultipleChoiceField(
        label=_("Entry conditions checked"),
        queryset=EntryCondition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The screening itself is done by VDAB at the intake."),
    )
    agreed_on = PlausibleDateField(label=_("Date of the formal agreement"))
    caseworker_phone = forms.CharField(
        label=_("Your direct phone number"),
        max_length=max_length_of(Referral, "caseworker_phone"),
        help_text=_("The counsellor calls you on this number for the warm handover."),
    )
    handover_notes = TextAreaField(
        label=_("Warm handover: what matters for the path to work"),
        max_length=NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        applicable = EntryCondition.applicable_to(self.referral.training.okot_type)
        conditions = self.fields["checked_conditions"]
        conditions.queryset = EntryCondition.objects.filter(pk__in=[c.pk for c in applicable])
        conditions.required = bool(applicable)
        self.fields["agreed_on"].initial = timezone.localdate()
        self.fields["caseworker_phone"].initial = self.user.work_phone
        self.setup_handover(self.referral)
        self.fields["handover_at"].help_text = _(
            "Leave empty while the handover is still to come: record it on the referral's "
            "page once it took place."
        )


class HandoverForm(CrispyMixin, HandoverFieldsForm):
    """The warm handover recorded after the formal agreement."""

    def __init__(self, *args, referral: Referral, **kwargs):
        kwargs.setdefault("auto_id", "id_handover_%s")
        super().__init__(*args, **kwargs)
        self.setup_handover(referral)
        self.fields["handover_at"].required = True


class ReasonForm(StepForm):
    reason = TextAreaField(
        label=_("Reason"), max_length=REASON, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeclineForm(ConfirmationMixin, ReasonForm):
    step = "decline"


class WithdrawForm(ConfirmationMixin, ReasonForm):
    step = "withdraw"


class PlanIntakeForm(StepForm):
    step = "plan_intake"

    intake_at = PlausibleDateTimeField(label=_("Date and time of the intake"))
    place = forms.CharField(label=_("Place"), max_length=max_length_of(Referral, "intake_place"))


class ScreeningForm(StepForm):
    motivation = TextAreaField(
        label=_("Motivation"), max_length=SCREENING, widget=forms.Textarea(attrs={"rows": 2})
    )
    preconditions = TextAreaField(
        label=_("Preconditions (financial, mobility, childcare)"),
        max_length=SCREENING,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    path_fit = TextAreaField(
        label=_("Fit with the path to work"),
        max_length=SCREENING,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    learning_ability = TextAreaField(
        label=_("Learning ability"), max_length=SCREENING, widget=forms.Textarea(attrs={"rows": 2})
    )
    screening_fields = ("motivation", "preconditions", "path_fit", "learning_ability")

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["screening"] = {name: data.pop(name) for name in self.screening_fields}
        return data


class AdmitForm(ScreeningForm):
    step = "admit"

    probable_start_date = PlausibleDateField(label=_("Probable start date"))
    probable_location = forms.CharField(
        label=_("Probable start location"), max_length=max_length_of(Referral, "probable_location")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["probable_location"].initial = self.referral.training.location


class RejectForm(ConfirmationMixin, ScreeningForm):
    step = "reject"

    reason = TextAreaField(
        label=_("Reason for not admitting"),
        max_length=REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StartForm(StepForm):
    step = "start"

    start_date = PlausibleDateField(label=_("Start date"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The probable start, once it has come: a day still ahead would only be refused.
        probable = self.referral.probable_start_date
        if probable and probable <= timezone.localdate():
            self.fields["start_date"].initial = probable


class EndForm(StepForm):
    step = "end"

    end_date = PlausibleDateField(label=_("End date"))
    result = forms.ChoiceField(label=_("Result"), choices=EndResult.choices)
    stop_reason = forms.ChoiceField(
        label=_("Reason for stopping early"),
        choices=[("", "—"), *StopReason.choices],
        required=False,
        help_text=_("Only when the training stopped early."),
    )
    obtained = forms.ChoiceField(
        label=_("Obtained"),
        choices=[("", _("as the result says")), *Obtained.choices],
        required=False,
        help_text=_(
            "Left empty: the diploma on the end date when passed, nothing otherwise. "
            "A diploma only when passed; after another end, a certificate of part or nothing."
        ),
    )
    obtained_on = PlausibleDateField(
        label=_("Obtained on"),
        required=False,
        help_text=_("The day of the diploma or certificate; not before the start."),
    )


class CloseForm(ConfirmationMixin, StepForm):
    step = "close"

    continued_by = forms.ChoiceField(
        label=_("Who continues the guidance to work?"),
        choices=ContinuedBy.choices,
        widget=forms.RadioSelect,
    )
