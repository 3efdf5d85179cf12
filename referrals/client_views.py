"""The client pages: the list and its search, the file, its form, and a new referral for
the client. Each records in the audit trail what it shows (see `referrals.views`)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.admin_paging import count_up_to
from accounts.keys import is_pk
from audit import reads

from . import access, services
from .forms import (
    ClientForm,
    ReferralCreateForm,
    TemporaryWorkExperienceFormSet,
    add_validation_error,
)
from .list_export import clients_xlsx
from .list_views import xlsx_download
from .listing import (
    Column,
    Page,
    SearchForm,
    headings,
    ordering_for,
    store_search,
    stored_search,
)
from .models import Client, Referral, Training
from .presenters import client_facts, consent_context, consent_notice
from .services.concurrency import seen_version
from .vdab_presenters import last_vdab_registration
from .views import PAGE_SIZE


def _pk(value: str | None) -> int | None:
    return int(value) if is_pk(value) else None


def _own_client(request, pk: int) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user), pk=pk)


CLIENT_COLUMNS = [
    Column("name", gettext_lazy("Name"), ["last_name", "first_name"]),
    Column("birth_date", gettext_lazy("Birth date"), ["birth_date"]),
    Column("municipality", gettext_lazy("Municipality"), ["municipality"]),
    Column("consent", gettext_lazy("Consent VDAB"), ["consent_vdab"]),
    Column("referrals", gettext_lazy("Referrals"), ["referral_count"]),
]
CLIENT_LIST = "clients"
YES_NO = [("", gettext_lazy("All")), ("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))]


class ClientFilterForm(forms.Form):
    """The client list's filters, from the query string (codes only)."""

    consent = forms.ChoiceField(label=gettext_lazy("Consent VDAB"), choices=YES_NO, required=False)
    open_referral = forms.ChoiceField(
        label=gettext_lazy("An open referral"), choices=YES_NO, required=False
    )

    def __init__(self, data):
        super().__init__(data, auto_id="id_filter_%s")

    def filter(self, clients):
        if not self.is_valid():
            return clients
        consenting = Q(consent_vdab=True, consent_date__isnull=False)
        open_referral = Exists(Referral.objects.open().filter(client=OuterRef("pk")))
        for field, condition in (("consent", consenting), ("open_referral", Q(open_referral))):
            if self.cleaned_data[field] == "yes":
                clients = clients.filter(condition)
            elif self.cleaned_data[field] == "no":
                clients = clients.exclude(condition)
        return clients


def _referral_count() -> Subquery:
    """A client's referrals, counted per row shown: PostgreSQL runs this subquery for the
    page's rows only (unless the list is sorted on it), where a join and GROUP BY would
    count the referrals of every client before the page is cut."""
    per_client = Referral.objects.filter(client=OuterRef("pk")).order_by().values("client")
    return Coalesce(
        Subquery(per_client.annotate(n=Count("pk")).values("n")[:1]), 0, output_field=IntegerField()
    )


def _listed_clients(request):
    """The user's clients as the list shows them: filters and sort from the query string,
    the search from the session. Returns (sort, search, filter form, queryset)."""
    sort, ordering = ordering_for(CLIENT_COLUMNS, request.GET.get("sort", ""), "name")
    filters = ClientFilterForm(request.GET)
    clients = filters.filter(
        Client.objects.visible_to(request.user)
        .not_pseudonymised()
        .annotate(referral_count=_referral_count())
        .order_by(*ordering)
    )
    query = stored_search(request, CLIENT_LIST)
    return sort, query, filters, clients.search(query) if query else clients


@require_GET
def client_list_export(request):
    """The client list as the user sees it (search, sort) as an XLSX workbook."""
    if not access.may_see_clients(request.user):
        raise PermissionDenied
    _sort, _query, _filters, clients = _listed_clients(request)
    return xlsx_download(
        request,
        clients,
        subjects=reads.CLIENT,
        workbook=clients_xlsx,
        name=_("clients"),
        too_many=_(
            "The list holds more than %(max)s clients, too many for one download: "
            "search for fewer first."
        ),
        back=reverse("referrals:client_list"),
    )


@require_http_methods(["GET", "POST"])
def client_list(request):
    """Search is a POST so that names and national numbers never end up in a URL; the term
    is kept in the session, so that the list's other pages and sorts keep it, until the
    search is cleared or another one posted."""
    if not access.may_see_clients(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = SearchForm({} if "clear" in request.POST else request.POST)
        store_search(request, CLIENT_LIST, form)
    else:
        form = SearchForm(initial={"q": stored_search(request, CLIENT_LIST)})
    sort, query, filters, clients = _listed_clients(request)
    kept = request.GET.copy()
    kept.pop("page", None)
    # One row more than the page instead of a COUNT: 800,000 clients for an administrator.
    page = Page(clients, request.GET.get("page"), PAGE_SIZE, request.GET.copy())
    # A search is counted all the same: the trail records how many clients it found, not
    # how many the page shows. Up to the admin's cap, as its changelists count theirs:
    # counting them all took 55 of the 80 ms of a search for a common first name.
    hits = count_up_to(clients) if query else None
    # From the catalogue's "refer a client": the caseworker chooses the client here.
    refer_to = None
    if (training_pk := _pk(request.GET.get("training"))) is not None:
        refer_to = Training.objects.offered().filter(pk=training_pk).first()
    rows = reads.CLIENT.of_all(page.object_list)  # the page's rows, which it then shows
    if query:
        reads.searched(request, query, rows, hits=hits)
    else:
        reads.listed(request, rows)
    return TemplateResponse(
        request,
        "referrals/client_list.html",
        {
            "form": form,
            "page": page,
            "searching": bool(query),
            "filters": filters,
            "search": query,
            "refer_to": refer_to,
            "headings": headings(CLIENT_COLUMNS, sort, request.GET.copy()),
            "export_query": kept.urlencode(),
        },
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


# The form's hidden field: when the client it was opened on was last saved (`updated_at`),
# sent back as it came, also when the form is shown again with errors.
SEEN = "seen"


def _client_form(request, client: Client):
    ocmw = client.ocmw if client.pk else request.user.organisation
    form = ClientForm(request.POST or None, instance=client, ocmw=ocmw)
    formset = TemporaryWorkExperienceFormSet(request.POST or None, instance=client)
    seen = request.POST.get(SEEN) or (client.updated_at.isoformat() if client.pk else "")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        experiences = formset.save(commit=False)
        unsaved = [row for row in [client, *experiences] if row.pk is None]
        try:
            with transaction.atomic():
                saved = services.client_save(
                    user=request.user,
                    client=form.save(commit=False),
                    experiences=experiences,
                    deleted_experiences=formset.deleted_objects,
                    request=request,
                    seen=seen_version(request.POST.get(SEEN)) if client.pk else None,
                )
                if consent := form.consent_to_record:
                    services.consent_give(
                        client=saved, user=request.user, request=request, **consent
                    )
        except ValidationError as exc:  # saved since, or a trajectory agreed meanwhile
            for row in unsaved:  # rolled back: the page shows them as not yet saved
                row.pk = None
            add_validation_error(form, exc)
            if isinstance(exc, services.ClientChanged):
                seen = exc.updated_at.isoformat()  # sent again, it saves over what is now
        else:
            messages.success(request, _("The client's details were saved."))
            return redirect(saved)
    if client.pk:  # the form shows the client's details (a new client's are only typed)
        reads.shown(request, client=client)
    return TemplateResponse(
        request,
        "referrals/client_form.html",
        {
            "form": form,
            "formset": formset,
            "client": client,
            "seen": seen,
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
            "vdab_registration": last_vdab_registration(client),
            **consent_context(client, request.user, **consent_forms),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def referral_create(request, pk: int):
    client = _own_client(request, pk)
    form = ReferralCreateForm(
        request.POST or None,
        trainings=Training.objects.offered().order_by("okot_type", "title"),
        preselect=request.GET.get("training"),
    )
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
