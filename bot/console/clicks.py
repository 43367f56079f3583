"""`click`: the buttons of the last message the console printed, numbered, and the
`block_actions` payload Slack sends when one is pressed.

The session (session.py) tells the board about every message, ephemeral message, response
URL message and App Home view the app sends that has buttons, and about every edit that
changes or removes them; `click` then works on the newest one that the person the console
acts as can see (a DM is its recipient's, an ephemeral message and a command's reply are
the person's who got them, a Home tab its owner's; a channel post is everyone's).

Buttons only: Slack's selects, overflow menus and date pickers in messages are not
pressable here (`home quarter` picks the Home tab's period). No I/O in this module.
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.console.render import Names, render_mrkdwn

# How many messages with buttons the board remembers (older ones can't be clicked).
KEEP = 50
USAGE = "Usage: click (lists the buttons), click 2 (by number) or click Approve (by label; a unique start is enough)"
NOTHING_TO_CLICK = (
    "Nothing to click: no message you can see has buttons yet. Try home (your App Home tab has "
    "buttons), then click — or, as a rep in a team, /goal propose calls 70/week -- more leads now; "
    "then as their manager (e.g. as @dana) click Approve."
)


@dataclass(frozen=True)
class Button:
    """One button of a message or view, as Slack would send it back in `actions`."""

    label: str
    action_id: str
    block_id: str
    value: str | None = None
    style: str | None = None
    url: str | None = None
    confirm: Mapping[str, Any] | None = None
    context: str = ""  # the text beside it: its section, or the one above its row


@dataclass
class Clickable:
    """A message (or Home tab) with buttons, as the console showed it last."""

    kind: str  # "message" or "home"
    place: str  # "DM to @dana", "#sales-east", "Home tab of @dana" …
    viewer: str | None  # the one user who sees it; None: everyone in the channel
    channel_id: str  # a message's channel (D… for a DM); "" for a Home tab
    ts: str  # a message's ts; a Home tab's view id
    ephemeral: bool
    content: dict[str, Any]  # the message (type, ts, text, blocks…), or the whole Home view
    response_keys: set[str] = field(default_factory=set)  # response URLs that may replace it
    seq: int = 0

    @property
    def buttons(self) -> list[Button]:
        return buttons_in(self.content.get("blocks"))

    def visible_to(self, user_id: str) -> bool:
        return self.viewer is None or self.viewer == user_id


def buttons_in(blocks: Any) -> list[Button]:
    """Every button of `blocks`, in reading order: section accessories and the elements of
    actions blocks. Block and action ids are as the blocks carry them (see `with_ids`)."""
    found: list[Button] = []
    last_text = ""
    for block in _as_list(blocks):
        kind = block.get("type")
        block_id = str(block.get("block_id") or "")
        if kind == "section":
            text = _first_line(block.get("text"))
            if text:
                last_text = text
            accessory = block.get("accessory")
            if _is_button(accessory):
                found.append(_button(accessory, block_id, text or last_text))
        elif kind == "actions":
            for element in _as_list(block.get("elements")):
                if _is_button(element):
                    found.append(_button(element, block_id, last_text))
        elif kind == "header":
            last_text = _first_line(block.get("text")) or last_text
    return found


def with_ids(content: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a message or view whose blocks and buttons all have ids: Slack fills in the
    ones the app leaves out, and a click carries them back."""
    result = copy.deepcopy(dict(content))
    blocks = _as_list(result.get("blocks"))
    for index, block in enumerate(blocks):
        if not block.get("block_id"):
            block["block_id"] = f"console-{index}"
        elements = [block.get("accessory")] + _as_list(block.get("elements"))
        for number, element in enumerate(elements):
            if _is_button(element) and not element.get("action_id"):
                element["action_id"] = f"console-{index}-{number}"
    return result


def has_buttons(content: Mapping[str, Any]) -> bool:
    return bool(buttons_in(content.get("blocks")))


def pick(buttons: Sequence[Button], wanted: str) -> int | str:
    """The index of the button `wanted` names (its number, or its label: case-insensitive,
    punctuation and emoji aside, a unique start enough), or what is wrong as a sentence."""
    text = wanted.strip().strip("\"'").strip()
    text = re.sub(r"^\[\s*(.*?)\s*\]$", r"\1", text)  # "[ Approve ]" as printed
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(buttons):
            return number - 1
        return f"There is no button {number}: pick 1–{len(buttons)}."
    key = _label_key(text)
    if not key:
        return USAGE
    exact = [i for i, b in enumerate(buttons) if _label_key(b.label) == key]
    if len(exact) == 1:
        return exact[0]
    starts = exact or [i for i, b in enumerate(buttons) if _label_key(b.label).startswith(key)]
    if len(starts) == 1:
        return starts[0]
    if not starts:
        return f'No button is called "{text}".'
    listed = ", ".join(f"{i + 1} [ {buttons[i].label} ]" for i in starts)
    return f'Several buttons match "{text}" ({listed}): click one by number.'


def button_lines(clickable: Clickable, names: Names, for_user: str) -> list[str]:
    """The numbered list `click` prints."""
    buttons = clickable.buttons
    title = f"Buttons in {where(clickable, for_user)}"
    headline = headline_of(clickable, names)
    lines = [f"{title} — {headline}" if headline else f"{title}:"]
    labels = [b.label.casefold() for b in buttons]
    width = max((len(f"[ {b.label} ]") for b in buttons), default=0)
    for number, button in enumerate(buttons, start=1):
        shown = f"[ {button.label} ]"
        # The text beside a button tells apart buttons that share a label (Home's Undo).
        beside = ""
        if labels.count(button.label.casefold()) > 1 and button.context:
            beside = " — " + _short(render_mrkdwn(button.context, names), 70)
        if button.url:
            beside += f" (opens {button.url})"
        lines.append(f"  {number:>2}. {shown.ljust(width) if beside else shown}{beside}")
    example = buttons[0].label if buttons else "Approve"
    lines.append(f"Press one: click 1, or click {example} (its label; a unique start is enough).")
    menus = _menus_in(clickable.content.get("blocks"))
    if menus:
        also = "; home quarter picks the Home tab's period" if clickable.kind == "home" else ""
        lines.append(
            f"(Not listed: {menus} {'menu' if menus == 1 else 'menus'} — the console presses buttons only{also}.)"
        )
    return lines


def where(clickable: Clickable, for_user: str) -> str:
    """`your Home tab`, `#sales-east`, `the DM to @dana`: after "in"."""
    if clickable.kind == "home" and clickable.viewer == for_user:
        return "your Home tab"
    return clickable.place if clickable.place.startswith("#") else f"the {clickable.place}"


def headline_of(clickable: Clickable, names: Names) -> str:
    if clickable.kind == "home":
        return ""
    for block in _as_list(clickable.content.get("blocks")):
        if block.get("type") in ("section", "header"):
            text = _first_line(block.get("text"))
            if text:
                return _short(render_mrkdwn(text, names), 80)
    return _short(render_mrkdwn(_first_line(clickable.content.get("text")), names), 80)


def confirm_line(button: Button, names: Names) -> str | None:
    """A button with `confirm` makes Slack ask first; the console says so and answers yes."""
    confirm = button.confirm
    if not isinstance(confirm, Mapping):
        return None
    title = _plain(confirm.get("title"), names) or "Are you sure?"
    text = _plain(confirm.get("text"), names)
    yes = _plain(confirm.get("confirm"), names) or "Yes"
    question = f"{title} {text}".strip()
    return f'(Slack asks first: "{question}" — the console answers {yes}.)'


def action_of(button: Button, action_ts: str) -> dict[str, Any]:
    """The `actions[0]` Slack sends for a pressed button."""
    action: dict[str, Any] = {
        "type": "button",
        "action_id": button.action_id,
        "block_id": button.block_id,
        "text": {"type": "plain_text", "text": button.label, "emoji": True},
        "action_ts": action_ts,
    }
    if button.value is not None:
        action["value"] = button.value
    if button.style:
        action["style"] = button.style
    if button.url:
        action["url"] = button.url
    return action


def block_actions(
    base: Mapping[str, Any],
    target: Clickable,
    button: Button,
    *,
    action_ts: str,
    channel_name: str | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """The block_actions payload Slack sends when `button` of `target` is pressed: `base`
    (type, user, team, api_app_id, trigger_id…) with the container, the view (Home) or the
    channel, message and response URL (a message; no copy of an ephemeral one), and the
    action."""
    payload = copy.deepcopy(dict(base))
    payload["actions"] = [action_of(button, action_ts)]
    payload["state"] = {"values": {}}
    if target.kind == "home":
        view = copy.deepcopy(target.content)
        view["state"] = {"values": {}}
        payload["container"] = {"type": "view", "view_id": target.ts}
        payload["view"] = view
        return payload
    payload["container"] = {
        "type": "message",
        "message_ts": target.ts,
        "channel_id": target.channel_id,
        "is_ephemeral": target.ephemeral,
    }
    is_dm = target.channel_id[:1] == "D"
    payload["channel"] = {
        "id": target.channel_id,
        "name": channel_name or ("directmessage" if is_dm else target.channel_id),
    }
    if not target.ephemeral:
        payload["message"] = copy.deepcopy(target.content)
    if response_url:
        payload["response_url"] = response_url
    return payload


class ClickBoard:
    """The messages and Home tabs with buttons the console printed, newest last. Updated
    from the stand-in's threads (what the app sends) and read by `click`: locked."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._items: list[Clickable] = []
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def show(self, item: Clickable) -> None:
        """The app sent `item` (or sent it again: a Home tab published anew replaces its
        owner's last one, an edited message its old self); newest now."""
        with self._lock:
            old = self._find(item.kind, item.channel_id, item.ts, item.viewer)
            if old is not None:
                self._items.remove(old)
                item.response_keys |= old.response_keys
            if not has_buttons(item.content):
                return
            item.content = with_ids(item.content)
            item.seq = next(self._seq)
            self._items.append(item)
            del self._items[: -self._keep]

    def edit(
        self, channel_id: str, ts: str, changes: Mapping[str, Any], place: str, viewer: str | None
    ) -> None:
        """chat.update: the message now reads `changes` (its text, blocks…)."""
        with self._lock:
            old = self._find("message", channel_id, ts, None)
        if old is not None:
            content = {
                **old.content,
                **{k: v for k, v in changes.items() if k in ("text", "blocks", "attachments")},
            }
            self.show(
                Clickable(
                    "message",
                    old.place,
                    old.viewer,
                    channel_id,
                    ts,
                    old.ephemeral,
                    content,
                    set(old.response_keys),
                )
            )
        elif has_buttons(changes):
            content = {
                "type": "message",
                "ts": ts,
                **{k: v for k, v in changes.items() if k in ("text", "blocks", "attachments")},
            }
            self.show(Clickable("message", place, viewer, channel_id, ts, False, content))

    def delete(self, channel_id: str, ts: str) -> None:
        with self._lock:
            old = self._find("message", channel_id, ts, None)
            if old is not None:
                self._items.remove(old)

    def by_response(self, key: str) -> Clickable | None:
        """The message a response URL's `replace_original` / `delete_original` acts on."""
        with self._lock:
            for item in reversed(self._items):
                if key in item.response_keys:
                    return item
        return None

    def remove(self, item: Clickable) -> None:
        with self._lock:
            if item in self._items:
                self._items.remove(item)

    def link_response(self, item: Clickable, key: str) -> None:
        with self._lock:
            item.response_keys.add(key)

    def last_for(self, user_id: str) -> tuple[Clickable | None, Clickable | None]:
        """The newest item `user_id` can see, and the newest item of all when that is
        someone else's (to say whose it is)."""
        with self._lock:
            newest = self._items[-1] if self._items else None
            mine = next((i for i in reversed(self._items) if i.visible_to(user_id)), None)
        return mine, (newest if newest is not None and newest is not mine else None)

    def home_of(self, user_id: str) -> Clickable | None:
        with self._lock:
            return next(
                (i for i in reversed(self._items) if i.kind == "home" and i.viewer == user_id), None
            )

    def _find(self, kind: str, channel_id: str, ts: str, viewer: str | None) -> Clickable | None:
        for item in self._items:
            if item.kind != kind:
                continue
            if kind == "home" and item.viewer == viewer:
                return item
            if kind == "message" and item.channel_id == channel_id and item.ts == ts:
                return item
        return None


# ---------------------------------------------------------------------- helpers


def _is_button(element: Any) -> bool:
    return isinstance(element, Mapping) and element.get("type") == "button"


def _button(element: Mapping[str, Any], block_id: str, context: str) -> Button:
    value = element.get("value")
    return Button(
        label=_plain(element.get("text"), Names()) or str(element.get("action_id") or "button"),
        action_id=str(element.get("action_id") or ""),
        block_id=block_id,
        value=None if value is None else str(value),
        style=str(element["style"]) if element.get("style") else None,
        url=str(element["url"]) if element.get("url") else None,
        confirm=element.get("confirm") if isinstance(element.get("confirm"), Mapping) else None,
        context=context,
    )


def _menus_in(blocks: Any) -> int:
    """Selects, overflow menus, pickers and other controls that are not buttons."""
    count = 0
    for block in _as_list(blocks):
        if block.get("type") not in ("section", "actions"):
            continue
        for element in [block.get("accessory")] + _as_list(block.get("elements")):
            if isinstance(element, Mapping) and element.get("type") and not _is_button(element):
                count += 1
    return count


def _plain(obj: Any, names: Names) -> str:
    if isinstance(obj, Mapping):
        return render_mrkdwn(str(obj.get("text") or ""), names).strip()
    if isinstance(obj, str):
        return render_mrkdwn(obj, names).strip()
    return ""


def _first_line(obj: Any) -> str:
    text = obj.get("text") if isinstance(obj, Mapping) else obj
    if not isinstance(text, str):
        return ""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _label_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).casefold().split())


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _as_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]
