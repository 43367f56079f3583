"""Pure text work for the console: Slack's escaping of typed commands, mrkdwn and Block Kit
as terminal lines, and modal forms filled in from `submit name=value …`.

No I/O here: whatever needs the outside world (who `@maria` is, which id `#sales-east` has)
comes in as a callback or a `Names` snapshot, so everything can be tested in isolation.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.mentions import tokenize, unquote

IdFor = Callable[[str], str | None]

RULE = "─" * 32
# `@here` and friends are not people: Slack sends them as `<!here>`.
_BROADCASTS = frozenset({"here", "channel", "everyone"})
# A mention starts a word: after the start, whitespace or an opening bracket or quote. That
# keeps e-mail addresses (`bo@acme.com`) and anchors (`page#2`) as typed, as Slack does.
_WORD_START = r"(?<![^\s(\[{\"'“‘])"
_PLAIN_USER = re.compile(_WORD_START + r"@(\w(?:[\w.\-]{0,78}\w)?)")
_PLAIN_CHANNEL = re.compile(_WORD_START + r"#(\w(?:[\w\-]{0,78}\w)?)")
_ANGLE = re.compile(r"<([^<>\s][^<>]*)>")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

_TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
_SINGLE_SELECTS = frozenset({"static_select", "external_select", "radio_buttons"})
_MULTI_SELECTS = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
_NOTE_KEYS = ("note", "notes", "comment", "reason")


def stable_id(prefix: str, name: str) -> str:
    """A Slack-shaped id derived from a name, so `@maria` is the same person every run."""
    digest = hashlib.sha256(name.strip().lower().encode("utf-8")).hexdigest()[:10].upper()
    return prefix + digest


@dataclass(frozen=True)
class Names:
    """Who and what ids stand for, as the console knows them when rendering."""

    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------- typed text → Slack


def slack_escape(text: str) -> str:
    """Slack HTML-escapes `&`, `<` and `>` in every slash command's text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_command_text(text: str, user_id_for: IdFor, channel_id_for: IdFor) -> str:
    """The text as Slack sends it for a command with `should_escape: true`.

    `@maria` becomes `<@U…|maria>` and `#sales-east` becomes `<#C…|sales-east>` when the
    callbacks know an id for the name (they return None to leave a word as typed).
    """

    def user(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.lower() in _BROADCASTS:
            return f"<!{name.lower()}>"
        user_id = user_id_for(name)
        return f"<@{user_id}|{name}>" if user_id else match.group(0)

    def channel(match: re.Match[str]) -> str:
        name = match.group(1)
        # `#1` or `#42` is a number, not a channel.
        if not any(ch.isalpha() for ch in name):
            return match.group(0)
        channel_id = channel_id_for(name)
        return f"<#{channel_id}|{name}>" if channel_id else match.group(0)

    return _PLAIN_CHANNEL.sub(channel, _PLAIN_USER.sub(user, slack_escape(text)))


# ---------------------------------------------------------------------- Slack → terminal


def render_mrkdwn(text: str, names: Names) -> str:
    """mrkdwn as readable text: mentions, channels and links resolved, `*bold*` left alone."""

    def angle(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            user_id = target[1:]
            return "@" + (names.users.get(user_id) or label.lstrip("@") or user_id)
        if target.startswith("#"):
            channel_id = target[1:]
            return "#" + (names.channels.get(channel_id) or label.lstrip("#") or channel_id)
        if target.startswith("!"):
            special = target[1:]
            if special.startswith(("subteam^", "date^")):
                return label or special.split("^")[0]
            return "@" + special.split("^")[0]
        if label and label != target.removeprefix("mailto:"):
            return f"{label} ({target})"
        return label or target

    return _unescape(_ANGLE.sub(angle, text))


def render_message(message: Mapping[str, Any], names: Names) -> list[str]:
    """A message (or a command reply) as lines: its blocks if it has any, else its text."""
    blocks = _as_list(message.get("blocks"))
    if blocks:
        lines = render_blocks(blocks, names)
    else:
        lines = _split(render_mrkdwn(str(message.get("text") or ""), names))
    for attachment in _as_list(message.get("attachments")):
        lines += ["│ " + line for line in _attachment_lines(attachment, names)]
    return lines


def render_blocks(blocks: Sequence[Mapping[str, Any]], names: Names) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        lines += _block_lines(block, names)
    return lines


def _block_lines(block: Mapping[str, Any], names: Names) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"), names)
        return [title, "=" * max(3, min(len(title), 60))]
    if kind == "section":
        lines = _split(_text(block.get("text"), names)) if block.get("text") else []
        # Fields show as two columns in Slack; one line each reads best in a terminal.
        lines += [" ".join(_split(_text(f, names))) for f in _as_list(block.get("fields"))]
        accessory = _element(block.get("accessory"), names)
        if accessory:
            if lines:
                lines[0] = f"{lines[0]}   {accessory}"
            else:
                lines.append(accessory)
        return lines
    if kind == "context":
        parts = [
            _text(e, names) if e.get("type") != "image" else ""
            for e in _as_list(block.get("elements"))
        ]
        return _split("  ".join(p for p in parts if p))
    if kind == "divider":
        return [RULE]
    if kind == "actions":
        controls = [_element(e, names) for e in _as_list(block.get("elements"))]
        return ["  ".join(c for c in controls if c)]
    if kind == "image":
        return [
            f"[image: {block.get('alt_text') or _text(block.get('title'), names) or 'picture'}]"
        ]
    if kind == "rich_text":
        return _rich_text_lines(block, names)
    if kind == "input":
        label = _text(block.get("label"), names)
        return [f"{label}: {_element(block.get('element'), names)}"]
    if kind == "file":
        return ["[file]"]
    return []


def _element(element: Any, names: Names) -> str:
    """An interactive element as the control a reader would see."""
    if not isinstance(element, Mapping):
        return ""
    kind = str(element.get("type") or "")
    if kind == "button":
        return f"[ {_text(element.get('text'), names)} ]"
    if kind == "overflow":
        return "[ ⋯ ]"
    if kind in ("checkboxes", "radio_buttons"):
        mark = "[ ]" if kind == "checkboxes" else "( )"
        return "  ".join(
            f"{mark} {_text(o.get('text'), names)}" for o in _as_list(element.get("options"))
        )
    if kind.endswith("select") or kind.startswith("multi_"):
        initial = element.get("initial_option") or {}
        shown = (
            _text(initial.get("text"), names)
            or _text(element.get("placeholder"), names)
            or "choose"
        )
        return f"[ {shown} ▾ ]"
    if kind == "datepicker":
        return f"[ {element.get('initial_date') or _text(element.get('placeholder'), names) or 'YYYY-MM-DD'} ]"
    if kind == "timepicker":
        return f"[ {element.get('initial_time') or 'HH:MM'} ]"
    if kind in _TEXT_INPUTS:
        return (
            f"[ {element.get('initial_value') or _text(element.get('placeholder'), names) or '…'} ]"
        )
    return ""


def _rich_text_lines(block: Mapping[str, Any], names: Names) -> list[str]:
    lines: list[str] = []
    for part in _as_list(block.get("elements")):
        kind = part.get("type")
        if kind == "rich_text_list":
            ordered = part.get("style") == "ordered"
            for number, item in enumerate(_as_list(part.get("elements")), start=1):
                bullet = f"{number}." if ordered else "•"
                lines += _split(f"{bullet} {_rich_inline(item, names)}")
        elif kind == "rich_text_quote":
            lines += ["> " + line for line in _split(_rich_inline(part, names))]
        elif kind == "rich_text_preformatted":
            lines += ["    " + line for line in _split(_rich_inline(part, names))]
        else:
            lines += _split(_rich_inline(part, names))
    return lines


def _rich_inline(section: Mapping[str, Any], names: Names) -> str:
    out: list[str] = []
    for el in _as_list(section.get("elements")):
        kind = el.get("type")
        if kind == "text":
            text = str(el.get("text") or "")
            style = el.get("style") or {}
            if style.get("bold"):
                text = f"*{text}*"
            if style.get("code"):
                text = f"`{text}`"
            out.append(text)
        elif kind == "user":
            out.append("@" + (names.users.get(el.get("user_id", "")) or el.get("user_id", "")))
        elif kind == "channel":
            out.append(
                "#" + (names.channels.get(el.get("channel_id", "")) or el.get("channel_id", ""))
            )
        elif kind == "link":
            out.append(el.get("text") or el.get("url") or "")
        elif kind == "emoji":
            out.append(f":{el.get('name', '')}:")
        elif kind == "broadcast":
            out.append("@" + str(el.get("range", "")))
    return "".join(out)


def _attachment_lines(attachment: Mapping[str, Any], names: Names) -> list[str]:
    lines: list[str] = []
    for key in ("pretext", "title", "text"):
        if attachment.get(key):
            lines += _split(render_mrkdwn(str(attachment[key]), names))
    for f in _as_list(attachment.get("fields")):
        lines.append(f"{f.get('title', '')}: {render_mrkdwn(str(f.get('value', '')), names)}")
    blocks = _as_list(attachment.get("blocks"))
    if blocks:
        lines += render_blocks(blocks, names)
    if not lines and attachment.get("fallback"):
        lines.append(str(attachment["fallback"]))
    return lines


# ---------------------------------------------------------------------- modals


@dataclass(frozen=True)
class ModalField:
    """One input of a modal, named the way `submit` refers to it."""

    key: str
    block_id: str
    action_id: str
    element: Mapping[str, Any]
    label: str
    hint: str
    optional: bool

    @property
    def element_type(self) -> str:
        return str(self.element.get("type") or "")


def modal_fields(view: Mapping[str, Any]) -> list[ModalField]:
    inputs = [
        b
        for b in _as_list(view.get("blocks"))
        if b.get("type") == "input" and isinstance(b.get("element"), Mapping)
    ]
    # `metric:calls` is typed as `calls`; the full block id only when that would be ambiguous.
    short = [str(b.get("block_id", "")).rsplit(":", 1)[-1].lower() for b in inputs]
    fields = []
    for block, key in zip(inputs, short, strict=True):
        block_id = str(block.get("block_id", ""))
        element = block["element"]
        fields.append(
            ModalField(
                key=key if short.count(key) == 1 else block_id.lower(),
                block_id=block_id,
                action_id=str(element.get("action_id", "")),
                element=element,
                label=_plain(block.get("label")),
                hint=_field_hint(block, element),
                optional=bool(block.get("optional")),
            )
        )
    return fields


def render_modal(view: Mapping[str, Any], names: Names) -> list[str]:
    """A modal as a form to fill in: title, one line per input, then how to submit."""
    title = _plain(view.get("title")) or "Form"
    lines = [f"[form] {title}"]
    fields = {f.block_id: f for f in modal_fields(view)}
    width = max((len(f.key) for f in fields.values()), default=0)
    for block in _as_list(view.get("blocks")):
        found = fields.get(str(block.get("block_id", ""))) if block.get("type") == "input" else None
        if found is None:
            lines += ["  " + line for line in _block_lines(block, names)]
            continue
        optional = " (optional)" if found.optional else ""
        lines.append(f"  {found.key.ljust(width)}  {found.label}{optional}: {found.hint}")
    if fields:
        submit = _plain(view.get("submit")) or "Submit"
        lines.append(f"{submit}: {submit_example(list(fields.values()))} — or cancel")
    else:
        lines.append("Close it with cancel")
    return lines


def submit_example(fields: Sequence[ModalField]) -> str:
    """`submit calls=12 demos=2 day=2026-11-20 note="Acme"` for the /log modal; alike for others."""
    parts: list[str] = []
    numbers = [f for f in fields if f.element_type in _TEXT_INPUTS and f.key not in _NOTE_KEYS]
    preferred = [f for name in ("calls", "demos") for f in numbers if f.key == name]
    chosen = (preferred + [f for f in numbers if f not in preferred])[:2]
    parts += [f"{f.key}={value}" for f, value in zip(chosen, ("12", "2"), strict=False)]
    for f in fields:
        if f.element_type == "datepicker":
            parts.append(f"{f.key}={f.element.get('initial_date') or '2026-11-20'}")
        elif f.key in _NOTE_KEYS and f.element_type in _TEXT_INPUTS:
            parts.append(f'{f.key}="Acme"')
        elif f.element_type in _SINGLE_SELECTS and _as_list(f.element.get("options")):
            parts.append(f"{f.key}={_as_list(f.element.get('options'))[0].get('value', '')}")
    return "submit " + " ".join(parts)


def parse_assignments(text: str) -> dict[str, str]:
    """`calls=12 note="Acme deal"` as {"calls": "12", "note": "Acme deal"}; ValueError if malformed."""
    result: dict[str, str] = {}
    for token in tokenize(text):
        key, sep, value = token.partition("=")
        if not sep or not key.strip():
            raise ValueError(f'Write each field as name=value (e.g. calls=12), not "{token}".')
        result[key.strip().lower()] = unquote(value)
    return result


def build_state(
    view: Mapping[str, Any],
    assignments: Mapping[str, str],
    user_id_for: IdFor,
    channel_id_for: IdFor,
) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, str]]:
    """`view.state.values` in Slack's shape, and the problems Slack's client would refuse to
    submit with (keyed by field): unknown fields, required ones left empty, malformed dates."""
    fields = modal_fields(view)
    by_name: dict[str, ModalField] = {}
    for f in fields:
        for name in (f.key, f.block_id.lower(), f.label.lower()):
            by_name.setdefault(name, f)
    problems: dict[str, str] = {}
    given: dict[str, str] = {}
    for name, value in assignments.items():
        found = by_name.get(name)
        if found is None:
            problems[name] = (
                f'The form has no field "{name}". Its fields: {", ".join(f.key for f in fields)}.'
            )
        else:
            given[found.key] = value
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for f in fields:
        state, problem = _element_state(f, given.get(f.key), user_id_for, channel_id_for)
        if problem is None and not f.optional and _is_empty(state):
            problem = "Please fill out this field."
        if problem is not None:
            problems[f.key] = problem
        values.setdefault(f.block_id, {})[f.action_id] = state
    return values, problems


def render_field_errors(view: Mapping[str, Any], errors: Mapping[str, str]) -> list[str]:
    """The app's `response_action: errors` (keyed by block id) as `Label (key): message`."""
    fields = {f.block_id: f for f in modal_fields(view)}
    lines = []
    for block_id, message in errors.items():
        found = fields.get(block_id)
        name = f"{found.label} ({found.key})" if found else block_id
        lines.append(f"✗ {name}: {message}")
    return lines


def with_state(view: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the view carrying these state values, as Slack sends it on submit."""
    submitted = copy.deepcopy(dict(view))
    submitted["state"] = {"values": copy.deepcopy(dict(values))}
    return submitted


def _element_state(
    f: ModalField, raw: str | None, user_id_for: IdFor, channel_id_for: IdFor
) -> tuple[dict[str, Any], str | None]:
    element, kind = f.element, f.element_type
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        value = raw if raw is not None else element.get("initial_value")
        value = value or None
        state["value"] = value
        return state, _text_problem(element, value) if value is not None else None
    if kind == "datepicker":
        value = raw if raw is not None else element.get("initial_date")
        state["selected_date"] = value or None
        if value and not _is_iso_day(value):
            return state, "Pick a date as YYYY-MM-DD, e.g. 2026-11-20."
        return state, None
    if kind == "timepicker":
        value = raw if raw is not None else element.get("initial_time")
        state["selected_time"] = value or None
        if value and not _CLOCK_TIME.fullmatch(value):
            return state, "Pick a time as HH:MM, e.g. 09:30."
        return state, None
    options = _as_list(element.get("options"))
    if kind in _SINGLE_SELECTS:
        if raw is None:
            state["selected_option"] = element.get("initial_option")
            return state, None
        picked = _option(options, raw)
        state["selected_option"] = picked
        return state, None if picked or not raw else _options_problem(options)
    if kind in _MULTI_SELECTS:
        if raw is None:
            state["selected_options"] = list(element.get("initial_options") or [])
            return state, None
        picked_many = [_option(options, part) for part in _csv(raw)]
        state["selected_options"] = [o for o in picked_many if o]
        return state, None if all(picked_many) else _options_problem(options)
    if kind == "users_select":
        state["selected_user"] = (
            user_id_for(raw.lstrip("@")) if raw else element.get("initial_user")
        )
        return state, None
    if kind == "multi_users_select":
        ids = (
            [user_id_for(p.lstrip("@")) for p in _csv(raw)]
            if raw
            else element.get("initial_users") or []
        )
        state["selected_users"] = [i for i in ids if i]
        return state, None
    if kind in ("conversations_select", "channels_select"):
        noun = "conversation" if kind == "conversations_select" else "channel"
        state[f"selected_{noun}"] = (
            channel_id_for(raw.lstrip("#")) if raw else element.get(f"initial_{noun}")
        )
        return state, None
    state["value"] = raw
    return state, None


def _text_problem(element: Mapping[str, Any], value: str) -> str | None:
    if element.get("type") == "number_input":
        pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
        if not re.fullmatch(pattern, value):
            return "Enter a number."
    max_length, min_length = element.get("max_length"), element.get("min_length")
    if max_length is not None and len(value) > int(max_length):
        return f"Use at most {max_length} characters (this has {len(value)})."
    if min_length is not None and len(value) < int(min_length):
        return f"Use at least {min_length} characters."
    return None


def _field_hint(block: Mapping[str, Any], element: Mapping[str, Any]) -> str:
    hint = _plain(block.get("hint")) or _plain(element.get("placeholder"))
    kind = element.get("type")
    if not hint:
        if kind == "datepicker":
            hint = "a date, YYYY-MM-DD"
        elif kind == "timepicker":
            hint = "a time, HH:MM"
        elif kind in _SINGLE_SELECTS or kind in _MULTI_SELECTS:
            hint = (
                "one of: " if kind in _SINGLE_SELECTS else "any of (comma separated): "
            ) + ", ".join(str(o.get("value", "")) for o in _as_list(element.get("options")))
        elif kind in ("users_select", "multi_users_select"):
            hint = "a person, e.g. @maria"
        elif kind in ("conversations_select", "channels_select"):
            hint = "a channel, e.g. #sales-east"
        elif kind == "number_input":
            hint = "a number"
        else:
            hint = "text"
    if element.get("max_length") and kind in _TEXT_INPUTS:
        hint += f" (up to {element['max_length']} characters)"
    now = element.get("initial_date") or element.get("initial_time") or element.get("initial_value")
    if now:
        hint += f" — now {now}"
    return hint


def _option(options: Iterable[Mapping[str, Any]], wanted: str) -> dict[str, Any] | None:
    wanted = wanted.strip().lower()
    for option in options:
        if wanted in (str(option.get("value", "")).lower(), _plain(option.get("text")).lower()):
            return copy.deepcopy(dict(option))
    return None


def _options_problem(options: Sequence[Mapping[str, Any]]) -> str:
    return "Pick one of: " + ", ".join(str(o.get("value", "")) for o in options) + "."


def _is_iso_day(value: str) -> bool:
    if not _ISO_DAY.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_empty(state: Mapping[str, Any]) -> bool:
    return all(v in (None, "", []) for k, v in state.items() if k != "type")


def _csv(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


# ---------------------------------------------------------------------- helpers


def _text(obj: Any, names: Names) -> str:
    """A Block Kit text object: mrkdwn is rendered, plain_text shown as is."""
    if not obj:
        return ""
    if isinstance(obj, str):
        return render_mrkdwn(obj, names)
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text") or "")
    return render_mrkdwn(text, names) if obj.get("type") == "mrkdwn" else text


def _plain(obj: Any) -> str:
    if isinstance(obj, Mapping):
        return str(obj.get("text") or "")
    return str(obj or "")


def _as_list(value: Any) -> list[Any]:
    # Web API arguments may arrive JSON-encoded when the SDK sent a form.
    if isinstance(value, str) and value[:1] == "[":
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def _split(text: str) -> list[str]:
    return text.split("\n") if text else []


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
