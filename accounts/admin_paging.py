"""Admin lists of a million rows: a count that stops at a cap.

Django's changelist counts the filtered rows for its pages and, unless
`show_full_result_count = False`, the whole table again. A ModelAdmin over a table that
grows by the hundred thousand sets both `show_full_result_count = False` and
`paginator = CappedPaginator`; the admin templates (pagination, search form, actions) then
say "more than 10,000" where the count stopped."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts the rows up to COUNT_CAP and stops there: counting millions takes seconds.
    `capped` says there are more; the list's templates say "more than"."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def capped(self) -> bool:
        return self.count > self.cap
