"""Slack's Block Kit limits for messages, and small builders that stay inside them.

Slack refuses a whole message (`invalid_blocks`, `msg_too_long`) when one block breaks a
limit, so scheduled posts are checked against them for teams of any size: `check()` lists
every violation (tests run it on each message a job builds), and the builders below clip,
pack and split so there are none."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MAX_BLOCKS = 50  # in a message (modals and App Home allow 100)
SECTION_TEXT = 3000
MAX_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
CONTEXT_TEXT = 3000  # per text element
# A message's top-level `text`: Slack takes 40,000 characters but cuts notifications and
# previews far sooner; a fallback longer than a section is never read.
MESSAGE_TEXT = 3000

Blocks = list[dict[str, Any]]


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_TEXT), "emoji": True}}


def context(*texts: str) -> dict[str, Any]:
    elements = [{"type": "mrkdwn", "text": clip(t, CONTEXT_TEXT)} for t in texts[:CONTEXT_ELEMENTS] if t]
    return {"type": "context", "elements": elements}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def pack_lines(lines: Iterable[str], limit: int = SECTION_TEXT) -> list[str]:
    """Lines joined into as few texts of at most `limit` characters as fit, never breaking
    a line across two texts (a line longer than the limit is clipped)."""
    texts: list[str] = []
    current = ""
    for raw in lines:
        line = clip(raw, limit)
        if current and len(current) + 1 + len(line) > limit:
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    return texts


def sections(lines: Iterable[str]) -> Blocks:
    """One or more section blocks holding `lines`."""
    return [section(text) for text in pack_lines(lines)]


def split_blocks(blocks: Sequence[dict[str, Any]], limit: int = MAX_BLOCKS) -> list[Blocks]:
    """Blocks cut into messages of at most `limit` blocks, in order. A divider never starts
    or ends a part (it would separate nothing)."""
    parts: list[Blocks] = []
    current: Blocks = []
    for block in blocks:
        if len(current) == limit:
            parts.append(current)
            current = []
        if block.get("type") == "divider" and not current:
            continue
        current.append(block)
    if current:
        parts.append(current)
    stripped = (_strip_dividers(p) for p in parts)
    return [p for p in stripped if p]


def _strip_dividers(blocks: Blocks) -> Blocks:
    end = len(blocks)
    while end and blocks[end - 1].get("type") == "divider":
        end -= 1
    return blocks[:end]


def check(blocks: Sequence[dict[str, Any]], max_blocks: int = MAX_BLOCKS) -> list[str]:
    """Every Block Kit limit the blocks break, as readable lines (empty when they fit).
    Our own checks name the block; slack_sdk's validation catches what they do not cover."""
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks, more than {max_blocks}")
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type')})"
        problems.extend(f"{where}: {p}" for p in _block_problems(block))
        try:
            parsed = Block.parse(block)
            if parsed is None:
                problems.append(f"{where}: not a block Slack knows")
            else:
                parsed.to_dict()  # validates nested elements too, unlike validate_json()
        except SlackObjectFormationError as error:
            problems.append(f"{where}: {error}")
    return problems


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _block_problems(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    found = []
    if kind == "section":
        text = _text_of(block.get("text"))
        fields = block.get("fields") or []
        if len(text) > SECTION_TEXT:
            found.append(f"text of {len(text)} characters, more than {SECTION_TEXT}")
        if not text and not fields:
            found.append("neither text nor fields")
        if len(fields) > MAX_FIELDS:
            found.append(f"{len(fields)} fields, more than {MAX_FIELDS}")
        found.extend(
            f"field {i} of {len(_text_of(f))} characters, more than {FIELD_TEXT}"
            for i, f in enumerate(fields)
            if len(_text_of(f)) > FIELD_TEXT
        )
    elif kind == "header":
        text = _text_of(block.get("text"))
        if not 0 < len(text) <= HEADER_TEXT:
            found.append(f"header text of {len(text)} characters, must be 1..{HEADER_TEXT}")
    elif kind == "context":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= CONTEXT_ELEMENTS:
            found.append(f"{len(elements)} elements, must be 1..{CONTEXT_ELEMENTS}")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= ACTIONS_ELEMENTS:
            found.append(f"{len(elements)} elements, must be 1..{ACTIONS_ELEMENTS}")
    return found
