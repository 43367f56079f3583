"""`/goal metric add`: a new metric's key and aliases, and why a name can't be one."""

from __future__ import annotations

import re
from datetime import date

from bot.core.amounts import parse_money_cents
from bot.core.dates import weekday_index
from bot.core.errors import UserError
from bot.core.goal_grammar.errors import no_note, unknown_word
from bot.core.goal_grammar.parsed import GoalMetricAdd
from bot.core.goal_grammar.usage import EXAMPLES
from bot.core.goal_grammar.values import LOOSE_MONEY
from bot.core.goal_grammar.words import RESERVED_WORDS, Context, Options, Reader
from bot.core.mentions import shorten
from bot.core.metrics import MetricCatalog
from bot.core.periods import parse_period, parse_period_kind

METRIC_KEY_CHARS = (2, 30)


ALIAS_CHARS = (1, 30)  # the spec's own example gives `v` as an alias


_KEY = re.compile(r"[a-z0-9_]+")


def parse_metric(args: list[str], ctx: Context) -> GoalMetricAdd:
    example = EXAMPLES["metric"]
    no_note("metric", ctx.note, example)
    if not args or args[0].lower() != "add":
        raise UserError("`/goal metric` has one command: add.", example)
    if len(args) < 2:
        raise UserError("Name the new metric.", example)
    key = check_metric_name(args[1], ctx.catalog, ctx.today, "metric name", METRIC_KEY_CHARS)
    options = Options("metric add", example)
    money = False
    aliases: list[str] = []
    reader = Reader(args[2:])
    while reader.more():
        token = reader.next()
        word = token.lower()
        if word in ("money", "count"):
            options.once("money or count")
            money = word == "money"
        elif word in ("alias", "aliases"):
            options.once("alias")
            # `alias visit,v` or `alias visit, v`: a trailing comma carries on to the next word.
            parts = [options.value(reader, "alias")]
            while reader.more() and (parts[-1].endswith(",") or (reader.peek() or "")[:1] == ","):
                parts.append(reader.next())
            for name in (p for p in re.split(r"[,\s]+", " ".join(parts)) if p):
                alias = check_metric_name(name, ctx.catalog, ctx.today, "alias", ALIAS_CHARS)
                if alias != key and alias not in aliases:
                    aliases.append(alias)
            if not aliases:
                raise UserError("Give at least one alias after `alias`.", example)
        else:
            raise unknown_word(token, "metric add", "money, alias NAME,NAME", example)
    return GoalMetricAdd(key, money, tuple(aliases))


def check_metric_name(
    token: str, catalog: MetricCatalog, today: date, what: str, length: tuple[int, int]
) -> str:
    """A new metric's key or alias in lower case, or a UserError saying why it can't be."""
    example = EXAMPLES["metric"]
    name = token.strip().lower()
    shown = shorten(token.strip())
    low, high = length
    if not _KEY.fullmatch(name) or not low <= len(name) <= high:
        raise UserError(
            f'"{shown}" can\'t be a {what} — use {low} to {high} lower-case letters, digits or _.',
            example,
        )
    if not any(ch.isalpha() for ch in name):
        raise UserError(f'"{shown}" can\'t be a {what} — it needs a letter.', example)
    if name.startswith("_") or name.endswith("_") or "__" in name:
        # An `_` at a word's edge could open or close italics in a message.
        raise UserError(
            f'"{shown}" can\'t be a {what} — put _ only between letters or digits (site_visits).',
            example,
        )
    existing = catalog.lookup(name)
    if existing is not None:
        also = "" if existing.key == name else f" (an alias of {existing.key})"
        raise UserError(f'"{name}" is already a metric{also}.', example)
    if name in RESERVED_WORDS or _is_time_word(name, today) or _is_amount(name):
        raise UserError(
            f'"{name}" is a word commands already use (a day, period, amount or option) '
            f"— choose another {what}.",
            example,
        )
    return name


def _is_time_word(name: str, today: date) -> bool:
    if weekday_index(name) is not None:
        return True
    for check in (lambda: parse_period_kind(name), lambda: parse_period(name, today)):
        try:
            check()
        except UserError:
            continue
        return True
    return False


def _is_amount(name: str) -> bool:
    # `4k` as a metric would turn `/log revenue 4k` into two metric names.
    try:
        parse_money_cents(name, LOOSE_MONEY, allow_zero=True)
    except UserError:
        return False
    return True
