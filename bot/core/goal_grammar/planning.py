"""The sub-commands that work a target out from history: plan (the reverse funnel),
suggest, split and cascade."""

from __future__ import annotations

from decimal import Decimal

from bot.core.amounts import looks_like_amount
from bot.core.errors import UserError
from bot.core.funnel import PLAN_EXAMPLE
from bot.core.goal_grammar.errors import no_note, unknown_word
from bot.core.goal_grammar.parsed import GoalCascade, GoalPlan, GoalSplit, GoalSuggest, Who
from bot.core.goal_grammar.usage import EXAMPLES
from bot.core.goal_grammar.values import (
    metric_and_rate,
    parse_money,
    parse_rate,
    parse_target,
    take_rate,
)
from bot.core.goal_grammar.words import (
    RELATIVE_WORDS,
    TEAM_PREFIX,
    Context,
    Options,
    Reader,
    check_one_who,
    looks_like_period_word,
    parse_who,
)
from bot.core.mentions import UserRef, parse_user_ref, shorten
from bot.core.metrics import Metric
from bot.core.periods import PeriodKind, parse_period_kind


def parse_plan(args: list[str], ctx: Context) -> GoalPlan:
    example = PLAN_EXAMPLE
    no_note("plan", ctx.note, example)
    options = Options("plan", example)
    user: UserRef | None = None
    deal: int | None = None
    win: Decimal | None = None
    demo: Decimal | None = None
    apply = False
    rest: list[str] = []
    reader = Reader(args)
    while reader.more():
        token = reader.next()
        word = token.lower()
        if word == "for":
            options.once("for")
            value = options.value(reader, "for")
            found = parse_user_ref(value)
            if value.lower().startswith(TEAM_PREFIX):
                raise UserError("A plan is for one person — mention them: for @maria.", example)
            if found is None:
                raise UserError(
                    f'"{shorten(value)}" is not a person — mention them: for @maria.', example
                )
            user = found
        elif (found := parse_user_ref(token)) is not None:
            options.once("for")
            user = found
        elif word.startswith(TEAM_PREFIX):
            raise UserError("A plan is for one person — mention them: for @maria.", example)
        elif word in ("deal", "deal-size", "dealsize"):
            options.once("deal")
            deal = parse_money(options.value(reader, "deal"), "deal size", example)
        elif word == "win":
            options.once("win")
            win = parse_rate(options.value(reader, "win"), "win", example)
        elif word == "demo":
            options.once("demo")
            demo = parse_rate(options.value(reader, "demo"), "demo", example)
        elif word == "apply":
            options.once("apply")
            apply = True
        else:
            rest.append(token)
    amount, kind, extra = take_rate(rest, example)
    if amount is None and not extra:
        raise UserError("Give the revenue target and its period, such as 4000/month.", example)
    if amount is None or extra:
        raise unknown_word(
            extra[0],
            "plan",
            "REVENUE/PERIOD, for @person, deal 1000, win 50%, demo 30%, apply",
            example,
        )
    revenue = parse_money(amount, "revenue target", example)
    return GoalPlan(revenue, kind, user, deal, win, demo, apply)


def parse_suggest(args: list[str], ctx: Context) -> GoalSuggest:
    example = EXAMPLES["suggest"]
    no_note("suggest", ctx.note, example)
    options = Options("suggest", example)
    user: UserRef | None = None
    metric: Metric | None = None
    kind: PeriodKind | None = None
    for token in args:
        found = parse_who(token, example)
        if found is not None:
            if found.user is None:
                raise UserError(
                    "A suggestion comes from one person's history — mention them: @maria "
                    "(for a team, use `/goal split`).",
                    example,
                )
            options.once("person")
            user = found.user
        elif (metric_found := ctx.catalog.lookup(token)) is not None:
            if metric is not None:
                raise UserError(
                    f"Suggest one metric at a time — {metric.key} and {metric_found.key} given.",
                    example,
                )
            metric = metric_found
        elif looks_like_period_word(token) and token.lower() not in RELATIVE_WORDS:
            options.once("period")
            kind = parse_period_kind(token, example)
        elif metric is None and not looks_like_amount(token):
            ctx.catalog.resolve(token, example)  # raises, with a did-you-mean
        else:
            raise unknown_word(token, "suggest", "@person, METRIC, week or month", example)
    if metric is None:
        raise UserError("Name the metric to suggest a target for.", example)
    return GoalSuggest(user, metric, kind or PeriodKind.WEEK)


_BASIS_WORDS = {
    "history": "history",
    "historical": "history",
    "past": "history",
    "evenly": "evenly",
    "even": "evenly",
    "equally": "evenly",
    "equal": "evenly",
}


def parse_split(args: list[str], ctx: Context) -> GoalSplit:
    team, metric, target, kind, basis, apply = _split_words("split", args, ctx)
    return GoalSplit(team, metric, target, kind, basis, ctx.note, apply)


def parse_cascade(args: list[str], ctx: Context) -> GoalCascade:
    team, metric, target, kind, basis, apply = _split_words("cascade", args, ctx)
    return GoalCascade(team, metric, target, kind, basis, ctx.note, apply)


def _split_words(
    verb: str, args: list[str], ctx: Context
) -> tuple[str, Metric, int, PeriodKind, str, bool]:
    """`team:NAME METRIC TARGET/PERIOD [by history|evenly] [apply]`, in any order."""
    example = EXAMPLES[verb]
    options = Options(verb, example)
    team: str | None = None
    basis: str | None = None
    apply = False
    rest: list[str] = []
    reader = Reader(args)
    while reader.more():
        token = reader.next()
        word = token.lower()
        found = parse_who(token, example)
        if found is not None:
            if found.team is None:
                raise UserError(
                    "`/goal split` divides a team's target among its members — name the team "
                    "(team:east); for one person use `/goal set`."
                    if verb == "split"
                    else "`/goal cascade` divides a team's target down its sub-teams to their members — "
                    "name the team (team:east, or team:all for the company); for one person use `/goal set`.",
                    example,
                )
            check_one_who(Who(team=team) if team else None, token, example)
            team = found.team
        elif word == "by":
            options.once("by")
            value = options.value(reader, "by")
            basis = _BASIS_WORDS.get(value.lower())
            if basis is None:
                raise UserError(f'Split by history or evenly, not "{shorten(value)}".', example)
        elif word in _BASIS_WORDS:
            options.once("by")
            basis = _BASIS_WORDS[word]
        elif word == "apply":
            options.once("apply")
            apply = True
        else:
            rest.append(token)
    if team is None:
        if verb == "split":
            raise UserError("Name the team whose target to split, as team:NAME.", example)
        raise UserError(
            "Name the team whose target to cascade, as team:NAME (team:all for the company).",
            example,
        )
    metric, amount, kind = metric_and_rate(rest, ctx.catalog, example, options.command)
    target = parse_target(amount, metric, example)
    # By history is the default: it is the bottom-up check the spec asks for, and new reps
    # still get the team median.
    return team, metric, target, kind, basis or "history", apply
