from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from referrals.reports.small import is_suppressed
from referrals.reports.tables import NOT_DUE

register = template.Library()


@register.filter
def report_cell(value, kind: str = "count"):
    """A figure as people read it in their language: 1.448, 72,15% in Dutch; n.b. when the
    check-up is not yet due; a dash when there is nothing to compute; "<5" or "x" where a
    small number is hidden (explained once above the figures, and plain text, since a
    chart's SVG shows it too)."""
    if value is NOT_DUE:
        return format_html('<abbr title="{}">{}</abbr>', _("not yet due"), _("n/a"))
    if is_suppressed(value):
        return str(value)
    if value is None:
        return "–"
    if kind == "percent":
        return f"{number_format(value, 2, force_grouping=True)}%"
    return number_format(value, force_grouping=True)


@register.simple_tag(takes_context=True)
def export_url(context, table, fmt: str) -> str:
    """The download of `table` with the filters in effect on the page (never personal data)."""
    query = QueryDict(context["filter_query"], mutable=True)
    if getattr(table, "by", ""):
        query["by"] = table.by
    slug = table if isinstance(table, str) else table.slug
    return f"{reverse('referrals:report_export', args=[slug, fmt])}?{query.urlencode()}"


@register.filter
def zip_cells(columns, cells):
    """Each cell with its column, so the cell is formatted by the column's kind."""
    return zip(columns, cells, strict=True)
