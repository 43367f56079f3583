"""The /goal sub-commands, an example of each, the help text, and the options each one
takes (quoted in "unknown word" errors)."""

from __future__ import annotations

from bot.core.funnel import PLAN_EXAMPLE
from bot.core.ramps import RAMP_EXAMPLE

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


_SET_OPTIONS = "@person or team:NAME, from DATE, to DATE, stretch 125%, weights 20,25,25,30"


OPTION_LISTS = {
    "set": _SET_OPTIONS,
    "each": 'team:NAME, from DATE, to DATE, reward "team lunch"',
    "split": "team:NAME, by history or by evenly, apply",
    "cascade": "team:NAME, by history or by evenly, apply",
    "propose": "METRIC TARGET/PERIOD -- why",
}
