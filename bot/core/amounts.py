"""Amounts in commands: whole counts (`12`, `1,200`) and money (`$4,500.50`, `4.5k`, `1.2m`).

Money is held as integer cents everywhere. Only ASCII digits are accepted: Python's int()
would also read Arabic-Indic or full-width digits, which nobody types on purpose.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.core.errors import UserError
from bot.core.mentions import shorten
from bot.core.metrics import Metric

_PLAIN_DIGITS = re.compile(r"[0-9]+")
_GROUPED_DIGITS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_NUMBER = re.compile(r"(?P<whole>[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]+))?")
_NUMBER_AND_SUFFIX = re.compile(r"(?P<number>[0-9.,]+)(?P<suffix>[^0-9.,]*)")
_AMOUNT_START = re.compile(r"[-−+]?\$?[-−+]?\.?[0-9]")
_MINUS_SIGNS = ("-", "−")
_SUFFIX_MULTIPLIER = {"": 1, "k": 1_000, "m": 1_000_000}
# Longer than any amount under a cap; stops int() on a pasted wall of digits (Python refuses
# int() of more than 4,300 digits with a ValueError, which is not a user error).
_MAX_DIGITS = 30


# Counts people spell out (`/log calls twelve`). Only up to twenty: beyond that nobody
# writes words in a chat command, and "twenty-one" would need a grammar of its own.
NUMBER_WORDS = {
    word: value
    for value, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty",
    ))
}  # fmt: skip


def number_word(token: str) -> int | None:
    """12 for `twelve` (any case), zero to twenty; None for anything else."""
    return NUMBER_WORDS.get(token.strip().lower())


def example_for(metric: Metric) -> str:
    return f"/log {metric.key} $4,500" if metric.is_money else f"/log {metric.key} 12"


def looks_like_amount(token: str) -> bool:
    """True for anything that starts like a number (`12`, `$4.5k`, `-3`, `.5`, `4kk`).

    Deliberately broad: a malformed amount should get an amount error ("-3 can't be
    negative"), not an "unknown metric" one. The log grammar checks metric names first, so a
    custom metric such as `1on1s` still works.
    """
    return _AMOUNT_START.match(token.strip()) is not None


def parse_amount(
    token: str, metric: Metric, *, allow_zero: bool = False, example: str | None = None
) -> int:
    """A count, or cents for a money metric. `allow_zero` is for corrections (`/log fix`)."""
    if metric.is_money:
        return parse_money_cents(token, metric, allow_zero=allow_zero, example=example)
    return parse_count(token, metric, allow_zero=allow_zero, example=example)


def parse_count(
    token: str, metric: Metric, *, allow_zero: bool = False, example: str | None = None
) -> int:
    """A whole number 1..metric.cap (0..cap with allow_zero); `1,200` separators allowed."""
    example = example or example_for(metric)
    text = token.strip()
    shown = shorten(text)
    lowest = 0 if allow_zero else 1
    if text.startswith(_MINUS_SIGNS) and any(ch.isdigit() for ch in text):
        raise UserError(f'"{shown}" is negative — {metric.key} must be {lowest} or more.', example)
    if _PLAIN_DIGITS.fullmatch(text) or _GROUPED_DIGITS.fullmatch(text):
        digits = text.replace(",", "")
        if len(digits) > _MAX_DIGITS:
            raise _over_cap(shown, metric, example)
        value = int(digits)
    elif re.fullmatch(r"[0-9,]+", text) and any(ch.isdigit() for ch in text):
        raise UserError(
            f'"{shown}" has misplaced thousands separators — write 1,200 or 1200.', example
        )
    elif re.fullmatch(r"[0-9,]*\.[0-9]*", text) and any(ch.isdigit() for ch in text):
        raise UserError(
            f'"{shown}" is not a whole number — {metric.key} are counted in whole numbers.',
            example,
        )
    elif text.startswith("$"):
        raise UserError(f'"{shown}" is money, but {metric.key} is a count.', example)
    else:
        raise UserError(f'"{shown}" is not a number of {metric.key}.', example)
    if value < lowest:
        raise UserError(f'"{shown}" is zero — log at least 1 {metric.singular}.', example)
    if value > metric.cap:
        raise _over_cap(shown, metric, example)
    return value


def parse_money_cents(
    token: str, metric: Metric, *, allow_zero: bool = False, example: str | None = None
) -> int:
    """Cents for `4500`, `4,500`, `$4,500.50`, `4.5k`, `1.2m`, `$1.2M`; > 0 and ≤ metric.cap.

    Without a suffix at most two decimals (cents) are allowed. With `k`/`m` the decimals may
    go further as long as the result is a whole number of cents (`4.5555k` = $4,555.50);
    anything finer is refused rather than silently rounded, because money is exact.
    """
    example = example or example_for(metric)
    text = token.strip()
    shown = shorten(text)
    body = text.removeprefix("$")
    if body.startswith(_MINUS_SIGNS) or text.startswith(_MINUS_SIGNS):
        if any(ch.isdigit() for ch in text):
            floor = "$0 or more" if allow_zero else "more than $0"
            raise UserError(f'"{shown}" is negative — {metric.key} must be {floor}.', example)
        raise UserError(f'"{shown}" is not an amount of money.', example)
    split = _NUMBER_AND_SUFFIX.fullmatch(body)
    if split is None or not any(ch.isdigit() for ch in split["number"]):
        raise UserError(f'"{shown}" is not an amount of money.', example)
    suffix = split["suffix"].lower()
    if suffix not in _SUFFIX_MULTIPLIER:
        raise UserError(
            f'"{shown}" has an unknown suffix "{shorten(split["suffix"], 10)}" — '
            "use k for thousands or m for millions (4.5k, 1.2m).",
            example,
        )
    number = _NUMBER.fullmatch(split["number"])
    if number is None:
        if "," in split["number"]:
            raise UserError(
                f'"{shown}" has misplaced thousands separators — write 4,500 or 4500.', example
            )
        raise UserError(f'"{shown}" is not an amount of money.', example)
    whole, frac = number["whole"].replace(",", ""), number["frac"] or ""
    if len(whole) > _MAX_DIGITS or len(frac) > _MAX_DIGITS:
        raise _over_cap(shown, metric, example)
    if not suffix and len(frac) > 2:
        raise UserError(f'"{shown}" has more than two decimals — money goes to the cent.', example)
    cents = Decimal(f"{whole}.{frac or 0}") * _SUFFIX_MULTIPLIER[suffix] * 100
    if cents != cents.to_integral_value():
        raise UserError(f'"{shown}" is finer than a cent.', example)
    value = int(cents)
    if value == 0 and not allow_zero:
        raise UserError(f'"{shown}" is zero — {metric.key} must be more than $0.', example)
    if value > metric.cap:
        raise _over_cap(shown, metric, example)
    return value


def format_amount(quantity: int, metric: Metric) -> str:
    """`12`, `1,200`, `$4,500`, `$4,500.50` — the same forms parse_amount reads back."""
    sign = "-" if quantity < 0 else ""
    quantity = abs(quantity)
    if not metric.is_money:
        return f"{sign}{quantity:,}"
    dollars, cents = divmod(quantity, 100)
    return f"{sign}${dollars:,}" + (f".{cents:02d}" if cents else "")


def _over_cap(shown: str, metric: Metric, example: str) -> UserError:
    limit = format_amount(metric.cap, metric)
    unit = "" if metric.is_money else f" {metric.key}"
    return UserError(f'"{shown}" is more than the limit of {limit}{unit} per entry.', example)
