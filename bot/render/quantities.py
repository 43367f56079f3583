"""How an amount of a metric reads in a message: "12 calls", "1 call", "$4,500 revenue"."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.amounts import format_amount
from bot.core.metrics import Metric


def quantity_text(quantity: int, metric: Metric) -> str:
    if metric.is_money:
        return f"{format_amount(quantity, metric)} {metric.key}"
    noun = metric.singular if abs(quantity) == 1 else metric.key
    return f"{format_amount(quantity, metric)} {noun}"


def joined(parts: Iterable[str]) -> str:
    return " · ".join(parts)
