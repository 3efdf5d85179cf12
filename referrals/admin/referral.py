"""Admin for referrals: read what the steps wrote, take steps through the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_delete import ProtectedCountsMixin
from accounts.admin_paging import ActionCheckboxMixin, CappedListMixin
from accounts.admin_search import SessionSearchMixin
from audit import reads
from audit.admin_reads import AuditedReadsMixin

from .. import services
from ..enums import State
from ..forms import ReferralCreateForm, add_validation_error
from ..models import (
    Client,
    Referral,
    Training,
)
from ..steps import STEPS, steps_for
from .audited import AuditedAdminMixin
from .imports import import_urls
from .inlines import (
    DocumentInline,
    GuidanceNoteInline,
    InterruptionInline,
    OutcomeCheckInline,
    ReferralEventInline,
    SchoolYearInline,
)
from .search import ReferralSearchMixin


class ReferralAddForm(ReferralCreateForm):
    """The app's own create form, plus the client (the app starts from a client's page)."""

    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.all())
    field_order = ["client", "training", "apply"]

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, trainings=Training.objects.offered(), **kwargs)
        for name in ("client", "training"):
            field = self.fields[name]
            field.widget = AutocompleteSelect(Referral._meta.get_field(name), admin_site)
            field.widget.choices = field.choices


@admin.register(Referral)
class ReferralAdmin(
    ActionCheckboxMixin,
    ProtectedCountsMixin,
    AuditedReadsMixin,
    ReferralSearchMixin,
    SessionSearchMixin,
    AuditedAdminMixin,
    CappedListMixin,
    admin.ModelAdmin,
):
    audit_subject = reads.REFERRAL
    list_display = ["client", "training", "state", "state_changed_at"]
    # No date hierarchy: over a million referrals its two queries (the first and last
    # day, the years) read every referral the list holds; the date filter reads none.
    list_filter = ["state", "training__okot_type", "ocmw", "region", "state_changed_at"]
    list_select_related = ["client", "training"]
    # Search fields: ReferralSearchMixin's. A count that stops at 10,000 (CappedListMixin).
    actions = ["apply_selected"]
    fieldsets = [
        (None, {"fields": ["client", "training", "state", "state_changed_at", "external_id"]}),
        (
            _("Formal agreement"),
            {
                "fields": [
                    "entry_conditions_checked_on",
                    "checked_conditions",
                    "agreed_on",
                    "caseworker",
                    "caseworker_phone",
                    "caseworker_email",
                    "handover_notes",
                    "decline_reason",
                ]
            },
        ),
        (
            _("Warm handover"),
            {
                "fields": [
                    "handover_how",
                    "handover_at",
                    "handover_counsellor",
                    "handover_counsellor_name",
                    "handover_recorded_by",
                    "handover_recorded_at",
                ]
            },
        ),
        (
            _("Intake and screening"),
            {
                "fields": [
                    "intake_at",
                    "intake_place",
                    "screening_motivation",
                    "screening_preconditions",
                    "screening_path_fit",
                    "screening_learning_ability",
                    "reject_reason",
                    "probable_start_date",
                    "probable_location",
                ]
            },
        ),
        (
            _("Training and end"),
            {
                "fields": [
                    "start_date",
                    "expected_end_date",
                    "end_date",
                    "end_result",
                    "stop_reason",
                    "obtained",
                    "obtained_on",
                    "continued_by",
                    "withdraw_reason",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
    inlines = [
        ReferralEventInline,
        GuidanceNoteInline,
        SchoolYearInline,
        OutcomeCheckInline,
        InterruptionInline,
        DocumentInline,
    ]

    def get_readonly_fields(self, request, obj=None):
        """Everything but the external id: the state and what each step recorded change
        only through the steps (the buttons above), so that history stays complete."""
        return [
            name
            for _title, options in self.fieldsets
            for name in options["fields"]
            if name != "external_id"
        ]

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_step"
        return [
            *import_urls(self),
            path(
                "<path:object_id>/step/<slug:name>/",
                self.admin_site.admin_view(self.step_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def _change_url(self, referral: Referral) -> str:
        return reverse(f"{self.admin_site.name}:referrals_referral_change", args=[referral.pk])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and change and self.has_change_permission(request, obj):
            available, blocked = steps_for(obj, request.user)
            context["referral_steps"] = [
                {
                    "label": step.label,
                    "url": reverse(
                        f"{self.admin_site.name}:referrals_referral_step", args=[obj.pk, step.name]
                    ),
                }
                for step in available
            ]
            context["blocked_steps"] = [
                {"label": step.label, "reasons": reasons} for step, reasons in blocked
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _render_form_page(self, request, template, form, context):
        """Render one of the app's forms as an admin page, laid out as a fieldset."""
        request.current_app = self.admin_site.name
        adminform = helpers.AdminForm(
            form, [(None, {"fields": list(form.fields)})], {}, model_admin=self
        )
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "has_view_permission": self.has_view_permission(request),
                "adminform": adminform,
                "form": form,
                **context,
            },
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Register a referral through `referral_create`, so it starts with its history."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ReferralAddForm(
            request.POST if request.method == "POST" else None, admin_site=self.admin_site
        )
        if form.is_valid():
            try:
                referral = services.referral_create(user=request.user, **form.cleaned_data)
            except services.TransitionRefused as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                self.log_addition(request, referral, [{"added": {}}])
                return self.response_add(request, referral)
        return self._render_form_page(
            request,
            "admin/referrals/referral/add.html",
            form,
            {
                "title": gettext("Add %(name)s") % {"name": self.opts.verbose_name},
                "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
                "to_field": request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR)),
                **(extra_context or {}),
            },
        )

    def step_view(self, request, object_id, name):
        """Take one step with its form, through the step's service function."""
        referral = self.get_object(request, unquote(object_id))
        step = STEPS.get(name)
        if referral is None or step is None:
            raise Http404
        if not self.has_change_permission(request, referral):
            raise PermissionDenied
        if request.method != "POST":
            refusals = referral.step_refusals(request.user, name)
            if refusals:
                for message in refusals:
                    self.message_user(request, message, messages.ERROR)
                return redirect(self._change_url(referral))
        form = step.form(
            request.POST if request.method == "POST" else None,
            referral=referral,
            user=request.user,
        )
        if form.is_valid():
            try:
                step.run(referral=referral, user=request.user, form=form)
            except services.ConcurrentChange as exc:
                # The referral moved on: show its new state rather than a stale form.
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
                return redirect(self._change_url(referral))
            except services.TransitionRefused as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                self.log_change(request, referral, gettext("Step: %s") % step.label)
                self.message_user(
                    request,
                    gettext("%(step)s: the referral is now “%(state)s”.")
                    % {"step": step.label, "state": referral.get_state_display()},
                    messages.SUCCESS,
                )
                return redirect(self._change_url(referral))
        reads.shown(request, referral=referral)  # the step's form, under the client's name
        return self._render_form_page(
            request,
            "admin/referrals/referral/step.html",
            form,
            {
                "title": step.label,
                "subtitle": str(referral),
                "referral": referral,
                "step": step,
                "change_url": self._change_url(referral),
            },
        )

    @admin.action(description=_("Register candidacy (apply)"), permissions=["change"])
    def apply_selected(self, request, queryset):
        """Apply for every selected referral still in `informed`, through the service."""
        applied = skipped = 0
        for referral in queryset.select_related("client__ocmw", "training"):
            if referral.state != State.INFORMED:
                skipped += 1
                continue
            try:
                services.referral_apply(referral=referral, user=request.user)
            except services.TransitionRefused as exc:
                self.message_user(
                    request,
                    gettext("%(referral)s: %(reasons)s")
                    % {"referral": referral, "reasons": " ".join(map(str, exc.messages))},
                    messages.ERROR,
                )
            else:
                applied += 1
                self.log_change(request, referral, gettext("Step: %s") % STEPS["apply"].label)
        if applied:
            self.message_user(
                request,
                ngettext(
                    "Registered the candidacy of %(count)d referral.",
                    "Registered the candidacy of %(count)d referrals.",
                    applied,
                )
                % {"count": applied},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "Skipped %(count)d referral that is no longer “%(state)s”.",
                    "Skipped %(count)d referrals that are no longer “%(state)s”.",
                    skipped,
                )
                % {"count": skipped, "state": State.INFORMED.label},
                messages.WARNING,
            )
