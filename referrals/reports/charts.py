"""Geometry for the two server-rendered SVG charts; templates only draw what is here.

The tables next to the charts carry every figure, so the charts are a picture of them
(each SVG has a title and description and points to its table)."""

from dataclasses import dataclass

from .small import HIDDEN, is_suppressed
from .tables import CHECKUP_MONTHS, NOT_DUE, Table

# At least 3:1 against white (WCAG 1.4.11), and distinct from one another.
CHECKUP_COLOURS = ("#0a58ca", "#6f42c1", "#146c43", "#b02a37")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str = CHECKUP_COLOURS[0]


@dataclass(frozen=True)
class FunnelBar:
    label: str
    bar: Bar | None  # None where the count is hidden (small numbers): no length tells it
    text_x: float
    text_y: float
    reached: object  # a count, or its small-number stand-in
    conversion: object


def funnel_chart(table: Table, *, label_width: int = 180, bar_width: int = 420) -> dict:
    """One horizontal bar per stage, as long as the number of referrals that reached it;
    a hidden count (`small.suppress`) gets no bar, only its "<5"."""
    stages = [row for row in table.rows if row.values["reached"] is not None]
    counts = [row.values["reached"] for row in stages if not is_suppressed(row.values["reached"])]
    top = max(counts, default=0) or 1
    row_height, bar_height = 32, 22
    bars = []
    for i, row in enumerate(stages):
        hidden = is_suppressed(row.values["reached"])
        length = 0.0 if hidden else max(1.0, bar_width * row.values["reached"] / top)
        bars.append(
            FunnelBar(
                label=str(row.label),
                bar=None if hidden else Bar(label_width, i * row_height + 4, length, bar_height),
                text_x=label_width + length + 6,
                text_y=i * row_height + 4 + bar_height * 0.7,
                reached=row.values["reached"],
                conversion=row.values["conversion"],
            )
        )
    return {
        "width": label_width + bar_width + 140,
        "height": len(stages) * row_height + 8,
        "label_x": label_width - 8,
        "bars": bars,
    }


@dataclass(frozen=True)
class OutflowGroup:
    label: str
    label_x: float
    bars: list[Bar]
    not_due: list[float]  # x of the check-ups that are not yet due (drawn as "n.b.")
    hidden: list[float]  # x of the percentages hidden for small numbers (drawn as "x")


def outflow_chart(table: Table, *, plot_height: int = 200) -> dict:
    """Per group, four bars: the percentage at work 3, 6, 9 and 12 months after the end;
    none where the percentage is hidden (`small.suppress`)."""
    series = [(f"pct_{months}m", {"months": months}) for months in CHECKUP_MONTHS]
    groups = [(str(row.label) if row.is_total else row.group, row) for row in table.rows]
    return _percent_chart(groups, series, plot_height=plot_height)


def trend_chart(table: Table, *, plot_height: int = 200) -> dict:
    """Per start year, three bars: the percentage stopped early, with the diploma, and at
    work 12 months after a positive end (the legend says which, by its column's label)."""
    labels = {column.key: column.label for column in table.columns}
    series = [(key, {"label": labels[key]}) for key in TREND_SERIES]
    groups = [(row.group, row) for row in table.rows if not row.is_total]
    return _percent_chart(groups, series, plot_height=plot_height)


TREND_SERIES = ("pct_stopped", "pct_diplomas", "pct_at_work")


def _percent_chart(groups: list, series: list[tuple[str, dict]], *, plot_height: int) -> dict:
    """Per (label, row) of `groups`, a bar per (key, legend) of `series`: the percentage
    `row.values[key]` high; "n.b." where not yet due, "x" where hidden, nothing when none."""
    bar_width, group_gap, left, top = 16, 28, 48, 12
    group_width = bar_width * len(series) + group_gap
    drawn = []
    for g, (label, row) in enumerate(groups):
        x0 = left + group_gap / 2 + g * group_width
        bars, not_due, hidden = [], [], []
        for i, (key, _legend) in enumerate(series):
            x = x0 + i * bar_width
            value = row.values[key]
            if value is NOT_DUE:
                not_due.append(x + bar_width / 2)
            elif is_suppressed(value):
                hidden.append(x + bar_width / 2)
            elif value is not None:
                height = plot_height * float(value) / 100
                bars.append(
                    Bar(x, top + plot_height - height, bar_width - 2, height, CHECKUP_COLOURS[i])
                )
        drawn.append(
            OutflowGroup(label, x0 + group_width / 2 - group_gap / 2, bars, not_due, hidden)
        )
    return {
        "width": left + len(drawn) * group_width + 8,
        "height": top + plot_height + 40,
        "left": left,
        "label_y": top + plot_height + 18,
        "not_due_y": top + plot_height - 6,
        "gridlines": [
            {"y": top + plot_height * (1 - pct / 100), "label": f"{pct}%"}
            for pct in (0, 25, 50, 75, 100)
        ],
        "groups": drawn,
        "hidden_mark": str(HIDDEN),
        "legend": [
            {**legend, "colour": colour}
            for (_key, legend), colour in zip(series, CHECKUP_COLOURS, strict=False)
        ],
    }
