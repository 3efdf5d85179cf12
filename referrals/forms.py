"""Forms validate input; the workflow rules are the model's and the services'."""

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.be import ssn

from accounts.models import Organisation

from .enums import NoteVisibility
from .formfields import (
    BoundedModelChoiceField,
    PlausibleDateField,
    TextAreaField,
)
from .models import (
    Client,
    Consent,
    GuidanceNote,
    OutcomeCheck,
    TemporaryWorkExperience,
    Training,
)
from .models.clients import (
    DUPLICATE_INSZ,
    compact_vdab_client_number,
    insz_birth_date_and_gender,
    validate_insz,
    validate_vdab_client_number,
)
from .models.consents import check_consent_day
from .textlimits import max_length_of, one_line


def add_validation_error(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class CrispyMixin:
    """Render with crispy-forms without a <form> tag: templates own the form element."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


# --- clients ------------------------------------------------------------------------------


def document_reference_field() -> forms.CharField:
    """The consent's reference to its signed document, as the model declares it."""
    return Consent._meta.get_field("document_reference").formfield()


def check_day_on(form: forms.Form, day, **kwargs) -> None:
    """`check_consent_day(day, **kwargs)`, its refusal as the form's error."""
    try:
        check_consent_day(day, **kwargs)
    except ValidationError as exc:
        form.add_error(None, exc)


class ClientForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "insz",
            "gender",
            "phone",
            "email",
            "street",
            "postal_code",
            "municipality",
            "registered_job_seeker",
            "vdab_client_number",
            "consent_given_on",  # declared below: new clients only
            "consent_reference",
            "gpmi",
            "gpmi_date",
            "notes",
        ]
        field_classes = {
            "gpmi_date": PlausibleDateField,
            "notes": TextAreaField,
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    # A new client often comes with the signed consent at hand: it may be recorded with
    # the client (`consent_to_record`). Later consents, and withdrawals, are recorded on the
    # client's page, each with its history row.
    consent_given_on = PlausibleDateField(
        label=_("Consent to share data with VDAB given on"),
        required=False,
        help_text=_(
            "Leave empty when the client has not (yet) consented; you can record it later "
            "on the client's page."
        ),
    )
    consent_reference = document_reference_field()

    def __init__(self, *args, ocmw, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.ocmw = ocmw
        self.fields["gender"].help_text = _("Derived from the INSZ when it is known.")
        if self.instance.pk:
            del self.fields["consent_given_on"], self.fields["consent_reference"]

    def clean_vdab_client_number(self) -> str:
        """A number typed here is kept as VDAB's form keeps it (digits only), so that a
        search finds it; one recorded before this check stays editable around it."""
        number = self.cleaned_data["vdab_client_number"]
        if "vdab_client_number" not in self.changed_data:
            return number
        number = compact_vdab_client_number(number)
        if number:
            validate_vdab_client_number(number)
        return number

    def clean_insz(self) -> str:
        insz = ssn.compact(self.cleaned_data["insz"])
        others = Client.objects.filter(ocmw=self.instance.ocmw, insz=insz)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(DUPLICATE_INSZ)
        return insz

    def clean(self):
        cleaned_data = super().clean()
        given_on = cleaned_data.get("consent_given_on")
        if given_on:
            birth_date, _gender = insz_birth_date_and_gender(cleaned_data.get("insz", ""))
            check_day_on(self, given_on, birth_date=birth_date, field="consent_given_on")
        elif cleaned_data.get("consent_reference"):
            self.add_error("consent_given_on", _("Give the date on which the client consented."))
        return cleaned_data

    @property
    def consent_to_record(self) -> dict | None:
        """The arguments of `services.consent_give` for the consent given with a new
        client, if it was."""
        given_on = self.cleaned_data.get("consent_given_on")
        if not given_on:
            return None
        return {
            "given_on": given_on,
            "document_reference": self.cleaned_data.get("consent_reference", ""),
        }


class TemporaryWorkExperienceForm(forms.ModelForm):
    class Meta:
        model = TemporaryWorkExperience
        fields = ["start_date", "end_date", "employer"]
        field_classes = {"start_date": PlausibleDateField, "end_date": PlausibleDateField}


TemporaryWorkExperienceFormSet = inlineformset_factory(
    Client,
    TemporaryWorkExperience,
    form=TemporaryWorkExperienceForm,
    extra=1,
    can_delete=True,
)


# --- referrals ----------------------------------------------------------------------------


def offered_training_field() -> BoundedModelChoiceField:
    """A choice among the trainings offered (each form sets its queryset per request, as the
    day decides what is offered); an old id, posted from a page left open, says so."""
    return BoundedModelChoiceField(
        label=_("Training"),
        queryset=Training.objects.none(),
        error_messages={
            "invalid_choice": _(
                "This training is not offered (any more): choose one from the list."
            )
        },
    )


class TrainingChoiceMixin:
    """The training field's choices, and the one preselected from the catalogue
    (`?training=<id>`) when it is among them."""

    def __init__(self, *args, trainings, preselect: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["training"]
        field.queryset = trainings
        if preselect and not self.is_bound:
            try:
                self.initial["training"] = field.clean(preselect).pk
            except ValidationError:
                pass  # not offered (any more): nothing preselected


class ReferralCreateForm(TrainingChoiceMixin, CrispyMixin, forms.Form):
    training = offered_training_field()
    apply = forms.BooleanField(
        label=_("The client applies now (candidacy)"),
        required=False,
        initial=True,
        help_text=_("Leave unticked when the client only received information."),
    )
    applied_on = PlausibleDateField(
        label=_("Date of the candidacy"),
        required=False,
        help_text=_("The day the client applied; empty: today."),
    )


class CandidacyForm(TrainingChoiceMixin, CrispyMixin, forms.Form):
    """VDAB registers a candidacy for a client of an OCMW."""

    ocmw = BoundedModelChoiceField(
        label=_("OCMW of the client"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.OCMW),
    )
    insz = forms.CharField(
        label=_("INSZ (national register or BIS number)"), max_length=20, validators=[validate_insz]
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=max_length_of(Client, "first_name"),
        validators=[one_line],
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=max_length_of(Client, "last_name"), validators=[one_line]
    )
    training = offered_training_field()

    def clean_insz(self) -> str:
        return ssn.compact(self.cleaned_data["insz"])


class GuidanceNoteForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = GuidanceNote
        fields = ["written_on", "topic", "note", "visibility"]
        field_classes = {"written_on": PlausibleDateField, "note": TextAreaField}
        widgets = {"note": forms.Textarea(attrs={"rows": 3}), "visibility": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "visibility" in self.fields:  # shared unless chosen otherwise
            self.fields["visibility"].required = False

    def clean_visibility(self):
        return self.cleaned_data["visibility"] or NoteVisibility.SHARED

    def clean_written_on(self):
        written_on = self.cleaned_data["written_on"]
        if written_on > timezone.localdate():
            raise forms.ValidationError(_("The date lies in the future."))
        return written_on


class GuidanceNoteEditForm(GuidanceNoteForm):
    """A note corrected by its author: who reads it stays as chosen."""

    class Meta(GuidanceNoteForm.Meta):
        fields = ["written_on", "topic", "note"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_note_{kwargs['instance'].pk}_%s")
        super().__init__(*args, **kwargs)


class OutcomeCheckForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = OutcomeCheck
        fields = ["months", "at_work", "checked_on"]
        field_classes = {"checked_on": PlausibleDateField}

    def clean_checked_on(self):
        checked_on = self.cleaned_data["checked_on"]
        if checked_on > timezone.localdate():
            raise forms.ValidationError(_("The date lies in the future."))
        return checked_on
