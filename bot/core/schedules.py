"""Scheduled jobs and their default times (SPEC §5); teams override them with /team schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class JobSchedule:
    job: str
    days: tuple[int, ...] | None  # weekday numbers, Monday = 0; None = off
    at: time | None

    @property
    def enabled(self) -> bool:
        return self.days is not None and self.at is not None

    def describe(self) -> str:
        if not self.enabled:
            return f"{self.job} off"
        assert self.days is not None and self.at is not None
        return f"{self.job} {days_text(self.days)} {self.at.strftime('%H:%M')}"


DEFAULT_SCHEDULES: dict[str, JobSchedule] = {
    "nudge": JobSchedule("nudge", (2,), time(10, 0)),
    "lagging-alert": JobSchedule("lagging-alert", (3,), time(9, 0)),
    "weekly-digest": JobSchedule("weekly-digest", (4,), time(16, 0)),
    "log-reminder": JobSchedule("log-reminder", None, None),
}


def stored_schedule(job: str, row: tuple[str | None, str | None] | None) -> JobSchedule:
    """A team's schedule for `job` from its stored (days, "HH:MM") row; no row means the
    default. A row with no days is "off"."""
    if row is None:
        return DEFAULT_SCHEDULES[job]
    days, at_text = row
    return JobSchedule(job, decode_days(days), time.fromisoformat(at_text) if at_text else None)


def days_text(days: tuple[int, ...]) -> str:
    """Mon–Fri or Sun–Thu for a run of days (wrapping past Sunday), else Mon, Wed, Fri."""
    ordered = sorted(set(days))
    if len(ordered) == 7:
        return "daily"
    if len(ordered) > 2:
        for first in ordered:
            run = [(first + i) % 7 for i in range(len(ordered))]
            if sorted(run) == ordered:
                return f"{DAY_NAMES[run[0]]}–{DAY_NAMES[run[-1]]}"
    return ", ".join(DAY_NAMES[d] for d in ordered)


def encode_days(days: tuple[int, ...]) -> str:
    return ",".join(str(d) for d in sorted(set(days)))


def decode_days(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    return tuple(int(part) for part in text.split(",") if part != "")
