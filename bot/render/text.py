"""Putting people's own words into Slack messages safely: the one place user text is escaped.

Everything Paceline did not write itself — names from Slack profiles and CRM files, notes,
reasons, rewards, prizes — joins Paceline's own mrkdwn only through `escape()` (or `who()`
for a person), in command replies, DMs, channel posts, modals and App Home alike. An escaped
text shows as typed: it carries no mention, link, quote or formatting of its own.

`plain_text` objects (headers, labels, options) are not parsed by Slack, so they take the
text as it is (entities would show literally); `clip()` cuts either kind safely.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

# Slack's three control characters (https://docs.slack.dev/messaging/formatting-message-text#escaping).
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# mrkdwn has no backslash escape, so a formatting marker that could open or close bold,
# italics, strike-through or code becomes a look-alike that Slack does not parse.
_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
# `@here` typed as plain text is not a mention, but Slack parses some plain mentions in
# text objects unless `verbatim` is set: a word joiner after the @ keeps it plain.
_BROADCAST = re.compile(r"@(?=(?:here|channel|everyone|group)\b)", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_WORD_JOINER = "\u2060"
_SOFT_HYPHEN = "\u00ad"  # invisible; keeps a leading `>` from starting a block quote
# What must never be cut in half: an entity, or a `<…>` mention, channel or link.
_UNCUTTABLE = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]{1,300}>")


class Named(Protocol):
    display_name: str | None
    real_name: str | None
    name: str


def escape(text: str | None, limit: int | None = None) -> str:
    """User text as mrkdwn that shows exactly as typed (on one line).

    `&`, `<` and `>` become entities, so `<!channel>`, `<@U123>` or `<https://x|y>` ping and
    link nobody; `*`, `_`, `~` at a word's edge and every backtick become look-alikes, so they
    neither format the text nor pair with Paceline's own markers around it; line breaks
    become spaces, a leading `>` quotes nothing and `@here` stays plain. With `limit`, the
    text is clipped first (ending in "…"), so the result fits without a cut entity."""
    if not text:
        return ""
    if limit is not None:
        return _clip_raw(text, limit)
    flat = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text))
    out: list[str] = []
    last = len(flat) - 1
    for i, ch in enumerate(flat):
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _LOOKALIKES and (ch == "`" or not _inside_word(flat, i, last)):
            out.append(_LOOKALIKES[ch])
        else:
            out.append(ch)
    escaped = _BROADCAST.sub("@" + _WORD_JOINER, "".join(out))
    return _SOFT_HYPHEN + escaped if escaped.startswith("&gt;") else escaped


def _inside_word(text: str, i: int, last: int) -> bool:
    # `maria_k` or `a*b` format nothing: Slack only opens and closes markers at word edges.
    return 0 < i < last and text[i - 1].isalnum() and text[i + 1].isalnum()


def _clip_raw(text: str, limit: int) -> str:
    """escape(text) when it fits in `limit`; else the longest escaped prefix of the raw text
    that fits with "…" — the cut falls between the person's characters, never in an entity."""
    whole = escape(text)
    if len(whole) <= limit:
        return whole
    if limit <= 1:
        return "…"[: max(limit, 0)]
    low, high = 0, len(text)
    while low < high:  # the longest raw prefix whose escaped form leaves room for "…"
        mid = (low + high + 1) // 2
        if len(escape(text[:mid])) <= limit - 1:
            low = mid
        else:
            high = mid - 1
    return escape(text[:low]).rstrip() + "…"


def plain(text: str | None, limit: int | None = None) -> str:
    """User text for a `plain_text` object (a header, a label, an option, a confirmation):
    Slack parses nothing there, so it stays as typed — on one line, clipped to `limit`."""
    flat = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text or ""))
    return flat if limit is None else clip(flat, limit)


def who(person: Named | Any | None, fallback: str = "someone") -> str:
    """A person's name as Paceline shows it — display name, else real name, else handle (as
    bot.services.reports.display_name) — escaped for mrkdwn."""
    if person is None:
        return fallback
    return escape(person.display_name or person.real_name or person.name) or fallback


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when cut. The cut never
    splits an entity (`&amp;`) or a `<…>` mention or link: it moves back before it."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[: max(limit, 0)]
    end = limit - 1
    for match in _UNCUTTABLE.finditer(text):
        if match.start() >= end:
            break
        if match.end() > end:
            end = match.start()
            break
    return text[:end] + "…"
