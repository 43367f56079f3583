"""bot.render.text, the one place user text is escaped: what escaping keeps and removes, and
that clipping — of escaped text or of a whole message — never cuts an entity or a mention in
half and never exceeds its limit (properties, with hypothesis)."""

from __future__ import annotations

import re
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from bot.render import block_limits
from bot.render.export_csv import safe_text
from bot.render.text import clip, escape, plain, who

ENTITY_OR_AMP = re.compile(r"&(?:amp;|lt;|gt;)?")
BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
LOOKALIKES = {"\u2217": "*", "\u02cd": "_", "\u223c": "~", "\u02cb": "`"}
MARKERS = "*_~`"

# Text as people type it, weighted towards what Slack treats specially.
SPECIAL = st.sampled_from(list("&<>*_~`@!|:#\n\r\t ") + ["<!channel>", "<@U123|bo>", "<https://x.example|y>", "&amp;",
                                                         "@here", "@channel", "> ", "maria_k", "a*b", "é", "😀"])  # fmt: skip
TEXT = st.lists(st.one_of(SPECIAL, st.text(max_size=5)), max_size=30).map("".join)
LIMIT = st.integers(min_value=0, max_value=80)


def unescape(shown: str) -> str:
    """What a person reads: the entities decoded."""
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def read(text: str) -> str:
    """Text as it looks: invisible joiners gone, look-alikes as the marker they stand for."""
    text = text.replace("\u2060", "").replace("\u00ad", "")
    for lookalike, marker in LOOKALIKES.items():
        text = text.replace(lookalike, marker)
    return text


def flat(text: str) -> str:
    """The text on one line, without control characters: what escape keeps of it."""
    text = re.sub(r"[\r\n\v\f\x85\u2028\u2029]+", " ", text)
    return re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text)


def assert_clean(shown: str) -> None:
    assert "<" not in shown and ">" not in shown
    assert not BROKEN_ENTITY.search(shown), shown
    assert "\n" not in shown and "\r" not in shown
    assert "`" not in shown
    for i, ch in enumerate(shown):
        if ch in "*_~":  # only inside a word, where Slack formats nothing
            assert 0 < i < len(shown) - 1 and shown[i - 1].isalnum() and shown[i + 1].isalnum(), (
                shown,
                i,
            )
    assert not re.search(r"@(?:here|channel|everyone)\b", shown, re.IGNORECASE)
    assert not shown.startswith("&gt;")


# --- escape -------------------------------------------------------------------------------------


def test_a_hostile_display_name_shows_as_text():
    name = "Dana <!channel> & Sons <@U0EVIL> <https://evil.example|verify> *bold* _it_ ~no~ `code`"
    assert escape(name) == (
        "Dana &lt;!channel&gt; &amp; Sons &lt;@U0EVIL&gt; &lt;https://evil.example|verify&gt; "
        "\u2217bold\u2217 \u02cdit\u02cd \u223cno\u223c \u02cbcode\u02cb"
    )


def test_ordinary_names_are_untouched():
    for name in (
        "maria",
        "Maria López",
        "maria_k",
        "o'brien",
        "a*b",
        "x~y",
        "Zoë-Anne",
        "陈伟",
        "east.1",
    ):
        assert escape(name) == name


def test_plain_mentions_line_breaks_and_quotes_stay_text():
    assert (
        escape("@here and @Channel, not @heresy") == "@\u2060here and @\u2060Channel, not @heresy"
    )
    assert escape("line one\nline two\r\n> quoted") == "line one line two &gt; quoted"
    assert escape("> a quote") == "\u00ad&gt; a quote"
    assert escape(None) == "" and escape("") == ""


def test_escaping_twice_shows_the_entities_people_typed():
    # Escape once: text a person typed as "&amp;" shows as "&amp;", not as "&".
    assert escape("&amp;") == "&amp;amp;" and unescape(escape("&amp;")) == "&amp;"
    # Look-alikes and joiners are escape's own: a person reads the text they typed.
    assert read(unescape(escape("*hi* @here"))) == "*hi* @here"


@given(TEXT)
def test_escaped_text_carries_no_markup_and_reads_as_typed(text):
    shown = escape(text)
    assert_clean(shown)
    assert read(unescape(shown)) == read(flat(text))


def test_plain_text_objects_take_the_text_as_typed():
    assert plain("Dana <!channel> & Sons\nnext") == "Dana <!channel> & Sons next"
    assert plain("x" * 200, 150) == "x" * 149 + "…"


def test_who_names_a_person_by_display_then_real_name_then_handle():
    def person(display, real, handle):
        return SimpleNamespace(display_name=display, real_name=real, name=handle)

    assert who(person("Dana & <!here>", "Dana Real", "dana")) == "Dana &amp; &lt;!here&gt;"
    assert who(person(None, "Rita <@U1>", "rita")) == "Rita &lt;@U1&gt;"
    assert who(person("", None, "bo_")) == "bo\u02cd"
    assert who(None) == "someone" and who(None, fallback="nobody") == "nobody"


# --- clipping ---------------------------------------------------------------------------------


@given(TEXT, LIMIT)
def test_escaped_then_clipped_text_never_breaks_an_entity_or_exceeds_the_limit(text, limit):
    shown = clip(escape(text), limit)
    assert len(shown) <= limit
    assert not BROKEN_ENTITY.search(shown.removesuffix("…")), shown
    assert "<" not in shown and ">" not in shown
    if len(escape(text)) <= limit:
        assert shown == escape(text)
    else:
        assert shown.endswith("…") or limit == 0
        assert escape(text).startswith(shown[:-1])


@given(TEXT, LIMIT)
def test_escape_with_a_limit_clips_the_raw_text_first(text, limit):
    shown = escape(text, limit)
    assert len(shown) <= limit
    assert not BROKEN_ENTITY.search(shown), shown
    body = shown.removesuffix("…")
    if body:
        assert_clean(body)
    assert read(flat(text)).startswith(read(unescape(body)).rstrip())


@given(st.lists(st.one_of(TEXT.map(escape), st.sampled_from(["<@U0123ABC>", "<#C0123|sales>", "<https://x.example/a|a label>", "*Team east*", " · "])),
                max_size=20).map("".join), LIMIT)  # fmt: skip
def test_clipping_a_message_never_cuts_a_mention_or_an_entity(message, limit):
    shown = clip(message, limit)
    assert len(shown) <= limit
    body = shown.removesuffix("…") if len(message) > limit else shown
    assert not BROKEN_ENTITY.search(body), body
    # Every < opens a whole mention or link: the cut moved back before any it would split.
    assert body.count("<") == body.count(">")
    assert message.startswith(body)


def test_the_cut_from_the_issue_keeps_whole_entities():
    # "…&lt;x&g…": a cut through "&gt;" moves back before it.
    assert clip(escape("<x>" * 10), 9) == "&lt;x…"
    assert clip(escape("<x>" * 10), 10) == "&lt;x&gt;…"
    assert block_limits.clip("&lt;x&gt;yz", 8) == "&lt;x…"


@given(TEXT)
def test_a_section_of_escaped_text_fits_and_keeps_its_entities(text):
    block = block_limits.section("Note: " + escape(text * 200))
    assert block_limits.check([block]) == []
    assert not BROKEN_ENTITY.search(block["text"]["text"].removesuffix("…"))


# --- CSV cells ----------------------------------------------------------------------------------


@given(st.text(max_size=20))
def test_no_text_cell_starts_a_formula(text):
    cell = safe_text(text)
    assert not cell.startswith(
        ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    )
    assert cell in (text, "'" + text)


def test_formula_cells_get_a_quote_and_others_stay():
    assert safe_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [safe_text(t) for t in ("+1", "-2", "@SUM(A1)", "\tx", "\rx", "=2")] == [
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "'=2",
    ]
    assert [safe_text(t) for t in ("maria", "Dana & Sons", "", "1")] == [
        "maria",
        "Dana & Sons",
        "",
        "1",
    ]
