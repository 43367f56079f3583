"""What `/log` answers when a command is most likely a slip for another one: the exact
command meant (`/log hlep` → `/log help`), or for an amount without a metric, the metrics
it could be for. Pure, like the grammar: a suggested command is shown only after it has
been parsed with the same metrics and day (`Typed.check`), so no suggestion fails in turn.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.core.amounts import looks_like_amount, number_word
from bot.core.dates import DAY_PHRASE_STARTS, weekday_index
from bot.core.errors import UserError
from bot.core.mentions import UserRef, parse_user_ref, shorten
from bot.core.metrics import MetricCatalog

# Subcommands a mistyped first word is checked against, with what each is for.
SUBCOMMANDS = {
    "help": "the usage, with examples",
    "undo": "remove your most recent entry",
    "list": "your entries, newest first",
    "fix": "make a day's total exactly right",
    "off": "record time off",
}
# The example when the rest of the command does not fit the subcommand meant.
SUBCOMMAND_EXAMPLES = {
    "help": "/log help",
    "undo": "/log undo",
    "list": "/log list",
    "fix": "/log fix calls 10 yesterday",
    "off": "/log off 2026-12-24..2026-12-31",
}
# How close a mistyped word must be (difflib's ratio), as the catalog's "did you mean" uses.
CLOSE = 0.6
# "Which metric?" lists at most this many commands, and only the first when they would make
# a long reply (each carries the note as typed, up to 1,000 characters).
MAX_METRIC_CHOICES = 5
CHOICES_CHARS = 2000
_DAY_WORDS = ("today", "yesterday", "tomorrow", *DAY_PHRASE_STARTS)


@dataclass(frozen=True)
class Typed:
    """A /log command as typed, to build the corrected command a suggestion shows."""

    words: tuple[str, ...]  # the command's words, day phrases joined (`last friday`)
    raw_note: str | None  # still Slack-escaped, so echoing it pings nobody
    check: Callable[[str], object]  # the grammar: parses the text after /log, or raises

    @property
    def person(self) -> UserRef | None:
        return next(filter(None, map(parse_user_ref, self.words)), None)

    def command(self, words: Sequence[str]) -> str | None:
        """`/log WORDS -- note` when that parses; else None."""
        text = " ".join(_as_typed(word) for word in words)
        if self.raw_note:
            text += f" -- {self.raw_note}"
        if "`" in text:
            return None  # it would break out of the code span the reply shows it in
        try:
            self.check(text)
        except UserError:
            return None
        return f"/log {text}"

    def replaced(self, old: str, new: str) -> str | None:
        return self.command([new if word == old else word for word in self.words])


def _as_typed(word: str) -> str:
    """`<@U1|maria>` as `@maria`, as people type it: Slack shows a code span literally."""
    ref = parse_user_ref(word)
    if ref is not None and ref.name and parse_user_ref(f"@{ref.name}"):
        return f"@{ref.name}"
    return word


class MissingMetric(UserError):
    """`/log 12`: an amount with no metric. The message offers the built-in metrics that can
    hold the amount; the handler, which knows the person's history, asks `for_metrics` for
    their usual ones instead."""

    def __init__(self, quantity: str, typed: Typed, commands: list[str]) -> None:
        self.quantity = quantity
        self.typed = typed
        super().__init__(_which_metric_text(quantity, commands, usual=False), commands[0])

    @property
    def on_behalf(self) -> UserRef | None:
        return self.typed.person

    def for_metrics(self, keys: Iterable[str]) -> UserError:
        """The question listing these metrics (the person's most used first), or this error
        as it is when none of them can hold the amount."""
        commands = metric_commands(self.typed, self.quantity, keys)
        if not commands:
            return self
        return UserError(_which_metric_text(self.quantity, commands, usual=True), commands[0])


def metric_commands(typed: Typed, quantity: str, keys: Iterable[str]) -> list[str]:
    """`/log KEY 12 …` for each metric key, in order, whose command parses."""
    words = list(typed.words)
    at = words.index(quantity)
    found: list[str] = []
    for key in dict.fromkeys(keys):
        if len(found) == MAX_METRIC_CHOICES:
            break
        command = typed.command([*words[:at], key, *words[at:]])
        if command is not None:
            found.append(command)
    return found


def _which_metric_text(quantity: str, commands: list[str], usual: bool) -> str:
    shown = [f"`{command}`" for command in commands]
    if sum(map(len, shown)) > CHOICES_CHARS:
        shown = shown[:1]
    lead = "Your usual ones" if usual else "For example"
    return f'Which metric is "{shorten(quantity)}" for? {lead}: {" · ".join(shown)}.'


def closest_subcommand(word: str, catalog: MetricCatalog) -> str | None:
    """The subcommand a word most likely is a typo of; None when it is as close to a metric
    (the unknown-metric error then suggests that) or is a word of another kind."""
    word = word.lower()
    if (
        catalog.lookup(word) is not None
        or looks_like_amount(word)
        or number_word(word) is not None
        or weekday_index(word) is not None
        or word in _DAY_WORDS
    ):
        return None
    subcommand, ratio = _best_match(word, SUBCOMMANDS)
    _, metric_ratio = _best_match(word, metric_words(catalog))
    return subcommand if ratio >= CLOSE and ratio > metric_ratio else None


def _best_match(word: str, choices: Iterable[str]) -> tuple[str, float]:
    # The first of equally close choices wins, as in difflib.get_close_matches.
    scored = [(difflib.SequenceMatcher(None, word, choice).ratio(), choice) for choice in choices]
    ratio, choice = max(scored, key=lambda pair: pair[0])
    return choice, ratio


def metric_words(catalog: MetricCatalog) -> list[str]:
    """Every metric name and alias, in lower case, in the catalog's own order (key, then
    aliases), so that a did-you-mean here picks what the catalog's does."""
    words = (word.lower() for m in catalog.metrics for word in (m.key, *m.aliases))
    return list(dict.fromkeys(words))
