from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import access
from ..models import Referral
from .charts import funnel_chart, outflow_chart, trend_chart
from .export import CSV_ENCODING, XLSX_CONTENT_TYPE, to_csv, to_xlsx
from .forms import COHORT, ReportFilterForm, as_query, describe
from .page import cohort_sections, report_table, sections
from .small import small_cells_note, threshold_for
from .tables import filtered


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


def _sections(queryset, filters: dict, small_cells: int):
    """The page's sections by year of the event, or by start cohort."""
    make = cohort_sections if filters["basis"] == COHORT else sections
    return make(queryset, year=filters["year"], today=timezone.localdate(), small_cells=small_cells)


@require_GET
def reports(request):
    form, queryset, filters, small_cells = _report_scope(request)
    year = filters["year"]
    page_sections = _sections(queryset, filters, small_cells)
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
            t for section in _sections(queryset, filters, small_cells) for t in section.tables
        ]
        return _download(to_xlsx(tables, subtitle=subtitle), name, fmt)
    try:
        result = report_table(
            table,
            queryset,
            year=year,
            by=request.GET.get("by", ""),
            small_cells=small_cells,
            cohort=cohort,
        )
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
