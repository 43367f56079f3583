"""The digest chart: a real PNG, the same bytes for the same data, bars for a small team and
a histogram for a big one, fast enough for 500 reps."""

from __future__ import annotations

import io
import time

from matplotlib.image import imread

from bot.core.metrics import Metric, MetricKind
from bot.core.pace import PaceStatus
from bot.render.chart import (
    BIN_LABELS,
    DPI,
    MAX_BARS,
    ChartBar,
    ChartPanel,
    histogram,
    render_chart,
)

CALLS = Metric("calls")
REVENUE = Metric("revenue", MetricKind.MONEY)
STATUSES = list(PaceStatus)
TITLE = "Team East — week of 16 Nov 2026"


def bars(count, target=60):
    return tuple(
        ChartBar(f"rep {i:03d}", (i * 7) % 90, target, STATUSES[i % len(STATUSES)])
        for i in range(count)
    )


def pixels(png):
    return imread(io.BytesIO(png), format="png")


def test_a_small_team_is_a_png_with_one_row_per_rep():
    eight = render_chart(TITLE, [ChartPanel(CALLS, bars(8))])
    sixteen = render_chart(TITLE, [ChartPanel(CALLS, bars(16))])
    assert eight.startswith(b"\x89PNG\r\n\x1a\n")
    height, width, _ = pixels(eight).shape
    assert width == 8 * DPI
    # Every rep gets a row of its own: twice the reps, a taller picture.
    assert pixels(sixteen).shape[0] - height >= 8 * 0.3 * DPI - 2


def test_the_same_data_gives_the_same_bytes_and_other_data_other_bytes():
    panels = [ChartPanel(CALLS, bars(8)), ChartPanel(REVENUE, bars(8, target=500_000))]
    assert render_chart(TITLE, panels) == render_chart(TITLE, panels)
    assert render_chart(TITLE, panels) != render_chart("Team West — week of 16 Nov 2026", panels)
    assert render_chart(TITLE, panels) != render_chart(
        TITLE, [ChartPanel(CALLS, bars(8, target=70)), panels[1]]
    )


def test_names_with_dollar_signs_are_not_read_as_mathematics():
    # A pair of "$" would be parsed as math text (and could fail to render at all).
    png = render_chart(
        "Team $ales — week of 16 Nov 2026",
        [ChartPanel(REVENUE, (ChartBar("$ally $mith", 150_000, 400_000, PaceStatus.BEHIND),))],
    )
    assert png.startswith(b"\x89PNG")


def test_histogram_bins_by_percent_of_target():
    found = [ChartBar("a", 0, 60, PaceStatus.AT_RISK), ChartBar("b", 5, 60, PaceStatus.AT_RISK),
             ChartBar("c", 59, 60, PaceStatus.ON_PACE), ChartBar("d", 60, 60, PaceStatus.HIT),
             ChartBar("e", 200, 60, PaceStatus.HIT), ChartBar("f", 0, 0, PaceStatus.HIT)]  # fmt: skip
    counts = histogram(found)
    assert len(counts) == len(BIN_LABELS) == 11 and BIN_LABELS[-1] == "≥100%"
    assert (counts[0], counts[9], counts[10], sum(counts)) == (2, 1, 3, 6)


def test_a_big_team_is_a_histogram_of_fixed_size_rendered_in_under_a_second():
    big = [
        ChartPanel(CALLS, bars(500)),
        ChartPanel(Metric("demos"), bars(500, target=5)),
        ChartPanel(REVENUE, bars(480, 900_000)),
    ]
    render_chart(TITLE, big)  # warm: fonts and caches load once per process
    started = time.perf_counter()
    png = render_chart(TITLE, big)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    # Histograms do not grow with the team: 500 reps are as tall as 31.
    just_over = [ChartPanel(p.metric, p.bars[: MAX_BARS + 1]) for p in big]
    assert pixels(png).shape == pixels(render_chart(TITLE, just_over)).shape
    assert pixels(png).shape[0] < 13 * DPI


def test_more_metrics_than_panels_are_named_not_drawn():
    four = [ChartPanel(Metric(m), bars(5)) for m in ("calls", "demos", "deals", "emails")]
    three = render_chart(TITLE, four[:3])
    assert pixels(render_chart(TITLE, four)).shape[0] > pixels(three).shape[0]  # the footnote line
    assert render_chart(TITLE, []).startswith(b"\x89PNG")
