"""Slack's Block Kit limits for messages, and small builders that stay inside them.

Slack refuses a whole message (`invalid_blocks`, `msg_too_long`) when one block breaks a
limit, so scheduled posts are checked against them for teams of any size: `check()` lists
every violation (tests run it on each message a job builds), and the builders below clip,
pack and split so there are none.

Replies and every payload: `fit_reply()` keeps a text reply (a slash command's answer, an
ephemeral, a DM) under Slack's 4,000 characters, ending long lists with "… and N more" and
the command or CSV that shows the rest; `check_message()` and `check_view()` list what breaks
Slack's limits in a whole message or view (the test suite runs them on everything the app
sends)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.render.text import clip as text_clip

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
# A reply that is text only (a slash command's answer, a DM): Slack advises at most 4,000
# characters and cuts or splits longer ones; it refuses over 40,000 (`msg_too_long`).
REPLY_TEXT = 4000
MESSAGE_TEXT_MAX = 40000
MAX_VIEW_BLOCKS = 100  # a modal or an App Home view
VIEW_TYPES = ("modal", "home")

Blocks = list[dict[str, Any]]


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in "…" when cut; never inside an escaped
    entity or a `<…>` mention (bot.render.text.clip)."""
    return text_clip(text, limit)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}}


def header(text: str) -> dict[str, Any]:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(text, HEADER_TEXT), "emoji": True},
    }


def context(*texts: str) -> dict[str, Any]:
    elements = [
        {"type": "mrkdwn", "text": clip(t, CONTEXT_TEXT)} for t in texts[:CONTEXT_ELEMENTS] if t
    ]
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


# --- text replies ----------------------------------------------------------------------------


def fit_reply(
    head: Sequence[str],
    items: Sequence[str],
    rest: str,
    *,
    tail: Sequence[str] = (),
    total: int | None = None,
    counted: str = "",
    sep: str = "\n",
    limit: int = REPLY_TEXT,
) -> str:
    """`head`, as many of `items` as fit, then `tail`, joined by newlines in at most `limit`
    characters. When items are left off the reply ends with "… and N more — `rest`", where
    `rest` names the command or the CSV that shows them all. `total` is how many items there
    are when `items` holds only the first ones; `counted` names what N counts ("… and 460
    more goals"). The items kept are the first: order them by importance. With another
    `sep` (", ") the items continue the last line of `head` as one list ("Members (3): a, b, c")."""
    total = len(items) if total is None else max(total, len(items))

    def joined(lines: Sequence[str], kept: Sequence[str]) -> str:
        if sep == "\n" or not lines:
            return "\n".join([*lines, *kept])
        return "\n".join([*lines[:-1], lines[-1] + sep.join(kept)])

    if total == len(items):
        whole = "\n".join([joined(head, items), *tail]) if head or items else "\n".join(tail)
        if len(whole) <= limit:
            return whole

    def more(left_off: int) -> str:
        noun = f" {counted}" if counted else ""
        return f"… and {left_off:,} more{noun} — {rest}"

    fixed = [clip(line, limit) for line in [*head, *tail]]
    # Room for the widest "… and N more" line there can be, so kept items never push it over.
    room = limit - _joined_size(fixed) - len(more(total)) - 1
    kept: list[str] = []
    used = 0
    for item in items:
        cost = len(item) + len(sep)
        if used + cost > room:
            break
        kept.append(item)
        used += cost
    last = more(total - len(kept))
    body = "\n".join([joined(fixed[: len(head)], kept), *fixed[len(head) :]])
    # Only a head or tail longer than the limit on its own needs the clip.
    return clip(body, limit - len(last) - 1) + "\n" + last


def _joined_size(lines: Sequence[str]) -> int:
    return sum(len(line) for line in lines) + max(len(lines) - 1, 0)


# --- whole payloads ----------------------------------------------------------------------------


def check_message(payload: Mapping[str, Any], max_blocks: int = MAX_BLOCKS) -> list[str]:
    """What breaks Slack's limits in a message the app sends (chat.postMessage,
    chat.postEphemeral, chat.update, a response_url post or a slash command's JSON answer):
    its text (at most 4,000 characters, the whole message when it has no blocks), its blocks
    (`check`) and an empty message."""
    problems = []
    text = payload.get("text")
    blocks = payload.get("blocks")
    if text is not None and not isinstance(text, str):
        problems.append(f"text is a {type(text).__name__}, not a string")
        text = str(text)
    if text and len(text) > REPLY_TEXT:
        problems.append(f"text of {len(text):,} characters, more than {REPLY_TEXT:,}")
    if blocks is not None:
        if not isinstance(blocks, list):
            problems.append(f"blocks is a {type(blocks).__name__}, not a list")
        else:
            problems.extend(check(blocks, max_blocks=max_blocks))
    if (
        not text
        and not blocks
        and not payload.get("attachments")
        and not payload.get("delete_original")
    ):
        problems.append("neither text nor blocks")
    return problems


def check_view(view: Mapping[str, Any]) -> list[str]:
    """What breaks Slack's limits in a modal or App Home view (views.open, views.push,
    views.update, views.publish, or a view submission's `response_action: update|push`):
    slack_sdk's `View` model (title, submit and close labels, private_metadata, callback_id),
    at most 100 blocks, and every block (`check`)."""
    problems = []
    kind = view.get("type")
    if kind not in VIEW_TYPES:
        problems.append(f"view type {kind!r}, not one of {', '.join(VIEW_TYPES)}")
    if kind == "modal" and not (view.get("title") or {}).get("text"):
        problems.append("a modal without a title")
    blocks = view.get("blocks") or []
    problems.extend(check(blocks, max_blocks=MAX_VIEW_BLOCKS))
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, AttributeError) as error:
        # A block slack_sdk cannot parse is named by `check` above; its error is repeated here.
        problems.append(f"view: {error}")
    return problems
