"""The weekly digest's chart: each rep's week against target, as a PNG.

matplotlib's object-oriented API on the Agg canvas (no pyplot, no display, no global
state), so it renders the same bytes in any thread of a server. One panel per metric:
up to MAX_BARS reps as horizontal bars (actual, coloured by pace status) with a marker at
each rep's own prorated target; a bigger team as a histogram of reps by % of target,
because 500 bars would be unreadable and a channel needs the shape, not every name (the
lagging alert names the reps who need help)."""

from __future__ import annotations

import io
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.core.amounts import format_amount
from bot.core.messages import ChartFile
from bot.core.metrics import Metric, MetricKind
from bot.core.pace import PaceStatus

MAX_BARS = 30  # more reps than this in a panel: a histogram instead of one bar each
MAX_PANELS = 3  # metrics shown; the rest are named in a footnote
NAME_CHARS = 24
WIDTH_INCHES = 8.0
DPI = 100

STATUS_COLOURS = {
    PaceStatus.HIT: "#1b7837",
    PaceStatus.AHEAD: "#5aae61",
    PaceStatus.ON_PACE: "#a6dba0",
    PaceStatus.BEHIND: "#f4a442",
    PaceStatus.AT_RISK: "#d73027",
    PaceStatus.NOT_STARTED: "#bababa",
}
_LEGEND_ORDER = (
    PaceStatus.HIT, PaceStatus.AHEAD, PaceStatus.ON_PACE, PaceStatus.BEHIND, PaceStatus.AT_RISK, PaceStatus.NOT_STARTED,
)  # fmt: skip
# Histogram bins of % of target: 0–9 … 90–99, and everyone at or past the target.
BIN_LABELS = tuple(f"{low}–{low + 9}%" for low in range(0, 100, 10)) + ("≥100%",)


@dataclass(frozen=True)
class ChartBar:
    name: str
    actual: int
    target: int  # the rep's prorated target for the week
    status: PaceStatus

    @property
    def pct(self) -> int:
        return self.actual * 100 // self.target if self.target else 100


@dataclass(frozen=True)
class ChartPanel:
    metric: Metric
    bars: tuple[ChartBar, ...]


def histogram(bars: Sequence[ChartBar]) -> list[int]:
    """How many reps fall in each of BIN_LABELS."""
    counts = [0] * len(BIN_LABELS)
    for bar in bars:
        counts[min(max(bar.pct, 0) // 10, len(BIN_LABELS) - 1)] += 1
    return counts


def _plain(text: str) -> str:
    """Text as typed: matplotlib reads a pair of `$` as mathematics."""
    return text.replace("$", r"\$")


def _units(quantity: int, metric: Metric) -> float:
    return quantity / 100 if metric.is_money else float(quantity)


def _axis_formatter(metric: Metric) -> FuncFormatter:
    scale = 100 if metric.is_money else 1
    return FuncFormatter(lambda value, _pos: _plain(format_amount(round(value * scale), metric)))


def _draw_bars(ax: Axes, panel: ChartPanel) -> None:
    bars = sorted(panel.bars, key=lambda b: (-b.pct, b.name.casefold()))
    rows = range(len(bars))
    ax.barh(
        rows,
        [_units(b.actual, panel.metric) for b in bars],
        color=[STATUS_COLOURS[b.status] for b in bars],
        height=0.7,
    )
    ax.scatter(
        [_units(b.target, panel.metric) for b in bars],
        rows,
        marker="|",
        s=260,
        linewidths=2.2,
        color="#222222",
        zorder=3,
    )
    ax.set_yticks(list(rows), [_plain(_short(b.name)) for b in bars])
    ax.invert_yaxis()  # the best week on top
    ax.xaxis.set_major_formatter(_axis_formatter(panel.metric))
    if not panel.metric.is_money:  # counts are whole: no tick at 2.5 calls
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for row, bar in zip(rows, bars, strict=True):
        ax.annotate(f"{bar.pct}%", (_units(max(bar.actual, bar.target), panel.metric), row),
                    xytext=(6, 0), textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    ax.margins(x=0.12)
    ax.set_title(
        _plain(f"{panel.metric.key.capitalize()}: this week (bars) against target (|)"),
        loc="left",
        fontsize=10,
    )
    ax.grid(axis="x", alpha=0.3)


def _draw_histogram(ax: Axes, panel: ChartPanel) -> None:
    counts = histogram(panel.bars)
    colours = ["#4575b4"] * (len(counts) - 1) + [STATUS_COLOURS[PaceStatus.HIT]]
    ax.bar(range(len(counts)), counts, color=colours)
    ax.set_xticks(range(len(counts)), BIN_LABELS, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("reps")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    median = statistics.median(b.pct for b in panel.bars)
    ax.set_title(
        _plain(f"{panel.metric.key.capitalize()}: {len(panel.bars)} reps by % of target this week (median {median:.0f}%)"),
        loc="left", fontsize=10,
    )  # fmt: skip
    for index, count in enumerate(counts):
        if count:
            ax.annotate(
                str(count),
                (index, count),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    ax.grid(axis="y", alpha=0.3)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _height(panel: ChartPanel) -> float:
    return 1.2 + 0.3 * len(panel.bars) if len(panel.bars) <= MAX_BARS else 3.2


def render_chart(title: str, panels: Sequence[ChartPanel]) -> bytes:
    """The chart as PNG bytes: the same panels always give the same bytes."""
    shown = [p for p in panels if p.bars][:MAX_PANELS]
    hidden = [p.metric.key for p in panels if p.bars][MAX_PANELS:]
    heights = [_height(p) for p in shown] or [1.5]
    # A style context, so a matplotlibrc on the server cannot change the picture.
    with matplotlib.style.context("default"), warnings.catch_warnings():
        # A name in a script the bundled font lacks draws as boxes; not worth a warning each.
        warnings.simplefilter("ignore", UserWarning)
        height = sum(heights) + 0.9 + 0.3 * bool(hidden)
        figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
        FigureCanvasAgg(figure)
        figure.suptitle(_plain(title), fontsize=12, fontweight="bold", y=1 - 0.12 / height)
        # Fixed margins from the longest name, not a layout engine: constrained layout
        # draws the figure twice.
        longest = max(
            (len(_short(b.name)) for p in shown if len(p.bars) <= MAX_BARS for b in p.bars),
            default=4,
        )
        figure.subplots_adjust(
            left=min(0.4, (0.35 + 0.075 * longest) / WIDTH_INCHES),
            right=0.97,
            top=1 - 0.55 / height,
            bottom=(0.75 + 0.3 * bool(hidden)) / height,
            hspace=0.9 / (sum(heights) / max(len(heights), 1)),
        )
        axes = figure.subplots(
            len(heights), 1, squeeze=False, gridspec_kw={"height_ratios": heights}
        )[:, 0]
        if not shown:
            axes[0].axis("off")
            axes[0].text(0.5, 0.5, "No goals this week", ha="center", va="center")
        for ax, panel in zip(axes, shown, strict=False):
            (_draw_bars if len(panel.bars) <= MAX_BARS else _draw_histogram)(ax, panel)
        if any(len(p.bars) <= MAX_BARS for p in shown):
            handles = [Patch(color=STATUS_COLOURS[s], label=s.value) for s in _LEGEND_ORDER]
            figure.legend(
                handles=handles,
                loc="lower center",
                bbox_to_anchor=(0.5, 0.02 / height * 10 if hidden else 0.0),
                ncol=len(handles),
                fontsize=8,
                frameon=False,
            )
        if hidden:
            figure.text(
                0.5,
                0.05 / height,
                _plain("Also this week: " + ", ".join(hidden) + " (see /progress)"),
                ha="center",
                fontsize=8,
            )
        buffer = io.BytesIO()
        # No "Software" stamp: the bytes depend on the data alone.
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# ---------------------------------------------------------------------- drawn at delivery


def chart_spec(title: str, panels: Sequence[ChartPanel]) -> dict:
    """The chart's data as JSON: the digest job stores this in the outbox and the sender
    draws the PNG just before uploading it. Drawing a chart costs more than building the
    rest of a team's digest, and an upload waits for Slack anyway."""
    return {
        "title": title,
        "panels": [
            {
                "metric": panel.metric.key,
                "money": panel.metric.is_money,
                "bars": [[b.name, b.actual, b.target, b.status.value] for b in panel.bars],
            }
            for panel in panels
        ],
    }


def png_of(file: ChartFile) -> bytes:
    """A message's image as uploaded: its bytes, or its chart's data drawn now."""
    if file.content or file.chart is None:
        return file.content
    return render_spec(file.chart)


def render_spec(spec: dict) -> bytes:
    """render_chart() of a chart_spec(): the same bytes as drawing the panels directly."""
    panels = [
        ChartPanel(
            Metric(p["metric"], MetricKind.MONEY if p["money"] else MetricKind.COUNT),
            tuple(
                ChartBar(name, actual, target, PaceStatus(status))
                for name, actual, target, status in p["bars"]
            ),
        )
        for p in spec["panels"]
    ]
    return render_chart(spec["title"], panels)
