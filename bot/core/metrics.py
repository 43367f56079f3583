"""Metrics: the built-in ones, workspace custom ones, alias matching and suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.errors import UserError

DEFAULT_COUNT_CAP = 1000
MONEY_CAP_CENTS = 10_000_000 * 100


class MetricKind(StrEnum):
    COUNT = "count"
    MONEY = "money"


@dataclass(frozen=True)
class Metric:
    key: str
    kind: MetricKind = MetricKind.COUNT
    aliases: tuple[str, ...] = ()
    # Counts: the largest whole number one entry may hold. Money: cents.
    cap: int = DEFAULT_COUNT_CAP
    builtin: bool = True

    @property
    def is_money(self) -> bool:
        return self.kind is MetricKind.MONEY

    @property
    def singular(self) -> str:
        if self.key == "opportunities":
            return "opportunity"
        return self.key[:-1] if self.key.endswith("s") else self.key


BUILTIN_METRICS: tuple[Metric, ...] = (
    Metric("calls", aliases=("call", "dial", "dials")),
    Metric("emails", aliases=("email",)),
    Metric("meetings", aliases=("meeting", "mtg", "mtgs")),
    Metric("demos", aliases=("demo",)),
    Metric("opportunities", aliases=("opp", "opps", "opportunity")),
    Metric("proposals", aliases=("proposal",)),
    Metric("deals", aliases=("deal", "won")),
    Metric("revenue", kind=MetricKind.MONEY, aliases=("rev", "$"), cap=MONEY_CAP_CENTS),
)


@dataclass
class MetricCatalog:
    """The metrics one workspace knows: built-ins plus its custom metrics."""

    metrics: list[Metric] = field(default_factory=lambda: list(BUILTIN_METRICS))

    def __post_init__(self) -> None:
        self._by_name: dict[str, Metric] = {}
        for metric in self.metrics:
            self._by_name[metric.key.lower()] = metric
            for alias in metric.aliases:
                self._by_name.setdefault(alias.lower(), metric)

    @classmethod
    def with_custom(cls, custom: Iterable[Metric]) -> MetricCatalog:
        return cls(list(BUILTIN_METRICS) + list(custom))

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.metrics]

    def get(self, key: str) -> Metric:
        return self._by_name[key.lower()]

    def lookup(self, word: str) -> Metric | None:
        return self._by_name.get(word.lower())

    def is_metric_word(self, word: str) -> bool:
        return word.lower() in self._by_name

    def resolve(self, word: str, example: str = "/log calls 12") -> Metric:
        """The metric a word names, or a UserError with a suggestion and the full list."""
        found = self.lookup(word)
        if found is not None:
            return found
        shown = word if len(word) <= 40 else word[:40] + "…"
        close = difflib.get_close_matches(word.lower(), list(self._by_name), n=1, cutoff=0.6)
        hint = f" — did you mean {self._by_name[close[0]].key}?" if close else ""
        raise UserError(f'Unknown metric "{shown}"{hint} Metrics: {", ".join(self.keys)}.', example)
