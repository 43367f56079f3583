"""The `/log` command grammar: text in, a command dataclass (or a UserError) out.

Pure: the caller passes the workspace's metrics and the person's local `today`. Role checks
(who may log for whom, backdating past the window) belong to the handler; the parser only
refuses what nobody may do, such as logging for a future day.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from functools import partial

from bot.core.amounts import example_for, looks_like_amount, number_word, parse_amount
from bot.core.dates import DAY_PHRASE_STARTS, check_log_day, parse_day, parse_day_range
from bot.core.errors import UserError
from bot.core.log_suggestions import (
    CLOSE,
    SUBCOMMAND_EXAMPLES,
    SUBCOMMANDS,
    MissingMetric,
    Typed,
    closest_subcommand,
    metric_commands,
    metric_words,
)
from bot.core.mentions import (
    UserRef,
    clean_word,
    parse_user_ref,
    shorten,
    tokenize,
    unescape_slack,
)
from bot.core.metrics import Metric, MetricCatalog

MAX_TEXT_CHARS = 1000
MAX_NOTE_CHARS = 500
# A note starts at the first `--` that begins a word. `—` counts too: macOS and iOS
# "smart dashes" turn a typed `--` into an em dash before Slack ever sees it.
_NOTE_SEPARATOR = re.compile(r"(?:^|(?<=\s))(?:--|—)")

LOG_HELP = """\
*Log your activity with `/log`*
`/log calls 12` — 12 calls today (`/log 12 calls` works too)
`/log calls 12 demos 2 meetings 1` — several metrics at once (all stored, or none)
`/log calls 12 yesterday` — a day: today, yesterday, mon…sun or `on mon` (the most recent one, \
today included), `last fri` (the one before today), or YYYY-MM-DD
`/log demos 2 2026-11-20` — a date as YYYY-MM-DD
`/log revenue $4,500 -- Acme renewal` — money as 4500, $4,500.50, 4.5k or 1.2m; text after `--` is a note
`/log @maria calls 12` — managers log for a member of their team
`/log undo` — remove your most recent entry (again: the one before)
`/log fix calls 10 yesterday` — make that day's total exactly 10 (0 clears it)
`/log list`, `/log list yesterday`, `/log list week` — your entries, newest first
`/log off 2026-12-24..2026-12-31 -- holidays` — time off (one day: `/log off 2026-12-24`)
`/log` — open a form with one box per metric
Counts are whole numbers up to 1,000 an entry (`calls twelve` works up to twenty); days up to 31 \
back (a manager can backdate further).
"""


@dataclass(frozen=True)
class LogAmount:
    metric: Metric
    quantity: int  # a count, or cents for money metrics


@dataclass(frozen=True)
class LogEntries:
    amounts: tuple[LogAmount, ...]
    day: date
    note: str | None = None
    on_behalf: UserRef | None = None


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Fix:
    """Make one day's total of one metric exactly `quantity` (0 allowed)."""

    metric: Metric
    quantity: int
    day: date
    on_behalf: UserRef | None = None
    # Why the correction was made; goes to the audit trail.
    note: str | None = None


@dataclass(frozen=True)
class ListEntries:
    day: date | None = None  # None: the most recent entries, whatever their day
    week: bool = False


@dataclass(frozen=True)
class TimeOff:
    start: date
    end: date
    reason: str | None = None
    on_behalf: UserRef | None = None


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenModal:
    pass


LogCommand = LogEntries | Undo | Fix | ListEntries | TimeOff | Help | OpenModal

# Subcommands a manager may run for someone, so `/log @kim off …` means `/log off @kim …`.
_FOR_SOMEONE = ("off", "fix")


def parse_log(text: str, catalog: MetricCatalog, today: date) -> LogCommand:
    """Parse the text after `/log`. Raises UserError, naming the problem and an example."""
    return _parse(text, catalog, today, suggest=True)


def _parse(text: str, catalog: MetricCatalog, today: date, suggest: bool) -> LogCommand:
    # `suggest` False: checking a suggested command, which needs no suggestions of its own.
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise UserError(
            f"That command is too long ({len(text):,} characters; at most {MAX_TEXT_CHARS:,}). "
            "Put long details in a shorter note.",
            "/log revenue $4,500 -- Acme renewal",
        )
    if not text:
        return OpenModal()
    head, note = split_note(text)
    tokens = [word for word in (clean_word(t) for t in tokenize(head)) if word]
    if not tokens:
        raise UserError(
            "Nothing to log — name a metric and an amount before the note.",
            "/log calls 12 -- follow-ups",
        )
    tokens = _join_day_phrases(tokens, today)
    check = partial(_parse, catalog=catalog, today=today, suggest=False)
    typed = Typed(tuple(tokens), raw_note(text), check) if suggest else None
    if len(tokens) > 1 and parse_user_ref(tokens[0]) and tokens[1].lower() in _FOR_SOMEONE:
        tokens = [tokens[1], tokens[0], *tokens[2:]]
    first, rest = tokens[0].lower(), tokens[1:]
    if first in ("help", "?") or (parse_user_ref(tokens[0]) and rest and rest[0].lower() == "help"):
        return Help()
    if first == "undo":
        _expect_nothing_else("undo", rest, note, "/log undo")
        return Undo()
    if first == "list":
        return _parse_list(rest, note, today)
    if first == "fix":
        return _parse_fix(rest, note, catalog, today, typed)
    if first == "off":
        return _parse_time_off(rest, note, today)
    _check_slips(tokens, catalog, typed)
    return _parse_entries(tokens, note, catalog, today, typed)


def raw_note(text: str) -> str | None:
    """The note as typed (still Slack-escaped), for showing a corrected whole command."""
    text = text.strip()
    match = _NOTE_SEPARATOR.search(text)
    return text[match.end() :].strip() if match else None


def _join_day_phrases(tokens: list[str], today: date) -> list[str]:
    """`on monday`, `last friday` as one token, so the day is one word wherever it stands."""
    joined: list[str] = []
    for token in tokens:
        if joined and joined[-1].lower() in DAY_PHRASE_STARTS:
            phrase = f"{joined[-1]} {token}"
            if parse_day(phrase, today) is not None:
                joined[-1] = phrase
                continue
        joined.append(token)
    return joined


def _check_slips(tokens: list[str], catalog: MetricCatalog, typed: Typed | None) -> None:
    """A subcommand after a person that does not take one, or a mistyped subcommand
    (`hlep`, `udno`, `lsit`): say which command was most likely meant."""
    at = 1 if len(tokens) > 1 and parse_user_ref(tokens[0]) else 0
    word = tokens[at].lower()
    if at and word in ("undo", "list"):
        does = (
            "removes the most recent /log you made, whoever it was for"
            if word == "undo"
            else "lists your own entries"
        )
        raise UserError(f"`/log {word}` takes no person — it {does}.", f"/log {word}")
    if at or typed is None:
        return
    meant = closest_subcommand(word, catalog)
    if meant is None:
        return
    command = typed.replaced(tokens[at], meant) or SUBCOMMAND_EXAMPLES[meant]
    raise UserError(
        f'"{shorten(tokens[at])}" is not a /log command or a metric. '
        f"Did you mean {meant} — {SUBCOMMANDS[meant]}?",
        command,
    )


def split_note(text: str) -> tuple[str, str | None]:
    """The command part and the note (after the first word-starting `--`), note trimmed."""
    match = _NOTE_SEPARATOR.search(text)
    if match is None:
        return text, None
    note = unescape_slack(text[match.end() :].strip())
    if len(note) > MAX_NOTE_CHARS:
        raise UserError(
            f"The note is too long ({len(note):,} characters; at most {MAX_NOTE_CHARS}).",
            "/log revenue $4,500 -- Acme renewal, 2-year term",
        )
    return text[: match.start()], note or None


def _parse_entries(
    tokens: list[str], note: str | None, catalog: MetricCatalog, today: date, typed: Typed | None
) -> LogEntries:
    example = "/log calls 12"
    on_behalf, tokens = _take_person(tokens, "/log @maria calls 12")
    pairs, day = _read_pairs(tokens, catalog, today, example, typed)
    if not pairs:
        raise UserError("Nothing to log — name a metric and an amount.", example)
    amounts = []
    seen: set[str] = set()
    for metric, token in pairs:
        if metric.key in seen:
            raise UserError(
                f"{metric.key} appears twice — give each metric once per command.",
                # The example's second metric must differ from the first, or it fails the same way.
                f"{example_for(metric)} {'calls 12' if metric.key == 'demos' else 'demos 2'}",
            )
        seen.add(metric.key)
        amounts.append(LogAmount(metric, _amount(token, metric, typed)))
    return LogEntries(tuple(amounts), _log_day(day, today), note, on_behalf)


def _parse_fix(
    tokens: list[str], note: str | None, catalog: MetricCatalog, today: date, typed: Typed | None
) -> Fix:
    example = "/log fix calls 10 yesterday"
    on_behalf, tokens = _take_person(tokens, "/log fix @maria calls 10 yesterday")
    pairs, day = _read_pairs(tokens, catalog, today, example, typed)
    if len(pairs) != 1:
        if pairs:
            problem = "corrects one metric at a time"
        else:
            problem = "needs a metric and the day's correct total"
        raise UserError(f"`/log fix` {problem}.", example)
    metric, token = pairs[0]
    example = f"/log fix {metric.key} {'$4,500' if metric.is_money else '10'} yesterday"
    quantity = _amount(token, metric, typed, allow_zero=True, example=example)
    return Fix(metric, quantity, _log_day(day, today), on_behalf, note)


def _parse_list(tokens: list[str], note: str | None, today: date) -> ListEntries:
    example = "/log list yesterday"
    _expect_nothing_else("list", tokens[1:], note, example)
    if not tokens:
        return ListEntries()
    if tokens[0].lower() == "week":
        return ListEntries(week=True)
    day = parse_day(tokens[0], today, example)
    if day is None:
        raise UserError(
            f'"{shorten(tokens[0])}" is not a day — list takes a day or `week`.', example
        )
    return ListEntries(day=day)


def _parse_time_off(tokens: list[str], note: str | None, today: date) -> TimeOff:
    example = "/log off 2026-12-24..2026-12-31 -- holidays"
    on_behalf, tokens = _take_person(tokens, "/log off @maria 2026-12-24..2026-12-31")
    if len(tokens) == 3 and tokens[1].lower() in ("to", ".."):
        tokens = [f"{tokens[0]}..{tokens[2]}"]
    if len(tokens) != 1:
        problem = "needs a day or a range of days" if not tokens else "takes one range of days"
        raise UserError(f"`/log off` {problem}.", example)
    start, end = parse_day_range(tokens[0], today)
    return TimeOff(start, end, note, on_behalf)


def _take_person(tokens: list[str], example: str) -> tuple[UserRef | None, list[str]]:
    """The on-behalf mention, written first or last; anywhere else it is an error."""
    person = None
    if tokens and (person := parse_user_ref(tokens[0])):
        tokens = tokens[1:]
    elif tokens and (person := parse_user_ref(tokens[-1])):
        tokens = tokens[:-1]
    for token in tokens:
        if parse_user_ref(token):
            problem = "Name one person" if person else "Put the person first"
            raise UserError(f'{problem} — "{shorten(token)}" is in the middle.', example)
    return person, tokens


def _read_pairs(
    tokens: list[str], catalog: MetricCatalog, today: date, example: str, typed: Typed | None
) -> tuple[list[tuple[Metric, str]], date | None]:
    """Metric/amount pairs in either order (mixed is fine), and at most one day anywhere."""
    days: list[tuple[str, date]] = []
    # Each item is (token, metric) for a metric word, or (token, None) for an amount.
    items: list[tuple[str, Metric | None]] = []
    for token in tokens:
        day = parse_day(token, today)
        if day is not None:
            days.append((token, day))
            continue
        # Metric names first, so that a custom metric like `1on1s` is not taken for a number.
        metric = catalog.lookup(token)
        if metric is None and number_word(token) is None and not looks_like_amount(token):
            raise _unknown_word(token, catalog, example, typed)
        items.append((token, metric))
    if len(days) > 1:
        both = ", ".join(shorten(token) for token, _ in days)
        raise UserError(f"Give at most one day — found {both}.", "/log calls 12 yesterday")

    pairs: list[tuple[Metric, str]] = []
    index = 0
    while index < len(items):
        token, metric = items[index]
        after = items[index + 1] if index + 1 < len(items) else None
        if metric is not None and after is not None and after[1] is None:
            pairs.append((metric, after[0]))
        elif metric is None and after is not None and after[1] is not None:
            pairs.append((after[1], token))
        elif metric is not None:
            raise UserError(f"Missing amount for {metric.key}.", example_for(metric))
        elif pairs:
            raise UserError(
                f'Extra amount "{shorten(token)}" — put one amount next to each metric.',
                "/log calls 12 demos 2",
            )
        else:
            raise _which_metric(token, catalog, typed)
        index += 2
    return pairs, days[0][1] if days else None


def _unknown_word(
    token: str, catalog: MetricCatalog, example: str, typed: Typed | None
) -> UserError:
    """The catalog's unknown-metric error; its example is the command with the metric it
    suggests, when that command parses."""
    if token.lower() in DAY_PHRASE_STARTS:
        return UserError(
            f'"{shorten(token)}" needs a day after it, such as `on monday` or `last friday`.',
            "/log calls 12 last friday",
        )
    try:
        catalog.resolve(token, example)
    except UserError as error:
        close = difflib.get_close_matches(token.lower(), metric_words(catalog), n=1, cutoff=CLOSE)
        if close and typed is not None:
            command = typed.replaced(token, catalog.get(close[0]).key)
            if command is not None:
                return UserError(error.message, command)
        return error
    raise AssertionError(f"{token!r} is a metric")  # looked up before this is called


def _which_metric(token: str, catalog: MetricCatalog, typed: Typed | None) -> UserError:
    """`/log 12`: a MissingMetric offering the standard metrics that fit the amount."""
    if typed is not None and token in typed.words:
        commands = metric_commands(typed, token, (m.key for m in catalog.metrics if m.builtin))
        if commands:
            return MissingMetric(token, typed, commands)
    return UserError(
        f'Which metric is "{shorten(token)}" for? Metrics: {", ".join(catalog.keys)}.',
        "/log calls 12",
    )


def _amount(
    token: str,
    metric: Metric,
    typed: Typed | None,
    *,
    allow_zero: bool = False,
    example: str | None = None,
) -> int:
    """parse_amount, also reading counts spelled out (`twelve`); money stays in digits, as
    "twelve thousand" or "a dozen" would be guesses."""
    value = number_word(token)
    if value is None:
        return parse_amount(token, metric, allow_zero=allow_zero, example=example)
    if metric.is_money:
        command = typed.replaced(token, str(value)) if typed is not None else None
        raise UserError(
            f'Write money in digits — "{shorten(token)}" as {value}.',
            command or example or example_for(metric),
        )
    try:
        return parse_amount(str(value), metric, allow_zero=allow_zero, example=example)
    except UserError as error:  # `calls zero`: echo the word as typed, not the digit
        raise UserError(
            error.message.replace(f'"{value}"', f'"{shorten(token)}"', 1), error.example
        ) from None


def _log_day(day: date | None, today: date) -> date:
    # Nobody may log the future; the 31-day window depends on role, so the handler checks it.
    day = day or today
    check_log_day(day, today, may_backdate=True)
    return day


def _expect_nothing_else(verb: str, rest: list[str], note: str | None, example: str) -> None:
    if rest:
        raise UserError(
            f'`/log {verb}` takes nothing more — "{shorten(rest[0])}" is extra.', example
        )
    if note is not None:
        raise UserError(f"`/log {verb}` takes no note.", example)
