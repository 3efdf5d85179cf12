from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from .. import tasks
from ..workbooks import XLSX_CONTENT_TYPE
from . import cache
from .charts import funnel_chart, outflow_chart, trend_chart
from .cohort import COHORT_BREAKDOWNS
from .export import CSV_ENCODING, to_csv, to_xlsx
from .figures import page_figures, report_scope, start_years
from .forms import COHORT, as_query, describe
from .page import report_table
from .small import small_cells_note, suppress
from .tables import TABLE_BREAKDOWNS


def _page_figures(request, queryset, filters: dict, small_cells: int):
    """The page's sections (`figures.page_figures`); those of all of Flanders and those slow
    to count may come as last counted while a worker counts them again, and those of all of
    Flanders never counted not at all (`pending`) until it has (the page says so; a
    download, which could not, calls `page_figures` without a recount)."""

    def recount():
        arguments = (request.user.pk, as_query(filters), translation.get_language())
        # As the other tasks: one connection attempt, not kombu's retries; a recount that
        # waited longer than the figures may be shown is of no use any more.
        tasks.recount_figures.apply_async(
            arguments,
            retry_policy={"max_retries": 0},
            expires=settings.OKOT_FIGURES_STALE_SECONDS,
        )

    return page_figures(request.user, queryset, filters, small_cells, recount=recount)


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

    page = page_figures(request.user, queryset, filters, small_cells, cached_only=True)
    for section in page.figures if page else []:
        for table in section.tables:
            if table.slug == name and table.by == wanted:
                return table
    if cohort and name == "trend" and not by:  # the same for every year, kept for them all
        trend = start_years(request.user, queryset, filters, timezone.localdate())
        return suppress(trend, small_cells)

    def compute():
        return report_table(
            name, queryset, year=filters["year"], by=by, small_cells=small_cells, cohort=cohort
        )

    what = ("table", as_query(filters), small_cells, name, by)
    return cache.remembered(request.user, what, compute).figures


@require_GET
def reports(request):
    form, queryset, filters, small_cells = report_scope(request.user, request.GET)
    year = filters["year"]
    counted = _page_figures(request, queryset, filters, small_cells)
    if counted.pending:  # the page shows itself again when they are (js/figures-progress.js)
        context = {"form": form, "filter_query": as_query(filters), "pending": True}
        return TemplateResponse(request, "referrals/reports.html", context)
    page_sections = counted.figures
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
        "counted_at": counted.at,
        "counted_before_today": timezone.localdate(counted.at) < timezone.localdate(),
        "counting_again": counted.stale,
    }
    return TemplateResponse(request, "referrals/reports.html", context)


@require_GET
def report_export(request, table: str, fmt: str):
    """One table as CSV or XLSX, or every table of the page as one workbook (`all.xlsx`)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, queryset, filters, small_cells = report_scope(request.user, request.GET)
    year, subtitle, cohort = filters["year"], describe(filters), filters["basis"] == COHORT
    name = f"okot-{table}-{year or 'alle-jaren'}"
    if cohort:  # the start cohort's figures are named so, the trend is of every start year
        name = "okot-trend" if table == "trend" else f"okot-{table}-cohort-{year or 'alle-jaren'}"
    if table == "all" and fmt == "xlsx":
        page = page_figures(request.user, queryset, filters, small_cells)
        tables = [t for section in page.figures for t in section.tables]
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
