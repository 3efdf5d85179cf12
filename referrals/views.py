from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from audit import reads

from . import access, services
from .enums import CandidacyOutcome, OkotType, State
from .forms import (
    CandidacyForm,
    ClientForm,
    ClientSearchForm,
    GuidanceNoteForm,
    OutcomeCheckForm,
    ReferralCreateForm,
    TemporaryWorkExperienceFormSet,
    add_validation_error,
)
from .models import Candidacy, Client, Referral, Training
from .presenters import (
    candidacy_rows,
    client_facts,
    consent_context,
    consent_notice,
    referral_client_facts,
    referral_context,
)
from .reports.small import protect_counts, small_cells_note, threshold_for
from .steps import STEPS

PAGE_SIZE = 50

# What each page records of the personal data it shows (audit.reads, one INSERT a page;
# tests/audit/test_reads_trail.py classifies every URL): a page about one client or
# referral a VIEW of it (the printed agreement a PRINT), a list a VIEW per referral or
# client shown, a search its SEARCH with the hits shown. A refusal, a redirect and the
# catalogue record nothing; the figures (reports/) are counts, no one's data.

WAITING_HEADINGS = {
    "apply": gettext_lazy("To register as candidate"),
    "agree": gettext_lazy("Waiting for your formal agreement"),
    "plan_intake": gettext_lazy("To plan an intake"),
    "screen": gettext_lazy("To screen after the intake"),
    "start": gettext_lazy("To start"),
    "end": gettext_lazy("In training: to end"),
    "close": gettext_lazy("To close"),
}


def _visible_referral(request, pk: int) -> Referral:
    return get_object_or_404(Referral.objects.visible_to(request.user).with_related(), pk=pk)


def _own_client(request, pk: int) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user), pk=pk)


# --- Mijn werk ------------------------------------------------------------------------------


class Section(NamedTuple):
    step: str
    heading: str
    rows: list
    more: bool  # there are more than the rows shown


def _section(step: str, heading, queryset) -> Section:
    rows = list(queryset.order_by("state_changed_at")[: PAGE_SIZE + 1])
    return Section(step, heading, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE)


def dashboard(request):
    user = request.user
    visible = Referral.objects.visible_to(user).with_related()
    context = {
        "sections": [
            _section(step, WAITING_HEADINGS[step], queryset)
            for step, queryset in visible.waiting_for(user).items()
        ],
        "overdue": _section("overdue", _("Overdue"), visible.overdue()),
        "province_figures": None,
    }
    rows = [r for section in [*context["sections"], context["overdue"]] for r in section.rows]
    reads.listed(request, reads.REFERRAL.of_all(rows))
    if user.is_network_manager:
        small_cells = threshold_for(user)
        context["province_figures"] = _province_figures(user, small_cells)
        context["small_cells_note"] = small_cells_note(small_cells) if small_cells else ""
    return TemplateResponse(request, "referrals/dashboard.html", context)


def _province_figures(user, small_cells: int) -> list[dict]:
    """The referrals of the network manager's province per state, small numbers hidden as
    in the figures (they add up to the funnel's total there)."""
    counts = Referral.objects.reportable_to(user).count_by_state()
    states = [(state, label) for state, label in State.choices if state in counts]
    totals = protect_counts([counts[state] for state, _l in states], small_cells, adds_up=True)
    return [
        {"state": label, "total": total}
        for (_state, label), total in zip(states, totals, strict=True)
    ]


# --- clients --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def client_list(request):
    """Search is a POST so that names and national numbers never end up in a URL."""
    if not access.may_see_clients(request.user):
        raise PermissionDenied
    clients = (
        Client.objects.visible_to(request.user)
        .not_pseudonymised()
        .annotate(referral_count=Count("referrals"))
        .order_by("last_name", "first_name", "pk")
    )
    form = ClientSearchForm(request.POST or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        clients = clients.search(query)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = reads.CLIENT.of_all(page.object_list)  # the page's rows, which it then shows
    if query:
        reads.searched(request, query, rows, hits=page.paginator.count)
    else:
        reads.listed(request, rows)
    return TemplateResponse(
        request,
        "referrals/client_list.html",
        {"form": form, "page": page, "searching": request.method == "POST"},
    )


@require_http_methods(["GET", "POST"])
def client_create(request):
    if not access.may_create_client(request.user):
        raise PermissionDenied
    return _client_form(request, Client())


@require_http_methods(["GET", "POST"])
def client_edit(request, pk: int):
    client = _own_client(request, pk)
    if not access.may_edit_client(client, request.user):
        raise PermissionDenied
    return _client_form(request, client)


def _client_form(request, client: Client):
    ocmw = client.ocmw if client.pk else request.user.organisation
    form = ClientForm(request.POST or None, instance=client, ocmw=ocmw)
    formset = TemporaryWorkExperienceFormSet(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            client = services.client_save(
                user=request.user,
                client=form.save(commit=False),
                experiences=formset.save(commit=False),
                deleted_experiences=formset.deleted_objects,
                request=request,
            )
            if consent := form.consent_to_record:
                services.consent_give(client=client, user=request.user, request=request, **consent)
        messages.success(request, _("The client's details were saved."))
        return redirect(client)
    if client.pk:  # the form shows the client's details (a new client's are only typed)
        reads.shown(request, client=client)
    return TemplateResponse(
        request,
        "referrals/client_form.html",
        {
            "form": form,
            "formset": formset,
            "client": client,
            **(consent_notice(client) if client.pk else {}),
        },
    )


def client_detail(request, pk: int):
    return client_page(request, _own_client(request, pk))


def client_page(request, client: Client, *, status: int = 200, **consent_forms):
    """The client's page; the consent views show it again with their bound form."""
    referrals = (
        Referral.objects.visible_to(request.user).filter(client=client).select_related("training")
    )
    reads.shown(request, client=client)
    return TemplateResponse(
        request,
        "referrals/client_detail.html",
        {
            "client": client,
            "facts": client_facts(client, request.user),
            "referrals": referrals,
            "experiences": client.temporary_work_experiences.all(),
            **consent_context(client, request.user, **consent_forms),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def referral_create(request, pk: int):
    client = _own_client(request, pk)
    form = ReferralCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                user=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        except services.TransitionRefused as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The referral was registered."))
            return redirect(referral)
    reads.shown(request, client=client)  # the page is headed with the client's name
    return TemplateResponse(
        request,
        "referrals/referral_create.html",
        {"form": form, "client": client, **consent_notice(client)},
    )


# --- referrals ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def candidacy_create(request):
    """VDAB registers a candidacy; the OCMW caseworker is then asked to agree.

    The answer is the same whatever the OCMW knows of the national number: back to this
    page, where the candidacy shows as the registrant typed it, waiting for the OCMW's
    formal agreement, among their earlier candidacies."""
    if not access.may_register_candidacy(request.user):
        raise PermissionDenied
    trainings = Training.objects.active().responsible(request.user)
    form = CandidacyForm(request.POST or None, trainings=trainings)
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
    # reason if it declined): one row per client found. A candidacy that found no client
    # is about no one the app holds, and is itself the trace of that lookup.
    reads.listed(request, reads.OF_REFERRAL.of_all(page.object_list))
    return TemplateResponse(
        request,
        "referrals/candidacy_create.html",
        {"form": form, "page": page, "rows": candidacy_rows(page)},
    )


def referral_list(request):
    if not access.may_see_referrals(request.user):
        raise PermissionDenied
    referrals = Referral.objects.visible_to(request.user).with_related()
    state = request.GET.get("state", "")
    if state in State.values:
        referrals = referrals.filter(state=state)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    reads.listed(request, reads.REFERRAL.of_all(page.object_list))
    return TemplateResponse(
        request,
        "referrals/referral_list.html",
        {"page": page, "states": State.choices, "current_state": state},
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
        success=lambda: _("The note was added; the other side can read it."),
        note_form=form,
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


def referral_agreement(request, pk: int):
    """The printable formal agreement (what the 'formeel akkoord' Word template was)."""
    referral = _visible_referral(request, pk)
    if referral.agreed_on is None:
        raise Http404
    reads.shown(request, referral=referral, kind=reads.Kind.PRINT)
    return TemplateResponse(
        request,
        "referrals/referral_agreement.html",
        {
            "referral": referral,
            "facts": referral_client_facts(referral, request.user, for_vdab=True),
            **consent_notice(referral.client),
        },
    )


# --- catalogue ------------------------------------------------------------------------------


def training_list(request):
    trainings = Training.objects.active().select_related(
        "contact_counsellor", "contact_counsellor__organisation"
    )
    okot_type = request.GET.get("type", "")
    if okot_type in OkotType.values:
        trainings = trainings.filter(okot_type=okot_type)
    return TemplateResponse(
        request,
        "referrals/training_list.html",
        {"trainings": trainings, "types": OkotType.choices, "current_type": okot_type},
    )
