"""The words of a /goal command: the command and its `--` note, tokens, a person or a team,
periods, the words the grammars reserve, and the reader each sub-command walks its
tokens with. The /progress and /leaderboard grammars (report_grammar) read with these too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.amounts import NUMBER_WORDS
from bot.core.dates import DAY_PHRASE_STARTS
from bot.core.errors import UserError
from bot.core.goal_grammar.parsed import Who
from bot.core.log_grammar import split_note
from bot.core.mentions import clean_word, parse_user_ref, shorten, tokenize
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, parse_period
from bot.core.team_grammar import parse_team_name

MAX_TEXT_CHARS = 1000


@dataclass(frozen=True)
class Context:
    catalog: MetricCatalog
    today: date
    fiscal_year_start_month: int
    note: str | None
    raw_note: str | None = None  # as typed (Slack-escaped), for suggesting a whole command


def split_command(text: str, command: str, example: str) -> tuple[str | None, str | None]:
    """The command part and the `--` note of a command's text; (None, None) when it is empty.

    Shared by the /goal, /progress and /leaderboard grammars so they refuse long text and
    long notes alike, with their own example rather than a /log one."""
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise UserError(
            f"That command is too long ({len(text):,} characters; at most "
            f"{MAX_TEXT_CHARS:,}). Put long details in a shorter reason.",
            example,
        )
    if not text:
        return None, None
    try:
        return split_note(text)
    except UserError as error:
        raise UserError(error.message, f"{example} -- a short reason") from None


def words_of(text: str) -> list[str]:
    """Tokens without invisible characters; tokens that were nothing but those are dropped."""
    return [word for word in (clean_word(t) for t in tokenize(text)) if word]


TEAM_PREFIX = "team:"


def parse_who(token: str, example: str) -> Who | None:
    """`@maria`, `<@U1|maria>` → a person; `team:east` → a team; None for any other word.

    The `team:` prefix is required so that a team called `calls` is never read as a
    metric (and the other way round)."""
    user = parse_user_ref(token)
    if user is not None:
        return Who(user=user)
    if token[: len(TEAM_PREFIX)].lower() == TEAM_PREFIX:
        return Who(team=parse_team_name(token, example))
    return None


def check_one_who(current: Who | None, token: str, example: str) -> None:
    if current is not None:
        raise UserError(f'Name one person or team — "{shorten(token)}" is a second one.', example)


RELATIVE_WORDS = ("this", "last", "previous", "prev", "next")


_MONTH_WORDS = frozenset((
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june",
    "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov",
    "november", "dec", "december",
))  # fmt: skip


_YEAR_WORD = re.compile(r"(?:fy)?[0-9]{4}")


_QUARTER_WORD = re.compile(r"q[1-4]")


# Words that are clearly meant as a period, so a malformed one gets the period error
# ("2026-13 has no month 13") rather than "unknown metric".
PERIODISH = re.compile(r"[0-9].*|fy[0-9].*|q[0-9].*|(?:this|last|previous|prev|next)-\w+")


_PERIOD_WORDS = frozenset((
    "today", "yesterday", "day", "daily", "week", "weekly", "month", "monthly", "quarter",
    "quarterly", "year", "yearly", "annual", "annually", "days", "weeks", "months", "quarters",
    "years", "wk", "mo", "mth", "qtr", "yr",
))  # fmt: skip


def take_period(
    tokens: list[str], index: int, today: date, fiscal_year_start_month: int, example: str
) -> tuple[Period, int] | None:
    """The period written at tokens[index] (one word, or two: `next week`, `Nov 2026`,
    `Q4 2026`) and how many tokens it used; None when the word is not a period at all."""
    # Matched in lower case, passed on as typed so that errors echo the person's own text.
    written = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    word, after = written.lower(), following.lower() if following is not None else None
    if word in RELATIVE_WORDS:
        text = f"{written} {following}" if following is not None else written
        return parse_period(text, today, fiscal_year_start_month, example), 2
    if (
        after is not None
        and _YEAR_WORD.fullmatch(after)
        and (word in _MONTH_WORDS or _QUARTER_WORD.fullmatch(word))
    ):
        text = f"{written} {following}"
        return parse_period(text, today, fiscal_year_start_month, example), 2
    if word in _PERIOD_WORDS or word in _MONTH_WORDS or PERIODISH.fullmatch(word):
        return parse_period(written, today, fiscal_year_start_month, example), 1
    return None


def looks_like_period_word(word: str) -> bool:
    word = word.lower()
    return word in _PERIOD_WORDS or word in RELATIVE_WORDS or word in _MONTH_WORDS


PER_WORDS = ("per", "a", "an", "every", "each")


# Words the grammars read next to metric names: a metric called one of these could not be
# told apart from them (`/leaderboard by pct`, `/log fix`, `/goal set … from …`).
RESERVED_WORDS = frozenset((
    "undo", "fix", "list", "off", "help", "today", "yesterday", "tomorrow", "from", "starting",
    "to", "until", "stretch", "weights", "reward", "prize", "by", "pct", "percent", "export",
    "for", "per", "every", "each", "a", "an", "step", "apply", "win", "demo", "deal", "money",
    "count", "alias", "aliases", "team", "me", "all", "none", "evenly", "even", "equally",
    "history", "this", "last", "next", "previous", "prev", "add", "set", "ramp", "contest",
    "plan", "suggest", "split", "cascade", "propose", "remove", "metric", *DAY_PHRASE_STARTS, *NUMBER_WORDS,
))  # fmt: skip


class Reader:
    """Tokens read left to right, with look-ahead for option values."""

    def __init__(self, tokens: list[str]) -> None:
        self._tokens = tokens
        self._index = 0

    def more(self) -> bool:
        return self._index < len(self._tokens)

    def next(self) -> str:
        token = self._tokens[self._index]
        self._index += 1
        return token

    def peek(self) -> str | None:
        return self._tokens[self._index] if self.more() else None

    def take_if(self, pattern: re.Pattern[str]) -> str | None:
        token = self.peek()
        if token is not None and pattern.fullmatch(token):
            self._index += 1
            return token
        return None

    def take_while(self, pattern: re.Pattern[str]) -> list[str]:
        taken = []
        while (token := self.take_if(pattern)) is not None:
            taken.append(token)
        return taken


class Options:
    """Which options a command has seen: each may be given once."""

    def __init__(self, command: str, example: str) -> None:
        self.command = command
        self.example = example
        self._seen: set[str] = set()

    def once(self, name: str) -> None:
        if name in self._seen:
            raise UserError(f"`{name}` is given twice.", self.example)
        self._seen.add(name)

    def value(self, reader: Reader, name: str) -> str:
        if not reader.more():
            raise UserError(f"`{name}` needs a value after it.", self.example)
        return reader.next()
