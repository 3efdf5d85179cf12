"""Small numbers: in the figures of who does not see the persons behind them, a count that
could point at a person is not shown.

- **Primary**: a count from 1 to `OKOT_SMALL_CELL_THRESHOLD` - 1 shows as `SmallCount`
  ("<5"). Zero shows: it points at nobody.
- **Secondary**: a column whose counts add up to a figure that shows (`Column.adds_up`: the
  total row, or for the funnel's states the referrals informed) would give a single small
  count away by subtraction; the smallest other count of that column is hidden as well
  (`HIDDEN`, "x"), so that two unknowns share what the total leaves.
- **Derived**: a share or a median computed from a hidden count (`Column.of`) is hidden.

Who sees exact figures is `access.sees_persons_behind_figures`; the page, its downloads,
its charts and the dashboard's province figures all go through `suppress`."""

import dataclasses

from django.conf import settings
from django.utils.translation import gettext as _

from .. import access
from .tables import NOT_DUE, Row, Table


@dataclasses.dataclass(frozen=True)
class SmallCount:
    """A count from 1 to below the threshold: shown as "<5"."""

    threshold: int

    def __str__(self) -> str:
        return f"<{self.threshold}"


class Hidden:
    """A count or share hidden because a small count could be derived from it: "x"."""

    def __str__(self) -> str:
        return "x"

    def __repr__(self) -> str:
        return "HIDDEN"

    def __reduce__(self) -> str:
        # Out of the figures' cache (a pickle) as the one HIDDEN, which `is` compares with.
        return "HIDDEN"


HIDDEN = Hidden()


def is_suppressed(value) -> bool:
    return isinstance(value, SmallCount) or value is HIDDEN


def threshold_for(user) -> int:
    """Below which a count is hidden from `user`'s figures: 0 (nothing hidden) for who sees
    the persons behind them, else `OKOT_SMALL_CELL_THRESHOLD` (0 switches it off)."""
    if access.sees_persons_behind_figures(user):
        return 0
    return max(settings.OKOT_SMALL_CELL_THRESHOLD, 0)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def protect_counts(values: list, threshold: int, *, adds_up: bool = False) -> list:
    """`values` with each small count replaced (primary) and, when they add up to a total
    that shows and exactly one is small, the smallest other count hidden (secondary)."""
    if threshold <= 0:
        return list(values)
    result = [SmallCount(threshold) if _is_count(v) and 0 < v < threshold else v for v in values]
    if adds_up and sum(isinstance(v, SmallCount) for v in result) == 1:
        others = [(v, i) for i, v in enumerate(result) if _is_count(v) and v > 0]
        if others:
            result[min(others)[1]] = HIDDEN
    return result


def suppress(table: Table, threshold: int) -> Table:
    """A copy of `table` as someone who does not see its persons may read it; the table
    itself when `threshold` is 0."""
    if threshold <= 0:
        return table
    rows = [dataclasses.replace(row, values=dict(row.values)) for row in table.rows]
    members = [row for row in rows if not row.is_total]
    totals = [row for row in rows if row.is_total]
    for column in table.columns:
        if column.kind != "count":
            continue
        key = column.key
        protected = protect_counts(
            [row.values.get(key) for row in members], threshold, adds_up=column.adds_up
        )
        for row, value in zip(members, protected, strict=True):
            _set(row, key, value)
        for row in totals:
            _set(row, key, protect_counts([row.values.get(key)], threshold)[0])
    if table.row_sums:
        _protect_row_sums(table, members, totals)
    for column in table.columns:
        for row in rows if column.of else []:
            value = row.values.get(column.key)
            # Nothing computed, or not yet due, says nothing of the count.
            if value is not None and value is not NOT_DUE:
                if any(is_suppressed(row.values.get(key)) for key in column.of):
                    row.values[column.key] = HIDDEN
    return dataclasses.replace(table, rows=rows, small_cells=threshold)


def _protect_row_sums(table: Table, members: list[Row], totals: list[Row]) -> None:
    """Where a row's counts add up to another of its counts that shows (`Table.row_sums`),
    one hidden part would come out by subtraction: hide the smallest other part too; then
    the same in each column with a total, for what that hid; until nothing changes."""
    columns = [c.key for c in table.columns if c.kind == "count" and c.adds_up]
    changed = True
    while changed:
        changed = False
        for row in members + totals:
            for whole, parts in table.row_sums:
                if not is_suppressed(row.values.get(whole)):
                    changed |= _hide_one_more([(row, key) for key in parts])
        for key in columns:
            if any(not is_suppressed(row.values.get(key)) for row in totals):
                changed |= _hide_one_more([(row, key) for row in members])


def _hide_one_more(cells: list[tuple[Row, str]]) -> bool:
    """When exactly one of `cells` is hidden, hide the smallest other count above 0."""
    if sum(is_suppressed(row.values.get(key)) for row, key in cells) != 1:
        return False
    others = [
        (row.values[key], i)
        for i, (row, key) in enumerate(cells)
        if _is_count(row.values.get(key)) and row.values[key] > 0
    ]
    if not others:
        return False
    row, key = cells[min(others)[1]]
    row.values[key] = HIDDEN
    return True


def _set(row: Row, key: str, value) -> None:
    if key in row.values:
        row.values[key] = value


def small_cells_note(threshold: int) -> str:
    """What "<5" and "x" mean, under the figures that have them."""
    return _(
        "A count below %(threshold)d shows as “<%(threshold)d” (none shows as 0), and a "
        "count or share from which one could be derived as “x”: a small number could "
        "point at a person."
    ) % {"threshold": threshold}
