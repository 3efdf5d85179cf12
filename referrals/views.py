from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit import reads

from . import access, services
from .agreement import agreement_content
from .agreement_pdf import agreement_pdf
from .enums import RESPONSIBLE_SIDES, CandidacyOutcome, NoteVisibility
from .forms import (
    CandidacyForm,
    GuidanceNoteEditForm,
    GuidanceNoteForm,
    OutcomeCheckForm,
    add_validation_error,
)
from .models import Candidacy, GuidanceNote, Referral, Training
from .presenters import (
    candidacy_rows,
    referral_context,
)
from .responsible_forms import ResponsibleForm
from .school_year_forms import SchoolYearForm
from .services.responsible import may_change_responsible
from .step_forms import HandoverForm
from .steps import STEPS
from .vdab_forms import VdabRegistrationForm

PAGE_SIZE = 50

# What each page records of the personal data it shows (audit.reads, one INSERT a page;
# tests/audit/test_reads_trail.py classifies every URL): a page about one client or
# referral a VIEW of it (the printed agreement a PRINT), a list a VIEW per referral or
# client shown, a search its SEARCH with the hits shown. A refusal, a redirect and the
# catalogue record nothing; the figures (reports/) are counts, no one's data.


def _visible_referral(request, pk: int) -> Referral:
    return get_object_or_404(Referral.objects.visible_to(request.user).with_page_related(), pk=pk)


# --- referrals ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def candidacy_create(request):
    """VDAB registers a candidacy; the OCMW caseworker is then asked to agree.

    The answer is the same whatever the OCMW knows of the national number: back to this
    page, where the candidacy shows as the registrant typed it, waiting for the OCMW's
    formal agreement, among their earlier candidacies."""
    if not access.may_register_candidacy(request.user):
        raise PermissionDenied
    trainings = Training.objects.offered().responsible(request.user)
    form = CandidacyForm(
        request.POST or None, trainings=trainings, preselect=request.GET.get("training")
    )
    if request.method == "POST" and form.is_valid():
        candidacy = services.referral_register_candidacy(user=request.user, **form.cleaned_data)
        if candidacy.outcome == CandidacyOutcome.LIMITED:
            form.add_error(
                None,
                _(
                    "You registered many candidacies in a short time; try again later. "
                    "An administrator can help when this is urgent."
                ),
            )
        else:
            messages.success(
                request,
                _(
                    "The candidacy of %(name)s for %(training)s was registered; the OCMW is "
                    "asked to check it and give its formal agreement."
                )
                % {"name": candidacy.full_name, "training": candidacy.training.title},
            )
            return redirect("referrals:candidacy_create")
    candidacies = Candidacy.objects.of_registrant(request.user).select_related(
        "ocmw", "training", "referral"
    )
    page = Paginator(candidacies, PAGE_SIZE).get_page(request.GET.get("page"))
    # What the registrant typed, about the client it found (once agreed, with the OCMW's
    # reason if it declined): the row names each client found. A candidacy that found no client
    # is about no one the app holds, and is itself the trace of that lookup.
    reads.listed(request, reads.OF_REFERRAL.of_all(page.object_list))
    return TemplateResponse(
        request,
        "referrals/candidacy_create.html",
        {"form": form, "page": page, "rows": candidacy_rows(page)},
    )


def referral_detail(request, pk: int):
    referral = _visible_referral(request, pk)
    reads.shown(request, referral=referral)
    return TemplateResponse(
        request, "referrals/referral_detail.html", referral_context(referral, request.user)
    )


def _act_on_referral(request, referral, form, action, success, **context_forms):
    """Run `action` with a valid form and go back to the referral page. A refusal becomes an
    error message, invalid data becomes form errors on the re-rendered page (status 400)."""
    if form.is_valid():
        try:
            action()
        except services.TransitionRefused as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(referral)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, success())
            return redirect(referral)
    referral.refresh_from_db()
    reads.shown(request, referral=referral)  # the referral's page again, with the errors
    context = referral_context(referral, request.user, **context_forms)
    context["refused_form"] = form  # said at the top of the page (includes/error_summary.html)
    return TemplateResponse(request, "referrals/referral_detail.html", context, status=400)


@require_POST
def referral_step(request, pk: int, name: str):
    referral = _visible_referral(request, pk)
    step = STEPS.get(name)
    if step is None:
        raise Http404
    form = step.form(request.POST, referral=referral, user=request.user)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: step.run(referral=referral, user=request.user, form=form),
        success=lambda: (
            _("Done: %(step)s. The referral is now “%(state)s”.")
            % {"step": step.label, "state": referral.get_state_display()}
        ),
        bound_form=(name, form),
    )


@require_POST
def referral_note_add(request, pk: int):
    referral = _visible_referral(request, pk)
    form = GuidanceNoteForm(request.POST)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: services.guidance_note_add(
            referral=referral, user=request.user, **form.cleaned_data
        ),
        success=lambda: (
            _("The note was added; only your organisation reads it.")
            if form.cleaned_data["visibility"] == NoteVisibility.INTERNAL
            else _("The note was added; the other side can read it.")
        ),
        note_form=form,
    )


@require_POST
def referral_note_edit(request, pk: int):
    """Its author corrects a guidance note, shortly after writing it."""
    note = get_object_or_404(
        GuidanceNote.objects.visible_to(request.user).select_related("author"),
        pk=pk,
        author=request.user,  # another's note is not there to correct
    )
    referral = _visible_referral(request, note.referral_id)
    form = GuidanceNoteEditForm(request.POST, instance=note)
    changed = []
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: changed.append(
            services.guidance_note_edit(
                note=note,
                user=request.user,
                topic=form.cleaned_data["topic"],
                text=form.cleaned_data["note"],
                written_on=form.cleaned_data["written_on"],
            )
        ),
        success=lambda: (
            _("The note was corrected.") if changed[0] else _("Nothing changed in the note.")
        ),
        note_edit_form=form,
    )


@require_POST
def referral_outcome(request, pk: int):
    referral = _visible_referral(request, pk)
    form = OutcomeCheckForm(request.POST)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: services.outcome_check_record(
            referral=referral, user=request.user, request=request, **form.cleaned_data
        ),
        success=lambda: _("The check-up was recorded."),
        outcome_form=form,
    )


@require_POST
def referral_vdab_registration(request, pk: int):
    """VDAB's part of the client file (registered as job seeker, VDAB client number),
    recorded by the counsellor from the referral page."""
    referral = _visible_referral(request, pk)
    if not access.may_record_vdab_registration(referral, request.user):
        raise PermissionDenied
    form = VdabRegistrationForm(request.POST, client=referral.client)
    recorded = []
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: recorded.append(
            services.referral_record_vdab_registration(
                referral=referral, user=request.user, request=request, **form.cleaned_data
            )
        ),
        success=lambda: (
            _(
                "The registration with VDAB was recorded in the client file; the OCMW's "
                "caseworker is told in the app."
            )
            if recorded[0]
            else _("Nothing changed: the client file already said this.")
        ),
        vdab_form=form,
    )


@require_POST
def referral_handover(request, pk: int):
    """Record (or correct) the warm handover after the formal agreement."""
    referral = _visible_referral(request, pk)
    form = HandoverForm(request.POST, referral=referral)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: services.referral_record_handover(
            referral=referral, user=request.user, **form.cleaned_data
        ),
        success=lambda: _("The warm handover was recorded; VDAB can read it."),
        handover_form=form,
    )


@require_POST
def referral_school_year(request, pk: int):
    """VDAB records how a school year went; the OCMW reads it (403 here, and no form)."""
    if not access.records_school_years(request.user):
        raise PermissionDenied
    referral = _visible_referral(request, pk)
    form = SchoolYearForm(request.POST, referral=referral)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: services.school_year_record(
            referral=referral, user=request.user, request=request, **form.cleaned_data
        ),
        success=lambda: _("The school year was recorded; the OCMW can read it."),
        school_year_form=form,
    )


@require_POST
def referral_responsible(request, pk: int, side: str):
    """A colleague of the same organisation takes over the referral, or hands it on."""
    if side not in RESPONSIBLE_SIDES:
        raise Http404
    referral = _visible_referral(request, pk)
    if not may_change_responsible(referral, request.user, side):
        raise PermissionDenied
    form = ResponsibleForm(request.POST, referral=referral, side=side)
    changed = []
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: changed.append(
            services.referral_set_responsible(
                referral=referral, user=request.user, side=side, **form.cleaned_data
            )
        ),
        success=lambda: (
            _("%(person)s is now responsible for this referral.")
            % {"person": form.cleaned_data["person"]}
            if changed[0]
            else _("Nothing changed: %(person)s was already responsible.")
            % {"person": form.cleaned_data["person"]}
        ),
        responsible_form=form,
    )


def _agreed_referral(request, pk: int) -> Referral:
    referral = _visible_referral(request, pk)
    if referral.agreed_on is None:
        raise Http404
    return referral


def referral_agreement(request, pk: int):
    """The printable formal agreement (what the 'formeel akkoord' Word template was)."""
    referral = _agreed_referral(request, pk)
    reads.shown(request, referral=referral, kind=reads.Kind.PRINT)
    return TemplateResponse(
        request,
        "referrals/referral_agreement.html",
        {"referral": referral, "agreement": agreement_content(referral, request.user)},
    )


def referral_agreement_pdf(request, pk: int):
    """The same formal agreement as a PDF to download (A4), for signing on paper or
    filing; no personal data in its name."""
    referral = _agreed_referral(request, pk)
    reads.shown(request, referral=referral, kind=reads.Kind.EXPORT, detail={"format": "pdf"})
    response = HttpResponse(
        agreement_pdf(agreement_content(referral, request.user)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="formeel-akkoord-{referral.pk}.pdf"'
    return response
