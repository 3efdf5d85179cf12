"""The figures a user asked for, by the filters of the page: the referrals they count, and
the page's sections from the cache (`cache`). Shared by the views and the worker's recount
(`tasks.recount_figures`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone, translation

from accounts.models import Province, Role

from .. import access
from ..enums import OkotType
from ..models import Referral
from . import cache
from .cohort import trend
from .forms import COHORT, FIRST_YEAR, ReportFilterForm, as_query
from .page import cohort_sections, sections
from .small import threshold_for
from .tables import Table, filtered


def report_scope(user, data: QueryDict):
    """The filter form, the referrals whose figures `user` asked for in `data`, the filters,
    and below which count the figures hide a number (`small.threshold_for`)."""
    if not access.may_view_reports(user):
        raise PermissionDenied
    form = ReportFilterForm(data or None, user=user)
    filters = form.filters()
    queryset = filtered(
        Referral.objects.reportable_to(user),
        ocmw=filters["ocmw"],
        region=filters["region"],
        okot_type=filters["okot_type"],
    )
    return form, queryset, filters, threshold_for(user)


def page_figures(
    user,
    queryset,
    filters: dict,
    small_cells: int,
    *,
    cached_only=False,
    recount=None,
    slow=False,
) -> cache.Counted | None:
    """The page's sections by year of the event, or by start cohort, from the cache while
    nothing they count changed; with `cached_only`, None unless cached. With `recount`,
    figures of all of Flanders and those slow to count (`slow`: whatever this count takes)
    may come as last counted while it has them counted again, and those of all of Flanders
    never counted as `pending` (no figures) while it counts them (`cache.remembered`)."""

    def compute():
        today = timezone.localdate()
        if filters["basis"] != COHORT:
            return sections(queryset, year=filters["year"], today=today, small_cells=small_cells)
        return cohort_sections(
            queryset,
            year=filters["year"],
            today=today,
            small_cells=small_cells,
            trend_table=lambda: start_years(user, queryset, filters, today),
        )

    what = ("page", as_query(filters), small_cells)
    compute_unless_cached = None if cached_only else compute
    return cache.remembered(
        user, what, compute_unless_cached, recount=recount, slow=slow, page=True
    )


def start_years(user, queryset, filters: dict, today) -> Table:
    """The start years side by side (`cohort.trend`), as counted, small numbers not hidden
    yet: the same whatever year the page by start cohort shows, so kept once for them all,
    as long as the page's figures (most of the time of a page by start cohort of all of
    Flanders goes to it)."""
    # The day it is counted for in the key too: the page may have taken its day before
    # midnight and this key after it.
    what = ("trend", as_query({**filters, "year": None}), today)
    return cache.remembered(user, what, lambda: trend(queryset, today=today)).figures


def count_again(user_id: int, query: str, language: str, *, ahead: bool = False) -> bool:
    """Count the figures page that `user_id` asked with `query` into the cache, in
    `language`, unless it is there and up to date; nothing when they may no longer see it.
    `ahead` (of the day): kept as slow to count, until the next day ends and, after a
    change or on that day, shown as counted while counted again. Whether it counted."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not access.may_view_reports(user):
        return False
    with translation.override(language):
        _form, queryset, filters, small_cells = report_scope(user, QueryDict(query))
        if page_figures(user, queryset, filters, small_cells, cached_only=True) is not None:
            return False
        page_figures(user, queryset, filters, small_cells, slow=ahead)
        return True


def ahead(today, *, narrowed: bool = False) -> list[str]:
    """The pages `count_ahead` counts, as their filters: every year the page offers and all
    years, by year of the event and by start cohort, this year's first (the page as it
    opens). `narrowed` (all of Flanders'): instead this year and all years of each OKOT
    type and of each VDAB region, which go through the trainings and take a second or more
    to count over all of Flanders. Other filters (an OCMW, a type within a province) count
    fewer referrals, on the request."""

    def pages(years, narrow: str = "") -> list[str]:
        return [
            f"year={year}{basis}{narrow}" for year in years for basis in ("", f"&basis={COHORT}")
        ]

    if not narrowed:
        return pages([*range(today.year, FIRST_YEAR - 1, -1), ""])
    narrower = [f"&okot_type={code}" for code in OkotType.values]
    narrower += [f"&region={code}" for code in Province.values]
    return [page for narrow in narrower for page in pages([today.year, ""], narrow)]


def count_ahead() -> int:
    """Count into the cache, before anyone asks, the figures that take a second or more to
    count: the pages `ahead` for all of Flanders, for each province (a network manager's)
    and for each VDAB region (a counsellor's), then all of Flanders' narrowed ones (the
    least asked last: a task stopped by a deploy loses those), in each language (a worker's
    task, early each morning: the figures of a new day are counted again; after a change, a
    page counted that day is shown as counted while it is counted again). How many pages it
    counted (those still in the cache are not counted again)."""
    if settings.OKOT_FIGURES_CACHE_SECONDS <= 0:
        return 0
    by_scope = _one_per_scope(Role.ADMINISTRATOR, Role.NETWORK_MANAGER, Role.COUNSELLOR)
    today = timezone.localdate()
    work = [(user, ahead(today)) for user in by_scope.values()]
    if cache.ALL in by_scope:
        work.append((by_scope[cache.ALL], ahead(today, narrowed=True)))
    counted = 0
    for user, queries in work:
        for language, _name in settings.LANGUAGES:
            for query in queries:
                counted += count_again(user.pk, query, language, ahead=True)
    return counted


def _one_per_scope(*roles: Role) -> dict:
    """One active holder of `roles` for each scope of figures they report on (all of
    Flanders, a province, a region): the first by role, then by primary key. The figures of
    the others of a scope are the same."""
    first = {}
    for role in roles:
        for user in role.holders().select_related("organisation").order_by("pk"):
            first.setdefault(cache.scopes_of(user)[0], user)
    return first
