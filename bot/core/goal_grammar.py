"""The `/goal` command grammar: text in, a command dataclass (or a UserError) out.

Pure: the caller passes the workspace's metrics, the caller's local `today` and the fiscal
year's first month. Who may set goals for whom, whether a started goal needs a reason, and
everything that needs history (plans, suggestions, splits) is the handler's business; the
parser refuses only what nobody could mean.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from bot.core.amounts import (
    NUMBER_WORDS,
    format_amount,
    looks_like_amount,
    parse_amount,
    parse_money_cents,
)
from bot.core.dates import DAY_PHRASE_STARTS, parse_iso_date, weekday_index
from bot.core.decomposition import WEIGHTS_EXAMPLE, weights_kind
from bot.core.errors import UserError
from bot.core.funnel import PLAN_EXAMPLE, parse_rate_pct
from bot.core.log_grammar import raw_note, split_note
from bot.core.log_suggestions import metric_words
from bot.core.mentions import (
    UserRef,
    clean_word,
    parse_user_ref,
    shorten,
    tokenize,
    unescape_slack,
    unquote,
)
from bot.core.metrics import Metric, MetricCatalog, MetricKind
from bot.core.periods import (
    MAX_YEAR,
    MIN_YEAR,
    Period,
    PeriodKind,
    parse_period,
    parse_period_kind,
    split_rate,
)
from bot.core.ramps import DEFAULT_STRETCH_PCT, RAMP_EXAMPLE, check_ramp, parse_stretch_pct
from bot.core.team_grammar import parse_team_name

MAX_TEXT_CHARS = 1000
MAX_LABEL_CHARS = 200  # a reward or a prize: shown in digests, so kept to a line or two
# A goal covers a whole period (a team's year, say), so the per-entry caps of /log do not
# apply; these only stop nonsense and keep sums far inside a 64-bit column.
GOAL_COUNT_CAP = 10_000_000
GOAL_MONEY_CAP_CENTS = 10_000_000_000 * 100
MAX_GOAL_ID_DIGITS = 18  # a positive BIGINT
METRIC_KEY_CHARS = (2, 30)
ALIAS_CHARS = (1, 30)  # the spec's own example gives `v` as an alias

SUBCOMMANDS = (
    "set", "each", "ramp", "contest", "plan", "suggest", "split", "cascade", "propose",
    "list", "history", "remove", "metric", "help",
)  # fmt: skip
SPLIT_BASES = ("history", "evenly")

EXAMPLES = {
    "set": "/goal set @maria calls 60/week",
    "each": '/goal each team:east demos 5/week reward "team lunch"',
    "ramp": RAMP_EXAMPLE,
    "contest": '/goal contest meetings week team:east prize "golf"',
    "plan": PLAN_EXAMPLE,
    "suggest": "/goal suggest @maria calls month",
    "split": "/goal split team:east revenue 300k/quarter by history",
    "cascade": "/goal cascade team:all revenue 12m/year by history",
    "propose": "/goal propose calls 70/week -- I have more leads now",
    "list": "/goal list team:east",
    "history": "/goal history @maria",
    "remove": "/goal remove 12 -- duplicate of #11",
    "metric": "/goal metric add visits alias visit,v",
    "help": "/goal help",
}

GOAL_HELP = """\
*Set and manage goals with `/goal`*
`/goal set @maria calls 60/week` — a goal for a person (leave out `@maria` for yourself); \
options: `from 2026-12-01`, `to 2027-03-31`, `stretch 125%`, `-- reason`
`/goal set team:east revenue 1.2m/year weights 20,25,25,30` — a team total; weights per \
quarter (4) or month (12) of a year, or per month (3) of a quarter
`/goal each team:east demos 5/week reward "team lunch"` — everyone must hit it (all or nothing)
`/goal ramp @bo emails 50 to 100 step 10 per week from 2026-12-07` — raise a target step by step
`/goal contest meetings week team:east prize "golf"` — most wins this week (`next week`, `month`, …)
`/goal plan 4000/month for @maria deal 1000 win 50% demo 30% apply` — revenue back to deals, \
demos and calls; rates not given come from history; `apply` sets the activity goals
`/goal suggest @maria calls month` — median and 80th percentile of the last 12 months
`/goal split team:east revenue 300k/quarter by history` — to members by their history \
(or `by evenly`); a team with sub-teams splits between them: a preview until you add `apply`
`/goal cascade team:all revenue 12m/year by history` — all the way down: teams, their \
sub-teams, then reps; a preview until you add `apply`
`/goal propose calls 70/week -- more leads now` — propose your own goal; a manager approves
`/goal list team:east`, `/goal history @maria` — goals, and the audit trail of changes
`/goal remove 12 -- reason` — a goal whose period has started needs a reason
`/goal metric add visits money alias visit,v` — a new metric (`money` for amounts in $)
`/goal` — open a form to set a goal
Periods: day, week, month, quarter, year. Money: 4000, $4,500, 4.5k, 1.2m. Dates: YYYY-MM-DD.
"""


# --- commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """A person or a team a command is about (exactly one of the two is set)."""

    user: UserRef | None = None
    team: str | None = None


@dataclass(frozen=True)
class GoalSet:
    """A goal of `target` (a count, or cents) per `period`. `who` None is the caller.

    `start`/`end` None: the handler's defaults (the current period; no end).
    `weights` are already checked against `period` (decomposition.weights_kind)."""

    who: Who | None
    metric: Metric
    target: int
    period: PeriodKind
    start: date | None = None
    end: date | None = None
    stretch_pct: int | None = None
    weights: tuple[int, ...] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class GoalEach:
    """A collective goal: every member of `team` must reach `target`; `reward` if all do."""

    team: str
    metric: Metric
    target: int
    period: PeriodKind
    reward: str | None = None
    start: date | None = None
    end: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class GoalRamp:
    """`first`, then `step` more each period until `last` (a falling ramp has a negative
    step); checked with ramps.check_ramp."""

    user: UserRef
    metric: Metric
    first: int
    last: int
    step: int
    period: PeriodKind
    start: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class GoalContest:
    """Who gets the most of `metric` in `period` (never one that has already ended)."""

    metric: Metric
    period: Period
    team: str | None = None
    prize: str | None = None


@dataclass(frozen=True)
class GoalPlan:
    """The reverse funnel for a revenue target; rates are percentages (1..100)."""

    revenue_cents: int
    period: PeriodKind
    user: UserRef | None = None
    deal_size_cents: int | None = None
    win_rate_pct: Fraction | Decimal | None = None
    demo_rate_pct: Fraction | Decimal | None = None
    apply: bool = False


@dataclass(frozen=True)
class GoalSuggest:
    user: UserRef | None
    metric: Metric
    period: PeriodKind = PeriodKind.WEEK


@dataclass(frozen=True)
class GoalSplit:
    """A team's target split one level down: a team without sub-teams to its members at
    once; a team with sub-teams (or `team:all`) between them, previewed until `apply`."""

    team: str
    metric: Metric
    target: int
    period: PeriodKind
    basis: str = "history"  # one of SPLIT_BASES
    reason: str | None = None
    apply: bool = False


@dataclass(frozen=True)
class GoalCascade:
    """A target split all the way down from `team` (`all`: the company): every level between
    its sub-teams, teams without sub-teams to their members; previewed until `apply`."""

    team: str
    metric: Metric
    target: int
    period: PeriodKind
    basis: str = "history"  # one of SPLIT_BASES
    reason: str | None = None
    apply: bool = False


@dataclass(frozen=True)
class GoalPropose:
    metric: Metric
    target: int
    period: PeriodKind
    reason: str | None = None


@dataclass(frozen=True)
class GoalList:
    who: Who | None = None


@dataclass(frozen=True)
class GoalHistory:
    who: Who | None = None


@dataclass(frozen=True)
class GoalRemove:
    """The grammar takes the reason as optional: only the handler knows whether the goal's
    period has started (and so whether a reason is required)."""

    goal_id: int
    reason: str | None = None


@dataclass(frozen=True)
class GoalMetricAdd:
    key: str
    money: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoalHelp:
    pass


@dataclass(frozen=True)
class GoalOpenModal:
    pass


GoalCommand = (
    GoalSet | GoalEach | GoalRamp | GoalContest | GoalPlan | GoalSuggest | GoalSplit
    | GoalCascade | GoalPropose | GoalList | GoalHistory | GoalRemove | GoalMetricAdd | GoalHelp
    | GoalOpenModal
)  # fmt: skip


# --- entry point ----------------------------------------------------------------------------


class UnlinkedName(UserError):
    """`/goal set ben calls 60/week`: a bare word where a person goes. The handler looks the
    name up among the workspace's people (and teams) and says whether `command` (with `@ben`)
    or `team_command` (with `team:ben`, None when that would not parse) is meant."""

    def __init__(self, name: str, command: str, team_command: str | None = None) -> None:
        self.name = name
        self.command = command
        self.team_command = team_command
        super().__init__(
            f'"{shorten(name)}" is not a metric. To set a goal for a person, mention them: type @ '
            "and pick them so Slack links the name.",
            command,
        )


@dataclass(frozen=True)
class _Context:
    catalog: MetricCatalog
    today: date
    fiscal_year_start_month: int
    note: str | None
    raw_note: str | None = None  # as typed (Slack-escaped), for suggesting a whole command


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
    return parser(args, _Context(catalog, today, fiscal_year_start_month, note, raw_note(text)))


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


# --- shared pieces (the report grammar uses these too) ---------------------------------------

_TEAM_PREFIX = "team:"


def parse_who(token: str, example: str) -> Who | None:
    """`@maria`, `<@U1|maria>` → a person; `team:east` → a team; None for any other word.

    The `team:` prefix is required so that a team called `calls` is never read as a
    metric (and the other way round)."""
    user = parse_user_ref(token)
    if user is not None:
        return Who(user=user)
    if token[: len(_TEAM_PREFIX)].lower() == _TEAM_PREFIX:
        return Who(team=parse_team_name(token, example))
    return None


def check_one_who(current: Who | None, token: str, example: str) -> None:
    if current is not None:
        raise UserError(f'Name one person or team — "{shorten(token)}" is a second one.', example)


_RELATIVE_WORDS = ("this", "last", "previous", "prev", "next")
_MONTH_WORDS = frozenset((
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june",
    "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov",
    "november", "dec", "december",
))  # fmt: skip
_YEAR_WORD = re.compile(r"(?:fy)?[0-9]{4}")
_QUARTER_WORD = re.compile(r"q[1-4]")
# Words that are clearly meant as a period, so a malformed one gets the period error
# ("2026-13 has no month 13") rather than "unknown metric".
_PERIODISH = re.compile(r"[0-9].*|fy[0-9].*|q[0-9].*|(?:this|last|previous|prev|next)-\w+")
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
    if word in _RELATIVE_WORDS:
        text = f"{written} {following}" if following is not None else written
        return parse_period(text, today, fiscal_year_start_month, example), 2
    if (
        after is not None
        and _YEAR_WORD.fullmatch(after)
        and (word in _MONTH_WORDS or _QUARTER_WORD.fullmatch(word))
    ):
        text = f"{written} {following}"
        return parse_period(text, today, fiscal_year_start_month, example), 2
    if word in _PERIOD_WORDS or word in _MONTH_WORDS or _PERIODISH.fullmatch(word):
        return parse_period(written, today, fiscal_year_start_month, example), 1
    return None


def looks_like_period_word(word: str) -> bool:
    word = word.lower()
    return word in _PERIOD_WORDS or word in _RELATIVE_WORDS or word in _MONTH_WORDS


# --- subcommands ----------------------------------------------------------------------------


def _parse_set(args: list[str], ctx: _Context) -> GoalSet:
    example = EXAMPLES["set"]
    options = _Options("set", example)
    who: Who | None = None
    start = end = None
    stretch: int | None = None
    weights: tuple[int, ...] | None = None
    rest: list[str] = []
    reader = _Reader(args)
    while reader.more():
        token = reader.next()
        word = token.lower()
        found = parse_who(token, example)
        if found is not None:
            check_one_who(who, token, example)
            who = found
        elif word in ("from", "starting"):
            options.once("from")
            start = _parse_goal_date(options.value(reader, "from"), ctx.today, example)
        elif word in ("to", "until"):
            options.once("to")
            end = _parse_goal_date(options.value(reader, "to"), ctx.today, example)
        elif word == "stretch":
            options.once("stretch")
            # A bare `stretch` is the usual 125%: stretch goals are "about 125%" of target.
            value = reader.take_if(_PCT_WORD)
            stretch = parse_stretch_pct(value) if value is not None else DEFAULT_STRETCH_PCT
        elif word == "weights":
            options.once("weights")
            weights = _parse_weight_list(reader.take_while(_WEIGHT_PART))
        else:
            rest.append(token)
    if who is None:
        _check_unlinked_name(args, rest, ctx)
    metric, amount, kind = _metric_and_rate(rest, ctx.catalog, example, options.command)
    target = parse_target(amount, metric, example)
    _check_order(start, end, example)
    if weights is not None:
        weights_kind(kind, weights)  # the count and sign, against the goal's period
    return GoalSet(who, metric, target, kind, start, end, stretch, weights, ctx.note)


# A word this close to a metric (difflib's ratio) is taken for a mistyped metric, not a name.
_METRIC_TYPO = 0.75
_NAME = re.compile(r"[\w.\-]{1,80}")


def _check_unlinked_name(args: list[str], rest: list[str], ctx: _Context) -> None:
    """Raise UnlinkedName when the word where a person goes (before the metric and target)
    is no metric, amount or option and the command parses with it as a mention (`ben` →
    `@ben`). A stray word after the target keeps its "unknown word" error."""
    name = rest[0] if rest else ""
    if not _could_be_name(name, ctx.catalog) or rest.count(name) != 1:
        return
    try:
        _metric_and_rate(rest[1:], ctx.catalog, "", "set")
    except UserError:
        return
    command = _set_command(args, name, f"@{name}", ctx)
    if command is not None:
        raise UnlinkedName(name, command, _set_command(args, name, f"team:{name}", ctx))


def _set_command(args: list[str], name: str, who: str, ctx: _Context) -> str | None:
    """`/goal set …` with `who` for the bare name, if that parses (so a suggestion never
    shows a command that fails in turn); else None."""
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
        or lower in _PER_WORDS
        or lower in RESERVED_WORDS
    ):
        return False
    return not difflib.get_close_matches(lower, metric_words(catalog), n=1, cutoff=_METRIC_TYPO)


_SET_OPTIONS = "@person or team:NAME, from DATE, to DATE, stretch 125%, weights 20,25,25,30"


def _parse_each(args: list[str], ctx: _Context) -> GoalEach:
    example = EXAMPLES["each"]
    options = _Options("each", example)
    team: Who | None = None
    start = end = None
    reward: str | None = None
    rest: list[str] = []
    reader = _Reader(args)
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
            start = _parse_goal_date(options.value(reader, "from"), ctx.today, example)
        elif word in ("to", "until"):
            options.once("to")
            end = _parse_goal_date(options.value(reader, "to"), ctx.today, example)
        elif word == "reward":
            options.once("reward")
            reward = _parse_label(options.value(reader, "reward"), "reward", example)
            _check_label_ends(reader.peek(), "reward", ctx.catalog, example)
        else:
            rest.append(token)
    if team is None or team.team is None:
        raise UserError("Name the team that shares the goal, as team:NAME.", example)
    metric, amount, kind = _metric_and_rate(rest, ctx.catalog, example, options.command)
    target = parse_target(amount, metric, example)
    _check_order(start, end, example)
    return GoalEach(team.team, metric, target, kind, reward, start, end, ctx.note)


def _parse_ramp(args: list[str], ctx: _Context) -> GoalRamp:
    example = RAMP_EXAMPLE
    options = _Options("ramp", example)
    user: UserRef | None = None
    start = None
    rest: list[str] = []
    reader = _Reader(args)
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
            start = _parse_goal_date(options.value(reader, "from"), ctx.today, example)
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
    step_text, kind, extra = _take_rate(rest[5:], example)
    if step_text is None or extra:
        raise _ramp_shape_error(example)
    first = parse_target(rest[1], metric, example, what="ramp's first target")
    last = parse_target(rest[3], metric, example, what="ramp's last target")
    step = _parse_step(step_text, metric, example)
    check_ramp(first, last, step)
    return GoalRamp(user, metric, first, last, step, kind, start, ctx.note)


def _ramp_shape_error(example: str) -> UserError:
    return UserError(
        "Write a ramp as FIRST to LAST step STEP per PERIOD (a falling ramp has a negative step).",
        example,
    )


def _parse_contest(args: list[str], ctx: _Context) -> GoalContest:
    example = EXAMPLES["contest"]
    _no_note("contest", ctx.note, example)
    options = _Options("contest", example)
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
            prize = _parse_label(args[index], "prize", example)
            index += 1
            _check_label_ends(
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
            raise _unknown_word(
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


def _parse_plan(args: list[str], ctx: _Context) -> GoalPlan:
    example = PLAN_EXAMPLE
    _no_note("plan", ctx.note, example)
    options = _Options("plan", example)
    user: UserRef | None = None
    deal: int | None = None
    win: Decimal | None = None
    demo: Decimal | None = None
    apply = False
    rest: list[str] = []
    reader = _Reader(args)
    while reader.more():
        token = reader.next()
        word = token.lower()
        if word == "for":
            options.once("for")
            value = options.value(reader, "for")
            found = parse_user_ref(value)
            if value.lower().startswith(_TEAM_PREFIX):
                raise UserError("A plan is for one person — mention them: for @maria.", example)
            if found is None:
                raise UserError(
                    f'"{shorten(value)}" is not a person — mention them: for @maria.', example
                )
            user = found
        elif (found := parse_user_ref(token)) is not None:
            options.once("for")
            user = found
        elif word.startswith(_TEAM_PREFIX):
            raise UserError("A plan is for one person — mention them: for @maria.", example)
        elif word in ("deal", "deal-size", "dealsize"):
            options.once("deal")
            deal = _parse_money(options.value(reader, "deal"), "deal size", example)
        elif word == "win":
            options.once("win")
            win = _parse_rate(options.value(reader, "win"), "win", example)
        elif word == "demo":
            options.once("demo")
            demo = _parse_rate(options.value(reader, "demo"), "demo", example)
        elif word == "apply":
            options.once("apply")
            apply = True
        else:
            rest.append(token)
    amount, kind, extra = _take_rate(rest, example)
    if amount is None and not extra:
        raise UserError("Give the revenue target and its period, such as 4000/month.", example)
    if amount is None or extra:
        raise _unknown_word(
            extra[0],
            "plan",
            "REVENUE/PERIOD, for @person, deal 1000, win 50%, demo 30%, apply",
            example,
        )
    revenue = _parse_money(amount, "revenue target", example)
    return GoalPlan(revenue, kind, user, deal, win, demo, apply)


def _parse_suggest(args: list[str], ctx: _Context) -> GoalSuggest:
    example = EXAMPLES["suggest"]
    _no_note("suggest", ctx.note, example)
    options = _Options("suggest", example)
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
        elif looks_like_period_word(token) and token.lower() not in _RELATIVE_WORDS:
            options.once("period")
            kind = parse_period_kind(token, example)
        elif metric is None and not looks_like_amount(token):
            ctx.catalog.resolve(token, example)  # raises, with a did-you-mean
        else:
            raise _unknown_word(token, "suggest", "@person, METRIC, week or month", example)
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


def _parse_split(args: list[str], ctx: _Context) -> GoalSplit:
    team, metric, target, kind, basis, apply = _split_words("split", args, ctx)
    return GoalSplit(team, metric, target, kind, basis, ctx.note, apply)


def _parse_cascade(args: list[str], ctx: _Context) -> GoalCascade:
    team, metric, target, kind, basis, apply = _split_words("cascade", args, ctx)
    return GoalCascade(team, metric, target, kind, basis, ctx.note, apply)


def _split_words(verb: str, args: list[str], ctx: _Context) -> tuple[str, Metric, int, PeriodKind, str, bool]:
    """`team:NAME METRIC TARGET/PERIOD [by history|evenly] [apply]`, in any order."""
    example = EXAMPLES[verb]
    options = _Options(verb, example)
    team: str | None = None
    basis: str | None = None
    apply = False
    rest: list[str] = []
    reader = _Reader(args)
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
        raise UserError("Name the team whose target to cascade, as team:NAME (team:all for the company).", example)
    metric, amount, kind = _metric_and_rate(rest, ctx.catalog, example, options.command)
    target = parse_target(amount, metric, example)
    # By history is the default: it is the bottom-up check the spec asks for, and new reps
    # still get the team median.
    return team, metric, target, kind, basis or "history", apply


def _parse_propose(args: list[str], ctx: _Context) -> GoalPropose:
    example = EXAMPLES["propose"]
    for token in args:
        if parse_who(token, example) is not None:
            raise UserError(
                "A proposal is for your own goal — leave out the person or team "
                "(managers use `/goal set`).",
                example,
            )
    metric, amount, kind = _metric_and_rate(args, ctx.catalog, example, "propose")
    return GoalPropose(metric, parse_target(amount, metric, example), kind, ctx.note)


def _parse_list(args: list[str], ctx: _Context) -> GoalList:
    return GoalList(_only_who("list", args, ctx))


def _parse_history(args: list[str], ctx: _Context) -> GoalHistory:
    return GoalHistory(_only_who("history", args, ctx))


def _only_who(verb: str, args: list[str], ctx: _Context) -> Who | None:
    example = EXAMPLES[verb]
    _no_note(verb, ctx.note, example)
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


_GOAL_ID = re.compile(r"#?([0-9]+)")


def _parse_remove(args: list[str], ctx: _Context) -> GoalRemove:
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


_KEY = re.compile(r"[a-z0-9_]+")
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


def _parse_metric(args: list[str], ctx: _Context) -> GoalMetricAdd:
    example = EXAMPLES["metric"]
    _no_note("metric", ctx.note, example)
    if not args or args[0].lower() != "add":
        raise UserError("`/goal metric` has one command: add.", example)
    if len(args) < 2:
        raise UserError("Name the new metric.", example)
    key = check_metric_name(args[1], ctx.catalog, ctx.today, "metric name", METRIC_KEY_CHARS)
    options = _Options("metric add", example)
    money = False
    aliases: list[str] = []
    reader = _Reader(args[2:])
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
            raise _unknown_word(token, "metric add", "money, alias NAME,NAME", example)
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
        raise UserError(f'"{shown}" can\'t be a {what} — put _ only between letters or digits (site_visits).', example)
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
        parse_money_cents(name, _LOOSE_MONEY, allow_zero=True)
    except UserError:
        return False
    return True


_PARSERS = {
    "set": _parse_set,
    "each": _parse_each,
    "ramp": _parse_ramp,
    "contest": _parse_contest,
    "plan": _parse_plan,
    "suggest": _parse_suggest,
    "split": _parse_split,
    "cascade": _parse_cascade,
    "propose": _parse_propose,
    "list": _parse_list,
    "history": _parse_history,
    "remove": _parse_remove,
    "metric": _parse_metric,
}


# --- values ---------------------------------------------------------------------------------

_PER_WORDS = ("per", "a", "an", "every", "each")
_PCT_WORD = re.compile(r"[0-9]{1,4}%?")
_WEIGHT_PART = re.compile(r"[0-9.,%]*[0-9][0-9.,%]*|,")
_RATE_PCT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?%?")
_MINUS = ("-", "−")
# Parsing with caps out of the way; the goal caps are checked with goal wording afterwards.
_UNCAPPED = 10**18
_LOOSE_MONEY = Metric("revenue", MetricKind.MONEY, cap=_UNCAPPED)


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
        cents = parse_money_cents(text, _LOOSE_MONEY, allow_zero=allow_zero, example=example)
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


def _parse_step(token: str, metric: Metric, example: str) -> int:
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


def _parse_money(token: str, what: str, example: str) -> int:
    text = token.strip()
    shown = shorten(text)
    if text.removeprefix("$").startswith(_MINUS) and any(ch.isdigit() for ch in text):
        raise UserError(f'The {what} must be above 0 (got "{shown}").', example)
    value = parse_money_cents(text, _LOOSE_MONEY, allow_zero=True, example=example)
    if value <= 0:
        raise UserError(f'The {what} must be above 0 (got "{shown}").', example)
    if value > GOAL_MONEY_CAP_CENTS:
        limit = format_amount(GOAL_MONEY_CAP_CENTS, _LOOSE_MONEY)
        raise UserError(f'"{shown}" is more than the largest {what} of {limit}.', example)
    return value


def _parse_rate(token: str, name: str, example: str) -> Decimal:
    # The shape first: Decimal would read `1e999999999`, and comparing that as a Fraction
    # builds a billion-digit integer.
    if not _RATE_PCT.fullmatch(token.strip()):
        raise UserError(
            f'The {name} rate "{shorten(token.strip())}" is not a percentage like 30% or 33.3%.',
            example,
        )
    return parse_rate_pct(token, name)


def _parse_weight_list(parts: list[str]) -> tuple[int, ...]:
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


def _parse_goal_date(token: str, today: date, example: str) -> date:
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


def _check_order(start: date | None, end: date | None, example: str) -> None:
    if start is not None and end is not None and end < start:
        raise UserError(
            f"The goal ends ({end.isoformat()}) before it starts ({start.isoformat()}).",
            example,
        )


def _parse_label(token: str, what: str, example: str) -> str:
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


def _check_label_ends(after: str | None, what: str, catalog: MetricCatalog, example: str) -> None:
    """Refuse `reward team lunch`: an unquoted label is one word, and a following word that
    is nothing the command knows is most likely the label's second word."""
    if after is None:
        return
    word = after.lower()
    known = (
        word in _OPTION_WORDS
        or word in _RELATIVE_WORDS
        or parse_user_ref(after) is not None
        or word.startswith(_TEAM_PREFIX)
        or catalog.is_metric_word(word)
        or looks_like_amount(after)
        or looks_like_period_word(word)
        or _PERIODISH.fullmatch(word) is not None
    )
    if not known:
        raise UserError(f'Put a {what} of several words in quotes: {what} "team lunch".', example)


def catalog_metric(token: str, catalog: MetricCatalog, example: str) -> Metric:
    """The metric a word names, or the catalog's UserError with a did-you-mean."""
    return catalog.resolve(token, example)


def _take_rate(tokens: list[str], example: str) -> tuple[str | None, PeriodKind, list[str]]:
    """A goal rate at the start of `tokens` — `60/week`, `60 per week`, `60 a week`,
    `60 weekly` — as (amount text, period kind, the tokens after it); (None, …) if empty."""
    if not tokens:
        return None, PeriodKind.WEEK, []
    if "/" in tokens[0]:
        amount, kind = split_rate(tokens[0], example)
        return amount, kind, tokens[1:]
    if len(tokens) >= 3 and tokens[1].lower() in _PER_WORDS:
        return tokens[0], parse_period_kind(tokens[2], example), tokens[3:]
    if (
        len(tokens) >= 2
        and looks_like_period_word(tokens[1])
        and tokens[1].lower() not in _RELATIVE_WORDS
    ):
        return tokens[0], parse_period_kind(tokens[1], example), tokens[2:]
    if looks_like_amount(tokens[0]):
        raise UserError(
            f'"{shorten(tokens[0])}" needs a period — write the target like 60/week '
            "(day, week, month, quarter or year).",
            example,
        )
    return None, PeriodKind.WEEK, tokens


def _metric_and_rate(
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
        amount, kind, extra = _take_rate(tokens[1:], example)
    else:
        if not looks_like_amount(tokens[0]) and "/" not in tokens[0]:
            catalog.resolve(tokens[0], example)  # raises, with a did-you-mean
        amount, kind, extra = _take_rate(tokens, example)
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
        raise _unknown_word(extra[0], command, _OPTION_LISTS[command], example)
    return metric, amount, kind


def _metric_first(tokens: list[str], catalog: MetricCatalog) -> list[str]:
    """`60 calls/week`, `60 calls per week`: the amount written before the metric, as /log
    allows, put after it (`calls 60/week`, `calls 60 per week`)."""
    if len(tokens) < 2 or "/" in tokens[0] or catalog.lookup(tokens[0]) or not looks_like_amount(tokens[0]):
        return tokens
    name, slash, period = tokens[1].partition("/")
    if catalog.lookup(name) is None:
        return tokens
    if slash:
        return [name, f"{tokens[0]}/{period}", *tokens[2:]]
    return [tokens[1], tokens[0], *tokens[2:]]


_OPTION_LISTS = {
    "set": _SET_OPTIONS,
    "each": 'team:NAME, from DATE, to DATE, reward "team lunch"',
    "split": "team:NAME, by history or by evenly, apply",
    "cascade": "team:NAME, by history or by evenly, apply",
    "propose": "METRIC TARGET/PERIOD -- why",
}


def _unknown_word(token: str, command: str, known: str, example: str) -> UserError:
    return UserError(
        f'Unknown word "{shorten(token)}" in `/goal {command}`. It takes: {known}.', example
    )


def _no_note(verb: str, note: str | None, example: str) -> None:
    if note is not None:
        raise UserError(f"`/goal {verb}` takes no `--` note.", example)


class _Reader:
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


class _Options:
    """Which options a command has seen: each may be given once."""

    def __init__(self, command: str, example: str) -> None:
        self.command = command
        self.example = example
        self._seen: set[str] = set()

    def once(self, name: str) -> None:
        if name in self._seen:
            raise UserError(f"`{name}` is given twice.", self.example)
        self._seen.add(name)

    def value(self, reader: _Reader, name: str) -> str:
        if not reader.more():
            raise UserError(f"`{name}` needs a value after it.", self.example)
        return reader.next()
