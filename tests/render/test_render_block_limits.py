"""Block Kit limits: check() names every violation, and the builders never make one."""

from __future__ import annotations

from bot.render.block_limits import (
    HEADER_TEXT,
    MAX_BLOCKS,
    SECTION_TEXT,
    check,
    clip,
    context,
    divider,
    header,
    pack_lines,
    section,
    split_blocks,
)


def text_section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_blocks_within_every_limit_pass():
    blocks = [
        header("Team East — week of 16 Nov"),
        text_section("x" * SECTION_TEXT),
        context(*["c"] * 10),
        divider(),
    ]
    assert check(blocks) == []


def test_each_limit_is_named():
    assert check([text_section("x")] * (MAX_BLOCKS + 1)) == [
        f"{MAX_BLOCKS + 1} blocks, more than {MAX_BLOCKS}"
    ]
    too_long = check([text_section("x" * (SECTION_TEXT + 1))])
    assert too_long[0] == "block 0 (section): text of 3001 characters, more than 3000"
    fields = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}
    assert "block 0 (section): 11 fields, more than 10" in check([fields])
    long_field = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}
    assert "block 0 (section): field 0 of 2001 characters, more than 2000" in check([long_field])
    long_header = {
        "type": "header",
        "text": {"type": "plain_text", "text": "h" * (HEADER_TEXT + 1)},
    }
    assert "block 0 (header): header text of 151 characters, must be 1..150" in check([long_header])
    crowded = {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}
    assert "block 0 (context): 11 elements, must be 1..10" in check([crowded])
    assert "block 0 (bogus): not a block Slack knows" in check([{"type": "bogus"}])


def test_slack_sdks_own_validation_runs_too():
    # A button label over 75 characters: only slack_sdk's model knows that limit.
    button = {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 80}}
        ],
    }
    assert any("75" in problem for problem in check([button]))


def test_builders_clip_to_the_limits():
    assert len(section("x" * 5000)["text"]["text"]) == SECTION_TEXT
    assert (
        header("h" * 400)["text"]["text"].endswith("…")
        and len(header("h" * 400)["text"]["text"]) == HEADER_TEXT
    )
    assert len(context(*["c"] * 15)["elements"]) == 10
    assert clip("abc", 3) == "abc" and clip("abcd", 3) == "ab…"


def test_pack_lines_never_splits_a_line_and_fills_each_text():
    lines = [f"line {i:03d} " + "x" * 90 for i in range(100)]  # 100 characters each
    texts = pack_lines(lines, limit=1000)
    assert all(len(t) <= 1000 for t in texts)
    assert "\n".join(texts).split("\n") == lines
    assert len(texts) == 10  # 9 lines + 8 newlines = 908; a 10th would be 1009


def test_split_blocks_keeps_order_and_drops_dividers_at_the_edges():
    blocks = [text_section(str(i)) for i in range(120)]
    parts = split_blocks(blocks)
    assert [len(p) for p in parts] == [50, 50, 20]
    assert [b["text"]["text"] for p in parts for b in p] == [str(i) for i in range(120)]
    edgy = [text_section("a"), divider(), text_section("b"), divider()]
    assert split_blocks(edgy, limit=2) == [[text_section("a")], [text_section("b")]]
