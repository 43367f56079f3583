from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.amounts import format_amount
from bot.core.errors import UserError
from bot.core.goal_grammar import (
    GOAL_HELP,
    SUBCOMMANDS,
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
    parse_goal,
)
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog, MetricKind
from bot.core.periods import Period, PeriodKind

CATALOG = MetricCatalog()
TODAY = date(2026, 11, 20)  # a Friday
CALLS, DEMOS, EMAILS, MEETINGS, REVENUE = (
    CATALOG.get(k) for k in ("calls", "demos", "emails", "meetings", "revenue")
)
MARIA = UserRef(None, "maria")
BO = UserRef(None, "bo")
THIS_WEEK = Period(PeriodKind.WEEK, date(2026, 11, 16), date(2026, 11, 22))


def goal(text, catalog=CATALOG, today=TODAY, fiscal_year_start_month=1):
    return parse_goal(text, catalog, today, fiscal_year_start_month)


def error_of(text, catalog=CATALOG, today=TODAY) -> str:
    with pytest.raises(UserError) as caught:
        parse_goal(text, catalog, today)
    assert "\nExample: `/goal" in caught.value.text
    return caught.value.message


# --- set ------------------------------------------------------------------------------------


def test_set_for_a_person_with_every_option():
    command = goal(
        "set @maria calls 60/week from 2026-12-01 to 2027-03-31 stretch 125% -- new territory"
    )
    assert command == GoalSet(
        who=Who(user=MARIA),
        metric=CALLS,
        target=60,
        period=PeriodKind.WEEK,
        start=date(2026, 12, 1),
        end=date(2027, 3, 31),
        stretch_pct=125,
        weights=None,
        reason="new territory",
    )


def test_set_minimal_is_for_the_caller():
    assert goal("set calls 60/week") == GoalSet(
        None, CALLS, 60, PeriodKind.WEEK, None, None, None, None, None
    )


@pytest.mark.parametrize(
    "text",
    [
        "set @maria calls 60/week",
        "set <@U1|maria> calls 60/week",
        "set @maria calls 60 per week",
        "set @maria calls 60 a week",
        "set @maria calls 60 weekly",
        "set @maria 60/week calls",
        "set calls 60/week @maria",
        "SET @maria CALLS 60/WEEK",
        "set @maria dials 60/wk",
    ],
)
def test_set_rate_forms_and_orders(text):
    command = goal(text)
    assert isinstance(command, GoalSet)
    assert (command.metric, command.target, command.period) == (CALLS, 60, PeriodKind.WEEK)
    assert command.who is not None and command.who.user is not None
    assert command.who.user.name == "maria"


def test_set_escaped_mention_keeps_the_id():
    assert goal("set <@U1|maria> calls 60/week").who == Who(user=UserRef("U1", "maria"))


def test_set_team_total_with_weights():
    assert goal("set team:east revenue 1.2m/year weights 20,25,25,30") == GoalSet(
        Who(team="east"), REVENUE, 120_000_000, PeriodKind.YEAR, None, None, None,
        (20, 25, 25, 30), None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "weights"),
    [
        ("set team:east revenue 1.2m/year weights 20, 25, 25, 30", (20, 25, 25, 30)),
        ("set team:east revenue 1.2m/year weights 20%,25%,25%,30%", (20, 25, 25, 30)),
        ("set team:east revenue 1.2m/year weights " + ",".join(["1"] * 12), (1,) * 12),
        ("set @maria revenue 300k/quarter weights 1,2,3", (1, 2, 3)),
    ],
)
def test_weights_forms(text, weights):
    assert goal(text).weights == weights


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "set calls 60/week weights 1,2,3",
            "Weights are for yearly and quarterly goals, not weekly ones.",
        ),
        (
            "set team:east revenue 100k/month weights 1,2,3",
            "Weights are for yearly and quarterly goals, not monthly ones.",
        ),
        (
            "set team:east revenue 1.2m/year weights 1,2,3",
            "A yearly goal takes 4 (one per quarter) or 12 (one per month) weights, not 3.",
        ),
        ("set team:east revenue 1.2m/year weights 0,1,1,1", "Every weight must be greater than 0."),
        (
            "set team:east revenue 1.2m/year weights 20.5,25,25,30",
            'Weight "20.5" is not a whole number — weights are shares such as 20,25,25,30.',
        ),
        (
            "set team:east revenue 1.2m/year weights",
            "Give one weight per quarter or month after `weights`.",
        ),
    ],
)
def test_bad_weights(text, message):
    with pytest.raises(UserError) as caught:
        goal(text)
    assert caught.value.message == message
    assert "Example: `/goal set team:east revenue 1.2m/year weights" in caught.value.text


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("set revenue 4000/month", 400_000),
        ("set revenue $4,500.50/month", 450_050),
        ("set rev 1.2m/year", 120_000_000),
        ("set revenue 20m/year", 2_000_000_000),  # a team's year: above /log's entry cap
        ("set calls 3000/quarter", 3000),  # above /log's 1,000 per entry
        ("set calls 3k/year", 3000),
        ("set calls 1,200/month", 1200),
    ],
)
def test_targets_are_not_held_to_per_entry_caps(text, target):
    assert goal(text).target == target


def test_stretch_forms():
    assert goal("set calls 60/week stretch").stretch_pct == 125
    assert goal("set calls 60/week stretch 150").stretch_pct == 150
    assert goal("set calls 60/week stretch 110%").stretch_pct == 110


def test_start_and_end_words():
    assert goal("set calls 60/week from today").start == TODAY
    assert goal("set calls 60/week from tomorrow").start == TODAY + timedelta(days=1)
    assert goal("set calls 60/week until 2026-12-31").end == date(2026, 12, 31)
    same_day = goal("set calls 60/week from 2026-12-01 to 2026-12-01")
    assert same_day.start == same_day.end == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("set calls 0/week", 'A target must be above 0 (got "0").'),
        ("set calls -5/week", 'A target must be above 0 (got "-5").'),
        ("set revenue $0/month", 'A target must be above 0 (got "$0").'),
        ("set revenue -$100/month", 'A target must be above 0 (got "-$100").'),
        ("set calls 60/fortnight", 'Unknown period "fortnight". Periods: day, week, month, quarter, year.'),
        ("set calls 60 per sprint", 'Unknown period "sprint". Periods: day, week, month, quarter, year.'),
        (
            "set cals 60/week",
            'Unknown metric "cals" — did you mean calls? Metrics: calls, emails, meetings, demos, '
            "opportunities, proposals, deals, revenue.",
        ),
        (
            "set @maria calls 60",
            '"60" needs a period — write the target like 60/week (day, week, month, quarter or year).',
        ),
        ("set @maria calls", "Give the calls target with its period, such as 60/week."),
        ("set @maria", "Name a metric and a target with its period, such as calls 60/week."),
        ("set 60/week", "Name the metric of the goal, such as calls 60/week."),
        ("set calls 60/week demos", "One metric per goal — calls and demos given."),
        ("set calls demos 60/week", "One metric per goal — calls and demos given."),
        (
            "set calls 60/week banana",
            'Unknown word "banana" in `/goal set`. It takes: @person or team:NAME, from DATE, '
            "to DATE, stretch 125%, weights 20,25,25,30.",
        ),
        ("set calls 1.5/week", '"1.5" is not a whole number — calls are counted in whole numbers.'),
        ("set calls 60/week from 2026-12-01 from 2026-12-02", "`from` is given twice."),
        ("set calls 60/week to 2026-12-01 until 2026-12-02", "`to` is given twice."),
        ("set calls 60/week stretch stretch", "`stretch` is given twice."),
        ("set calls 60/week from", "`from` needs a value after it."),
        (
            "set calls 60/week from 2026-12-10 to 2026-12-01",
            "The goal ends (2026-12-01) before it starts (2026-12-10).",
        ),
        (
            "set calls 60/week from 2026-02-30",
            '"2026-02-30" is not a real date — February 2026 has 28 days.',
        ),
        (
            "set calls 60/week from 12/01/2026",
            '"12/01/2026" is not a date I can read — write dates as YYYY-MM-DD.',
        ),
        ("set calls 60/week from soon", '"soon" is not a date — write it as YYYY-MM-DD.'),
        ("set calls 60/week from mon", '"mon" could be last or next mon — write the date as YYYY-MM-DD.'),
        ("set calls 60/week from 0999-01-01", '"0999-01-01": the year must be between 1900 and 9998.'),
        ("set calls 60/week stretch 100%", "A stretch level must be 101% to 300% of the target (got 100%)."),
        ("set calls 60/week stretch 400", "A stretch level must be 101% to 300% of the target (got 400%)."),
        ("set @maria @bo calls 60/week", 'Name one person or team — "@bo" is a second one.'),
        ("set @maria team:east calls 60/week", 'Name one person or team — "team:east" is a second one.'),
        ("set calls 20000000/year", '"20000000" is more than the largest target of 10,000,000 calls.'),
        ("set calls " + "9" * 50 + "/year", '"' + "9" * 40 + '…" is more than the limit of '
         "1,000,000,000,000,000,000 calls per entry."),
    ],
)  # fmt: skip
def test_set_errors(text, message):
    assert error_of(text) == message


def test_team_names_need_the_prefix_and_a_valid_name():
    assert "is not a team name" in error_of("set team:ea$t calls 60/week")
    assert goal("set TEAM:East calls 60/week").who == Who(team="East")


# --- each -----------------------------------------------------------------------------------


def test_each_with_quoted_reward():
    assert goal('each team:east demos 5/week reward "team lunch" -- Q4 push') == GoalEach(
        "east", DEMOS, 5, PeriodKind.WEEK, "team lunch", None, None, "Q4 push"
    )


@pytest.mark.parametrize(
    ("text", "reward"),
    [
        ("each team:east demos 5/week reward “team lunch”", "team lunch"),
        ("each team:east demos 5/week reward pizza", "pizza"),
        ('each team:east reward "a  b" demos 5/week', "a b"),
        ('each team:east demos 5/week reward "fish &amp; chips"', "fish & chips"),
        ("each team:east demos 5/week", None),
    ],
)
def test_each_reward_forms(text, reward):
    assert goal(text).reward == reward


def test_each_dates():
    command = goal("each team:east demos 5/week from 2026-11-23 to 2026-12-20")
    assert (command.start, command.end) == (date(2026, 11, 23), date(2026, 12, 20))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("each demos 5/week", "Name the team that shares the goal, as team:NAME."),
        (
            "each @bo demos 5/week",
            "`/goal each` is a collective goal for a whole team — name the team (team:east); "
            "for one person use `/goal set`.",
        ),
        (
            "each team:east demos 5/week reward team lunch",
            'Put a reward of several words in quotes: reward "team lunch".',
        ),
        (
            'each team:east demos 5/week reward "team lunch',
            'Close the quotes around the reward: reward "team lunch".',
        ),
        ('each team:east demos 5/week reward ""', "The reward is empty — say what it is."),
        ("each team:east demos 5/week reward", "`reward` needs a value after it."),
        ("each team:east demos 5/week reward a reward b", "`reward` is given twice."),
        ("each team:east demos 0/week", 'A target must be above 0 (got "0").'),
        ("each team:east team:west demos 5/week", 'Name one person or team — "team:west" is a second one.'),
    ],
)  # fmt: skip
def test_each_errors(text, message):
    assert error_of(text) == message


def test_long_reward_is_refused():
    assert "The reward is too long" in error_of(f'each team:east demos 5/week reward "{"x" * 201}"')


# --- ramp -----------------------------------------------------------------------------------


def test_ramp_as_in_the_spec():
    assert goal("ramp @bo emails 50 to 100 step 10 per week") == GoalRamp(
        BO, EMAILS, 50, 100, 10, PeriodKind.WEEK, None, None
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ramp @bo emails 50 to 100 step 10/week from 2026-12-07", (50, 100, 10, PeriodKind.WEEK)),
        ("ramp emails 50 to 100 step 10 weekly @bo", (50, 100, 10, PeriodKind.WEEK)),
        ("ramp @bo emails 100 to 50 step -10 per week", (100, 50, -10, PeriodKind.WEEK)),
        ("ramp @bo emails 50 TO 100 STEP +10 a month", (50, 100, 10, PeriodKind.MONTH)),
        (
            "ramp @bo revenue 10k to 20k step 2.5k per month",
            (1_000_000, 2_000_000, 250_000, PeriodKind.MONTH),
        ),
        ("ramp @bo revenue $20k to $10k step -$1k/month", (2_000_000, 1_000_000, -100_000, PeriodKind.MONTH)),
        ("ramp @bo emails 50 to 60 step 100/week", (50, 60, 100, PeriodKind.WEEK)),
    ],
)  # fmt: skip
def test_ramp_forms(text, expected):
    command = goal(text)
    assert (command.first, command.last, command.step, command.period) == expected
    assert command.user == BO


def test_ramp_start_and_reason():
    command = goal("ramp <@U7|bo> emails 50 to 100 step 10/week from 2026-12-07 -- new hire")
    assert command.user == UserRef("U7", "bo")
    assert (command.start, command.reason) == (date(2026, 12, 7), "new hire")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ramp @bo emails 100 to 50 step 10/week",
            "A ramp from 100 to 50 goes down, so its step must be negative (got 10).",
        ),
        (
            "ramp @bo emails 50 to 100 step -10 per week",
            "A ramp from 50 to 100 goes up, so its step must be positive (got -10).",
        ),
        ("ramp @bo emails 50 to 100 step 0 per week", "A ramp's step cannot be 0."),
        ("ramp emails 50 to 100 step 10 per week", "Mention the person whose target ramps up."),
        ("ramp team:east emails 50 to 100 step 10/week", "A ramp is for one person — mention them: @bo."),
        ("ramp @bo @li emails 50 to 100 step 10/week", 'Ramp one person at a time — "@li" is a second one.'),
        (
            "ramp @bo emails 50 100 10",
            "Write a ramp as FIRST to LAST step STEP per PERIOD (a falling ramp has a negative step).",
        ),
        (
            "ramp @bo emails 50 to 100 step 10",
            '"10" needs a period — write the target like 60/week (day, week, month, quarter or year).',
        ),
        (
            "ramp @bo emails 50 to 100 step 10/fortnight",
            'Unknown period "fortnight". Periods: day, week, month, quarter, year.',
        ),
        ("ramp @bo emails 0 to 100 step 10/week", "A ramp's first target must be above 0 (got \"0\")."),
        ("ramp @bo emales 50 to 100 step 10/week", 'Unknown metric "emales" — did you mean emails? '
         "Metrics: calls, emails, meetings, demos, opportunities, proposals, deals, revenue."),
        ("ramp @bo emails 50 to 100 step 10/week from 2026-12-01 from 2026-12-08", "`from` is given twice."),
    ],
)  # fmt: skip
def test_ramp_errors(text, message):
    assert error_of(text) == message


# --- contest --------------------------------------------------------------------------------


def test_contest_as_in_the_spec():
    assert goal('contest meetings week team:east prize "golf"') == GoalContest(
        MEETINGS, THIS_WEEK, "east", "golf"
    )


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("contest meetings", THIS_WEEK),
        ("contest meetings this week", THIS_WEEK),
        ("contest meetings next week", Period(PeriodKind.WEEK, date(2026, 11, 23), date(2026, 11, 29))),
        ("contest next-week mtgs", Period(PeriodKind.WEEK, date(2026, 11, 23), date(2026, 11, 29))),
        ("contest meetings month", Period(PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 30))),
        ("contest meetings today", Period(PeriodKind.DAY, TODAY, TODAY)),
        ("contest meetings 2026-12", Period(PeriodKind.MONTH, date(2026, 12, 1), date(2026, 12, 31))),
        ("contest meetings Dec 2026", Period(PeriodKind.MONTH, date(2026, 12, 1), date(2026, 12, 31))),
    ],
)  # fmt: skip
def test_contest_periods_contain_today_or_come_later(text, period):
    assert goal(text).period == period


def test_contest_fiscal_quarter():
    command = goal("contest demos quarter", fiscal_year_start_month=2)
    assert command.period == Period(PeriodKind.QUARTER, date(2026, 11, 1), date(2027, 1, 31))
    assert command.period.fiscal_year_start_month == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "contest meetings last week",
            "Week of Mon 9 Nov has already ended — a contest is for the current or a coming period.",
        ),
        ("contest week", "Name the metric the contest counts."),
        ("contest meetings demos", "A contest counts one metric — meetings and demos given."),
        ("contest meetings week month", "`period` is given twice."),
        ("contest meetings team:east team:west", "`team` is given twice."),
        (
            "contest @bo meetings",
            "A contest is between the people of a team — name it as team:NAME (or leave it out "
            "for everyone).",
        ),
        ("contest meetings prize", "`prize` needs a value after it."),
        ("contest meetings prize golf clubs", 'Put a prize of several words in quotes: prize "team lunch".'),
        ("contest meetings fortnight", 'Unknown word "fortnight" in `/goal contest`. It takes: '
         'METRIC, a period (week, next week, month), team:NAME, prize "golf".'),
        ("contest fortnight", 'Unknown metric "fortnight" — did you mean opportunities? Metrics: '
         "calls, emails, meetings, demos, opportunities, proposals, deals, revenue."),
        ("contest meetings next", 'Unknown period "next". Periods: today, week, month, quarter, year, '
         "last-week, 2026-Q4, 2026-11, 2026, 2026-11-20."),
        ("contest meetings week -- fun", "`/goal contest` takes no `--` note."),
    ],
)  # fmt: skip
def test_contest_errors(text, message):
    assert error_of(text) == message


# --- plan -----------------------------------------------------------------------------------


def test_seed_plan():
    assert goal("plan 4000/month deal 1000 win 50% demo 30%") == GoalPlan(
        revenue_cents=400_000,
        period=PeriodKind.MONTH,
        user=None,
        deal_size_cents=100_000,
        win_rate_pct=Decimal(50),
        demo_rate_pct=Decimal(30),
        apply=False,
    )


def test_plan_with_everything():
    command = goal("plan $4.5k/month for <@U1|maria> deal $1,000.50 win 33.3% demo 30 apply")
    assert command == GoalPlan(
        450_000, PeriodKind.MONTH, UserRef("U1", "maria"), 100_050, Decimal("33.3"), Decimal(30),
        True,
    )  # fmt: skip


def test_plan_minimal_and_other_orders():
    assert goal("plan 4000/month") == GoalPlan(400_000, PeriodKind.MONTH)
    assert goal("plan apply @maria win 50 4000 per quarter") == GoalPlan(
        400_000, PeriodKind.QUARTER, MARIA, None, Decimal(50), None, True
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plan 4000/month win 150%", "The win rate must be between 1% and 100% (got 150%)."),
        ("plan 4000/month win 0%", "The win rate must be between 1% and 100% (got 0%)."),
        ("plan 4000/month demo 0.5%", "The demo rate must be between 1% and 100% (got 0.5%)."),
        ("plan 4000/month demo 100.01%", "The demo rate must be between 1% and 100% (got 100.01%)."),
        ("plan 4000/month win abc", 'The win rate "abc" is not a percentage like 30% or 33.3%.'),
        ("plan 4000/month win 1e2", 'The win rate "1e2" is not a percentage like 30% or 33.3%.'),
        ("plan 4000/month win -5%", 'The win rate "-5%" is not a percentage like 30% or 33.3%.'),
        ("plan 4000/month win 50% win 40%", "`win` is given twice."),
        ("plan 4000/month deal 0", 'The deal size must be above 0 (got "0").'),
        ("plan 4000/month deal -1000", 'The deal size must be above 0 (got "-1000").'),
        ("plan 4000/month deal", "`deal` needs a value after it."),
        ("plan 0/month", 'The revenue target must be above 0 (got "0").'),
        ("plan 4000", '"4000" needs a period — write the target like 60/week (day, week, month, quarter or year).'),
        ("plan 4000/fortnight", 'Unknown period "fortnight". Periods: day, week, month, quarter, year.'),
        ("plan", "Give the revenue target and its period, such as 4000/month."),
        ("plan banana", 'Unknown word "banana" in `/goal plan`. It takes: REVENUE/PERIOD, for @person, '
         "deal 1000, win 50%, demo 30%, apply."),
        ("plan 4000/month for team:east", "A plan is for one person — mention them: for @maria."),
        ("plan 4000/month team:east", "A plan is for one person — mention them: for @maria."),
        ("plan 4000/month for maria", '"maria" is not a person — mention them: for @maria.'),
        ("plan 4000/month @maria for @bo", "`for` is given twice."),
        ("plan 4000/month apply apply", "`apply` is given twice."),
    ],
)  # fmt: skip
def test_plan_errors(text, message):
    assert error_of(text) == message


# --- suggest, split, propose ------------------------------------------------------------------


def test_suggest():
    assert goal("suggest @maria calls") == GoalSuggest(MARIA, CALLS, PeriodKind.WEEK)
    assert goal("suggest calls month") == GoalSuggest(None, CALLS, PeriodKind.MONTH)
    assert goal("suggest monthly demo <@U1|maria>") == GoalSuggest(
        UserRef("U1", "maria"), DEMOS, PeriodKind.MONTH
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("suggest @maria", "Name the metric to suggest a target for."),
        ("suggest calls demos", "Suggest one metric at a time — calls and demos given."),
        ("suggest calls week month", "`period` is given twice."),
        ("suggest calls fortnightly", 'Unknown word "fortnightly" in `/goal suggest`. It takes: '
         "@person, METRIC, week or month."),
        ("suggest xyz", 'Unknown metric "xyz" Metrics: calls, emails, meetings, demos, '
         "opportunities, proposals, deals, revenue."),
        ("suggest @maria @bo calls", "`person` is given twice."),
        ("suggest team:east calls", "A suggestion comes from one person's history — mention them: "
         "@maria (for a team, use `/goal split`)."),
    ],
)  # fmt: skip
def test_suggest_errors(text, message):
    assert error_of(text) == message


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("split team:east revenue 300k/quarter by history", "history"),
        ("split team:east revenue 300k/quarter by evenly", "evenly"),
        ("split team:east revenue 300k/quarter evenly", "evenly"),
        ("split team:east revenue 300k/quarter by equally", "evenly"),
        ("split team:east revenue 300k/quarter", "history"),
    ],
)
def test_split(text, basis):
    assert goal(text) == GoalSplit("east", REVENUE, 30_000_000, PeriodKind.QUARTER, basis, None)


def test_split_reason():
    assert goal("split team:east calls 600/month evenly -- new quota").reason == "new quota"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("split revenue 300k/quarter", "Name the team whose target to split, as team:NAME."),
        ("split team:east revenue 300k/quarter by magic", 'Split by history or evenly, not "magic".'),
        ("split team:east revenue 300k/quarter by history evenly", "`by` is given twice."),
        ("split team:east revenue 300k/quarter by", "`by` needs a value after it."),
        ("split @bo revenue 300k/quarter", "`/goal split` divides a team's target among its members "
         "— name the team (team:east); for one person use `/goal set`."),
        ("split team:east revenue 0/quarter", 'A target must be above 0 (got "0").'),
    ],
)  # fmt: skip
def test_split_errors(text, message):
    assert error_of(text) == message


def test_propose():
    assert goal("propose calls 70/week -- more leads now") == GoalPropose(
        CALLS, 70, PeriodKind.WEEK, "more leads now"
    )
    assert goal("propose revenue 5k/month") == GoalPropose(REVENUE, 500_000, PeriodKind.MONTH)


def test_propose_errors():
    assert error_of("propose @bo calls 70/week").startswith("A proposal is for your own goal")
    assert error_of("propose calls -70/week") == 'A target must be above 0 (got "-70").'


# --- list, history, remove ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list", GoalList(None)),
        ("list @maria", GoalList(Who(user=MARIA))),
        ("list team:east", GoalList(Who(team="east"))),
        ("history", GoalHistory(None)),
        ("history <@U1|maria>", GoalHistory(Who(user=UserRef("U1", "maria")))),
        ("history team:east", GoalHistory(Who(team="east"))),
    ],
)
def test_list_and_history(text, expected):
    assert goal(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("list east", '`/goal list` takes a person (@maria) or a team (team:east) — "east" is neither.'),
        ("list @maria @bo", 'Name one person or team — "@bo" is a second one.'),
        ("history -- why", "`/goal history` takes no `--` note."),
    ],
)  # fmt: skip
def test_list_and_history_errors(text, message):
    assert error_of(text) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remove 12 -- duplicate", GoalRemove(12, "duplicate")),
        ("remove #12 -- duplicate", GoalRemove(12, "duplicate")),
        ("remove 12", GoalRemove(12, None)),  # whether a reason is needed is the handler's call
        ("remove 007", GoalRemove(7, None)),
    ],
)
def test_remove(text, expected):
    assert goal(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("remove", "Give the ID of the goal to remove (`/goal list` shows them)."),
        ("remove 0", '"0" is not a goal ID — IDs are whole numbers like 12 (`/goal list` shows them).'),
        ("remove -3", '"-3" is not a goal ID — IDs are whole numbers like 12 (`/goal list` shows them).'),
        ("remove abc", '"abc" is not a goal ID — IDs are whole numbers like 12 (`/goal list` shows them).'),
        ("remove 1.5", '"1.5" is not a goal ID — IDs are whole numbers like 12 (`/goal list` shows them).'),
        ("remove " + "9" * 19, '"' + "9" * 19 + '" is not a goal ID — IDs are whole numbers like 12 '
         "(`/goal list` shows them)."),
        ("remove 12 13", 'Remove one goal at a time — "13" is extra (a reason goes after --).'),
    ],
)  # fmt: skip
def test_remove_errors(text, message):
    assert error_of(text) == message


# --- metric add -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metric add visits", GoalMetricAdd("visits", False, ())),
        ("metric add visits money", GoalMetricAdd("visits", True, ())),
        ("metric add visits alias visit,v", GoalMetricAdd("visits", False, ("visit", "v"))),
        ("metric add visits alias visit, v money", GoalMetricAdd("visits", True, ("visit", "v"))),
        ("metric add Site_Visits aliases sv,SV,site_visits", GoalMetricAdd("site_visits", False, ("sv",))),
        ("metric add 1on1s", GoalMetricAdd("1on1s", False, ())),
    ],
)  # fmt: skip
def test_metric_add(text, expected):
    assert goal(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metric", "`/goal metric` has one command: add."),
        ("metric remove visits", "`/goal metric` has one command: add."),
        ("metric add", "Name the new metric."),
        ("metric add x", '"x" can\'t be a metric name — use 2 to 30 lower-case letters, digits or _.'),
        ("metric add " + "a" * 31, '"' + "a" * 31 + '" can\'t be a metric name — use 2 to 30 '
         "lower-case letters, digits or _."),
        ("metric add site-visits", '"site-visits" can\'t be a metric name — use 2 to 30 lower-case '
         "letters, digits or _."),
        ("metric add 42", '"42" can\'t be a metric name — it needs a letter.'),
        ("metric add calls", '"calls" is already a metric.'),
        ("metric add Dials", '"dials" is already a metric (an alias of calls).'),
        ("metric add visits alias call", '"call" is already a metric (an alias of calls).'),
        ("metric add visits alias", "`alias` needs a value after it."),
        ("metric add visits alias v alias w", "`alias` is given twice."),
        ("metric add visits money count", "`money or count` is given twice."),
        ("metric add visits fast", 'Unknown word "fast" in `/goal metric add`. It takes: money, '
         "alias NAME,NAME."),
        ("metric add visits -- why", "`/goal metric` takes no `--` note."),
    ],
)  # fmt: skip
def test_metric_add_errors(text, message):
    assert error_of(text) == message


@pytest.mark.parametrize(
    "word",
    ["undo", "fix", "list", "off", "help", "today", "yesterday", "mon", "friday", "week",
     "weekly", "quarter", "yr", "fy2027", "4k", "pct", "from", "team"],
)  # fmt: skip
def test_reserved_words_cannot_be_metrics_or_aliases(word):
    assert "is a word commands already use" in error_of(f"metric add {word}") or len(word) < 2
    assert "is a word commands already use" in error_of(f"metric add visits alias {word}")


def test_custom_catalog_is_used():
    visits = Metric("visits", MetricKind.COUNT, ("visit",), builtin=False)
    catalog = MetricCatalog.with_custom([visits])
    assert goal("set visit 10/week", catalog=catalog).metric == visits
    assert error_of("metric add visit", catalog=catalog) == (
        '"visit" is already a metric (an alias of visits).'
    )


# --- the rest -------------------------------------------------------------------------------


def test_help_and_modal():
    assert goal("help") == GoalHelp()
    assert goal("?") == GoalHelp()
    assert goal("HELP set") == GoalHelp()
    assert goal("") == GoalOpenModal()
    assert goal("   ") == GoalOpenModal()


def test_help_shows_every_subcommand_with_an_example():
    for verb in SUBCOMMANDS:
        if verb != "help":
            assert f"`/goal {verb} " in GOAL_HELP
    assert "`/goal` —" in GOAL_HELP


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "frobnicate",
            'Unknown /goal command "frobnicate". Commands: set, each, ramp, contest, plan, suggest, '
            "split, cascade, propose, list, history, remove, metric, help.",
        ),
        ("sett calls 60/week", 'Unknown /goal command "sett". Did you mean `set`? Commands: set, '
         "each, ramp, contest, plan, suggest, split, cascade, propose, list, history, remove, metric, help."),
        ("@maria calls 60/week", 'Unknown /goal command "@maria". Start with what to do, such as '
         "`set`. Commands: set, each, ramp, contest, plan, suggest, split, cascade, propose, list, history, "
         "remove, metric, help."),
        ("-- just a note", "Nothing before the `--` — say what to do first."),
    ],
)  # fmt: skip
def test_unknown_subcommand_lists_them(text, message):
    assert error_of(text) == message


def test_text_over_1000_characters_is_refused():
    text = "set calls 60/week -- " + "x" * 990
    assert error_of(text).startswith("That command is too long (1,011 characters; at most 1,000)")


def test_long_note_is_refused_with_a_goal_example():
    with pytest.raises(UserError) as caught:
        goal("set calls 60/week -- " + "x" * 600)
    assert caught.value.message.startswith("The note is too long")
    assert "Example: `/goal" in caught.value.text


def test_invisible_characters_are_ignored_in_words():
    assert goal("set\u200b calls 60/\u200bweek").target == 60


def test_em_dash_starts_a_reason():
    assert goal("set calls 60/week — new quarter").reason == "new quarter"


# --- properties -----------------------------------------------------------------------------

WORDS = st.one_of(
    st.sampled_from(
        [
            *SUBCOMMANDS, "add", "metric", "calls", "cals", "revenue", "rev", "demos", "$",
            "60/week", "60/fortnight", "0/week", "-5/week", "1.2m/year", "4000/month", "300k/quarter",
            "50", "100", "10", "-10", "0", "to", "step", "per", "a", "week", "month", "quarter",
            "year", "weekly", "next", "last", "this", "from", "to", "until", "stretch", "125%",
            "weights", "20,25,25,30", "1,2,3", "reward", "prize", '"team lunch"', "“golf”", '"open',
            "for", "deal", "win", "demo", "50%", "33.3%", "150%", "1e999999999", "apply", "by",
            "history", "evenly", "money", "alias", "visit,v", "#12", "12", "9" * 30,
            "@maria", "<@U1|maria>", "team:east", "team:", "team:ea$t", "2026-12-01", "2026-02-30",
            "12/01/2026", "today", "tomorrow", "mon", "2026-Q4", "Nov", "2026", "fy2027", "--",
            "—", "?", "help", "📞", "\u202e", "\u200b", "%", "k", "m", "9999-12-31",
            "ben", "Ben.Smith", "calls/week", "demos/month", "revenue/year", "$4,500", "twelve",
            "on", "monday", "last friday", "`",
        ]
    ),
    st.text(max_size=12),
)  # fmt: skip
COMMANDISH = st.lists(WORDS, max_size=10).map(" ".join)
TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
FISCAL = st.integers(min_value=1, max_value=12)


@given(st.one_of(st.text(), COMMANDISH), TODAYS, FISCAL)
def test_any_text_gives_a_command_or_a_user_error_with_an_example(text, today, fiscal):
    try:
        command = parse_goal(text, CATALOG, today, fiscal)
    except UserError as error:
        assert error.message.strip()
        assert "\nExample: `/goal" in error.text
        # The example is a command that works with the same metrics, day and fiscal year.
        example = error.example.removeprefix("/goal")
        assert example == "" or example.startswith(" "), error.example
        parse_goal(example, CATALOG, today, fiscal)
    else:
        if isinstance(command, GoalSet | GoalEach | GoalSplit | GoalPropose):
            assert command.target > 0
        if isinstance(command, GoalContest):
            assert command.period.end >= today
        if isinstance(command, GoalPlan):
            assert command.revenue_cents > 0
            for rate in (command.win_rate_pct, command.demo_rate_pct):
                assert rate is None or 1 <= rate <= 100
        if isinstance(command, GoalRemove):
            assert command.goal_id > 0


@given(
    st.sampled_from(CATALOG.metrics),
    st.integers(min_value=1, max_value=1_000_000),
    st.sampled_from(list(PeriodKind)),
    st.sampled_from([None, MARIA, UserRef("U1", "maria")]),
    st.none()
    | st.text(min_size=1, max_size=50).map(str.strip).filter(lambda t: t and "&" not in t),
)
def test_formatted_set_commands_parse_back(metric, target, kind, person, reason):
    who = ""
    if person is not None:
        who = f"<@{person.user_id}|{person.name}> " if person.user_id else f"@{person.name} "
    text = f"set {who}{metric.key} {format_amount(target, metric)}/{kind.value}"
    text += f" -- {reason}" if reason else ""
    command = parse_goal(text, CATALOG, TODAY)
    assert command == GoalSet(
        Who(user=person) if person else None, metric, target, kind, reason=reason or None
    )


@given(
    st.integers(min_value=1, max_value=500),
    st.integers(min_value=1, max_value=500),
    st.integers(min_value=1, max_value=50),
)
def test_ramps_parse_back_or_name_the_wrong_way_step(first, last, step):
    signed = step if last >= first else -step
    command = parse_goal(f"ramp @bo calls {first} to {last} step {signed} per week", CATALOG, TODAY)
    assert (command.first, command.last, command.step) == (first, last, signed)
    with pytest.raises(UserError):
        if first != last:
            parse_goal(f"ramp @bo calls {first} to {last} step {-signed}/week", CATALOG, TODAY)
        else:
            raise UserError("a flat ramp goes neither way", "/goal ramp")
