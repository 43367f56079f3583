"""What a /log use case did, as plain values: bot/services/activity.py returns these and
bot/render/log_replies.py turns them into the reply. Names of people are raw (as stored);
escaping them is the renderer's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.metrics import Metric
from bot.core.periods import Period
from bot.core.standings import Standing


@dataclass(frozen=True)
class CrmOnly:
    """Metrics of one /log that only HubSpot records for the target's team."""

    team: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class MetricAmount:
    """A quantity of one metric: logged, or a total."""

    metric: Metric
    quantity: int  # a count, or cents for money metrics


@dataclass(frozen=True)
class MetricPace:
    """Where the person stands on one logged metric's live goal, in the goal's own period."""

    metric: Metric
    standing: Standing


@dataclass(frozen=True)
class LogProgress:
    """What a /log reply ends with: pace per metric with a live goal, then the week's total
    of the others (no week line when every metric has a goal)."""

    today: date
    paced: tuple[MetricPace, ...]
    week: Period
    week_totals: tuple[MetricAmount, ...]


@dataclass(frozen=True)
class Logged:
    """A /log stored: what, for whom (None: the caller), on which day."""

    amounts: tuple[MetricAmount, ...]
    for_name: str | None
    day: date
    today: date
    progress: LogProgress
    crm_override: CrmOnly | None  # a manager's hand entry of metrics HubSpot records


@dataclass(frozen=True)
class EntryFacts:
    """One stored entry, as an undo or a list shows it."""

    metric: Metric
    day: date
    quantity: int
    kind: str  # "fix" for a /log fix's correction
    note: str | None
    source: str
    logged_by: str | None = None  # the enterer's name, when a list shows it


@dataclass(frozen=True)
class Undone:
    """The caller's last /log removed. `owner`: whose it was, when not the caller's own."""

    removed: tuple[EntryFacts, ...]
    owner: str | None
    day: date
    today: date
    week: Period
    week_totals: tuple[MetricAmount, ...]


@dataclass(frozen=True)
class AlreadySet:
    """A /log fix to the total the day already has: nothing stored."""

    metric: Metric
    quantity: int
    day: date
    today: date


@dataclass(frozen=True)
class Fixed:
    """A day's total of one metric set by /log fix (None `for_name`: the caller's own)."""

    metric: Metric
    was: int
    quantity: int
    for_name: str | None
    day: date
    today: date
    week: Period
    week_totals: tuple[MetricAmount, ...]
    crm_override: CrmOnly | None


@dataclass(frozen=True)
class EntryList:
    """The caller's entries for a day, this week, or the most recent ones, newest first:
    the first of `total`."""

    entries: tuple[EntryFacts, ...]
    total: int
    day: date | None
    this_week: bool
    today: date


@dataclass(frozen=True)
class TimeOffRecorded:
    """Time off stored for the caller (None `for_name`) or a member."""

    for_name: str | None
    start: date
    end: date
    today: date
