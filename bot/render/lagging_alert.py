"""The lagging-rep alert a team's managers get: who is behind or at risk, by how much, what
it takes per day to recover, and for how many weeks in a row; or a short all-clear."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.amounts import format_amount
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, short_date
from bot.core.progress_bar import progress_bar
from bot.core.standings import Standing
from bot.core.streaks import LOOKBACK_WEEKS
from bot.render.block_limits import MESSAGE_TEXT, Blocks, clip, context, section, sections
from bot.render.quantities import quantity_text
from bot.render.standing_lines import STATUS_EMOJI, amount_over_target, metric_of, needed_amount
from bot.render.text import escape

LEGEND = (
    "Gap: how far below where pace expects them today. Weeks in a row: this week plus each "
    "earlier week that ended behind or at risk."
)

# A manager reads the top of the list; the rest is one summary line (SPEC §5: long lists
# are summarised). 30 lines stay well inside one message.
MAX_REPS = 30


@dataclass(frozen=True)
class LaggingGoal:
    standing: Standing
    weeks_behind: int


@dataclass(frozen=True)
class LaggingRep:
    person_id: int
    name: str
    goals: tuple[LaggingGoal, ...]
    # In a region's alert, the heading of the rep's own team ("Dustin", "Dustin › North").
    team: str = ""


def weeks_text(weeks: int, lookback: int = LOOKBACK_WEEKS) -> str:
    """ "first week behind", "3 weeks in a row", or "9+ weeks in a row" when every week
    looked back at was behind too."""
    if weeks <= 1:
        return "first week behind"
    if weeks > lookback:
        return f"{lookback + 1}+ weeks in a row"
    return f"{weeks} weeks in a row"


def goal_text(lagging: LaggingGoal, catalog: MetricCatalog) -> str:
    """ "calls ▓░░░░┃░░░░ 16% — 10 / 60 calls · at risk · gap 26 calls (expected 36) · needs 25
    calls/day · 3 weeks in a row"."""
    standing = lagging.standing
    pace = standing.pace
    metric = metric_of(catalog, standing.goal.metric)
    kind = " (team: everyone)" if standing.goal.kind == "collective" else ""
    parts = [
        f"{metric.key}{kind} {progress_bar(pace.pct, pace.expected_pct)} — {amount_over_target(standing, metric)}",
        pace.status.value,
        f"gap {quantity_text(pace.gap_to_expected, metric)} (expected {format_amount(pace.expected, metric)})",
        f"needs {needed_amount(standing, metric)}",
        weeks_text(lagging.weeks_behind),
    ]
    return " · ".join(parts)


def rep_line(rep: LaggingRep, catalog: MetricCatalog) -> str:
    """The rep's most urgent goal on the first line, any others indented below; one
    string, so packing into sections never separates a rep's goals."""
    worst = rep.goals[0].standing.pace.status
    first, *others = (goal_text(g, catalog) for g in rep.goals)
    return "\n".join(
        [f"{STATUS_EMOJI[worst]} *{escape(rep.name)}* — {first}", *(f"      {o}" for o in others)]
    )


def alert_message(
    team_name: str,
    view: Period,
    today: date,
    reps: Sequence[LaggingRep],
    catalog: MetricCatalog,
) -> tuple[str, Blocks]:
    """(notification text, blocks) listing `reps`, most urgent first as given."""
    team = escape(team_name)
    count = f"{len(reps)} rep{'s' if len(reps) != 1 else ''}"
    head = f"*Team {team}: {count} behind or at risk* — {view.label}, as of {short_date(today)}"
    shown = reps[:MAX_REPS]
    lines = [rep_line(rep, catalog) for rep in shown]
    if len(reps) > len(shown):
        lines.append(
            f"…and {len(reps) - len(shown)} more behind or at risk: `/progress team:{team_name}` lists everyone."
        )
    blocks: Blocks = [section(head), *sections(lines)]
    blocks.append(context(LEGEND))
    # Escaped here too: Slack reads a notification's text as mrkdwn, and a name is anyone's.
    names = ", ".join(
        f"{escape(rep.name)} ({', '.join(g.standing.goal.metric for g in rep.goals)})"
        for rep in shown
    )
    return clip(f"Team {team}: {count} behind or at risk this week — {names}", MESSAGE_TEXT), blocks


def region_alert_message(
    team_name: str,
    view: Period,
    today: date,
    reps: Sequence[LaggingRep],
    headings: Sequence[str],
    catalog: MetricCatalog,
) -> tuple[str, Blocks]:
    """(notification text, blocks) of a region's alert: the most urgent MAX_REPS of `reps`
    (most urgent first, as given), each under its team's heading (`rep.team`), the teams in
    the order of `headings` (the region's outline); the rest is one summary line."""
    team = escape(team_name)
    count = f"{len(reps)} rep{'s' if len(reps) != 1 else ''}"
    head = f"*Team {team}: {count} behind or at risk* — {view.label}, as of {short_date(today)}"
    shown = reps[:MAX_REPS]
    counts = Counter(rep.team for rep in reps)
    by_team: dict[str, list[LaggingRep]] = {}
    for rep in shown:
        by_team.setdefault(rep.team, []).append(rep)
    lines: list[str] = []
    summary: list[str] = []
    for heading in headings:
        mine = by_team.get(heading)
        if not mine:
            continue
        label = f"*{escape(heading)}* · {counts[heading]} rep{'s' if counts[heading] != 1 else ''}"
        if len(mine) < counts[heading]:
            label += f", {len(mine)} shown"
        first, *others = (rep_line(rep, catalog) for rep in mine)
        # The heading shares its first rep's line, so packing never leaves it alone at the
        # end of a section.
        lines += [f"{label}\n{first}", *others]
        summary.append(f"{escape(heading)}: " + ", ".join(_named(rep) for rep in mine))
    if len(reps) > len(shown):
        left = Counter(rep.team for rep in reps[len(shown) :])
        where = ", ".join(f"{escape(h)} {left[h]}" for h in headings if left.get(h))
        lines.append(
            f"…and {len(reps) - len(shown)} more behind or at risk ({where}): `/progress team:{team_name}` lists everyone."
        )
    blocks: Blocks = [
        section(head),
        *sections(lines),
        context("Each rep is under their own team. " + LEGEND),
    ]
    return clip(
        f"Team {team}: {count} behind or at risk this week — {'; '.join(summary)}", MESSAGE_TEXT
    ), blocks


def _named(rep: LaggingRep) -> str:
    return f"{escape(rep.name)} ({', '.join(g.standing.goal.metric for g in rep.goals)})"


def all_clear_message(
    team_name: str, view: Period, today: date, with_goals: int
) -> tuple[str, Blocks]:
    """The short note when nobody lags: how many reps with goals it looked at."""
    team_name = escape(team_name)
    if with_goals == 1:
        text = (
            f"All clear on team {team_name}: its one rep with a goal is not behind ({view.label})."
        )
    elif with_goals:
        text = f"All clear on team {team_name}: none of its {with_goals} reps with goals is behind or at risk ({view.label})."
    else:
        text = f"All clear on team {team_name}: no rep has a goal to be behind on ({view.label})."
    return clip(text, MESSAGE_TEXT), [section("✅ " + text), context(f"As of {short_date(today)}.")]
