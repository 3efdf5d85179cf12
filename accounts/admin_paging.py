"""Lists of a million rows: a count that stops at a cap, and deep pages read by their keys.

Django's changelist counts the filtered rows for its pages and, unless
`show_full_result_count = False`, the whole table again. A ModelAdmin over a table that
grows by the hundred thousand takes `CappedListMixin` (or `GrowingListMixin`); the admin
templates (pagination, search form, actions) then say "more than 10,000" where the count
stopped.

A page far down a list (OFFSET 20,000) makes the database read and join every row it skips;
`rows_between` finds the page's keys first, through the list's order alone, and reads only
those rows with all they show. The application's own lists (`referrals.listing.Page`) page
the same way.

Each row of a list with actions has a checkbox, which Django renders as a form widget, its
template each time: `ActionCheckboxMixin` writes the same HTML directly, as
`DirectInputsMixin` does for the inputs of a list's editable columns. And each row's link
to its change page carries the list's filters (and page) back: Django resolves every such
link again to learn that it is not the list itself, `RowLinksChangeList` writes them
directly."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import models
from django.forms.renderers import TemplatesSetting
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

COUNT_CAP = 10_000
# From this many rows skipped, a page is read by its keys first (`rows_between`).
DEEP = 1000


def rows_between(queryset, start: int, stop: int) -> list:
    """`list(queryset[start:stop])`; past DEEP rows, the keys of those rows first (in the
    queryset's order, without the joins of `select_related` or the unused annotations),
    then those rows alone. For a queryset of model instances (not `values()`, not a
    `union()`)."""
    if start < DEEP:
        return list(queryset[start:stop])
    keys = list(queryset.values_list("pk", flat=True)[start:stop])
    found = queryset.in_bulk(keys)
    return [found[key] for key in keys if key in found]


def count_up_to(queryset, cap: int | None = None) -> int:
    """How many rows `queryset` has, counted up to `cap` (COUNT_CAP) + 1: more than it.
    Counted in no order: a sliced count keeps the queryset's order, and the database then
    walks the rows in that order to find the first ones (the client list searched for a
    first name every twelfth client of Flanders has: 200 ms in its order, 20 ms without)."""
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by().values("pk")[: cap + 1].count()


# Where a list's search leaves the rows its paginator may count first (`count_first`).
COUNT_FIRST = "okot_count_first"


def count_first(request, rows) -> None:
    """Let the capped list of this request count `rows` first: a subset of the rows it
    lists, quicker to count than all of them, which it then need not count when they pass
    the cap (a search of a word many clients hold, whose rows are found by asking each: the
    first 10,001 lines of the history of the clients named Anna took 0.7 s to count that
    way)."""
    setattr(request, COUNT_FIRST, rows)


def counted_first(request, queryset):
    """The subset of `queryset` its search left to count first (`count_first`), taken from
    the request: None if it left none, or left one of another model's rows. Not when the
    list is made distinct (a filter that joins many rows to one), which the subset is not."""
    subset = request.__dict__.pop(COUNT_FIRST, None)
    if subset is None or subset.model is not queryset.model or queryset.query.distinct:
        return None
    return subset


class CappedPaginator(Paginator):
    """Counts the rows up to COUNT_CAP and stops there: counting millions takes seconds.
    `capped` says there are more; the list's templates say "more than".

    `subset`: a subset of the rows, quicker to count (`count_first`); when it passes the
    cap, so do the rows, which are then not counted."""

    cap = COUNT_CAP
    subset = None

    @cached_property
    def count(self) -> int:
        # In no order (`count_up_to`): the admin's referrals searched for a first name
        # every twelfth client has, 931 -> 354 ms; its clients, 75 -> 14 ms.
        if self.subset is not None and count_up_to(self.subset, self.cap) > self.cap:
            return self.cap + 1
        return count_up_to(self.object_list, self.cap)

    @cached_property
    def capped(self) -> bool:
        return self.count > self.cap

    def page(self, number):
        """Django's page, whose rows a deep page reads by their keys first: its
        `object_list` is a list, not a queryset (no `list_editable` with this paginator)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows_between(self.object_list, bottom, top), number, self)


class DateOrYearFilter(admin.DateFieldListFilter):
    """Django's date filter (today, the past 7 days, this month, this year) and each of the
    YEARS years before this one, worked out from today: the years a date hierarchy offered,
    without reading a row to find them."""

    YEARS = 10

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        new_year = timezone.localtime().replace(
            month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        if not isinstance(field, models.DateTimeField):
            new_year = new_year.date()
        self.links += tuple(
            (
                str(year),
                {
                    self.lookup_kwarg_since: new_year.replace(year=year),
                    self.lookup_kwarg_until: new_year.replace(year=year + 1),
                },
            )
            for year in range(new_year.year - 1, new_year.year - 1 - self.YEARS, -1)
        )


class CappedListMixin:
    """For the admin of a table of hundreds of thousands of rows: a count that stops at
    COUNT_CAP and no second count of the whole table (`CappedPaginator`), and no counts
    beside the filters' choices (Django's facets: a count of every choice over the whole
    list)."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedPaginator

    def get_paginator(self, request, queryset, *args, **kwargs):
        paginator = super().get_paginator(request, queryset, *args, **kwargs)
        paginator.subset = counted_first(request, queryset)
        return paginator


class GrowingListMixin(CappedListMixin):
    """For the admin of a table that grows with the referrals (a row or more of each, by
    the million in time: the history holds 6.5 million rows at a million referrals): a
    capped list (`CappedListMixin`); the latest recorded first, in the order of the key,
    which its index holds (the history in the order of its date, which none holds, was
    sorted whole for each page: 11 s); and no date hierarchy, whose queries read every row
    the list holds (the first and last date, then the years: 4-7 s for the history). The
    date is a filter of the list instead (`list_filter`, with `DateOrYearFilter`: today,
    the past 7 days, this month, this year, each year of the ten before), which reads no
    row to offer its choices."""

    ordering = ["-pk"]


class ActionCheckboxMixin:
    """For a ModelAdmin with actions: each row's checkbox as Django's `action_checkbox`
    renders it, written without rendering a widget's templates (100 rows: 0.2 ms a row, a
    fifth of the admin's referral list)."""

    def action_checkbox(self, obj):
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )


# Django's widget templates that are its <input> alone (`input.html`, with `attrs.html`).
INPUT_TEMPLATES = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "checkbox", "hidden", "text", "number", "email", "url")
}

# A field's errors: a list of them, shown only where it has some.
ERROR_LISTS = {f"django/forms/errors/list/{kind}.html" for kind in ("default", "ul")}


def input_html(widget: dict) -> SafeString:
    """What `django/forms/widgets/input.html` renders of a widget's context: its type,
    name, value if it has one, then each attribute (named alone if True, left out if
    False), escaped as the template escapes them."""
    html = format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
    if widget["value"] is not None:
        html += format_html(' value="{}"', widget["value"])
    for name, value in widget["attrs"].items():
        if value is True:
            html += format_html(" {}", name)
        elif value is not False:
            html += format_html(' {}="{}"', name, value)
    return format_html("{}>", html)


class InputsRenderer(TemplatesSetting):
    """For the rows of a list's editable columns: the project's form renderer
    (FORM_RENDERER, `TemplatesSetting`), but an <input> is written directly (`input_html`)
    rather than through its templates, and a field without errors writes nothing. Each took
    0.3 ms, asked a hundred times a page for each editable column, its errors and each
    row's key (the trainings' list 115 -> 83 ms). A test holds the two to the same HTML,
    which a template of these overridden in `templates/` would break."""

    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        if template_name in ERROR_LISTS and not context.get("errors"):
            return ""  # a field's errors, where it has none: `{% if errors %}…{% endif %}`
        return super().render(template_name, context, request)


class DirectInputsMixin:
    """For a ModelAdmin with `list_editable`: the forms of its rows render their inputs
    with `InputsRenderer`."""

    def get_changelist_form(self, request, **kwargs):
        form = super().get_changelist_form(request, **kwargs)
        return type(form.__name__, (form,), {"default_renderer": InputsRenderer})


class RowLinksChangeList(ChangeList):
    """A changelist whose rows link to their change page with the list's filters and page
    (`preserved_filters`, as Django's own links: `?_changelist_filters=…`) written on by
    `url_for_result`. Django's `items_for_result` passes each link to
    `add_preserved_filters`, which resolves the URL to tell whether it is the changelist
    itself (then it would take the filters as they are): 50 µs a link, against 5 for a
    link that comes with them; 100 rows of the referral changelist's 100th page, 5 of its
    51 ms. A row's link is never the changelist, so it is not asked: `preserved_filters`
    is empty for `items_for_result`, the only reader of the changelist's own (a test holds
    Django to that)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result) -> str:
        url = super().url_for_result(result)  # a change page's: no query of its own
        return f"{url}?{self.row_filters}" if self.row_filters else url
