"""The /goal entry point: the text after `/goal` to a command, through its sub-command's
parser."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date

from bot.core.errors import UserError
from bot.core.goal_grammar.listing import parse_history, parse_list, parse_remove
from bot.core.goal_grammar.new_metric import parse_metric
from bot.core.goal_grammar.parsed import GoalCommand, GoalHelp, GoalOpenModal
from bot.core.goal_grammar.planning import parse_cascade, parse_plan, parse_split, parse_suggest
from bot.core.goal_grammar.setting import (
    parse_contest,
    parse_each,
    parse_propose,
    parse_ramp,
    parse_set,
)
from bot.core.goal_grammar.usage import EXAMPLES, SUBCOMMANDS
from bot.core.goal_grammar.words import Context, split_command, words_of
from bot.core.log_grammar import raw_note
from bot.core.mentions import parse_user_ref, shorten
from bot.core.metrics import MetricCatalog


def parse_goal(
    text: str, catalog: MetricCatalog, today: date, fiscal_year_start_month: int = 1
) -> GoalCommand:
    """Parse the text after `/goal`. Raises UserError, naming the problem and an example."""
    head, note = split_command(text, "/goal", EXAMPLES["set"])
    if head is None:
        return GoalOpenModal()
    tokens = words_of(head)
    if not tokens:
        raise UserError("Nothing before the `--` — say what to do first.", EXAMPLES["remove"])
    verb, args = tokens[0].lower(), tokens[1:]
    if verb in ("help", "?"):
        return GoalHelp()
    parser = _PARSERS.get(verb)
    if parser is None:
        raise _unknown_subcommand(tokens[0], catalog)
    return parser(args, Context(catalog, today, fiscal_year_start_month, note, raw_note(text)))


def _unknown_subcommand(token: str, catalog: MetricCatalog) -> UserError:
    word = token.lower()
    hint = ""
    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.6)
    if close:
        hint = f" Did you mean `{close[0]}`?"
    elif parse_user_ref(token) or word.startswith("team:") or catalog.is_metric_word(word):
        # `/goal @maria calls 60/week`: the verb is missing, and it is most likely `set`.
        hint = " Start with what to do, such as `set`."
    return UserError(
        f'Unknown /goal command "{shorten(token)}".{hint} Commands: {", ".join(SUBCOMMANDS)}.',
        EXAMPLES["set"],
    )


_PARSERS: dict[str, Callable[[list[str], Context], GoalCommand]] = {
    "set": parse_set,
    "each": parse_each,
    "ramp": parse_ramp,
    "contest": parse_contest,
    "plan": parse_plan,
    "suggest": parse_suggest,
    "split": parse_split,
    "cascade": parse_cascade,
    "propose": parse_propose,
    "list": parse_list,
    "history": parse_history,
    "remove": parse_remove,
    "metric": parse_metric,
}
