"""The `/goal` command grammar: text in, a command dataclass (or a UserError) out.

Pure: the caller passes the workspace's metrics, the caller's local `today` and the fiscal
year's first month. Who may set goals for whom, whether a started goal needs a reason, and
everything that needs history (plans, suggestions, splits) is the services' business; the
parser refuses only what nobody could mean.

`parse_goal` (parse.py) reads the sub-command and hands its words to that sub-command's
parser: setting.py (set, each, ramp, contest, propose), planning.py (plan, suggest, split,
cascade), listing.py (list, history, remove), new_metric.py (metric add). They read with
words.py (tokens, people and teams, periods) and values.py (targets, money, dates, labels);
parsed.py holds what they return, usage.py the examples and the help text.
"""

from bot.core.goal_grammar.errors import UnlinkedName
from bot.core.goal_grammar.listing import MAX_GOAL_ID_DIGITS
from bot.core.goal_grammar.new_metric import ALIAS_CHARS, METRIC_KEY_CHARS, check_metric_name
from bot.core.goal_grammar.parse import parse_goal
from bot.core.goal_grammar.parsed import (
    GoalCascade,
    GoalCommand,
    GoalContest,
    GoalEach,
    GoalHelp,
    GoalHistory,
    GoalList,
    GoalMetricAdd,
    GoalOpenModal,
    GoalPlan,
    GoalPropose,
    GoalRamp,
    GoalRemove,
    GoalSet,
    GoalSplit,
    GoalSuggest,
    Who,
)
from bot.core.goal_grammar.usage import EXAMPLES, GOAL_HELP, SPLIT_BASES, SUBCOMMANDS
from bot.core.goal_grammar.values import (
    GOAL_COUNT_CAP,
    GOAL_MONEY_CAP_CENTS,
    MAX_LABEL_CHARS,
    catalog_metric,
    parse_target,
)
from bot.core.goal_grammar.words import (
    MAX_TEXT_CHARS,
    RESERVED_WORDS,
    check_one_who,
    looks_like_period_word,
    parse_who,
    split_command,
    take_period,
    words_of,
)

__all__ = [
    "ALIAS_CHARS",
    "EXAMPLES",
    "GOAL_COUNT_CAP",
    "GOAL_HELP",
    "GOAL_MONEY_CAP_CENTS",
    "MAX_GOAL_ID_DIGITS",
    "MAX_LABEL_CHARS",
    "MAX_TEXT_CHARS",
    "METRIC_KEY_CHARS",
    "RESERVED_WORDS",
    "SPLIT_BASES",
    "SUBCOMMANDS",
    "GoalCascade",
    "GoalCommand",
    "GoalContest",
    "GoalEach",
    "GoalHelp",
    "GoalHistory",
    "GoalList",
    "GoalMetricAdd",
    "GoalOpenModal",
    "GoalPlan",
    "GoalPropose",
    "GoalRamp",
    "GoalRemove",
    "GoalSet",
    "GoalSplit",
    "GoalSuggest",
    "UnlinkedName",
    "Who",
    "catalog_metric",
    "check_metric_name",
    "check_one_who",
    "looks_like_period_word",
    "parse_goal",
    "parse_target",
    "parse_who",
    "split_command",
    "take_period",
    "words_of",
]
