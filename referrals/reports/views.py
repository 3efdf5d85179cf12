from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import access
from ..models import Referral
from . import cache
from .charts import funnel_chart, outflow_chart, trend_chart
from .cohort import COHORT_BREAKDOWNS
from .export import CSV_ENCODING, XLSX_CONTENT_TYPE, to_csv, to_xlsx
from .forms import COHORT, ReportFilterForm, as_query, describe
from .page import cohort_sections, report_table, sections
from .small import small_cells_note, threshold_for
from .tables import TABLE_BREAKDOWNS, filtered


def _report_scope(request):
    """The filter form, the referrals whose figures the user asked for, the filters, and
    below which count the figures hide a number (`small.threshold_for`)."""
    if not access.may_view_reports(request.user):
        raise PermissionDenied
    form = ReportFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    queryset = filtered(
        Referral.objects.reportable_to(request.user),
        ocmw=filters["ocmw"],
        region=filters["region"],
        okot_type=filters["okot_type"],
    )
    return form, queryset, filters, threshold_for(request.user)


def _sections(request, queryset, filters: dict, small_cells: int, *, cached_only=False):
    """The page's sections by year of the event, or by start cohort, from the cache while
    nothing they count changed (`cache`); with `cached_only`, None unless cached."""
    make = cohort_sections if filters["basis"] == COHORT else sections

    def compute():
        today = timezone.localdate()
        return make(queryset, year=filters["year"], today=today, small_cells=small_cells)

    what = ("page", as_query(filters), small_cells)
    return cache.remembered(request.user, what, None if cached_only else compute)


def _table(request, name: str, by: str, queryset, filters: dict, small_cells: int):
    """One table as a download asks for it: the page's own when the page's figures are in
    the cache, else counted alone (and then cached too). KeyError: no such table."""
    cohort = filters["basis"] == COHORT
    if by:
        wanted = by
    elif cohort:
        wanted = "" if name == "trend" else COHORT_BREAKDOWNS.get(name, ("",))[0]
    else:
        wanted = TABLE_BREAKDOWNS.get(name, ("",))[0]

    def compute():
        for section in _sections(request, queryset, filters, small_cells, cached_only=True) or []:
            for table in section.tables:
                if table.slug == name and table.by == wanted:
                    return table
        return report_table(
            name, queryset, year=filters["year"], by=by, small_cells=small_cells, cohort=cohort
        )

    return cache.remembered(
        request.user, ("table", as_query(filters), small_cells, name, by), compute
    )


@require_GET
def reports(request):
    form, queryset, filters, small_cells = _report_scope(request)
    year = filters["year"]
    page_sections = _sections(request, queryset, filters, small_cells)
    by_slug = {section.slug: section for section in page_sections}
    context = {
        "form": form,
        "year": year,
        "cohort": filters["basis"] == COHORT,
        "sections": page_sections,
        "funnel_chart": funnel_chart(by_slug["funnel"].tables[0]) if "funnel" in by_slug else None,
        "outflow_chart": outflow_chart(by_slug["outflow"].tables[0]),
        "trend_chart": trend_chart(by_slug["trend"].tables[0]) if "trend" in by_slug else None,
        "filter_query": as_query(filters),
        # What "<5" and "x" mean, when the figures may have them.
        "small_cells_note": small_cells_note(small_cells) if small_cells else "",
    }
    return TemplateResponse(request, "referrals/reports.html", context)


@require_GET
def report_export(request, table: str, fmt: str):
    """One table as CSV or XLSX, or every table of the page as one workbook (`all.xlsx`)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, queryset, filters, small_cells = _report_scope(request)
    year, subtitle, cohort = filters["year"], describe(filters), filters["basis"] == COHORT
    name = f"okot-{table}-{year or 'alle-jaren'}"
    if cohort:  # the start cohort's figures are named so, the trend is of every start year
        name = "okot-trend" if table == "trend" else f"okot-{table}-cohort-{year or 'alle-jaren'}"
    if table == "all" and fmt == "xlsx":
        tables = [
            t
            for section in _sections(request, queryset, filters, small_cells)
            for t in section.tables
        ]
        return _download(to_xlsx(tables, subtitle=subtitle), name, fmt)
    try:
        result = _table(request, table, request.GET.get("by", ""), queryset, filters, small_cells)
    except KeyError:
        raise Http404 from None
    if result.by:
        name = f"{name}-{result.by}"
    if fmt == "csv":
        return _download(to_csv(result).encode(CSV_ENCODING), name, fmt)
    return _download(to_xlsx([result], subtitle=subtitle), name, fmt)


def _download(content: bytes, name: str, fmt: str) -> HttpResponse:
    content_type = XLSX_CONTENT_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
