import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.mentions import (
    ChannelRef,
    UserRef,
    clean_word,
    parse_channel_ref,
    parse_user_ref,
    shorten,
    tokenize,
    unescape_slack,
    unquote,
)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<@U123|maria>", UserRef("U123", "maria")),
        ("<@U123>", UserRef("U123", None)),
        ("<@W0ABC|>", UserRef("W0ABC", None)),
        ("@maria", UserRef(None, "maria")),
        ("@maria.lopez-2_x", UserRef(None, "maria.lopez-2_x")),
        ("@José", UserRef(None, "José")),
        ("  @maria  ", UserRef(None, "maria")),
    ],
)
def test_user_refs_in_escaped_and_plain_form(token, expected):
    assert parse_user_ref(token) == expected


@pytest.mark.parametrize(
    "token", ["maria", "@", "@@maria", "<@u123|x>", "<#C1|x>", "#sales", "<!here>", "@ma ria", ""]
)
def test_not_user_refs(token):
    assert parse_user_ref(token) is None


def test_user_display_prefers_the_slack_id():
    assert UserRef("U123", "maria").display == "<@U123>"
    assert UserRef(None, "maria").display == "@maria"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<#C123|sales-east>", ChannelRef("C123", "sales-east")),
        ("<#C123>", ChannelRef("C123", None)),
        ("<#C123|>", ChannelRef("C123", None)),
        ("#sales-east", ChannelRef(None, "sales-east")),
    ],
)
def test_channel_refs(token, expected):
    assert parse_channel_ref(token) == expected


@pytest.mark.parametrize("token", ["sales", "#", "<@U1>", "@sales", "<#c1>"])
def test_not_channel_refs(token):
    assert parse_channel_ref(token) is None


def test_channel_display():
    assert ChannelRef("C1", "x").display == "<#C1>"
    assert ChannelRef(None, "sales-east").display == "#sales-east"


def test_tokenize_keeps_escapes_and_quotes_whole():
    text = 'each  <@U1|maria lopez> demos 5 reward "team lunch" “golf day” <#C9|sales>'
    assert tokenize(text) == [
        "each",
        "<@U1|maria lopez>",
        "demos",
        "5",
        "reward",
        '"team lunch"',
        "“golf day”",
        "<#C9|sales>",
    ]


def test_tokenize_unmatched_quote_is_an_ordinary_character():
    assert tokenize('say "hello there') == ["say", '"hello', "there"]


def test_tokenize_whitespace_only():
    assert tokenize(" \t\n ") == []


def test_unquote():
    assert unquote('"team lunch"') == "team lunch"
    assert unquote("“golf”") == "golf"
    assert unquote('"') == '"'
    assert unquote("plain") == "plain"


def test_unescape_slack():
    assert unescape_slack("R&amp;D &lt;b&gt; &amp;lt;") == "R&D <b> &lt;"


def test_clean_word_drops_invisible_characters():
    assert clean_word("ca\u200bll\u202es") == "calls"
    assert clean_word("\x00\x07") == ""


def test_shorten():
    assert shorten("x" * 40) == "x" * 40
    assert shorten("x" * 41) == "x" * 40 + "…"


@given(st.text())
def test_tokenize_never_fails_and_only_drops_whitespace(text):
    tokens = tokenize(text)
    assert all(token and token == token.strip() for token in tokens)
    # Outside quotes and escapes, tokens are exactly the whitespace-separated words.
    if not any(ch in text for ch in '<"“'):
        assert tokens == text.split()


@given(
    st.from_regex(r"[A-Z0-9]{1,11}", fullmatch=True),
    st.from_regex(r"[a-z._\-]{1,20}", fullmatch=True),
)
def test_escaped_user_round_trip(user_id, name):
    ref = parse_user_ref(f"<@{user_id}|{name}>")
    assert ref == UserRef(user_id, name)
    assert parse_user_ref(ref.display) == UserRef(user_id, None)
