"""The values in a /goal command: targets and rates (`calls 60/week`), money, percentages,
weights, dates, and rewards or prizes, each checked with goal wording."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from bot.core.amounts import format_amount, looks_like_amount, parse_amount, parse_money_cents
from bot.core.dates import parse_iso_date, weekday_index
from bot.core.decomposition import WEIGHTS_EXAMPLE
from bot.core.errors import UserError
from bot.core.funnel import parse_rate_pct
from bot.core.goal_grammar.errors import unknown_word
from bot.core.goal_grammar.usage import OPTION_LISTS
from bot.core.goal_grammar.words import (
    PER_WORDS,
    PERIODISH,
    RELATIVE_WORDS,
    TEAM_PREFIX,
    looks_like_period_word,
)
from bot.core.mentions import parse_user_ref, shorten, unescape_slack, unquote
from bot.core.metrics import Metric, MetricCatalog, MetricKind
from bot.core.periods import MAX_YEAR, MIN_YEAR, PeriodKind, parse_period_kind, split_rate

MAX_LABEL_CHARS = 200  # a reward or a prize: shown in digests, so kept to a line or two


# A goal covers a whole period (a team's year, say), so the per-entry caps of /log do not
# apply; these only stop nonsense and keep sums far inside a 64-bit column.
GOAL_COUNT_CAP = 10_000_000


GOAL_MONEY_CAP_CENTS = 10_000_000_000 * 100


PCT_WORD = re.compile(r"[0-9]{1,4}%?")


WEIGHT_PART = re.compile(r"[0-9.,%]*[0-9][0-9.,%]*|,")


_RATE_PCT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?%?")


_MINUS = ("-", "−")


# Parsing with caps out of the way; the goal caps are checked with goal wording afterwards.
_UNCAPPED = 10**18


LOOSE_MONEY = Metric("revenue", MetricKind.MONEY, cap=_UNCAPPED)


def parse_target(token: str, metric: Metric, example: str, what: str = "target") -> int:
    """A goal amount for `metric` (a count, or cents): above 0, up to the goal caps."""
    text = token.strip()
    shown = shorten(text)
    if text.removeprefix("$").startswith(_MINUS) and any(ch.isdigit() for ch in text):
        raise UserError(f'A {what} must be above 0 (got "{shown}").', example)
    value = _parse_goal_amount(text, metric, example, what, allow_zero=True)
    if value <= 0:
        raise UserError(f'A {what} must be above 0 (got "{shown}").', example)
    return value


def _parse_goal_amount(
    text: str, metric: Metric, example: str, what: str, *, allow_zero: bool
) -> int:
    """A count or cents under the goal caps (not /log's per-entry caps). Counts may use
    k and m as money does (`calls 3k/year`), as long as the result is a whole number."""
    shown = shorten(text)
    if not metric.is_money and text[-1:].lower() in ("k", "m") and text[:1].isdigit():
        cents = parse_money_cents(text, LOOSE_MONEY, allow_zero=allow_zero, example=example)
        if cents % 100:
            raise UserError(
                f'"{shown}" is not a whole number — {metric.key} are counted in whole numbers.',
                example,
            )
        value = cents // 100
    else:
        loose = replace(metric, cap=_UNCAPPED)
        value = parse_amount(text, loose, allow_zero=allow_zero, example=example)
    cap = GOAL_MONEY_CAP_CENTS if metric.is_money else GOAL_COUNT_CAP
    if value > cap:
        unit = "" if metric.is_money else f" {metric.key}"
        raise UserError(
            f'"{shown}" is more than the largest {what} of {format_amount(cap, metric)}{unit}.',
            example,
        )
    return value


def parse_step(token: str, metric: Metric, example: str) -> int:
    """A ramp step: signed (a falling ramp steps down); 0 is left to check_ramp to refuse."""
    text = token.strip()
    if metric.is_money:
        text = text.removeprefix("$")
    sign = 1
    if text[:1] in _MINUS:
        sign, text = -1, text[1:]
    elif text[:1] == "+":
        text = text[1:]
    if text[:1] in (*_MINUS, "+"):
        raise UserError(f'"{shorten(token.strip())}" is not a ramp step.', example)
    return sign * _parse_goal_amount(text, metric, example, "ramp step", allow_zero=True)


def parse_money(token: str, what: str, example: str) -> int:
    text = token.strip()
    shown = shorten(text)
    if text.removeprefix("$").startswith(_MINUS) and any(ch.isdigit() for ch in text):
        raise UserError(f'The {what} must be above 0 (got "{shown}").', example)
    value = parse_money_cents(text, LOOSE_MONEY, allow_zero=True, example=example)
    if value <= 0:
        raise UserError(f'The {what} must be above 0 (got "{shown}").', example)
    if value > GOAL_MONEY_CAP_CENTS:
        limit = format_amount(GOAL_MONEY_CAP_CENTS, LOOSE_MONEY)
        raise UserError(f'"{shown}" is more than the largest {what} of {limit}.', example)
    return value


def parse_rate(token: str, name: str, example: str) -> Decimal:
    # The shape first: Decimal would read `1e999999999`, and comparing that as a Fraction
    # builds a billion-digit integer.
    if not _RATE_PCT.fullmatch(token.strip()):
        raise UserError(
            f'The {name} rate "{shorten(token.strip())}" is not a percentage like 30% or 33.3%.',
            example,
        )
    return parse_rate_pct(token, name)


def parse_weight_list(parts: list[str]) -> tuple[int, ...]:
    numbers = [p.removesuffix("%") for p in re.split(r"[,\s]+", " ".join(parts)) if p]
    if not numbers:
        raise UserError("Give one weight per quarter or month after `weights`.", WEIGHTS_EXAMPLE)
    weights = []
    for number in numbers:
        if not re.fullmatch(r"[0-9]{1,6}", number):
            raise UserError(
                f'Weight "{shorten(number)}" is not a whole number — weights are shares such as '
                "20,25,25,30.",
                WEIGHTS_EXAMPLE,
            )
        weights.append(int(number))
    return tuple(weights)


def parse_goal_date(token: str, today: date, example: str) -> date:
    """A goal's start or end: YYYY-MM-DD, today, tomorrow or yesterday.

    Weekday names are refused: /log reads `mon` as the most recent Monday, but a goal's
    start is as often a coming day, so either reading would surprise someone."""
    word = token.strip().lower()
    if word in ("today", "tomorrow", "yesterday"):
        return today + timedelta(days={"today": 0, "tomorrow": 1, "yesterday": -1}[word])
    if weekday_index(word) is not None:
        raise UserError(
            f'"{shorten(token)}" could be last or next {token.strip()} — write the date as '
            "YYYY-MM-DD.",
            example + " from 2026-12-07",
        )
    day = parse_iso_date(word, example)
    if day is None:
        raise UserError(
            f'"{shorten(token)}" is not a date — write it as YYYY-MM-DD.',
            example + " from 2026-12-07",
        )
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise UserError(
            f'"{shorten(token)}": the year must be between {MIN_YEAR} and {MAX_YEAR}.', example
        )
    return day


def check_order(start: date | None, end: date | None, example: str) -> None:
    if start is not None and end is not None and end < start:
        raise UserError(
            f"The goal ends ({end.isoformat()}) before it starts ({start.isoformat()}).",
            example,
        )


def parse_label(token: str, what: str, example: str) -> str:
    """A reward or prize: one word, or several in straight or curly quotes."""
    text = unquote(token)
    if text == token and token[:1] in ('"', "“"):
        raise UserError(f'Close the quotes around the {what}: {what} "team lunch".', example)
    text = " ".join(unescape_slack(text).split())
    if not text:
        raise UserError(f"The {what} is empty — say what it is.", example)
    if len(text) > MAX_LABEL_CHARS:
        raise UserError(
            f"The {what} is too long ({len(text)} characters; at most {MAX_LABEL_CHARS}).",
            example,
        )
    return text


_OPTION_WORDS = frozenset(("from", "starting", "to", "until", "reward", "prize"))


def check_label_ends(after: str | None, what: str, catalog: MetricCatalog, example: str) -> None:
    """Refuse `reward team lunch`: an unquoted label is one word, and a following word that
    is nothing the command knows is most likely the label's second word."""
    if after is None:
        return
    word = after.lower()
    known = (
        word in _OPTION_WORDS
        or word in RELATIVE_WORDS
        or parse_user_ref(after) is not None
        or word.startswith(TEAM_PREFIX)
        or catalog.is_metric_word(word)
        or looks_like_amount(after)
        or looks_like_period_word(word)
        or PERIODISH.fullmatch(word) is not None
    )
    if not known:
        raise UserError(f'Put a {what} of several words in quotes: {what} "team lunch".', example)


def catalog_metric(token: str, catalog: MetricCatalog, example: str) -> Metric:
    """The metric a word names, or the catalog's UserError with a did-you-mean."""
    return catalog.resolve(token, example)


def take_rate(tokens: list[str], example: str) -> tuple[str | None, PeriodKind, list[str]]:
    """A goal rate at the start of `tokens` — `60/week`, `60 per week`, `60 a week`,
    `60 weekly` — as (amount text, period kind, the tokens after it); (None, …) if empty."""
    if not tokens:
        return None, PeriodKind.WEEK, []
    if "/" in tokens[0]:
        amount, kind = split_rate(tokens[0], example)
        return amount, kind, tokens[1:]
    if len(tokens) >= 3 and tokens[1].lower() in PER_WORDS:
        return tokens[0], parse_period_kind(tokens[2], example), tokens[3:]
    if (
        len(tokens) >= 2
        and looks_like_period_word(tokens[1])
        and tokens[1].lower() not in RELATIVE_WORDS
    ):
        return tokens[0], parse_period_kind(tokens[1], example), tokens[2:]
    if looks_like_amount(tokens[0]):
        raise UserError(
            f'"{shorten(tokens[0])}" needs a period — write the target like 60/week '
            "(day, week, month, quarter or year).",
            example,
        )
    return None, PeriodKind.WEEK, tokens


def metric_and_rate(
    tokens: list[str], catalog: MetricCatalog, example: str, command: str
) -> tuple[Metric, str, PeriodKind]:
    """`calls 60/week` (or `60/week calls`): the metric, the amount text and the period."""
    if not tokens:
        raise UserError(
            "Name a metric and a target with its period, such as calls 60/week.", example
        )
    tokens = _metric_first(tokens, catalog)
    metric = catalog.lookup(tokens[0])
    if metric is not None:
        amount, kind, extra = take_rate(tokens[1:], example)
    else:
        if not looks_like_amount(tokens[0]) and "/" not in tokens[0]:
            catalog.resolve(tokens[0], example)  # raises, with a did-you-mean
        amount, kind, extra = take_rate(tokens, example)
        if not extra:
            raise UserError("Name the metric of the goal, such as calls 60/week.", example)
        metric = catalog.lookup(extra[0])
        if metric is None:
            catalog.resolve(extra[0], example)  # raises
        extra = extra[1:]
    assert metric is not None  # resolve() raised otherwise
    if amount is None:
        if extra and (other := catalog.lookup(extra[0])) is not None:
            raise UserError(f"One metric per goal — {metric.key} and {other.key} given.", example)
        raise UserError(
            f"Give the {metric.key} target with its period, such as "
            f"{'4000/month' if metric.is_money else '60/week'}.",
            example,
        )
    if extra:
        other = catalog.lookup(extra[0])
        if other is not None:
            raise UserError(f"One metric per goal — {metric.key} and {other.key} given.", example)
        raise unknown_word(extra[0], command, OPTION_LISTS[command], example)
    return metric, amount, kind


def _metric_first(tokens: list[str], catalog: MetricCatalog) -> list[str]:
    """`60 calls/week`, `60 calls per week`: the amount written before the metric, as /log
    allows, put after it (`calls 60/week`, `calls 60 per week`)."""
    if (
        len(tokens) < 2
        or "/" in tokens[0]
        or catalog.lookup(tokens[0])
        or not looks_like_amount(tokens[0])
    ):
        return tokens
    name, slash, period = tokens[1].partition("/")
    if catalog.lookup(name) is None:
        return tokens
    if slash:
        return [name, f"{tokens[0]}/{period}", *tokens[2:]]
    return [tokens[1], tokens[0], *tokens[2:]]
