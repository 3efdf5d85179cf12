"""The referral list for both sides: search, filters, sorting, pages, and its download."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.admin_paging import count_up_to
from audit import reads

from . import access
from .enums import State
from .list_export import EXPORT_MAX_ROWS, referrals_xlsx
from .listing import (
    CLEAR_SEARCH,
    REFERRAL_LIST,
    Page,
    SearchForm,
    headings,
    ordering_for,
    remember_list,
    store_search,
)
from .listing import stored_search as stored
from .models import Referral
from .referral_lists import ReferralFilterForm, searched, sorted_referrals
from .workbooks import XLSX_CONTENT_TYPE

PAGE_SIZE = 50
LIST = REFERRAL_LIST


def _listed(request):
    """The user's referrals as the list shows them now: filters and sort from the query
    string, the search from the session. Returns (form, columns, sort, search, queryset)."""
    form = ReferralFilterForm(request.GET, user=request.user)
    columns, default_sort = form.columns()
    sort, ordering = ordering_for(columns, request.GET.get("sort", ""), default_sort)
    search = stored(request, LIST)
    referrals = Referral.objects.visible_to(request.user).with_related().with_interrupted()
    if request.user.is_caseworker and sort.lstrip("-") == "client":
        # The OCMW again through the client, which PostgreSQL cannot know equals the
        # referral's copy: it may then walk the clients' (ocmw, name) index in order.
        referrals = referrals.filter(client__ocmw_id=request.user.organisation_id)
    referrals = sorted_referrals(searched(form.filter(referrals), search, request.user), ordering)
    return form, columns, sort, search, referrals


@require_http_methods(["GET", "POST"])
def referral_list(request):
    """A search is posted and kept in the session (never in the URL), then the list is
    shown again with its filters: the redirect keeps the query string as it was."""
    if not access.may_see_referrals(request.user):
        raise PermissionDenied
    if CLEAR_SEARCH in request.GET:  # a link that counted the list without a search
        store_search(request, LIST, SearchForm({}))
        query = request.GET.copy()
        query.pop(CLEAR_SEARCH)
        return redirect(f"{reverse('referrals:referral_list')}?{query.urlencode()}")
    if request.method == "POST":
        search_form = SearchForm(request.POST)
        if search_form.is_valid() or "clear" in request.POST:
            store_search(request, LIST, SearchForm({}) if "clear" in request.POST else search_form)
            query = request.GET.copy()
            query.pop("page", None)
            return redirect(f"{reverse('referrals:referral_list')}?{query.urlencode()}")
    else:
        search_form = SearchForm(initial={"q": stored(request, LIST)})
    form, columns, sort, search, referrals = _listed(request)
    query = request.GET.copy()
    page = Page(referrals, request.GET.get("page"), PAGE_SIZE, query)
    rows = reads.REFERRAL.of_all(page.object_list)
    if search:
        reads.searched(request, search, rows, hits=len(rows))
    else:
        reads.listed(request, rows)
    remember_list(request, LIST)
    return TemplateResponse(
        request,
        "referrals/referral_list.html",
        {
            "page": page,
            # VDAB's trainees: the referrals in training, as the navigation calls them.
            "title": _("Trainees")
            if request.GET.get("state") == State.IN_TRAINING
            else _("Referrals"),
            "filter_form": form,
            "search_form": search_form,
            "search": search,
            "headings": headings(columns, sort, query),
            "period_column": form.period_column,
            "export_query": query.urlencode(),
        },
        status=400 if request.method == "POST" else 200,
    )


def xlsx_download(request, queryset, *, subjects, workbook, name: str, too_many: str, back: str):
    """A list as the user sees it, as an XLSX download: refused with `too_many` (a message
    with %(max)s) and back to the list above EXPORT_MAX_ROWS rows, else an EXPORT row in the
    trail naming every person listed and `workbook(rows)` as `<name>-<day>.xlsx`.

    Counted before the rows are read, by their keys alone: reading 10,001 referrals with
    all they show, to refuse them, took 0.9 s."""
    over = count_up_to(queryset, EXPORT_MAX_ROWS) > EXPORT_MAX_ROWS
    rows = [] if over else list(queryset[: EXPORT_MAX_ROWS + 1])
    if over or len(rows) > EXPORT_MAX_ROWS:  # or grown since it was counted
        messages.error(request, too_many % {"max": EXPORT_MAX_ROWS})
        return redirect(f"{back}?{request.GET.urlencode()}")
    reads.listed(request, subjects.of_all(rows), kind=reads.Kind.EXPORT, detail={"format": "xlsx"})
    response = HttpResponse(workbook(rows), content_type=XLSX_CONTENT_TYPE)
    filename = f"{slugify(name)}-{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def referral_list_export(request):
    """The list as the user sees it (filters, search, sort) as an XLSX workbook."""
    if not access.may_see_referrals(request.user):
        raise PermissionDenied
    referrals = _listed(request)[-1]
    return xlsx_download(
        request,
        referrals,
        subjects=reads.REFERRAL,
        workbook=lambda rows: referrals_xlsx(rows, request.user),
        name=_("referrals"),
        too_many=_(
            "The list holds more than %(max)s referrals, too many for one download: "
            "narrow it with the filters first."
        ),
        back=reverse("referrals:referral_list"),
    )
