"""The sub-commands that set one goal: set (with the bare-name check), each, ramp, contest
and propose."""

from __future__ import annotations

import difflib
import re

from bot.core.amounts import looks_like_amount
from bot.core.decomposition import weights_kind
from bot.core.errors import UserError
from bot.core.goal_grammar.errors import UnlinkedName, no_note, unknown_word
from bot.core.goal_grammar.parsed import (
    GoalContest,
    GoalEach,
    GoalPropose,
    GoalRamp,
    GoalSet,
    Who,
)
from bot.core.goal_grammar.usage import EXAMPLES
from bot.core.goal_grammar.values import (
    PCT_WORD,
    WEIGHT_PART,
    catalog_metric,
    check_label_ends,
    check_order,
    metric_and_rate,
    parse_goal_date,
    parse_label,
    parse_step,
    parse_target,
    parse_weight_list,
    take_rate,
)
from bot.core.goal_grammar.words import (
    PER_WORDS,
    RESERVED_WORDS,
    Context,
    Options,
    Reader,
    check_one_who,
    looks_like_period_word,
    parse_who,
    take_period,
)
from bot.core.log_suggestions import metric_words
from bot.core.mentions import UserRef, shorten
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.ramps import DEFAULT_STRETCH_PCT, RAMP_EXAMPLE, check_ramp, parse_stretch_pct


def parse_set(args: list[str], ctx: Context) -> GoalSet:
    example = EXAMPLES["set"]
    options = Options("set", example)
    who: Who | None = None
    start = end = None
    stretch: int | None = None
    weights: tuple[int, ...] | None = None
    rest: list[str] = []
    reader = Reader(args)
    while reader.more():
        token = reader.next()
        word = token.lower()
        found = parse_who(token, example)
        if found is not None:
            check_one_who(who, token, example)
            who = found
        elif word in ("from", "starting"):
            options.once("from")
            start = parse_goal_date(options.value(reader, "from"), ctx.today, example)
        elif word in ("to", "until"):
            options.once("to")
            end = parse_goal_date(options.value(reader, "to"), ctx.today, example)
        elif word == "stretch":
            options.once("stretch")
            # A bare `stretch` is the usual 125%: stretch goals are "about 125%" of target.
            value = reader.take_if(PCT_WORD)
            stretch = parse_stretch_pct(value) if value is not None else DEFAULT_STRETCH_PCT
        elif word == "weights":
            options.once("weights")
            weights = parse_weight_list(reader.take_while(WEIGHT_PART))
        else:
            rest.append(token)
    if who is None:
        _check_unlinked_name(args, rest, ctx)
    metric, amount, kind = metric_and_rate(rest, ctx.catalog, example, options.command)
    target = parse_target(amount, metric, example)
    check_order(start, end, example)
    if weights is not None:
        weights_kind(kind, weights)  # the count and sign, against the goal's period
    return GoalSet(who, metric, target, kind, start, end, stretch, weights, ctx.note)


# A word this close to a metric (difflib's ratio) is taken for a mistyped metric, not a name.
_METRIC_TYPO = 0.75


_NAME = re.compile(r"[\w.\-]{1,80}")


def _check_unlinked_name(args: list[str], rest: list[str], ctx: Context) -> None:
    """Raise UnlinkedName when the word where a person goes (before the metric and target)
    is no metric, amount or option and the command parses with it as a mention (`ben` →
    `@ben`). A stray word after the target keeps its "unknown word" error."""
    name = rest[0] if rest else ""
    if not _could_be_name(name, ctx.catalog) or rest.count(name) != 1:
        return
    try:
        metric_and_rate(rest[1:], ctx.catalog, "", "set")
    except UserError:
        return
    command = _set_command(args, name, f"@{name}", ctx)
    if command is not None:
        raise UnlinkedName(name, command, _set_command(args, name, f"team:{name}", ctx))


def _set_command(args: list[str], name: str, who: str, ctx: Context) -> str | None:
    """`/goal set …` with `who` for the bare name, if that parses (so a suggestion never
    shows a command that fails in turn); else None."""
    # Imported here: the entry point imports this module for its table of parsers.
    from bot.core.goal_grammar.parse import parse_goal

    words = ["set", *(who if word == name else word for word in args)]
    text = " ".join(words) + (f" -- {ctx.raw_note}" if ctx.raw_note else "")
    if "`" in text:
        return None  # it would break out of the code span the reply shows it in
    try:
        parse_goal(text, ctx.catalog, ctx.today, ctx.fiscal_year_start_month)
    except UserError:
        return None
    return f"/goal {text}"


def _could_be_name(word: str, catalog: MetricCatalog) -> bool:
    lower = word.lower()
    if (
        not _NAME.fullmatch(word)
        or not any(ch.isalpha() for ch in word)
        or catalog.is_metric_word(lower)
        or looks_like_amount(word)
        or looks_like_period_word(lower)
        or lower in PER_WORDS
        or lower in RESERVED_WORDS
    ):
        return False
    return not difflib.get_close_matches(lower, metric_words(catalog), n=1, cutoff=_METRIC_TYPO)


def parse_each(args: list[str], ctx: Context) -> GoalEach:
    example = EXAMPLES["each"]
    options = Options("each", example)
    team: Who | None = None
    start = end = None
    reward: str | None = None
    rest: list[str] = []
    reader = Reader(args)
    while reader.more():
        token = reader.next()
        word = token.lower()
        found = parse_who(token, example)
        if found is not None:
            if found.user is not None:
                raise UserError(
                    "`/goal each` is a collective goal for a whole team — name the team "
                    "(team:east); for one person use `/goal set`.",
                    example,
                )
            check_one_who(team, token, example)
            team = found
        elif word in ("from", "starting"):
            options.once("from")
            start = parse_goal_date(options.value(reader, "from"), ctx.today, example)
        elif word in ("to", "until"):
            options.once("to")
            end = parse_goal_date(options.value(reader, "to"), ctx.today, example)
        elif word == "reward":
            options.once("reward")
            reward = parse_label(options.value(reader, "reward"), "reward", example)
            check_label_ends(reader.peek(), "reward", ctx.catalog, example)
        else:
            rest.append(token)
    if team is None or team.team is None:
        raise UserError("Name the team that shares the goal, as team:NAME.", example)
    metric, amount, kind = metric_and_rate(rest, ctx.catalog, example, options.command)
    target = parse_target(amount, metric, example)
    check_order(start, end, example)
    return GoalEach(team.team, metric, target, kind, reward, start, end, ctx.note)


def parse_ramp(args: list[str], ctx: Context) -> GoalRamp:
    example = RAMP_EXAMPLE
    options = Options("ramp", example)
    user: UserRef | None = None
    start = None
    rest: list[str] = []
    reader = Reader(args)
    while reader.more():
        token = reader.next()
        found = parse_who(token, example)
        if found is not None:
            if found.user is None:
                raise UserError("A ramp is for one person — mention them: @bo.", example)
            if user is not None:
                raise UserError(
                    f'Ramp one person at a time — "{shorten(token)}" is a second one.', example
                )
            user = found.user
        elif token.lower() in ("from", "starting"):
            options.once("from")
            start = parse_goal_date(options.value(reader, "from"), ctx.today, example)
        else:
            rest.append(token)
    if user is None:
        raise UserError("Mention the person whose target ramps up.", example)
    if not rest:
        raise _ramp_shape_error(example)
    metric = catalog_metric(rest[0], ctx.catalog, example)
    # METRIC FIRST to LAST step STEP per PERIOD (or STEP/PERIOD, or STEP weekly)
    shape = [token.lower() for token in rest]
    if len(shape) < 6 or shape[2] != "to" or shape[4] != "step":
        raise _ramp_shape_error(example)
    step_text, kind, extra = take_rate(rest[5:], example)
    if step_text is None or extra:
        raise _ramp_shape_error(example)
    first = parse_target(rest[1], metric, example, what="ramp's first target")
    last = parse_target(rest[3], metric, example, what="ramp's last target")
    step = parse_step(step_text, metric, example)
    check_ramp(first, last, step)
    return GoalRamp(user, metric, first, last, step, kind, start, ctx.note)


def _ramp_shape_error(example: str) -> UserError:
    return UserError(
        "Write a ramp as FIRST to LAST step STEP per PERIOD (a falling ramp has a negative step).",
        example,
    )


def parse_contest(args: list[str], ctx: Context) -> GoalContest:
    example = EXAMPLES["contest"]
    no_note("contest", ctx.note, example)
    options = Options("contest", example)
    metric: Metric | None = None
    period: Period | None = None
    team: str | None = None
    prize: str | None = None
    index = 0
    while index < len(args):
        token = args[index]
        word = token.lower()
        index += 1
        found = parse_who(token, example)
        if found is not None:
            if found.user is not None:
                raise UserError(
                    "A contest is between the people of a team — name it as team:NAME "
                    "(or leave it out for everyone).",
                    example,
                )
            options.once("team")
            team = found.team
        elif word == "prize":
            options.once("prize")
            if index >= len(args):
                raise UserError("`prize` needs a value after it.", example)
            prize = parse_label(args[index], "prize", example)
            index += 1
            check_label_ends(
                args[index] if index < len(args) else None, "prize", ctx.catalog, example
            )
        elif (metric_found := ctx.catalog.lookup(token)) is not None:
            if metric is not None:
                raise UserError(
                    f"A contest counts one metric — {metric.key} and {metric_found.key} given.",
                    example,
                )
            metric = metric_found
        elif (
            taken := take_period(args, index - 1, ctx.today, ctx.fiscal_year_start_month, example)
        ) is not None:
            options.once("period")
            period, used = taken
            index += used - 1
        elif metric is None and not looks_like_amount(token):
            ctx.catalog.resolve(token, example)  # raises, with a did-you-mean
        else:
            raise unknown_word(
                token,
                "contest",
                'METRIC, a period (week, next week, month), team:NAME, prize "golf"',
                example,
            )
    if metric is None:
        raise UserError("Name the metric the contest counts.", example)
    if period is None:
        # The weekly contest is the common one ("who books the most meetings this week").
        period = Period.containing(PeriodKind.WEEK, ctx.today, ctx.fiscal_year_start_month)
    if period.end < ctx.today:
        raise UserError(
            f"{period.label[:1].upper()}{period.label[1:]} has already ended — a contest is "
            "for the current or a coming period.",
            example,
        )
    return GoalContest(metric, period, team, prize)


def parse_propose(args: list[str], ctx: Context) -> GoalPropose:
    example = EXAMPLES["propose"]
    for token in args:
        if parse_who(token, example) is not None:
            raise UserError(
                "A proposal is for your own goal — leave out the person or team "
                "(managers use `/goal set`).",
                example,
            )
    metric, amount, kind = metric_and_rate(args, ctx.catalog, example, "propose")
    return GoalPropose(metric, parse_target(amount, metric, example), kind, ctx.note)
