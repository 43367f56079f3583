from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.amounts import format_amount
from bot.core.errors import UserError
from bot.core.log_grammar import (
    LOG_HELP,
    Fix,
    Help,
    ListEntries,
    LogAmount,
    LogEntries,
    OpenModal,
    TimeOff,
    Undo,
    parse_log,
    split_note,
)
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog

CATALOG = MetricCatalog()
TODAY = date(2026, 11, 20)  # a Friday
CALLS, DEMOS, MEETINGS, REVENUE = (
    CATALOG.get(k) for k in ("calls", "demos", "meetings", "revenue")
)


def log(text, catalog=CATALOG, today=TODAY):
    return parse_log(text, catalog, today)


def error_of(text, catalog=CATALOG, today=TODAY) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_log(text, catalog, today)
    assert "Example: `" in caught.value.text
    return caught.value


def amounts(command):
    return [(a.metric.key, a.quantity) for a in command.amounts]


# --- logging amounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["calls 12", "12 calls", "CALLS 12", "Calls 12", "call 12", "dials 12", "  calls   12  "],
)
def test_one_metric_either_order_any_case_or_alias(text):
    assert log(text) == LogEntries((LogAmount(CALLS, 12),), TODAY, None, None)


def test_several_metrics_at_once():
    command = log("calls 12 demos 2 meetings 1")
    assert amounts(command) == [("calls", 12), ("demos", 2), ("meetings", 1)]
    assert command.day == TODAY


def test_orders_may_be_mixed_within_one_command():
    assert amounts(log("calls 12 2 demos mtg 1")) == [("calls", 12), ("demos", 2), ("meetings", 1)]
    assert amounts(log("12 calls demos 2")) == [("calls", 12), ("demos", 2)]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("calls 12 yesterday", date(2026, 11, 19)),
        ("demos 2 2026-11-20", TODAY),
        ("demos 2 2026-11-02", date(2026, 11, 2)),
        ("yesterday calls 12 demos 2", date(2026, 11, 19)),
        ("calls 12 mon demos 2", date(2026, 11, 16)),
        ("calls 12 fri", TODAY),
        ("calls 12 today", TODAY),
    ],
)
def test_one_date_anywhere(text, day):
    assert log(text).day == day


def test_money_forms():
    assert amounts(log("revenue $4,500")) == [("revenue", 450_000)]
    assert amounts(log("rev 4.5k")) == [("revenue", 450_000)]
    assert amounts(log("$4,500.50 revenue")) == [("revenue", 450_050)]
    assert amounts(log("revenue 1.2m deals 1")) == [("revenue", 120_000_000), ("deals", 1)]


def test_dollar_sign_alone_is_the_revenue_metric():
    assert amounts(log("$ 4500")) == [("revenue", 450_000)]


def test_note_after_double_dash_is_kept_verbatim_and_trimmed():
    command = log("revenue $4,500 -- Acme renewal,  2-year  ")
    assert command.note == "Acme renewal,  2-year"
    assert amounts(command) == [("revenue", 450_000)]


def test_note_may_hold_emoji_rtl_dashes_and_mentions():
    note = "🎉 صفقة جديدة — שלום -- <@U9|bo> 👨‍👩‍👧"
    assert log(f"deals 1 -- {note}").note == note


def test_leading_double_dash_note_and_em_dash():
    assert log("calls 12 --Acme").note == "Acme"
    assert log("calls 12 — smart dash").note == "smart dash"
    assert log("calls 12 --").note is None


def test_note_unescapes_slack_entities():
    assert log("calls 12 -- R&amp;D &lt;3").note == "R&D <3"


def test_note_limit():
    assert log("calls 12 -- " + "n" * 500).note == "n" * 500
    error = error_of("calls 12 -- " + "n" * 501)
    assert "The note is too long (501 characters; at most 500)." in error.text


def test_dashes_inside_words_are_not_notes():
    assert split_note("calls 12 -- a -- b") == ("calls 12 ", "a -- b")
    assert split_note("calls-- 12") == ("calls-- 12", None)


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("@maria calls 12", UserRef(None, "maria")),
        ("<@U123|maria> calls 12", UserRef("U123", "maria")),
        ("<@U123> 12 calls", UserRef("U123", None)),
        ("calls 12 @maria", UserRef(None, "maria")),
        ("calls 12 <@U123|maria> -- for Maria", UserRef("U123", "maria")),
    ],
)
def test_on_behalf_first_or_last(text, person):
    command = log(text)
    assert command.on_behalf == person
    assert amounts(command) == [("calls", 12)]


def test_custom_metric_that_starts_with_a_digit():
    catalog = MetricCatalog.with_custom([Metric("1on1s", builtin=False, cap=50)])
    assert amounts(log("1on1s 3 calls 2", catalog=catalog)) == [("1on1s", 3), ("calls", 2)]


def test_invisible_characters_in_words_are_ignored():
    assert amounts(log("ca\u200blls 12")) == [("calls", 12)]


def test_the_cap_is_per_metric():
    catalog = MetricCatalog.with_custom([Metric("visits", builtin=False, cap=5)])
    assert amounts(log("visits 5", catalog=catalog)) == [("visits", 5)]
    assert "limit of 5 visits" in error_of("visits 6", catalog=catalog).text


# --- errors ---------------------------------------------------------------------------------


def test_unknown_metric_suggests_the_closest():
    error = error_of("cals 12")
    assert error.message.startswith('Unknown metric "cals" — did you mean calls? Metrics: calls,')
    assert error.example == "/log calls 12"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("calls", "Missing amount for calls."),
        ("calls 12 demos", "Missing amount for demos."),
        ("calls demos 2", "Missing amount for calls."),
        (
            "12",
            'Which metric is "12" for? For example: `/log calls 12` · `/log emails 12` · '
            "`/log meetings 12` · `/log demos 12` · `/log opportunities 12`.",
        ),
        (
            "-3",
            'Which metric is "-3" for? Metrics: calls, emails, meetings, demos, '
            "opportunities, proposals, deals, revenue.",
        ),
        ("calls 12 13", 'Extra amount "13" — put one amount next to each metric.'),
        ("calls 12 dials 3", "calls appears twice — give each metric once per command."),
        ("calls 12 yesterday mon", "Give at most one day — found yesterday, mon."),
        ("calls 0", '"0" is zero — log at least 1 call.'),
        ("calls -3", '"-3" is negative — calls must be 1 or more.'),
        ("-3 calls", '"-3" is negative — calls must be 1 or more.'),
        ("calls 2.5", '"2.5" is not a whole number — calls are counted in whole numbers.'),
        ("calls 1001", '"1001" is more than the limit of 1,000 calls per entry.'),
        ("revenue $4,50,0", '"$4,50,0" has misplaced thousands separators — write 4,500 or 4500.'),
        (
            "revenue 4kk",
            '"4kk" has an unknown suffix "kk" — use k for thousands or m for '
            "millions (4.5k, 1.2m).",
        ),
        ("revenue 0", '"0" is zero — revenue must be more than $0.'),
        ("revenue 20m", '"20m" is more than the limit of $10,000,000 per entry.'),
        ("calls 12 tomorrow", "Sat 21 Nov is in the future — log for today or an earlier day."),
        ("calls 12 2026-11-21", "Sat 21 Nov is in the future — log for today or an earlier day."),
        ("calls 12 2026-02-30", '"2026-02-30" is not a real date — February 2026 has 28 days.'),
        ("calls 12 11/20", '"11/20" is not a date I can read — write dates as YYYY-MM-DD.'),
        ("yesterday", "Nothing to log — name a metric and an amount."),
        ("@maria", "Nothing to log — name a metric and an amount."),
        ("-- just a note", "Nothing to log — name a metric and an amount before the note."),
        ("calls @maria 12", 'Put the person first — "@maria" is in the middle.'),
        ("@bo calls @maria 12", 'Name one person — "@maria" is in the middle.'),
    ],
)
def test_errors_name_the_problem(text, message):
    assert error_of(text).message == message


def test_past_the_window_is_left_to_the_handler():
    # Managers may backdate, so the parser accepts old days; the handler calls check_log_day.
    assert log("calls 12 2026-01-05").day == date(2026, 1, 5)


def test_too_long_text_is_refused():
    error = error_of("calls 12 -- " + "x" * 3988)
    assert error.message.startswith("That command is too long (4,000 characters; at most 1,000).")
    assert log("calls 12 -- " + "x" * 488).note == "x" * 488


def test_emoji_as_a_metric_is_a_readable_unknown_metric_error():
    error = error_of("📞 12")
    assert error.message.startswith('Unknown metric "📞" Metrics: calls, emails')


def test_right_to_left_metric_is_a_readable_unknown_metric_error():
    error = error_of("مكالمات 12")
    assert error.message.startswith('Unknown metric "مكالمات" Metrics: calls')


def test_bidi_override_cannot_reverse_the_error_message():
    error = error_of("\u202eslac 12")
    assert "\u202e" not in error.text
    assert error.message.startswith('Unknown metric "slac"')


def test_a_long_unknown_word_is_shortened_in_the_message():
    error = error_of("q" * 300 + " 12")
    assert f'"{"q" * 40}…"' in error.text
    assert len(error.text) < 300


# --- other forms ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_opens_the_modal(text):
    assert log(text) == OpenModal()


@pytest.mark.parametrize("text", ["help", "HELP", "?", "help fix"])
def test_help(text):
    assert log(text) == Help()


def test_undo():
    assert log("undo") == Undo()
    assert error_of("undo calls").message == '`/log undo` takes nothing more — "calls" is extra.'
    assert error_of("undo -- oops").message == "`/log undo` takes no note."


def test_fix():
    assert log("fix calls 10") == Fix(CALLS, 10, TODAY, None, None)
    assert log("fix calls 10 yesterday") == Fix(CALLS, 10, date(2026, 11, 19), None, None)
    assert log("fix 0 demos mon") == Fix(DEMOS, 0, date(2026, 11, 16), None, None)
    assert log("fix @maria revenue $4,500.50 -- typo") == Fix(
        REVENUE, 450_050, TODAY, UserRef(None, "maria"), "typo"
    )
    assert log("fix calls 3 <@U1>").on_behalf == UserRef("U1", None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fix", "`/log fix` needs a metric and the day's correct total."),
        ("fix calls 1 demos 2", "`/log fix` corrects one metric at a time."),
        ("fix calls", "Missing amount for calls."),
        ("fix calls -1", '"-1" is negative — calls must be 0 or more.'),
        ("fix calls 10 tomorrow", "Sat 21 Nov is in the future — log for today or an earlier day."),
        (
            "fix cals 10",
            'Unknown metric "cals" — did you mean calls? Metrics: calls, emails, '
            "meetings, demos, opportunities, proposals, deals, revenue.",
        ),
    ],
)
def test_fix_errors(text, message):
    assert error_of(text).message == message


def test_list():
    assert log("list") == ListEntries(None, False)
    assert log("list week") == ListEntries(None, True)
    assert log("list yesterday") == ListEntries(date(2026, 11, 19), False)
    assert log("list 2026-11-02") == ListEntries(date(2026, 11, 2), False)
    assert error_of("list soon").message == '"soon" is not a day — list takes a day or `week`.'
    assert error_of("list week mon").message == '`/log list` takes nothing more — "mon" is extra.'


def test_time_off():
    assert log("off 2026-12-24..2026-12-31 -- Christmas") == TimeOff(
        date(2026, 12, 24), date(2026, 12, 31), "Christmas", None
    )
    assert log("off 2026-12-24") == TimeOff(date(2026, 12, 24), date(2026, 12, 24), None, None)
    assert log("off 2026-12-24 to 2026-12-31").end == date(2026, 12, 31)
    assert log("off @maria 2026-11-02..2026-11-06").on_behalf == UserRef(None, "maria")
    assert log("off 2026-11-02 <@U7|bo> -- sick").on_behalf == UserRef("U7", "bo")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("off", "`/log off` needs a day or a range of days."),
        ("off 2026-12-24 2026-12-31", "`/log off` takes one range of days."),
        (
            "off 2026-12-31..2026-12-24",
            "The range ends (Thu 24 Dec) before it starts (Thu 31 Dec).",
        ),
        ("off 2026-01-01..2027-06-01", "The range is 517 days — at most 366 at a time."),
        ("off soon", '"soon" is not a day or a range of days — write START..END as YYYY-MM-DD.'),
    ],
)
def test_time_off_errors(text, message):
    assert error_of(text).message == message


def test_help_text_shows_every_form():
    for form in (
        "/log calls 12",
        "/log 12 calls",
        "/log calls 12 demos 2 meetings 1",
        "yesterday",
        "/log demos 2 2026-11-20",
        "/log revenue $4,500 -- Acme renewal",
        "/log @maria calls 12",
        "/log undo",
        "/log fix calls 10",
        "/log list",
        "/log list week",
        "/log off 2026-12-24..2026-12-31",
        "`/log`",
    ):
        assert form in LOG_HELP


def test_year_end_dates():
    new_year = date(2027, 1, 1)
    assert log("calls 12 yesterday", today=new_year).day == date(2026, 12, 31)
    assert log("calls 12 mon", today=date(2028, 1, 2)).day == date(2027, 12, 27)


# --- properties -----------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "calls",
        "cals",
        "12",
        "0",
        "-3",
        "2.5",
        "$4,500",
        "4kk",
        "1.2m",
        "demos",
        "revenue",
        "$",
        "yesterday",
        "tomorrow",
        "mon",
        "2026-02-30",
        "2026-11-20",
        "11/20",
        "@maria",
        "<@U1|bo>",
        "<#C1|x>",
        "fix",
        "list",
        "off",
        "undo",
        "help",
        "week",
        "--",
        "—",
        "to",
        "..",
        "📞",
        "مكالمات",
        "\u202e",
        '"quoted text"',
        "2026-12-24..2026-12-31",
        "1,200",
        "9" * 50,
        # forgiving forms: number words, day phrases, near-miss subcommands
        "twelve",
        "Zero",
        "twenty",
        "on",
        "last",
        "friday",
        "Monday",
        "on monday",
        "last fri",
        "hlep",
        "udno",
        "lsit",
        "of",
        "fxi",
        "helps",
        "dmeos",
        "@kim",
        "<@U2>",
        "&lt;!channel&gt;",
        "`",
    ]
)
COMMANDISH = st.lists(WORDS, max_size=10).map(" ".join)
TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(st.one_of(st.text(), COMMANDISH), TODAYS)
def test_any_text_gives_a_command_or_a_user_error_with_an_example(text, today):
    try:
        command = parse_log(text, CATALOG, today)
    except UserError as error:
        assert error.text.strip()
        assert "\nExample: `/log" in error.text
        # The example is a command that works, typed on the same day: never another error.
        example = error.example.removeprefix("/log")
        assert example == "" or example.startswith(" "), error.example
        parse_log(example, CATALOG, today)
    else:
        assert isinstance(
            command, LogEntries | Undo | Fix | ListEntries | TimeOff | Help | OpenModal
        )
        if isinstance(command, LogEntries):
            assert command.amounts
            assert command.day <= today
            assert len({a.metric.key for a in command.amounts}) == len(command.amounts)


def _quantities(metric: Metric):
    return st.integers(min_value=1, max_value=metric.cap)


@st.composite
def log_commands(draw):
    metrics = draw(
        st.lists(
            st.sampled_from(CATALOG.metrics), min_size=1, max_size=4, unique_by=lambda m: m.key
        )
    )
    pairs = [(m, draw(_quantities(m))) for m in metrics]
    today = draw(TODAYS)
    day = today - timedelta(days=draw(st.integers(min_value=0, max_value=60)))
    note = draw(
        st.none()
        | st.text(min_size=1, max_size=100).map(str.strip).filter(lambda n: n and "&" not in n)
    )
    person = draw(st.none() | st.just(UserRef("U42", "maria")))
    return pairs, today, day, note, person


@given(log_commands(), st.data())
def test_formatted_commands_parse_back_to_the_same_entries(command, data):
    pairs, today, day, note, person = command
    words = []
    for metric, quantity in pairs:
        name = data.draw(st.sampled_from((metric.key, *metric.aliases)))
        amount = format_amount(quantity, metric)
        words += [name, amount] if data.draw(st.booleans()) else [amount, name]
    words.insert(data.draw(st.integers(min_value=0, max_value=len(words))), day.isoformat())
    if person:
        words.insert(0, f"<@{person.user_id}|{person.name}>")
    text = " ".join(words) + (f" -- {note}" if note else "")

    parsed = parse_log(text, CATALOG, today)

    assert parsed == LogEntries(tuple(LogAmount(m, q) for m, q in pairs), day, note or None, person)
