"""Issue #14, "commands that forgive": forms a new user tries are accepted, or answered with
the exact command they most likely meant (and that command itself parses)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.amounts import NUMBER_WORDS, format_amount
from bot.core.dates import WEEKDAY_ABBREVIATIONS, last_weekday, parse_day
from bot.core.errors import UserError
from bot.core.goal_grammar import GoalSet, UnlinkedName, Who, parse_goal
from bot.core.log_grammar import Fix, Help, LogAmount, LogEntries, TimeOff, parse_log
from bot.core.log_suggestions import MissingMetric
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import PeriodKind

CATALOG = MetricCatalog()
TODAY = date(2026, 11, 20)  # a Friday
SATURDAY = date(2026, 11, 21)
CALLS, REVENUE = CATALOG.get("calls"), CATALOG.get("revenue")
KIM = UserRef(None, "kim")
TODAYS = st.dates(min_value=date(2000, 1, 8), max_value=date(2100, 12, 31))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def log(text, today=TODAY):
    return parse_log(text, CATALOG, today)


def log_error(text, today=TODAY) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_log(text, CATALOG, today)
    return caught.value


def goal_error(text, today=TODAY) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_goal(text, CATALOG, today)
    return caught.value


# --- number words -----------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "value"), [(w, v) for w, v in NUMBER_WORDS.items() if v])
def test_counts_may_be_spelled_out_up_to_twenty(word, value):
    assert log(f"calls {word}").amounts == (LogAmount(CALLS, value),)
    assert log(f"{word.upper()} calls").amounts == (LogAmount(CALLS, value),)


def test_a_spelled_out_zero_is_refused_as_zero_but_fixes_to_zero():
    assert log_error("calls zero").message == '"zero" is zero — log at least 1 call.'
    assert log("fix calls zero yesterday") == Fix(CALLS, 0, TODAY - timedelta(days=1))


def test_money_is_not_spelled_out_and_the_digit_form_is_suggested():
    error = log_error("revenue twelve yesterday -- Acme")
    assert error.message == 'Write money in digits — "twelve" as 12.'
    assert error.example == "/log revenue 12 yesterday -- Acme"


def test_twenty_one_is_not_a_number_word():
    assert log_error("calls twentyone").message.startswith('Unknown metric "twentyone"')


# --- a number without a metric ------------------------------------------------------------------


def test_a_number_alone_asks_which_metric_with_exact_commands():
    error = log_error("12 yesterday")
    assert isinstance(error, MissingMetric)
    assert error.quantity == "12"
    assert error.message == (
        'Which metric is "12" for? For example: `/log calls 12 yesterday` · `/log emails 12 yesterday` · '
        "`/log meetings 12 yesterday` · `/log demos 12 yesterday` · `/log opportunities 12 yesterday`."
    )
    assert error.example == "/log calls 12 yesterday"


def test_which_metric_lists_the_usual_ones_that_fit_the_amount():
    error = log_error("<@U1|kim> 12 -- from the road")
    assert error.on_behalf == UserRef("U1", "kim")
    usual = error.for_metrics(["demos", "revenue", "gone_custom", "calls"])
    assert usual.message == (
        'Which metric is "12" for? Your usual ones: `/log @kim demos 12 -- from the road` · '
        "`/log @kim revenue 12 -- from the road` · `/log @kim calls 12 -- from the road`."
    )
    assert usual.example == "/log @kim demos 12 -- from the road"


def test_money_amounts_only_offer_money_metrics():
    error = log_error("$4,500")
    assert error.message == 'Which metric is "$4,500" for? For example: `/log revenue $4,500`.'
    # Usual metrics that cannot hold the amount leave the standard question as it was.
    assert error.for_metrics(["calls"]) is error


def test_an_amount_no_metric_can_hold_keeps_the_plain_question():
    error = log_error("-3")
    assert not isinstance(error, MissingMetric)
    assert error.example == "/log calls 12"


# --- days -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("calls 3 on monday", date(2026, 11, 16)),
        ("calls 3 On Friday", TODAY),  # `on friday` is `friday`: today included
        ("on mon calls 3", date(2026, 11, 16)),
        ("calls 3 on yesterday", date(2026, 11, 19)),
        ("calls 3 on 2026-11-02", date(2026, 11, 2)),
        ("calls 3 last friday", date(2026, 11, 13)),  # on a Friday: a week ago
        ("calls 3 last thu", date(2026, 11, 19)),
        ("calls 3 mon", date(2026, 11, 16)),
    ],
)
def test_day_phrases(text, day):
    assert log(text).day == day


def test_last_friday_on_a_saturday_is_yesterday():
    assert log("calls 3 last friday", today=SATURDAY).day == TODAY


@given(TODAYS, st.sampled_from(WEEKDAYS))
def test_last_weekday_is_the_most_recent_one_before_today(today, name):
    day = last_weekday(WEEKDAYS.index(name), today)
    assert WEEKDAY_ABBREVIATIONS[day.weekday()].lower() == name[:3]
    assert 1 <= (today - day).days <= 7
    assert parse_day(f"last {name}", today) == day
    assert parse_day(f"on {name}", today) == parse_day(name, today)


@pytest.mark.parametrize("text", ["calls 3 on", "calls 3 last", "calls 3 last week", "on calls 3"])
def test_a_day_word_without_its_day_says_so(text):
    error = log_error(text)
    assert "needs a day after it" in error.message
    assert error.example == "/log calls 12 last friday"


def test_list_and_fix_take_day_phrases_too():
    assert log("list on monday").day == date(2026, 11, 16)
    assert log("fix calls 4 last thursday").day == date(2026, 11, 19)


# --- near-miss subcommands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "meant", "example"),
    [
        ("helps", "help", "/log help"),
        ("hlep", "help", "/log help"),
        ("udno", "undo", "/log undo"),
        ("lsit", "list", "/log list"),
        ("lsit yesterday", "list", "/log list yesterday"),
        ("of 2026-12-24 -- dentist", "off", "/log off 2026-12-24 -- dentist"),
        ("fxi calls 10", "fix", "/log fix calls 10"),
        ("udno calls", "undo", "/log undo"),  # `undo calls` would fail: the plain form
    ],
)
def test_a_mistyped_subcommand_names_the_command_meant(text, meant, example):
    error = log_error(text)
    assert f"Did you mean {meant} — " in error.message
    assert error.message.startswith(f'"{text.split()[0]}" is not a /log command or a metric.')
    assert error.example == example


def test_a_word_closer_to_a_metric_gets_the_metric_suggestion_with_the_whole_command():
    error = log_error("dmeos 2 yesterday")
    assert error.message.startswith('Unknown metric "dmeos" — did you mean demos?')
    assert error.example == "/log demos 2 yesterday"


def test_a_suggested_command_shows_a_mention_as_typed_and_keeps_the_note_escaped():
    error = log_error("<@U1|maria> cals 5 -- &lt;!channel&gt;")
    assert error.example == "/log @maria calls 5 -- &lt;!channel&gt;"


def test_undo_and_list_take_no_person_and_help_ignores_one():
    assert log_error("@kim undo").message.startswith("`/log undo` takes no person")
    assert log_error("@kim list").example == "/log list"
    assert log("@kim help") == Help()


# --- time off for someone else --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["@kim off 2026-12-09..2026-12-11 -- dentist", "off @kim 2026-12-09..2026-12-11 -- dentist"],
)
def test_time_off_for_someone_takes_the_person_before_or_after_off(text):
    assert log(text) == TimeOff(date(2026, 12, 9), date(2026, 12, 11), "dentist", KIM)


def test_a_fix_for_someone_may_name_them_first():
    assert log("@kim fix calls 3 yesterday").on_behalf == KIM


# --- /goal ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "set @kim 60 calls/week",
        "set @kim 60 calls per week",
        "set @kim 60 calls a week",
        "set @kim 60 calls weekly",
        "set @kim calls 60/week",
        "set 60 calls/week @kim",
    ],
)
def test_a_goal_may_give_the_number_before_the_metric(text):
    assert parse_goal(text, CATALOG, TODAY) == GoalSet(Who(user=KIM), CALLS, 60, PeriodKind.WEEK)


@given(
    st.sampled_from(CATALOG.metrics),
    st.integers(min_value=1, max_value=1_000_000),
    st.sampled_from(list(PeriodKind)),
)
def test_number_first_goals_equal_metric_first_goals(metric, target, kind):
    amount = format_amount(target, metric)
    assert parse_goal(f"set @kim {amount} {metric.key}/{kind.value}", CATALOG, TODAY) == parse_goal(
        f"set @kim {metric.key} {amount}/{kind.value}", CATALOG, TODAY
    )


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("set ben calls 60/week", "/goal set @ben calls 60/week"),
        (
            "set Ben.Smith 60 calls/week from 2026-12-01",
            "/goal set @Ben.Smith 60 calls/week from 2026-12-01",
        ),
        (
            "set ben calls 60/week -- new &lt;territory&gt;",
            "/goal set @ben calls 60/week -- new &lt;territory&gt;",
        ),
    ],
)
def test_a_name_without_at_is_an_unlinked_name_with_the_command(text, command):
    error = goal_error(text)
    assert isinstance(error, UnlinkedName)
    assert error.command == command == error.example
    assert error.team_command == command.replace("@", "team:", 1)
    assert isinstance(parse_goal(command.removeprefix("/goal"), CATALOG, TODAY), GoalSet)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A metric typo stays a metric typo.
        ("set cals 60/week", 'Unknown metric "cals" — did you mean calls?'),
        # A stray word after the target is an unknown word, not a name.
        ("set calls 60/week banana", 'Unknown word "banana" in `/goal set`.'),
        # With the person named, a second bare word is no name.
        ("set @kim ben calls 60/week", 'Unknown metric "ben"'),
        # Nothing to suggest when the rest is not a goal either.
        ("set ben calls", 'Unknown metric "ben"'),
    ],
)
def test_words_that_are_not_unlinked_names(text, message):
    error = goal_error(text)
    assert not isinstance(error, UnlinkedName)
    assert error.message.startswith(message)


@pytest.mark.parametrize("word", ["on", "twelve", "zero"])
def test_new_forgiving_words_cannot_become_custom_metrics(word):
    assert "a word commands already use" in goal_error(f"metric add {word}").message


# --- properties: every error's example is a command that works ------------------------------------

PEOPLE = ("@kim", "<@U1|maria>", "<@U2>")
LOG_TOKENS = st.sampled_from(
    [m.key for m in CATALOG.metrics]
    + [a for m in CATALOG.metrics for a in m.aliases]
    + list(NUMBER_WORDS)
    + ["12", "3", "1,200", "$4,500", "4.5k", "0", "-2", "1001"]
    + ["today", "yesterday", "tomorrow", "mon", "friday", "2026-11-02", "2026-12-24..2026-12-31"]
    + ["on", "last", "On", "LAST", "week", "--", "note", "to"]
    + ["help", "undo", "list", "fix", "off", "hlep", "udno", "lsit", "of", "fxi", "helps", "cals"]
    + list(PEOPLE)
)
GOAL_TOKENS = st.sampled_from(
    [
        "set",
        "propose",
        "each",
        "split",
        "team:east",
        "ben",
        "kim",
        "Ben.Smith",
        "from",
        "to",
        "2026-12-01",
    ]
    + [m.key for m in CATALOG.metrics]
    + [
        "60/week",
        "60",
        "calls/week",
        "revenue/month",
        "per",
        "a",
        "week",
        "weekly",
        "twelve",
        "$4,500",
    ]
    + ["stretch", "125%", "by", "evenly", "--", "reason"]
    + list(PEOPLE)
)


def _parses_or_suggests_a_working_command(parse, name, text, today):
    try:
        parse(text, CATALOG, today)
    except UserError as error:
        assert error.example and error.example.startswith(name), error.text
        parse(error.example.removeprefix(name), CATALOG, today)


@given(st.lists(LOG_TOKENS, max_size=8).map(" ".join), TODAYS)
def test_log_forms_parse_or_suggest_a_command_that_parses(text, today):
    _parses_or_suggests_a_working_command(parse_log, "/log", text, today)


@given(st.lists(GOAL_TOKENS, max_size=8).map(" ".join), TODAYS)
def test_goal_forms_parse_or_suggest_a_command_that_parses(text, today):
    _parses_or_suggests_a_working_command(parse_goal, "/goal", text, today)


@given(
    st.lists(
        st.sampled_from([m for m in CATALOG.metrics if not m.is_money]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    st.lists(
        st.sampled_from(sorted(NUMBER_WORDS, key=NUMBER_WORDS.get)[1:]), min_size=3, max_size=3
    ),
    st.sampled_from(["", " yesterday", " on mon", " last fri", " on 2026-11-02"]),
)
def test_spelled_out_counts_equal_digits(metrics, words, day):
    spelled = " ".join(f"{m.key} {w}" for m, w in zip(metrics, words, strict=False)) + day
    digits = (
        " ".join(f"{m.key} {NUMBER_WORDS[w]}" for m, w in zip(metrics, words, strict=False)) + day
    )
    command = log(spelled)
    assert isinstance(command, LogEntries)
    assert command == log(digits)


def test_a_metric_named_like_a_number_word_stays_a_metric():
    # Custom metrics are looked up first, so one made before number words were read still works.
    catalog = MetricCatalog.with_custom([Metric("one", builtin=False)])
    assert parse_log("one 3", catalog, TODAY).amounts[0].metric.key == "one"
