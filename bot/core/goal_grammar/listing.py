"""The sub-commands about existing goals: list, history and remove."""

from __future__ import annotations

import re

from bot.core.errors import UserError
from bot.core.goal_grammar.errors import no_note
from bot.core.goal_grammar.parsed import GoalHistory, GoalList, GoalRemove, Who
from bot.core.goal_grammar.usage import EXAMPLES
from bot.core.goal_grammar.words import Context, check_one_who, parse_who
from bot.core.mentions import shorten


def parse_list(args: list[str], ctx: Context) -> GoalList:
    return GoalList(_only_who("list", args, ctx))


def parse_history(args: list[str], ctx: Context) -> GoalHistory:
    return GoalHistory(_only_who("history", args, ctx))


def _only_who(verb: str, args: list[str], ctx: Context) -> Who | None:
    example = EXAMPLES[verb]
    no_note(verb, ctx.note, example)
    who: Who | None = None
    for token in args:
        found = parse_who(token, example)
        if found is None:
            raise UserError(
                f"`/goal {verb}` takes a person (@maria) or a team (team:east) — "
                f'"{shorten(token)}" is neither.',
                example,
            )
        check_one_who(who, token, example)
        who = found
    return who


MAX_GOAL_ID_DIGITS = 18  # a positive BIGINT


_GOAL_ID = re.compile(r"#?([0-9]+)")


def parse_remove(args: list[str], ctx: Context) -> GoalRemove:
    example = EXAMPLES["remove"]
    if not args:
        raise UserError("Give the ID of the goal to remove (`/goal list` shows them).", example)
    if len(args) > 1:
        raise UserError(
            f'Remove one goal at a time — "{shorten(args[1])}" is extra (a reason goes after --).',
            example,
        )
    match = _GOAL_ID.fullmatch(args[0])
    if match is None or len(match[1].lstrip("0")) > MAX_GOAL_ID_DIGITS or int(match[1]) == 0:
        raise UserError(
            f'"{shorten(args[0])}" is not a goal ID — IDs are whole numbers like 12 '
            "(`/goal list` shows them).",
            example,
        )
    return GoalRemove(int(match[1]), ctx.note)
